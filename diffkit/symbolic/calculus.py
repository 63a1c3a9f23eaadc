"""``dk.diff``: the derivative of an expression as an expression, without a point.

The function goes to SymPy through the ops table, SymPy differentiates it
with diffkit's kink conventions (the same backend ``dk.Symbolic`` uses), and
the result comes back as an :class:`~diffkit.Expr` whose text is the formula
in diffkit's own syntax -- so it prints, evaluates, differentiates again,
traces and compares like any other expression. Its variables are those of the
function, in the same order, even the ones the derivative no longer reads, so
it takes the same point.

Example
-------
>>> import diffkit as dk
>>> df = dk.diff("log(x1) + x1*x2 - sin(x2)", "x2")
>>> df
Expr('x1 - cos(x2)', variables=('x1', 'x2'))
>>> round(float(df(x1=2.0, x2=5.0)), 6)
1.716338
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import sympy as sp

from ..errors import ArgumentError, ExpressionError
from ..expr.expr import Expr, as_expr, expr
from ..expr.formulas import text
from ..expr.ops.scans import diff as array_diff
from ..expr.sympy_bridge import plain_symbols
from .backends import get_backend

__all__ = ["diff", "derivative_sympy"]


def _order(n: Any) -> int:
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ArgumentError(f"n must be a positive integer (which derivative), got {n!r}")
    return n


def _wrt(f: Expr, wrt: str | Sequence[str] | None) -> list[str]:
    if wrt is None:
        if len(f.variables) != 1:
            raise ExpressionError(f"say which variable to differentiate with respect to: {f} has variables "
                                  f"{', '.join(f.variables) or 'none'}", hint="e.g. dk.diff(f, 'x')")
        return [f.variables[0]]
    names = [wrt] if isinstance(wrt, str) else list(wrt)
    unknown = [w for w in names if not isinstance(w, str) or w not in f.variables]
    if unknown or not names:
        raise ExpressionError(f"can't differentiate with respect to {unknown or names!r}: the variables of {f} "
                              f"are {', '.join(f.variables) or 'none'}")
    return names


def derivative_sympy(f: Any, wrt: str | Sequence[str] | None = None, n: int = 1) -> Any:
    """The derivative as a SymPy expression in plain symbols (a tuple for several outputs).

    Example
    -------
    >>> from diffkit.symbolic.calculus import derivative_sympy
    >>> derivative_sympy("x^3", "x", n=2)
    6*x
    """
    f = as_expr(f)
    names, n = _wrt(f, wrt), _order(n)
    if len(names) > 1 and n != 1:
        raise ArgumentError("give n=1 with several variables: dk.diff(f, ['x', 'y']) differentiates by x, then y")
    backend = get_backend("sympy")
    sym = f.to_sympy(real=True)
    outs = list(sym) if isinstance(sym, tuple) else [sym]
    for name in names:
        outs = [backend.diff(o, name, n) for o in outs]
    outs = [plain_symbols(o) for o in outs]
    return tuple(outs) if isinstance(sym, tuple) else outs[0]


def _is_array(f: Any) -> bool:
    """Whether ``f`` is data (an array, a Tensor, a list of numbers) rather than a function."""
    if isinstance(f, (Expr, str, sp.Basic)) or callable(f) and not hasattr(f, "shape"):
        return False
    if isinstance(f, (list, tuple)):
        return not any(isinstance(v, str) for v in f)
    return hasattr(f, "shape") or isinstance(f, (int, float))


def diff(f: Any, wrt: Any = None, n: int = 1, *, simplify: bool = False, **array_options: Any) -> Any:
    """The derivative of ``f`` as an :class:`~diffkit.Expr`: a formula, not a number.

    Given data instead of a function (an array, a Tensor, a list of numbers),
    ``dk.diff`` is NumPy's ``np.diff``: ``dk.diff(a, n=1, axis=-1, prepend=None,
    append=None)``, the ``n``-th forward difference, differentiable like every
    array op (see :func:`diffkit.expr.ops.scans.diff`).

    Parameters
    ----------
    f : Expr, str, list of str, SymPy expression or function
        The function (several outputs are differentiated each).
    wrt : str or sequence of str, optional
        The variable (default: the only one). A sequence differentiates by
        each in turn: ``dk.diff(f, ["x", "y"])`` is d²f/dy dx.
    n : int
        Which derivative: ``n=2`` is the second derivative.
    simplify : bool
        Run ``sympy.simplify`` on the result (slower; shorter formulas).

    Returns
    -------
    Expr
        Same variables, in the same order, as ``f``. Kinks follow diffkit's
        convention (``relu'(0) = 0``, ``abs'(0) = 0``, ties of ``maximum``
        split half and half), so its values match ``dk.Symbolic()``'s.

    Example
    -------
    >>> import diffkit as dk, numpy as np
    >>> dk.diff("x^3 * y", "x", n=2)
    Expr('6*x*y', variables=('x', 'y'))
    >>> dk.diff("x^3 * y", ["x", "y"])
    Expr('3*x**2', variables=('x', 'y'))
    >>> float(dk.diff("maximum(x, y)", "x")(x=1.0, y=1.0))  # the tie is split half and half
    0.5
    >>> dk.diff(np.array([1.0, 4.0, 9.0]))  # data: NumPy's forward differences
    array([3., 5.])
    """
    if _is_array(f):
        data = np.asarray(f, dtype=float) if isinstance(f, (list, tuple)) else f
        return array_diff(data, n if wrt is None else wrt, **array_options)
    if array_options:
        raise ArgumentError(f"{', '.join(array_options)}: options of dk.diff on arrays (np.diff's); a function's "
                            "derivative takes wrt=, n= and simplify=")
    f = as_expr(f)
    d = derivative_sympy(f, wrt, n)
    if simplify:
        d = tuple(sp.simplify(e) for e in d) if isinstance(d, tuple) else sp.simplify(d)
    # the text is the formula shown; parsing it gives the graph, so what is shown is what runs
    return expr(text(d), variables=f.variables)
