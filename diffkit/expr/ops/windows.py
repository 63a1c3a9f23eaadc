"""Sliding windows over the spatial axes: the im2col and col2im that convolution and pooling share.

Arrays are ``(N, C, *S)`` (batch, channels, one to three spatial axes), as in
PyTorch. The windows are laid out channels last, ``(N, *O, *K, C)`` (output
position, offset within the window, channel): copied out of a channels-last
input the innermost axis is then contiguous on both sides, which is what makes
the copy fast (at batch 64, 8 -> 16 channels, 24x24, a 5x5 window: 2.3 ms
against 7.7 ms for the channels-first order, and 25 ms for a slice-by-slice
gather into it). On NumPy and CuPy the windows are a strided view of the
padded input, with no copy until someone needs one; other Array-API
namespaces gather them slice by slice.

Geometry, per spatial axis: an input of size ``n`` padded by ``(lo, hi)``
gives ``(n + lo + hi - d (k - 1) - 1) // s + 1`` windows of ``k`` entries
``d`` apart, started every ``s`` entries.

Example
-------
>>> import numpy as np
>>> from diffkit.expr.ops.windows import geometry, windows
>>> x = np.arange(16.0).reshape(1, 1, 4, 4)
>>> g = geometry(x.ndim - 2, stride=2)
>>> windows(np, x, (2, 2), g)[0, :, :, :, :, 0].reshape(4, 4).tolist()   # the four 2x2 blocks
[[0.0, 1.0, 4.0, 5.0], [2.0, 3.0, 6.0, 7.0], [8.0, 9.0, 12.0, 13.0], [10.0, 11.0, 14.0, 15.0]]
"""

from __future__ import annotations

import itertools
import math
from typing import Any, NamedTuple

import numpy as _numpy

__all__ = ["Geometry", "geometry", "out_size", "channels_last", "channels_first", "windows", "by_offset", "col2im"]


class Geometry(NamedTuple):
    """Stride, padding ``((lo, hi), ...)`` and dilation per spatial axis.

    Example
    -------
    >>> from diffkit.expr.ops.windows import geometry
    >>> geometry(2, stride=2, padding=1)
    Geometry(stride=(2, 2), padding=((1, 1), (1, 1)), dilation=(1, 1))
    """

    stride: tuple[int, ...]
    padding: tuple[tuple[int, int], ...]
    dilation: tuple[int, ...]


def _per_axis(nd: int, value: Any) -> tuple:
    return tuple(value) if isinstance(value, (tuple, list)) else (value,) * nd


def geometry(nd: int, stride: Any = 1, padding: Any = 0, dilation: Any = 1) -> Geometry:
    """A :class:`Geometry` from ints or per-axis tuples; padding may also give ``(lo, hi)`` per axis.

    Example
    -------
    >>> from diffkit.expr.ops.windows import geometry
    >>> geometry(1, padding=((0, 1),)).padding
    ((0, 1),)
    """
    key = (nd, stride, padding, dilation)
    try:
        return _GEOMETRIES[key]
    except TypeError:  # given as lists
        return _geometry(*key)
    except KeyError:
        made = _geometry(*key)
        if len(_GEOMETRIES) < 256:
            _GEOMETRIES[key] = made
        return made


_GEOMETRIES: dict = {}  # the few geometries a model uses, asked for on every call of its layers


def _geometry(nd: int, stride: Any, padding: Any, dilation: Any) -> Geometry:
    pads = tuple(tuple(p) if isinstance(p, (tuple, list)) else (p, p) for p in _per_axis(nd, padding))
    return Geometry(tuple(int(s) for s in _per_axis(nd, stride)),
                    tuple((int(lo), int(hi)) for lo, hi in pads),
                    tuple(int(d) for d in _per_axis(nd, dilation)))


def out_size(size: tuple, kernel: tuple, g: Geometry) -> tuple[int, ...]:
    """Number of windows along each spatial axis.

    Example
    -------
    >>> from diffkit.expr.ops.windows import geometry, out_size
    >>> out_size((28, 28), (5, 5), geometry(2))
    (24, 24)
    """
    return tuple((n + lo + hi - d * (k - 1) - 1) // s + 1
                 for n, k, s, (lo, hi), d in zip(size, kernel, g.stride, g.padding, g.dilation))


def _contiguous(xp: Any, a: Any) -> Any:
    make = getattr(xp, "ascontiguousarray", None)
    return make(a) if make is not None else a


def channels_last(xp: Any, x: Any, padding: tuple = (), fill: float = 0.0) -> Any:
    """``x`` (N, C, *S) as a row-major (N, *S', C) array, padded by ``padding`` with ``fill``.

    Free when ``x`` already lies channels last in memory and needs no padding
    (what :func:`channels_first` hands out).

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.expr.ops.windows import channels_last
    >>> channels_last(np, np.ones((1, 2, 1, 1)), ((1, 0), (0, 0)))[0, :, 0].tolist()
    [[0.0, 0.0], [1.0, 1.0]]
    """
    nd = x.ndim - 2
    xl = xp.permute_dims(x, (0,) + tuple(range(2, nd + 2)) + (1,))
    if not any(lo or hi for lo, hi in padding):
        return _contiguous(xp, xl)
    shape = (x.shape[0],) + tuple(n + lo + hi for n, (lo, hi) in zip(x.shape[2:], padding)) + (x.shape[1],)
    out = xp.full(shape, fill, dtype=x.dtype)
    out[(slice(None),) + tuple(slice(lo, lo + n) for n, (lo, _) in zip(x.shape[2:], padding)) + (slice(None),)] = xl
    return out


def channels_first(xp: Any, a: Any) -> Any:
    """A (N, *S, C) array seen as (N, C, *S): a view, so the memory stays channels last.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.expr.ops.windows import channels_first
    >>> channels_first(np, np.zeros((2, 5, 3))).shape
    (2, 3, 5)
    """
    nd = a.ndim - 2
    return xp.permute_dims(a, (0, nd + 1) + tuple(range(1, nd + 1)))


def _as_strided(xp: Any) -> Any:
    tricks = getattr(getattr(xp, "lib", None), "stride_tricks", None)
    return getattr(tricks, "as_strided", None)


def _starts(kernel: tuple, out: tuple, g: Geometry) -> list[tuple]:
    """For each offset in the window (row-major), slices picking that entry of every window along each
    spatial axis."""
    per_axis = [[slice(k * d, k * d + s * (o - 1) + 1, s) for k in range(kk)]
                for kk, o, s, d in zip(kernel, out, g.stride, g.dilation)]
    return list(itertools.product(*per_axis))


def windows(xp: Any, x: Any, kernel: tuple, g: Geometry, fill: float = 0.0, out: tuple | None = None) -> Any:
    """The windows of ``x`` (N, C, *S) as an (N, *O, *K, C) array (a strided view where the namespace allows).

    ``out`` fixes the number of windows (a transposed convolution's may use
    less than the whole padded input); by default as many as fit. Never write
    into the result: on NumPy and CuPy its windows overlap in memory.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.expr.ops.windows import geometry, windows
    >>> windows(np, np.ones((2, 3, 8, 8)), (3, 3), geometry(2, padding=1)).shape
    (2, 8, 8, 3, 3, 3)
    """
    xl = channels_last(xp, x, g.padding, fill)
    nd = xl.ndim - 2
    if out is None:
        out = tuple((n - d * (k - 1) - 1) // s + 1 for n, k, s, d in zip(xl.shape[1:-1], kernel, g.stride, g.dilation))
    shape = (xl.shape[0],) + tuple(out) + tuple(kernel) + (xl.shape[-1],)
    as_strided = _as_strided(xp)
    if as_strided is not None:
        st = xl.strides
        strides = ((st[0],) + tuple(st[1 + i] * g.stride[i] for i in range(nd))
                   + tuple(st[1 + i] * g.dilation[i] for i in range(nd)) + (st[-1],))
        if xp is _numpy and xl.flags.c_contiguous:  # the same view as as_strided gives, 8x cheaper to make
            return _numpy.ndarray(shape, xl.dtype, xl, 0, strides)
        return as_strided(xl, shape, strides)
    cols = xp.empty(shape, dtype=xl.dtype)
    for offset, starts in zip(itertools.product(*map(range, kernel)), _starts(kernel, out, g)):
        cols[(slice(None),) * (1 + nd) + offset + (slice(None),)] = xl[(slice(None),) + starts + (slice(None),)]
    return cols


def by_offset(xp: Any, win: Any, nd: int) -> Any:
    """Windows (N, *O, *K, C) as a contiguous (K, N, *O, C) array: one slab per offset within the window.

    What a pass per offset wants (max pooling's comparisons, col2im): each
    slab is one contiguous block, where slicing the windows would hand out
    views with C-long rows.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.expr.ops.windows import by_offset, geometry, windows
    >>> x = np.arange(4.0).reshape(1, 1, 4)
    >>> by_offset(np, windows(np, x, (2,), geometry(1, stride=2)), 1)[:, 0, :, 0].tolist()
    [[0.0, 2.0], [1.0, 3.0]]
    """
    kernel = tuple(win.shape[1 + nd:1 + 2 * nd])
    perm = tuple(range(1 + nd, 1 + 2 * nd)) + (0,) + tuple(range(1, 1 + nd)) + (1 + 2 * nd,)
    moved = xp.permute_dims(win, perm)
    return xp.reshape(moved, (math.prod(kernel),) + tuple(moved.shape[nd:]))


def col2im(xp: Any, cols: Any, size: tuple, kernel: tuple, g: Geometry) -> Any:
    """The adjoint of :func:`windows`: each offset's slab of ``cols`` (K, N, *O, C) added back where it came from.

    Returns an (N, C, *size) array (channels last in memory); overlapping
    windows add up, padding is cropped away. Windows that tile the input (a
    stride equal to the kernel, no dilation) are put in place by one copy
    instead of a pass per offset.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.expr.ops.windows import col2im, geometry
    >>> g = geometry(1, padding=1)
    >>> col2im(np, np.ones((3, 1, 4, 1)), (4,), (3,), g)[0, 0].tolist()   # four windows of three, overlapping
    [2.0, 3.0, 3.0, 2.0]
    """
    nd = len(size)
    n, out, c = cols.shape[1], tuple(cols.shape[2:2 + nd]), cols.shape[-1]
    padded = tuple(s + lo + hi for s, (lo, hi) in zip(size, g.padding))
    covered = tuple(o * k for o, k in zip(out, kernel))
    if g.stride == tuple(kernel) and all(d == 1 for d in g.dilation) and all(
            cv <= p for cv, p in zip(covered, padded)):
        tiles = xp.reshape(cols, tuple(kernel) + (n,) + out + (c,))
        # (K1, K2, N, O1, O2, C) -> (N, O1, K1, O2, K2, C): each window back in its tile
        perm = (nd,) + tuple(a for i in range(nd) for a in (nd + 1 + i, i)) + (2 * nd + 1,)
        acc = xp.reshape(xp.permute_dims(tiles, perm), (n,) + covered + (c,))
        if covered != padded:
            grown = xp.zeros((n,) + padded + (c,), dtype=cols.dtype)
            grown[(slice(None),) + tuple(slice(0, cv) for cv in covered) + (slice(None),)] = acc
            acc = grown
    else:
        acc = xp.zeros((n,) + padded + (c,), dtype=cols.dtype)
        for k, starts in enumerate(_starts(kernel, out, g)):
            where = (slice(None),) + starts + (slice(None),)
            if xp is _numpy:  # into the view: NumPy's += on a slice also writes the view back (35% slower)
                view = acc[where]
                _numpy.add(view, cols[k], out=view)
            else:
                acc[where] += cols[k, ...]
    if any(lo or hi for lo, hi in g.padding):
        acc = acc[(slice(None),) + tuple(slice(lo, lo + s) for s, (lo, _) in zip(size, g.padding)) + (slice(None),)]
    return channels_first(xp, acc)
