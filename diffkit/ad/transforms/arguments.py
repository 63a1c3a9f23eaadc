"""Arguments of the transforms on Python functions, and results in the kind of their arguments.

``argnums`` picks positional arguments; the picked ones must hold floating
values. A derivative comes back in the kind of the argument it belongs to: a
float for a Python number, an array of the argument's dtype for an array, a
Tensor for a Tensor. Inside another transform (or when it depends on a Tensor
the function closed over and that requires grad) it stays what it is, so
nothing is cut off.

Example
-------
>>> import numpy as np
>>> from diffkit.ad.transforms.arguments import like
>>> like(np.float64(2.5), 1.0), like(np.array([1.0]), np.zeros(1, dtype=np.float32)).dtype
(2.5, dtype('float32'))
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from ...errors import ArgumentError, ArgumentTypeError, GradientError
from ...expr.levels import LevelValue
from .pytree import as_arrays, flatten, tree_map

__all__ = ["pick_argnums", "prepare", "restrict", "with_args", "like", "like_tree", "plain_value", "check_scalar"]


def pick_argnums(argnums: Any, nargs: int) -> tuple[tuple[int, ...], bool]:
    """The positions ``argnums`` picks among ``nargs`` arguments, and whether it was a single int.

    Example
    -------
    >>> from diffkit.ad.transforms.arguments import pick_argnums
    >>> pick_argnums(-1, 3), pick_argnums((0, 2), 3)
    (((2,), True), ((0, 2), False))
    """
    single = isinstance(argnums, int) and not isinstance(argnums, bool)
    picks = (argnums,) if single else tuple(argnums)
    if not picks:
        raise ArgumentError("argnums is empty: nothing to differentiate")
    for p in picks:
        if not isinstance(p, int) or isinstance(p, bool) or not -nargs <= p < nargs:
            raise ArgumentError(f"argnums={argnums!r} does not fit a call with {nargs} positional argument(s)")
    return tuple(p % nargs for p in picks), single


def _is_tensor(x: Any) -> bool:
    return getattr(type(x), "_dk_level", 0) == 2 and hasattr(x, "_data")


def _leaf(x: Any) -> Any:
    if isinstance(x, bool):
        raise ArgumentTypeError("can't differentiate with respect to a bool; give floating-point values")
    if isinstance(x, int):
        return float(x)
    if isinstance(x, LevelValue):
        return x
    dtype = getattr(x._data if _is_tensor(x) else x, "dtype", None)
    if getattr(dtype, "kind", "f") not in "fc":
        raise ArgumentTypeError(f"can't differentiate with respect to a value of dtype {dtype}; give "
                                "floating-point values (x.astype(float), or 1.0 instead of 1)")
    return x


def prepare(x: Any) -> Any:
    """A differentiated argument: lists of numbers as arrays, ints as floats, integer arrays refused.

    Example
    -------
    >>> from diffkit.ad.transforms.arguments import prepare
    >>> prepare([1, 2]), prepare({"a": 1, "b": 2.0})
    (array([1., 2.]), {'a': 1.0, 'b': 2.0})
    """
    return tree_map(_leaf, as_arrays(x))


def with_args(fn: Callable[..., Any], args: tuple, nums: tuple[int, ...], kwargs: dict) -> Callable[..., Any]:
    """``fn`` as a function of the arguments at ``nums`` only, the others fixed to ``args``.

    Example
    -------
    >>> from diffkit.ad.transforms.arguments import with_args
    >>> with_args(lambda a, b, c: a - b * c, (1.0, 2.0, 3.0), (1,), {})(10.0)
    -29.0
    """

    def restricted(*picked: Any) -> Any:
        full = list(args)
        for i, v in zip(nums, picked):
            full[i] = v
        return fn(*full, **kwargs)

    return restricted


def restrict(fn: Callable[..., Any], args: tuple, kwargs: dict, argnums: Any) -> tuple[Callable[..., Any], tuple, bool]:
    """``(g, picked, single)``: ``fn`` as a function ``g`` of the arguments ``argnums`` picks, those
    arguments (prepared), and whether ``argnums`` was a single int.

    Example
    -------
    >>> from diffkit.ad.transforms.arguments import restrict
    >>> g, picked, single = restrict(lambda a, b: a * b, (2, 3.0), {}, 0)
    >>> g(*picked), picked, single
    (6.0, (2.0,), True)
    """
    nums, single = pick_argnums(argnums, len(args))
    full = list(args)
    for i in nums:
        full[i] = prepare(full[i])
    picked = tuple(full[i] for i in nums)
    return with_args(fn, tuple(full), nums, kwargs), picked, single


def like(result: Any, original: Any) -> Any:
    """``result`` (a derivative) in the kind of ``original`` (the argument it belongs to).

    Example
    -------
    >>> import diffkit as dk
    >>> from diffkit.ad.transforms.arguments import like
    >>> like(2.0, dk.tensor([1.0]))
    tensor(2.)
    """
    if isinstance(result, LevelValue):
        return result
    if _is_tensor(original):
        if _is_tensor(result):
            return result if result.dtype == original.dtype else result.to(original.dtype)
        from ..tensor import tensor

        return tensor(result, dtype=original.dtype, device=original.device)
    if _is_tensor(result):
        if result.requires_grad:  # depends on a Tensor the function closed over: keep the connection
            return result
        result = result._data
    if isinstance(original, (int, float, complex)) and not isinstance(original, bool):
        if np.ndim(result) == 0:
            return complex(result) if isinstance(original, complex) else float(result)
        return result
    want = getattr(original, "dtype", None)
    if want is not None and hasattr(original, "__array_namespace__"):
        xp = original.__array_namespace__()
        if getattr(result, "dtype", None) != want or not hasattr(result, "shape"):
            result = xp.asarray(result, dtype=want)
    return result


def like_tree(result: Any, original: Any) -> Any:
    """:func:`like` leaf by leaf over a pytree."""
    return tree_map(like, result, original)


def plain_value(out: Any) -> Any:
    """A function's output as a transform returns it: 0-d arrays as floats, anything else as it is.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.ad.transforms.arguments import plain_value
    >>> plain_value(np.float64(2.0)), plain_value(np.ones(2))
    (2.0, array([1., 1.]))
    """
    if isinstance(out, np.ndarray | np.generic) and np.ndim(out) == 0 and out.dtype.kind == "f":
        return float(out)
    return out


def check_scalar(out: Any, name: str) -> None:
    """Refuse an output that is not one scalar: ``grad`` needs one."""
    leaves, tree = flatten(out)
    if len(leaves) != 1 or not tree.is_leaf:
        raise GradientError(f"{name} needs a function with one scalar output; it returned {tree}; "
                            "use jacrev/jacfwd, or vjp with a cotangent")
    shape = tuple(getattr(leaves[0], "shape", ()))
    if math.prod(shape) != 1:
        raise GradientError(f"{name} needs a function with one scalar output; it returned shape {shape}; "
                            "use jacrev/jacfwd, or vjp with a cotangent")
    if getattr(getattr(leaves[0], "dtype", None), "kind", "") == "O":
        raise GradientError(f"{name}: the function returned an array of Python objects (np.array or np.asarray "
                            "of values being differentiated?); build arrays with dk.stack or dk.concat")
