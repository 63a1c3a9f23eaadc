"""Grids: linspace (differentiable in its end points) and meshgrid, as NumPy's.

``linspace(a, b, n)`` is ``a + k (b - a) / (n - 1)``, with the last point
set to ``b`` itself as NumPy does, written with the table's ops, so the
gradients with respect to ``a`` and ``b`` are ``1 - k/(n-1)`` and
``k/(n-1)``. ``meshgrid`` broadcasts its vectors.

Example
-------
>>> from diffkit.expr.ops.grids import linspace
>>> linspace(0.0, 1.0, 5).tolist()
[0.0, 0.25, 0.5, 0.75, 1.0]
"""

from __future__ import annotations

from typing import Any

import numpy as _numpy

from ...errors import ArgumentError
from .shapes import broadcast_to, concat, getitem, reshape
from .support import constant

__all__ = ["linspace", "meshgrid"]


def _shape(x: Any) -> tuple:
    return tuple(x.shape if hasattr(x, "shape") else _numpy.shape(x))


def linspace(start: Any, stop: Any, num: int = 50, endpoint: bool = True, retstep: bool = False,
             axis: int = 0) -> Any:
    """``num`` evenly spaced values from ``start`` to ``stop`` (``np.linspace``), differentiable in both ends.

    ``start`` and ``stop`` may be numbers, arrays (the values run along a new
    ``axis``), Tensors or traced values.

    Example
    -------
    >>> import diffkit as dk
    >>> a = dk.tensor(1.0, dtype="float64", requires_grad=True)
    >>> dk.linspace(a, 3.0, 3).sum().backward()
    >>> a.grad
    tensor(1.5, dtype=float64)
    """
    if isinstance(num, bool) or not isinstance(num, (int, _numpy.integer)) or num < 0:
        raise ArgumentError(f"linspace: num must be a non-negative integer, got {num!r}")
    num = int(num)
    if not hasattr(start, "shape"):
        start = _numpy.asarray(float(start) if not isinstance(start, complex) else start)
    if not hasattr(stop, "shape"):
        stop = _numpy.asarray(float(stop) if not isinstance(stop, complex) else stop)
    shape = _numpy.broadcast_shapes(_shape(start), _shape(stop))
    div = (num - 1) if endpoint else num
    delta = stop - start
    step = delta / float(div) if div > 0 else delta * _numpy.nan
    ramp = constant(_numpy.arange(num, dtype=float).reshape((num,) + (1,) * len(shape)), start)
    first = reshape(broadcast_to(start, shape=shape), shape=(1,) + shape)
    if num == 0:
        y = getitem(first, index=(slice(0, 0),) + (slice(None),) * len(shape))
    elif num == 1 or not endpoint:
        y = step * getitem(ramp, index=(slice(0, num),) + (slice(None),) * len(shape)) + start if num > 1 \
            else first
    else:
        last = reshape(broadcast_to(stop, shape=shape), shape=(1,) + shape)
        body = step * getitem(ramp, index=(slice(0, num - 1),) + (slice(None),) * len(shape)) + start
        y = concat([broadcast_to(body, shape=(num - 1,) + shape), last], axis=0)
    if axis != 0:
        from .movement import moveaxis

        y = moveaxis(y, 0, axis)
    return (y, step) if retstep else y


def meshgrid(*xs: Any, indexing: str = "xy", sparse: bool = False) -> tuple:
    """Coordinate arrays from coordinate vectors (``np.meshgrid``; ``indexing="ij"`` for matrix order).

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.expr.ops.grids import meshgrid
    >>> gx, gy = meshgrid(np.arange(3.0), np.arange(2.0))
    >>> gx.shape, gy.tolist()
    ((2, 3), [[0.0, 0.0, 0.0], [1.0, 1.0, 1.0]])
    """
    if indexing not in ("xy", "ij"):
        raise ArgumentError(f"meshgrid: indexing must be 'xy' or 'ij', got {indexing!r}")
    sizes = [int(_numpy.prod(_shape(x))) for x in xs]
    n = len(xs)
    full = list(sizes)
    if indexing == "xy" and n > 1:
        full[0], full[1] = full[1], full[0]
    out = []
    for i, x in enumerate(xs):
        place = i if indexing == "ij" or n < 2 or i > 1 else 1 - i
        shape = tuple(sizes[i] if d == place else 1 for d in range(n))
        v = reshape(x, shape=shape)
        out.append(v if sparse else broadcast_to(v, shape=tuple(full)))
    return tuple(out)
