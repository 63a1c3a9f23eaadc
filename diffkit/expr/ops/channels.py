"""Per-channel arithmetic on NumPy (N, C, *S) arrays: batch norm's statistics and its broadcasts, fast.

Batch norm reduces over every axis but the channels and then combines the
whole array with one value per channel. NumPy does both slowly in the layouts
a CNN hands it: it reduces over (0, 2, 3) in a poor order, and it runs a
broadcast's innermost loop over the channels, C entries at a time, when a
convolution's output lies channels last in memory. At (64, 16, 8, 8) float32
a mean takes 38 us against 7 us for a product with a vector of ones, and
``x - mean`` 40 us against 8 us once the per-channel values are spelled out
for a whole sample in memory order (``np.tile`` or ``np.repeat`` of C values,
S times) and each sample is one row.

Every helper gives what the plain NumPy expression gives (same dtype, same
values up to rounding) and falls back to it for any other array: another
namespace, another layout, integer or half-precision data.

Example
-------
>>> import numpy as np
>>> from diffkit.expr.ops.channels import channel_mean, channel_op
>>> x = np.arange(24.0).reshape(2, 3, 4)
>>> m = channel_mean(np, x, (0, 2))
>>> m.ravel().tolist()
[7.5, 11.5, 15.5]
>>> bool(np.array_equal(channel_op(np, "subtract", x, m), x - m))
True
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as _numpy

from .support import kept_vector
from .windows import channels_first

__all__ = ["channel_mean", "channel_stats", "channel_op"]


#: Per ndim: the axes that lay an (N, C, *S) array channels last, and those channel_mean reduces.
_LAST = {nd: (0,) + tuple(range(2, nd)) + (1,) for nd in range(3, 8)}
_REDUCED = {nd: (0,) + tuple(range(2, nd)) for nd in range(3, 8)}


def _rows(x: Any) -> tuple[Any, bool] | None:
    """A NumPy (N, C, *S) float array stored channels first or channels last, as an (N, C * prod(S)) view in
    memory order, and whether the channels come first; None for any other array. (Methods and tables,
    not ``np.moveaxis``: these helpers exist to save microseconds.)"""
    if not (x.__class__ is _numpy.ndarray and x.dtype.kind == "f" and x.dtype.itemsize >= 4 and x.size):
        return None
    last = _LAST.get(x.ndim)
    if last is None:
        return None
    if x.flags.c_contiguous:
        return x.reshape(x.shape[0], -1), True
    lay = x.transpose(last)
    if lay.flags.c_contiguous:
        return lay.reshape(x.shape[0], -1), False
    return None


def channel_mean(xp: Any, x: Any, axis: tuple) -> Any:
    """``xp.mean(x, axis, keepdims=True)``; for a NumPy (N, C, *S) float array averaged over every axis but
    the channels, BLAS products with vectors of ones (which also sum in blocks, more accurately than
    NumPy's float32 sum there).

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.expr.ops.channels import channel_mean
    >>> x = np.arange(24.0).reshape(2, 3, 4)
    >>> channel_mean(np, x, (0, 2)).ravel().tolist(), np.mean(x, axis=(0, 2)).tolist()
    ([7.5, 11.5, 15.5], [7.5, 11.5, 15.5])
    """
    rows = _rows(x) if xp is _numpy and tuple(axis) == _REDUCED.get(getattr(x, "ndim", 0)) else None
    if rows is None:
        return xp.mean(x, axis=axis, keepdims=True)
    flat, first = rows
    n, c = x.shape[:2]
    inner = x.size // (n * c)
    keep = (1, c) + (1,) * (x.ndim - 2)
    if first:  # each plane's sum, then the batch's
        per_plane = flat.reshape(n * c, inner) @ kept_vector(1.0, inner, x.dtype)
        return (kept_vector(1.0, n, x.dtype) @ per_plane.reshape(n, c) / (n * inner)).reshape(keep)
    return (kept_vector(1.0, n * inner, x.dtype) @ flat.reshape(n * inner, c) / (n * inner)).reshape(keep)


_OPERATORS = {"add": operator.add, "subtract": operator.sub, "multiply": operator.mul}


def channel_op(xp: Any, name: str, x: Any, v: Any, out: Any = None) -> Any:
    """``x + v``, ``x - v`` or ``x * v`` (``name`` ``"add"``, ``"subtract"``, ``"multiply"``) for ``x``
    (N, C, *S) and ``v`` one value per channel, shape (1, C, 1, ...); written into ``out`` when given (an
    array of x's shape and layout, or x itself) and returned.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.expr.ops.channels import channel_op
    >>> x = np.ones((2, 2, 3))
    >>> channel_op(np, "multiply", x, np.array([1.0, 2.0]).reshape(1, 2, 1), out=x) is x
    True
    >>> x[0].tolist()
    [[1.0, 1.0, 1.0], [2.0, 2.0, 2.0]]
    """
    rows = None
    if xp is _numpy and v.__class__ is _numpy.ndarray and v.ndim == getattr(x, "ndim", 0) >= 3 \
            and v.size == v.shape[1] == x.shape[1]:
        rows = _rows(x)
        target = None if out is None or out is x else _rows(out)
        if rows is not None and out is not None and out is not x and (target is None or target[1] != rows[1]):
            rows = None  # out in another layout: the plain operator, written into it
    if rows is None:
        result = _OPERATORS[name](x, v)
        if out is None:
            return result
        out[...] = result
        return out
    flat, first = rows
    inner = flat.shape[1] // v.size
    per = v.reshape(1, -1)
    spelled = (per.repeat(inner, axis=1) if first else per.repeat(inner, axis=0)).reshape(-1)
    ufunc = getattr(_numpy, name)
    if out is not None:
        ufunc(flat, spelled, out=flat if out is x else target[0])
        return out
    result = ufunc(flat, spelled)
    if first:
        return result.reshape(x.shape)
    return channels_first(_numpy, result.reshape((x.shape[0],) + x.shape[2:] + (x.shape[1],)))


def channel_stats(xp: Any, x: Any, axis: tuple) -> tuple[Any, Any]:
    """Mean and biased variance over ``axis`` (kept), as :func:`channel_mean` computes means, corrected by
    the mean of ``x - mean`` (the shifted-data formula): in float32 the first mean of values far from 0
    is off by a few ulps of their size, and the variance must not inherit that.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.expr.ops.channels import channel_stats
    >>> mean, var = channel_stats(np, np.array([[[1.0, 3.0], [0.0, 2.0]], [[5.0, 7.0], [4.0, 6.0]]]), (0, 2))
    >>> mean.ravel().tolist(), var.ravel().tolist()
    ([4.0, 3.0], [5.0, 5.0])
    """
    first = channel_mean(xp, x, axis)
    shifted = channel_op(xp, "subtract", x, first)
    correction = channel_mean(xp, shifted, axis)
    shifted *= shifted
    return first + correction, channel_mean(xp, shifted, axis) - correction * correction
