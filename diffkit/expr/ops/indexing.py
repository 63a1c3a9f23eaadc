"""Indexing along an axis: gather, scatter, scatter_add (primitives) and the functions built on them.

``gather`` and ``scatter_add`` are each other's adjoint: gathering reads
``x`` at an index along one axis, and its gradient adds the cotangent back at
that index (repeated indices accumulate); scatter_add's gradient gathers.
``scatter`` overwrites, so the overwritten entries of ``x`` get no gradient;
it refuses an index that names one place twice along the axis, where the
result would depend on which write came last (PyTorch leaves that undefined).

PyTorch's semantics for the three primitives (``index`` has the dimensions
of ``x``, no larger than ``x`` in the other axes); ``take_along_axis`` is
NumPy's (``x`` and the index broadcast against each other in the other
axes), built on ``gather``. Negative indices count from the end, as in NumPy.

On NumPy the writes use ``np.add.at`` (CuPy: ``cupyx.scatter_add``); on a
namespace without either (the Array API has no scatter) they are a sum over
a one-hot comparison, exact but using memory of order index size × axis length.

Example
-------
>>> import numpy as np
>>> from diffkit.expr.ops.indexing import gather, scatter_add
>>> x = np.array([[1.0, 2.0, 3.0]])
>>> gather(x, np.array([[2, 0]]), axis=1).tolist()
[[3.0, 1.0]]
>>> scatter_add(np.zeros((1, 3)), np.array([[0, 0]]), np.array([[1.0, 2.0]]), axis=1).tolist()
[[3.0, 0.0, 0.0]]
"""

from __future__ import annotations

import importlib.util
from typing import Any

import numpy as _numpy

from ...errors import ArgumentError, ArgumentIndexError, ShapeError
from .core import _defop
from .elementwise import less
from .shapes import broadcast_to, reshape, where
from .support import along, axis_index, in_namespace, plain, xp_of, zeros

__all__ = ["gather", "scatter", "scatter_add", "take_along_axis", "index_select", "masked_fill"]


def _check_index(xp, x, index, axis, name):
    index = in_namespace(xp, index)
    if index.ndim != x.ndim:
        raise ShapeError(f"{name}: the index has {index.ndim} dimension(s) and the input {x.ndim}; they must be "
                         f"equal (index shape {tuple(index.shape)}, input shape {tuple(x.shape)})")
    for d, (i, s) in enumerate(zip(index.shape, x.shape)):
        if d != axis and i > s:
            raise ShapeError(f"{name}: the index is longer than the input in dimension {d} ({i} > {s}); "
                             f"index shape {tuple(index.shape)}, input shape {tuple(x.shape)}")
    n = x.shape[axis]
    if index.size:
        lo, hi = int(xp.min(index)), int(xp.max(index))
        if lo < -n or hi >= n:
            bad = hi if hi >= n else lo
            raise ArgumentIndexError(f"{name}: index {bad} is out of bounds for axis {axis} with size {n}")
    return xp.where(index < 0, index + n, index)


def _grid(xp, index, axis):
    """The full integer index that places ``index`` along ``axis`` (open grids elsewhere)."""
    nd = index.ndim
    return tuple(index if d == axis else
                 xp.reshape(xp.arange(s), tuple(s if e == d else 1 for e in range(nd)))
                 for d, s in enumerate(index.shape))


def _one_hot(xp, x, index, axis):
    """(hits, axis moved last): compare every index entry with every position of ``axis``."""
    n = x.shape[axis]
    hits = xp.reshape(index, tuple(index.shape) + (1,)) == xp.arange(n)
    return xp.moveaxis(hits, axis, -2) if hasattr(xp, "moveaxis") else xp.permute_dims(
        hits, tuple(d for d in range(hits.ndim - 1) if d != axis) + (axis, hits.ndim - 1))


def _widen(xp, part, x, axis):
    """``part`` (axis last, other axes as long as the index) zero-padded to ``x``'s shape, axis back in place."""
    order = tuple(range(axis)) + (part.ndim - 1,) + tuple(range(axis, part.ndim - 1))
    part = xp.permute_dims(part, order)
    if tuple(part.shape) == tuple(x.shape):
        return part
    out = xp.zeros(tuple(x.shape), dtype=part.dtype)
    out[tuple(slice(0, s) for s in part.shape)] = part
    return out


def _scatter_add_impl(xp, x, index, src, axis):
    axis = axis_index(axis, x.ndim)
    index = _check_index(xp, x, index, axis, "scatter_add")
    src = src[tuple(slice(0, s) for s in index.shape)] if tuple(src.shape) != tuple(index.shape) else src
    out = xp.asarray(x, copy=True)
    add_at = getattr(getattr(xp, "add", None), "at", None)
    if add_at is not None:
        add_at(out, _grid(xp, index, axis), src)
        return out
    if xp.__name__ == "cupy" and importlib.util.find_spec("cupyx") is not None:
        import cupyx

        cupyx.scatter_add(out, _grid(xp, index, axis), src)
        return out
    hits = _one_hot(xp, x, index, axis)
    src = xp.moveaxis(src, axis, -1) if hasattr(xp, "moveaxis") else xp.permute_dims(
        src, tuple(d for d in range(src.ndim) if d != axis) + (axis,))
    added = xp.sum(xp.astype(hits, src.dtype) * xp.reshape(src, tuple(src.shape) + (1,)), axis=-2)
    return out + _widen(xp, added, x, axis)


def _scatter_impl(xp, x, index, src, axis):
    axis = axis_index(axis, x.ndim)
    index = _check_index(xp, x, index, axis, "scatter")
    if index.shape[axis] > 1:
        ordered = xp.sort(index, axis=axis)
        n = index.shape[axis]
        if bool(xp.any(ordered[along(axis, index.ndim, slice(1, n))]
                       == ordered[along(axis, index.ndim, slice(0, n - 1))])):
            raise ArgumentError("scatter: the index names the same place twice along the axis, so the result "
                                "would depend on which write comes last; use scatter_add to sum the values, "
                                "or make the indices unique")
    if getattr(src, "ndim", 0) == 0:
        src = xp.broadcast_to(xp.asarray(src, dtype=x.dtype), tuple(index.shape))
    elif tuple(src.shape) != tuple(index.shape):
        src = src[tuple(slice(0, s) for s in index.shape)]
    out = xp.asarray(x, copy=True)
    if xp.__name__ in ("numpy", "cupy"):
        out[_grid(xp, index, axis)] = src
        return out
    hits = _one_hot(xp, x, index, axis)
    src = xp.permute_dims(src, tuple(d for d in range(src.ndim) if d != axis) + (axis,))
    values = xp.sum(xp.astype(hits, src.dtype) * xp.reshape(src, tuple(src.shape) + (1,)), axis=-2)
    hit = xp.any(hits, axis=-2)
    return xp.where(_widen(xp, hit, x, axis), _widen(xp, values, x, axis), out)


def _gather_impl(xp, x, index, axis):
    axis = axis_index(axis, x.ndim)
    index = _check_index(xp, x, index, axis, "gather")
    if any(i != s for d, (i, s) in enumerate(zip(index.shape, x.shape)) if d != axis):
        x = x[tuple(slice(0, i) if d != axis else slice(None) for d, i in enumerate(index.shape))]
    return xp.take_along_axis(x, index, axis=axis)


def _cost_of_index(out, args, params):
    return int(getattr(args[1], "size", 1))


gather = _defop(
    "gather", 2, _gather_impl,
    jvp=(lambda t, a, x, index, axis: gather(t, index, axis=axis), None),
    vjp=(lambda g, a, x, index, axis: scatter_add(zeros(tuple(x.shape), g), index, g, axis=axis), None),
    kind="array", cost=0, template="gather({0}, {1})",
    doc="x read at index along axis (PyTorch's gather; the index may be shorter in the other axes)",
    reads_inputs=False,
)
scatter_add = _defop(
    "scatter_add", 3, _scatter_add_impl,
    jvp=(lambda t, a, x, index, src, axis: t, None,
         lambda t, a, x, index, src, axis: scatter_add(zeros(tuple(x.shape), t), index, t, axis=axis)),
    vjp=(lambda g, a, x, index, src, axis: g, None,
         lambda g, a, x, index, src, axis: gather(g, index, axis=axis)),
    kind="array", cost=_cost_of_index, template="scatter_add({0}, {1}, {2})",
    doc="a copy of x with src added at index along axis (repeated indices accumulate)",
    reads_inputs=False,
)
scatter = _defop(
    "scatter", 3, _scatter_impl,
    jvp=(lambda t, a, x, index, src, axis: scatter(t, index, 0.0, axis=axis), None,
         lambda t, a, x, index, src, axis: scatter(zeros(tuple(x.shape), t), index, t, axis=axis)),
    vjp=(lambda g, a, x, index, src, axis: scatter(g, index, 0.0, axis=axis), None,
         lambda g, a, x, index, src, axis: gather(g, index, axis=axis)),
    kind="array", cost=_cost_of_index, template="scatter({0}, {1}, {2})",
    doc="a copy of x with src written at index along axis (indices unique along the axis)",
    reads_inputs=False,
)


def _take_impl(xp, x, index, axis):
    axis = axis_index(axis, x.ndim)
    index = in_namespace(xp, index)
    if index.ndim != 1:
        raise ShapeError(f"take: the index must be 1-D, got shape {tuple(index.shape)}")
    n = x.shape[axis]
    if index.size and (int(xp.min(index)) < -n or int(xp.max(index)) >= n):
        bad = int(xp.max(index)) if int(xp.max(index)) >= n else int(xp.min(index))
        raise ArgumentIndexError(f"index {bad} is out of bounds for axis {axis} with size {n}")
    return xp.take(x, xp.where(index < 0, index + n, index), axis=axis)


def _spread(index, g, axis):
    """The 1-D ``index`` laid along ``axis`` of ``g`` and broadcast to its shape (for scatter_add)."""
    shape = [1] * g.ndim
    shape[axis] = g.shape[axis]
    return broadcast_to(reshape(index, shape=tuple(shape)), shape=tuple(g.shape))


def _take_vjp(g, a, x, index, axis):
    axis = axis_index(axis, x.ndim)
    return scatter_add(zeros(tuple(x.shape), g), _spread(index, g, axis), g, axis=axis)


def _take_batch(op, args, batched, params):
    """vmap of take: the axis moves past the batch; one index per example is a gather with the index
    spread over the example's other axes."""
    x, index = args
    if not batched[1]:
        return take(x, index, axis=axis_index(params["axis"], x.ndim - 1) + 1)
    size, k = index.shape[0], index.shape[1]
    if not batched[0]:
        x = broadcast_to(x, shape=(size,) + tuple(x.shape))
    rank = x.ndim - 1
    ax = axis_index(params["axis"], rank)
    index = where(less(index, 0), index + x.shape[ax + 1], index)  # NumPy's negative indices
    spread = reshape(index, shape=(size,) + tuple(k if d == ax else 1 for d in range(rank)))
    full = (size,) + tuple(k if d == ax else n for d, n in enumerate(x.shape[1:]))
    return gather(x, broadcast_to(spread, shape=full), axis=ax + 1)


# x read at a 1-D index along an axis (np.take): what index_select, repeat with per-element
# counts and pad's index modes use, as integer-array indexing beside slices is beyond the Array API.
take = _defop(
    "take", 2, _take_impl,
    jvp=(lambda t, a, x, index, axis: take(t, index, axis=axis), None),
    vjp=(_take_vjp, None),
    kind="array", cost=0, template="take({0}, {1})", doc="x at the positions index (1-D) along axis",
    reads_inputs=False,
    batch=_take_batch,
)


def _axis_of(dim: Any, axis: Any, name: str) -> Any:
    if axis is not None and dim is not None and axis != dim:
        raise ArgumentError(f"{name}: got dim={dim!r} and axis={axis!r}; give one of them")
    a = axis if axis is not None else dim
    if a is None:
        raise ArgumentError(f"{name}: say along which axis (dim= or axis=)")
    return a


def _public(op_fn, name: str, doc: str):
    def fn(x: Any, dim: Any = None, index: Any = None, src: Any = None, *, axis: Any = None) -> Any:
        a = _axis_of(dim, axis, name)
        if index is None:
            raise ArgumentError(f"{name}: the index is missing")
        if op_fn is gather:
            return gather(x, index, axis=a)
        if src is None:
            raise ArgumentError(f"{name}: src (the values to write) is missing")
        return op_fn(x, index, src, axis=a)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    return fn


def take_along_axis(x: Any, indices: Any, axis: int | None = -1) -> Any:
    """``x`` read at ``indices`` along ``axis``, as ``np.take_along_axis`` (``torch.take_along_dim``).

    ``x`` and ``indices`` broadcast against each other in the other axes;
    ``axis=None`` reads the flattened ``x`` at 1-D ``indices``.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.expr.ops.indexing import take_along_axis
    >>> x = np.array([[10.0, 30.0, 20.0]])
    >>> take_along_axis(x, np.argsort(x, axis=1), axis=1).tolist()
    [[10.0, 20.0, 30.0]]
    """
    from .movement import ravel

    idx = plain(indices)
    if axis is None:
        x, axis = ravel(x), 0
    axis = axis_index(axis, x.ndim)
    if getattr(idx, "ndim", 0) != x.ndim:
        raise ShapeError(f"take_along_axis: indices have {getattr(idx, 'ndim', 0)} dimension(s) and the array "
                         f"{x.ndim}; they must be equal")
    xs, ishape = list(x.shape), list(idx.shape)
    target_x = tuple(max(a, b) if d != axis else a for d, (a, b) in enumerate(zip(xs, ishape)))
    target_i = tuple(max(a, b) if d != axis else b for d, (a, b) in enumerate(zip(xs, ishape)))
    try:
        if target_x != tuple(xs):
            x = broadcast_to(x, shape=target_x)
        if target_i != tuple(ishape):
            idx = _numpy.broadcast_to(idx, target_i) if isinstance(idx, _numpy.ndarray) else \
                broadcast_to(idx, shape=target_i)
    except ValueError as err:
        raise ShapeError(f"take_along_axis: array {tuple(xs)} and indices {tuple(ishape)} don't broadcast "
                         f"outside axis {axis} ({err})") from None
    return gather(x, idx, axis=axis)


def index_select(x: Any, dim: Any = None, index: Any = None, *, axis: Any = None) -> Any:
    """The entries of ``x`` at the positions ``index`` (1-D) along an axis (``torch.index_select``, ``np.take``).

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.expr.ops.indexing import index_select
    >>> index_select(np.array([[1.0, 2.0], [3.0, 4.0]]), 0, np.array([1, 1])).tolist()
    [[3.0, 4.0], [3.0, 4.0]]
    """
    a = axis_index(_axis_of(dim, axis, "index_select"), x.ndim)
    return take(x, index, axis=a)


def masked_fill(x: Any, mask: Any, value: Any) -> Any:
    """``x`` with ``value`` where ``mask`` is true (``torch.masked_fill``; the gradient skips the filled places).

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.expr.ops.indexing import masked_fill
    >>> masked_fill(np.array([1.0, 2.0]), np.array([True, False]), 0.0).tolist()
    [0.0, 2.0]
    """
    if getattr(type(mask), "_dk_level", 0) == 0:
        mask = in_namespace(xp_of(x), plain(mask))
    return where(mask, value, x)


_gather_public = _public(gather, "gather", """x read at ``index`` along an axis, as ``torch.gather(x, dim, index)``.

``index`` has the dimensions of ``x`` and is no longer than ``x`` in the
other axes; the result has the shape of ``index``.

Example
-------
>>> import numpy as np
>>> import diffkit as dk
>>> dk.gather(np.array([[1.0, 2.0], [3.0, 4.0]]), 1, np.array([[0, 0], [1, 0]])).tolist()
[[1.0, 1.0], [4.0, 3.0]]
""")
_scatter_public = _public(scatter, "scatter", """A copy of ``x`` with ``src`` written at ``index`` along an axis
(``torch.scatter(x, dim, index, src)``); ``src`` may be one number.

Example
-------
>>> import numpy as np
>>> import diffkit as dk
>>> dk.scatter(np.zeros((1, 3)), 1, np.array([[2]]), np.array([[5.0]])).tolist()
[[0.0, 0.0, 5.0]]
""")
_scatter_add_public = _public(scatter_add, "scatter_add", """A copy of ``x`` with ``src`` added at ``index``
along an axis (``torch.scatter_add(x, dim, index, src)``); repeated indices accumulate.

Example
-------
>>> import numpy as np
>>> import diffkit as dk
>>> dk.scatter_add(np.zeros((1, 2)), 1, np.array([[1, 1]]), np.array([[1.0, 2.0]])).tolist()
[[0.0, 3.0]]
""")

#: The public spellings (PyTorch's argument order: input, dim, index, src).
PUBLIC = {"gather": _gather_public, "scatter": _scatter_public, "scatter_add": _scatter_add_public,
          "take_along_axis": take_along_axis, "index_select": index_select, "masked_fill": masked_fill}
