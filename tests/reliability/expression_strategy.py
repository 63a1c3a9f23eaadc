"""A hypothesis strategy for random well-defined expressions over the ops table's elementwise ops.

Every generated expression is finite and smooth in a neighbourhood of the
point it comes with:

* every subexpression carries a bound on its magnitude (variables are drawn
  from [-2, 2]); a subexpression whose bound passes ``LIMIT`` is squashed
  (``tanh``, ``atan``, ``sin`` or a constant scale) before it feeds anything,
  so float64 never overflows;
* ``log`` and ``sqrt`` only see positive arguments (``exp(a)``, ``1 + a^2``,
  ``2 + sin(a)``, ``sigmoid(a)``); division is by ``2 + sin(b)``,
  ``1 + b^2`` or ``1 + exp(b)``; ``asin`` sees ``0.9 * tanh(a)`` and ``tan``
  sees ``1.2 * tanh(a)`` (away from the poles); ``pow`` with a variable
  exponent has a positive base, and a negative base only meets the integer
  exponents 2 and 3;
* the kink ops (``abs``, ``relu``, ``sign``, ``step``, ``maximum``,
  ``minimum``, ``clip``), the jumps (``floor``, ``ceil``, ``round``, ``mod``)
  and the singular points (``cbrt`` at 0, ``hypot`` at the origin, ``atan2``
  on its cut, ``sinc`` at 0 for SymPy) are allowed anywhere; :func:`kink_margin` measures how far the
  point is from them, and the tests ``assume`` a margin;
* ``acos``/``atanh`` see ``0.9 * tanh(a)``, ``acosh`` sees ``1 + positive``,
  the logarithms positive arguments, ``sinh``/``cosh``/``expm1``/``exp2`` bounded ones,
  ``mod`` a positive divisor.

The expressions are written as text, so the parser is exercised too, and
``OPS_USED`` lets the tests check that every elementwise op of the table is
reachable (a new op added to the table fails that check until the strategy
learns it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st

from diffkit.expr.ops import EXPR_OPS, OPS

LIMIT = 6.0
VARIABLES = ("x", "y", "z")
#: Ops at which the function has a kink, a jump or a singular point (see ``_gap``).
KINKS = {"abs", "relu", "sign", "step", "maximum", "minimum", "clip", "floor", "ceil", "round", "mod", "cbrt",
         "hypot", "atan2", "sinc"}  # sinc: SymPy's derivative is 0/0 at 0 (docs/edge_cases.md)
#: Ops for which the complex step is not valid (not complex-analytic), as the table says.
NOT_ANALYTIC = frozenset(n for n, op in EXPR_OPS.items() if op.complex_step)


@dataclass(frozen=True)
class Sub:
    """A subexpression: its text, a bound on its magnitude, and the ops it uses."""

    text: str
    bound: float
    ops: frozenset

    def uses(self, *names: str) -> frozenset:
        return self.ops | frozenset(names)


def _squash(draw, a: Sub) -> Sub:
    if a.bound <= LIMIT:
        return a
    how = draw(st.sampled_from(["tanh", "atan", "sin", "scale"]))
    if how == "scale":
        return Sub(f"({a.text}) * {2.0 / a.bound!r}", 2.0, a.ops | {"mul"})
    return Sub(f"{how}({a.text})", {"tanh": 1.0, "atan": math.pi / 2, "sin": 1.0}[how], a.uses(how))


def _small(draw, a: Sub, limit: float = 3.0) -> Sub:
    """``a`` squashed to at most ``limit`` (for exp, pow exponents)."""
    if a.bound <= limit:
        return a
    return Sub(f"tanh({a.text}) * {limit!r}", limit, a.uses("tanh", "mul"))


def _positive(draw, a: Sub) -> Sub:
    """A strictly positive expression built from ``a``, bounded below by a clear margin."""
    kind = draw(st.sampled_from(["exp", "square", "sin", "sigmoid"]))
    if kind == "exp":
        s = _small(draw, a)
        return Sub(f"exp({s.text})", math.exp(s.bound), s.uses("exp"))
    if kind == "square":
        return Sub(f"(1 + square({a.text}))", 1 + a.bound**2, a.uses("add", "square"))
    if kind == "sin":
        return Sub(f"(2 + sin({a.text}))", 3.0, a.uses("add", "sin"))
    s = _small(draw, a)  # sigmoid(-3) = 0.047: far enough from 0
    return Sub(f"sigmoid({s.text})", 1.0, s.uses("sigmoid"))


def _unary(draw, name: str, a: Sub) -> Sub:
    t = a.text
    if name == "neg":
        return Sub(f"-({t})", a.bound, a.uses("neg"))
    if name in ("sin", "cos", "tanh", "sigmoid", "sign", "step"):
        return Sub(f"{name}({t})", 1.0, a.uses(name))
    if name == "atan":
        return Sub(f"atan({t})", math.pi / 2, a.uses(name))
    if name in ("abs", "relu"):
        return Sub(f"{name}({t})", a.bound, a.uses(name))
    if name == "square":
        return Sub(f"square({t})", a.bound**2, a.uses(name))
    if name == "exp":
        s = _small(draw, a)
        return Sub(f"exp({s.text})", math.exp(s.bound), s.uses("exp"))
    if name == "log":
        p = _positive(draw, a)
        return Sub(f"log({p.text})", max(abs(math.log(0.04)), math.log(p.bound)), p.uses("log"))
    if name == "sqrt":
        p = _positive(draw, a)
        return Sub(f"sqrt({p.text})", math.sqrt(p.bound), p.uses("sqrt"))
    if name == "asin":
        return Sub(f"asin(0.9 * tanh({t}))", math.asin(0.9), a.uses("asin", "mul", "tanh"))
    if name == "tan":
        return Sub(f"tan(1.2 * tanh({t}))", math.tan(1.2), a.uses("tan", "mul", "tanh"))
    if name in ("acos", "atanh"):
        return Sub(f"{name}(0.9 * tanh({t}))", max(math.pi, math.atanh(0.9)), a.uses(name, "mul", "tanh"))
    if name == "acosh":
        p = _positive(draw, a)
        return Sub(f"acosh(1 + {p.text})", math.acosh(1 + p.bound), p.uses("acosh", "add"))
    if name in ("log2", "log10", "log1p"):
        p = _positive(draw, a)
        return Sub(f"{name}({p.text})", max(abs(math.log(0.04)), math.log(1 + p.bound)), p.uses(name))
    if name in ("sinh", "cosh", "expm1", "exp2"):
        s = _small(draw, a)
        return Sub(f"{name}({s.text})", math.cosh(s.bound) + math.exp(s.bound), s.uses(name))
    if name in ("asinh", "cbrt", "silu", "gelu"):
        return Sub(f"{name}({t})", a.bound + 1.0, a.uses(name))
    if name in ("erf", "erfc", "sinc"):
        return Sub(f"{name}({t})", 2.0, a.uses(name))
    if name == "softplus":
        return Sub(f"softplus({t})", a.bound + 1.0, a.uses(name))
    if name in ("floor", "ceil", "round"):
        return Sub(f"{name}({t})", a.bound + 1.0, a.uses(name))
    if name == "clip":
        lo = draw(st.sampled_from([-1.5, -0.5, 0.0]))
        return Sub(f"clip({t}, {lo!r}, {lo + 1.0!r})", max(abs(lo), abs(lo + 1.0)), a.uses(name))
    raise AssertionError(name)


def _binary(draw, name: str, a: Sub, b: Sub) -> Sub:
    if name in ("add", "sub"):
        sym = "+" if name == "add" else "-"
        return Sub(f"({a.text} {sym} {b.text})", a.bound + b.bound, a.ops | b.ops | {name})
    if name == "mul":
        return Sub(f"({a.text} * {b.text})", a.bound * b.bound, a.ops | b.ops | {name})
    if name == "div":
        p = _positive(draw, b)
        low = {"exp": math.exp(-3.0), "sigmoid": 0.04}.get(p.text.split("(")[0], 1.0)
        return Sub(f"({a.text} / {p.text})", a.bound / low, a.ops | p.ops | {"div"})
    if name in ("maximum", "minimum"):
        return Sub(f"{name}({a.text}, {b.text})", max(a.bound, b.bound), a.ops | b.ops | {name})
    if name == "atan2":
        return Sub(f"atan2({a.text}, {b.text})", math.pi, a.ops | b.ops | {name})
    if name == "hypot":
        return Sub(f"hypot({a.text}, {b.text})", a.bound + b.bound, a.ops | b.ops | {name})
    if name == "logaddexp":
        return Sub(f"logaddexp({a.text}, {b.text})", max(a.bound, b.bound) + 1.0, a.ops | b.ops | {name})
    if name == "mod":
        p = _positive(draw, b)
        return Sub(f"({a.text} % {p.text})", p.bound, a.ops | p.ops | {name})
    if name == "pow":
        if draw(st.booleans()):  # any base, integer exponent (written as a float literal)
            n = draw(st.sampled_from([2, 3]))
            return Sub(f"({a.text})^{n}.0", a.bound**n, a.uses("pow"))
        base = _positive(draw, a)
        e = _small(draw, b, 1.5)
        bound = max(base.bound, 1 / 0.04) ** e.bound
        return Sub(f"({base.text})^({e.text})", bound, base.ops | e.ops | {"pow"})
    raise AssertionError(name)


UNARY = sorted(n for n, op in EXPR_OPS.items() if op.arity == 1)
BINARY = sorted(n for n, op in EXPR_OPS.items() if op.arity == 2)
#: The ops the strategy knows how to use with their domains respected.
OPS_USED = frozenset(UNARY) | frozenset(BINARY)


@st.composite
def subexpressions(draw, names: tuple[str, ...], depth: int) -> Sub:
    if depth <= 0 or draw(st.integers(0, 4)) == 0:
        if draw(st.integers(0, 3)) == 0:
            c = draw(st.floats(-2.0, 2.0, allow_nan=False).map(lambda v: round(v, 3)))
            return Sub(f"({c!r})", max(abs(c), 1e-3), frozenset())
        return Sub(draw(st.sampled_from(names)), 2.0, frozenset())
    if draw(st.integers(0, 2)) == 0:
        name = draw(st.sampled_from(BINARY))
        a = _squash(draw, draw(subexpressions(names, depth - 1)))
        b = _squash(draw, draw(subexpressions(names, depth - 1)))
        return _binary(draw, name, a, b)
    name = draw(st.sampled_from(UNARY))
    return _unary(draw, name, _squash(draw, draw(subexpressions(names, depth - 1))))


@dataclass(frozen=True)
class Case:
    """One generated test case: expression text, its variables and a point."""

    text: str
    variables: tuple[str, ...]
    point: dict
    ops: frozenset

    def __repr__(self) -> str:  # what hypothesis prints for a failing example
        return f"Case({self.text!r}, at={self.point!r})"


@st.composite
def cases(draw, max_depth: int = 4) -> Case:
    """An expression over 1-3 variables (each used at least once) and a point in [-2, 2]^n."""
    n = draw(st.integers(1, len(VARIABLES)))
    names = VARIABLES[:n]
    sub = _squash(draw, draw(subexpressions(names, draw(st.integers(1, max_depth)))))
    text = sub.text
    for v in names:  # every variable appears, so gradients have every entry
        if not _mentions(text, v):
            text = f"({text}) + {draw(st.sampled_from(['sin', 'tanh', 'atan']))}({v})"
    coords = st.floats(-2.0, 2.0, allow_nan=False, allow_subnormal=False)
    point = {v: draw(coords) for v in names}
    return Case(text, names, point, sub.ops)


def _mentions(text: str, name: str) -> bool:
    import re

    return re.search(rf"(?<![A-Za-z_]){name}(?![A-Za-z_0-9])", text) is not None


def kink_margin(f, point: dict) -> float:
    """Distance from the point to the nearest kink, measured on the kink ops' arguments.

    ``abs``/``relu``/``sign``/``step`` kink where their argument is 0,
    ``maximum``/``minimum`` where their two arguments tie. ``inf`` when the
    expression has no kink op.
    """
    g = f.graph
    vals = g.evaluate({k: np.float64(v) for k, v in point.items()}, keep=True)
    varies = [False] * len(g.nodes)  # kinks of constant subexpressions don't matter
    for i in g.inputs:
        varies[i] = True
    margin = math.inf
    for i in g.op_nodes:
        node = g.nodes[i]
        varies[i] = any(varies[a] for a in node.args)
        if node.op.name not in KINKS or not varies[i]:
            continue
        margin = min(margin, _gap(node.op.name, [float(vals[a]) for a in node.args], node.params))
    return margin


def _gap(name: str, args: list, params: dict) -> float:
    """How far an op's arguments are from its kink, jump or singular point."""
    a = args[0]
    if name in ("maximum", "minimum"):
        return abs(a - args[1])
    if name in ("floor", "ceil"):
        return abs(a - round(a))
    if name == "round":
        return abs(a - math.floor(a) - 0.5)
    if name == "clip":
        return min(abs(a - params.get("lo", -math.inf)), abs(a - params.get("hi", math.inf)))
    if name == "mod":
        return abs(a - args[1] * round(a / args[1]))
    if name == "hypot":
        return math.hypot(a, args[1])
    if name == "atan2":  # the origin, and the cut along the negative x axis
        return min(math.hypot(a, args[1]), abs(a) if args[1] < 0 else math.inf)
    return abs(a)  # abs, relu, sign, step, cbrt, sinc


# ---------------------------------------------------------------------------
# Special points: signed zeros, 0^x, tiny and huge magnitudes across variables.
# ---------------------------------------------------------------------------

#: The values the special cases put the variables at.
SPECIAL_VALUES = (0.0, -0.0, 1e-310, -1e-310, 1e-160, 1e300, -1e300, 0.5, 1.0, -1.0, 2.0)
#: The ops they are built from: the ones whose rules at such points are PyTorch's (relu is not:
#: diffkit multiplies by its mask, see docs/differences.md).
SPECIAL_UNARY = ("neg", "exp", "log", "sqrt", "sigmoid", "abs", "square", "tanh", "sinc")
SPECIAL_BINARY = ("add", "sub", "mul", "div", "pow", "maximum", "minimum", "atan2")


@st.composite
def _special(draw, names: tuple[str, ...], depth: int) -> str:
    if depth <= 0 or draw(st.integers(0, 3)) == 0:
        if draw(st.integers(0, 3)) == 0:
            return f"({draw(st.sampled_from([0.0, 1.0, -1.0, 0.5, 2.0]))!r})"
        return draw(st.sampled_from(names))
    if draw(st.booleans()):
        name = draw(st.sampled_from(SPECIAL_UNARY))
        a = draw(_special(names, depth - 1))
        return f"-({a})" if name == "neg" else f"{name}({a})"
    name = draw(st.sampled_from(SPECIAL_BINARY))
    a, b = draw(_special(names, depth - 1)), draw(_special(names, depth - 1))
    symbol = {"add": "+", "sub": "-", "mul": "*", "div": "/", "pow": "^"}.get(name)
    return f"({a} {symbol} {b})" if symbol else f"{name}({a}, {b})"


@st.composite
def special_cases(draw) -> Case:
    """An expression over 1-3 variables at a point where each variable is a special value."""
    n = draw(st.integers(1, len(VARIABLES)))
    names = VARIABLES[:n]
    text = draw(_special(names, draw(st.integers(1, 3))))
    for v in names:
        if not _mentions(text, v):
            text = f"({text}) + {v}"
    point = {v: draw(st.sampled_from(SPECIAL_VALUES)) for v in names}
    return Case(text, names, point, frozenset())


#: The ops :func:`torch_gradient` can run, by their PyTorch names.
TORCH_OPS = ("add", "sub", "mul", "div", "pow", "maximum", "minimum", "atan2", "hypot", "neg", "exp", "log",
             "sqrt", "sigmoid", "abs", "square", "tanh", "sinc")


def torch_gradient(f, point: dict) -> dict:
    """The gradient PyTorch's autograd gives for ``f`` at ``point`` (its graph run on float64 tensors)."""
    import torch

    fns = {name: getattr(torch, name) for name in TORCH_OPS}
    g = f.graph
    leaves = {v: torch.tensor(point[v], dtype=torch.float64, requires_grad=True) for v in f.variables}
    vals = [None] * len(g.nodes)
    for node in g.nodes:
        if node.is_input:
            vals[node.index] = leaves[node.name]
        elif node.is_const:
            vals[node.index] = torch.tensor(node.value, dtype=torch.float64)
    for i in g.op_nodes:
        node = g.nodes[i]
        vals[i] = fns[node.op.name](*[vals[a] for a in node.args])
    out = vals[g.outputs[0]]
    grads = torch.autograd.grad(out, list(leaves.values()), allow_unused=True) if out.requires_grad else \
        [None] * len(leaves)
    return {v: 0.0 if d is None else d.item() for v, d in zip(leaves, grads)}


def exact_gradient(f, point: dict) -> dict:
    """The true gradient at ``point``, from SymPy with 30 correct digits, rounded to float64
    (overflowing to inf; nan where it is not a real number); None for an entry SymPy can't
    evaluate to that accuracy (``1 - tanh(1e160)^2`` needs 10^160 digits)."""
    import sympy as sp
    from sympy.core.evalf import PrecisionExhausted

    from diffkit.expr.sympy_bridge import symbol
    from diffkit.symbolic.backends import real_kink_diff

    e = f.to_sympy(real=True)
    at = {symbol(v): sp.Rational(x) for v, x in point.items()}
    out = {}
    for v in f.variables:
        try:
            d = real_kink_diff(e, symbol(v)).subs(at).evalf(30, strict=True, maxn=400)
        except PrecisionExhausted:
            out[v] = None
            continue
        out[v] = float(d) if d.is_extended_real else math.nan
    return out


def same_number(a: float, b: float, rel: float = 1e-12) -> bool:
    """Equal as IEEE results: both nan, the same infinity, or close (zeros of either sign are equal)."""
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    return abs(a - b) <= rel * max(1.0, abs(b))


def uses_non_analytic(case: Case) -> bool:
    return bool(case.ops & NOT_ANALYTIC)


assert OPS_USED == frozenset(EXPR_OPS), "the strategy must cover every elementwise op of the table"
assert all(OPS[n].kind == "elementwise" for n in OPS_USED)
