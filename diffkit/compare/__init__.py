"""Results, op counts and the Differentiator interface shared by every method.

``compare()`` (every method side by side) builds on the symbolic, numeric and
AD packages, which it imports only when it runs a method: ``symbolic``,
``numeric`` and ``ad`` import this package's base classes (the interface they
implement) without importing each other or ``compare()``.

Example
-------
>>> import diffkit as dk
>>> dk.compare is not None
True
"""

from ..expr.counting import OpCount, counting
from .base import Differentiator, Result
from .mode_check import check_grads
from .runner import METHODS, Comparison, compare, method

__all__ = ["Differentiator", "Result", "OpCount", "counting", "compare", "Comparison", "METHODS", "method",
           "check_grads"]
