"""Huber, smooth L1, KL divergence, BCE with logits, cosine embedding and margin ranking losses.

Each against its closed form in NumPy (always) and against torch==2.13.0 side by
side (values and the gradients of every differentiable argument, every
``reduction``, float64, inputs placed on the kinks), skipped without torch.
Tolerances: 1e-12 relative on values and gradients (rounding order only).
"""

import warnings

import numpy as np
import pytest

import diffkit as dk
from diffkit import nn
from diffkit.nn import functional as F

RNG = np.random.default_rng(19)
REDUCTIONS = ["mean", "sum", "none"]


def _reduce(values, reduction):
    return {"mean": np.mean, "sum": np.sum, "none": lambda v: v}[reduction](values)


def _on_kinks(shape, delta):
    """Inputs and targets whose differences include 0, +-delta exactly and values either side."""
    target = RNG.standard_normal(shape)
    diff = RNG.standard_normal(shape) * 2 * delta
    diff.flat[:3] = [0.0, delta, -delta]
    return target + diff, target


def _run(lib, fn, arrays, grads_of, weights):
    """fn(*tensors) in ``lib``; returns (value, [gradients]) as NumPy, summing the output against ``weights``."""
    ts = [lib.tensor(a, requires_grad=i in grads_of) for i, a in enumerate(arrays)]
    out = fn(*ts)
    (out * lib.tensor(np.asarray(weights, dtype=np.float64))).sum().backward()
    value = np.asarray(out.detach().numpy(), dtype=np.float64)
    return value, [np.asarray(ts[i].grad.numpy()) for i in grads_of]


def _against_torch(ours, theirs, arrays, grads_of=(0,), rtol=1e-12):
    torch = pytest.importorskip("torch")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # both warn alike for kl_div's "mean"
        shape = np.shape(ours(*arrays))
        w = RNG.random(shape) + 0.5  # a cotangent other than ones
        v, gs = _run(dk, ours, arrays, grads_of, w)
        tv, tgs = _run(torch, theirs, arrays, grads_of, w)
    np.testing.assert_allclose(v, tv, rtol=rtol, atol=1e-15)
    for g, tg in zip(gs, tgs):
        np.testing.assert_allclose(g, tg, rtol=rtol, atol=1e-15)


# ---------------------------------------------------------------- closed forms

@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_huber_and_smooth_l1_closed_forms(reduction):
    """Reference formulas of torch/testing/_internal/common_nn.py (huberloss_reference, smoothl1loss_reference)."""
    x, t = _on_kinks((4, 5), 0.5)
    a = np.abs(x - t)
    huber = np.where(a < 0.5, 0.5 * a**2, 0.5 * (a - 0.25))
    np.testing.assert_allclose(F.huber_loss(x, t, reduction=reduction, delta=0.5), _reduce(huber, reduction),
                               rtol=1e-14)
    sl1 = np.where(a < 0.5, 0.5 * a**2 / 0.5, a - 0.25)
    np.testing.assert_allclose(F.smooth_l1_loss(x, t, reduction=reduction, beta=0.5), _reduce(sl1, reduction),
                               rtol=1e-14)
    np.testing.assert_allclose(F.smooth_l1_loss(x, t, reduction=reduction, beta=0.0), _reduce(a, reduction),
                               rtol=1e-14)
    # Huber is smooth L1 scaled by delta (torch test_nn.py: test_smooth_l1_loss_vs_huber_loss)
    np.testing.assert_allclose(F.huber_loss(x, t, reduction=reduction, delta=0.5),
                               0.5 * F.smooth_l1_loss(x, t, reduction=reduction, beta=0.5), rtol=1e-14)


def test_huber_gradient_is_d_inside_and_delta_sign_outside_with_torchs_kinks():
    x, t = _on_kinks((12,), 1.5)
    xt = dk.tensor(x, requires_grad=True)
    F.huber_loss(xt, t, reduction="sum", delta=1.5).backward()
    d = x - t
    np.testing.assert_allclose(xt.grad.numpy(), np.where(np.abs(d) < 1.5, d, 1.5 * np.sign(d)), rtol=1e-15)
    assert xt.grad.numpy()[:3].tolist() == [0.0, 1.5, -1.5]


def test_kl_div_closed_forms_and_batchmean():
    """torch/testing/_internal/common_nn.py kldivloss_reference, including its 0-d case (KLDivLoss_no_reduce_scalar)."""
    logq = np.log(RNG.dirichlet(np.ones(5), size=3))
    p = RNG.dirichlet(np.ones(5), size=3)
    p[0, 0] = 0.0  # 0 log 0 = 0
    terms = np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0) - p * logq
    np.testing.assert_allclose(F.kl_div(logq, p, reduction="none"), terms, rtol=1e-14, atol=1e-16)
    np.testing.assert_allclose(F.kl_div(logq, p, reduction="batchmean"), terms.sum() / 3, rtol=1e-14)
    np.testing.assert_allclose(F.kl_div(logq, np.log(p + 0.5), reduction="sum", log_target=True),
                               np.sum((p + 0.5) * (np.log(p + 0.5) - logq)), rtol=1e-14)
    with pytest.warns(UserWarning, match="batchmean"):
        np.testing.assert_allclose(F.kl_div(logq, p), terms.mean(), rtol=1e-14)
    # a 0-d input: batchmean is the sum
    assert float(F.kl_div(np.log(0.25), np.array(0.5), reduction="batchmean")) == pytest.approx(
        0.5 * (np.log(0.5) - np.log(0.25)), rel=1e-15)


def test_kl_div_of_a_distribution_from_itself_is_zero_and_grad_is_minus_target():
    p = RNG.dirichlet(np.ones(4), size=2)
    logp = dk.tensor(np.log(p), requires_grad=True)
    loss = nn.KLDivLoss(reduction="batchmean")(logp, p)
    loss.backward()
    assert abs(loss.item()) < 1e-15
    np.testing.assert_allclose(logp.grad.numpy(), -p / 2, rtol=1e-15)


def test_bce_with_logits_is_stable_and_pos_weight_scales_the_positive_term():
    x = np.array([-1e4, -30.0, -1.0, 0.0, 1.0, 30.0, 1e4])
    t = np.array([1.0, 0.3, 1.0, 0.5, 0.0, 1.0, 0.0])
    ref = (1 - t) * x + np.logaddexp(0.0, -x)  # -t log s(x) - (1 - t) log(1 - s(x))
    xt = dk.tensor(x, requires_grad=True)
    out = F.binary_cross_entropy_with_logits(xt, t, reduction="none")
    np.testing.assert_allclose(out.numpy(), ref, rtol=1e-14)
    out.sum().backward()
    np.testing.assert_allclose(xt.grad.numpy(), np.exp(-np.logaddexp(0.0, -x)) - t, rtol=1e-12, atol=1e-15)
    pw = np.array(3.0)
    ref_pw = (1 - t) * x + (1 + 2 * t) * np.logaddexp(0.0, -x)
    np.testing.assert_allclose(F.binary_cross_entropy_with_logits(x, t, pos_weight=pw, reduction="none"), ref_pw,
                               rtol=1e-14)


def test_bce_with_logits_is_one_node_and_matches_sigmoid_then_bce():
    """torch test_nn.py: test_bce_with_logits_gives_same_result_as_sigmoid_and_bce_loss (inputs as there)."""
    x = dk.tensor(RNG.standard_normal((64, 4)), requires_grad=True)
    t = (RNG.random((64, 4)) > 0.5).astype(np.float64)
    w = RNG.random(4)
    loss = nn.BCEWithLogitsLoss(weight=w)(x, t)
    assert repr(loss.grad_fn) == "<BinaryCrossEntropyWithLogitsBackward>"  # one node: the fused op
    assert loss.item() == pytest.approx(nn.BCELoss(weight=w)(x.detach().sigmoid(), t).item(), rel=1e-12)
    with pytest.raises(ValueError, match="must be the same as input size"):
        F.binary_cross_entropy_with_logits(x, t[:, :2])


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cosine_embedding_and_margin_ranking_closed_forms(reduction):
    """torch/testing/_internal/common_nn.py cosineembeddingloss_reference and marginrankingloss_reference."""
    a, b = RNG.standard_normal((6, 3)), RNG.standard_normal((6, 3))
    b[0] = 0.0  # a zero vector: cosine 0 through the 1e-12 guard
    y = np.array([1, -1, 1, -1, -1, 0])  # a target of 0 contributes nothing
    cos = (a * b).sum(1) / np.sqrt(((a * a).sum(1) + 1e-12) * ((b * b).sum(1) + 1e-12))
    ref = np.where(y == 1, 1 - cos, 0.0) + np.where(y == -1, np.maximum(cos - 0.1, 0.0), 0.0)
    np.testing.assert_allclose(F.cosine_embedding_loss(a, b, y, margin=0.1, reduction=reduction),
                               _reduce(ref, reduction), rtol=1e-14)
    x1, x2, s = a[:, 0], b[:, 1], np.sign(RNG.standard_normal(6))
    np.testing.assert_allclose(F.margin_ranking_loss(x1, x2, s, margin=0.3, reduction=reduction),
                               _reduce(np.maximum(-s * (x1 - x2) + 0.3, 0.0), reduction), rtol=1e-14)


def test_unbatched_losses_equal_the_batch_of_one():
    """torch/testing/_internal/common_nn.py: regression_criterion_no_batch and classification_criterion_no_batch
    (each loss on an unbatched sample equals the same sample as a batch of one, squeezed)."""
    x, t = RNG.standard_normal(3), RNG.standard_normal(3)
    for loss in (nn.HuberLoss(reduction="none"), nn.SmoothL1Loss(reduction="none")):
        np.testing.assert_array_equal(loss(x, t), loss(x[None], t[None])[0])
    logp, p = np.log(RNG.dirichlet(np.ones(3))), RNG.dirichlet(np.ones(3))
    np.testing.assert_array_equal(nn.KLDivLoss(reduction="sum")(logp, p), nn.KLDivLoss(reduction="sum")(logp[None],
                                                                                                      p[None]))
    a, b = RNG.standard_normal(9), RNG.standard_normal(9)
    assert float(nn.CosineEmbeddingLoss()(a, b, np.array(1.0))) == pytest.approx(
        float(nn.CosineEmbeddingLoss()(a[None], b[None], np.array([1.0]))), rel=1e-15)
    assert float(nn.MarginRankingLoss()(np.array(0.2), np.array(0.5), np.array(1.0))) == pytest.approx(0.3)


def test_bad_arguments_are_refused_as_torch_does():
    x = np.zeros(3)
    with pytest.raises(RuntimeError, match="non-positive values for delta"):
        F.huber_loss(x, x, delta=0.0)
    with pytest.raises(ValueError, match="non-positive values for delta"):
        nn.HuberLoss(delta=-1.0)(x, x)
    with pytest.raises(RuntimeError, match="negative values for beta"):
        F.smooth_l1_loss(x, x, beta=-0.5)
    with pytest.raises(ValueError, match="Weights and input must have the same size"):
        F.huber_loss(x, x, weight=np.ones(2))
    with pytest.raises(ValueError, match="reduction"):
        nn.KLDivLoss(reduction="batchsum")
    with pytest.raises(ValueError, match="not valid for HuberLoss"):
        nn.HuberLoss(reduction="batchmean")
    with pytest.raises(RuntimeError, match="multi-target not supported"):
        F.cosine_embedding_loss(np.zeros((2, 3)), np.zeros((2, 3)), np.ones((2, 1)))
    with pytest.raises(RuntimeError, match="1D target tensor expects 2D input"):
        F.cosine_embedding_loss(np.zeros(3), np.zeros(3), np.ones(3))
    with pytest.raises(dk.ShapeError, match="one target per pair"):
        F.cosine_embedding_loss(np.zeros((2, 3)), np.zeros((2, 3)), np.ones(3))
    with pytest.raises(RuntimeError, match="same dimension"):
        F.margin_ranking_loss(x, x, np.ones((3, 1)))


def test_legacy_size_average_and_reduce_map_to_a_reduction_with_a_warning():
    x, t = RNG.standard_normal(4), RNG.standard_normal(4)
    with pytest.warns(UserWarning, match="reduction='sum'"):
        loss = nn.SmoothL1Loss(size_average=False)
    assert loss.reduction == "sum"
    with pytest.warns(UserWarning, match="reduction='none'"):
        out = F.smooth_l1_loss(x, t, reduce=False)
    np.testing.assert_array_equal(out, F.smooth_l1_loss(x, t, reduction="none"))


def test_losses_do_not_mutate_their_inputs():
    arrays = [RNG.standard_normal((3, 4)) for _ in range(3)]
    keep = [a.copy() for a in arrays]
    y = np.array([1.0, -1.0, 1.0])
    F.huber_loss(arrays[0], arrays[1])
    F.kl_div(arrays[0], np.abs(arrays[1]), reduction="batchmean")
    F.binary_cross_entropy_with_logits(arrays[0], np.abs(arrays[1]) % 1, weight=arrays[2], pos_weight=arrays[2][0])
    F.cosine_embedding_loss(arrays[0], arrays[1], y)
    F.margin_ranking_loss(arrays[0], arrays[1], np.sign(arrays[2]))
    for a, k in zip(arrays, keep):
        np.testing.assert_array_equal(a, k)


def test_module_reprs_and_state_dicts_are_torchs():
    assert repr(nn.HuberLoss(delta=2.0)) == "HuberLoss()"
    assert repr(nn.KLDivLoss(reduction="batchmean", log_target=True)) == "KLDivLoss()"
    assert list(nn.BCEWithLogitsLoss(weight=np.ones(2), pos_weight=np.ones(2)).state_dict()) == ["weight",
                                                                                               "pos_weight"]
    assert list(nn.BCEWithLogitsLoss().state_dict()) == []


# ---------------------------------------------------------------- side by side with torch

def _torch_loss(name, **kwargs):
    torch = pytest.importorskip("torch")
    return getattr(torch.nn, name)(**kwargs)


CASES = [
    ("HuberLoss", {}, "kinks1"),
    ("HuberLoss", {"delta": 0.5}, "kinks0.5"),
    ("SmoothL1Loss", {}, "kinks1"),
    ("SmoothL1Loss", {"beta": 0.5}, "kinks0.5"),
    ("SmoothL1Loss", {"beta": 0.0}, "kinks0"),
    ("KLDivLoss", {}, "kl"),
    ("KLDivLoss", {"log_target": True}, "kl_log"),
    ("BCEWithLogitsLoss", {}, "bce"),
    ("BCEWithLogitsLoss", {"pos_weight": np.array([0.5, 2.0, 1.0, 3.0])}, "bce"),
    ("BCEWithLogitsLoss", {"weight": np.array([[0.1], [1.0], [2.0], [0.5], [1.0]]),
                           "pos_weight": np.array([0.5, 2.0, 1.0, 3.0])}, "bce"),
    ("CosineEmbeddingLoss", {}, "cos"),
    ("CosineEmbeddingLoss", {"margin": 0.3}, "cos"),
    ("MarginRankingLoss", {}, "rank"),
    ("MarginRankingLoss", {"margin": 0.5}, "rank"),
]


def _case_arrays(kind):
    if kind.startswith("kinks"):
        delta = float(kind[5:])
        x, t = _on_kinks((5, 4), max(delta, 1.0) if delta else 1.0)
        if delta:
            x.flat[1], x.flat[2] = t.flat[1] + delta, t.flat[2] - delta
        return [x, t], (0, 1)
    if kind == "kl":
        p = RNG.dirichlet(np.ones(4), size=5)
        p[0, 0] = 0.0
        return [np.log(RNG.dirichlet(np.ones(4), size=5)), p], (0,)
    if kind == "kl_log":
        return [np.log(RNG.dirichlet(np.ones(4), size=5)), np.log(RNG.dirichlet(np.ones(4), size=5))], (0, 1)
    if kind == "bce":
        x = RNG.standard_normal((5, 4)) * 6
        x[0] = [0.0, 40.0, -40.0, 800.0]
        return [x, RNG.random((5, 4))], (0, 1)
    if kind == "cos":
        a, b = RNG.standard_normal((6, 3)), RNG.standard_normal((6, 3))
        b[1] = 2 * a[1]  # cos = 1 exactly-ish; with a margin the hinge sits near its kink
        return [a, b, np.array([1.0, -1.0, 1.0, -1.0, 1.0, -1.0])], (0, 1)
    a = RNG.standard_normal(6)
    b = a + np.array([0.0, 0.5, -0.5, 1.0, -2.0, 0.0])  # ties at the hinge's kink (margin 0 and 0.5)
    return [a, b, np.array([1.0, 1.0, -1.0, -1.0, 1.0, -1.0])], (0, 1)


@pytest.mark.parametrize("reduction", REDUCTIONS + ["batchmean"])
@pytest.mark.parametrize("name,kwargs,kind", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_loss_matches_torch(name, kwargs, kind, reduction):
    torch = pytest.importorskip("torch")
    if reduction == "batchmean" and name != "KLDivLoss":
        return
    arrays, grads_of = _case_arrays(kind)
    tkw = {k: torch.from_numpy(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    ours = getattr(nn, name)(reduction=reduction, **kwargs)
    theirs = _torch_loss(name, reduction=reduction, **tkw)
    _against_torch(ours, theirs, arrays, grads_of)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_bce_with_logits_training_step_matches_torch_in_both_precisions(dtype):
    torch = pytest.importorskip("torch")
    x = RNG.standard_normal((16, 3)).astype(dtype)
    y = (RNG.random((16, 2)) > 0.5).astype(dtype)
    dk.manual_seed(0)
    ours = nn.Linear(3, 2, dtype=dtype)
    theirs = torch.nn.Linear(3, 2).to(getattr(torch, dtype))
    theirs.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in ours.state_dict().items()})
    pw = np.array([2.0, 0.5], dtype=dtype)
    loss = nn.BCEWithLogitsLoss(pos_weight=pw)(ours(x), y)
    tloss = torch.nn.BCEWithLogitsLoss(pos_weight=torch.from_numpy(pw))(theirs(torch.from_numpy(x)),
                                                                        torch.from_numpy(y))
    loss.backward()
    tloss.backward()
    tol = 1e-6 if dtype == "float32" else 1e-13
    assert loss.dtype == np.dtype(dtype)
    assert loss.item() == pytest.approx(tloss.item(), rel=tol)
    np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(), rtol=tol, atol=tol)
