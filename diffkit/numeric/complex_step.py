"""The complex-step derivative: ``f'(x) = Im f(x + ih) / h``, with no subtraction to cancel.

Because nothing is subtracted, h can be tiny (1e-20) and the error is at the
level of one rounding of f'. It needs f to be complex-analytic along the
path: ``abs``, ``relu``, ``maximum``, comparisons and the like are not, and
give wrong derivatives (a :class:`~diffkit.numeric.NumericWarning` says so).
Hessians and higher derivatives combine one complex step with a central
difference of the real part: ``Im[f(x + ih + d) - f(x + ih - d)] / (2 h d)``.

Example
-------
>>> import diffkit as dk, math
>>> r = dk.ComplexStep().derivative("exp(x)", at={"x": 1.0})
>>> abs(r.derivative - math.e) <= 1e-15
True
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ..compare.base import Differentiator
from ..errors import ArgumentError, DiffkitError
from .finite_diff import divide, hessian_from_entries, hessian_pairs, pack_value, run_plan
from .points import ExprProblem, NumericWarning, Plan, checked_step, relative_steps
from .stencils import stencil
from .theory import optimal_step

__all__ = ["ComplexStep"]


def _check_analytic(f: Any) -> None:
    # each op of the table says whether, and why not, the complex step applies to it
    why = {op.name: op.complex_step for op in (f.graph.nodes[i].op for i in f.graph.op_nodes) if op.complex_step}
    if why:
        warnings.warn("the complex step needs a complex-analytic function, but this one uses "
                      f"{'; '.join(f'{name} ({why[name]})' for name in sorted(why))}; "
                      "its derivative estimates may be wrong (use FiniteDiff or an AD method)",
                      NumericWarning, stacklevel=5)


def _off_the_real_line(F: np.ndarray, *estimates: np.ndarray) -> None:
    """nan (and a warning) where f is not real at the point itself.

    Outside f's real domain (log or sqrt of a negative number, a negative base
    to a fractional power) the complex evaluation quietly continues f onto a
    complex branch: ``f(x + i0)`` has a sizeable imaginary part and
    ``Im f(x + ih) / h`` is about ``1/h``, not a derivative. Real arithmetic
    gives nan there, and so do the other methods; so does this one.
    ``estimates`` have the centre's shape ``(m, *grid)`` after their leading axis.
    """
    centre = F[0]
    if not np.iscomplexobj(centre):
        return
    bad = np.abs(centre.imag) > 1e-8 * np.abs(centre)
    if not bad.any():
        return
    warnings.warn("the function is not real-valued at the point (outside its real domain, e.g. log or sqrt "
                  "of a negative number): the complex step's value and derivative are nan there, as real "
                  "arithmetic gives", NumericWarning, stacklevel=5)
    centre.real[bad] = np.nan
    for est in estimates:
        est[:, bad] = np.nan


class ComplexStep(Differentiator):
    """Complex-step differentiation, ``Im f(x + ih) / h``.

    Parameters
    ----------
    h : float, optional
        The imaginary step (absolute). It only has to be small: 1e-20 by default (also for None).

    Example
    -------
    >>> import diffkit as dk
    >>> r = dk.ComplexStep().gradient("log(x1) + x1*x2 - sin(x2)", at={"x1": 2.0, "x2": 5.0})
    >>> r.gradient["x1"], round(r.gradient["x2"], 12)
    (5.5, 1.716337814537)
    >>> H = dk.ComplexStep().hessian("x^2 * y", at={"x": 1.0, "y": 2.0}).hessian
    >>> H.round(6).tolist()
    [[4.0, 2.0], [2.0, 0.0]]
    """

    name = "complex-step"

    def __init__(self, h: float | None = 1e-20):
        try:  # no "auto" here: any tiny step will do
            step = 1e-20 if h is None else None if isinstance(h, str) else checked_step(h)
        except ArgumentError:
            step = None
        if step is None:
            raise ArgumentError(f"h must be a positive number (or None for the default 1e-20), got {h!r}")
        self.h = step

    def __repr__(self) -> str:
        return f"ComplexStep(h={self.h!r})"

    def _problem(self, f: Any, values: dict, wrt: tuple) -> ExprProblem:
        _check_analytic(f)
        return ExprProblem(f, values, wrt)

    def _info(self, problem: ExprProblem, plan: Plan, extra: dict | None = None) -> dict:
        info = {"h": self.h, "points": len(plan.points)}
        info.update(extra or {})
        return {"info": info}

    def _jacobian(self, f: Any, values: dict, wrt: tuple) -> tuple:
        problem = self._problem(f, values, wrt)
        steps = [np.asarray(self.h, dtype=problem.dtype)] * problem.n
        plan = Plan(problem.n)
        for v in range(problem.n):
            plan.term(v, plan.points.add(((v, 1j),)), 1.0)
        F, sums = run_plan(problem, plan, steps)
        J = divide(sums.imag, steps)
        _off_the_real_line(F, J)
        return pack_value(F[0].real), np.swapaxes(J, 0, 1), self._info(problem, plan)

    def _real_steps(self, problem: ExprProblem, order: int) -> list[np.ndarray]:
        # The real part is a central difference of one order lower than asked.
        h = optimal_step("central", 2, problem.dtype, order=order).h
        return [relative_steps(h, x, n) for x, n in zip(problem.x, problem.names)]

    def _hessian(self, f: Any, values: dict, wrt: tuple) -> tuple:
        problem = self._problem(f, values, wrt)
        d = self._real_steps(problem, 1)
        first = stencil("central", 1, 2)
        pairs = hessian_pairs(problem.n)
        plan = Plan(len(pairs))
        for e, (i, j) in enumerate(pairs):
            for o, w in zip(first.offsets, first.weights):
                imag = self.h / d[i]
                if np.ndim(imag):
                    raise DiffkitError("ComplexStep.hessian needs scalar variables (grid points are not supported)")
                if i == j:
                    pt = ((i, o + 1j * float(imag)),)
                else:
                    pt = ((i, 1j * float(imag)), (j, o))
                plan.term(e, plan.points.add(pt), float(w))
        F, sums = run_plan(problem, plan, d)
        denoms = [self.h * d[j] for _, j in pairs]
        entries = divide(sums.imag, denoms)
        _off_the_real_line(F, entries)
        entries = entries[:, 0]
        return (pack_value(F[0].real), hessian_from_entries(entries, problem.n),
                self._info(problem, plan, {"real_step": {n: s.item() for n, s in zip(problem.names, d)}}))

    def _derivative(self, f: Any, values: dict, wrt: str, order: int) -> tuple:
        if order == 1:
            value, J, extra = self._jacobian(f, values, (wrt,))
            return value, J[0, 0], extra
        problem = self._problem(f, values, (wrt,))
        d = self._real_steps(problem, order - 1)
        st = stencil("central", order - 1, 2)
        plan = Plan(1)
        imag = self.h / d[0]
        if np.ndim(imag):
            raise DiffkitError("ComplexStep derivatives of order > 1 need a scalar variable")
        for o, w in zip(st.offsets, st.weights):
            plan.term(0, plan.points.add(((0, o + 1j * float(imag)),)), float(w))
        F, sums = run_plan(problem, plan, d)
        der = divide(sums.imag, [self.h * d[0] ** (order - 1)])
        _off_the_real_line(F, der)
        der = der[0, 0]
        return pack_value(F[0].real), der, self._info(problem, plan, {"real_step": d[0].item()})
