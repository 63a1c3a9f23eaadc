"""NumPy's function protocol (``__array_function__``) for Tensors and the other traced values.

``np.cumsum(t)``, ``np.linalg.det(t)``, ``np.einsum("ij,jk", a, b)`` on a
Tensor run diffkit's version of the function, so the result is a Tensor and
the gradient flows through, as NumPy code run on HIPS autograd's boxes does.

A NumPy function with no diffkit version:

* runs on the plain numbers when no argument carries a derivative (a Tensor
  that does not require grad): ``np.allclose(t.grad, ...)``,
  ``np.testing.assert_allclose(...)``, ``np.isfinite(...)`` keep working;
* is refused with :class:`~diffkit.ArgumentTypeError` when one does, rather
  than silently dropping the gradient (PyTorch refuses too, in ``__array__``).
  Functions that only look at values (``allclose``, ``shape``, ``isfinite``...)
  are always answered from the numbers.

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
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as _numpy

from ..errors import ArgumentTypeError
from .ops.support import plain

__all__ = ["array_function", "IMPLEMENTATIONS"]

#: NumPy function -> diffkit function taking the same arguments; built on first use.
IMPLEMENTATIONS: dict[Callable, Callable] = {}

# Functions that only read values (their results carry no derivative): answered from the numbers.
_VALUES_ONLY = frozenset({
    "allclose", "isclose", "array_equal", "array_equiv", "shape", "ndim", "size", "isfinite", "isnan", "isinf",
    "isreal", "iscomplex", "iscomplexobj", "isrealobj", "any", "all", "count_nonzero", "argmax", "argmin",
    "nonzero", "flatnonzero", "searchsorted", "array_repr", "array_str", "result_type", "can_cast",
    "min_scalar_type", "may_share_memory", "shares_memory", "round", "around", "sign", "floor", "ceil",
    "assert_allclose", "assert_array_equal", "assert_array_almost_equal", "assert_equal", "assert_almost_equal",
    "assert_array_less", "matrix_rank", "cond",
})


def _min(x, axis=None, keepdims=False):
    from .ops import max as _max

    return -_max(-x, axis=axis, keepdims=keepdims)


def _var(x, axis=None, ddof=0, keepdims=False, correction=None):
    from .ops import conj, mean, real, sum
    from .ops.support import is_complex

    ddof = ddof if correction is None else correction
    d = x - mean(x, axis=axis, keepdims=True)
    d2 = real(d * conj(d)) if is_complex(d) else d * d
    axes = range(len(x.shape)) if axis is None else ((axis,) if isinstance(axis, int) else axis)
    n = int(_numpy.prod([x.shape[a] for a in axes]))
    return sum(d2, axis=axis, keepdims=keepdims) / float(max(n - ddof, 0))


def _std(x, axis=None, ddof=0, keepdims=False, correction=None):
    from .ops import equal, sqrt, where

    v = _var(x, axis=axis, ddof=ddof, keepdims=keepdims, correction=correction)
    zero = equal(v, 0.0)  # a constant sample: gradient 0 there, as for the norm (sqrt has none at 0)
    return where(zero, 0.0, sqrt(where(zero, 1.0, v)))


def _build() -> None:
    from .. import linalg as dk_linalg
    from . import ops

    same = ["append", "argpartition", "argsort", "array_split", "atleast_1d", "atleast_2d", "atleast_3d",
            "column_stack", "cross", "cumprod", "cumsum", "diag", "diagonal", "diff", "dot", "dsplit", "dstack",
            "einsum", "expand_dims", "flip", "fliplr", "flipud", "hsplit", "hstack", "inner", "kron", "linspace",
            "median", "meshgrid", "moveaxis", "outer", "pad", "partition", "prod", "ravel", "repeat", "roll",
            "rot90", "select", "sort", "split", "squeeze", "swapaxes", "take_along_axis", "tensordot", "tile",
            "trace", "tril", "triu", "vsplit", "vstack", "real", "imag", "conj", "angle", "sum", "mean",
            "matmul", "transpose", "reshape", "stack", "where", "exp", "log", "sin", "cos", "tan", "tanh",
            "sqrt", "square", "abs", "maximum", "minimum", "fmax", "fmin", "nan_to_num", "rollaxis", "gradient"]
    table: dict[Any, Callable] = {getattr(_numpy, n): getattr(ops, n) for n in same}
    table.update({
        _numpy.conjugate: ops.conj, _numpy.absolute: ops.abs, _numpy.concatenate: ops.concat,
        _numpy.max: ops.max, _numpy.amax: ops.max, _numpy.min: _min, _numpy.amin: _min,
        _numpy.var: _var, _numpy.std: _std, _numpy.arcsin: ops.asin, _numpy.arctan: ops.atan,
        _numpy.negative: ops.neg, getattr(_numpy, "row_stack", _numpy.vstack): ops.vstack,
        _numpy.clip: lambda a, a_min=None, a_max=None, min=None, max=None: ops.clip(  # noqa: A006
            a, a_min if min is None else min, a_max if max is None else max),
    })
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


def _call(func: Callable, impl: Callable, args: tuple, kwargs: dict) -> Any:
    """``impl`` with the call's arguments bound by ``func``'s own signature: the arrays (parameters without
    a default) by position, the options by name, so a positional ``dtype`` or ``out`` can't land in the
    wrong place; an option that would change the result and that diffkit doesn't have is refused."""
    name = getattr(func, "__name__", str(func))
    try:
        signature = inspect.signature(func)
        bound = signature.bind(*args, **kwargs)
    except (TypeError, ValueError):  # a builtin without a signature: as called
        return impl(*args, **kwargs)
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
    for key in list(named):
        if key in _NEUTRAL:
            del named[key]
        elif key in _ONLY_DEFAULT and named[key] is not _ONLY_DEFAULT[key] or key in ("initial", "mean"):
            raise ArgumentTypeError(f"np.{name}(..., {key}=...) is not supported on diffkit values; "
                                    f"compute without it (use the result, or combine it afterwards)")
        elif key in _ONLY_DEFAULT:
            del named[key]
    return impl(*positional, **named)


def _carries_derivative(a: Any) -> bool:
    if getattr(type(a), "_dk_level", 0) == 0:
        return False
    return bool(getattr(a, "requires_grad", True))


def _to_numbers(a: Any) -> Any:
    if isinstance(a, (list, tuple)):
        return type(a)(_to_numbers(v) for v in a)
    if getattr(type(a), "_dk_level", 0):
        a = plain(a)
        return a.get() if hasattr(a, "get") and not isinstance(a, _numpy.ndarray) else a  # CuPy to host
    return a


def _walk(args: tuple, kwargs: dict):
    for a in list(args) + list(kwargs.values()):
        if isinstance(a, (list, tuple)):
            yield from _walk(tuple(a), {})
        else:
            yield a


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
    name = getattr(func, "__name__", str(func))
    if impl is not None:
        return _call(func, impl, args, kwargs)
    if name in _VALUES_ONLY or not any(_carries_derivative(a) for a in _walk(args, kwargs)):
        return func(*_to_numbers(args), **{k: _to_numbers(v) for k, v in kwargs.items()})
    raise ArgumentTypeError(f"np.{name} has no diffkit version, and running it on the numbers would drop the "
                            f"gradient of a value that requires one; use diffkit's functions (dk.*, "
                            f"dk.linalg.*), or .detach() the tensor first if no gradient is wanted")
