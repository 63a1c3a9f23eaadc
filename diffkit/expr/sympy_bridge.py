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

import math
from functools import cache
from typing import Any

import numpy as np
import sympy as sp
from sympy.core.function import Application

from ..errors import ExpressionError
from . import sympy_functions
from .graph import Graph, GraphBuilder, check_name
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

    The swap evaluates nothing (``sympy.evaluate(False)``): the expression is
    already in its final form, and SymPy would otherwise re-examine each of its
    functions for the new symbols, which need not be real (for
    ``Heaviside(x**1000000)`` that means expanding the power's real and
    imaginary parts, which never finishes).

    Example
    -------
    >>> import sympy as sp
    >>> from diffkit.expr.sympy_bridge import plain_symbols, symbol
    >>> plain_symbols(symbol("x") ** 2) == sp.Symbol("x") ** 2
    True
    """
    if not hasattr(expr, "xreplace"):
        return expr
    swap = {s: symbol(s.name, real=False) for s in expr.free_symbols
            if isinstance(s, sp.Symbol) and s == symbol(s.name)}
    if not swap:
        return expr
    with sp.evaluate(False):
        return expr.xreplace(swap)


def _constant(v: Any) -> sp.Basic:
    """A graph constant in SymPy: integers exact, pi and e by name, other floats as Floats."""
    if isinstance(v, float):
        if v == math.pi:
            return sp.pi
        if v == math.e:
            return sp.E
        if v.is_integer():
            return sp.Integer(int(v))
    return sp.sympify(v)


def _numeric(op: Any, args: list, params: dict) -> sp.Basic:
    """An op of numbers evaluated as every other method evaluates it (NumPy's rules), where
    SymPy's exact value is not a real number: sqrt(-1) is nan, not I; 1/0 is inf, not zoo
    (SymPy's unsigned infinity, which has no real value and can't be compiled)."""
    values = [float("nan") if a is sp.nan else complex(a) if a.is_extended_real is False else float(a)
              for a in args]
    with np.errstate(all="ignore"):
        value = complex(op.impl(np, *values, **params))
    if value.imag != 0 or math.isnan(value.real):
        return sp.nan
    if math.isinf(value.real):
        return sp.oo if value.real > 0 else -sp.oo
    return sp.Float(value.real)


def to_sympy(graph: Graph, real: bool = True) -> Any:
    """SymPy expression of the graph's output (a tuple for several outputs), in real symbols
    unless ``real=False``.

    Constants stay exact (``pi``, ``E``, integers); an op of constants whose exact
    value is not a real number (``sqrt(-1)``, ``log(0)``, ``asin(2)``) takes the
    value the other methods compute (nan, -inf, nan), so that every method
    works on the same function.

    Example
    -------
    >>> import diffkit as dk
    >>> from diffkit.expr.sympy_bridge import to_sympy
    >>> to_sympy(dk.expr("e^x + sqrt(-1) * y").graph)
    nan
    >>> to_sympy(dk.expr("e^x * pi").graph)
    pi*exp(x)
    """
    vals: list[Any] = [None] * len(graph.nodes)
    constant = [False] * len(graph.nodes)  # read off the graph: SymPy's is_number walks the whole tree
    for node in graph.nodes:
        if node.is_input:
            vals[node.index] = symbol(node.name, real)
        elif node.is_const:
            vals[node.index] = _constant(node.value)
            constant[node.index] = True
    for i in graph.op_nodes:
        node = graph.nodes[i]
        if node.op.sympy is None:
            raise ExpressionError(f"op {node.op.name!r} has no SymPy counterpart")
        args = [vals[a] for a in node.args]
        constant[i] = all(constant[a] for a in node.args)
        if constant[i] and any(a is sp.nan for a in args):  # SymPy refuses to compare nan (Max(0, nan))
            vals[i] = _numeric(node.op, args, node.params)
            continue
        out = node.op.sympy(*args, **node.params)
        if constant[i] and out.is_extended_real is not True:
            out = _numeric(node.op, args, node.params)
        vals[i] = out
    outs = [vals[o] for o in graph.outputs]
    return outs[0] if len(outs) == 1 else tuple(outs)


def _applications() -> dict[type, str]:
    """SymPy function class -> op name, for every op whose counterpart applies one SymPy
    function to the op's arguments (read off the table, so it can't drift from it)."""
    table: dict[type, str] = {}
    for name, op in EXPR_OPS.items():
        if op.sympy is None or op.arity < 1:
            continue
        dummies = [sp.Dummy(real=True) for _ in range(op.arity)]
        out = op.sympy(*dummies)
        if isinstance(out, Application) and set(out.args[:op.arity]) == set(dummies):
            table.setdefault(type(out), name)
    return table


#: SymPy's function classes and the ops they become (``Heaviside`` is ``step``, ``sinc(u)``
#: is ``sinc(u/pi)`` and ``clip``'s bounds are its options: handled in ``_emit``).
FUNCTIONS = _applications()


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

    Symbols must be named as variables are (ASCII identifiers); SymPy's
    functions become the ops of the table whose counterparts they are
    (``sinh``, ``erf``, ``Max``, ``floor``, ``Mod``...).

    Example
    -------
    >>> import sympy as sp
    >>> from diffkit.expr.sympy_bridge import from_sympy
    >>> x = sp.Symbol("x")
    >>> g = from_sympy(sp.sin(x) ** 2)
    >>> round(float(g.evaluate({"x": 1.0})[0]), 6)
    0.708073
    >>> h = from_sympy(sp.cosh(x) + sp.erf(x))
    >>> sorted(h.nodes[i].op.name for i in h.op_nodes)
    ['add', 'cosh', 'erf']
    """
    outputs = list(expr) if isinstance(expr, (tuple, list, sp.MatrixBase)) else [expr]
    outputs = [sp.sympify(e) for e in outputs]
    b = GraphBuilder()
    memo: dict[sp.Basic, int] = {}
    # Visit symbols first in a stable order so variables come out sorted by name
    # unless the caller gives an order (SymPy has no order of appearance).
    for s in sorted({s for e in outputs for s in e.free_symbols}, key=lambda s: s.name):
        check_name(s.name, "a SymPy symbol")
        if variables is None:
            b.input(s.name)
    roots = [_convert(b, e, memo) for e in outputs]
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
    if isinstance(e, (sp.Heaviside, sympy_functions.clip)):
        return [e.args[0]]
    if isinstance(e, sp.sinc):
        return [e.args[0] / sp.pi]
    if isinstance(e, (sp.Symbol, sp.Number, sp.NumberSymbol)):
        return []
    return list(e.args)


def _bound(v: sp.Basic) -> float | None:
    return None if v.is_infinite else float(v)


def _emit(b: GraphBuilder, e: sp.Basic, memo: dict) -> int:
    if isinstance(e, sp.Symbol):
        return b.input(e.name)
    if isinstance(e, (sp.Number, sp.NumberSymbol)):
        if e is sp.nan or e.is_extended_real:
            return b.const(float(e))
        raise ExpressionError(f"SymPy constant {e} is not a real number",
                              hint="diffkit's expressions are real; for 1/0 write oo or -oo")
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
    if isinstance(e, sp.sinc):
        return b.apply("sinc", args)
    if isinstance(e, sympy_functions.clip):
        return b.apply("clip", args, {"lo": _bound(e.args[1]), "hi": _bound(e.args[2])})
    name = next((n for cls, n in FUNCTIONS.items() if isinstance(e, cls)), None)
    if name is not None:
        op = EXPR_OPS[name]
        if op.arity == 2 and len(args) > 2:  # Max(x, y, z)
            acc = args[0]
            for a in args[1:]:
                acc = b.apply(name, (acc, a))
            return acc
        if len(args) != op.arity:
            raise ExpressionError(f"SymPy's {type(e).__name__} with {len(args)} arguments has no diffkit op")
        return b.apply(name, args)
    raise ExpressionError(f"no diffkit op for SymPy's {type(e).__name__}: {str(e):.200}",
                          hint="the functions expressions understand are listed in the README (dk.expr's docs)")
