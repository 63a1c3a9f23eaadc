"""Derivatives of analytic functions of every order from the Cauchy integral (Lyness-Moler, Fornberg).

For f analytic in a disc about x, the Taylor coefficients ``a_k = f^(k)(x) / k!`` are
the Fourier coefficients of f on a circle of radius r::

    a_k r^k = (1/N) sum_j f(x + r w^j) w^(-jk),     w = exp(2 pi i / N)

up to aliasing ``a_(k+N) r^(k+N) + ...``, so one FFT of N values gives every order
at once. Nothing is subtracted at a small step: the rounding error of ``a_k`` is
about ``eps max|f| / r^k`` and shrinks as the circle grows, while the aliasing
grows as ``(r / R)^N`` (R the distance to the nearest singularity). diffkit
evaluates f on circles of radius ``r0 * 2^(i/2)`` over 19 decades (all points in
one call when f broadcasts over complex arrays), estimates for each order and
radius the error as the difference from the next smaller circle (aliasing) plus
the rounding term, and keeps the radius with the smallest estimate -- per order,
among the circles from the smallest up to the first whose estimate disagrees
with the smaller circle's by more than rounding and a quarter of its size (far
beyond a singularity the coefficients fade smoothly to a consistent, wrong 0).
Low orders then come out to a few ulps and order 20 still to about 1e-10
relative for entire functions.

It needs f complex-analytic near x and callable on complex arrays (NumPy's
ufuncs are). At a real x where f is real-analytic (``f(conj z) = conj f(z)``) the
coefficients come from the real part of f alone: real, and blind to a jump of
the imaginary part across the real axis (so the analytic continuation through
a branch cut of NumPy's principal branch, arctanh at 1.5, is differentiated
too). A real f without that symmetry near x (``abs``, a kink) gives a
:class:`~diffkit.numeric.NumericWarning`.

Example
-------
>>> import numpy as np
>>> from diffkit.numeric.cauchy import cauchy_derivatives
>>> d, err = cauchy_derivatives(np.exp, 1.0, 8)
>>> bool(np.all(np.abs(d - np.e) <= np.maximum(err, 4e-16 * np.e))), bool(np.max(err) < 1e-12)
(True, True)
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from ..errors import ArgumentError
from .estimates import Estimate, warn_rtol
from .limits import ensure_memory
from .points import NumericWarning

__all__ = ["cauchy_derivatives", "cauchy_derivative", "RADII", "points_on_circle"]

#: Circles of radius ``r0 * 2^(i/2)`` for i in this range (r0 = the initial radius).
RADII = np.arange(-40, 25)
#: Largest derivative order the method is offered for (k! and r^-k leave float64 beyond).
MAX_ORDER = 100


def points_on_circle(order: int) -> int:
    """Points per circle for derivatives up to ``order``: a power of 2, at least 32 and ``4 (order + 2)``
    (the real-part formula aliases ``a_(N-k)`` onto ``a_k``: N must stay well above the orders wanted).

    Example
    -------
    >>> from diffkit.numeric.cauchy import points_on_circle
    >>> points_on_circle(1), points_on_circle(19), points_on_circle(40)
    (32, 128, 256)
    """
    return max(32, 1 << int(math.ceil(math.log2(4 * (order + 2)))))


def _values(fn: Callable, Z: np.ndarray, batched: bool | None) -> np.ndarray:
    """fn at every complex point of Z: one call when fn broadcasts, else one call per point."""
    if batched is not False:
        try:
            with np.errstate(all="ignore"):
                out = np.asarray(fn(Z))
            if out.shape == Z.shape:
                return out.astype(complex)
        except Exception:
            if batched:
                raise
        if batched:
            raise ArgumentError("batched=True but fn does not broadcast elementwise over a complex array")
    flat = np.empty(Z.size, dtype=complex)
    with np.errstate(all="ignore"):
        for i, z in enumerate(Z.ravel()):
            flat[i] = complex(np.asarray(fn(z)).reshape(()))
    return flat.reshape(Z.shape)


def cauchy_derivatives(fn: Callable, x: Any, n: int, r: float | None = None, *,
                       batched: bool | None = None, _depth: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """Derivatives of orders ``0..n`` of an analytic ``fn`` at ``x``, with error estimates.

    Parameters
    ----------
    fn : callable
        Analytic near x, callable on complex arrays.
    x : float, complex or array
        Where (an array: at each element).
    n : int
        Highest order.
    r : float, optional
        Initial radius r0 (default ``max(|x|, 1) / 2``); the circles span ``r0 * 2^-20`` to ``r0 * 2^12``.
    batched : bool, optional
        Whether fn broadcasts over a complex array (None: try, then fall back to one call per point).

    Returns
    -------
    derivatives, errors : ndarray, shape ``(n + 1, *x.shape)``
        Real for a real x where f is real on the real axis, else complex.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.numeric.cauchy import cauchy_derivatives
    >>> d, err = cauchy_derivatives(lambda z: 1 / (1 - z), 0.0, 5)   # a pole at 1: k! exactly
    >>> np.allclose(d, [1, 1, 2, 6, 24, 120], rtol=1e-12, atol=0), bool(np.all(err < 1e-9))
    (True, True)
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 0 <= n <= MAX_ORDER:
        raise ArgumentError(f"the Cauchy method gives derivatives of order 0 to {MAX_ORDER}, got n={n!r}")
    x = np.asarray(x)
    if x.dtype.kind not in "biufc":
        raise ArgumentError(f"x must be a number or an array of numbers, got dtype {x.dtype}")
    if r is not None and (isinstance(r, (bool, str)) or not np.isfinite(r) or r <= 0):
        raise ArgumentError(f"r (the initial radius) must be a positive number, got {r!r}")
    real_point = x.dtype.kind != "c"
    x = x.astype(complex)
    N = points_on_circle(int(n))
    R = RADII.size
    ensure_memory(16.0 * x.size * R * N * 3, f"the Cauchy method at {x.size} points ({R} circles of {N} points)",
                  "differentiate fewer points at a time")
    r0 = (np.maximum(np.abs(x), 1.0) / 2) if r is None else np.full(x.shape, float(r))
    radii = r0[..., None] * 2.0 ** (RADII / 2.0)  # (*x, R)
    w = np.exp(2j * np.pi * np.arange(N) / N)
    Z = x[..., None, None] + radii[..., None] * w  # (*x, R, N)
    F = _values(fn, Z, batched)
    k = np.arange(n + 1)
    # Real-analytic f (f(conj z) = conj f(z): real Taylor coefficients) at a real x: its real part alone gives
    # them, a_k r^k = (2/N) sum_j Re f_j cos(k theta_j), and a jump of the imaginary part across the real axis
    # (x on a branch cut of the principal branch, as arctanh at 1.5) does not reach them.
    with np.errstate(all="ignore"):
        mirror = np.conj(F[..., (-np.arange(N)) % N])
        finite = np.isfinite(F) & np.isfinite(mirror)
        finite[..., [0, N // 2]] = False  # on the real axis itself: a branch cut's own value
        symmetric = real_point and bool(np.all(np.abs(F - mirror)[finite] <= 1e-8 * np.abs(F)[finite] + 1e-300))
        if symmetric:
            b = np.fft.fft(F.real, axis=-1).real / N
            b[..., 1:] *= 2
        else:
            b = np.fft.fft(F, axis=-1) / N  # b_k = a_k r^k (+ aliasing)
        a = b[..., :n + 1] / radii[..., None] ** k  # (*x, R, n + 1)
        Fmax = np.max(np.abs(F), axis=-1, keepdims=True)
        rounding = 2 * np.finfo(float).eps * Fmax / radii[..., None] ** k
        alias = np.full(a.shape, np.inf)
        change = np.abs(a[..., 1:, :] - a[..., :-1, :])  # against the next smaller circle
        alias[..., 1:, :] = change
        err = 2 * (alias + rounding)  # the two circles' errors are not independent: a margin
        # Far outside the nearest singularity the coefficients of the non-negative powers fade away
        # smoothly (1/(z - x) has none): consistent, tiny and wrong. Grow the circle only while each
        # estimate agrees with the smaller circle's to within rounding and a quarter of its size.
        ok = np.ones(a.shape, dtype=bool)
        ok[..., 1:, :] = (change <= 4 * (rounding[..., 1:, :] + rounding[..., :-1, :])
                          + 0.25 * np.maximum(np.abs(a[..., 1:, :]), np.abs(a[..., :-1, :])))
        ok &= np.isfinite(a) & np.isfinite(rounding)
        inside = np.logical_and.accumulate(ok, axis=-2)
        err = np.where(inside, err, np.inf)
    best = np.argmin(err, axis=-2)  # (*x, n + 1): the radius per order
    coef = np.take_along_axis(a, best[..., None, :], axis=-2)[..., 0, :]
    cerr = np.take_along_axis(err, best[..., None, :], axis=-2)[..., 0, :]
    fact = np.array([float(math.factorial(j)) for j in range(n + 1)])
    with np.errstate(over="ignore", invalid="ignore"):
        d, e = coef * fact, cerr * fact
    d, e = np.moveaxis(d, -1, 0), np.moveaxis(e, -1, 0)
    if np.iscomplexobj(F) and not np.any(F.imag[np.isfinite(F)]) and np.ptp(F.real[np.isfinite(F)]) > 0:
        warnings.warn("the Cauchy method needs a function analytic near x, but f returned real values at every "
                      "complex point (abs, max, a comparison?): a non-constant analytic function can't; its "
                      "derivatives are wrong: use finite differences", NumericWarning, stacklevel=_depth)
    elif real_point and not symmetric and \
            np.all(np.abs(np.imag(F[..., R // 2, :1])) <= 1e-12 * np.abs(F[..., R // 2, :1])):
        warnings.warn("the Cauchy method needs a function analytic near x, but f(conj z) is not conj f(z) on the "
                      "circles though f is real at x (abs, a kink or a non-analytic step nearby?); its derivatives "
                      "may be wrong: use finite differences", NumericWarning, stacklevel=_depth)
    return d, e


def cauchy_derivative(fn: Callable, x: Any, order: int, r: float | None = None, *, full_output: bool = False,
                      batched: bool | None = None, _depth: int = 2) -> Any:
    """The ``order``-th derivative by the Cauchy method (what ``derivative(..., method="cauchy")`` calls).

    Warns (:class:`~diffkit.numeric.NumericWarning`) when the estimated relative error is large.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.numeric.cauchy import cauchy_derivative
    >>> est = cauchy_derivative(np.sin, 1.0, 7, full_output=True)     # sin^(7) = -cos
    >>> bool(abs(est.value + np.cos(1.0)) <= max(est.error, 1e-15)), bool(est.error < 1e-12)
    (True, True)
    """
    d, e = cauchy_derivatives(fn, x, order, r, batched=batched, _depth=_depth + 1)
    value, err = d[order], e[order]
    scale = np.abs(value)
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(scale > 0, err / np.where(scale > 0, scale, 1), np.where(err > 0, np.inf, 0))
    bad = ~np.isfinite(value) | (rel > warn_rtol("float64"))
    if np.any(bad):
        i = np.unravel_index(int(np.argmax(np.where(bad, rel, -1))), np.shape(rel)) if np.ndim(rel) else ()
        where = f" at x[{', '.join(map(str, i))}]" if i else ""
        warnings.warn(f"the Cauchy estimate of derivative {order}{where} is probably wrong: estimated relative "
                      f"error {float(np.asarray(rel)[i]):.2g} (is f analytic near x, and callable on complex "
                      "numbers?)", NumericWarning, stacklevel=_depth)
    value = value.item() if np.ndim(value) == 0 else value
    if not full_output:
        return value
    err = err.item() if np.ndim(err) == 0 else err
    r0 = (np.maximum(np.abs(np.asarray(x, dtype=complex)), 1.0) / 2) if r is None else r
    return Estimate(value, err, r0, "cauchy", int(np.size(x)) * RADII.size * points_on_circle(order),
                    None, "measured", True)
