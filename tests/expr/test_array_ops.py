"""The array vocabulary, row by row: values against NumPy, both AD modes against finite differences to order 2.

Each row is a diffkit function, the NumPy function it must agree with (same
arguments), and the inputs. ``check_grads`` (``tests/hips_check.py``) is HIPS
autograd's check, on every argument: reverse mode on the Tensor tape (order 2:
reverse over reverse, ``create_graph=True``) and by the transforms' ``vjp``,
forward mode on dual numbers (order 2: forward over forward).
"""

import numpy as np
import pytest
from hips_check import check_grads

import diffkit as dk

R = np.random.default_rng(7).standard_normal


def spd(n, batch=()):
    a = R(batch + (n, n))
    return a @ np.swapaxes(a, -1, -2) + n * np.eye(n)


def away_from_zero(shape):
    x = R(shape)
    return x + np.where(x >= 0, 0.3, -0.3)


ROWS = [
    # scans and products over an axis
    ("prod", lambda x: dk.prod(x), np.prod, [away_from_zero((2, 3))]),
    ("prod_axis_keepdims", lambda x: dk.prod(x, axis=1, keepdims=True),
     lambda x: np.prod(x, axis=1, keepdims=True), [R((3, 4))]),
    ("prod_axes_with_zero", lambda x: dk.prod(x, axis=(0, 2)), lambda x: np.prod(x, axis=(0, 2)),
     [np.array([[[1.5, 0.0], [2.0, -1.0]], [[0.5, 3.0], [-2.0, 0.7]]])]),
    ("cumsum", lambda x: dk.cumsum(x, axis=-1), lambda x: np.cumsum(x, axis=-1), [R((3, 4))]),
    ("cumsum_flat", lambda x: dk.cumsum(x), np.cumsum, [R((3, 4))]),
    ("cumprod", lambda x: dk.cumprod(x, axis=0), lambda x: np.cumprod(x, axis=0), [R((4, 3))]),
    ("cumprod_zero", lambda x: dk.cumprod(x), np.cumprod, [np.array([1.5, 0.0, 2.0, -0.7, 0.0, 1.1])]),
    ("logcumsumexp", lambda x: dk.logcumsumexp(x, axis=1), lambda x: np.logaddexp.accumulate(x, axis=1),
     [R((3, 5))]),
    ("logcumsumexp_wide_range", lambda x: dk.logcumsumexp(x), np.logaddexp.accumulate,
     [np.array([-800.0, 0.5, 700.0, -3.0])]),
    ("diff", lambda x: dk.diff(x), np.diff, [R((3, 5))]),
    ("diff_n2_axis0_prepend", lambda x: dk.diff(x, n=2, axis=0, prepend=0.5),
     lambda x: np.diff(x, n=2, axis=0, prepend=0.5), [R((4, 3))]),
    # sorting
    ("sort", lambda x: dk.sort(x, axis=0), lambda x: np.sort(x, axis=0), [R((5, 3))]),
    ("sort_flat", lambda x: dk.sort(x, axis=None), lambda x: np.sort(x, axis=None), [R((3, 4))]),
    ("topk_values", lambda x: dk.topk(x, 3, axis=1).values, lambda x: -np.sort(-x, axis=1)[:, :3], [R((2, 6))]),
    ("median_even", lambda x: dk.median(x, axis=1), lambda x: np.median(x, axis=1), [R((3, 6))]),
    ("median_odd_flat_keepdims", lambda x: dk.median(x, keepdims=True), lambda x: np.median(x, keepdims=True),
     [R((3, 5))]),
    ("partition", lambda x: dk.partition(x, 3), lambda x: np.partition(x, 3), [R(8)]),
    # movement
    ("flip", lambda x: dk.flip(x, axis=(0, 2)), lambda x: np.flip(x, axis=(0, 2)), [R((2, 3, 4))]),
    ("roll", lambda x: dk.roll(x, (1, -2), axis=(0, 1)), lambda x: np.roll(x, (1, -2), axis=(0, 1)), [R((3, 4))]),
    ("roll_flat", lambda x: dk.roll(x, 5), lambda x: np.roll(x, 5), [R((3, 4))]),
    ("repeat", lambda x: dk.repeat(x, 3, axis=1), lambda x: np.repeat(x, 3, axis=1), [R((2, 3))]),
    ("repeat_counts", lambda x: dk.repeat(x, [2, 0, 1], axis=0), lambda x: np.repeat(x, [2, 0, 1], axis=0),
     [R((3, 2))]),
    ("repeat_flat", lambda x: dk.repeat(x, 2), lambda x: np.repeat(x, 2), [R((2, 2))]),
    ("tile", lambda x: dk.tile(x, (2, 1, 3)), lambda x: np.tile(x, (2, 1, 3)), [R((3, 2))]),
    ("pad_constant", lambda x: dk.pad(x, ((1, 0), (2, 1)), constant_values=0.5),
     lambda x: np.pad(x, ((1, 0), (2, 1)), constant_values=0.5), [R((2, 3))]),
    *[(f"pad_{m}", lambda x, m=m: dk.pad(x, (2, 3), mode=m), lambda x, m=m: np.pad(x, (2, 3), mode=m),
       [R((3, 4))]) for m in ("edge", "reflect", "symmetric", "wrap")],
    ("ravel", lambda x: dk.ravel(x), np.ravel, [R((2, 3))]),
    ("moveaxis", lambda x: dk.moveaxis(x, (0, 1), (2, 0)), lambda x: np.moveaxis(x, (0, 1), (2, 0)),
     [R((2, 3, 4))]),
    ("rot90", lambda x: dk.rot90(x, 3), lambda x: np.rot90(x, 3), [R((2, 3))]),
    ("vstack", lambda a, b: dk.vstack([a, b]), lambda a, b: np.vstack([a, b]), [R(3), R((2, 3))]),
    ("hstack", lambda a, b: dk.hstack([a, b]), lambda a, b: np.hstack([a, b]), [R((2, 1)), R((2, 3))]),
    ("column_stack", lambda a, b: dk.column_stack([a, b]), lambda a, b: np.column_stack([a, b]),
     [R(3), R((3, 2))]),
    ("split", lambda x: dk.array_split(x, 3, axis=1)[1], lambda x: np.array_split(x, 3, axis=1)[1], [R((2, 7))]),
    ("select", lambda x, y: dk.select([x > 0.5, y > 0], [x * y, y], default=1.5),
     lambda x, y: np.select([x > 0.5, y > 0], [x * y, y], default=1.5), [R((3, 4)), R((3, 4))]),
    ("linspace", lambda a, b: dk.linspace(a, b, 6), lambda a, b: np.linspace(a, b, 6),
     [np.array(1.2), np.array(-3.4)]),
    ("linspace_arrays_no_endpoint", lambda a, b: dk.linspace(a, b, 4, endpoint=False, axis=1),
     lambda a, b: np.linspace(a, b, 4, endpoint=False, axis=1), [R(3), R(3)]),
    ("meshgrid", lambda a, b: dk.meshgrid(a, b)[1], lambda a, b: np.meshgrid(a, b)[1], [R(3), R(2)]),
    # diagonals
    ("diagonal", lambda x: dk.diagonal(x, 1, 2, 0), lambda x: np.diagonal(x, 1, 2, 0), [R((3, 2, 4))]),
    ("diag_vector", lambda x: dk.diag(x, -1), lambda x: np.diag(x, -1), [R(3)]),
    ("diag_matrix", lambda x: dk.diag(x, 2), lambda x: np.diag(x, 2), [R((4, 5))]),
    ("trace_offset", lambda x: dk.linalg.trace(x, offset=-1), lambda x: np.linalg.trace(x, offset=-1),
     [R((2, 4, 3))]),
    ("tril", lambda x: dk.tril(x, -1), lambda x: np.tril(x, -1), [R((2, 4, 4))]),
    ("triu", lambda x: dk.triu(x, 1), lambda x: np.triu(x, 1), [R((3, 5))]),
    # products
    ("einsum_matmul", lambda a, b: dk.einsum("ij,jk->ik", a, b), lambda a, b: np.einsum("ij,jk->ik", a, b),
     [R((2, 3)), R((3, 4))]),
    ("einsum_implicit_ellipsis_broadcast", lambda a, b: dk.einsum("...ij,...jk", a, b),
     lambda a, b: np.einsum("...ij,...jk", a, b), [R((1, 2, 3)), R((4, 3, 2))]),
    ("einsum_diagonal_sum", lambda a: dk.einsum("iij->j", a), lambda a: np.einsum("iij->j", a), [R((3, 3, 2))]),
    ("einsum_three", lambda a, b, c: dk.einsum("ij,jk,ki->", a, b, c), lambda a, b, c: np.einsum("ij,jk,ki->", a, b, c),
     [R((2, 3)), R((3, 4)), R((4, 2))]),
    ("einsum_sublists", lambda a, b: dk.einsum(a, [0, 1], b, [1, 2], [0, 2]),
     lambda a, b: np.einsum(a, [0, 1], b, [1, 2], [0, 2]), [R((2, 3)), R((3, 2))]),
    ("tensordot", lambda a, b: dk.tensordot(a, b, axes=([1, 2], [1, 0])),
     lambda a, b: np.tensordot(a, b, axes=([1, 2], [1, 0])), [R((2, 3, 4)), R((4, 3, 2))]),
    ("dot_nd", lambda a, b: dk.dot(a, b), np.dot, [R((2, 3, 4)), R((2, 4, 3))]),
    ("inner", lambda a, b: dk.inner(a, b), np.inner, [R((2, 3)), R((4, 3))]),
    ("outer", lambda a, b: dk.outer(a, b), np.outer, [R(3), R((2, 2))]),
    ("kron", lambda a, b: dk.kron(a, b), np.kron, [R((2, 3)), R((3, 1, 2))]),
    ("cross", lambda a, b: dk.cross(a, b, axisa=0, axisc=0), lambda a, b: np.cross(a, b, axisa=0, axisc=0),
     [R((3, 4)), R(3)]),
    # indexing
    ("gather", lambda x: dk.gather(x, 1, np.array([[0, 2, 2], [1, 0, 0]])), None, [R((3, 4))]),
    ("take_along_axis", lambda x: dk.take_along_axis(x, np.argsort(np.arange(12.0).reshape(3, 4) % 5, 1), 1),
     lambda x: np.take_along_axis(x, np.argsort(np.arange(12.0).reshape(3, 4) % 5, 1), 1), [R((3, 4))]),
    ("take_along_axis_broadcast", lambda x: dk.take_along_axis(x, np.array([[1], [0]]), axis=0),
     lambda x: np.take_along_axis(x, np.array([[1], [0]]), axis=0), [R((2, 1))]),
    ("scatter_add_repeated", lambda x, s: dk.scatter_add(x, 1, np.array([[0, 0], [1, 3]]), s), None,
     [R((2, 4)), R((2, 2))]),
    ("scatter", lambda x, s: dk.scatter(x, 0, np.array([[1, 0, 1]]), s), None, [R((2, 3)), R((1, 3))]),
    ("index_select", lambda x: dk.index_select(x, 1, np.array([2, 0, 2])),
     lambda x: np.take(x, [2, 0, 2], axis=1), [R((2, 3))]),
    ("masked_fill", lambda x: dk.masked_fill(x, np.array([True, False, True]), 2.0),
     lambda x: np.where([True, False, True], 2.0, x), [R(3)]),
    # linear algebra
    ("inv", lambda a: dk.linalg.inv(a), np.linalg.inv, [R((2, 3, 3)) + 3 * np.eye(3)]),
    ("solve_matrix", lambda a, b: dk.linalg.solve(a, b), np.linalg.solve, [R((3, 3)) + 3 * np.eye(3), R((3, 2))]),
    ("solve_vector_batched", lambda a, b: dk.linalg.solve(a, b), np.linalg.solve,
     [R((2, 3, 3)) + 3 * np.eye(3), R(3)]),
    ("det", lambda a: dk.linalg.det(a), np.linalg.det, [R((2, 3, 3))]),
    ("slogdet", lambda a: dk.linalg.slogdet(a).logabsdet, lambda a: np.linalg.slogdet(a)[1], [R((4, 4))]),
    ("cholesky", lambda a: dk.linalg.cholesky(a), np.linalg.cholesky, [spd(3, (2,))]),
    ("cholesky_upper", lambda a: dk.linalg.cholesky(a, upper=True), lambda a: np.linalg.cholesky(a, upper=True),
     [spd(3)]),
    ("eigh", lambda a: tuple(dk.linalg.eigh(a)), lambda a: tuple(np.linalg.eigh(a)), [spd(4)]),
    ("eigvalsh_batched", lambda a: dk.linalg.eigvalsh(a), np.linalg.eigvalsh, [spd(3, (2,))]),
    ("svd_tall", lambda a: tuple(dk.linalg.svd(a, full_matrices=False)),
     lambda a: tuple(np.linalg.svd(a, full_matrices=False)), [R((5, 3))]),
    ("svd_wide_batched", lambda a: tuple(dk.linalg.svd(a, full_matrices=False)),
     lambda a: tuple(np.linalg.svd(a, full_matrices=False)), [R((2, 3, 4))]),
    ("svdvals", lambda a: dk.linalg.svdvals(a), np.linalg.svdvals, [R((4, 3))]),
    ("qr_tall", lambda a: tuple(dk.linalg.qr(a)), lambda a: tuple(np.linalg.qr(a)), [R((5, 3))]),
    ("qr_wide", lambda a: tuple(dk.linalg.qr(a)), lambda a: tuple(np.linalg.qr(a)), [R((3, 5))]),
    ("pinv", lambda a: dk.linalg.pinv(a), np.linalg.pinv, [R((4, 3))]),
    ("lstsq", lambda a, b: dk.linalg.lstsq(a, b)[0], lambda a, b: np.linalg.lstsq(a, b)[0], [R((5, 3)), R((5, 2))]),
    ("norm_fro", lambda a: dk.linalg.norm(a), np.linalg.norm, [R((3, 4))]),
    ("norm_p3_axis", lambda a: dk.linalg.norm(a, 3, axis=0, keepdims=True),
     lambda a: np.linalg.norm(a, 3, axis=0, keepdims=True), [R((3, 4))]),
    ("norm_inf", lambda a: dk.linalg.norm(a, -np.inf, axis=1), lambda a: np.linalg.norm(a, -np.inf, axis=1),
     [R((3, 4))]),
    ("norm_nuc", lambda a: dk.linalg.norm(a, "nuc"), lambda a: np.linalg.norm(a, "nuc"), [R((3, 4))]),
    ("norm_matrix_1", lambda a: dk.linalg.norm(a, 1, axis=(2, 0)), lambda a: np.linalg.norm(a, 1, axis=(2, 0)),
     [R((3, 2, 4))]),
    ("norm_matrix_2", lambda a: dk.linalg.matrix_norm(a, 2), lambda a: np.linalg.matrix_norm(a, ord=2),
     [R((2, 3, 4))]),
]
IDS = [r[0] for r in ROWS]


def _tuple(v):
    return tuple(v) if isinstance(v, (tuple, list)) else (v,)


@pytest.mark.parametrize("name,f,ref,args", ROWS, ids=IDS)
def test_values_match_numpy(name, f, ref, args):
    if ref is None:
        pytest.skip("PyTorch's function, no NumPy counterpart: checked against torch in test_array_peers.py")
    got, want = _tuple(f(*args)), _tuple(ref(*args))
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert np.shape(g) == np.shape(w)
        np.testing.assert_allclose(np.asarray(g), w, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name,f,ref,args", ROWS, ids=IDS)
def test_reverse_mode_to_second_order(name, f, ref, args):
    check_grads(f, argnum=None, modes=("tape", "rev"), order=2)(*args)


@pytest.mark.parametrize("name,f,ref,args", ROWS, ids=IDS)
def test_forward_mode_to_second_order(name, f, ref, args):
    check_grads(f, argnum=None, modes=("fwd",), order=2)(*args)


@pytest.mark.parametrize("name,f,ref,args", ROWS, ids=IDS)
def test_tensor_results_are_tensors_with_the_same_values(name, f, ref, args):
    outs = _tuple(f(*(dk.tensor(a, requires_grad=True) for a in args)))
    for o, w in zip(outs, _tuple(f(*args))):
        assert isinstance(o, dk.Tensor)
        np.testing.assert_allclose(o.detach().numpy(), w, rtol=1e-12, atol=1e-12)
