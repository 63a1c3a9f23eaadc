"""A micrograd-style scalar autodiff, written here as the baseline such engines set.

Each value is an object holding its data, its gradient and a closure that
pushes its gradient to its parents: the design whose per-node cost the
``scalar_expr`` and ``tape_overhead`` benchmarks compare against.
"""

from __future__ import annotations

import math


class Scalar:
    __slots__ = ("data", "grad", "_parents", "_push")

    def __init__(self, data: float, parents: tuple = (), push=None):
        self.data = data
        self.grad = 0.0
        self._parents = parents
        self._push = push

    def __add__(self, other):
        other = other if isinstance(other, Scalar) else Scalar(other)
        out = Scalar(self.data + other.data, (self, other))

        def push():
            self.grad += out.grad
            other.grad += out.grad

        out._push = push
        return out

    __radd__ = __add__

    def __mul__(self, other):
        other = other if isinstance(other, Scalar) else Scalar(other)
        out = Scalar(self.data * other.data, (self, other))

        def push():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._push = push
        return out

    __rmul__ = __mul__

    def sin(self):
        out = Scalar(math.sin(self.data), (self,))

        def push():
            self.grad += math.cos(self.data) * out.grad

        out._push = push
        return out

    def backward(self):
        order, seen, stack = [], set(), [(self, False)]
        while stack:  # iterative post-order: deep chains must not hit the recursion limit
            node, done = stack.pop()
            if done:
                order.append(node)
                continue
            if id(node) in seen:
                continue
            seen.add(id(node))
            stack.append((node, True))
            stack.extend((p, False) for p in node._parents)
        self.grad = 1.0
        for node in reversed(order):
            if node._push is not None:
                node._push()
