"""Tensor gradients against PyTorch (torch==2.13.0, skipped when absent) and the lecture's linear layer."""

import numpy as np
import pytest

import diffkit as dk

RNG = np.random.default_rng(3)


def test_linear_layer_backward_as_in_the_lecture():
    # Y = X W; given dL/dY, the engine's dL/dX = dL/dY W^T and dL/dW = X^T dL/dY (lecture 004).
    X = dk.tensor(RNG.standard_normal((64, 512)), requires_grad=True)
    W = dk.tensor(RNG.standard_normal((512, 256)) * 0.05, requires_grad=True)
    Y = X @ W
    Y.retain_grad()
    loss = (Y.relu() ** 2).mean()
    loss.backward()
    dY = Y.grad.numpy()
    assert X.grad.shape == (64, 512) and W.grad.shape == (512, 256) and dY.shape == (64, 256)
    np.testing.assert_allclose(X.grad.numpy(), dY @ W.numpy().T, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(W.grad.numpy(), X.numpy().T @ dY, rtol=1e-12, atol=1e-15)


def _mlp_params():
    sizes = [(20, 16), (16, 16), (16, 5)]
    return [(RNG.standard_normal(s) * 0.3, RNG.standard_normal(s[1]) * 0.1) for s in sizes]


def test_mlp_cross_entropy_matches_pytorch_float64():
    torch = pytest.importorskip("torch")
    params = _mlp_params()
    X = RNG.standard_normal((32, 20))
    y = RNG.integers(0, 5, 32)

    dk_params = [(dk.tensor(w, requires_grad=True), dk.tensor(b, requires_grad=True)) for w, b in params]
    h = dk.tensor(X)
    for i, (w, b) in enumerate(dk_params):
        h = h @ w + b
        if i < len(dk_params) - 1:
            h = h.tanh() if i == 0 else h.relu()
    loss = -h.log_softmax(dim=1)[np.arange(32), y].mean()
    loss.backward()

    t_params = [(torch.tensor(w, requires_grad=True), torch.tensor(b, requires_grad=True)) for w, b in params]
    th = torch.tensor(X)
    for i, (w, b) in enumerate(t_params):
        th = th @ w + b
        if i < len(t_params) - 1:
            th = th.tanh() if i == 0 else th.relu()
    tloss = torch.nn.functional.cross_entropy(th, torch.tensor(y))
    tloss.backward()

    assert loss.item() == pytest.approx(tloss.item(), rel=1e-12)
    for (w, b), (tw, tb) in zip(dk_params, t_params):
        np.testing.assert_allclose(w.grad.numpy(), tw.grad.numpy(), rtol=1e-6, atol=1e-12)
        np.testing.assert_allclose(b.grad.numpy(), tb.grad.numpy(), rtol=1e-6, atol=1e-12)


OPS = {
    "softmax": (lambda t: t.softmax(dim=1), lambda t: t.softmax(dim=1)),
    "logsumexp": (lambda t: t.logsumexp(dim=0), lambda t: t.logsumexp(dim=0)),
    "max_dim": (lambda t: t.max(dim=1).values, lambda t: t.max(dim=1).values),
    "mean_keepdim": (lambda t: t.mean(dim=0, keepdim=True), lambda t: t.mean(dim=0, keepdim=True)),
    "var": (lambda t: t.var(dim=1), lambda t: t.var(dim=1)),
    "std_all": (lambda t: t.std(), lambda t: t.std()),
    "sigmoid_clamp": (lambda t: t.sigmoid().clamp(0.3, 0.6), lambda t: t.sigmoid().clamp(0.3, 0.6)),
    "permute_reshape": (lambda t: t.reshape(2, 2, 3).permute(2, 0, 1), lambda t: t.reshape(2, 2, 3).permute(2, 0, 1)),
    "transpose_matmul": (lambda t: t.transpose(0, 1) @ t, lambda t: t.transpose(0, 1) @ t),
    "index": (lambda t: t[[0, 0, 3], 1:], lambda t: t[[0, 0, 3], 1:]),
    "abs_relu_kinks": (lambda t: (t * 0).abs() + (t * 0).relu(), lambda t: (t * 0).abs() + (t * 0).relu()),
}


@pytest.mark.parametrize("name", sorted(OPS))
def test_ops_match_pytorch(name):
    torch = pytest.importorskip("torch")
    fd, ft = OPS[name]
    x = RNG.standard_normal((4, 3))
    a = dk.tensor(x, requires_grad=True)
    t = torch.tensor(x, requires_grad=True)
    out, tout = fd(a), ft(t)
    np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), rtol=1e-12, atol=1e-14)
    g = RNG.standard_normal(tout.shape)
    out.backward(gradient=g)
    tout.backward(torch.tensor(g))
    np.testing.assert_allclose(a.grad.numpy(), t.grad.numpy(), rtol=1e-10, atol=1e-14)


def test_dtype_defaults_match_pytorch():
    torch = pytest.importorskip("torch")
    for data in ([1.0, 2.0], [1, 2], [True], 2.5, np.ones(2), np.ones(2, np.float32), np.arange(3)):
        assert str(dk.tensor(data).dtype) == str(torch.tensor(data).dtype).replace("torch.", "")


def test_max_and_min_over_a_dim_give_values_and_indices_as_torch():
    torch = pytest.importorskip("torch")
    a = np.array([[1.0, 5.0, 3.0], [7.0, 2.0, 7.0]], dtype=np.float32)
    for name in ("max", "min"):
        for kw in ({"dim": 1}, {"dim": 0, "keepdim": True}):
            ours = getattr(dk.tensor(a), name)(**kw)
            theirs = getattr(torch.tensor(a), name)(**kw)
            np.testing.assert_array_equal(ours.values.numpy(), theirs.values.numpy())
            np.testing.assert_array_equal(ours.indices.numpy(), theirs.indices.numpy())
        values, indices = getattr(dk.tensor(a), name)(1)  # positional dim unpacks as in torch
        assert values.shape == (2,) and indices.dtype.kind == "i"
    assert dk.tensor(a).max(axis=1).shape == (2,)  # NumPy's axis= gives the values


@pytest.mark.parametrize("code", [
    "y = x*1; y[0] += 5; (y*y).sum().backward()",
    "y = x*1; y[:, 0] *= 3; y.sum().backward()",
    "y = x*1; y[0] = y[1]*2; (y*y).sum().backward()",
    "y = x*2; z = y + 1; y.add_(1); z.sum().backward()",
    "y = x*1; v = y[:, 0]; v *= 3; y.sum().backward()",
    "y = x*1; y[0].mul_(0); (y*y).sum().backward()",
    "y = x*1; v = y[1]; w = v[0:1]; w += 10; (y*y).sum().backward()",
    "y = x*1; v = y[[0, 1]]; v *= 3; (y*y).sum().backward()",
    "y = x*1; v = y[0]; v += 1; (v*y).sum().backward()",
])
def test_in_place_writes_through_slices_and_keep_the_graph_as_torch(code):
    torch = pytest.importorskip("torch")
    results = []
    for x in (dk.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True, dtype="float64"),
              torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True, dtype=torch.float64)):
        env = {"x": x}
        exec(code, env)  # noqa: S102 - the same line for both libraries
        results.append((np.asarray(x.grad.tolist()), np.asarray(env["y"].tolist())))
    for ours, theirs in zip(*results):
        np.testing.assert_array_equal(ours, theirs)


def test_an_input_a_rule_reads_still_may_not_change():
    x = dk.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    z = y * y  # mul's rule reads y
    y.add_(1)
    with pytest.raises(dk.GradientError, match="in-place"):
        z.sum().backward()


def test_var_and_std_take_torchs_positional_order():
    torch = pytest.importorskip("torch")
    a = [[1.0, 2.0, 4.0], [0.5, -1.0, 3.0]]
    for name in ("var", "std"):
        for args in ((1, False), (1, True, True), (0,)):
            ours = getattr(dk.tensor(a, dtype="float64"), name)(*args).numpy()
            theirs = getattr(torch.tensor(a, dtype=torch.float64), name)(*args).numpy()
            np.testing.assert_allclose(ours, theirs, rtol=1e-12)


@pytest.mark.parametrize("how", [("split", 2, 0), ("split", [1, 3], 1), ("chunk", 3, 0), ("chunk", 2, 1)])
def test_split_and_chunk_match_torch_with_gradients(how):
    torch = pytest.importorskip("torch")
    name, arg, dim = how
    a = np.arange(20, dtype=np.float64).reshape(5, 4)
    x = dk.tensor(a, requires_grad=True)
    xt = torch.tensor(a, requires_grad=True)
    ours, theirs = getattr(x, name)(arg, dim), getattr(xt, name)(arg, dim)
    assert [p.shape for p in ours] == [tuple(p.shape) for p in theirs]
    sum((k + 1) * (p * p).sum() for k, p in enumerate(ours)).backward()
    sum((k + 1) * (p * p).sum() for k, p in enumerate(theirs)).backward()
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy())


def test_max_over_a_dim_sends_the_gradient_to_the_index_it_returns():
    torch = pytest.importorskip("torch")
    for name, a in (("max", [[1.0, 3.0, 3.0]]), ("min", [[1.0, 3.0, 1.0]])):
        x, xt = dk.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
        getattr(x, name)(dim=1).values.sum().backward()
        getattr(xt, name)(dim=1).values.sum().backward()
        np.testing.assert_array_equal(x.grad.numpy(), xt.grad.numpy())
    x = dk.tensor([[1.0, 3.0, 3.0]], requires_grad=True)
    x.amax(dim=1).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[0.0, 0.5, 0.5]])  # amax: ties share it
