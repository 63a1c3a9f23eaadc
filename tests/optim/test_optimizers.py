"""Optimizer updates against hand-computed formulas, parameter groups, state dicts, schedulers, errors."""

import math

import numpy as np
import pytest

import diffkit as dk
from diffkit import nn, optim


def _quadratic_steps(opt, w, n):
    for _ in range(n):
        opt.zero_grad()
        (w * w).sum().backward()  # gradient 2 w
        opt.step()


def _w(values=(1.0, -2.0)):
    return dk.tensor(np.array(values), requires_grad=True)


def test_sgd_momentum_nesterov_weight_decay_by_hand():
    w = _w()
    opt = optim.SGD([w], lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01)
    p, buf = np.array([1.0, -2.0]), None
    for _ in range(3):
        g = 2 * p + 0.01 * p
        buf = g.copy() if buf is None else 0.9 * buf + g
        p = p - 0.1 * (g + 0.9 * buf)
    _quadratic_steps(opt, w, 3)
    np.testing.assert_allclose(w.numpy(), p, rtol=1e-14)


def test_adam_first_step_moves_by_lr_and_by_hand():
    w = _w()
    opt = optim.Adam([w], lr=0.01)
    _quadratic_steps(opt, w, 1)
    np.testing.assert_allclose(w.numpy(), [0.99, -1.99], rtol=1e-9)
    p = w.numpy().copy()
    # continue by hand from PyTorch's formulas
    p0 = np.array([1.0, -2.0])
    g = 2 * p0
    m, v = 0.1 * g, 0.001 * g * g
    for t in range(2, 5):
        g = 2 * p
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        p = p - 0.01 / (1 - 0.9**t) * m / (np.sqrt(v) / math.sqrt(1 - 0.999**t) + 1e-8)
    _quadratic_steps(opt, w, 3)
    np.testing.assert_allclose(w.numpy(), p, rtol=1e-12)


def test_adamw_decouples_weight_decay():
    w = _w((1.0,))
    opt = optim.AdamW([w], lr=0.1, weight_decay=0.5)
    (0 * w).sum().backward()
    opt.step()
    assert w.item() == pytest.approx(0.95)  # only the decay acted: zero gradient, zero Adam step


def test_rmsprop_and_adagrad_by_hand():
    w = _w()
    opt = optim.RMSprop([w], lr=0.01, alpha=0.9)
    p, s = np.array([1.0, -2.0]), 0.0
    for _ in range(3):
        g = 2 * p
        s = 0.9 * s + 0.1 * g * g
        p = p - 0.01 * g / (np.sqrt(s) + 1e-8)
    _quadratic_steps(opt, w, 3)
    np.testing.assert_allclose(w.numpy(), p, rtol=1e-12)
    w = _w()
    opt = optim.Adagrad([w], lr=0.1, lr_decay=0.1)
    p, s = np.array([1.0, -2.0]), 0.0
    for t in range(1, 4):
        g = 2 * p
        s = s + g * g
        p = p - 0.1 / (1 + (t - 1) * 0.1) * g / (np.sqrt(s) + 1e-10)
    _quadratic_steps(opt, w, 3)
    np.testing.assert_allclose(w.numpy(), p, rtol=1e-12)


def test_updates_are_in_place_and_bump_the_version():
    layer = nn.Linear(2, 2)
    w = layer.weight
    arr = w.numpy()
    opt = optim.SGD(layer.parameters(), lr=0.1)
    layer(np.ones((1, 2), np.float32)).sum().backward()
    v0 = w._version
    opt.step()
    assert np.shares_memory(arr, w.numpy())  # updated in place, no new array
    assert w._version > v0 and w.requires_grad and w.is_leaf


def test_step_after_parameters_changed_blocks_stale_backward():
    w = dk.tensor(np.array([1.0, 2.0]), requires_grad=True)
    opt = optim.SGD([w], lr=0.1)
    (w * w).sum().backward()
    loss = (w * w).sum()  # saved w before the update
    opt.step()
    with pytest.raises(dk.GradientError, match="in-place"):
        loss.backward()


def test_parameters_without_grad_are_skipped_and_groups_keep_their_lr():
    a, b = _w((1.0,)), _w((1.0,))
    opt = optim.SGD([{"params": [a]}, {"params": [b], "lr": 1.0}], lr=0.1)
    (a * b).sum().backward()
    opt.step()
    assert a.item() == pytest.approx(0.9) and b.item() == pytest.approx(0.0)
    c = _w((5.0,))
    opt.add_param_group({"params": c})
    opt.step()  # c has no grad: unchanged
    assert c.item() == 5.0
    assert "Parameter Group 2" in repr(opt)


def test_optimizer_argument_errors():
    w = _w()
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.SGD([], lr=0.1)
    with pytest.raises(ValueError, match="learning rate"):
        optim.SGD([w], lr=-1)
    with pytest.raises(ValueError, match="beta"):
        optim.Adam([w], betas=(1.0, 0.9))
    with pytest.raises(ValueError, match="Nesterov"):
        optim.SGD([w], lr=0.1, nesterov=True)
    with pytest.raises(TypeError, match="iterable"):
        optim.SGD(w, lr=0.1)
    with pytest.raises(TypeError, match="sets"):
        optim.SGD({w}, lr=0.1)
    with pytest.raises(ValueError, match="more than one"):
        optim.SGD([{"params": [w]}, {"params": [w]}], lr=0.1)
    with pytest.raises(ValueError, match="non-leaf"):
        optim.SGD([w * 2], lr=0.1)


@pytest.mark.parametrize("cls,kwargs", [(optim.SGD, dict(lr=0.1, momentum=0.9)), (optim.Adam, dict(lr=0.1)),
                                        (optim.RMSprop, dict(lr=0.01, centered=True, momentum=0.5)),
                                        (optim.Adagrad, dict(lr=0.1))])
def test_state_dict_round_trip_continues_identically(cls, kwargs):
    w1, w2 = _w(), _w()
    opt1 = cls([w1], **kwargs)
    _quadratic_steps(opt1, w1, 3)
    sd = opt1.state_dict()
    assert sd["param_groups"][0]["params"] == [0]
    with dk.no_grad():
        w2.copy_(w1)
    opt2 = cls([w2], **{**kwargs, "lr": 123.0})
    opt2.load_state_dict(sd)
    assert opt2.param_groups[0]["lr"] == kwargs["lr"]
    _quadratic_steps(opt1, w1, 2)
    _quadratic_steps(opt2, w2, 2)
    np.testing.assert_array_equal(w1.numpy(), w2.numpy())
    with pytest.raises(ValueError):
        cls([_w(), _w()], **kwargs).load_state_dict(sd)


def test_schedulers_by_hand():
    w = _w()
    opt = optim.SGD([w], lr=1.0)
    sched = optim.lr_scheduler.ExponentialLR(opt, gamma=0.5)
    seen = []
    for _ in range(4):
        seen.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    assert seen == [1.0, 0.5, 0.25, 0.125]
    sd = sched.state_dict()
    assert sd["last_epoch"] == 4 and "optimizer" not in sd
    opt2 = optim.SGD([w], lr=1.0)
    lam = optim.lr_scheduler.LambdaLR(opt2, lambda e: 0.1 * e + 1)
    for _ in range(2):
        opt2.step()
        lam.step()
    assert lam.get_last_lr() == [pytest.approx(1.2)]
    with pytest.raises(ValueError):
        optim.lr_scheduler.StepLR(opt, step_size=0)
