"""Computational graphs, drawn with matplotlib: of an Expr, or of the tape behind a Tensor.

Nodes sit in layers (inputs first, as in the lecture's DAG figures), with a
layered layout whose edges never run through another node's box. Given a
point, each node of an Expr shows its value, and optionally its adjoint
``v̄ = ∂y/∂v``; a Tensor's graph shows every tensor's shape, value and
gradient, as micrograd's ``draw_dot`` and torchviz do, without the graphviz
binary.

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

from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Patch
from matplotlib.path import Path as MplPath

from ..errors import ArgumentError
from ._figure import MIN_FONT, PAGE_WIDTH, finish, house_style
from ._layered import Layout, layout
from ._tensor_graph import Box, tensor_boxes

__all__ = ["graph"]

#: Fill of each kind of node, and how the key names it.
KINDS = {
    "input": ("#cfe6f5", "input"),
    "leaf": ("#cfe6f5", "leaf tensor (requires_grad)"),
    "const": ("#f2f2f2", "constant tensor"),
    "op": ("#ffffff", "operation"),
    "output": ("#f9d9c2", "output"),
}
#: Padding inside a box, and the figure's margins (inches).
PAD = 0.07
MARGIN = 0.15
_TITLE_SPACE = 0.4
_KEY_SPACE = 0.85


def _text_size(lines: list[str]) -> tuple[float, float]:
    """Width and height (inches) of ``lines`` at the house font size."""
    renderer = RendererAgg(10, 10, 72)  # 72 dpi: one pixel is one point
    prop = FontProperties(size=MIN_FONT)
    width = max(renderer.get_text_width_height_descent(s, prop, ismath="$" in s)[0] for s in lines)
    return width / 72 + 2 * PAD, len(lines) * MIN_FONT * 1.25 / 72 + 2 * PAD


def _expr_boxes(f: Any, at: Mapping[str, Any] | None, adjoints: bool | Mapping[str, Any]) -> tuple[dict, list]:
    from ..expr.expr import as_expr
    from ..expr.graph import trace_value

    g = as_expr(f).graph
    values = g.evaluate(as_expr(f).bind(**at), keep=True) if at is not None else None
    adj: Mapping[str, Any] = {}
    if adjoints is True:
        if at is None:
            raise ArgumentError("adjoints=True needs a point: pass at={...}")
        from ..ad.reverse import adjoint_sweep

        bars = adjoint_sweep(g, values, {g.outputs[0]: 1.0}, list(g.inputs))
        adj = {g.label(i): b for i, b in enumerate(bars) if b is not None}
    elif isinstance(adjoints, Mapping):
        adj = adjoints
    boxes, edges = {}, []
    outputs = set(g.outputs)
    for node in g.nodes:
        i = node.index
        if node.is_const:
            continue
        if node.op is None:
            lines = [g.label(i) + (f" = {node.name}" if node.name else "")]
        else:
            lines = [g.label(i) + f" = {g.formula(i)}"]
            if node.name:
                lines.append(f"({node.name})")
        if values is not None:
            lines.append(f"value {trace_value(values[i])}")
        if g.label(i) in adj:
            lines.append(rf"$\bar{{v}}$ {trace_value(adj[g.label(i)])}")
        boxes[i] = Box(lines, "input" if node.op is None else "output" if i in outputs else "op")
        edges += [(a, i) for a in dict.fromkeys(node.args) if not g.nodes[a].is_const]
    return boxes, edges


def _arrange(boxes: dict, edges: list, direction: str | None) -> Layout:
    sizes = {k: _text_size(b.lines) for k, b in boxes.items()}
    late = any(b.kind in ("leaf", "const") for b in boxes.values())
    if direction is not None:
        if direction not in ("LR", "TB"):
            raise ArgumentError(f"direction={direction!r}: use 'LR' (left to right) or 'TB' (top to bottom)")
        return layout(sizes, edges, direction, late)
    lr = layout(sizes, edges, "LR", late)
    if lr.width + 2 * MARGIN <= PAGE_WIDTH:
        return lr
    tb = layout(sizes, edges, "TB", late)
    return tb if tb.width < lr.width else lr


def _draw(boxes: dict, lay: Layout, title: str, key_note: str, ax=None) -> Figure:
    width = max(PAGE_WIDTH, lay.width + 2 * MARGIN)
    height = lay.height + 2 * MARGIN + _TITLE_SPACE + _KEY_SPACE
    if ax is None:
        fig = Figure(figsize=(width, height))
        FigureCanvasAgg(fig)
        # axes in inches: one data unit is one inch, so text and boxes keep their measured sizes
        ax = fig.add_axes(((width - lay.width) / 2 / width - MARGIN / width, _KEY_SPACE / height,
                           (lay.width + 2 * MARGIN) / width, (lay.height + 2 * MARGIN) / height))
    else:
        fig = ax.figure
    for k, box in boxes.items():
        (x, y), (w, h) = lay.centre[k], lay.size[k]
        ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0,rounding_size=0.05",
                                    fc=KINDS[box.kind][0], ec="#333333", lw=1.0, zorder=2))
        ax.text(x, y, "\n".join(box.lines), ha="center", va="center", fontsize=MIN_FONT, zorder=3,
                linespacing=1.25)
    for _, _, pts in lay.routes:
        path = MplPath(pts, [MplPath.MOVETO] + [MplPath.LINETO] * (len(pts) - 1))
        ax.add_patch(FancyArrowPatch(path=path, arrowstyle="-|>", mutation_scale=9, color="#555555", lw=0.9,
                                     zorder=1, shrinkA=0, shrinkB=0))
    ax.set_xlim(-MARGIN, lay.width + MARGIN)
    ax.set_ylim(-MARGIN, lay.height + MARGIN)
    ax.set_aspect("equal")
    ax.set_axis_off()
    kinds = list(dict.fromkeys(b.kind for b in boxes.values()))
    handles = [Patch(fc=KINDS[k][0], ec="#333333", label=KINDS[k][1]) for k in kinds]
    fig.legend(handles=handles, loc="lower center", ncols=len(handles), fontsize=MIN_FONT, frameon=False,
               title=key_note, title_fontsize=MIN_FONT)
    fig.suptitle(title, fontsize=10.5, y=1 - 0.12 / fig.get_figheight(), va="top")
    return fig


@house_style
def graph(f: Any, at: Mapping[str, Any] | None = None, adjoints: bool | Mapping[str, Any] = False,
          params: Mapping[str, Any] | None = None, direction: str | None = None, ax=None,
          save: str | Path | None = None):
    """Draw the computational graph of ``f``: an Expr (text, program) or the tape behind a Tensor.

    Parameters
    ----------
    f : Expr, str, list of str, or Tensor
        The function, or a Tensor result (``loss``) whose recorded graph to draw:
        every operation with its output's shape, value (or range) and gradient
        ``d f / d tensor``, worked out here in a backward pass that writes no
        ``.grad``. Draw it before ``loss.backward()``, which frees the graph
        (or pass ``retain_graph=True`` to it).
    at : mapping, optional
        For an Expr: a point, at which each node then shows its value.
    adjoints : bool or mapping
        For an Expr: ``True`` to show each node's adjoint ``v̄ = ∂y/∂v``
        (reverse mode at ``at``), or a mapping from node label (``"v_1"``) to value.
    params : mapping of name to Tensor, optional
        For a Tensor: names for its leaves, e.g. ``dict(model.named_parameters())``.
    direction : ``"LR"`` or ``"TB"``, optional
        Layers left to right, or top to bottom (default: left to right when it fits a page).
    ax : matplotlib Axes, optional
        Draw into this axes (its data units are taken as inches).
    save : path, optional
        Also save the figure (.png, .svg or .pdf).

    Returns
    -------
    matplotlib.figure.Figure

    Example
    -------
    >>> import diffkit as dk
    >>> fig = dk.plot.graph(dk.examples.primer())
    >>> fig.texts[0].get_text()
    'Computational graph: 5 inputs, 9 ops'
    >>> w = dk.tensor([[0.5, -1.0]], requires_grad=True)
    >>> loss = (w @ dk.tensor([[2.0], [1.0]])).relu().sum()
    >>> fig = dk.plot.graph(loss, params={"w": w})
    >>> [t.get_text().split("\\n")[0] for t in fig.axes[0].texts]
    ['w', 'constant', 'matmul', 'relu', 'sum']
    """
    from ..ad.tensor import Tensor

    if isinstance(f, Tensor):
        boxes, edges = tensor_boxes(f, params)
        ops = sum(b.kind in ("op", "output") for b in boxes.values())
        leaves = sum(b.kind == "leaf" for b in boxes.values())
        title = f"Recorded graph: {leaves} leaf tensors, {ops} ops"
        note = ("each box: op, shape and dtype, value (or its range),\n"
                "and grad = d output / d tensor (what .grad holds after backward())")
    else:
        boxes, edges = _expr_boxes(f, at, adjoints)
        inputs = sum(b.kind == "input" for b in boxes.values())
        title = f"Computational graph: {inputs} inputs, {len(boxes) - inputs} ops"
        note = (r"$\bar{v} = \partial y / \partial v$ (adjoint): how much the output y changes per unit change "
                "of node v" if any(r"\bar" in s for b in boxes.values() for s in b.lines) else "")
    fig = _draw(boxes, _arrange(boxes, edges, direction), title, note, ax)
    return finish(fig, save)
