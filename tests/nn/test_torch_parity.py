"""A diffkit MLP and a torch==2.13.0 MLP with copied weights: same loss, gradients and optimizer trajectories.

Skipped (never failed) without torch. float64 throughout; tolerance 1e-6 as the
acceptance asks (observed differences are ~1e-15, rounding order only).
"""

import numpy as np
import pytest

import diffkit as dk
from diffkit import nn, optim

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(5)
X = RNG.standard_normal((32, 8))
Y = RNG.integers(0, 4, 32)


def _pair(seed=0):
    dk.manual_seed(seed)
    ours = nn.Sequential(nn.Linear(8, 16), nn.Tanh(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 4)).double()
    theirs = torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.Tanh(), torch.nn.Linear(16, 16), torch.nn.ReLU(),
                                 torch.nn.Linear(16, 4)).double()
    # diffkit -> torch through arrays, with PyTorch's own keys
    theirs.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in ours.state_dict().items()})
    return ours, theirs


def _compare_params(ours, theirs, tol=1e-6):
    for (name, p), (tname, tp) in zip(ours.named_parameters(), theirs.named_parameters()):
        assert name == tname
        np.testing.assert_allclose(p.numpy(), tp.detach().numpy(), rtol=tol, atol=tol, err_msg=name)


def test_state_dict_keys_and_copy_both_ways():
    ours, theirs = _pair()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    with torch.no_grad():
        for p in theirs.parameters():
            p.mul_(2.0)
    ours.load_state_dict(theirs.state_dict())  # torch tensors load directly
    _compare_params(ours, theirs, tol=0)


def test_same_loss_and_gradients_float64():
    ours, theirs = _pair()
    loss = nn.CrossEntropyLoss()(ours(X), Y)
    tloss = torch.nn.CrossEntropyLoss()(theirs(torch.from_numpy(X)), torch.from_numpy(Y))
    loss.backward()
    tloss.backward()
    assert loss.item() == pytest.approx(tloss.item(), rel=1e-6, abs=1e-6)
    for (name, p), tp in zip(ours.named_parameters(), theirs.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=1e-6, atol=1e-6, err_msg=name)
    # and MSE on the same nets
    ours.zero_grad()
    theirs.zero_grad()
    target = RNG.standard_normal((32, 4))
    loss = nn.MSELoss()(ours(X), target)
    tloss = torch.nn.MSELoss()(theirs(torch.from_numpy(X)), torch.from_numpy(target))
    loss.backward()
    tloss.backward()
    assert loss.item() == pytest.approx(tloss.item(), rel=1e-6)
    for p, tp in zip(ours.parameters(), theirs.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=1e-6, atol=1e-6)


OPTIMIZERS = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.1, weight_decay=1e-2)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-3)),
    ("Adam", dict(lr=1e-2)),
    ("Adam", dict(lr=1e-2, betas=(0.8, 0.99), weight_decay=1e-2, amsgrad=True)),
    ("AdamW", dict(lr=1e-2)),
    ("AdamW", dict(lr=1e-2, weight_decay=0.1, amsgrad=True)),
    ("RMSprop", dict(lr=1e-2)),
    ("RMSprop", dict(lr=1e-2, momentum=0.9, centered=True, weight_decay=1e-2)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01, weight_decay=1e-2, initial_accumulator_value=0.1)),
]


@pytest.mark.parametrize("name,kwargs", OPTIMIZERS, ids=[f"{n}-{i}" for i, (n, _) in enumerate(OPTIMIZERS)])
def test_same_parameters_after_10_steps(name, kwargs):
    ours, theirs = _pair(1)
    opt = getattr(optim, name)(ours.parameters(), **kwargs)
    topt = getattr(torch.optim, name)(theirs.parameters(), **kwargs)
    tx, ty = torch.from_numpy(X), torch.from_numpy(Y)
    for _ in range(10):
        opt.zero_grad()
        nn.CrossEntropyLoss()(ours(X), Y).backward()
        opt.step()
        topt.zero_grad()
        torch.nn.CrossEntropyLoss()(theirs(tx), ty).backward()
        topt.step()
    _compare_params(ours, theirs)


def test_forgetting_zero_grad_accumulates_exactly_as_in_pytorch():
    # The lecture's warning: without zero_grad, backward adds to the previous gradients.
    ours, theirs = _pair(2)
    opt = optim.SGD(ours.parameters(), lr=0.1)
    topt = torch.optim.SGD(theirs.parameters(), lr=0.1)
    tx, ty = torch.from_numpy(X), torch.from_numpy(Y)
    first = None
    for step in range(3):  # no zero_grad anywhere
        nn.CrossEntropyLoss()(ours(X), Y).backward()
        opt.step()
        torch.nn.CrossEntropyLoss()(theirs(tx), ty).backward()
        topt.step()
        if step == 0:
            first = ours[0].weight.grad.numpy().copy()
        for p, tp in zip(ours.parameters(), theirs.parameters()):
            np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=1e-6, atol=1e-6)
    _compare_params(ours, theirs)
    # the accumulated gradient is the sum of the three steps' gradients, not the last one
    assert not np.allclose(ours[0].weight.grad.numpy(), first)


def test_parameter_gradient_accumulates_over_two_backwards():
    w = nn.Parameter(dk.tensor(np.array([1.0, 2.0])))
    (w * w).sum().backward()
    (w * w).sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), 2 * 2 * np.array([1.0, 2.0]))


@pytest.mark.parametrize("sched,kwargs", [("StepLR", dict(step_size=3, gamma=0.5)),
                                          ("ExponentialLR", dict(gamma=0.9)),
                                          ("MultiStepLR", dict(milestones=[2, 5], gamma=0.1))])
def test_schedulers_match_torch(sched, kwargs):
    ours, theirs = _pair()
    opt = optim.SGD(ours.parameters(), lr=0.1)
    topt = torch.optim.SGD(theirs.parameters(), lr=0.1)
    s = getattr(optim.lr_scheduler, sched)(opt, **kwargs)
    ts = getattr(torch.optim.lr_scheduler, sched)(topt, **kwargs)
    for _ in range(8):
        opt.step()
        topt.step()
        s.step()
        ts.step()
        assert s.get_last_lr() == pytest.approx(ts.get_last_lr(), rel=1e-15)


def test_bce_gradient_at_zero_and_one_is_pytorchs_finite_slope():
    p, t = [0.0, 1.0, 0.3], [1.0, 0.0, 0.5]
    x = dk.tensor(p, requires_grad=True, dtype="float64")
    loss = nn.functional.binary_cross_entropy(x, dk.tensor(t, dtype="float64"))
    loss.backward()
    xt = torch.tensor(p, requires_grad=True, dtype=torch.float64)
    lt = torch.nn.functional.binary_cross_entropy(xt, torch.tensor(t, dtype=torch.float64))
    lt.backward()
    assert float(loss) == pytest.approx(float(lt.detach()), rel=1e-12)
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-6)
    assert np.isfinite(x.grad.numpy()).all()


def test_cross_entropy_with_every_target_ignored_is_nan_with_zero_gradient():
    logits = np.random.default_rng(1).standard_normal((6, 3)).astype(np.float32)
    x = dk.tensor(logits, requires_grad=True)
    loss = nn.functional.cross_entropy(x, dk.tensor(np.zeros(6, dtype=np.int64)), ignore_index=0)
    loss.backward()
    xt = torch.tensor(logits, requires_grad=True)
    torch.nn.functional.cross_entropy(xt, torch.zeros(6, dtype=torch.long), ignore_index=0).backward()
    assert np.isnan(float(loss))
    np.testing.assert_array_equal(x.grad.numpy(), xt.grad.numpy())  # zeros, both


def test_sign_and_step_record_and_give_zero_gradients_like_torch():
    x = dk.tensor([-1.0, 0.0, 2.0], requires_grad=True)
    y = dk.sign(x) * x + dk.step(x)
    assert dk.sign(x).requires_grad and not (x > 0).requires_grad
    y.sum().backward()
    xt = torch.tensor([-1.0, 0.0, 2.0], requires_grad=True)
    (torch.sign(xt) * xt + torch.heaviside(xt, torch.tensor(0.0)).detach()).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), xt.grad.numpy())  # d|x|/dx = sign(x), the steps add 0


def test_numpy_scalars_do_not_promote_float32_tensors():
    x = dk.tensor([1.0, 2.0], requires_grad=True)
    for y in (x * np.float64(2), np.float64(2) * x, x + np.float32(1), x / np.float64(3), x ** np.float64(2),
              x * np.int64(2), dk.maximum(x, np.float64(1.5))):
        assert y.dtype == np.float32 and y.requires_grad
        assert (torch.ones(2) * np.float64(2)).dtype == torch.float32  # the behaviour copied


def test_a_parameter_copies_an_array_it_is_made_from():
    a = np.ones(3)
    p = nn.Parameter(a)
    opt = optim.SGD([p], lr=0.1)
    (p * p).sum().backward()
    opt.step()
    np.testing.assert_array_equal(a, np.ones(3))
    t = dk.tensor([1.0, 2.0])
    assert np.shares_memory(nn.Parameter(t).numpy(), t.numpy())  # a Tensor's array is shared, as in PyTorch
