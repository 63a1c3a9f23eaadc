"""The array vocabulary as methods (PyTorch's names) and through NumPy's function protocol."""

import numpy as np
import pytest

import diffkit as dk
from diffkit.ad.forward import jvp_function

RNG = np.random.default_rng(2)


def test_methods_follow_pytorch_where_numpy_means_something_else():
    x = dk.tensor([[1.0, 2.0]])
    assert x.repeat(2, 2).tolist() == [[1.0, 2.0, 1.0, 2.0], [1.0, 2.0, 1.0, 2.0]]  # tiles, as torch
    assert dk.repeat(np.array([[1.0, 2.0]]), 2, axis=1).tolist() == [[1.0, 1.0, 2.0, 2.0]]  # each element, as NumPy
    assert x.repeat_interleave(2, dim=1).tolist() == [[1.0, 1.0, 2.0, 2.0]]
    y = dk.tensor([4.0, 1.0, 3.0, 2.0])
    assert y.median().item() == 2.0 and float(dk.median(np.array([4.0, 1.0, 3.0, 2.0]))) == 2.5
    values, indices = y.sort()
    assert values.tolist() == [1.0, 2.0, 3.0, 4.0] and indices.tolist() == [1, 3, 2, 0]
    assert dk.sort(np.array([4.0, 1.0])).tolist() == [1.0, 4.0]  # NumPy's: the values only


def test_dim_and_axis_are_both_accepted_and_a_missing_dim_is_named():
    x = dk.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert x.cumsum(dim=0).tolist() == x.cumsum(axis=0).tolist() == x.cumsum(0).tolist() == [[1.0, 2.0], [4.0, 6.0]]
    assert x.prod(1, keepdim=True).tolist() == x.prod(axis=1, keepdims=True).tolist() == [[2.0], [12.0]]
    with pytest.raises(dk.ArgumentError, match="cumsum"):
        x.cumsum()
    with pytest.raises(dk.ArgumentError, match="dim=1 and axis=0"):
        x.gather(1, dk.tensor([[0]]), axis=0)


def test_forward_mode_values_have_the_methods():
    def f(x):
        return (x.cumsum(0) * x.flip(0)).sum() + x.sort().values[0] + x.diff().prod() + x.outer(x).trace()

    x, t = np.array([0.3, -1.2, 2.0]), np.array([1.0, 0.5, -0.25])
    _, tangent = jvp_function(f, (x,), (t,))
    h = 1e-6
    numeric = (f(dk.tensor(x + h * t)).item() - f(dk.tensor(x - h * t)).item()) / (2 * h)
    assert float(tangent) == pytest.approx(numeric, rel=1e-8)


def test_numpy_functions_on_tensors_record_the_gradient():
    x = dk.tensor(RNG.standard_normal((3, 3)), requires_grad=True)
    y = np.sum(np.linalg.inv(x + 3.0 * np.eye(3)) @ np.cumsum(x, axis=0)) + np.trace(np.kron(x, x))
    assert isinstance(y, dk.Tensor)
    y.backward()
    xs = x.detach().numpy()
    g = dk.ad.grad(lambda a: dk.sum(dk.linalg.inv(a + 3.0 * np.eye(3)) @ dk.cumsum(a, axis=0))
                   + dk.linalg.trace(dk.kron(a, a)))(xs)
    np.testing.assert_allclose(x.grad.numpy(), g, rtol=1e-12)


def test_numpy_functions_without_a_diffkit_version():
    x = dk.tensor([1.0, 2.0, 4.0])
    assert np.percentile(x, 50) == 2.0  # nothing to differentiate: NumPy runs on the numbers
    assert np.allclose(x, [1.0, 2.0, 4.0])
    w = dk.tensor([1.0, 2.0], requires_grad=True)
    assert np.count_nonzero(w) == 2  # looks at values only: always answered
    with pytest.raises(dk.ArgumentTypeError, match="np.percentile .*drop the gradient"):
        np.percentile(w, 50)
    with pytest.raises(dk.ArgumentTypeError, match="out="):
        np.cumsum(w, out=np.zeros(2))


def test_complex_parts_as_properties_and_methods():
    z = dk.tensor(np.array([3.0 + 4.0j]), requires_grad=True)
    assert z.real.tolist() == [3.0] and z.imag.tolist() == [4.0] and z.conj().tolist() == [3.0 - 4.0j]
    r = dk.tensor([1.0])
    assert r.real is r and r.conj() is r  # PyTorch returns a real tensor itself
    (z.real * z.imag).sum().backward()
    np.testing.assert_allclose(z.grad.numpy(), [4.0 - 3.0j])  # d/dx - i d/dy of x y, JAX's convention


def test_cumprod_and_prod_are_exact_at_zeros():
    x = dk.tensor([2.0, 0.0, 3.0, 0.0], requires_grad=True)
    x.prod().backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0, 0.0]
    x = dk.tensor([2.0, 0.0, 3.0], requires_grad=True)
    x.prod().backward()
    assert x.grad.tolist() == [0.0, 6.0, 0.0]
    x = dk.tensor([2.0, 0.0, 3.0], requires_grad=True)
    x.cumprod(0).sum().backward()  # d/dx of 2 + 2x1 + 2x1x2 at x1 = 0
    assert x.grad.tolist() == [1.0, 8.0, 0.0]


def test_logcumsumexp_does_not_overflow():
    x = dk.tensor([1000.0, 1000.0, -1000.0], dtype="float64", requires_grad=True)
    y = x.logcumsumexp(0)
    np.testing.assert_allclose(y.detach().numpy(), [1000.0, 1000.0 + np.log(2.0), 1000.0 + np.log(2.0)])
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 1.0, 0.0], atol=1e-12)  # 1 + 1/2 + 1/2, 1/2 + 1/2, 0


def test_indexing_refusals():
    x = dk.tensor(np.zeros((2, 3)))
    with pytest.raises(dk.ArgumentError, match="same place twice"):
        x.scatter(1, dk.tensor([[0, 0]]), value=1.0)
    with pytest.raises(dk.ArgumentIndexError, match="index 3 is out of bounds for axis 1 with size 3"):
        x.gather(1, dk.tensor([[3]]))
    with pytest.raises(dk.ShapeError, match="dimension"):
        x.gather(1, dk.tensor([0]))


def test_op_table_entries_of_the_vocabulary_have_no_expression_kind():
    # the array vocabulary serves arrays; expressions (the parser, SymPy) keep to elementwise ops
    from diffkit.expr.ops import EXPR_OPS, OPS

    for name in ("cumsum", "sort", "einsum", "det", "eigh", "real", "gather", "pad"):
        assert name in OPS and name not in EXPR_OPS
