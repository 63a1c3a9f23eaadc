"""Pooling: the maximum and the average over sliding windows, PyTorch's geometry and options.

Both take ``x`` (N, C, *S) over one to three spatial axes and PyTorch's
options: ``kernel_size``, ``stride``, ``padding`` (the same on both sides of
an axis), ``ceil_mode`` (a last, partial window where the floor would drop
it); ``max_pool`` also ``dilation``, ``avg_pool`` ``count_include_pad`` and
``divisor_override``.

* ``max_pool``'s derivative picks, in each window, its first maximum (PyTorch's
  choice among ties): the cotangent goes there and nowhere else in the window,
  overlapping windows adding up. The rules say so with the table's ``gather``
  and ``scatter_add`` at the places ``max_pool_index`` finds, so they
  differentiate again and batch.
* ``avg_pool`` is linear, a convolution of each channel with a constant
  kernel: its reverse rule is ``conv_transpose`` with that kernel.

Example
-------
>>> import numpy as np
>>> from diffkit.expr.ops.pooling import avg_pool, max_pool
>>> x = np.array([[[1.0, 5.0, 2.0, 0.0, 7.0]]])
>>> max_pool(x, kernel_size=(2,), stride=(2,)).tolist(), max_pool(x, kernel_size=(2,), ceil_mode=True).tolist()
([[[5.0, 2.0]]], [[[5.0, 2.0, 7.0]]])
>>> avg_pool(x, kernel_size=(2,)).tolist()
[[[3.0, 1.0]]]
"""

from __future__ import annotations

import math
from typing import Any

import numpy as _numpy

from .convolution import conv_transpose
from .core import _defop, namespace
from .indexing import gather, scatter_add
from .shapes import reshape
from .support import plain, zeros
from .windows import Geometry, by_offset, channels_first, channels_last, col2im, windows

__all__ = ["max_pool", "max_pool_index", "avg_pool", "pool_geometry", "max_pool_indices"]


def _axis_size(n: int, k: int, s: int, p: int, d: int, ceil_mode: bool) -> int:
    """PyTorch's pooled length: with ``ceil_mode`` a last window may hang over the end, but never
    start in the right padding."""
    span = n + 2 * p - d * (k - 1) - 1
    out = (span + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and (out - 1) * s >= n + p:
        out -= 1
    return out


def pool_geometry(size: tuple, kernel_size: tuple, stride: tuple | None, padding: Any = 0, dilation: Any = 1,
                  ceil_mode: bool = False) -> tuple[tuple[int, ...], Geometry]:
    """The pooled shape and the windows' :class:`~.windows.Geometry` (right padding grown for a last, partial window).

    Example
    -------
    >>> from diffkit.expr.ops.pooling import pool_geometry
    >>> out, g = pool_geometry((5,), (2,), (2,), ceil_mode=True)
    >>> out, g.padding
    ((3,), ((0, 1),))
    """
    nd = len(size)
    kernel = tuple(kernel_size)
    stride = kernel if stride is None or stride == () else tuple(stride)
    pad = padding if isinstance(padding, (tuple, list)) else (padding,) * nd
    dil = dilation if isinstance(dilation, (tuple, list)) else (dilation,) * nd
    out = tuple(_axis_size(n, k, s, p, d, ceil_mode) for n, k, s, p, d in zip(size, kernel, stride, pad, dil))
    hi = tuple(max(0, (o - 1) * s + d * (k - 1) + 1 - n - p)
               for o, s, d, k, n, p in zip(out, stride, dil, kernel, size, pad))
    return out, Geometry(tuple(stride), tuple(zip(pad, hi)), tuple(dil))


def _tiling(x: Any, kernel_size: tuple, stride: Any = None, padding: Any = 0, dilation: Any = 1) -> bool:
    """Whether the windows tile x: stride = kernel, no padding or dilation, each size a multiple of the
    kernel (a CNN's 2x2 pooling)."""
    kernel = tuple(kernel_size)
    nd = len(kernel)
    same = (lambda v, default: v in (default, (default,) * nd, [default] * nd))
    return ((stride in (None, ()) or tuple(stride) == kernel) and same(padding, 0) and same(dilation, 1)
            and not any(n % k for n, k in zip(x.shape[2:], kernel)))


def _tile_max(xp: Any, x: Any, kernel: tuple) -> Any:
    """Each tile's maximum, one spatial axis at a time from the outermost: the first pass then runs
    along whole rows (2.5x faster than a pass per offset of a 2x2 tile over channels-last data, whose
    runs are only C entries long). nan-propagating, as max over a window is."""
    out = x
    for i, k in enumerate(kernel):
        lead = (slice(None),) * (2 + i)
        m = out[lead + (slice(0, None, k),)]
        for o in range(1, k):
            m = xp.maximum(m, out[lead + (slice(o, None, k),)])
        out = m
    return out


def _window_argmax(xp: Any, x: Any, kernel: tuple, geo: Geometry, out: tuple) -> Any:
    """Offset of each window's first maximum, flattened over the kernel: (N, *O, C) integers.

    A pass per offset rather than ``argmax`` over a middle axis (which NumPy
    runs as one tiny loop per window: 5x slower for 2x2 windows). A nan is the
    maximum, and of several the last, as PyTorch picks it (a second pass, only
    where there are nans).
    """
    slabs = by_offset(xp, windows(xp, x, kernel, geo, fill=-math.inf, out=out), len(kernel))
    best, index = slabs[0, ...], xp.zeros(slabs.shape[1:], dtype=xp.int64)
    for k in range(1, slabs.shape[0]):
        v = slabs[k, ...]
        index = xp.where(v > best, k, index)
        best = xp.maximum(best, v)  # a nan stays: no later entry beats it
    if xp.any(xp.isnan(best)):
        for k in range(slabs.shape[0]):
            index = xp.where(xp.isnan(slabs[k, ...]), k, index)
    return index


def max_pool_indices(xp: Any, x: Any, kernel_size: tuple, stride: tuple | None = None, padding: Any = 0,
                     dilation: Any = 1, ceil_mode: bool = False) -> Any:
    """Where each window's maximum is: (N, C, *O) indices into the flattened spatial axes (PyTorch's
    ``return_indices``).

    A window whose entries are all -inf reports its first entry inside the input, as PyTorch does.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.expr.ops.pooling import max_pool_indices
    >>> max_pool_indices(np, np.array([[[[1.0, 4.0], [4.0, 0.0]]]]), (2, 2)).tolist()
    [[[[1]]]]
    """
    size = tuple(x.shape[2:])
    nd = len(size)
    kernel = tuple(kernel_size)
    out, geo = pool_geometry(size, kernel, stride, padding, dilation, ceil_mode)
    k = _window_argmax(xp, x, kernel, geo, out)
    index = 0
    for i in range(nd):
        k_i = (k // math.prod(kernel[i + 1:])) % kernel[i]
        o_i = xp.reshape(xp.arange(out[i]), (1,) * (1 + i) + (out[i],) + (1,) * (nd - i))
        pos = xp.clip(o_i * geo.stride[i] + k_i * geo.dilation[i] - geo.padding[i][0], 0, size[i] - 1)
        index = index * size[i] + pos
    return channels_first(xp, index)


def _max_pool_impl(xp, x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
    if _tiling(x, kernel_size, stride, padding, dilation):
        return _tile_max(xp, x, tuple(kernel_size))
    nd = x.ndim - 2
    out, geo = pool_geometry(tuple(x.shape[2:]), tuple(kernel_size), stride, padding, dilation, ceil_mode)
    win = windows(xp, x, tuple(kernel_size), geo, fill=-math.inf, out=out)
    return channels_first(xp, xp.max(win, axis=tuple(range(1 + nd, 1 + 2 * nd))))


max_pool_index = _defop(
    "max_pool_index", 1, lambda xp, x, **params: max_pool_indices(xp, x, **params),
    kind="array", cost=lambda out, args, p: int(out.size) * math.prod(p["kernel_size"]),
    template="max_pool_index({0})",
    doc="where each window's first maximum sits in its (n, c) plane (PyTorch's return_indices); integer, "
        "no gradient",
    batch="leading_batch",
)


def _planes(a: Any) -> Any:
    """(N, C, *S) as (N, C, prod(S)): the entries of each (n, c) plane in a row."""
    return reshape(a, shape=tuple(a.shape[:2]) + (math.prod(a.shape[2:]),))


# The rules find each window's maximum with max_pool_index (an op, so a batch under vmap gets its own
# indices) and move values along each plane with gather and scatter_add.
def _max_pool_vjp(g, ans, x, **params):
    index = _planes(max_pool_index(x, **params))
    flat = scatter_add(zeros(_planes(x).shape, x), index, _planes(g), axis=2)
    return reshape(flat, shape=tuple(x.shape))


def _max_pool_jvp(t, ans, x, **params):
    picked = gather(_planes(t), _planes(max_pool_index(x, **params)), axis=2)
    return reshape(picked, shape=tuple(ans.shape))


def _finite(xp: Any, a: Any) -> bool:
    """Whether every entry of ``a`` is finite, by its sum (an overflow says no: the caller's general path
    is right for finite values too)."""
    return bool(xp.isfinite(xp.sum(a)))


def _max_pool_vjp_arrays(xp, g, ans, args, needs, kernel_size, stride=None, padding=0, dilation=1,
                         ceil_mode=False):
    (x,) = args
    kernel = tuple(kernel_size)
    size = tuple(x.shape[2:])
    out, geo = pool_geometry(size, kernel, stride, padding, dilation, ceil_mode)
    gl = channels_last(xp, g)
    slabs = by_offset(xp, windows(xp, x, kernel, geo, fill=-math.inf, out=out), len(kernel))
    largest = xp.max(slabs, axis=0)  # recomputed, not read from the output (which may be changed in place since)
    if _finite(xp, largest) and _finite(xp, g):
        # each window's first entry equal to its maximum takes the cotangent, found with boolean passes
        # and placed by a product (3x faster than argmax indices and where); nan, inf and windows of
        # padding only take the general path below
        hit = equal = slabs == largest
        if int(xp.count_nonzero(equal)) != largest.size:  # ties (a ReLU's zeros): the first of each window's
            hit, taken = xp.empty_like(equal), equal[0].copy()
            hit[0] = equal[0]
            for k in range(1, equal.shape[0]):
                xp.logical_and(equal[k], ~taken, out=hit[k])
                taken |= equal[k]
        return [col2im(xp, hit * gl, size, kernel, geo)]
    index = _window_argmax(xp, x, kernel, geo, out)  # (N, *O, C)
    hit = xp.reshape(xp.arange(math.prod(kernel)), (-1,) + (1,) * index.ndim) == index  # (K, N, *O, C)
    return [col2im(xp, xp.where(hit, gl, xp.zeros((), dtype=g.dtype)), size, kernel, geo)]


max_pool = _defop(
    "max_pool", 1, _max_pool_impl,
    jvp=(_max_pool_jvp,), vjp=(_max_pool_vjp,), vjp_arrays=_max_pool_vjp_arrays,
    kind="array", cost=lambda out, args, p: int(out.size) * math.prod(p["kernel_size"]),
    template="max_pool({0})",
    doc="maximum over sliding windows of x (N, C, *S); the gradient goes to each window's first maximum",
    batch="leading_batch",
)


def _avg_divisor(size, kernel, out, geo, count_include_pad, divisor_override):
    """Each window's divisor, (*O) in float64: PyTorch's, window by window."""
    if divisor_override:
        return _numpy.full(out, float(divisor_override))
    total = _numpy.ones(out)
    for i, (n, k, o, s, (p, _)) in enumerate(zip(size, kernel, out, geo.stride, geo.padding)):
        start = _numpy.arange(o) * s - p
        end = _numpy.minimum(start + k, n + p)
        count = end - start if count_include_pad else _numpy.minimum(end, n) - _numpy.maximum(start, 0)
        total = total * count.reshape((1,) * i + (o,) + (1,) * (len(size) - i - 1))
    return total


def _avg_setup(x, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override):
    size, kernel = tuple(x.shape[2:]), tuple(kernel_size)
    out, geo = pool_geometry(size, kernel, stride, padding, 1, ceil_mode)
    divisor = _avg_divisor(size, kernel, out, geo, count_include_pad, divisor_override)
    return size, kernel, out, geo, divisor


def _avg_pool_impl(xp, x, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
                   divisor_override=None):
    size, kernel, out, geo, divisor = _avg_setup(x, kernel_size, stride, padding, ceil_mode, count_include_pad,
                                                 divisor_override)
    nd = len(size)
    win = windows(xp, x, kernel, geo, out=out)
    total = xp.sum(win, axis=tuple(range(1 + nd, 1 + 2 * nd)))
    return channels_first(xp, total / xp.asarray(divisor[..., None], dtype=x.dtype))


def _avg_pool_vjp(g, ans, x, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
                  divisor_override=None):
    size, kernel, out, geo, divisor = _avg_setup(x, kernel_size, stride, padding, ceil_mode, count_include_pad,
                                                 divisor_override)
    v = plain(g)
    xp = namespace(v)
    n, c = x.shape[:2]
    per_channel = reshape(g / xp.asarray(divisor, dtype=v.dtype), shape=(n * c, 1) + out)
    ones = xp.ones((1, 1) + kernel, dtype=v.dtype)
    back = conv_transpose(per_channel, ones, size=size, stride=geo.stride, padding=geo.padding)
    return reshape(back, shape=tuple(x.shape))


def _avg_pool_vjp_arrays(xp, g, ans, args, needs, kernel_size, stride=None, padding=0, ceil_mode=False,
                         count_include_pad=True, divisor_override=None):
    (x,) = args
    size, kernel, out, geo, divisor = _avg_setup(x, kernel_size, stride, padding, ceil_mode, count_include_pad,
                                                 divisor_override)
    gl = channels_last(xp, g) / xp.asarray(divisor[..., None], dtype=g.dtype)
    return [col2im(xp, xp.broadcast_to(gl, (math.prod(kernel),) + tuple(gl.shape)), size, kernel, geo)]


avg_pool = _defop(
    "avg_pool", 1, _avg_pool_impl,
    jvp=(lambda t, ans, x, **p: avg_pool(t, **p),), vjp=(_avg_pool_vjp,), vjp_arrays=_avg_pool_vjp_arrays,
    kind="array", cost=lambda out, args, p: int(out.size) * (math.prod(p["kernel_size"]) + 1),
    template="avg_pool({0})", reads_inputs=False,
    doc="mean over sliding windows of x (N, C, *S), PyTorch's divisors at the edges",
    batch="leading_batch",
)
