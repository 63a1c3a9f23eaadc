"""Dual numbers over the ops table: forward mode for any value the ops apply to.

A :class:`Dual` ``primal + tangent·ε`` (``ε² = 0``) intercepts every op of
the table (through ``_dk_level``/``_dk_apply``) and carries the tangent with
the op's JVP rule. The front-end owns it because two packages use it: forward
mode (:mod:`diffkit.ad.forward`) and the swell study's exact and float64
references (:mod:`diffkit.symbolic.dual`), which must not import each other.

Example
-------
>>> import diffkit as dk
>>> from diffkit.expr.dual import Dual
>>> y = dk.sin(Dual(0.0, 1.0)) * 3
>>> float(y.primal), float(y.tangent)
(0.0, 3.0)
"""

from __future__ import annotations

from typing import Any

from .arithmetic import OpArithmetic
from .methods import ArrayMethods
from .ops import OPS, Op, apply, namespace

__all__ = ["Dual", "dual_type", "zeros_like", "BASE_LEVEL"]

#: Tensor has level 2; duals sit above it so a Dual may carry Tensors (reverse over forward).
BASE_LEVEL = 3

def zeros_like(x: Any) -> Any:
    """A zero tangent shaped like ``x`` (``0.0`` for Python numbers).

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.expr.dual import zeros_like
    >>> zeros_like(np.ones(2)), zeros_like(3.0)
    (array([0., 0.]), 0.0)
    """
    if isinstance(x, Dual):
        return type(x)(zeros_like(x.primal), None)
    if isinstance(x, (int, float)):
        return 0.0
    if isinstance(x, complex):
        return 0j
    if hasattr(x, "__array_namespace__") or hasattr(x, "shape"):
        try:
            return namespace(x).zeros_like(x)
        except (AttributeError, TypeError):
            pass
    return 0.0 * x


class Dual(OpArithmetic, ArrayMethods):
    """A dual number ``primal + tangent·ε`` (``ε² = 0``): forward mode on Python functions.

    Every op of the table applied to a Dual returns a Dual whose tangent comes
    from the op's JVP rule. ``tangent is None`` means a zero tangent. Use
    :func:`jvp_function` rather than building Duals by hand: it picks the level
    that keeps nested derivatives apart.

    Attributes
    ----------
    primal : float, array, Tensor or Dual
        The value.
    tangent : same kind as ``primal``, or None
        Its directional derivative.

    Example
    -------
    >>> import diffkit as dk
    >>> from diffkit.expr.dual import dual_type
    >>> D = dual_type(0)
    >>> y = dk.exp(D(0.0, 1.0)) * 3
    >>> float(y.primal), float(y.tangent)
    (3.0, 3.0)
    """

    __slots__ = ("primal", "tangent")
    _dk_level = BASE_LEVEL
    __array_priority__ = 2000  # ndarray + Dual defers to Dual

    def __init__(self, primal: Any, tangent: Any = None):
        self.primal = primal
        self.tangent = tangent

    @classmethod
    def _dk_apply(cls, op: Op, args: tuple, params: dict) -> Any:
        primals = tuple(a.primal if type(a) is cls else a for a in args)
        tangents = tuple(a.tangent if type(a) is cls else None for a in args)
        ans = apply(op, *primals, **params)
        if op.jvp is None or all(t is None for t in tangents):
            return ans if op.jvp is None else cls(ans, None)
        return cls(ans, op.jvp_of(tangents, ans, primals, params))

    # -- array-like attributes the rules read ---------------------------------
    @property
    def shape(self) -> tuple:
        return tuple(getattr(self.primal, "shape", ()))

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return int(getattr(self.primal, "size", 1))

    @property
    def dtype(self) -> Any:
        return getattr(self.primal, "dtype", None)

    @property
    def T(self) -> Any:  # noqa: N802 - NumPy's name
        return self._op("transpose")

    def _op(self, name: str, *args: Any, **params: Any) -> Any:
        # through apply(), not our own _dk_apply: the other operand may be a
        # higher-level value (an inner derivative's Dual) that must go first
        return apply(OPS[name], *(args or (self,)), **params)

    def __matmul__(self, o): return self._op("matmul", self, o)
    def __rmatmul__(self, o): return self._op("matmul", o, self)
    def __getitem__(self, index): return self._op("getitem", self, index=index)

    def sum(self, axis=None, keepdims=False): return self._op("sum", self, axis=axis, keepdims=keepdims)
    def mean(self, axis=None, keepdims=False): return self._op("mean", self, axis=axis, keepdims=keepdims)
    def max(self, axis=None, keepdims=False): return self._op("max", self, axis=axis, keepdims=keepdims)
    def reshape(self, *shape):
        shape = tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
        return self._op("reshape", self, shape=shape)

    # Control flow on the primal is allowed: forward mode follows the branch taken.
    def __bool__(self): return bool(self.primal)
    def __float__(self): return float(self.primal)
    def __lt__(self, o): return self.primal < _primal(o)
    def __le__(self, o): return self.primal <= _primal(o)
    def __gt__(self, o): return self.primal > _primal(o)
    def __ge__(self, o): return self.primal >= _primal(o)
    __hash__ = object.__hash__

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        from .tracer import _UFUNCS

        name = _UFUNCS.get(ufunc.__name__)
        if method != "__call__" or name is None or kwargs:
            return NotImplemented
        return apply(OPS[name], *inputs)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.primal!r}, tangent={self.tangent!r})"


def _primal(v: Any) -> Any:
    return v.primal if isinstance(v, Dual) else v


_TYPES: dict[int, type] = {0: Dual}


def dual_type(depth: int) -> type:
    """The Dual class for nesting depth ``depth`` (its ``_dk_level`` is ``3 + depth``).

    An inner derivative (taken inside a function that an outer derivative is
    running) uses a deeper, higher-level class, so its ops are handled first
    and the outer tangent rides along inside its values.

    Example
    -------
    >>> from diffkit.expr.dual import dual_type
    >>> dual_type(1)._dk_level
    4
    """
    if depth not in _TYPES:
        _TYPES[depth] = type(f"Dual{depth}", (Dual,), {"__slots__": (), "_dk_level": BASE_LEVEL + depth})
    return _TYPES[depth]
