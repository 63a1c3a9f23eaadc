"""dk.symbolic.explain: the chain rule step by step; the steps' rules, and the result against dk.diff."""

import numpy as np
import pytest
import sympy as sp

import diffkit as dk
from diffkit.symbolic import explain


@pytest.mark.parametrize("source, wrt, rules", [
    ("sin(x^2) * exp(x)", "x", ["product rule", "chain rule (sin)", "power rule", "derivative of exp"]),
    ("x / (1 + x^2)", "x", ["quotient rule", "sum rule", "power rule"]),
    ("2^x", "x", ["exponential rule"]),
    ("x^x", "x", ["general power rule"]),
    ("x1*x2 + log(x1)", "x1", ["sum rule", "constant factor", "derivative of log"]),
    ("relu(3*x)", "x", ["relu' (diffkit's kink convention)", "constant factor"]),
])
def test_the_rules_of_each_step(source, wrt, rules):
    assert [s.rule for s in explain(source, wrt).steps] == rules


@pytest.mark.parametrize("source", [
    "sin(x^2) * exp(x)", "x / (1 + x^2)", "sqrt(sin(x) + 2)", "tanh(x) * atan(x) - asin(x/2)", "x^x",
    "sigmoid(3*x) + relu(x - 0.5)^2", "abs(x - 0.3) * maximum(x, 0.2)", "log(1 + exp(-x))", "-x / 3",
])
def test_the_result_is_the_derivative(source):
    e = explain(source, "x")
    xs = {"x": np.array([0.1, 0.2, 0.3, 0.5, 0.9])}  # includes the kink of abs and the tie of maximum
    np.testing.assert_allclose(e.derivative(**xs), dk.diff(source, "x")(**xs), rtol=1e-13)


def test_a_subexpression_written_twice_is_explained_once():
    e = explain("sin(x) * sin(x)", "x")
    assert [s.rule for s in e.steps] == ["product rule", "derivative of sin"]


def test_text_and_latex():
    e = explain("sin(x^2)", "x")
    lines = str(e).splitlines()
    assert lines[0] == "d/dx of sin(x^2), step by step"
    assert lines[-1].split(None, 2)[2] == "d/dx[sin(x**2)] = 2*x*cos(x**2)"
    tex = e.to_latex()
    assert tex.startswith("\\begin{aligned}") and tex.endswith("\\end{aligned}")
    assert "\\frac{d}{d x} \\sin{\\left(x^{2} \\right)} &= \\cos{\\left(x^{2} \\right)} \\frac{d}{d x} x^{2} " \
           "&& \\text{chain rule (sin)}" in tex
    assert e._repr_latex_() == f"$$\n{tex}\n$$"


def test_a_variable_alone_and_a_constant_in_it():
    assert str(explain("x", "x").derivative) == "1"
    e = explain("x*y", "x")
    assert [s.rule for s in e.steps] == ["constant factor"] and str(e.derivative) == "y"


@pytest.mark.parametrize("call, says", [
    (lambda: explain("x*y, x"), "one output"), (lambda: explain("x*y"), "say which variable"),
    (lambda: explain("x", "q"), "not a variable"),
])
def test_explain_refuses(call, says):
    with pytest.raises(dk.DiffkitError, match=says):
        call()


def test_constants_stay_exact_in_the_rules():
    """A constant base is a number to the rule's branches but a formula to its ops: log(2), not 0.693..."""
    e = explain("2^x + 10^(2*x)", "x")
    x = sp.Symbol("x", real=True)  # the engine's symbols are real inside (abs' is sign)
    assert sp.simplify(e.result - (sp.log(2) * 2**x + 2 * sp.log(10) * 10 ** (2 * x))) == 0
    assert e.result.atoms(sp.Float) == set()
    assert "0.69" not in str(e)
