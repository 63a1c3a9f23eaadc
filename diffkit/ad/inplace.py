"""In-place ops while recording, and views that write through, as in PyTorch.

A *view* is a Tensor made by ``reshape``/``view``, ``transpose``/``permute``/
``.T``, ``squeeze``/``unsqueeze``/``flatten``, basic indexing (``x[0]``,
``x[:, 1:]``) or ``expand``, whose array shares its base's memory. It keeps a
link to its base, shares its base's version counter, and is listed (weakly)
in that counter, so an in-place change anywhere reaches everything:

* the **values**: the new values are written into the buffer every alias
  shares, so ``h.view(3).mul_(10)`` changes ``h``;
* the **graph**: the op is recorded on the tensor changed, then written back
  up the chain of views to the base (``h[i] = new``, ``h = reshape(new)``, ...),
  and every view of that base gets a new tape node reading the new base. So
  ``x.grad`` is 10, as in PyTorch, wherever the change was made and wherever
  the result is read.

The in-place op is computed out of place on the tape (its node keeps what
its rule reads; the old value is copied only when the rule reads it, as
PyTorch saves ``original_self``), then committed. What cannot be done right
is refused with a clear error, never done half: a leaf that requires grad (or
a view of one), a view made under ``no_grad`` of a base that requires grad,
an expanded view (several elements share one memory location), a view made
by an op with no way back, a result of another shape or of a dtype the tensor
cannot hold.

Example
-------
>>> import diffkit as dk
>>> x = dk.tensor([1.0, 2.0, 3.0], requires_grad=True)
>>> h = x * 1.0
>>> _ = h.view(3).mul_(10.0)
>>> h
tensor([10., 20., 30.], grad_fn=<ReshapeBackward>)
>>> h.sum().backward(); x.grad
tensor([10., 10., 10.])
"""

from __future__ import annotations

import weakref
from typing import Any

import numpy as np

from ..errors import ArgumentError, ArgumentTypeError, GradientError, ShapeError
from ..expr.ops import OPS, apply, namespace
from ..expr.ops.shapes import _inverse_axes
from .grad_mode import STATE
from .rule_facts import elementwise_reads, rule_reads
from .tape import _T, CLOCK, Node

__all__ = ["view_of", "rebase", "is_view_index", "readonly_error", "OVERLAP"]

#: Ops whose output may be a view of their input.
VIEW_OPS = frozenset({"reshape", "transpose", "matrix_transpose", "broadcast_to", "getitem"})
#: PyTorch's message for writing into an expanded tensor.
OVERLAP = ("unsupported operation: more than one element of the written-to tensor refers to a single memory "
           "location (it was made by expand/broadcast_to). Please clone() the tensor before changing it in place")


def is_view_index(index: tuple) -> bool:
    """Whether indexing with ``index`` gives a view (ints, slices, None, ...), not a copy (arrays, masks)."""
    return all(isinstance(i, (int, np.integer, slice)) or i is None or i is Ellipsis for i in index)


def readonly_error(name: str) -> ArgumentError:
    """The error for an in-place op on memory that can't be written (an expanded view)."""
    return ArgumentError(f"{name}: {OVERLAP}")


# How the new value of a view goes back into its base: base_new = back(base_old, view_new, params).
def _back_getitem(base: Any, new: Any, params: dict) -> Any:
    return apply(OPS["setitem"], base, new, index=params["index"])


def _back_reshape(base: Any, new: Any, params: dict) -> Any:
    return apply(OPS["reshape"], new, shape=tuple(base.shape))


def _back_transpose(base: Any, new: Any, params: dict) -> Any:
    axes = params.get("axes")
    return apply(OPS["transpose"], new, axes=None if axes is None else _inverse_axes(axes, len(base.shape)))


def _back_matrix_transpose(base: Any, new: Any, params: dict) -> Any:
    return apply(OPS["matrix_transpose"], new)


def _back_identity(base: Any, new: Any, params: dict) -> Any:
    return new


_BACK = {"getitem": _back_getitem, "reshape": _back_reshape, "transpose": _back_transpose,
         "matrix_transpose": _back_matrix_transpose}


def _register(vc: list, t: Any) -> None:
    if len(vc) == 2:
        vc.append([])
    views = vc[2]
    views.append(weakref.ref(t))
    n = len(views)
    if n >= 64 and n & (n - 1) == 0:  # now and then, forget the views that died
        views[:] = [r for r in views if r() is not None]


def view_of(t: Any, x: Any, op: Any, params: dict, out: Any, d: Any) -> list:
    """Link ``t = op(x)`` to ``x`` if its array ``out`` shares ``x``'s array ``d``; ``t``'s version cell.

    A view shares its base's version counter and is listed in it; anything
    else gets a counter of its own.
    """
    share = getattr(namespace(d), "may_share_memory", None)
    if out is d:
        back = _back_identity
    elif share is not None:
        back = _BACK.get(op.name, False) if share(out, d) else None
    elif op.name in VIEW_OPS and (op.name != "getitem" or is_view_index(params["index"])):
        back = _BACK.get(op.name, False)  # no way to tell: the Array API's view semantics
    else:
        back = None
    if back is None:
        t._view = None
        return [0, 0]
    # base, op, params, the way back (False: none), whether grad mode was on when it was made
    t._view = (x, op, params, back, STATE.enabled)
    vc = x._vc
    _register(vc, t)
    return vc


def _alias(t: Any, copy: bool) -> Any:
    """A Tensor standing for ``t`` as it is now: its node, and its values (copied if they must survive)."""
    d = t._data
    a = _T.make(namespace(d).asarray(d, copy=True) if copy else d, t.requires_grad, t._node)
    if not copy:
        a._vc = t._vc
    return a


def _reads_old(op: Any, t: Any, other: Any, other_rg: bool, params: dict) -> bool:
    """Whether the rules of ``t <- op(t, other)`` read the old value of ``t`` (so it must be kept)."""
    if not op.reads_inputs:
        return False
    needs = (t.requires_grad,) if other is None else (t.requires_grad, other_rg)
    if op.kind in ("elementwise", "comparison") and not params:
        return 0 in elementwise_reads(op, needs)
    raw = (t._data,) if other is None else (t._data, getattr(other, "_data", other))
    return 0 in rule_reads(op, needs, raw, t._data, params)


def _leaf_error(t: Any, name: str, chain: list) -> GradientError:
    what = "a view of a leaf tensor" if chain else "a leaf tensor"
    return GradientError(
        f"{what} that requires grad is used in an in-place operation ({name}); do parameter updates inside "
        "`with dk.no_grad():`, or write x = x + ... instead")


def _check_chain(t: Any, chain: list, name: str) -> None:
    for v in chain:
        base, vop, _params, back, recorded = v._view
        if vop.name == "broadcast_to":
            raise readonly_error(name)
        if back is False:
            raise GradientError(
                f"{name} on the output of {vop.name}, which shares its input's memory, can't be recorded: "
                "there is no way to write the change back into the input; change a copy (t.clone()) instead")
        if not recorded and base.requires_grad:
            raise GradientError(
                f"a view made under no_grad is changed in place ({name}) while grad mode is on, and its base "
                "requires grad: the change could not be tracked. Make the view with grad mode on, or change it "
                "inside `with dk.no_grad():` too")


def rebase(t: Any, op: Any, other: Any, params: dict, name: str | None = None) -> bool:
    """Record ``t <- op(t, other)`` (``other`` None: a unary op), writing through views; False if
    nothing in it requires grad (the caller then changes the values directly). ``name`` is the
    method for error messages (``add_``, ``fill_``, ...)."""
    tensor = _T.tensor
    other_rg = isinstance(other, tensor) and other.requires_grad
    chain = []
    root = t
    while root._view is not None:
        chain.append(root)
        root = root._view[0]
    if not (t.requires_grad or other_rg or root.requires_grad):
        return False
    name = name or f"{op.name}_"
    if root.requires_grad and root._node is None:
        raise _leaf_error(t, name, chain)
    _check_chain(t, chain, name)

    CLOCK.now += 1
    old = _alias(t, copy=_reads_old(op, t, other, other_rg, params))
    new = apply(op, old, **params) if other is None else apply(op, old, other, **params)
    if tuple(new.shape) != tuple(t.shape):
        raise ShapeError(f"{name}: the result has shape {tuple(new.shape)}, but an in-place op keeps the shape "
                         f"{tuple(t.shape)} of the tensor it changes; write it out of place (x = x + y, ...)")
    if new.dtype != t.dtype:
        if np.dtype(str(t.dtype)).kind not in "fc":
            raise ArgumentTypeError(f"{name}: the result type {new.dtype} can't be cast to {t.dtype}, the dtype of "
                                    "the tensor changed in place; cast it first (x = x.double())")
        new = apply(OPS["astype"], new, dtype=t.dtype)
    for v in chain:  # up the chain of views: each base gets the new value of its view
        base, _vop, vparams, back, _recorded = v._view
        new = back(_alias(base, copy=False), new, vparams)
    _commit(root, new)
    return True


def _writeable(d: Any) -> bool:
    return hasattr(type(d), "__setitem__") and getattr(getattr(d, "flags", None), "writeable", True)


def _commit(root: Any, new: Any) -> None:
    """Make ``root`` hold ``new``: its values into the shared buffer, its node, the views regenerated."""
    d, nd = root._data, new._data
    if _writeable(d) and tuple(d.shape) == tuple(nd.shape):
        d[...] = nd  # every tensor aliasing the buffer sees the change
    else:
        root._data = d = nd
    node = new._node
    root._node = node
    root.requires_grad = new.requires_grad
    vc = root._vc
    if node is not None:
        node.out_vc = vc
        node.ans = d
    vc[0] += 1
    vc[1] = CLOCK.now
    if len(vc) > 2:
        _regenerate(vc[2])


def _regenerate(views: list) -> None:
    """Every live view of a changed buffer reads it again: fresh values, and a node on the new base.

    Views are listed in the order they were made, so a view's base (itself a
    view, perhaps) is regenerated before the view.
    """
    for ref in list(views):
        v = ref()
        if v is None:
            continue
        base, vop, vparams, _back, recorded = v._view
        v._data = vop.impl(namespace(base._data), base._data, **vparams)
        if recorded and base.requires_grad and STATE.enabled:
            v.requires_grad = True
            v._node = Node(vop, (base,), vparams, v._data, (True,), CLOCK.now, v._vc, (base._node,))
