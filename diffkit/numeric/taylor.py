"""``taylor_test``: a step-size-free gradient check from the convergence of Taylor remainders.

Along a direction v the remainders of a correct gradient (and Hessian) shrink at known rates::

    |f(x + e v) - f(x)|                              ~ e      (slope 1 on log-log)
    |f(x + e v) - f(x) - e grad.v|                    ~ e^2    (slope 2)
    |f(x + e v) - f(x) - e grad.v - e^2/2 v.H.v|      ~ e^3    (slope 3)

A wrong gradient leaves a remainder ``e |(grad - true grad).v|`` that shrinks
only as e: slope 1. The verdict is read off the measured slopes (as
pyadjoint's ``taylor_test``), over the e whose remainders are above the
rounding floor of f; nothing depends on choosing a finite-difference step.

Example
-------
>>> import numpy as np, diffkit as dk
>>> t = dk.numeric.taylor_test(lambda x: np.sum(np.sin(x)), np.cos, np.array([0.3, 1.0, -2.0]))
>>> t.verdict, round(t.rate, 1)
('passed', 2.0)
>>> dk.numeric.taylor_test(lambda x: np.sum(np.sin(x)), np.sin, np.array([0.3, 1.0, -2.0])).verdict
'failed'
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import ArgumentError, ShapeError
from ..table import Table
from .grad_check import flatten, rebuild
from .report import Verdict

__all__ = ["taylor_test", "TaylorTest"]


@dataclass
class TaylorTest(Verdict):
    """The remainders of a Taylor test, their convergence rates and the verdict.

    Attributes
    ----------
    eps : ndarray
        The multipliers e of the direction, halving.
    remainders : dict
        ``{"f": |f(x+ev) - f(x)|, "gradient": ... - e grad.v, "hessian": ... - e^2/2 vHv}``
        (the last only with a Hessian).
    rates : ndarray
        Convergence rates ``log2(r(e) / r(e/2))`` of the highest remainder (NaN where it is
        at the rounding floor).
    rate : float
        The smallest rate over the e above the floor: the verdict's number.
    expected : int
        2 for a gradient, 3 with a Hessian.
    verdict : {"passed", "failed", "undecided"}
        Passed when ``rate >= expected - 0.2``; failed when ``rate <= expected - 0.5``;
        undecided in between, or when every remainder is at the rounding floor (f is
        linear along v at these e, or e is too small).
    floor : float
        The rounding floor of the remainders, ``100 eps |f(x)|`` (and a tiny absolute floor).
    """

    eps: np.ndarray
    remainders: dict
    rates: np.ndarray
    rate: float
    expected: int
    verdict: str
    floor: float

    def __float__(self) -> float:
        return float(self.rate)

    def table(self) -> Table:
        """The remainders and rates by e."""
        names = list(self.remainders)
        rows = [[e, *(self.remainders[k][i] for k in names), self.rates[i - 1] if i else None]
                for i, e in enumerate(self.eps)]
        return Table(["e", *(f"remainder ({k})" for k in names), "rate"], rows,
                     title=f"Taylor test: {self.verdict.upper()} (rate {self.rate:.3g}, expected {self.expected})",
                     notes=[f"rates below the rounding floor {self.floor:.2g} are left out of the verdict"])

    def __str__(self) -> str:
        return str(self.table())

    def _repr_html_(self) -> str:
        return self.table().to_html()

    def plot(self, ax: Any = None) -> Any:
        """Log-log remainders against e, with reference slopes 1, 2 (and 3); returns the Figure.

        Example
        -------
        >>> import numpy as np, diffkit as dk
        >>> fig = dk.numeric.taylor_test(lambda x: np.sum(x**3), lambda x: 3 * x**2, np.ones(2)).plot()
        >>> fig.axes[0].get_xscale(), fig.axes[0].get_yscale()
        ('log', 'log')
        """
        from matplotlib.figure import Figure

        if ax is None:
            fig = Figure(figsize=(6.4, 4.8), layout="constrained")
            ax = fig.subplots()
        else:
            fig = ax.figure
        for (name, r), slope, c in zip(self.remainders.items(), (1, 2, 3), ("C0", "C1", "C2")):
            r = np.where(r > 0, r, np.nan)
            ax.loglog(self.eps, r, "o-", color=c, label=f"remainder after {name} terms")
            k = int(np.nanargmax(r)) if np.isfinite(r).any() else 0
            if np.isfinite(r[k]):
                ax.loglog(self.eps, r[k] * (self.eps / self.eps[k]) ** slope, ":", color=c,
                          label=f"slope {slope}")
        ax.axhline(self.floor, color="gray", lw=0.8, ls="--", label="rounding floor")
        ax.set_xlabel("e (multiple of the direction v)")
        ax.set_ylabel("Taylor remainder")
        ax.set_title(f"Taylor test: {self.verdict} (rate {self.rate:.3g}, expected {self.expected})", fontsize=10)
        ax.legend(fontsize=8)
        return fig


def _vector(parts: list[np.ndarray]) -> np.ndarray:
    return np.concatenate([p.ravel() for p in parts]) if parts else np.zeros(0)


def taylor_test(f: Callable, grad: Callable, x: Any, direction: Any = None, *, hess: Callable | None = None,
                eps: Any = None, args: Any = (), seed: int | None = 0) -> TaylorTest:
    """Check a gradient (and a Hessian) from how fast Taylor remainders shrink (pyadjoint's ``taylor_test``).

    Parameters
    ----------
    f : callable
        ``f(x, *args) -> float``.
    grad : callable
        ``grad(x, *args)``: an array of x's shape, or a dict / list of arrays matching x's.
    x : array, dict of arrays or list of arrays
        The point.
    direction : like x, optional
        The direction v (default: seeded standard normal, scaled to 10% of x's root-mean-square size).
    hess : callable, optional
        ``hess(x, *args)``: the Hessian as an ``(n, n)`` matrix over x's entries (flattened in order);
        then the second-order remainder is tested too (expected slope 3).
    eps : array_like, optional
        The multipliers e (default 8 halvings from 1e-2 times the size of x over the size of v).
    args : tuple
        Extra arguments of f, grad and hess.
    seed : int, optional
        Seed of the default direction.

    Returns
    -------
    TaylorTest
        ``.verdict``, ``.rate``, ``.rates``, ``.remainders``, ``.table()``, ``.plot()``; a bool (passed)
        and a float (the rate).

    Example
    -------
    >>> import numpy as np, diffkit as dk
    >>> f = lambda x: np.sum(np.exp(x) * x)
    >>> g = lambda x: np.exp(x) * (x + 1)
    >>> H = lambda x: np.diag(np.exp(x) * (x + 2))
    >>> t = dk.numeric.taylor_test(f, g, np.array([0.1, -0.5]), hess=H)
    >>> t.expected, t.verdict
    (3, 'passed')
    """
    for label, fn in (("f", f), ("grad", grad)):
        if not callable(fn):
            raise ArgumentError(f"taylor_test: {label} must be a function of x, got {type(fn).__name__}")
    args = tuple(args) if isinstance(args, (list, tuple)) else (args,)
    kind, names, base = flatten(x)
    template = list(x) if kind == "dict" else x
    x0 = _vector(base)
    if direction is None:
        rms = float(np.sqrt(np.mean(x0 ** 2))) if x0.size else 0.0
        v = np.random.default_rng(seed).standard_normal(x0.shape) * 0.1 * (rms or 1.0)
    else:
        _, _, vparts = flatten(direction)
        v = _vector(vparts)
        if v.shape != x0.shape:
            raise ShapeError(f"the direction has {v.size} entries, but x has {x0.size}")
    if not np.any(v) or not np.all(np.isfinite(v)):
        raise ArgumentError("the direction must be finite and not zero")

    def parts(vec: np.ndarray) -> list[np.ndarray]:
        out, k = [], 0
        for b in base:
            out.append(vec[k:k + b.size].reshape(b.shape).copy())
            k += b.size
        return out

    def value(vec: np.ndarray) -> float:
        out = np.asarray(f(rebuild(kind, template, parts(vec)), *args), dtype=float)
        if out.size != 1:
            raise ShapeError(f"f must return a scalar, got shape {out.shape}")
        return float(out.reshape(()))

    if eps is None:
        scale = max(float(np.max(np.abs(x0))) if x0.size else 0.0, 1.0) / float(np.max(np.abs(v)))
        eps = 1e-2 * min(scale, 1e2) * 0.5 ** np.arange(8)
    eps = np.asarray(eps, dtype=float)
    if eps.ndim != 1 or eps.size < 3 or not np.all(eps > 0):
        raise ArgumentError("eps must be at least three positive multipliers of the direction")
    g = grad(rebuild(kind, template, parts(x0)), *args)
    gv = _vector([np.asarray(p, dtype=float) for p in (g.values() if isinstance(g, dict) else
                                                       (g if kind == "list" else [g]))])
    if gv.shape != x0.shape:
        raise ShapeError(f"grad(x) has {gv.size} entries, but x has {x0.size}")
    f0 = value(x0)
    fe = np.array([value(x0 + e * v) for e in eps])
    dg = float(gv @ v)
    rem = {"f": np.abs(fe - f0), "gradient": np.abs(fe - f0 - eps * dg)}
    expected = 2
    if hess is not None:
        H = np.asarray(hess(rebuild(kind, template, parts(x0)), *args), dtype=float).reshape(x0.size, x0.size)
        rem["hessian"] = np.abs(fe - f0 - eps * dg - 0.5 * eps ** 2 * float(v @ H @ v))
        expected = 3
    floor = 100 * np.finfo(float).eps * max(abs(f0), float(np.max(np.abs(fe)))) + 1e-300
    top = rem[list(rem)[-1]]
    above = top > floor
    with np.errstate(divide="ignore", invalid="ignore"):
        rates = np.log2(top[:-1] / top[1:]) / np.log2(eps[:-1] / eps[1:])
    rates = np.where(above[:-1] & above[1:], rates, np.nan)
    if np.isfinite(rates).any():
        rate = float(np.nanmin(rates))
        verdict = "passed" if rate >= expected - 0.2 else "failed" if rate <= expected - 0.5 else "undecided"
    else:
        rate = math.nan
        # the remainder is at rounding level at every e: exact to rounding (f linear or quadratic along v),
        # provided f itself moved measurably
        verdict = "passed" if np.all(rem["f"][:2] > floor) else "undecided"
    return TaylorTest(eps, rem, rates, rate, expected, verdict, floor)
