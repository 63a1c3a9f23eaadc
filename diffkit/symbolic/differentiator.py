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
from collections.abc import Callable
from typing import Any

import numpy as np
import sympy as sp

from ..compare.base import Differentiator
from ..expr.expr import Expr
from ..expr.sympy_bridge import plain_symbols
from ..limits import Clock, TimeLimitError, check_time_limit, within
from .backends import SymbolicBackend, get_backend
from .evaluate import Compiled, module_of
from .size import size as measure

__all__ = ["Symbolic", "TIME_LIMIT"]

_CACHE_SIZE = 64

#: Seconds a Symbolic method may spend building the derivative code for one request (converting,
#: differentiating, expanding, compiling) unless told otherwise: the swell study's default per row.
TIME_LIMIT = 10.0

# Shared by every Symbolic: a function's SymPy form (keyed by its graph) and the derivatives as the engine
# gave them (keyed by engine, outputs, kind, wrt, order) -- the plain, simplified and CSE variants all start
# from them, as dk.compare runs them -- and the time limits attempts at them ran out of (a later attempt
# with no more time gives up at once instead of spending it again).
_RAW: OrderedDict = OrderedDict()
_GAVE_UP: OrderedDict = OrderedDict()


def _remember(store: OrderedDict, key: tuple, value: Any) -> None:
    store[key] = value
    store.move_to_end(key)
    if len(store) > _CACHE_SIZE:
        store.popitem(last=False)


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
    time_limit : float or None
        Seconds that building the derivative code for one request may take,
        all of it together: converting the function, differentiating, expanding,
        compiling (default :data:`TIME_LIMIT`, 10 s; ``None``: no limit).
        Past it the call raises :class:`~diffkit.TimeLimitError` naming the
        stage it was in, and ``dk.compare`` shows "gave up after 10 s" in the
        method's row. The work is interrupted wherever it is inside SymPy;
        SymEngine's C++ calls finish first. Evaluating the finished code at
        the point is not limited.

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

    Requests are refused before they start when their estimated cost is
    above ``max_cost`` (see :class:`~diffkit.Differentiator`): a Hessian over
    2,000 variables is two million derivative expressions.

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

    def __init__(self, simplify: bool = False, cse: bool = False, backend: str = "sympy",
                 time_limit: float | None = TIME_LIMIT):
        self.simplify = bool(simplify)
        self.cse = bool(cse)
        self.backend: SymbolicBackend = get_backend(backend)
        self.time_limit = check_time_limit(time_limit)
        parts = ["symbolic"] + (["simplified"] if self.simplify else []) + (["cse"] if self.cse else [])
        self.name = "-".join(parts)
        self._cache: OrderedDict = OrderedDict()

    def __repr__(self) -> str:
        limit = "" if self.time_limit == TIME_LIMIT else f", time_limit={self.time_limit!r}"
        return f"Symbolic(simplify={self.simplify}, cse={self.cse}, backend={self.backend.name!r}{limit})"

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

    def _finish(self, exprs: list[sp.Basic], variables: tuple[str, ...], clock: Clock
                ) -> tuple[list, Compiled, Any]:
        if self.simplify:
            clock.stage = "expanding"
            exprs = [self.backend.expand(e) for e in exprs]
        clock.stage = "eliminating common subexpressions" if self.cse else "preparing the derivative code"
        compiled = Compiled(exprs, variables, cse=self.cse)
        clock.stage = "measuring the derivative"
        # users get the expressions in plain symbols, as Expr.to_sympy() gives them (the engine's are real)
        return [plain_symbols(e) for e in exprs], compiled, measure(exprs)

    def _shared(self, key: tuple, stage: str, clock: Clock, compute: Callable[[], Any]) -> Any:
        """``compute()``, once for every Symbolic (``key`` in the shared cache), within the time limit;
        an attempt that ran out of time is remembered, and one with no more time gives up at once."""
        hit = _RAW.get(key)
        if hit is not None:
            return hit
        ran_out = _GAVE_UP.get(key)
        if ran_out is not None and self.time_limit is not None and self.time_limit <= ran_out:
            raise TimeLimitError(f"{self!r} gave up at once: {stage} ran out of a {ran_out:g} s limit for this "
                                 f"function before{self._hint()}", seconds=self.time_limit, stage=stage,
                                 summary=f"gave up at once ({stage} ran out of {ran_out:g} s before)")
        clock.stage = stage
        try:
            value = compute()
        except BaseException:
            if self.time_limit is not None and clock.elapsed() >= self.time_limit:  # ran out of time here
                _remember(_GAVE_UP, key, max(self.time_limit, _GAVE_UP.get(key, 0.0)))
            raise
        _remember(_RAW, key, value)
        return value

    def _outputs(self, f: Expr, clock: Clock) -> list[sp.Basic]:
        def convert() -> list[sp.Basic]:
            sym = f.to_sympy(real=True)
            return list(sym) if isinstance(sym, tuple) else [sym]

        return self._shared(("to_sympy", f.graph), "converting the function to SymPy", clock, convert)

    def _derivatives(self, outs: list[sp.Basic], kind: str, wrt: tuple[str, ...], order: int, clock: Clock
                     ) -> list[sp.Basic]:
        d = self.backend.diff

        def differentiate() -> list[sp.Basic]:
            if kind == "jacobian":
                return [d(y, w) for y in outs for w in wrt]
            if kind == "hessian":
                grads = [d(outs[0], w) for w in wrt]
                n = len(wrt)
                upper = {(i, j): d(grads[i], wrt[j]) for i in range(n) for j in range(i, n)}
                return [upper[(min(i, j), max(i, j))] for i in range(n) for j in range(n)]
            return [d(outs[0], wrt[0], order)]

        return self._shared((self.backend.name, tuple(outs), kind, wrt, order),
                            f"taking {_count(kind, len(wrt), len(outs))}", clock, differentiate)

    def _prepared(self, f: Expr, kind: str, wrt: tuple[str, ...], values: dict, order: int = 1
                  ) -> tuple[list, Compiled, Any]:
        """The derivative expressions, their code compiled for the point's array module, and their size:
        built once per (function, request), within the time limit."""

        def work(clock: Clock) -> tuple[list, Compiled, Any]:
            outs = self._outputs(f, clock)
            key = (tuple(outs), f.variables, kind, wrt, order)

            def build() -> tuple[list, Compiled, Any]:
                return self._finish(self._derivatives(outs, kind, wrt, order, clock), f.variables, clock)

            exprs, compiled, sz = self._cached(key, build)
            clock.stage = "compiling the derivative code"
            compiled._fn(module_of(values))  # lambdify now, under the limit, not at the first evaluation
            return exprs, compiled, sz

        saved = _sympy_flags()
        try:
            return within(self.time_limit, repr(self), work, hint=self._hint())
        except TimeLimitError:
            _sympy_flags(saved)  # interrupted: SymPy's global switches as they were, whatever it was doing
            raise

    def _hint(self) -> str:
        return "; give it more time with Symbolic(time_limit=60), or time_limit=None for no limit"

    def _passes(self, kind: str, n: int, m: int, order: int = 1) -> int | None:
        """Derivative expressions a request builds, each about one pass over the function's graph."""
        return {"gradient": n * m, "jacobian": n * m, "hessian": n + n * (n + 1) // 2}.get(kind, order)

    def _evaluate(self, f: Expr, values: dict, compiled: Compiled) -> tuple[Any, list]:
        value = f(**values)
        return value, compiled(values)

    def _extra(self, expressions: Any, size: Any, compiled: Compiled) -> dict:
        return {"expressions": expressions, "size": size,
                "info": {"backend": self.backend.name, "simplify": self.simplify, "cse": self.cse,
                         "ops_per_point": compiled.ops}}

    # -- hooks -----------------------------------------------------------------------
    def _jacobian(self, f: Expr, values: dict, wrt: tuple) -> tuple:
        exprs, compiled, sz = self._prepared(f, "jacobian", wrt, values)
        value, flat = self._evaluate(f, values, compiled)
        m, n = f.n_outputs, len(wrt)
        jac = _stack(flat, (m, n))
        return value, jac, self._extra(sp.Matrix(m, n, exprs), sz, compiled)

    def _gradient(self, f: Expr, values: dict, wrt: tuple) -> tuple:
        exprs, compiled, sz = self._prepared(f, "jacobian", wrt, values)
        value, flat = self._evaluate(f, values, compiled)
        return value, flat, self._extra(dict(zip(wrt, exprs)), sz, compiled)

    def _hessian(self, f: Expr, values: dict, wrt: tuple) -> tuple:
        exprs, compiled, sz = self._prepared(f, "hessian", wrt, values)
        value, flat = self._evaluate(f, values, compiled)
        n = len(wrt)
        return value, _stack(flat, (n, n)), self._extra(sp.Matrix(n, n, exprs), sz, compiled)

    def _derivative(self, f: Expr, values: dict, wrt: str, order: int) -> tuple:
        exprs, compiled, sz = self._prepared(f, "derivative", (wrt,), values, order)
        value, flat = self._evaluate(f, values, compiled)
        return value, flat[0], self._extra(exprs[0], sz, compiled)


def _count(kind: str, n: int, m: int) -> str:
    if kind == "hessian":
        return f"{n * (n + 1) // 2 + n:,} derivatives"
    k = n * m if kind == "jacobian" else 1
    return f"{k:,} derivative" + ("s" if k != 1 else "")


def _sympy_flags(saved: tuple | None = None) -> tuple:
    """SymPy's global evaluation switches; with ``saved``, set them back to it."""
    from sympy.core.parameters import global_parameters as gp

    if saved is not None:
        gp.evaluate, gp.distribute, gp.exp_is_pow = saved
    return gp.evaluate, gp.distribute, gp.exp_is_pow


def _stack(flat: list, lead: tuple[int, int]) -> Any:
    """``(m, n, *point_shape)`` array from m*n equally shaped arrays, on their namespace."""
    first = flat[0]
    get = getattr(first, "__array_namespace__", None)
    xp = get() if get is not None else np
    out = xp.stack(flat)
    return xp.reshape(out, lead + tuple(first.shape))
