"""NumPy's protocols (``__array_function__``, ``__array_ufunc__``) for every kind of diffkit value.

``np.cumsum(x)``, ``np.linalg.det(x)``, ``np.einsum("ij,jk", a, b)``,
``np.exp(x)`` or ``ndarray * x`` on a Tensor, a forward-mode dual number, a
reverse-mode box or a batched value of the function transforms run diffkit's
version of the function, so the result is a value of the same kind and the
derivative flows through, as NumPy code run on HIPS autograd's boxes does.
:class:`~diffkit.expr.methods.ArrayMethods` hands both protocols here.

A NumPy function (or ufunc) with no diffkit version:

* runs on the plain numbers when no argument carries a derivative (a Tensor
  that does not require grad): ``np.allclose(t.grad, ...)``,
  ``np.testing.assert_allclose(...)``, ``np.isfinite(...)`` keep working;
  functions that only look at values (``allclose``, ``isfinite``,
  ``floor``...) are always answered from the numbers, and shape queries
  (``np.shape``, ``np.zeros_like``...) from the value's own shape;
* is refused with :class:`~diffkit.ArgumentTypeError` when an argument carries
  a derivative, rather than silently dropping it (PyTorch refuses too, in
  ``__array__``); under ``vmap`` a function answered from the numbers would
  see the whole batch, and is refused with :class:`~diffkit.BatchingError`.

Example
-------
>>> import numpy as np
>>> import diffkit as dk
>>> x = dk.tensor([1.0, 2.0, 3.0], requires_grad=True)
>>> y = np.cumsum(x)
>>> y
tensor([1., 3., 6.], grad_fn=<CumsumBackward>)
>>> np.sum(y).backward(); x.grad
tensor([3., 2., 1.])
>>> dk.ad.grad(lambda v: np.sum(np.dot(np.array([[1.0, 2.0]]), v)))(np.array([1.0, 1.0]))
array([1., 2.])
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as _numpy

from ..errors import ArgumentTypeError, BatchingError
from .arithmetic import UFUNCS

__all__ = ["array_function", "array_ufunc", "IMPLEMENTATIONS"]

#: NumPy function (or ufunc) -> diffkit function taking the same arguments; built on first use.
IMPLEMENTATIONS: dict[Callable, Callable] = {}

# Functions that only read values (their results carry no derivative): answered from the numbers.
_VALUES_ONLY = frozenset({
    "allclose", "isclose", "array_equal", "array_equiv", "isfinite", "isnan", "isinf", "isposinf", "isneginf",
    "isreal", "iscomplex", "any", "all", "count_nonzero", "nonzero", "flatnonzero", "argwhere", "searchsorted",
    "array_repr", "array_str", "round", "around", "rint", "floor", "ceil", "trunc", "fix", "signbit",
    "logical_and", "logical_or", "logical_not", "logical_xor", "can_cast", "min_scalar_type", "may_share_memory",
    "shares_memory", "assert_allclose", "assert_array_equal",
    "assert_array_almost_equal", "assert_equal", "assert_almost_equal", "assert_array_less", "matrix_rank", "cond",
})


def _shape_of(a: Any) -> tuple:
    return tuple(a.shape) if hasattr(a, "shape") else _numpy.shape(a)


def _full_like(a: Any, fill_value: Any, dtype: Any = None, order: Any = "K", subok: Any = True,
               shape: Any = None, **kwargs: Any) -> Any:
    """``np.full_like`` (and ``zeros_like``, ``ones_like``): a constant of the value's shape (one example's,
    under ``vmap``) on its namespace; the result carries no derivative."""
    from .levels import lowest
    from .ops import namespace

    raw = lowest(a)
    dtype = dtype or getattr(a, "dtype", None) or _numpy.result_type(raw)
    return namespace(raw).full(_shape_of(a) if shape is None else shape, fill_value, dtype=dtype)


def _filled(value: float) -> Callable[..., Any]:
    return lambda a, dtype=None, order="K", subok=True, shape=None, **kwargs: _full_like(a, value, dtype, shape=shape)


def _spread(name: str) -> Callable[..., Any]:
    """``np.var``/``np.std``: the table's op with NumPy's default ``ddof=0`` (the methods default to
    PyTorch's ``correction=1``); NumPy 2's ``correction=`` is ``ddof``."""
    def call(a: Any, axis: Any = None, ddof: Any = 0, keepdims: bool = False, correction: Any = None) -> Any:
        from . import array_functions as af

        return getattr(af, name)(a, axis=axis, ddof=ddof if correction is None else correction, keepdims=keepdims)

    return call


def _build() -> None:
    from .. import linalg as dk_linalg
    from . import array_functions as af
    from . import ops

    same = ["append", "argpartition", "argsort", "array_split", "atleast_1d", "atleast_2d", "atleast_3d",
            "column_stack", "cross", "cumprod", "cumsum", "diag", "diagonal", "diff", "dot", "dsplit", "dstack",
            "einsum", "expand_dims", "flip", "fliplr", "flipud", "hsplit", "hstack", "inner", "kron", "linspace",
            "median", "meshgrid", "moveaxis", "outer", "pad", "partition", "prod", "ravel", "repeat", "roll",
            "rot90", "select", "sort", "split", "squeeze", "swapaxes", "take_along_axis", "tensordot", "tile",
            "trace", "tril", "triu", "vsplit", "vstack", "real", "imag", "conj", "angle", "sum", "mean",
            "matmul", "transpose", "reshape", "stack", "where", "nan_to_num", "rollaxis", "gradient", "argmax",
            "argmin", "broadcast_to", "matrix_transpose"]
    table: dict[Any, Callable] = {getattr(_numpy, n): getattr(ops, n) for n in same}
    table.update({
        _numpy.concatenate: ops.concat, _numpy.max: af.amax, _numpy.amax: af.amax, _numpy.min: af.amin,
        _numpy.amin: af.amin, _numpy.var: _spread("var"), _numpy.std: _spread("std"),
        getattr(_numpy, "row_stack", _numpy.vstack): ops.vstack,
        _numpy.clip: lambda a, a_min=None, a_max=None, min=None, max=None: ops.clip(  # noqa: A006
            a, a_min if min is None else min, a_max if max is None else max),
        _numpy.shape: _shape_of, _numpy.ndim: lambda a: len(_shape_of(a)),
        _numpy.size: lambda a, axis=None: int(_numpy.prod(_shape_of(a))) if axis is None else _shape_of(a)[axis],
        _numpy.zeros_like: _filled(0), _numpy.ones_like: _filled(1), _numpy.empty_like: _filled(0),
        _numpy.full_like: _full_like,
        _numpy.iscomplexobj: lambda a: _numpy.dtype(a.dtype).kind == "c" if hasattr(a, "dtype") else
        isinstance(a, complex),
        _numpy.isrealobj: lambda a: not (_numpy.dtype(a.dtype).kind == "c" if hasattr(a, "dtype") else
                                         isinstance(a, complex)),
        _numpy.result_type: lambda *xs: _numpy.result_type(*(getattr(x, "dtype", x) for x in xs)),
    })
    # ufuncs: the table's elementwise ops (np.conj is a ufunc too, under "same" above)
    table.update({getattr(_numpy, n): ops.FUNCTIONS[op] for n, op in UFUNCS.items()})
    table.update({_numpy.fmax: ops.fmax, _numpy.fmin: ops.fmin, _numpy.reciprocal: af.reciprocal,
                  _numpy.astype: lambda x, dtype: ops.astype(x, dtype=dtype)})
    for n in ("inv", "solve", "det", "slogdet", "cholesky", "eigh", "eigvalsh", "svd", "svdvals", "qr", "pinv",
              "lstsq", "norm", "vector_norm", "matrix_norm", "outer", "cross", "tensordot", "matmul", "diagonal",
              "trace", "matrix_transpose"):
        table[getattr(_numpy.linalg, n)] = getattr(dk_linalg, n)
    IMPLEMENTATIONS.update(table)


# Keywords that don't change the numbers here (the sort is always stable, einsum's path is its own...).
_NEUTRAL = frozenset({"dtype", "kind", "order", "optimize", "casting", "subok", "stable", "copy",
                      "overwrite_input", "device"})
# Keywords that would change the result, and what they may be given as.
_ONLY_DEFAULT = {"out": None, "where": True}


def _named_options(impl: Callable) -> frozenset:
    """The options ``impl`` names (a neutral one it names, as ``np.astype``'s dtype, is passed on)."""
    try:
        params = inspect.signature(impl).parameters.values()
    except (TypeError, ValueError):
        return frozenset()
    return frozenset(p.name for p in params if p.kind is not p.VAR_KEYWORD)


def _refuse_options(name: str, named: dict, impl: Callable) -> dict:
    keep = _named_options(impl)
    for key in list(named):
        if key in keep:
            continue
        if key in _NEUTRAL:
            del named[key]
        elif key in _ONLY_DEFAULT and named[key] is not _ONLY_DEFAULT[key] or key in ("initial", "mean"):
            raise ArgumentTypeError(f"np.{name}(..., {key}=...) is not supported on diffkit values; "
                                    f"compute without it (use the result, or combine it afterwards)")
        elif key in _ONLY_DEFAULT:
            del named[key]
    return named


def _call(func: Callable, impl: Callable, args: tuple, kwargs: dict) -> Any:
    """``impl`` with the call's arguments bound by ``func``'s own signature: the arrays (parameters without
    a default) by position, the options by name, so a positional ``dtype`` or ``out`` can't land in the
    wrong place; an option that would change the result and that diffkit doesn't have is refused."""
    name = getattr(func, "__name__", str(func))
    try:
        signature = inspect.signature(func)
        bound = signature.bind(*args, **kwargs)
    except (TypeError, ValueError):  # a builtin without a signature: as called
        return impl(*args, **_refuse_options(name, dict(kwargs), impl))
    positional: list = []
    named: dict = {}
    left = len(args)  # the caller's positional arguments stay positional, up to the first option NumPy
    by_name = False  # has that diffkit hasn't (a positional dtype or out): from there on, by name
    for p in signature.parameters.values():
        if p.name not in bound.arguments:
            continue
        value = bound.arguments[p.name]
        if p.kind is p.VAR_POSITIONAL:
            positional.extend(value)
            left = 0
            continue
        if p.kind is p.VAR_KEYWORD:
            named.update(value)
            continue
        here = left > 0 and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        left -= here
        by_name = by_name or (here and (p.name in _NEUTRAL or p.name in _ONLY_DEFAULT))
        if here and not by_name:
            positional.append(value)
        else:
            named[p.name] = value
    return impl(*positional, **_refuse_options(name, named, impl))


def _carries_derivative(a: Any) -> bool:
    if getattr(type(a), "_dk_level", 0) == 0:
        return False
    return bool(getattr(a, "requires_grad", True))


def _batched(a: Any) -> bool:
    """Whether ``a`` carries a batch of ``vmap`` at any of its levels."""
    from .levels import LevelValue

    while isinstance(a, LevelValue):
        if getattr(type(a), "_dk_batched", False):
            return True
        a = a._dk_inner()
    return False


def _to_numbers(a: Any) -> Any:
    if isinstance(a, (list, tuple)):
        return type(a)(_to_numbers(v) for v in a)
    if getattr(type(a), "_dk_level", 0):
        from .levels import lowest

        a = lowest(a)
        return a.get() if hasattr(a, "get") and not isinstance(a, _numpy.ndarray) else a  # CuPy to host
    return a


def _walk(args: tuple, kwargs: dict):
    for a in list(args) + list(kwargs.values()):
        if isinstance(a, (list, tuple)):
            yield from _walk(tuple(a), {})
        else:
            yield a


def _public_name(func: Callable, name: str) -> str:
    """``np.fft.fft``, ``np.linalg.det``, ``np.sum``: how the user called it."""
    module = getattr(func, "__module__", None) or "numpy"
    parts = module.split(".")
    if parts[0] != "numpy" or any(p.startswith("_") for p in parts):
        return f"np.{name}"
    return ".".join(["np", *parts[1:], name])


def _numbers_or_refuse(func: Callable, name: str, args: tuple, kwargs: dict) -> Any:
    public = _public_name(func, name)
    if any(_batched(a) for a in _walk(args, kwargs)):
        raise BatchingError(f"vmap: {public} has no diffkit version, and run on the numbers it would see the "
                            "whole batch, not one example; write it with diffkit's functions")
    if name.rsplit(".", 1)[-1] in _VALUES_ONLY or not any(_carries_derivative(a) for a in _walk(args, kwargs)):
        return func(*_to_numbers(args), **{k: _to_numbers(v) for k, v in kwargs.items()})
    raise ArgumentTypeError(f"{public} has no diffkit version, and running it on the numbers would drop the "
                            f"gradient of a value that carries one; use diffkit's functions (dk.*, "
                            f"dk.linalg.*), or .detach() the value first if no derivative is wanted")


def array_function(func: Callable, types: tuple, args: tuple, kwargs: dict) -> Any:
    """Answer a NumPy function called on diffkit values (see the module docstring).

    Example
    -------
    >>> import numpy as np
    >>> import diffkit as dk
    >>> np.linalg.det(dk.tensor([[2.0, 0.0], [0.0, 3.0]], requires_grad=True))
    tensor(6., grad_fn=<DetBackward>)
    """
    if not IMPLEMENTATIONS:
        _build()
    impl = IMPLEMENTATIONS.get(func)
    if impl is not None:
        return _call(func, impl, args, kwargs)
    return _numbers_or_refuse(func, getattr(func, "__name__", str(func)), args, kwargs)


def array_ufunc(ufunc: Any, method: str, inputs: tuple, kwargs: dict) -> Any:
    """Answer a NumPy ufunc called on diffkit values: ``np.exp(x)``, ``ndarray * x``, ``np.conj(z)``.

    Example
    -------
    >>> import numpy as np
    >>> import diffkit as dk
    >>> dk.ad.grad(lambda z: np.real(np.conj(z) * z))(np.array(1.0 + 2.0j))  # JAX's convention
    np.complex128(2-4j)
    >>> np.isfinite(dk.tensor([1.0, np.inf], requires_grad=True))
    array([ True, False])
    """
    if not IMPLEMENTATIONS:
        _build()
    impl = IMPLEMENTATIONS.get(ufunc) if method == "__call__" else None
    if impl is not None:
        return impl(*inputs, **_refuse_options(ufunc.__name__, dict(kwargs), impl))
    name = ufunc.__name__ if method == "__call__" else f"{ufunc.__name__}.{method}"
    return _numbers_or_refuse(getattr(ufunc, method), name, inputs, kwargs)
