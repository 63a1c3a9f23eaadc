"""Derivative programs as graphs: the gradient, tangent and higher-derivative graphs of an Expr's graph.

:func:`gradient_graph` runs the ops table's VJP rules
(:func:`~diffkit.ad.reverse.adjoint_sweep`) and :func:`tangent_graph` its JVP
rules (:func:`~diffkit.ad.forward.tangent_sweep`) on traced values that fold
constants (no ``* 1`` or ``+ 0``) and share repeated subexpressions, so the
recorded :class:`~diffkit.expr.graph.Graph` is the derivative program a
person would write: the primal sweep, then the derivative sweep.
:mod:`diffkit.ad.source` writes these graphs out as Python code and runs
them; they live apart because recording a program and spelling it are
separate concerns (and :mod:`.source` re-exports the three functions).

Example
-------
>>> import diffkit as dk
>>> from diffkit.ad.source_graphs import gradient_graph
>>> g, _ = gradient_graph(dk.expr("x*y").graph, ("x", "y"))
>>> [float(v) for v in g.evaluate({"x": 2.0, "y": 5.0})]
[10.0, 5.0, 2.0]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..expr.graph import Graph, GraphBuilder, Node
from ..expr.ops import OPS, Op
from ..expr.tracer import Traced
from .forward import tangent_sweep
from .reverse import adjoint_sweep

__all__ = ["gradient_graph", "tangent_graph", "derivative_graph"]


class _SharingBuilder(GraphBuilder):
    """A GraphBuilder that returns the existing node for a repeated ``op(args)``."""

    def __init__(self) -> None:
        super().__init__()
        self._seen: dict[tuple, int] = {}

    def emit(self, op: Op, args: tuple[int, ...], params: dict) -> int:
        """Append ``op(args)`` (or find it already there); the fast path of :meth:`apply`."""
        if params:
            try:
                key = (op.name, args, tuple(sorted(params.items())))
                hash(key)
            except TypeError:
                return super().apply(op, args, params)
        else:
            key = (op.name, args)
        found = self._seen.get(key)
        if found is None:
            nodes = self.nodes
            found = len(nodes)
            nodes.append(Node(found, op, args, params))
            self._seen[key] = found
        return found

    def apply(self, op, args, params=None):
        op = OPS[op] if isinstance(op, str) else op
        if op.arity >= 0 and len(args) != op.arity:
            return super().apply(op, args, params)  # raises the arity error
        return self.emit(op, tuple(args), dict(params or {}))


_NUMBERS = (int, float, complex, np.number)


class _Folding(Traced):
    """A traced value whose ops skip ``* 1``, ``+ 0``, ``--x`` and compute constant ones.

    Derivative programs are recorded with it; it is written for speed (a
    10^5-node gradient program is recorded in about a second).
    """

    __slots__ = ()

    @staticmethod
    def _records(op: Op) -> bool:
        # derivative rules select: where and comparisons, besides the elementwise ops
        return op.kind in ("elementwise", "comparison") or op.name == "where"

    def _neg_arg(self) -> int | None:
        node = self.builder.nodes[self.index]
        return node.args[0] if node.op is not None and node.op.name == "neg" else None

    @classmethod
    def _dk_apply(cls, op: Op, args: tuple, params: dict) -> Any:
        b = None
        for a in args:
            if type(a) is cls:
                b = a.builder
                break
        if b is None:
            if all(isinstance(a, _NUMBERS) and not isinstance(a, bool) for a in args):
                with np.errstate(all="ignore"):
                    out = op.impl(np, *args, **params)
                return out.item() if hasattr(out, "item") else out
            return super()._dk_apply(op, args, params)
        if op.kind != "elementwise":
            return super()._dk_apply(op, args, params)  # raises the explanation
        name = op.name
        if len(args) == 2:
            x, y = args
            cx = None if type(x) is cls else x
            cy = None if type(y) is cls else y
            if name == "mul":
                if cx is not None:
                    if cx == 1:
                        return y
                    if cx == -1:
                        return cls._dk_apply(OPS["neg"], (y,), {})
                if cy is not None:
                    if cy == 1:
                        return x
                    if cy == -1:
                        return cls._dk_apply(OPS["neg"], (x,), {})
            elif name == "add":
                if cx is not None and cx == 0:
                    return y
                if cy is not None and cy == 0:
                    return x
                if cy is None and y._neg_arg() is not None:
                    return cls._dk_apply(OPS["sub"], (x, cls(b, y._neg_arg())), {})
                if cx is None and x._neg_arg() is not None:
                    return cls._dk_apply(OPS["sub"], (y, cls(b, x._neg_arg())), {})
            elif name == "sub":
                if cy is not None and cy == 0:
                    return x
                if cx is not None and cx == 0:
                    return cls._dk_apply(OPS["neg"], (y,), {})
                if cy is None and y._neg_arg() is not None:
                    return cls._dk_apply(OPS["add"], (x, cls(b, y._neg_arg())), {})
            elif name == "div":
                if cy is not None:
                    if cy == 1:
                        return x
                    if cy == -1:
                        return cls._dk_apply(OPS["neg"], (x,), {})
            elif name == "pow" and cy is not None and cy == 1:
                return x
            ia = x.index if cx is None else b.const(cx)
            ib = y.index if cy is None else b.const(cy)
            return cls(b, b.emit(op, (ia, ib), params))
        if len(args) == 1:
            (x,) = args
            if name == "neg" and x._neg_arg() is not None:
                return cls(b, x._neg_arg())
            return cls(b, b.emit(op, (x.index,), params))
        idx = tuple(a.index if type(a) is cls else b.const(a) for a in args)
        return cls(b, b.emit(op, idx, params))


    # Operators straight to _dk_apply (one call fewer per recorded op than Traced's).
    def __add__(self, o): return _Folding._dk_apply(_ADD, (self, o), {})
    def __radd__(self, o): return _Folding._dk_apply(_ADD, (o, self), {})
    def __sub__(self, o): return _Folding._dk_apply(_SUB, (self, o), {})
    def __rsub__(self, o): return _Folding._dk_apply(_SUB, (o, self), {})
    def __mul__(self, o): return _Folding._dk_apply(_MUL, (self, o), {})
    def __rmul__(self, o): return _Folding._dk_apply(_MUL, (o, self), {})
    def __truediv__(self, o): return _Folding._dk_apply(_DIV, (self, o), {})
    def __rtruediv__(self, o): return _Folding._dk_apply(_DIV, (o, self), {})
    def __neg__(self): return _Folding._dk_apply(_NEG, (self,), {})


_ADD, _SUB, _MUL, _DIV, _NEG = (OPS[n] for n in ("add", "sub", "mul", "div", "neg"))


def _trace_into(graph: Graph, b: GraphBuilder, inputs: Mapping[str, Any]) -> list[Any]:
    """Every node of ``graph`` re-recorded into builder ``b`` (the inputs are traced values
    of ``b``; folding and sharing happen as they record)."""
    return graph.evaluate(inputs, keep=True, count=False)


def _freeze(b: GraphBuilder, outs: Sequence[Any], variables: Sequence[str],
            marks: Sequence[int] = ()) -> tuple[Graph, list[int]]:
    """The recorded program as a Graph, in recording order (primal sweep, then
    adjoint sweep): inputs, constants and ops keep the builder's indices."""
    out_idx = [o.index if isinstance(o, Traced) else b.const(o) for o in outs]
    for n in variables:
        b.input(n)
    graph = Graph(b.nodes, tuple(b._inputs[n] for n in variables), tuple(out_idx))
    return graph, list(marks)


def _input_map(graph: Graph, b: GraphBuilder) -> dict[str, _Folding]:
    return {n: _Folding(b, b.input(n)) for n in graph.variables}


def gradient_graph(graph: Graph, wrt: Sequence[str], *, value: bool = True,
                   output: int | None = None, cotangent_inputs: bool = False) -> tuple[Graph, list[int]]:
    """The adjoint program of ``graph`` as a graph: outputs ``[y_1..y_m,] dy_k/dw ...``.

    Row ``k`` (one adjoint sweep seeded with ``ȳ_k = 1``) lists the derivatives
    of output ``k`` with respect to each of ``wrt``. With ``output=k`` only
    that output (its value and its row) is computed. With
    ``cotangent_inputs=True`` the output adjoints ``ȳ`` are extra inputs and
    one sweep gives the vector-Jacobian product ``ȳᵀ J`` (one row per run
    when ``ȳ = e_k``). Returns the graph and the node index where the
    adjoint sweep starts.

    Example
    -------
    >>> import diffkit as dk
    >>> from diffkit.ad.source import gradient_graph
    >>> g, _ = gradient_graph(dk.expr("x*y").graph, ("x", "y"))
    >>> [float(v) for v in g.evaluate({"x": 3.0, "y": 4.0})]
    [12.0, 4.0, 3.0]
    """
    b = _SharingBuilder()
    variables = list(graph.variables)
    vals = _trace_into(graph, b, _input_map(graph, b))
    mark = len(b.nodes)
    index = {graph.nodes[i].name: i for i in graph.inputs}
    wrt_idx = [index[w] for w in wrt]
    if cotangent_inputs:
        taken = set(variables)
        seeds: dict[int, Any] = {}
        for name, o in zip(graph.output_names, graph.outputs):
            t = _tangent_name(name + "\u0304", taken)
            taken.add(t)
            variables.append(t)
            bar = _Folding(b, b.input(t))
            seeds[o] = bar if o not in seeds else seeds[o] + bar
        bars = adjoint_sweep(graph, vals, seeds, wrt_idx)
        outs = ([vals[o] for o in graph.outputs] if value else []) + [
            0.0 if bars[i] is None else bars[i] for i in wrt_idx]
        return _freeze(b, outs, variables, [mark])
    chosen = graph.outputs if output is None else (graph.outputs[output],)
    outs = [vals[o] for o in chosen] if value else []
    for o in chosen:
        bars = adjoint_sweep(graph, vals, {o: 1.0}, wrt_idx)
        outs += [0.0 if bars[i] is None else bars[i] for i in wrt_idx]
    return _freeze(b, outs, graph.variables, [mark])


def _tangent_name(name: str, taken: set[str]) -> str:
    t = name + "'"
    while t in taken:
        t += "'"
    return t


def tangent_graph(graph: Graph, wrt: Sequence[str], seeds: Mapping[str, float] | None = None, *,
                  value: bool = True) -> tuple[Graph, list[int]]:
    """The tangent (forward-mode) program of ``graph``: outputs ``[y_1..y_m,] ẏ_1..ẏ_m``.

    With ``seeds=None`` the tangents of ``wrt`` are extra inputs (named
    ``x'``), so one program serves every direction; with constant seeds
    (``{"x": 1.0}``) they are folded in.

    Example
    -------
    >>> import diffkit as dk
    >>> from diffkit.ad.source import tangent_graph
    >>> g, _ = tangent_graph(dk.expr("x*y").graph, ("x",))
    >>> g.variables
    ('x', 'y', "x'")
    >>> [float(v) for v in g.evaluate({"x": 3.0, "y": 4.0, "x'": 1.0})]
    [12.0, 4.0]
    """
    b = _SharingBuilder()
    inputs = _input_map(graph, b)
    variables = list(graph.variables)
    if seeds is None:
        taken = set(variables)
        tans = {}
        for w in wrt:
            t = _tangent_name(w, taken)
            taken.add(t)
            variables.append(t)
            tans[w] = _Folding(b, b.input(t))
    else:
        tans = {w: float(seeds[w]) for w in wrt if seeds.get(w)}
    vals = _trace_into(graph, b, inputs)
    mark = len(b.nodes)
    index = {graph.nodes[i].name: i for i in graph.inputs}
    dots = tangent_sweep(graph, vals, {index[w]: t for w, t in tans.items()})
    outs = ([vals[o] for o in graph.outputs] if value else []) + [
        0.0 if dots[o] is None else dots[o] for o in graph.outputs]
    return _freeze(b, outs, variables, [mark])


def derivative_graph(graph: Graph, wrt: str, order: int) -> Graph:
    """``d^k y/dw^k`` by nested forward mode: the tangent program of the tangent program...

    Example
    -------
    >>> import diffkit as dk
    >>> from diffkit.ad.source import derivative_graph
    >>> g = derivative_graph(dk.expr("x^3").graph, "x", 2)
    >>> float(g.evaluate({"x": 2.0})[0])
    12.0
    """
    for _ in range(order):
        graph, _s = tangent_graph(graph, (wrt,), {wrt: 1.0}, value=False)
    return graph
