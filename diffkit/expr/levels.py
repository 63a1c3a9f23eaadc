"""Levels of nested function transforms, and what their values have in common.

Every op of the table goes through :func:`~diffkit.expr.ops.apply`, which hands
it to the argument type with the highest ``_dk_level`` (traced values 1,
Tensors 2). Each *invocation* of a function transform (``jvp``, ``grad``,
``vmap``...) takes the next level up, :data:`BASE_LEVEL` plus the number of
transforms already running in this thread, so the values it makes sit above
every value it can meet: an inner transform's values hold the outer ones'
inside, and ops on a mix go to the inner transform first, which treats the
outer values as constants. That is how perturbations stay apart (JAX's
levels, HIPS autograd's trace ids).

:class:`LevelValue` is the base of the three kinds of transform values: the
forward-mode :class:`~diffkit.expr.dual.Dual`, the reverse-mode box of
:mod:`diffkit.ad.transforms.reverse` and the batched value of
:mod:`diffkit.ad.transforms.batching`. It gives them Python's operators, the
array methods and NumPy's protocols of
:class:`~diffkit.expr.methods.ArrayMethods`, and refuses ``float()``, which would drop a derivative silently.

Example
-------
>>> from diffkit.expr.levels import depth, new_level
>>> depth()
0
>>> with new_level() as d:
...     d, depth()
(0, 1)
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any

from ..errors import ArgumentTypeError, GradientError
from .arithmetic import OpArithmetic
from .methods import ArrayMethods
from .ops import OPS, apply, namespace

__all__ = ["BASE_LEVEL", "depth", "new_level", "level_class", "LevelValue", "lowest", "constant_like"]

#: Tensor has level 2; transform values sit above it (a transform may carry Tensors).
BASE_LEVEL = 3

_state = threading.local()


def depth() -> int:
    """How many function transforms are running in this thread (the next one's depth).

    Example
    -------
    >>> from diffkit.expr.levels import depth
    >>> depth()
    0
    """
    return getattr(_state, "depth", 0)


@contextlib.contextmanager
def new_level() -> Iterator[int]:
    """Run a transform one level above those running: yields its depth (level ``BASE_LEVEL + depth``).

    Example
    -------
    >>> from diffkit.expr.levels import new_level
    >>> with new_level() as outer, new_level() as inner:
    ...     outer, inner
    (0, 1)
    """
    d = depth()
    _state.depth = d + 1
    try:
        yield d
    finally:
        _state.depth = d


_CLASSES: dict[tuple[type, int], type] = {}


def level_class(base: type, d: int) -> type:
    """The subclass of ``base`` for transform depth ``d`` (its ``_dk_level`` is ``BASE_LEVEL + d``).

    ``level_class(base, 0)`` is ``base`` itself.

    Example
    -------
    >>> from diffkit.expr.dual import Dual
    >>> from diffkit.expr.levels import level_class
    >>> level_class(Dual, 2).__name__, level_class(Dual, 2)._dk_level
    ('Dual2', 5)
    """
    if d == 0:
        return base
    cls = _CLASSES.get((base, d))
    if cls is None:
        cls = _CLASSES[(base, d)] = type(f"{base.__name__}{d}", (base,),
                                         {"__slots__": (), "_dk_level": BASE_LEVEL + d})
    return cls


def lowest(x: Any) -> Any:
    """The plain value under every transform level (and under a Tensor): an array or a number.

    Example
    -------
    >>> from diffkit.expr.dual import Dual
    >>> from diffkit.expr.levels import lowest
    >>> lowest(Dual(Dual(2.0, 1.0), 0.5))
    2.0
    """
    while True:
        if isinstance(x, LevelValue):
            x = x._dk_inner()
        elif getattr(type(x), "_dk_level", 0) == 2 and hasattr(x, "_data"):  # a Tensor
            return x._data
        else:
            return x


def constant_like(x: Any, fill: float) -> Any:
    """A constant (no derivative at any level) of ``x``'s shape and dtype filled with ``fill``.

    Floats give floats; arrays give arrays of the same namespace.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.expr.dual import Dual
    >>> from diffkit.expr.levels import constant_like
    >>> constant_like(Dual(np.ones(2), None), 0.0), constant_like(3.0, 1.0)
    (array([0., 0.]), 1.0)
    """
    raw = lowest(x)
    shape = tuple(getattr(x, "shape", ()))
    if not hasattr(raw, "shape"):
        return complex(fill) if isinstance(raw, complex) else float(fill)
    xp = namespace(raw)
    return xp.full(shape, fill, dtype=getattr(x, "dtype", None) or raw.dtype)


class _Size(int):
    """An element count that, called, gives the shape: ``x.size`` (NumPy) and ``x.size(0)`` (PyTorch) both work."""

    shape: tuple

    def __new__(cls, shape: tuple) -> _Size:
        n = 1
        for s in shape:
            n *= s
        self = super().__new__(cls, n)
        self.shape = tuple(shape)
        return self

    def __call__(self, dim: int | None = None) -> Any:
        return self.shape if dim is None else self.shape[dim]


class LevelValue(OpArithmetic, ArrayMethods):
    """Base of the values function transforms make: operators, array methods, NumPy's protocols.

    Subclasses keep the value one level down and return it from
    ``_dk_inner()``; they implement ``_dk_apply(op, args, params)`` (the op's
    rule at their level) and ``_dk_function(fn, args, kwargs, below)`` (a
    custom :class:`~diffkit.Function` at their level).

    Example
    -------
    >>> from diffkit.expr.dual import Dual
    >>> from diffkit.expr.levels import LevelValue
    >>> isinstance(Dual(1.0, 0.0), LevelValue)
    True
    """

    __slots__ = ()
    __array_priority__ = 2000  # ndarray <op> value defers to the value

    def _dk_inner(self) -> Any:
        raise NotImplementedError

    # -- what the rules and user code read -------------------------------------------
    @property
    def shape(self) -> tuple:
        """The shape of the value (what the function being transformed sees)."""
        return tuple(getattr(self._dk_inner(), "shape", ()))

    @property
    def ndim(self) -> int:
        """Number of dimensions."""
        return len(self.shape)

    @property
    def dtype(self) -> Any:
        """The dtype of the value (None for a Python number)."""
        return getattr(self._dk_inner(), "dtype", None)

    @property
    def size(self) -> _Size:
        """Number of elements, as NumPy's ``x.size``; called, the shape, as PyTorch's ``x.size(dim=None)``."""
        return _Size(self.shape)

    # -- comparisons give plain (or batched) booleans; equality is elementwise, as in NumPy --
    def __lt__(self, o: Any) -> Any: return apply(OPS["less"], self, o)
    def __le__(self, o: Any) -> Any: return apply(OPS["less_equal"], self, o)
    def __gt__(self, o: Any) -> Any: return apply(OPS["greater"], self, o)
    def __ge__(self, o: Any) -> Any: return apply(OPS["greater_equal"], self, o)
    def __eq__(self, o: Any) -> Any: return apply(OPS["equal"], self, o)  # type: ignore[override]
    def __ne__(self, o: Any) -> Any: return apply(OPS["not_equal"], self, o)  # type: ignore[override]
    __hash__ = object.__hash__

    # Control flow on the value is allowed (the derivative follows the branch taken);
    # a batched value refuses it.
    def __bool__(self) -> bool:
        return bool(self._dk_inner())

    def __float__(self) -> float:
        raise GradientError(
            f"float() of a {type(self).__name__} (a value being differentiated or batched) would drop its "
            "derivative silently; keep it as a value and use diffkit ops on it (dk.sin, x * y, x.sum(), ...), "
            "or take float() of the transform's result")

    __int__ = __float__
    __complex__ = __float__

    def item(self) -> Any:
        """Refused, as ``float()``: a Python number can't carry a derivative."""
        return self.__float__()

    def __array__(self, dtype: Any = None, copy: Any = None) -> Any:
        raise GradientError(
            f"np.asarray of a {type(self).__name__} (a value being differentiated or batched) would make an array "
            "without its derivative (NumPy asks for one in np.asarray, np.array([...]), and when a NumPy array is "
            "indexed by it); use diffkit ops (dk.stack, dk.concat, x.reshape...) on it instead")

    numpy = tolist = __array__

    def __setitem__(self, index: Any, value: Any) -> None:
        raise ArgumentTypeError(
            f"a {type(self).__name__} (a value being differentiated or batched) can't be changed in place; "
            "write x = x.at[index].set(value) (or .add(value)), as in JAX")


def _in_place(name: str) -> Any:
    def refuse(self: LevelValue, *args: Any, **kwargs: Any) -> Any:
        raise ArgumentTypeError(
            f"{name}() would change a {type(self).__name__} (a value being differentiated or batched) in place; "
            "write it out of place (x = x + y for x.add_(y), x = x.at[index].set(v) for x[index] = v), as in JAX")

    refuse.__name__ = name
    refuse.__doc__ = "Refused: values inside a transform are changed out of place (``x = x + y``)."
    return refuse


for _name in ("add_", "sub_", "mul_", "div_", "pow_", "neg_", "sqrt_", "clamp_", "zero_", "fill_", "copy_",
              "addcmul_", "addcdiv_"):
    setattr(LevelValue, _name, _in_place(_name))
