"""Difference formulas of every kind, evaluated at one or several step levels in one call.

A :class:`Formula` says which derivative entries a finite-difference estimate
has (a Jacobian's ``n`` columns, a Hessian's upper triangle, a Hessian's
diagonal, one k-th derivative), which stencil gives each, and what each is
divided by. :func:`evaluate_levels` builds the points of the formula at steps
``scale * h`` for several scales into one :class:`~diffkit.numeric.points.Plan`,
evaluates the function once (stacked) and returns, per level and entry, the
difference quotient and the rounding error it carries::

    D[l, e] = sum_j w_j f(x_j) / denom_e(scale_l h)
    R[l, e] = eps * sum_j |w_j| |f(x_j)| / |denom_e(scale_l h)|

Plain finite differences use one level (first derivatives) or three
(``h, 2h, 4h``: Hessians and higher derivatives, whose error is then measured,
see :mod:`diffkit.numeric.estimates`); Richardson extrapolation uses many.

Example
-------
>>> import numpy as np
>>> from diffkit.numeric.formulas import Formula, evaluate_levels
>>> from diffkit.numeric.points import GridProblem
>>> p = GridProblem(np.exp, np.float64(1.0))
>>> lv = evaluate_levels(p, Formula.derivative(1, "central", 2), [np.float64(1e-3)], (1, 2))
>>> lv.D.shape, bool(abs(lv.D[0, 0, 0] - np.e) < 1e-6)   # (levels, entries, outputs)
((2, 1, 1), True)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from .points import Plan
from .stencils import Stencil, stencil
from .theory import machine_eps

__all__ = ["Formula", "Levels", "evaluate_levels", "hessian_pairs"]


def pair_indices(n: int) -> tuple[np.ndarray, np.ndarray]:
    """The pairs of :func:`hessian_pairs` as two index arrays.

    Example
    -------
    >>> from diffkit.numeric.formulas import pair_indices
    >>> [a.tolist() for a in pair_indices(2)]
    [[0, 0, 1], [0, 1, 1]]
    """
    i, j = np.triu_indices(n)
    return i, j


def hessian_pairs(n: int) -> list[tuple[int, int]]:
    """The ``(i, j)``, ``i <= j``, in entry order.

    Example
    -------
    >>> from diffkit.numeric.formulas import hessian_pairs
    >>> hessian_pairs(2)
    [(0, 0), (0, 1), (1, 1)]
    """
    return [(i, j) for i in range(n) for j in range(i, n)]


@dataclass(frozen=True)
class Formula:
    """The entries of one finite-difference estimate and the stencils that give them.

    Attributes
    ----------
    kind : {"jacobian", "hessian", "hessdiag", "derivative"}
    n : int
        Number of variables.
    first : Stencil
        The stencil of the entries (for a Hessian: of the off-diagonal entries, applied twice).
    second : Stencil or None
        For a Hessian: the second-derivative stencil of the diagonal.

    Example
    -------
    >>> from diffkit.numeric.formulas import Formula
    >>> f = Formula.hessian(3, "central", 2)
    >>> f.entries, f.k, f.q
    (6, 2, 2)
    """

    kind: str
    n: int
    first: Stencil
    second: Stencil | None = None

    @classmethod
    def jacobian(cls, n: int, scheme: str, accuracy: int) -> Formula:
        """First derivatives along each of n variables."""
        return cls("jacobian", n, stencil(scheme, 1, accuracy))

    @classmethod
    def hessian(cls, n: int, scheme: str, accuracy: int) -> Formula:
        """The upper triangle of the Hessian: second-derivative stencils on the diagonal, first x first off it."""
        return cls("hessian", n, stencil(scheme, 1, accuracy), stencil(scheme, 2, accuracy))

    @classmethod
    def hessdiag(cls, n: int, scheme: str, accuracy: int) -> Formula:
        """The Hessian's diagonal only: one second-derivative stencil per variable."""
        return cls("hessdiag", n, stencil(scheme, 2, accuracy))

    @classmethod
    def derivative(cls, order: int, scheme: str, accuracy: int) -> Formula:
        """The ``order``-th derivative of one variable."""
        return cls("derivative", 1, stencil(scheme, order, accuracy))

    @property
    def entries(self) -> int:
        return self.n * (self.n + 1) // 2 if self.kind == "hessian" else self.n

    @property
    def k(self) -> int:
        """The derivative order of each entry."""
        return 2 if self.kind == "hessian" else self.first.order

    @property
    def q(self) -> int:
        """The power of h in the leading truncation error."""
        if self.kind == "hessian":
            return min(self.first.error_order, self.second.error_order)
        return self.first.error_order

    @property
    def abs_weight_sum(self) -> float:
        """How much the rounding error of one value of f is amplified (before dividing by ``h^k``)."""
        if self.kind == "hessian":
            return max(self.first.abs_weight_sum ** 2, self.second.abs_weight_sum)
        return self.first.abs_weight_sum

    @property
    def error_coefficient(self) -> float:
        if self.kind == "hessian":
            return float(max(abs(self.second.error_coefficient), 2 * abs(self.first.error_coefficient)))
        return float(abs(self.first.error_coefficient))

    def add(self, plan: Plan, scale: float = 1.0, first_entry: int = 0) -> None:
        """Add this formula's terms at steps ``scale * h`` to ``plan``, as entries ``first_entry + e``."""
        pts = plan.points
        if self.kind == "hessian":
            for e, (i, j) in enumerate(hessian_pairs(self.n)):
                if i == j:
                    for o, w in zip(self.second.offsets, self.second.weights):
                        plan.term(first_entry + e, pts.add(((i, o * scale),)), float(w))
                    continue
                for oi, wi in zip(self.first.offsets, self.first.weights):
                    for oj, wj in zip(self.first.offsets, self.first.weights):
                        plan.term(first_entry + e, pts.add(((i, oi * scale), (j, oj * scale))), float(wi * wj))
            return
        for v in range(self.n):
            for o, w in zip(self.first.offsets, self.first.weights):
                plan.term(first_entry + v, pts.add(((v, o * scale),)), float(w))

    def denominators(self, steps: Sequence[Any], scale: float = 1.0) -> Any:
        """What each entry's weighted sum is divided by, at steps ``scale * h`` (an array for a vector of steps)."""
        if isinstance(steps, np.ndarray) and steps.ndim == 1:  # one scalar step per variable: vectorised
            if self.kind == "hessian":
                i, j = pair_indices(self.n)
                return (steps[i] * scale) * (steps[j] * scale)
            return (steps[:self.n] * scale) ** self.k
        if self.kind == "hessian":
            return [(steps[i] * scale) * (steps[j] * scale) for i, j in hessian_pairs(self.n)]
        return [(np.asarray(s) * scale) ** self.k for s in steps[:self.n]]

    def entry_names(self, names: Sequence[str]) -> list[str]:
        """A readable name of each entry (``d/dx``, ``d2/dx dy``...)."""
        if self.kind == "hessian":
            return [f"d2/d{names[i]}d{names[j]}" if i != j else f"d2/d{names[i]}2" for i, j in hessian_pairs(self.n)]
        if self.k == 1:
            return [f"d/d{nm}" for nm in names]
        return [f"d{self.k}/d{nm}{self.k}" for nm in names]


def divide(sums: np.ndarray, denoms: Sequence[Any]) -> np.ndarray:
    """``sums[e] / denoms[e]``, broadcasting each denominator over the output axes.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.numeric.formulas import divide
    >>> divide(np.ones((2, 3)), [np.float64(2.0), np.float64(4.0)])[:, 0]
    array([0.5 , 0.25])
    """
    if isinstance(denoms, np.ndarray) and denoms.ndim == 1:
        return sums / denoms.reshape((len(denoms),) + (1,) * (sums.ndim - 1))
    if all(np.ndim(d) == 0 for d in denoms):  # scalar steps: one vectorised division
        d = np.asarray(denoms, dtype=np.result_type(*denoms) if denoms else float)
        return sums / d.reshape((len(denoms),) + (1,) * (sums.ndim - 1))
    out = np.empty(np.broadcast_shapes(sums.shape, (len(denoms),) + np.broadcast_shapes(
        *(np.shape(d) for d in denoms))), dtype=np.result_type(sums, *denoms))
    for e, d in enumerate(denoms):
        d = np.asarray(d)
        out[e] = sums[e] / d.reshape((1,) * (sums.ndim - 1 - d.ndim) + d.shape)
    return out


@dataclass
class Levels:
    """Difference quotients at several step levels, with their rounding errors.

    Attributes
    ----------
    F : ndarray
        Function values at every point, ``F[0]`` at the point itself.
    D, R : ndarray, shape (levels, entries, *out)
        Quotients and their rounding-error bounds.
    scales : tuple of float
        The levels' step multipliers.
    first_level_points : int
        How many of F's points the first level uses (the others only probe).
    plan : Plan
    """

    F: np.ndarray
    D: np.ndarray
    R: np.ndarray
    scales: tuple
    first_level_points: int
    plan: Plan


@lru_cache(maxsize=64)
def level_plan(formula: Formula, scales: tuple) -> tuple[Plan, int]:
    """The plan of ``formula`` at every scale, and how many points the first level has (shared: plans are
    only read once built, and their dense multipliers are cached)."""
    E = formula.entries
    plan = Plan(E * len(scales))
    formula.add(plan, scales[0], 0)
    first = len(plan.points)
    for lv, sc in enumerate(scales[1:], start=1):
        formula.add(plan, sc, lv * E)
    return plan, first


def evaluate_levels(problem: Any, formula: Formula, steps: Sequence[Any], scales: Sequence[float],
                    eps: float | None = None) -> Levels:
    """Evaluate ``formula`` at steps ``scale * h`` for each scale, all points in one call of the function."""
    E = formula.entries
    plan, first = level_plan(formula, tuple(float(s) for s in scales))
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        F = problem.evaluate(plan.points, steps)
    sums = plan.combine(F)
    mags = plan.combine(np.abs(F), absolute=True)
    eps = machine_eps(problem.dtype) if eps is None else eps
    arg = _argument_rounding(problem, F, plan, steps, scales)
    D, R = [], []
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        for lv, sc in enumerate(scales):
            den = formula.denominators(steps, sc)
            absden = np.abs(den) if isinstance(den, np.ndarray) else [np.abs(d) for d in den]
            D.append(divide(sums[lv * E:(lv + 1) * E], den))
            R.append(eps * divide(mags[lv * E:(lv + 1) * E] + arg * formula.abs_weight_sum, absden))
    return Levels(F, np.stack(D), np.stack(R), tuple(scales), first, plan)


def _argument_rounding(problem: Any, F: np.ndarray, plan: Plan, steps: Any, scales: Sequence[float]) -> float:
    """``|x| |f'|``: the error of f at a perturbed point from rounding the point itself (x + o h is stored
    with an error of eps |x|), which dominates ``eps |f|`` where f is small (cos near pi/2). |f'| is read
    off the values: the largest change of f over the largest perturbation."""
    finite = np.isfinite(F)
    if F.shape[0] < 2 or F[0].size == 0 or not finite.all():
        return 0.0
    change = float(np.max(np.abs(F[1:] - F[:1])))
    xs = [np.abs(np.asarray(x, dtype=float)) for x in problem.xs]
    xscale = max((float(np.max(a)) for a in xs if a.size), default=0.0)
    hmax = max((float(np.max(np.abs(np.asarray(s, dtype=float)))) for s in steps if np.size(s)), default=0.0)
    reach = hmax * max(scales) * max((abs(m) for p in plan.points.points for _, m in p), default=1.0)
    return xscale * change / reach if reach > 0 else 0.0
