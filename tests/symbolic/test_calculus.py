"""dk.diff / Expr.diff (diffkit/symbolic/calculus.py): the derivative as an Expr, checked against SymPy."""

import numpy as np
import pytest
import sympy as sp

import diffkit as dk

X, Y = sp.symbols("x y")


@pytest.mark.parametrize("source, wrt, n, expected", [
    ("log(x1) + x1*x2 - sin(x2)", "x2", 1, sp.Symbol("x1") - sp.cos(sp.Symbol("x2"))),
    ("x^3 * sin(y)", "x", 2, 6 * X * sp.sin(Y)),
    ("exp(x*y)", "y", 3, X**3 * sp.exp(X * Y)),
    ("sigmoid(x)", "x", 1, sp.exp(-X) / (1 + sp.exp(-X)) ** 2),
    ("x^y", "y", 1, X**Y * sp.log(X)),
])
def test_diff_is_sympys_derivative(source, wrt, n, expected):
    d = dk.diff(source, wrt, n)
    # sigmoid's derivative is written with sigmoid itself (s*(1 - s)); compare in elementary form
    assert sp.simplify((d.to_sympy() - expected).rewrite(sp.exp)) == 0
    assert d.variables == dk.expr(source).variables  # the same point fits the derivative


def test_expr_diff_and_repeated_differentiation():
    f = dk.expr("sin(x) * y^2")
    assert f.diff("x").source == dk.diff(f, "x").source == "y**2*cos(x)"
    twice, second = f.diff("x").diff("x"), f.diff("x", n=2)
    pts = {"x": np.linspace(-2, 2, 9), "y": 1.5}
    np.testing.assert_allclose(twice(**pts), second(**pts), rtol=1e-14)
    mixed = dk.diff(f, ["x", "y"])  # d/dy d/dx
    assert sp.simplify(mixed.to_sympy() - 2 * Y * sp.cos(X)) == 0


def test_several_outputs_are_differentiated_each():
    d = dk.diff("x*y, x + y", "x")
    assert d.n_outputs == 2 and d(x=2.0, y=3.0) == (3.0, 1.0)


@pytest.mark.parametrize("source, at, expected", [
    ("maximum(x, y)", {"x": 1.0, "y": 1.0}, 0.5),  # a tie is split half and half
    ("minimum(x, y)", {"x": 1.0, "y": 1.0}, 0.5),
    ("relu(x)", {"x": 0.0}, 0.0),
    ("abs(x)", {"x": 0.0}, 0.0),
    ("relu(x)^2 * y", {"x": 0.0, "y": 2.0}, 0.0),
])
def test_kinks_follow_diffkits_convention(source, at, expected):
    got = float(dk.diff(source, "x")(**at))
    assert got == expected == dk.Symbolic().gradient(source, at=at).gradient["x"]


def test_simplify_gives_an_equal_shorter_formula():
    f = "(x^2 - 1) / (x - 1)"
    plain, short = dk.diff(f, "x"), dk.diff(f, "x", simplify=True)
    assert plain.source == "2*x/(x - 1) - (x**2 - 1)/(x - 1)**2" and short.source == "1"
    assert plain(x=0.3) == pytest.approx(1.0, rel=1e-15)


@pytest.mark.parametrize("call, says", [
    (lambda: dk.diff("x*y"), "say which variable"),
    (lambda: dk.diff("x*y", "q"), "can't differentiate with respect to"),
    (lambda: dk.diff("x", "x", n=0), "positive integer"),
    (lambda: dk.diff("x*y", ["x", "y"], n=2), "n=1 with several"),
])
def test_diff_refuses(call, says):
    with pytest.raises(dk.DiffkitError, match=says):
        call()


def test_diff_of_data_is_numpys_forward_difference():
    """`dk.diff` on data (an array, a list of numbers, a Tensor) is `np.diff`; on a function, its derivative."""
    import numpy as np

    import diffkit as dk

    a = np.array([1.0, 4.0, 9.0, 16.0])
    assert np.array_equal(dk.diff(a), np.diff(a))
    assert np.array_equal(dk.diff([1, 4, 9, 16], 2), np.diff([1, 4, 9, 16], 2))
    assert np.array_equal(dk.diff(a, n=1, prepend=0.0), np.diff(a, prepend=0.0))
    assert dk.diff(dk.tensor([1.0, 4.0, 9.0])).tolist() == [3.0, 5.0]
    assert str(dk.diff("x^3", "x")) == "3*x**2"
