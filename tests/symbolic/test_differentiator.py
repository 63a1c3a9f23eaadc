"""dk.Symbolic against exact values (SymPy at high precision) and the lecture."""

import numpy as np
import pytest
import sympy as sp

import diffkit as dk
from diffkit.expr.ops import EXPR_OPS
from diffkit.expr.sympy_bridge import symbol
from diffkit.symbolic.backends import real_kink_diff

# Inside every op's domain (asin needs |x| < 1, log/sqrt x > 0).
POINT = (0.3, 0.7)
VARIANTS = [dk.Symbolic(), dk.Symbolic(simplify=True), dk.Symbolic(cse=True)]


def _exact(e, at):
    """float of a SymPy expression at a point whose floats are taken exactly (30 digits)."""
    return float(sp.sympify(e).subs({symbol(k): sp.Rational(v) for k, v in at.items()}).evalf(30))


def test_lecture_gradient_matches_exact():
    # d/dx1 = 1/x1 + x2 = 5.5, d/dx2 = x1 - cos(x2) (lecture's forward/reverse traces)
    for method in VARIANTS:
        r = method.gradient(dk.examples.lecture(), at=dk.examples.LECTURE_POINT)
        assert r.gradient["x1"] == pytest.approx(5.5, rel=1e-15)
        assert r.gradient["x2"] == pytest.approx(float(2 - sp.cos(5).evalf(30)), rel=1e-14)
        assert r.gradient["x2"] == pytest.approx(1.7163378145367738, rel=1e-14)
        assert r.value == pytest.approx(11.652071455223084, rel=1e-15)
        assert sp.simplify(r.expressions["x2"] - (sp.Symbol("x1") - sp.cos(sp.Symbol("x2")))) == 0


@pytest.mark.parametrize("method", VARIANTS, ids=lambda m: m.name)
@pytest.mark.parametrize("name", sorted(EXPR_OPS))
def test_every_op_gradient_is_exact(name, method):
    op = EXPR_OPS[name]
    names = ("a", "b")[: op.arity]
    syms = [symbol(n) for n in names]
    at = dict(zip(names, op.example or POINT))  # each op's own point inside its domain
    f = dk.expr(op.sympy(*syms), variables=names)
    r = method.gradient(f, at=at)
    for n, s in zip(names, syms):
        # SymPy leaves floor's and Mod's derivatives unevaluated: the slopes between the jumps
        want = _exact(real_kink_diff(op.sympy(*syms), s).replace(sp.DiracDelta, lambda *a: 0), at)
        assert r.gradient[n] == pytest.approx(want, rel=1e-14, abs=1e-300), (name, n)


@pytest.mark.parametrize("method", VARIANTS, ids=lambda m: m.name)
def test_kinks_follow_diffkit_conventions(method):
    at0 = {"x": 0.0}
    assert method.derivative("relu(x)", at=at0).derivative == 0.0
    assert method.derivative("abs(x)", at=at0).derivative == 0.0
    assert method.derivative("sign(x)", at=at0).derivative == 0.0
    assert method.derivative("step(x)", at={"x": 1.0}).derivative == 0.0
    r = method.gradient("maximum(x, y)", at={"x": 1.0, "y": 1.0})
    assert (r.gradient["x"], r.gradient["y"]) == (0.5, 0.5)
    r = method.gradient("minimum(x, y)", at={"x": 2.0, "y": 1.0})
    assert (r.gradient["x"], r.gradient["y"]) == (0.0, 1.0)
    # second derivatives of kinks are zero, not Dirac deltas
    assert method.derivative("abs(x)", at={"x": 0.5}, order=2).derivative == 0.0
    assert method.derivative("relu(x)", at={"x": 0.5}, order=2).derivative == 0.0


def test_kinks_vectorised():
    x = np.array([-1.0, 0.0, 2.0])
    r = dk.Symbolic().derivative("relu(x) + abs(x)", at={"x": x})
    np.testing.assert_array_equal(r.derivative, [-1.0, 0.0, 2.0])
    r = dk.Symbolic().gradient("maximum(x, y)", at={"x": x, "y": 0.0})
    np.testing.assert_array_equal(r.gradient["x"], [0.0, 0.5, 1.0])
    np.testing.assert_array_equal(r.gradient["y"], [1.0, 0.5, 0.0])


def test_jacobian_hessian_and_higher_derivatives():
    r = dk.Symbolic().jacobian("x*y, x + sin(y)", at={"x": 2.0, "y": 0.5})
    np.testing.assert_allclose(r.jacobian, [[0.5, 2.0], [1.0, np.cos(0.5)]], rtol=1e-15)
    assert r.value == (1.0, 2.0 + np.sin(0.5))
    assert r.expressions.shape == (2, 2)
    r = dk.Symbolic(cse=True).hessian("x^2*y + exp(x*y)", at={"x": 0.5, "y": 2.0})
    e = np.exp(1.0)
    want = [[2 * 2.0 + 4 * e, 2 * 0.5 + (1 + 1.0) * e], [2 * 0.5 + 2 * e, 0.25 * e]]
    np.testing.assert_allclose(r.hessian, want, rtol=1e-14)
    assert np.array_equal(r.hessian, r.hessian.T)
    for k, want in enumerate([np.cos(0.3), -np.sin(0.3), -np.cos(0.3), np.sin(0.3)], start=1):
        assert dk.Symbolic().derivative("sin(x)", at={"x": 0.3}, order=k).derivative == pytest.approx(want, rel=1e-15)


def test_array_points_keep_shape_and_dtype():
    x = np.linspace(0.1, 1.0, 6).reshape(2, 3)
    r = dk.Symbolic().gradient("x^2 + y", at={"x": x, "y": 1.0})
    np.testing.assert_allclose(r.gradient["x"], 2 * x, rtol=1e-15)
    np.testing.assert_array_equal(r.gradient["y"], np.ones((2, 3)))  # a constant, broadcast
    r = dk.Symbolic().jacobian("x*y, x", at={"x": x, "y": 2.0})
    assert r.jacobian.shape == (2, 2, 2, 3)
    x32 = x.astype(np.float32)
    assert dk.Symbolic().derivative("sin(x)", at={"x": x32}).derivative.dtype == np.float32
    assert x.flags.writeable and x[0, 0] == pytest.approx(0.1)  # input untouched


def test_ops_counted_from_the_evaluated_code():
    f = dk.expr("x*y + sin(x)")
    r = dk.Symbolic().gradient(f, at={"x": np.ones(5), "y": 2.0})
    # value: 3 graph primitives and one evaluation; derivative code y + cos(x), x: 2 ops per point
    assert r.ops.evals == 1
    assert r.ops.primitives == 3 + 2
    assert r.ops.elements == 3 * 5 + 2 * 5
    assert r.info["ops_per_point"] == 2


def test_cse_evaluates_fewer_ops_on_swollen_expressions():
    f = dk.examples.logistic_map(6)
    plain = dk.Symbolic().derivative(f, at={"x": 0.3})
    cse = dk.Symbolic(cse=True).derivative(f, at={"x": 0.3})
    assert cse.derivative == pytest.approx(plain.derivative, rel=1e-13)
    assert cse.info["ops_per_point"] < plain.info["ops_per_point"] / 3
    assert cse.size.nodes == plain.size.nodes and cse.size.cse < plain.size.nodes


def test_names_repr_and_sizes():
    assert [m.name for m in VARIANTS] == ["symbolic", "symbolic-simplified", "symbolic-cse"]
    assert dk.Symbolic(simplify=True, cse=True).name == "symbolic-simplified-cse"
    assert repr(dk.Symbolic()) == "Symbolic(simplify=False, cse=False, backend='sympy')"
    assert isinstance(dk.Symbolic(), dk.Differentiator)
    r = dk.Symbolic().derivative(dk.examples.logistic_map(4), at={"x": 0.1})
    assert r.size.nodes == 166
    assert dk.Symbolic(simplify=True).derivative(dk.examples.logistic_map(4), at={"x": 0.1}).size.nodes == 35


def test_bad_input_raises_diffkit_errors():
    with pytest.raises(dk.ExpressionError):
        dk.Symbolic().gradient("x*y", at={"x": 1.0, "z": 2.0})
    with pytest.raises(dk.ExpressionError):
        dk.Symbolic().derivative("x*y", at={"x": 1.0, "y": 2.0})  # which variable?
    with pytest.raises(dk.BackendError, match="sympy"):
        dk.Symbolic(backend="maple")


@pytest.mark.gpu
def test_cupy_points_evaluate_on_the_gpu():
    import cupy

    x = cupy.linspace(0.1, 1.0, 5)
    r = dk.Symbolic().derivative("sin(x)*x", at={"x": x})
    assert isinstance(r.derivative, cupy.ndarray)
    np.testing.assert_allclose(cupy.asnumpy(r.derivative), np.cos(cupy.asnumpy(x)) * cupy.asnumpy(x)
                               + np.sin(cupy.asnumpy(x)), rtol=1e-14)


def test_huge_coefficients_overflow_like_numpy_not_python():
    # the expanded derivative of l_10 has integer coefficients beyond float64's range
    import warnings

    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        r = dk.Symbolic(simplify=True).derivative(dk.examples.logistic_map(10), at={"x": 0.3})
    assert not np.isfinite(r.derivative)
