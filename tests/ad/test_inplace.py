"""In-place ops while recording, version counters and views, side by side with PyTorch.

Ports of test/test_autograd.py keep PyTorch's inputs (named in each
docstring); ``narrow(d, s, n)`` is written as the slice it is, and torch's
``exp_``/``relu_`` as diffkit's ``sqrt_``/``mul_`` where diffkit has no such
method. Each runs on diffkit and on torch (skipped without torch).
"""

import numpy as np
import pytest
from torch_peer import LIBS, arr, data, t, use

import diffkit as dk

INPLACE = r"in-?place"  # torch says "inplace", diffkit "in-place"


@pytest.mark.parametrize("lib", LIBS)
def test_inplace(lib):
    """test_autograd.py::TestAutograd::test_inplace (the add_ cases): a rule that doesn't read a value is
    not spoiled by changing it; one that reads it refuses."""
    lib = use(lib)
    x = lib.ones(5, 5, requires_grad=True)
    y = (lib.ones(5, 5) * 4).requires_grad_(True)
    z = x * y
    q = z + y
    w = z * y
    z.add_(2)
    q.backward(lib.ones(5, 5), retain_graph=True)  # add doesn't need its inputs
    with pytest.raises(RuntimeError, match=INPLACE):
        w.backward(lib.ones(5, 5))  # mul saved z
    z = x * y
    q = z * y
    r = z + y
    w = z.add_(y)
    w.backward(lib.ones(5, 5), retain_graph=True)
    r.backward(lib.ones(5, 5), retain_graph=True)
    with pytest.raises(RuntimeError, match=INPLACE):
        q.backward(lib.ones(5, 5))
    leaf = lib.ones(5, 5, requires_grad=True)
    x = leaf.clone()
    x.add_(10)
    assert arr(x).tolist() == np.full((5, 5), 11.0).tolist()
    y = x + 2
    y.backward(lib.ones(5, 5))
    assert arr(leaf.grad).tolist() == np.ones((5, 5)).tolist()
    z = x * y
    x.add_(2)
    with pytest.raises(RuntimeError, match=INPLACE):
        z.backward(lib.ones(5, 5))


@pytest.mark.parametrize("lib", LIBS)
def test_mul_by_a_constant_saves_no_tensor(lib):
    """Issue 15, item 5: d * 1 then 3 * d then d += 1: the rule for d reads 3, so backward gives 3."""
    lib = use(lib)
    d = lib.tensor([2.0], requires_grad=True) * 1
    e = 3 * d
    f = d / 4.0
    d += 1
    e.backward(retain_graph=True)
    f.backward()
    assert d.grad_fn is not None and e.grad_fn is not None


@pytest.mark.parametrize("lib", LIBS)
def test_no_unnecessary_save(lib):
    """test_autograd.py::TestAutograd::test_no_unnecessary_save: x * ft must not save x."""
    lib = use(lib)
    mu = lib.ones(1, requires_grad=True)
    x = lib.zeros(1)
    loss = 0
    for i in range(3):
        x.detach_()
        x.copy_(mu + i)
        ft = lib.tensor([float(i)])
        loss += (x * ft).sum()
    loss.backward()
    assert mu.grad.tolist() == [3.0]


@pytest.mark.parametrize("lib", LIBS)
def test_no_grad_modifies_version(lib):
    """test_autograd.py::TestAutograd::test_no_grad_modifies_version."""
    lib = use(lib)
    x, y = t(lib, data(5), True), t(lib, data(5, seed=1), True)
    z = (x * y).sum()
    with lib.no_grad():
        x *= 2
    with pytest.raises(RuntimeError, match=INPLACE):
        z.backward()


@pytest.mark.parametrize("lib", LIBS)
def test_version_counter(lib):
    """test_autograd.py::TestAutograd::test_version_counter: views share their base's version counter."""
    lib = use(lib)
    x = t(lib, data(1, 2))
    v = x._version
    x.add_(1).add_(1)
    assert x._version > v
    xz = x[:]
    assert x._version == xz._version
    xz.add_(1)
    assert x._version == xz._version
    v = x._version
    x.data = t(lib, data(2, 3))
    assert x._version == v
    x.add_(1)
    assert x._version > v
    xz.add_(1)
    assert x._version == xz._version


@pytest.mark.parametrize("lib", LIBS)
def test_fill_and_zero_on_a_non_leaf_give_a_zero_gradient(lib):
    """Issue 15, item 6, as test_autograd.py::TestAutograd::test_fill (gradcheck there): the old values get
    no gradient, and backward does not complain."""
    lib = use(lib)
    root = t(lib, data(4, 5), True)
    for fill in (lambda x: x.fill_(2), lambda x: x.zero_()):
        x = root.clone()
        fill(x)
        (x * t(lib, data(4, 5, seed=1))).sum().backward()
        assert arr(root.grad).tolist() == np.zeros((4, 5)).tolist()
        root.grad = None


@pytest.mark.parametrize("lib", LIBS)
def test_requires_grad_inplace(lib):
    """test_autograd.py::TestAutograd::test_requires_grad_inplace: a += b makes a require grad."""
    lib = use(lib)
    for a in (t(lib, data(5, 5)), t(lib, data(5, 5)) + 0):
        b = t(lib, data(5, 5, seed=1), True)
        a += b
        assert a.requires_grad


@pytest.mark.parametrize("lib", LIBS)
def test_no_requires_grad_inplace(lib):
    """test_autograd.py::TestAutograd::test_no_requires_grad_inplace."""
    lib = use(lib)
    a = t(lib, data(2, 3))
    a.add_(5)
    a.requires_grad = True
    a.sum().backward()
    assert arr(a.grad).tolist() == np.ones((2, 3)).tolist()
    a = t(lib, data(2, 3))
    b = a[:]
    b.add_(5)
    a.requires_grad = True
    a.sum().backward()
    assert arr(a.grad).tolist() == np.ones((2, 3)).tolist()
    a = t(lib, data(2, 3))
    b = a[:]
    a.requires_grad = True
    with pytest.raises(RuntimeError):
        a.add_(5)
    with pytest.raises(RuntimeError):
        b.add_(5)


@pytest.mark.parametrize("lib", LIBS)
def test_index_backward_does_not_save_tensor(lib):
    """test_autograd.py::TestAutograd::test_index_backward_does_not_save_tensor."""
    lib = use(lib)
    a = lib.tensor([1.0, 0, 0])
    b = lib.zeros(3, requires_grad=True)
    tensor = b + 0
    tensor[a != 0] = tensor[a != 0]
    tensor.backward(lib.zeros_like(tensor))
    assert b.grad.tolist() == [0.0, 0.0, 0.0]


@pytest.mark.parametrize("lib", LIBS)
@pytest.mark.parametrize("size, index", [((5, 5), 1), ((5,), 1), ((1,), 0), ((10,), [[0, 4, 2]]),
                                         ((5, 5), [[0, 4], [2, 2]]), ((5, 5, 5), (slice(None), slice(None), [1, 3])),
                                         ((5, 5, 5), ([1, 3], [2, 4], slice(None)))])
def test_setitem(lib, size, index):
    """test_autograd.py::TestAutograd::test_setitem (_test_setitem): overwritten entries get no gradient."""
    lib = use(lib)
    x = lib.ones(*size, requires_grad=True)
    y = x + 2
    v = y._version
    y[index] = 2
    assert y._version != v
    y.backward(lib.ones(*size))
    expected = np.ones(size)
    expected[tuple(index) if isinstance(index, list) else index] = 0  # a list of lists is a tuple, as in torch
    assert arr(x.grad).tolist() == expected.tolist()


@pytest.mark.parametrize("lib", LIBS)
def test_setitem_tensor(lib):
    """test_autograd.py::TestAutograd::test_setitem (_test_setitem_tensor, (5, 5) and 3; and a (4,) tensor
    broadcast into y[1] of a (2, 3, 4) tensor)."""
    lib = use(lib)
    x = lib.ones(5, 5, requires_grad=True)
    y = x + 2
    value = lib.full((5,), 7.0).requires_grad_(True)
    y[3] = value
    y.backward(lib.ones(5, 5))
    expected = np.ones((5, 5))
    expected[3] = 0
    assert arr(x.grad).tolist() == expected.tolist() and value.grad.tolist() == [1.0] * 5
    x = t(lib, data(4), True)
    y = lib.zeros(2, 3, 4, dtype=x.dtype)
    y[1] = x
    go = data(2, 3, 4, seed=1)
    y.backward(t(lib, go))
    np.testing.assert_allclose(arr(x.grad), go[1].sum(0), rtol=1e-14)


@pytest.mark.parametrize("lib", LIBS)
def test_leaf_assignment(lib):
    """test_autograd.py::TestAutograd::test_leaf_assignment and test_no_grad_assignment."""
    lib = use(lib)
    x = t(lib, data(5, 5))
    y, z = t(lib, data(5, seed=1), True), t(lib, data(5, seed=2), True)
    x[0] = y
    x[1] = 2 * z
    assert x.requires_grad and x.grad_fn is not None
    x.sum().backward()
    assert y.grad.tolist() == [1.0] * 5 and z.grad.tolist() == [2.0] * 5
    x = t(lib, data(5, 5), True)
    with lib.no_grad():
        x[0] = t(lib, data(5))
    assert x.requires_grad and x.grad_fn is None


# ---------------------------------------------------------------- views

@pytest.mark.parametrize("lib", LIBS)
def test_inplace_view_backprop_base(lib):
    """test_autograd.py::TestAutogradDeviceType::test_inplace_view_backprop_base."""
    lib = use(lib)
    root = t(lib, data(2, 2), True)
    x = root.clone()
    x[0:1].mul_(2)
    x.sum().backward()
    assert arr(root.grad).tolist() == [[2, 2], [1, 1]]


@pytest.mark.parametrize("lib", LIBS)
def test_inplace_view_backprop_view_of_view(lib):
    """test_autograd.py::TestAutogradDeviceType::test_inplace_view_backprop_view_of_view."""
    lib = use(lib)
    root = t(lib, data(2, 2), True)
    x = root.clone()
    v1, v2 = x[0:1], x[0:1]
    v1.mul_(2)
    v2.sum().backward()
    assert arr(root.grad).tolist() == [[2, 2], [0, 0]]


@pytest.mark.parametrize("lib", LIBS)
def test_inplace_view_of_view(lib):
    """test_autograd.py::TestAutogradDeviceType::test_inplace_view_of_view."""
    lib = use(lib)
    root = t(lib, data(2, 2), True)
    x = root.clone()
    x[0:1][:, 1:2].mul_(2)
    x.sum().backward()
    assert arr(root.grad).tolist() == [[1, 2], [1, 1]]


@pytest.mark.parametrize("lib", LIBS)
def test_inplace_view_gradcheck(lib):
    """test_autograd.py::TestAutogradDeviceType::test_inplace_view_gradcheck, the gradients compared to their
    closed form: x[1:3, 2:4] *= b and x[1:3, 0:2] *= b."""
    lib = use(lib)
    av, bv = data(4, 4), data(2, 2, seed=1)
    a, b = t(lib, av, True), t(lib, bv, True)
    x = a.clone()
    x[1:3][:, 2:4].mul_(b)
    x[:, 0:2][1:3].mul_(b)
    go = data(4, 4, seed=2)
    x.backward(t(lib, go))
    ga = go.copy()
    ga[1:3, 0:4] *= np.hstack([bv, bv])
    np.testing.assert_allclose(arr(a.grad), ga, rtol=1e-14)
    np.testing.assert_allclose(arr(b.grad), go[1:3, 2:4] * av[1:3, 2:4] + go[1:3, 0:2] * av[1:3, 0:2], rtol=1e-14)


@pytest.mark.parametrize("lib", LIBS)
def test_inplace_view_makes_base_require_grad(lib):
    """test_autograd.py::TestAutogradDeviceType::test_inplace_view_makes_base_require_grad."""
    lib = use(lib)
    av, bv = data(4, 4), data(4, 2, seed=1)
    b = t(lib, bv, True)
    x = t(lib, av).clone()
    assert not x.requires_grad
    x[:, 2:4].mul_(b)
    assert x.requires_grad
    x.sum().backward()
    np.testing.assert_allclose(arr(b.grad), av[:, 2:4], rtol=1e-15)


@pytest.mark.parametrize("lib", LIBS)
def test_inplace_view_backprop_view(lib):
    """test_autograd.py::TestAutogradDeviceType::test_inplace_view_backprop_view."""
    lib = use(lib)
    a = lib.tensor([2.0, 5.0], requires_grad=False)
    b = lib.tensor([3.0], requires_grad=True)
    res = a[1:2].mul_(b)
    res.sum().backward()
    assert b.grad.tolist() == [5.0] and a.grad is None and a.tolist() == [2.0, 15.0]


@pytest.mark.parametrize("lib", LIBS)
def test_inplace_view_modify_base(lib):
    """test_autograd.py::TestAutogradDeviceType::test_inplace_view_modify_base: a view made before the base
    required grad follows it."""
    lib = use(lib)
    r = lib.ones(1, requires_grad=True)
    x = lib.ones(5)
    v = x[1]
    assert not v.requires_grad and v.grad_fn is None
    x.add_(r)
    assert v.requires_grad
    v.backward()
    assert r.grad.tolist() == [1.0] and v.item() == 2.0


@pytest.mark.parametrize("lib", LIBS)
def test_inplace_view_non_contig(lib):
    """test_autograd.py::TestAutogradDeviceType::test_inplace_view_non_contig (select(2, 1) as [:, :, 1])."""
    lib = use(lib)
    root = lib.ones(2, 3, 2)[:, :, 1].t().requires_grad_(True)
    x = root.clone()
    x[0:1][:, 1:2].mul_(2)
    x.sum().backward()
    assert arr(root.grad).tolist() == [[1, 2], [1, 1], [1, 1]]


@pytest.mark.parametrize("lib", LIBS)
@pytest.mark.parametrize("make_view", [lambda h: h.view(3), lambda h: h.reshape(3), lambda h: h[:],
                                       lambda h: h.unsqueeze(0), lambda h: h.flatten()],
                         ids=["view", "reshape", "slice", "unsqueeze", "flatten"])
def test_inplace_through_a_view_reaches_the_base(lib, make_view):
    """Issue 20: h = x * 1.0; h.view(3).mul_(10.0) changes h, and x.grad is 10 (torch: [10, 10, 10])."""
    lib = use(lib)
    x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
    h = x * 1.0
    make_view(h).mul_(10.0)
    assert h.tolist() == [10.0, 20.0, 30.0]
    h.sum().backward()
    assert x.grad.tolist() == [10.0, 10.0, 10.0]


@pytest.mark.parametrize("lib", LIBS)
def test_inplace_through_transpose_and_permute(lib):
    """Issue 20: .T, .t(), permute, transpose write through too; the base's other views follow."""
    lib = use(lib)
    xv = data(2, 3, 4)
    for change in (lambda h: h.permute(2, 0, 1)[0].mul_(3.0), lambda h: h.transpose(0, 2)[1:].mul_(3.0),
                   lambda h: h[0].t().mul_(3.0)):
        x = t(lib, xv, True)
        h = x * 1.0
        other = h[1]  # a view made before the change
        change(h)
        (h.sum() + 2 * other.sum()).backward()
        expected = np.ones_like(xv)
        expected[1] += 2
        got = arr(x.grad)
        changed = arr(h) != xv
        np.testing.assert_allclose(got[changed], 3 * expected[changed], rtol=1e-15)
        np.testing.assert_allclose(got[~changed], expected[~changed], rtol=1e-15)


@pytest.mark.parametrize("lib", LIBS)
def test_inplace_on_base_reaches_earlier_views(lib):
    """A view read after an in-place op on its base reads the new values, and differentiates through them."""
    lib = use(lib)
    x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
    h = x * 1.0
    v = h[1:]
    h.mul_(2.0)
    assert v.tolist() == [4.0, 6.0]
    v.sum().backward()
    assert x.grad.tolist() == [0.0, 2.0, 2.0]


@pytest.mark.parametrize("lib", LIBS)
def test_inplace_on_a_view_of_a_leaf_is_refused(lib):
    """PyTorch: a view of a leaf Variable that requires grad is used in an in-place operation."""
    lib = use(lib)
    w = lib.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf"):
        w[0:1].mul_(2.0)
    assert w.tolist() == [1.0, 2.0]
    with lib.no_grad():
        w[0:1].mul_(2.0)
    assert w.tolist() == [2.0, 2.0]


@pytest.mark.parametrize("lib", LIBS)
def test_inplace_on_an_expanded_view_is_refused(lib):
    """PyTorch: more than one element of the written-to tensor refers to a single memory location."""
    lib = use(lib)
    x = lib.tensor([1.0, 2.0])
    with pytest.raises((RuntimeError, ValueError), match="single memory location"):
        x.expand(3, 2).add_(1.0)
    h = lib.tensor([1.0, 2.0], requires_grad=True) * 1.0
    with pytest.raises((RuntimeError, ValueError), match="single memory location"):
        h.expand(3, 2).mul_(2.0)


def test_view_made_under_no_grad_and_changed_with_grad_on_is_refused():
    # torch raises too ("A view was created in no_grad mode and is being modified inplace with grad mode enabled")
    x = dk.tensor([1.0, 2.0], requires_grad=True)
    h = x * 1.0
    with dk.no_grad():
        v = h[0:1]
    with pytest.raises(dk.GradientError, match="no_grad"):
        v.mul_(10.0)
    assert h.tolist() == [1.0, 2.0]


def test_view_needs_a_view_and_reshape_copies():
    x = dk.tensor(np.arange(6.0).reshape(2, 3))
    with pytest.raises(dk.ShapeError, match="reshape"):
        x.T.view(6)
    r = x.T.reshape(6)  # a copy: changing it leaves x alone, as in PyTorch
    r.mul_(0.0)
    assert x.tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]


def test_inplace_result_must_keep_shape_and_a_castable_dtype():
    h = dk.tensor([1.0, 2.0], requires_grad=True) * 1.0
    with pytest.raises(dk.ShapeError, match="keeps the shape"):
        h.add_(dk.ones(3, 2))
    with pytest.raises(dk.ShapeError, match=r"\(3, 2\).*\(2,\)"):
        dk.zeros(2).add_(dk.ones(3, 2))
    k = dk.tensor([1, 2])
    with pytest.raises(dk.ArgumentTypeError, match="can't be cast"):
        k.add_(dk.tensor([0.5, 0.5], requires_grad=True))
    h32 = dk.tensor([1.0, 2.0], requires_grad=True) * 1.0  # float32
    h32.mul_(dk.tensor([2.0, 2.0], dtype="float64", requires_grad=True))
    assert h32.dtype == np.float32 and h32.tolist() == [2.0, 4.0]


def test_inplace_keeps_memory_shared_with_numpy_and_detached_aliases():
    h = dk.tensor([1.0, 2.0], requires_grad=True) * 1.0
    seen = h.detach()
    h.mul_(dk.tensor([3.0, 3.0], requires_grad=True))
    assert seen.tolist() == [3.0, 6.0]


def test_in_place_rule_that_reads_the_old_value_keeps_a_copy():
    # y.mul_(w) with w requiring grad: d/dw = old y, which the buffer no longer holds
    x = dk.tensor([1.0, 2.0], dtype="float64", requires_grad=True)
    w = dk.tensor([3.0, 4.0], dtype="float64", requires_grad=True)
    y = x * 1.0
    y.mul_(w)
    y.sum().backward()
    assert w.grad.tolist() == [1.0, 2.0] and x.grad.tolist() == [3.0, 4.0]


def test_output_changed_in_place_refuses_only_where_its_rule_reads_it():
    x = dk.tensor([1.0, 2.0], dtype="float64", requires_grad=True)
    e = x.exp()  # exp's rule reads its output
    s = x + 1.0  # add's does not
    with dk.no_grad():
        e.mul_(2.0)
        s.mul_(2.0)
    s.sum().backward()
    assert x.grad.tolist() == [1.0, 1.0]
    with pytest.raises(dk.GradientError, match="output of ExpBackward"):
        e.sum().backward()
