"""nn.utils (clipping, parameter vectors) and Module utilities, against closed forms and torch==2.13.0."""

import math

import numpy as np
import pytest

import diffkit as dk
from diffkit import nn, optim

RNG = np.random.default_rng(31)


def _linear_with_grads(lib, grads, dtype="float32"):
    """torch test_nn.py test_clip_grad_norm's layer: Linear(10, 10) with chosen gradients."""
    layer = lib.nn.Linear(10, 10)
    if lib is dk:
        layer = layer.to(np.dtype(dtype))
    else:
        layer = layer.to(getattr(lib, dtype))
    for p, g in zip(layer.parameters(), grads):
        p.grad = lib.tensor(np.asarray(g, dtype=dtype).reshape(tuple(p.shape)))
    return layer


@pytest.mark.parametrize("norm_type", [0.5, 1.5, 2, 4, "inf"])
def test_clip_grad_norm_as_in_torchs_test(norm_type):
    """test_nn.py: test_clip_grad_norm (Linear(10, 10), grads arange(1, 101) and ones/1000, max_norm 2)."""
    grads = [np.arange(1.0, 101.0).reshape(10, 10), np.ones(10) / 1000]
    layer = _linear_with_grads(dk, grads)
    p = float(norm_type)
    flat = np.concatenate([g.ravel() for g in grads])
    expected = np.abs(flat).max() if p == math.inf else (np.abs(flat) ** p).sum() ** (1 / p)
    total = nn.utils.clip_grad_norm_(layer.parameters(), 2, norm_type=norm_type)
    assert total.item() == pytest.approx(expected, rel=1e-5)
    after = nn.utils.get_total_norm([q.grad for q in layer.parameters()], norm_type).item()
    assert after == pytest.approx(2.0, rel=1e-5)
    scales = np.concatenate([(q.grad.numpy() / g.reshape(q.shape)).ravel() for q, g in zip(layer.parameters(),
                                                                                          grads)])
    assert np.ptp(scales) < 1e-6  # one scale for every entry
    # gradients of a norm below max_norm are left as they are (scale 2 / (norm + 1e-6) clamped at 1)
    small = [np.arange(1.0, 101.0).reshape(10, 10) / 1000, np.ones(10) / 500]
    layer = _linear_with_grads(dk, small)
    norm = nn.utils.clip_grad_norm_(layer.parameters(), 2, norm_type=norm_type).item()
    scale = min(1.0, 2 / (norm + 1e-6))
    assert (scale == 1.0) == (p >= 1.5)
    np.testing.assert_allclose(layer.weight.grad.numpy(), small[0] * scale, rtol=1e-5)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("norm_type", [2.0, 1.0, math.inf, 3.0, 0])
def test_clip_grad_norm_matches_torch_bit_for_bit(norm_type, dtype):
    torch = pytest.importorskip("torch")
    grads = [RNG.standard_normal((10, 10)) * 5, RNG.standard_normal(10)]
    grads[0][0, :3] = 0.0  # zeros count for norm 0
    ours, theirs = _linear_with_grads(dk, grads, dtype), _linear_with_grads(torch, grads, dtype)
    total = nn.utils.clip_grad_norm_(ours.parameters(), 1.5, norm_type=norm_type)
    ttotal = torch.nn.utils.clip_grad_norm_(theirs.parameters(), 1.5, norm_type=norm_type)
    assert total.dtype == np.dtype(dtype)
    assert total.item() == pytest.approx(ttotal.item(), rel=1e-6 if dtype == "float32" else 1e-13)
    for p, q in zip(ours.parameters(), theirs.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-6 if dtype == "float32" else 1e-13)


def test_clip_grad_value_and_edge_cases_as_torch():
    torch = pytest.importorskip("torch")
    grads = [RNG.standard_normal((10, 10)) * 3, RNG.standard_normal(10)]
    ours, theirs = _linear_with_grads(dk, grads), _linear_with_grads(torch, grads)
    nn.utils.clip_grad_value_(ours.parameters(), 1.25)
    torch.nn.utils.clip_grad_value_(theirs.parameters(), 1.25)
    for p, q in zip(ours.parameters(), theirs.parameters()):
        np.testing.assert_array_equal(p.grad.numpy(), q.grad.numpy())
    # no gradients at all: a float32 zero, nothing changes
    empty = nn.utils.clip_grad_norm_(nn.Linear(2, 2).parameters(), 1.0)
    tempty = torch.nn.utils.clip_grad_norm_(torch.nn.Linear(2, 2).parameters(), 1.0)
    assert (empty.item(), str(empty.dtype)) == (tempty.item(), str(tempty.dtype).replace("torch.", ""))
    with pytest.warns(UserWarning, match="empty generator"):
        nn.utils.clip_grad_norm_((p for p in []), 1.0)
    # a single Tensor works as a list of one
    w = dk.tensor([3.0, 4.0], requires_grad=True)
    w.grad = dk.tensor([3.0, 4.0])
    assert nn.utils.clip_grad_norm_(w, 10.0).item() == 5.0


def test_non_finite_norm_spreads_or_raises_as_torch():
    w = dk.tensor([1.0, 2.0], requires_grad=True)
    w.grad = dk.tensor([np.inf, 1.0])
    with pytest.raises(RuntimeError, match="non-finite"):
        nn.utils.clip_grad_norm_([w], 1.0, error_if_nonfinite=True)
    assert w.grad.tolist() == [np.inf, 1.0]  # refused before touching anything
    with pytest.warns(RuntimeWarning, match="invalid value"):  # NumPy says so; torch is silent
        total = nn.utils.clip_grad_norm_([w], 1.0)  # scale 1 / (inf + 1e-6) = 0: inf * 0 is nan, as in PyTorch
    g = w.grad.numpy()
    assert math.isinf(total.item()) and np.isnan(g[0]) and g[1] == 0.0


def test_parameters_to_vector_and_back_as_torch():
    torch = pytest.importorskip("torch")
    ours = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2))
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Linear(4, 2))
    theirs.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in ours.state_dict().items()})
    vec = nn.utils.parameters_to_vector(ours.parameters())
    tvec = torch.nn.utils.parameters_to_vector(theirs.parameters())
    np.testing.assert_array_equal(vec.numpy(), tvec.detach().numpy())
    (vec * vec).sum().backward()  # the vector is on the tape, as torch's cat of views
    np.testing.assert_allclose(ours[0].weight.grad.numpy(), 2 * ours[0].weight.numpy(), rtol=1e-6)
    new = np.arange(vec.numel(), dtype=np.float32)
    opt = optim.SGD(ours.parameters(), lr=0.1)
    nn.utils.vector_to_parameters(dk.tensor(new), ours.parameters())
    torch.nn.utils.vector_to_parameters(torch.from_numpy(new.copy()), theirs.parameters())
    for p, q in zip(ours.parameters(), theirs.parameters()):
        np.testing.assert_array_equal(p.numpy(), q.detach().numpy())
    assert opt.param_groups[0]["params"][0] is ours[0].weight  # same Parameter objects
    with pytest.raises(TypeError, match="expected a Tensor"):
        nn.utils.vector_to_parameters(new, ours.parameters())
    with pytest.raises(dk.ShapeError, match="1-d vector of 26"):
        nn.utils.vector_to_parameters(dk.zeros(30), ours.parameters())


# ---------------------------------------------------------------- Module utilities

def _shared_tree(lib):
    shared = lib.nn.Linear(2, 2)
    return lib.nn.Sequential(shared, lib.nn.ReLU(), lib.nn.Sequential(shared, lib.nn.Tanh())), shared


def test_named_modules_prefix_memo_and_duplicates_as_torch():
    torch = pytest.importorskip("torch")
    for kwargs in ({}, {"prefix": "net"}, {"remove_duplicate": False}, {"prefix": "m", "remove_duplicate": False}):
        ours, _ = _shared_tree(dk)
        theirs, _ = _shared_tree(torch)
        assert [n for n, _ in ours.named_modules(**kwargs)] == [n for n, _ in theirs.named_modules(**kwargs)]
    ours, shared = _shared_tree(dk)
    theirs, tshared = _shared_tree(torch)
    memo, tmemo = {id(shared)}, {tshared}  # a module in the memo is skipped, with what hangs below it
    assert [n for n, _ in ours.named_modules(memo)] == [n for n, _ in theirs.named_modules(tmemo)]


def test_apply_requires_grad_and_zero_grad_as_torch():
    torch = pytest.importorskip("torch")
    ours, _ = _shared_tree(dk)
    theirs, _ = _shared_tree(torch)
    seen = []
    ours.apply(lambda m: seen.append(type(m).__name__))
    tseen = []
    theirs.apply(lambda m: tseen.append(type(m).__name__))
    assert seen == tseen
    assert ours.apply(lambda m: None) is ours
    ours.requires_grad_(False)
    assert not any(p.requires_grad for p in ours.parameters())
    ours.requires_grad_()
    x = np.ones((3, 2), dtype=np.float32)
    ours(x).sum().backward()
    grad = ours[0].weight.grad
    ours.zero_grad(set_to_none=False)  # zeros in place: the same gradient object
    assert ours[0].weight.grad is grad and not grad.numpy().any()
    ours.zero_grad()  # PyTorch's default: None
    assert all(p.grad is None for p in ours.parameters())
    opt = optim.Adam(ours.parameters())
    ours(x).sum().backward()
    opt.zero_grad()
    assert all(p.grad is None for p in ours.parameters())


def test_init_apply_recipe_reinitialises_every_linear():
    """The course recipe: model.apply(init_fn) with nn.init inside."""
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))

    def init_fn(m):
        if isinstance(m, nn.Linear):
            nn.init.constant_(m.weight, 0.5)
            nn.init.zeros_(m.bias)

    model.apply(init_fn)
    assert all(float(m.weight.numpy().mean()) == 0.5 for m in model if isinstance(m, nn.Linear))
