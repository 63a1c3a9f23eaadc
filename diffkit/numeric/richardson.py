"""Richardson extrapolation of finite differences, with an error estimate.

A difference quotient ``D(h)`` has an error expansion ``c_1 h^q + c_2 h^(q+s)
+ ...`` (``s = 2`` for central stencils, 1 for one-sided). Evaluating it at
``h, h/r, h/r^2, ...`` and eliminating the terms one by one (Neville's
tableau) gives high accuracy from a handful of points. Each tableau entry
comes with an error estimate: its distance from the two entries it was built
from, plus the rounding error of the combination (``eps |f| sum|a_i| S / h_i^k``).
The entry with the smallest estimate is returned, and the estimate goes in
``Result.error_estimate``.

Example
-------
>>> import diffkit as dk, math
>>> r = dk.Richardson().derivative("exp(x)", at={"x": 1.0})
>>> err = abs(r.derivative - math.e)
>>> err <= 1e-13, err <= r.error_estimate, r.info["points"]
(True, True, 21)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..compare.base import Differentiator
from ..errors import DiffkitError
from .finite_diff import (
    derivative_plan,
    divide,
    hessian_denominators,
    hessian_from_entries,
    hessian_plan,
    jacobian_plan,
    pack_value,
)
from .points import ExprProblem, Plan, relative_steps
from .stencils import default_accuracy, scheme_name, stencil
from .theory import machine_eps

__all__ = ["Richardson", "extrapolate"]


def extrapolate(D: np.ndarray, ratio: float, q: int, s: int, rounding: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Neville tableau over levels (axis 0 of ``D``); returns the best entry and its error estimate.

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

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.numeric.richardson import extrapolate
    >>> h = 0.1 / 2.0 ** np.arange(4)
    >>> D = 1.0 + h**2 + h**4          # exact value 1, error in even powers
    >>> best, est = extrapolate(D, 2.0, 2, 2, np.zeros(4))
    >>> bool(abs(best - 1) < 1e-15), bool(est < 1e-6)
    (True, True)
    """
    L = D.shape[0]
    T = [[D[i]] for i in range(L)]
    R = [[rounding[i]] for i in range(L)]  # rounding bound of each tableau entry
    best = D[L - 1]
    best_err = np.full(D.shape[1:], np.inf)
    for j in range(1, L):
        fac = ratio ** (q + (j - 1) * s)
        amp = (fac + 1) / (fac - 1)
        for i in range(j, L):
            t = T[i][j - 1] + (T[i][j - 1] - T[i - 1][j - 1]) / (fac - 1)
            T[i].append(t)
            R[i].append(amp * np.maximum(R[i][j - 1], R[i - 1][j - 1]))
            err = np.maximum(np.abs(t - T[i][j - 1]), np.abs(t - T[i - 1][j - 1])) + R[i][j]
            better = err < best_err
            best = np.where(better, t, best)
            best_err = np.where(better, err, best_err)
    return best, best_err


class Richardson(Differentiator):
    """Richardson-extrapolated finite differences with an error estimate.

    Parameters
    ----------
    scheme : {"central", "forward", "backward"}
        The base stencil.
    accuracy : int, optional
        Accuracy order of the base stencil (default 1 one-sided, 2 central).
    h : float
        The largest relative step (the step is ``h * max(|x|, 1)``).
    levels : int
        How many steps ``h, h/ratio, ...`` (more levels, more points, higher order).
    ratio : float
        Ratio between successive steps (2 keeps them exact in binary).

    Example
    -------
    >>> import diffkit as dk
    >>> r = dk.Richardson().gradient("log(x1) + x1*x2 - sin(x2)", at={"x1": 2.0, "x2": 5.0})
    >>> round(r.gradient["x2"], 13), bool(max(r.error_estimate) < 1e-11)
    (1.7163378145368, True)
    """

    def __init__(self, scheme: str = "central", accuracy: int | None = None, h: float = 0.125,
                 levels: int = 10, ratio: float = 2.0):
        self.scheme = scheme
        self.accuracy = default_accuracy(scheme) if accuracy is None else accuracy
        stencil(scheme, 1, self.accuracy)
        if isinstance(h, str) or not np.isfinite(h) or h <= 0:
            raise DiffkitError(f"h must be a positive number, got {h!r}")
        if not isinstance(levels, int) or levels < 2:
            raise DiffkitError(f"levels must be an integer >= 2, got {levels!r}")
        if not ratio > 1:
            raise DiffkitError(f"ratio must be > 1, got {ratio!r}")
        self.h, self.levels, self.ratio = float(h), levels, float(ratio)

    name = "richardson"

    def __repr__(self) -> str:
        return (f"Richardson(scheme={self.scheme!r}, accuracy={self.accuracy}, h={self.h!r}, "
                f"levels={self.levels}, ratio={self.ratio!r})")

    def _extrapolate(self, problem: ExprProblem, build, entries: int, denoms, order: int, st_q: int,
                     abs_w: float) -> tuple:
        """Build all levels into one plan, evaluate once, extrapolate per entry."""
        steps = [relative_steps(self.h, x, n) for x, n in zip(problem.x, problem.names)]
        plan = Plan(entries * self.levels)
        for lv in range(self.levels):
            build(1.0 / self.ratio**lv, plan, lv * entries)
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            F = problem.evaluate(plan.points, steps)  # coarse levels may leave the domain; judged below
        sums = plan.combine(F)
        D = np.stack([divide(sums[lv * entries:(lv + 1) * entries], denoms(steps, 1.0 / self.ratio**lv))
                      for lv in range(self.levels)])
        eps = machine_eps(problem.dtype)
        fscale = np.abs(F[0]).astype(float)
        rounding = np.stack([
            np.stack([eps * fscale * abs_w / np.abs(np.asarray(d)) for d in denoms(steps, 1.0 / self.ratio**lv)])
            for lv in range(self.levels)])
        s = 2 if self.scheme == "central" else 1
        with np.errstate(invalid="ignore"):
            best, err = extrapolate(D, self.ratio, st_q, s, rounding)
        if not np.all(np.isfinite(best)):
            problem.check(F, plan.points, steps)  # warns, naming the variable
        info = {"info": {"scheme": scheme_name(self.scheme, self.accuracy), "levels": self.levels,
                         "ratio": self.ratio, "points": len(plan.points),
                         "h": {n: (v.item() if np.ndim(v) == 0 else v) for n, v in zip(problem.names, steps)}}}
        return F, best, err, info

    def _jacobian(self, f: Any, values: dict, wrt: tuple) -> tuple:
        problem = ExprProblem(f, values, wrt)
        st = stencil(self.scheme, 1, self.accuracy)
        n = problem.n
        F, best, err, info = self._extrapolate(
            problem, lambda sc, plan, e0: jacobian_plan(n, st, sc, plan, e0), n,
            lambda steps, sc: [s * sc for s in steps], 1, st.error_order, st.abs_weight_sum)
        info["error_estimate"] = _plain(np.swapaxes(err, 0, 1))
        return pack_value(F[0]), np.swapaxes(best, 0, 1), info

    def _gradient(self, f: Any, values: dict, wrt: tuple) -> tuple:
        value, J, info = self._jacobian(f, values, wrt)
        info["error_estimate"] = _plain(np.asarray(info["error_estimate"])[0])
        return value, [J[0, j] for j in range(len(wrt))], info

    def _hessian(self, f: Any, values: dict, wrt: tuple) -> tuple:
        problem = ExprProblem(f, values, wrt)
        first, second = stencil(self.scheme, 1, self.accuracy), stencil(self.scheme, 2, self.accuracy)
        n = problem.n
        E = n * (n + 1) // 2
        F, best, err, info = self._extrapolate(
            problem, lambda sc, plan, e0: hessian_plan(n, first, second, sc, plan, e0), E,
            hessian_denominators, 2, min(first.error_order, second.error_order),
            max(first.abs_weight_sum**2, second.abs_weight_sum))
        info["error_estimate"] = hessian_from_entries(err[:, 0], n)
        return pack_value(F[0]), hessian_from_entries(best[:, 0], n), info

    def _derivative(self, f: Any, values: dict, wrt: str, order: int) -> tuple:
        problem = ExprProblem(f, values, (wrt,))
        st = stencil(self.scheme, order, self.accuracy)
        F, best, err, info = self._extrapolate(
            problem, lambda sc, plan, e0: derivative_plan(st, sc, plan, e0), 1,
            lambda steps, sc: [(steps[0] * sc) ** order], order, st.error_order, st.abs_weight_sum)
        info["error_estimate"] = _plain(err[0, 0])
        return pack_value(F[0]), best[0, 0], info


def _plain(a: Any) -> Any:
    a = np.asarray(a)
    return a.item() if a.ndim == 0 else a
