"""Convolution and pooling layers against torch==2.13.0, side by side: outputs, gradients, state-dict keys, reprs.

Weights are copied from diffkit to torch through the state dict (PyTorch's own
keys), the input is the same float64 array, and both sides backpropagate the
same random cotangent. float64 throughout; tolerance 1e-10 (observed
differences are ~1e-14: the order of the sums differs).
Skipped (never failed) without torch.
"""

import numpy as np
import pytest
from torch_side_by_side import compare, copy_to_torch

import diffkit as dk
from diffkit import nn

torch = pytest.importorskip("torch")

pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same'")  # torch's note on its own padding copy

TOL = 1e-10
RNG = np.random.default_rng(7)


def _side_by_side(ours, theirs, shape, **kw):
    copy_to_torch(ours, theirs)
    return compare(ours, theirs, RNG.standard_normal(shape), RNG, TOL, **kw)


CONV2D = [
    dict(in_channels=3, out_channels=4, kernel_size=3),
    dict(in_channels=2, out_channels=6, kernel_size=(3, 2), stride=(2, 1), padding=(1, 0)),
    dict(in_channels=4, out_channels=6, kernel_size=3, padding=2, dilation=2, groups=2),
    dict(in_channels=4, out_channels=4, kernel_size=3, padding=1, groups=4, bias=False),  # depthwise
    dict(in_channels=2, out_channels=3, kernel_size=4, padding="same"),  # even kernel: one more on the right
    dict(in_channels=2, out_channels=3, kernel_size=3, padding="same", dilation=2),
    dict(in_channels=2, out_channels=3, kernel_size=3, padding="valid", stride=3),
    dict(in_channels=2, out_channels=3, kernel_size=3, padding=1, padding_mode="reflect"),
    dict(in_channels=2, out_channels=3, kernel_size=3, padding=(1, 2), padding_mode="replicate"),
    dict(in_channels=2, out_channels=3, kernel_size=2, padding="same", padding_mode="circular"),
    dict(in_channels=1, out_channels=2, kernel_size=1),
]


@pytest.mark.parametrize("kw", CONV2D, ids=[str(i) for i in range(len(CONV2D))])
def test_conv2d_matches_torch(kw):
    ours = nn.Conv2d(**kw).double()
    theirs = torch.nn.Conv2d(**kw).double()
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    _side_by_side(ours, theirs, (2, kw["in_channels"], 7, 6))


CONV1D = [
    dict(in_channels=2, out_channels=3, kernel_size=3),
    dict(in_channels=4, out_channels=2, kernel_size=5, stride=2, padding=2, dilation=1, groups=2),
    dict(in_channels=2, out_channels=2, kernel_size=2, padding="same", padding_mode="reflect"),
]


@pytest.mark.parametrize("kw", CONV1D, ids=[str(i) for i in range(len(CONV1D))])
def test_conv1d_matches_torch(kw):
    ours, theirs = nn.Conv1d(**kw).double(), torch.nn.Conv1d(**kw).double()
    assert repr(ours) == repr(theirs)
    _side_by_side(ours, theirs, (3, kw["in_channels"], 9))


def test_conv3d_and_unbatched_input_match_torch():
    ours, theirs = nn.Conv3d(2, 3, 2, padding=1).double(), torch.nn.Conv3d(2, 3, 2, padding=1).double()
    _side_by_side(ours, theirs, (2, 2, 3, 4, 3))
    ours, theirs = nn.Conv2d(2, 3, 3).double(), torch.nn.Conv2d(2, 3, 3).double()
    assert _side_by_side(ours, theirs, (2, 5, 5)).shape == (3, 3, 3)  # (C, H, W): no batch axis


TRANSPOSED = [
    dict(in_channels=3, out_channels=2, kernel_size=3),
    dict(in_channels=2, out_channels=4, kernel_size=3, stride=2, padding=1, output_padding=1),
    dict(in_channels=4, out_channels=6, kernel_size=(2, 3), stride=(2, 1), groups=2, bias=False),
    dict(in_channels=2, out_channels=2, kernel_size=3, stride=1, dilation=2, output_padding=1),  # padding >= stride
]


@pytest.mark.parametrize("kw", TRANSPOSED, ids=[str(i) for i in range(len(TRANSPOSED))])
def test_conv_transpose2d_matches_torch(kw):
    ours, theirs = nn.ConvTranspose2d(**kw).double(), torch.nn.ConvTranspose2d(**kw).double()
    assert repr(ours) == repr(theirs)
    assert tuple(ours.weight.shape) == tuple(theirs.weight.shape)
    _side_by_side(ours, theirs, (2, kw["in_channels"], 4, 5))


def test_conv_transpose_output_size_picks_the_output_padding_as_torch():
    kw = dict(in_channels=2, out_channels=3, kernel_size=3, stride=2, padding=1)
    ours, theirs = nn.ConvTranspose2d(**kw).double(), torch.nn.ConvTranspose2d(**kw).double()
    for size in ((7, 7), (8, 8), (8, 7)):
        out = _side_by_side(ours, theirs, (1, 2, 4, 4), call=lambda m, x, s=size: m(x, output_size=s), grads=False)
        assert out.shape[2:] == size
    with pytest.raises(ValueError, match="valid sizes range"):
        ours(dk.ones(1, 2, 4, 4, dtype="float64"), output_size=(9, 9))
    ours1 = nn.ConvTranspose1d(2, 3, 3, stride=2).double()
    theirs1 = torch.nn.ConvTranspose1d(2, 3, 3, stride=2).double()
    assert repr(ours1) == repr(theirs1)
    _side_by_side(ours1, theirs1, (2, 2, 5))


def test_conv_default_initialisation_has_torch_bounds_and_dtype():
    # Values come from diffkit's generator; the distribution is PyTorch's: U(-b, b), b = 1/sqrt(fan_in).
    dk.manual_seed(0)
    conv = nn.Conv2d(4, 64, 3, groups=2)
    fan_in = 2 * 3 * 3
    assert conv.weight.dtype == np.float32
    for p in (conv.weight, conv.bias):
        a = np.abs(p.numpy())
        assert a.max() <= 1 / np.sqrt(fan_in) and a.max() > 0.9 / np.sqrt(fan_in)
    up = nn.ConvTranspose2d(8, 4, 3, groups=2)
    assert np.abs(up.bias.numpy()).max() <= 1 / np.sqrt(2 * 3 * 3)  # fan_in of (in, out/groups, k, k) is out/groups k²


POOLS = [
    ("MaxPool2d", dict(kernel_size=2)),
    ("MaxPool2d", dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
    ("MaxPool2d", dict(kernel_size=(2, 3), stride=(1, 2), dilation=(2, 1))),
    ("MaxPool1d", dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
    ("AvgPool2d", dict(kernel_size=2)),
    ("AvgPool2d", dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
    ("AvgPool2d", dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False)),
    ("AvgPool2d", dict(kernel_size=2, stride=1, divisor_override=3)),
    ("AvgPool1d", dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False)),
    ("AdaptiveAvgPool2d", dict(output_size=(3, 2))),
    ("AdaptiveAvgPool2d", dict(output_size=1)),
    ("AdaptiveAvgPool2d", dict(output_size=(None, 4))),
    ("AdaptiveAvgPool1d", dict(output_size=4)),
]


@pytest.mark.parametrize("name,kw", POOLS, ids=[f"{n}-{i}" for i, (n, _) in enumerate(POOLS)])
def test_pooling_matches_torch(name, kw):
    ours, theirs = getattr(nn, name)(**kw), getattr(torch.nn, name)(**kw)
    assert repr(ours) == repr(theirs)
    shape = (2, 3, 7) if name.endswith("1d") else (2, 3, 7, 6)
    x = RNG.standard_normal(shape)
    x[0, 0, :2] = 1.5  # ties inside windows: the gradient goes to the first maximum
    xo = dk.tensor(x, requires_grad=True)
    xt = torch.from_numpy(x.copy()).requires_grad_()
    yo, yt = ours(xo), theirs(xt)
    np.testing.assert_allclose(yo.numpy(), yt.detach().numpy(), rtol=TOL, atol=TOL)
    g = RNG.standard_normal(tuple(yt.shape))
    yo.backward(dk.tensor(g))
    yt.backward(torch.from_numpy(g))
    np.testing.assert_allclose(xo.grad.numpy(), xt.grad.numpy(), rtol=TOL, atol=TOL)


def test_max_pool_return_indices_and_edge_values_match_torch():
    from diffkit.nn import functional as F

    x = RNG.standard_normal((2, 3, 6, 5))
    x[0, 0, :3, :3] = -np.inf  # a whole window of -inf: PyTorch reports its first entry inside the input
    x[1, 1, 0, 0] = x[1, 2, 0, 0] = x[1, 2, 1, 1] = np.nan  # several in a window: PyTorch takes the last
    yo, io = F.max_pool2d(dk.tensor(x), 3, stride=2, padding=1, return_indices=True)
    yt, it = torch.nn.functional.max_pool2d(torch.from_numpy(x), 3, stride=2, padding=1, return_indices=True)
    np.testing.assert_array_equal(io.numpy(), it.numpy())
    np.testing.assert_array_equal(yo.numpy(), yt.numpy())  # nan and -inf in the same places
    xo = dk.tensor(x, requires_grad=True)
    xt = torch.from_numpy(x.copy()).requires_grad_()
    F.max_pool2d(xo, 2).sum().backward()
    torch.nn.functional.max_pool2d(xt, 2).sum().backward()
    np.testing.assert_array_equal(xo.grad.numpy(), xt.grad.numpy())
    m = nn.MaxPool2d(2, return_indices=True)
    assert [tuple(t.shape) for t in m(dk.tensor(x))] == [(2, 3, 3, 2), (2, 3, 3, 2)]


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
def test_pad_matches_torch(mode):
    from diffkit.nn import functional as F

    cases = [((3, 5), (1, 2)), ((2, 3, 5), (1, 2)), ((2, 3, 4, 5), (2, 0, 1, 3)), ((2, 3, 4, 5), (3, 3, 0, 1)),
             ((1, 2, 3, 4, 5), (1, 1, 0, 0, 2, 0))]
    if mode == "constant":
        cases += [((2, 3, 4, 5), (1, 2)), ((2, 3, 4, 5), (-1, 2, 0, -2))]  # any axes; negative pads crop
    for shape, p in cases:
        x = RNG.standard_normal(shape)
        xo = dk.tensor(x, requires_grad=True)
        xt = torch.from_numpy(x.copy()).requires_grad_()
        kw = {"value": 0.5} if mode == "constant" else {}
        yo, yt = F.pad(xo, p, mode=mode, **kw), torch.nn.functional.pad(xt, p, mode=mode, **kw)
        np.testing.assert_array_equal(yo.numpy(), yt.detach().numpy())
        g = RNG.standard_normal(tuple(yt.shape))
        yo.backward(dk.tensor(g))
        yt.backward(torch.from_numpy(g))
        np.testing.assert_allclose(xo.grad.numpy(), xt.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_lenet_like_stack_matches_torch_in_float32():
    # float32 as trained: the two sides round differently (tolerance 1e-5 relative)
    def build(lib):
        m = lib.nn
        return m.Sequential(m.Conv2d(1, 6, 5, padding=2), m.ReLU(), m.MaxPool2d(2), m.Conv2d(6, 16, 5), m.ReLU(),
                            m.AvgPool2d(2), m.Flatten(), m.Linear(16 * 5 * 5, 10))

    ours, theirs = build(dk), build(torch)
    assert repr(ours) == repr(theirs)
    copy_to_torch(ours, theirs)
    x = RNG.standard_normal((4, 1, 28, 28)).astype(np.float32)
    y = RNG.integers(0, 10, 4)
    lo = nn.CrossEntropyLoss()(ours(dk.tensor(x)), dk.tensor(y))
    lt = torch.nn.CrossEntropyLoss()(theirs(torch.from_numpy(x)), torch.from_numpy(y))
    lo.backward()
    lt.backward()
    assert lo.item() == pytest.approx(lt.item(), rel=1e-5)
    for (name, p), tp in zip(ours.named_parameters(), theirs.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=1e-4, atol=1e-6, err_msg=name)


def test_max_pool_gradient_survives_an_in_place_change_of_its_output_and_infinite_cotangents():
    """An in-place clamp after the pooling changes its output; the gradient still goes to each
    window's first maximum of the input (ties included), and an infinite cotangent stays in its place."""
    x = RNG.standard_normal((4, 3, 8, 6))
    x[0, 0, :2, :2] = 0.25  # a tie
    xo, xt = dk.tensor(x, requires_grad=True), torch.from_numpy(x.copy()).requires_grad_()
    yo, yt = nn.MaxPool2d(2)(xo), torch.nn.MaxPool2d(2)(xt)
    yo.clamp_(min=0.0)
    yt.clamp_(min=0.0)
    g = RNG.standard_normal(tuple(yt.shape))
    g[1, 1, 0, 0] = np.inf
    yo.backward(dk.tensor(g))
    yt.backward(torch.from_numpy(g))
    np.testing.assert_array_equal(xo.grad.numpy(), xt.grad.numpy())
