"""A layered ("Sugiyama") drawing of a small DAG with boxes for nodes, in plain matplotlib.

The graphviz binary would do this better, but a student's machine rarely has
it; the graphs drawn here have tens of nodes, for which the classic steps are
enough:

1. layers: every node one layer after its latest argument;
2. an edge that skips layers gets a dummy node in each layer it crosses, with
   a slot of its own, so no edge runs through a box;
3. the order within each layer is improved by barycentre sweeps, keeping the
   order with the fewest crossings;
4. positions along each layer follow the neighbours' mean, without overlap.

Edges leave a box straight out of the side facing the next layer, run to the
edge of that layer's band, and cross the gap to the next band: inside a band
they are straight runs at their own node's (or dummy's) height, which no
other box occupies.

Example
-------
>>> from diffkit.plot._layered import layout
>>> lay = layout({0: (1.0, 0.5), 1: (1.0, 0.5), 2: (1.0, 0.5)}, [(0, 2), (1, 2)])
>>> lay.layer
{0: 0, 1: 0, 2: 1}
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = ["layout", "Layout"]

#: Gap between boxes within a layer, and between layers (inches).
GAP_IN_LAYER = 0.15
GAP_BETWEEN_LAYERS = 0.45
#: Slot a dummy node (an edge passing through a layer) takes within its layer (inches).
DUMMY_SLOT = 0.12


@dataclass
class Layout:
    """Where everything goes, in inches (x to the right, y up).

    Attributes
    ----------
    centre : dict
        Node -> (x, y) of its box's centre.
    size : dict
        Node -> (width, height) of its box.
    layer : dict
        Node -> its layer (0 = first).
    routes : list
        One ``(u, v, points)`` per edge: the polyline from u's box to v's box.
    width, height : float
        The drawing's extent.
    direction : str
        ``"LR"`` (layers are columns) or ``"TB"`` (layers are rows, first on top).
    """

    centre: dict
    size: dict
    layer: dict
    routes: list = field(default_factory=list)
    width: float = 0.0
    height: float = 0.0
    direction: str = "LR"


def _layers(nodes: Sequence[Any], preds: Mapping[Any, list], late_sources: bool) -> dict:
    layer: dict = {}
    for n in nodes:  # nodes come in topological order
        layer[n] = 1 + max((layer[p] for p in preds[n]), default=-1)
    if late_sources:  # a parameter sits just before its first use, not far back in layer 0
        succs: dict = {n: [] for n in nodes}
        for n in nodes:
            for p in preds[n]:
                succs[p].append(n)
        for n in nodes:
            if not preds[n] and succs[n]:
                layer[n] = min(layer[s] for s in succs[n]) - 1
    return layer


def _crossings(order: list[list], up: Mapping[Any, list]) -> int:
    """Edge crossings between consecutive layers (each edge as positions in the two layers)."""
    total = 0
    for k in range(1, len(order)):
        pos = {n: i for i, n in enumerate(order[k - 1])}
        edges = [(pos[p], j) for j, n in enumerate(order[k]) for p in up[n]]
        for a in range(len(edges)):
            for b in range(a + 1, len(edges)):
                (p1, q1), (p2, q2) = edges[a], edges[b]
                total += (p1 - p2) * (q1 - q2) < 0
    return total


def _sweep(order: list[list], nbrs: Mapping[Any, list], layers: range) -> None:
    for k in layers:
        ref = order[k - 1] if layers.step > 0 else order[k + 1]
        pos = {n: i for i, n in enumerate(ref)}
        keyed = []
        for i, n in enumerate(order[k]):
            ps = [pos[p] for p in nbrs[n] if p in pos]
            keyed.append((sum(ps) / len(ps) if ps else i, i, n))
        order[k] = [n for _, _, n in sorted(keyed)]


def _place(order: list[list], extent: Mapping[Any, float], nbrs_up: Mapping, nbrs_down: Mapping) -> dict:
    """Coordinates along each layer: pulled towards the neighbours' mean, kept in order without overlap."""
    pos: dict = {}
    for row in order:
        y = 0.0
        for n in row:
            pos[n] = y + extent[n] / 2
            y += extent[n] + GAP_IN_LAYER
    for _ in range(6):
        for rows, nbrs in ((order[1:], nbrs_up), (order[-2::-1], nbrs_down)):
            for row in rows:
                want = {n: (sum(pos[m] for m in nbrs[n]) / len(nbrs[n]) if nbrs[n] else pos[n]) for n in row}
                for n in row:
                    pos[n] = want[n]
                for i in range(1, len(row)):  # push apart, forwards then backwards around the mean shift
                    a, b = row[i - 1], row[i]
                    need = (extent[a] + extent[b]) / 2 + GAP_IN_LAYER
                    if pos[b] - pos[a] < need:
                        pos[b] = pos[a] + need
                shift = sum(want[n] - pos[n] for n in row) / len(row)
                for n in row:
                    pos[n] += shift
    # no layer may stick out past the widest one: pulling towards neighbours must not widen the drawing
    natural = [sum(extent[n] for n in row) + GAP_IN_LAYER * (len(row) - 1) for row in order]
    width = max(natural, default=0.0)
    for row, size in zip(order, natural):
        if not row:
            continue
        lo, hi = pos[row[0]] - extent[row[0]] / 2, pos[row[-1]] + extent[row[-1]] / 2
        if hi - lo > width:  # spread out by the pull: pack it again, around its middle
            y = (lo + hi - size) / 2
            for n in row:
                pos[n] = y + extent[n] / 2
                y += extent[n] + GAP_IN_LAYER
            lo, hi = (lo + hi - size) / 2, (lo + hi + size) / 2
        shift = -lo if lo < 0 else (width - hi if hi > width else 0.0)
        for n in row:
            pos[n] += shift
    return pos


def layout(sizes: Mapping[Any, tuple[float, float]], edges: Sequence[tuple[Any, Any]],
           direction: str = "LR", late_sources: bool = False) -> Layout:
    """Lay out a DAG given each node's box size (inches) and its edges ``(from, to)``.

    ``sizes`` must list the nodes in a topological order (arguments before their uses).
    ``late_sources`` puts a node without arguments just before its first use.

    Example
    -------
    >>> from diffkit.plot._layered import layout
    >>> lay = layout({"a": (1, 0.4), "b": (1, 0.4), "c": (1, 0.4)}, [("a", "b"), ("a", "c"), ("b", "c")])
    >>> lay.layer["c"], len(lay.routes)
    (2, 3)
    """
    nodes = list(sizes)
    preds: dict = {n: [] for n in nodes}
    for u, v in edges:
        if u != v and u not in preds[v]:
            preds[v].append(u)
    layer = _layers(nodes, preds, late_sources)
    depth = max(layer.values(), default=0) + 1
    # chains of dummies for edges that skip layers
    up: dict = {n: [] for n in nodes}
    down: dict = {n: [] for n in nodes}
    chains: dict = {}
    for v in nodes:
        for u in preds[v]:
            chain, prev = [u], u
            for k in range(layer[u] + 1, layer[v]):
                d = ("dummy", u, v, k)
                up[d], down[d] = [prev], []
                down[prev].append(d)
                chain.append(d)
                layer[d] = k
                prev = d
            up[v].append(prev)
            down[prev].append(v)
            chains[(u, v)] = chain + [v]
    order: list[list] = [[] for _ in range(depth)]
    for n in list(up):
        order[layer[n]].append(n)
    best, best_x = [list(r) for r in order], _crossings(order, up)
    for _ in range(8):
        _sweep(order, up, range(1, depth))
        _sweep(order, down, range(depth - 2, -1, -1))
        x = _crossings(order, up)
        if x < best_x:
            best, best_x = [list(r) for r in order], x
    order = best
    rank_dim = 0 if direction == "LR" else 1  # the box dimension (0 width, 1 height) that runs across the layers
    extent = {n: (sizes[n][1 - rank_dim] if n in sizes else DUMMY_SLOT) for n in up}
    along = _place(order, extent, up, down)
    band = [max((sizes[n][rank_dim] for n in row if n in sizes), default=DUMMY_SLOT) for row in order]
    start = [sum(band[:k]) + GAP_BETWEEN_LAYERS * k for k in range(depth)]
    rank = {n: start[layer[n]] + band[layer[n]] / 2 for n in up}
    span_rank = start[-1] + band[-1] if depth else 0.0
    span_along = max((along[n] + extent[n] / 2 for n in up), default=0.0)

    def xy(r: float, a: float) -> tuple[float, float]:
        return (r, span_along - a) if direction == "LR" else (a, span_rank - r)

    centre = {n: xy(rank[n], along[n]) for n in nodes}
    routes = []
    for (u, v), chain in chains.items():
        pts = [xy(rank[u] + sizes[u][rank_dim] / 2, along[u])]
        for d in chain[1:-1]:
            k = layer[d]
            pts += [xy(start[k], along[d]), xy(start[k] + band[k], along[d])]
        k = layer[u]
        pts.insert(1, xy(start[k] + band[k], along[u]))
        kv = layer[v]
        pts += [xy(start[kv], along[v]), xy(rank[v] - sizes[v][rank_dim] / 2, along[v])]
        routes.append((u, v, _dedupe(pts)))
    width, height = (span_rank, span_along) if direction == "LR" else (span_along, span_rank)
    return Layout(centre, {n: tuple(sizes[n]) for n in nodes}, {n: layer[n] for n in nodes}, routes,
                  width, height, direction)


def _dedupe(pts: list[tuple[float, float]]) -> list[tuple[float, float]]:
    out = [pts[0]]
    for p in pts[1:]:
        if abs(p[0] - out[-1][0]) > 1e-9 or abs(p[1] - out[-1][1]) > 1e-9:
            out.append(p)
    return out
