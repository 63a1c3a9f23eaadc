"""Symbolic differentiation, expression size, and the expression-swell study.

* :class:`Symbolic` (also ``dk.Symbolic``): a :class:`~diffkit.Differentiator`
  that differentiates with SymPy (or SymEngine) and evaluates vectorised.
* :func:`diff` (also ``dk.diff``): the derivative as an Expr, without a point;
  :func:`explain`: the chain rule applied step by step, each step a formula.
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
from .calculus import diff
from .differentiator import Symbolic
from .explain import Explanation, explain
from .size import Size, size
from .swell import SwellRow, SwellTable, swell

__all__ = ["Symbolic", "Size", "size", "swell", "SwellTable", "SwellRow", "SymEngineNotInstalled",
           "get_backend", "diff", "explain", "Explanation"]
