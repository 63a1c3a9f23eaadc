"""Helpers the array-vocabulary ops share: axes, index tuples, constants on the right namespace.

The rules of the ops run on whatever value the engines hand them (a plain
array, a Tensor, a dual number, a traced value); these helpers only read
``shape``/``ndim``/``dtype`` from them, and build constants (zeros, masks) on
the array namespace underneath, so that a rule on a CuPy Tensor gets CuPy
constants.

Example
-------
>>> from diffkit.expr.ops.support import along, axis_index
>>> axis_index(-1, 3)
2
>>> along(1, 3, slice(0, 2))
(slice(None, None, None), slice(0, 2, None), slice(None, None, None))
"""

from __future__ import annotations

import math
from typing import Any

import numpy as _numpy

from ...errors import ArgumentError, ShapeError
from .core import namespace

__all__ = ["axis_index", "along", "xp_of", "zeros", "constant", "is_complex", "check_matrix",
           "flops_per_matrix", "plain",
           "is_floating", "in_namespace", "kept_vector"]


def axis_index(axis: Any, ndim: int, name: str = "axis") -> int:
    """``axis`` as a non-negative int, or a clear error naming the valid range."""
    if isinstance(axis, bool) or not isinstance(axis, (int, _numpy.integer)):
        raise ArgumentError(f"{name} must be an integer, got {axis!r}")
    if not -max(ndim, 1) <= axis < max(ndim, 1):
        raise ArgumentError(f"{name}={axis} is out of range for an array with {ndim} dimension(s); "
                            f"use an {name} between {-max(ndim, 1)} and {max(ndim, 1) - 1}")
    return int(axis) % max(ndim, 1)


def along(axis: int, ndim: int, sl: Any) -> tuple:
    """A full index tuple that applies ``sl`` on ``axis`` and takes every other axis whole.

    Full (no ``...``), so that it also suits Array-API namespaces.
    """
    return (slice(None),) * axis + (sl,) + (slice(None),) * (ndim - axis - 1)


def _below(x: Any) -> Any:
    """The value one level under ``x``: a Tensor's array, a transform value's inner value; None for a
    traced value (it holds no array)."""
    inner = getattr(x, "_data", None)
    if inner is None:
        get = getattr(x, "_dk_inner", None)  # a dual number, reverse box or batched value
        inner = get() if get is not None else None
    return inner


def xp_of(x: Any) -> Any:
    """The array namespace underneath ``x`` (a Tensor's, a transform value's inner value's, or the array's)."""
    for _ in range(16):  # values nest: a dual number of Tensors of CuPy arrays
        if getattr(type(x), "_dk_level", 0) == 0:
            return namespace(x)
        inner = _below(x)
        if inner is None:
            xp = getattr(x, "xp", None)
            return xp if xp is not None else _numpy
        x = inner
    return _numpy


def _plain_dtype(x: Any) -> Any:
    dtype = getattr(x, "dtype", None)
    if dtype is None:
        return _numpy.complex128 if isinstance(x, complex) else _numpy.float64
    return dtype


_KEPT_VECTORS: dict = {}


def kept_vector(value: float, n: int, dtype: Any) -> Any:
    """A read-only NumPy vector of ``n`` entries equal to ``value``, a slice of one kept per value and dtype:
    the hot ops ask for the same constants every step (batch norm's ones for its BLAS means, relu's zeros).

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.expr.ops.support import kept_vector
    >>> v = kept_vector(1.0, 3, np.float32)
    >>> v.tolist(), v.dtype.name, v.flags.writeable
    ([1.0, 1.0, 1.0], 'float32', False)
    """
    key = (value, _numpy.dtype(dtype))
    v = _KEPT_VECTORS.get(key)
    if v is None or v.size < n:
        v = _KEPT_VECTORS[key] = _numpy.full(max(n, 2**12), value, dtype=dtype)
        v.flags.writeable = False
    return v[:n]


def zeros(shape: tuple, like: Any) -> Any:
    """A constant array of zeros of ``shape``, in the dtype and on the namespace of ``like``."""
    return xp_of(like).zeros(tuple(shape), dtype=_plain_dtype(like))


def constant(values: Any, like: Any) -> Any:
    """NumPy constants (a mask, an index, a ramp) on the namespace of ``like``, floats in its float dtype."""
    xp = xp_of(like)
    arr = _numpy.asarray(values)
    out = arr if xp is _numpy else xp.asarray(arr)
    if arr.dtype.kind == "f" and is_floating(like) and not is_complex(like):
        dtype = _plain_dtype(like)
        out = out.astype(dtype) if xp is _numpy else xp.astype(out, dtype)
    return out


def is_floating(x: Any) -> bool:
    """Whether ``x`` holds real or complex floating-point numbers."""
    dtype = getattr(x, "dtype", None)
    if dtype is None:
        return isinstance(x, (float, complex))
    try:
        return _numpy.dtype(dtype).kind in "fc"
    except TypeError:  # another namespace's dtype object
        return "float" in str(dtype) or "complex" in str(dtype)


def in_namespace(xp: Any, index: Any) -> Any:
    """An integer or boolean array argument (an index, a mask) on ``xp``, whichever namespace it came from."""
    if hasattr(index, "__array_namespace__") and index.__array_namespace__() is xp:
        return index
    if xp is _numpy:
        return _numpy.asarray(index)
    return xp.asarray(_numpy.asarray(index.get() if hasattr(index, "get") else index))


def is_complex(x: Any) -> bool:
    """Whether ``x`` holds complex numbers."""
    dtype = getattr(x, "dtype", None)
    if dtype is None:
        return isinstance(x, complex)
    try:
        return _numpy.dtype(dtype).kind == "c"
    except TypeError:  # another namespace's dtype object
        return "complex" in str(dtype)


def check_matrix(name: str, x: Any, square: bool = False) -> None:
    """Refuse what is not a (stack of) matrix, or not square where ``square``."""
    shape = tuple(getattr(x, "shape", ()))
    if len(shape) < 2:
        raise ShapeError(f"{name} needs a matrix (or a stack of matrices, shape (..., m, n)); "
                         f"got shape {shape}")
    if square and shape[-1] != shape[-2]:
        raise ShapeError(f"{name} needs square matrices (..., n, n); got shape {shape}")


def flops_per_matrix(x: Any, per: Any) -> int:
    """``per(m, n)`` element-operations for each matrix of the stack ``x`` (..., m, n)."""
    shape = tuple(getattr(x, "shape", ()))
    m, n = shape[-2], shape[-1]
    return int(math.prod(shape[:-2]) * per(m, n))


def plain(x: Any) -> Any:
    """The raw array inside ``x`` (a Tensor's data, a transform value's value), for arguments with no
    derivative: integer indices, boolean masks, values that only choose (a window's maximum)."""
    for _ in range(16):
        if getattr(type(x), "_dk_level", 0) == 0:
            return x
        inner = _below(x)
        if inner is None:
            return x
        x = inner
    return x
