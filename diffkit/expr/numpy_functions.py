"""NumPy's functions on the values of function transforms (NumPy's ``__array_function__`` protocol).

``np.sum(x)``, ``np.dot(A, x)``, ``np.concatenate([x, y])`` or ``np.where(c, x, y)``
inside a function being differentiated or batched call the table's ops, as
``np.sin(x)`` does through the ufunc protocol. A NumPy function not listed
here raises NumPy's ``TypeError`` ("no implementation found") instead of
silently building an array of Python objects.

Example
-------
>>> import numpy as np
>>> import diffkit as dk
>>> dk.ad.grad(lambda x: np.sum(np.dot(np.array([[1.0, 2.0]]), x)))(np.array([1.0, 1.0]))
array([1., 2.])
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from . import array_functions as af
from .ops import OPS, apply

__all__ = ["HANDLED", "array_function"]


def _dot(a: Any, b: Any) -> Any:
    if len(getattr(a, "shape", ())) > 2 or len(getattr(b, "shape", ())) > 2:
        raise TypeError("np.dot of arrays with more than 2 axes is not np.matmul; use dk.matmul (or @) "
                        "with the axes you mean")
    if not getattr(a, "shape", ()) or not getattr(b, "shape", ()):
        return apply(OPS["mul"], a, b)
    return apply(OPS["matmul"], a, b)


def _outer(a: Any, b: Any) -> Any:
    a = af.flatten(a)
    return apply(OPS["mul"], apply(OPS["reshape"], a, shape=(a.shape[0], 1)), af.flatten(b))


def _method(name: str) -> Callable[..., Any]:
    def call(a: Any, *args: Any, **kwargs: Any) -> Any:
        return getattr(a, name)(*args, **kwargs)

    return call


def _spread(name: str) -> Callable[..., Any]:
    # NumPy's own default: ddof=0 (the methods default to PyTorch's correction=1)
    def call(a: Any, axis: Any = None, dtype: Any = None, out: Any = None, ddof: Any = 0, keepdims: bool = False,
             **kwargs: Any) -> Any:
        return getattr(a, name)(axis=axis, dtype=dtype, out=out, ddof=ddof, keepdims=keepdims, **kwargs)

    return call


def _zeros_like(a: Any, *args: Any, **kwargs: Any) -> Any:
    from .levels import constant_like

    return constant_like(a, 0.0)


def _ones_like(a: Any, *args: Any, **kwargs: Any) -> Any:
    from .levels import constant_like

    return constant_like(a, 1.0)


HANDLED: dict[Any, Callable[..., Any]] = {
    np.sum: _method("sum"), np.mean: _method("mean"), np.max: _method("max"), np.min: _method("min"),
    np.amax: _method("max"), np.amin: _method("min"), np.var: _spread("var"), np.std: _spread("std"),
    np.argmax: _method("argmax"), np.argmin: _method("argmin"), np.reshape: _method("reshape"),
    np.transpose: _method("transpose"), np.squeeze: _method("squeeze"), np.clip: _method("clip"),
    np.ravel: lambda a: af.flatten(a), np.expand_dims: lambda a, axis: af.unsqueeze(a, axis),
    np.shape: lambda a: tuple(a.shape), np.ndim: lambda a: len(a.shape), np.size: lambda a: a.numel(),
    np.dot: _dot, np.outer: _outer, np.where: lambda c, x, y: apply(OPS["where"], c, x, y),
    np.concatenate: lambda xs, axis=0: apply(OPS["concat"], *xs, axis=axis),
    np.stack: lambda xs, axis=0: apply(OPS["stack"], *xs, axis=axis),
    np.zeros_like: _zeros_like, np.ones_like: _ones_like,
}


def array_function(func: Any, args: tuple, kwargs: dict) -> Any:
    """The table's version of the NumPy function ``func``, or NotImplemented.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.expr.numpy_functions import array_function
    >>> array_function(np.fft.fft, (), {})
    NotImplemented
    """
    impl = HANDLED.get(func)
    return NotImplemented if impl is None else impl(*args, **kwargs)
