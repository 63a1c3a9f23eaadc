"""Finite differences of any scheme and accuracy order, as a :class:`~diffkit.Differentiator`.

Steps are relative, ``h * max(|x|, 1)``, and the representable step
``(x + h) - x`` is the one divided by. ``h="auto"`` takes the optimal step of
the truncation + rounding model (:func:`~diffkit.numeric.optimal_step`) for
unit scales. All perturbed points of a gradient, Jacobian or Hessian are
stacked and the Expr is evaluated in one call; ``Result.ops.evals`` counts
the function values that call computed (``Result.info["points"]``), which is
what a finite-difference estimate costs.

Example
-------
>>> import diffkit as dk
>>> r = dk.FiniteDiff().gradient("log(x1) + x1*x2 - sin(x2)", at={"x1": 2.0, "x2": 5.0})
>>> {k: round(v, 8) for k, v in r.gradient.items()}
{'x1': 5.5, 'x2': 1.71633781}
>>> r.method, r.info["points"], r.ops.evals
('central', 5, 5)
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np

from ..compare.base import Differentiator
from .points import ExprProblem, Plan, checked_step, relative_steps
from .stencils import Stencil, default_accuracy, scheme_name, stencil
from .theory import optimal_step

__all__ = ["FiniteDiff", "jacobian_plan", "hessian_plan", "derivative_plan", "run_plan", "pack_value"]


def jacobian_plan(n: int, st: Stencil, scale: float = 1.0, plan: Plan | None = None,
                  first_entry: int = 0) -> Plan:
    """Entries ``first_entry + v``: the stencil's derivative along variable ``v`` (step ``scale * h_v``)."""
    if plan is None and first_entry == 0:
        return _fresh_jacobian_plan(n, st, scale)  # plans are only read once built: share them
    plan = plan if plan is not None else Plan(first_entry + n)
    for v in range(n):
        for o, w in zip(st.offsets, st.weights):
            plan.term(first_entry + v, plan.points.add(((v, o * scale),)), float(w))
    return plan


@lru_cache(maxsize=64)
def _fresh_jacobian_plan(n: int, st: Stencil, scale: float) -> Plan:
    return jacobian_plan(n, st, scale, Plan(n))


def hessian_pairs(n: int) -> list[tuple[int, int]]:
    """The ``(i, j)``, ``i <= j``, in entry order."""
    return [(i, j) for i in range(n) for j in range(i, n)]


def hessian_plan(n: int, first: Stencil, second: Stencil, scale: float = 1.0, plan: Plan | None = None,
                 first_entry: int = 0) -> Plan:
    """Upper-triangle Hessian entries: ``second`` on the diagonal, ``first x first`` off it."""
    pairs = hessian_pairs(n)
    plan = plan if plan is not None else Plan(first_entry + len(pairs))
    for e, (i, j) in enumerate(pairs):
        if i == j:
            for o, w in zip(second.offsets, second.weights):
                plan.term(first_entry + e, plan.points.add(((i, o * scale),)), float(w))
        else:
            for oi, wi in zip(first.offsets, first.weights):
                for oj, wj in zip(first.offsets, first.weights):
                    plan.term(first_entry + e, plan.points.add(((i, oi * scale), (j, oj * scale))),
                              float(wi * wj))
    return plan


def derivative_plan(st: Stencil, scale: float = 1.0, plan: Plan | None = None, first_entry: int = 0) -> Plan:
    """Entry ``first_entry``: the stencil's derivative of variable 0."""
    return jacobian_plan(1, st, scale, plan, first_entry)


def hessian_denominators(steps: Sequence[Any], scale: float = 1.0) -> list[Any]:
    return [(steps[i] * scale) * (steps[j] * scale) for i, j in hessian_pairs(len(steps))]


def run_plan(problem: Any, plan: Plan, steps: Sequence[Any]) -> tuple[np.ndarray, np.ndarray]:
    """Evaluate the plan's points and combine: ``(F, sums)`` with ``F[0]`` the centre value."""
    F = problem.evaluate(plan.points, steps)
    problem.check(F, plan.points, steps)
    return F, plan.combine(F)


def divide(sums: np.ndarray, denoms: Sequence[Any]) -> np.ndarray:
    """``sums[e] / denoms[e]``, broadcasting each denominator over the output axis."""
    if all(np.ndim(d) == 0 for d in denoms):  # scalar steps: one vectorised division
        d = np.asarray(denoms).reshape((len(denoms),) + (1,) * (sums.ndim - 1))
        return sums / d
    out = np.empty_like(sums)
    for e, d in enumerate(denoms):
        d = np.asarray(d)
        out[e] = sums[e] / d.reshape((1,) * (sums.ndim - 1 - d.ndim) + d.shape)
    return out


def pack_value(center: np.ndarray) -> Any:
    """The function value from the centre row ``(m, *grid)``: one output or a tuple."""
    vals = [np.asarray(c)[()] if np.ndim(c) == 0 else np.asarray(c) for c in center]
    return vals[0] if len(vals) == 1 else tuple(vals)


def hessian_from_entries(entries: np.ndarray, n: int) -> np.ndarray:
    """``(n, n, *rest)`` symmetric Hessian from upper-triangle entries ``(E, *rest)``."""
    H = np.empty((n, n) + entries.shape[1:], dtype=entries.dtype)
    for e, (i, j) in enumerate(hessian_pairs(n)):
        H[i, j] = H[j, i] = entries[e]
    return H


class FiniteDiff(Differentiator):
    """Finite differences: forward, backward or central, of any accuracy order.

    Parameters
    ----------
    scheme : {"central", "forward", "backward"}
    accuracy : int, optional
        Accuracy order p of the stencil (error ~ h^p); default 1 for one-sided
        schemes, 2 for central (which needs an even p).
    h : "auto" or float
        Relative step (the step used is ``h * max(|x|, 1)``, rounded to a
        representable step). ``"auto"`` takes the model's optimal step
        (:func:`~diffkit.numeric.optimal_step`) for the point's dtype.

    Attributes
    ----------
    name : str
        ``"forward"``, ``"backward"``, ``"central"``, or with a non-default
        accuracy ``"central-4"``, ``"forward-2"``...

    Example
    -------
    >>> import diffkit as dk, math
    >>> r = dk.FiniteDiff("central", accuracy=4).derivative("exp(x)", at={"x": 1.0})
    >>> r.method, abs(r.derivative - math.e) < 1e-12
    ('central-4', True)
    >>> r2 = dk.FiniteDiff().derivative("sin(x)", at={"x": 0.5}, order=2)
    >>> round(r2.derivative, 6)
    -0.479426
    """

    def __init__(self, scheme: str = "central", accuracy: int | None = None, h: str | float = "auto"):
        self.scheme = scheme
        self.accuracy = default_accuracy(scheme) if accuracy is None else accuracy
        stencil(scheme, 1, self.accuracy)  # validates scheme and accuracy now
        step = checked_step(h)
        self.h = "auto" if step is None else step

    @property
    def name(self) -> str:  # type: ignore[override]
        return scheme_name(self.scheme, self.accuracy)

    def __repr__(self) -> str:
        return f"FiniteDiff(scheme={self.scheme!r}, accuracy={self.accuracy}, h={self.h!r})"

    def nominal_step(self, dtype: Any, order: int = 1) -> float:
        """The relative step before scaling by ``max(|x|, 1)``."""
        if self.h == "auto":
            return optimal_step(self.scheme, self.accuracy, dtype, order=order).h
        return self.h

    def _steps(self, problem: Any, order: int) -> list[np.ndarray]:
        h = self.nominal_step(problem.dtype, order)
        return [relative_steps(h, x, name) for x, name in zip(problem.x, problem.names)]

    def _info(self, problem: Any, plan: Plan, steps: Sequence[Any]) -> dict:
        return {"info": {"scheme": self.scheme, "accuracy": self.accuracy, "points": len(plan.points),
                         "h": {n: (s.item() if np.ndim(s) == 0 else s) for n, s in zip(problem.names, steps)}}}

    def _jacobian(self, f: Any, values: dict, wrt: tuple) -> tuple:
        problem = ExprProblem(f, values, wrt)
        steps = self._steps(problem, 1)
        plan = jacobian_plan(problem.n, stencil(self.scheme, 1, self.accuracy))
        F, sums = run_plan(problem, plan, steps)
        J = divide(sums, steps)  # (n, m, *grid)
        return pack_value(F[0]), np.swapaxes(J, 0, 1), self._info(problem, plan, steps)

    def _hessian(self, f: Any, values: dict, wrt: tuple) -> tuple:
        problem = ExprProblem(f, values, wrt)
        steps = self._steps(problem, 2)
        first, second = stencil(self.scheme, 1, self.accuracy), stencil(self.scheme, 2, self.accuracy)
        plan = hessian_plan(problem.n, first, second)
        F, sums = run_plan(problem, plan, steps)
        entries = divide(sums, hessian_denominators(steps))[:, 0]
        return pack_value(F[0]), hessian_from_entries(entries, problem.n), self._info(problem, plan, steps)

    def _derivative(self, f: Any, values: dict, wrt: str, order: int) -> tuple:
        problem = ExprProblem(f, values, (wrt,))
        steps = self._steps(problem, order)
        plan = derivative_plan(stencil(self.scheme, order, self.accuracy))
        F, sums = run_plan(problem, plan, steps)
        d = divide(sums, [steps[0] ** order])[0, 0]
        return pack_value(F[0]), d, self._info(problem, plan, steps)
