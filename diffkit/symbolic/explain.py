"""``dk.symbolic.explain``: the chain rule applied step by step, each step a formula.

The derivation walks the function's graph from the output inwards, as one
differentiates by hand: the outermost operation first (a product rule, a
chain rule through ``sin``...), leaving the derivatives of its arguments
unevaluated (``d/dx[x**2]``), then each of those in turn, down to the
variables. Every step's right-hand side is the op's own JVP rule from the ops
table, run on SymPy formulas instead of numbers -- the same rule forward mode
runs -- so the explanation is what diffkit computes, not a separate
textbook. Kinks follow diffkit's convention (``abs'`` is ``sign``,
``relu'`` is ``step``).

Example
-------
>>> import diffkit as dk
>>> e = dk.symbolic.explain("sin(x^2)", "x")
>>> print(e)
d/dx of sin(x^2), step by step
step  rule              formula
----  ----------------  --------------------------------------
1     chain rule (sin)  d/dx[sin(x**2)] = cos(x**2)*d/dx[x**2]
2     power rule        d/dx[x**2] = 2*x
=     result            d/dx[sin(x**2)] = 2*x*cos(x**2)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sympy as sp
from sympy.logic.boolalg import BooleanAtom

from ..errors import ExpressionError
from ..expr.arithmetic import OpArithmetic
from ..expr.expr import Expr, as_expr, expr
from ..expr.formulas import latex, text
from ..expr.ops import Op
from ..expr.sympy_bridge import symbol
from ..table import Table

__all__ = ["explain", "Explanation", "Step"]


class _Formula(OpArithmetic):
    """A SymPy formula that diffkit's ops act on through their SymPy counterparts (the rules run on it)."""

    __slots__ = ("e",)
    _dk_level = 100
    _dk_generic = True  # the rules write their general formulas, not PyTorch's values at isolated points

    def __init__(self, e: Any):
        self.e = e

    @classmethod
    def _dk_apply(cls, op: Op, args: tuple, params: dict) -> _Formula:
        if op.sympy is None:
            raise ExpressionError(f"op {op.name!r} has no SymPy counterpart, so its rule can't be written out")
        out = op.sympy(*(_sym(a) for a in args))
        if isinstance(out, BooleanAtom):  # a comparison SymPy decides: the rule picks its branch at once
            return bool(out)
        return cls(out)


class _Constant(float):
    """A constant of the graph inside a rule: a number to Python (a literal exponent still picks its
    branch, ``y == 0``), a formula to the ops (``log`` of the base 2 is ``log(2)``, not 0.693...)."""

    _dk_level = _Formula._dk_level
    _dk_apply = _Formula._dk_apply


def _constant(v: Any) -> Any:
    return _Constant(v) if type(v) in (int, float) else v


def _sym(v: Any) -> Any:
    if isinstance(v, _Formula):
        return v.e
    if isinstance(v, float) and v.is_integer():
        return sp.Integer(int(v))
    if isinstance(v, float):  # 0.5 in a rule reads as 1/2; a float with no short fraction stays a float
        q = sp.Rational(v).limit_denominator(1000)
        return q if float(q) == v else sp.Float(v)
    return sp.sympify(v)


@dataclass
class Step:
    """One step: ``d/dx[expression] = rule applied`` (derivatives of the arguments left unevaluated).

    Attributes
    ----------
    rule : str
        Its name: ``"product rule"``, ``"chain rule (sin)"``, ...
    lhs, rhs : sympy.Expr
        ``Derivative(u, x)`` and what the rule gives for it.

    Example
    -------
    >>> import diffkit as dk
    >>> step = dk.symbolic.explain("exp(3*x)", "x").steps[0]
    >>> step.rule, step.text()
    ('chain rule (exp)', 'd/dx[exp(3*x)] = exp(3*x)*d/dx[3*x]')
    """

    rule: str
    lhs: Any
    rhs: Any

    def text(self) -> str:
        return f"{text(self.lhs)} = {text(self.rhs)}"

    def latex(self) -> str:
        return f"{latex(self.lhs)} &= {latex(self.rhs)} && \\text{{{self.rule}}}"


class Explanation:
    """The derivation of ``d f / d wrt``: steps, and the result as an Expr.

    Prints as a table in a terminal; Jupyter shows the aligned formulas
    (``_repr_latex_``); ``to_latex()`` gives the LaTeX.

    Attributes
    ----------
    steps : list of Step
        Outside in: the outermost operation first.
    result : sympy.Expr
        The assembled derivative.
    derivative : Expr
        The same, as a diffkit expression over the function's variables.

    Example
    -------
    >>> import diffkit as dk
    >>> e = dk.symbolic.explain("x * sin(x)", "x")
    >>> len(e.steps), e.derivative
    (2, Expr('x*cos(x) + sin(x)', variables=('x',)))
    """

    def __init__(self, f: Expr, wrt: str, top: Any, steps: list[Step], result: Any):
        self.f, self.wrt, self.top, self.steps, self.result = f, wrt, top, steps, result
        self.derivative = expr(text(result), variables=f.variables)

    def table(self) -> Table:
        """The steps as a :class:`~diffkit.table.Table` (step, rule, formula)."""
        rows = [[str(i), s.rule, s.text()] for i, s in enumerate(self.steps, 1)]
        rows.append(["=", "result", f"{text(self.top)} = {text(self.result)}"])
        return Table(["step", "rule", "formula"], rows, title=f"d/d{self.wrt} of {self.f}, step by step")

    def __str__(self) -> str:
        return str(self.table())

    def __repr__(self) -> str:
        return str(self)

    def to_latex(self) -> str:
        """The derivation as a LaTeX ``aligned`` block, one step a line, the rule named on the right."""
        lines = [s.latex() for s in self.steps]
        lines.append(f"{latex(self.top)} &= {latex(self.result)} && \\text{{result}}")
        return "\\begin{aligned}\n" + " \\\\\n".join(lines) + "\n\\end{aligned}"

    def _repr_latex_(self) -> str:
        return f"$$\n{self.to_latex()}\n$$"


def _rule_name(op: Op, varies: list[bool], args: list[Any], wrt: sp.Symbol) -> str:
    name, both = op.name, all(varies)
    if name in ("add", "sub"):
        return "sum rule" if name == "add" else "difference rule"
    if name == "neg":
        return "constant factor"
    if name == "mul":
        return "product rule" if both else "constant factor"
    if name == "div":
        return "quotient rule" if varies[1] else "constant factor"
    if name in ("pow", "square", "sqrt"):
        if name != "pow" or not varies[1]:
            return "power rule"
        return "general power rule" if varies[0] else "exponential rule"
    if name in ("abs", "relu", "sign", "step", "maximum", "minimum"):
        return f"{name}' (diffkit's kink convention)"
    return f"derivative of {name}" if args[0] == wrt else f"chain rule ({name})"


def explain(f: Any, wrt: str | None = None) -> Explanation:
    """The chain-rule derivation of ``d f / d wrt``, step by step, each step a formula.

    Parameters
    ----------
    f : Expr, str, SymPy expression or function
        A function with one output.
    wrt : str, optional
        The variable (default: the only one).

    Returns
    -------
    Explanation
        ``print`` it in a terminal; in Jupyter it shows as aligned formulas.
        ``.derivative`` is the result as an Expr (the same as :func:`diffkit.diff`
        up to how SymPy arranges it).

    Example
    -------
    >>> import diffkit as dk
    >>> e = dk.symbolic.explain("x1*x2 + log(x1)", "x1")
    >>> [s.rule for s in e.steps]
    ['sum rule', 'constant factor', 'derivative of log']
    >>> e.result
    x2 + 1/x1
    """
    f = as_expr(f)
    if f.n_outputs != 1:
        raise ExpressionError(f"explain() needs one output; {f} has {f.n_outputs}",
                              hint="explain each output on its own")
    if wrt is None:
        if len(f.variables) != 1:
            raise ExpressionError(f"say which variable: {f} has variables {', '.join(f.variables) or 'none'}",
                                  hint="e.g. dk.symbolic.explain(f, 'x')")
        wrt = f.variables[0]
    if wrt not in f.variables:
        raise ExpressionError(f"{wrt!r} is not a variable of {f}; its variables are "
                              f"{', '.join(f.variables) or 'none'}")
    graph = f.graph
    x = symbol(wrt)
    vals: list[Any] = [None] * len(graph.nodes)
    varies = [False] * len(graph.nodes)
    for node in graph.nodes:
        if node.is_input:
            vals[node.index] = symbol(node.name)
            varies[node.index] = node.name == wrt
        elif node.is_const:
            vals[node.index] = node.value
    for i in graph.op_nodes:
        node = graph.nodes[i]
        vals[i] = _Formula._dk_apply(node.op, tuple(_sym(vals[a]) for a in node.args), {}).e
        varies[i] = any(varies[a] for a in node.args)

    def rule(i: int, tangent) -> Any:
        """The op's JVP rule at node i, with the arguments' tangents given by ``tangent(a)`` (None: zero)."""
        node = graph.nodes[i]
        out = node.op.jvp_of(tuple(tangent(a) for a in node.args), _Formula(vals[i]),
                             tuple(_Formula(_sym(vals[a])) if not graph.nodes[a].is_const else _constant(vals[a])
                                   for a in node.args), node.params)
        return sp.S.Zero if out is None else _sym(out)

    # the result: every rule with its arguments' derivatives filled in, inside out
    d: dict[int, Any] = {}
    for i in graph.op_nodes:
        if varies[i]:
            d[i] = rule(i, lambda a: _Formula(d[a]) if varies[a] and not graph.nodes[a].is_input
                        else (_Formula(sp.S.One) if varies[a] else None))
    out = graph.outputs[0]
    result = d.get(out, sp.S.One if varies[out] else sp.S.Zero)

    # the steps: outside in, each node once, its arguments' derivatives left unevaluated
    steps: list[Step] = []
    seen: set[Any] = set()  # formulas already explained (a subexpression written twice is explained once)
    stack = [out]
    while stack:
        i = stack.pop()
        node = graph.nodes[i]
        if vals[i] in seen or not varies[i] or node.op is None:
            continue
        seen.add(vals[i])

        def unevaluated(a: int) -> Any:
            if not varies[a]:
                return None
            return _Formula(sp.S.One if graph.nodes[a].is_input else sp.Derivative(vals[a], x))

        steps.append(Step(_rule_name(node.op, [varies[a] for a in node.args], [vals[a] for a in node.args], x),
                          sp.Derivative(vals[i], x), rule(i, unevaluated)))
        stack.extend(a for a in reversed(node.args) if varies[a] and not graph.nodes[a].is_input)
    return Explanation(f, wrt, sp.Derivative(vals[out], x), steps, result)
