"""Graph <-> SymPy, through each op's SymPy counterpart in the ops table.

Inside diffkit symbols are created ``real=True``: then ``Abs`` differentiates
to ``sign``, the same subgradient (0 at 0) the other methods use.
:meth:`Expr.to_sympy <diffkit.Expr.to_sympy>` hands users plain symbols
(``sp.Symbol("x1")``), so that its results compare and differentiate with the
symbols they make themselves.

Example
-------
>>> import diffkit as dk
>>> f = dk.expr("log(x1) + x1*x2 - sin(x2)")
>>> f.to_sympy()
x1*x2 + log(x1) - sin(x2)
>>> g = dk.expr(f.to_sympy())
>>> float(g(x1=2.0, x2=5.0))
11.652071455223084
"""

from __future__ import annotations

from functools import cache
from typing import Any

import sympy as sp

from ..errors import ExpressionError
from .graph import Graph, GraphBuilder
from .ops import EXPR_OPS

__all__ = ["to_sympy", "from_sympy", "symbol", "plain_symbols"]


@cache
def symbol(name: str, real: bool = True) -> sp.Symbol:
    """The SymPy symbol diffkit uses for variable ``name`` (real-valued unless ``real=False``).

    Example
    -------
    >>> from diffkit.expr.sympy_bridge import symbol
    >>> symbol("x").is_real, symbol("x", real=False) == __import__("sympy").Symbol("x")
    (True, True)
    """
    return sp.Symbol(name, real=True) if real else sp.Symbol(name)


def plain_symbols(expr: Any) -> Any:
    """``expr`` with diffkit's real symbols swapped for plain ones of the same names, as users are handed it.

    Example
    -------
    >>> import sympy as sp
    >>> from diffkit.expr.sympy_bridge import plain_symbols, symbol
    >>> plain_symbols(symbol("x") ** 2) == sp.Symbol("x") ** 2
    True
    """
    if not hasattr(expr, "xreplace"):
        return expr
    return expr.xreplace({s: symbol(s.name, real=False) for s in expr.free_symbols
                          if isinstance(s, sp.Symbol) and s == symbol(s.name)})


def to_sympy(graph: Graph, real: bool = True) -> Any:
    """SymPy expression of the graph's output (a tuple for several outputs), in real symbols
    unless ``real=False``."""
    vals: list[Any] = [None] * len(graph.nodes)
    for node in graph.nodes:
        if node.is_input:
            vals[node.index] = symbol(node.name, real)
        elif node.is_const:
            v = node.value
            vals[node.index] = sp.Integer(int(v)) if isinstance(v, float) and v.is_integer() else sp.sympify(v)
    for i in graph.op_nodes:
        node = graph.nodes[i]
        if node.op.sympy is None:
            raise ExpressionError(f"op {node.op.name!r} has no SymPy counterpart")
        vals[i] = node.op.sympy(*(vals[a] for a in node.args))
    outs = [vals[o] for o in graph.outputs]
    return outs[0] if len(outs) == 1 else tuple(outs)


_FUNCS = {
    sp.exp: "exp", sp.log: "log", sp.sin: "sin", sp.cos: "cos", sp.tan: "tan", sp.tanh: "tanh",
    sp.asin: "asin", sp.atan: "atan", sp.Abs: "abs", sp.sign: "sign", sp.Max: "maximum", sp.Min: "minimum",
}


def _is_relu(e: sp.Piecewise) -> sp.Expr | None:
    """Recognise ``Piecewise((x, x > 0), (0, True))``, relu's counterpart."""
    if len(e.args) == 2:
        (val, cond), (zero, other) = e.args
        if zero == 0 and other == sp.true and isinstance(cond, sp.StrictGreaterThan) and cond.rhs == 0 \
                and cond.lhs == val:
            return val
    return None


def from_sympy(expr: Any, variables=None) -> Graph:
    """A Graph from a SymPy expression (or a tuple/list/Matrix of them).

    Example
    -------
    >>> import sympy as sp
    >>> from diffkit.expr.sympy_bridge import from_sympy
    >>> x = sp.Symbol("x")
    >>> g = from_sympy(sp.sin(x) ** 2)
    >>> round(float(g.evaluate({"x": 1.0})[0]), 6)
    0.708073
    """
    outputs = list(expr) if isinstance(expr, (tuple, list, sp.MatrixBase)) else [expr]
    b = GraphBuilder()
    memo: dict[sp.Basic, int] = {}
    # Visit symbols first in a stable order so variables come out sorted by name
    # unless the caller gives an order (SymPy has no order of appearance).
    for s in sorted({s for e in outputs for s in sp.sympify(e).free_symbols}, key=lambda s: s.name):
        if variables is None:
            b.input(s.name)
    roots = [_convert(b, sp.sympify(e), memo) for e in outputs]
    return b.build(roots, variables=variables)


def _convert(b: GraphBuilder, root: sp.Basic, memo: dict) -> int:
    stack = [(root, False)]
    while stack:  # post-order without recursion
        e, ready = stack.pop()
        if e in memo:
            continue
        kids = _operands(e)
        if not ready and kids:
            stack.append((e, True))
            stack.extend((k, False) for k in kids if k not in memo)
            continue
        memo[e] = _emit(b, e, memo)
    return memo[root]


def _operands(e: sp.Basic) -> list:
    if isinstance(e, sp.Piecewise):
        v = _is_relu(e)
        return [v] if v is not None else []
    if isinstance(e, sp.Heaviside):
        return [e.args[0]]
    if isinstance(e, (sp.Symbol, sp.Number, sp.NumberSymbol)):
        return []
    return list(e.args)


def _emit(b: GraphBuilder, e: sp.Basic, memo: dict) -> int:
    if isinstance(e, sp.Symbol):
        return b.input(e.name)
    if isinstance(e, (sp.Number, sp.NumberSymbol)):
        if not e.is_real:
            raise ExpressionError(f"SymPy constant {e} is not a real number")
        return b.const(float(e))
    args = [memo[a] for a in _operands(e)]
    if isinstance(e, sp.Add):
        acc = args[0]
        for a in args[1:]:
            acc = b.apply("add", (acc, a))
        return acc
    if isinstance(e, sp.Mul):
        acc = args[0]
        for a in args[1:]:
            acc = b.apply("mul", (acc, a))
        return acc
    if isinstance(e, sp.Pow):
        base, ex = e.args
        if ex == sp.Rational(1, 2):
            return b.apply("sqrt", (memo[base],))
        return b.apply("pow", (memo[base], memo[ex]))
    if isinstance(e, sp.Piecewise):
        if _is_relu(e) is None:
            raise ExpressionError(f"no diffkit op for this Piecewise: {e}",
                                  hint="diffkit knows Piecewise((x, x > 0), (0, True)) as relu(x)")
        return b.apply("relu", args)
    if isinstance(e, sp.Heaviside):
        return b.apply("step", args)
    for cls, name in _FUNCS.items():
        if isinstance(e, cls):
            op = EXPR_OPS[name]
            if op.arity == 2 and len(args) > 2:
                acc = args[0]
                for a in args[1:]:
                    acc = b.apply(name, (acc, a))
                return acc
            if len(args) != op.arity:
                raise ExpressionError(f"SymPy's {type(e).__name__} with {len(args)} arguments has no diffkit op")
            return b.apply(name, args)
    raise ExpressionError(f"no diffkit op for SymPy's {type(e).__name__}: {e}",
                          hint=f"diffkit's ops: {', '.join(EXPR_OPS)}")
