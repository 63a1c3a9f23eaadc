"""The reference a comparison measures errors against: the symbolic derivative, in higher precision.

A method run in float32 must not be measured against a reference that is itself
an ulp of float32 off. :func:`symbolic_reference` evaluates the symbolic method's
derivative expressions with mpmath to 30 significant digits at the point's
values as the working dtype holds them (each converted exactly), then rounds to
float64; for more than 64 grid points it evaluates them in float64 instead.
Either way the description says exactly what the reference is.

Example
-------
>>> import numpy as np
>>> import diffkit as dk
>>> from diffkit.compare.reference import symbolic_reference
>>> f = dk.expr("x1*x2 - sin(x2)")
>>> ref, how = symbolic_reference(f, {"x1": np.float32(2.0), "x2": np.float32(5.0)}, ("x1", "x2"), "gradient")
>>> ref.tolist() == [5.0, 2.0 - np.cos(5.0)], how.split(",")[0]
(True, 'symbolic derivative evaluated to 30 digits (SymPy and mpmath) at the point as float32 holds it')
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ..expr.expr import Expr, check_broadcast

__all__ = ["symbolic_reference", "EXACT_POINTS"]

#: Up to this many grid points the reference is evaluated to 30 digits; beyond, in float64.
EXACT_POINTS = 64


def _flat(expressions: Any, kind: str, wrt: tuple) -> tuple[list, tuple]:
    """The derivative expressions in ``Result.array`` order, and that array's leading shape."""
    import sympy as sp

    if kind == "gradient":
        return [expressions[w] for w in wrt], (len(wrt),)
    if kind in ("jacobian", "hessian"):
        M = sp.Matrix(expressions)
        return list(M), M.shape
    return [expressions], ()


def symbolic_reference(f: Expr, at: Mapping[str, Any], wrt: tuple, kind: str, order: int = 1,
                       symbolic: Any = None) -> tuple[np.ndarray, str]:
    """``(reference array, what it is)``: the symbolic derivative in higher precision than the working dtype.

    ``symbolic`` is the plain :class:`~diffkit.Symbolic` that builds it, with its time limit, backend and
    ``max_cost`` (default ``Symbolic()``: 10 s); ``dk.compare`` passes the one its methods were given.
    """
    from ..symbolic import Symbolic

    values = check_broadcast(f.bind(**at))
    dtypes = sorted({str(np.asarray(v).dtype) for v in values.values()})
    held = " and ".join(dtypes)
    cast = {k: np.asarray(v, dtype=np.float64) if np.asarray(v).dtype.kind in "fiub" else v for k, v in values.items()}
    sym = Symbolic() if symbolic is None else symbolic
    run = {"gradient": lambda: sym.gradient(f, cast, wrt), "jacobian": lambda: sym.jacobian(f, cast, wrt),
           "hessian": lambda: sym.hessian(f, cast, wrt),
           "derivative": lambda: sym.derivative(f, cast, wrt[0], order)}[kind]
    r = run()
    fallback = (np.asarray(r.array, dtype=float), "symbolic derivative evaluated in float64 at the point "
                f"(the {held} inputs converted to float64), so exact up to float64 rounding")
    grid = np.broadcast_shapes(*(np.shape(v) for v in values.values())) if values else ()
    if int(np.prod(grid, dtype=int)) > EXACT_POINTS:
        return fallback
    try:
        import mpmath
        import sympy as sp

        exprs, lead = _flat(r.expressions, kind, tuple(wrt))
        symbols = [sp.Symbol(name) for name in f.variables]
        fn = sp.lambdify(symbols, exprs, modules="mpmath")
        out = np.empty(lead + grid)
        with mpmath.workdps(30):
            for g in np.ndindex(grid):
                point = [mpmath.mpf(float(np.broadcast_to(values[n], grid)[g])) for n in f.variables]
                vals = fn(*point)
                for k, v in enumerate(vals):
                    c = complex(v)
                    out[np.unravel_index(k, lead) + g if lead else g] = c.real if c.imag == 0 else np.nan
    except Exception:  # an expression mpmath can't evaluate: the float64 reference, said as such
        return fallback
    return out, (f"symbolic derivative evaluated to 30 digits (SymPy and mpmath) at the point as {held} holds it, "
                 "then rounded to float64")
