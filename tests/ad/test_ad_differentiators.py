"""ForwardMode and ReverseMode as Differentiators: values, shapes, counts, SymPy agreement.

(Named test_ad_differentiators.py: tests/numeric/test_differentiators.py has the plain name.)
"""

import math

import numpy as np
import pytest
from ad_reference import close, exact_gradient, exact_hessian
from hypothesis import given
from hypothesis import strategies as st

import diffkit as dk
from diffkit.expr.ops import EXPR_OPS, FUNCTIONS

LECTURE_AT = {"x1": 2.0, "x2": 5.0}


def test_reverse_mode_lecture_gradient_is_plain_floats():
    r = dk.ReverseMode().gradient(dk.expr("log(x1) + x1*x2 - sin(x2)"), at=LECTURE_AT)
    assert r.method == "reverse" and r.kind == "gradient"
    assert r.value == pytest.approx(11.652071455223084, rel=1e-15)
    assert r.gradient == {"x1": 5.5, "x2": pytest.approx(2 - math.cos(5.0), rel=1e-15)}
    assert all(type(v) is float for v in r.gradient.values())
    assert type(r.value) is float
    assert r.ops.primitives > 0 and r.ops.evals == 1


def test_forward_mode_lecture_gradient():
    r = dk.ForwardMode().gradient("log(x1) + x1*x2 - sin(x2)", at=LECTURE_AT)
    assert r.method == "forward"
    assert r.gradient["x1"] == 5.5
    assert r.gradient["x2"] == pytest.approx(2 - math.cos(5.0), rel=1e-15)
    assert r.ops.evals == 2  # one pass per variable


def test_arrays_of_points_broadcast():
    x1 = np.array([2.0, 1.0, 4.0])
    for method in (dk.ReverseMode(), dk.ForwardMode()):
        r = method.gradient("log(x1) + x1*x2 - sin(x2)", at={"x1": x1, "x2": 5.0})
        np.testing.assert_allclose(r.gradient["x1"], 1 / x1 + 5.0, rtol=1e-15)
        np.testing.assert_allclose(r.gradient["x2"], x1 - math.cos(5.0), rtol=1e-15)
        assert r.gradient["x2"].shape == (3,)


@pytest.mark.parametrize("name", sorted(EXPR_OPS))
@pytest.mark.parametrize("method", [dk.ReverseMode(), dk.ForwardMode()], ids=["reverse", "forward"])
def test_every_op_matches_sympy(name, method):
    fn = FUNCTIONS[name]
    f = dk.trace((lambda x: fn(x)) if EXPR_OPS[name].arity == 1 else (lambda x, y: fn(x, y)))
    at = dict(zip(f.variables, EXPR_OPS[name].example or (0.37, 1.3)))  # inside the op's domain
    r = method.gradient(f, at=at)
    for v, want in zip(f.variables, exact_gradient(f, at)):
        assert close(r.gradient[v], want, 1e-12), (name, v, r.gradient[v], want)


_UNARY = ["sin", "cos", "exp", "tanh", "atan", "sigmoid", "square"]
_BINARY = ["+", "-", "*", "/"]


@st.composite
def expressions(draw, depth=4):
    if depth == 0 or draw(st.integers(0, 3)) == 0:
        return draw(st.sampled_from(["x", "y", "z", "0.5", "1.7"]))
    if draw(st.booleans()):
        fn, arg = draw(st.sampled_from(_UNARY)), draw(expressions(depth - 1))
        if fn == "exp":  # exp of exp of ... overflows, and sin of a huge argument is ill-conditioned
            arg = f"tanh({arg})"
        return f"{fn}({arg})"
    left, right = draw(expressions(depth - 1)), draw(expressions(depth - 1))
    op = draw(st.sampled_from(_BINARY))
    if op == "/":  # keep denominators away from zero
        right = f"(2.5 + sin({right}))"
    return f"({left} {op} {right})"


@given(expressions())
def test_random_expressions_match_sympy(text):
    f = dk.expr(text, variables=["x", "y", "z"])
    at = {"x": 0.3, "y": -0.7, "z": 1.1}
    exact = exact_gradient(f, at)
    rev = dk.ReverseMode().gradient(f, at=at).gradient
    fwd = dk.ForwardMode().gradient(f, at=at).gradient
    scale = max(1.0, *map(abs, exact))
    for v, want in zip(f.variables, exact):
        assert abs(rev[v] - want) <= 1e-12 * scale, (text, v, rev[v], want)
        assert abs(fwd[v] - want) <= 1e-12 * scale, (text, v, fwd[v], want)


@pytest.mark.parametrize("text", ["log(x1) + x1*x2 - sin(x2)", "exp(x1*x2)/(1 + x1^2)", "tanh(x1)*x2^3"])
@pytest.mark.parametrize("method", [dk.ReverseMode(), dk.ForwardMode()], ids=["reverse", "forward"])
def test_hessians_match_sympy(text, method):
    f = dk.expr(text)
    at = {"x1": 0.8, "x2": 1.3}
    H = method.hessian(f, at=at).hessian
    np.testing.assert_allclose(H, exact_hessian(f, at), rtol=1e-12, atol=1e-14)


def test_jacobians_agree_and_have_the_documented_shape():
    F = dk.expr("x*y + sin(z), exp(x) - y*z, x/z")
    at = {"x": 0.3, "y": np.array([1.0, 2.0]), "z": 1.5}
    Jf = dk.ForwardMode().jacobian(F, at=at).jacobian
    Jr = dk.ReverseMode().jacobian(F, at=at).jacobian
    assert Jf.shape == Jr.shape == (3, 3, 2)
    np.testing.assert_allclose(Jf, Jr, rtol=1e-15)
    np.testing.assert_allclose(Jr[1, 2], -np.array([1.0, 2.0]))


def test_op_counts_forward_n_passes_reverse_m_passes():
    n = 100
    f = dk.expr(" + ".join(f"sin(x{i}) * x{i}" for i in range(n)))
    at = {f"x{i}": 0.01 * i for i in range(n)}
    rf, rr = dk.ForwardMode().jacobian(f, at=at), dk.ReverseMode().jacobian(f, at=at)
    np.testing.assert_allclose(rf.jacobian, rr.jacobian, rtol=1e-14)
    assert rf.ops.evals == n and rr.ops.evals == 1
    ratio = rf.ops.primitives / rr.ops.primitives
    assert n / 2 <= ratio <= 2 * n, ratio


def test_derivative_of_higher_order():
    for method in (dk.ForwardMode(), dk.ReverseMode()):
        r = method.derivative("sin(x) * x^3", at={"x": 0.8}, order=3)
        x = 0.8
        exact = -math.cos(x) * x**3 - 9 * math.sin(x) * x**2 + 18 * math.cos(x) * x + 6 * math.sin(x)
        assert r.derivative == pytest.approx(exact, rel=1e-12)
        assert r.value == pytest.approx(math.sin(x) * x**3, rel=1e-15)
        assert r.order == 3


def test_cupy_backend_without_gpu_raises_backend_error():
    from diffkit.ad.backend import cuda_available

    if cuda_available():
        pytest.skip("a GPU is present")
    with pytest.raises(dk.BackendError, match="CuPy|CUDA"):
        dk.ReverseMode(backend="cupy")


@pytest.mark.gpu
def test_cupy_backend_matches_numpy():
    x = np.linspace(1, 2, 1000)
    r_gpu = dk.ReverseMode(backend="cupy").gradient("log(x) + x*y - sin(y)", at={"x": x, "y": 0.5})
    r_cpu = dk.ReverseMode().gradient("log(x) + x*y - sin(y)", at={"x": x, "y": 0.5})
    assert isinstance(r_gpu.gradient["x"], np.ndarray)
    np.testing.assert_allclose(r_gpu.gradient["x"], r_cpu.gradient["x"], rtol=1e-13)


def test_names_and_repr():
    assert dk.ForwardMode().name == "forward" and dk.ReverseMode().name == "reverse"
    assert repr(dk.ReverseMode()) == "ReverseMode(backend='numpy')"
    assert isinstance(dk.ReverseMode(), dk.Differentiator)


def test_reverse_mode_hessian_is_exactly_symmetric():
    f = "exp(x)*sin(y) + x^3*y^2 - tanh(x*y)"
    H = dk.ReverseMode().hessian(f, at={"x": 0.7, "y": -1.3}).hessian
    assert np.array_equal(H, H.T)
    np.testing.assert_allclose(H, dk.Symbolic().hessian(f, at={"x": 0.7, "y": -1.3}).hessian, rtol=1e-13)
