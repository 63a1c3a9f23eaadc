"""Forward against reverse mode, measured: the lecture's Jacobian-chain argument.

A Jacobian of F: R^n -> R^m takes n forward-mode passes (one per input
direction) or m reverse-mode passes (one per output). :func:`op_count_study`
runs both engines on a family of functions of growing n and m and records the
operations each engine counted as it ran.

Example
-------
>>> import diffkit as dk
>>> study = dk.op_count_study(ns=[2, 8], ms=[1])
>>> rows = {(r["n"], r["m"]): r for r in study}
>>> rows[8, 1]["forward prim"] > rows[8, 1]["reverse prim"]
True
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..errors import ArgumentError
from ..expr.expr import Expr, expr
from ..table import Table

__all__ = ["chain_map", "op_count_study", "OpCountStudy"]


def chain_map(n: int, m: int) -> Expr:
    """A function R^n -> R^m whose every output depends on every input.

    ``s = x1^2 + ... + xn^2`` is shared, then ``y_i = sin(s + i) * x_((i mod n) + 1)``:
    evaluating it costs about ``n + m`` ops.

    Example
    -------
    >>> from diffkit.compare.op_counts import chain_map
    >>> F = chain_map(3, 2)
    >>> F.variables, F.outputs
    (('x1', 'x2', 'x3'), ('y1', 'y2'))
    """
    if n < 1 or m < 1:
        raise ArgumentError(f"chain_map needs n, m >= 1, got n={n}, m={m}")
    s = " + ".join(f"x{j}^2" for j in range(1, n + 1))
    program = [f"s = {s}"] + [f"y{i} = sin(s + {i}) * x{(i - 1) % n + 1}" for i in range(1, m + 1)]
    return expr(program, outputs=[f"y{i}" for i in range(1, m + 1)])


class OpCountStudy(Table):
    """Rows ``n, m, forward prim, reverse prim, forward elem, reverse elem, ratio, eval elem, pass / eval``
    (a Table)."""


def op_count_study(ns: Sequence[int] = (1, 2, 4, 8, 16, 32), ms: Sequence[int] = (1, 2, 4, 8, 16, 32),
                   point: float = 0.5) -> OpCountStudy:
    """Counted cost of a full Jacobian by forward and by reverse mode, for each (n, m).

    Parameters
    ----------
    ns, ms : sequences of int
        Input and output dimensions to try (every pair is measured).
    point : float
        Every input is set to this value.

    Returns
    -------
    OpCountStudy
        A :class:`~diffkit.Table`; ``ratio`` is forward / reverse primitives
        (about n / m: forward mode pays per input, reverse per output).
        ``eval elem`` is what one evaluation of F costs, and ``pass / eval``
        what one reverse pass (one row of the Jacobian) costs in evaluations
        of F: a small constant, whatever n is, as the lecture says.

    Example
    -------
    >>> import diffkit as dk
    >>> t = dk.op_count_study(ns=[4], ms=[4])
    >>> 0.5 < t[0]["ratio"] < 2
    True
    >>> [round(r["pass / eval"], 1) for r in dk.op_count_study(ns=[4, 64], ms=[1])]  # n grows 16x, not this
    [2.0, 1.5]
    """
    from ..ad import ForwardMode, ReverseMode
    from ..expr.counting import counting

    ns, ms = list(ns), list(ms)
    if not ns or not ms or any(isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1 for k in ns + ms):
        raise ArgumentError(f"ns and ms must be non-empty lists of positive dimensions, got ns={ns}, ms={ms}")
    fwd, rev = ForwardMode(), ReverseMode()
    rows = []
    for n in ns:
        for m in ms:
            F = chain_map(n, m)
            at = {v: point for v in F.variables}
            rf, rr = fwd.jacobian(F, at), rev.jacobian(F, at)
            with counting() as once:
                F(**at)
            evaluation = max(once.count.elements, 1)
            rows.append([n, m, rf.ops.primitives, rr.ops.primitives, rf.ops.elements, rr.ops.elements,
                         rf.ops.primitives / max(rr.ops.primitives, 1), evaluation,
                         rr.ops.elements / m / evaluation])
    return OpCountStudy(
        ["n", "m", "forward prim", "reverse prim", "forward elem", "reverse elem", "ratio", "eval elem",
         "pass / eval"], rows,
        title="Cost of a full Jacobian of F: R^n -> R^m (ops counted by the engines)",
        notes=["forward mode takes one pass per input (n), reverse mode one pass per output (m)"])
