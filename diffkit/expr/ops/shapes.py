"""Array ops: shapes, broadcasting, products, indexing, joining, selection and casts.

Example
-------
>>> import numpy as np
>>> from diffkit.expr.ops.shapes import sum_to
>>> sum_to(np.ones((2, 3)), shape=(3,)).tolist()
[2.0, 2.0, 2.0]
"""

from __future__ import annotations

import sympy as sp

from . import batching
from .core import _defop, _reduction_cost


def _sum_to_impl(xp, x, shape):
    shape = tuple(shape)
    if tuple(x.shape) == shape:
        return x
    lead = x.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, s in enumerate(shape) if s == 1 and x.shape[lead + i] != 1)
    out = xp.sum(x, axis=axes, keepdims=True) if axes else x
    return xp.reshape(out, shape)


sum_to = _defop(
    "sum_to", 1, _sum_to_impl,
    jvp=(lambda t, a, x, shape: sum_to(t, shape=shape),),
    vjp=(lambda g, a, x, shape: broadcast_to(g, shape=x.shape),),
    kind="array", cost=_reduction_cost, template="sum_to({0})",
    doc="sum a broadcast array back down to shape (reverse of broadcasting)",
    batch=batching.sum_to_rule,
    reads_inputs=False,
)
broadcast_to = _defop(
    "broadcast_to", 1, lambda xp, x, shape: xp.broadcast_to(x, tuple(shape)),
    jvp=(lambda t, a, x, shape: broadcast_to(t, shape=shape),),
    vjp=(lambda g, a, x, shape: sum_to(g, shape=x.shape),),
    kind="array", cost=0, template="broadcast({0})", doc="broadcast to shape",
    batch=batching.broadcast_to_rule,
    reads_inputs=False,
)
reshape = _defop(
    "reshape", 1, lambda xp, x, shape: xp.reshape(x, tuple(shape)),
    jvp=(lambda t, a, x, shape: reshape(t, shape=shape),),
    vjp=(lambda g, a, x, shape: reshape(g, shape=x.shape),),
    kind="array", cost=0, template="reshape({0})", doc="reshape to shape",
    batch=batching.reshape_rule,
    reads_inputs=False,
)


def _inverse_axes(axes, ndim):
    axes = tuple(range(ndim))[::-1] if axes is None else tuple(a % ndim for a in axes)
    inv = [0] * ndim
    for i, a in enumerate(axes):
        inv[a] = i
    return tuple(inv)


transpose = _defop(
    "transpose", 1,
    lambda xp, x, axes=None: xp.permute_dims(x, tuple(range(x.ndim))[::-1] if axes is None else tuple(axes)),
    jvp=(lambda t, a, x, axes=None: transpose(t, axes=axes),),
    vjp=(lambda g, a, x, axes=None: transpose(g, axes=_inverse_axes(axes, x.ndim)),),
    kind="array", cost=0, template="transpose({0})", doc="permute the axes (reverse them by default)",
    batch=batching.transpose_rule,
    reads_inputs=False,
)
matrix_transpose = _defop(
    "matrix_transpose", 1, lambda xp, x: xp.matrix_transpose(x),
    jvp=(lambda t, a, x: matrix_transpose(t),), vjp=(lambda g, a, x: matrix_transpose(g),),
    kind="array", cost=0, template="{0}^T", doc="swap the last two axes",
    batch="broadcast",
    reads_inputs=False,
)


def _matmul_vjp_a(g, ans, a, b):
    if a.ndim == 1 and b.ndim == 1:
        return g * b
    if b.ndim == 1:  # (..., m, k) @ (k,) -> (..., m)
        return reshape(g, shape=tuple(g.shape) + (1,)) * b
    if a.ndim == 1:  # (k,) @ (..., k, n) -> (..., n)
        col = matmul(b, reshape(g, shape=tuple(g.shape) + (1,)))
        return reshape(col, shape=tuple(col.shape[:-1]))
    return matmul(g, matrix_transpose(b))


def _matmul_vjp_b(g, ans, a, b):
    if a.ndim == 1 and b.ndim == 1:
        return g * a
    if b.ndim == 1:
        row = matmul(reshape(g, shape=tuple(g.shape[:-1]) + (1, g.shape[-1])), a)
        return reshape(row, shape=tuple(row.shape[:-2]) + (row.shape[-1],))
    if a.ndim == 1:
        return reshape(a, shape=(a.shape[0], 1)) * reshape(
            g, shape=tuple(g.shape[:-1]) + (1, g.shape[-1]))
    return matmul(matrix_transpose(a), g)


def _matmul_vjp_arrays(xp, g, ans, args, needs):
    a, b = args
    if a.ndim != 2 or b.ndim != 2:
        return None
    return [xp.matmul(g, b.T) if needs[0] else None, xp.matmul(a.T, g) if needs[1] else None]


matmul = _defop(
    "matmul", 2, lambda xp, a, b: xp.matmul(a, b),
    jvp=(lambda t, ans, a, b: matmul(t, b), lambda t, ans, a, b: matmul(a, t)),
    vjp=(_matmul_vjp_a, _matmul_vjp_b),
    vjp_arrays=_matmul_vjp_arrays,
    kind="array", cost=lambda out, args, params: 2 * int(getattr(out, "size", 1)) * int(args[0].shape[-1]),
    template="{0} @ {1}", infix="@", precedence=20, doc="matrix product",
    batch=batching.matmul_rule,
)


def _index_add_impl(xp, g, index, shape):
    out = xp.zeros(tuple(shape), dtype=g.dtype)
    add_at = getattr(getattr(xp, "add", None), "at", None)
    if add_at is not None:  # NumPy: repeated indices accumulate
        add_at(out, index, g)
        return out
    import importlib.util

    if importlib.util.find_spec("cupyx") is not None and xp.__name__ == "cupy":
        import cupyx

        cupyx.scatter_add(out, index, g)
        return out
    out[index] = g  # plain namespaces: right for basic (non-repeating) indices
    return out


getitem = _defop(
    "getitem", 1, lambda xp, x, index: x[index],
    jvp=(lambda t, a, x, index: getitem(t, index=index),),
    vjp=(lambda g, a, x, index: index_add(g, index=index, shape=x.shape),),
    kind="array", cost=0, template="{0}[...]", doc="x[index]",
    batch=batching.getitem_rule,
    reads_inputs=False,
)
index_add = _defop(
    "index_add", 1, _index_add_impl,
    jvp=(lambda t, a, g, index, shape: index_add(t, index=index, shape=shape),),
    vjp=(lambda c, a, g, index, shape: getitem(c, index=index),),
    kind="array", template="index_add({0})",
    doc="zeros(shape) with g added at index (the reverse of getitem)",
    batch=batching.index_add_rule,
)


def _split_along(g, sizes, axis):
    parts, start = [], 0
    for n in sizes:
        index = (slice(None),) * axis + (slice(start, start + n), ...)  # full index: Array API
        parts.append(getitem(g, index=index))
        start += n
    return tuple(parts)


concat = _defop(
    "concat", -1, lambda xp, *xs, axis=0: xp.concat(xs, axis=axis),
    jvp=lambda ts, a, *xs, axis=0: concat(
        [t if t is not None else 0.0 * x for t, x in zip(ts, xs)], axis=axis),
    vjp=lambda g, a, *xs, axis=0: _split_along(
        g, [x.shape[axis] for x in xs], axis % xs[0].ndim),
    kind="array", cost=0, template="concat({0}, ...)", doc="join arrays along an existing axis",
    reads_inputs=False,
)
stack = _defop(
    "stack", -1, lambda xp, *xs, axis=0: xp.stack(xs, axis=axis),
    jvp=lambda ts, a, *xs, axis=0: stack(
        [t if t is not None else 0.0 * x for t, x in zip(ts, xs)], axis=axis),
    vjp=lambda g, a, *xs, axis=0: tuple(
        getitem(g, index=(slice(None),) * (axis % (xs[0].ndim + 1)) + (i, ...)) for i in range(len(xs))),
    kind="array", cost=0, template="stack({0}, ...)", doc="join arrays along a new axis",
    reads_inputs=False,
)
# The rules use where(), not a multiplication by a mask: a nan or inf in the
# branch not taken must not leak into the gradient (0 * inf is nan).
where = _defop(
    "where", 3, lambda xp, c, x, y: xp.where(c, x, y),
    jvp=(None, lambda t, a, c, x, y: where(c, t, 0.0), lambda t, a, c, x, y: where(c, 0.0, t)),
    vjp=(None, lambda g, a, c, x, y: where(c, g, 0.0), lambda g, a, c, x, y: where(c, 0.0, g)),
    kind="array", template="where({0}, {1}, {2})", doc="x where c is true, else y",
    sympy=lambda c, x, y: sp.Piecewise((x, c), (y, True)), batch="broadcast",
)


def _astype_impl(xp, x, dtype):
    cast = getattr(xp, "astype", None)  # NumPy < 2.1 has only the method
    return cast(x, dtype) if cast is not None else x.astype(dtype)


# A cast is a copy in the new dtype; its cotangent is cast back to the input's dtype.
astype = _defop(
    "astype", 1, _astype_impl,
    jvp=(lambda t, a, x, dtype: astype(t, dtype=dtype),),
    vjp=(lambda g, a, x, dtype: astype(g, dtype=x.dtype),),
    kind="array", template="astype({0})", doc="a copy of x cast to dtype",
    batch="broadcast",
    reads_inputs=False,
)

# A copy in row-major order. Layout is invisible to the values (nn.Linear hands
# out transposed views, see linear below), but code that passes the memory on
# (a C library, ``.numpy().data``) asks for it, as in PyTorch.
contiguous = _defop(
    "contiguous", 1,
    lambda xp, x: xp.ascontiguousarray(x) if hasattr(xp, "ascontiguousarray") else x,
    jvp=(lambda t, a, x: t,), vjp=(lambda g, a, x: g,),
    kind="array", template="contiguous({0})", doc="x laid out in row-major (C) order",
    batch="broadcast",
)


def _setitem_impl(xp, x, v, index):
    out = xp.asarray(x, copy=True)
    out[index] = v
    return out


def _placed(t, a, index):
    """zeros shaped like a, with t (broadcast to a[index]'s shape) at index."""
    return index_add(broadcast_to(t, shape=getitem(a, index=index).shape), index=index, shape=a.shape)


# Functional item assignment (what x[index] = v records on a tape): the
# overwritten entries of x get no gradient, v gets the cotangent at index.
setitem = _defop(
    "setitem", 2, _setitem_impl,
    jvp=(lambda t, a, x, v, index: setitem(t, 0.0, index=index),
         lambda t, a, x, v, index: _placed(t, a, index)),
    vjp=(lambda g, a, x, v, index: setitem(g, 0.0, index=index),
         lambda g, a, x, v, index: getitem(g, index=index)),
    kind="array", cost=0, template="{0}[...] = {1}", doc="a copy of x with x[index] = v",
    batch=batching.setitem_rule,
    reads_inputs=False,
)
