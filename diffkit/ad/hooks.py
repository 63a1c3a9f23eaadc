"""Tensor hooks: ``register_hook`` and ``retain_grad``, PyTorch's way.

``t.register_hook(fn)`` asks backward to call ``fn(grad)`` with the gradient
of ``t`` once it is complete; ``fn`` may return a replacement, which is what
flows on (into the leaf's ``.grad``, or back through the graph). Hooks run in
the order they were registered; the handle returned removes one again.

Where a hook lives follows PyTorch: a non-leaf's hooks belong to the tape
node that produced it (an in-place op later gives the tensor a new node; the
hooks stay with the value they were registered on), a leaf's to the leaf
itself, and they are called with the leaf's total gradient of one backward
pass, before it is added to ``.grad``. ``retain_grad()`` is one more such
record on a non-leaf, and runs after every hook, so ``.grad`` keeps what the
hooks made of the gradient.

This module holds the records only; :mod:`.tape` calls them.

Example
-------
>>> import diffkit as dk
>>> x = dk.tensor([1.0, 2.0], requires_grad=True)
>>> h = x * 3
>>> handle = h.register_hook(lambda g: g * 10)   # scale the gradient flowing through h
>>> h.sum().backward()
>>> x.grad
tensor([30., 30.])
>>> handle.remove()
"""

from __future__ import annotations

import itertools
import weakref
from collections.abc import Callable
from typing import Any

from ..errors import GradientError, ShapeError

__all__ = ["RemovableHandle", "HookDict", "TensorHooks", "register_hook", "retain_grad", "retains_grad", "leaf_hooks",
           "node_hooks", "LEAF_HOOKS"]

_IDS = itertools.count()


class RemovableHandle:
    """What ``register_hook`` returns: ``handle.remove()`` takes the hook off again.

    Also a context manager: the hook is removed when the block ends.

    Example
    -------
    >>> import diffkit as dk
    >>> x = dk.tensor(1.0, requires_grad=True)
    >>> with x.register_hook(lambda g: g * 2):
    ...     (x * 3).backward()
    >>> (x * 3).backward()
    >>> x.grad  # 6 with the hook, then 3 without
    tensor(9.)
    """

    __slots__ = ("_hooks", "id")

    def __init__(self, hooks: HookDict):
        self._hooks = weakref.ref(hooks)
        self.id = next(_IDS)

    def remove(self) -> None:
        """Take the hook off (removing twice does nothing)."""
        hooks = self._hooks()
        if hooks is not None:
            hooks.pop(self.id, None)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.remove()

    def __repr__(self) -> str:
        return f"<RemovableHandle {self.id}>"


class HookDict(dict):
    """Hook functions by handle id, in registration order (weakly referable, unlike dict)."""

    __slots__ = ("__weakref__",)


class TensorHooks:
    """The hooks of one non-leaf's node, or of one leaf, and whether ``retain_grad()`` was asked."""

    __slots__ = ("hooks", "retain")

    def __init__(self) -> None:
        self.hooks = HookDict()
        self.retain: weakref.ref | None = None  # the tensor whose .grad keeps the gradient

    def run(self, g: Any, wrap: Callable[[Any], Any], unwrap: Callable[[Any], Any]) -> Any:
        """``g`` after every hook (``wrap`` makes the Tensor a hook sees, ``unwrap`` reads one back)."""
        for fn in list(self.hooks.values()):
            out = fn(wrap(g))
            if out is not None:
                new = unwrap(out)
                if tuple(getattr(new, "shape", ())) != tuple(getattr(g, "shape", ())):
                    raise ShapeError(
                        f"hook {getattr(fn, '__name__', fn)!r} returned a gradient of shape "
                        f"{tuple(getattr(new, 'shape', ()))} for a tensor of shape {tuple(g.shape)}; a hook may "
                        "replace the gradient, not change its shape")
                g = new
        return g


#: Hooks of leaves, by ``id`` of the leaf (a weak reference drops the entry with the leaf).
LEAF_HOOKS: dict[int, tuple[weakref.ref, TensorHooks]] = {}


def leaf_hooks(t: Any) -> TensorHooks | None:
    """The hooks registered on leaf ``t``, if any."""
    entry = LEAF_HOOKS.get(id(t))
    return entry[1] if entry is not None and entry[0]() is t else None


def node_hooks(node: Any) -> TensorHooks:
    """The hook record of a tape node, made on first use (it lives in ``node.retain``)."""
    rec = node.retain
    if rec is None:
        rec = node.retain = TensorHooks()
    return rec


def _leaf_record(t: Any) -> TensorHooks:
    key = id(t)
    rec = leaf_hooks(t)
    if rec is None:
        rec = TensorHooks()
        LEAF_HOOKS[key] = (weakref.ref(t, lambda _ref, key=key, hooks=LEAF_HOOKS: hooks.pop(key, None)), rec)
    return rec


def register_hook(t: Any, fn: Callable[[Any], Any]) -> RemovableHandle:
    """Call ``fn(grad)`` when backward has the gradient of ``t``; what it returns replaces it.

    Example
    -------
    >>> import diffkit as dk
    >>> x = dk.tensor([1.0, -1.0], requires_grad=True)
    >>> seen = []
    >>> _ = x.register_hook(lambda g: seen.append(g.tolist()))
    >>> (x * x).sum().backward()
    >>> seen, x.grad
    ([[2.0, -2.0]], tensor([ 2., -2.]))
    """
    if not callable(fn):
        raise GradientError(f"register_hook takes a function of the gradient, got {type(fn).__name__}")
    if not t.requires_grad:
        raise GradientError("cannot register a hook on a tensor that doesn't require gradient: make it with "
                            "requires_grad=True (or compute it from one) first")
    rec = _leaf_record(t) if t._node is None else node_hooks(t._node)
    handle = RemovableHandle(rec.hooks)
    rec.hooks[handle.id] = fn
    return handle


def retain_grad(t: Any) -> None:
    """Keep a non-leaf's gradient in its ``.grad`` (after its hooks); nothing to do for leaves."""
    if not t.requires_grad:
        raise GradientError("retain_grad() on a tensor that does not require grad")
    if t._node is not None:
        node_hooks(t._node).retain = weakref.ref(t)


def retains_grad(t: Any) -> bool:
    """Whether ``retain_grad()`` was called on the non-leaf ``t``."""
    n = t._node
    rec = None if n is None else n.retain
    return rec is not None and rec.retain is not None and rec.retain() is t
