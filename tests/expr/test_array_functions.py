"""dk.min, dk.max, dk.var, dk.std, dk.squeeze...: one function for arrays, Tensors and transform values."""

import numpy as np
import pytest

import diffkit as dk

X = np.random.default_rng(2).uniform(0.3, 1.5, size=(3, 4))


def test_module_functions_take_every_kind_of_value():
    for fn, args in ((dk.min, {}), (dk.max, {"dim": 1}), (dk.var, {"dim": 0}), (dk.std, {}),
                     (dk.squeeze, {}), (dk.unsqueeze, {"dim": 0}), (dk.flatten, {}), (dk.reciprocal, {})):
        plain = fn(X, **args)
        t = fn(dk.tensor(X, dtype="float64"), **args)
        inside = dk.ad.jvp(lambda x, fn=fn, args=args: fn(x, **args), (X,), (X,))[0]
        plain, t, inside = (v.values if isinstance(v, tuple) else v for v in (plain, t, inside))
        np.testing.assert_allclose(np.asarray(t.numpy() if hasattr(t, "numpy") else t), plain, rtol=1e-14)
        np.testing.assert_allclose(inside, plain, rtol=1e-14)


def test_max_over_dim_sends_the_gradient_to_the_index_returned():
    x = np.array([[1.0, 3.0, 3.0]])
    np.testing.assert_array_equal(dk.ad.grad(lambda v: v.max(1).values.sum())(x), [[0.0, 1.0, 0.0]])
    np.testing.assert_array_equal(dk.ad.grad(lambda v: v.amax(1).sum())(x), [[0.0, 0.5, 0.5]])


def test_torch_signatures():
    x = np.array([[1.0, 5.0], [4.0, 2.0]])
    r = dk.max(x, 1, keepdim=True)
    assert r.values.tolist() == [[5.0], [4.0]] and r.indices.tolist() == [[1], [0]]
    assert dk.min(x, axis=0).tolist() == [1.0, 2.0]  # NumPy's spelling: the values only
    assert float(dk.var(np.array([1.0, 2.0, 3.0]), unbiased=False)) == pytest.approx(2.0 / 3.0)
    assert dk.squeeze(np.ones((1, 2, 1)), (0, 2)).shape == (2,)
    with pytest.raises(dk.ArgumentError, match="add up"):
        dk.ad.jvp(lambda v: v.split([1, 1]), (np.ones(3),), (np.ones(3),))


def test_picking_by_a_transforms_integers():
    logits = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    np.testing.assert_array_equal(dk.ad.vmap(lambda r, t: r[t])(logits, np.array([2, 0])), [3.0, 4.0])
    ms = np.stack([logits, 10 * logits])
    np.testing.assert_array_equal(dk.ad.vmap(lambda m, t: m[:, t])(ms, np.array([1, 2])),
                                  [[2.0, 5.0], [30.0, 60.0]])
    with pytest.raises(dk.ArgumentTypeError, match="one per example"):
        dk.ad.vmap(lambda r, t: r[t, 0:1])(logits, np.array([2, 0]))


@pytest.mark.parametrize("decimals", [0, 1, 2, -1])
def test_round_is_numpys_and_torchs(decimals):
    """dk.round(x, decimals) and Tensor.round(decimals=...) round half to even as np.round and
    torch.round do, with slope 0 in every mode."""
    x = np.array([0.5, 1.5, 2.5, -0.5, 1.25, 2.675, 15.0, 3.14159])
    np.testing.assert_array_equal(dk.round(x, decimals), np.round(x, decimals))
    t = dk.tensor(x, requires_grad=True)
    y = t.round(decimals=decimals)
    y.sum().backward()
    np.testing.assert_array_equal(y.detach().numpy(), np.round(x, decimals))
    np.testing.assert_array_equal(t.grad.numpy(), np.zeros_like(x))
    np.testing.assert_array_equal(dk.ad.grad(lambda v: dk.round(v, decimals).sum())(x), np.zeros_like(x))
    torch = pytest.importorskip("torch")
    np.testing.assert_array_equal(dk.round(x, decimals), torch.round(torch.tensor(x), decimals=decimals).numpy())


def test_round_refuses_decimals_that_are_not_integers():
    with pytest.raises(dk.ArgumentTypeError, match="decimals"):
        dk.round(np.array([1.0]), 1.5)


def test_round_to_more_places_than_a_float_has_is_nan_as_in_numpy():
    """A scale of 10^decimals past float64's range is inf in NumPy and torch, and the result nan; no OverflowError."""
    x = np.array([1.5, -2.25])
    with np.errstate(over="ignore", invalid="ignore"):
        want = np.round(x, 400)
        np.testing.assert_array_equal(dk.round(x, 400), want)
        np.testing.assert_array_equal(dk.round(x, -400), np.round(x, -400))
    assert np.isnan(want).all()
