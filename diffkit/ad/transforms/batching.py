"""``vmap``: a function of one example run on a whole batch at once, by the ops' batching rules.

Inside :func:`vmap` each mapped argument is a :class:`Batched` value: the
function sees one example (``x.shape`` has no batch axis), while the value one
level down holds the whole batch on its axis 0. Every op on a batched value
runs once, through its batching rule from the ops table
(:mod:`diffkit.expr.ops.batching`); there is no Python loop over the
examples. Batched values are transform values like the others, so ``vmap``
composes with ``grad``, ``jvp``, ``vjp`` and itself in any order:
``vmap(grad(loss), in_axes=(None, 0, 0))`` gives per-example gradients.

Example
-------
>>> import numpy as np
>>> import diffkit as dk
>>> dk.ad.vmap(lambda x: dk.sum(x * x))(np.array([[1.0, 2.0], [3.0, 4.0]]))
array([ 5., 25.])
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from ...errors import ArgumentError, BatchingError, ShapeError
from ...expr.levels import BASE_LEVEL, LevelValue, level_class, new_level
from ...expr.ops import OPS, Op, apply
from ...expr.ops.batching import rule_for
from .pytree import as_arrays, broadcast_prefix, flatten, unflatten

__all__ = ["Batched", "vmap", "VmapInfo"]


def move_axis(x: Any, src: int, dst: int) -> Any:
    """``x`` with axis ``src`` moved to position ``dst``, by the table's transpose (any level).

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.ad.transforms.batching import move_axis
    >>> move_axis(np.zeros((2, 3, 4)), 2, 0).shape
    (4, 2, 3)
    """
    perm = list(range(len(x.shape)))
    perm.insert(dst, perm.pop(src))
    if perm == sorted(perm):
        return x
    return apply(OPS["transpose"], x, axes=tuple(perm))


class VmapInfo(NamedTuple):
    """What a custom Function's ``vmap(info, in_dims, *args)`` rule is told, as in torch.func."""

    batch_size: int
    randomness: str = "error"


class Batched(LevelValue):
    """A value inside ``vmap``: one example to the function, the whole batch (axis 0) one level down.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.ad.transforms.batching import Batched
    >>> b = Batched(np.zeros((5, 2, 3)))
    >>> b.shape, b.value.shape
    ((2, 3), (5, 2, 3))
    """

    __slots__ = ("value",)
    _dk_level = BASE_LEVEL
    _dk_batched = True  # NumPy's protocol must not hand the whole batch to a NumPy function

    def __init__(self, value: Any):
        self.value = value

    def _dk_inner(self) -> Any:
        return self.value

    @property
    def shape(self) -> tuple:
        """The shape of one example."""
        return tuple(self.value.shape[1:])

    @classmethod
    def _dk_apply(cls, op: Op, args: tuple, params: dict) -> Any:
        vals = []
        flags = []
        for a in args:
            if type(a) is cls:
                vals.append(a.value)
                flags.append(True)
            else:
                vals.append(a)
                flags.append(False)
        return cls(rule_for(op)(op, tuple(vals), tuple(flags), params))

    @classmethod
    def _dk_function(cls, fn: type, args: tuple, kwargs: dict, below: Callable[..., Any]) -> Any:
        """A custom Function on a batch: by its ``vmap(info, in_dims, *args)`` rule (torch.func's API)."""
        if getattr(fn.vmap, "_dk_missing", False):
            raise BatchingError(
                f"vmap: {fn.__name__} has no batching rule; define @staticmethod vmap(info, in_dims, *args) "
                f"returning (output, out_dim), as torch.func asks (it may call {fn.__name__}.apply on the whole "
                "batch when its forward and backward work on a leading batch axis)")
        vals = [a.value if type(a) is cls else a for a in args]
        in_dims = tuple(0 if type(a) is cls else None for a in args)
        size = next(v.shape[0] for v, d in zip(vals, in_dims) if d is not None)
        out, out_dim = fn.vmap(VmapInfo(size), in_dims, *vals, **kwargs)
        if out_dim is None:
            return out
        return cls(move_axis(out, out_dim % len(out.shape), 0))

    def __bool__(self) -> bool:
        raise BatchingError(
            "vmap: an if/while/and/or on a batched value can't take one branch for the whole batch; "
            "write the choice with dk.where(condition, a, b), or vmap each branch")

    def detach(self) -> Any:
        """The batch without its derivatives (still batched)."""
        v = self.value
        return type(self)(v.detach() if hasattr(v, "detach") else v)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.value!r})"


def _axes_for(spec: Any, tree: Any, what: str) -> list:
    if isinstance(spec, list):
        spec = tuple(spec)
    return broadcast_prefix(spec, tree, what)


def vmap(fn: Callable[..., Any], in_axes: Any = 0, out_axes: Any = 0) -> Callable[..., Any]:
    """``fn`` mapped over an axis of its arguments, all examples at once (JAX's ``vmap``).

    Parameters
    ----------
    fn : callable
        A function of one example: arrays, Tensors or pytrees of them.
    in_axes : int, None, or a tuple with one entry per positional argument
        Which axis of each argument is the batch (``None``: the same value for
        every example). An entry may itself be a pytree matching its argument.
    out_axes : int, None, or a pytree prefix of the output
        Where the batch axis goes in each output; ``None`` for an output that
        doesn't depend on the batch.

    Example
    -------
    >>> import numpy as np
    >>> import diffkit as dk
    >>> W = np.array([[1.0, 2.0], [0.0, 1.0]])
    >>> dk.ad.vmap(lambda W, x: W @ x, in_axes=(None, 0))(W, np.array([[1.0, 1.0], [2.0, 0.0]]))
    array([[3., 1.],
           [2., 0.]])
    """

    def batched_fn(*args: Any) -> Any:
        args = tuple(as_arrays(a) for a in args)
        leaves, tree = flatten(args)
        spec = tuple(in_axes) if isinstance(in_axes, (tuple, list)) else in_axes
        if isinstance(spec, tuple) and len(spec) != len(args):
            raise ArgumentError(f"vmap: in_axes has {len(spec)} entries for {len(args)} positional arguments; "
                                "give one per argument (None for those not mapped)")
        axes = _axes_for(spec, args, "in_axes")
        size = None
        for x, ax in zip(leaves, axes):
            if ax is None:
                continue
            ndim = len(getattr(x, "shape", ()))
            if not isinstance(ax, int) or not -ndim <= ax < ndim:
                raise ShapeError(f"vmap: in_axes {ax!r} for an argument of shape {tuple(getattr(x, 'shape', ()))}; "
                                 "a mapped argument needs that axis (use None for a value shared by every example)")
            n = x.shape[ax]
            if size is not None and n != size:
                raise ShapeError(f"vmap: the mapped axes have different sizes ({size} and {n}); "
                                 "every mapped argument needs the same batch size")
            size = n
        if size is None:
            raise ArgumentError("vmap: no argument is mapped (every in_axes is None), so there is no batch")
        with new_level() as d:
            cls = level_class(Batched, d)
            wrapped = [x if ax is None else cls(move_axis(x, ax % len(x.shape), 0)) for x, ax in zip(leaves, axes)]
            result = fn(*unflatten(tree, wrapped))
        outs, out_tree = flatten(result)
        oaxes = _axes_for(out_axes, result, "out_axes")
        final = []
        for o, ax in zip(outs, oaxes):
            if type(o) is cls:
                if ax is None:
                    raise BatchingError("vmap: out_axes is None for an output that depends on the batch")
                v = o.value
            elif ax is None:
                final.append(o)
                continue
            else:  # the same for every example
                v = apply(OPS["broadcast_to"], o, shape=(size,) + tuple(getattr(o, "shape", ())))
            final.append(move_axis(v, 0, ax % len(v.shape)))
        return unflatten(out_tree, final)

    batched_fn.__name__ = f"vmap_{getattr(fn, '__name__', 'f')}"
    batched_fn.__doc__ = fn.__doc__
    return batched_fn

