"""A line search satisfying the strong Wolfe conditions, for :class:`~diffkit.optim.LBFGS`.

The bracketing-then-zoom search of Nocedal and Wright (Algorithms 3.5 and
3.6) with safeguarded cubic interpolation, in the variant minFunc and
PyTorch's ``LBFGS(line_search_fn="strong_wolfe")`` use, decision for decision,
so the two optimizers take the same steps. Scalars stay NumPy scalars of the
parameters' dtype where PyTorch's stay 0-d tensors, so the arithmetic rounds
alike in float32 too.

Example
-------
>>> import numpy as np
>>> from diffkit.optim.line_search import strong_wolfe
>>> def phi(x, t, d):                         # f(x) = sum(x^2) along x + t d
...     z = x + t * d
...     return float(z @ z), 2 * z
>>> x = np.array([1.0, 2.0]); g = 2 * x; d = -g
>>> f, g_new, t, evals = strong_wolfe(phi, x, 1.0, d, float(x @ x), g, float(g @ d))
>>> round(float(t), 6), round(f, 12)            # the exact minimiser along d is t = 1/2
(0.5, 0.0)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["cubic_interpolate", "strong_wolfe"]


def cubic_interpolate(x1: Any, f1: Any, g1: Any, x2: Any, f2: Any, g2: Any,
                      bounds: tuple[Any, Any] | None = None) -> Any:
    """Minimiser of the cubic through ``(x1, f1)``, ``(x2, f2)`` with slopes ``g1``, ``g2``, clamped to ``bounds``.

    Without real minimiser (the cubic's discriminant is negative) it returns
    the middle of the bounds. ``bounds`` defaults to the interval between the
    two points.

    Example
    -------
    >>> from diffkit.optim.line_search import cubic_interpolate
    >>> float(cubic_interpolate(0.0, 1.0, -2.0, 2.0, 1.0, 2.0))   # (x - 1)^2: minimum at 1
    1.0
    """
    lo, hi = bounds if bounds is not None else ((x1, x2) if x1 <= x2 else (x2, x1))
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    disc = d1**2 - g1 * g2
    if not disc >= 0:  # no real minimiser (or a nan): bisect
        return (lo + hi) / 2.0
    d2 = np.sqrt(disc)
    if x1 <= x2:
        best = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
    else:
        best = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
    return min(max(best, lo), hi)


def strong_wolfe(phi: Callable[[Any, Any, Any], tuple[float, Any]], x: Any, t: Any, d: Any, f: float, g: Any,
                 gtd: Any, c1: float = 1e-4, c2: float = 0.9, tolerance_change: float = 1e-9,
                 max_ls: int = 25) -> tuple[float, Any, Any, int]:
    """Find a step ``t`` along ``d`` from ``x`` that meets the strong Wolfe conditions.

    ``phi(x, t, d)`` returns the loss and the flat gradient at ``x + t d``;
    ``f``, ``g`` and ``gtd = g . d`` are those at ``t = 0``. Sufficient
    decrease ``f(t) <= f + c1 t gtd`` and curvature ``|g(t) . d| <= -c2 gtd``.
    Returns ``(f(t), g(t), t, evaluations)``; after ``max_ls`` evaluations it
    returns the best point found.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.optim.line_search import strong_wolfe
    >>> phi = lambda x, t, d: (float(((x + t * d - 3.0) ** 2).sum()), 2 * (x + t * d - 3.0))
    >>> x = np.array([0.0]); g = np.array([-6.0])
    >>> f, g1, t, n = strong_wolfe(phi, x, 1.0, -g, 9.0, g, float(g @ -g))
    >>> round(float(t), 6), n
    (0.5, 2)
    """
    d_norm = np.max(np.abs(d))
    g = g.copy()
    f_new, g_new = phi(x, t, d)
    evals = 1
    gtd_new = g_new.dot(d)

    # bracketing phase: grow t until an interval holds a point that meets the conditions
    t_prev, f_prev, g_prev, gtd_prev = 0, f, g, gtd
    done = False
    it = 0
    while it < max_ls:
        if f_new > (f + c1 * t * gtd) or (it > 1 and f_new >= f_prev):
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new.copy()], [gtd_prev, gtd_new]
            break
        if abs(gtd_new) <= -c2 * gtd:
            bracket, bracket_f, bracket_g = [t], [f_new], [g_new]
            done = True
            break
        if gtd_new >= 0:
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new.copy()], [gtd_prev, gtd_new]
            break
        # extrapolate by a cubic, kept within [t + (t - t_prev) / 100, 10 t]
        lo, hi = t + 0.01 * (t - t_prev), t * 10
        t_prev, t = t, cubic_interpolate(t_prev, f_prev, gtd_prev, t, f_new, gtd_new, bounds=(lo, hi))
        f_prev, g_prev, gtd_prev = f_new, g_new.copy(), gtd_new
        f_new, g_new = phi(x, t, d)
        evals += 1
        gtd_new = g_new.dot(d)
        it += 1
    if it == max_ls:
        bracket, bracket_f, bracket_g = [0, t], [f, f_new], [g, g_new]

    # zoom phase: shrink the bracket by safeguarded cubic steps
    stalled = False
    low, high = (0, 1) if bracket_f[0] <= bracket_f[-1] else (1, 0)
    while not done and it < max_ls:
        if abs(bracket[1] - bracket[0]) * d_norm < tolerance_change:
            break
        t = cubic_interpolate(bracket[0], bracket_f[0], bracket_gtd[0], bracket[1], bracket_f[1], bracket_gtd[1])
        # a point too close to an end of the bracket makes little progress: push it in by 10% of the width
        top, bottom = max(bracket), min(bracket)
        margin = 0.1 * (top - bottom)
        if min(top - t, t - bottom) < margin:
            if stalled or t >= top or t <= bottom:
                t = top - margin if abs(t - top) < abs(t - bottom) else bottom + margin
                stalled = False
            else:
                stalled = True
        else:
            stalled = False
        f_new, g_new = phi(x, t, d)
        evals += 1
        gtd_new = g_new.dot(d)
        it += 1
        if f_new > (f + c1 * t * gtd) or f_new >= bracket_f[low]:
            bracket[high], bracket_f[high] = t, f_new
            bracket_g[high], bracket_gtd[high] = g_new.copy(), gtd_new
            low, high = (0, 1) if bracket_f[0] <= bracket_f[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket[high] - bracket[low]) >= 0:
                bracket[high], bracket_f[high] = bracket[low], bracket_f[low]
                bracket_g[high], bracket_gtd[high] = bracket_g[low], bracket_gtd[low]
            bracket[low], bracket_f[low] = t, f_new
            bracket_g[low], bracket_gtd[low] = g_new.copy(), gtd_new
    return bracket_f[low], bracket_g[low], bracket[low], evals
