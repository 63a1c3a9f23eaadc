"""Where gradients that reach a leaf go: into ``.grad``, safely across threads, or to ``autograd.grad``.

``.grad`` accumulation is a read-modify-write of an attribute shared by every
backward pass that reaches the leaf. PyTorch lets several threads run
backward into one set of parameters (Hogwild training, a server scoring
requests) and the sums come out right; here a lock makes each accumulation
atomic. It is taken once per leaf reached, not per op, so a single-threaded
training step does not notice it.

A leaf with hooks (:mod:`.hooks`) is handed its *total* gradient of the pass,
as PyTorch's ``AccumulateGrad`` does: its contributions are held until the
pass ends, then the hooks run, then the result is accumulated. The same
holding serves ``autograd.grad``, which accumulates nothing and returns the
totals instead.

Example
-------
>>> import threading, diffkit as dk
>>> x = dk.tensor([1.0], requires_grad=True)
>>> def work():
...     for _ in range(50):
...         (x * 2.0).sum().backward()
>>> threads = [threading.Thread(target=work) for _ in range(4)]
>>> for t in threads: t.start()
>>> for t in threads: t.join()
>>> x.grad
tensor([400.])
"""

from __future__ import annotations

import threading
from typing import Any

from ..expr.counting import COUNTER
from ..expr.ops import namespace
from .hooks import LEAF_HOOKS, leaf_hooks

__all__ = ["Sink", "GRAD_LOCK"]

#: Held while a gradient is added into a ``.grad``.
GRAD_LOCK = threading.Lock()


def _owned(g: Any) -> bool:
    """Whether ``g`` owns its memory and can be written, so it may become a ``.grad`` as is."""
    return getattr(g, "base", 0) is None and hasattr(type(g), "__setitem__")


class Sink:
    """The leaves' end of one backward pass.

    Parameters
    ----------
    make : callable
        Makes a Tensor around an array (the tape is given it; it does not import the Tensor).
    create_graph : bool
        Gradients are Tensors with a history (accumulated out of place, as in PyTorch).
    capture : dict or None
        For ``autograd.grad``: leaf ``id`` to the positions of the inputs it is; nothing is accumulated.
    """

    __slots__ = ("make", "create_graph", "taken", "capture", "captured", "held")

    def __init__(self, make: Any, create_graph: bool, capture: dict | None = None, n_inputs: int = 0):
        self.make = make
        self.create_graph = create_graph
        self.taken: set[int] = set()  # ids of arrays already handed to a .grad, or given by the caller
        self.capture = capture
        self.captured: list = [None] * n_inputs
        self.held: dict[int, list] = {}  # leaf id -> [leaf, summed gradient]

    def put(self, t: Any, g: Any) -> None:
        """A cotangent ``g`` reaching leaf ``t``."""
        if self.capture is not None or (LEAF_HOOKS and leaf_hooks(t) is not None):
            key = id(t)
            entry = self.held.get(key)
            if entry is None:
                if self.capture is None or key in self.capture:
                    self.held[key] = [t, g]
            else:
                entry[1] = entry[1] + g
            return
        self.accumulate(t, g)

    def finish(self, wrap: Any, unwrap: Any) -> None:
        """End of the pass: run the held leaves' hooks on their totals, then accumulate or capture them."""
        for t, g in self.held.values():
            rec = leaf_hooks(t)
            if rec is not None:
                g = rec.run(g, wrap, unwrap)
            if self.capture is None:
                self.accumulate(t, g)
            else:
                for i in self.capture[id(t)]:
                    self.captured[i] = g
        self.held.clear()

    def accumulate(self, t: Any, g: Any) -> None:
        """Add ``g`` into ``t.grad``, atomically."""
        if self.create_graph:
            with GRAD_LOCK:
                t.grad = g if t.grad is None else t.grad + g
            return
        dtype = t._data.dtype
        if g.dtype != dtype:
            g = namespace(g).astype(g, dtype)
        with GRAD_LOCK:
            old = t.grad
            if old is None:
                if id(g) in self.taken or not _owned(g):
                    g = namespace(g).asarray(g, copy=True)
                self.taken.add(id(g))
                t.grad = self.make(g)
                return
            old._data = old._data + g
        COUNTER.primitives += 1
        COUNTER.elements += int(g.size)
