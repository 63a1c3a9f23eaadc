"""Diagonals and triangles: diagonal, diag_embed, tril, triu (primitives), and diag, trace.

``diagonal`` and ``diag_embed`` are each other's adjoint: reading a diagonal
gives, in reverse, a matrix of zeros with the cotangent on that diagonal, and
the other way round. ``tril``/``triu`` keep a triangle; their rules keep the
same triangle of the tangent or cotangent. The embedding writes with
``where`` on a constant mask, not a multiplication, so an infinite entry
stays off the rest of the matrix.

``diagonal``, ``trace`` and ``diag`` follow NumPy (``diagonal`` of
``axis1=0, axis2=1`` by default, with the diagonal as the last axis);
``diag_embed`` follows PyTorch (new axes ``axis1=-2, axis2=-1`` of the output).

Example
-------
>>> import numpy as np
>>> from diffkit.expr.ops.diagonals import diag, trace
>>> float(trace(np.array([[1.0, 2.0], [3.0, 4.0]])))
5.0
>>> diag(np.array([1.0, 2.0]), 1).tolist()
[[0.0, 1.0, 0.0], [0.0, 0.0, 2.0], [0.0, 0.0, 0.0]]
"""

from __future__ import annotations

from typing import Any

import numpy as _numpy

from ...errors import ShapeError
from .batching import axes
from .core import _defop
from .reductions import sum as _sum
from .support import axis_index

__all__ = ["diagonal", "diag_embed", "tril", "triu", "diag", "trace"]


def _diag_len(n1: int, n2: int, offset: int) -> int:
    return max(0, min(n1, n2 - offset) if offset >= 0 else min(n1 + offset, n2))


def _pair(ndim: int, axis1: int, axis2: int, name: str) -> tuple[int, int]:
    a, b = axis_index(axis1, ndim, "axis1"), axis_index(axis2, ndim, "axis2")
    if a == b:
        raise ShapeError(f"{name}: axis1 and axis2 name the same axis ({a}); give two different axes")
    return a, b


def _diagonal_impl(xp, x, offset=0, axis1=0, axis2=1):
    if x.ndim < 2:
        raise ShapeError(f"diagonal needs at least two dimensions; got shape {tuple(x.shape)}")
    a, b = _pair(x.ndim, axis1, axis2, "diagonal")
    if xp is _numpy or xp.__name__ == "cupy":
        return xp.diagonal(x, offset, a, b).copy()
    rest = tuple(d for d in range(x.ndim) if d not in (a, b))
    moved = xp.permute_dims(x, rest + (a, b))
    n1, n2 = moved.shape[-2], moved.shape[-1]
    mask = xp.eye(n1, n2, k=offset, dtype=xp.bool)
    picked = xp.where(mask, moved, xp.zeros((), dtype=x.dtype))
    if offset >= 0:  # row i holds the entry (i, i + offset)
        return xp.sum(picked, axis=-1)[..., : _diag_len(n1, n2, offset)]
    return xp.sum(picked, axis=-2)[..., : _diag_len(n1, n2, offset)]


def _embed_impl(xp, v, offset=0, axis1=-2, axis2=-1, size=None):
    d = v.shape[-1] if v.ndim else 1
    n1, n2 = (d + abs(offset),) * 2 if size is None else tuple(size)
    ndim = v.ndim + 1
    a, b = _pair(ndim, axis1, axis2, "diag_embed")
    lead = tuple(v.shape[:-1])
    z = xp.zeros((), dtype=v.dtype)
    if offset >= 0:  # the diagonal runs down the rows: entry k in row k
        col = xp.concat([v, xp.zeros(lead + (max(0, n1 - d),), dtype=v.dtype)], axis=-1)[..., :n1]
        full = xp.broadcast_to(xp.reshape(col, lead + (n1, 1)), lead + (n1, n2))
    else:  # entry k in column k
        row = xp.concat([v, xp.zeros(lead + (max(0, n2 - d),), dtype=v.dtype)], axis=-1)[..., :n2]
        full = xp.broadcast_to(xp.reshape(row, lead + (1, n2)), lead + (n1, n2))
    out = xp.where(xp.eye(n1, n2, k=offset, dtype=xp.bool), full, z)
    rest = [i for i in range(ndim) if i not in (a, b)]
    order = [0] * ndim
    for pos, src in zip(rest + [a, b], range(ndim)):
        order[pos] = src
    return xp.permute_dims(out, tuple(order))


def _diagonal_vjp(g, ans, x, offset=0, axis1=0, axis2=1):
    a, b = _pair(x.ndim, axis1, axis2, "diagonal")
    return diag_embed(g, offset=offset, axis1=a, axis2=b, size=(x.shape[a], x.shape[b]))


diagonal = _defop(
    "diagonal", 1, _diagonal_impl,
    jvp=(lambda t, ans, x, offset=0, axis1=0, axis2=1: diagonal(t, offset=offset, axis1=axis1, axis2=axis2),),
    vjp=(_diagonal_vjp,),
    kind="array", cost=0, template="diagonal({0})",
    doc="the diagonal (offset above the main one) of the axes axis1, axis2, as the last axis",
    reads_inputs=False,
    batch=axes("axis1", "axis2"),
)
diag_embed = _defop(
    "diag_embed", 1, _embed_impl,
    jvp=(lambda t, ans, v, offset=0, axis1=-2, axis2=-1, size=None:
         diag_embed(t, offset=offset, axis1=axis1, axis2=axis2, size=size),),
    vjp=(lambda g, ans, v, offset=0, axis1=-2, axis2=-1, size=None:
         diagonal(g, offset=offset, axis1=axis_index(axis1, v.ndim + 1), axis2=axis_index(axis2, v.ndim + 1)),),
    kind="array", cost=0, template="diag_embed({0})",
    doc="matrices with the last axis of v on their diagonal (offset above the main one), zeros elsewhere",
    reads_inputs=False,
    batch=axes("axis1", "axis2"),
)


def _triangle(name: str, keep):
    def impl(xp, x, k=0):
        if getattr(x, "ndim", 0) < 2:
            raise ShapeError(f"{name} needs a matrix (or a stack of matrices); got shape "
                             f"{tuple(getattr(x, 'shape', ()))}")
        return getattr(xp, name)(x, k=k)

    op = _defop(
        name, 1, impl,
        jvp=(lambda t, ans, x, k=0: op(t, k=k),), vjp=(lambda g, ans, x, k=0: op(g, k=k),),
        kind="array", cost=0, template=name + "({0})",
        doc=f"the {keep} triangle of the last two axes (from diagonal k on), zeros elsewhere",
        reads_inputs=False, batch="broadcast",
    )
    return op


tril = _triangle("tril", "lower")
triu = _triangle("triu", "upper")


def diag(v: Any, k: int = 0) -> Any:
    """A diagonal matrix from a vector, or the diagonal of a matrix (``np.diag``).

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.expr.ops.diagonals import diag
    >>> diag(np.array([[1.0, 2.0], [3.0, 4.0]])).tolist()
    [1.0, 4.0]
    """
    if v.ndim == 1:
        return diag_embed(v, offset=k)
    if v.ndim == 2:
        return diagonal(v, offset=k)
    raise ShapeError(f"diag takes a vector or a matrix; got shape {tuple(v.shape)} (for stacks use "
                     f"diagonal or diag_embed)")


def trace(x: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Any:
    """The sum along a diagonal (``np.trace``: of axes 0 and 1 by default, the others kept).

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.expr.ops.diagonals import trace
    >>> trace(np.ones((2, 2, 3))).tolist()
    [2.0, 2.0, 2.0]
    """
    return _sum(diagonal(x, offset=offset, axis1=axis1, axis2=axis2), axis=-1)
