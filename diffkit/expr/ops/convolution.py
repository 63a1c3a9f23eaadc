"""Convolution: three ops that are each other's derivatives.

``conv(x, w)`` is PyTorch's convolution (a cross-correlation) of ``x``
(N, C, *S) with ``w`` (O, C / groups, *K), over one to three spatial axes,
with stride, padding ``((lo, hi), ...)``, dilation and groups. It is bilinear
in ``(x, w)``, and so are the two contractions its reverse rule needs:

* ``conv_transpose(g, w)``, the cotangent of ``x``: every output cotangent
  sent back through the window it came from (col2im). For stride 1 it is the
  convolution of the zero-padded ``g`` with the flipped kernel, channels
  swapped: *the backward pass of a convolution is a convolution*. It is also
  what ``nn.ConvTranspose2d`` computes.
* ``conv_weight(x, g)``, the cotangent of ``w``: the correlation of the input
  windows with ``g``.

Each of the three is the others' derivative (``<conv(x, w), g> =
<x, conv_transpose(g, w)> = <w, conv_weight(x, g)>``), so their rules are
written with one another and differentiate again to any order.

All three are one matrix product on the windows of :mod:`.windows`:
windows (N*L, K*C) times the kernel as a (K*C, O) matrix, one GEMM for the
batch. Outputs come back channels last in memory (a transposed view), which
is what the next convolution or pooling wants to read.

Example
-------
>>> import numpy as np
>>> from diffkit.expr.ops.convolution import conv, conv_transpose
>>> x = np.arange(5.0).reshape(1, 1, 5)
>>> conv(x, np.array([[[1.0, 0.0, -1.0]]])).tolist()              # x[i] - x[i + 2]
[[[-2.0, -2.0, -2.0]]]
>>> conv_transpose(np.ones((1, 1, 3)), np.array([[[1.0, 0.0, -1.0]]]), size=(5,)).tolist()
[[[1.0, 1.0, 0.0, -1.0, -1.0]]]
"""

from __future__ import annotations

import math
import threading
import weakref
from typing import Any

import numpy as _numpy

from .batching import leading_batch
from .core import _defop
from .shapes import broadcast_to, getitem, reshape, transpose
from .windows import channels_first, col2im, geometry, out_size, windows

__all__ = ["conv", "conv_transpose", "conv_weight"]


def _kernel_last(xp: Any, w: Any) -> Any:
    """w (O, Cg, *K) as (O, *K, Cg): the order of a window's entries."""
    nd = w.ndim - 2
    return xp.permute_dims(w, (0,) + tuple(range(2, nd + 2)) + (1,))


def _rows(xp: Any, g: Any) -> Any:
    """An (N, O, *S) array as (N * prod(S), O) rows, channels last."""
    nd = g.ndim - 2
    gl = xp.permute_dims(g, (0,) + tuple(range(2, nd + 2)) + (1,))
    return xp.reshape(gl, (math.prod(gl.shape[:-1]), g.shape[1]))


def _grouped(xp: Any, a: Any, groups: int) -> Any:
    """(L, G * m) rows as (G, L, m) stacked matrices."""
    return xp.permute_dims(xp.reshape(a, (a.shape[0], groups, a.shape[1] // groups)), (1, 0, 2))


def _ungrouped(xp: Any, a: Any) -> Any:
    """(G, L, m) stacked matrices as (L, G * m) rows."""
    return xp.reshape(xp.permute_dims(a, (1, 0, 2)), (a.shape[1], a.shape[0] * a.shape[2]))


def _window_rows(xp: Any, x: Any, kernel: tuple, geo: Any, groups: int, out: tuple | None = None) -> Any:
    """The windows of x as (N * L, K * C) rows, or (G, N * L, K * Cg) per group.

    The rows are copied out of a strided view of the channels-last input, and NumPy copies fast
    along a contiguous innermost run: a window's row of channels (K_w * C entries). With a single
    channel (a grey image) a row of outputs is the longer run (O_w entries), so the rows are copied
    transposed, (K, N * L), and handed out as a transposed view: at (64, 1, 8, 8) with a 3x3
    kernel, 25 us against 97 us.
    """
    win = windows(xp, x, kernel, geo, out=out)
    nd = len(kernel)
    k, c = math.prod(kernel), x.shape[1]
    rows = math.prod(win.shape[:1 + nd])
    if c == 1 and geo.stride[-1] == 1 and win.shape[nd] > kernel[-1]:
        by_entry = xp.permute_dims(win, tuple(range(1 + nd, 2 + 2 * nd)) + tuple(range(1 + nd)))
        return xp.matrix_transpose(xp.reshape(by_entry, (k, rows)))
    if groups == 1:
        return xp.reshape(win, (rows, k * c))
    per_group = xp.reshape(win, (rows, k, groups, c // groups))
    return xp.reshape(xp.permute_dims(per_group, (2, 0, 1, 3)), (groups, rows, k * (c // groups)))


def _kernel_matrix(xp: Any, w: Any, groups: int) -> Any:
    """w (O, Cg, *K) as (O, K * Cg), or (G, O / G, K * Cg) per group."""
    wl = xp.reshape(_kernel_last(xp, w), (w.shape[0], math.prod(w.shape[1:])))
    return wl if groups == 1 else xp.reshape(wl, (groups, w.shape[0] // groups, wl.shape[1]))


# The kernel's cotangent multiplies the very windows the forward product did. The forward keeps its rows
# of windows for the reverse rule of the same node (conv's vjp_arrays), found by the input array itself:
# only that rule looks, when the tape has checked that the input is unchanged (its version), and a call
# of conv_weight computes them afresh. An entry goes when its input is freed; 64 MiB at most in all.
_KEPT: dict[int, tuple] = {}
_KEEP_BYTES = 64 * 2**20
_KEEP_LOCK = threading.Lock()  # a model may run in several threads


def _keep(xp: Any, x: Any, key: tuple, cols: Any) -> None:
    if xp is not _numpy or not isinstance(x, _numpy.ndarray) or cols.nbytes > _KEEP_BYTES // 4:
        return
    ident = id(x)

    def gone(ref: Any, kept: dict = _KEPT) -> None:  # the dict bound now: module globals may be gone at exit
        if kept.get(ident, (None,))[0] is ref:
            kept.pop(ident, None)

    with _KEEP_LOCK:
        while _KEPT and sum(entry[2].nbytes for entry in _KEPT.values()) + cols.nbytes > _KEEP_BYTES:
            _KEPT.pop(next(iter(_KEPT)))
        _KEPT.pop(ident, None)
        _KEPT[ident] = (weakref.ref(x, gone), key, cols)


def _kept(x: Any, key: tuple) -> Any:
    entry = _KEPT.get(id(x))
    if entry is not None and entry[0]() is x and entry[1] == key:
        return entry[2]
    return None


def _window_key(x: Any, kernel: tuple, geo: Any, out: tuple) -> tuple:
    return (tuple(x.shape), tuple(getattr(x, "strides", ())), str(x.dtype), kernel, geo, out)


def _conv_impl(xp, x, w, stride=1, padding=0, dilation=1, groups=1):
    nd = x.ndim - 2
    geo = geometry(nd, stride, padding, dilation)
    kernel = tuple(w.shape[2:])
    out = out_size(tuple(x.shape[2:]), kernel, geo)
    cols = _window_rows(xp, x, kernel, geo, groups)
    wm = _kernel_matrix(xp, w, groups)
    if groups == 1:
        _keep(xp, x, _window_key(x, kernel, geo, out), cols)
        y = xp.matmul(cols, xp.matrix_transpose(wm))
    else:
        y = _ungrouped(xp, xp.matmul(cols, xp.matrix_transpose(wm)))
    return channels_first(xp, xp.reshape(y, (x.shape[0],) + out + (w.shape[0],)))


def _conv_transpose_impl(xp, g, w, size, stride=1, padding=0, dilation=1, groups=1):
    nd = g.ndim - 2
    geo = geometry(nd, stride, padding, dilation)
    kernel = tuple(w.shape[2:])
    k, rows = math.prod(kernel), _rows(xp, g)  # rows: (L, O)
    o, cg = w.shape[0], w.shape[1]
    # the columns offset by offset, (K, L, C): what col2im adds back slab by slab
    per_offset = xp.permute_dims(xp.reshape(w, (groups, o // groups, cg, k)), (0, 3, 1, 2))  # (G, K, O/G, Cg)
    if groups == 1:
        cols = xp.matmul(rows, per_offset[0, ...])
    else:
        cols = xp.matmul(xp.expand_dims(_grouped(xp, rows, groups), axis=1), per_offset)  # (G, K, L, Cg)
        cols = xp.reshape(xp.permute_dims(cols, (1, 2, 0, 3)), (k, rows.shape[0], groups * cg))
    cols = xp.reshape(cols, (k, g.shape[0]) + tuple(g.shape[2:]) + (groups * cg,))
    return col2im(xp, cols, tuple(size), kernel, geo)


def _conv_weight_impl(xp, x, g, size, stride=1, padding=0, dilation=1, groups=1):
    return _weight_cotangent(xp, x, g, tuple(size), geometry(x.ndim - 2, stride, padding, dilation), groups)


def _weight_cotangent(xp: Any, x: Any, g: Any, kernel: tuple, geo: Any, groups: int, cols: Any = None) -> Any:
    """conv_weight, from the windows' rows when the caller has them."""
    nd = x.ndim - 2
    if cols is None:
        cols = _window_rows(xp, x, kernel, geo, groups, out=tuple(g.shape[2:]))
    gr = _rows(xp, g)
    if groups == 1:
        gw = xp.matmul(xp.matrix_transpose(gr), cols)  # (O, K * C)
    else:
        gw = xp.matmul(xp.matrix_transpose(_grouped(xp, gr, groups)), cols)  # (G, O / G, K * Cg)
    o, cg = g.shape[1], x.shape[1] // groups
    wl = xp.reshape(gw, (o,) + kernel + (cg,))
    return xp.permute_dims(wl, (0, nd + 1) + tuple(range(1, nd + 1)))


def _conv_vjp_arrays(xp, g, ans, args, needs, stride=1, padding=0, dilation=1, groups=1):
    """conv's two cotangents on arrays: the kernel's from the windows the forward kept, when it did."""
    x, w = args
    geo = geometry(x.ndim - 2, stride, padding, dilation)
    kernel = tuple(w.shape[2:])
    gx = gw = None
    if needs[0]:
        gx = _conv_transpose_impl(xp, g, w, tuple(x.shape[2:]), stride, padding, dilation, groups)
    if needs[1]:
        cols = _kept(x, _window_key(x, kernel, geo, tuple(g.shape[2:]))) if groups == 1 else None
        gw = _weight_cotangent(xp, x, g, kernel, geo, groups, cols)
    return [gx, gw]


def _fit(a: Any, shape: tuple) -> Any:
    """``a`` cut to ``shape``: the convolution of a transposed convolution's output may see a window more
    than the transposed convolution had (an output padding of at least the stride)."""
    if tuple(a.shape) == tuple(shape):
        return a
    return getitem(a, index=tuple(slice(0, n) for n in shape))


# vmap: examples that share the kernel are one bigger batch of images; examples with kernels of their own
# are groups of one convolution, example b's channels next to each other (PyTorch's groups layout).

def _batch_first(a: Any, size: int, batched: bool) -> Any:
    return a if batched else broadcast_to(a, shape=(size,) + tuple(a.shape))


def _channels_of_examples(a: Any) -> Any:
    """(B, N, C, *S) as (N, B * C, *S)."""
    b, n, c = a.shape[:3]
    swapped = transpose(a, axes=(1, 0) + tuple(range(2, a.ndim)))
    return reshape(swapped, shape=(n, b * c) + tuple(a.shape[3:]))


def _examples_of_channels(a: Any, size: int) -> Any:
    """(N, B * C, *S) as (B, N, C, *S)."""
    n, bc = a.shape[:2]
    split = reshape(a, shape=(n, size, bc // size) + tuple(a.shape[2:]))
    return transpose(split, axes=(1, 0) + tuple(range(2, split.ndim)))


def _kernels_as_groups(op, images, kernels, batched, params):
    """conv or conv_transpose of (B, N, ., *S) images with (B, O, ., *K) kernels: one grouped call."""
    size = (images if batched[0] else kernels).shape[0]
    x = _channels_of_examples(_batch_first(images, size, batched[0]))
    w = _batch_first(kernels, size, batched[1])
    w = reshape(w, shape=(size * w.shape[1],) + tuple(w.shape[2:]))
    groups = params.get("groups", 1) * size
    return _examples_of_channels(op(x, w, **{**params, "groups": groups}), size)


def _conv_batch(op, args, batched, params):
    if not batched[1]:
        return leading_batch(op, args, batched, params)
    return _kernels_as_groups(conv, args[0], args[1], batched, params)


def _conv_transpose_batch(op, args, batched, params):
    if not batched[1]:
        return leading_batch(op, args, batched, params)
    return _kernels_as_groups(conv_transpose, args[0], args[1], batched, params)


def _conv_weight_batch(op, args, batched, params):
    """Each example's kernel cotangent: grouped, from the examples' images and output cotangents."""
    x, g = args
    size = (x if batched[0] else g).shape[0]
    xs = _channels_of_examples(_batch_first(x, size, batched[0]))
    gs = _channels_of_examples(_batch_first(g, size, batched[1]))
    dw = conv_weight(xs, gs, **{**params, "groups": params.get("groups", 1) * size})
    return reshape(dw, shape=(size, dw.shape[0] // size) + tuple(dw.shape[1:]))


conv = _defop(
    "conv", 2, _conv_impl,
    jvp=(lambda t, ans, x, w, **p: conv(t, w, **p), lambda t, ans, x, w, **p: conv(x, t, **p)),
    vjp=(lambda g, ans, x, w, **p: conv_transpose(g, w, size=tuple(x.shape[2:]), **p),
         lambda g, ans, x, w, **p: conv_weight(x, g, size=tuple(w.shape[2:]), **p)),
    vjp_arrays=_conv_vjp_arrays,
    kind="array", cost=lambda out, args, p: 2 * int(out.size) * math.prod(args[1].shape[1:]),
    template="conv({0}, {1})",
    doc="PyTorch's convolution (cross-correlation) of x (N, C, *S) with w (O, C / groups, *K)",
    batch=_conv_batch,
)
conv_transpose = _defop(
    "conv_transpose", 2, _conv_transpose_impl,
    jvp=(lambda t, ans, g, w, size, **p: conv_transpose(t, w, size=size, **p),
         lambda t, ans, g, w, size, **p: conv_transpose(g, t, size=size, **p)),
    vjp=(lambda c, ans, g, w, size, **p: _fit(conv(c, w, **p), g.shape),
         lambda c, ans, g, w, size, **p: conv_weight(c, g, size=tuple(w.shape[2:]), **p)),
    kind="array", cost=lambda out, args, p: 2 * int(args[0].size) * math.prod(args[1].shape[1:]),
    template="conv_transpose({0}, {1})",
    doc="the transposed convolution: g (N, O, *O') sent back through w (O, C / groups, *K) to shape (N, C, *size)",
    batch=_conv_transpose_batch,
)
conv_weight = _defop(
    "conv_weight", 2, _conv_weight_impl,
    jvp=(lambda t, ans, x, g, size, **p: conv_weight(t, g, size=size, **p),
         lambda t, ans, x, g, size, **p: conv_weight(x, t, size=size, **p)),
    vjp=(lambda c, ans, x, g, size, **p: conv_transpose(g, c, size=tuple(x.shape[2:]), **p),
         lambda c, ans, x, g, size, **p: conv(x, c, **p)),
    kind="array", cost=lambda out, args, p: 2 * int(args[1].size) * math.prod(out.shape[1:]),
    template="conv_weight({0}, {1})",
    doc="the kernel's cotangent of a convolution: the windows of x (N, C, *S) correlated with g (N, O, *O')",
    batch=_conv_weight_batch,
)
