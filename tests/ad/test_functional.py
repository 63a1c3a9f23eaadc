"""grad, value_and_grad, jvp, vjp, jacfwd, jacrev, hessian on Exprs and on Python functions."""

import importlib.util
import math

import numpy as np
import pytest

import diffkit as dk
from diffkit.ad import grad, hessian, jacfwd, jacrev, jvp, value_and_grad, vjp

F = "log(x1) + x1*x2 - sin(x2)"
HAS_TENSOR = importlib.util.find_spec("diffkit.ad.tensor") is not None
needs_tensor = pytest.mark.skipif(not HAS_TENSOR, reason="needs diffkit.ad.tensor")


def test_expr_grad_argnums_by_position_and_name():
    f = dk.expr(F)
    assert grad(f)(2.0, 5.0) == 5.5
    assert grad(f, argnums="x2")(x1=2.0, x2=5.0) == pytest.approx(2 - math.cos(5.0), rel=1e-15)
    g1, g2 = grad(F, argnums=(0, 1))(2.0, 5.0)
    assert (g1, g2) == (5.5, pytest.approx(2 - math.cos(5.0), rel=1e-15))
    value, g = value_and_grad(f, argnums=(0,))(2.0, 5.0)
    assert value == pytest.approx(11.652071455223084, rel=1e-15) and g == (5.5,)


def test_expr_grad_at_points():
    x1 = np.array([1.0, 2.0, 4.0])
    np.testing.assert_allclose(grad(F)(x1, 5.0), 1 / x1 + 5.0, rtol=1e-15)


def test_expr_jvp_and_vjp():
    assert jvp(F, (2.0, 5.0), (1.0, 0.0))[1] == 5.5
    y, pullback = vjp(dk.expr("x*y"), np.array([1.0, 2.0]), 3.0)
    np.testing.assert_allclose(y, [3.0, 6.0])
    gx, gy = pullback(np.array([1.0, 10.0]))
    np.testing.assert_allclose(gx, [3.0, 30.0])
    assert gy == 21.0  # y was broadcast: its cotangent is summed


def test_expr_jacfwd_equals_jacrev():
    f = dk.expr("x*y + sin(z), exp(x) - y*z")
    args = (0.3, 1.2, -0.4)
    Jf, Jr = jacfwd(f, argnums=(0, 1, 2))(*args), jacrev(f, argnums=(0, 1, 2))(*args)
    assert Jf.shape == (2, 3)
    np.testing.assert_allclose(Jf, Jr, rtol=1e-15)
    np.testing.assert_allclose(Jf[1], [math.exp(0.3), 0.4, -1.2], rtol=1e-15)
    np.testing.assert_allclose(jacfwd(f)(*args), Jf[:, 0])


def test_expr_hessian_forward_over_reverse():
    H = hessian(F, argnums=(0, 1))(2.0, 5.0)
    np.testing.assert_allclose(H, [[-0.25, 1.0], [1.0, math.sin(5.0)]], rtol=1e-15)
    assert hessian(F)(2.0, 5.0) == -0.25


def test_bad_argnums():
    with pytest.raises(dk.ExpressionError, match="not a variable"):
        grad(F, argnums="z")
    with pytest.raises(dk.ExpressionError, match="out of range"):
        grad(F, argnums=5)


def test_python_function_jvp_and_jacfwd_need_no_tensor():
    y, t = jvp(lambda x, w: dk.sum(dk.tanh(dk.matmul(x, w))), (np.ones((2, 3)), np.full((3, 1), 0.1)),
               (np.ones((2, 3)), np.zeros((3, 1))))
    assert float(t) == pytest.approx(2 * 0.3 * (1 - math.tanh(0.3) ** 2), rel=1e-14)
    J = jacfwd(lambda x: dk.sum(x * x, axis=1))(np.array([[1.0, 2.0], [3.0, 4.0]]))
    assert J.shape == (2, 2, 2)
    np.testing.assert_allclose(J[1], [[0.0, 0.0], [6.0, 8.0]])


@needs_tensor
def test_python_function_grad_matches_closed_form():
    x = np.array([[1.0, 2.0], [0.5, -1.0]])
    w = np.array([[0.3], [0.2]])
    f = lambda x, w: dk.sum(dk.tanh(x @ w))  # noqa: E731
    s = 1 - np.tanh(x @ w) ** 2
    np.testing.assert_allclose(grad(f)(x, w), s @ w.T, rtol=1e-14)  # dL/dX = dL/dY W^T
    np.testing.assert_allclose(grad(f, argnums=1)(x, w), x.T @ s, rtol=1e-14)  # dL/dW = X^T dL/dY
    value, g = value_and_grad(lambda x: dk.sin(x) * x)(2.0)
    assert type(g) is float and g == pytest.approx(math.cos(2.0) * 2 + math.sin(2.0), rel=1e-15)


@needs_tensor
def test_python_function_jacfwd_equals_jacrev():
    fn = lambda x: dk.log_softmax(x * np.array([1.0, 2.0, 3.0]), axis=-1)  # noqa: E731
    x = np.array([0.2, -0.5, 1.0])
    np.testing.assert_allclose(jacfwd(fn)(x), jacrev(fn)(x), rtol=1e-13, atol=1e-15)


@needs_tensor
def test_python_function_vjp_and_hessian():
    fn = lambda x: dk.sin(x) * x  # noqa: E731
    x = np.array([1.0, 2.0])
    y, pullback = vjp(fn, x)
    (g,) = pullback(np.array([1.0, 1.0]))
    np.testing.assert_allclose(g, np.cos(x) * x + np.sin(x), rtol=1e-15)
    H = hessian(lambda x: dk.sum(x ** 3) + x[0] * x[1])(np.array([1.0, 2.0]))
    np.testing.assert_allclose(H, [[6.0, 1.0], [1.0, 12.0]], rtol=1e-15)


@needs_tensor
def test_python_grad_of_non_scalar_is_an_error():
    with pytest.raises(dk.GradientError, match="scalar"):
        grad(lambda x: x * 2.0)(np.ones(3))
