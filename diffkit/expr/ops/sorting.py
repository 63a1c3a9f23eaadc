"""Sorting: sort and argsort (primitives), and topk, median, partition built on them.

``sort`` moves each entry to its rank, so its gradient moves each cotangent
back: the tangent is ``gather(t, argsort(x))`` and the cotangent
``gather(g, argsort(argsort(x)))`` (the inverse permutation), both written
with the table's ops. Ties follow the *stable* order (equal entries keep
their order), the same permutation as NumPy's ``kind="stable"`` and PyTorch's
``stable=True``: the gradient is then that of the piecewise-linear function
on that piece, a valid one-sided derivative.

``argsort`` and ``argpartition`` give integers and have no gradient.

Example
-------
>>> import numpy as np
>>> from diffkit.expr.ops.sorting import median, sort
>>> sort(np.array([3.0, 1.0, 2.0])).tolist()
[1.0, 2.0, 3.0]
>>> float(median(np.array([3.0, 1.0, 2.0, 10.0])))
2.5
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as _numpy

from ...errors import ArgumentError
from .core import _defop
from .indexing import gather
from .movement import ravel
from .shapes import getitem, reshape, where
from .support import along, axis_index, is_floating, plain

__all__ = ["sort", "argsort", "topk", "median", "partition", "argpartition", "ValuesIndices"]


def _sort_cost(out, args, params) -> int:
    x = args[0]
    axis = params.get("axis", -1)
    n = int(x.size) if axis is None or x.ndim == 0 else int(x.shape[axis])
    return int(getattr(x, "size", 1)) * max(1, math.ceil(math.log2(max(n, 2))))


def _line(xp, x, axis):
    if axis is None:
        return xp.reshape(x, (-1,)), 0
    return x, axis_index(axis, x.ndim)


def _stable_argsort(xp, x, axis):
    try:
        return xp.argsort(x, axis=axis, stable=True)
    except TypeError:  # CuPy and older NumPy spell it kind="stable"
        return xp.argsort(x, axis=axis, kind="stable")


def _argsort_impl(xp, x, axis=-1, descending=False):
    x, axis = _line(xp, x, axis)
    if not descending:
        return _stable_argsort(xp, x, axis)
    # descending and stable: sort the reversed line ascending, then read it back to front
    n = x.shape[axis]
    return (n - 1) - xp.flip(_stable_argsort(xp, xp.flip(x, axis=axis), axis), axis=axis)


argsort = _defop(
    "argsort", 1, _argsort_impl, kind="array", cost=_sort_cost, template="argsort({0})",
    doc="indices that sort x along axis (stable: ties keep their order); integer, no gradient",
    batch="flat_axis",
)


def _sort_impl(xp, x, axis=-1, descending=False):
    x, axis = _line(xp, x, axis)
    out = xp.sort(x, axis=axis)
    return xp.flip(out, axis=axis) if descending else out


def _flat_like(v, x, axis):
    return (ravel(v), 0) if axis is None else (v, axis)


def _sort_jvp(t, a, x, axis=-1, descending=False):
    fx, ax = _flat_like(x, x, axis)
    ft, _ = _flat_like(t, x, axis)
    return gather(ft, argsort(fx, axis=ax, descending=descending), axis=ax)


def _sort_vjp(g, a, x, axis=-1, descending=False):
    fx, ax = _flat_like(x, x, axis)
    order = argsort(fx, axis=ax, descending=descending)
    back = gather(g, argsort(order, axis=ax), axis=ax)
    return reshape(back, shape=tuple(x.shape)) if axis is None else back


sort = _defop(
    "sort", 1, _sort_impl,
    jvp=(_sort_jvp,), vjp=(_sort_vjp,),
    kind="array", cost=_sort_cost, template="sort({0})",
    doc="x sorted along axis (ascending unless descending); the gradient follows the stable order",
    batch="flat_axis",
)


def _argpartition_impl(xp, x, kth, axis=-1):
    x, axis = _line(xp, x, axis)
    f = getattr(xp, "argpartition", None)
    return f(x, kth, axis=axis) if f is not None else _stable_argsort(xp, x, axis)


argpartition = _defop(
    "argpartition", 1, _argpartition_impl, kind="array", cost=lambda out, args, params: int(args[0].size),
    template="argpartition({0})", doc="indices that partition x around its kth entry; integer, no gradient",
    batch="flat_axis",
)


def partition(x: Any, kth: Any, axis: int | None = -1) -> Any:
    """``x`` rearranged so that its ``kth`` entry is in sorted place, smaller ones before it (``np.partition``).

    The arrangement is NumPy's own (``x`` read at ``np.argpartition``); the
    gradient moves each cotangent back to the entry it came from.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.expr.ops.sorting import partition
    >>> float(partition(np.array([5.0, 1.0, 4.0, 2.0]), 1)[1])
    2.0
    """
    if axis is None:
        x, axis = ravel(x), 0
    return gather(x, argpartition(x, kth=kth, axis=axis), axis=axis)


class ValuesIndices(NamedTuple):
    """Values and their indices, as PyTorch's ``topk``, ``sort`` and ``median(dim)`` return them.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.expr.ops.sorting import topk
    >>> topk(np.array([1.0, 5.0, 3.0]), 2).indices.tolist()
    [1, 2]
    """

    values: Any
    indices: Any


def topk(x: Any, k: int, axis: int = -1, largest: bool = True, sorted: bool = True) -> ValuesIndices:  # noqa: A002
    """The ``k`` largest (or smallest) entries along ``axis`` and their indices (``torch.topk``).

    Parameters
    ----------
    x : array_like, Tensor or traced value
    k : int
    axis : int
        ``dim`` is accepted too.
    largest : bool
        The largest entries (in descending order), else the smallest (ascending).
    sorted : bool
        Accepted for PyTorch's signature; the result is always sorted.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.expr.ops.sorting import topk
    >>> topk(np.array([[1.0, 5.0, 3.0]]), 2, axis=1).values.tolist()
    [[5.0, 3.0]]
    """
    axis = axis_index(axis, max(x.ndim, 1))
    n = x.shape[axis] if x.ndim else 1
    if isinstance(k, bool) or not isinstance(k, (int, _numpy.integer)) or not 0 <= k <= n:
        raise ArgumentError(f"topk: k must be a whole number between 0 and {n} (the length of axis {axis}), "
                            f"got {k!r}")
    order = argsort(x, axis=axis, descending=largest)
    idx = getitem(order, index=along(axis, x.ndim, slice(0, int(k))))
    return ValuesIndices(gather(x, idx, axis=axis), idx)


def median(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """The median along ``axis`` (of all entries by default), as ``np.median``.

    An even count gives the mean of the two middle entries, and a group
    holding a nan gives nan, as in NumPy. (``Tensor.median`` follows
    PyTorch instead: the lower of the two middle entries.)

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.expr.ops.sorting import median
    >>> median(np.array([[1.0, 9.0, 2.0], [4.0, 3.0, 8.0]]), axis=1).tolist()
    [2.0, 4.0]
    """
    from .support import xp_of

    if axis is None:
        ax, line = 0, ravel(x)
    elif isinstance(axis, (tuple, list)):
        raise ArgumentError("median: axis must be one integer or None (several axes: reshape first)")
    else:
        ax, line = axis_index(axis, x.ndim), x
    n = line.shape[ax]
    if n == 0:
        raise ArgumentError("median of an empty axis is undefined")
    s = sort(line, axis=ax)
    mid = (n - 1) // 2
    out = getitem(s, index=along(ax, s.ndim, slice(mid, mid + 1)))
    if n % 2 == 0:
        out = 0.5 * (out + getitem(s, index=along(ax, s.ndim, slice(mid + 1, mid + 2))))
    raw = plain(line)
    if is_floating(raw):
        nan = xp_of(raw).any(raw != raw, axis=ax, keepdims=True)  # noqa: PLR0124 - nan: unequal to itself
        out = where(nan, _numpy.nan, out)
    if keepdims:
        if axis is None:
            return reshape(out, shape=(1,) * x.ndim)
        return out
    kept = tuple(s for i, s in enumerate(out.shape) if i != ax)
    return reshape(out, shape=kept)
