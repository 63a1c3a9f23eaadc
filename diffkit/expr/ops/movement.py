"""Movement ops: flip, roll, repeat, tile and pad, and the axis shuffles built on them.

Each primitive moves numbers without arithmetic, so its cost is zero
element-operations (pad, which writes its fill value, counts the output) and
its rules move the cotangent back: ``flip`` flips it, ``roll`` rolls it the
other way, ``repeat`` and ``tile`` sum the copies, ``pad`` cuts the border off.

The public functions follow NumPy's names and meanings (``repeat`` repeats
each element, as ``np.repeat``; the Tensor method ``repeat`` tiles, as in
PyTorch). Non-constant padding (``edge``, ``reflect``, ``symmetric``,
``wrap``) is indexing with the index map NumPy's own ``pad`` makes of
``arange(n)``, so values agree with NumPy exactly and the gradient sums the
copies (through ``getitem``'s rule).

Example
-------
>>> import numpy as np
>>> from diffkit.expr.ops.movement import pad, roll
>>> roll(np.arange(4.0), 1).tolist()
[3.0, 0.0, 1.0, 2.0]
>>> pad(np.array([1.0, 2.0]), 1, mode="reflect").tolist()
[2.0, 1.0, 2.0, 1.0]
"""

from __future__ import annotations

import math
from typing import Any

import numpy as _numpy

from ...errors import ArgumentError
from .batching import axis as _axis_rule
from .core import _defop
from .shapes import getitem, reshape, transpose
from .support import axis_index

__all__ = ["flip", "roll", "repeat", "tile", "pad", "ravel", "moveaxis", "rollaxis", "swapaxes", "expand_dims",
           "squeeze", "flipud", "fliplr", "rot90"]


def _axis_tuple(axis: Any, ndim: int) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, (list, tuple)):
        return tuple(axis_index(a, ndim) for a in axis)
    return (axis_index(axis, ndim),)


flip = _defop(
    "flip", 1, lambda xp, x, axis=None: xp.flip(x, axis=axis),
    jvp=(lambda t, a, x, axis=None: flip(t, axis=axis),),
    vjp=(lambda g, a, x, axis=None: flip(g, axis=axis),),
    kind="array", cost=0, template="flip({0})", doc="reverse the order of elements along axis (all axes by default)",
    reads_inputs=False,
)


def _negate(shift: Any) -> Any:
    return tuple(-s for s in shift) if isinstance(shift, (tuple, list)) else -shift


def _roll_batch(op, args, batched, params):
    """vmap of roll: the axis moves past the batch; without one, each example rolls flattened."""
    (x,) = args
    if params.get("axis") is not None:
        return _axis_rule(op, args, batched, params)
    flat = roll(reshape(x, shape=(x.shape[0], -1)), params["shift"], axis=1)
    return reshape(flat, shape=tuple(x.shape))


roll = _defop(
    "roll", 1, lambda xp, x, shift, axis=None: xp.roll(x, shift, axis=axis),
    jvp=(lambda t, a, x, shift, axis=None: roll(t, shift, axis=axis),),
    vjp=(lambda g, a, x, shift, axis=None: roll(g, _negate(shift), axis=axis),),
    kind="array", cost=0, template="roll({0})",
    doc="shift elements along axis, those that fall off one end come back at the other",
    reads_inputs=False,
    batch=_roll_batch,
)


# The primitive repeats every element of one axis the same whole number of times;
# the public repeat() below reduces the other cases (flattening, per-element counts) to it.
def _repeat_vjp(g, a, x, repeats, axis):
    shape = tuple(x.shape)
    split = shape[:axis] + (shape[axis], repeats) + shape[axis + 1:]
    from .reductions import sum as _sum

    return _sum(reshape(g, shape=split), axis=axis + 1)


_repeat = _defop(
    "repeat", 1, lambda xp, x, repeats, axis: xp.repeat(x, repeats, axis=axis),
    jvp=(lambda t, a, x, repeats, axis: _repeat(t, repeats=repeats, axis=axis),),
    vjp=(_repeat_vjp,),
    kind="array", cost=0, template="repeat({0})", doc="repeat each element along axis a whole number of times",
    reads_inputs=False,
)


def repeat(x: Any, repeats: Any, axis: int | None = None) -> Any:
    """Repeat each element of ``x`` ``repeats`` times along ``axis``, as ``np.repeat``.

    Parameters
    ----------
    x : array_like, Tensor or traced value
    repeats : int or sequence of int
        How many times each element is repeated (one count per element, or one for all).
    axis : int, optional
        The axis to repeat along; by default the flattened array. ``dim`` is accepted too.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.expr.ops.movement import repeat
    >>> repeat(np.array([[1.0, 2.0]]), 2, axis=1).tolist()
    [[1.0, 1.0, 2.0, 2.0]]
    >>> repeat(np.array([1.0, 2.0]), [1, 3]).tolist()
    [1.0, 2.0, 2.0, 2.0]
    """
    if axis is None:
        x, axis = ravel(x), 0
    axis = axis_index(axis, x.ndim)
    if isinstance(repeats, (int, _numpy.integer)) and not isinstance(repeats, bool):
        if repeats < 0:
            raise ArgumentError(f"repeat: repeats must be non-negative, got {repeats}")
        return _repeat(x, repeats=int(repeats), axis=axis)
    counts = _numpy.asarray(repeats)
    if counts.ndim != 1 or counts.shape[0] not in (1, x.shape[axis]) or counts.dtype.kind not in "iu" \
            or (counts < 0).any():
        raise ArgumentError(f"repeat: repeats must be one non-negative integer or one per element along "
                            f"axis {axis} ({x.shape[axis]}), got {repeats!r}")
    if counts.shape[0] == 1:
        return _repeat(x, repeats=int(counts[0]), axis=axis)
    from .indexing import take

    return take(x, _numpy.repeat(_numpy.arange(x.shape[axis]), counts), axis=axis)


def _tile_layout(shape: tuple, reps: tuple) -> tuple[tuple, tuple]:
    """x's shape and the reps, both padded with leading ones to a common length."""
    n = max(len(shape), len(reps))
    return (1,) * (n - len(shape)) + tuple(shape), (1,) * (n - len(reps)) + tuple(reps)


def _tile_vjp(g, a, x, reps):
    from .reductions import sum as _sum

    shape, reps = _tile_layout(tuple(x.shape), _reps(reps))
    interleaved = tuple(v for pair in zip(reps, shape) for v in pair)
    summed = _sum(reshape(g, shape=interleaved), axis=tuple(range(0, 2 * len(shape), 2)))
    return reshape(summed, shape=tuple(x.shape))


def _reps(reps: Any) -> tuple:
    return tuple(reps) if isinstance(reps, (tuple, list)) else (int(reps),)


def _tile_batch(op, args, batched, params):
    """vmap of tile: the example gets its leading unit axes after the batch axis, which is tiled once."""
    (x,) = args
    reps = _reps(params["reps"])
    rank = max(x.ndim - 1, len(reps))
    x = reshape(x, shape=(x.shape[0],) + (1,) * (rank - x.ndim + 1) + tuple(x.shape[1:]))
    return tile(x, reps=(1,) * (1 + rank - len(reps)) + reps)


tile = _defop(
    "tile", 1, lambda xp, x, reps: xp.tile(x, _reps(reps)),
    jvp=(lambda t, a, x, reps: tile(t, reps=reps),),
    vjp=(_tile_vjp,),
    kind="array", cost=0, template="tile({0})", doc="the whole array repeated reps times along each axis",
    reads_inputs=False,
    batch=_tile_batch,
)


def _pad_widths(pad_width: Any, ndim: int) -> tuple[tuple[int, int], ...]:
    """NumPy's pad_width forms (n, (n,), (before, after), ((b0, a0), (b1, a1), ...)) as one pair per axis."""
    arr = _numpy.asarray(pad_width)
    if arr.dtype.kind not in "iu" or (arr < 0).any() or arr.ndim > 2 or (arr.ndim == 2 and arr.shape[1] != 2):
        raise ArgumentError(f"pad_width must be non-negative integers: n, (before, after), or one "
                            f"(before, after) pair per axis; got {pad_width!r}")
    try:
        pairs = _numpy.broadcast_to(arr.reshape(-1, 2) if arr.ndim == 2 else arr, (ndim, 2))
    except ValueError:
        raise ArgumentError(f"pad_width {pad_width!r} does not fit an array with {ndim} axes; give one "
                            f"(before, after) pair per axis or one pair for all") from None
    return tuple((int(b), int(e)) for b, e in pairs)


def _pad_impl(xp, x, pad_width, constant_values=0.0):
    widths = _pad_widths(pad_width, x.ndim)
    if hasattr(xp, "pad"):
        return xp.pad(x, widths, mode="constant", constant_values=constant_values)
    shape = tuple(s + b + e for s, (b, e) in zip(x.shape, widths))
    out = xp.full(shape, constant_values, dtype=x.dtype)
    out[tuple(slice(b, b + s) for s, (b, _) in zip(x.shape, widths))] = x
    return out


def _unpad(g, a, x, pad_width, constant_values=0.0):
    widths = _pad_widths(pad_width, x.ndim)
    return getitem(g, index=tuple(slice(b, b + s) for s, (b, _) in zip(x.shape, widths)))


def _pad_batch(op, args, batched, params):
    """vmap of pad: the example's widths, and none on the batch axis."""
    (x,) = args
    widths = ((0, 0),) + _pad_widths(params["pad_width"], x.ndim - 1)
    return _pad(x, **{**params, "pad_width": widths})


_pad = _defop(
    "pad", 1, _pad_impl,
    jvp=(lambda t, a, x, pad_width, constant_values=0.0: _pad(t, pad_width=pad_width),),
    vjp=(_unpad,),
    kind="array", template="pad({0})", doc="x with a border of constant_values around it",
    reads_inputs=False,
    batch=_pad_batch,
)

_INDEX_MODES = ("edge", "reflect", "symmetric", "wrap")


def pad(x: Any, pad_width: Any, mode: str = "constant", constant_values: float = 0.0) -> Any:
    """Pad ``x`` with a border, as ``np.pad``.

    Parameters
    ----------
    x : array_like, Tensor or traced value
    pad_width : int or sequence
        ``n``, ``(before, after)`` or one ``(before, after)`` pair per axis.
    mode : {"constant", "edge", "reflect", "symmetric", "wrap"}
    constant_values : float
        The fill value of ``mode="constant"``.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.expr.ops.movement import pad
    >>> pad(np.array([1.0, 2.0]), (1, 2), constant_values=9.0).tolist()
    [9.0, 1.0, 2.0, 9.0, 9.0]
    """
    if mode == "constant":
        if not isinstance(constant_values, (int, float)) or isinstance(constant_values, bool):
            raise ArgumentError(f"pad: constant_values must be one number, got {constant_values!r}")
        return _pad(x, pad_width=pad_width, constant_values=float(constant_values))
    if mode not in _INDEX_MODES:
        raise ArgumentError(f"pad: mode {mode!r} is not supported; use one of 'constant', "
                            f"{', '.join(repr(m) for m in _INDEX_MODES)}")
    from .indexing import take

    widths = _pad_widths(pad_width, x.ndim)
    for axis, (before, after) in enumerate(widths):
        if before or after:
            if x.shape[axis] == 0:
                raise ArgumentError(f"pad: can't pad an empty axis {axis} in mode {mode!r}")
            x = take(x, _numpy.pad(_numpy.arange(x.shape[axis]), (before, after), mode=mode), axis=axis)
    return x


def ravel(x: Any) -> Any:
    """The elements of ``x`` as a 1-D array, in row-major order (``np.ravel``).

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.expr.ops.movement import ravel
    >>> ravel(np.ones((2, 3))).shape
    (6,)
    """
    return reshape(x, shape=(math.prod(tuple(x.shape)),))


def moveaxis(x: Any, source: Any, destination: Any) -> Any:
    """Move axes of ``x`` to new positions; the others keep their order (``np.moveaxis``).

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.expr.ops.movement import moveaxis
    >>> moveaxis(np.zeros((2, 3, 4)), 0, -1).shape
    (3, 4, 2)
    """
    src, dst = _axis_tuple(source, x.ndim), _axis_tuple(destination, x.ndim)
    if len(src) != len(dst):
        raise ArgumentError(f"moveaxis: source {source!r} and destination {destination!r} name different "
                            f"numbers of axes")
    order = [a for a in range(x.ndim) if a not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return transpose(x, axes=tuple(order))


def rollaxis(x: Any, axis: int, start: int = 0) -> Any:
    """``axis`` moved to just before position ``start`` (``np.rollaxis``; prefer :func:`moveaxis`).

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.expr.ops.movement import rollaxis
    >>> rollaxis(np.zeros((2, 3, 4)), 2).shape
    (4, 2, 3)
    """
    n = x.ndim
    a = axis_index(axis, n)
    if not -n <= start <= n:
        raise ArgumentError(f"rollaxis: start={start} is out of range for {n} dimensions")
    start %= n + 1
    if a < start:
        start -= 1
    return moveaxis(x, a, start) if a != start else x


def swapaxes(x: Any, axis1: int, axis2: int) -> Any:
    """``x`` with two axes interchanged (``np.swapaxes``; PyTorch's ``transpose(dim0, dim1)``).

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.expr.ops.movement import swapaxes
    >>> swapaxes(np.zeros((2, 3, 4)), 0, 2).shape
    (4, 3, 2)
    """
    a, b = axis_index(axis1, x.ndim, "axis1"), axis_index(axis2, x.ndim, "axis2")
    order = list(range(x.ndim))
    order[a], order[b] = b, a
    return transpose(x, axes=tuple(order))


def expand_dims(x: Any, axis: Any) -> Any:
    """``x`` with new axes of length one inserted at ``axis`` (``np.expand_dims``).

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.expr.ops.movement import expand_dims
    >>> expand_dims(np.zeros((2, 3)), (0, -1)).shape
    (1, 2, 3, 1)
    """
    n = x.ndim + (len(axis) if isinstance(axis, (tuple, list)) else 1)
    new = _axis_tuple(axis, n)
    it = iter(tuple(x.shape))
    return reshape(x, shape=tuple(1 if i in new else next(it) for i in range(n)))


def squeeze(x: Any, axis: Any = None) -> Any:
    """``x`` without its axes of length one (or only those named by ``axis``), as ``np.squeeze``.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.expr.ops.movement import squeeze
    >>> squeeze(np.zeros((2, 1, 3, 1)), axis=1).shape
    (2, 3, 1)
    """
    shape = tuple(x.shape)
    drop = tuple(i for i, s in enumerate(shape) if s == 1) if axis is None else _axis_tuple(axis, x.ndim)
    for i in drop:
        if shape[i] != 1:
            raise ArgumentError(f"squeeze: axis {i} has length {shape[i]}, not 1; only axes of length one "
                                f"can be removed")
    return reshape(x, shape=tuple(s for i, s in enumerate(shape) if i not in drop))


def flipud(x: Any) -> Any:
    """``x`` upside down: flipped along axis 0 (``np.flipud``).

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.expr.ops.movement import flipud
    >>> flipud(np.array([[1.0], [2.0]])).tolist()
    [[2.0], [1.0]]
    """
    return flip(x, axis=0)


def fliplr(x: Any) -> Any:
    """``x`` left-right mirrored: flipped along axis 1 (``np.fliplr``).

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.expr.ops.movement import fliplr
    >>> fliplr(np.array([[1.0, 2.0]])).tolist()
    [[2.0, 1.0]]
    """
    return flip(x, axis=1)


def rot90(x: Any, k: int = 1, axes: tuple[int, int] = (0, 1)) -> Any:
    """``x`` rotated by 90 degrees ``k`` times in the plane of ``axes`` (``np.rot90``).

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.expr.ops.movement import rot90
    >>> rot90(np.array([[1.0, 2.0], [3.0, 4.0]])).tolist()
    [[2.0, 4.0], [1.0, 3.0]]
    """
    a, b = axis_index(axes[0], x.ndim), axis_index(axes[1], x.ndim)
    if a == b:
        raise ArgumentError(f"rot90: axes {axes!r} must name two different axes")
    k %= 4
    if k == 0:
        return x
    if k == 2:
        return flip(x, axis=(a, b))
    if k == 1:
        return swapaxes(flip(x, axis=b), a, b)
    return flip(swapaxes(x, a, b), axis=b)
