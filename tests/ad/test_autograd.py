"""dk.autograd.grad / backward, accumulation, retain_graph and retain_grad, side by side with PyTorch.

Most tests port one of PyTorch's own (test/test_autograd.py, named in each
docstring) and keep its inputs; each runs the same code on diffkit and on
torch 2.13 (the torch run skips where torch is not installed) and asserts
closed forms, so either run checks the other.
"""

import numpy as np
import pytest
from torch_peer import LIBS, arr, data, t, use

import diffkit as dk


@pytest.mark.parametrize("lib", LIBS)
def test_accumulate_grad(lib):
    """test_autograd.py::TestAutograd::test_accumulate_grad: in place without create_graph, out of place with."""
    lib = use(lib)
    grad_output = lib.ones(5, 5)

    def compute_grad(create_graph):
        x = t(lib, data(5, 5), requires_grad=True)
        y = x + 2
        y.backward(grad_output.double(), retain_graph=True)
        x_grad = x.grad
        x_grad_clone = x.grad.clone()
        y.backward(grad_output.double(), create_graph=create_graph)
        return x_grad, x_grad_clone

    x_grad, x_grad_clone = compute_grad(create_graph=False)
    np.testing.assert_array_equal(arr(x_grad), arr(x_grad_clone) * 2)
    x_grad, x_grad_clone = compute_grad(create_graph=True)
    np.testing.assert_array_equal(arr(x_grad), arr(x_grad_clone))


@pytest.mark.parametrize("lib", LIBS)
@pytest.mark.parametrize("create_graph", [False, True])
def test_accumulate_grad_tensor_reference(lib, create_graph):
    """test_autograd.py::TestAutograd::test_accumulate_grad_tensor_reference, the dense cases: the .grad
    object is kept (accumulated into) unless create_graph."""
    lib = use(lib)
    params = lib.tensor([1.5, 1.5]).requires_grad_()
    params.grad = lib.tensor([1.5, 1.5])
    grad_saved = params.grad
    params.backward(lib.tensor([1.5, 1.5]), create_graph=create_graph)
    assert (id(grad_saved) == id(params.grad)) == (not create_graph)
    assert params.grad.tolist() == [3.0, 3.0]


@pytest.mark.parametrize("lib", LIBS)
def test_hessian_vector(lib):
    """test_autograd.py::TestAutograd::test_hessian_vector."""
    lib = use(lib)
    xv, yv = data(2, 2, seed=1), data(2, 2, seed=2)
    x, y = t(lib, xv, True), t(lib, yv, True)
    z = x ** 2 + y * x + y ** 2
    z.backward(t(lib, np.ones((2, 2))), create_graph=True)
    np.testing.assert_allclose(arr(x.grad), 2 * xv + yv, rtol=1e-15)
    np.testing.assert_allclose(arr(y.grad), xv + 2 * yv, rtol=1e-15)
    grad_sum = 2 * x.grad + y.grad
    grad_sum.backward(t(lib, np.ones((2, 2))))
    np.testing.assert_allclose(arr(x.grad), 2 * xv + yv + 5, rtol=1e-15)
    np.testing.assert_allclose(arr(y.grad), xv + 2 * yv + 4, rtol=1e-15)


@pytest.mark.parametrize("lib", LIBS)
def test_grad(lib):
    """test_autograd.py::TestAutograd::test_grad: grad() with grad_outputs and create_graph leaves .grad alone;
    a grad_output of the wrong shape is refused, naming both shapes."""
    lib = use(lib)
    xv, yv = data(2, 2, seed=3), data(2, 2, seed=4)
    x, y = t(lib, xv, True), t(lib, yv, True)
    z = x ** 2 + y * x + y ** 2
    z.backward(t(lib, np.ones((2, 2))), create_graph=True)
    grad_sum = 2 * x.grad + y.grad
    x_hv = lib.autograd.grad(outputs=[grad_sum], grad_outputs=[t(lib, np.ones((2, 2)))], inputs=[x],
                             create_graph=True)
    np.testing.assert_allclose(arr(x_hv[0]), np.full((2, 2), 5.0))
    np.testing.assert_allclose(arr(x.grad), 2 * xv + yv, rtol=1e-15)
    np.testing.assert_allclose(arr(y.grad), xv + 2 * yv, rtol=1e-15)
    with pytest.raises((RuntimeError, dk.ShapeError), match=r"Mismatch in shape.*2.*2, 2"):
        lib.autograd.grad(outputs=[grad_sum], grad_outputs=[t(lib, np.ones(2))], inputs=[x], create_graph=True)


@pytest.mark.parametrize("lib", LIBS)
def test_grad_nonleaf(lib):
    """test_autograd.py::TestAutograd::test_grad_nonleaf: gradients with respect to a non-leaf, in a loop."""
    lib = use(lib)
    x_init = t(lib, data(2, 2, seed=5), True)
    x = x_init
    y = t(lib, data(2, 2, seed=6), True)
    grad_output = t(lib, np.ones((2, 2)))

    def fn(x):
        return x ** 2 + y * x + y ** 2

    for _ in range(5):
        (grad_x,) = lib.autograd.grad(fn(x), x, grad_outputs=grad_output, create_graph=True)
        np.testing.assert_allclose(arr(grad_x), arr(2 * x + y), rtol=1e-15)
        assert y.grad is None and x.grad is None
        x = x + 0.05 * grad_x
    assert fn(x).sum().item() > fn(x_init).sum().item()
    x.backward(grad_output)
    assert y.grad is not None and x_init.grad is not None


@pytest.mark.parametrize("lib", LIBS)
def test_grad_nonleaf_many_outputs(lib):
    """test_autograd.py::TestAutograd::test_grad_nonleaf_many_outputs: a hook on the leaf is not called
    when the inputs asked for are above it."""
    lib = use(lib)
    x = t(lib, data(4, 2, seed=7), True)
    a, b = x.chunk(2)
    hook_called = [False]
    x.register_hook(lambda *grads: hook_called.__setitem__(0, True))
    go = data(2, 2, seed=8)
    grad_a, grad_b = lib.autograd.grad((a + 2 * b), [a, b], grad_outputs=t(lib, go), create_graph=True)
    np.testing.assert_array_equal(arr(grad_a), go)
    np.testing.assert_array_equal(arr(grad_b), go * 2)
    assert not hook_called[0] and x.grad is None


@pytest.mark.parametrize("lib", LIBS)
def test_grad_unreachable(lib):
    """test_autograd.py::TestAutograd::test_grad_unreachable: allow_unused gives None; without it, an error."""
    lib = use(lib)
    x = lib.ones(1, requires_grad=True)
    y = lib.ones(1, requires_grad=True)
    _z, _w = x * 2, y * 2
    grad_x, grad_y = lib.autograd.grad(x * 2, [x, y], allow_unused=True)
    assert grad_x.tolist() == [2.0] and grad_y is None
    z = lib.ones(1, requires_grad=True)
    grad_x, grad_z = lib.autograd.grad(x * 2, [x, z], allow_unused=True)
    assert grad_x.tolist() == [2.0] and grad_z is None
    with pytest.raises(RuntimeError, match="Set allow_unused=True"):
        lib.autograd.grad(x * 2, [x, y], allow_unused=False)


@pytest.mark.parametrize("lib", LIBS)
def test_unused_grad_with_materialize(lib):
    """test_autograd.py::TestAutograd::test_unused_grad_requires_grad_with_materialize (torch >= 2.1)."""
    lib = use(lib)
    x = lib.ones(10, requires_grad=True)
    y = lib.ones(10, requires_grad=True)
    z = (x ** 2).sum()
    g = lib.autograd.grad(z, (x, y), allow_unused=True, materialize_grads=True, create_graph=False)
    assert not g[0].requires_grad and not g[1].requires_grad
    assert g[0].tolist() == [2.0] * 10 and g[1].tolist() == [0.0] * 10


@pytest.mark.parametrize("lib", LIBS)
def test_grad_badcalls(lib):
    """test_autograd.py::TestAutograd::test_grad_badcalls and test_backward_badcalls."""
    lib = use(lib)
    x = lib.ones(1)
    with pytest.raises(RuntimeError, match="does not require grad"):
        x.backward()
    y = x ** 2
    with pytest.raises(RuntimeError, match="does not require grad"):
        lib.autograd.grad(x, y)
    with pytest.raises(RuntimeError, match="does not require grad"):
        lib.autograd.grad(y, x)
    x = lib.ones(1, requires_grad=True)
    assert lib.autograd.grad(x ** 2, x)[0].tolist() == [2.0]


@pytest.mark.parametrize("lib", LIBS)
def test_sharded_grad(lib):
    """test_autograd.py::TestAutograd::test_sharded_grad, with retain_graph=True on the shards: diffkit
    frees every node a pass ran (docs/differences.md), torch only the saved values."""
    lib = use(lib)
    leaves = [lib.zeros(5, 5, requires_grad=True) for _ in range(10)]
    intermediates = [leaf * i + leaf * leaf for i, leaf in enumerate(leaves)]
    loss = sum(v * i for i, v in enumerate(intermediates)).sum()
    d_intermediates = [d for k in range(0, 10, 2)
                       for d in lib.autograd.grad(loss, intermediates[k:k + 2], retain_graph=True)]
    lib.autograd.backward(intermediates, d_intermediates)
    for i, leaf in enumerate(leaves):
        np.testing.assert_array_equal(arr(leaf.grad), np.full((5, 5), i * i * (1.0 + 0.0)))


@pytest.mark.parametrize("lib", LIBS)
def test_multi_backward(lib):
    """test_autograd.py::TestAutograd::test_multi_backward: one pass from two roots."""
    lib = use(lib)
    x, y, q, a, b = (t(lib, data(5, 5, seed=s), True) for s in range(10, 15))
    q2 = q * 2
    z = x + y + q2
    c = a * b + q2
    grad_z, grad_c = data(5, 5, seed=15), data(5, 5, seed=16)
    lib.autograd.backward([z, c], [t(lib, grad_z), t(lib, grad_c)])
    np.testing.assert_array_equal(arr(x.grad), grad_z)
    np.testing.assert_array_equal(arr(y.grad), grad_z)
    np.testing.assert_allclose(arr(a.grad), grad_c * arr(b), rtol=1e-15)
    np.testing.assert_allclose(arr(b.grad), grad_c * arr(a), rtol=1e-15)
    np.testing.assert_allclose(arr(q.grad), (grad_c + grad_z) * 2, rtol=1e-15)


@pytest.mark.parametrize("lib", LIBS)
def test_multi_backward_no_grad(lib):
    """test_autograd.py::TestAutograd::test_multi_backward_no_grad: a root without grad_fn is refused."""
    lib = use(lib)
    x = t(lib, data(5, 5), True)
    y = t(lib, data(5, 5, seed=1))
    with pytest.raises(RuntimeError):
        lib.autograd.backward([x + y, y * 2], [lib.ones(5, 5).double(), lib.ones(5, 5).double()])


@pytest.mark.parametrize("lib", LIBS)
def test_dependent_backward(lib):
    """test_autograd.py::TestAutograd::test_dependent_backward: roots that depend on each other."""
    lib = use(lib)
    xv = data(10, seed=17)
    x = t(lib, xv, True)
    y = x ** 2
    z = y ** 3
    go_y, go_z = data(10, seed=18), data(10, seed=19)
    lib.autograd.backward([y, z], [t(lib, go_y), t(lib, go_z)])
    np.testing.assert_allclose(arr(x.grad), 2 * xv * go_y + 6 * xv ** 5 * go_z, rtol=1e-13)


@pytest.mark.parametrize("lib", LIBS)
def test_duplicate_backward_root(lib):
    """test_autograd.py::TestAutograd::test_duplicate_backward_root."""
    lib = use(lib)
    a, b = t(lib, data(5, 5, seed=20), True), t(lib, data(5, 5, seed=21), True)
    x = a * b
    go = data(5, 5, seed=22)
    lib.autograd.backward([x, x], [t(lib, go), t(lib, go)])
    np.testing.assert_allclose(arr(a.grad), arr(b) * go * 2, rtol=1e-15)
    np.testing.assert_allclose(arr(b.grad), arr(a) * go * 2, rtol=1e-15)


@pytest.mark.parametrize("lib", LIBS)
def test_backward_twice_with_saved_values(lib):
    """test_autograd.py::TestAutograd::test_backward_twice_with_saved_values and ..._retained_graph_...:
    a second pass through freed saved values asks for retain_graph=True."""
    lib = use(lib)
    b = t(lib, data(3), True)
    c = b * b
    c.backward(t(lib, [1.0, 1.0, 1.0]))
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        c.backward(t(lib, [1.0, 1.0, 1.0]))
    c = b * b
    c.backward(t(lib, [1.0, 1.0, 1.0]), retain_graph=True)
    c.backward(t(lib, [1.0, 1.0, 1.0]))
    np.testing.assert_allclose(arr(b.grad), 6 * arr(b), rtol=1e-15)


@pytest.mark.parametrize("lib", LIBS)
def test_retain_grad(lib):
    """test_autograd.py::TestAutograd::test_retain_grad: non-leaf .grad accumulates; a no-op on leaves."""
    lib = use(lib)
    inp = t(lib, np.random.default_rng(0).random((1, 3)), True)
    h1 = inp * 3
    out = (h1 * h1).sum()
    h1.retain_grad()
    h1.retain_grad()
    out.backward(retain_graph=True)
    np.testing.assert_allclose(arr(h1.grad), arr(h1) * 2, rtol=1e-15)
    out.backward(retain_graph=True)
    np.testing.assert_allclose(arr(h1.grad), arr(h1) * 4, rtol=1e-15)
    with lib.no_grad():
        inp.grad.zero_()
    inp.retain_grad()
    inp.retain_grad()
    out.backward()
    np.testing.assert_allclose(arr(inp.grad), arr(inp) * 18, rtol=1e-15)
    assert h1.retains_grad and not inp.retains_grad


@pytest.mark.parametrize("lib", LIBS)
def test_requires_grad_(lib):
    """test_autograd.py::TestAutograd::test_requires_grad_: leaves switch it both ways; non-leaves only on."""
    lib = use(lib)
    x, y = t(lib, data(5, 5)), t(lib, data(5, 5, seed=1), True)
    assert x.requires_grad_() is x and x.requires_grad
    z = x * y
    with pytest.raises(RuntimeError):
        z.requires_grad_(False)
    assert z.requires_grad_() is z and z.requires_grad
    assert x.requires_grad_(False) is x and not x.requires_grad


@pytest.mark.parametrize("lib", LIBS)
def test_detach(lib):
    """test_autograd.py::TestAutograd::test_detach: detach() and detach_() cut the graph."""
    lib = use(lib)
    x = t(lib, data(10, 10), True)
    y = (x * 2).detach()
    assert not y.requires_grad and y.grad_fn is None
    (x + y).sum().backward()
    np.testing.assert_array_equal(arr(x.grad), np.ones((10, 10)))
    x = t(lib, data(10, 10), True)
    y = t(lib, data(10, 10, seed=1), True)
    a = x * 2
    (y + a).sum().backward(retain_graph=True)
    a.detach_()
    assert not a.requires_grad
    (y + a).sum().backward()
    np.testing.assert_array_equal(arr(x.grad), np.full((10, 10), 2.0))
    np.testing.assert_array_equal(arr(y.grad), np.full((10, 10), 2.0))
    view = x[1:5]
    with pytest.raises(RuntimeError, match="view"):
        view.detach_()


@pytest.mark.parametrize("lib", LIBS)
def test_next_functions(lib):
    """test_autograd.py::TestAutograd::test_next_functions: AccumulateGrad for leaves, None for constants."""
    lib = use(lib)
    x, y = t(lib, data(5, 5), True), t(lib, data(5, 5, seed=1), True)
    a = x + y
    nf = a.grad_fn.next_functions
    assert len(nf) == 2 and all(type(f).__name__ == "AccumulateGrad" and k == 0 for f, k in nf)
    b = a + 5
    assert b.grad_fn.next_functions[0][0] is a.grad_fn and b.grad_fn.next_functions[1][0] is None


def test_grad_of_one_tensor_returns_a_tuple_and_accepts_arrays_as_grad_outputs():
    x = dk.tensor([1.0, 2.0], dtype="float64", requires_grad=True)
    out = dk.autograd.grad(x * x, x, grad_outputs=np.array([1.0, 10.0]))
    assert isinstance(out, tuple) and out[0].tolist() == [2.0, 40.0] and x.grad is None


def test_grad_prunes_rules_off_the_path_to_the_inputs():
    # only the rules between the output and the input run: the sin's rule is never applied
    x = dk.tensor(1.0, dtype="float64", requires_grad=True)
    w = dk.tensor(2.0, dtype="float64", requires_grad=True)
    h = x * 3.0
    y = h.sin() * w
    with dk.counting() as spent:
        (gw,) = dk.autograd.grad(y, w)
    assert gw.item() == pytest.approx(np.sin(3.0), rel=1e-15)
    assert spent.count.primitives == 1  # mul's rule for w


def test_grad_bad_arguments():
    x = dk.tensor([1.0], requires_grad=True)
    with pytest.raises(dk.ArgumentError, match="non-empty inputs"):
        dk.autograd.grad(x * 2, [])
    with pytest.raises(dk.ArgumentTypeError, match="inputs"):
        dk.autograd.grad(x * 2, [np.ones(1)])
    with pytest.raises(dk.ArgumentError, match="2 entries for 1 output"):
        dk.autograd.grad(x * 2, x, grad_outputs=[dk.ones(1), dk.ones(1)])
    with pytest.raises(dk.ArgumentError, match="vmap"):
        dk.autograd.grad(x * 2, x, grad_outputs=dk.ones(1), is_grads_batched=True)
    with pytest.raises(dk.GradientError, match="one element"):
        dk.autograd.grad(x * dk.ones(3), x)
