"""Module hooks, PyTorch's way: around ``forward``, and on the gradients of a module's inputs and outputs.

``Module.__call__`` runs, in PyTorch's order:

1. the forward pre-hooks, ``hook(module, args)``, which may return new args;
2. with backward hooks registered, the tensor inputs pass through one
   identity node of the tape (its rule calls the backward hooks);
3. ``forward``;
4. the forward hooks, ``hook(module, args, output)``, which may return a new output;
5. with backward hooks, the outputs pass through another identity node.

At backward, the output node sees ``grad_output`` first: the backward
pre-hooks ``hook(module, grad_output)`` may replace it. The input node then
sees the gradients of the module's inputs: the full backward hooks
``hook(module, grad_input, grad_output)`` may replace those. When no input
requires grad, the hooks get ``grad_input = (None, ...)`` from the output
node, as in PyTorch. Several tensors on one side pass through *one* node (as
one flat tensor), so every hook runs once per backward pass.

Example
-------
>>> import diffkit as dk
>>> from diffkit import nn
>>> layer = nn.Linear(2, 1)
>>> seen = []
>>> h = layer.register_full_backward_hook(lambda m, gin, gout: seen.append((gin[0].shape, gout[0].shape)))
>>> layer(dk.ones(4, 2, requires_grad=True)).sum().backward()
>>> seen
[((4, 2), (4, 1))]
>>> h.remove()
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from ..ad.function import Function
from ..ad.hooks import HookDict, RemovableHandle
from ..ad.tensor import Tensor
from ..errors import ArgumentTypeError
from ..expr.ops import namespace

__all__ = ["add_hook", "call_with_hooks", "HOOK_KINDS"]

#: The hook registries a Module may hold, by the name of the dict in its ``__dict__``.
HOOK_KINDS = ("_forward_pre_hooks", "_forward_hooks", "_backward_pre_hooks", "_backward_hooks")


def add_hook(module: Any, kind: str, hook: Callable, prepend: bool = False, **flags: Any) -> RemovableHandle:
    """Register ``hook`` in the module's registry ``kind`` (made on first use); its handle."""
    if not callable(hook):
        raise ArgumentTypeError(f"a hook is a function, got {type(hook).__name__}")
    hooks = module.__dict__.get(kind)
    if hooks is None:
        hooks = module.__dict__[kind] = HookDict()
    handle = RemovableHandle(hooks)
    rest = list(hooks.items()) if prepend else []
    if prepend:
        hooks.clear()
    hooks[handle.id] = (hook, flags)
    hooks.update(rest)
    return handle


class _Side:
    """The gradients seen at one side of a module in one backward pass."""

    __slots__ = ("module", "grad_output", "inputs_hooked", "n_in")

    def __init__(self, module: Any):
        self.module = module
        self.grad_output: tuple | None = None
        self.inputs_hooked = False
        self.n_in = 0

    def call_backward_hooks(self, grad_input: tuple) -> tuple:
        for hook, _flags in list(self.module.__dict__.get("_backward_hooks", {}).values()):
            out = hook(self.module, grad_input, self.grad_output)
            if out is not None:
                out = tuple(out) if isinstance(out, (tuple, list)) else (out,)
                if len(out) != len(grad_input):
                    raise ArgumentTypeError(f"a backward hook returned {len(out)} gradient(s) for the "
                                            f"{len(grad_input)} input(s) of {type(self.module).__name__}")
                grad_input = out
        return grad_input


def _flat(tensors: tuple) -> Any:
    """One array holding every tensor's values, one after the other (a copy: an in-place op on the
    output must not reach the input)."""
    xp = namespace(tensors[0]._data)
    if len(tensors) == 1:
        return xp.asarray(tensors[0]._data, copy=True)
    dtype = xp.result_type(*[t._data.dtype for t in tensors])
    return xp.concat([xp.reshape(xp.asarray(t._data, dtype=dtype), (-1,)) for t in tensors])


def _split(g: Any, shapes: list) -> tuple:
    """The pieces of a flat gradient, shaped like the tensors it was made from."""
    if len(shapes) == 1:
        return (g,)
    out, start = [], 0
    for shape in shapes:
        n = math.prod(shape)
        out.append(g[start:start + n].reshape(shape))
        start += n
    return tuple(out)


def _unpack(flat: Tensor, tensors: tuple) -> list:
    if len(tensors) == 1:
        return [flat]
    out, start = [], 0
    for t in tensors:
        n = t.numel()
        out.append(flat[start:start + n].reshape(t.shape).to(t.dtype))
        start += n
    return out


class _Identity(Function):
    """Identity on one side's tensors, as one flat tensor; the subclasses' rules call the hooks."""

    @staticmethod
    def forward(ctx: Any, *tensors: Any, side: _Side) -> Any:
        ctx.side, ctx.shapes = side, [t.shape for t in tensors]
        return Tensor(_flat(tensors))


class _InputSide(_Identity):
    """Identity on the module's tensor inputs; its rule hands ``grad_input`` to the backward hooks."""

    @staticmethod
    def backward(ctx: Any, g: Any) -> tuple:
        grads = ctx.side.call_backward_hooks(_split(g, ctx.shapes))
        return grads if len(grads) > 1 else grads[0]


class _OutputSide(_Identity):
    """Identity on the module's tensor outputs; its rule sees ``grad_output`` (and the pre-hooks change it)."""

    @staticmethod
    def backward(ctx: Any, g: Any) -> tuple:
        side = ctx.side
        grads = _split(g, ctx.shapes)
        for hook, _flags in list(side.module.__dict__.get("_backward_pre_hooks", {}).values()):
            out = hook(side.module, grads)
            if out is not None:
                grads = tuple(out) if isinstance(out, (tuple, list)) else (out,)
        side.grad_output = grads
        if not side.inputs_hooked:  # no input requires grad: the hooks run here, as in PyTorch
            side.call_backward_hooks((None,) * side.n_in)
        return grads if len(grads) > 1 else grads[0]


def _through(fn: type, items: Any, side: _Side, pick: Callable[[Any], bool]) -> Any:
    """``items`` (a tuple, or one value) with the tensors ``pick`` chooses passed through one ``fn`` node."""
    seq = items if isinstance(items, tuple) else (items,)
    where = [i for i, a in enumerate(seq) if isinstance(a, Tensor) and pick(a)]
    if not where:
        return items
    tensors = tuple(seq[i] for i in where)
    new = list(seq)
    for i, t in zip(where, _unpack(fn.apply(*tensors, side=side), tensors)):
        new[i] = t
    return tuple(new) if isinstance(items, tuple) else new[0]


def call_with_hooks(module: Any, args: tuple, kwargs: dict) -> Any:
    """``module(*args, **kwargs)`` with its hooks (see the module docstring)."""
    d = module.__dict__
    for hook, flags in list(d.get("_forward_pre_hooks", {}).values()):
        if flags.get("with_kwargs"):
            out = hook(module, args, kwargs)
            if out is not None:
                args, kwargs = out
        else:
            out = hook(module, args)
            if out is not None:
                args = out if isinstance(out, tuple) else (out,)
    side = None
    if d.get("_backward_hooks") or d.get("_backward_pre_hooks"):
        side = _Side(module)
        side.n_in = sum(isinstance(a, Tensor) for a in args)
        side.inputs_hooked = any(isinstance(a, Tensor) and a.requires_grad for a in args)
        args = _through(_InputSide, args, side, lambda t: t.requires_grad)
    output = module.forward(*args, **kwargs)
    for hook, flags in list(d.get("_forward_hooks", {}).values()):
        out = hook(module, args, kwargs, output) if flags.get("with_kwargs") else hook(module, args, output)
        if out is not None:
            output = out
    if side is not None:
        output = _through(_OutputSide, output, side, lambda t: t.requires_grad)
    return output
