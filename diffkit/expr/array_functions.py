"""PyTorch's reductions and shape functions, composed from the ops table, for every kind of value.

``dk.min``, ``dk.max``, ``dk.var``, ``dk.std``, ``dk.unsqueeze``,
``dk.flatten``, ``dk.reciprocal`` and PyTorch's ``squeeze`` (the method
``x.squeeze``; ``dk.squeeze`` is NumPy's) take NumPy arrays,
Tensors and the values of the function transforms alike, in PyTorch's
signatures (``dim``/``keepdim``, with NumPy's ``axis``/``keepdims`` as
synonyms). A Tensor answers with its own method; anything else goes through
the table's ops, so every transform level sees them. The array methods of
:class:`~diffkit.expr.methods.ArrayMethods` are written with these.

Example
-------
>>> import numpy as np
>>> import diffkit as dk
>>> x = np.array([[1.0, 5.0], [4.0, 2.0]])
>>> dk.min(x), dk.max(x, dim=1)
(np.float64(1.0), MaxMin(values=array([5., 4.]), indices=array([1, 0])))
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as _numpy

from ..errors import ArgumentError, ArgumentTypeError, ShapeError
from .ops import OPS, apply, namespace

# This module defines max and min (PyTorch's): the builtins are not used below.

__all__ = ["MaxMin", "max", "min", "amax", "amin", "var", "std", "squeeze", "unsqueeze", "flatten",
           "reciprocal", "round", "split", "dims", "pick"]


class MaxMin(NamedTuple):
    """What ``max(x, dim)`` and ``min(x, dim)`` return, as PyTorch does: the values and their indices.

    Example
    -------
    >>> import numpy as np
    >>> import diffkit as dk
    >>> dk.min(np.array([3.0, 1.0, 2.0]), dim=0)
    MaxMin(values=np.float64(1.0), indices=array(1))
    """

    values: Any
    indices: Any


def _is_tensor(x: Any) -> bool:
    return getattr(type(x), "_dk_level", 0) == 2 and hasattr(x, "backward")


def dims(dim: Any, axis: Any) -> Any:
    """PyTorch's ``dim`` or NumPy's ``axis`` (lists as tuples)."""
    a = axis if axis is not None else dim
    return tuple(a) if isinstance(a, list) else a


def _keep(keepdim: bool, keepdims: bool | None) -> bool:
    return bool(keepdims) if keepdims is not None else bool(keepdim)


def _shape(x: Any) -> tuple:
    return tuple(getattr(x, "shape", ()))


def amax(x: Any, dim: Any = None, keepdim: bool = False, *, axis: Any = None, keepdims: bool | None = None) -> Any:
    """Maximum values over ``dim`` (all by default), ties sharing the gradient evenly.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.expr.array_functions import amax
    >>> amax(np.array([[1.0, 5.0], [4.0, 2.0]]), 0)
    array([4., 5.])
    """
    return apply(OPS["max"], x, axis=dims(dim, axis), keepdims=_keep(keepdim, keepdims))


def amin(x: Any, dim: Any = None, keepdim: bool = False, *, axis: Any = None, keepdims: bool | None = None) -> Any:
    """Minimum values over ``dim``, as ``-amax(-x)``.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.expr.array_functions import amin
    >>> amin(np.array([[1.0, 5.0], [4.0, 2.0]]), 1)
    array([1., 2.])
    """
    return -amax(-x, dim, keepdim, axis=axis, keepdims=keepdims)


def _take(x: Any, idx: Any, dim: int, keepdim: bool) -> Any:
    """The entries of ``x`` at integer ``idx`` along ``dim`` (idx broadcasts against x with ``dim`` of
    size 1), by a mask: the gradient goes to those entries only, and every transform level sees ops."""
    shape = _shape(x)
    from .levels import lowest

    xp = namespace(lowest(x))
    ticks = xp.reshape(xp.arange(shape[dim]), tuple(n if k == dim else 1 for k, n in enumerate(shape)))
    hit = apply(OPS["equal"], ticks, idx)
    return apply(OPS["sum"], apply(OPS["where"], hit, x, 0.0), axis=dim, keepdims=keepdim)


def _extreme(name: str, x: Any, dim: Any, keepdim: bool, axis: Any, keepdims: bool | None) -> Any:
    whole = amax if name == "max" else amin
    if axis is not None or dim is None or isinstance(dim, (tuple, list)):  # NumPy's spelling: values only
        return whole(x, dim, keepdim, axis=axis, keepdims=keepdims)
    ndim = len(_shape(x))
    d = int(dim) % (ndim or 1)
    keep = _keep(keepdim, keepdims)
    idx = apply(OPS["argmax" if name == "max" else "argmin"], x, axis=d, keepdims=True)
    if ndim == 0:
        return MaxMin(x, apply(OPS["reshape"], idx, shape=()))
    values = _take(x, idx, d, keep)  # the gradient goes to the index returned, as PyTorch's
    return MaxMin(values, idx if keep else apply(OPS["reshape"], idx, shape=_shape(values)))


def max(x: Any, dim: Any = None, keepdim: bool = False, *, axis: Any = None,  # noqa: A001 - PyTorch's name
        keepdims: bool | None = None) -> Any:
    """Maximum: of everything, or ``(values, indices)`` over an int ``dim`` as ``torch.max`` gives it.

    Over ``dim`` the gradient goes to the entry at the index returned; with
    NumPy's ``axis=`` (or a tuple of dims) only the values come back, and tied
    entries share the gradient evenly (:func:`amax`).

    Example
    -------
    >>> import numpy as np
    >>> import diffkit as dk
    >>> x = np.array([[1.0, 5.0], [4.0, 2.0]])
    >>> dk.max(x), dk.max(x, axis=0)
    (np.float64(5.0), array([4., 5.]))
    >>> dk.max(x, 1).indices
    array([1, 0])
    """
    if _is_tensor(x):
        return x.max(dim, keepdim, axis=axis, keepdims=keepdims)
    return _extreme("max", x, dim, keepdim, axis, keepdims)


def min(x: Any, dim: Any = None, keepdim: bool = False, *, axis: Any = None,  # noqa: A001
        keepdims: bool | None = None) -> Any:
    """Minimum: of everything, or ``(values, indices)`` over an int ``dim`` as ``torch.min`` gives it.

    Example
    -------
    >>> import numpy as np
    >>> import diffkit as dk
    >>> x = np.array([[1.0, 5.0], [4.0, 2.0]])
    >>> dk.min(x), dk.min(x, dim=0).values
    (np.float64(1.0), array([1., 2.]))
    """
    if _is_tensor(x):
        return x.min(dim, keepdim, axis=axis, keepdims=keepdims)
    return _extreme("min", x, dim, keepdim, axis, keepdims)


def _correction(unbiased: bool | None, correction: Any, ddof: Any) -> Any:
    if ddof is not None:  # NumPy's np.var(x) passes ddof (0 by default): NumPy's meaning
        return ddof
    if correction is not None:
        return correction
    return 0 if unbiased is False else 1


def var(x: Any, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False, *, correction: Any = None,
        axis: Any = None, keepdims: bool | None = None, ddof: Any = None) -> Any:
    """Variance over ``dim`` (all by default), divided by ``n - correction``; ``correction=1`` as in PyTorch.

    ``unbiased=False`` is ``correction=0``; NumPy's ``ddof`` is ``correction``.

    Example
    -------
    >>> import numpy as np
    >>> import diffkit as dk
    >>> x = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    >>> float(dk.var(x)), float(dk.var(x, correction=0))
    (2.5, 2.0)
    """
    return apply(OPS["var"], x, axis=dims(dim, axis), correction=_correction(unbiased, correction, ddof),
                 keepdims=_keep(keepdim, keepdims))


def std(x: Any, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False, *, correction: Any = None,
        axis: Any = None, keepdims: bool | None = None, ddof: Any = None) -> Any:
    """Standard deviation over ``dim`` (``correction=1`` by default); its slope is 0 where it is 0, as in PyTorch.

    Example
    -------
    >>> import numpy as np
    >>> import diffkit as dk
    >>> float(dk.std(np.array([2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]), correction=0))
    2.0
    """
    return apply(OPS["std"], x, axis=dims(dim, axis), correction=_correction(unbiased, correction, ddof),
                 keepdims=_keep(keepdim, keepdims))


def _reshape(x: Any, shape: tuple) -> Any:
    return apply(OPS["reshape"], x, shape=tuple(shape))


def squeeze(x: Any, dim: Any = None, *, axis: Any = None) -> Any:
    """Drop axes of size 1 (only ``dim``, an int or a tuple, if given; others of another size stay).

    PyTorch's ``squeeze``, behind the method ``x.squeeze(dim)``; ``dk.squeeze`` is
    NumPy's, which refuses a named axis whose length is not one (``docs/differences.md``).

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.expr.array_functions import squeeze
    >>> x = np.ones((1, 3, 1))
    >>> squeeze(x).shape, squeeze(x, 0).shape, squeeze(x, 1).shape
    ((3,), (3, 1), (1, 3, 1))
    """
    shape = _shape(x)
    d = dims(dim, axis)
    if d is None:
        return _reshape(x, tuple(s for s in shape if s != 1))
    picked = {k % len(shape) for k in (d if isinstance(d, tuple) else (d,))} if shape else set()
    return _reshape(x, tuple(s for k, s in enumerate(shape) if not (k in picked and s == 1)))


def unsqueeze(x: Any, dim: int) -> Any:
    """Insert an axis of size 1 at ``dim`` (negative counts from the end of the result).

    Example
    -------
    >>> import numpy as np
    >>> import diffkit as dk
    >>> dk.unsqueeze(np.ones(3), 0).shape, dk.unsqueeze(np.ones(3), -1).shape
    ((1, 3), (3, 1))
    """
    shape = list(_shape(x))
    shape.insert(dim % (len(shape) + 1), 1)
    return _reshape(x, tuple(shape))


def flatten(x: Any, start_dim: int = 0, end_dim: int = -1) -> Any:
    """Merge axes ``start_dim..end_dim`` into one (a 0-d value becomes shape ``(1,)``).

    Example
    -------
    >>> import numpy as np
    >>> import diffkit as dk
    >>> dk.flatten(np.ones((2, 3, 4)), 1).shape
    (2, 12)
    """
    shape = _shape(x)
    if not shape:
        return _reshape(x, (1,))
    s, e = start_dim % len(shape), end_dim % len(shape)
    return _reshape(x, shape[:s] + (math.prod(shape[s:e + 1]),) + shape[e + 1:])


def reciprocal(x: Any) -> Any:
    """1 / x, elementwise.

    Example
    -------
    >>> import numpy as np
    >>> import diffkit as dk
    >>> dk.reciprocal(np.array([2.0, 4.0]))
    array([0.5 , 0.25])
    """
    return apply(OPS["div"], 1.0, x)


def round(x: Any, decimals: int = 0) -> Any:  # noqa: A001 - NumPy's and PyTorch's name
    """Round to ``decimals`` places (default: the nearest integer), ties to even, as ``np.round``
    and ``torch.round``; the slope is 0.

    Example
    -------
    >>> import numpy as np
    >>> import diffkit as dk
    >>> dk.round(np.array([0.5, 1.5, 2.25])).tolist(), dk.round(np.array([1.25, 2.375]), decimals=2).tolist()
    ([0.0, 2.0, 2.0], [1.25, 2.38])
    """
    if isinstance(decimals, bool) or not isinstance(decimals, int):
        raise ArgumentTypeError(f"round: decimals must be an int, not {type(decimals).__name__}")
    if decimals == 0:
        return apply(OPS["round"], x)
    scale = float(_numpy.power(10.0, decimals))  # inf past 10^308, as NumPy's and torch's scale (then nan)
    return apply(OPS["div"], apply(OPS["round"], apply(OPS["mul"], x, scale)), scale)


def split(x: Any, split_size_or_sections: Any, dim: int = 0) -> tuple:
    """Pieces along ``dim``: of ``split_size`` each (the last may be shorter), or of the given sizes.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.expr.array_functions import split
    >>> [p.tolist() for p in split(np.arange(5.0), 2)]
    [[0.0, 1.0], [2.0, 3.0], [4.0]]
    """
    shape = _shape(x)
    if not shape:
        raise ShapeError("split() needs at least one dimension; this value is 0-d")
    d = dim % len(shape)
    n = shape[d]
    if isinstance(split_size_or_sections, int):
        size = split_size_or_sections
        if size < 1:
            raise ArgumentError(f"split size must be a positive number, got {size}")
        sizes = [size if start + size <= n else n - start for start in range(0, n, size)]
    else:
        sizes = [int(k) for k in split_size_or_sections]
        if sum(sizes) != n or any(k < 0 for k in sizes):
            raise ArgumentError(f"split sizes {sizes} don't add up to the {n} entries along dim {dim}")
    pieces, start = [], 0
    for k in sizes:
        index = (slice(None),) * d + (slice(start, start + k), Ellipsis)
        pieces.append(apply(OPS["getitem"], x, index=index))
        start += k
    return tuple(pieces)


def pick(x: Any, index: Any) -> Any:
    """``x[index]`` where the index holds integers that are themselves a transform's values (a label per
    example under ``vmap``): each is picked with a mask, so every level sees ops it knows.

    The entries may be such integers and full slices ``:``, with a trailing ``...``.

    Example
    -------
    >>> import numpy as np
    >>> import diffkit as dk
    >>> logits = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    >>> dk.ad.vmap(lambda row, t: row[t])(logits, np.array([2, 0]))
    array([3., 4.])
    """
    index = index if isinstance(index, tuple) else (index,)
    if index and index[-1] is Ellipsis:
        index = index[:-1]
    for k in range(len(index) - 1, -1, -1):
        i = index[k]
        if isinstance(i, slice) and i == slice(None):
            continue
        if getattr(type(i), "_dk_level", 0) <= 2 or _shape(i) or getattr(i.dtype, "kind", "") not in "iu":
            raise ArgumentTypeError(
                f"x[{index}]: an index holding a transform's values works for integers one per example, "
                "beside full slices (x[t], x[:, t]); gather in two steps, or pick with dk.where")
        x = _take(x, i, k, False)
    return x
