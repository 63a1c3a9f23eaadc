"""Reverse mode on a Graph: a primal sweep that keeps every value, then an adjoint sweep.

The adjoint sweep walks the op nodes from last to first. For a node
``v_i = op(v_j, v_k)`` with adjoint ``v̄_i`` it asks the ops table for the
cotangents of the arguments (``op.vjps``: ``v̄_i ∂v_i/∂v_j``) and adds each
into the argument's adjoint: a node read by several others (fan-out) sums
their contributions, the lecture's modular backprop. Which arguments need an
adjoint at all is decided once, by a forward pass marking the nodes that
depend on a variable we differentiate with respect to.

The sweep is generic in its values: on floats and arrays it computes the
gradient (:func:`reverse`); on traced values it writes the adjoint program
as a new graph, which :mod:`diffkit.ad.source` turns into Python code.

Example
-------
>>> import diffkit as dk
>>> from diffkit.ad.reverse import reverse
>>> f = dk.expr("log(x1) + x1*x2 - sin(x2)")
>>> value, grads = reverse(f.graph, {"x1": 2.0, "x2": 5.0})
>>> round(float(value[0]), 3), [round(float(g), 3) for g in grads[0]]
(11.652, [5.5, 1.716])
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ..expr.counting import COUNTER
from ..expr.graph import Graph
from ..expr.ops import sum_to
from .forward import zeros_like

__all__ = ["active_nodes", "adjoint_sweep", "reverse"]


def active_nodes(graph: Graph, wrt: Sequence[int]) -> list[bool]:
    """For each node, whether it depends on one of the nodes ``wrt`` (so needs an adjoint).

    Example
    -------
    >>> import diffkit as dk
    >>> from diffkit.ad.reverse import active_nodes
    >>> g = dk.expr("sin(x) + y").graph
    >>> active_nodes(g, [g.inputs[1]])
    [False, True, False, True]
    """
    active = [False] * len(graph.nodes)
    for i in wrt:
        active[i] = True
    nodes = graph.nodes
    for i in graph.op_nodes:
        if any(active[a] for a in nodes[i].args):
            active[i] = True
    return active


def _shape(v: Any) -> tuple:
    return tuple(getattr(v, "shape", ()))


def adjoint_sweep(graph: Graph, values: Sequence[Any], seeds: Mapping[int, Any], wrt: Sequence[int], *,
                  reduce: bool = False, count: bool = False,
                  record: Callable[[int, int, int, bool, Any], None] | None = None) -> list[Any]:
    """Adjoints of every node from the adjoints ``seeds`` of some nodes (usually the outputs).

    Parameters
    ----------
    graph : Graph
    values : sequence
        Every node's primal value (``graph.evaluate(..., keep=True)``).
    seeds : mapping of int to value
        Node index to its adjoint, e.g. ``{graph.outputs[0]: 1.0}``.
    wrt : sequence of int
        Nodes whose adjoints are wanted; only paths leading to them are swept.
    reduce : bool
        Sum cotangents that came back broadcast larger than their argument
        down to its shape (``sum_to``), as a vector-Jacobian product needs.
        Without it, an Expr evaluated at many points gets each point's own
        derivative.
    count : bool
        Add each rule applied (and each fan-out sum) to the op counter.
    record : callable, optional
        ``record(i, k, j, accumulated, contribution)`` is called for each
        contribution from node ``i`` to its ``k``-th argument, node ``j``
        (traces use it).

    Returns
    -------
    list
        Adjoint of every node, ``None`` where it is zero or not needed.

    Example
    -------
    >>> import diffkit as dk
    >>> from diffkit.ad.reverse import adjoint_sweep
    >>> g = dk.expr("x*x").graph
    >>> vals = g.evaluate({"x": 3.0}, keep=True)
    >>> float(adjoint_sweep(g, vals, {g.outputs[0]: 1.0}, g.inputs)[0])  # fan-out: 3 + 3
    6.0
    """
    nodes = graph.nodes
    active = active_nodes(graph, wrt)
    bars: list[Any] = [None] * len(nodes)
    for i, s in seeds.items():
        if s is not None:
            bars[i] = s if bars[i] is None else bars[i] + s
    for i in reversed(graph.op_nodes):
        g = bars[i]
        if g is None or not active[i]:
            continue
        node = nodes[i]
        args = tuple(values[a] for a in node.args)
        needs = tuple(active[a] for a in node.args)
        cts = node.op.vjps(g, values[i], args, node.params, needs)
        for k, (a, ct) in enumerate(zip(node.args, cts)):
            if ct is None:
                continue
            if reduce and _shape(ct) != _shape(values[a]):
                ct = sum_to(ct, shape=_shape(values[a]))
            if count:
                COUNTER.primitives += 1
                COUNTER.elements += int(getattr(ct, "size", 1))
            if record is not None:
                record(i, k, a, bars[a] is not None, ct)
            if bars[a] is None:
                bars[a] = ct
            else:
                bars[a] = bars[a] + ct
                if count:
                    COUNTER.primitives += 1
                    COUNTER.elements += int(getattr(bars[a], "size", 1))
    return bars


def reverse(graph: Graph, values: Mapping[str, Any], cotangents: Sequence[Any] | None = None,
            wrt: Sequence[str] | None = None, *, reduce: bool = False) -> tuple[list, list]:
    """Reverse mode, interpreted: outputs and, per output, the adjoints of the variables ``wrt``.

    One primal sweep keeps every value, then one adjoint sweep per output
    (seeded with 1, or ``cotangents[k]``) gives row ``k`` of the Jacobian.
    Zero adjoints are returned as zeros shaped like the variable.

    Example
    -------
    >>> import diffkit as dk
    >>> from diffkit.ad.reverse import reverse
    >>> ys, rows = reverse(dk.expr("x*y, x + y").graph, {"x": 3.0, "y": 4.0})
    >>> [[float(d) for d in row] for row in rows]
    [[4.0, 3.0], [1.0, 1.0]]
    """
    vals = graph.evaluate(values, keep=True)
    index = {graph.nodes[i].name: i for i in graph.inputs}
    wrt_idx = [index[n] for n in (wrt if wrt is not None else graph.variables)]
    rows = []
    for k, o in enumerate(graph.outputs):
        seed = 1.0 if cotangents is None else cotangents[k]
        bars = adjoint_sweep(graph, vals, {o: seed}, wrt_idx, reduce=reduce, count=True)
        rows.append([zeros_like(vals[i]) if bars[i] is None else bars[i] for i in wrt_idx])
    return [vals[o] for o in graph.outputs], rows
