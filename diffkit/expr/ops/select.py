"""Selections for derivative rules: ``where`` that decides at once when its condition is known.

Rules select rather than multiply by a mask: ``0 * inf`` is nan, so a mask
would leak an infinite slope from the side that is not taken (``sqrt(min(z, x))``
at ``z > x = 0``: ``d/dz`` is 0, not nan), as PyTorch's and JAX's rules
select too. A condition on constants (a literal exponent, a Python float) is
a plain bool; then the branch is picked here and no ``where`` is recorded,
so the programs written for the common cases stay as short as before.

Example
-------
>>> import numpy as np
>>> from diffkit.expr.ops.select import select
>>> select(np.array([True, False]), np.array([np.inf, 1.0]), 0.0).tolist()
[inf, 0.0]
>>> select(True, "left", "right")
'left'
"""

from __future__ import annotations

from typing import Any

import numpy as _numpy

from .core import OPS, apply

__all__ = ["select", "both", "known", "generic"]


def known(c: Any, *branches: Any) -> bool:
    """Whether ``c`` is a condition already decided: a Python bool (from comparing the Python
    numbers of a graph's constants), or a NumPy one when no branch is an array (a 0-d array's
    comparison gives one too, and its branches must keep their shapes: they go through ``where``)."""
    if isinstance(c, bool):
        return True
    return isinstance(c, _numpy.bool_) and not any(
        isinstance(b, _numpy.ndarray) or hasattr(b, "__array_namespace__") for b in branches)


def generic(x: Any) -> bool:
    """Whether ``x`` is a formula read at a generic point (``dk.symbolic.explain``'s): a rule then
    writes its general formula and leaves out the value PyTorch gives at an isolated point (the
    ``0 * 0^-1`` of ``d/dx x^0`` at 0), as a textbook does."""
    return getattr(x, "_dk_generic", False)


def select(c: Any, x: Any, y: Any) -> Any:
    """``x`` where ``c`` holds, else ``y``: the table's ``where``, or the branch itself for a known ``c``."""
    if known(c, x, y):
        return x if c else y
    return apply(OPS["where"], c, x, y)


def both(c1: Any, c2: Any) -> Any:
    """``c1 and c2`` elementwise, decided at once where either is known (as ``where(c1, c2, c1)``:
    a graph holds no boolean constants)."""
    if known(c1, c2):
        return c2 if c1 else False
    if known(c2, c1):
        return c1 if c2 else False
    return apply(OPS["where"], c1, c2, c1)
