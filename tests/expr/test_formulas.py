"""Formulas (diffkit/expr/formulas.py): LaTeX that is safe to show, and text that parses back."""

import numpy as np
import pytest
import sympy as sp

import diffkit as dk
from diffkit.expr.formulas import latex, safe_name, text
from diffkit.expr.ops import EXPR_OPS


@pytest.mark.parametrize("name", ["<img src=x onerror=alert(1)>", "\\input{/etc/passwd}", "a}b$c&d", "x\x1b[31m"])
def test_latex_of_hostile_names_holds_no_markup(name):
    out = latex(sp.Symbol(name) ** 2 + 1)
    assert not set(out) & set("<>$&\x1b") and "\\input" not in out and "{/etc" not in out
    assert out == "\\mathtt{" + safe_name(name) + "}^{2} + 1"


def test_latex_of_plain_names_is_sympys():
    assert latex(sp.Symbol("x1") ** 2) == "x_{1}^{2}" and latex(sp.Symbol("alpha")) == "\\alpha"


def test_latex_names_diffkits_ops():
    assert dk.expr("relu(x) * y").to_latex() == "y \\operatorname{relu}\\left(x\\right)"
    assert dk.expr("step(x)").to_latex() == "\\operatorname{step}\\left(x\\right)"
    assert latex(sp.Heaviside(sp.Symbol("x"))) == "\\theta\\left(x\\right)"  # H(0) = 1/2: SymPy's own symbol


def test_repr_latex_for_jupyter():
    assert dk.expr("x^2 / 2")._repr_latex_() == "$\\displaystyle \\frac{x^{2}}{2}$"
    assert dk.expr("x*y, x + y")._repr_latex_() == "$\\displaystyle \\left(x y, x + y\\right)$"


def _sample(n: int = 7) -> list[dict]:
    rng = np.random.default_rng(0)
    pts = [{"x": float(a), "y": float(b)} for a, b in rng.uniform(0.1, 0.9, size=(n, 2))]
    return pts + [{"x": 0.0, "y": 0.0}, {"x": 0.5, "y": 0.5}]  # a kink, and a tie


def _expression(op: str) -> str:
    arity = EXPR_OPS[op].arity
    inner = "(x*x + 0.25*y)" if op in ("log", "sqrt") else "(x - y)"  # inside the domain at the samples
    if EXPR_OPS[op].infix is not None:
        return {"add": "x + y", "sub": "x - y", "mul": "x * y", "div": "x / (y + 1)", "pow": "(x + 1)^y",
                "neg": "-(x*y)", "mod": "x % y"}[op]
    return f"{op}({inner}) * x" if arity == 1 else f"{op}(x, y) * x"


@pytest.mark.parametrize("op", sorted(EXPR_OPS))
def test_text_of_a_derivative_parses_back_to_the_same_numbers(op):
    """For every op of the table: the derivative's text, parsed again, gives what dk.Symbolic() gives,
    kinks and ties included (the convention rides along in the text)."""
    f = dk.expr(_expression(op))
    for wrt in f.variables:
        g = dk.diff(f, wrt)  # its graph is parsed from its text
        assert g.source == str(g) and dk.expr(str(g), variables=f.variables).graph.to_text() == g.graph.to_text()
        for pt in _sample():
            with np.errstate(all="ignore"):
                want = dk.Symbolic().gradient(f, at=pt).gradient[wrt]
                got = float(g(**pt))
            assert got == pytest.approx(want, rel=1e-12, abs=1e-12, nan_ok=True), (op, wrt, pt, str(g))


def test_text_writes_sympys_forms_in_diffkits_names():
    x, y = sp.symbols("x y")
    assert text(sp.Abs(x) + sp.Min(x, y)) == "abs(x) + minimum(x, y)"
    assert text(sp.Heaviside(x, 0) * y) == "y*step(x)"
    assert text(2 * sp.Heaviside(x)) == "sign(x) + 1"  # H(0) = 1/2, written with ops diffkit has
    assert text(sp.Piecewise((2 * x, x > 1), (0, True))) == "2*x*step(x - 1)"
    assert text(sp.Derivative(sp.sin(x), x)) == "d/dx[sin(x)]"
    assert text(sp.pi * sp.E) == "exp(1)*pi"


def test_text_writes_sympys_functions_under_the_ops_names():
    from diffkit.expr.sympy_functions import clip, round_half_even
    x, y = sp.symbols("x y")
    assert text(sp.ceiling(x) + round_half_even(y)) == "ceil(x) + round(y)"
    assert text(sp.Mod(x, y)) == "mod(x, y)"
    assert text(sp.sinc(sp.pi * x)) == "sinc(x)"  # SymPy's sinc is sin(u)/u, diffkit's sin(pi u)/(pi u)
    assert text(clip(x, -sp.oo, sp.Float(1) / 3)) == f"clip(x, hi={1 / 3!r})"  # no bound at infinity


def test_text_writes_a_selection_with_steps():
    x, y = sp.symbols("x y")
    assert text(sp.Piecewise((1, x > 0), (2, True))) == "(2 - step(x))"
    # maximum's rule: 0 below, 1/2 at the tie, 1 above
    tie = sp.Piecewise((0, x < 1), (sp.Piecewise((sp.S.Half, sp.Eq(x, 1)), (1, True)), True))
    assert text(y * tie) == "y*(sign(x - 1)/2 + 1/2)"
    f = dk.expr(text(sp.Piecewise((x, x < -1), (y, x > 2), (x * y, True))))
    np.testing.assert_array_equal(f(x=np.array([-3.0, -1.0, 2.0, 3.0]), y=5.0), [-3.0, -5.0, 10.0, 5.0])


@pytest.mark.parametrize("e", [sp.Piecewise((1, (sp.Symbol("x") > 0) & (sp.Symbol("y") > 0)), (2, True)),
                               sp.oo, sp.zoo])
def test_text_refuses_what_diffkit_cant_write(e):
    with pytest.raises(dk.ExpressionError):
        text(e)
