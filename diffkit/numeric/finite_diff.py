"""Finite differences of any scheme and accuracy order, as a :class:`~diffkit.Differentiator`.

Steps are relative, ``h * max(|x|, 1)`` per coordinate, and the representable
step ``(x + h) - x`` is the one divided by. ``h="auto"`` takes the optimal step
of the truncation + rounding model (:func:`~diffkit.numeric.optimal_step`) for
unit scales. All perturbed points of a gradient, Jacobian or Hessian are
stacked and the Expr is evaluated in one call; ``Result.ops.evals`` counts
the function values that call computed (``Result.info["points"]``), which is
what a finite-difference estimate costs.

``Result.error_estimate`` (the shape of ``Result.array``) is the modelled error
for gradients and Jacobians, and the measured one (the quotient also taken at
2h and 4h) for Hessians and derivatives: see :mod:`diffkit.numeric.estimates`.
A result whose estimated error is large, or whose steps were too large for the
function's scale, gives a :class:`~diffkit.numeric.NumericWarning` naming the
entry and a better h.

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
from typing import Any

import numpy as np

from ..compare.base import Differentiator
from .engine import Raw, finite_difference, hessian_from_entries, pack_value, suggester
from .estimates import judge
from .formulas import Formula
from .points import ExprProblem, checked_step, relative_steps
from .stencils import default_accuracy, scheme_name, stencil
from .theory import optimal_step

__all__ = ["FiniteDiff", "expr_info", "judge_expr"]


def expr_info(problem: ExprProblem, raw: Raw, steps: Sequence[Any], **info: Any) -> dict:
    """``Result.info`` of a numeric method on an Expr: points, steps and how the error was estimated."""
    info.update(points=raw.points, error=raw.how,
                h={n: (s.item() if np.ndim(s) == 0 else s) for n, s in zip(problem.names, steps)})
    return info


def judge_expr(method: Any, problem: ExprProblem, formula: Formula, raw: Raw, steps: Sequence[Any], kind: str,
               h_rel: float, scheme: str = "central", accuracy: int = 2, stacklevel: int = 7,
               names: list[str] | None = None, suggest: bool = True) -> None:
    """Warn about a probably wrong entry, naming it (``d/dx1``) and a better h; ``stacklevel`` 7 is the user's
    line for user <- Differentiator.gradient <- _run <- _gradient <- _estimate <- judge_expr <- judge."""
    judge(raw.value, raw.error, raw.reliable, names or formula.entry_names(problem.names), problem.dtype,
          what=f"{method.name} {kind}", rounding=raw.rounding,
          suggest=(lambda: suggester(problem, formula, raw, steps, h_rel, scheme, accuracy)) if suggest else None,
          stacklevel=stacklevel)


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

    def _steps(self, problem: Any, order: int) -> tuple[list[np.ndarray], float]:
        h = self.nominal_step(problem.dtype, order)
        return [relative_steps(h, x, name) for x, name in zip(problem.x, problem.names)], h

    def _estimate(self, f: Any, values: dict, wrt: tuple, formula: Formula, kind: str) -> tuple:
        problem = ExprProblem(f, values, wrt)
        steps, h = self._steps(problem, formula.k)
        raw = finite_difference(problem, formula, steps, measured=formula.kind != "jacobian")
        judge_expr(self, problem, formula, raw, steps, kind, h, self.scheme, self.accuracy)
        return problem, raw, expr_info(problem, raw, steps, scheme=self.scheme, accuracy=self.accuracy)

    def _jacobian(self, f: Any, values: dict, wrt: tuple) -> tuple:
        _, raw, info = self._estimate(f, values, wrt, Formula.jacobian(len(wrt), self.scheme, self.accuracy),
                                      "jacobian")
        J, err = np.swapaxes(raw.value, 0, 1), np.swapaxes(raw.error, 0, 1)  # (m, n, *grid)
        return pack_value(raw.F[0]), J, {"info": info, "error_estimate": err}

    def _gradient(self, f: Any, values: dict, wrt: tuple) -> tuple:
        _, raw, info = self._estimate(f, values, wrt, Formula.jacobian(len(wrt), self.scheme, self.accuracy),
                                      "gradient")
        return (pack_value(raw.F[0]), [raw.value[j, 0] for j in range(len(wrt))],
                {"info": info, "error_estimate": _plain(raw.error[:, 0])})

    def _hessian(self, f: Any, values: dict, wrt: tuple) -> tuple:
        _, raw, info = self._estimate(f, values, wrt, Formula.hessian(len(wrt), self.scheme, self.accuracy),
                                      "hessian")
        n = len(wrt)
        return (pack_value(raw.F[0]), hessian_from_entries(raw.value[:, 0], n),
                {"info": info, "error_estimate": hessian_from_entries(raw.error[:, 0], n)})

    def _derivative(self, f: Any, values: dict, wrt: str, order: int) -> tuple:
        _, raw, info = self._estimate(f, values, (wrt,), Formula.derivative(order, self.scheme, self.accuracy),
                                      "derivative")
        return pack_value(raw.F[0]), raw.value[0, 0], {"info": info, "error_estimate": _plain(raw.error[0, 0])}


def _plain(a: Any) -> Any:
    a = np.asarray(a)
    return a.item() if a.ndim == 0 else a
