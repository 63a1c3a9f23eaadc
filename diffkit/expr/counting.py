"""One global op counter that every engine increments (tinygrad-style).

Engines add to :data:`COUNTER` as they run: one *primitive* per op application
(a primal op, or one derivative rule applied), its *element-operations*
(the op's cost times the elements it touched) and *evals*, the number of
evaluations of the user's whole function. :func:`counting` reads the counter
around a block, so the ``ops`` on every result is what was really spent.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

__all__ = ["OpCount", "COUNTER", "counting"]


@dataclass(frozen=True)
class OpCount:
    """Operations spent by one computation.

    Attributes
    ----------
    primitives : int
        Primitive op applications (each primal op and each derivative rule).
    elements : int
        Element-operations: each primitive's cost times the elements it produced.
    evals : int
        Evaluations of the whole user function (what finite differences spend).

    Example
    -------
    >>> import diffkit as dk
    >>> f = dk.expr("x*y + sin(x)")
    >>> with dk.counting() as spent:
    ...     _ = f(x=1.0, y=2.0)
    >>> spent.count.primitives, spent.count.evals
    (3, 1)
    """

    primitives: int = 0
    elements: int = 0
    evals: int = 0

    def __add__(self, other: OpCount) -> OpCount:
        return OpCount(
            self.primitives + other.primitives,
            self.elements + other.elements,
            self.evals + other.evals,
        )

    def __sub__(self, other: OpCount) -> OpCount:
        return OpCount(
            self.primitives - other.primitives,
            self.elements - other.elements,
            self.evals - other.evals,
        )

    def __str__(self) -> str:
        return f"{self.primitives} prim, {self.elements} elem-ops, {self.evals} evals"


class _Counter:
    """Mutable running totals; plain attributes so an increment is cheap."""

    __slots__ = ("primitives", "elements", "evals")

    def __init__(self) -> None:
        self.primitives = 0
        self.elements = 0
        self.evals = 0

    def add(self, primitives: int = 1, elements: int = 0, evals: int = 0) -> None:
        self.primitives += primitives
        self.elements += elements
        self.evals += evals

    def snapshot(self) -> OpCount:
        return OpCount(self.primitives, self.elements, self.evals)


COUNTER = _Counter()


class _Spent:
    """What :func:`counting` yields: ``.count`` is filled in when the block exits."""

    __slots__ = ("count", "_start")

    def __init__(self) -> None:
        self._start = COUNTER.snapshot()
        self.count = OpCount()

    def so_far(self) -> OpCount:
        return COUNTER.snapshot() - self._start


@contextlib.contextmanager
def counting():
    """Measure the operations spent inside a ``with`` block.

    Example
    -------
    >>> import diffkit as dk
    >>> with dk.counting() as spent:
    ...     _ = dk.sin(1.0) * dk.exp(2.0)
    >>> spent.count.primitives
    2
    """
    spent = _Spent()
    try:
        yield spent
    finally:
        spent.count = spent.so_far()
