"""Learning-rate schedulers: PyTorch's closed-form targets, and the rates of torch==2.13.0 itself, bit for bit.

The target tests are ported from PyTorch's test/optim/test_lrscheduler.py
(TestLRScheduler: the same optimizer, two groups at lr 0.05 and 0.5, the same
scheduler arguments, epochs and targets; named in each docstring). The
side-by-side tests run 40 epochs of each scheduler in both libraries and
compare every rate with ``==`` (diffkit repeats torch's recurrences operation
for operation), and the state-dict keys in order.
"""

import math
import pickle
import warnings

import numpy as np
import pytest

import diffkit as dk
from diffkit import optim
from diffkit.optim import lr_scheduler as L


def _opt(lib=None):
    """PyTorch's test optimizer: SGD with two parameter groups (lr 0.05, and 0.5 for the second)."""
    if lib is None:
        ps = [dk.zeros(2, requires_grad=True), dk.zeros(2, requires_grad=True)]
        return optim.SGD([{"params": [ps[0]]}, {"params": [ps[1]], "lr": 0.5}], lr=0.05)
    ps = [lib.zeros(2, requires_grad=True), lib.zeros(2, requires_grad=True)]
    return lib.optim.SGD([{"params": [ps[0]]}, {"params": [ps[1]], "lr": 0.5}], lr=0.05)


def _run(opt, scheduler, epochs):
    """The learning rates of every group at each epoch, stepping as a training loop does."""
    seen = []
    for _ in range(epochs):
        seen.append([g["lr"] for g in opt.param_groups])
        opt.step()
        scheduler.step()
    return np.array(seen)


def _assert_targets(seen, targets):
    for group, target in enumerate(targets):
        np.testing.assert_allclose(seen[:, group], target, rtol=0, atol=1e-10)


def test_step_exp_poly_and_cosine_targets():
    """test_lrscheduler.py: test_step_lr, test_exp_lr, test_poly_lr, test_cos_anneal_lr."""
    single = [0.05] * 3 + [0.005] * 3 + [0.0005] * 3 + [0.00005]
    opt = _opt()
    _assert_targets(_run(opt, L.StepLR(opt, gamma=0.1, step_size=3), 10), [single, [x * 10 for x in single]])
    opt = _opt()
    single = [0.05 * 0.9**x for x in range(10)]
    _assert_targets(_run(opt, L.ExponentialLR(opt, gamma=0.9), 10), [single])
    opt = _opt()
    single = [(1.0 - x / 5) ** 0.9 * 0.05 for x in range(5)] + [0.0] * 5
    _assert_targets(_run(opt, L.PolynomialLR(opt, power=0.9, total_iters=5), 10), [single])
    opt = _opt()
    eta_min = 1e-10
    single = [eta_min + (0.05 - eta_min) * (1 + math.cos(math.pi * x / 10)) / 2 for x in range(10)]
    _assert_targets(_run(opt, L.CosineAnnealingLR(opt, T_max=10, eta_min=eta_min), 10), [single])


def test_constant_and_linear_targets():
    """test_lrscheduler.py: test_constantlr, test_linearlr, test_get_last_lr_linearlr."""
    opt = _opt()
    _assert_targets(_run(opt, L.ConstantLR(opt, factor=0.5, total_iters=5), 10), [[0.025] * 5 + [0.05] * 5])
    opt = _opt()
    interpolation = [0.5 + i * 0.5 / 4 for i in range(4)]
    _assert_targets(_run(opt, L.LinearLR(opt, start_factor=0.5, total_iters=4), 10),
                    [[x * 0.05 for x in interpolation] + [0.05] * 6])
    opt = _opt()
    interpolation = [0.25 + i * (0.6 - 0.25) / 4 for i in range(4)]
    _assert_targets(_run(opt, L.LinearLR(opt, start_factor=0.25, end_factor=0.6, total_iters=4), 10),
                    [[x * 0.05 for x in interpolation] + [0.05 * 0.6] * 6])
    for bad in (0.0, 1.1):  # test_linearlr_start_factor_limits1, 2
        with pytest.raises(ValueError, match="Starting multiplicative factor"):
            L.LinearLR(_opt(), start_factor=bad, total_iters=4)


@pytest.mark.parametrize("make", [
    lambda o: L.StepLR(o, gamma=0.1, step_size=3),
    lambda o: L.LinearLR(o, start_factor=1.0 / 3, end_factor=0.7, total_iters=4),
    lambda o: L.ConstantLR(o, factor=1.0 / 3, total_iters=4),
    lambda o: L.MultiStepLR(o, gamma=0.1, milestones=[2, 5, 9]),
    lambda o: L.ExponentialLR(o, gamma=0.9),
    lambda o: L.PolynomialLR(o, power=0.9),
    lambda o: L.CosineAnnealingLR(o, T_max=5, eta_min=1e-10),
], ids=["step", "linear", "constant", "multistep", "exp", "poly", "cos"])
def test_chainable_form_agrees_with_the_closed_form(make):
    """test_lrscheduler.py: test_closed_form_* (20 epochs; step(epoch) takes the closed form, with its warning)."""
    opt, opt2 = _opt(), _opt()
    chained, closed = make(opt), make(opt2)
    for epoch in range(20):
        opt.step()
        opt2.step()
        chained.step()
        with pytest.warns(UserWarning, match="epoch parameter in `scheduler.step\\(\\)`"):
            closed.step(epoch + 1)
        np.testing.assert_allclose(chained.get_last_lr(), closed.get_last_lr(), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("kwargs,metrics,targets", [
    (dict(patience=5, cooldown=0, threshold_mode="abs", mode="min", threshold=0.1),
     [10 - i * 0.0165 for i in range(22)], [0.5] * 6 + [0.05] * 7 + [0.005] * 7 + [0.0005] * 2),
    (dict(mode="max", patience=5, cooldown=5, threshold_mode="abs"),
     [-0.8] * 2 + [-0.234] * 20, [0.5] * 8 + [0.05] * 11 + [0.005] * 3),
    (dict(mode="max", threshold_mode="rel", threshold=0.1, patience=5, cooldown=5),
     [1.5 * (1.005**i) for i in range(20)], [0.5] * 6 + [0.05] * 11 + [0.005] * 3),
    (dict(mode="min", threshold_mode="rel", threshold=0.1, patience=5, cooldown=5),
     [1] * 7 + [0.6] + [0.5] * 12, [0.5] * 6 + [0.05] * 11 + [0.005] * 3),
    (dict(mode="max", threshold_mode="rel", min_lr=[0.4, 0.3], threshold=0.1, patience=5, cooldown=5),
     [1.5 * (1.005**i) for i in range(20)], [0.5] * 6 + [0.4] * 14),
], ids=["plateau2", "plateau3", "plateau5", "plateau7", "plateau8"])
def test_reduce_lr_on_plateau_targets(kwargs, metrics, targets):
    """test_lrscheduler.py: test_reduce_lr_on_plateau2, 3, 5, 7, 8 (both groups start at 0.5)."""
    opt = _opt()
    for g in opt.param_groups:
        g["lr"] = 0.5
    scheduler = L.ReduceLROnPlateau(opt, **kwargs)
    for epoch, metric in enumerate(metrics):
        opt.step()
        scheduler.step(metric)
        assert opt.param_groups[0]["lr"] == pytest.approx(targets[epoch], abs=1e-12), epoch
    if "min_lr" in kwargs:
        assert opt.param_groups[1]["lr"] == 0.3


def test_sequential_targets():
    """test_lrscheduler.py: test_sequentiallr1, 2, 3 and 4."""
    opt = _opt()
    seq = L.SequentialLR(opt, [L.ExponentialLR(opt, gamma=0.8), L.StepLR(opt, gamma=0.1, step_size=4)], [3])
    _assert_targets(_run(opt, seq, 19), [[0.05, 0.04, 0.032] + [0.05] * 4 + [0.005] * 4 + [0.0005] * 4
                                         + [0.00005] * 4])
    opt = _opt()
    seq = L.SequentialLR(opt, [L.ConstantLR(opt, factor=0.1, total_iters=3), L.ExponentialLR(opt, gamma=0.9)], [3])
    _assert_targets(_run(opt, seq, 13), [[0.005] * 3 + [0.05 * 0.9**x for x in range(10)]])
    opt = _opt()
    seq = L.SequentialLR(opt, [L.ConstantLR(opt, factor=0.1, total_iters=3), L.ExponentialLR(opt, gamma=0.8),
                               L.StepLR(opt, gamma=0.1, step_size=2)], [3, 6])
    single = [0.005] * 3 + [0.05, 0.04, 0.032] + [0.05, 0.05, 0.005, 0.005, 0.0005, 0.0005]
    _assert_targets(_run(opt, seq, 12), [single, [x * 10 for x in single]])
    w = dk.tensor(0.5)
    opt = optim.SGD([w], lr=0.1)
    L.SequentialLR(opt, [L.ConstantLR(opt, factor=1), L.ConstantLR(opt, factor=0.1)], milestones=[10])
    assert opt.param_groups[0]["lr"] == 0.1  # the members' construction leaves the initial rate alone


def test_chained_targets():
    """test_lrscheduler.py: test_chained_lr3, test_chained_lr4, test_chained_lr2_get_last_lr_before_step."""
    opt = _opt()
    members = [L.LinearLR(opt, start_factor=0.4, total_iters=3), L.MultiStepLR(opt, milestones=[4, 8, 10], gamma=0.1)]
    chained = L.ChainedScheduler(members)
    assert chained.get_last_lr() == members[-1].get_last_lr()
    _assert_targets(_run(opt, chained, 10), [[0.02, 0.03, 0.04, 0.05] + [0.005] * 4 + [0.0005] * 2])
    opt = _opt()
    chained = L.ChainedScheduler([L.ExponentialLR(opt, gamma=0.9), L.ConstantLR(opt, factor=0.2, total_iters=4),
                                  L.StepLR(opt, gamma=0.1, step_size=3)])
    _assert_targets(_run(opt, chained, 9), [[0.05 * 0.2 * 0.9**x for x in range(3)] + [0.05 * 0.2 * 0.9**3 * 0.1]
                                            + [0.05 * 0.9**x * 0.1 for x in range(4, 6)]
                                            + [0.05 * 0.9**x * 0.01 for x in range(6, 9)]])


def test_warm_restarts_and_one_cycle_closed_forms():
    opt = _opt()
    seen = _run(opt, L.CosineAnnealingWarmRestarts(opt, T_0=3, T_mult=2, eta_min=0.001), 21)
    t_cur, t_i, expected = 0, 3, []
    for _ in range(21):
        expected.append(0.001 + (0.05 - 0.001) * (1 + math.cos(math.pi * t_cur / t_i)) / 2)
        t_cur += 1
        if t_cur >= t_i:
            t_cur, t_i = 0, t_i * 2
    np.testing.assert_allclose(seen[:, 0], expected, rtol=1e-14)
    opt = _opt()
    sched = L.OneCycleLR(opt, max_lr=1.0, total_steps=20, anneal_strategy="linear")
    seen = _run(opt, sched, 20)[:, 0]
    up = [0.04 + (1.0 - 0.04) * s / 5 for s in range(6)]
    down = [1.0 + (0.04 / 1e4 - 1.0) * s / 14 for s in range(1, 15)]
    np.testing.assert_allclose(seen, up + down, rtol=1e-12)
    with pytest.raises(ValueError, match="Tried to step 21 times"):
        sched.step()


def test_stepping_order_warnings_are_torchs():
    """test_lrscheduler.py: test_old_pattern_warning, test_new_pattern_no_warning."""
    opt = _opt()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        scheduler = L.StepLR(opt, gamma=0.1, step_size=3)  # constructing warns nothing
    with pytest.warns(UserWarning, match="before `optimizer.step\\(\\)`"):
        scheduler.step()
    opt = _opt()
    scheduler = L.StepLR(opt, gamma=0.1, step_size=3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(35):
            opt.step()
            scheduler.step()
    with pytest.warns(UserWarning, match="get_last_lr"):
        scheduler.get_lr()


def test_resuming_needs_initial_lr_and_state_dicts_round_trip():
    """test_lrscheduler.py: test_cos_anneal_lr_continue."""
    with pytest.raises(KeyError, match="initial_lr"):
        L.StepLR(_opt(), step_size=2, last_epoch=3)
    opt = _opt()
    scheduler = L.CosineAnnealingLR(opt, T_max=5, eta_min=0.1)
    opt.step()
    scheduler.step()
    resumed = L.CosineAnnealingLR(opt, T_max=5, eta_min=0.1, last_epoch=0)
    np.testing.assert_allclose(resumed.get_last_lr(), scheduler.get_last_lr(), rtol=1e-4)
    opt = _opt()
    a = L.OneCycleLR(opt, max_lr=0.5, total_steps=30)
    for _ in range(7):
        opt.step()
        a.step()
    saved = pickle.loads(pickle.dumps(a.state_dict()))
    opt2 = _opt()
    b = L.OneCycleLR(opt2, max_lr=0.5, total_steps=30)  # build both, then load both (PyTorch's resume recipe)
    opt2.load_state_dict(opt.state_dict())
    b.load_state_dict(saved)
    np.testing.assert_array_equal(_run(opt, a, 10), _run(opt2, b, 10))


# ---------------------------------------------------------------- side by side with torch

SPECS = {
    "cosine": lambda L_, o: L_.CosineAnnealingLR(o, T_max=7, eta_min=0.001),
    "cosine_past_T_max": lambda L_, o: L_.CosineAnnealingLR(o, T_max=10),
    "warm_restarts": lambda L_, o: L_.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2, eta_min=1e-4),
    "warm_restarts_T_mult1": lambda L_, o: L_.CosineAnnealingWarmRestarts(o, T_0=5),
    "one_cycle": lambda L_, o: L_.OneCycleLR(o, max_lr=[1.0, 0.5], total_steps=40),
    "one_cycle_linear_3phase": lambda L_, o: L_.OneCycleLR(o, max_lr=0.3, epochs=4, steps_per_epoch=10,
                                                          anneal_strategy="linear", three_phase=True,
                                                          pct_start=0.25),
    "linear": lambda L_, o: L_.LinearLR(o, start_factor=0.1, total_iters=8),
    "linear_down": lambda L_, o: L_.LinearLR(o, start_factor=1.0, end_factor=0.05, total_iters=30),
    "warmup_then_cosine": lambda L_, o: L_.SequentialLR(
        o, [L_.LinearLR(o, start_factor=0.1, total_iters=5), L_.CosineAnnealingLR(o, T_max=20)], milestones=[5]),
    "sequential3": lambda L_, o: L_.SequentialLR(
        o, [L_.ConstantLR(o, factor=0.5, total_iters=3), L_.ExponentialLR(o, gamma=0.9), L_.StepLR(o, 4, 0.5)],
        milestones=[4, 12]),
    "chained": lambda L_, o: L_.ChainedScheduler([L_.ConstantLR(o, factor=0.1, total_iters=4),
                                                  L_.ExponentialLR(o, gamma=0.95)]),
    "chained_cosine": lambda L_, o: L_.ChainedScheduler([L_.LinearLR(o, start_factor=0.2, total_iters=5),
                                                         L_.CosineAnnealingLR(o, T_max=12)]),
    "multistep": lambda L_, o: L_.MultiStepLR(o, [2, 5, 5, 9], 0.5),
    "lambda": lambda L_, o: L_.LambdaLR(o, [lambda e: 1 / (1 + e), lambda e: 0.9**e]),
    "multiplicative": lambda L_, o: L_.MultiplicativeLR(o, lambda e: 0.97),
}


@pytest.mark.parametrize("name", sorted(SPECS))
def test_rates_equal_torchs_over_40_epochs(name):
    torch = pytest.importorskip("torch")
    runs = []
    for lib, sched_module in ((None, L), (torch, torch.optim.lr_scheduler)):
        opt = _opt(lib)
        scheduler = SPECS[name](sched_module, opt)
        rates = []
        for _ in range(40):
            rates.append(list(scheduler.get_last_lr()) + [g["momentum"] for g in opt.param_groups])
            opt.step()
            scheduler.step()
        runs.append((rates, scheduler.state_dict()))
    (ours, our_sd), (theirs, their_sd) = runs
    assert ours == theirs  # exactly: the same operations in the same order
    assert list(our_sd) == list(their_sd)


def test_plateau_and_adam_one_cycle_equal_torchs():
    torch = pytest.importorskip("torch")
    metrics = [1.0, 0.9, 0.95, 0.9, 0.89, 0.9, 0.9, 0.91, 0.5, 0.5, 0.5, 0.5, 0.6, 0.7, 0.8] * 3
    runs = []
    for lib, module in ((None, optim), (torch, torch.optim)):
        opt = _opt(lib)
        plateau = module.lr_scheduler.ReduceLROnPlateau(opt, mode="max", factor=0.5, patience=2, threshold=0.01,
                                                        threshold_mode="abs", cooldown=2, min_lr=[0.01, 0.02])
        rates = []
        for m in metrics:
            opt.step()
            plateau.step(m)
            rates.append(plateau.get_last_lr())
        w = dk.zeros(2, requires_grad=True) if lib is None else torch.zeros(2, requires_grad=True)
        adam = module.Adam([w], lr=0.1)
        cycle = module.lr_scheduler.OneCycleLR(adam, max_lr=0.3, total_steps=41, div_factor=10.0,
                                               final_div_factor=100.0)
        for _ in range(40):
            adam.step()
            cycle.step()
            rates.append([cycle.get_last_lr()[0], adam.param_groups[0]["betas"]])
        runs.append((rates, plateau.state_dict()))
    assert runs[0][0] == runs[1][0]
    assert runs[0][1] == runs[1][1]


def test_a_torch_scheduler_state_dict_loads():
    torch = pytest.importorskip("torch")
    topt = _opt(torch)
    tsched = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(topt, T_0=4, T_mult=2)
    for _ in range(9):
        topt.step()
        tsched.step()
    opt = _opt()
    for g, tg in zip(opt.param_groups, topt.param_groups):
        g.update(lr=tg["lr"], initial_lr=tg["initial_lr"])
    sched = L.CosineAnnealingWarmRestarts(opt, T_0=4, T_mult=2)
    sched.load_state_dict(tsched.state_dict())
    for _ in range(10):
        opt.step()
        topt.step()
        sched.step()
        tsched.step()
        assert sched.get_last_lr() == tsched.get_last_lr()
