"""Formulas as a reader sees them: LaTeX for Jupyter, diffkit's own syntax for terminals.

* :func:`latex` renders a SymPy expression (from :meth:`Expr.to_sympy
  <diffkit.Expr.to_sympy>`) as LaTeX, with diffkit's names for its ops
  (``\\operatorname{relu}``, ``\\operatorname{step}``) and every variable name
  made safe: a name that is not a plain ASCII identifier (names come from
  users, and LaTeX ends up inside HTML in Jupyter) keeps only its letters and
  digits, so no markup and no LaTeX command can ride in on it.
* :func:`text` writes a SymPy expression back in the syntax :func:`diffkit.expr`
  reads (``abs``, ``maximum``, ``step``, ``relu`` rather than SymPy's
  ``Abs``, ``Max``, ``Heaviside``, ``Piecewise``), so a derivative prints as
  something one can paste back in. ``Derivative(u, x)`` prints as ``d/dx[u]``.

Example
-------
>>> import diffkit as dk
>>> from diffkit.expr.formulas import latex, text
>>> f = dk.expr("relu(x1) * abs(x2)")
>>> latex(f.to_sympy())
'\\\\operatorname{relu}\\\\left(x_{1}\\\\right) \\\\left|{x_{2}}\\\\right|'
>>> text(f.to_sympy())
'relu(x1)*abs(x2)'
"""

from __future__ import annotations

import re
from typing import Any

import sympy as sp
from sympy.printing.latex import LatexPrinter
from sympy.printing.str import StrPrinter

from ..errors import ExpressionError
from .sympy_bridge import FUNCTIONS
from .sympy_bridge import _is_relu as _relu_arg  # relu's Piecewise, recognised in one place

__all__ = ["latex", "text", "safe_name", "to_latex"]

_IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


def safe_name(name: str) -> str:
    """A variable name fit for LaTeX: an ASCII identifier as it is, anything else reduced to its letters and digits.

    Example
    -------
    >>> from diffkit.expr.formulas import safe_name
    >>> safe_name("x1"), safe_name("<img src=x onerror=alert(1)>")
    ('x1', 'imgsrcxonerroralert1')
    """
    if _IDENTIFIER.fullmatch(name):
        return name
    return "".join(ch for ch in name if ch.isascii() and ch.isalnum()) or "v"


def _step_of(cond: Any) -> tuple[Any, Any] | None:
    """An inequality as a step: ``a > b`` -> ``(a - b, 0)``, a step of a - b whose value at 0 is the second
    item (``>=`` gives 1, ``<`` the step of b - a); None for anything else."""
    if not isinstance(cond, sp.core.relational.Relational):
        return None
    a = cond.lhs - cond.rhs
    kinds = {sp.StrictGreaterThan: (a, 0), sp.GreaterThan: (a, 1), sp.StrictLessThan: (-a, 0), sp.LessThan: (-a, 1)}
    return kinds.get(type(cond))


def _masked(e: sp.Piecewise) -> tuple[Any, Any, Any] | None:
    """``Piecewise((u, a > b), (0, True))`` -> ``(u, a - b, 0)``: u times :func:`_step_of` its condition;
    None for other Piecewise."""
    if len(e.args) != 2:
        return None
    (val, cond), (zero, other) = e.args
    step = _step_of(cond)
    if zero != 0 or other != sp.true or step is None:
        return None
    return (val, *step)


def _indicator(cond: Any) -> Any:
    """1 where a comparison holds, else 0, in steps (``step(0) = 0``)."""
    if cond == sp.true:
        return sp.Integer(1)
    step = _step_of(cond)
    if step is not None:  # H(a) with value 1 at 0 as 1 - step(-a): SymPy then cancels 1 - (1 - ...)
        a, tie = step
        return sp.Heaviside(a, 0) if tie == 0 else 1 - sp.Heaviside(-a, 0)
    if isinstance(cond, (sp.Eq, sp.Ne)):
        u = cond.lhs - cond.rhs
        off = sp.Heaviside(u, 0) + sp.Heaviside(-u, 0)
        return 1 - off if isinstance(cond, sp.Eq) else off
    raise ExpressionError(f"no diffkit op for the condition {cond}")


_HOLDS = {sp.StrictGreaterThan: lambda s: s > 0, sp.GreaterThan: lambda s: s >= 0,
          sp.StrictLessThan: lambda s: s < 0, sp.LessThan: lambda s: s <= 0,
          sp.Eq: lambda s: s == 0, sp.Ne: lambda s: s != 0}


def _three_way(pieces: tuple) -> Any:
    """Pieces whose conditions all compare one u with 0 (``x < a``, ``Eq(x, a)``...) as
    ``v0 + (v+ - v0) step(u) + (v- - v0) step(-u)``, or ``v0 + c sign(u)`` when the two sides
    are symmetric about the value at u = 0 (maximum's tie: ``1/2 + sign(x - a)/2``); None if they
    compare different things."""
    conds = [c for _, c in pieces if c != sp.true]
    if not conds or not all(type(c) in _HOLDS for c in conds):
        return None
    u = conds[0].lhs - conds[0].rhs
    if any(sp.expand(c.lhs - c.rhs - u) != 0 and sp.expand(c.lhs - c.rhs + u) != 0 for c in conds):
        return None

    def value(sign_u: int) -> Any:  # the first piece whose condition holds where sign(u) = sign_u
        for v, c in pieces:
            d = c.lhs - c.rhs if c != sp.true else None
            if d is None or _HOLDS[type(c)](sign_u if sp.expand(d - u) == 0 else -sign_u):
                return v
        return None

    below, zero, above = value(-1), value(0), value(1)
    if below is None or zero is None or above is None:
        return None
    if sp.simplify(above - zero + below - zero) == 0:
        return zero + (above - zero) * sp.sign(u)
    return zero + (above - zero) * sp.Heaviside(u, 0) + (below - zero) * sp.Heaviside(-u, 0)


def _as_steps(e: sp.Piecewise) -> Any:
    """A Piecewise as a sum of its pieces times steps (the first condition that holds wins), so a
    rule that selects (maximum's tie, a clip's bounds) is written in the language diffkit parses."""
    folded = sp.piecewise_fold(e)
    simple = _three_way(folded.args)
    if simple is not None:
        return simple
    out = sp.Integer(0)
    for value, cond in reversed(folded.args):
        held = _indicator(cond)
        out = value * held + (1 - held) * out
    return out


def _tie(e: sp.Heaviside) -> Any:
    """Heaviside's value at 0 (SymPy's default is 1/2)."""
    return e.args[1] if len(e.args) > 1 else sp.S.Half


class _Latex(LatexPrinter):
    def _print_Symbol(self, e: sp.Symbol, style: str = "plain") -> str:
        name = safe_name(e.name)
        if name != e.name:
            return r"\mathtt{" + name + "}"
        return super()._print_Symbol(sp.Symbol(name), style=style)

    def _print_Piecewise(self, e: sp.Piecewise) -> str:
        arg = _relu_arg(e)
        if arg is None:
            return super()._print_Piecewise(e)
        return r"\operatorname{relu}\left(" + self._print(arg) + r"\right)"

    def _needs_mul_brackets(self, expr: Any, first: bool = False, last: bool = False) -> bool:
        if isinstance(expr, sp.Piecewise) and _relu_arg(expr) is not None:  # printed as relu(u): a call
            return False
        return super()._needs_mul_brackets(expr, first=first, last=last)

    def _needs_add_brackets(self, expr: Any) -> bool:
        if isinstance(expr, sp.Piecewise) and _relu_arg(expr) is not None:
            return False
        return super()._needs_add_brackets(expr)

    def _print_Heaviside(self, e: sp.Heaviside, exp: Any = None) -> str:
        if _tie(e) != 0:
            return super()._print_Heaviside(e, exp)
        out = r"\operatorname{step}\left(" + self._print(e.args[0]) + r"\right)"
        return out if exp is None else f"{out}^{{{exp}}}"


def latex(e: Any) -> str:
    """LaTeX of a SymPy expression (or a tuple of them), with safe names and diffkit's op names.

    Example
    -------
    >>> import sympy as sp
    >>> from diffkit.expr.formulas import latex
    >>> latex(sp.Symbol("x") ** 2 / 2)
    '\\\\frac{x^{2}}{2}'
    """
    printer = _Latex()
    if isinstance(e, tuple):
        return r"\left(" + ", ".join(printer.doprint(s) for s in e) + r"\right)"
    return printer.doprint(e)


class _Text(StrPrinter):
    """SymPy -> the syntax diffkit.expr parses."""

    def _print_Symbol(self, e: sp.Symbol) -> str:
        return e.name

    def _call(self, name: str, *args: Any) -> str:
        return f"{name}({', '.join(self._print(a) for a in args)})"

    def _pairwise(self, name: str, args: tuple) -> str:
        out = self._print(args[-1])
        for a in reversed(args[:-1]):  # maximum is binary: maximum(a, maximum(b, c))
            out = f"{name}({self._print(a)}, {out})"
        return out

    def _print_Function(self, e: Any) -> str:
        """A SymPy function that is an op's counterpart, under the op's name (``ceiling`` is ``ceil``,
        ``round_half_even`` is ``round``, ``Mod`` is ``mod``): the name the parser knows."""
        name = next((n for cls, n in FUNCTIONS.items() if isinstance(e, cls)), None)
        return super()._print_Function(e) if name is None else self._call(name, *e.args)

    def _print_sinc(self, e: sp.sinc) -> str:
        """SymPy's ``sinc(u)`` is ``sin(u)/u``; diffkit's is normalised, ``sin(pi u)/(pi u)``."""
        return self._call("sinc", e.args[0] / sp.pi)

    def _print_clip(self, e: Any) -> str:
        """``clip(u, lo=a, hi=b)``: the bounds are options; an infinite one is no bound."""
        x, *bounds = e.args
        given = [f"{name}={float(v)!r}" for name, v in zip(("lo", "hi"), bounds) if not v.is_infinite]
        return f"clip({', '.join([self._print(x), *given])})"

    def _print_Abs(self, e: sp.Abs) -> str:
        return self._call("abs", e.args[0])

    def _print_Max(self, e: sp.Max) -> str:
        return self._pairwise("maximum", e.args)

    def _print_Min(self, e: sp.Min) -> str:
        return self._pairwise("minimum", e.args)

    def _print_Heaviside(self, e: sp.Heaviside) -> str:
        arg, tie = e.args[0], _tie(e)
        if tie == 0:
            return self._call("step", arg)
        if tie == 1:
            return f"(1 - step({self._print(-arg)}))"
        raise ExpressionError(f"no diffkit op for Heaviside with value {tie} at 0")

    def _print_Piecewise(self, e: sp.Piecewise) -> str:
        arg = _relu_arg(e)
        if arg is not None:
            return self._call("relu", arg)
        masked = _masked(e)
        if masked is not None:
            value, a, tie = masked
            return self._print(value * sp.Heaviside(a, tie))
        steps = _as_steps(e)
        return f"({self._print(steps)})" if isinstance(steps, sp.Add) else self._print(steps)

    def _print_Exp1(self, e: Any) -> str:
        return "exp(1)"

    def _print_Pi(self, e: Any) -> str:
        return "pi"

    def _print_Derivative(self, e: sp.Derivative) -> str:
        inner = self._print(e.expr)
        wrt = "".join(f"d{s.name}" if n == 1 else f"d{s.name}^{n}" for s, n in e.variable_count)
        order = sum(n for _, n in e.variable_count)
        return f"d{'' if order == 1 else f'^{order}'}/{wrt}[{inner}]"

    def _print_Infinity(self, e: Any) -> str:
        raise ExpressionError("the formula is infinite (oo): no diffkit expression for it")

    _print_NegativeInfinity = _print_ComplexInfinity = _print_NaN = _print_Infinity


def text(e: Any) -> str:
    """A SymPy expression in diffkit's syntax (``^`` is written ``**``, as Python and SymPy write it).

    Raises
    ------
    ExpressionError
        Where diffkit has no op for part of it (a general ``Piecewise``, infinity).

    Example
    -------
    >>> import sympy as sp
    >>> from diffkit.expr.formulas import text
    >>> x, y = sp.symbols("x y")
    >>> text(2 * sp.Heaviside(x - y) + sp.Max(x, y, 1))
    'sign(x - y) + maximum(1, maximum(x, y)) + 1'
    """
    if isinstance(e, tuple):
        return ", ".join(text(s) for s in e)
    if isinstance(e, sp.Basic):  # maximum/minimum's tie split, H(0) = 1/2, in ops diffkit has
        e = e.replace(lambda a: isinstance(a, sp.Heaviside) and _tie(a) == sp.S.Half,
                      lambda a: (1 + sp.sign(a.args[0])) / 2)
    return _Text().doprint(e)


def to_latex(f: Any) -> str:
    """LaTeX of an :class:`~diffkit.Expr` (a tuple for several outputs); see :meth:`Expr.to_latex`.

    Example
    -------
    >>> import diffkit as dk
    >>> from diffkit.expr.formulas import to_latex
    >>> to_latex(dk.expr("x1^2 + sin(x2)"))
    'x_{1}^{2} + \\\\sin{\\\\left(x_{2} \\\\right)}'
    """
    return latex(f.to_sympy())
