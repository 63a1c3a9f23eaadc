"""Reverse mode as a pure function transform: boxes, their graph, and the backward pass.

:func:`vjp_of` runs a Python function on :class:`Box` values, one level above
every value the function can meet (see :mod:`diffkit.expr.levels`). Each op
on a box computes its value one level down and records a plain node (the op,
its arguments one level down, its output, the argument nodes). The pullback
walks those nodes backwards with the ops table's VJP rules, applied to the
values one level down, so an outer transform sees the backward pass as
ordinary ops: gradients of gradients, forward-over-reverse Hessians and
per-example gradients under ``vmap`` need nothing more.

Nothing is accumulated anywhere: no ``.grad`` is written, and a Tensor the
function closes over is a constant here (its own tape still records the ops
on it, so a later ``loss.backward()`` reaches it).

Example
-------
>>> import diffkit as dk
>>> from diffkit.ad.transforms.reverse import vjp_of
>>> y, pullback, _ = vjp_of(lambda x: dk.sin(x) * x, (2.0,))
>>> round(float(pullback(1.0)[0]), 6)  # cos(2)*2 + sin(2)
0.077004
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ...errors import GradientError, ShapeError
from ...expr.levels import BASE_LEVEL, LevelValue, constant_like, level_class, new_level
from ...expr.ops import Op, apply, broadcast_to, real, sum_to
from ...expr.ops.support import is_complex
from .pytree import flatten, number_as_array, tree_map, unflatten

__all__ = ["Box", "vjp_of", "backward", "split_aux"]


class _Leaf:
    """Where the backward pass stops: the ``index``-th input of the function."""

    __slots__ = ("index",)

    def __init__(self, index: int):
        self.index = index


class _Node:
    """One op applied to boxes: a plain record, no closure (so no reference cycles)."""

    __slots__ = ("op", "args", "params", "ans", "parents")

    def __init__(self, op: Any, args: tuple, params: dict, ans: Any, parents: tuple):
        self.op = op
        self.args = args
        self.params = params
        self.ans = ans
        self.parents = parents


class _FunctionRule:
    """A custom Function's ``backward`` standing in for an op's VJP rules in a node."""

    __slots__ = ("fn", "ctx", "name")

    def __init__(self, fn: type, ctx: Any):
        self.fn = fn
        self.ctx = ctx
        self.name = fn.__name__

    def vjps(self, g: Any, ans: Any, args: tuple, params: dict, needs: tuple) -> list:
        from ..function import per_input

        grads = per_input(self.name, self.fn.backward(self.ctx, g), len(needs))
        return [gi if need else None for gi, need in zip(grads, needs)]


class Box(LevelValue):
    """A value inside a reverse-mode transform: its value one level down and the node that made it.

    Example
    -------
    >>> import diffkit as dk
    >>> from diffkit.ad.transforms.reverse import vjp_of
    >>> _, pullback, _ = vjp_of(lambda x: (x * x).sum(), (dk.tensor([1.0, 2.0], dtype="float64"),))
    >>> pullback(1.0)[0]
    tensor([2., 4.], dtype=float64)
    """

    __slots__ = ("value", "node")
    _dk_level = BASE_LEVEL

    def __init__(self, value: Any, node: Any):
        self.value = value
        self.node = node

    def _dk_inner(self) -> Any:
        return self.value

    @classmethod
    def _dk_apply(cls, op: Op, args: tuple, params: dict) -> Any:
        vals = []
        parents = []
        for a in args:
            if type(a) is cls:
                vals.append(a.value)
                parents.append(a.node)
            else:
                vals.append(a)
                parents.append(None)
        vals = tuple(vals)
        ans = apply(op, *vals, **params)
        if op.vjp is None:  # no derivative (sign, comparisons, argmax): a constant from here on
            return ans
        return cls(ans, _Node(op, vals, params, ans, tuple(parents)))

    @classmethod
    def _dk_function(cls, fn: type, args: tuple, kwargs: dict, below: Callable[..., Any]) -> Any:
        """A custom Function at this level: its value from the levels below, a node whose rule is its
        ``backward``."""
        vals = [a.value if type(a) is cls else a for a in args]
        parents = tuple(a.node if type(a) is cls else None for a in args)
        needs = tuple(p is not None for p in parents)
        out, ctx = below(vals, needs)
        if not any(needs):
            return out
        if getattr(fn.backward, "_dk_missing", False):
            raise GradientError(f"{fn.__name__} has no backward(ctx, grad_output), so reverse mode (grad, vjp, "
                                f"jacrev) can't go through it; define it, or use forward mode (jvp, jacfwd)")
        return cls(out, _Node(_FunctionRule(fn, ctx), tuple(vals), {}, out, parents))

    def detach(self) -> Any:
        """The value without its derivative, at this level and below (``stop_gradient``)."""
        v = self.value
        return v.detach() if hasattr(v, "detach") else v

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.value!r})"


def _fit(c: Any, arg: Any) -> Any:
    """A cotangent brought to its argument's shape (broadcast up, or summed over broadcast axes), and to a
    real argument's real part (JAX's convention; by the table's op, so outer transforms see it)."""
    if is_complex(c) and not is_complex(arg):
        c = real(c)
    shape = tuple(getattr(arg, "shape", ()))
    cs = tuple(getattr(c, "shape", ()))
    if cs == shape:
        return c
    full = np.broadcast_shapes(cs, shape)
    if full != cs:
        c = broadcast_to(c, shape=full)
    return c if full == shape else sum_to(c, shape=shape)


def backward(roots: list[tuple[Any, Any]], leaves: list[_Leaf]) -> list:
    """Cotangents of ``leaves`` given ``(node, cotangent)`` pairs of the outputs (None where unreached).

    Nodes are visited once each, in reverse topological order (Kahn's algorithm
    on consumer counts, iteratively: deep graphs don't hit the recursion
    limit), and fan-out contributions are summed with the table's ``add``.

    Example
    -------
    >>> from diffkit.ad.transforms.reverse import vjp_of
    >>> _, pullback, _ = vjp_of(lambda x: x * x + x, (3.0,))
    >>> [float(g) for g in pullback(1.0)]
    [7.0]
    """
    deps: dict[Any, int] = {}
    grads: dict[Any, Any] = {}
    stack = []
    for node, c in roots:
        prev = grads.get(node)
        grads[node] = c if prev is None else prev + c
        if node not in deps:
            deps[node] = 0
            stack.append(node)
    while stack:
        n = stack.pop()
        if type(n) is _Leaf:
            continue
        for p in n.parents:
            if p is None:
                continue
            if p in deps:
                deps[p] += 1
            else:
                deps[p] = 1
                stack.append(p)
    out: list = [None] * len(leaves)
    ready = [n for n, k in deps.items() if k == 0]
    while ready:
        n = ready.pop()
        g = grads.pop(n, None)
        if type(n) is _Leaf:
            out[n.index] = g
            continue
        parents = n.parents
        cots = None
        if g is not None:
            cots = n.op.vjps(g, n.ans, n.args, n.params, tuple(p is not None for p in parents))
        for i, p in enumerate(parents):
            if p is None:
                continue
            c = cots[i] if cots is not None else None
            if c is not None:
                c = _fit(c, n.args[i])
                prev = grads.get(p)
                grads[p] = c if prev is None else prev + c
            deps[p] -= 1
            if deps[p] == 0:
                ready.append(p)
    return out


def split_aux(result: Any) -> tuple[Any, Any]:
    """``(output, aux)`` of a function called with ``has_aux=True``.

    Example
    -------
    >>> from diffkit.ad.transforms.reverse import split_aux
    >>> split_aux((1.0, {"n": 3}))
    (1.0, {'n': 3})
    """
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        got = f"{len(result)} values" if isinstance(result, (tuple, list)) else "one value"
        raise GradientError(f"has_aux=True needs the function to return a pair (output, aux); it returned {got}")
    return result[0], result[1]


def vjp_of(fn: Callable[..., Any], primals: tuple, has_aux: bool = False) -> tuple[Any, Callable[..., Any], Any]:
    """Run ``fn(*primals)`` recording a graph; returns ``(output, pullback, aux)``.

    ``primals`` is a tuple of pytrees; ``pullback(cotangent)`` takes a
    cotangent of the output's structure and returns one cotangent per primal
    (a tuple of pytrees of their structures). It can be called many times.
    ``aux`` is None unless ``has_aux``.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.ad.transforms.reverse import vjp_of
    >>> y, pullback, _ = vjp_of(lambda d: d["a"] * d["b"], ({"a": np.array([1.0, 2.0]), "b": 3.0},))
    >>> pullback(np.ones(2))
    ({'a': array([3., 3.]), 'b': array(3.)},)
    """
    leaves, tree = flatten(primals)
    leaves = [number_as_array(x) for x in leaves]
    marks = [_Leaf(i) for i in range(len(leaves))]
    with new_level() as d:
        cls = level_class(Box, d)
        result = fn(*unflatten(tree, [cls(x, m) for x, m in zip(leaves, marks)]))
    aux = None
    if has_aux:
        result, aux = split_aux(result)
        aux = tree_map(lambda a: a.value if type(a) is cls else a, aux)
    outs, out_tree = flatten(result)
    values = [o.value if type(o) is cls else o for o in outs]

    def pullback(cotangent: Any) -> tuple:
        cts, ct_tree = flatten(cotangent)
        cts = [number_as_array(c) for c in cts]
        if ct_tree != out_tree:
            raise ShapeError(f"the cotangent has the structure {ct_tree}; the function's output has {out_tree}")
        roots = []
        for o, v, c in zip(outs, values, cts):
            want, got = tuple(getattr(v, "shape", ())), tuple(getattr(c, "shape", ()))
            if got != want and got != ():
                raise ShapeError(f"a cotangent of shape {got} for an output of shape {want}; they must match")
            if type(o) is cls:
                roots.append((o.node, c))
        grads = backward(roots, marks)
        return unflatten(tree, [constant_like(x, 0.0) if g is None else g for g, x in zip(grads, leaves)])

    return unflatten(out_tree, values), pullback, aux
