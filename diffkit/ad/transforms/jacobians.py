"""Jacobians and Hessians of Python functions, assembled from ``jvp`` and ``vjp``.

``jacrev`` runs the function once and pulls back one unit cotangent per
output element; ``jacfwd`` pushes one unit tangent per input element through
the function. Each block is stacked with the table's own ops, so a Jacobian
taken inside another transform stays differentiable: ``hessian`` is
``jacfwd(jacrev(f))``, forward over reverse, as in JAX.

Shapes follow JAX: the block of output ``y`` and input ``x`` has shape
``y.shape + x.shape``; for pytrees the result has the output's structure with
the input's structure at each leaf (a tuple of them for a tuple ``argnums``).

Example
-------
>>> import numpy as np
>>> import diffkit as dk
>>> from diffkit.ad.transforms.jacobians import jacobian
>>> jacobian(lambda x: x * x, 0, False, "rev")(np.array([1.0, 2.0]))
array([[2., 0.],
       [0., 4.]])
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import Any

from ...expr.levels import constant_like, lowest
from ...expr.ops import OPS, apply, namespace
from ..forward import jvp_function
from .arguments import like, restrict
from .pytree import flatten, unflatten
from .reverse import vjp_of

__all__ = ["jacobian"]


def _units(x: Any) -> Iterator[Any]:
    """Unit arrays e_k shaped like ``x`` (constants of its dtype), one per element."""
    shape = tuple(getattr(x, "shape", ()))
    raw = lowest(x)
    if not shape and not hasattr(raw, "shape"):
        yield 1.0
        return
    xp = namespace(raw)
    size = math.prod(shape)
    dtype = getattr(x, "dtype", None) or raw.dtype
    for k in range(size):
        e = xp.zeros(size, dtype=dtype)
        e[k] = 1
        yield xp.reshape(e, shape)


def _block(parts: list, out_like: Any, in_like: Any, axis: int) -> Any:
    """Stack the rows (axis 0) or columns (axis -1) of one block into shape ``out.shape + in.shape``."""
    out_shape = tuple(getattr(out_like, "shape", ()))
    in_shape = tuple(getattr(in_like, "shape", ()))
    if not parts:  # an input or output with no elements
        raw = lowest(out_like)
        return namespace(raw).zeros(out_shape + in_shape, dtype=getattr(raw, "dtype", None) or float)
    if len(parts) == 1 and not (out_shape if axis == 0 else in_shape):
        j = parts[0]
    else:
        j = apply(OPS["stack"], *parts, axis=axis)
    if tuple(getattr(j, "shape", ())) != out_shape + in_shape:
        j = apply(OPS["reshape"], j, shape=out_shape + in_shape)
    return like(j, in_like)


def _rows(g: Callable[..., Any], picked: tuple, has_aux: bool) -> tuple:
    """One forward pass, then one pullback per output element: the rows of every block."""
    out, pullback, aux = vjp_of(g, picked, has_aux)
    outs, out_tree = flatten(out)
    blocks: list = [[[] for _ in flatten(picked)[0]] for _ in outs]
    for k, o in enumerate(outs):
        cotangents = [constant_like(v, 0.0) for v in outs]
        for e in _units(o):
            cotangents[k] = e
            for j, r in enumerate(flatten(pullback(unflatten(out_tree, cotangents)))[0]):
                blocks[k][j].append(r)
    return outs, out_tree, blocks, aux


def _columns(g: Callable[..., Any], picked: tuple, has_aux: bool) -> tuple:
    """One pass with tangents per input element: the columns of every block."""
    ins, in_tree = flatten(picked)
    zeros = [constant_like(x, 0.0) for x in ins]
    columns, first = [], None
    for j, x in enumerate(ins):
        for e in _units(x):
            seeds = list(zeros)
            seeds[j] = e
            res = jvp_function(g, picked, unflatten(in_tree, seeds), has_aux)
            first = first or res
            columns.append((j, flatten(res[1])[0]))
    if first is None:  # no input elements: one call for the output's structure
        first = jvp_function(g, picked, unflatten(in_tree, zeros), has_aux)
    outs, out_tree = flatten(first[0])
    blocks: list = [[[] for _ in ins] for _ in outs]
    for j, column in columns:
        for k, c in enumerate(column):
            blocks[k][j].append(c)
    return outs, out_tree, blocks, (first[2] if has_aux else None)


def jacobian(fn: Callable[..., Any], argnums: Any, has_aux: bool, mode: str) -> Callable[..., Any]:
    """The Jacobian of a Python function by reverse (``mode="rev"``) or forward (``"fwd"``) mode.

    Example
    -------
    >>> from diffkit.ad.transforms.jacobians import jacobian
    >>> jacobian(lambda x, y: x * y, (0, 1), False, "fwd")(3.0, 4.0)
    (4.0, 3.0)
    """

    def jac(*args: Any, **kwargs: Any) -> Any:
        g, picked, single = restrict(fn, args, kwargs, argnums)
        outs, out_tree, blocks, aux = (_rows if mode == "rev" else _columns)(g, picked, has_aux)
        ins, in_tree = flatten(picked)
        axis = 0 if mode == "rev" else -1
        sub_tree = in_tree.children[0] if single else in_tree
        result = unflatten(out_tree, [
            unflatten(sub_tree, [_block(blocks[k][j], o, x, axis) for j, x in enumerate(ins)])
            for k, o in enumerate(outs)])
        return (result, aux) if has_aux else result

    return jac
