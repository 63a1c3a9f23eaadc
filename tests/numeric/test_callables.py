"""Finite differences of plain callables: values, the one-call batched path, chunking, fallbacks."""

import numpy as np
import pytest

import diffkit as dk
from diffkit.numeric import points


class Counted:
    """Wraps fn, counting calls and remembering the shapes it was given."""

    def __init__(self, fn):
        self.fn, self.calls, self.shapes = fn, 0, []

    def __call__(self, x):
        self.calls += 1
        self.shapes.append(np.shape(x))
        return self.fn(x)


def sin_x2(x):  # broadcasts: x is (n,) or (n, N)
    return np.sum(np.sin(x) * x**2, axis=0)


def sin_x2_grad(x):
    return np.cos(x) * x**2 + 2 * np.sin(x) * x


@pytest.mark.parametrize("n", [1, 2, 100, 256])
def test_batched_gradient_is_one_call(n):
    x = np.linspace(-2, 2, n)
    f = Counted(sin_x2)
    g = dk.numeric.gradient(f, x, batched=True)
    assert f.calls == 1 and f.shapes == [(n, 2 * n + 1)]
    np.testing.assert_allclose(g, sin_x2_grad(x), atol=2e-9)  # model error ~1e-10 x |f| scale
    f = Counted(sin_x2)
    np.testing.assert_array_equal(dk.numeric.gradient(f, x), g)
    assert f.shapes == [(n, 2 * n + 1), (n,), (n,)]  # and its first and last points checked singly


@pytest.mark.parametrize("fn, exact", [
    (lambda x: np.sum(x**2) + x[0], lambda x: 2 * x + [1, 0, 0]),
    (lambda x: x[0] * np.sum(x), lambda x: x[0] + np.array([np.sum(x), 0, 0])),
    (lambda x: np.max(x**2) + x[0] * x[1], lambda x: np.array([x[1], x[0], 2 * x[2]])),
])
def test_a_function_that_reduces_the_whole_stack_is_called_point_by_point(fn, exact):
    x0 = np.array([0.3, -0.7, 1.1])
    np.testing.assert_allclose(dk.numeric.gradient(fn, x0), exact(x0), atol=1e-8)
    # sorts along the stack's last axis, the points: the rows layout (points as rows) is the one that agrees
    np.testing.assert_allclose(dk.numeric.jacobian(lambda x: np.sort(x**2), x0), np.diag(2 * x0), atol=1e-8)


def test_large_gradients_go_in_a_few_cache_sized_chunks():
    n = 1000
    x = np.linspace(-2, 2, n)
    f = Counted(sin_x2)
    g = dk.numeric.gradient(f, x, accuracy=4)
    cols = 4 * n + 1
    per = points.CHUNK_BYTES // (n * 8)
    assert f.calls == -(-cols // per) + 2 and 4 <= f.calls <= 18  # the chunks, and two points checked once
    assert all(s[0] == n for s in f.shapes)
    np.testing.assert_allclose(g, sin_x2_grad(x), atol=1e-10)


def test_non_broadcasting_function_falls_back_to_one_call_per_point():
    f = Counted(lambda x: float(np.sum(np.sin(x) * x**2)))
    x = np.array([0.3, -1.2, 2.0])
    g = dk.numeric.gradient(f, x)
    assert f.calls == 2 + (2 * 3 + 1)  # the failed stacked tries (points as columns, as rows), then every point
    np.testing.assert_allclose(g, sin_x2_grad(x), atol=1e-9)
    f2 = Counted(sin_x2)
    dk.numeric.gradient(f2, x, batched=False)
    assert f2.calls == 7 and all(s == (3,) for s in f2.shapes)


def test_forward_scheme_and_accuracy_orders():
    x = np.array([0.7, 1.3])
    for scheme, acc, tol in [("forward", 1, 1e-6), ("backward", 2, 1e-8), ("central", 4, 1e-11)]:
        g = dk.numeric.gradient(sin_x2, x, scheme=scheme, accuracy=acc)
        np.testing.assert_allclose(g, sin_x2_grad(x), atol=tol)


def test_jacobian_and_hessian():
    def F(x):
        return np.stack([x[0] * x[1], np.exp(x[0]) - x[1] ** 3])
    x = np.array([0.5, 2.0])
    J = dk.numeric.jacobian(F, x)
    np.testing.assert_allclose(J, [[2.0, 0.5], [np.exp(0.5), -12.0]], atol=1e-8)
    rosen = lambda z: 100 * (z[1] - z[0] ** 2) ** 2 + (1 - z[0]) ** 2  # noqa: E731
    f = Counted(rosen)
    H = dk.numeric.hessian(f, np.array([1.0, 1.0]))
    np.testing.assert_allclose(H, [[802.0, -400.0], [-400.0, 200.0]], rtol=1e-6)
    assert f.calls == 3  # one stacked call, and its first and last points checked singly


def test_derivative_elementwise_and_orders():
    x = np.array([0.1, 1.0, 3.0])
    np.testing.assert_allclose(dk.numeric.derivative(np.exp, x), np.exp(x), rtol=1e-9)
    np.testing.assert_allclose(dk.numeric.derivative(np.sin, x, order=2, accuracy=4), -np.sin(x), atol=1e-7)
    import math
    assert dk.numeric.derivative(math.exp, 1.0) == pytest.approx(np.e, rel=1e-10)  # not broadcasting: per point


def test_matrix_argument_keeps_its_shape():
    A = np.array([[1.0, 2.0], [3.0, 4.0]])
    g = dk.numeric.gradient(lambda W: np.sum((W @ A) ** 2), np.eye(2))
    np.testing.assert_allclose(g, 2 * A @ A.T, rtol=1e-8)


def test_user_array_is_not_modified_and_float32_kept():
    x = np.array([1.0, 2.0], dtype=np.float32)
    before = x.copy()
    g = dk.numeric.gradient(sin_x2, x)
    np.testing.assert_array_equal(x, before)
    assert g.dtype == np.float32
    np.testing.assert_allclose(g, sin_x2_grad(x.astype(float)), rtol=1e-3)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_errors():
    with pytest.raises(dk.ShapeError, match="scalar"):
        dk.numeric.gradient(lambda x: x**2, np.array([1.0, 2.0]))
    with pytest.raises(dk.DiffkitError, match="rounds to zero"):
        dk.numeric.gradient(sin_x2, np.array([1.0, 2.0]), h=1e-30)
    with pytest.warns(dk.numeric.NumericWarning, match=r"x\[1\]"):
        dk.numeric.gradient(lambda x: np.sum(np.sqrt(x), axis=0), np.array([1.0, 1e-12]), h=1e-6)


def test_points_as_rows_are_recognised():
    calls = []

    def f(x):  # written for a batch of points in rows: x[..., i] is variable i
        calls.append(np.shape(x))
        return np.sum(np.sin(x) * x**2, axis=-1)

    x = np.linspace(-1.5, 2.0, 40)
    g = dk.numeric.gradient(f, x)
    np.testing.assert_allclose(g, np.cos(x) * x**2 + 2 * x * np.sin(x), rtol=1e-8, atol=1e-9)
    # columns tried, then rows: one stacked call that works, and its first and last points checked singly
    assert calls == [(40, 81), (81, 40), (40,), (40,)]


def test_options_may_be_positional_as_in_the_design():
    # DESIGN: derivative(fn, x, scheme="central", accuracy=2, h=None, order=1)
    assert dk.numeric.derivative(np.sin, 1.0, "central", 4) == pytest.approx(np.cos(1.0), abs=1e-11)
    assert dk.numeric.derivative(np.sin, 1.0, "central", 2, None, 2) == pytest.approx(-np.sin(1.0), abs=1e-6)
    g = dk.numeric.gradient(lambda v: (v**2).sum(), np.array([1.0, 2.0]), "forward", 1, 1e-7)
    np.testing.assert_allclose(g, [2.0, 4.0], rtol=1e-6)


def test_a_step_is_auto_none_or_positive():
    assert dk.numeric.derivative(np.exp, 0.0, h="auto") == pytest.approx(1.0, abs=1e-9)
    for bad in (-0.1, 0.0, "x", [1e-3], float("nan")):
        with pytest.raises(dk.ArgumentError, match="positive"):
            dk.numeric.derivative(np.exp, 0.0, scheme="forward", h=bad)
    assert dk.FiniteDiff(h=None).h == "auto" and dk.ComplexStep(h=None).h == 1e-20


def test_the_stack_is_checked_once_per_function():
    f = Counted(sin_x2)
    x = np.linspace(-1.0, 1.0, 5)
    dk.numeric.gradient(f, x)
    dk.numeric.gradient(f, x + 0.5)
    assert f.shapes == [(5, 11), (5,), (5,), (5, 11)]  # the second call trusts what the first checked
