"""``dk.Symbolic``: differentiate the expression with a computer-algebra system.

The function's graph becomes a SymPy expression (through each op's SymPy
counterpart in the ops table), the CAS differentiates it, and the derivative
expressions are compiled once and evaluated vectorised at the point.

Example
-------
>>> import diffkit as dk
>>> r = dk.Symbolic().gradient("log(x1) + x1*x2 - sin(x2)", at={"x1": 2.0, "x2": 5.0})
>>> r.gradient["x1"], round(r.gradient["x2"], 6)
(5.5, 1.716338)
>>> r.expressions["x2"]
x1 - cos(x2)
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import numpy as np
import sympy as sp

from ..compare.base import Differentiator
from ..expr.expr import Expr
from ..expr.sympy_bridge import plain_symbols
from .backends import SymbolicBackend, get_backend
from .evaluate import Compiled
from .size import size as measure

__all__ = ["Symbolic"]

_CACHE_SIZE = 64


class Symbolic(Differentiator):
    """Symbolic differentiation (SymPy, or SymEngine), evaluated vectorised.

    Parameters
    ----------
    simplify : bool
        Evaluate the expanded ("simplified") derivative: the expanded
        polynomial for polynomials (the lecture's simplified column), otherwise
        ``expand`` of the derivative. Expanded polynomials can be badly
        conditioned: see :func:`diffkit.symbolic.swell`.
    cse : bool
        Evaluate the common-subexpression-eliminated program (``sympy.cse``),
        which keeps shared subexpressions shared.
    backend : {"sympy", "symengine"}
        The engine that differentiates and expands; the results are the same.
        ``"symengine"`` needs ``pip install symengine``.

    Notes
    -----
    ``result.expressions`` holds the derivative expressions in the form that
    was evaluated: a dict ``{name: expr}`` for gradients, the expression for
    ``derivative``, a SymPy ``Matrix`` for Jacobians and Hessians.
    ``result.size`` is their :class:`~diffkit.symbolic.size.Size`.

    Counting rule for ``result.ops``: the function value is computed through
    the graph (its primitives and one function evaluation); each evaluation of
    the derivative code adds ``sympy.count_ops`` of the code that runs (the
    CSE'd program counts each replacement once) as primitives, times the
    number of points as element-operations.

    Kinks follow diffkit's convention: ``relu'(0) = 0``, ``abs'(0) = 0``, and
    ``maximum``/``minimum`` split a tie half and half (``Heaviside(0) = 1/2``).

    Example
    -------
    >>> import diffkit as dk
    >>> f = dk.examples.logistic_map(3)
    >>> r = dk.Symbolic(simplify=True).derivative(f, at={"x": 0.25})
    >>> r.expressions
    -256*x**3 + 384*x**2 - 160*x + 16
    >>> r.derivative, r.method
    (-4.0, 'symbolic-simplified')
    """

    def __init__(self, simplify: bool = False, cse: bool = False, backend: str = "sympy"):
        self.simplify = bool(simplify)
        self.cse = bool(cse)
        self.backend: SymbolicBackend = get_backend(backend)
        parts = ["symbolic"] + (["simplified"] if self.simplify else []) + (["cse"] if self.cse else [])
        self.name = "-".join(parts)
        self._cache: OrderedDict = OrderedDict()

    def __repr__(self) -> str:
        return f"Symbolic(simplify={self.simplify}, cse={self.cse}, backend={self.backend.name!r})"

    # -- the derivative expressions, built once per (function, request) ----------
    def _cached(self, key: tuple, build) -> Any:
        hit = self._cache.get(key)
        if hit is None:
            hit = build()
            self._cache[key] = hit
            if len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(key)
        return hit

    def _outputs(self, f: Expr) -> list[sp.Basic]:
        sym = f.to_sympy(real=True)
        return list(sym) if isinstance(sym, tuple) else [sym]

    def _finish(self, exprs: list[sp.Basic], variables: tuple[str, ...]) -> tuple[list, Compiled, Any]:
        if self.simplify:
            exprs = [self.backend.expand(e) for e in exprs]
        compiled = Compiled(exprs, variables, cse=self.cse)
        # users get the expressions in plain symbols, as Expr.to_sympy() gives them (the engine's are real)
        return [plain_symbols(e) for e in exprs], compiled, measure(exprs)

    def _diffs(self, f: Expr, kind: str, wrt: tuple[str, ...], order: int = 1):
        outs = self._outputs(f)
        key = (tuple(outs), f.variables, kind, wrt, order)

        def build():
            d = self.backend.diff
            if kind == "jacobian":
                exprs = [d(y, w) for y in outs for w in wrt]
            elif kind == "hessian":
                grads = [d(outs[0], w) for w in wrt]
                n = len(wrt)
                upper = {(i, j): d(grads[i], wrt[j]) for i in range(n) for j in range(i, n)}
                exprs = [upper[(min(i, j), max(i, j))] for i in range(n) for j in range(n)]
            else:
                exprs = [d(outs[0], wrt[0], order)]
            return self._finish(exprs, f.variables)

        return self._cached(key, build)

    def _evaluate(self, f: Expr, values: dict, compiled: Compiled) -> tuple[Any, list]:
        value = f(**values)
        return value, compiled(values)

    def _extra(self, expressions: Any, size: Any, compiled: Compiled) -> dict:
        return {"expressions": expressions, "size": size,
                "info": {"backend": self.backend.name, "simplify": self.simplify, "cse": self.cse,
                         "ops_per_point": compiled.ops}}

    # -- hooks -----------------------------------------------------------------------
    def _jacobian(self, f: Expr, values: dict, wrt: tuple) -> tuple:
        exprs, compiled, sz = self._diffs(f, "jacobian", wrt)
        value, flat = self._evaluate(f, values, compiled)
        m, n = f.n_outputs, len(wrt)
        jac = _stack(flat, (m, n))
        return value, jac, self._extra(sp.Matrix(m, n, exprs), sz, compiled)

    def _gradient(self, f: Expr, values: dict, wrt: tuple) -> tuple:
        exprs, compiled, sz = self._diffs(f, "jacobian", wrt)
        value, flat = self._evaluate(f, values, compiled)
        return value, flat, self._extra(dict(zip(wrt, exprs)), sz, compiled)

    def _hessian(self, f: Expr, values: dict, wrt: tuple) -> tuple:
        exprs, compiled, sz = self._diffs(f, "hessian", wrt)
        value, flat = self._evaluate(f, values, compiled)
        n = len(wrt)
        return value, _stack(flat, (n, n)), self._extra(sp.Matrix(n, n, exprs), sz, compiled)

    def _derivative(self, f: Expr, values: dict, wrt: str, order: int) -> tuple:
        exprs, compiled, sz = self._diffs(f, "derivative", (wrt,), order)
        value, flat = self._evaluate(f, values, compiled)
        return value, flat[0], self._extra(exprs[0], sz, compiled)


def _stack(flat: list, lead: tuple[int, int]) -> Any:
    """``(m, n, *point_shape)`` array from m*n equally shaped arrays, on their namespace."""
    first = flat[0]
    get = getattr(first, "__array_namespace__", None)
    xp = get() if get is not None else np
    out = xp.stack(flat)
    return xp.reshape(out, lead + tuple(first.shape))
