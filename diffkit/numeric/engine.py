"""The numeric methods on any problem: finite differences, the complex step and Richardson
extrapolation, each returning its estimate with an error estimate.

One implementation serves both front ends: the Differentiators
(:class:`~diffkit.FiniteDiff`, :class:`~diffkit.ComplexStep`,
:class:`~diffkit.Richardson`) on Exprs, and ``dk.numeric.derivative`` /
``gradient`` / ``jacobian`` / ``hessian`` / ``hessdiag`` on plain callables. A
*problem* (:mod:`diffkit.numeric.points`) evaluates the function at perturbed
points; a :class:`~diffkit.numeric.formulas.Formula` says which entries are
wanted. Each method returns a :class:`Raw`: the entries ``(E, *out)``, their
estimated errors, whether each error is bounded, and the function values.

Example
-------
>>> import numpy as np
>>> from diffkit.numeric.engine import finite_difference
>>> from diffkit.numeric.formulas import Formula
>>> from diffkit.numeric.points import GridProblem
>>> raw = finite_difference(GridProblem(np.sin, np.float64(0.5)), Formula.derivative(2, "central", 2),
...                         [np.float64(1e-4)], measured=True)
>>> bool(abs(raw.value[0, 0] + np.sin(0.5)) <= raw.error[0, 0] < 1e-6)
True
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .estimates import LEVEL_SCALES, asymptotic_levels, extrapolate, measured_error, model_error, warn_rtol
from .formulas import Formula, divide, evaluate_levels, hessian_pairs, pair_indices
from .points import NumericWarning, Plan, check_imaginary_scale
from .theory import machine_eps, optimal_step

__all__ = ["Raw", "finite_difference", "complex_jacobian", "complex_higher", "richardson", "suggester",
           "entry_variables", "hessian_from_entries", "pack_value"]


@dataclass
class Raw:
    """What a method computed: entries ``(E, *out)`` with errors, and the function values ``F``
    (``plan`` is the plan of the points, or for the fast path an object of the same length)."""

    F: np.ndarray
    value: np.ndarray
    error: np.ndarray
    reliable: np.ndarray
    rounding: np.ndarray
    first_points: int
    plan: Plan
    how: str = "measured"
    truncation: np.ndarray | None = None

    @property
    def points(self) -> int:
        return len(self.plan.points)  # the number of distinct points evaluated


def _spacing(formula: Formula) -> int:
    return 2 if formula.first.scheme == "central" and (formula.second is None or
                                                        formula.second.scheme == "central") else 1


def _checked(problem: Any, lv: Any, steps: Sequence[Any]) -> None:
    # only the first level's points are the estimate; the others are probes that may leave the domain
    problem.check(lv.F[:lv.first_level_points], lv.plan.points, steps)


def _entry_arrays(formula: Formula, per_var: Sequence[Any], out_shape: tuple) -> np.ndarray:
    """``(E, *out_shape)``: a per-variable quantity for each entry (the geometric mean over a Hessian pair)."""
    if isinstance(per_var, np.ndarray) and per_var.ndim == 1:  # scalars: vectorised
        vals = np.sqrt(per_var[pair_indices(formula.n)[0]] * per_var[pair_indices(formula.n)[1]]) \
            if formula.kind == "hessian" else per_var[:formula.n]
        return np.broadcast_to(vals.reshape((-1,) + (1,) * len(out_shape)), (len(vals),) + out_shape)
    if formula.kind == "hessian":
        vals = [np.sqrt(per_var[i] * per_var[j]) for i, j in hessian_pairs(formula.n)]
    else:
        vals = list(per_var[:formula.n])
    return np.stack([np.broadcast_to(v, out_shape) for v in vals]) if vals else np.zeros((0,) + out_shape)


def _diagonal_columns(x: np.ndarray, steps: np.ndarray, offsets: Sequence[Any]) -> Any:
    """Columns a..b-1 of the points of a first-derivative stencil: x, then for each (nonzero) offset o the
    n points ``x + o h_i e_i``; built chunk by chunk, never the whole dense stack."""
    n = x.size
    rows = np.arange(n)

    def columns(a: int, b: int) -> np.ndarray:
        X = np.repeat(x[:, None], b - a, axis=1)
        for k, o in enumerate(offsets):
            lo, hi = max(a, 1 + k * n), min(b, 1 + (k + 1) * n)
            if lo < hi:
                i = rows[lo - 1 - k * n:hi - 1 - k * n]
                X[i, i + 1 + k * n - a] += float(o) * steps[i]
        return X

    return columns


class _Points:
    """Stands in for a plan's point set where only its size is asked for."""

    def __init__(self, n: int):
        self.points = range(n)

    def __len__(self) -> int:
        return len(self.points)


def _jacobian_fast(problem: Any, formula: Formula, steps: np.ndarray) -> Raw | None:
    """A vector problem's first derivatives at one level without building a plan (the hot path of
    ``dk.numeric.gradient``); None when a value is not finite (the general path names the point)."""
    st, n = formula.first, problem.n
    terms = list(zip(st.offsets, st.float_weights.tolist()))
    offs = [o for o, _ in terms if o != 0]
    K = len(offs)
    F = problem.evaluate_columns(_diagonal_columns(problem.x, steps, offs), 1 + K * n, problem.x.itemsize)
    if not np.isfinite(F).all():
        return None
    out = F.shape[1:]
    den = steps.reshape((n,) + (1,) * len(out)) if out else steps
    total = absolute = 0.0
    k = 0
    for o, w in terms:
        block = F[0][None] if o == 0 else F[1 + k * n:1 + (k + 1) * n]
        k += o != 0
        total = total + w * block
        absolute = absolute + abs(w) * np.abs(block)
    dt = np.result_type(F.dtype if F.dtype.kind in "fc" else np.float64, steps.dtype)
    D = (total / den).astype(dt, copy=False)
    R = (machine_eps(problem.dtype) / np.abs(den)) * absolute
    L = np.maximum(np.abs(problem.x), 1.0)
    L = L.reshape(den.shape) if out else L
    with np.errstate(over="ignore"):
        err = model_error(D, R, formula.error_coefficient, formula.q, formula.k, np.abs(den) / L,
                          np.abs(F[0])[None] / L ** formula.k)
    with np.errstate(invalid="ignore"):
        trunc = err - R
    return Raw(F, D, err, np.ones(D.shape, dtype=bool), R, 1 + K * n, _Points(1 + K * n), "model", trunc)


def finite_difference(problem: Any, formula: Formula, steps: Sequence[Any], *, measured: bool) -> Raw:
    """The formula's plain difference quotients at ``steps``; the error measured at ``h, 2h, 4h``
    (``measured``) or modelled from one level."""
    if not measured and formula.kind == "jacobian" and isinstance(steps, np.ndarray) \
            and hasattr(problem, "evaluate_columns"):
        raw = _jacobian_fast(problem, formula, steps)
        if raw is not None:
            return raw
    scales = LEVEL_SCALES if measured else (1.0,)
    lv = evaluate_levels(problem, formula, steps, scales)
    _checked(problem, lv, steps)
    if measured:
        err, ok, trunc = measured_error(lv.D, lv.R, formula.q, _spacing(formula))
    else:
        out = lv.D.shape[2:]
        if isinstance(steps, np.ndarray):
            L = _entry_arrays(formula, np.maximum(np.abs(problem.x.astype(float)), 1.0), out)
            h = _entry_arrays(formula, np.abs(steps.astype(float)), out)
        else:
            L = _entry_arrays(formula, [np.maximum(np.abs(np.asarray(x, dtype=float)), 1.0) for x in problem.xs], out)
            h = _entry_arrays(formula, [np.abs(np.asarray(s, dtype=float)) for s in steps], out)
        with np.errstate(over="ignore"):
            fs = np.abs(lv.F[0])[None] / L ** formula.k
        with np.errstate(invalid="ignore", over="ignore"):
            err = model_error(lv.D[0], lv.R[0], formula.error_coefficient, formula.q, formula.k, h / L, fs)
            ok, trunc = np.ones(lv.D[0].shape, dtype=bool), err - lv.R[0]
    return Raw(lv.F, lv.D[0], err, ok, lv.R[0], lv.first_level_points, lv.plan,
               "measured" if measured else "model", trunc)


#: Below this imaginary step the complex step's truncation error, h^2 |f^(3)| / 6, is under one rounding of f'
#: for any function of unit scale, and it is not measured.
TINY_IMAGINARY_STEP = 1e-8


def _sees_imaginary_parts(F: np.ndarray) -> None:
    """Warn when f dropped every imaginary part (np.abs, np.real, float()) at points whose real parts differ
    by a real step, so that f varies there: its derivative along the imaginary step can't be 0 everywhere."""
    if np.iscomplexobj(F) and F.size > 1 and not np.any(F.imag) and np.any(F.real != F.real.flat[0]):
        warnings.warn("the function returned no imaginary part at any complex point (np.abs, np.real or a float "
                      "conversion drops it), so the complex step reads a derivative of 0; use a complex-aware "
                      "abs (z if z.real >= 0 else -z) or a finite-difference method", NumericWarning, stacklevel=5)


def complex_jacobian(problem: Any, h: float) -> Raw:
    """First derivatives ``Im f(x + ih e_v) / h``; the truncation error measured from a second step 2h when
    h is not tiny, the rounding error one rounding of the result (and the underflow floor of Im f)."""
    n = problem.n
    check_imaginary_scale(h, problem.xs, problem.names)
    measured = h > TINY_IMAGINARY_STEP
    steps = [np.asarray(h, dtype=problem.dtype)] * n
    plan = Plan(2 * n if measured else n)
    for v in range(n):
        plan.term(v, plan.points.add(((v, 1j),)), 1.0)
    first = len(plan.points)
    if measured:
        for v in range(n):
            plan.term(n + v, plan.points.add(((v, 2j),)), 0.5)
    with np.errstate(invalid="ignore", over="ignore"):
        F = problem.evaluate(plan.points, steps)
    problem.check(F[:first], plan.points, steps)
    sums = plan.combine(F).imag
    D = divide(sums, steps + steps if measured else steps)
    D0 = D[:n]
    eps = machine_eps(problem.dtype)
    # Im f can't resolve less than the smallest subnormal: at tiny x the quotient underflows to 0
    floor = float(np.finfo(np.asarray(h, dtype=problem.dtype).dtype).smallest_subnormal) / h
    with np.errstate(invalid="ignore", over="ignore"):
        rounding = eps * np.abs(D0) + floor
        trunc = np.abs(D0 - D[n:]) / 3 if measured else np.zeros(D0.shape)
    err = np.where(np.isfinite(D0), trunc + rounding, np.nan)
    return Raw(F, D0, err, np.ones(D0.shape, dtype=bool), rounding, first, plan,
               "measured" if measured else "model", trunc)


def complex_higher(problem: Any, formula: Formula, d: Sequence[Any], h: float, *, measured: bool = True) -> Raw:
    """Complex step with a real stencil: ``Im[sum_o w_o f(x + i h e_i + o d e_j)] / (h d)``.

    ``formula`` describes the real part: a Hessian (its ``first`` stencil used once, across the
    imaginary direction), a Hessian diagonal, or a k-th derivative (its stencil of order k - 1).
    The imaginary step of variable v is ``h d_v / dref``: proportional to the real step, so that
    its multiplier is one number even when d varies over a grid of points.
    """
    check_imaginary_scale(h, problem.xs, problem.names)
    dref = float(np.max(np.abs(np.asarray(d[0], dtype=float)))) or 1.0
    c = h / dref  # imaginary multiplier of the real step
    st = formula.first
    E = formula.entries
    scales = LEVEL_SCALES if measured else (1.0,)
    plan = Plan(E * len(scales))
    first = 0
    for lv, sc in enumerate(scales):
        if formula.kind == "hessian":
            for e, (i, j) in enumerate(hessian_pairs(formula.n)):
                for o, w in zip(st.offsets, st.weights):
                    pt = ((i, o * sc + 1j * c),) if i == j else ((i, 1j * c), (j, o * sc))
                    plan.term(lv * E + e, plan.points.add(pt), float(w))
        else:
            for v in range(formula.n):
                for o, w in zip(st.offsets, st.weights):
                    plan.term(lv * E + v, plan.points.add(((v, o * sc + 1j * c),)), float(w))
        if lv == 0:
            first = len(plan.points)
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        F = problem.evaluate(plan.points, d)
    problem.check(F[:first], plan.points, d)
    _sees_imaginary_parts(F)
    sums = plan.combine(F).imag
    mags = plan.combine(np.abs(F.imag), absolute=True)
    kr = st.order  # the real stencil's derivative order

    def denoms(sc: float) -> list:
        if formula.kind == "hessian":
            return [c * d[i] * (d[j] * sc) ** kr for i, j in hessian_pairs(formula.n)]
        return [c * d[v] * (d[v] * sc) ** kr for v in range(formula.n)]

    eps = machine_eps(problem.dtype)
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        D = np.stack([divide(sums[lv * E:(lv + 1) * E], denoms(sc)) for lv, sc in enumerate(scales)])
        R = np.stack([eps * divide(mags[lv * E:(lv + 1) * E], [np.abs(x) for x in denoms(sc)])
                      for lv, sc in enumerate(scales)])
    if measured:
        err, ok, trunc = measured_error(D, R, st.error_order, 2 if st.scheme == "central" else 1)
    else:
        err, ok, trunc = R[0], np.ones(D[0].shape, dtype=bool), np.zeros(D[0].shape)
    return Raw(F, D[0], err, ok, R[0], first, plan, "measured", trunc)


def richardson(problem: Any, formula: Formula, steps: Sequence[Any], levels: int, ratio: float) -> Raw:
    """Difference quotients at ``h, h/ratio, h/ratio^2...`` extrapolated (Neville's tableau) per entry, over
    the stretch of levels where they converge as ``h^q``; the tableau entry with the smallest error
    estimate is kept. Entries with no such stretch (all steps far too large) are marked unreliable and
    their error is the size of the value."""
    scales = [ratio ** -lv for lv in range(levels)]
    lv = evaluate_levels(problem, formula, steps, scales)
    q, s = formula.q, _spacing(formula)
    with np.errstate(invalid="ignore"):
        ok = asymptotic_levels(lv.D, lv.R, ratio, q, s)
        best, err, found = extrapolate(lv.D, ratio, q, s, lv.R, ok)
        err = np.where(found, err, np.maximum(err, np.abs(best)))
    if not np.all(np.isfinite(best)):
        problem.check(lv.F, lv.plan.points, steps)  # warns, naming the variable
    return Raw(lv.F, best, err, found, lv.R[-1], len(lv.plan.points), lv.plan)


def entry_variables(formula: Formula, e: int) -> tuple[int, ...]:
    """The variables entry e of the formula differentiates with respect to."""
    return hessian_pairs(formula.n)[e] if formula.kind == "hessian" else (e,)


def suggester(problem: Any, formula: Formula, raw: Raw, steps: Sequence[Any], h_rel: float, scheme: str,
              accuracy: int) -> Any:
    """``suggest(e, reason)``: a better relative step for entry e, for :func:`~diffkit.numeric.estimates.judge`."""
    xs = problem.xs
    fscale = float(np.nanmax(np.abs(raw.F[0]))) if raw.F[0].size else 0.0
    finite = np.isfinite(raw.value)
    dscale = float(np.max(np.abs(raw.value[finite]))) if finite.any() else 0.0
    k, q = formula.k, formula.q
    eps = machine_eps(problem.dtype)

    def suggest(e: int, reason: str) -> float | None:
        vs = entry_variables(formula, e)
        xabs = [np.abs(np.asarray(xs[v], dtype=float)) for v in vs]
        L = max(float(np.max(np.maximum(a, 1.0))) for a in xabs)
        if reason == "steps too large":
            # the step must follow the coordinates' own scale when that is far below 1
            small = [float(np.min(a[a > 0])) for a in xabs if np.any((a > 0) & (a < 1))]
            best = optimal_step(scheme, accuracy, problem.dtype, order=k).h * max(min(small), 1e-12) \
                if small else h_rel
            return best if best < h_rel / 2 else h_rel / 10
        if reason == "rounding":
            # the smallest step whose rounding error alone is a tenth of the warning threshold (the truncation
            # error at such a step is unknowable here: for the linear functions this happens to most, none)
            if dscale == 0 or fscale == 0:
                return None
            need = formula.abs_weight_sum * eps * fscale / (0.1 * warn_rtol(problem.dtype) * dscale)
            return need ** (1.0 / k) / L
        trunc = raw.truncation
        if trunc is None:
            return None
        t = float(np.nanmax(np.abs(trunc[e])))
        h_abs = float(np.max(np.abs(np.asarray(steps[vs[0]], dtype=float))))
        if t <= 0 or h_abs <= 0 or fscale == 0:
            return None
        cm = t / h_abs ** q
        return (k * eps * fscale * formula.abs_weight_sum / (q * cm)) ** (1.0 / (q + k)) / L

    return suggest


def hessian_from_entries(entries: np.ndarray, n: int) -> np.ndarray:
    """``(n, n, *rest)`` symmetric Hessian from upper-triangle entries ``(E, *rest)``.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.numeric.engine import hessian_from_entries
    >>> hessian_from_entries(np.array([1.0, 2.0, 3.0]), 2)
    array([[1., 2.],
           [2., 3.]])
    """
    H = np.empty((n, n) + entries.shape[1:], dtype=entries.dtype)
    for e, (i, j) in enumerate(hessian_pairs(n)):
        H[i, j] = H[j, i] = entries[e]
    return H


def pack_value(center: np.ndarray) -> Any:
    """The function value from the centre row ``(m, *grid)``: one output or a tuple.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.numeric.engine import pack_value
    >>> float(pack_value(np.array([2.0]))), pack_value(np.array([1.0, 2.0]))
    (2.0, (1.0, 2.0))
    """
    vals = [np.asarray(c)[()] if np.ndim(c) == 0 else np.asarray(c) for c in center]
    return vals[0] if len(vals) == 1 else tuple(float(v) if np.ndim(v) == 0 else v for v in vals)
