"""Selection: select, fmax, fmin, nan_to_num, NumPy's functions written with ``where``.

``where`` selects the cotangent rather than multiplying it by a mask, so a
nan or an inf in the entries not chosen stays out of the gradient.

Example
-------
>>> import numpy as np
>>> from diffkit.expr.ops.selection import fmax, nan_to_num
>>> fmax(np.array([1.0, np.nan]), np.array([np.nan, 2.0])).tolist()
[1.0, 2.0]
>>> nan_to_num(np.array([np.nan, -np.inf]), neginf=-9.0).tolist()
[0.0, -9.0]
"""

from __future__ import annotations

from typing import Any

import numpy as _numpy

from ...errors import ArgumentError
from .elementwise import equal, maximum, minimum, not_equal
from .shapes import where
from .support import plain

__all__ = ["select", "fmax", "fmin", "nan_to_num"]


def select(condlist: Any, choicelist: Any, default: Any = 0.0) -> Any:
    """Per entry, the choice of the first true condition, else ``default`` (``np.select``).

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.expr.ops.selection import select
    >>> x = np.array([-1.0, 0.5, 2.0])
    >>> select([x < 0, x < 1], [-x, 2 * x], default=9.0).tolist()
    [1.0, 1.0, 9.0]
    """
    condlist, choicelist = list(condlist), list(choicelist)
    if len(condlist) != len(choicelist):
        raise ArgumentError(f"select: {len(condlist)} conditions but {len(choicelist)} choices; give one "
                            f"choice per condition")
    out = default
    for cond, choice in zip(reversed(condlist), reversed(choicelist)):
        out = where(cond, choice, out)
    return out


def _isnan(x: Any) -> Any:
    raw = plain(x)
    return not_equal(raw, raw)


def fmax(x: Any, y: Any) -> Any:
    """Elementwise maximum that ignores a nan (``np.fmax``); a tie splits the gradient half and half.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.expr.ops.selection import fmax
    >>> fmax(np.array([1.0, 5.0]), 3.0).tolist()
    [3.0, 5.0]
    """
    return where(_isnan(y), x, where(_isnan(x), y, maximum(x, y)))


def fmin(x: Any, y: Any) -> Any:
    """Elementwise minimum that ignores a nan (``np.fmin``).

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.expr.ops.selection import fmin
    >>> fmin(np.array([1.0, np.nan]), 3.0).tolist()
    [1.0, 3.0]
    """
    return where(_isnan(y), x, where(_isnan(x), y, minimum(x, y)))


def nan_to_num(x: Any, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None) -> Any:
    """nan and infinities replaced by finite numbers (``np.nan_to_num``); gradient 0 at the replaced entries.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.expr.ops.selection import nan_to_num
    >>> nan_to_num(np.array([1.0, np.inf])).tolist()[0]
    1.0
    """
    raw = plain(x)
    dtype = getattr(raw, "dtype", _numpy.float64)
    try:
        big = float(_numpy.finfo(_numpy.dtype(dtype)).max)
    except TypeError:
        big = float(_numpy.finfo(_numpy.float64).max)
    posinf = big if posinf is None else posinf
    neginf = -big if neginf is None else neginf
    out = where(_isnan(x), nan, x)
    out = where(equal(raw, _numpy.inf), posinf, out)
    return where(equal(raw, -_numpy.inf), neginf, out)
