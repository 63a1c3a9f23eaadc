"""The Tensor's recording path: run an op of the table on arrays and, when a gradient is wanted, record a Node.

Every op a :class:`~diffkit.ad.tensor.Tensor` runs -- its operators, its
methods, and the ops :func:`~diffkit.expr.ops.apply` hands it -- ends in one of
three functions here: :func:`_unary`, :func:`_binary` (the hot paths, one
allocation each for the output, its Tensor and its Node) and :func:`_general`.
They evaluate ``op.impl(xp, ...)`` on the Tensors' arrays, count the work, and
record a :class:`~diffkit.ad.tape.Node` when an input requires grad and
recording is on. No derivative rule lives here.

This module knows the Tensor class only through :data:`Tensor`, which
``tensor.py`` binds with :func:`bind_tensor` once the class is defined: so the
Tensor's method modules (``tensor_*.py``) can import the recording path
without importing the class, and nothing here imports ``tensor.py``.

Example
-------
>>> import diffkit as dk
>>> from diffkit.ad import recording
>>> from diffkit.expr.ops import OPS
>>> x = dk.tensor([1.0, 2.0], requires_grad=True)
>>> recording._unary(OPS["exp"], x, {}).grad_fn
<ExpBackward>
>>> recording.Tensor is dk.Tensor
True
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import DiffkitError, ShapeError
from ..expr.counting import COUNTER
from ..expr.levels import LevelValue
from ..expr.ops import OPS, Op, apply
from ..expr.ops.core import not_numbers
from . import backend
from .grad_mode import STATE
from .inplace import VIEW_OPS, view_of
from .memory import keep_freed_memory
from .tape import CLOCK, Node

_new = object.__new__

#: The Tensor class, bound by ``tensor.py`` (:func:`bind_tensor`) once it is defined.
Tensor: Any = None


def bind_tensor(cls: type) -> None:
    """Tell the recording path what a Tensor is (``tensor.py`` calls it after defining the class)."""
    global Tensor
    Tensor = cls


keep_freed_memory()  # tensors churn through large temporaries: reuse freed blocks (see memory.py)
_EMPTY: dict = {}  # shared parameters of parameterless ops; never mutated
_NEEDS = {(True,): (True,), (False, True): (False, True), (True, False): (True, False), (True, True): (True, True)}

_ADD, _SUB, _MUL, _DIV, _POW = OPS["add"], OPS["sub"], OPS["mul"], OPS["div"], OPS["pow"]
_NEG, _MATMUL = OPS["neg"], OPS["matmul"]

# Namespace by array type: one dict lookup per op instead of a method call.
_XP: dict[type, Any] = {}


def _xp(d: Any) -> Any:
    try:
        return _XP[type(d)]
    except KeyError:
        ns = _XP[type(d)] = backend.namespace_of(d)
        return ns


def _make(data: Any, requires_grad: bool = False, node: Node | None = None) -> Tensor:
    """A Tensor around ``data`` without any conversion (the engine's constructor)."""
    t = _new(Tensor)
    t._data = data
    t.requires_grad = requires_grad
    t._node = node
    t.grad = None
    t._vc = [0, 0]
    t._view = None
    return t


def _refuse_text(op: Op, args: tuple) -> None:
    """Raise the table's clear error when an argument is text (NumPy's own TypeError says only 'loop')."""
    bad = not_numbers(op, args)
    if bad is not None:
        raise bad from None


def _shape_error(op: Op, args: tuple, err: Exception) -> Exception:
    if isinstance(err, DiffkitError):  # an op's own refusal already says what is wrong
        return err
    shapes = " and ".join(str(tuple(a.shape)) if hasattr(a, "shape") else repr(a) for a in args)
    return ShapeError(f"{op.name}: shapes {shapes} do not fit together ({err})")


def _count(op: Op, out: Any, args: tuple, params: dict) -> None:
    COUNTER.primitives += 1
    c = op.cost
    COUNTER.elements += c * out.size if c.__class__ is int else op.elements(out, args, params)


#: Ops with a floating output whose derivative is zero (sign, step). As in PyTorch their output still
#: requires grad and backward gives zeros, not an error: ``sign(x).sum().backward()`` leaves ``x.grad = 0``.
#: Comparisons, argmax and one_hot give no floating values to differentiate and record nothing.
ZERO_SLOPE = frozenset(name for name, op in OPS.items() if op.vjp is None and op.kind == "elementwise")

# The three recording paths. They are the hot path: no per-op allocations
# beyond the output, its Tensor and its Node.

def _unary(op: Op, x: Tensor, params: dict) -> Tensor:
    d = x._data
    try:
        out = op.impl(_xp(d), d, **params)
    except ValueError as err:
        raise _shape_error(op, (d,), err) from None
    COUNTER.primitives += 1
    c = op.cost
    COUNTER.elements += c * out.size if c.__class__ is int else op.elements(out, (d,), params)
    t = _new(Tensor)
    t._data = out
    t.grad = None
    if op.name in VIEW_OPS or out is d or getattr(out, "base", None) is not None:  # it may share x's memory
        t._vc = vc = view_of(t, x, op, params, out, d)
    else:
        t._vc = vc = [0, 0]
        t._view = None
    if x.requires_grad and (op.vjp is not None or op.name in ZERO_SLOPE) and STATE.enabled:
        t.requires_grad = True
        t._node = Node(op, (x,), params, out, (True,), CLOCK.now, vc, (x._node,))
    else:
        t.requires_grad = False
        t._node = None
    return t


def _binary(op: Op, a: Any, b: Any, params: dict = _EMPTY) -> Tensor:
    if isinstance(a, Tensor):
        ad = a._data
        ar = a.requires_grad
        ns = ad
        an = a._node
    else:
        if isinstance(a, LevelValue):  # a function transform's value: its level takes the op
            return apply(op, a, b, **params)
        an = None
        ad = a = a.item() if isinstance(a, np.generic) else a  # a NumPy scalar is weak, as in PyTorch
        ar = False
    if isinstance(b, Tensor):
        bd = b._data
        br = b.requires_grad
        bn = b._node
        if not isinstance(a, Tensor):
            ns = bd
    else:
        if isinstance(b, LevelValue):
            return apply(op, a, b, **params)
        bn = None
        bd = b = b.item() if isinstance(b, np.generic) else b  # float32 * np.float64(2) stays float32
        br = False
    try:
        out = op.impl(_xp(ns), ad, bd, **params)
    except ValueError as err:
        raise _shape_error(op, (ad, bd), err) from None
    except TypeError:
        _refuse_text(op, (ad, bd))
        raise
    COUNTER.primitives += 1
    c = op.cost
    COUNTER.elements += c * out.size if c.__class__ is int else op.elements(out, (ad, bd), params)
    t = _new(Tensor)
    t._data = out
    t.grad = None
    t._vc = vc = [0, 0]
    t._view = None
    if (ar or br) and (op.vjp is not None or op.name in ZERO_SLOPE) and STATE.enabled:
        t.requires_grad = True
        t._node = Node(op, (a, b), params, out, _NEEDS[(ar, br)], CLOCK.now, vc, (an, bn))
    else:
        t.requires_grad = False
        t._node = None
    return t


def _general(op: Op, args: tuple, params: dict) -> Tensor:
    raw = []
    needs = []
    ns = None
    for a in args:
        if isinstance(a, Tensor):
            raw.append(a._data)
            needs.append(a.requires_grad)
            if ns is None:
                ns = a._data
        else:
            raw.append(a.item() if isinstance(a, np.generic) else a)
            needs.append(False)
    try:
        out = op.impl(_xp(ns), *raw, **params)
    except ValueError as err:
        raise _shape_error(op, tuple(raw), err) from None
    except TypeError:
        _refuse_text(op, tuple(raw))
        raise
    _count(op, out, tuple(raw), params)
    t = _make(out)
    if any(needs) and (op.vjp is not None or op.name in ZERO_SLOPE) and STATE.enabled:
        t.requires_grad = True
        kept = tuple(a if isinstance(a, Tensor) else r for a, r in zip(args, raw))  # NumPy scalars as Python's
        t._node = Node(op, kept, params, out, tuple(needs), CLOCK.now, t._vc)
    return t


def _apply(op: Op, args: tuple, params: dict) -> Tensor:
    n = len(args)
    if n == 1 and op.arity == 1:
        return _unary(op, args[0], params)
    if n == 2 and op.arity == 2:
        return _binary(op, args[0], args[1], params)
    return _general(op, args, params)
