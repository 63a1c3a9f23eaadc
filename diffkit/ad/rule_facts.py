"""What the table's reverse rules read and what they cost, found by running them on probes.

The tape needs two facts about a VJP rule that the rule itself knows best:

* **what it reads** (which arguments' values, and whether the output): only
  those must still hold their recorded values at backward time. ``3 * d``
  reads the constant 3 for ``d``'s cotangent, never ``d``, so ``d += 1``
  afterwards spoils nothing (PyTorch saves only what a formula needs, too);
* **what it costs** in element-operations, so that a backward pass counts the
  work it does (``sin``'s rule is ``g * cos(x)``: two operations per element).

Rather than a second table of declarations that could drift from the rules,
each rule is run once on :class:`Probe` values: small arrays that remember
which rule inputs they were computed from and count the ops applied to them.
Elementwise rules are probed on 0-d values, once per op and per set of
arguments wanting a gradient; other rules on dummies of the actual shapes, and
only when the tape has to ask (a version check found something changed).
A rule that cannot run on probes (it calls the array library directly) is
taken to read every argument and the output, as :attr:`Op.reads_inputs` says.

Example
-------
>>> from diffkit.expr.ops import OPS
>>> from diffkit.ad.rule_facts import elementwise_reads, elementwise_cost
>>> sorted(elementwise_reads(OPS["mul"], (False, True)))   # d(a * b)/db reads a
[0]
>>> sorted(elementwise_reads(OPS["exp"], (True,)))         # g * exp(x) reuses the output
[-1]
>>> elementwise_cost(OPS["sin"], (True,))                  # g * cos(x)
2
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..expr.ops import OPS, Op

__all__ = ["OUTPUT", "COUNTED", "Probe", "elementwise_reads", "elementwise_cost", "rule_reads", "rule_cost"]

#: Marks the op's output among what a rule reads (arguments are 0, 1, ...).
OUTPUT = -1

_ELEMENTWISE = ("elementwise", "comparison")


class _Tally:
    __slots__ = ("primitives", "elements")

    def __init__(self) -> None:
        self.primitives = 0
        self.elements = 0


class Probe:
    """A stand-in value for running a rule: a NumPy array for shapes, and where it came from.

    ``src`` holds the positions of the rule inputs it was computed from
    (argument indices, :data:`OUTPUT` for the op's output). Every op applied to a
    probe, through the table's functions or Python's operators, is evaluated on
    the arrays and counted in the probe's tally.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.ad.rule_facts import Probe
    >>> from diffkit.expr.ops import cos
    >>> x = Probe(np.array(0.5), {0})
    >>> y = 2.0 * cos(x)
    >>> sorted(y.src), y.tally.elements
    ([0], 2)
    """

    __slots__ = ("v", "src", "tally")
    _dk_level = 100  # above Tensors and traced values: a rule's ops land here
    __array_ufunc__ = None  # ndarray <op> Probe defers to the Probe's reflected operator

    def __init__(self, v: Any, src: Any = (), tally: _Tally | None = None):
        self.v = v
        self.src = frozenset(src)
        self.tally = tally if tally is not None else _Tally()

    @classmethod
    def _dk_apply(cls, op: Op, args: tuple, params: dict) -> Probe:
        src: frozenset = frozenset()
        tally = None
        vals = []
        for a in args:
            if isinstance(a, Probe):
                src |= a.src
                tally = a.tally
                vals.append(a.v)
            else:
                vals.append(a)
        with np.errstate(all="ignore"):
            out = np.asarray(op.impl(np, *vals, **params))
        tally.primitives += 1
        tally.elements += op.elements(out, tuple(vals), params)
        return Probe(out, src, tally)

    shape = property(lambda self: tuple(self.v.shape))
    ndim = property(lambda self: self.v.ndim)
    dtype = property(lambda self: self.v.dtype)
    size = property(lambda self: int(self.v.size))

    def _op(self, name: str, *args: Any) -> Probe:
        return Probe._dk_apply(OPS[name], args, {})

    def __add__(self, o): return self._op("add", self, o)
    def __radd__(self, o): return self._op("add", o, self)
    def __sub__(self, o): return self._op("sub", self, o)
    def __rsub__(self, o): return self._op("sub", o, self)
    def __mul__(self, o): return self._op("mul", self, o)
    def __rmul__(self, o): return self._op("mul", o, self)
    def __truediv__(self, o): return self._op("div", self, o)
    def __rtruediv__(self, o): return self._op("div", o, self)
    def __pow__(self, o): return self._op("pow", self, o)
    def __rpow__(self, o): return self._op("pow", o, self)
    def __matmul__(self, o): return self._op("matmul", self, o)
    def __rmatmul__(self, o): return self._op("matmul", o, self)
    def __neg__(self): return self._op("neg", self)
    def __gt__(self, o): return self._op("greater", self, o)
    def __lt__(self, o): return self._op("less", self, o)
    def __ge__(self, o): return self._op("greater_equal", self, o)
    def __le__(self, o): return self._op("less_equal", self, o)
    def __getitem__(self, index): return Probe._dk_apply(OPS["getitem"], (self,), {"index": index})


def _dummy(like: Any) -> Any:
    """A NumPy array shaped and typed like ``like``: 0.5 for floats (inside every op's domain), 0 else."""
    dtype = np.dtype(str(like.dtype)) if hasattr(like, "dtype") else np.float64
    fill = 0.5 if dtype.kind in "fc" else 0
    return np.full(tuple(like.shape), fill, dtype=dtype)


def _run(op: Op, needs: tuple, args: tuple, ans: Any, params: dict) -> tuple[frozenset, _Tally]:
    """Run ``op``'s rules on probes: the rule inputs read, and the ops spent."""
    tally = _Tally()
    probes = tuple(Probe(_dummy(a), (i,), tally) if hasattr(a, "shape") else a for i, a in enumerate(args))
    out = Probe(_dummy(ans), (OUTPUT,), tally)
    g = Probe(np.full(tuple(ans.shape), 1.0, dtype=out.v.dtype if out.v.dtype.kind in "fc" else np.float64),
              (), tally)
    cots = op.vjps(g, out, probes, params, needs)
    read: frozenset = frozenset()
    for c in cots:
        if isinstance(c, Probe):
            read |= c.src
    return read, tally


def _conservative(op: Op, n_args: int) -> frozenset:
    return frozenset(range(n_args) if op.reads_inputs else ()) | {OUTPUT}


_EW_READS: dict[tuple, frozenset] = {}
_EW_COST: dict[tuple, int] = {}
#: (op name, needs) -> (rules applied, element-operations per output element), for the tape's hot path.
COUNTED: dict[tuple, tuple[int, int]] = {}


def _probe_elementwise(op: Op, needs: tuple) -> None:
    key = (op.name, needs)
    scalar = np.array(0.5)
    args = (scalar,) * len(needs)
    try:
        with np.errstate(all="ignore"):
            ans = np.asarray(op.impl(np, *args))
            read, tally = _run(op, needs, args, ans, {})
        _EW_READS[key], _EW_COST[key] = read, tally.elements
    except Exception:  # a rule that needs real arrays: assume the worst, count the op's own cost
        _EW_READS[key] = _conservative(op, len(needs))
        _EW_COST[key] = (op.cost if isinstance(op.cost, int) else 1) * sum(needs)
    COUNTED[key] = (sum(needs), _EW_COST[key])


def elementwise_reads(op: Op, needs: tuple) -> frozenset:
    """What ``op``'s rules for the arguments in ``needs`` read (arguments by index, :data:`OUTPUT`).

    Example
    -------
    >>> from diffkit.expr.ops import OPS
    >>> from diffkit.ad.rule_facts import elementwise_reads
    >>> sorted(elementwise_reads(OPS["div"], (True, True)))  # g / y and -g * a / y
    [-1, 1]
    """
    key = (op.name, needs)
    if key not in _EW_READS:
        _probe_elementwise(op, needs)
    return _EW_READS[key]


def elementwise_cost(op: Op, needs: tuple) -> int:
    """Element-operations per output element of ``op``'s rules for the arguments in ``needs``.

    Example
    -------
    >>> from diffkit.expr.ops import OPS
    >>> from diffkit.ad.rule_facts import elementwise_cost
    >>> elementwise_cost(OPS["mul"], (True, True)), elementwise_cost(OPS["tanh"], (True,))  # g*y, g*x; g*(1-a*a)
    (2, 3)
    """
    key = (op.name, needs)
    cost = _EW_COST.get(key)
    if cost is None:
        _probe_elementwise(op, needs)
        cost = _EW_COST[key]
    return cost


def rule_reads(op: Any, needs: tuple, args: tuple, ans: Any, params: dict) -> frozenset:
    """What the rules of one recorded application read, given its actual arguments (arrays or numbers).

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.expr.ops import OPS
    >>> from diffkit.ad.rule_facts import rule_reads
    >>> a, b = np.ones((2, 3)), np.ones((3, 4))
    >>> sorted(rule_reads(OPS["matmul"], (True, False), (a, b), a @ b, {}))  # g @ b.T
    [1]
    """
    if not isinstance(op, Op):
        return frozenset(range(len(needs))) | {OUTPUT}
    if op.kind in _ELEMENTWISE and not params:
        return elementwise_reads(op, needs)
    try:
        with np.errstate(all="ignore"):
            return _run(op, needs, args, ans, params)[0]
    except Exception:
        return _conservative(op, len(needs))


def rule_cost(op: Op, needs: tuple, args: tuple, ans: Any, params: dict) -> int:
    """Element-operations ``op``'s rules spend for the arguments in ``needs`` (what backward counts).

    Elementwise ops: measured on probes, per output element. Others: the op's
    ``vjp_cost`` if it has one, else its own cost per argument wanting a
    gradient (each of a product's two cotangents is a product of the same size).

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.expr.ops import OPS
    >>> from diffkit.ad.rule_facts import rule_cost
    >>> a, b = np.ones((64, 128)), np.ones((128, 256))
    >>> rule_cost(OPS["matmul"], (True, True), (a, b), a @ b, {}) == 2 * 2 * 64 * 128 * 256
    True
    """
    if op.kind in _ELEMENTWISE and not params:
        return elementwise_cost(op, needs) * int(getattr(ans, "size", 1))
    per = op.vjp_cost
    if per is None:
        return op.elements(ans, args, params) * sum(needs)
    if isinstance(per, int):
        return per * int(getattr(ans, "size", 1)) * sum(needs)
    return sum(int(per(ans, args, params, i)) for i, need in enumerate(needs) if need)
