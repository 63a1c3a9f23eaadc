"""The reverse-mode engine behind Tensor: accumulation, fan-out, freeing, errors, deep graphs, higher order."""

import gc
import math
import weakref

import numpy as np
import pytest

import diffkit as dk
from diffkit.ad.tape import run_backward
from diffkit.expr.counting import counting


def f64(values, requires_grad=True):
    return dk.tensor(values, dtype="float64", requires_grad=requires_grad)


def test_lecture_function_gradient():
    # f = ln x1 + x1 x2 - sin x2 at (2, 5): 11.652, adjoints 5.5 and 1.716 (lecture 001).
    x1, x2 = f64(2.0), f64(5.0)
    f = x1.log() + x1 * x2 - x2.sin()
    assert f.item() == pytest.approx(11.652, abs=5e-4)
    f.backward()
    assert x1.grad.item() == pytest.approx(5.5, rel=1e-15)
    assert x2.grad.item() == pytest.approx(2.0 - math.cos(5.0), rel=1e-15)
    assert round(x2.grad.item(), 3) == 1.716


def test_fan_out_sums_adjoints():
    x = f64(3.0)
    a = x * x        # x used twice by one node
    b = x.sin()      # and by another
    (a + b + x).backward()
    assert x.grad.item() == pytest.approx(2 * 3.0 + math.cos(3.0) + 1.0, rel=1e-15)


def test_gradients_accumulate_until_reset():
    x = f64([1.0, 2.0])
    (x * 3).sum().backward()
    (x * x).sum().backward()
    assert x.grad.tolist() == [3.0 + 2.0, 3.0 + 4.0]
    grad = x.grad
    x.grad.zero_()
    (x * 3).sum().backward()
    assert x.grad is grad and x.grad.tolist() == [3.0, 3.0]
    x.grad = None
    (x * 2).sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]


def test_grads_of_two_leaves_are_independent_arrays():
    a, b = f64([1.0, 2.0]), f64([3.0, 4.0])
    (a + b).sum().backward()
    a.grad.zero_()
    assert b.grad.tolist() == [1.0, 1.0]
    g = np.array([5.0, 6.0])
    c, d = f64([1.0, 2.0]), f64([1.0, 2.0])
    (c + d).backward(gradient=g)
    c.grad.mul_(0.0)
    assert g.tolist() == [5.0, 6.0] and d.grad.tolist() == [5.0, 6.0]


def test_retain_grad_and_non_leaf_grad():
    x = f64([1.0, 2.0])
    h = x * 2
    k = h * 3
    h.retain_grad()
    assert h.retains_grad and not k.retains_grad
    (k * k).sum().backward()
    np.testing.assert_allclose(h.grad.numpy(), 18 * h.numpy(), rtol=1e-15)  # d(9h^2)/dh
    assert k.grad is None
    assert not h.is_leaf and x.is_leaf


def test_vector_jacobian_product_with_gradient_argument():
    x = f64([1.0, 2.0, 3.0])
    y = x ** 2
    y.backward(gradient=dk.tensor([1.0, 10.0, 100.0], dtype="float64"))
    assert x.grad.tolist() == [2.0, 40.0, 600.0]


def test_backward_inputs_limits_accumulation():
    a, b = f64(2.0), f64(3.0)
    (a * b).backward(inputs=[a])
    assert a.grad.item() == 3.0 and b.grad is None


def test_run_backward_returns_gradients_without_touching_grad():
    a, b = f64([1.0, 2.0]), f64(3.0)
    h = a * b
    ga, gh = run_backward([(h * h).sum()], [np.float64(1.0)], inputs=[a, h])
    np.testing.assert_allclose(ga.numpy(), 2 * h.numpy() * 3.0)
    np.testing.assert_allclose(gh.numpy(), 2 * h.numpy())
    assert a.grad is None and b.grad is None


def test_detach_and_requires_grad_():
    x = f64([1.0])
    d = (x * 2).detach()
    assert not d.requires_grad and d.is_leaf and d.grad_fn is None
    y = dk.tensor([1.0, 2.0]).requires_grad_()
    (y * y).sum().backward()
    assert y.grad.tolist() == [2.0, 4.0]
    with pytest.raises(dk.GradientError, match="leaf"):
        (x * 2).requires_grad_(False)


def test_data_is_outside_the_graph():
    w = f64([1.0, 2.0])
    assert not w.data.requires_grad
    w.data.mul_(2.0)  # bypasses autograd, as in PyTorch
    assert w.tolist() == [2.0, 4.0]
    w.data = dk.tensor([7.0], dtype="float64")
    assert w.tolist() == [7.0] and w.requires_grad


# ---------------------------------------------------------------- errors

def test_backward_on_non_scalar_needs_gradient():
    x = f64([1.0, 2.0])
    with pytest.raises(dk.GradientError, match=r"shape \(2,\)"):
        (x * 2).backward()


def test_backward_gradient_shape_mismatch_names_both_shapes():
    x = f64([1.0, 2.0])
    with pytest.raises(dk.ShapeError, match=r"\(3,\).*\(2,\)"):
        (x * 2).backward(gradient=np.ones(3))


def test_backward_on_tensor_without_grad():
    with pytest.raises(dk.GradientError, match="requires_grad=True"):
        dk.tensor([1.0]).sum().backward()
    x = f64([1.0])
    with dk.no_grad():
        y = (x * 2).sum()
    with pytest.raises(dk.GradientError, match="no_grad"):
        y.backward()


def test_second_backward_through_freed_graph():
    x = f64(2.0)
    y = x.exp() * x
    y.backward()
    with pytest.raises(dk.GradientError, match="retain_graph=True"):
        y.backward()


def test_retain_graph_allows_a_second_backward():
    x = f64(2.0)
    y = x.exp() * x
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad.item() == pytest.approx(2 * math.exp(2.0) * 3.0, rel=1e-15)


def test_shared_subgraph_freed_by_first_backward():
    x = f64(1.0)
    z = x * 3
    a, b = z.sin(), z.cos()
    a.backward()
    with pytest.raises(dk.GradientError, match="MulBackward"):
        b.backward()


def test_forward_shape_mismatch_names_both_shapes():
    with pytest.raises(dk.ShapeError, match=r"\(2, 3\).*\(4, 5\)"):
        dk.tensor(np.ones((2, 3))) @ dk.tensor(np.ones((4, 5)))
    with pytest.raises(dk.ShapeError, match=r"\(2,\).*\(3,\)"):
        dk.tensor([1.0, 2.0]) + dk.tensor([1.0, 2.0, 3.0])


def test_inplace_change_of_saved_input_is_detected():
    x = f64([1.0, 2.0])
    w = dk.tensor([3.0, 4.0], dtype="float64")
    y = (x * w).sum()
    w.mul_(2.0)  # w does not require grad: a real in-place change, version bumped
    assert w._version == 1
    with pytest.raises(dk.GradientError, match="MulBackward.*in-place"):
        y.backward()


def test_inplace_change_of_saved_output_is_detected():
    x = f64([1.0, 2.0])
    y = x.exp()
    with dk.no_grad():
        y.mul_(2.0)
    with pytest.raises(dk.GradientError, match="output of ExpBackward"):
        y.sum().backward()


def test_inplace_through_a_view_is_detected():
    x = f64([1.0, 2.0])
    y = x * 2
    z = (y * y).sum()
    with dk.no_grad():
        y[0].zero_()
    with pytest.raises(dk.GradientError, match="in-place"):
        z.backward()


def test_parameter_update_between_forward_and_backward_is_detected():
    w = f64([1.0, 2.0])
    loss = (w * w).sum()
    with dk.no_grad():
        w.sub_(dk.tensor([0.1, 0.1], dtype="float64"))
    with pytest.raises(dk.GradientError, match="version 1"):
        loss.backward()


def test_inplace_on_leaf_requiring_grad_is_refused_while_recording():
    w = f64([1.0])
    with pytest.raises(dk.GradientError, match="no_grad"):
        w.add_(1.0)
    with pytest.raises(dk.GradientError, match="no_grad"):
        w += 1.0
    with dk.no_grad():
        w += 1.0
    assert w.tolist() == [2.0] and w.is_leaf and w.requires_grad


def test_inplace_after_use_by_an_op_that_does_not_save_it_still_refuses_if_stale():
    # x*2 is rebased by add_; the mul node that used the old y now sees a new version.
    x = f64([1.0])
    y = x * 2
    z = y * y
    y.add_(1.0)
    with pytest.raises(dk.GradientError):
        z.backward()
    # ... while the in-place result itself differentiates correctly.
    x2 = f64([1.0])
    y2 = x2 * 2
    y2.add_(x2 * x2)
    y2.backward(gradient=np.ones(1))
    assert x2.grad.tolist() == [2.0 + 2.0]


# ---------------------------------------------------------------- engine properties

def test_deep_chain_does_not_hit_the_recursion_limit():
    x = f64(1.0)
    y = x
    n = 100_000
    for _ in range(n):
        y = y * 1.0 + 0.0
    y.backward()
    assert x.grad.item() == 1.0
    # and an unfreed deep graph is released without recursing either
    z = x
    for _ in range(n):
        z = z * 1.0
    del z


def test_graph_is_freed_by_reference_counting_alone():
    gc.collect()
    gc.disable()
    try:
        x = f64(np.ones(3))
        h = x * 2
        ref = weakref.ref(h)
        y = (h.exp() * h).sum()
        del h
        assert ref() is not None  # kept alive by the tape
        y.backward()
        assert ref() is None      # backward freed it, no cycle collection needed
        k = (x.sin() * x).sum()
        ref2 = weakref.ref(k)
        del k
        assert ref2() is None     # an unused graph is freed too: nodes make no cycles
    finally:
        gc.enable()


def test_second_derivative_with_create_graph():
    x = f64(0.7)
    y = x.sin() * x ** 3
    y.backward(create_graph=True)
    g = x.grad
    assert g.requires_grad
    xv = 0.7
    assert g.item() == pytest.approx(math.cos(xv) * xv**3 + 3 * xv**2 * math.sin(xv), rel=1e-14)
    x.grad = None
    g.backward()
    second = -math.sin(xv) * xv**3 + 6 * xv**2 * math.cos(xv) + 6 * xv * math.sin(xv)
    assert x.grad.item() == pytest.approx(second, rel=1e-13)


def test_hessian_vector_product_with_create_graph():
    # f = sum(x^2 y) + sum(exp(x)); H_xx = diag(2y + e^x), H_xy = diag(2x).
    x = f64([0.3, -0.4])
    y = f64([1.5, 2.0])
    f = (x * x * y).sum() + x.exp().sum()
    f.backward(create_graph=True)
    gx = x.grad
    x.grad = None
    y.grad = None
    v = np.array([1.0, -2.0])
    (gx * dk.tensor(v)).sum().backward()
    xs, ys = np.array([0.3, -0.4]), np.array([1.5, 2.0])
    np.testing.assert_allclose(x.grad.numpy(), (2 * ys + np.exp(xs)) * v, rtol=1e-14)
    np.testing.assert_allclose(y.grad.numpy(), 2 * xs * v, rtol=1e-14)


def test_second_derivative_of_softmax_cross_entropy_matches_closed_form():
    # d^2/dz^2 of logsumexp(z) = diag(p) - p p^T.
    z = f64([0.1, 0.5, -0.3])
    lse = z.logsumexp()
    lse.backward(create_graph=True)
    p = z.grad
    z.grad = None
    p[1].backward()
    pv = np.exp([0.1, 0.5, -0.3]) / np.exp([0.1, 0.5, -0.3]).sum()
    np.testing.assert_allclose(z.grad.numpy(), np.eye(3)[1] * pv[1] - pv[1] * pv, rtol=1e-13, atol=1e-15)


def test_op_counts_forward_and_backward():
    x = dk.tensor(np.ones(10), requires_grad=True)
    with counting() as spent:
        y = x * 2.0
    assert (spent.count.primitives, spent.count.elements) == (1, 10)
    with counting() as spent:
        z = (y.sin()).sum()
    assert spent.count.primitives == 2
    with counting() as spent:
        z.backward()
    # three rules applied (sum, sin, mul); sin's rule evaluates cos through the table too
    assert spent.count.primitives >= 3 and spent.count.elements >= 30


def test_sgd_training_loop_fits_a_line():
    rng = np.random.default_rng(0)
    X = dk.tensor(rng.standard_normal((64, 2)))
    y = X @ dk.tensor([[2.0], [-3.0]]) + 0.5
    w = dk.ad.zeros(2, 1, requires_grad=True)
    b = dk.ad.zeros(1, requires_grad=True)
    for _ in range(300):
        loss = ((X @ w + b - y) ** 2).mean()
        w.grad = b.grad = None
        loss.backward()
        with dk.no_grad():
            w -= 0.1 * w.grad
            b.sub_(b.grad, alpha=0.1)
    np.testing.assert_allclose(w.numpy().ravel(), [2.0, -3.0], atol=1e-4)
    np.testing.assert_allclose(b.numpy(), [0.5], atol=1e-4)
