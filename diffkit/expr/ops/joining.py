"""Joining and splitting: vstack, hstack, column_stack, dstack, append, the split family.

All are NumPy's functions written with ``concat``, ``reshape`` and
``getitem``, so they need no rules of their own: the gradient of a join
is the cotangent cut into pieces, that of a split the pieces put back.

Example
-------
>>> import numpy as np
>>> from diffkit.expr.ops.joining import hstack, vstack
>>> vstack([np.ones(2), np.zeros(2)]).shape
(2, 2)
>>> hstack([np.ones(2), np.zeros(3)]).shape
(5,)
"""

from __future__ import annotations

from typing import Any

import numpy as _numpy

from ...errors import ArgumentError
from .movement import ravel
from .shapes import concat, getitem, reshape
from .support import along, axis_index

__all__ = ["atleast_1d", "atleast_2d", "atleast_3d", "vstack", "hstack", "column_stack", "dstack", "append",
           "split", "array_split", "hsplit", "vsplit", "dsplit"]


def _as_value(x: Any) -> Any:
    return x if hasattr(x, "shape") else _numpy.asarray(x, dtype=float)


def _atleast(xs: tuple, n: int) -> Any:
    out = []
    for x in map(_as_value, xs):
        s = tuple(x.shape)
        if len(s) < n:
            if n == 3 and len(s) == 1:
                s = (1,) + s + (1,)
            elif n == 3 and len(s) == 2:
                s = s + (1,)
            else:
                s = (1,) * (n - len(s)) + s
            x = reshape(x, shape=s)
        out.append(x)
    return out[0] if len(out) == 1 else tuple(out)


def atleast_1d(*xs: Any) -> Any:
    """Each input with at least one dimension (``np.atleast_1d``).

    Example
    -------
    >>> from diffkit.expr.ops.joining import atleast_1d
    >>> atleast_1d(2.0).shape
    (1,)
    """
    return _atleast(xs, 1)


def atleast_2d(*xs: Any) -> Any:
    """Each input with at least two dimensions; a vector becomes a row (``np.atleast_2d``).

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.expr.ops.joining import atleast_2d
    >>> atleast_2d(np.ones(3)).shape
    (1, 3)
    """
    return _atleast(xs, 2)


def atleast_3d(*xs: Any) -> Any:
    """Each input with at least three dimensions, as ``np.atleast_3d`` ((n,) -> (1, n, 1)).

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.expr.ops.joining import atleast_3d
    >>> atleast_3d(np.ones((2, 3))).shape
    (2, 3, 1)
    """
    return _atleast(xs, 3)


def _listed(xs: Any, name: str) -> list:
    if hasattr(xs, "shape") and not isinstance(xs, (list, tuple)):
        xs = [xs[i] for i in range(xs.shape[0])]
    xs = list(xs)
    if not xs:
        raise ArgumentError(f"{name} needs at least one array")
    return xs


def vstack(xs: Any) -> Any:
    """Join arrays row-wise, vectors as rows (``np.vstack``).

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.expr.ops.joining import vstack
    >>> vstack([np.ones((2, 3)), np.zeros(3)]).shape
    (3, 3)
    """
    parts = [atleast_2d(x) for x in _listed(xs, "vstack")]
    return concat(parts, axis=0)


def hstack(xs: Any) -> Any:
    """Join arrays column-wise (along axis 1; vectors end to end), as ``np.hstack``.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.expr.ops.joining import hstack
    >>> hstack([np.ones((2, 1)), np.zeros((2, 3))]).shape
    (2, 4)
    """
    parts = [atleast_1d(x) for x in _listed(xs, "hstack")]
    return concat(parts, axis=0 if parts[0].ndim == 1 else 1)


def column_stack(xs: Any) -> Any:
    """Vectors as columns of a matrix, matrices joined along axis 1 (``np.column_stack``).

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.expr.ops.joining import column_stack
    >>> column_stack([np.ones(2), np.zeros(2)]).tolist()
    [[1.0, 0.0], [1.0, 0.0]]
    """
    parts = []
    for x in map(_as_value, _listed(xs, "column_stack")):
        parts.append(reshape(x, shape=(x.shape[0], 1)) if x.ndim < 2 else x)
    return concat(parts, axis=1)


def dstack(xs: Any) -> Any:
    """Join arrays along the third axis (``np.dstack``).

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.expr.ops.joining import dstack
    >>> dstack([np.ones(2), np.zeros(2)]).shape
    (1, 2, 2)
    """
    return concat([atleast_3d(x) for x in _listed(xs, "dstack")], axis=2)


def append(x: Any, values: Any, axis: int | None = None) -> Any:
    """``x`` with ``values`` joined at the end (flattened when ``axis`` is None), as ``np.append``.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.expr.ops.joining import append
    >>> append(np.ones((1, 2)), 3.0).tolist()
    [1.0, 1.0, 3.0]
    """
    x, values = _as_value(x), _as_value(values)
    if axis is None:
        return concat([ravel(x), ravel(values)], axis=0)
    return concat([x, values], axis=axis)


def _bounds(n: int, sections: Any, even: bool, name: str) -> list[int]:
    if isinstance(sections, (int, _numpy.integer)) and not isinstance(sections, bool):
        if sections <= 0:
            raise ArgumentError(f"{name}: the number of sections must be positive, got {sections}")
        if even and n % sections:
            raise ArgumentError(f"{name}: an axis of length {n} does not split into {sections} equal sections; "
                                f"use array_split for unequal ones")
        size, extra = divmod(n, sections)
        cuts, at = [0], 0
        for i in range(sections):
            at += size + (1 if i < extra else 0)
            cuts.append(at)
        return cuts
    return [0] + [min(max(int(i) + (n if i < 0 else 0), 0), n) for i in sections] + [n]


def _split(x: Any, sections: Any, axis: int, even: bool, name: str) -> list:
    axis = axis_index(axis, x.ndim)
    cuts = _bounds(x.shape[axis], sections, even, name)
    return [getitem(x, index=along(axis, x.ndim, slice(a, max(a, b)))) for a, b in zip(cuts[:-1], cuts[1:])]


def split(x: Any, indices_or_sections: Any, axis: int = 0) -> list:
    """Cut ``x`` into equal sections, or at the given indices, along ``axis`` (``np.split``).

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.expr.ops.joining import split
    >>> [p.tolist() for p in split(np.arange(4.0), [1])]
    [[0.0], [1.0, 2.0, 3.0]]
    """
    return _split(x, indices_or_sections, axis, True, "split")


def array_split(x: Any, indices_or_sections: Any, axis: int = 0) -> list:
    """Like :func:`split`, allowing sections of unequal length (``np.array_split``).

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.expr.ops.joining import array_split
    >>> [len(p) for p in array_split(np.arange(7.0), 3)]
    [3, 2, 2]
    """
    return _split(x, indices_or_sections, axis, False, "array_split")


def vsplit(x: Any, indices_or_sections: Any) -> list:
    """:func:`split` along axis 0 (``np.vsplit``).

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.expr.ops.joining import vsplit
    >>> len(vsplit(np.ones((4, 2)), 2))
    2
    """
    return split(x, indices_or_sections, axis=0)


def hsplit(x: Any, indices_or_sections: Any) -> list:
    """:func:`split` along axis 1 (axis 0 for vectors), as ``np.hsplit``.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.expr.ops.joining import hsplit
    >>> hsplit(np.ones((2, 4)), 2)[0].shape
    (2, 2)
    """
    return split(x, indices_or_sections, axis=1 if x.ndim > 1 else 0)


def dsplit(x: Any, indices_or_sections: Any) -> list:
    """:func:`split` along axis 2 (``np.dsplit``).

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.expr.ops.joining import dsplit
    >>> dsplit(np.ones((1, 1, 4)), 4)[0].shape
    (1, 1, 1)
    """
    return split(x, indices_or_sections, axis=2)
