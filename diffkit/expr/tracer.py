"""Tracing: run a Python function on placeholder values and record a Graph.

A :class:`Traced` value stands for one node of a graph being built. Python
operators, ``dk.sin`` and friends, and NumPy ufuncs on it add nodes instead of
computing. Control flow that depends on a traced value cannot be recorded, so
``bool()`` on one is refused with an explanation.

Example
-------
>>> import diffkit as dk
>>> h = dk.trace(lambda x, y: dk.sin(x) * y)
>>> h.variables
('x', 'y')
>>> print(h.graph.to_text())
v_-1 = x
v_0 = y
v_1 = sin v_-1
v_2 = v_1 * v_0
y_1 = v_2
"""

from __future__ import annotations

from ..errors import ExpressionError
from .arithmetic import OpArithmetic
from .graph import GraphBuilder
from .ops import OPS, UFUNCS, Op, apply

__all__ = ["Traced"]

# NumPy ufuncs that map onto ops of the table, so np.sin(traced) records too.
_UFUNCS = UFUNCS

class Traced(OpArithmetic):
    """A value being traced: one node of the graph a :class:`GraphBuilder` is building.

    Example
    -------
    >>> from diffkit.expr.graph import GraphBuilder
    >>> from diffkit.expr.tracer import Traced
    >>> b = GraphBuilder()
    >>> x = Traced(b, b.input("x"))
    >>> y = 2 * x + 1
    >>> g = b.build([y.index])
    >>> float(g.evaluate({"x": 3.0})[0])
    7.0
    """

    __slots__ = ("builder", "index")
    _dk_level = 1
    __array_priority__ = 1000  # make ndarray + Traced defer to us

    def __init__(self, builder: GraphBuilder, index: int):
        self.builder = builder
        self.index = index

    @classmethod
    def _dk_apply(cls, op: Op, args: tuple, params: dict) -> Traced:
        builder = next(a.builder for a in args if isinstance(a, Traced))
        if not cls._records(op):
            raise ExpressionError(
                f"{op.name}() works on Tensors, not inside an Expr (Exprs are elementwise programs)",
                hint="use dk.tensor(...) for array code, or an elementwise function")
        idx = []
        for a in args:
            if isinstance(a, Traced):
                if a.builder is not builder:
                    raise ExpressionError("values from two different traces were mixed")
                idx.append(a.index)
            else:
                idx.append(builder.const(a))
        return cls(builder, builder.apply(op, idx, params))


    @staticmethod
    def _records(op: Op) -> bool:
        """Whether the graph may hold ``op``: an Expr holds elementwise ops (the ones with a SymPy
        counterpart); the graphs of derivative programs also hold ``where`` and comparisons."""
        return op.kind == "elementwise"

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        name = _UFUNCS.get(ufunc.__name__)
        if method != "__call__" or name is None or kwargs:
            return NotImplemented
        return apply(OPS[name], *inputs)

    def __bool__(self):
        raise ExpressionError(
            "a traced value was used in an if/while/and/or: the graph can't depend on values",
            hint="write branches with dk.where-free elementwise ops (relu, abs, maximum) instead")

    def _compare(self, other):
        raise ExpressionError(
            "a traced value was compared (<, >, ==): an if/while on it can't be recorded in a graph",
            hint="write branches with elementwise ops such as relu, abs, maximum or step")

    __lt__ = __le__ = __gt__ = __ge__ = _compare

    def __float__(self, *_):
        raise ExpressionError("a traced value has no number yet; float(), int() and round() can't convert it",
                              hint="use diffkit's functions (dk.sin, dk.exp, ...) or NumPy's (np.sin), "
                                   "not the math module's")

    __int__ = __index__ = __complex__ = __round__ = __float__

    def _unsupported(self, *_):
        raise ExpressionError("// and @ are not ops of an Expr (an elementwise program of scalars)",
                              hint="use floor(x / y) for //; dk.tensor(...) for array code")

    __floordiv__ = __rfloordiv__ = __matmul__ = __rmatmul__ = _unsupported

    __hash__ = object.__hash__

    def __repr__(self) -> str:
        return f"Traced(node {self.index})"
