"""Tensor hooks (register_hook) and retain_grad, side by side with PyTorch (ports of test/test_autograd.py)."""

import gc
import weakref

import numpy as np
import pytest
from torch_peer import LIBS, arr, data, t, use

import diffkit as dk


@pytest.mark.parametrize("lib", LIBS)
def test_hooks(lib):
    """test_autograd.py::TestAutograd::test_hooks: called once per pass, removable, may replace the gradient."""
    lib = use(lib)
    x = lib.ones(5, 5, requires_grad=True)
    y = (lib.ones(5, 5) * 4).requires_grad_(True)
    counter = [0]

    def bw_hook(inc, grad):
        assert isinstance(grad, type(x))
        counter[0] += inc

    z = x ** 2 + x * 2 + x * y + y
    x.register_hook(lambda *args: bw_hook(0, *args))
    test = z.register_hook(lambda *args: bw_hook(1, *args))
    z.backward(lib.ones(5, 5), retain_graph=True)
    assert counter[0] == 1
    test2 = z.register_hook(lambda *args: bw_hook(2, *args))
    z.backward(lib.ones(5, 5), retain_graph=True)
    assert counter[0] == 4
    test2.remove()
    z.backward(lib.ones(5, 5), retain_graph=True)
    assert counter[0] == 5

    def bw_hook_modify(grad):
        return grad.mul(2)

    test.remove()
    z.register_hook(bw_hook_modify)
    with lib.no_grad():
        y.grad.zero_()
    z.backward(lib.ones(5, 5), retain_graph=True)
    assert arr(y.grad).tolist() == np.full((5, 5), 4.0).tolist()  # (x + 1) * 2
    y.register_hook(bw_hook_modify)
    with lib.no_grad():
        y.grad.zero_()
    z.backward(lib.ones(5, 5))
    assert arr(y.grad).tolist() == np.full((5, 5), 8.0).tolist()  # (x + 1) * 4


@pytest.mark.parametrize("lib", LIBS)
def test_hook_with_no_name(lib):
    """test_autograd.py::TestAutograd::test_hook_with_no_name: any callable will do."""
    lib = use(lib)

    class MyHookClass:
        def __call__(self, grad):
            return grad.clone()

    x = t(lib, data(5), True).clone()
    x.register_hook(MyHookClass())
    x.sum().backward()


@pytest.mark.parametrize("lib", LIBS)
def test_leaf_hook_sees_the_total_gradient_once(lib):
    """A leaf's hook runs once per pass, on the sum of every path's contribution, before .grad."""
    lib = use(lib)
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    x.register_hook(lambda g: seen.append(g.tolist()) or g * 2)
    (x * x + x).sum().backward()
    assert seen == [[3.0, 5.0]] and x.grad.tolist() == [6.0, 10.0]


@pytest.mark.parametrize("lib", LIBS)
def test_hooks_run_under_autograd_grad(lib):
    """autograd.grad calls the hooks on its path, uses what they return, and retain_grad still fills .grad."""
    lib = use(lib)
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    h.retain_grad()
    calls = []
    h.register_hook(lambda g: calls.append(("h", g.tolist())))
    x.register_hook(lambda g: calls.append(("x", g.tolist())) or g * 2)
    (gx,) = lib.autograd.grad((h * h).sum(), x)
    assert gx.tolist() == [36.0, 72.0] and h.grad.tolist() == [6.0, 12.0]
    assert calls == [("h", [6.0, 12.0]), ("x", [18.0, 36.0])] and x.grad is None


@pytest.mark.parametrize("lib", LIBS)
def test_retain_grad_keeps_what_the_hooks_made(lib):
    """retain_grad's .grad is taken after every hook (PyTorch >= 2.0)."""
    lib = use(lib)
    a = lib.tensor([1.0], requires_grad=True)
    b = a * 2
    b.retain_grad()
    b.register_hook(lambda g: g * 5)
    b.sum().backward()
    assert b.grad.tolist() == [5.0] and a.grad.tolist() == [10.0]


@pytest.mark.parametrize("lib", LIBS)
def test_grad_nonleaf_register_hook(lib):
    """test_autograd.py::TestAutograd::test_grad_nonleaf_register_hook, with x[i] for x.unbind()[i]: a hook on
    one piece runs only when the gradient passes through it."""
    lib = use(lib)
    x = t(lib, data(5), True)
    pieces = [x[i] for i in range(5)]
    results = []
    pieces[0].register_hook(lambda g: results.append(g.item()))
    pieces[0].backward()
    assert results == [1.0] and arr(x.grad).tolist() == [1.0, 0, 0, 0, 0]
    for i in range(1, 5):
        pieces[i].backward()
        assert results == [1.0]
    assert arr(x.grad).tolist() == [1.0] * 5


@pytest.mark.parametrize("lib", LIBS)
def test_retain_grad_cycle(lib):
    """test_autograd.py::TestAutograd::test_retain_grad_cycle: retain_grad() keeps no reference cycle. The
    tensor goes once the graph that holds it goes: in torch at once (y / 2 saves 2, not y); in diffkit,
    whose nodes hold their inputs until backward (docs/differences.md), after backward."""
    name = lib
    lib = use(lib)
    counter = [0]
    refs = [None]
    x = lib.ones(5, 5, requires_grad=True)

    def run_test():
        y = x * 2
        y.retain_grad()
        refs[0] = weakref.ref(y, lambda *args: counter.__setitem__(0, counter[0] + 1))
        return y / 2

    z = run_test()
    if name == "diffkit":
        z.sum().backward()
    gc.collect()
    assert refs[0]() is None and counter[0] == 1


@pytest.mark.parametrize("lib", LIBS)
def test_reentrant_with_leaf_variable_hook(lib):
    """test_autograd.py::TestAutograd::test_reentrant_with_leaf_variable_hook: a leaf hook that runs a backward."""
    lib = use(lib)
    handle = None
    pv = np.random.default_rng(0).random(10)
    param = t(lib, pv, True)

    def add_gradient_penalty_to_grad(grad):
        handle.remove()
        old_param_grad = grad
        param.grad = None
        with lib.enable_grad():
            g = grad.detach().requires_grad_()
            new_param = param.detach().requires_grad_()
            out = ((g * 2) + new_param).sum()
            out.backward()
        res = g.grad + grad
        param.grad = old_param_grad
        return res

    handle = param.register_hook(add_gradient_penalty_to_grad)
    (param * param).sum().backward()
    # the hook set .grad back to 2p, then returned 2 + 2p, which is accumulated onto it
    np.testing.assert_allclose(arr(param.grad), 4 * pv + 2, rtol=1e-15)


@pytest.mark.parametrize("lib", LIBS)
def test_reentrant_with_non_leaf_variable_hook(lib):
    """test_autograd.py::TestAutograd::test_reentrant_with_non_leaf_variable_hook."""
    lib = use(lib)
    handle = None
    pv = np.random.default_rng(1).random(10)
    param = t(lib, pv, True)

    def manual_increase_gradient(grad):
        handle.remove()
        with lib.enable_grad():
            g = grad.detach().requires_grad_()
            out = ((g * 2) + 5).sum()
            out.backward()
        return g.grad + grad

    tmp = param * param
    handle = tmp.register_hook(manual_increase_gradient)
    tmp.sum().backward()
    np.testing.assert_allclose(arr(param.grad), 6 * pv, rtol=1e-15)


def test_hook_refusals_and_handles():
    x = dk.tensor([1.0, 2.0])
    with pytest.raises(dk.GradientError, match="doesn't require gradient"):
        x.register_hook(lambda g: g)
    x.requires_grad_()
    with pytest.raises(dk.ShapeError, match="shape"):
        with x.register_hook(lambda g: dk.ones(3)):
            (x * 2).sum().backward()
    assert x.grad is None  # the failed pass accumulated nothing, and the hook is gone
    (x * 2).sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]


@pytest.mark.parametrize("lib", LIBS)
def test_grad_fn_register_prehook(lib):
    lib = use(lib)
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    seen = []
    y.grad_fn.register_prehook(lambda grad_outputs: seen.append(len(grad_outputs)) or (grad_outputs[0] * 2,))
    y.sum().backward()
    assert seen == [1] and x.grad.tolist() == [6.0, 6.0]


def test_hooks_with_create_graph_see_tensors_with_history():
    x = dk.tensor(2.0, dtype="float64", requires_grad=True)
    y = x ** 3
    seen = []
    y.register_hook(lambda g: seen.append(g.requires_grad))
    (g,) = dk.autograd.grad(y * x, x, create_graph=True)  # 4 x^3
    assert g.item() == 32.0 and seen == [True]
    (gg,) = dk.autograd.grad(g, x)
    assert gg.item() == 48.0
