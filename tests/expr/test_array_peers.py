"""The array vocabulary against PyTorch (Tensor methods, torch.linalg) and JAX (jnp, complex gradients).

Values, gradients for a random cotangent, and Hessian-vector products
(``create_graph=True`` twice) in float64; skipped where the peer is missing.
"""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import diffkit as dk

ROOT = Path(__file__).resolve().parents[2]

RNG = np.random.default_rng(3)
R = RNG.standard_normal


def spd(n):
    a = R((n, n))
    return a @ a.T + n * np.eye(n)


def nonzero(shape):
    x = R(shape)
    return x + np.where(x >= 0, 0.5, -0.5)


# (name, diffkit function of Tensors, torch function of tensors, inputs); both sides get the same method calls
# where the names agree, so these rows are also the test that the Tensor methods mean PyTorch's functions.
TORCH_ROWS = [
    ("sort_values", lambda x: x.sort(dim=0, descending=True).values, lambda x: x.sort(dim=0, descending=True).values,
     [R((4, 3))]),
    ("topk", lambda x: x.topk(2, dim=1).values, lambda x: x.topk(2, dim=1).values, [R((3, 5))]),
    ("median_dim", lambda x: x.median(dim=1).values, lambda x: x.median(dim=1).values, [R((3, 4))]),
    ("median_all", lambda x: x.median(), lambda x: x.median(), [R((3, 4))]),
    ("cumsum", lambda x: x.cumsum(1), lambda x: x.cumsum(1), [R((3, 4))]),
    ("cumprod_zero", lambda x: x.cumprod(0), lambda x: x.cumprod(0), [np.array([1.5, 0.0, -2.0, 0.7])]),
    ("logcumsumexp", lambda x: x.logcumsumexp(0), lambda x: x.logcumsumexp(0), [R((5, 2))]),
    ("prod_zero", lambda x: x.prod(1), lambda x: x.prod(1), [np.array([[1.5, 0.0, 2.0], [0.5, -1.0, 3.0]])]),
    ("diff", lambda x: x.diff(n=2, dim=0), lambda x: x.diff(n=2, dim=0), [R((5, 3))]),
    ("flip", lambda x: x.flip(0, 1), lambda x: x.flip(0, 1), [R((3, 4))]),
    ("roll", lambda x: x.roll(2, 1), lambda x: x.roll(2, 1), [R((3, 4))]),
    ("repeat_tiles", lambda x: x.repeat(2, 1, 3), lambda x: x.repeat(2, 1, 3), [R((3, 2))]),
    ("repeat_interleave", lambda x: x.repeat_interleave(2, dim=0), lambda x: x.repeat_interleave(2, dim=0),
     [R((3, 2))]),
    ("tile", lambda x: x.tile((2,)), lambda x: x.tile((2,)), [R((3, 2))]),
    ("diag", lambda x: x.diag(1), lambda x: x.diag(1), [R((3, 4))]),
    ("diagonal", lambda x: x.diagonal(0, 0, 2), lambda x: x.diagonal(0, 0, 2), [R((3, 2, 3))]),
    ("diag_embed", lambda x: x.diag_embed(1), lambda x: x.diag_embed(1), [R((2, 3))]),
    ("trace_tril_triu", lambda x: x.trace() + x.tril(-1).sum() * x.triu(1).sum(),
     lambda x: x.trace() + x.tril(-1).sum() * x.triu(1).sum(), [R((4, 4))]),
    ("outer_inner_kron", lambda x: x[0].outer(x[1]).kron(x) + x.inner(x).sum(),
     lambda x: x[0].outer(x[1]).kron(x) + x.inner(x).sum(), [R((3, 3))]),
    ("cross", lambda x: x.cross(x.flip(1) ** 2), lambda x: torch_module().linalg.cross(x, x.flip(1) ** 2), [R((2, 3))]),
    ("gather", lambda x: x.gather(1, IDX(x, [[2, 0], [1, 1]])), lambda x: x.gather(1, IDX(x, [[2, 0], [1, 1]])),
     [R((2, 3))]),
    ("scatter_add", lambda x: x.scatter_add(1, IDX(x, [[0, 0], [2, 1]]), x[:, :2] ** 2),
     lambda x: x.scatter_add(1, IDX(x, [[0, 0], [2, 1]]), x[:, :2] ** 2), [R((2, 3))]),
    ("scatter", lambda x: x.scatter(0, IDX(x, [[1, 0, 1]]), x[1:] * 3.0),
     lambda x: x.scatter(0, IDX(x, [[1, 0, 1]]), x[1:] * 3.0), [R((2, 3))]),
    ("index_select", lambda x: x.index_select(1, IDX(x, [2, 2, 0])), lambda x: x.index_select(1, IDX(x, [2, 2, 0])),
     [R((2, 3))]),
    ("masked_fill", lambda x: x.masked_fill(x > 0, 1.5), lambda x: x.masked_fill(x > 0, 1.5), [R((3, 3))]),
    ("take_along_dim", lambda x: x.take_along_dim(x.argsort(dim=1), dim=1),
     lambda x: x.take_along_dim(x.argsort(dim=1), dim=1), [R((3, 4))]),
    ("det_logdet_slogdet", lambda x: x.det() + x.slogdet().logabsdet + (x @ x.mT).logdet(),
     lambda x: x.det() + x.slogdet().logabsdet + (x @ x.mT).logdet(), [R((3, 3))]),
    ("inverse_pinverse", lambda x: x.inverse() + x[:, :2].pinverse().sum(),
     lambda x: x.inverse() + x[:, :2].pinverse().sum(), [R((3, 3)) + 3 * np.eye(3)]),
    ("norms", lambda x: x.norm() + x.norm(p=3, dim=1).sum() + x.norm(p="nuc"),
     lambda x: x.norm() + x.norm(p=3, dim=1).sum() + x.norm(p="nuc"), [R((3, 4))]),
]

LINALG_ROWS = [
    ("inv", lambda lib, a: lib.linalg.inv(a), [R((2, 3, 3)) + 3 * np.eye(3)]),
    ("solve", lambda lib, a: lib.linalg.solve(a, a[..., :2] ** 2), [R((3, 3)) + 3 * np.eye(3)]),
    ("det", lambda lib, a: lib.linalg.det(a), [R((2, 4, 4))]),
    ("slogdet", lambda lib, a: lib.linalg.slogdet(a)[1], [R((4, 4))]),
    ("cholesky", lambda lib, a: lib.linalg.cholesky(a), [spd(4)], True),
    ("eigh_values", lambda lib, a: lib.linalg.eigh(a)[0], [spd(4)], True),
    ("eigh_vectors_squared", lambda lib, a: lib.linalg.eigh(a)[1] ** 2, [spd(4)], True),
    ("svd_values", lambda lib, a: lib.linalg.svd(a, full_matrices=False)[1], [R((5, 3))]),
    ("svd_vectors_squared", lambda lib, a: lib.linalg.svd(a, full_matrices=False)[0] ** 2, [R((5, 3))]),
    ("qr", lambda lib, a: lib.linalg.qr(a)[1] ** 2, [R((5, 3))]),
    ("pinv", lambda lib, a: lib.linalg.pinv(a), [R((4, 3))]),
    ("lstsq", lambda lib, a: lib.linalg.lstsq(a, a[:, :1] ** 2)[0], [R((5, 3))]),
    ("vector_norm", lambda lib, a: lib.linalg.vector_norm(a, ord=3, dim=1) if lib is not dk
     else dk.linalg.vector_norm(a, ord=3, axis=1), [R((3, 4))]),
    ("matrix_norm_nuc", lambda lib, a: lib.linalg.matrix_norm(a, ord="nuc"), [R((2, 3, 4))]),
]


def torch_module():
    return pytest.importorskip("torch")


def IDX(like, values):  # noqa: N802 - reads as a constructor
    """An index tensor of the right library for the function at hand."""
    if isinstance(like, dk.Tensor):
        return dk.tensor(np.asarray(values))
    return torch_module().tensor(values)


def _lower_fold(g):
    """PyTorch's symmetric gradient of a function that reads the lower triangle, as the gradient on that
    triangle (diffkit's, the derivative of what NumPy computes): both give every symmetric direction alike."""
    return np.tril(g) + np.tril(np.swapaxes(g, -1, -2), -1)


def _compare(fd, ft, args, second_order=True, fold=False):
    torch = torch_module()
    xs = [dk.tensor(a, requires_grad=True) for a in args]
    ts = [torch.tensor(a, requires_grad=True) for a in args]
    out, tout = fd(*xs), ft(*ts)
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=1e-10, atol=1e-12)
    g = R(tuple(tout.shape))
    (out * dk.tensor(g)).sum().backward(create_graph=second_order)
    tg = torch.autograd.grad((tout * torch.tensor(g)).sum(), ts, create_graph=second_order)
    adjust = _lower_fold if fold else (lambda g: g)
    for x, t in zip(xs, tg):
        np.testing.assert_allclose(x.grad.detach().numpy(), adjust(t.detach().numpy()), rtol=1e-8, atol=1e-10)
    if not second_order:
        return
    # Hessian-vector products: d/dx <grad, v>, along a v that sees the two gradients alike
    vs = [R(a.shape) for a in args]
    if fold:
        vs = [v + np.swapaxes(v, -1, -2) for v in vs]
    grads = [x.grad for x in xs]
    for x in xs:
        x.grad = None
    hv = sum((gr * dk.tensor(v)).sum() for gr, v in zip(grads, vs))
    if hv.requires_grad:  # a piecewise-linear function (sort, gather...) has a gradient with no graph
        hv.backward()
    tv = sum((t * torch.tensor(v)).sum() for t, v in zip(tg, vs))
    th = torch.autograd.grad(tv, ts, allow_unused=True) if tv.requires_grad else [None] * len(ts)
    for x, t in zip(xs, th):
        want = np.zeros(x.shape) if t is None else adjust(t.detach().numpy())
        got = np.zeros(x.shape) if x.grad is None else x.grad.numpy()
        np.testing.assert_allclose(got, want, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("name,fd,ft,args", TORCH_ROWS, ids=[r[0] for r in TORCH_ROWS])
def test_tensor_methods_match_pytorch_to_second_order(name, fd, ft, args):
    _compare(fd, ft, args)


@pytest.mark.parametrize("row", LINALG_ROWS, ids=[r[0] for r in LINALG_ROWS])
def test_linalg_matches_torch_linalg_to_second_order(row):
    name, f, args, *fold = row
    torch = torch_module()
    _compare(lambda a: f(dk, a), lambda a: f(torch, a), args, fold=bool(fold))


def test_sort_and_argsort_give_torchs_indices_with_ties_stable():
    torch = torch_module()
    x = np.array([[2.0, 1.0, 2.0, 0.5, 1.0]])
    for descending in (False, True):
        got = dk.tensor(x).sort(dim=1, descending=descending)
        want = torch.tensor(x).sort(dim=1, descending=descending, stable=True)
        assert got.indices.tolist() == want.indices.tolist()
        assert dk.tensor(x).argsort(dim=1, descending=descending).tolist() == want.indices.tolist()


def test_median_and_topk_indices_match_pytorch():
    torch = torch_module()
    x = R((3, 6))
    assert dk.tensor(x).median(dim=1).indices.tolist() == torch.tensor(x).median(dim=1).indices.tolist()
    assert dk.tensor(x).topk(3, dim=1, largest=False).indices.tolist() == \
        torch.tensor(x).topk(3, dim=1, largest=False).indices.tolist()


# ---------------------------------------------------------------------------
# JAX, in a process of its own: JAX starts threads, and a later fork() in the same
# process (the swell study's time limit) can deadlock.
# ---------------------------------------------------------------------------

def test_functions_and_complex_gradients_match_jax():
    if importlib.util.find_spec("jax") is None:
        pytest.skip("JAX is not installed")
    script = Path(__file__).with_name("jax_agreement.py")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    assert "checked" in done.stdout


def test_complex_gradient_is_the_conjugate_of_pytorchs():
    torch = torch_module()
    z = R(4) + 1j * R(4)
    a = dk.tensor(z, requires_grad=True)
    (dk.abs(a) ** 3).sum().backward()
    t = torch.tensor(z, requires_grad=True)
    (t.abs() ** 3).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), np.conj(t.grad.numpy()), rtol=1e-12)
