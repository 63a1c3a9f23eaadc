"""The common front-end: the ops table, Graph, parser, tracer and SymPy bridge.

Example
-------
>>> import diffkit as dk
>>> f = dk.expr("x^2 + sin(x)")
>>> f.variables
('x',)
"""

from .counting import COUNTER, OpCount, counting
from .expr import Expr, as_expr, expr, trace
from .graph import Graph, GraphBuilder, Node
from .ops import EXPR_OPS, FUNCTIONS, OPS, Op, apply
from .parser import parse
from .sympy_bridge import from_sympy, to_sympy
from .tracer import Traced

__all__ = [
    "COUNTER", "OpCount", "counting", "Expr", "as_expr", "expr", "trace", "Graph", "GraphBuilder",
    "Node", "EXPR_OPS", "FUNCTIONS", "OPS", "Op", "apply", "parse", "from_sympy", "to_sympy", "Traced",
]
