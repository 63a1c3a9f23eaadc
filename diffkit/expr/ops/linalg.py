"""Linear algebra: inv, solve, det, slogdet, cholesky, pinv (primitives), lstsq and the norms.

Every op takes stacks of matrices (shape ``(..., m, n)``, NumPy's stacked
linalg), and its rules are the classical matrix-calculus results (M. Giles,
"An extended collection of matrix derivative results", 2008), written with
the table's ops so they differentiate again. With ``A⁻ᵀ`` the transposed
inverse and ``Ḡ`` the output cotangent:

==============  ==================================  ====================================
op              tangent                             cotangent of A (and B)
==============  ==================================  ====================================
inv             ``-A⁻¹ dA A⁻¹``                     ``-A⁻ᵀ Ḡ A⁻ᵀ``
solve(A, B)     ``A⁻¹ (dB - dA X)``                 ``B̄ = A⁻ᵀ Ḡ``, ``Ā = -B̄ Xᵀ``
det             ``tr(adj(A) dA)``                   ``ḡ adj(A)ᵀ``
slogdet         ``tr(A⁻¹ dA)``                      ``ḡ A⁻ᵀ``
cholesky        ``L Φ(L⁻¹ dS L⁻ᵀ)``                 ``fold(sym(L⁻ᵀ Φ(Lᵀ L̄) L⁻¹))``
pinv            Golub & Pereyra (below)             its transpose
==============  ==================================  ====================================

(``Φ`` keeps the lower triangle and halves the diagonal; ``sym(X) = (X + Xᵀ)/2``;
``dS`` is the symmetric matrix made of the triangle read, ``fold`` its adjoint.)

Degenerate cases, on purpose:

* **singular matrices**: ``inv`` and ``solve`` raise :class:`~diffkit.LinAlgError`
  (as NumPy and PyTorch do). ``det``'s gradient is the transposed
  *adjugate*, computed from the SVD, so it is exact at a singular matrix too
  (rank n-1: the nonzero cofactor matrix; lower rank: zero); its *second*
  derivative needs an invertible matrix and raises there. ``slogdet`` at a
  singular matrix is ``(0, -inf)`` and its gradient has no finite value.
* **cholesky** reads one triangle of A (the lower; the upper with
  ``upper=True``), as NumPy and LAPACK do, so its gradient is the derivative of
  that function: it lives on the triangle read (the strictly lower entries
  count twice, once for each place they stand for). PyTorch returns the
  symmetric gradient instead; both give the same directional derivative
  along any symmetric perturbation. A matrix that is not positive definite
  raises :class:`~diffkit.LinAlgError`.
* **pinv**'s derivative (G. Golub and V. Pereyra, 1973)
  ``dA⁺ = -A⁺ dA A⁺ + A⁺A⁺ᵀ dAᵀ (I - AA⁺) + (I - A⁺A) dAᵀ A⁺ᵀA⁺`` holds
  where the rank does not change; at a point where a perturbation changes
  the rank (a singular value crossing the cutoff) pinv jumps and has none.
* **complex matrices**: ``inv``, ``solve``, ``det`` and ``slogdet`` are
  holomorphic (or real parts of one) and follow JAX's convention (see
  :mod:`.complex`); ``cholesky`` and ``pinv`` refuse complex derivatives.

Costs are LAPACK's flop counts per matrix (Golub & Van Loan): LU ``2n³/3``,
inverse ``2n³``, solve ``2n³/3 + 2n²k``, Cholesky ``n³/3``, thin SVD
``6mn² + 11n³`` (n = min), counted as element-operations.

Example
-------
>>> import numpy as np
>>> import diffkit as dk
>>> A = np.array([[2.0, 1.0], [1.0, 3.0]])
>>> dk.ad.grad(lambda a: dk.linalg.slogdet(a)[1])(A).round(3).tolist()   # A^-T
[[0.6, -0.2], [-0.2, 0.4]]
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as _numpy

from ...errors import ArgumentError, ArgumentTypeError, LinAlgError, ShapeError
from .batching import trailing
from .complex import conj, conj_unit, real
from .core import _defop
from .diagonals import diag_embed, diagonal, tril, triu
from .elementwise import sign
from .reductions import sum as _sum
from .shapes import broadcast_to, matmul, matrix_transpose, reshape, where
from .support import check_matrix, flops_per_matrix, is_complex, xp_of

__all__ = ["inv", "solve", "det", "adjugate", "slogdet", "cholesky", "pinv", "lstsq", "vector_norm",
           "matrix_norm", "norm", "SlogdetResult", "LstsqResult"]

mT = matrix_transpose  # noqa: N816 - NumPy's and PyTorch's name for it


def lapack(name: str, call, *args, **kwargs):
    """Run a namespace's linear-algebra routine, its LinAlgError as diffkit's (with what to do)."""
    try:
        return call(*args, **kwargs)
    except Exception as err:
        if type(err).__name__ != "LinAlgError":
            raise
        hint = {"inv": "a singular matrix has no inverse: use dk.linalg.pinv, or solve a regularised system",
                "solve": "the matrix is singular: use dk.linalg.lstsq for a least-squares solution",
                "cholesky": "Cholesky needs a symmetric positive-definite matrix (eigenvalues > 0)"}.get(
                    name, "check that the matrix is finite and well conditioned")
        raise LinAlgError(f"{name}: {err} ({hint})") from None


def _no_complex(name: str, x: Any) -> None:
    if is_complex(x):
        raise ArgumentTypeError(f"{name}: derivatives with respect to complex matrices are not supported "
                                f"(only inv, solve, det and slogdet are holomorphic); differentiate the real "
                                f"and imaginary parts separately, or use real matrices")


def col(v: Any) -> Any:
    """A stack of vectors (..., n) as a stack of columns (..., n, 1)."""
    return reshape(v, shape=tuple(v.shape) + (1,))


def uncol(c: Any) -> Any:
    """A stack of columns (..., n, 1) as vectors (..., n)."""
    return reshape(c, shape=tuple(c.shape[:-1]))


def _summed_pair(g: Any) -> Any:
    return reshape(g, shape=tuple(g.shape) + (1, 1))


def _lu_cost(out, args, params) -> int:
    """An LU factorisation's 2n³/3 per matrix (det, slogdet)."""
    return flops_per_matrix(args[0], lambda m, n: 2 * n**3 // 3)


def _trace_of_product(a: Any, b: Any) -> Any:
    """tr(a b) for stacks: sum(aᵀ ∘ b) over the last two axes."""
    return _sum(mT(a) * b, axis=(-2, -1))


# ---------------------------------------------------------------------------
# inv, solve
# ---------------------------------------------------------------------------

def _inv_impl(xp, a):
    check_matrix("inv", a, square=True)
    return lapack("inv", xp.linalg.inv, a)


inv = _defop(
    "inv", 1, _inv_impl,
    jvp=(lambda t, ans, a: -matmul(ans, matmul(t, ans)),),
    vjp=(lambda g, ans, a: -matmul(mT(ans), matmul(g, mT(ans))),),
    kind="array", cost=lambda out, args, params: flops_per_matrix(args[0], lambda m, n: 2 * n**3),
    template="inv({0})", doc="the inverse of a square matrix (stacks too)",
    batch="broadcast",
)


def _solve_impl(xp, a, b):
    check_matrix("solve", a, square=True)
    if b.ndim >= 2 and b.shape[-2] != a.shape[-1] or b.ndim == 1 and b.shape[0] != a.shape[-1]:
        raise ShapeError(f"solve: a {tuple(a.shape)} and b {tuple(b.shape)} don't fit: b must be (..., "
                         f"{a.shape[-1]}, k), or a vector ({a.shape[-1]},)")
    return lapack("solve", xp.linalg.solve, a, b)


def _solve_vjp_b(g, x, a, b):
    if b.ndim == 1:
        return uncol(solve(mT(a), col(g)))
    return solve(mT(a), g)


def _solve_vjp_a(g, x, a, b):
    gb = _solve_vjp_b(g, x, a, b)
    if b.ndim == 1:
        return -(col(gb) * reshape(x, shape=tuple(x.shape[:-1]) + (1, x.shape[-1])))
    return -matmul(gb, mT(x))


def _solve_jvp_a(t, x, a, b):
    if b.ndim == 1:
        return -uncol(solve(a, matmul(t, col(x))))
    return -solve(a, matmul(t, x))


def _solve_batch(op, args, batched, params):
    """vmap of solve: stacks of systems broadcast (trailing(2, 2)); a right-hand side that is one vector per
    example becomes a column, so it is not read as a stack."""
    a, b = args
    column = batched[1] and b.ndim == 2
    if column:
        b = reshape(b, shape=tuple(b.shape) + (1,))
    out = trailing(2, 2)(op, (a, b), batched, params)
    return reshape(out, shape=tuple(out.shape[:-1])) if column else out


solve = _defop(
    "solve", 2, _solve_impl,
    jvp=(_solve_jvp_a, lambda t, x, a, b: uncol(solve(a, col(t))) if b.ndim == 1 else solve(a, t)),
    vjp=(_solve_vjp_a, _solve_vjp_b),
    kind="array",
    cost=lambda out, args, params: flops_per_matrix(
        args[0], lambda m, n: 2 * n**3 // 3 + 2 * n * n * (1 if args[1].ndim == 1 else args[1].shape[-1])),
    template="solve({0}, {1})", doc="x with a x = b (b a vector, or a stack of matrices (..., n, k))",
    batch=_solve_batch,
)


# ---------------------------------------------------------------------------
# det (through the adjugate), slogdet
# ---------------------------------------------------------------------------

def _adjugate_impl(xp, a):
    """adj(A) = adj(Vh) adj(S) adj(U) = det(Vh) Vhᴴ diag(prod_{j≠i} s_j) det(U) Uᴴ, from A = U S Vh."""
    check_matrix("adjugate", a, square=True)
    u, s, vh = lapack("adjugate", xp.linalg.svd, a, full_matrices=True)
    ones = xp.ones(tuple(s.shape[:-1]) + (1,), dtype=s.dtype)
    n = s.shape[-1]
    cp = getattr(xp, "cumprod", None) or xp.cumulative_prod
    left = cp(xp.concat([ones, s[..., : n - 1]], axis=-1), axis=-1)
    right = xp.flip(cp(xp.concat([ones, xp.flip(s, axis=-1)[..., : n - 1]], axis=-1), axis=-1), axis=-1)
    others = left * right
    phase = xp.linalg.det(u) * xp.linalg.det(vh)
    vt, ut = xp.conj(xp.matrix_transpose(vh)), xp.conj(xp.matrix_transpose(u))
    scaled = vt * xp.reshape(xp.astype(others, vt.dtype), tuple(others.shape[:-1]) + (1, n))
    return xp.reshape(phase, tuple(phase.shape) + (1, 1)) * xp.matmul(scaled, ut)


def _adjugate_jvp(t, ans, a):
    # for invertible A: d adj = tr(A⁻¹ dA) adj - A⁻¹ dA adj
    ai = inv(a)
    return _summed_pair(_trace_of_product(ai, t)) * ans - matmul(ai, matmul(t, ans))


def _adjugate_vjp(g, ans, a):
    ai = inv(a)
    return _summed_pair(_sum(g * ans, axis=(-2, -1))) * mT(ai) - matmul(mT(ai), matmul(g, mT(ans)))


def _svd_flops(m: int, n: int) -> int:
    k, big = min(m, n), max(m, n)
    return 6 * big * k * k + 11 * k**3


adjugate = _defop(
    "adjugate", 1, _adjugate_impl,
    jvp=(_adjugate_jvp,), vjp=(_adjugate_vjp,),
    kind="array", cost=lambda out, args, params: flops_per_matrix(args[0], lambda m, n: _svd_flops(n, n) + 2 * n**3),
    template="adj({0})", doc="the adjugate (transposed cofactor matrix), det(A) A⁻¹ when A is invertible",
    batch="broadcast",
)


def _det_impl(xp, a):
    check_matrix("det", a, square=True)
    return xp.linalg.det(a)


det = _defop(
    "det", 1, _det_impl,
    jvp=(lambda t, ans, a: _trace_of_product(adjugate(a), t),),
    vjp=(lambda g, ans, a: _summed_pair(g) * mT(adjugate(a)),),
    kind="array", cost=_lu_cost,
    template="det({0})", doc="the determinant (stacks too); its gradient is the transposed adjugate",
    batch="broadcast",
)


def _logabsdet_impl(xp, a):
    check_matrix("slogdet", a, square=True)
    return xp.linalg.slogdet(a)[1]


def _logabsdet_jvp(t, ans, a):
    d = _trace_of_product(inv(a), t)
    return real(d) if is_complex(a) else d


logabsdet = _defop(
    "logabsdet", 1, _logabsdet_impl,
    jvp=(_logabsdet_jvp,),
    vjp=(lambda g, ans, a: _summed_pair(g) * mT(inv(a)),),
    kind="array", cost=_lu_cost,
    template="logabsdet({0})", doc="log |det A|, computed without overflow (the second part of slogdet)",
    batch="broadcast",
)


def _sign_impl(xp, a):
    check_matrix("slogdet", a, square=True)
    return xp.linalg.slogdet(a)[0]


# A real determinant's sign is piecewise constant (no derivative); a complex one's
# phase turns with Im tr(A⁻¹ dA).
def _sign_jvp(t, ans, a):
    if not is_complex(a):
        return 0.0 * ans
    from .complex import imag

    return ans * (1.0j * imag(_trace_of_product(inv(a), t)))


def _sign_vjp(g, ans, a):
    if not is_complex(a):
        return None
    from .complex import imag

    return _summed_pair(1.0j * imag(g * ans)) * mT(inv(a))


det_sign = _defop(
    "det_sign", 1, _sign_impl,
    jvp=(_sign_jvp,), vjp=(_sign_vjp,),
    kind="array", cost=_lu_cost,
    template="sign(det({0}))", doc="the sign of det A (its phase, for complex A): the first part of slogdet",
    batch="broadcast",
)


class SlogdetResult(NamedTuple):
    """What :func:`slogdet` returns, as ``np.linalg.slogdet``: ``det = sign * exp(logabsdet)``.

    Example
    -------
    >>> import numpy as np
    >>> import diffkit as dk
    >>> dk.linalg.slogdet(-np.eye(3)).sign.item()
    -1.0
    """

    sign: Any
    logabsdet: Any


def slogdet(a: Any) -> SlogdetResult:
    """The sign and the log of the absolute value of the determinant (``np.linalg.slogdet``).

    The gradient of ``logabsdet`` is ``A⁻ᵀ``; use it rather than ``log(det(a))``,
    which overflows for large matrices.

    Example
    -------
    >>> import numpy as np
    >>> import diffkit as dk
    >>> sign, logdet = dk.linalg.slogdet(np.diag([2.0, -3.0]))
    >>> sign.item(), round(logdet.item(), 6)
    (-1.0, 1.791759)
    """
    return SlogdetResult(det_sign(a), logabsdet(a))


# ---------------------------------------------------------------------------
# cholesky
# ---------------------------------------------------------------------------

def _sym(x: Any) -> Any:
    return 0.5 * (x + mT(x))


def _phi(x: Any) -> Any:
    """The lower triangle with the diagonal halved."""
    return tril(x) - 0.5 * diag_embed(diagonal(x, axis1=-2, axis2=-1))


def hermitian_from(xp, a, lower=True):
    """The Hermitian matrix LAPACK reads from one triangle of ``a`` (NumPy's ``UPLO``), on arrays."""
    tri = xp.tril if lower else xp.triu
    strict = tri(a, k=-1 if lower else 1)
    full = tri(a) + xp.conj(xp.matrix_transpose(strict))
    if is_complex(a):  # the diagonal of a Hermitian matrix is real
        full = full - 1j * xp.astype(xp.imag(xp.linalg.diagonal(a))[..., None, :] * xp.eye(a.shape[-1]), a.dtype)
    return full


def symmetric_from(x: Any, lower: bool = True) -> Any:
    """The symmetric matrix made of one triangle of ``x`` (a tangent), with diffkit's ops."""
    return tril(x) + mT(tril(x, k=-1)) if lower else triu(x) + mT(triu(x, k=1))


def fold_to_triangle(g: Any, lower: bool = True) -> Any:
    """The adjoint of :func:`symmetric_from`: a cotangent of the symmetric matrix, onto the triangle read."""
    return tril(g) + tril(mT(g), k=-1) if lower else triu(g) + triu(mT(g), k=1)


def _cholesky_impl(xp, a, upper=False):
    check_matrix("cholesky", a, square=True)
    low = lapack("cholesky", xp.linalg.cholesky, hermitian_from(xp, a, lower=not upper))
    return xp.conj(xp.matrix_transpose(low)) if upper else low


def _cholesky_jvp(t, ans, a, upper=False):
    _no_complex("cholesky", a)
    low = mT(ans) if upper else ans
    y = solve(low, symmetric_from(t, lower=not upper))
    d = matmul(low, _phi(mT(solve(low, mT(y)))))
    return mT(d) if upper else d


def _cholesky_vjp(g, ans, a, upper=False):
    _no_complex("cholesky", a)
    low, g = (mT(ans), mT(g)) if upper else (ans, g)
    p = _phi(matmul(mT(low), tril(g)))
    x = solve(mT(low), p)
    return fold_to_triangle(_sym(mT(solve(mT(low), mT(x)))), lower=not upper)


cholesky = _defop(
    "cholesky", 1, _cholesky_impl,
    jvp=(_cholesky_jvp,), vjp=(_cholesky_vjp,),
    kind="array", cost=lambda out, args, params: flops_per_matrix(args[0], lambda m, n: n**3 // 3),
    template="cholesky({0})",
    doc="L lower triangular with L Lᵀ = A, read from A's lower triangle (U from the upper, upper=True)",
    batch="broadcast",
)


# ---------------------------------------------------------------------------
# pinv, lstsq
# ---------------------------------------------------------------------------

def _pinv_impl(xp, a, rtol=None, hermitian=False):
    check_matrix("pinv", a)
    if xp is _numpy or xp.__name__ == "cupy":
        kwargs = {"hermitian": hermitian} if xp is _numpy else {}
        if rtol is None:
            return lapack("pinv", xp.linalg.pinv, a, **kwargs)
        return lapack("pinv", xp.linalg.pinv, a, rcond=rtol, **kwargs)
    return lapack("pinv", xp.linalg.pinv, a, rtol=rtol)


def _pinv_jvp(t, p, a, rtol=None, hermitian=False):
    _no_complex("pinv", a)
    pt_p = matmul(p, mT(p))
    term1 = -matmul(p, matmul(t, p))
    term2 = matmul(pt_p, matmul(mT(t), _residual_left(a, p)))
    term3 = matmul(_residual_right(a, p), matmul(mT(t), matmul(mT(p), p)))
    return term1 + term2 + term3


def _residual_left(a, p):
    """I - A A⁺ (projection onto the complement of A's range), as a matrix."""
    eye = xp_of(a).eye(a.shape[-2], dtype=a.dtype)
    return eye - matmul(a, p)


def _residual_right(a, p):
    """I - A⁺ A."""
    eye = xp_of(a).eye(a.shape[-1], dtype=a.dtype)
    return eye - matmul(p, a)


def _pinv_vjp(g, p, a, rtol=None, hermitian=False):
    _no_complex("pinv", a)
    pt = mT(p)
    term1 = -matmul(pt, matmul(g, pt))
    term2 = matmul(_residual_left(a, p), matmul(mT(g), matmul(p, pt)))
    term3 = matmul(matmul(pt, p), matmul(mT(g), _residual_right(a, p)))
    return term1 + term2 + term3


pinv = _defop(
    "pinv", 1, _pinv_impl,
    jvp=(_pinv_jvp,), vjp=(_pinv_vjp,),
    kind="array",
    cost=lambda out, args, params: flops_per_matrix(args[0], lambda m, n: _svd_flops(m, n) + 2 * m * n * min(m, n)),
    template="pinv({0})",
    doc="the Moore-Penrose pseudo-inverse (singular values below rtol × the largest count as zero)",
    batch="broadcast",
)


class LstsqResult(NamedTuple):
    """What :func:`lstsq` returns, in NumPy's order (the field names are PyTorch's).

    Example
    -------
    >>> import numpy as np
    >>> import diffkit as dk
    >>> dk.linalg.lstsq(np.eye(2), np.ones(2)).rank
    2
    """

    solution: Any
    residuals: Any
    rank: Any
    singular_values: Any


def lstsq(a: Any, b: Any, rcond: float | None = None) -> LstsqResult:
    """The least-squares solution of ``a x = b``, as ``np.linalg.lstsq``, differentiable in ``a`` and ``b``.

    The solution is ``pinv(a) @ b`` with NumPy's cutoff (singular values below
    ``rcond`` × the largest count as zero; by default machine epsilon × max(m, n)).
    Its derivative holds while the rank stays the same (see :func:`pinv`).
    ``residuals`` is the squared residual norm per column when ``a`` has full
    column rank and more rows than columns, else empty, as in NumPy.

    Example
    -------
    >>> import numpy as np
    >>> import diffkit as dk
    >>> a = np.array([[1.0, 0.0], [1.0, 1.0], [1.0, 2.0]])
    >>> x, res, rank, s = dk.linalg.lstsq(a, np.array([1.0, 2.0, 2.0]))
    >>> x.round(4).tolist(), res.round(4).tolist(), rank
    ([1.1667, 0.5], [0.1667], 2)
    """
    from .decompositions import svdvals

    check_matrix("lstsq", a)
    m, n = a.shape[-2], a.shape[-1]
    vector = (b.ndim if hasattr(b, "ndim") else _numpy.ndim(b)) == 1
    if (b.shape[0] if vector else b.shape[-2]) != m:
        raise ShapeError(f"lstsq: a {tuple(a.shape)} and b {tuple(b.shape)} don't fit: b needs {m} rows")
    if rcond is None:
        rcond = float(xp_of(a).finfo(a.dtype).eps) * max(m, n)
    s = svdvals(a)
    raw = _numpy.asarray(_plain(s))
    rank = int(_numpy.sum(raw > rcond * raw.max(axis=-1, keepdims=True), axis=-1).min()) if raw.size else 0
    x = matmul(pinv(a, rtol=rcond), b)
    if rank == n and m > n:
        r = b - matmul(a, x)
        residuals = _sum(r * conj(r) if is_complex(r) else r * r, axis=-1 if vector else -2)
        residuals = reshape(residuals, shape=(1,)) if vector and getattr(residuals, "ndim", 0) == 0 else residuals
    else:
        residuals = xp_of(a).zeros((0,), dtype=_numpy.float64)
    return LstsqResult(x, residuals, rank, s)


def _plain(x):
    from .support import plain

    p = plain(x)
    return p if isinstance(p, _numpy.ndarray) else _numpy.asarray(p.get() if hasattr(p, "get") else p)


# ---------------------------------------------------------------------------
# norms
# ---------------------------------------------------------------------------

def _vector_norm_impl(xp, x, ord=2.0, axis=None, keepdims=False):  # noqa: A002 - NumPy's name
    f = getattr(getattr(xp, "linalg", None), "vector_norm", None)
    if f is not None:
        return f(x, axis=axis, keepdims=keepdims, ord=ord)
    flat = xp.abs(x)
    if ord == _numpy.inf:
        return xp.max(flat, axis=axis, keepdims=keepdims)
    if ord == -_numpy.inf:
        return xp.min(flat, axis=axis, keepdims=keepdims)
    if ord == 0:
        return xp.sum(xp.astype(flat != 0, flat.dtype), axis=axis, keepdims=keepdims)
    return xp.sum(flat**ord, axis=axis, keepdims=keepdims) ** (1.0 / ord)


def _norm_weights(ans, x, ord, axis, keepdims):  # noqa: A002
    """d‖x‖/dx as cotangent weights (JAX's convention for complex x): conj(sign x) (|x|/‖x‖)^(p-1)."""
    from .elementwise import abs as _abs
    from .elementwise import equal

    n = ans if keepdims else reshape(ans, shape=_kept(tuple(x.shape), axis))
    n = broadcast_to(n, shape=tuple(x.shape))
    unit = conj_unit(x) if is_complex(x) else sign(x)
    size = _abs(x)
    if ord in (_numpy.inf, -_numpy.inf):
        from .shapes import astype

        hit = astype(equal(size, n), dtype=size.dtype)
        return unit * hit / _sum(hit, axis=axis, keepdims=True)
    if ord == 1:
        return unit
    zero = equal(n, 0.0)
    ratio = size / where(zero, 1.0, n)
    return where(zero, 0.0, unit * (ratio if ord == 2 else ratio ** (ord - 1.0)))


def _kept(shape: tuple, axis: Any) -> tuple:
    from .core import _kept_shape

    return _kept_shape(shape, axis)


def _vector_norm_jvp(t, ans, x, ord=2.0, axis=None, keepdims=False):  # noqa: A002
    if ord == 0:
        return 0.0 * ans
    d = _sum(_norm_weights(ans, x, ord, axis, keepdims) * t, axis=axis, keepdims=keepdims)
    return real(d) if is_complex(x) else d


def _vector_norm_vjp(g, ans, x, ord=2.0, axis=None, keepdims=False):  # noqa: A002
    if ord == 0:
        return None
    if not keepdims:
        g = reshape(g, shape=_kept(tuple(x.shape), axis))
    return broadcast_to(g, shape=tuple(x.shape)) * _norm_weights(ans, x, ord, axis, keepdims)


vector_norm = _defop(
    "vector_norm", 1, _vector_norm_impl,
    jvp=(_vector_norm_jvp,), vjp=(_vector_norm_vjp,),
    kind="reduction", cost=lambda out, args, params: 2 * int(getattr(args[0], "size", 1)),
    template="‖{0}‖", doc="the vector p-norm over axis (all entries by default); gradient 0 at 0",
)


def _matrix_axes(x: Any, axis: Any) -> tuple[int, int]:
    nd = x.ndim
    if axis is None:
        axis = (-2, -1)
    r, c = (a % nd for a in axis)
    if r == c:
        raise ArgumentError(f"matrix norm: axis {axis!r} names the same axis twice")
    return r, c


def matrix_norm(x: Any, ord: Any = "fro", axis: Any = (-2, -1), keepdims: bool = False) -> Any:  # noqa: A002
    """A matrix norm over two axes (``np.linalg.matrix_norm``): ``'fro'``, ``'nuc'``, 1, -1, 2, -2, inf, -inf.

    Example
    -------
    >>> import numpy as np
    >>> import diffkit as dk
    >>> float(dk.linalg.matrix_norm(np.diag([3.0, -4.0]), ord="nuc"))
    7.0
    """
    from .decompositions import svdvals
    from .elementwise import abs as _abs
    from .movement import moveaxis
    from .reductions import max as _amax

    check_matrix("matrix_norm", x)
    r, c = _matrix_axes(x, axis)
    if ord in ("fro", None):
        out = vector_norm(x, ord=2.0, axis=(r, c))
    elif ord in ("nuc", 2, -2):
        s = svdvals(moveaxis(x, (r, c), (-2, -1)))
        out = _sum(s, axis=-1) if ord == "nuc" else (_amax(s, axis=-1) if ord == 2 else -_amax(-s, axis=-1))
    elif ord in (1, -1, _numpy.inf, -_numpy.inf):
        inner, outer = (r, c) if ord in (1, -1) else (c, r)
        sums = _sum(_abs(x), axis=inner, keepdims=True)
        out = _amax(sums, axis=outer, keepdims=True) if ord > 0 else -_amax(-sums, axis=outer, keepdims=True)
        out = reshape(out, shape=tuple(s for i, s in enumerate(out.shape) if i not in (r, c)))
    else:
        raise ArgumentError(f"matrix norm: ord={ord!r} is not one of 'fro', 'nuc', 1, -1, 2, -2, inf, -inf")
    if keepdims:
        out = reshape(out, shape=tuple(1 if i in (r, c) else s for i, s in enumerate(x.shape)))
    return out


def norm(x: Any, ord: Any = None, axis: Any = None, keepdims: bool = False) -> Any:  # noqa: A002
    """A vector or matrix norm, as ``np.linalg.norm``.

    ``axis`` an int (or ``x`` 1-D): a vector norm; two axes (or ``x`` 2-D):
    a matrix norm; ``ord=None`` with ``axis=None``: the 2-norm of all
    entries. The gradient at ``x = 0`` is 0 (PyTorch's choice; the 2-norm
    has no derivative there).

    Example
    -------
    >>> import numpy as np
    >>> import diffkit as dk
    >>> float(dk.linalg.norm(np.array([3.0, 4.0])))
    5.0
    >>> dk.linalg.norm(np.array([[1.0, -2.0], [3.0, 4.0]]), ord=1, axis=1).tolist()
    [3.0, 7.0]
    """
    nd = (x.ndim if hasattr(x, "ndim") else _numpy.ndim(x))
    if not hasattr(x, "shape"):
        x = _numpy.asarray(x, dtype=float)
    if axis is None:
        if ord is None:
            return vector_norm(x, ord=2.0, axis=None, keepdims=keepdims) if not keepdims else reshape(
                vector_norm(x, ord=2.0), shape=(1,) * nd)
        if nd == 1:
            axis = 0
        elif nd == 2:
            axis = (0, 1)
        else:
            raise ArgumentError(f"norm: ord={ord!r} needs a vector or a matrix, or axis=; got {nd} dimensions")
    if isinstance(axis, (tuple, list)) and len(axis) == 2:
        return matrix_norm(x, ord=ord, axis=tuple(axis), keepdims=keepdims)
    if isinstance(axis, (tuple, list)) and len(axis) == 1:
        axis = axis[0]
    if isinstance(ord, str):
        raise ArgumentError(f"norm: ord={ord!r} is a matrix norm; give two axes (or a 2-D array)")
    return vector_norm(x, ord=2.0 if ord is None else float(ord), axis=axis, keepdims=keepdims)

