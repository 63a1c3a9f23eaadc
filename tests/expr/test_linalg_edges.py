"""dk.linalg at the edges: closed forms, degenerate matrices, refusals, and d log|det A| = A^-T by three methods."""

import numpy as np
import pytest

import diffkit as dk

RNG = np.random.default_rng(5)


def test_log_det_gradient_is_inverse_transpose_by_all_three_methods():
    A = RNG.standard_normal((4, 4)) + 4 * np.eye(4)
    want = np.linalg.inv(A).T
    by_grad = dk.ad.grad(lambda a: dk.linalg.slogdet(a).logabsdet)(A)
    t = dk.tensor(A, requires_grad=True)
    dk.linalg.slogdet(t).logabsdet.backward()
    numeric = dk.numeric.gradient(lambda a: np.linalg.slogdet(a)[1], A)
    np.testing.assert_allclose(by_grad, want, rtol=1e-12)
    np.testing.assert_allclose(t.grad.numpy(), want, rtol=1e-12)
    np.testing.assert_allclose(numeric, want, rtol=1e-6, atol=1e-8)
    # and det itself: d det A = det(A) A^-T
    np.testing.assert_allclose(dk.ad.grad(dk.linalg.det)(A), np.linalg.det(A) * want, rtol=1e-10)


def test_det_gradient_at_singular_matrices_is_the_adjugate():
    # rank 1 (n = 2): the cofactor matrix [[d, -c], [-b, a]] is nonzero
    A = np.array([[1.0, 2.0], [2.0, 4.0]])
    np.testing.assert_allclose(dk.ad.grad(dk.linalg.det)(A), [[4.0, -2.0], [-2.0, 1.0]], atol=1e-12)
    # rank 1 of a 3x3 matrix: every 2x2 minor vanishes, so the gradient is zero
    B = np.outer([1.0, 2.0, 3.0], [1.0, -1.0, 0.5])
    np.testing.assert_allclose(dk.ad.grad(dk.linalg.det)(B), np.zeros((3, 3)), atol=1e-12)
    # rank 2 of 3: against finite differences (det is a polynomial: central differences are exact up to rounding)
    C = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]])
    np.testing.assert_allclose(dk.ad.grad(dk.linalg.det)(C), dk.numeric.gradient(np.linalg.det, C), atol=1e-6)


def test_det_second_derivative_needs_an_invertible_matrix():
    t = dk.tensor(np.array([[1.0, 2.0], [2.0, 4.0]]), requires_grad=True)
    dk.linalg.det(t).backward(create_graph=True)
    g = t.grad
    t.grad = None
    with pytest.raises(dk.LinAlgError, match="singular"):
        g.sum().backward()


def test_singular_and_indefinite_matrices_raise_linalg_errors():
    for call in (lambda: dk.linalg.inv(np.zeros((2, 2))), lambda: dk.linalg.solve(np.ones((2, 2)), np.ones(2)),
                 lambda: dk.linalg.cholesky(np.array([[1.0, 2.0], [2.0, 1.0]]))):
        with pytest.raises(dk.LinAlgError) as info:
            call()
        assert isinstance(info.value, np.linalg.LinAlgError) and isinstance(info.value, dk.DiffkitError)


def test_eigenvalue_gradients_are_exact_at_repeated_eigenvalues():
    # sum of eigenvalues = trace: gradient I even where all eigenvalues are equal
    for A in (np.eye(3), np.diag([2.0, 2.0, 5.0])):
        np.testing.assert_allclose(dk.ad.grad(lambda a: dk.sum(dk.linalg.eigvalsh(a)))(A), np.eye(3), atol=1e-12)
    # the largest eigenvalue of diag(1, 2, 2): not differentiable in every direction, but along the diagonal it is
    g = dk.ad.grad(lambda a: dk.linalg.eigvalsh(a)[0])(np.diag([1.0, 2.0, 2.0]))
    np.testing.assert_allclose(g, np.diag([1.0, 0.0, 0.0]), atol=1e-12)


def test_eigenvector_gradients_are_nan_at_a_tie_and_true_near_one():
    def f(a):  # exp(A) through the eigendecomposition: V diag(exp w) V^T
        w, v = dk.linalg.eigh(a)
        return dk.sum((v * dk.exp(w)) @ dk.transpose(v) * np.arange(9.0).reshape(3, 3))

    # exactly tied: the rule can't see exp' at the tie, so it says nan rather than a wrong number
    g = dk.ad.grad(f)(np.diag([1.0, 1.0, 3.0]))
    assert np.isnan(g).any()
    # a gap of 1e-3: large terms, true gradient (against central differences along a symmetric direction)
    A = np.diag([1.0, 1.001, 3.0])
    g = dk.ad.grad(f)(A)
    direction = RNG.standard_normal((3, 3))
    direction = direction + direction.T
    h = 1e-6
    numeric = (float(f(A + h * direction)) - float(f(A - h * direction))) / (2 * h)
    assert float(np.sum(g * direction)) == pytest.approx(numeric, rel=1e-5)


def test_singular_values_at_the_identity_have_gradient_u_vt():
    np.testing.assert_allclose(dk.ad.grad(lambda a: dk.sum(dk.linalg.svdvals(a)))(np.eye(3)), np.eye(3), atol=1e-12)
    np.testing.assert_allclose(dk.ad.grad(lambda a: dk.linalg.norm(a, "nuc"))(np.diag([2.0, 2.0])), np.eye(2),
                               atol=1e-12)


def test_decomposition_refusals_name_the_problem():
    x = dk.tensor(RNG.standard_normal((3, 2)), requires_grad=True)
    with pytest.raises(dk.ArgumentError, match="full_matrices=False"):
        dk.linalg.svd(x)[1].sum().backward()
    with pytest.raises(dk.LinAlgError):
        dk.linalg.qr(dk.tensor(np.ones((3, 2)), requires_grad=True))[1].sum().backward()
    z = dk.tensor(RNG.standard_normal((2, 2)) + 1j, requires_grad=True)
    for f in (lambda z: dk.linalg.cholesky(z @ dk.conj(dk.transpose(z)) + 3.0), lambda z: dk.linalg.qr(z)[1],
              lambda z: dk.linalg.pinv(z)):
        with pytest.raises(dk.ArgumentTypeError, match="complex"):
            dk.abs(f(z)).sum().backward()


def test_cholesky_and_eigh_read_one_triangle_as_numpy():
    A = np.array([[4.0, 100.0], [2.0, 5.0]])  # the upper entry is not read
    np.testing.assert_allclose(dk.linalg.cholesky(A), np.linalg.cholesky(A))
    g = dk.ad.grad(lambda a: dk.sum(dk.linalg.cholesky(a)))(A)
    assert g[0, 1] == 0.0
    np.testing.assert_allclose(g, dk.numeric.gradient(lambda a: np.linalg.cholesky(a).sum(), A), atol=1e-7)
    np.testing.assert_allclose(dk.linalg.eigh(A, "U").eigenvalues, np.linalg.eigh(A, "U").eigenvalues)


def test_lstsq_returns_numpys_tuple():
    a, b = RNG.standard_normal((6, 3)), RNG.standard_normal((6, 2))
    got, want = dk.linalg.lstsq(a, b), np.linalg.lstsq(a, b)
    for g, w in zip(got, want):
        np.testing.assert_allclose(np.asarray(g), w, rtol=1e-10)
    assert dk.linalg.lstsq(np.ones((3, 2)), np.ones(3)).residuals.shape == (0,)  # rank 1: no residuals, as NumPy


def test_norm_gradient_at_zero_is_zero():
    for f in (dk.linalg.norm, lambda x: dk.linalg.vector_norm(x, ord=3.0), lambda x: x.norm()):
        x = dk.tensor(np.zeros(3), requires_grad=True)
        f(x).backward()
        np.testing.assert_array_equal(x.grad.numpy(), np.zeros(3))


def test_costs_are_lapacks_flop_counts():
    n = 5
    A = RNG.standard_normal((2, n, n)) + n * np.eye(n)
    for f, per in ((dk.linalg.inv, 2 * n**3), (dk.linalg.det, 2 * n**3 // 3),
                   (dk.linalg.cholesky, n**3 // 3)):
        with dk.counting() as spent:
            f(A @ np.swapaxes(A, -1, -2))
        assert spent.count.elements == 2 * per
    a, b = RNG.standard_normal((3, 4)), RNG.standard_normal((4, 2))
    with dk.counting() as via_einsum:
        dk.einsum("ij,jk->ik", a, b)
    with dk.counting() as via_matmul:
        dk.matmul(a, b)
    assert via_einsum.count.elements == via_matmul.count.elements == 2 * 3 * 4 * 2
