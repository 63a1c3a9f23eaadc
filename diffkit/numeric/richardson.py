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
from ..errors import ArgumentError
from .engine import hessian_from_entries, pack_value, richardson
from .estimates import extrapolate
from .finite_diff import expr_info, judge_expr
from .formulas import Formula
from .points import ExprProblem, checked_step, relative_steps
from .stencils import default_accuracy, scheme_name, stencil

__all__ = ["Richardson", "extrapolate"]


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
        step = checked_step(h) if not isinstance(h, str) else None
        if step is None:
            raise ArgumentError(f"h must be a positive number (the largest relative step), got {h!r}")
        if not isinstance(levels, (int, np.integer)) or isinstance(levels, bool) or not 2 <= levels <= 64:
            raise ArgumentError(f"levels must be an integer from 2 to 64, got {levels!r}")
        if isinstance(ratio, (bool, str)) or not (np.isfinite(ratio) and ratio > 1):
            raise ArgumentError(f"ratio must be a number > 1, got {ratio!r}")
        if step / float(ratio) ** (levels - 1) <= 0:
            raise ArgumentError("the smallest step h / ratio^(levels - 1) underflows to 0; use fewer levels")
        self.h, self.levels, self.ratio = step, int(levels), float(ratio)

    name = "richardson"

    def __repr__(self) -> str:
        return (f"Richardson(scheme={self.scheme!r}, accuracy={self.accuracy}, h={self.h!r}, "
                f"levels={self.levels}, ratio={self.ratio!r})")

    def _estimate(self, f: Any, values: dict, wrt: tuple, formula: Formula, kind: str) -> tuple:
        problem = ExprProblem(f, values, wrt)
        steps = [relative_steps(self.h, x, n) for x, n in zip(problem.x, problem.names)]
        raw = richardson(problem, formula, steps, self.levels, self.ratio)
        judge_expr(self, problem, formula, raw, steps, kind, self.h, self.scheme, self.accuracy)
        info = expr_info(problem, raw, steps, scheme=scheme_name(self.scheme, self.accuracy), levels=self.levels,
                         ratio=self.ratio)
        return raw, info

    def _jacobian(self, f: Any, values: dict, wrt: tuple) -> tuple:
        raw, info = self._estimate(f, values, wrt, Formula.jacobian(len(wrt), self.scheme, self.accuracy), "jacobian")
        return (pack_value(raw.F[0]), np.swapaxes(raw.value, 0, 1),
                {"info": info, "error_estimate": _plain(np.swapaxes(raw.error, 0, 1))})

    def _gradient(self, f: Any, values: dict, wrt: tuple) -> tuple:
        raw, info = self._estimate(f, values, wrt, Formula.jacobian(len(wrt), self.scheme, self.accuracy), "gradient")
        return (pack_value(raw.F[0]), [raw.value[j, 0] for j in range(len(wrt))],
                {"info": info, "error_estimate": _plain(raw.error[:, 0])})

    def _hessian(self, f: Any, values: dict, wrt: tuple) -> tuple:
        n = len(wrt)
        raw, info = self._estimate(f, values, wrt, Formula.hessian(n, self.scheme, self.accuracy), "hessian")
        return (pack_value(raw.F[0]), hessian_from_entries(raw.value[:, 0], n),
                {"info": info, "error_estimate": hessian_from_entries(raw.error[:, 0], n)})

    def _derivative(self, f: Any, values: dict, wrt: str, order: int) -> tuple:
        raw, info = self._estimate(f, values, (wrt,), Formula.derivative(order, self.scheme, self.accuracy),
                                   "derivative")
        return pack_value(raw.F[0]), raw.value[0, 0], {"info": info, "error_estimate": _plain(raw.error[0, 0])}


def _plain(a: Any) -> Any:
    a = np.asarray(a)
    return a.item() if a.ndim == 0 else a
