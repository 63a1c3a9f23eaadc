"""Forward mode: tangents carried along with the primal values.

Two ways in, one set of rules (the ops table's JVP rules, ``op.jvp_of``):

* :func:`tangent_sweep` walks a :class:`~diffkit.expr.graph.Graph` in
  topological order: for each node ``v_i = op(v_j, ...)`` it forms
  ``v̇_i = sum_j dv_i/dv_j v̇_j`` from the argument tangents. The values it
  works on may be floats, arrays (a leading batch axis on the tangents gives
  vector forward mode: many directions in one sweep) or traced values (then
  it writes the tangent program as a new graph, see :mod:`diffkit.ad.source`).
* :class:`Dual` numbers run a Python function directly: ``dk.sin(dual)``,
  ``dual * 2`` and every other op of the table dispatch to
  :meth:`Dual._dk_apply`, which computes the primal with the op and the
  tangent with the op's JVP rule. Nested calls (a derivative of a derivative)
  get a fresh, higher level each (:mod:`diffkit.expr.levels`), shared with
  the reverse-mode and batching transforms, so perturbations never get confused.

Example
-------
>>> import diffkit as dk
>>> from diffkit.ad.forward import jvp_function
>>> y, dy = jvp_function(lambda x: dk.sin(x) * x, (2.0,), (1.0,))
>>> round(float(dy), 6)  # cos(2)*2 + sin(2)
0.077004
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ..errors import ShapeError
from ..expr.counting import COUNTER
from ..expr.dual import Dual, dual_type, zeros_like
from ..expr.graph import Graph
from ..expr.levels import constant_like, new_level
from .transforms.arguments import plain_value
from .transforms.pytree import as_arrays, broadcast_prefix, flatten, number_as_array, tree_map, unflatten

__all__ = ["Dual", "dual_type", "tangent_sweep", "forward", "jvp_function", "zeros_like"]


def jvp_function(fn: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any],
                 has_aux: bool = False) -> tuple:
    """Run ``fn(*primals)`` with tangents attached: returns ``(fn(x), J_fn(x) · t)`` (and ``aux``).

    ``primals`` and ``tangents`` are sequences of pytrees of the same
    structure (a tangent may be None for zero, or a number for a constant
    direction). The output may be any pytree; its tangent has the same
    structure. With ``has_aux`` the function returns ``(output, aux)`` and so
    does this, with the tangent in between.

    Example
    -------
    >>> import diffkit as dk
    >>> from diffkit.ad.forward import jvp_function
    >>> jvp_function(lambda x, y: x * y, (3.0, 4.0), (1.0, 0.0))
    (12.0, 4.0)
    """
    primals = tuple(as_arrays(p) for p in primals)
    tangents = tuple(as_arrays(t) for t in tangents)
    if len(primals) != len(tangents):
        raise ShapeError(f"{len(primals)} primals but {len(tangents)} tangents; give one tangent per primal")
    leaves, tree = flatten(primals)
    seeds = broadcast_prefix(tangents, primals, "tangents")
    leaves = [number_as_array(p) for p in leaves]
    seeds = [number_as_array(t) for t in seeds]
    for p, t in zip(leaves, seeds):
        ps, ts = tuple(getattr(p, "shape", ())), tuple(getattr(t, "shape", ()))
        if t is not None and ts != ps and ts != ():
            raise ShapeError(f"tangent of shape {ts} for a primal of shape {ps}; they must match")
    with new_level() as d:
        cls = dual_type(d)
        out = fn(*unflatten(tree, [cls(p, t) for p, t in zip(leaves, seeds)]))
    aux = None
    if has_aux:
        from .transforms.reverse import split_aux

        out, aux = split_aux(out)
        aux = tree_map(lambda a: a.primal if type(a) is cls else a, aux)
    outs, out_tree = flatten(out)
    values, dots = [], []
    for o in outs:
        if type(o) is cls:
            values.append(o.primal)
            dots.append(constant_like(o.primal, 0.0) if o.tangent is None else o.tangent)
        else:  # does not depend on the primals at this level
            values.append(o)
            dots.append(constant_like(o, 0.0))
    result = unflatten(out_tree, [plain_value(v) for v in values]), unflatten(out_tree, [plain_value(t) for t in dots])
    return result + (aux,) if has_aux else result


# ---------------------------------------------------------------------------
# Forward mode on a Graph
# ---------------------------------------------------------------------------

def tangent_sweep(graph: Graph, values: Sequence[Any], tangents: Mapping[int, Any], *,
                  count: bool = False) -> list[Any]:
    """Tangents of every node, given all primal ``values`` and the tangents of some inputs.

    ``tangents`` maps node indices to tangents; nodes that depend on none of
    them get ``None`` (zero). With ``count=True`` each JVP rule applied is
    added to :data:`~diffkit.expr.counting.COUNTER` (one primitive, and its
    elements); diffkit functions the rules call count themselves.

    Example
    -------
    >>> import diffkit as dk
    >>> from diffkit.ad.forward import tangent_sweep
    >>> g = dk.expr("log(x1) + x1*x2 - sin(x2)").graph
    >>> vals = g.evaluate({"x1": 2.0, "x2": 5.0}, keep=True)
    >>> dots = tangent_sweep(g, vals, {0: 1.0})
    >>> float(dots[g.outputs[0]])
    5.5
    """
    nodes = graph.nodes
    dots: list[Any] = [None] * len(nodes)
    for i, t in tangents.items():
        dots[i] = t
    for i in graph.op_nodes:
        node = nodes[i]
        ts = tuple(dots[a] for a in node.args)
        if all(t is None for t in ts):
            continue
        args = tuple(values[a] for a in node.args)
        dots[i] = node.op.jvp_of(ts, values[i], args, node.params)
        if count:
            COUNTER.primitives += sum(t is not None for t in ts)
            COUNTER.elements += int(getattr(dots[i], "size", 1))
    return dots


def forward(graph: Graph, values: Mapping[str, Any], tangents: Mapping[str, Any]) -> tuple[list, list]:
    """One forward-mode pass over a graph: outputs and their tangents.

    ``tangents`` maps variable names to tangents (missing ones are zero). A
    tangent with one more leading axis than its value carries a batch of
    directions (vector forward mode); elementwise graphs broadcast it through.

    Example
    -------
    >>> import diffkit as dk, numpy as np
    >>> from diffkit.ad.forward import forward
    >>> g = dk.expr("x*y").graph
    >>> ys, dys = forward(g, {"x": 3.0, "y": 4.0}, {"x": np.array([1.0, 0.0]), "y": np.array([0.0, 1.0])})
    >>> dys[0]
    array([4., 3.])
    """
    vals = graph.evaluate(values, keep=True)
    index = {graph.nodes[i].name: i for i in graph.inputs}
    seeds = {index[n]: t for n, t in tangents.items() if t is not None}
    dots = tangent_sweep(graph, vals, seeds, count=True)
    outs = [vals[o] for o in graph.outputs]
    touts = [zeros_like(vals[o]) if dots[o] is None else dots[o] for o in graph.outputs]
    return outs, touts
