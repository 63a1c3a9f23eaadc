"""The report of a gradient check: errors, worst entries, verdict, kinks, blind spots and hints.

A verdict is one of three: **passed**, **failed**, or **undecided** -- the check could
not tell, because every entry of both gradients is below the tolerance (a point
such as 0, where a missing factor 2 or a flipped sign still agrees), or because
every failing entry lies within a step of a kink. :func:`~diffkit.check_grad`
checks by default at the given point and at a seeded random point near it, and
its report says what each point showed.

Example
-------
>>> import numpy as np, diffkit as dk
>>> rep = dk.check_grad(lambda x: np.sum(x**2), lambda x: x, np.zeros(3))
>>> rep.verdict, rep.at_x.verdict, rep.second.verdict
('failed', 'undecided', 'failed')
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import numpy as np

from ..table import Table, fmt

__all__ = ["GradientReport", "PointCheck", "Verdict", "hints"]


class Verdict:
    """A check's verdict as Python values: ``passed`` and ``bool()`` (``verdict == "passed"``), and
    comparisons through ``float()`` (the check's number), so ``report < 1e-6`` works as for a float.

    Example
    -------
    >>> from diffkit.numeric.report import Verdict
    >>> class Check(Verdict):
    ...     verdict = "passed"
    ...     def __float__(self):
    ...         return 1e-9
    >>> bool(Check()), Check() < 1e-6
    (True, True)
    """

    verdict: str

    @property
    def passed(self) -> bool:
        return self.verdict == "passed"

    def __bool__(self) -> bool:
        return self.passed

    def __lt__(self, other: Any) -> bool:
        return float(self) < other

    def __le__(self, other: Any) -> bool:
        return float(self) <= other

    def __gt__(self, other: Any) -> bool:
        return float(self) > other

    def __ge__(self, other: Any) -> bool:
        return float(self) >= other


class PointCheck:
    """Analytic against numeric gradient at one point.

    Attributes
    ----------
    x : array, dict or list
        The point (as given, or the random point drawn near it).
    label : str
        ``"x"`` or ``"random point near x"``.
    analytic, numeric : dict
        ``{variable: array}`` of the entries compared (kinks excluded from the verdict, not from here);
        when only some entries were checked, 1-d arrays of those, whose indices in x are ``indices[variable]``.
    verdict : {"passed", "failed", "undecided"}
    max_abs_error, max_rel_error : float
        Over the entries compared, kinks left out.
    worst : list of dict
        Entries sorted by ``abs_error / tolerance`` (``ratio``), largest first.
    kinks : list of dict
        Failing entries explained by a kink within h of the point (not counted as failures).
    blind : bool
        No entry could have failed: all of both gradients are below the tolerance.
    hints : list of str
        Recognised patterns of bugs.
    """

    def __init__(self, x: Any, label: str, analytic: dict, numeric: dict, atol: float, rtol: float, *,
                 kinks: Sequence[dict] = (), n_worst: int = 5, notes: Sequence[str] = (),
                 indices: dict | None = None):
        self.x, self.label, self.analytic, self.numeric = x, label, analytic, numeric
        self.atol, self.rtol = float(atol), float(rtol)
        self.kinks = list(kinks)
        self.notes = list(notes)
        self.indices = indices or {}  # for sampled entries: each compared entry's index in x
        kink_at = {(k["variable"], tuple(k["index"])) for k in self.kinks}
        rows, max_abs, max_rel, failed, informative = [], 0.0, 0.0, False, False
        for name in numeric:
            a = np.asarray(analytic[name], dtype=float)
            n = np.asarray(numeric[name], dtype=float)
            err = np.abs(a - n)
            scale = np.maximum(np.abs(a), np.abs(n))
            with np.errstate(invalid="ignore", divide="ignore"):
                rel = np.where(scale > 0, err / np.where(scale > 0, scale, 1), np.where(np.isnan(err), np.nan, 0.0))
            allowed = self.atol + self.rtol * np.abs(n)
            with np.errstate(invalid="ignore", divide="ignore"):
                ratio = np.where(allowed > 0, err / np.where(allowed > 0, allowed, 1),
                                 np.where(err > 0, np.inf, 0.0))
            where = self.indices.get(name)
            for idx in np.ndindex(err.shape):
                at = tuple(where[idx[0]]) if where is not None else idx
                kink = (name, at) in kink_at
                if not kink:
                    informative |= bool(scale[idx] > allowed[idx]) or bool(np.isnan(err[idx]))
                    failed |= not bool(err[idx] <= allowed[idx])  # NaN fails
                    max_abs = max(max_abs, float(err[idx])) if not np.isnan(err[idx]) else math.nan
                    max_rel = max(max_rel, float(rel[idx])) if not np.isnan(rel[idx]) else math.nan
                    if math.isnan(max_abs) or math.isnan(max_rel):
                        max_abs = max_rel = math.nan
                rows.append((float(ratio[idx]) if not np.isnan(ratio[idx]) else math.inf, name, at,
                             float(a[idx]), float(n[idx]), float(err[idx]), float(rel[idx]), kink))
        rows.sort(key=lambda r: -r[0])
        self.blind = not informative and not failed
        self.verdict = "failed" if failed else "undecided" if self.blind or (not rows) else "passed"
        if not failed and self.kinks and not informative:
            self.verdict = "undecided"
        self.max_abs_error, self.max_rel_error = max_abs, max_rel
        self.worst = [dict(variable=r[1], index=r[2], analytic=r[3], numeric=r[4], abs_error=r[5], rel_error=r[6],
                           ratio=r[0], kink=r[7]) for r in rows[:n_worst]]
        self.hints = hints(analytic, numeric, self.atol, self.rtol) if failed else []

    @property
    def passed(self) -> bool:
        return self.verdict == "passed"

    def rows(self) -> list[list]:
        return [[self.label, w["variable"], _fmt_index(w["index"]), w["analytic"], w["numeric"], w["abs_error"],
                 w["ratio"], "kink within h" if w["kink"] else ""] for w in self.worst]

    def summary(self) -> str:
        """One line: the verdict at this point and why."""
        if self.verdict == "undecided" and self.blind:
            why = (f"could not tell: every entry of both gradients is below the tolerance (atol={self.atol:g}) "
                   "here, so a missing factor or a flipped sign would agree too")
        elif self.verdict == "undecided":
            why = "could not tell: every entry that disagrees lies within h of a kink"
        else:
            why = f"max rel error {fmt(self.max_rel_error, 3)}, max abs error {fmt(self.max_abs_error, 3)}"
        kinks = f"; {len(self.kinks)} entr{'y' if len(self.kinks) == 1 else 'ies'} within h of a kink, not " \
                "checkable here (see .kinks)" if self.kinks else ""
        return f"at {self.label}{self._point()}: {self.verdict.upper()} ({why}){kinks}"

    def _point(self) -> str:
        """The random point itself when it is short enough to read (else it is ``.second.x``)."""
        if self.label == "x" or self.x is None:
            return ""
        parts = list(self.x.values()) if isinstance(self.x, dict) else self.x if isinstance(self.x, list) \
            else [self.x]
        flat = np.concatenate([np.ravel(p) for p in parts]) if parts else np.zeros(0)
        return f" {np.array2string(flat, precision=4, separator=', ')}" if flat.size <= 6 else " (report.second.x)"


class GradientReport(Verdict):
    """What :func:`~diffkit.check_grad` (and :func:`~diffkit.gradcheck`) found, at one or two points.

    It converts to a bool (passed) and to a float (the largest relative error, as
    ``scipy.optimize.check_grad`` returns a number), and compares as that float:
    ``dk.check_grad(f, g, x) < 1e-6``.

    Attributes
    ----------
    verdict : {"passed", "failed", "undecided"}
        Failed if any point failed; passed if a point passed and none failed; else undecided.
    passed : bool
        ``verdict == "passed"``.
    max_abs_error, max_rel_error : float
        Largest ``|a - n|`` and ``|a - n| / max(|n|, |a|)`` over every point (kinks left out).
    at_x : PointCheck
        The check at the given point; ``analytic``, ``numeric``, ``worst``, ``kinks`` and ``hints``
        are its own (the worst entries sorted by error over tolerance, that ratio in ``worst[i]["ratio"]``).
    second : PointCheck or None
        The check at the seeded random point near x (``second.x``), if one was made.
    atol, rtol : float

    Example
    -------
    >>> import numpy as np, diffkit as dk
    >>> rep = dk.check_grad(lambda x: np.sum(x**2), lambda x: x, np.array([1.0, -2.0]))
    >>> rep.passed, rep.hints, round(float(rep), 3)
    (False, ['the analytic gradient is 1/2 times the numeric one: a factor of 2 is missing'], 0.5)
    """

    def __init__(self, at_x: PointCheck, second: PointCheck | None = None, *, title: str = "gradient check",
                 notes: Sequence[str] = ()):
        self.at_x, self.second, self.title = at_x, second, title
        self.notes = list(notes)
        checks = [c for c in (at_x, second) if c is not None]
        verdicts = [c.verdict for c in checks]
        self.verdict = "failed" if "failed" in verdicts else "passed" if "passed" in verdicts else "undecided"
        self.max_abs_error = _max(c.max_abs_error for c in checks)
        self.max_rel_error = _max(c.max_rel_error for c in checks)
        self.atol, self.rtol = at_x.atol, at_x.rtol

    # the given point's details, under the names the report has always had
    analytic = property(lambda self: self.at_x.analytic)
    numeric = property(lambda self: self.at_x.numeric)
    worst = property(lambda self: self.at_x.worst)
    kinks = property(lambda self: self.at_x.kinks)

    @property
    def hints(self) -> list[str]:
        """Recognised bug patterns (from the point that failed)."""
        for c in (self.at_x, self.second):
            if c is not None and c.hints:
                return c.hints
        return []

    def __float__(self) -> float:
        return float(self.max_rel_error)

    def table(self) -> Table:
        """The worst entries of each point as a :class:`~diffkit.table.Table`, with the verdict and hints."""
        checks = [c for c in (self.at_x, self.second) if c is not None]
        rows = [r for c in checks for r in c.rows()]
        notes = [c.summary() for c in checks]
        notes.append(f"pass when |analytic - numeric| <= atol + rtol*|numeric| (atol={self.atol:g}, "
                     f"rtol={self.rtol:g}); 'error / tol' is how far past that an entry is (> 1 fails)")
        for c in checks:
            for k in c.kinks[:3]:
                notes.append(f"{c.label}: {k['variable']}{_fmt_index(k['index'])}: a kink lies within h of this "
                             f"point: not checkable here; {k['advice']}")
        notes += [f"hint: {h}" for h in self.hints] + self.notes
        return Table(["point", "variable", "index", "analytic", "numeric", "abs error", "error / tol", "note"],
                     rows, title=f"{self.title}: {self.verdict.upper()} (worst entries)", notes=notes)

    def __str__(self) -> str:
        return str(self.table())

    def __repr__(self) -> str:
        return (f"GradientReport(verdict={self.verdict!r}, max_abs_error={self.max_abs_error:.3g}, "
                f"max_rel_error={self.max_rel_error:.3g}, hints={self.hints!r})")

    def _repr_html_(self) -> str:
        color = {"passed": "green", "failed": "crimson"}.get(self.verdict, "darkorange")
        head = f'<p style="color:{color}"><b>{html.escape(self.title)}: {self.verdict.upper()}</b></p>'
        return head + self.table().to_html()


def _max(values: Any) -> float:
    vals = list(values)
    return math.nan if any(math.isnan(v) for v in vals) else max(vals, default=0.0)


def _fmt_index(idx: tuple) -> str:
    return "[" + ", ".join(map(str, idx)) + "]" if idx else ""


def _factor_text(c: float) -> str:
    fr = Fraction(c).limit_denominator(12)
    return str(fr) if abs(float(fr) - c) <= 1e-3 * abs(c) else f"{c:.4g}"


def hints(analytic: dict, numeric: dict, atol: float, rtol: float) -> list[str]:
    """Recognised shapes of a wrong gradient: a sign flip, a constant factor, a transpose, all zeros.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.numeric.report import hints
    >>> hints({"x": -np.ones(2)}, {"x": np.ones(2)}, 1e-6, 1e-4)
    ['sign flip: the analytic gradient is the negative of the numeric one']
    """
    out: list[str] = []

    def close(a, b):
        return np.allclose(a, b, atol=atol, rtol=rtol)

    def factor(a, n):
        nn = float(np.vdot(n, n))
        if nn == 0 or not np.isfinite(nn):
            return None
        c = float(np.vdot(a, n)) / nn
        if c == 0 or not np.isfinite(c) or not close(a, c * n):
            return None
        return c

    def factor_hint(c: float, where: str = "") -> str:
        pre = f"{where}: " if where else ""
        if abs(c + 1) <= 1e-3:
            return f"{pre}sign flip: the analytic gradient is the negative of the numeric one"
        txt = _factor_text(c)
        inv = Fraction(1 / c).limit_denominator(12)
        if abs(float(inv) - 1 / c) <= 1e-3 / abs(c) and inv.denominator == 1 and abs(inv) > 1:
            k = abs(inv.numerator)
            sign = " and the sign is flipped" if c < 0 else ""
            return f"{pre}the analytic gradient is {txt} times the numeric one: a factor of {k} is missing{sign}"
        fr = Fraction(c).limit_denominator(12)
        if abs(float(fr) - c) <= 1e-3 * abs(c) and fr.denominator == 1:
            flip = " and the sign is flipped" if c < 0 else ""
            return (f"{pre}the analytic gradient is {txt} times the numeric one: "
                    f"an extra factor of {abs(fr.numerator)}{flip}")
        return f"{pre}the analytic gradient is {txt} times the numeric one: a constant factor of {txt}"

    names = list(numeric)
    A = {k: np.asarray(analytic[k], dtype=float) for k in names}
    N = {k: np.asarray(numeric[k], dtype=float) for k in names}
    bad = [k for k in names if not close(A[k], N[k])]
    a_all = np.concatenate([A[k].ravel() for k in names]) if names else np.zeros(0)
    n_all = np.concatenate([N[k].ravel() for k in names]) if names else np.zeros(0)
    c = factor(a_all, n_all)
    if c is not None and len(names) > 0:
        return [factor_hint(c)]
    for k in bad:
        a, n = A[k], N[k]
        where = f"{k!r}" if len(names) > 1 or k != "x" else ""
        if a.ndim == 2 and a.shape[0] == a.shape[1] and a.shape[0] > 1 and close(a.T, n):
            out.append(f"{where + ': ' if where else ''}the gradient is transposed: its transpose matches "
                       "the numeric gradient")
            continue
        if not np.any(a) and np.any(n):
            out.append(f"{where + ': ' if where else ''}the analytic gradient is zero everywhere but the numeric "
                       "one is not (not computed, or overwritten?)")
            continue
        ck = factor(a, n)
        if ck is not None:
            out.append(factor_hint(ck, where))
    return out
