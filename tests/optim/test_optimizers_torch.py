"""NAdam, RAdam and LBFGS against torch==2.13.0 step by step, and PyTorch's group keys, reprs and refusals.

The configurations are those of torch/testing/_internal/common_optimizers.py
(optim_inputs_func_nadam, optim_inputs_func_radam, optim_inputs_func_lbfgs,
CPU entries), the refusals those of its get_error_inputs_for_all_optims and
optim_error_inputs_func_nadam/radam. Each run: the same MLP (weights copied
from diffkit to torch), the same data, 12 steps (LBFGS: 3 steps of up to 20
iterations), float64; parameters compared after every step with rtol 1e-10
(observed: 1e-15 for NAdam/RAdam, 1e-12 for LBFGS: dot products summed in
another order, which LBFGS's line search amplifies slowly). Skipped without torch.
"""

import numpy as np
import pytest

import diffkit as dk
from diffkit import nn, optim

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(23)
X = RNG.standard_normal((24, 5))
Y = RNG.standard_normal((24, 2))


def _pair(dtype=np.float64):
    dk.manual_seed(1)
    ours = nn.Sequential(nn.Linear(5, 6), nn.Tanh(), nn.Linear(6, 2)).to(dtype)
    theirs = torch.nn.Sequential(torch.nn.Linear(5, 6), torch.nn.Tanh(), torch.nn.Linear(6, 2))
    theirs = theirs.to(getattr(torch, np.dtype(dtype).name))
    theirs.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in ours.state_dict().items()})
    return ours, theirs


def _closures(ours, theirs, opt, topt, dtype=np.float64):
    x, y = X.astype(dtype), Y.astype(dtype)

    def ours_closure():
        opt.zero_grad()
        loss = nn.functional.mse_loss(ours(x), y)
        loss.backward()
        return loss

    def theirs_closure():
        topt.zero_grad()
        loss = torch.nn.functional.mse_loss(theirs(torch.from_numpy(x)), torch.from_numpy(y))
        loss.backward()
        return loss

    return ours_closure, theirs_closure


def _assert_same_params(ours, theirs, rtol):
    for (name, p), q in zip(ours.named_parameters(), theirs.parameters()):
        np.testing.assert_allclose(p.numpy(), q.detach().numpy(), rtol=rtol, atol=rtol, err_msg=name)


def _torch_kwargs(kwargs):
    return {k: torch.tensor(v) if k == "lr" and isinstance(v, np.ndarray) else v for k, v in kwargs.items()}


NADAM = [{}, {"lr": 1e-3}, {"momentum_decay": 6e-3}, {"weight_decay": 0.1},
         {"weight_decay": 0.1, "momentum_decay": 6e-3},
         {"weight_decay": 0.1, "momentum_decay": 6e-3, "decoupled_weight_decay": True},
         {"weight_decay": 0.1, "maximize": True}]
RADAM = [{}, {"lr": 2e-3}, {"eps": 1e-6}, {"weight_decay": 0.1},
         {"weight_decay": 0.1, "decoupled_weight_decay": True}, {"weight_decay": 0.1, "maximize": True}]
CASES = [("NAdam", kw) for kw in NADAM] + [("RAdam", kw) for kw in RADAM]


@pytest.mark.parametrize("name,kwargs", CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
def test_trajectory_matches_torch(name, kwargs):
    ours, theirs = _pair()
    opt = getattr(optim, name)(ours.parameters(), **kwargs)
    topt = getattr(torch.optim, name)(theirs.parameters(), **kwargs)
    oc, tc = _closures(ours, theirs, opt, topt)
    for _ in range(12):
        oc()
        opt.step()
        tc()
        topt.step()
        _assert_same_params(ours, theirs, 1e-10)
    # the same state entries, and the same step count
    theirs_state = topt.state_dict()["state"]
    for i, entry in opt.state_dict()["state"].items():
        assert sorted(entry) == sorted(theirs_state[i])
        assert entry["step"] == int(theirs_state[i]["step"])
    assert float(opt.state_dict()["state"][0].get("mu_product", 0.0)) == pytest.approx(
        float(theirs_state[0].get("mu_product", 0.0)), rel=0, abs=0)


@pytest.mark.parametrize("name", ["NAdam", "RAdam"])
def test_float32_trajectory_matches_torch(name):
    ours, theirs = _pair(np.float32)
    opt = getattr(optim, name)(ours.parameters(), lr=0.01)
    topt = getattr(torch.optim, name)(theirs.parameters(), lr=0.01)
    oc, tc = _closures(ours, theirs, opt, topt, np.float32)
    for _ in range(8):
        oc()
        opt.step()
        tc()
        topt.step()
    assert ours[0].weight.dtype == np.float32
    _assert_same_params(ours, theirs, 2e-5)


LBFGS = [{}, {"lr": 0.01}, {"lr": np.array(0.001)}, {"tolerance_grad": 1e-6}, {"line_search_fn": "strong_wolfe"},
         {"history_size": 3, "max_iter": 7, "lr": 0.5}, {"line_search_fn": "strong_wolfe", "max_eval": 9}]


@pytest.mark.parametrize("kwargs", LBFGS, ids=[str(i) for i in range(len(LBFGS))])
def test_lbfgs_matches_torch_iteration_for_iteration(kwargs):
    ours, theirs = _pair()
    opt = optim.LBFGS(ours.parameters(), **kwargs)
    topt = torch.optim.LBFGS(theirs.parameters(), **_torch_kwargs(kwargs))
    oc, tc = _closures(ours, theirs, opt, topt)
    for _ in range(3):
        loss, tloss = opt.step(oc), topt.step(tc)
        assert loss.item() == pytest.approx(tloss.item(), rel=1e-10)
        _assert_same_params(ours, theirs, 1e-9)
    state = opt.state[ours[0].weight]
    tstate = topt.state[theirs[0].weight]
    assert sorted(state) == sorted(tstate)
    assert (state["n_iter"], state["func_evals"]) == (tstate["n_iter"], tstate["func_evals"])
    assert len(state["old_dirs"]) == len(tstate["old_dirs"])
    assert float(state["t"]) == pytest.approx(float(tstate["t"]), rel=1e-8)


def test_lbfgs_float32_first_step_matches_torch():
    ours, theirs = _pair(np.float32)
    opt = optim.LBFGS(ours.parameters(), line_search_fn="strong_wolfe", max_iter=5)
    topt = torch.optim.LBFGS(theirs.parameters(), line_search_fn="strong_wolfe", max_iter=5)
    oc, tc = _closures(ours, theirs, opt, topt, np.float32)
    opt.step(oc)
    topt.step(tc)
    assert opt.state[ours[0].weight]["func_evals"] == topt.state[theirs[0].weight]["func_evals"]
    _assert_same_params(ours, theirs, 1e-4)  # float32 scalars along a line search: a few ulps, amplified


@pytest.mark.parametrize("name,kwargs", [("SGD", {"lr": 0.1}), ("Adam", {}), ("AdamW", {}), ("RMSprop", {}),
                                         ("Adagrad", {}), ("NAdam", {}), ("RAdam", {}), ("LBFGS", {})])
def test_param_groups_state_dict_keys_and_repr_are_torchs(name, kwargs):
    w, tw = dk.zeros(3, requires_grad=True), torch.zeros(3, requires_grad=True)
    opt, topt = getattr(optim, name)([w], **kwargs), getattr(torch.optim, name)([tw], **kwargs)
    assert list(opt.param_groups[0]) == list(topt.param_groups[0])
    assert repr(opt) == repr(topt)
    assert list(opt.state_dict()["param_groups"][0]) == list(topt.state_dict()["param_groups"][0])


def test_named_parameters_give_param_names_as_torch():
    lin, tlin = nn.Linear(3, 2), torch.nn.Linear(3, 2)
    opt, topt = optim.Adam(lin.named_parameters()), torch.optim.Adam(tlin.named_parameters())
    assert opt.param_groups[0]["param_names"] == topt.param_groups[0]["param_names"] == ["weight", "bias"]
    assert opt.state_dict()["param_groups"][0]["param_names"] == ["weight", "bias"]


def test_a_torch_optimizer_state_dict_loads_and_continues_the_same_trajectory():
    ours, theirs = _pair()
    topt = torch.optim.NAdam(theirs.parameters(), lr=0.01)
    _, tc = _closures(ours, theirs, None, topt)
    for _ in range(3):
        tc()
        topt.step()
    ours.load_state_dict(theirs.state_dict())
    opt = optim.NAdam(ours.parameters(), lr=0.5)
    opt.load_state_dict(topt.state_dict())
    assert opt.param_groups[0]["lr"] == 0.01 and opt.state[ours[0].weight]["step"] == 3
    oc, tc = _closures(ours, theirs, opt, topt)
    for _ in range(3):
        oc()
        opt.step()
        tc()
        topt.step()
    _assert_same_params(ours, theirs, 1e-10)


def test_refusals_are_torchs():
    """torch/testing/_internal/common_optimizers.py: get_error_inputs_for_all_optims, optim_error_inputs_func_nadam,
    optim_error_inputs_func_radam (inputs and messages kept)."""
    p, p2 = nn.Parameter(dk.randn(1, 1)), nn.Parameter(dk.randn(1, 1))
    with pytest.raises(TypeError, match="params argument given to the optimizer should be an iterable of Tensors"):
        optim.NAdam(p)
    with pytest.warns(UserWarning, match="a parameter group with duplicate parameters"):
        optim.RAdam([p, p])
    with pytest.raises(ValueError, match="some parameters appear in more than one parameter group"):
        optim.NAdam([{"params": p}, {"params": p}])
    with pytest.raises(ValueError, match="Tensor lr must be 1-element"):
        optim.NAdam([p], lr=dk.tensor([0.001, 0.001]))
    with pytest.raises(ValueError, match="all optimizer params should be with/without names. Some param names"):
        optim.RAdam([("weight", p), p2])
    with pytest.raises(ValueError, match="all optimizer param groups should be with/without names. cannot add"):
        optim.RAdam([{"params": [p], "lr": 1e-2}, {"params": [("weight", p2)]}])
    with pytest.raises(ValueError, match="Invalid beta parameter at index 0: 1.0"):
        optim.NAdam([p], lr=1e-2, betas=(1.0, 0.0))
    with pytest.raises(ValueError, match="Invalid momentum_decay value: -0.2"):
        optim.NAdam([p], lr=1e-2, momentum_decay=-0.2)
    with pytest.raises(ValueError, match="Invalid weight_decay value: -1"):
        optim.RAdam([p], lr=1e-2, weight_decay=-1)
    with pytest.raises(ValueError, match="`fused` and `foreach` cannot be `True` together"):
        optim.Adam([p], fused=True, foreach=True)
    with pytest.raises(ValueError, match="capturable=True is not supported"):
        optim.NAdam([p], capturable=True)
    with pytest.raises(ValueError, match="parameter groups"):
        optim.LBFGS([{"params": [p]}, {"params": [p2]}])
    with pytest.raises(ValueError, match="strong_wolfe"):
        optim.LBFGS([p], line_search_fn="backtracking")
    with pytest.raises(TypeError, match="closure"):
        optim.LBFGS([p]).step()
