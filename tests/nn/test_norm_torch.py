"""Normalisation, activation, embedding and dropout layers against torch==2.13.0, side by side.

Outputs and gradients (float64, tolerance 1e-10: the sums run in another
order), running statistics through train/eval switches and momentum
settings, state-dict keys and values copied both ways, reprs, and a few SGD
steps of a small CNN. Skipped (never failed) without torch.
"""

import numpy as np
import pytest
from torch_side_by_side import compare, copy_to_torch

import diffkit as dk
from diffkit import nn, optim

torch = pytest.importorskip("torch")

TOL = 1e-10
RNG = np.random.default_rng(11)


def _compare(ours, theirs, x, tol=TOL):
    compare(ours, theirs, x, RNG, tol)


def _buffers_equal(ours, theirs, tol=1e-12):
    sd, tsd = ours.state_dict(), theirs.state_dict()
    assert list(sd) == list(tsd)
    for k in sd:
        np.testing.assert_allclose(np.asarray(sd[k].numpy(), dtype=float), tsd[k].numpy().astype(float),
                                   rtol=tol, atol=tol, err_msg=k)


BATCHNORM = [
    ("BatchNorm1d", dict(num_features=3), (6, 3)),
    ("BatchNorm1d", dict(num_features=3, momentum=None), (4, 3, 5)),
    ("BatchNorm2d", dict(num_features=3), (4, 3, 5, 2)),
    ("BatchNorm2d", dict(num_features=3, affine=False, momentum=0.3, eps=1e-3), (4, 3, 2, 2)),
    ("BatchNorm2d", dict(num_features=3, track_running_stats=False), (4, 3, 2, 2)),
    ("BatchNorm3d", dict(num_features=2), (2, 2, 3, 2, 2)),
]


@pytest.mark.parametrize("name,kw,shape", BATCHNORM, ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(BATCHNORM)])
def test_batchnorm_train_and_eval_match_torch(name, kw, shape):
    ours, theirs = getattr(nn, name)(**kw).double(), getattr(torch.nn, name)(**kw).double()
    assert repr(ours) == repr(theirs)
    if ours.affine:
        with dk.no_grad():
            ours.weight.copy_(dk.tensor(RNG.uniform(0.5, 2.0, kw["num_features"])))
            ours.bias.copy_(dk.tensor(RNG.standard_normal(kw["num_features"])))
    copy_to_torch(ours, theirs)
    for _ in range(3):  # training: batch statistics, running ones updated (unbiased variance)
        _compare(ours, theirs, RNG.standard_normal(shape) * 3.0 + 1.0)
        _buffers_equal(ours, theirs)
    ours.eval()
    theirs.eval()
    _compare(ours, theirs, RNG.standard_normal(shape))  # evaluation: running statistics, unchanged
    _buffers_equal(ours, theirs)


def test_batchnorm_state_dict_loads_from_torch_and_to_moves_buffers():
    theirs = torch.nn.BatchNorm2d(4)
    theirs(torch.randn(8, 4, 3, 3))
    ours = nn.BatchNorm2d(4)
    ours.load_state_dict(theirs.state_dict())
    _buffers_equal(ours, theirs, tol=0)
    assert ours.num_batches_tracked.dtype == np.int64 and int(ours.num_batches_tracked) == 1
    ours.double()  # floating buffers are cast, the counter stays an integer
    assert ours.running_mean.dtype == np.float64 and ours.num_batches_tracked.dtype == np.int64
    assert [n for n, _ in ours.named_buffers()] == ["running_mean", "running_var", "num_batches_tracked"]
    assert [n for n, _ in ours.named_parameters()] == ["weight", "bias"]


def test_batchnorm_in_training_needs_more_than_one_value_per_channel():
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        nn.BatchNorm1d(3)(dk.ones(1, 3))
    assert nn.BatchNorm1d(3).eval()(dk.ones(1, 3)).shape == (1, 3)  # fine in evaluation mode
    with pytest.raises(ValueError, match="expected 4D input"):
        nn.BatchNorm2d(3)(dk.ones(2, 3))


NORMS = [
    ("LayerNorm", dict(normalized_shape=5), (3, 5)),
    ("LayerNorm", dict(normalized_shape=(4, 5), eps=1e-3), (2, 3, 4, 5)),
    ("LayerNorm", dict(normalized_shape=5, elementwise_affine=False), (3, 5)),
    ("LayerNorm", dict(normalized_shape=5, bias=False), (3, 5)),
    ("GroupNorm", dict(num_groups=2, num_channels=6), (3, 6, 2, 2)),
    ("GroupNorm", dict(num_groups=3, num_channels=3, affine=False), (2, 3, 5)),
    ("GroupNorm", dict(num_groups=1, num_channels=4), (2, 4)),
]


@pytest.mark.parametrize("name,kw,shape", NORMS, ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(NORMS)])
def test_layer_and_group_norm_match_torch(name, kw, shape):
    ours, theirs = getattr(nn, name)(**kw).double(), getattr(torch.nn, name)(**kw).double()
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    with dk.no_grad():
        for p in ours.parameters():
            p.copy_(dk.tensor(RNG.uniform(0.5, 2.0, p.shape)))
    copy_to_torch(ours, theirs)
    _compare(ours, theirs, RNG.standard_normal(shape) * 2.0 + 0.5)


def test_instance_norm_matches_torch():
    from diffkit.nn import functional as F

    x = RNG.standard_normal((2, 3, 4, 5))
    w, b = RNG.uniform(0.5, 2.0, 3), RNG.standard_normal(3)
    rm, rv = np.zeros(3), np.ones(3)
    trm, trv = torch.zeros(3, dtype=torch.float64), torch.ones(3, dtype=torch.float64)
    ours = F.instance_norm(x, rm, rv, w, b, momentum=0.2)
    theirs = torch.nn.functional.instance_norm(torch.from_numpy(x), trm, trv, torch.from_numpy(w),
                                               torch.from_numpy(b), momentum=0.2)
    np.testing.assert_allclose(ours.numpy() if hasattr(ours, "numpy") else ours, theirs.numpy(), rtol=TOL, atol=TOL)
    np.testing.assert_allclose(rm, trm.numpy(), rtol=TOL, atol=TOL)
    np.testing.assert_allclose(rv, trv.numpy(), rtol=TOL, atol=TOL)


ACTIVATIONS = [
    ("GELU", {}), ("GELU", {"approximate": "tanh"}), ("SiLU", {}), ("Softplus", {}),
    ("Softplus", {"beta": 2.0, "threshold": 5.0}), ("ELU", {}), ("ELU", {"alpha": 0.3}),
    ("LeakyReLU", {"negative_slope": 0.2}),
]


@pytest.mark.parametrize("name,kw", ACTIVATIONS, ids=[f"{n}-{i}" for i, (n, _) in enumerate(ACTIVATIONS)])
def test_activations_match_torch_values_and_slopes(name, kw):
    ours, theirs = getattr(nn, name)(**kw), getattr(torch.nn, name)(**kw)
    assert repr(ours) == repr(theirs)
    # both tails, the kink or threshold, and exact zeros
    x = np.concatenate([RNG.standard_normal(40) * 4, [-60.0, -30.0, -8.0, -1e-9, 0.0, 1e-9, 2.5, 5.0, 8.0, 30.0]])
    _compare(ours, theirs, x, tol=1e-12)


def test_gelu_and_softplus_keep_their_digits_in_the_tails():
    from diffkit.nn import functional as F

    x = np.array([-40.0, -20.0, -5.0])
    t = torch.from_numpy(x)
    np.testing.assert_allclose(F.softplus(x), torch.nn.functional.softplus(t).numpy(), rtol=1e-14)
    np.testing.assert_allclose(F.gelu(np.array([-2.0, 2.0, 10.0])),
                               torch.nn.functional.gelu(torch.tensor([-2.0, 2.0, 10.0], dtype=torch.float64)).numpy(),
                               rtol=1e-14)


def test_gelu_keeps_its_left_tail_where_torch_cancels():
    # x Φ(x) against mpmath (SymPy's dependency): torch's x (1 + erf(x/√2)) / 2 loses these digits
    import mpmath

    from diffkit.nn import functional as F

    x = np.array([-9.0, -7.0, -4.0, -3.0])
    exact = np.array([float(mpmath.mpf(v) * mpmath.ncdf(v)) for v in x])
    np.testing.assert_allclose(F.gelu(x), exact, rtol=1e-10)


def test_embedding_matches_torch_with_padding_idx_and_max_norm():
    for kw in (dict(num_embeddings=6, embedding_dim=3), dict(num_embeddings=6, embedding_dim=3, padding_idx=-2),
               dict(num_embeddings=6, embedding_dim=3, max_norm=1.0)):
        ours, theirs = nn.Embedding(**kw).double(), torch.nn.Embedding(**kw).double()
        assert repr(ours) == repr(theirs)
        copy_to_torch(ours, theirs)
        idx = np.array([[0, 4, 4, 5], [3, 1, 4, 0]])
        yo, yt = ours(dk.tensor(idx)), theirs(torch.from_numpy(idx))
        np.testing.assert_allclose(yo.numpy(), yt.detach().numpy(), rtol=1e-12)
        g = RNG.standard_normal(tuple(yt.shape))
        yo.backward(dk.tensor(g))
        yt.backward(torch.from_numpy(g))
        np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(ours.weight.numpy(), theirs.weight.detach().numpy(), rtol=1e-6)  # max_norm renorm
    frozen = nn.Embedding.from_pretrained(np.eye(4), padding_idx=1)
    assert not frozen.weight.requires_grad and repr(frozen) == "Embedding(4, 4, padding_idx=1)"


def test_dropout_trains_and_evaluates_like_torch():
    # torch's masks come from its own generator: compare what is guaranteed, the statistics and the modes
    dk.manual_seed(3)
    drop = nn.Dropout(0.25)
    assert repr(drop) == repr(torch.nn.Dropout(0.25))
    x = dk.ones(200, 100, requires_grad=True)
    y = drop(x)
    values = np.unique(y.numpy())
    np.testing.assert_allclose(values, [0.0, 1 / 0.75], rtol=1e-6)
    assert abs((y.numpy() == 0).mean() - 0.25) < 0.01
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), y.numpy())  # gradient through the kept entries, scaled
    dk.manual_seed(3)
    np.testing.assert_array_equal(nn.Dropout(0.25)(dk.ones(200, 100)).numpy(), y.numpy())  # seeded
    np.testing.assert_array_equal(drop.eval()(x).numpy(), x.numpy())


def test_unflatten_and_flatten_match_torch():
    ours, theirs = nn.Unflatten(1, (2, -1)), torch.nn.Unflatten(1, (2, -1))
    assert repr(ours) == repr(theirs)
    x = RNG.standard_normal((3, 8, 2))
    np.testing.assert_array_equal(ours(x).numpy() if hasattr(ours(x), "numpy") else ours(x),
                                  theirs(torch.from_numpy(x)).numpy())


def _digits_cnn(lib):
    m = lib.nn
    return m.Sequential(m.Conv2d(1, 4, 3, padding=1), m.BatchNorm2d(4), m.ReLU(), m.MaxPool2d(2),
                        m.Conv2d(4, 6, 3, padding=1), m.BatchNorm2d(6), m.ReLU(), m.AdaptiveAvgPool2d(1),
                        m.Flatten(), m.Linear(6, 3))


def test_a_small_cnn_trains_like_torch_for_a_few_steps():
    ours, theirs = _digits_cnn(dk).double(), _digits_cnn(torch).double()
    assert repr(ours) == repr(theirs)
    copy_to_torch(ours, theirs)
    opt = optim.SGD(ours.parameters(), lr=0.1, momentum=0.9)
    topt = torch.optim.SGD(theirs.parameters(), lr=0.1, momentum=0.9)
    x, y = RNG.standard_normal((16, 1, 8, 8)), RNG.integers(0, 3, 16)
    for _ in range(4):
        opt.zero_grad()
        topt.zero_grad()
        lo = nn.CrossEntropyLoss()(ours(dk.tensor(x)), dk.tensor(y))
        lt = torch.nn.CrossEntropyLoss()(theirs(torch.from_numpy(x)), torch.from_numpy(y))
        assert lo.item() == pytest.approx(lt.item(), rel=1e-9)
        lo.backward()
        lt.backward()
        opt.step()
        topt.step()
    _buffers_equal(ours, theirs, tol=1e-9)
    ours.eval()
    theirs.eval()
    np.testing.assert_allclose(ours(dk.tensor(x)).numpy(), theirs(torch.from_numpy(x)).detach().numpy(), rtol=1e-9,
                               atol=1e-9)


def test_batch_norm_keeps_its_digits_far_from_zero_in_float32():
    """Values near 1000 with spread 1 in float32: outputs, input gradients and running statistics are as
    close to the float64 result as torch's own float32 ones (within 2x), for both memory layouts."""
    rng = np.random.default_rng(5)
    base = (1000 + rng.standard_normal((16, 4, 5, 5))).astype(np.float32)
    g = rng.standard_normal(base.shape).astype(np.float32)
    x64 = torch.from_numpy(base.astype(np.float64)).requires_grad_()
    ref = torch.nn.BatchNorm2d(4).double()
    ref(x64).backward(torch.from_numpy(g.astype(np.float64)))
    xt = torch.from_numpy(base.copy()).requires_grad_()
    theirs = torch.nn.BatchNorm2d(4)
    yt = theirs(xt)
    yt.backward(torch.from_numpy(g))
    y64 = torch.nn.functional.batch_norm(x64.detach(), None, None, ref.weight.detach(), ref.bias.detach(),
                                         training=True).numpy()
    for x in (base, np.moveaxis(np.ascontiguousarray(np.moveaxis(base, 1, -1)), -1, 1)):  # channels last too
        xo = dk.tensor(x, requires_grad=True)
        ours = nn.BatchNorm2d(4)
        yo = ours(xo)
        yo.backward(dk.tensor(g))
        for mine, torchs, exact in ((yo.detach().numpy(), yt.detach().numpy(), y64),
                                    (xo.grad.numpy(), xt.grad.numpy(), x64.grad.numpy()),
                                    (ours.running_var.numpy(), theirs.running_var.numpy(),
                                     ref.running_var.detach().numpy())):
            assert np.abs(mine - exact).max() <= 2 * np.abs(torchs - exact).max() + 1e-7


@pytest.mark.parametrize("shape", [(0, 3, 4, 4), (0, 3)])
def test_batch_norm_of_an_empty_batch_is_empty_as_in_torch(shape):
    """An empty batch gives an empty output, leaves the running statistics alone, counts the batch, and
    gives the affine parameters zero gradients."""
    ours = (nn.BatchNorm2d if len(shape) == 4 else nn.BatchNorm1d)(3)
    theirs = (torch.nn.BatchNorm2d if len(shape) == 4 else torch.nn.BatchNorm1d)(3)
    xo, xt = dk.zeros(*shape, requires_grad=True), torch.zeros(*shape, requires_grad=True)
    yo, yt = ours(xo), theirs(xt)
    assert tuple(yo.shape) == tuple(yt.shape)
    yo.sum().backward()
    yt.sum().backward()
    np.testing.assert_array_equal(ours.running_mean.numpy(), theirs.running_mean.numpy())
    np.testing.assert_array_equal(ours.running_var.numpy(), theirs.running_var.numpy())
    assert int(ours.num_batches_tracked.item()) == int(theirs.num_batches_tracked.item())
    np.testing.assert_array_equal(ours.weight.grad.numpy(), theirs.weight.grad.numpy())
    np.testing.assert_array_equal(ours.bias.grad.numpy(), theirs.bias.grad.numpy())
