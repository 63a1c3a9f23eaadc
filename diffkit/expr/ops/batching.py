"""Batching rules: how each op of the table runs on a batch of values at once (``vmap``).

Under :func:`diffkit.ad.vmap` every batched value carries its batch as axis 0
of the value one level down; the function being mapped sees only the
per-example value. An op applied to batched values runs once on the whole
batch through its rule,

    ``rule(op, args, batched, params) -> out``

``args`` are the values one level down, ``batched[i]`` says whether
``args[i]`` carries the batch (as its axis 0; the others are the same for
every example), ``params`` the op's keyword parameters as the function gave
them. The rule returns the op's output for the whole batch, batch on axis 0.
Rules are written with the table's own functions, so they work on whatever
the values one level down are (arrays, Tensors, other transforms' values).

Most ops need nothing written: :attr:`Op.batch` names a generic rule or holds
a rule, and when it is ``None`` the rule follows from the op's kind and options:

* ``"broadcast"`` -- elementwise and comparison ops (the default for their
  kinds), and ops that act on trailing axes and broadcast over leading ones
  with the same core rank for every argument (``matrix_transpose``, linear
  algebra on stacks of matrices): each batched argument gets unit axes after
  its batch axis so that all arguments line up from the right, then the op
  runs once. Use :func:`trailing` when arguments have different core ranks.
* ``"axis"`` -- ops with an ``axis`` option (the default for them: reductions,
  softmax, concat, stack, scans, sorts...): arguments that are not batched are
  broadcast to the batch, and the axis is moved past the batch axis
  (non-negative axes shift by one, negative ones count from the end and stay;
  ``axis=None`` means every per-example axis).
* ``"flat_axis"`` -- as ``"axis"``, for ops whose ``axis=None`` means "of the
  flattened array" (``argmax``, NumPy's ``cumsum`` and ``sort``): ``None``
  runs on the batch flattened per example.
* :func:`axes` -- as ``"axis"`` for options with other names (``diagonal``'s
  ``axis1``/``axis2``).
* ``"leading_batch"`` -- ops whose argument has a batch axis of its own
  (convolution and pooling of (N, C, *S)): the two batches merge into one.

An op without a rule (``batch=None`` and none derived) raises
:class:`~diffkit.errors.BatchingError` naming it: vmap never loops in Python.

Example
-------
>>> import numpy as np
>>> from diffkit.expr.ops import OPS
>>> from diffkit.expr.ops.batching import rule_for
>>> rule = rule_for(OPS["sum"])
>>> rule(OPS["sum"], (np.ones((4, 2, 3)),), (True,), {"axis": 0}).shape  # per example: sum over axis 0
(4, 3)
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as _np

from ...errors import BatchingError
from .core import OPS, Op, _option_names, apply

__all__ = ["rule_for", "broadcast", "axis", "flat_axis", "axes", "leading_batch", "trailing", "GENERIC"]


def _ndim(a: Any) -> int:
    return len(getattr(a, "shape", ()))


def _batch_size(args: tuple, batched: tuple) -> int:
    return next(a.shape[0] for a, b in zip(args, batched) if b)


def _reshape(a: Any, shape: tuple) -> Any:
    return apply(OPS["reshape"], a, shape=tuple(shape))


def _lift(a: Any, rank: int, at: int = 1) -> Any:
    """A batched value with unit axes inserted at ``at`` so that its per-example rank is ``rank``."""
    shape = tuple(a.shape)
    missing = rank - (len(shape) - 1)
    if missing <= 0:
        return a
    return _reshape(a, shape[:at] + (1,) * missing + shape[at:])


def _tiled(a: Any, size: int) -> Any:
    """An unbatched value broadcast to the batch: the same for every example."""
    return apply(OPS["broadcast_to"], a, shape=(size,) + tuple(getattr(a, "shape", ())))


def trailing(*core: int) -> Callable[..., Any]:
    """The rule of an op that acts on the last ``core[i]`` axes of argument ``i`` and broadcasts over the rest.

    Each batched argument gets unit axes after its batch axis so that the
    leading (broadcast) axes of all arguments line up; then the op runs once.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.expr.ops import OPS
    >>> from diffkit.expr.ops.batching import trailing
    >>> rule = trailing(2, 2)  # matmul of matrices
    >>> rule(OPS["matmul"], (np.ones((5, 2, 3)), np.ones((4, 3, 2))), (True, False), {}).shape
    (5, 4, 2, 2)
    """

    def rule(op: Op, args: tuple, batched: tuple, params: dict) -> Any:
        cores = core or (0,) * len(args)
        lead = max(_ndim(a) - b - c for a, b, c in zip(args, batched, cores))
        aligned = [_lift(a, lead + c) if b else a for a, b, c in zip(args, batched, cores)]
        return apply(op, *aligned, **params)

    rule.__name__ = f"trailing{core}"
    return rule


broadcast = trailing()
broadcast.__name__ = "broadcast"
broadcast.__doc__ = "The rule of elementwise ops: line the arguments up from the right, run once."


_DEFAULTS: dict[str, dict[str, Any]] = {}


def _option_default(op: Op, name: str) -> Any:
    defaults = _DEFAULTS.get(op.name)
    if defaults is None:
        try:
            sig = inspect.signature(op.impl).parameters
            defaults = {k: p.default for k, p in sig.items() if p.default is not inspect.Parameter.empty}
        except (TypeError, ValueError):
            defaults = {}
        _DEFAULTS[op.name] = defaults
    return defaults.get(name)


def _shift(ax: Any, rank: int) -> Any:
    if ax is None:
        return tuple(range(1, rank + 1))
    if isinstance(ax, (tuple, list)):
        return tuple(_shift(a, rank) for a in ax)
    return ax + 1 if ax >= 0 else ax


def _all_batched(args: tuple, batched: tuple) -> list:
    if len(args) == 1:
        return list(args)
    size = _batch_size(args, batched)
    return [a if b else _tiled(a, size) for a, b in zip(args, batched)]


def axis(op: Op, args: tuple, batched: tuple, params: dict) -> Any:
    """The rule of ops with an ``axis`` option: move the axis past the batch axis.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.expr.ops import OPS
    >>> from diffkit.expr.ops.batching import axis
    >>> axis(OPS["sum"], (np.ones((4, 2, 3)),), (True,), {}).shape  # axis=None: each example's total
    (4,)
    """
    full = _all_batched(args, batched)
    rank = _ndim(full[0]) - 1
    ax = params["axis"] if "axis" in params else _option_default(op, "axis")
    return apply(op, *full, **{**params, "axis": _shift(ax, rank)})


def flat_axis(op: Op, args: tuple, batched: tuple, params: dict) -> Any:
    """As :func:`axis`, for ops whose ``axis=None`` means the flattened array (``argmax``).

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.expr.ops import OPS
    >>> from diffkit.expr.ops.batching import flat_axis
    >>> x = np.array([[[1.0, 5.0], [2.0, 0.0]], [[0.0, 0.0], [3.0, 1.0]]])
    >>> flat_axis(OPS["argmax"], (x,), (True,), {}).tolist()
    [1, 2]
    """
    ax = params["axis"] if "axis" in params else _option_default(op, "axis")
    if ax is not None:
        return axis(op, args, batched, params)
    full = _all_batched(args, batched)
    x = full[0]
    shape = tuple(x.shape)
    flat = [_reshape(a, (shape[0], -1)) for a in full]
    out = apply(op, *flat, **{**params, "axis": 1})
    if params.get("keepdims"):
        out = _reshape(out, (shape[0],) + (1,) * (len(shape) - 1))
    return out


def axes(*names: str) -> Callable[..., Any]:
    """The rule of ops whose options ``names`` are axes of the example (``diagonal``'s ``axis1``, ``axis2``):
    each moves past the batch axis, as :func:`axis` moves ``axis``.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.expr.ops import OPS
    >>> from diffkit.expr.ops.batching import axes
    >>> axes("axis1", "axis2")(OPS["diagonal"], (np.ones((4, 2, 3)),), (True,), {}).shape
    (4, 2)
    """

    def rule(op: Op, args: tuple, batched: tuple, params: dict) -> Any:
        full = _all_batched(args, batched)
        moved = {n: _shift(params[n] if n in params else _option_default(op, n), 0) for n in names}
        return apply(op, *full, **{**params, **moved})

    rule.__name__ = f"axes{names}"
    return rule


def leading_batch(op: Op, args: tuple, batched: tuple, params: dict) -> Any:
    """The rule of ops whose first argument has a batch axis of its own first (convolution and pooling
    of (N, C, *S)): the examples' batches become one, the op runs once, and they are split again.
    The other arguments must be the same for every example.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.expr.ops import OPS
    >>> from diffkit.expr.ops.batching import leading_batch
    >>> x = np.ones((4, 2, 3, 6, 6))  # 4 examples of a (2, 3, 6, 6) batch of images
    >>> leading_batch(OPS["avg_pool"], (x,), (True,), {"kernel_size": (2, 2)}).shape
    (4, 2, 3, 3, 3)
    """
    if any(batched[1:]):
        raise BatchingError(f"vmap: {op.name} batches its first argument only; its other arguments must be the "
                            "same for every example")
    x = args[0]
    size, n = x.shape[0], x.shape[1]
    out = apply(op, _reshape(x, (size * n,) + tuple(x.shape[2:])), *args[1:], **params)
    return _reshape(out, (size, n) + tuple(out.shape[1:]))


GENERIC: dict[str, Callable[..., Any]] = {"broadcast": broadcast, "axis": axis, "flat_axis": flat_axis,
                                          "leading_batch": leading_batch}

_RULES: dict[str, Callable[..., Any] | None] = {}


def rule_for(op: Op) -> Callable[..., Any]:
    """The batching rule of ``op``: its own, a generic one it names, or the one its kind and options imply.

    Raises :class:`~diffkit.errors.BatchingError` naming the op when it has none.

    Example
    -------
    >>> from diffkit.expr.ops import OPS
    >>> from diffkit.expr.ops.batching import rule_for
    >>> rule_for(OPS["sin"]).__name__, rule_for(OPS["softmax"]).__name__
    ('broadcast', 'axis')
    """
    try:
        rule = _RULES[op.name]
    except KeyError:
        rule = op.batch
        if rule is None:
            if op.kind in ("elementwise", "comparison"):
                rule = "broadcast"
            elif "axis" in _option_names(op.impl, op.arity):
                rule = "axis"
        if isinstance(rule, str):
            rule = GENERIC[rule]
        _RULES[op.name] = rule
    if rule is None:
        raise BatchingError(
            f"vmap: the op {op.name!r} has no batching rule, so it can't run on a batch at once "
            "(diffkit never loops over a batch in Python); give the op a rule (batch= in its _defop, see "
            "diffkit.expr.ops.batching), or call the function once per example yourself")
    return rule


# ---------------------------------------------------------------------------
# Rules of the shape ops, the products and the fused ops, referenced from their entries.
# ---------------------------------------------------------------------------

def reshape_rule(op: Op, args: tuple, batched: tuple, params: dict) -> Any:
    (x,) = args
    return apply(op, x, **{**params, "shape": (x.shape[0],) + tuple(params["shape"])})


def broadcast_to_rule(op: Op, args: tuple, batched: tuple, params: dict) -> Any:
    (x,) = args
    shape = tuple(params["shape"])
    return apply(op, _lift(x, len(shape)), **{**params, "shape": (x.shape[0],) + shape})


def sum_to_rule(op: Op, args: tuple, batched: tuple, params: dict) -> Any:
    (x,) = args
    shape = tuple(params["shape"])
    lead = _ndim(x) - 1 - len(shape)
    if lead > 0:  # the leading per-example axes go entirely
        x = apply(OPS["sum"], x, axis=tuple(range(1, lead + 1)))
    return apply(op, x, **{**params, "shape": (x.shape[0],) + shape})


def transpose_rule(op: Op, args: tuple, batched: tuple, params: dict) -> Any:
    (x,) = args
    rank = _ndim(x) - 1
    axes = params.get("axes")
    perm = tuple(range(rank, 0, -1)) if axes is None else tuple(a % rank + 1 for a in axes)
    return apply(op, x, **{**params, "axes": (0,) + perm})


def _index_tuple(index: Any) -> tuple:
    return index if isinstance(index, tuple) else (index,)


def _is_array(i: Any) -> bool:
    return isinstance(i, list) or getattr(i, "ndim", 0) > 0


def _split_advanced(index: tuple) -> int | None:
    """How many result axes array indices make when slices separate them, else None.

    NumPy puts the axes of separated array indices first, so the batch axis
    lands after them; adjacent ones keep their place (and the batch stays first)."""
    arrays = [i for i in index if _is_array(i)]
    if not arrays:
        return None
    positions = [k for k, i in enumerate(index)
                 if _is_array(i) or (isinstance(i, (int, _np.integer)) and not isinstance(i, bool))]
    if positions == list(range(positions[0], positions[-1] + 1)):
        return None
    shapes = [(1,) if getattr(getattr(i, "dtype", None), "kind", "") == "b" else _np.shape(i) for i in arrays]
    return len(_np.broadcast_shapes(*shapes))


def _move_batch(x: Any, frm: int, to: int) -> Any:
    perm = list(range(_ndim(x)))
    perm.insert(to, perm.pop(frm))
    return apply(OPS["transpose"], x, axes=tuple(perm))


def getitem_rule(op: Op, args: tuple, batched: tuple, params: dict) -> Any:
    (x,) = args
    index = _index_tuple(params["index"])
    out = apply(op, x, **{**params, "index": (slice(None),) + index})
    moved = _split_advanced(index)
    return out if moved is None else _move_batch(out, moved, 0)


def index_add_rule(op: Op, args: tuple, batched: tuple, params: dict) -> Any:
    (g,) = args
    index = _index_tuple(params["index"])
    moved = _split_advanced(index)
    if moved is not None:
        g = _move_batch(g, 0, moved)
    return apply(op, g, **{**params, "index": (slice(None),) + index,
                           "shape": (args[0].shape[0],) + tuple(params["shape"])})


def setitem_rule(op: Op, args: tuple, batched: tuple, params: dict) -> Any:
    x, v = _all_batched(args, batched) if not batched[0] else (args[0], args[1])
    index = _index_tuple(params["index"])
    if _split_advanced(index) is not None:
        raise BatchingError("vmap: assignment through array indices that slices separate can't be batched "
                            "(NumPy would move their axes first); index with adjacent arrays")
    full = (slice(None),) + index
    if batched[1]:
        target = apply(OPS["getitem"], x, index=full)
        v = _lift(v, _ndim(target) - 1)
    return apply(op, x, v, **{**params, "index": full})


def matmul_rule(op: Op, args: tuple, batched: tuple, params: dict) -> Any:
    a, b = args
    ba, bb = batched
    squeeze = []
    if ba and _ndim(a) == 2:  # a batch of vectors on the left: (B, 1, k)
        a = _reshape(a, (a.shape[0], 1, a.shape[1]))
        squeeze.append(-2)
    if bb and _ndim(b) == 2:  # on the right: (B, k, 1)
        b = _reshape(b, tuple(b.shape) + (1,))
        squeeze.append(-1)
    ranks = [_ndim(x) - f for x, f in ((a, ba), (b, bb)) if _ndim(x) - f >= 2]
    rank = max(ranks)
    a = _lift(a, rank) if ba else a
    b = _lift(b, rank) if bb else b
    out = apply(op, a, b, **params)
    if squeeze:
        shape = list(out.shape)
        for ax in sorted(squeeze):  # -2 before -1
            shape.pop(ax)
        out = _reshape(out, tuple(shape))
    return out


def linear_rule(op: Op, args: tuple, batched: tuple, params: dict) -> Any:
    x, w, b = args
    bx, bw, bb = batched
    if not bw and not bb:  # a batch of inputs is what the op already takes
        return apply(op, x, w, b, **params)
    wt = apply(OPS["matrix_transpose"], w) if _ndim(w) - bw >= 2 else w
    y = matmul_rule(OPS["matmul"], (x, wt), (bx, bw), {})
    return broadcast(OPS["add"], (y, b), (True, bb), {})


def cross_entropy_rule(op: Op, args: tuple, batched: tuple, params: dict) -> Any:
    x, t = _all_batched(args, batched)
    size, n = x.shape[0], x.shape[1]
    flat = apply(op, _reshape(x, (size * n,) + tuple(x.shape[2:])), _reshape(t, (size * n,)),
                 **{**params, "reduction": "none"})
    losses = _reshape(flat, (size, n))
    reduction = params.get("reduction", "mean")
    if reduction == "none":
        return losses
    return apply(OPS["mean" if reduction == "mean" else "sum"], losses, axis=1)


def bce_with_logits_rule(op: Op, args: tuple, batched: tuple, params: dict) -> Any:
    """Binary cross-entropy of logits: the arguments broadcast as an elementwise op's do, so they line up
    from the right and the op runs once unreduced; each example's losses are then reduced over its own
    axes (``mean`` divides by the example's broadcast size, as the op does)."""
    losses = broadcast(op, args, batched, {**params, "reduction": "none"})
    reduction = params.get("reduction", "mean")
    per_example = tuple(range(1, _ndim(losses)))
    if reduction == "none" or not per_example:
        return losses
    return apply(OPS["mean" if reduction == "mean" else "sum"], losses, axis=per_example)
