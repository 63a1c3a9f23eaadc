"""A port of HIPS autograd's ``tests/test_linalg.py`` onto diffkit (``np.linalg.*`` on Tensors and dual numbers).

Inputs, seeds, tolerances and modes are HIPS's (reverse mode unless the test
asks for both; order 2). Where autograd differentiates complex matrices
through a Hermitian decomposition (eigh, svd, the nuclear norm), diffkit
refuses with a clear error: those tests check the refusal. ``test_eig_*``
are not ported: diffkit has no general (non-symmetric) eigendecomposition.
"""

from functools import partial

import numpy as np
import pytest
from hips_check import check_grads

import diffkit as dk

npr = np.random.RandomState(1)
check_grads = partial(check_grads, modes=("rev",))  # noqa: F811 - as HIPS does: reverse mode unless asked


def T(A):  # noqa: N802 - HIPS's name
    return np.swapaxes(A, -1, -2)


def check_symmetric_matrix_grads(fun, **grad_check_kwargs):
    """HIPS's helper: differentiate ``fun`` of the symmetric matrix built from a lower triangle."""
    def check(*args):
        def symmetrize(A):
            L = np.tril(A)
            return (L + T(L)) / 2.0

        check_grads(lambda *a: fun(symmetrize(a[0]), *a[1:]), argnum=0, **grad_check_kwargs)(*args)

    return check


def rand_psd(D):
    mat = npr.randn(D, D)
    return np.dot(mat, mat.T)


def test_inv():
    """test_linalg.py::test_inv, test_inv_3d"""
    mat = npr.randn(8, 8)
    check_grads(np.linalg.inv)(np.dot(mat, mat) + 1.0 * np.eye(8))
    check_grads(np.linalg.inv)(npr.randn(4, 4, 4) + 5 * np.eye(4))
    check_grads(np.linalg.inv)(npr.randn(4, 4, 4, 4) + 5 * np.eye(4))


def test_pinv():
    """test_linalg.py::test_pinv (non-square, stacked, and square matrices of low fixed rank)"""
    N, D = 5, 2
    for M in range(N // 2, N + N // 2 + 1):
        check_grads(np.linalg.pinv)(npr.randn(N, M))
        check_grads(np.linalg.pinv)(npr.randn(D, N, M))
    for M in range(N // 2, N + N // 2 + 1):
        low_rank = lambda x: np.linalg.pinv(np.matmul(T(x), x))  # noqa: E731
        check_grads(low_rank)(npr.randn(N, M))
        check_grads(low_rank)(npr.randn(D, N, M))


def test_solve():
    """test_linalg.py::test_solve_arg1, test_solve_arg1_1d, test_solve_arg2, test_solve_arg1_3d,
    test_solve_arg1_3d_3d"""
    D = 8
    A, B = npr.randn(D, D) + 10.0 * np.eye(D), npr.randn(D, D - 1)
    check_grads(lambda a: np.linalg.solve(a, B))(A)
    B1 = npr.randn(D)
    check_grads(lambda a: np.linalg.solve(a, B1))(A)
    D = 6
    A, B = npr.randn(D, D) + 1.0 * np.eye(D), npr.randn(D, D - 1)
    check_grads(lambda b: np.linalg.solve(A, b))(B)
    D = 4
    A, B = npr.randn(D + 1, D, D) + 5 * np.eye(D), npr.randn(D + 1, D)
    check_grads(lambda A: np.linalg.solve(A, B[..., None])[..., 0])(A)
    A, B = npr.randn(D + 1, D, D) + 5 * np.eye(D), npr.randn(D + 1, D, D + 2)
    check_grads(lambda A: np.linalg.solve(A, B))(A)


def test_det_slogdet():
    """test_linalg.py::test_det, test_det_3d, test_slogdet, test_slogdet_3d"""
    check_grads(np.linalg.det)(npr.randn(6, 6))
    check_grads(np.linalg.det)(npr.randn(3, 3, 3))
    mat = npr.randn(6, 6)
    check_grads(lambda x: np.linalg.slogdet(x)[1])(mat)
    check_grads(lambda x: np.linalg.slogdet(x)[1])(-mat)
    mat = np.concatenate([(rand_psd(5) + 5 * np.eye(5))[None, ...] for _ in range(3)])
    check_grads(lambda x: np.sum(np.linalg.slogdet(x)[1]))(mat)


def test_norms():
    """test_linalg.py::test_vector_2norm, test_frobenius_norm, test_frobenius_norm_axis, test_vector_norm_ord,
    test_norm_axis, test_norm_nuclear, test_norm_nuclear_axis"""
    both = {"modes": ("fwd", "rev")}
    check_grads(np.linalg.norm, **both)(npr.randn(6))
    check_grads(np.linalg.norm, **both)(npr.randn(6, 5))
    check_grads(lambda x: np.linalg.norm(x, axis=(0, 1)), **both)(npr.randn(6, 5, 4))
    for order in range(2, 5):
        check_grads(lambda x, o=order: np.linalg.norm(x, ord=o), **both)(npr.randn(6))
    for axis in range(3):
        check_grads(lambda x, a=axis: np.linalg.norm(x, axis=a), **both)(npr.randn(6, 5, 4))
    check_grads(lambda x: np.linalg.norm(x, ord="nuc"), **both)(npr.randn(6, 5))
    check_grads(lambda x: np.linalg.norm(x, ord="nuc", axis=(0, 1)), **both)(npr.randn(6, 5, 4))


def test_norm_list_of_boxes():
    """test_linalg.py::test_norm_list_of_boxes (adapted: the list is stacked with dk.stack)"""
    assert dk.ad.grad(lambda x: np.linalg.norm(dk.stack([x, x + 2])))(0.0) == 1.0


def test_complex_norms():
    """test_linalg.py::test_vector_2norm_complex, test_frobenius_norm_complex, test_frobenius_norm_axis_complex,
    test_vector_norm_ord_complex, test_norm_axis_complex"""
    def c(*shape):
        return npr.randn(*shape) + 1j * npr.randn(*shape)

    check_grads(np.linalg.norm)(c(6))
    check_grads(np.linalg.norm)(c(6, 5))
    check_grads(lambda x: np.linalg.norm(x, axis=(0, 1)))(c(6, 5, 4))
    for order in range(2, 5):
        check_grads(lambda x, o=order: np.linalg.norm(x, ord=o))(c(6))
    for axis in range(3):
        check_grads(lambda x, a=axis: np.linalg.norm(x, axis=a))(c(6, 5, 4))


@pytest.mark.parametrize("fun", [
    lambda x: np.linalg.norm(x, ord="nuc"),
    lambda x: np.linalg.eigh(x)[0],
    lambda x: np.linalg.svd(x, full_matrices=False)[1],
], ids=["test_norm_nuclear_complex", "test_eigvalh_lower_complex", "test_svd_only_s_2d_complex"])
def test_complex_decompositions_refuse_to_differentiate(fun):
    """test_linalg.py's complex eigh/svd/nuclear-norm tests: diffkit refuses, naming the op."""
    x = dk.tensor(npr.randn(4, 4) + 1j * npr.randn(4, 4), requires_grad=True)
    with pytest.raises(dk.ArgumentTypeError, match="complex"):
        dk.real(fun(x)).sum().backward()


def test_eigh():
    """test_linalg.py::test_eigvalh_lower, test_eigvalh_upper, test_eigvalh_lower_broadcasting,
    test_eigvalh_upper_broadcasting (diffkit reads the symmetric part, so the input is symmetric here)"""
    def fun(x, uplo="L"):
        w, v = np.linalg.eigh(x, uplo)
        return (w, v)

    mat = npr.randn(6, 6)
    check_symmetric_matrix_grads(fun)(mat)
    check_symmetric_matrix_grads(lambda x: fun(x, "U"))(mat)
    mat = npr.randn(2, 3, 6, 6) + 10 * np.eye(6)[None, None, ...]
    hmat = np.einsum("...ij,...kj->...ik", mat, mat)
    check_grads(fun)(hmat)
    check_grads(lambda x: fun(x, "U"))(hmat)


def test_cholesky():
    """test_linalg.py::test_cholesky, test_cholesky_broadcast, test_cholesky_reparameterization_trick"""
    check_symmetric_matrix_grads(np.linalg.cholesky)(rand_psd(6))
    A = np.concatenate([rand_psd(6)[None, :, :] for _ in range(3)], axis=0)
    check_symmetric_matrix_grads(np.linalg.cholesky)(A)

    def fun(A):
        rng = np.random.RandomState(0)
        z = np.dot(np.linalg.cholesky(A), rng.randn(A.shape[0]))
        return np.linalg.norm(z)

    check_symmetric_matrix_grads(fun)(rand_psd(6))


@pytest.mark.parametrize("shape", [(3, 5), (4, 3, 5), (4, 4), (3, 4, 4), (5, 3), (4, 5, 3)],
                         ids=["wide_2d", "wide_3d", "square_2d", "square_3d", "tall_2d", "tall_3d"])
def test_svd(shape):
    """test_linalg.py::test_svd_wide_2d, _wide_3d, _square_2d, _square_3d, _tall_2d, _tall_3d, test_svd_only_s_2d,
    test_svd_only_s_3d"""
    def fun(x):
        u, s, v = np.linalg.svd(x, full_matrices=False)
        return (u, s, v)

    mat = npr.randn(*shape)
    check_grads(fun)(mat)
    if shape[-2] > shape[-1]:
        check_grads(lambda x: np.linalg.svd(x, full_matrices=False, compute_uv=False))(mat)
