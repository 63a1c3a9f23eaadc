"""Losses against closed forms and against torch==2.13.0 (values and input gradients, float64)."""

import numpy as np
import pytest

import diffkit as dk
from diffkit import nn
from diffkit.nn import functional as F

RNG = np.random.default_rng(11)


def _grad(fn, x, *args, **kwargs):
    t = dk.tensor(x, requires_grad=True)
    out = fn(t, *args, **kwargs)
    (out if out.ndim == 0 else out.sum()).backward()
    return out.numpy(), t.grad.numpy()


def test_mse_and_l1_closed_forms_and_reductions():
    x, y = RNG.standard_normal((4, 3)), RNG.standard_normal((4, 3))
    v, g = _grad(F.mse_loss, x, y)
    assert v == pytest.approx(np.mean((x - y) ** 2), rel=1e-14)
    np.testing.assert_allclose(g, 2 * (x - y) / x.size, rtol=1e-14)
    assert float(F.mse_loss(x, y, reduction="sum")) == pytest.approx(np.sum((x - y) ** 2), rel=1e-14)
    np.testing.assert_allclose(F.l1_loss(x, y, reduction="none"), np.abs(x - y), rtol=1e-14)
    _, g = _grad(F.l1_loss, x, y, reduction="sum")
    np.testing.assert_allclose(g, np.sign(x - y))
    with pytest.raises(ValueError, match="reduction"):
        F.mse_loss(x, y, reduction="avg")
    with pytest.warns(UserWarning, match="target shape"):
        F.mse_loss(np.zeros((4, 1)), np.zeros(4))


def test_cross_entropy_is_stable_and_its_gradient_is_softmax_minus_onehot():
    logits = RNG.standard_normal((6, 5)) * 3
    logits[0] += 1e4  # huge logits: no overflow
    target = RNG.integers(0, 5, 6)
    v, g = _grad(F.cross_entropy, logits, target)
    z = logits - logits.max(1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(1, keepdims=True))
    assert np.isfinite(v) and v == pytest.approx(-logp[np.arange(6), target].mean(), rel=1e-13)
    onehot = np.eye(5)[target]
    np.testing.assert_allclose(g, (np.exp(logp) - onehot) / 6, rtol=1e-12, atol=1e-15)
    # probabilities as targets give the same value for one-hot rows
    assert float(F.cross_entropy(logits, onehot)) == pytest.approx(v, rel=1e-13)
    # nll of log_softmax is the same thing
    assert float(F.nll_loss(F.log_softmax(logits, dim=1), target)) == pytest.approx(v, rel=1e-13)


def test_cross_entropy_shape_errors():
    with pytest.raises(ValueError, match="target shape"):
        F.cross_entropy(np.zeros((3, 4)), np.zeros(4, dtype=np.int64))
    with pytest.raises(IndexError, match="out of range"):
        F.cross_entropy(np.zeros((2, 3)), np.array([0, 3]))


def test_bce_with_logits_is_stable_and_right_at_zero():
    x = np.array([-800.0, -3.0, 0.0, 2.0, 800.0])
    t = np.array([1.0, 0.0, 1.0, 0.5, 0.0])
    v, g = _grad(F.binary_cross_entropy_with_logits, x, t, reduction="none")
    want = np.logaddexp(0, x) - t * x
    np.testing.assert_allclose(v, want, rtol=1e-14)
    sig = 0.5 * (1 + np.tanh(x / 2))
    np.testing.assert_allclose(g, sig - t, rtol=1e-12, atol=1e-300)
    assert g[2] == pytest.approx(-0.5)  # the derivative at x = 0 (no kink convention leaks in)


def test_module_losses_match_functional():
    x, y = RNG.standard_normal((3, 4)), RNG.integers(0, 4, 3)
    assert float(nn.CrossEntropyLoss(reduction="sum")(x, y)) == pytest.approx(
        float(F.cross_entropy(x, y, reduction="sum")))
    assert float(nn.NLLLoss()(x, y)) == pytest.approx(float(F.nll_loss(x, y)))
    assert float(nn.L1Loss()(x, x + 1)) == pytest.approx(1.0)
    assert float(nn.MSELoss()(x, x + 2)) == pytest.approx(4.0)
    p = np.array([0.2, 0.9])
    assert float(nn.BCELoss()(p, np.array([0.0, 1.0]))) == pytest.approx(-(np.log(0.8) + np.log(0.9)) / 2)


CE_CASES = [
    dict(),
    dict(reduction="sum"),
    dict(reduction="none"),
    dict(weight=np.array([0.5, 1.0, 2.0, 1.5])),
    dict(weight=np.array([0.5, 1.0, 2.0, 1.5]), reduction="none"),
    dict(ignore_index=2),
    dict(ignore_index=2, weight=np.array([0.5, 1.0, 2.0, 1.5])),
    dict(label_smoothing=0.1),
    dict(label_smoothing=0.2, weight=np.array([0.5, 1.0, 2.0, 1.5]), ignore_index=1),
]


@pytest.mark.parametrize("kwargs", CE_CASES)
def test_cross_entropy_matches_torch(kwargs):
    torch = pytest.importorskip("torch")
    logits = RNG.standard_normal((7, 4))
    target = np.array([0, 1, 2, 3, 2, 1, 0])
    v, g = _grad(F.cross_entropy, logits, target, **kwargs)
    tk = {k: (torch.from_numpy(v_) if isinstance(v_, np.ndarray) else v_) for k, v_ in kwargs.items()}
    tl = torch.tensor(logits, requires_grad=True)
    tv = torch.nn.functional.cross_entropy(tl, torch.from_numpy(target), **tk)
    (tv if tv.ndim == 0 else tv.sum()).backward()
    np.testing.assert_allclose(v, tv.detach().numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(g, tl.grad.numpy(), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("kwargs", [dict(), dict(label_smoothing=0.1), dict(weight=np.array([1.0, 2.0, 0.5]))])
def test_cross_entropy_probability_targets_and_spatial_match_torch(kwargs):
    torch = pytest.importorskip("torch")
    logits = RNG.standard_normal((5, 3))
    probs = RNG.dirichlet(np.ones(3), size=5)
    tk = {k: (torch.from_numpy(v_) if isinstance(v_, np.ndarray) else v_) for k, v_ in kwargs.items()}
    v, g = _grad(F.cross_entropy, logits, probs, **kwargs)
    tl = torch.tensor(logits, requires_grad=True)
    tv = torch.nn.functional.cross_entropy(tl, torch.from_numpy(probs), **tk)
    tv.backward()
    assert float(v) == pytest.approx(tv.item(), rel=1e-12)
    np.testing.assert_allclose(g, tl.grad.numpy(), rtol=1e-12, atol=1e-14)
    # (N, C, d) input with (N, d) class targets
    logits3 = RNG.standard_normal((2, 3, 4))
    t3 = RNG.integers(0, 3, (2, 4))
    v3, g3 = _grad(F.cross_entropy, logits3, t3, **kwargs)
    tl3 = torch.tensor(logits3, requires_grad=True)
    tv3 = torch.nn.functional.cross_entropy(tl3, torch.from_numpy(t3), **tk)
    tv3.backward()
    assert float(v3) == pytest.approx(tv3.item(), rel=1e-12)
    np.testing.assert_allclose(g3, tl3.grad.numpy(), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("kwargs", [dict(), dict(reduction="sum"), dict(weight=np.array([1.0, 2.0, 0.5])),
                                    dict(pos_weight=np.array([3.0, 1.0, 0.5]))])
def test_bce_with_logits_matches_torch(kwargs):
    torch = pytest.importorskip("torch")
    x = RNG.standard_normal((4, 3)) * 4
    t = RNG.random((4, 3))
    v, g = _grad(F.binary_cross_entropy_with_logits, x, t, **kwargs)
    tk = {k: (torch.from_numpy(v_) if isinstance(v_, np.ndarray) else v_) for k, v_ in kwargs.items()}
    tx = torch.tensor(x, requires_grad=True)
    tv = torch.nn.functional.binary_cross_entropy_with_logits(tx, torch.from_numpy(t), **tk)
    tv.backward()
    assert float(v) == pytest.approx(tv.item(), rel=1e-12)
    np.testing.assert_allclose(g, tx.grad.numpy(), rtol=1e-12, atol=1e-14)


def test_nll_and_l1_match_torch():
    torch = pytest.importorskip("torch")
    logp = np.log(RNG.dirichlet(np.ones(4), size=6))
    target = np.array([0, 3, 1, -100, 2, 0])
    v, g = _grad(F.nll_loss, logp, target, weight=np.array([1.0, 0.5, 2.0, 1.0]))
    tl = torch.tensor(logp, requires_grad=True)
    tv = torch.nn.functional.nll_loss(tl, torch.from_numpy(target), weight=torch.tensor([1.0, 0.5, 2.0, 1.0],
                                                                                         dtype=torch.float64))
    tv.backward()
    assert float(v) == pytest.approx(tv.item(), rel=1e-13)
    np.testing.assert_allclose(g, tl.grad.numpy(), rtol=1e-13)
