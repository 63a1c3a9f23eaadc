"""Linear's default initialisation and forward, activations, Flatten, Dropout, nn.init formulas, manual_seed."""

import math

import numpy as np
import pytest

import diffkit as dk
from diffkit import nn
from diffkit.nn import init


def test_linear_shapes_and_pytorch_default_init_range():
    dk.manual_seed(0)
    layer = nn.Linear(400, 300)
    assert layer.weight.shape == (300, 400) and layer.bias.shape == (300,)
    assert layer.weight.dtype == np.float32
    bound = 1 / math.sqrt(400)
    w = layer.weight.numpy()
    assert np.abs(w).max() <= bound and np.abs(layer.bias.numpy()).max() <= bound
    # U(-b, b): std b / sqrt(3), within 2% for 120000 draws
    assert abs(w.std() - bound / math.sqrt(3)) < 0.02 * bound / math.sqrt(3)
    assert abs(w.mean()) < 0.01 * bound


def test_linear_forward_is_x_wT_plus_b_and_gradients():
    layer = nn.Linear(3, 2, dtype=np.float64)
    x = np.random.default_rng(1).standard_normal((5, 3))
    w, b = layer.weight.numpy(), layer.bias.numpy()
    out = layer(x)
    np.testing.assert_allclose(out.numpy(), x @ w.T + b, rtol=1e-14)
    g = np.random.default_rng(2).standard_normal((5, 2))
    out.backward(g)
    np.testing.assert_allclose(layer.weight.grad.numpy(), g.T @ x, rtol=1e-13)
    np.testing.assert_allclose(layer.bias.grad.numpy(), g.sum(0), rtol=1e-13)
    assert layer.weight.grad.numpy().flags.c_contiguous
    # inputs with extra batch dimensions and single vectors
    xt = dk.tensor(np.random.default_rng(3).standard_normal((2, 4, 3)), requires_grad=True)
    layer.zero_grad()
    y = layer(xt)
    assert y.shape == (2, 4, 2)
    y.sum().backward()
    np.testing.assert_allclose(xt.grad.numpy(), np.broadcast_to(w.sum(0), (2, 4, 3)), rtol=1e-13)
    np.testing.assert_allclose(layer.weight.grad.numpy(), np.tile(xt.numpy().reshape(-1, 3).sum(0), (2, 1)),
                               rtol=1e-13)
    np.testing.assert_allclose(layer(x[0]).numpy(), x[0] @ w.T + b, rtol=1e-14)
    assert nn.Linear(3, 2, bias=False)(x).shape == (5, 2)


def test_manual_seed_makes_init_reproducible():
    dk.manual_seed(42)
    a = nn.Linear(5, 5).weight.numpy().copy()
    dk.manual_seed(42)
    b = nn.Linear(5, 5).weight.numpy().copy()
    c = nn.Linear(5, 5).weight.numpy().copy()
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(b, c)


def test_activations():
    x = np.array([[-2.0, 0.0, 3.0]])
    assert nn.ReLU()(x).tolist() == [[0.0, 0.0, 3.0]]
    np.testing.assert_allclose(nn.Sigmoid()(x), 1 / (1 + np.exp(-x)), rtol=1e-14)
    np.testing.assert_allclose(nn.Tanh()(x), np.tanh(x), rtol=1e-14)
    e = np.exp(x - x.max())
    np.testing.assert_allclose(nn.Softmax(dim=1)(x), e / e.sum(), rtol=1e-14)
    np.testing.assert_allclose(nn.LogSoftmax(dim=-1)(x), np.log(e / e.sum()), rtol=1e-14)
    np.testing.assert_allclose(nn.LeakyReLU(0.1)(x), [[-0.2, 0.0, 3.0]])
    with pytest.warns(UserWarning, match="implicit dimension"):
        nn.Softmax()(x)
    t = dk.tensor([-1.0, 0.0, 2.0], requires_grad=True)
    nn.LeakyReLU(0.1)(t).sum().backward()
    assert t.grad.tolist() == pytest.approx([0.1, 0.1, 1.0])  # slope at 0, as in PyTorch


def test_flatten():
    x = np.zeros((2, 3, 4, 5))
    assert nn.Flatten()(x).shape == (2, 60)
    assert nn.Flatten(0, 1)(x).shape == (6, 4, 5)
    assert nn.Flatten(2)(x).shape == (2, 3, 20)


def test_dropout_train_and_eval():
    dk.manual_seed(0)
    drop = nn.Dropout(p=0.3)
    x = dk.tensor(np.ones(20000, dtype=np.float32), requires_grad=True)
    y = drop(x)
    vals = y.numpy()
    kept = vals != 0
    np.testing.assert_allclose(vals[kept], 1 / 0.7, rtol=1e-6)
    assert abs(kept.mean() - 0.7) < 0.015  # 5 sigma for 20000 Bernoulli(0.7) draws
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), vals, rtol=1e-6)  # gradient flows through the same mask
    drop.eval()
    assert drop(x) is x
    assert not nn.Dropout(1.0)(np.ones(5)).any()
    with pytest.raises(ValueError):
        nn.Dropout(1.5)


@pytest.mark.parametrize("name,param,want", [
    ("linear", None, 1.0), ("sigmoid", None, 1.0), ("tanh", None, 5 / 3), ("relu", None, math.sqrt(2)),
    ("leaky_relu", None, math.sqrt(2 / (1 + 0.01**2))), ("leaky_relu", 0.2, math.sqrt(2 / 1.04)),
    ("selu", None, 0.75)])
def test_calculate_gain(name, param, want):
    assert init.calculate_gain(name, param) == pytest.approx(want, rel=1e-15)


def test_init_formulas():
    rng = np.random.default_rng(0)
    w = np.empty((300, 200))
    init.xavier_uniform_(w, gain=2.0, generator=rng)
    a = 2.0 * math.sqrt(6 / 500)
    assert np.abs(w).max() <= a and np.abs(w).max() > 0.99 * a
    init.xavier_normal_(w, generator=rng)
    assert w.std() == pytest.approx(math.sqrt(2 / 500), rel=0.02)
    init.kaiming_uniform_(w, mode="fan_out", nonlinearity="relu", generator=rng)
    bound = math.sqrt(2) * math.sqrt(3 / 300)
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.99 * bound
    init.kaiming_normal_(w, nonlinearity="relu", generator=rng)
    assert w.std() == pytest.approx(math.sqrt(2 / 200), rel=0.02)
    conv = np.empty((8, 4, 3, 3))  # fan_in counts the receptive field
    init.kaiming_normal_(conv, generator=rng)
    assert conv.std() == pytest.approx(math.sqrt(2 / (1 + 0.01**2)) / math.sqrt(36), rel=0.1)
    t = nn.Parameter(dk.tensor(np.zeros(4, dtype=np.float32)))
    v0 = t._version
    assert init.constant_(t, 0.5) is t and t.tolist() == [0.5] * 4 and t._version > v0
    init.zeros_(t)
    init.ones_(t)
    assert t.tolist() == [1.0] * 4
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        init.xavier_uniform_(np.empty(3))
    with pytest.raises(ValueError):
        init.kaiming_uniform_(w, mode="fan_middle")


def test_init_seeding_via_generator_and_manual_seed():
    a, b = np.empty(5), np.empty(5)
    init.normal_(a, generator=7)
    init.normal_(b, generator=np.random.default_rng(7))
    np.testing.assert_array_equal(a, b)
    dk.manual_seed(3)
    init.uniform_(a)
    dk.manual_seed(3)
    init.uniform_(b)
    np.testing.assert_array_equal(a, b)
