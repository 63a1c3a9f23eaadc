"""The reverse-mode tape: plain node records and the backward pass over them.

Every differentiable Tensor op that runs while grad mode is on leaves one
:class:`Node`: the op from the ops table, the arguments it was applied to,
its parameters, its output array and which arguments want a gradient. A node
holds no closure and no reference to its output Tensor, so building a graph
makes no reference cycles (the graph is freed by reference counting alone).

:func:`run_backward` walks the nodes reachable from the outputs in a
topological order computed iteratively (Kahn's algorithm on consumer counts),
so graphs 10^5 nodes deep do not hit Python's recursion limit. At each node it
applies the op's VJP rules (``Op.vjps``) to the summed cotangent, reduces
broadcast cotangents with the ``sum_to`` op, and sums the contributions of
every consumer (fan-out). Leaves accumulate into ``.grad``.

In-place changes are caught by version counters: each Tensor carries a cell
``[version, clock]`` and every in-place op stamps it with a global clock. A
node remembers the clock when it was recorded; if an argument or the output
was stamped later, its saved values are stale and backward refuses.

Example
-------
>>> import diffkit as dk
>>> x = dk.tensor([1.0, 2.0], requires_grad=True)
>>> y = (x * x).sum()
>>> y.grad_fn
<SumBackward>
>>> y.backward()
>>> x.grad
tensor([2., 4.])
"""

from __future__ import annotations

import weakref
from typing import Any

from ..errors import GradientError
from ..expr.counting import COUNTER
from ..expr.ops import Op, namespace, real, sum_to
from ..expr.ops.support import is_complex
from .grad_mode import STATE

__all__ = ["Node", "AccumulateGrad", "run_backward", "CLOCK"]


class _Clock:
    """The global in-place clock: ticks once per in-place op."""

    __slots__ = ("now",)

    def __init__(self) -> None:
        self.now = 0


CLOCK = _Clock()

_NAMES: dict[str, str] = {}


def _backward_name(op_name: str) -> str:
    name = _NAMES.get(op_name)
    if name is None:
        name = "".join(p[:1].upper() + p[1:] for p in op_name.split("_")) + "Backward"
        _NAMES[op_name] = name
    return name


class Node:
    """One recorded op application: a plain record, no closures.

    Attributes
    ----------
    op : Op
        The ops-table entry (or a custom :class:`~diffkit.Function`'s adapter).
    args : tuple or None
        The arguments as given (Tensors and constants); ``None`` once freed.
    params : dict
        Keyword parameters of the op (``axis``, ``shape``, ...).
    ans : array or None
        The op's output array; ``None`` once freed.
    needs : tuple of bool
        Which arguments want a cotangent.
    epoch : int
        The in-place clock when the node was recorded.
    out_vc : list
        The output's version cell, to detect in-place changes of the output.
    parents : tuple
        Each argument's node when this one was recorded (None for leaves and constants).
        Backward follows these, not the arguments' current nodes: an in-place op
        later gives a Tensor a new node (``y[0] = y[1] * 2``), and following that one
        would loop back into the graph.

    Example
    -------
    >>> import diffkit as dk
    >>> x = dk.tensor(2.0, requires_grad=True)
    >>> node = (x * 3.0).grad_fn
    >>> node.name, node.needs
    ('MulBackward', (True, False))
    """

    __slots__ = ("op", "args", "params", "ans", "needs", "epoch", "out_vc", "retain", "parents")

    def __init__(self, op: Any, args: tuple, params: dict, ans: Any, needs: tuple, epoch: int, out_vc: list,
                 parents: tuple | None = None):
        self.op = op
        self.args = args
        self.parents = tuple([getattr(a, "_node", None) for a in args]) if parents is None else parents
        self.params = params
        self.ans = ans
        self.needs = needs
        self.epoch = epoch
        self.out_vc = out_vc
        self.retain = None

    @property
    def name(self) -> str:
        """``MulBackward`` for the node of a ``mul``, PyTorch style."""
        return _backward_name(self.op.name)

    @property
    def next_functions(self) -> tuple:
        """``(node, 0)`` for each argument: its grad_fn, an :class:`AccumulateGrad` for a leaf, or None."""
        if self.args is None:
            return ()
        out = []
        for a, p, need in zip(self.args, self.parents, self.needs):
            if not need:
                out.append((None, 0))
            elif p is not None:
                out.append((p, 0))
            else:
                out.append((AccumulateGrad(a), 0))
        return tuple(out)

    def __repr__(self) -> str:
        return f"<{self.name}>"


class AccumulateGrad:
    """The end of a backward path: the leaf Tensor ``variable`` whose ``.grad`` collects it.

    Example
    -------
    >>> import diffkit as dk
    >>> x = dk.tensor(2.0, requires_grad=True)
    >>> acc = (x * 3.0).grad_fn.next_functions[0][0]
    >>> acc, acc.variable is x
    (<AccumulateGrad>, True)
    """

    __slots__ = ("variable",)

    def __init__(self, variable: Any):
        self.variable = variable

    def __repr__(self) -> str:
        return "<AccumulateGrad>"


def _freed(node: Node) -> GradientError:
    return GradientError(
        f"trying to backward through the graph a second time: the saved values of {node.name} were "
        "freed by the first backward(); pass retain_graph=True to the first backward() (or "
        "create_graph=True) if you need to go through the graph again")


def _check_versions(node: Node) -> None:
    """Raise if anything ``node`` saved was changed in place after it was recorded."""
    epoch = node.epoch
    if node.out_vc[1] > epoch:
        raise GradientError(
            f"the output of {node.name} was changed by an in-place operation after it was computed "
            f"(it is now at version {node.out_vc[0]}), and its gradient needs the original value; "
            "change a copy instead (y = y.clone(); y.add_(...)) or write it out of place (y = y + ...)")
    # a rule that needs only the inputs' shapes (add, sum, getitem...) is not spoiled by new values
    saved = list(node.args) if getattr(node.op, "reads_inputs", True) else []
    saved.extend(getattr(node.op, "saved", ()) or ())
    for i, a in enumerate(saved):
        vc = getattr(a, "_vc", None)
        if vc is not None and vc[1] > epoch:
            what = f"input {i}" if i < len(node.args) else f"saved tensor {i - len(node.args)}"
            raise GradientError(
                f"one of the tensors needed to compute the gradient of {node.name} ({what}, shape "
                f"{tuple(a.shape)}) was changed by an in-place operation after it was used (it is now at "
                f"version {vc[0]}); change a copy instead (t.clone()) or write the update out of place")


def _owned(g: Any) -> bool:
    """Whether ``g`` owns its memory and can be written, so it may become a ``.grad`` as is."""
    return getattr(g, "base", 0) is None and hasattr(type(g), "__setitem__")


def _zeros_like(t: Any, make: Any = None) -> Any:
    """A zero cotangent for Tensor ``t``: an array, or a Tensor made by ``make`` when a graph of
    the gradient is wanted."""
    zeros = namespace(t._data).zeros_like(t._data)
    return zeros if make is None else make(zeros)


def _copy(g: Any) -> Any:
    from .backend import namespace_of

    return namespace_of(g).asarray(g, copy=True)


class _Sink:
    """Where gradients that reach a leaf (or a retained non-leaf) go."""

    __slots__ = ("create_graph", "taken", "captured", "capture", "make")

    def __init__(self, create_graph: bool, capture: dict | None, make: Any):
        self.make = make  # tensor._make, handed in: tensor.py imports this module
        self.create_graph = create_graph
        self.taken: set[int] = set()
        self.capture = capture  # id(tensor) or node -> position, for run_backward(inputs=...)
        self.captured: list | None = None if capture is None else [None] * len(capture)

    def put(self, t: Any, g: Any) -> None:
        if self.capture is not None:
            i = self.capture.get(id(t))
            if i is not None:
                prev = self.captured[i]
                self.captured[i] = g if prev is None else prev + g
            return
        if self.create_graph:
            t.grad = g if t.grad is None else t.grad + g
            return
        dtype = t._data.dtype
        if g.dtype != dtype:
            from .backend import namespace_of

            g = namespace_of(g).astype(g, dtype)
        old = t.grad
        if old is None:
            if id(g) in self.taken or not _owned(g):
                g = _copy(g)
            self.taken.add(id(g))
            t.grad = self.make(g)
        else:
            old._data = old._data + g
            COUNTER.primitives += 1
            COUNTER.elements += int(g.size)


def run_backward(roots: list, seeds: list, retain_graph: bool = False, create_graph: bool = False,
                 inputs: list | None = None) -> list | None:
    """Backpropagate ``seeds`` (cotangents of ``roots``) through the tape.

    Parameters
    ----------
    roots : list of Tensor
        Outputs to start from (each requires grad).
    seeds : list
        Their cotangents, same shapes: arrays, or Tensors when ``create_graph``.
    retain_graph : bool
        Keep the saved values so that backward can run through the graph again.
    create_graph : bool
        Apply the rules on Tensors, recording them, so the gradients can be
        differentiated again.
    inputs : list of Tensor, optional
        If given, return the gradients with respect to these Tensors (``None``
        where unreached) instead of accumulating into any ``.grad``.

    Example
    -------
    >>> import diffkit as dk, numpy as np
    >>> from diffkit.ad.tape import run_backward
    >>> x = dk.tensor([1.0, 2.0], requires_grad=True)
    >>> (gx,) = run_backward([(x ** 2).sum()], [np.float32(1.0)], inputs=[x])
    >>> gx
    tensor([2., 4.])
    """
    from .tensor import Tensor, _make

    capture = None
    if inputs is not None:
        capture = {}
        for i, t in enumerate(inputs):
            capture[t._node if t._node is not None else id(t)] = i
    sink = _Sink(create_graph, capture, _make)
    for s in seeds:
        sink.taken.add(id(s))

    grads: dict[Node, Any] = {}
    deps: dict[Node, int] = {}
    stack: list[Node] = []
    for r, s in zip(roots, seeds):
        n = r._node
        if n is None:
            sink.put(r, s)
            continue
        prev = grads.get(n)
        grads[n] = s if prev is None else prev + s
        if n not in deps:
            deps[n] = 0
            stack.append(n)

    # Pass 1: count, for every reachable node, how many reachable nodes consume it.
    while stack:
        n = stack.pop()
        args = n.args
        if args is None:
            raise _freed(n)
        for p, need in zip(n.parents, n.needs):
            if need:
                if p is not None:
                    c = deps.get(p)
                    if c is None:
                        deps[p] = 1
                        stack.append(p)
                    else:
                        deps[p] = c + 1

    # Pass 2: a node runs once all its consumers have handed it their cotangents.
    ready = [n for n, c in deps.items() if c == 0]
    saved_mode = STATE.enabled
    STATE.enabled = create_graph  # rules record only when a graph of the gradient is wanted
    try:
        while ready:
            n = ready.pop()
            g = grads.pop(n, None)
            args = n.args
            needs = n.needs
            cots = None
            if g is not None:
                if capture is not None and n in capture:
                    sink.captured[capture[n]] = g
                if n.retain is not None:
                    t = n.retain()
                    if t is not None and t._node is n:
                        sink.put(t, g)
                if n.epoch != CLOCK.now:
                    _check_versions(n)
                op = n.op
                if op.__class__ is Op and op.vjp is None:  # sign, step: derivative zero, gradient zeros
                    cots = [_zeros_like(a, _make if create_graph else None) if need else None
                            for a, need in zip(args, needs)]
                elif create_graph:
                    ans = _make(n.ans, True, n)
                    ans._vc = n.out_vc
                    cots = op.vjps(g, ans, args, n.params, needs)
                else:
                    raw = tuple([a._data if isinstance(a, Tensor) else a for a in args])
                    if op.__class__ is Op:
                        cots = op.array_vjps(namespace(g), g, n.ans, raw, n.params, needs)
                    else:  # a custom Function
                        cots = op.vjps(g, n.ans, raw, n.params, needs)
            parents = n.parents
            for i, a in enumerate(args):
                if not needs[i]:
                    continue
                p = parents[i]
                c = cots[i] if cots is not None else None
                if c is not None:
                    COUNTER.primitives += 1
                    shape = a._data.shape
                    if c.shape != shape:
                        c = sum_to(c, shape=shape)
                    else:
                        COUNTER.elements += int((c._data if create_graph else c).size)
                    if c.dtype != a._data.dtype and is_complex(c) and not is_complex(a._data):
                        c = real(c)  # a real input's share of a complex cotangent (JAX's convention)
                    if p is None:
                        sink.put(a, c)
                    else:
                        prev = grads.get(p)
                        if prev is None:
                            grads[p] = c
                        else:
                            grads[p] = prev + c
                            if not create_graph:  # Tensor additions count themselves
                                COUNTER.primitives += 1
                                COUNTER.elements += int(c.size)
                if p is not None:
                    d = deps[p] - 1
                    deps[p] = d
                    if d == 0:
                        ready.append(p)
            if not retain_graph:
                n.args = None
                n.ans = None
                if n.op.__class__ is not Op:  # a custom Function drops its saved tensors
                    n.op.free()
    finally:
        STATE.enabled = saved_mode
    if capture is not None:
        out = []
        for g in sink.captured:
            if g is None or isinstance(g, Tensor):
                out.append(g)
            else:
                out.append(_make(g))
        return out
    return None


def retain(node: Node, tensor: Any) -> None:
    """Ask ``node`` to hand its cotangent to ``tensor.grad`` (what ``retain_grad()`` does)."""
    node.retain = weakref.ref(tensor)
