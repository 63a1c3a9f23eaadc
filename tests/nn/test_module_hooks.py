"""Module hooks (forward pre/post, full backward and backward pre), side by side with torch.nn.

Each scenario runs the same code on diffkit and on torch 2.13 (skipped without torch),
and checks closed forms.
"""

import numpy as np
import pytest
from torch_peer import LIBS, arr, use

import diffkit as dk

W = np.array([[1.0, -2.0], [0.5, 3.0], [2.0, 1.0]])
B = np.array([0.1, 0.2, 0.3])
X = np.array([[1.0, 2.0], [3.0, -1.0]])


def _linear(lib):
    layer = lib.nn.Linear(2, 3).double()
    with lib.no_grad():
        layer.weight.copy_(lib.tensor(W))
        layer.bias.copy_(lib.tensor(B))
    return layer


@pytest.mark.parametrize("lib", LIBS)
def test_forward_pre_and_forward_hooks_see_and_replace(lib):
    lib = use(lib)
    layer = _linear(lib)
    calls = []
    h1 = layer.register_forward_pre_hook(lambda m, args: calls.append("pre") or (args[0] * 2,))
    h2 = layer.register_forward_hook(lambda m, args, out: calls.append(("post", args[0].tolist())) or out + 1)
    y = layer(lib.tensor(X))
    np.testing.assert_allclose(arr(y), (2 * X) @ W.T + B + 1, rtol=1e-15)
    assert calls == ["pre", ("post", (2 * X).tolist())]
    h1.remove()
    h2.remove()
    np.testing.assert_allclose(arr(layer(lib.tensor(X))), X @ W.T + B, rtol=1e-15)


@pytest.mark.parametrize("lib", LIBS)
def test_hooks_with_kwargs_and_prepend(lib):
    lib = use(lib)

    class Scale(lib.nn.Module):
        def forward(self, x, factor=1.0):
            return x * factor

    m = Scale()
    order = []
    m.register_forward_pre_hook(lambda mod, args, kwargs: order.append("a") or (args, {"factor": 3.0}),
                                with_kwargs=True)
    m.register_forward_pre_hook(lambda mod, args: order.append("b"), prepend=True)
    m.register_forward_hook(lambda mod, args, kwargs, out: order.append(kwargs["factor"]), with_kwargs=True)
    assert m(lib.tensor([1.0, 2.0])).tolist() == [3.0, 6.0] and order == ["b", "a", 3.0]


@pytest.mark.parametrize("lib", LIBS)
def test_full_backward_hook_on_a_linear_layer(lib):
    lib = use(lib)
    layer = _linear(lib)
    seen = []

    def hook(m, grad_input, grad_output):
        seen.append(([arr(g) for g in grad_input], [arr(g) for g in grad_output]))
        return (grad_input[0] * 10,)

    layer.register_full_backward_hook(hook)
    x = lib.tensor(X, requires_grad=True)
    go = np.array([[1.0, 2.0, 3.0], [-1.0, 0.0, 1.0]])
    layer(x).backward(lib.tensor(go))
    (grad_input,), (grad_output,) = seen[0]
    np.testing.assert_allclose(grad_output, go, rtol=1e-15)
    np.testing.assert_allclose(grad_input, go @ W, rtol=1e-15)
    np.testing.assert_allclose(arr(x.grad), 10 * go @ W, rtol=1e-15)
    np.testing.assert_allclose(arr(layer.weight.grad), go.T @ X, rtol=1e-15)  # parameters untouched


@pytest.mark.parametrize("lib", LIBS)
def test_full_backward_hook_of_a_module_of_two_inputs_runs_once(lib):
    lib = use(lib)

    class Product(lib.nn.Module):
        def forward(self, a, b):
            return (a * b).sum(1)

    m = Product()
    seen = []
    m.register_full_backward_hook(lambda mod, gin, gout: seen.append((len(gin), len(gout))) or (gin[0] * 2, gin[1]))
    m.register_full_backward_pre_hook(lambda mod, gout: (gout[0] * 3,))
    av, bv = np.arange(6.0).reshape(2, 3), np.full((2, 3), 2.0)
    a, b = lib.tensor(av, requires_grad=True), lib.tensor(bv, requires_grad=True)
    m(a, b).sum().backward()
    assert seen == [(2, 1)]
    np.testing.assert_array_equal(arr(a.grad), 2 * 3 * bv)
    np.testing.assert_array_equal(arr(b.grad), 3 * av)


@pytest.mark.parametrize("lib", LIBS)
def test_full_backward_hook_when_no_input_requires_grad(lib):
    lib = use(lib)
    layer = _linear(lib)
    seen = []
    layer.register_full_backward_hook(lambda m, gin, gout: seen.append((gin, arr(gout[0]).shape)))
    layer(lib.tensor(X)).sum().backward()
    assert seen == [((None,), (2, 3))]
    np.testing.assert_allclose(arr(layer.bias.grad), [2.0, 2.0, 2.0])


@pytest.mark.parametrize("lib", LIBS)
def test_hooks_in_a_sequential_model_run_in_backward_order(lib):
    lib = use(lib)
    model = lib.nn.Sequential(lib.nn.Linear(2, 3), lib.nn.Tanh(), lib.nn.Linear(3, 1)).double()
    order = []
    for i, layer in enumerate(model):
        layer.register_full_backward_hook(lambda m, gin, gout, i=i: order.append(i))
    model(lib.tensor(X, requires_grad=True)).sum().backward()
    assert order == [2, 1, 0]


def test_a_module_without_hooks_calls_forward_directly():
    layer = dk.nn.Linear(2, 3)
    handle = layer.register_forward_hook(lambda m, a, o: o * 0)
    assert layer(dk.ones(1, 2)).tolist() == [[0.0, 0.0, 0.0]]
    handle.remove()
    assert layer(dk.ones(1, 2)).tolist() != [[0.0, 0.0, 0.0]]
    with pytest.raises(dk.ArgumentTypeError, match="function"):
        layer.register_forward_hook("not a hook")
