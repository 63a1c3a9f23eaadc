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
every consumer (fan-out). Leaves accumulate into ``.grad`` (:mod:`.accumulate`).
Around that sit the tensor hooks (:mod:`.hooks`), the version checks of what
the rules read (:mod:`.versions`) and anomaly mode (:mod:`.anomaly`). A
backward pass counts the work each rule does (:mod:`.rule_facts`), so that
"a gradient costs a small multiple of the function" shows in the op counts.

The tape does not import the Tensor: :mod:`.tensor` hands it its type and
constructor with :func:`bind` when it is imported.

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

from typing import Any

from ..errors import GradientError
from ..expr.counting import COUNTER
from ..expr.ops import Op, namespace, real, sum_to
from ..expr.ops.support import is_complex
from . import anomaly
from .accumulate import Sink
from .grad_mode import STATE
from .rule_facts import COUNTED, elementwise_cost, rule_cost
from .versions import check_versions

__all__ = ["Node", "AccumulateGrad", "run_backward", "CLOCK", "bind"]


class _Clock:
    """The global in-place clock: ticks once per in-place op."""

    __slots__ = ("now",)

    def __init__(self) -> None:
        self.now = 0


CLOCK = _Clock()


class _Bound:
    """The Tensor type and its bare constructor, handed over by :mod:`.tensor` (see :func:`bind`)."""

    __slots__ = ("tensor", "make")

    def __init__(self) -> None:
        self.tensor: Any = None
        self.make: Any = None


_T = _Bound()


def bind(tensor_type: type, make: Any) -> None:
    """Tell the tape what a Tensor is and how to wrap an array in one (``tensor.py`` calls it)."""
    _T.tensor, _T.make = tensor_type, make


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
    retain : TensorHooks or None
        The hooks registered on the output, and ``retain_grad()`` (:mod:`.hooks`).
    parents : tuple
        Each argument's node when this one was recorded (None for leaves and constants).
        Backward follows these, not the arguments' current nodes: an in-place op
        later gives a Tensor a new node (``y[0] = y[1] * 2``), and following that one
        would loop back into the graph.
    trace : list
        Where the forward op was called (only while anomaly detection is on).

    Example
    -------
    >>> import diffkit as dk
    >>> x = dk.tensor(2.0, requires_grad=True)
    >>> node = (x * 3.0).grad_fn
    >>> node.name, node.needs
    ('MulBackward', (True, False))
    """

    __slots__ = ("op", "args", "params", "ans", "needs", "epoch", "out_vc", "retain", "parents", "trace")

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

    def register_prehook(self, fn: Any) -> Any:
        """Call ``fn(grad_outputs)`` (a 1-tuple) before this node's rule runs; it may return a replacement
        tuple (PyTorch's ``Node.register_prehook``). Returns a handle with ``remove()``.

        Example
        -------
        >>> import diffkit as dk
        >>> x = dk.tensor([1.0, 2.0], requires_grad=True)
        >>> y = x * 3
        >>> _ = y.grad_fn.register_prehook(lambda grad_outputs: (grad_outputs[0] * 0,))
        >>> y.sum().backward(); x.grad
        tensor([0., 0.])
        """
        from .hooks import RemovableHandle, node_hooks

        def as_tensor_hook(g: Any) -> Any:
            out = fn((g,))
            return None if out is None else out[0]

        rec = node_hooks(self)
        handle = RemovableHandle(rec.hooks)
        rec.hooks[handle.id] = as_tensor_hook
        return handle

    def __repr__(self) -> str:
        return f"<{self.name}>"


anomaly.watch(Node)


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


def _zeros_like(t: Any, make: Any = None) -> Any:
    """A zero cotangent for Tensor ``t``: an array, or a Tensor made by ``make`` when a graph of
    the gradient is wanted."""
    zeros = namespace(t._data).zeros_like(t._data)
    return zeros if make is None else make(zeros)


def _unwrap(g: Any) -> Any:
    return g._data if isinstance(g, _T.tensor) else namespace(g).asarray(g)


def _rule(n: Node, g: Any, needs: tuple, args: tuple, ans: Any, create_graph: bool) -> list:
    """The cotangents ``n``'s rules give the arguments in ``needs`` for the cotangent ``g`` of its output
    (all but the common case, which :func:`run_backward` runs itself)."""
    op = n.op
    if op.__class__ is Op and op.vjp is None:  # sign, step: derivative zero, gradient zeros
        make = _T.make if create_graph else None
        return [_zeros_like(a, make) if need else None for a, need in zip(args, needs)]
    if create_graph:  # the rules run on Tensors and are recorded; every op counts itself
        out = _T.make(ans, True, n)
        out._vc = n.out_vc
        return op.vjps(g, out, args, n.params, needs)
    tensor = _T.tensor
    # a custom Function: its Tensor ops count themselves
    return op.vjps(g, ans, tuple([a._data if isinstance(a, tensor) else a for a in args]), n.params, needs)


def _cost(op: Op, needs: tuple, raw: tuple, ans: Any, params: dict) -> int:
    """Element-operations of one application of ``op``'s rules (see :mod:`.rule_facts`)."""
    if op.kind in ("elementwise", "comparison") and not params:
        return elementwise_cost(op, needs) * ans.size
    return rule_cost(op, needs, raw, ans, params)


def _node_hooks(n: Node, g: Any, sink: Sink) -> Any:
    """Run the hooks registered on ``n``'s output, then ``retain_grad``'s accumulation."""
    rec = n.retain
    if rec.hooks:
        g = rec.run(g, sink.make if not sink.create_graph else _same, _unwrap if not sink.create_graph else _same)
    if rec.retain is not None:
        t = rec.retain()
        if t is not None and t._node is n:
            sink.accumulate(t, g)
    return g


def _same(g: Any) -> Any:
    return g


def _leading_to(deps: dict, capture: dict, leaves: dict) -> dict:
    """The nodes whose rules must run for ``autograd.grad`` (those with a path to an input), each with
    the arguments whose cotangents are wanted (those on such a path)."""
    count = dict(deps)
    order, ready = [], [n for n, c in count.items() if c == 0]
    while ready:
        n = ready.pop()
        order.append(n)
        for p, need in zip(n.parents, n.needs):
            if need and p is not None:
                count[p] -= 1
                if count[p] == 0:
                    ready.append(p)
    useful: dict = {}
    for n in reversed(order):  # producers before their consumers
        args = n.args
        wanted = tuple([need and (p in capture or p in useful if p is not None
                                  else args is None or id(args[i]) in leaves)
                        for i, (p, need) in enumerate(zip(n.parents, n.needs))])
        if True in wanted:
            useful[n] = wanted
    return useful


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
        where unreached) instead of accumulating into any ``.grad``; only the
        rules on a path to them run.

    Example
    -------
    >>> import diffkit as dk, numpy as np
    >>> from diffkit.ad.tape import run_backward
    >>> x = dk.tensor([1.0, 2.0], requires_grad=True)
    >>> (gx,) = run_backward([(x ** 2).sum()], [np.float32(1.0)], inputs=[x])
    >>> gx
    tensor([2., 4.])
    """
    tensor, make = _T.tensor, _T.make
    capture: dict = {}
    sink = Sink(make, create_graph)
    if inputs is not None:
        leaves: dict = {}
        for i, t in enumerate(inputs):
            (capture if t._node is not None else leaves).setdefault(
                t._node if t._node is not None else id(t), []).append(i)
        sink = Sink(make, create_graph, leaves, len(inputs))
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
        for p, need in zip(n.parents, n.needs):
            if need and p is not None:
                c = deps.get(p)
                if c is None:
                    deps[p] = 1
                    stack.append(p)
                else:
                    deps[p] = c + 1
    useful = _leading_to(deps, capture, sink.capture) if inputs is not None else None

    # Pass 2: a node runs once all its consumers have handed it their cotangents.
    ready = [n for n, c in deps.items() if c == 0]
    saved_mode = STATE.enabled
    STATE.enabled = create_graph  # rules record only when a graph of the gradient is wanted
    watching = anomaly.ANOMALY.enabled
    pruned = useful is not None
    g_type = xp = None
    try:
        while ready:
            n = ready.pop()
            g = grads.pop(n, None)
            args = n.args
            needs = useful.get(n, n.needs) if pruned else n.needs
            cots = None
            runs = not pruned or n in useful
            if g is not None:
                if n.retain is not None:
                    g = _node_hooks(n, g, sink)
                if capture and n in capture:
                    for i in capture[n]:
                        sink.captured[i] = g
                if runs:
                    ans = n.ans  # read once: another thread's backward may be freeing this graph
                    if args is None or ans is None:
                        raise _freed(n)
                    try:
                        if n.epoch != CLOCK.now:
                            check_versions(n)
                        op = n.op
                        if op.__class__ is Op and op.vjp is not None and not create_graph:
                            # the rules run on arrays, partly outside the table's functions: count what
                            # they do (rule_facts), not what happened to pass through the counter
                            raw = (args[0]._data,) if len(args) == 1 else tuple(
                                [a._data if isinstance(a, tensor) else a for a in args])
                            if type(g) is not g_type:  # one namespace lookup per array type, not per node
                                g_type, xp = type(g), namespace(g)
                            primitives, elements = COUNTER.primitives, COUNTER.elements
                            cots = op.array_vjps(xp, g, ans, raw, n.params, needs)
                            counted = None if n.params else COUNTED.get((op.name, needs))
                            if counted is None:
                                COUNTER.primitives = primitives + needs.count(True)
                                COUNTER.elements = elements + _cost(op, needs, raw, ans, n.params)
                            else:
                                COUNTER.primitives = primitives + counted[0]
                                COUNTER.elements = elements + counted[1] * ans.size
                        else:
                            cots = _rule(n, g, needs, args, ans, create_graph)
                        if watching and anomaly.ANOMALY.check_nan:
                            anomaly.check_finite(n, cots, namespace)
                    except Exception as err:
                        if watching:
                            anomaly.annotate(err, n)
                        raise
            parents = n.parents
            for i, p in enumerate(parents):
                if not n.needs[i]:
                    continue
                c = cots[i] if cots is not None else None
                if c is not None:
                    a = args[i]
                    shape = a._data.shape
                    if c.shape != shape:
                        c = sum_to(c, shape=shape)
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
            if runs and not retain_graph and args is not None:
                n.args = None
                n.ans = None
                if n.op.__class__ is not Op:  # a custom Function drops its saved tensors
                    n.op.free()
    finally:
        STATE.enabled = saved_mode
    sink.finish(make if not create_graph else _same, _unwrap if not create_graph else _same)
    if inputs is None:
        return None
    return [g if g is None or isinstance(g, tensor) else make(g) for g in sink.captured]
