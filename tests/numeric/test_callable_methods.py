"""dk.numeric on plain callables: method= (complex, richardson, cauchy), hessdiag, directional derivatives,
Hessians of vector functions, the axes of Jacobians of and with respect to scalars (issue 16, items 7 and 8)."""

import math
import warnings

import numpy as np
import pytest

import diffkit as dk


def test_complex_step_orders_3_to_7_beat_numdifftools_complex():
    """Issue 16, item 8: exp at 1, orders 3-7; numdifftools' complex method measured alongside."""
    nd = pytest.importorskip("numdifftools")
    for k in range(3, 8):
        ours = dk.ComplexStep().derivative("exp(x)", at={"x": 1.0}, order=k).derivative
        theirs = nd.Derivative(np.exp, n=k, method="complex")(1.0)
        assert abs(ours / math.e - 1) <= max(abs(theirs / math.e - 1), 1e-12), k
        call = dk.numeric.derivative(np.exp, 1.0, order=k, method="complex")
        assert call == pytest.approx(ours, rel=1e-14)


@pytest.mark.parametrize("f, df, x", [
    (np.exp, lambda k, x: math.exp(x), 1.0),
    (np.sin, lambda k, x: [math.sin, math.cos, lambda v: -math.sin(v), lambda v: -math.cos(v)][k % 4](x), 0.7),
    (lambda z: 1 / (1 - z), lambda k, x: math.factorial(k) / (1 - x) ** (k + 1), 0.3),
    (np.log, lambda k, x: (-1) ** (k + 1) * math.factorial(k - 1) / x**k, 0.5),
])
def test_cauchy_gives_every_order_near_machine_precision(f, df, x):
    for k in range(1, 8):
        est = dk.numeric.derivative(f, x, order=k, method="cauchy", full_output=True)
        assert abs(est.value - df(k, x)) <= est.error, k
        assert abs(est.value / df(k, x) - 1) < 1e-11, k


def test_cauchy_on_arrays_and_a_non_analytic_function():
    x = np.array([0.2, 1.0, 3.0])
    np.testing.assert_allclose(dk.numeric.derivative(np.exp, x, order=4, method="cauchy"), np.exp(x), rtol=1e-12)
    with pytest.warns(dk.numeric.NumericWarning):
        dk.numeric.derivative(lambda z: np.abs(z) ** 3, 0.5, order=2, method="cauchy")
    with pytest.raises(dk.ArgumentError, match="cauchy"):
        dk.numeric.gradient(np.sum, [1.0, 2.0], method="cauchy")


def test_methods_agree_on_gradient_jacobian_and_hessian():
    f = lambda x: x[0] ** 2 * np.sin(x[1]) + np.exp(x[0] * x[1])  # noqa: E731
    x = np.array([0.4, 1.3])
    a, b = x
    g = [2 * a * np.sin(b) + b * np.exp(a * b), a * a * np.cos(b) + a * np.exp(a * b)]
    H = [[2 * np.sin(b) + b * b * np.exp(a * b), 2 * a * np.cos(b) + (1 + a * b) * np.exp(a * b)],
         [2 * a * np.cos(b) + (1 + a * b) * np.exp(a * b), -a * a * np.sin(b) + a * a * np.exp(a * b)]]
    for method, tol_g, tol_h in [("central", 1e-9, 1e-6), ("complex", 1e-14, 1e-9), ("richardson", 1e-12, 1e-9),
                                 ("forward", 1e-6, 1e-3)]:
        np.testing.assert_allclose(dk.numeric.gradient(f, x, method=method), g, atol=tol_g)
        np.testing.assert_allclose(dk.numeric.hessian(f, x, method=method), H, atol=tol_h)
        np.testing.assert_allclose(dk.numeric.hessdiag(f, x, method=method), np.diag(H), atol=tol_h)
    with pytest.raises(dk.ArgumentError, match="disagree"):
        dk.numeric.gradient(f, x, scheme="forward", method="backward")
    with pytest.raises(dk.ArgumentError, match="unknown method"):
        dk.numeric.gradient(f, x, method="spline")


def test_hessian_of_a_vector_function_and_of_a_matrix_point():
    F = lambda x: np.stack([x[0] * x[1] ** 2, np.sin(x[0])])  # noqa: E731
    H = dk.numeric.hessian(F, [1.0, 2.0])
    assert H.shape == (2, 2, 2)  # fn(x).shape + x.shape + x.shape, as jax.hessian
    np.testing.assert_allclose(H[0], [[0, 4], [4, 2]], atol=1e-6)
    np.testing.assert_allclose(H[1], [[-np.sin(1.0), 0], [0, 0]], atol=1e-6)
    X = np.array([[1.0, 2.0], [3.0, 4.0]])
    H2 = dk.numeric.hessian(lambda m: np.sum(m**3), X)
    assert H2.shape == (2, 2, 2, 2)
    np.testing.assert_allclose(H2.reshape(4, 4), np.diag(6 * X.ravel()), atol=1e-5)


def test_jacobian_axes_with_scalars():
    J = dk.numeric.jacobian(lambda t: np.array([t, t**2]), 3.0)  # of a scalar x: fn(x).shape
    assert J.shape == (2,)
    np.testing.assert_allclose(J, [1, 6], atol=1e-8)
    g = dk.numeric.jacobian(lambda v: np.sum(v**2), np.array([1.0, 2.0]))  # of a scalar function: x.shape
    assert g.shape == (2,)
    assert np.shape(dk.numeric.jacobian(lambda t: t**3, 2.0)) == ()  # scalar to scalar: a scalar


def test_directional_derivative_is_a_jvp():
    f = lambda x: np.sum(x**3, axis=0)  # noqa: E731
    x, v = np.array([1.0, -2.0, 0.5]), np.array([0.3, 1.0, -2.0])
    want = 3 * x**2 @ v
    for method in ("central", "complex", "richardson"):
        assert dk.numeric.directional_derivative(f, x, v, method=method) == pytest.approx(want, rel=1e-8)
    F = lambda x: np.stack([x[0] * x[1], x[2] ** 2])  # noqa: E731
    np.testing.assert_allclose(dk.numeric.directional_derivative(F, x, v), [x[1] * v[0] + x[0] * v[1], 2 * x[2] * v[2]],
                               rtol=1e-8)
    with pytest.raises(dk.ShapeError):
        dk.numeric.directional_derivative(f, x, v[:2])


def test_args_kwargs_and_richardson_levels():
    f = lambda x, a, b=1.0: b * np.sum(a * x**2, axis=0)  # noqa: E731
    g = dk.numeric.gradient(f, [1.0, 2.0], args=(3.0,), kwargs={"b": 2.0})
    np.testing.assert_allclose(g, [12.0, 24.0], rtol=1e-9)
    est = dk.numeric.gradient(np.sin, np.array(0.5), method="richardson", levels=3, full_output=True)
    assert est.evals == 3 * 2 + 1 and abs(est.value - math.cos(0.5)) < 1e-11
    with pytest.raises(dk.ArgumentError, match="levels"):
        dk.numeric.gradient(np.sin, np.array(0.5), method="richardson", levels=1)


def test_complex_method_needs_a_real_valued_function():
    with pytest.raises(ValueError, match="real-valued"):
        dk.numeric.gradient(lambda x: 1j * np.sum(x**2), [1.0, 2.0], method="complex")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert dk.numeric.derivative(np.sinh, 0.3, method="complex") == pytest.approx(np.cosh(0.3), rel=1e-15)
