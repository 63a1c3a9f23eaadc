"""Decompositions: eigh, svd, qr, each one primitive whose outputs travel packed in one array.

An op of the table has one output, so a decomposition returns its factors
packed: ``eigh`` as ``(..., n+1, n)`` (eigenvalues on the first row, the
eigenvectors below), ``svd`` and ``qr`` as their factors flattened and joined
along the last axis. The public functions unpack them with ``getitem`` and
``reshape``, so the cotangents of the factors a loss uses arrive packed too
(zeros for the unused ones), and one rule sees them all. Batch axes stay in
front.

The rules (real matrices; complex ones raise :class:`~diffkit.ArgumentTypeError`
when differentiated):

* **eigh** (S = V diag(w) Vᵀ): ``dw = diag(Vᵀ dS V)``, ``dV = V (F ∘ Vᵀ dS V)``
  with ``F_ij = 1/(w_j - w_i)``; cotangent ``sym(V (diag(w̄) + F ∘ Vᵀ V̄) Vᵀ)``,
  folded onto the triangle read. S is the symmetric matrix NumPy reads from
  one triangle of A (``UPLO``); PyTorch returns the symmetric gradient instead.
* **svd** (A = U S Vᵀ, thin): ``F_ij = 1/(s_j² - s_i²)``,
  ``Ā = U (diag(s̄) + (J + Jᵀ) S + S (K + Kᵀ)) Vᵀ`` with ``J = F ∘ UᵀŪ``,
  ``K = F ∘ VᵀV̄``, plus ``(I - UUᵀ) Ū S⁻¹ Vᵀ`` for tall and
  ``U S⁻¹ V̄ᵀ (I - VVᵀ)`` for wide matrices (J. Townsend, "Differentiating
  the singular value decomposition", 2016); the tangent is its transpose.
* **qr** (A = QR, m >= n): with ``C = Qᵀ dA R⁻¹`` and ``Ω`` its strictly lower
  part minus its transpose, ``dQ = Q(Ω - C) + dA R⁻¹``, ``dR = (C - Ω) R``;
  the cotangent is that map transposed. A wide matrix is split ``[X | Y]``
  (Householder QR factors X alone, ``R = [R_X | QᵀY]``), so its derivative
  comes from the square rule.

Degenerate cases, on purpose:

* **repeated eigenvalues / singular values** (exactly equal, as in the
  identity): the gradient of a loss of the values alone is exact (the
  eigenvector cotangent is zero there, and ``0 × F`` is taken as 0). A loss
  that reads the eigenvectors gets nan in the entries of the tied pair: the
  eigenvectors are not functions of A there, and even a loss of the
  eigenspaces only (``V f(w) Vᵀ``) needs ``f'`` at the tie, which the rule
  can't see (write such a function as a function of A, or perturb the
  tie). PyTorch and JAX give nan or inf there too; HIPS autograd likewise.
  Near-equal values give large but true gradients.
* **zero singular values** of a non-square matrix: the ``S⁻¹`` terms are
  nan where the cotangent of the extra singular vectors is not zero, 0 else.
* ``svd(full_matrices=True)`` (NumPy's default) of a non-square matrix: the
  extra columns of U or V are arbitrary, so the derivative refuses; use
  ``full_matrices=False``. ``qr(mode="complete")`` likewise.
* a rank-deficient ``qr`` has no derivative (R⁻¹): LinAlgError.
* **signs**: eigenvectors and singular vectors are defined up to sign;
  the derivative is that of the vectors LAPACK returns, which do not flip
  under small perturbations.

Example
-------
>>> import numpy as np
>>> import diffkit as dk
>>> w, v = dk.linalg.eigh(np.array([[2.0, 1.0], [1.0, 2.0]]))
>>> w.tolist()
[1.0, 3.0]
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as _numpy

from ...errors import ArgumentError, ArgumentTypeError
from .core import _defop
from .diagonals import diag_embed, diagonal, tril
from .elementwise import equal
from .linalg import _svd_flops, fold_to_triangle, hermitian_from, lapack, mT, solve, symmetric_from
from .shapes import concat, getitem, matmul, reshape, where
from .support import check_matrix, constant, flops_per_matrix, is_complex

__all__ = ["eigh", "eigvalsh", "svd", "svdvals", "qr", "EighResult", "SVDResult", "QRResult"]


def _no_complex(name: str, x: Any) -> None:
    if is_complex(x):
        raise ArgumentTypeError(f"{name}: derivatives with respect to complex matrices are not supported; "
                                f"differentiate real matrices (or the real and imaginary parts separately)")


def _lead(x: Any) -> tuple:
    return tuple(x.shape[:-2])


def _last(x: Any, start: int, stop: int) -> Any:
    return getitem(x, index=(Ellipsis, slice(start, stop)))


def _over(num: Any, den: Any) -> Any:
    """num / den, where den = 0: 0 if num is 0 too, else nan (no derivative; see the module docstring)."""
    zero = equal(den, 0.0)
    nan = constant(_numpy.full(_numpy.broadcast_shapes(tuple(num.shape), tuple(den.shape)), _numpy.nan), num)
    return where(zero, where(equal(num, 0.0), 0.0, nan), num / where(zero, 1.0, den))


def _row(v: Any) -> Any:
    return reshape(v, shape=tuple(v.shape[:-1]) + (1, v.shape[-1]))


def _column(v: Any) -> Any:
    return reshape(v, shape=tuple(v.shape) + (1,))


def _sym(x: Any) -> Any:
    return 0.5 * (x + mT(x))


# ---------------------------------------------------------------------------
# eigh
# ---------------------------------------------------------------------------

def _eigh_impl(xp, a, UPLO="L"):  # noqa: N803 - NumPy's name
    check_matrix("eigh", a, square=True)
    if xp.__name__ in ("numpy", "cupy"):  # LAPACK's own reading of the triangle: NumPy's eigenvector signs
        w, v = lapack("eigh", xp.linalg.eigh, a, UPLO)
    else:
        w, v = lapack("eigh", xp.linalg.eigh, hermitian_from(xp, a, lower=UPLO == "L"))
    return xp.concat([xp.reshape(xp.astype(w, v.dtype), tuple(w.shape[:-1]) + (1, w.shape[-1])), v], axis=-2)


def _eigh_parts(packed: Any) -> tuple[Any, Any]:
    n = packed.shape[-1]
    w = reshape(getitem(packed, index=(Ellipsis, slice(0, 1), slice(None))), shape=tuple(packed.shape[:-2]) + (n,))
    return w, getitem(packed, index=(Ellipsis, slice(1, n + 1), slice(None)))


def _off_diagonal(p: Any) -> Any:
    """p with its diagonal set to 0 (F has none)."""
    return p - diag_embed(diagonal(p, axis1=-2, axis2=-1))


def _by_gaps(p: Any, w: Any) -> Any:
    """F ∘ p with F_ij = 1/(w_j - w_i) off the diagonal (0 on it; nan where w_i = w_j and p_ij != 0)."""
    return _over(_off_diagonal(p), _row(w) - _column(w))


def _eigh_jvp(t, ans, a, UPLO="L"):  # noqa: N803
    _no_complex("eigh", a)
    w, v = _eigh_parts(ans)
    p = matmul(mT(v), matmul(symmetric_from(t, lower=UPLO == "L"), v))
    dw = diagonal(p, axis1=-2, axis2=-1)
    dv = matmul(v, _by_gaps(p, w))
    return concat([_row(dw), dv], axis=-2)


def _eigh_vjp(g, ans, a, UPLO="L"):  # noqa: N803
    _no_complex("eigh", a)
    w, v = _eigh_parts(ans)
    gw, gv = _eigh_parts(g)
    inner = diag_embed(gw) + _by_gaps(matmul(mT(v), gv), w)
    return fold_to_triangle(_sym(matmul(v, matmul(inner, mT(v)))), lower=UPLO == "L")


_eigh = _defop(
    "eigh", 1, _eigh_impl,
    jvp=(_eigh_jvp,), vjp=(_eigh_vjp,),
    kind="array", cost=lambda out, args, params: flops_per_matrix(args[0], lambda m, n: 9 * n**3),
    template="eigh({0})", doc="eigenvalues (first row) and eigenvectors (below), packed; reads one triangle",
    batch="broadcast",
)


class EighResult(NamedTuple):
    """What :func:`eigh` returns, as ``np.linalg.eigh``: ascending eigenvalues and the eigenvectors as columns.

    Example
    -------
    >>> import numpy as np
    >>> import diffkit as dk
    >>> dk.linalg.eigh(np.eye(2)).eigenvalues.tolist()
    [1.0, 1.0]
    """

    eigenvalues: Any
    eigenvectors: Any


def eigh(a: Any, UPLO: str = "L") -> EighResult:  # noqa: N803 - NumPy's name
    """Eigenvalues (ascending) and eigenvectors of a symmetric matrix (``np.linalg.eigh``), differentiable.

    As NumPy, it reads one triangle of ``a`` (``UPLO="L"``, the lower, or
    ``"U"``), and the gradient is the derivative of that function (on the
    triangle read). See the module docstring for repeated eigenvalues.

    Example
    -------
    >>> import numpy as np
    >>> import diffkit as dk
    >>> dk.ad.grad(lambda a: dk.linalg.eigh(a)[0][-1])(np.diag([1.0, 2.0])).tolist()
    [[0.0, 0.0], [0.0, 1.0]]
    """
    if UPLO not in ("L", "U"):
        raise ArgumentError(f"eigh: UPLO must be 'L' or 'U', got {UPLO!r}")
    return EighResult(*_eigh_parts(_eigh(a, UPLO=UPLO)))


def eigvalsh(a: Any, UPLO: str = "L") -> Any:  # noqa: N803
    """The eigenvalues of a symmetric matrix, ascending (``np.linalg.eigvalsh``); exact gradient
    ``V diag(w̄) Vᵀ`` even at repeated eigenvalues.

    Example
    -------
    >>> import numpy as np
    >>> import diffkit as dk
    >>> dk.linalg.eigvalsh(np.array([[2.0, 1.0], [1.0, 2.0]])).tolist()
    [1.0, 3.0]
    """
    return eigh(a, UPLO).eigenvalues


# ---------------------------------------------------------------------------
# svd
# ---------------------------------------------------------------------------

def _svd_shapes(m: int, n: int, full: bool) -> tuple[tuple, int, tuple]:
    k = min(m, n)
    return ((m, m) if full else (m, k)), k, ((n, n) if full else (k, n))


def _svd_impl(xp, a, full_matrices=False):
    check_matrix("svd", a)
    u, s, vh = lapack("svd", xp.linalg.svd, a, full_matrices=full_matrices)
    lead = tuple(a.shape[:-2])
    return xp.concat([xp.reshape(u, lead + (-1,)), xp.astype(s, u.dtype), xp.reshape(vh, lead + (-1,))], axis=-1)


def _svd_parts(packed: Any, m: int, n: int, full: bool) -> tuple[Any, Any, Any]:
    us, k, vs = _svd_shapes(m, n, full)
    lead = tuple(packed.shape[:-1])
    nu, nv = math.prod(us), math.prod(vs)
    u = reshape(_last(packed, 0, nu), shape=lead + us)
    s = _last(packed, nu, nu + k)
    vh = reshape(_last(packed, nu + k, nu + k + nv), shape=lead + vs)
    return u, s, vh


def _svd_pack(u: Any, s: Any, vh: Any) -> Any:
    lead = tuple(s.shape[:-1])
    return concat([reshape(u, shape=lead + (math.prod(u.shape[-2:]),)), s,
                   reshape(vh, shape=lead + (math.prod(vh.shape[-2:]),))], axis=-1)


def _svd_check(a: Any, full: bool) -> tuple[int, int]:
    _no_complex("svd", a)
    m, n = a.shape[-2], a.shape[-1]
    if full and m != n:
        raise ArgumentError("svd: with full_matrices=True the extra singular vectors of a non-square matrix are "
                            "arbitrary and have no derivative; use full_matrices=False")
    return m, n


def _svd_jvp(t, ans, a, full_matrices=False):
    m, n = _svd_check(a, full_matrices)
    u, s, vh = _svd_parts(ans, m, n, full_matrices)
    v = mT(vh)
    p = matmul(mT(u), matmul(t, v))
    ds = diagonal(p, axis1=-2, axis2=-1)
    s2 = s * s
    du = matmul(u, _by_gaps(p * _row(s) + _column(s) * mT(p), s2))
    dv = matmul(v, _by_gaps(_column(s) * p + mT(p) * _row(s), s2))
    if m > n:
        tv = matmul(t, v)
        du = du + _over(tv - matmul(u, matmul(mT(u), tv)), _row(s))
    if n > m:
        tu = matmul(mT(t), u)
        dv = dv + _over(tu - matmul(v, matmul(vh, tu)), _row(s))
    return _svd_pack(du, ds, mT(dv))


def _svd_vjp(g, ans, a, full_matrices=False):
    m, n = _svd_check(a, full_matrices)
    u, s, vh = _svd_parts(ans, m, n, full_matrices)
    gu, gs, gvh = _svd_parts(g, m, n, full_matrices)
    v, gv = mT(vh), mT(gvh)
    j = _by_gaps(matmul(mT(u), gu), s * s)
    k = _by_gaps(matmul(vh, gv), s * s)
    core = diag_embed(gs) + (j + mT(j)) * _row(s) + _column(s) * (k + mT(k))
    out = matmul(u, matmul(core, vh))
    if m > n:
        out = out + matmul(_over(gu - matmul(u, matmul(mT(u), gu)), _row(s)), vh)
    if n > m:
        out = out + matmul(u, mT(_over(gv - matmul(v, matmul(vh, gv)), _row(s))))
    return out


_svd = _defop(
    "svd", 1, _svd_impl,
    jvp=(_svd_jvp,), vjp=(_svd_vjp,),
    kind="array", cost=lambda out, args, params: flops_per_matrix(args[0], _svd_flops),
    template="svd({0})", doc="U, S and Vh flattened and joined along the last axis (see diffkit.linalg.svd)",
    batch="broadcast",
)


class SVDResult(NamedTuple):
    """What :func:`svd` returns, as ``np.linalg.svd``: ``a = U @ (S[..., None] * Vh)``.

    Example
    -------
    >>> import numpy as np
    >>> import diffkit as dk
    >>> dk.linalg.svd(np.diag([3.0, 2.0])).S.tolist()
    [3.0, 2.0]
    """

    U: Any  # noqa: N815 - NumPy's field names
    S: Any  # noqa: N815
    Vh: Any  # noqa: N815


def svd(a: Any, full_matrices: bool = True, compute_uv: bool = True, hermitian: bool = False) -> Any:
    """The singular value decomposition ``a = U diag(S) Vh`` (``np.linalg.svd``), differentiable.

    NumPy's defaults (``full_matrices=True``); for derivatives of a
    non-square matrix use ``full_matrices=False``. ``compute_uv=False``
    returns ``S`` alone (see :func:`svdvals`).

    Example
    -------
    >>> import numpy as np
    >>> import diffkit as dk
    >>> u, s, vh = dk.linalg.svd(np.array([[3.0, 0.0], [0.0, -2.0], [0.0, 0.0]]), full_matrices=False)
    >>> s.tolist(), u.shape, vh.shape
    ([3.0, 2.0], (3, 2), (2, 2))
    """
    check_matrix("svd", a)
    if not compute_uv:
        return svdvals(a)
    m, n = a.shape[-2], a.shape[-1]
    full = bool(full_matrices) and m != n
    return SVDResult(*_svd_parts(_svd(a, full_matrices=full), m, n, full))


def svdvals(a: Any) -> Any:
    """The singular values, descending (``np.linalg.svdvals``); exact gradient ``U diag(S̄) Vh``.

    Example
    -------
    >>> import numpy as np
    >>> import diffkit as dk
    >>> dk.linalg.svdvals(np.array([[0.0, 2.0], [1.0, 0.0]])).tolist()
    [2.0, 1.0]
    """
    check_matrix("svdvals", a)
    m, n = a.shape[-2], a.shape[-1]
    return _svd_parts(_svd(a, full_matrices=False), m, n, False)[1]


# ---------------------------------------------------------------------------
# qr
# ---------------------------------------------------------------------------

def _qr_impl(xp, a):
    check_matrix("qr", a)
    if a.shape[-2] < a.shape[-1]:
        raise ArgumentError("qr: the primitive takes tall or square matrices; diffkit.linalg.qr splits wide ones")
    q, r = lapack("qr", xp.linalg.qr, a)
    lead = tuple(a.shape[:-2])
    return xp.concat([xp.reshape(q, lead + (-1,)), xp.reshape(r, lead + (-1,))], axis=-1)


def _qr_parts(packed: Any, m: int, n: int) -> tuple[Any, Any]:
    lead = tuple(packed.shape[:-1])
    q = reshape(_last(packed, 0, m * n), shape=lead + (m, n))
    r = reshape(_last(packed, m * n, m * n + n * n), shape=lead + (n, n))
    return q, r


def _qr_pack(q: Any, r: Any) -> Any:
    lead = tuple(q.shape[:-2])
    return concat([reshape(q, shape=lead + (math.prod(q.shape[-2:]),)),
                   reshape(r, shape=lead + (math.prod(r.shape[-2:]),))], axis=-1)


def _right_rinv(x: Any, r: Any) -> Any:
    """x R⁻¹."""
    return mT(solve(mT(r), mT(x)))


def _qr_jvp(t, ans, a):
    _no_complex("qr", a)
    q, r = _qr_parts(ans, a.shape[-2], a.shape[-1])
    x = _right_rinv(t, r)
    c = matmul(mT(q), x)
    low = tril(c, k=-1)
    omega = low - mT(low)
    return _qr_pack(matmul(q, omega - c) + x, matmul(c - omega, r))


def _qr_vjp(g, ans, a):
    _no_complex("qr", a)
    q, r = _qr_parts(ans, a.shape[-2], a.shape[-1])
    gq, gr = _qr_parts(g, a.shape[-2], a.shape[-1])
    a1 = matmul(mT(q), gq) - matmul(gr, mT(r))
    gc = tril(a1 - mT(a1), k=-1) - a1
    gx = gq + matmul(q, gc)
    return mT(solve(r, mT(gx)))


_qr = _defop(
    "qr", 1, _qr_impl,
    jvp=(_qr_jvp,), vjp=(_qr_vjp,),
    kind="array",
    cost=lambda out, args, params: flops_per_matrix(args[0], lambda m, n: 4 * m * n * n - 4 * n**3 // 3),
    template="qr({0})", doc="Q and R of a tall or square matrix, flattened and joined along the last axis",
    batch="broadcast",
)


class QRResult(NamedTuple):
    """What :func:`qr` returns, as ``np.linalg.qr``.

    Example
    -------
    >>> import numpy as np
    >>> import diffkit as dk
    >>> dk.linalg.qr(np.eye(2)).R.shape
    (2, 2)
    """

    Q: Any  # noqa: N815
    R: Any  # noqa: N815


def qr(a: Any, mode: str = "reduced") -> Any:
    """The QR decomposition ``a = Q R`` (``np.linalg.qr``), differentiable for matrices of full rank.

    ``mode``: ``"reduced"`` (Q (m, k), R (k, n)), ``"r"`` (R only) or
    ``"complete"`` (Q square; no derivative for the extra columns of a tall matrix).

    Example
    -------
    >>> import numpy as np
    >>> import diffkit as dk
    >>> q, r = dk.linalg.qr(np.array([[3.0, 1.0], [4.0, 2.0]]))
    >>> np.allclose(q @ r, [[3.0, 1.0], [4.0, 2.0]])
    True
    """
    check_matrix("qr", a)
    if mode not in ("reduced", "r", "complete"):
        raise ArgumentError(f"qr: mode must be 'reduced', 'r' or 'complete', got {mode!r}")
    m, n = a.shape[-2], a.shape[-1]
    if mode == "complete" and m > n:
        from .support import xp_of

        xp = xp_of(a)
        if getattr(type(a), "_dk_level", 0):
            raise ArgumentError("qr: mode='complete' of a tall matrix has arbitrary extra columns of Q and no "
                                "derivative; use mode='reduced'")
        return QRResult(*xp.linalg.qr(a, mode="complete"))
    if m >= n:
        q, r = _qr_parts(_qr(a), m, n)
    else:  # wide: factor the leading square block, the rest of R is Qᵀ Y
        x = getitem(a, index=(Ellipsis, slice(None), slice(0, m)))
        y = getitem(a, index=(Ellipsis, slice(None), slice(m, n)))
        q, rx = _qr_parts(_qr(x), m, m)
        r = concat([rx, matmul(mT(q), y)], axis=-1)
    return r if mode == "r" else QRResult(q, r)
