"""Tensor: creation, dtypes, metadata, repr, and every op's gradient vs finite differences."""

import numpy as np
import pytest

import diffkit as dk
from diffkit.ad import Tensor

RNG = np.random.default_rng(7)


def numeric_grad(f, xs, h=1e-6):
    """Central differences of the scalar f(*tensors) in float64: error ~h^2 * f''' ~ 1e-12, rounding ~1e-10."""
    out = []
    for i, x in enumerate(xs):
        g = np.zeros_like(x)
        for j in np.ndindex(x.shape):
            hi = [a.copy() for a in xs]
            lo = [a.copy() for a in xs]
            hi[i][j] += h
            lo[i][j] -= h
            fh = f(*[dk.tensor(a) for a in hi]).item()
            fl = f(*[dk.tensor(a) for a in lo]).item()
            g[j] = (fh - fl) / (2 * h)
        out.append(g)
    return out


def check_grad(f, *xs):
    ts = [dk.tensor(x, requires_grad=True) for x in xs]
    f(*ts).backward()
    for t, num in zip(ts, numeric_grad(f, list(xs))):
        assert t.grad.shape == t.shape
        np.testing.assert_allclose(t.grad.numpy(), num, rtol=1e-6, atol=1e-7)


def randn(*shape):
    return np.array(RNG.standard_normal(shape))


def positive(*shape):
    return np.array(np.abs(RNG.standard_normal(shape)) + 0.5)


def weights(shape):
    """Fixed distinct weights, so that the weighted sum of an output tests every entry of it."""
    n = int(np.prod(shape))
    return dk.tensor(np.arange(1.0, n + 1.0).reshape(shape) / n, dtype="float64")


# ---------------------------------------------------------------- creation and dtypes

def test_python_floats_are_float32_and_arrays_keep_dtype():
    assert dk.tensor([1.0, 2.0]).dtype == np.float32
    assert dk.tensor(2.5).dtype == np.float32
    assert dk.tensor([1, 2]).dtype == np.int64
    assert dk.tensor([True, False]).dtype == np.bool_
    assert dk.tensor(np.ones(2)).dtype == np.float64
    assert dk.tensor(np.ones(2, np.float16)).dtype == np.float16
    assert dk.tensor([1.0], dtype="float64").dtype == np.float64
    assert dk.tensor([1.0], dtype=np.float64).dtype == np.float64
    assert dk.tensor([1.0], dtype="double").dtype == np.float64
    assert dk.tensor(0.1, dtype="float64").item() == 0.1  # no detour through float32


def test_tensor_copies_and_never_mutates_input():
    a = np.array([1.0, 2.0])
    t = dk.tensor(a)
    with dk.no_grad():
        t.add_(1.0)
    assert a.tolist() == [1.0, 2.0]
    assert t.tolist() == [2.0, 3.0]


def test_integer_tensors_cannot_require_grad():
    with pytest.raises(dk.GradientError, match="floating"):
        dk.tensor([1, 2], requires_grad=True)


def test_metadata():
    t = dk.tensor(np.zeros((2, 3, 4)), requires_grad=True)
    assert t.shape == (2, 3, 4) and t.ndim == 3 and t.dim() == 3
    assert t.size() == (2, 3, 4) and t.size(1) == 3 and t.numel() == 24 and len(t) == 2
    assert t.device == "cpu" and not t.is_cuda
    assert t.is_leaf and t.grad_fn is None and t.grad is None
    assert t.T.shape == (4, 3, 2) and t.mT.shape == (2, 4, 3)
    assert dk.tensor([[2.5]]).item() == 2.5
    assert isinstance(dk.tensor([[2.5]]).item(), float)
    with pytest.raises(dk.ShapeError, match=r"\(2,\)"):
        dk.tensor([1.0, 2.0]).item()


def test_repr_follows_pytorch():
    assert repr(dk.tensor([1.0, 2.0], requires_grad=True)) == "tensor([1., 2.], requires_grad=True)"
    assert repr(dk.tensor([1.0, 2.0])) == "tensor([1., 2.])"
    assert repr(dk.tensor([1.0], dtype="float64")) == "tensor([1.], dtype=float64)"
    x = dk.tensor(2.0, requires_grad=True)
    assert repr(x * x) == "tensor(4., grad_fn=<MulBackward>)"


def test_grad_fn_names():
    x = dk.tensor([1.0, 2.0], requires_grad=True)
    assert repr((x * 2).grad_fn) == "<MulBackward>"
    assert (x + 1).grad_fn.name == "AddBackward"
    assert x.log_softmax(0).grad_fn.name == "LogSoftmaxBackward"
    assert x.sum().grad_fn.name == "SumBackward"
    y = x * 3
    (fn, _), (none, _) = y.grad_fn.next_functions
    assert repr(fn) == "<AccumulateGrad>" and fn.variable is x and none is None


def test_to_numpy_cpu_and_casts():
    x = dk.tensor([1.5, 2.5])
    assert x.to("cpu") is x and x.cpu() is x
    assert x.to("float64").dtype == np.float64 and x.double().dtype == np.float64
    assert x.long().tolist() == [1, 2] and x.long().dtype == np.int64
    np.testing.assert_array_equal(x.numpy(), np.array([1.5, 2.5], np.float32))
    np.testing.assert_array_equal(np.asarray(x), np.array([1.5, 2.5], np.float32))


def test_cuda_without_gpu_raises_backend_error():
    from diffkit.ad import backend

    if backend.cuda_available():
        pytest.skip("a GPU is present")
    with pytest.raises(dk.BackendError, match="CuPy"):
        dk.tensor([1.0], device="cuda")
    with pytest.raises(dk.BackendError):
        dk.tensor([1.0]).to("cuda")


def test_comparisons_are_boolean_and_not_differentiable():
    x = dk.tensor([1.0, 2.0, 3.0], requires_grad=True)
    for mask, want in [(x > 2, [0, 0, 1]), (x >= 2, [0, 1, 1]), (x < 2, [1, 0, 0]),
                       (x <= 2, [1, 1, 0]), (x == 2, [0, 1, 0]), (x != 2, [1, 0, 1])]:
        assert mask.dtype == np.bool_ and not mask.requires_grad
        assert mask.tolist() == [bool(w) for w in want]
    assert x.argmax().item() == 2 and not x.argmax().requires_grad


def test_tensor_is_hashable_by_identity():
    a, b = dk.tensor([1.0]), dk.tensor([1.0])
    assert len({a, b}) == 2


# ---------------------------------------------------------------- gradients of every op

ELEMENTWISE = {
    "exp": lambda a: a.exp(), "log": lambda a: a.log(), "sqrt": lambda a: a.sqrt(),
    "sin": lambda a: a.sin(), "cos": lambda a: a.cos(), "tan": lambda a: a.tan(),
    "tanh": lambda a: a.tanh(), "sigmoid": lambda a: a.sigmoid(), "relu": lambda a: a.relu(),
    "abs": lambda a: a.abs(), "square": lambda a: a.square(), "neg": lambda a: -a,
    "reciprocal": lambda a: a.reciprocal(), "rsqrt": lambda a: a.rsqrt(),
    "clamp": lambda a: a.clamp(min=0.7, max=1.2), "pow3": lambda a: a ** 3,
    "rpow": lambda a: 2.0 ** a, "rsub": lambda a: 3.0 - a, "rdiv": lambda a: 3.0 / a,
    "dk.asin": lambda a: dk.asin(a * 0.3), "dk.atan": lambda a: dk.atan(a),
}


@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
def test_elementwise_gradients(name):
    fn = ELEMENTWISE[name]
    check_grad(lambda a: (fn(a) * weights((2, 3))).sum(), positive(2, 3))


BINARY = {
    "add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b, "pow": lambda a, b: a ** b,
    "maximum": lambda a, b: a.maximum(b), "minimum": lambda a, b: a.minimum(b),
}


@pytest.mark.parametrize("name", sorted(BINARY))
@pytest.mark.parametrize("shapes", [((2, 3), (2, 3)), ((2, 3), (3,)), ((2, 1), (1, 3)), ((), (2, 3))])
def test_binary_gradients_with_broadcasting(name, shapes):
    fn = BINARY[name]
    out = np.broadcast_shapes(*shapes)
    check_grad(lambda a, b: (fn(a, b) * weights(out)).sum(), positive(*shapes[0]), positive(*shapes[1]))


@pytest.mark.parametrize("sa,sb", [((3, 4), (4, 5)), ((2, 3, 4), (4, 5)), ((3, 4), (4,)), ((4,), (4, 5)),
                                   ((4,), (4,)), ((2, 3, 4), (2, 4, 2))])
def test_matmul_gradients(sa, sb):
    check_grad(lambda a, b: ((a @ b) ** 2).sum(), randn(*sa), randn(*sb))


REDUCTIONS = {
    "sum": lambda a: a.sum(), "sum_dim": lambda a: a.sum(dim=1),
    "sum_axis_keep": lambda a: a.sum(axis=0, keepdims=True),
    "sum_tuple": lambda a: a.sum(dim=(0, 2)), "mean": lambda a: a.mean(), "mean_dim": lambda a: a.mean(1, keepdim=True),
    "max": lambda a: a.max(), "max_dim": lambda a: a.max(dim=2).values,
    "max_keep": lambda a: a.max(axis=1, keepdims=True),
    "min_dim": lambda a: a.min(dim=0).values, "logsumexp": lambda a: a.logsumexp(dim=1),
    "logsumexp_all": lambda a: a.logsumexp(), "log_softmax": lambda a: a.log_softmax(dim=-1),
    "softmax": lambda a: a.softmax(dim=1), "var": lambda a: a.var(dim=1), "std": lambda a: a.std(),
    "var_biased": lambda a: a.var(unbiased=False), "norm": lambda a: a.norm(),
    "dk.sum": lambda a: dk.sum(a, axis=1), "dk.mean": lambda a: dk.mean(a, axis=0),
}


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
def test_reduction_gradients(name):
    fn = REDUCTIONS[name]

    def f(a):
        out = fn(a)
        return (out * weights(out.shape)).sum()

    check_grad(f, randn(2, 3, 4))


SHAPES = {
    "reshape": lambda a: a.reshape(4, 6), "reshape_tuple": lambda a: a.reshape((6, -1)), "view": lambda a: a.view(-1),
    "transpose": lambda a: a.transpose(0, 2), "permute": lambda a: a.permute(1, 2, 0), "T": lambda a: a.T,
    "mT": lambda a: a.mT, "flatten": lambda a: a.flatten(1), "unsqueeze": lambda a: a.unsqueeze(1),
    "squeeze": lambda a: a[:, :1].squeeze(1), "expand": lambda a: a[:, :1].expand(2, 3, 4),
    "getitem_slice": lambda a: a[1:, ::2], "getitem_int": lambda a: a[0, 1],
    "getitem_fancy_repeat": lambda a: a[[0, 0, 1], [1, 1, 2]], "getitem_mask": lambda a: a[a > 0],
    "getitem_tensor_index": lambda a: a[dk.tensor([1, 0, 1])], "getitem_ellipsis": lambda a: a[..., 1],
    "clone": lambda a: a.clone(), "double": lambda a: a.double() * a,
}


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_shape_op_gradients(name):
    fn = SHAPES[name]

    def f(a):
        out = fn(a)
        return (out * weights(out.shape)).sum()

    check_grad(f, randn(2, 3, 4))


def test_concat_stack_where_through_dk_functions():
    def f(a, b):
        c = dk.concat([a, b], axis=1)
        s = dk.stack([a, b * b], axis=0)
        w = dk.where(a > 0, a * b, b)
        return (c * weights(c.shape)).sum() + (s * weights(s.shape)).sum() + (w * weights(w.shape)).sum()

    check_grad(f, randn(2, 3), randn(2, 3))


def test_dk_functions_record_on_tensors():
    x = dk.tensor([0.5, 1.0], requires_grad=True)
    y = dk.sin(x) * dk.exp(x)
    assert y.grad_fn.name == "MulBackward"
    y.sum().backward()
    xs = np.array([0.5, 1.0])
    np.testing.assert_allclose(x.grad.numpy(), np.exp(xs) * (np.sin(xs) + np.cos(xs)), rtol=1e-6)


def test_numpy_ufuncs_and_arrays_on_the_left_record():
    x = dk.tensor([0.5, 1.0], dtype="float64", requires_grad=True)
    y = np.sin(x) + np.array([1.0, 2.0]) * x
    assert isinstance(y, Tensor) and y.requires_grad
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.cos([0.5, 1.0]) + [1.0, 2.0], rtol=1e-14)


def test_setitem_records_and_blocks_overwritten_gradient():
    def f(a, b):
        c = a * 1.0
        c[1] = b
        c[0, :2] = 0.0
        return (c * weights(c.shape)).sum()

    check_grad(f, randn(3, 4), randn(4))


def test_inplace_on_non_leaf_records():
    def f(a, b):
        c = a * 2.0
        c += b
        c.mul_(b)
        c.sub_(a, alpha=0.5)
        c /= 2.0
        return (c ** 2).sum()

    check_grad(f, randn(3, 4), positive(4))


def test_copy_from_tensor_requiring_grad_is_differentiable():
    def f(a):
        c = dk.tensor(np.zeros((2, 3)))
        c.copy_(a * 3)
        return (c * weights(c.shape)).sum()

    check_grad(f, randn(2, 3))


def test_kink_conventions_match_the_table():
    x = dk.tensor([0.0, 0.0, 1.0], requires_grad=True)
    (x.relu() + x.abs()).sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 2.0]
    a = dk.tensor(2.0, requires_grad=True)
    b = dk.tensor(2.0, requires_grad=True)
    a.maximum(b).backward()
    assert (a.grad.item(), b.grad.item()) == (0.5, 0.5)
    m = dk.tensor([1.0, 3.0, 3.0], requires_grad=True)
    m.max().backward()
    assert m.grad.tolist() == [0.0, 0.5, 0.5]


def test_where_does_not_leak_nan_from_the_branch_not_taken():
    # The "double where" pattern: the inner where keeps sqrt's argument in its
    # domain, the outer one selects; where's own rule must add no nan.
    x = dk.tensor([-1.0, 4.0], dtype="float64", requires_grad=True)
    safe = dk.where(x > 0, x, 1.0)
    y = dk.where(x > 0, safe.sqrt(), 0.0)
    y.sum().backward()
    assert x.grad.tolist() == [0.0, 0.25]
    # An infinite value in the branch not taken does not poison the taken one.
    z = dk.tensor([1.0, 2.0], dtype="float64", requires_grad=True)
    dk.where(dk.tensor([True, False]), z * 3.0, dk.tensor([np.inf, 1.0])).sum().backward()
    assert z.grad.tolist() == [3.0, 0.0]


def test_log_softmax_is_stable_for_large_inputs():
    x = dk.tensor([[1000.0, 0.0, -1000.0]], dtype="float64", requires_grad=True)
    y = x.log_softmax(dim=1)
    assert np.isfinite(y.numpy()).all()
    np.testing.assert_allclose(y.numpy(), [[0.0, -1000.0, -2000.0]], atol=1e-12)
    (y[0, 0]).backward()
    np.testing.assert_allclose(x.grad.numpy(), [[0.0, 0.0, 0.0]], atol=1e-12)
    assert np.isfinite(dk.tensor([1e4, 1e4]).logsumexp().item())


def test_float32_stays_float32_through_forward_and_backward():
    x = dk.tensor(np.ones((2, 3), np.float32), requires_grad=True)
    w = dk.tensor(np.ones((3, 4), np.float32), requires_grad=True)
    b = dk.tensor(np.zeros(4, np.float32), requires_grad=True)
    loss = ((x @ w + b).relu() * 0.5).log_softmax(dim=1).mean()
    assert loss.dtype == np.float32
    loss.backward()
    assert x.grad.dtype == w.grad.dtype == b.grad.dtype == np.float32


@pytest.mark.gpu
def test_cuda_tensor_matches_cpu():
    x = randn(4, 3)
    w = randn(3, 2)
    cpu = [dk.tensor(x, requires_grad=True), dk.tensor(w, requires_grad=True)]
    gpu = [dk.tensor(x, requires_grad=True, device="cuda"), dk.tensor(w, device="cpu").to("cuda").requires_grad_()]
    assert gpu[0].device == "cuda" and gpu[1].is_cuda
    for a, b in (cpu, gpu):
        ((a @ b).tanh().log_softmax(dim=1) ** 2).sum().backward()
    for c, g in zip(cpu, gpu):
        assert g.grad.device == "cuda"
        np.testing.assert_allclose(g.grad.numpy(), c.grad.numpy(), rtol=1e-10)
        assert g.grad.cpu().device == "cpu"


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(3,), (300, 70)])  # small: NumPy; large: one BLAS pass
def test_add_and_sub_with_alpha_in_place(dtype, shape):
    rng = np.random.default_rng(0)
    w0 = rng.normal(size=shape).astype(dtype)
    g = rng.normal(size=shape).astype(dtype)
    w = dk.tensor(w0.copy(), requires_grad=True)
    gt = dk.tensor(g)
    version = w._version
    with dk.no_grad():
        assert w.add_(gt, alpha=-0.1) is w
        w.sub_(g, alpha=0.2)
    tol = 1e-6 if dtype == np.float32 else 1e-14
    np.testing.assert_allclose(w.numpy(), w0 - dtype(0.1) * g - dtype(0.2) * g, rtol=tol, atol=tol)
    assert w.dtype == dtype and w._version == version + 2
    np.testing.assert_array_equal(gt.numpy(), g)  # the operand is never written


def test_contiguous_copies_only_when_the_layout_is_not_row_major():
    lin = dk.nn.Linear(4, 3)
    x = dk.tensor(np.random.default_rng(0).normal(size=(5, 4)), requires_grad=True)
    y = lin(x)  # a batch comes out of Linear as a transposed view (see ops.linear)
    c = y.contiguous()
    assert not y.is_contiguous() and c.is_contiguous() and c.numpy().flags.c_contiguous
    np.testing.assert_array_equal(c.numpy(), y.numpy())
    assert c.contiguous() is c
    (c * c).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), (2 * y.numpy()) @ lin.weight.numpy(), rtol=1e-12)


@pytest.mark.parametrize("lib", ["diffkit", "torch"])
def test_pickle_and_deepcopy_as_in_pytorch(lib):
    """Pickling keeps values and requires_grad (a view comes back on its own); deepcopy copies leaves with
    their .grad and refuses non-leaves, as torch does."""
    import copy
    import pickle

    from torch_peer import use

    lib = use(lib)
    x = lib.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    x.grad = lib.ones(2, 3).double()
    for v in (x, x[0], x.t()):
        back = pickle.loads(pickle.dumps(v))
        assert back.tolist() == v.tolist() and back.requires_grad and back.is_leaf and back.grad is None
    y = copy.deepcopy(x)
    assert y.tolist() == x.tolist() and y.grad.tolist() == [[1.0] * 3] * 2 and y.grad is not x.grad
    with pytest.raises(RuntimeError, match="leaves"):
        copy.deepcopy(x * 2)
