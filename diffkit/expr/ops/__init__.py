"""The ops table: every primitive operation diffkit knows, defined once.

Each entry says, for one primitive: its name and arity, how to evaluate it on
an array namespace ``xp`` (``numpy``, ``cupy`` or any Array-API namespace), its
JVP rule (forward mode), its VJP rule (reverse mode), its SymPy counterpart and
its cost in element-operations. The parser, the tracer, the SymPy bridge, the
forward and reverse engines, ``Tensor`` and ``nn`` all read this table; no
derivative rule is written anywhere else.

The rules are written with diffkit's own functions (``cos``, ``matmul``, ...,
defined below from the same table) and Python operators. Those functions
dispatch on what they are given: on arrays they compute, on a Tensor they
record onto the tape, on a traced value they add a node to a graph. So one
rule serves numeric evaluation, higher derivatives and source generation alike.

Rule signatures (``ans`` is the op's output, ``args`` its inputs, ``params``
its keyword parameters):

* ``vjp``: one function per argument, ``rule(g, ans, *args, **params)``, giving
  the cotangent of that argument; ``None`` marks an argument with no gradient.
  Variadic ops give one function returning the tuple of all cotangents.
* ``jvp``: one function per argument, ``rule(t, ans, *args, **params)``, giving
  that argument's tangent's contribution to the output tangent (the engine sums
  the contributions of the arguments that carry tangents).

Rules may return a cotangent that is broadcast larger than its argument (an
add of a (3,) and a (2, 3) array); engines reduce it with :func:`sum_to`.

* ``vjp_arrays`` (optional, for the ops a training step spends its time in):
  ``rule(xp, g, ans, args, needs, **params)`` gives all the cotangents at once,
  straight on plain arrays, or ``None`` where it does not cover the case. The
  tape uses it when no graph of the gradient is wanted; it must agree with
  ``vjp`` (the tests check that op by op). It saves the per-call dispatch of
  the generic rule, and reuses what the forward pass kept (``ans``).

* ``batch`` (for ``vmap``): ``rule(op, args, batched, params)`` runs the op
  on a whole batch at once. ``args`` are the values one level down;
  ``batched[i]`` says whether ``args[i]`` carries the batch as its axis 0; the
  rule returns the output with the batch on axis 0, written with the table's
  functions. Most ops need nothing: elementwise and comparison ops broadcast,
  and an op with an ``axis`` option shifts it past the batch axis (the
  defaults, derived from ``kind`` and the impl's options). Otherwise name a
  generic rule -- ``"broadcast"`` for ops acting on trailing axes that
  broadcast over leading ones (:func:`~.batching.trailing` when the arguments'
  core ranks differ), ``"flat_axis"`` where ``axis=None`` means the flattened
  array -- or write one (see :mod:`.batching` for ``matmul``, ``getitem``...).
  An op with no rule makes ``vmap`` raise ``BatchingError`` naming it; it
  never loops over the batch.

Subgradient conventions at kinks, the same in every method (PyTorch's):
``relu'(0) = 0``, ``abs'(0) = 0``, ``step'(x) = sign'(x) = 0``, and
``maximum``/``minimum`` split the gradient half and half at a tie.

Example
-------
>>> from diffkit.expr.ops import OPS
>>> op = OPS["sin"]
>>> op.name, op.arity, op.cost
('sin', 1, 1)
>>> import numpy as np
>>> float(op.impl(np, 0.0))
0.0
"""

from __future__ import annotations

from . import (  # noqa: F401 - each registers its family of ops
    convolution,
    elementwise,
    fused,
    logexp,
    normalization,
    piecewise,
    pooling,
    reductions,
    shapes,
    special,
    statistics,
    trig,
)

# isort: split
from . import (  # noqa: F401 - the array vocabulary, one family per module
    complex,
    decompositions,
    diagonals,
    grids,
    indexing,
    joining,
    linalg,
    movement,
    products,
    scans,
    selection,
    sorting,
)

# isort: split
from .core import ALIASES, FUNCTIONS, OPS, UFUNCS, Op, apply, namespace

__all__ = ["Op", "OPS", "apply", "namespace", "FUNCTIONS", "ALIASES", "UFUNCS", "EXPR_OPS", "ARRAY_FUNCTIONS"]

# Every op's public function by its name, here as before the table was split:
# ``from diffkit.expr.ops import sin, sum_to``.
globals().update(FUNCTIONS)

#: The array vocabulary's public functions (``dk.<name>``), NumPy's names and meanings. Where a
#: primitive needs a front (subscripts to rewrite, PyTorch's argument order, per-element repeats)
#: the front is the public function, and it replaces the primitive's here.
ARRAY_FUNCTIONS = {
    **{name: getattr(module, name)
       for module in (movement, scans, sorting, diagonals, products, joining, grids, selection)
       for name in module.__all__},
    **indexing.PUBLIC,
    "real": complex.real, "imag": complex.imag, "conj": complex.conj, "angle": complex.angle,
}
globals().update(ARRAY_FUNCTIONS)

#: The ops an Expr may contain (elementwise, with a SymPy counterpart).
EXPR_OPS = {name: op for name, op in OPS.items() if op.kind == "elementwise"}
