"""Results, op counts and the Differentiator interface shared by every method.

``compare()`` (every method side by side) builds on the symbolic, numeric and
AD packages, so it is imported lazily: ``symbolic``, ``numeric`` and ``ad``
import this package's base classes without importing each other.

Example
-------
>>> import diffkit as dk
>>> dk.compare is not None
True
"""

from ..expr.counting import OpCount, counting
from .base import Differentiator, Result

__all__ = ["Differentiator", "Result", "OpCount", "counting"]
