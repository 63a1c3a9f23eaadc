"""Reference values for the swell study: forward mode on dual numbers, and exact numbers.

The swell table compares each symbolic form against the derivative an AD
engine would produce and against an exact value. Both come from one pass over
the function's graph with the front-end's dual numbers
(:class:`diffkit.expr.dual.Dual`), which apply the ops table's own JVP rules:

* on floats, that is forward-mode AD in float64 (the "AD" column);
* on :class:`Exact` numbers, which compute every op through its SymPy
  counterpart with rationals (exact for polynomials; other values are carried
  with 50 significant digits), it is the reference.

Example
-------
>>> import diffkit as dk
>>> from diffkit.symbolic.dual import derivative_along, exact_derivative
>>> f = dk.examples.logistic_map(3)
>>> derivative_along(f, {"x": 0.25}, "x")
(0.75, -4.0)
>>> exact_derivative(f, {"x": 0.25}, "x")
(3/4, -4)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sympy as sp

from ..errors import ArgumentTypeError
from ..expr.arithmetic import OpArithmetic
from ..expr.dual import Dual
from ..expr.expr import Expr

__all__ = ["Dual", "Exact", "derivative_along", "exact_derivative", "derivative_dag", "DIGITS"]

#: Significant digits carried for values that are not rational.
DIGITS = 50


def _exact(v: Any) -> sp.Basic:
    if isinstance(v, Exact):
        return v.value
    if isinstance(v, float):
        return sp.Rational(v)  # a double is a dyadic rational: exactly
    return sp.sympify(v)


class Exact(OpArithmetic):
    """A number computed exactly (SymPy rationals), or to :data:`DIGITS` digits
    when an op leaves the rationals; every op goes through its SymPy counterpart.

    Example
    -------
    >>> from diffkit.symbolic.dual import Exact
    >>> from diffkit.expr.ops import mul
    >>> mul(Exact(0.1), 3.0).value
    10808639105689191/36028797018963968
    """

    __slots__ = ("value",)
    _dk_level = 2

    def __init__(self, value: Any):
        self.value = _exact(value)

    @classmethod
    def _dk_apply(cls, op, args, params):
        if op.sympy is None:
            raise ArgumentTypeError(f"op {op.name!r} has no SymPy counterpart to compute it exactly")
        out = sp.sympify(op.sympy(*(_exact(a) for a in args)))
        if not out.is_Rational:
            out = sp.Float(out.evalf(DIGITS), DIGITS)
        return cls.__new__(cls)._set(out)

    def _set(self, value: sp.Basic) -> Exact:
        self.value = value
        return self


    def __repr__(self) -> str:
        return f"Exact({self.value})"


def derivative_along(f: Expr, at: Mapping[str, Any], wrt: str, wrap=None) -> tuple[Any, Any]:
    """``(f, df/dwrt)`` at ``at`` by one forward pass of dual numbers over ``f``'s graph.

    ``wrap`` converts each input value first (``Exact`` for exact arithmetic).
    """
    wrap = wrap or (lambda v: v)
    values = {}
    for name in f.variables:
        v = wrap(at[name])
        values[name] = Dual(v, wrap(1.0)) if name == wrt else v
    out = f.graph.evaluate(values)[0]
    if not isinstance(out, Dual):  # the output doesn't depend on wrt
        return out, wrap(0.0)
    return out.primal, out.tangent if out.tangent is not None else wrap(0.0)


def exact_derivative(f: Expr, at: Mapping[str, Any], wrt: str) -> tuple[sp.Basic, sp.Basic]:
    """``(f, df/dwrt)`` at ``at``, exact (SymPy numbers): the floats of ``at`` are taken exactly."""
    value, d = derivative_along(f, at, wrt, wrap=Exact)
    return _exact(value), _exact(d)


def derivative_dag(f: Expr, wrt: str) -> int:
    """Distinct nodes of ``df/dwrt`` as a DAG: the chain rule applied through ``f``'s own shared graph.

    Dual numbers whose parts are traced values build the derivative program
    node by node, so every common subexpression of ``f`` (and of its
    derivative) appears once. This is the derivative after common-subexpression
    elimination, and it grows like ``f``'s graph, not like its tree.

    Example
    -------
    >>> import diffkit as dk
    >>> from diffkit.symbolic.dual import derivative_dag
    >>> [derivative_dag(dk.examples.logistic_map(n), "x") for n in (2, 3, 4, 5)]
    [9, 17, 25, 33]
    """
    from ..expr.graph import GraphBuilder
    from ..expr.tracer import Traced

    b = GraphBuilder()
    values = {n: Traced(b, b.input(n)) for n in f.variables}
    _, d = derivative_along(f, values, wrt)
    if not isinstance(d, Traced):
        return 1  # a constant derivative is one leaf, as in a tree count
    seen, stack = set(), [d.index]
    while stack:  # every distinct node the derivative reads: ops, variables, constants
        i = stack.pop()
        if i not in seen:
            seen.add(i)
            stack.extend(b.nodes[i].args)
    return len(seen)
