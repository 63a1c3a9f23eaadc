"""Python's arithmetic operators as ops of the table, for every type that intercepts ops.

Traced values, Exprs, dual numbers, exact numbers and trace formulas all want
``a + b`` to mean ``add(a, b)``. The operators go through
:func:`~diffkit.expr.ops.apply`, so when two such types meet, the one with
the higher ``_dk_level`` handles the op (a dual number carrying traced values,
for instance).

Example
-------
>>> import diffkit as dk
>>> from diffkit.expr.dual import Dual
>>> y = 2.0 * Dual(3.0, 1.0) ** 2
>>> float(y.primal), float(y.tangent)
(18.0, 12.0)
"""

from __future__ import annotations

from typing import Any

from .ops import OPS, UFUNCS, apply  # UFUNCS: NumPy ufuncs that are ops, re-exported for the value types

__all__ = ["OpArithmetic", "UFUNCS"]

_ADD, _SUB, _MUL, _DIV, _POW, _MOD = OPS["add"], OPS["sub"], OPS["mul"], OPS["div"], OPS["pow"], OPS["mod"]
_NEG, _ABS = OPS["neg"], OPS["abs"]


class OpArithmetic:
    """Mixin: ``+ - * / ** % -x abs(x)`` on instances (and with numbers) apply the table's ops."""

    __slots__ = ()

    def __add__(self, o: Any) -> Any: return apply(_ADD, self, o)
    def __radd__(self, o: Any) -> Any: return apply(_ADD, o, self)
    def __sub__(self, o: Any) -> Any: return apply(_SUB, self, o)
    def __rsub__(self, o: Any) -> Any: return apply(_SUB, o, self)
    def __mul__(self, o: Any) -> Any: return apply(_MUL, self, o)
    def __rmul__(self, o: Any) -> Any: return apply(_MUL, o, self)
    def __truediv__(self, o: Any) -> Any: return apply(_DIV, self, o)
    def __rtruediv__(self, o: Any) -> Any: return apply(_DIV, o, self)
    def __pow__(self, o: Any) -> Any: return apply(_POW, self, o)
    def __rpow__(self, o: Any) -> Any: return apply(_POW, o, self)
    def __mod__(self, o: Any) -> Any: return apply(_MOD, self, o)
    def __rmod__(self, o: Any) -> Any: return apply(_MOD, o, self)
    def __neg__(self) -> Any: return apply(_NEG, self)
    def __pos__(self) -> Any: return self
    def __abs__(self) -> Any: return apply(_ABS, self)


