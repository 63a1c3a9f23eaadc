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


# ---------------------------------------------------------------------------
# Issue 15: wrong results that must stay fixed (values from torch/JAX or closed forms)
# ---------------------------------------------------------------------------

def test_forward_mode_broadcasts_tangents_against_constants():
    """Issue 15.1: a scalar broadcast against a constant array carries its tangent to every entry."""
    assert jvp(lambda x: dk.sum(x + np.ones(4)), (2.0,), (1.0,)) == (12.0, 4.0)
    np.testing.assert_array_equal(jacfwd(lambda x: x + np.ones(4))(2.0), np.ones(4))
    assert hessian(lambda x: dk.sum(x + np.arange(4.0)) ** 2)(2.0) == 32.0  # JAX: 32 (d²/dx² (4x + 6)²)
    # a (3, 1) column against a (1, 2) row: each entry of the column feeds two outputs
    J = jacfwd(lambda c: c * np.ones((1, 2)))(np.ones((3, 1)))
    assert J.shape == (3, 2, 3, 1) and J.sum() == 6.0


class _Cube(dk.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x**3

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * 3 * x**2


class _CubeWithJvp(_Cube):
    @staticmethod
    def jvp(ctx, t):
        (x,) = ctx.saved_tensors
        return 3 * x**2 * t


def test_forward_mode_through_a_function_uses_its_rule_or_refuses():
    """Issue 15.2: never zeros; a Function without jvp is refused by name."""
    np.testing.assert_array_equal(jacfwd(lambda x: _CubeWithJvp.apply(x))([1.0, 2.0]), np.diag([3.0, 12.0]))
    assert jvp(_CubeWithJvp.apply, (2.0,), (1.0,)) == (8.0, 12.0)
    with pytest.raises(dk.GradientError, match="_Cube has no forward-mode rule"):
        jacfwd(lambda x: _Cube.apply(x))([1.0, 2.0])
    np.testing.assert_array_equal(jacrev(lambda x: _Cube.apply(x))([1.0, 2.0]), np.diag([3.0, 12.0]))


def test_grad_writes_no_grad_anywhere():
    """Issue 15.3: a closed-over Tensor is a constant (torch.func.grad leaves its .grad None), but still
    recorded on its own tape, so a later backward reaches it."""
    w = dk.tensor(2.0, requires_grad=True)
    g = grad(lambda x: w * x)(3.0)
    assert w.grad is None and float(g) == 2.0
    g.backward()  # d(dL/dx)/dw = 1
    assert float(w.grad) == 1.0
    x = dk.tensor([1.0, 2.0], requires_grad=True)
    gx = grad(lambda t: (t * t).sum())(x)
    assert x.grad is None and isinstance(gx, dk.Tensor) and gx.tolist() == [2.0, 4.0]
    for transform in (lambda f: jacrev(f)(x), lambda f: vjp(f, x)[1](1.0), lambda f: hessian(f)(x)):
        transform(lambda t: (t * t * w).sum())
        assert x.grad is None and w.grad == 1.0


def test_nested_transforms_stay_connected():
    """Issue 15.3: d/dx[x · grad_t(x · t)] = 2x; fan-out, third derivatives, HVPs, grad of grad."""
    assert grad(lambda x: x * grad(lambda t: x * t)(1.0))(1.0) == 2.0
    f = lambda x: dk.sin(x) * x ** 3  # noqa: E731
    x = 0.8
    third = (-math.cos(x) * x**3 - 9 * math.sin(x) * x**2 + 18 * math.cos(x) * x + 6 * math.sin(x))
    assert grad(grad(grad(f)))(x) == pytest.approx(third, rel=1e-13)
    assert jvp(grad(grad(f)), (x,), (1.0,))[1] == pytest.approx(third, rel=1e-13)
    fan = lambda x: dk.sin(dk.sin(x) + dk.sin(x))  # noqa: E731
    assert grad(grad(fan))(0.3) == pytest.approx(
        -math.sin(2 * math.sin(0.3)) * 4 * math.cos(0.3) ** 2 - math.cos(2 * math.sin(0.3)) * 2 * math.sin(0.3),
        rel=1e-13)
    v = np.array([1.0, -2.0])
    hvp = jvp(grad(lambda x: dk.sum(x**3) + x[0] * x[1]), (np.array([1.0, 2.0]),), (v,))[1]
    np.testing.assert_allclose(hvp, np.array([[6.0, 1.0], [1.0, 12.0]]) @ v, rtol=1e-15)
    H = jacfwd(jacrev(lambda x: dk.sum(x**3)))(np.array([1.0, 2.0]))
    np.testing.assert_allclose(H, np.diag([6.0, 12.0]), rtol=1e-15)


def test_hessian_takes_tuples_ndarray_left_matmul_and_functions():
    """Issue 15.3: hessian with tuple argnums (JAX's nested blocks), ndarray @ value, Functions with both rules."""
    H = hessian(lambda a, b: dk.sum(a**2 * b), argnums=(0, 1))(np.array([1.0, 2.0]), np.array([3.0, 4.0]))
    np.testing.assert_allclose(H[0][0], np.diag([6.0, 8.0]))
    np.testing.assert_allclose(H[0][1], np.diag([2.0, 4.0]))
    np.testing.assert_allclose(H[1][1], np.zeros((2, 2)))
    A = np.array([[1.0, 2.0], [3.0, 4.0]])
    x = np.array([0.1, 0.2])
    s = np.sin(A @ x)
    np.testing.assert_allclose(hessian(lambda x: dk.sum(dk.sin(A @ x)))(x), -(A.T * s) @ A, rtol=1e-14)
    np.testing.assert_allclose(hessian(lambda x: dk.sum(_CubeWithJvp.apply(x)))(x), np.diag(6 * x), rtol=1e-15)


def test_pytrees_and_has_aux():
    params = {"W": np.array([[1.0, 2.0]]), "b": np.array([0.5])}
    loss = lambda p, x: dk.sum((p["W"] @ x + p["b"]) ** 2)  # noqa: E731
    x = np.array([1.0, -1.0])
    g = grad(loss)(params, x)
    r = params["W"] @ x + params["b"]
    assert set(g) == {"W", "b"}
    np.testing.assert_allclose(g["W"], 2 * np.outer(r, x))
    np.testing.assert_allclose(g["b"], 2 * r)
    g, aux = grad(lambda p: (dk.sum(p[0] * p[1]), {"n": 2}), has_aux=True)((np.ones(2), np.full(2, 3.0)))
    assert aux == {"n": 2} and g[0].tolist() == [3.0, 3.0] and g[1].tolist() == [1.0, 1.0]
    (value, aux), g = value_and_grad(lambda x: (x * x, x + 1.0), has_aux=True)(3.0)
    assert (value, aux, g) == (9.0, 4.0, 6.0)
    y, pullback, aux = vjp(lambda x: ([x, 2 * x], "note"), 1.5, has_aux=True)
    assert y == [1.5, 3.0] and aux == "note" and pullback([1.0, 1.0]) == (3.0,)
    J, aux = jacrev(lambda x: (x * x, x.sum()), has_aux=True)(np.array([1.0, 2.0]))
    np.testing.assert_array_equal(J, np.diag([2.0, 4.0]))
    assert aux == 3.0
    out, t, aux = jvp(lambda x: (x * 2.0, None), (1.0,), (1.0,), has_aux=True)
    assert (out, t, aux) == (2.0, 2.0, None)


def test_results_in_the_kind_of_their_arguments():
    assert type(grad(lambda x: x * x)(3.0)) is float
    g32 = grad(lambda x: dk.sum(x * 2.0))(np.ones(3, dtype=np.float32))
    assert g32.dtype == np.float32
    with pytest.raises(dk.ArgumentTypeError, match="dtype int"):
        grad(lambda x: dk.sum(x))(np.arange(3))
    with pytest.raises(dk.GradientError, match="float"):
        grad(lambda x: math.sin(x))(1.0)


def test_a_real_argument_gets_the_real_part_of_its_cotangent_at_every_level():
    """x real, exp(i x) complex: the gradient of Re(sum(exp(i x))) is -sin(x), real, and forward mode over it
    sees the same projection (it was a cast after the pullback, invisible to an outer jvp, whose tangent
    came out complex)."""
    x = np.array([0.3, -1.2, 2.0])
    g = dk.ad.grad(lambda v: dk.sum(dk.real(dk.exp(1j * v))))
    np.testing.assert_allclose(g(x), -np.sin(x), rtol=1e-15)
    _, hv = dk.ad.jvp(g, (x,), (np.array([1.0, 2.0, -1.0]),))  # a Hessian-vector product
    assert hv.dtype == np.float64
    np.testing.assert_allclose(hv, -np.cos(x) * [1.0, 2.0, -1.0], rtol=1e-15)
    # Re(z^2) = x^2 - y^2: d/dx - i d/dy = 2x + 2iy, and a complex number stays complex
    assert dk.ad.grad(lambda z: dk.real(z * z))(1.0 + 2.0j) == 2.0 + 4.0j
