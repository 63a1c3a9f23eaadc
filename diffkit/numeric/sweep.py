"""Step sweeps: the error of finite differences against the step h, measured and predicted.

:func:`step_sweep` evaluates each scheme's difference quotient at every step
of a grid (in float64, float32 and/or float16), compares it with an exact
reference (the SymPy derivative evaluated to 30 digits at the point as the
dtype rounds it, or a value you give), and pairs the measurement with the
truncation + rounding model of :mod:`diffkit.numeric.theory`. The result
tabulates (``.table()``), summarises (``.best()``, ``.theory()``,
``.slopes()``) and plots (``.plot()``, :func:`plot_sweep`) itself.

The x axis is the nominal step h (absolute, not relative); the quotient
divides by the representable step ``(x + h) - x``. Steps that round to zero
at the point give no estimate (NaN in the table).

The scheme ``"complex"`` is the complex step ``Im f(x + ih) / h`` (first
derivatives only), evaluated in complex128 for float64 and complex64 for
float32 (there is no complex float16: asking for it raises
:class:`~diffkit.errors.DiffkitError`). Its imaginary step is h itself, cast to
the dtype, and the quotient divides by that same number, so representability
is no issue and tiny steps are fine: nothing is subtracted, the error stays at
a few ulps of f' down to the smallest h, and its model
(:class:`~diffkit.numeric.ComplexStepChoice`) has rounding slope 0 and
truncation slope 2. Functions that are not complex-analytic (``abs``, ``relu``...)
give a :class:`~diffkit.numeric.NumericWarning`, as with
:class:`~diffkit.ComplexStep`.

Example
-------
>>> import diffkit as dk
>>> sweep = dk.numeric.step_sweep("exp(x)", at={"x": 1.0}, schemes=["forward", "central"])
>>> b, t = sweep.best()["central"], sweep.theory()["central"]
>>> bool(b.error < 1e-10), bool(t.h / 10 <= b.h <= t.h * 10)
(True, True)

At h = 1e-12 central differences have lost most of their digits
to cancellation, while the complex step is still within a few ulps of e:

>>> import math, numpy as np
>>> s = dk.numeric.step_sweep("exp(x)", at=1.0, schemes=["central", "complex"], h=[1e-4, 1e-8, 1e-12])
>>> eps = np.finfo(np.float64).eps
>>> central, cs = s.errors["central", "float64"], s.errors["complex", "float64"]
>>> bool(central[-1] > 1e-6), bool(cs[-1] <= 4 * eps * math.e)
(True, True)
>>> bool(central[-1] > 1e6 * cs[-1])
True
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any, NamedTuple

import numpy as np

from ..errors import ArgumentError, DiffkitError, ShapeError
from ..expr.expr import Expr, as_expr
from ..table import Table
from .complex_step import ComplexStep, _check_analytic, _off_the_real_line
from .limits import MAX_SWEEP_STEPS, ensure_memory
from .points import _graph_batchable, _work_dtype
from .stencils import Stencil, default_accuracy, scheme_name, stencil
from .theory import ComplexStepChoice, StepChoice, complex_step_choice, optimal_step

__all__ = ["step_sweep", "StepSweep", "SweepSummary", "Optimum", "Slopes", "plot_sweep"]


class Optimum(NamedTuple):
    """The empirical best step of a sweep.

    ``h`` minimises the upper envelope of the measured error (its maximum over
    half a decade either side), so a step that is only lucky in the rounding
    noise does not count as best; ``error`` is the error measured there.
    ``min_h``/``min_error`` are the plain minimum of the measurements.

    Example
    -------
    >>> import diffkit as dk
    >>> opt = dk.numeric.step_sweep("exp(x)", at=1.0, schemes=["central"], h=[1e-2, 1e-4, 1e-6]).best()["central"]
    >>> opt._fields, opt.h
    (('h', 'error', 'min_h', 'min_error'), 1e-06)
    """

    h: float
    error: float
    min_h: float
    min_error: float


def _envelope(h: np.ndarray, err: np.ndarray, half_width: float = 0.5) -> np.ndarray:
    """Maximum of err over steps within ``half_width`` decades of each h (NaN counts as infinite).

    A sliding-window maximum over the steps sorted by log h, from a sparse table of
    maxima over power-of-two runs: O(L log L), so a sweep of 10^6 steps takes a moment.
    """
    lh = np.log10(h)
    e = np.where(np.isfinite(err), err, np.inf)
    order = np.argsort(lh, kind="stable")
    ls, es = lh[order], e[order]
    lo = np.searchsorted(ls, ls - half_width, side="left")
    hi = np.searchsorted(ls, ls + half_width, side="right")  # window [lo, hi)
    table = [es]
    while (1 << len(table)) <= len(es):
        prev, k = table[-1], 1 << (len(table) - 1)
        table.append(np.maximum(prev[:-k], prev[k:]))
    length = hi - lo
    j = np.floor(np.log2(np.maximum(length, 1))).astype(int)
    out = np.empty_like(es)
    for level in np.unique(j):
        sel = j == level
        t = table[level]
        out[sel] = np.maximum(t[lo[sel]], t[hi[sel] - (1 << level)])
    result = np.empty_like(out)
    result[order] = out
    return result


class Slopes(NamedTuple):
    """Fitted log-log slopes: ``rounding`` (small h, ~ -order; ~ 0 for the complex step) and
    ``truncation`` (large h, ~ p).

    Example
    -------
    >>> import diffkit as dk
    >>> sl = dk.numeric.step_sweep("exp(x)", at=1.0, schemes=["forward"]).slopes()["forward"]
    >>> round(sl.rounding), round(sl.truncation)
    (-1, 1)
    """

    rounding: float
    truncation: float


class SweepSummary(Table):
    """A :class:`~diffkit.table.Table` of per-scheme results that is also a mapping.

    ``summary["central"]`` (one dtype) or ``summary["central", "float32"]``
    gives the entry (an :class:`Optimum`, :class:`~diffkit.numeric.StepChoice`
    (:class:`~diffkit.numeric.ComplexStepChoice` for ``"complex"``) or
    :class:`Slopes`); ``summary[0]`` is the first row, as for any Table.

    Example
    -------
    >>> import diffkit as dk
    >>> s = dk.numeric.step_sweep("sin(x)", at={"x": 1.0}, schemes=["central"])
    >>> s.best().keys()
    [('central', 'float64')]
    """

    def __init__(self, entries: dict, columns, rows, **kw):
        super().__init__(columns, rows, **kw)
        self.entries = entries

    def keys(self) -> list:
        """The ``(scheme, dtype)`` keys, in row order.

        Example
        -------
        >>> import diffkit as dk
        >>> s = dk.numeric.step_sweep("exp(x)", at=1.0, schemes=["central"], h=[1e-3], dtype=["float64", "float32"])
        >>> s.best().keys()
        [('central', 'float64'), ('central', 'float32')]
        """
        return list(self.entries)

    def values(self) -> list:
        """The entries, in row order.

        Example
        -------
        >>> import diffkit as dk
        >>> s = dk.numeric.step_sweep("exp(x)", at=1.0, schemes=["forward", "central"], h=[1e-3])
        >>> [c.truncation_slope for c in s.theory().values()]
        [1, 2]
        """
        return list(self.entries.values())

    def items(self) -> list:
        """``(key, entry)`` pairs, in row order.

        Example
        -------
        >>> import diffkit as dk
        >>> s = dk.numeric.step_sweep("exp(x)", at=1.0, schemes=["central"], h=[1e-3])
        >>> [(k, e.h) for k, e in s.best().items()]
        [(('central', 'float64'), 0.001)]
        """
        return list(self.entries.items())

    def __contains__(self, key: Any) -> bool:
        try:
            self._key(key)
        except KeyError:
            return False
        return True

    def _key(self, key: Any) -> tuple:
        if isinstance(key, tuple) and key in self.entries:
            return key
        if isinstance(key, str):
            hits = [k for k in self.entries if k[0] == key]
            if len(hits) == 1:
                return hits[0]
            if len(hits) > 1:
                raise KeyError(f"{key!r} was swept in several dtypes; ask for ({key!r}, 'float32') etc.")
        raise KeyError(f"no entry {key!r}; have {list(self.entries)}")

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, (int, np.integer)):
            return super().__getitem__(int(key))
        return self.entries[self._key(key)]

    def get(self, key: Any, default: Any = None) -> Any:
        """The entry for ``key`` (a scheme, or ``(scheme, dtype)``), or ``default``.

        Example
        -------
        >>> import diffkit as dk
        >>> b = dk.numeric.step_sweep("exp(x)", at=1.0, schemes=["central"], h=[1e-3]).best()
        >>> b.get("central").h, b.get("forward")
        (0.001, None)
        """
        try:
            return self[key]
        except KeyError:
            return default


COMPLEX = "complex"


def _parse_complex(spec: Any) -> tuple[str, str, int] | None:
    """``"complex"`` (also ``"complex-step"``, ``"complex-2"``, ``("complex", 2)``) or a ComplexStep
    -> ``("complex", "complex", 2)``; None for anything else."""
    if isinstance(spec, ComplexStep):
        return COMPLEX, COMPLEX, 2
    if isinstance(spec, (tuple, list)) and len(spec) == 2 and spec[0] == COMPLEX:
        acc = spec[1]
    elif isinstance(spec, str) and spec.partition("-")[0] == COMPLEX:
        acc = spec.partition("-")[2] or "2"
    else:
        return None
    if str(acc) not in ("2", "step"):
        raise DiffkitError(f"can't read scheme {spec!r}: the complex step has accuracy order 2 only "
                           "(error f''' h^2 / 6); write 'complex'")
    return COMPLEX, COMPLEX, 2


def _complex_dtype(d: str) -> np.dtype:
    """The complex type of the same precision as the real dtype d (complex step), or DiffkitError."""
    dt = np.dtype(d)
    cdt = _work_dtype(np.zeros((), dt), 1j)  # how ComplexStep makes x complex
    if np.empty(0, cdt).real.dtype != dt:
        raise DiffkitError(f"the 'complex' scheme can't run in {dt}: NumPy has no complex type of {dt} "
                           f"precision (the nearest, {cdt}, would measure the complex step in float32); "
                           "sweep the complex step in float32 or float64, or leave it out for float16")
    return cdt


def _relay(fn: Any, *args: Any, stacklevel: int) -> None:
    """Run one of complex_step's checks and re-issue its warnings with ``stacklevel`` (counted from
    _relay's caller), so they point at the caller of step_sweep: theirs is set for ComplexStep's call chain."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fn(*args)
    for w in caught:
        warnings.warn(w.message, w.category, stacklevel=stacklevel + 1)


def _complex_step_estimates(f: Expr, wrt: str, base: dict, hs: np.ndarray, dt: np.dtype) -> np.ndarray:
    """``Im f(x + ih) / h`` for every h, in the complex type of dt's precision (NaN where h underflows).

    The imaginary step is h cast to dt, and the quotient divides by that same number:
    there is no representable-step correction to make, as nothing is added to x's real part.
    """
    cdt = _complex_dtype(dt)
    x0 = base[wrt]
    with np.errstate(all="ignore"):
        steps = hs.astype(dt)
        X = np.empty(hs.shape, dtype=cdt)
        X.real, X.imag = x0, steps
        F = _evaluate(f, wrt, base, X)
        est = (np.imag(F).astype(dt) / steps).astype(dt)
    est = np.where(steps != 0, est, np.nan).astype(dt)
    # nan (and a warning) where f is not real at the point itself: a complex branch, not a derivative
    centre = np.array(_evaluate(f, wrt, base, np.full(1, x0, dtype=cdt)), dtype=cdt).reshape(1, 1)
    _relay(_off_the_real_line, centre, est.reshape(-1, 1), stacklevel=3)  # <- step_sweep <- user
    return est


def _parse_scheme(spec: Any) -> tuple[str, str, int]:
    """``"central-4"``, ``("central", 4)``, ``"complex"``, a FiniteDiff or a ComplexStep
    -> (label, scheme, accuracy)."""
    cs = _parse_complex(spec)
    if cs is not None:
        return cs
    if hasattr(spec, "scheme") and hasattr(spec, "accuracy"):
        scheme, acc = spec.scheme, spec.accuracy
    elif isinstance(spec, (tuple, list)) and len(spec) == 2:
        scheme, acc = spec[0], int(spec[1])
    elif isinstance(spec, str):
        name, _, p = spec.partition("-")
        scheme = name
        try:
            acc = int(p) if p else default_accuracy(name)
        except ValueError:
            raise DiffkitError(f"can't read scheme {spec!r}; write e.g. 'forward', 'central' or 'central-4'") from None
    else:
        raise DiffkitError(f"can't read scheme {spec!r}; write e.g. 'forward', 'central', 'central-4' "
                           "or ('central', 4)")
    stencil(scheme, 1, acc)  # validates
    return scheme_name(scheme, acc), scheme, acc


def _dtype_name(d: Any) -> str:
    try:
        dt = np.dtype(d)
    except TypeError:
        raise DiffkitError(f"unknown dtype {d!r}; use 'float64', 'float32' or 'float16'") from None
    if dt.kind != "f":
        raise DiffkitError(f"the sweep needs a real floating dtype, got {dt}")
    return str(dt)


def _exact(v: Any) -> Any:
    import sympy as sp

    return sp.Rational(Fraction(float(v)))


class StepSweep:
    """Errors of finite differences over a grid of steps, with the model's prediction.

    Attributes
    ----------
    h : ndarray
        The steps swept.
    errors : dict
        ``{(scheme, dtype): array of |estimate - reference|}`` (NaN where the step rounds to zero).
    estimates : dict
        ``{(scheme, dtype): array of estimates}``.
    reference : dict
        ``{dtype: exact derivative at the point as that dtype rounds it}``.
    schemes, dtypes : list of str
    order : int
        Which derivative.

    Example
    -------
    >>> import diffkit as dk
    >>> s = dk.numeric.step_sweep("exp(x)", at={"x": 1.0}, schemes=["forward"])
    >>> sl = s.slopes()["forward"]
    >>> round(sl.truncation), round(sl.rounding)
    (1, -1)
    """

    def __init__(self, *, f: Any, wrt: str, at: dict, h: np.ndarray, schemes: list, dtypes: list, order: int,
                 errors: dict, estimates: dict, reference: dict, theory: dict, stencils: dict, label: str):
        self.f, self.wrt, self.at, self.h = f, wrt, at, h
        self.schemes, self.dtypes, self.order = schemes, dtypes, order
        self.errors, self.estimates, self.reference = errors, estimates, reference
        self._theory, self._stencils, self.label = theory, stencils, label

    def keys(self) -> list[tuple[str, str]]:
        """The ``(scheme, dtype)`` pairs swept, dtype by dtype.

        Example
        -------
        >>> import diffkit as dk
        >>> dk.numeric.step_sweep("exp(x)", at=1.0, schemes=["forward", "central"], h=[1e-3]).keys()
        [('forward', 'float64'), ('central', 'float64')]
        """
        return [(s, d) for d in self.dtypes for s in self.schemes]

    # -- summaries ---------------------------------------------------------------
    def best(self) -> SweepSummary:
        """The empirical best step and its error, per scheme and dtype (an :class:`Optimum` each).

        Example
        -------
        >>> import diffkit as dk
        >>> b = dk.numeric.step_sweep("exp(x)", at=1.0, schemes=["central"], h=[1e-2, 1e-4, 1e-6]).best()
        >>> b["central"].h, bool(b["central"].error < 1e-9)
        (1e-06, True)
        """
        entries, rows = {}, []
        for key in self.keys():
            err = self.errors[key]
            env = _envelope(self.h, err)
            pos = np.where(np.isfinite(err) & (err > 0), err, np.inf)
            j = int(np.argmin(pos))
            i = int(np.argmin(env)) if np.isfinite(env).any() else j
            entries[key] = Optimum(float(self.h[i]), float(err[i]), float(self.h[j]), float(err[j]))
            rows.append([key[0], key[1], entries[key].h, entries[key].error, entries[key].min_h,
                         entries[key].min_error])
        return SweepSummary(entries, ["scheme", "dtype", "best h", "error", "lucky h", "lucky error"], rows,
                            title=f"empirical best step: {self.label}",
                            notes=["best h minimises the error's upper envelope (max over +-1/2 decade); "
                                   "lucky h is the single smallest measurement, often a fluke of rounding"])

    def theory(self) -> SweepSummary:
        """The model's optimal step and minimal error, per scheme and dtype (:class:`~diffkit.numeric.StepChoice`;
        :class:`~diffkit.numeric.ComplexStepChoice` for the complex step, whose "optimal" step is the
        largest one at which truncation is not above rounding).

        Example
        -------
        >>> import diffkit as dk
        >>> t = dk.numeric.step_sweep("exp(x)", at=1.0, schemes=["forward", "central"], h=[1e-3]).theory()
        >>> f"{t['forward'].h:.1e}", f"{t['central'].h:.1e}"  # ~ sqrt(eps) and ~ eps^(1/3)
        ('3.0e-08', '8.7e-06')
        """
        rows = []
        for (s, d), c in self._theory.items():
            rows.append([s, d, c.h, c.error, c.truncation_slope, c.rounding_slope])
        notes = ["E(h) = |C| |f^(k+p)| h^p + eps |f| sum|w| / h^k (model of one rounding per evaluation of f)"]
        if COMPLEX in self.schemes:
            notes.append("complex step: E(h) = |f'''| h^2 / 6 + eps |f'| (nothing subtracted, no 1/h growth); "
                         "predicted h is the largest step with truncation <= rounding, where E = 2 eps |f'|")
        return SweepSummary(dict(self._theory), ["scheme", "dtype", "predicted h", "predicted error",
                                                 "truncation slope", "rounding slope"], rows,
                            title=f"truncation + rounding model: {self.label}", notes=notes)

    def _windows(self, key: tuple) -> tuple[np.ndarray, np.ndarray]:
        c: StepChoice | ComplexStepChoice = self._theory[key]
        trunc, rnd = c.terms(self.h)
        err = self.errors[key]
        ok = np.isfinite(err) & (err > 0)
        scale = max(abs(float(self.reference[key[1]])), np.finfo(float).tiny)
        left = ok & (rnd >= 10 * trunc) & (rnd <= 0.05 * scale)
        right = ok & (trunc >= 5 * rnd) & (self.h <= 0.5)
        return left, right

    def slopes(self) -> SweepSummary:
        """Least-squares log-log slopes of the error in the rounding and truncation regimes.

        The regimes are where the model's rounding (truncation) term is at least 10x the other;
        rounding points where the model error is already above 5% of the derivative are left out
        (the quotient saturates there). The complex step's rounding slope is ~0 (its error does not
        grow as h shrinks), finite differences' ~ -order.

        Example
        -------
        >>> import diffkit as dk
        >>> sl = dk.numeric.step_sweep("exp(x)", at=1.0, schemes=["central"]).slopes()["central"]
        >>> round(sl.rounding), round(sl.truncation)
        (-1, 2)
        """
        entries, rows = {}, []
        for key in self.keys():
            left, right = self._windows(key)
            entries[key] = Slopes(_fit(self.h, self.errors[key], left), _fit(self.h, self.errors[key], right))
            c = self._theory[key]
            rows.append([key[0], key[1], entries[key].rounding, c.rounding_slope, entries[key].truncation,
                         c.truncation_slope])
        return SweepSummary(entries, ["scheme", "dtype", "rounding slope", "model", "truncation slope", "model"],
                            rows, title=f"log-log slopes: {self.label}")

    # -- output ------------------------------------------------------------------
    def table(self) -> Table:
        """The full error table: one row per step, one column per scheme and dtype.

        Example
        -------
        >>> import diffkit as dk
        >>> t = dk.numeric.step_sweep("exp(x)", at=1.0, schemes=["central"], h=[0.1, 0.01]).table()
        >>> t.columns, [f"{e:.2e}" for e in t.column("central float64")]
        (['h', 'central float64'], ['4.53e-03', '4.53e-05'])
        """
        cols = ["h"] + [f"{s} {d}" for s, d in self.keys()]
        rows = [[float(h)] + [float(self.errors[k][i]) for k in self.keys()] for i, h in enumerate(self.h)]
        notes = [f"reference ({d}): {float(self.reference[d])!r}" for d in self.dtypes]
        return Table(cols, rows, title=f"|error| against step h: {self.label}", notes=notes)

    def to_frame(self) -> Any:
        """The error table as a pandas DataFrame (needs pandas, which diffkit does not depend on).

        Example
        -------
        >>> import importlib.util, diffkit as dk
        >>> s = dk.numeric.step_sweep("exp(x)", at=1.0, schemes=["central"], h=[0.1, 0.01])
        >>> importlib.util.find_spec("pandas") is None or s.to_frame().shape == (2, 2)
        True
        """
        try:
            import pandas as pd
        except ImportError:
            raise DiffkitError("to_frame() needs pandas, which is not installed; use sweep.table() "
                               "(text, Markdown, HTML, CSV, to_records()) or `pip install pandas`") from None
        t = self.table()
        return pd.DataFrame(t.rows, columns=t.columns)

    def plot(self, ax: Any = None) -> Any:
        """Log-log error against h with the model, both regimes and the predicted optimum (a Figure).

        See :func:`plot_sweep`; nothing is shown on screen.

        Example
        -------
        >>> import diffkit as dk
        >>> fig = dk.numeric.step_sweep("exp(x)", at=1.0, schemes=["central"], h=[1e-2, 1e-4, 1e-6]).plot()
        >>> len(fig.axes), fig.axes[0].get_xscale()
        (1, 'log')
        """
        return plot_sweep(self, ax=ax)

    def _summary(self) -> Table:
        best, slopes = self.best(), self.slopes()
        rows = []
        for key in self.keys():
            b, t, s = best[key], self._theory[key], slopes[key]
            rows.append([key[0], key[1], b.h, b.error, t.h, t.error, s.rounding, s.truncation])
        return Table(["scheme", "dtype", "best h", "best error", "predicted h", "predicted error",
                      "rounding slope", "truncation slope"], rows, title=f"step sweep: {self.label}",
                     notes=["full table: sweep.table(); figure: sweep.plot()"])

    def __str__(self) -> str:
        return str(self._summary())

    def __repr__(self) -> str:
        return f"StepSweep({self.label!r}, schemes={self.schemes}, dtypes={self.dtypes}, {len(self.h)} steps)"

    def _repr_html_(self) -> str:
        return self._summary().to_html()


def _fit(h: np.ndarray, err: np.ndarray, mask: np.ndarray) -> float:
    """Least-squares slope of log10(err) against log10(h) over mask (NaN with fewer than 3 points)."""
    if mask.sum() < 3:
        return math.nan
    return float(np.polyfit(np.log10(h[mask]), np.log10(err[mask]), 1)[0])


def _sympy_parts(f: Expr, wrt: str, order: int, point: dict, upto: Sequence[int]) -> dict[int, float] | None:
    """Exact ``|d^j f / d wrt^j|`` at the point for j in upto (30 digits), or None without a SymPy form."""
    try:
        import sympy as sp

        sym = f.to_sympy(real=True)
    except Exception:
        return None
    syms = {s.name: s for s in sym.free_symbols}
    subs = {syms[n]: _exact(v) for n, v in point.items() if n in syms}
    out = {}
    x = syms.get(wrt)
    for j in sorted(set(upto)):
        d = sym if j == 0 else (sp.diff(sym, x, j) if x is not None else sp.Integer(0))
        val = sp.N(d.subs(subs), 30)
        if not val.is_real and not val.is_number:
            return None
        if val.is_real is False:  # complex there (outside f's real domain, e.g. log of a negative number)
            return None
        out[j] = float(val)
    return out


def _evaluate(f: Expr, wrt: str, base: dict, X: np.ndarray) -> np.ndarray:
    """f at every entry of X (values of wrt), others fixed: one stacked call when the graph allows."""
    if _graph_batchable(f.graph):
        vals = dict(base)
        vals[wrt] = X
        out = f.graph.evaluate(vals)[0]
        return np.broadcast_to(np.asarray(out), X.shape)
    flat = []
    for xv in X.ravel():
        vals = dict(base)
        vals[wrt] = xv
        flat.append(np.asarray(f.graph.evaluate(vals)[0]))
    return np.array(flat).reshape(X.shape)


def step_sweep(f: Any, at: Mapping[str, Any] | float, wrt: str | None = None,
               schemes: Sequence[Any] = ("forward", "central"), h: Any = None, dtype: Any = "float64",
               reference: float | None = None, order: int = 1) -> StepSweep:
    """Sweep finite-difference steps and compare the error with the truncation + rounding model.

    Parameters
    ----------
    f : Expr, str, SymPy expression or function
        A scalar function (anything :func:`diffkit.expr` accepts).
    at : dict or float
        The point (a float if f has one variable).
    wrt : str, optional
        The variable (default: the only one).
    schemes : sequence
        ``"forward"``, ``"backward"``, ``"central"``, with an accuracy order as
        ``"central-4"`` / ``("central", 4)``, or :class:`~diffkit.FiniteDiff` objects;
        and ``"complex"`` (or a :class:`~diffkit.ComplexStep`), the complex step
        ``Im f(x + ih) / h``: order 1 only, float32 (complex64) and float64
        (complex128) only, its imaginary step exactly h (no representable-step
        correction), with the model :func:`~diffkit.numeric.complex_step_choice`
        (rounding ``eps |f'|``, flat in h; truncation ``|f'''| h^2 / 6``). It warns
        (:class:`~diffkit.numeric.NumericWarning`) for functions that are not
        complex-analytic. At tiny h it keeps full precision where differences
        cancel::

            >>> s = step_sweep("exp(x)", at=1.0, schemes=["central", "complex"], h=[1e-12])
            >>> bool(s.errors["central", "float64"][0] > 1e-6 > 1e-15 > s.errors["complex", "float64"][0])
            True

    h : array_like, optional
        Steps (default ``np.logspace(-16, 0, 161)``).
    dtype : str or list of str
        ``"float64"``, ``"float32"``, ``"float16"``, or several to compare side by side.
    reference : float, optional
        The exact derivative; default: SymPy's, evaluated to 30 digits at the point.
    order : int
        Which derivative.

    Returns
    -------
    StepSweep
        ``.best()``, ``.theory()``, ``.slopes()``, ``.table()``, ``.plot()``, ``.to_frame()``.

    Raises
    ------
    DiffkitError
        A scheme or dtype it can't read, or no reference (no SymPy form and none given);
        ``"complex"`` with ``order > 1`` or with ``dtype="float16"``.

    Example
    -------
    >>> import diffkit as dk
    >>> s = dk.numeric.step_sweep("exp(x)", at=1.0, schemes=["central"], dtype=["float64", "float32"])
    >>> bool(s.best()["central", "float32"].error > 1e3 * s.best()["central", "float64"].error)
    True
    """
    f = as_expr(f)
    if f.n_outputs != 1:
        raise ShapeError(f"step_sweep needs a scalar function; this one has {f.n_outputs} outputs")
    if not isinstance(at, Mapping):
        if len(f.variables) != 1:
            raise DiffkitError(f"at= must be a dict for a function of {', '.join(f.variables)}")
        at = {f.variables[0]: at}
    if wrt is None:
        if not f.variables:
            raise DiffkitError(f"{f} has no variables: there is nothing to differentiate")
        if len(f.variables) != 1:
            raise DiffkitError(f"the function has variables {', '.join(f.variables)}; say which with wrt=")
        wrt = f.variables[0]
    if wrt not in f.variables:
        raise DiffkitError(f"wrt={wrt!r} is not a variable of the function ({', '.join(f.variables)})")
    point = f.bind(**at)
    for n, v in point.items():
        if np.ndim(v) != 0:
            raise ShapeError(f"step_sweep needs a scalar point; {n!r} has shape {np.shape(v)}")
        if np.iscomplexobj(v) or not np.isfinite(v):
            raise ArgumentError(f"step_sweep needs a finite real point; {n!r} is {v!r}")
    if reference is not None:
        try:
            reference = float(reference)
        except (TypeError, ValueError):
            raise ArgumentError(f"reference= must be a number (the exact derivative), got {reference!r}") from None
    if not isinstance(order, int) or order < 1:
        raise DiffkitError(f"order must be a positive integer, got {order!r}")
    try:
        hs = np.logspace(-16, 0, 161) if h is None else np.atleast_1d(np.asarray(h, dtype=float))
    except (TypeError, ValueError):
        hs = np.zeros((0, 0))
    if hs.ndim != 1 or not hs.size or not np.all(hs > 0) or not np.all(np.isfinite(hs)):
        raise ArgumentError(f"h must be a 1-d array of positive, finite steps (the grid to sweep), got {h!r:.60}")
    if hs.size > MAX_SWEEP_STEPS:
        raise ArgumentError(f"a sweep of {hs.size} steps is more than the {MAX_SWEEP_STEPS} supported: a figure has "
                            "a few hundred pixels across; sweep np.logspace(-16, 0, 161) or a few thousand steps")
    if schemes is None:
        schemes = ["forward", "central"]
    if isinstance(schemes, str) or hasattr(schemes, "scheme"):
        schemes = [schemes]
    if not len(schemes):
        raise ArgumentError("schemes is empty: name at least one, e.g. schemes=['central']")
    parsed = [_parse_scheme(s) for s in schemes]
    dtypes = [_dtype_name(d) for d in ([dtype] if isinstance(dtype, str) or not isinstance(dtype, Sequence)
                                        else dtype)]
    has_complex = any(sch == COMPLEX for _, sch, _ in parsed)
    if has_complex:
        if order != 1:
            raise DiffkitError(f"the 'complex' scheme gives first derivatives only (order=1), not order={order}; "
                               "sweep forward/central differences for higher derivatives")
        for d in dtypes:
            _complex_dtype(d)
        _relay(_check_analytic, f, stacklevel=2)  # <- user
    stencils: dict[str, Stencil | None] = {lab: None if sch == COMPLEX else stencil(sch, order, acc)
                                           for lab, sch, acc in parsed}
    points = sum(len(st.offsets) if st is not None else 2 for st in stencils.values())
    ensure_memory(hs.size * points * len(dtypes) * 16.0 * 3, f"a sweep of {hs.size} steps ({points} points each)",
                  "sweep fewer steps")

    errors, estimates, refs, theory = {}, {}, {}, {}
    for d in dtypes:
        dt = np.dtype(d)
        base = {n: dt.type(float(v)) for n, v in point.items()}
        x0 = base[wrt]
        exact_point = {n: float(v) for n, v in base.items()}
        needed = [0, order] + [order + st.error_order for st in stencils.values() if st is not None]
        if has_complex:
            needed += [1, 3]  # the complex step's model: |f'| (rounding) and |f'''| (truncation)
        parts = _sympy_parts(f, wrt, order, exact_point, needed)
        if reference is not None:
            ref = float(reference)
        elif parts is not None:
            ref = parts[order]
        else:
            raise DiffkitError("no exact reference: the function has no SymPy form, or its derivative is not "
                               "real at the point; pass reference=")
        refs[d] = ref
        with np.errstate(all="ignore"):
            steps = ((x0 + hs.astype(dt)) - x0).astype(dt)  # the representable steps
        for (label, scheme, acc), st in zip(parsed, stencils.values()):
            if st is None:  # the complex step
                est = _complex_step_estimates(f, wrt, base, hs, dt)
                estimates[(label, d)] = est
                errors[(label, d)] = np.abs(est.astype(float) - ref)
                theory[(label, d)] = complex_step_choice(d, f_scale=abs(parts[1]) if parts else abs(ref),
                                                         deriv_scale=abs(parts[3]) if parts else abs(ref))
                continue
            offs = np.array(st.offsets, dtype=dt)
            with np.errstate(all="ignore"):
                X = x0 + offs[:, None] * steps[None, :]
                F = _evaluate(f, wrt, base, X.astype(dt))
                w = st.float_weights.astype(dt)
                est = (w[:, None] * F).sum(axis=0) / steps ** order
            est = np.where(steps != 0, est, np.nan)
            estimates[(label, d)] = est
            errors[(label, d)] = np.abs(est.astype(float) - ref)
            fs = abs(parts[0]) if parts else abs(float(np.asarray(f.graph.evaluate(dict(base))[0])))
            ds = abs(parts[order + st.error_order]) if parts else abs(ref)
            theory[(label, d)] = optimal_step(scheme, acc, d, f_scale=fs, deriv_scale=ds, order=order)
    label = f"d{'^' + str(order) if order > 1 else ''}/d{wrt}{'^' + str(order) if order > 1 else ''} " \
            f"{f} at " + ", ".join(f"{n}={float(v):g}" for n, v in point.items())
    return StepSweep(f=f, wrt=wrt, at=dict(point), h=hs, schemes=[p[0] for p in parsed], dtypes=dtypes,
                     order=order, errors=errors, estimates=estimates, reference=refs, theory=theory,
                     stencils=stencils, label=label)


def plot_sweep(sweep: StepSweep, ax: Any = None) -> Any:
    """Draw a sweep: log-log error against h per scheme (one panel per dtype), the model's curve,
    the predicted optimum, and the rounding and truncation regions.

    The figure is :func:`diffkit.plot.error_vs_h.draw_sweep`'s (the plot package owns every figure's
    style); it uses matplotlib's object-oriented API (no pyplot state), so it works under any backend.

    Parameters
    ----------
    sweep : StepSweep
    ax : matplotlib Axes or sequence of Axes, optional
        Where to draw (one per dtype); default a new Figure.

    Returns
    -------
    matplotlib.figure.Figure

    Example
    -------
    >>> import diffkit as dk
    >>> fig = dk.numeric.step_sweep("exp(x)", at=1.0, dtype=["float64", "float32"]).plot()
    >>> len(fig.axes), fig.axes[0].get_xscale()
    (2, 'log')
    """
    from ..plot.error_vs_h import draw_sweep

    return draw_sweep(sweep, ax=ax)
