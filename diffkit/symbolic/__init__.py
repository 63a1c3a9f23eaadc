"""Symbolic differentiation, expression size, and the expression-swell study.

* :class:`Symbolic` (also ``dk.Symbolic``): a :class:`~diffkit.Differentiator`
  that differentiates with SymPy (or SymEngine) and evaluates vectorised.
* :func:`size`: tree nodes, ``count_ops``, depth and DAG size after CSE.
* :func:`swell`: how derivative expressions grow along a family, with the
  time each form took and its float64 accuracy.

Example
-------
>>> import diffkit as dk
>>> dk.symbolic.size(dk.examples.logistic_map(2)).nodes
8
"""

from .backends import SymEngineNotInstalled, get_backend
from .differentiator import Symbolic
from .size import Size, size
from .swell import SwellRow, SwellTable, swell

__all__ = ["Symbolic", "Size", "size", "swell", "SwellTable", "SwellRow", "SymEngineNotInstalled",
           "get_backend"]
