"""Error estimates of numeric derivatives, and the warning when one is probably wrong.

Every numeric result comes with an estimate of its absolute error:

* **measured** (Hessians, higher derivatives, ``derivative``, the complex step,
  Richardson, Cauchy): the quotient is also taken at ``2h`` and ``4h``. Its
  truncation error is ``|D(h) - D(2h)| / (2^q - 1)`` (Richardson's difference
  of successive steps), and its rounding error ``eps sum|w_j f_j| / h^k`` is
  read off the values. The three levels also test whether the steps are in
  the range where the error shrinks as ``h^q`` at all: where ``D(2h) - D(4h)``
  is not about ``2^q`` times ``D(h) - D(2h)`` the step is too large for the
  function's scale, the estimate can't be trusted, and the error is reported
  as the size of the value itself.
* **model** (first derivatives by plain finite differences, whose single step
  level is the fast path): the rounding error measured the same way, plus the
  truncation + rounding model's truncation term ``|C| (h/L)^q max(|D|, |f|/L^k)``
  at the step used (``L = max(|x|, 1)``: unit-scale functions).

A result whose estimated error is large against the derivative's size (norm-wise:
the largest entry, so a zero entry of a nonzero gradient is measured against the
others), or whose steps were not in the asymptotic range, gives a
:class:`~diffkit.numeric.NumericWarning` naming the entry and a better step.

Example
-------
>>> import numpy as np, diffkit as dk
>>> est = dk.numeric.hessian(lambda x: np.exp(x[0]) * x[1], [1.0, 2.0], full_output=True)
>>> bool(np.all(np.abs(est.value - [[2 * np.e, np.e], [np.e, 0]]) <= est.error)), est.how
(True, 'measured')
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

from ..table import Table, fmt
from .points import NumericWarning
from .theory import machine_eps

__all__ = ["Estimate", "warn_rtol", "measured_error", "model_error", "asymptotic_levels", "extrapolate",
           "richardson_weights", "judge",
           "LEVEL_SCALES"]

#: Step multipliers of a measured estimate: the value is the quotient at h.
LEVEL_SCALES = (1.0, 2.0, 4.0)


@lru_cache(maxsize=32)
def warn_rtol(dtype: Any) -> float:
    """Estimated relative error above which a result warns: ``max(1e-3, eps^(1/4))``.

    Example
    -------
    >>> from diffkit.numeric.estimates import warn_rtol
    >>> warn_rtol("float64"), round(warn_rtol("float32"), 4)
    (0.001, 0.0186)
    """
    return max(1e-3, machine_eps(dtype) ** 0.25)


@dataclass
class Estimate:
    """A numeric derivative with its error estimate (what ``full_output=True`` returns).

    Attributes
    ----------
    value : float or ndarray
        The derivative (what the call returns without ``full_output``).
    error : float or ndarray
        Estimated absolute error of each entry, same shape.
    h : ndarray or float
        The absolute steps used, one per coordinate of x (the imaginary step for the
        complex step, the radius of the circle for the Cauchy method).
    method : str
        ``"central"``, ``"central-4"``, ``"complex"``, ``"richardson"``, ``"cauchy"``...
    evals : int
        Function values computed.
    f : float or ndarray
        ``fn(x)``.
    how : {"measured", "model"}
        How ``error`` was obtained (see :mod:`diffkit.numeric.estimates`).
    reliable : bool or ndarray
        False for entries whose steps were not in the range where the error
        shrinks as ``h^q`` (their ``error`` is then the size of the value).
    info : dict
        Anything else the method reports.

    Example
    -------
    >>> import numpy as np, diffkit as dk
    >>> est = dk.numeric.derivative(np.exp, 1.0, full_output=True)
    >>> bool(abs(est.value - np.e) <= est.error < 1e-8), est.method
    (True, 'central')
    """

    value: Any
    error: Any
    h: Any
    method: str
    evals: int
    f: Any = None
    how: str = "measured"
    reliable: Any = True
    info: dict = field(default_factory=dict)

    @property
    def relative_error(self) -> Any:
        """``error`` over the derivative's size (norm-wise: its largest entry); nan where both are 0."""
        scale = float(np.max(np.abs(self.value))) if np.size(self.value) else 0.0
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.asarray(self.error) / scale if scale > 0 else np.where(
                np.asarray(self.error) > 0, np.inf, np.nan)

    def table(self) -> Table:
        """Each entry with its error estimate, as a :class:`~diffkit.table.Table`."""
        v, e = np.atleast_1d(self.value), np.atleast_1d(self.error)
        rows = [[str(list(idx)) if v.ndim > 1 or np.ndim(self.value) else "", v[idx], e[idx]]
                for idx in np.ndindex(v.shape)]
        return Table(["entry", "value", "error estimate"], rows,
                     title=f"{self.method} estimate ({self.how} error, {self.evals} evaluations)")

    def __str__(self) -> str:
        return str(self.table())

    def _repr_html_(self) -> str:
        return self.table().to_html()


def measured_error(D: np.ndarray, R: np.ndarray, q: int, spacing: int, ratio: float = 2.0
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """From quotients at steps ``h, ratio h, ratio^2 h`` (axis 0): ``(error, reliable, truncation)``.

    ``q`` is the leading power of h in the truncation error and ``spacing`` the step
    between its powers (2 for central stencils, 1 for one-sided ones).

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.numeric.estimates import measured_error
    >>> h = 1e-2 * np.array([1.0, 2.0, 4.0])
    >>> D = 3.0 + 5 * h**2                       # error 5 h^2: asymptotic
    >>> err, ok, _ = measured_error(D, np.zeros(3), 2, 2)
    >>> bool(np.isclose(err, 5e-4)), bool(ok)
    (True, True)
    >>> D = 3.0 - 1e-6 / h**2                    # an error that grows as h shrinks: steps far too large
    >>> err, ok, _ = measured_error(D, np.zeros(3), 2, 2)
    >>> bool(ok), bool(err >= 2.9)              # unbounded: reported as the size of the value
    (False, True)
    """
    D0, D1 = D[0], D[1]
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        d01 = D0 - D1
        trunc = np.abs(d01) / (ratio ** q - 1)
        err = trunc + R[0] + machine_eps(D.dtype if D.dtype.kind == "f" else np.float64) * np.abs(D0)
        reliable = np.ones(np.shape(D0), dtype=bool)
        if D.shape[0] >= 3:
            d12 = D1 - D[2]
            noise = 4 * (R[0] + R[1])
            tiny = np.sqrt(machine_eps(np.float64)) * np.abs(D0)
            significant = (np.abs(d01) > noise) & (np.abs(d01) > tiny) & np.isfinite(d12) & \
                (np.abs(d12) > 4 * (R[1] + R[2]))
            r = d12 / np.where(d01 != 0, d01, 1)
            asymptotic = (r >= ratio ** q / 2) & (r <= ratio ** (q + spacing) * 2)
            reliable = ~(significant & ~asymptotic)
            size = np.maximum(np.abs(D0), np.maximum(np.abs(D1), np.abs(D[2])))
            err = np.where(reliable, err, np.maximum(err, size))
    err = np.where(np.isfinite(D0), err, np.nan)
    return err, reliable, trunc


def model_error(D0: np.ndarray, R0: np.ndarray, coef: float, q: int, k: int, rel_h: np.ndarray,
                fscale: Any) -> np.ndarray:
    """The truncation + rounding model's error at the step used: ``R0 + |C| h^q max(|D|, |f|)``.

    ``rel_h`` is the step over ``L = max(|x|, 1)`` per entry (broadcast against ``D0``) and
    ``fscale`` is ``|f(x)| / L^k``: in the unit-scale model the derivatives are of the size of f.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.numeric.estimates import model_error
    >>> float(model_error(np.array(2.0), np.array(1e-11), 1 / 6, 2, 1, np.array(1e-5), 2.0))
    4.3333...e-11
    """
    with np.errstate(invalid="ignore", over="ignore"):
        return R0 + coef * rel_h ** q * np.maximum(np.abs(D0), np.abs(fscale))


def asymptotic_levels(D: np.ndarray, rounding: np.ndarray, ratio: float, q: int, s: int) -> np.ndarray:
    """Which triples of successive levels (axis 0, steps ``h / ratio**i``) converge as ``h^q``.

    Three successive levels agree with the error expansion when their differences shrink by about
    ``ratio^q`` (between ``ratio^q / 2`` and ``2 ratio^(q+s)``), or are at the level of rounding.
    Far too large steps (the function's own scale is much smaller) give differences that do not
    shrink, or grow, as h does. Returns ``ok`` of shape ``(L - 2, ...)``: ``ok[t]`` for the levels
    ``t, t+1, t+2``.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.numeric.estimates import asymptotic_levels
    >>> h = 0.5 ** np.arange(12)
    >>> D = np.where(h > 0.01, 3 - 1e-6 / h**2, 3 + h**2)   # far-field junk, then the h^2 regime
    >>> np.flatnonzero(asymptotic_levels(D, np.zeros(12), 2.0, 2, 2)).tolist()
    [7, 8, 9]
    """
    L = D.shape[0]
    shape = D.shape[1:]
    if L < 3:
        return np.zeros((0,) + shape, dtype=bool)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        d = D[:-1] - D[1:]
        noise = 4 * (rounding[:-1] + rounding[1:])
        small = np.abs(d) <= noise
        r = d[:-1] / np.where(d[1:] != 0, d[1:], np.inf)
        ok = (small[:-1] | small[1:]) | ((r >= ratio ** q / 2) & (r <= 2 * ratio ** (q + s)))
    ok &= np.isfinite(D[:-2]) & np.isfinite(D[1:-1]) & np.isfinite(D[2:])
    return ok


def richardson_weights(terms: int, ratio: float, q: int, s: int) -> np.ndarray:
    """The weights of Richardson's rule that removes ``terms`` error terms ``h^q, h^(q+s), ...``.

    Applied to quotients at ``h, h/ratio, ..., h/ratio^terms`` (largest step first), they give
    the extrapolated value: the top entry of :func:`extrapolate`'s tableau, as weights.

    Example
    -------
    >>> from diffkit.numeric.estimates import richardson_weights
    >>> richardson_weights(1, 2.0, 2, 2).tolist()          # central differences: (4 D(h/2) - D(h)) / 3
    [-0.3333333333333333, 1.3333333333333333]
    >>> richardson_weights(2, 2.0, 1, 1).round(6).tolist()   # one-sided: errors h, h^2
    [0.333333, -2.0, 2.666667]
    """
    L = int(terms) + 1
    T = [[np.eye(L)[i]] for i in range(L)]
    for j in range(1, L):
        fac = ratio ** (q + (j - 1) * s)
        for i in range(j, L):
            T[i].append(T[i][j - 1] + (T[i][j - 1] - T[i - 1][j - 1]) / (fac - 1))
    return T[L - 1][L - 1]


def extrapolate(D: np.ndarray, ratio: float, q: int, s: int, rounding: np.ndarray,
                ok: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Neville tableau over levels (axis 0 of ``D``); returns the best entry, its error estimate, and
    whether it was built from levels that converge as ``h^q``.

    Parameters
    ----------
    D : ndarray, shape (L, ...)
        Difference quotients at steps ``h / ratio**i``.
    ratio : float
        Step ratio between levels.
    q, s : int
        Leading error power and the spacing of later powers.
    rounding : ndarray, shape (L, ...)
        Rounding-error bound of each ``D[i]``.
    ok : ndarray, shape (L - 2, ...), optional
        :func:`asymptotic_levels`: tableau entries built across a triple that is not ok are only
        candidates when no entry inside a stretch of consistent levels is (then not reliable).

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.numeric.estimates import extrapolate
    >>> h = 0.1 / 2.0 ** np.arange(4)
    >>> D = 1.0 + h**2 + h**4          # exact value 1, error in even powers
    >>> best, est, reliable = extrapolate(D, 2.0, 2, 2, np.zeros(4))
    >>> bool(abs(best - 1) < 1e-15), bool(est < 1e-6), bool(reliable)
    (True, True, True)
    """
    L = D.shape[0]
    shape = D.shape[1:]
    if ok is None or ok.shape[0] == 0:
        ok = np.ones((max(L - 2, 0),) + shape, dtype=bool)
    # start[t]: the first triple of the run of ok triples that ends at t (-1 where t is not ok)
    start = np.full(ok.shape, -1)
    for t in range(ok.shape[0]):
        prev = start[t - 1] if t else np.full(shape, -1)
        start[t] = np.where(ok[t], np.where(prev >= 0, prev, t), -1)
    T = [[D[i]] for i in range(L)]
    R = [[rounding[i]] for i in range(L)]  # rounding bound of each tableau entry
    best, best_err, fallback, fallback_err = D[L - 1], np.full(shape, np.inf), D[L - 1], np.full(shape, np.inf)
    for j in range(1, L):
        fac = ratio ** (q + (j - 1) * s)
        amp = (fac + 1) / (fac - 1)
        for i in range(j, L):
            t = T[i][j - 1] + (T[i][j - 1] - T[i - 1][j - 1]) / (fac - 1)
            T[i].append(t)
            R[i].append(amp * np.maximum(R[i][j - 1], R[i - 1][j - 1]))
            err = np.maximum(np.abs(t - T[i][j - 1]), np.abs(t - T[i - 1][j - 1])) + R[i][j]
            # T[i][j] uses levels i - j .. i: inside one run of ok triples when the triple ending at i is ok
            # and the run reaches back to i - j (two levels are judged with their neighbours' triple)
            last = min(max(i - 2, 0), ok.shape[0] - 1)
            inside = (start[last] >= 0) & (start[last] <= max(i - j, 0)) if last >= 0 else \
                np.ones(shape, dtype=bool)
            better = (err < best_err) & inside
            best, best_err = np.where(better, t, best), np.where(better, err, best_err)
            worse = err < fallback_err
            fallback, fallback_err = np.where(worse, t, fallback), np.where(worse, err, fallback_err)
    reliable = np.isfinite(best_err)
    return np.where(reliable, best, fallback), np.where(reliable, best_err, fallback_err), reliable


def judge(value: np.ndarray, error: np.ndarray, reliable: Any, names: Sequence[str] | Callable, dtype: Any, *,
          what: str, rounding: Any = None, suggest: Callable[[int, str], float | None] | None = None,
          stacklevel: int = 3) -> None:
    """Warn (:class:`NumericWarning`) about the worst entry whose error estimate is large or unbounded.

    ``value`` and ``error`` have the entries on axis 0 (other axes: outputs, grid points);
    ``names[e]`` names entry e (``names`` may be a function of no arguments returning them);
    ``suggest(e, reason)`` proposes a better h, reason being
    ``"steps too large"``, ``"rounding"`` or ``"truncation"`` (``rounding``, the rounding
    part of each error, tells the last two apart). ``suggest`` may also be a function of no
    arguments that returns it: it is only built when there is something to warn about.
    """
    v = np.abs(np.asarray(value))
    err = np.asarray(error, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        finite = np.isfinite(v) & np.isfinite(err)
        top = float(np.max(v, where=finite, initial=0.0))
        bad_bound = ~np.asarray(reliable, dtype=bool) & finite
        tol = warn_rtol(dtype) * np.maximum(v, top)
        too_big = finite & (err > tol)
    if not (too_big.any() or bad_bound.any()):
        return
    bad_bound = np.broadcast_to(bad_bound, err.shape)
    too_big = np.broadcast_to(too_big, err.shape).copy()
    scale = np.maximum(v, top)
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(finite & (scale > 0), err / np.where(scale > 0, scale, 1), 0.0)
    rnd = None if rounding is None else np.broadcast_to(np.asarray(rounding, dtype=float), err.shape)
    if rnd is not None and np.all(v[finite] <= 2 * rnd[finite]):
        too_big[...] = False  # zero within rounding everywhere: a relative error means nothing
    flagged = bad_bound | too_big
    if not flagged.any():
        return
    score = np.where(bad_bound, np.inf, rel)
    idx = np.unravel_index(int(np.argmax(np.where(flagged, score, -1))), err.shape)
    e = int(idx[0])
    names = names() if callable(names) else names
    where = f" at grid point {list(idx[2:])}" if len(idx) > 2 and err.ndim > 2 else ""
    out = f" of output {idx[1]}" if len(idx) > 1 and err.shape[1] > 1 else ""
    count = int(flagged.sum())
    others = f" ({count - 1} more entr{'y' if count == 2 else 'ies'} also)" if count > 1 else ""
    if bad_bound[idx]:
        reason = "steps too large"
        why = ("its estimates at steps h, 2h and 4h do not converge as a power of h: the step is too large "
               "for how fast the function changes near the point")
    else:
        reason = "rounding" if rnd is not None and rnd[idx] > 0.5 * err[idx] else "truncation"
        why = (f"estimated relative error {fmt(float(rel[idx]), 2)}"
               + (" (rounding: the function's values are large against their change over the step)"
                  if reason == "rounding" else " (truncation: the step is too large)"))
    if suggest is not None and getattr(suggest, "__code__", None) is not None and suggest.__code__.co_argcount == 0:
        suggest = suggest()  # built now that it is needed
    better = suggest(e, reason) if suggest is not None else None
    hint = f"; try h={better:.2g}" if better is not None and np.isfinite(better) and better > 0 else ""
    warnings.warn(f"the {what} entry {names[e]}{out}{where} = {fmt(float(np.real(np.asarray(value)[idx])), 6)} "
                  f"is probably wrong{others}: {why}{hint}", NumericWarning, stacklevel=stacklevel)

