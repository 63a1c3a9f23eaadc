"""The computational graph of an Expr, drawn with matplotlib.

Nodes sit in columns by level (inputs on the left, outputs on the right), as
in the lecture's DAG figures; each shows its label, its op and, given a point,
its value, and optionally its adjoint.

Example
-------
>>> import diffkit as dk
>>> fig = dk.plot.graph(dk.expr("log(x1) + x1*x2 - sin(x2)"), at={"x1": 2.0, "x2": 5.0})
>>> len(fig.axes[0].patches) >= 7
True
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from ..errors import ArgumentError
from ..expr.expr import as_expr
from ..expr.graph import trace_value
from ._figure import finish, new_figure

__all__ = ["graph"]


def _layout(g) -> dict[int, tuple[float, float]]:
    """Column = level (longest path from an input); rows spread evenly within a column."""
    level: dict[int, int] = {}
    for node in g.nodes:
        if node.is_const:
            continue
        level[node.index] = 0 if node.op is None else 1 + max(
            (level[a] for a in node.args if a in level), default=0)
    columns: dict[int, list[int]] = {}
    for i, lv in level.items():
        columns.setdefault(lv, []).append(i)
    pos = {}
    for lv, ids in columns.items():
        n = len(ids)
        for k, i in enumerate(ids):
            pos[i] = (float(lv), (n - 1) / 2 - k)
    return pos


def graph(f: Any, at: Mapping[str, Any] | None = None, adjoints: bool | Mapping[str, Any] = False,
          ax=None, save: str | Path | None = None):
    """Draw the computational graph of ``f`` (an Expr, text or program).

    Parameters
    ----------
    f : Expr, str or list of str
        The function.
    at : mapping, optional
        A point: each node then shows its value there.
    adjoints : bool or mapping
        ``True`` to show each node's adjoint (reverse mode at ``at``), or a
        mapping from node label (``"v_1"``) to adjoint value.
    ax : matplotlib Axes, optional
        Draw into this axes instead of a new figure.
    save : path, optional
        Also save the figure (.png, .svg or .pdf).

    Returns
    -------
    matplotlib.figure.Figure

    Example
    -------
    >>> import diffkit as dk
    >>> fig = dk.plot.graph(dk.examples.primer())
    >>> fig.axes[0].get_title()
    'Computational graph: 5 inputs, 9 ops'
    """
    f = as_expr(f)
    g = f.graph
    values = g.evaluate(f.bind(**at), keep=True) if at is not None else None
    adj: Mapping[str, Any] = {}
    if adjoints is True:
        if at is None:
            raise ArgumentError("adjoints=True needs a point: pass at={...}")
        from ..ad.reverse import adjoint_sweep

        bars = adjoint_sweep(g, values, {g.outputs[0]: 1.0}, list(g.inputs))
        adj = {g.label(i): b for i, b in enumerate(bars) if b is not None}
    elif isinstance(adjoints, Mapping):
        adj = adjoints
    if ax is None:
        fig, ax = new_figure(size=(max(6.0, 2.2 * (1 + _depth(g))), max(3.5, 1.3 * _width(g))))
    else:
        fig = ax.figure
    pos = _layout(g)
    outputs = set(g.outputs)
    for i, (x, y) in pos.items():
        node = g.nodes[i]
        lines = [g.label(i) + (f" = {node.name}" if node.name else "")]
        if node.op is not None:
            lines.append(g.formula(i))
        if values is not None:
            lines.append(f"= {trace_value(values[i])}")
        if g.label(i) in adj:
            lines.append(f"adj {trace_value(adj[g.label(i)])}")
        colour = "#dbe9f6" if node.op is None else ("#fde2c8" if i in outputs else "#eeeeee")
        ax.add_patch(FancyBboxPatch((x - 0.38, y - 0.3), 0.76, 0.6, boxstyle="round,pad=0.02",
                                    fc=colour, ec="#333333", lw=1.0, zorder=2))
        ax.text(x, y, "\n".join(lines), ha="center", va="center", fontsize=8, zorder=3)
    for i in g.op_nodes:
        for a in g.nodes[i].args:
            if a in pos:
                (x0, y0), (x1, y1) = pos[a], pos[i]
                ax.add_patch(FancyArrowPatch((x0 + 0.38, y0), (x1 - 0.38, y1), arrowstyle="-|>",
                                             mutation_scale=10, color="#555555", lw=0.9, zorder=1))
    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    ax.set_xlim(min(xs) - 0.6, max(xs) + 0.6)
    ax.set_ylim(min(ys) - 0.6, max(ys) + 0.6)
    ax.set_axis_off()
    ax.set_title(f"Computational graph: {len(g.inputs)} inputs, {len(g.op_nodes)} ops")
    return finish(fig, save)


def _depth(g) -> int:
    return int(max((p[0] for p in _layout(g).values()), default=0))


def _width(g) -> int:
    cols: dict[float, int] = {}
    for x, _ in _layout(g).values():
        cols[x] = cols.get(x, 0) + 1
    return max(cols.values(), default=1)
