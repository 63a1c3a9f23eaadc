"""The recorded graph behind a Tensor, as boxes and edges for :func:`diffkit.plot.graph`.

Reads the tape's records (each ``Node``'s op, arguments, parents and output)
and works out every node's gradient with one extra backward pass that keeps
the graph and writes no ``.grad``.

Example
-------
>>> import diffkit as dk
>>> from diffkit.plot._tensor_graph import tensor_boxes
>>> x = dk.tensor([1.0, 2.0], requires_grad=True)
>>> boxes, edges = tensor_boxes((x * x).sum())
>>> [b.kind for b in boxes.values()], len(edges)
(['leaf', 'op', 'output'], 2)
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import ArgumentTypeError, GradientError
from ..expr.graph import trace_value

__all__ = ["Box", "tensor_boxes", "summary"]


@dataclass
class Box:
    """One node of a drawing: its lines of text and its kind (``input``, ``leaf``, ``const``, ``op``, ``output``)."""

    lines: list[str]
    kind: str


def _host(a: Any) -> np.ndarray:
    """A NumPy copy of an array from any backend (CuPy arrays come back from the device)."""
    return np.asarray(a.get() if hasattr(a, "get") else a)


def summary(a: Any) -> str:
    """A short text for an array: ``= value`` when it has at most 3 entries, else ``in [min, max]``
    (to 2 significant figures: the range is a glance, the values are in the tensor).

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.plot._tensor_graph import summary
    >>> summary(np.float64(0.5)), summary(np.array([1.0, 2.5])), summary(np.arange(6.0))
    ('= 0.5', '= [1, 2.5]', 'in [0, 5]')
    >>> summary(np.array([-0.6842, 0.0, 1e-4, 0.5841]))
    'in [-0.68, 0.58]'
    """
    v = _host(a)
    if v.size == 1:
        return "= " + trace_value(v.reshape(()).item())
    if v.size <= 3:
        return "= [" + ", ".join(trace_value(x) for x in v.ravel().tolist()) + "]"
    if not np.issubdtype(v.dtype, np.number):
        return f"{v.size} values"
    return f"in [{float(np.min(v)):.2g}, {float(np.max(v)):.2g}]"


def _shape(a: Any) -> str:
    v = _host(a)
    return f"{tuple(v.shape)} {v.dtype}" if v.shape else f"scalar {v.dtype}"


def _op_label(node: Any) -> str:
    """``mul(·, 3)``: the op's name, with its constant Python arguments and keyword parameters."""
    from ..ad.tensor import Tensor

    args = ["·" if isinstance(a, Tensor) else trace_value(a) if isinstance(a, numbers.Number) else "·"
            for a in node.args]
    name = getattr(node.op, "name", None) or node.name
    params = [f"{k}={v}" for k, v in (node.params or {}).items() if v is not None and v is not False and k != "xp"]
    inner = ", ".join(args) if any(a != "·" for a in args) else ""
    inner = ", ".join([x for x in (inner, ", ".join(params)) if x])
    label = f"{name}({inner})" if inner else name
    return label if len(label) <= 24 else f"{name}\n({inner})"  # long: the arguments on a line of their own


def _nodes_in_order(root: Any) -> list:
    """The tape's nodes behind ``root``, arguments before their uses (iterative: graphs can be deep)."""
    order, seen, stack = [], set(), [(root, False)]
    while stack:
        n, done = stack.pop()
        if done:
            order.append(n)
            continue
        if id(n) in seen:
            continue
        seen.add(id(n))
        if n.args is None:
            raise GradientError(
                f"the graph behind this tensor was freed by backward() (at {n.name}): draw it before "
                "backward() (dk.plot.graph works out every gradient itself), or call "
                "backward(retain_graph=True) first")
        stack.append((n, True))
        stack.extend((p, False) for p in reversed(n.parents) if p is not None and id(p) not in seen)
    return order


def _gradients(root: Any, nodes: list, leaves: list) -> dict:
    """d root / d every node and leaf (root summed if it is not a scalar), without touching ``.grad``."""
    from ..ad.tape import run_backward
    from ..ad.tensor import _make
    from ..expr.ops import namespace

    views = [_make(n.ans, True, n) for n in nodes]
    seed = namespace(root._data).ones_like(root._data)
    grads = run_backward([root], [seed], retain_graph=True, inputs=list(leaves) + views)
    out = {id(t): g for t, g in zip(leaves, grads[: len(leaves)])}
    out.update({id(n): g for n, g in zip(nodes, grads[len(leaves):])})
    return out


def tensor_boxes(t: Any, params: Mapping[str, Any] | None = None, grads: bool = True) -> tuple[dict, list]:
    """Boxes and edges of the graph recorded behind Tensor ``t``.

    Parameters
    ----------
    t : Tensor
        A result that requires grad (``loss``).
    params : mapping of name to Tensor, optional
        Names for leaves, e.g. ``dict(model.named_parameters())``.
    grads : bool
        Show each tensor's gradient ``d t / d tensor`` (``t`` summed if not a scalar).

    Returns
    -------
    (dict, list)
        ``{key: Box}`` in topological order, and edges ``(from_key, to_key)``.
    """
    from ..ad.tensor import Tensor

    root = t.grad_fn
    if root is None:
        raise ArgumentTypeError("this tensor has no recorded graph to draw: it is a leaf, or it was computed "
                                "under no_grad / inference_mode, or from tensors without requires_grad=True")
    nodes = _nodes_in_order(root)
    names = {id(v): k for k, v in (params or {}).items()}
    leaves: dict[int, Any] = {}
    for n in nodes:
        for a, p in zip(n.args, n.parents):
            if p is None and isinstance(a, Tensor):
                leaves.setdefault(id(a), a)
    g = _gradients(t, nodes, [a for a in leaves.values() if a.requires_grad]) if grads else {}
    boxes: dict = {}
    for key, a in leaves.items():
        kind = "leaf" if a.requires_grad else "const"
        lines = [names.get(key, "leaf" if a.requires_grad else "constant"), _shape(a._data), summary(a._data)]
        if g.get(key) is not None:
            lines.append(f"grad {summary(g[key]._data)}")
        boxes[key] = Box(lines, kind)
    edges = []
    for n in nodes:
        kind = "output" if n is root else "op"
        lines = _op_label(n).split("\n") + [_shape(n.ans), summary(n.ans)]
        if g.get(id(n)) is not None:
            lines.append(f"grad {summary(g[id(n)]._data)}")
        boxes[id(n)] = Box(lines, kind)
        for a, p in zip(n.args, n.parents):
            src = id(p) if p is not None else id(a) if isinstance(a, Tensor) else None
            if src is not None and (src, id(n)) not in edges:
                edges.append((src, id(n)))
    return boxes, edges
