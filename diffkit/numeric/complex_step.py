"""The complex-step derivative: ``f'(x) = Im f(x + ih) / h``, with no subtraction to cancel.

Because nothing is subtracted, h can be tiny (1e-20) and the error is at the
level of one rounding of f'. It needs f to be complex-analytic along the
path: ``abs``, ``relu``, ``maximum``, comparisons and the like are not, and
give wrong derivatives (a :class:`~diffkit.numeric.NumericWarning` says so).
Hessians and higher derivatives combine one complex step with a central
difference of the real part, ``Im[f(x + ih + d) - f(x + ih - d)] / (2 h d)``
for the second derivative, of accuracy ``real_accuracy`` (4 by default) and
real step ``real_h`` (relative, as FiniteDiff's h; by default the model's
optimum). Every result carries a measured error estimate: a second imaginary
step 2h for first derivatives, real steps 2d and 4d for the others.

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
from .engine import complex_higher, complex_jacobian, hessian_from_entries, pack_value
from .finite_diff import expr_info, judge_expr
from .formulas import Formula
from .points import ExprProblem, NumericWarning, checked_imaginary_step, checked_step, relative_steps
from .theory import optimal_step

__all__ = ["ComplexStep", "real_accuracy_for"]



def real_accuracy_for(order: int) -> int:
    """The default accuracy of the real central difference for a derivative of ``order`` (Hessians: 2):
    4 up to the third derivative, 8 beyond (the error of high orders falls from 6e-7 to 1e-9 for exp^(7)).

    Example
    -------
    >>> from diffkit.numeric.complex_step import real_accuracy_for
    >>> real_accuracy_for(2), real_accuracy_for(7)
    (4, 8)
    """
    return 4 if order <= 3 else 8


def _check_analytic(f: Any) -> None:
    # each op of the table says whether, and why not, the complex step applies to it
    why = {op.name: op.complex_step for op in (f.graph.nodes[i].op for i in f.graph.op_nodes) if op.complex_step}
    if why:
        warnings.warn("the complex step needs a complex-analytic function, but this one uses "
                      f"{'; '.join(f'{name} ({why[name]})' for name in sorted(why))}; "
                      "its derivative estimates may be wrong (use FiniteDiff or an AD method)",
                      NumericWarning, stacklevel=5)


def _off_the_real_line(F: np.ndarray, *estimates: np.ndarray) -> None:
    """nan (and a warning) where f is not real at the point itself; ``estimates`` become nan there.

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
        The imaginary step (absolute). It only has to be small: 1e-20 by default (also for None);
        one larger than the point's scale ``max(|x|, 1)`` is refused.
    real_h : "auto" or float
        Relative real step of the central difference that Hessians and derivatives of
        order >= 2 take of ``Im f`` (the step is ``real_h * max(|x|, 1)``); ``"auto"`` is the
        truncation + rounding model's optimum.
    real_accuracy : int, optional
        Accuracy order of that central difference (even; by default 4 for Hessians and derivatives
        up to the third, 8 beyond).

    Example
    -------
    >>> import diffkit as dk
    >>> r = dk.ComplexStep().gradient("log(x1) + x1*x2 - sin(x2)", at={"x1": 2.0, "x2": 5.0})
    >>> r.gradient["x1"], round(r.gradient["x2"], 12)
    (5.5, 1.716337814537)
    >>> H = dk.ComplexStep(real_h=1e-4).hessian("x^2 * y", at={"x": 1.0, "y": 2.0}).hessian
    >>> H.round(6).tolist()
    [[4.0, 2.0], [2.0, 0.0]]
    """

    name = "complex-step"

    def __init__(self, h: float | None = 1e-20, real_h: str | float = "auto", real_accuracy: int | None = None):
        step = checked_imaginary_step(h)
        real = checked_step(real_h)
        if real_accuracy is not None and (isinstance(real_accuracy, bool) or not isinstance(
                real_accuracy, (int, np.integer)) or real_accuracy < 2 or real_accuracy % 2):
            raise ArgumentError(f"real_accuracy must be an even integer >= 2, got {real_accuracy!r}")
        self.h, self.real_h = step, "auto" if real is None else real
        self.real_accuracy = None if real_accuracy is None else int(real_accuracy)

    def __repr__(self) -> str:
        return f"ComplexStep(h={self.h!r}, real_h={self.real_h!r}, real_accuracy={self.real_accuracy})"

    def _problem(self, f: Any, values: dict, wrt: tuple) -> ExprProblem:
        _check_analytic(f)
        return ExprProblem(f, values, wrt)

    def _first(self, f: Any, values: dict, wrt: tuple, kind: str, depth: int = 7) -> tuple:
        problem = self._problem(f, values, wrt)
        raw = complex_jacobian(problem, self.h)
        _off_the_real_line(raw.F, raw.value, raw.error)
        formula = Formula.jacobian(problem.n, "central", 2)
        judge_expr(self, problem, formula, raw, [self.h] * problem.n, kind, self.h, suggest=False, stacklevel=depth)
        return raw, {"h": self.h, "points": raw.points, "error": raw.how}

    def _jacobian(self, f: Any, values: dict, wrt: tuple) -> tuple:
        raw, info = self._first(f, values, wrt, "jacobian")
        return (pack_value(raw.F[0].real), np.swapaxes(raw.value, 0, 1),
                {"info": info, "error_estimate": np.swapaxes(raw.error, 0, 1)})

    def _gradient(self, f: Any, values: dict, wrt: tuple, depth: int = 7) -> tuple:
        raw, info = self._first(f, values, wrt, "gradient", depth)
        return (pack_value(raw.F[0].real), [raw.value[j, 0] for j in range(len(wrt))],
                {"info": info, "error_estimate": _plain(raw.error[:, 0])})

    def _accuracy(self, order: int) -> int:
        return real_accuracy_for(order) if self.real_accuracy is None else self.real_accuracy

    def _real_steps(self, problem: ExprProblem, order: int, accuracy: int) -> tuple[list[np.ndarray], float]:
        h = optimal_step("central", accuracy, problem.dtype, order=order).h if self.real_h == "auto" else self.real_h
        return [relative_steps(h, x, n) for x, n in zip(problem.x, problem.names)], h

    def _higher(self, f: Any, values: dict, wrt: tuple, formula: Formula, kind: str) -> tuple:
        problem = self._problem(f, values, wrt)
        accuracy = formula.first.accuracy
        d, h_rel = self._real_steps(problem, formula.first.order, accuracy)
        if any(np.ndim(s) for s in d):
            raise DiffkitError(f"ComplexStep.{kind} needs scalar variables (grid points are not supported); "
                               "use FiniteDiff for a grid")
        raw = complex_higher(problem, formula, d, self.h)
        _off_the_real_line(raw.F, raw.value, raw.error)
        names = None if formula.kind == "hessian" else \
            [f"d{formula.k + 1}/d{nm}{formula.k + 1}" for nm in problem.names]
        judge_expr(self, problem, formula, raw, d, kind, h_rel, "central", accuracy, names=names)
        info = expr_info(problem, raw, d, real_accuracy=accuracy)
        info["real_step"] = info.pop("h")
        info["h"] = self.h
        return raw, info

    def _hessian(self, f: Any, values: dict, wrt: tuple) -> tuple:
        n = len(wrt)
        raw, info = self._higher(f, values, wrt, Formula.hessian(n, "central", self._accuracy(2)), "hessian")
        return (pack_value(raw.F[0].real), hessian_from_entries(raw.value[:, 0], n),
                {"info": info, "error_estimate": hessian_from_entries(raw.error[:, 0], n)})

    def _derivative(self, f: Any, values: dict, wrt: str, order: int) -> tuple:
        if order == 1:
            value, grads, extra = self._gradient(f, values, (wrt,), depth=8)
            extra["error_estimate"] = _plain(np.asarray(extra["error_estimate"])[0])
            return value, grads[0], extra
        raw, info = self._higher(f, values, (wrt,),
                                 Formula.derivative(order - 1, "central", self._accuracy(order)), "derivative")
        info["real_step"] = info["real_step"][wrt]
        return pack_value(raw.F[0].real), raw.value[0, 0], {"info": info, "error_estimate": _plain(raw.error[0, 0])}


def _plain(a: Any) -> Any:
    a = np.asarray(a)
    return a.item() if a.ndim == 0 else a
