"""Array methods in PyTorch's and NumPy's names, for every value type that intercepts ops.

A Tensor, a forward-mode dual number, a reverse-mode box of the function
transforms and a batched value all want ``x.var(dim=0)``, ``x.squeeze()`` or
``x.cumsum(0)`` to mean the same op of the table. :class:`ArrayMethods`
writes each such method once, through :func:`~diffkit.expr.ops.apply`, so the
type with the highest ``_dk_level`` among the arguments handles the op, as
for the arithmetic operators in :mod:`diffkit.expr.arithmetic`. A type may
override a method on its hot path (``Tensor`` does for a few).

Example
-------
>>> from diffkit.expr.methods import ArrayMethods
>>> ArrayMethods.__slots__
()
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

from ..errors import ArgumentError
from . import array_functions as af
from .ops import OPS, apply

__all__ = ["ArrayMethods"]


def _shape_args(shape: tuple) -> tuple:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return tuple(shape)


def _no_out(out: Any) -> None:
    if out is not None:
        raise ArgumentError("out= is not supported: values here are never written in place; use the result")


class ArrayMethods:
    """Mixin: array methods (reductions, shapes, scans, indexing...) that apply the table's ops.

    Example
    -------
    >>> import numpy as np
    >>> import diffkit as dk
    >>> from diffkit.expr.methods import ArrayMethods
    >>> isinstance(dk.tensor([1.0]), ArrayMethods)
    True
    >>> dk.ad.grad(lambda x: x.reshape(2, 2).T.softmax(1)[0, 1] + x.var(0).sum())(np.arange(4.0)).round(4)
    array([-1.105 , -0.3333,  0.4383,  1.    ])
    >>> x = dk.tensor([0.5], requires_grad=True)
    >>> x.erf().sum().backward(); round(float(x.grad[0]), 6)
    0.878783
    """

    __slots__ = ()

    # -- reductions, statistics and shapes shared with forward-mode values ----------
    # PyTorch's names and signatures (as Tensor has them), with NumPy's axis/keepdims as
    # synonyms, so np.sum(x), np.max(x), np.var(x)... call them too (NumPy's method protocol).

    def _op(self, name: str, *args: Any, **params: Any) -> Any:
        return apply(OPS[name], self, *args, **params)

    def _index(self, index: Any) -> tuple:
        """An index for the getitem op: a tuple, Tensors unwrapped, a trailing ``...`` where it leaves
        axes out (the Array API wants every axis indexed)."""
        index = index if isinstance(index, tuple) else (index,)
        out = []
        for i in index:
            if getattr(type(i), "_dk_level", 0) == 2 and hasattr(i, "_data"):  # an integer Tensor
                i = i._data
            out.append(i)
        if not any(i is Ellipsis for i in out) and sum(i is not None for i in out) < self.ndim:
            out.append(Ellipsis)
        return tuple(out)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, tuple) and any(getattr(type(i), "_dk_level", 0) > 2 for i in index) \
                or getattr(type(index), "_dk_level", 0) > 2:
            return af.pick(self, index)
        return self._op("getitem", index=self._index(index))

    def __len__(self) -> int:
        shape = self.shape
        if not shape:
            raise TypeError("len() of a 0-d value")
        return shape[0]

    def __iter__(self) -> Iterator[Any]:
        for i in range(len(self)):
            yield self[i]

    def __matmul__(self, o: Any) -> Any: return apply(OPS["matmul"], self, o)
    def __rmatmul__(self, o: Any) -> Any: return apply(OPS["matmul"], o, self)

    # NumPy's protocols: np.cumsum(x), np.linalg.det(x), np.exp(x), ndarray * x run diffkit's
    # versions (one implementation for every kind of value: see numpy_protocol.py).
    def __array_function__(self, func: Any, types: tuple, args: tuple, kwargs: dict) -> Any:
        from .numpy_protocol import array_function

        return array_function(func, types, args, kwargs)

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        from .numpy_protocol import array_ufunc

        return array_ufunc(ufunc, method, inputs, kwargs)

    def numel(self) -> int:
        """Number of elements.

        Example
        -------
        >>> from diffkit.expr.dual import Dual
        >>> import numpy as np
        >>> Dual(np.ones((2, 3))).numel()
        6
        """
        return math.prod(self.shape)

    def dim(self) -> int:
        """Number of dimensions (PyTorch's name for ``ndim``)."""
        return len(self.shape)

    # elementwise
    def exp(self) -> Any: return self._op("exp")
    def log(self) -> Any: return self._op("log")
    def sqrt(self) -> Any: return self._op("sqrt")
    def square(self) -> Any: return self._op("square")
    def sin(self) -> Any: return self._op("sin")
    def cos(self) -> Any: return self._op("cos")
    def tan(self) -> Any: return self._op("tan")
    def tanh(self) -> Any: return self._op("tanh")
    def sigmoid(self) -> Any: return self._op("sigmoid")
    def relu(self) -> Any: return self._op("relu")
    def abs(self) -> Any: return self._op("abs")
    def sign(self) -> Any: return self._op("sign")
    def neg(self) -> Any: return self._op("neg")
    def reciprocal(self) -> Any: return af.reciprocal(self)
    def rsqrt(self) -> Any: return af.reciprocal(self._op("sqrt"))
    def pow(self, exponent: Any) -> Any: return self._op("pow", exponent)
    def mul(self, other: Any) -> Any: return self._op("mul", other)
    def div(self, other: Any) -> Any: return self._op("div", other)
    def maximum(self, other: Any) -> Any: return self._op("maximum", other)
    def minimum(self, other: Any) -> Any: return self._op("minimum", other)

    def add(self, other: Any, *, alpha: Any = 1) -> Any:
        """self + alpha * other."""
        return self._op("add", other if alpha == 1 else other * alpha)

    def sub(self, other: Any, *, alpha: Any = 1) -> Any:
        """self - alpha * other."""
        return self._op("sub", other if alpha == 1 else other * alpha)

    def clamp(self, min: Any = None, max: Any = None) -> Any:  # noqa: A002 - PyTorch's names
        """Limit to [min, max] (gradient 1 inside, boundaries included)."""
        return self._op("clip", lo=min, hi=max)

    def clip(self, min: Any = None, max: Any = None, out: Any = None, **kwargs: Any) -> Any:  # noqa: A002
        """NumPy's and PyTorch's other name for :meth:`clamp` (``np.clip(x, lo, hi)`` calls it)."""
        _no_out(out)
        return self.clamp(min, max)

    def where(self, condition: Any, other: Any) -> Any:
        """self where ``condition``, else ``other`` (PyTorch's ``x.where(c, y)``)."""
        return apply(OPS["where"], condition, self, other)

    # reductions and statistics
    def sum(self, dim: Any = None, keepdim: bool = False, *, axis: Any = None, keepdims: bool | None = None,
            dtype: Any = None, out: Any = None) -> Any:
        """Sum over ``dim`` (all by default)."""
        _no_out(out)
        x = self if dtype is None else self._op("astype", dtype=dtype)
        return apply(OPS["sum"], x, axis=af.dims(dim, axis), keepdims=af._keep(keepdim, keepdims))

    def mean(self, dim: Any = None, keepdim: bool = False, *, axis: Any = None, keepdims: bool | None = None,
             dtype: Any = None, out: Any = None) -> Any:
        """Mean over ``dim`` (all by default)."""
        _no_out(out)
        x = self if dtype is None else self._op("astype", dtype=dtype)
        return apply(OPS["mean"], x, axis=af.dims(dim, axis), keepdims=af._keep(keepdim, keepdims))

    def max(self, dim: Any = None, keepdim: bool = False, *, axis: Any = None, keepdims: bool | None = None,
            out: Any = None) -> Any:
        """Maximum; ``(values, indices)`` over an int ``dim``, as ``torch.max`` (see :func:`dk.max`).

        Example
        -------
        >>> import numpy as np
        >>> import diffkit as dk
        >>> dk.ad.grad(lambda x: x.max(1).values.sum())(np.array([[1.0, 3.0, 3.0]]))  # to the index returned
        array([[0., 1., 0.]])
        """
        _no_out(out)
        return af.max(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def min(self, dim: Any = None, keepdim: bool = False, *, axis: Any = None, keepdims: bool | None = None,
            out: Any = None) -> Any:
        """Minimum; ``(values, indices)`` over an int ``dim``, as ``torch.min`` (see :func:`dk.min`)."""
        _no_out(out)
        return af.min(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def amax(self, dim: Any = None, keepdim: bool = False, *, axis: Any = None,
             keepdims: bool | None = None) -> Any:
        """Maximum values over ``dim``; ties share the gradient."""
        return af.amax(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def amin(self, dim: Any = None, keepdim: bool = False, *, axis: Any = None,
             keepdims: bool | None = None) -> Any:
        """Minimum values over ``dim``; ties share the gradient."""
        return af.amin(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def argmax(self, dim: Any = None, keepdim: bool = False, *, axis: Any = None, out: Any = None,
               keepdims: bool | None = None) -> Any:
        """Index of the maximum over ``dim`` (of the flattened value if None)."""
        _no_out(out)
        return self._op("argmax", axis=af.dims(dim, axis), keepdims=af._keep(keepdim, keepdims))

    def argmin(self, dim: Any = None, keepdim: bool = False, *, axis: Any = None, out: Any = None,
               keepdims: bool | None = None) -> Any:
        """Index of the minimum over ``dim`` (of the flattened value if None)."""
        _no_out(out)
        return self._op("argmin", axis=af.dims(dim, axis), keepdims=af._keep(keepdim, keepdims))

    def var(self, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False, *,
            correction: Any = None, axis: Any = None, keepdims: bool | None = None, ddof: Any = None,
            dtype: Any = None, out: Any = None) -> Any:
        """Variance over ``dim`` (``correction=1`` by default; NumPy's ``ddof`` too).

        Example
        -------
        >>> import numpy as np
        >>> import diffkit as dk
        >>> dk.ad.jvp(lambda x: x.var(), (np.array([1.0, 2.0, 3.0]),), (np.array([1.0, 0.0, 0.0]),))
        (1.0, -1.0)
        """
        _no_out(out)
        return af.var(self, dim, unbiased, keepdim, correction=correction, axis=axis, keepdims=keepdims, ddof=ddof)

    def std(self, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False, *,
            correction: Any = None, axis: Any = None, keepdims: bool | None = None, ddof: Any = None,
            dtype: Any = None, out: Any = None) -> Any:
        """Standard deviation over ``dim``; slope 0 where it is 0, as in PyTorch.

        Example
        -------
        >>> import numpy as np
        >>> import diffkit as dk
        >>> dk.ad.grad(lambda x: x.std(correction=0))(np.array([2.0, 2.0]))  # a constant sample: 0, not nan
        array([0., 0.])
        """
        _no_out(out)
        return af.std(self, dim, unbiased, keepdim, correction=correction, axis=axis, keepdims=keepdims, ddof=ddof)

    def logsumexp(self, dim: Any = None, keepdim: bool = False, *, axis: Any = None,
                  keepdims: bool | None = None) -> Any:
        """log(sum(exp(x))) over ``dim``, computed stably."""
        return self._op("logsumexp", axis=af.dims(dim, axis), keepdims=af._keep(keepdim, keepdims))

    def softmax(self, dim: int = -1, *, axis: int | None = None) -> Any:
        """exp(x) / sum(exp(x)) over ``dim`` (last by default)."""
        return self._op("softmax", axis=af.dims(dim, axis))

    def log_softmax(self, dim: int = -1, *, axis: int | None = None) -> Any:
        """x - logsumexp(x) over ``dim`` (last by default)."""
        return self._op("log_softmax", axis=af.dims(dim, axis))

    # shapes
    def reshape(self, *shape: Any, order: str = "C") -> Any:
        """Same values in a new shape (one entry may be -1): ``x.reshape(2, 3)`` or ``x.reshape((2, 3))``."""
        if order != "C":
            raise ArgumentError(f"reshape(order={order!r}): only row-major order ('C') is here")
        shape = _shape_args(shape)
        if -1 in shape:
            known = math.prod(s for s in shape if s != -1)
            shape = tuple(self.numel() // known if s == -1 and known else s for s in shape)
        return self._op("reshape", shape=shape)

    view = reshape

    def view_as(self, other: Any) -> Any:
        """Reshape to ``other``'s shape."""
        return self.reshape(tuple(other.shape))

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Any:
        """Merge axes ``start_dim..end_dim`` into one."""
        return af.flatten(self, start_dim, end_dim)

    def squeeze(self, dim: Any = None, *, axis: Any = None) -> Any:
        """Drop axes of size 1 (only ``dim`` if given).

        Example
        -------
        >>> import numpy as np
        >>> import diffkit as dk
        >>> dk.ad.vmap(lambda x: x.squeeze().shape and x.squeeze())(np.ones((2, 1, 3))).shape
        (2, 3)
        """
        return af.squeeze(self, dim, axis=axis)

    def unsqueeze(self, dim: int) -> Any:
        """Insert an axis of size 1 at ``dim``."""
        return af.unsqueeze(self, dim)

    def split(self, split_size_or_sections: Any, dim: int = 0) -> tuple:
        """Pieces along ``dim`` of ``split_size`` each, or of the given sizes."""
        return af.split(self, split_size_or_sections, dim)

    def chunk(self, chunks: int, dim: int = 0) -> tuple:
        """At most ``chunks`` pieces along ``dim``, of equal size but the last.

        Example
        -------
        >>> import numpy as np
        >>> import diffkit as dk
        >>> dk.ad.jacfwd(lambda x: x.chunk(2)[1] * 2.0)(np.ones(3))
        array([[0., 0., 2.]])
        """
        if chunks < 1:
            raise ArgumentError(f"chunks must be a positive number, got {chunks}")
        return self.split(-(-self.shape[dim] // chunks) or 1, dim)

    def permute(self, *dims: Any) -> Any:
        """Reorder the axes: ``x.permute(2, 0, 1)``."""
        n = self.ndim or 1
        return self._op("transpose", axes=tuple(d % n for d in _shape_args(dims)))

    def transpose(self, dim0: Any = None, dim1: Any = None) -> Any:
        """Swap axes ``dim0`` and ``dim1`` (PyTorch); with none or a tuple, permute as NumPy's ``transpose``."""
        if dim1 is None:  # NumPy's transpose(axes) (np.transpose(x) calls x.transpose(None))
            return self._op("transpose", axes=None if dim0 is None else tuple(dim0))
        n = self.ndim
        axes = list(range(n))
        a, b = dim0 % n, dim1 % n
        axes[a], axes[b] = axes[b], axes[a]
        return self._op("transpose", axes=tuple(axes))

    def t(self) -> Any:
        """Transpose of a matrix (itself for 0-d and 1-d values)."""
        return self if self.ndim < 2 else self.transpose(0, 1)

    @property
    def T(self) -> Any:  # noqa: N802 - PyTorch's and NumPy's name
        """All axes reversed."""
        return self._op("transpose", axes=None)

    @property
    def mT(self) -> Any:  # noqa: N802
        """The last two axes swapped."""
        return self._op("matrix_transpose")

    def expand(self, *sizes: Any) -> Any:
        """Broadcast to ``sizes`` (-1 keeps an axis)."""
        sizes = _shape_args(sizes)
        shape = self.shape
        lead = len(sizes) - len(shape)
        return self._op("broadcast_to", shape=tuple(shape[i - lead] if s == -1 else s for i, s in enumerate(sizes)))

    def broadcast_to(self, shape: Any) -> Any:
        """Broadcast to ``shape``."""
        return self._op("broadcast_to", shape=tuple(shape))

    def expand_as(self, other: Any) -> Any:
        """Broadcast to ``other``'s shape."""
        return self.broadcast_to(tuple(other.shape))

    def matmul(self, other: Any) -> Any:
        """Matrix product (``@``)."""
        return self._op("matmul", other)

    mm = matmul
    dot = matmul

    def astype(self, dtype: Any) -> Any:
        """A copy cast to ``dtype`` (NumPy's name; the gradient is cast back)."""
        return self._op("astype", dtype=dtype)

    def double(self) -> Any:
        """Cast to float64."""
        return self.astype("float64")

    def contiguous(self) -> Any:
        """The same values laid out in row-major order."""
        return self._op("contiguous")

    def clone(self) -> Any:
        """A copy (values here are never changed in place, so it is the same values)."""
        return self._op("contiguous")

    def float(self) -> Any:
        """Cast to float32 (PyTorch's name)."""
        return self.astype("float32")

    def half(self) -> Any:
        """Cast to float16."""
        return self.astype("float16")

    def to(self, dtype: Any = None, *args: Any, **kwargs: Any) -> Any:
        """Cast to ``dtype`` (a device name other than "cpu" is refused: the value lives where it is)."""
        if isinstance(dtype, str) and dtype in ("cpu", "cuda"):
            if dtype != "cpu":
                raise ArgumentError("to('cuda') inside a function transform: move the arguments before")
            return self
        return self if dtype is None else self.astype(dtype)

    def type_as(self, other: Any) -> Any:
        """Cast to ``other``'s dtype."""
        return self.astype(other.dtype)

    @property
    def at(self) -> _At:
        """Functional updates, as JAX's: ``x.at[index].set(v)`` and ``x.at[index].add(v)`` give new values.

        Example
        -------
        >>> import numpy as np
        >>> import diffkit as dk
        >>> dk.ad.grad(lambda x: dk.sum(x.at[0].set(x[1] ** 2).at[1].add(x[0])))(np.array([1.0, 2.0, 3.0]))
        array([1., 5., 1.])
        """
        return _At(self)


class _At:
    """``x.at``: indexing it gives the place of a functional update."""

    __slots__ = ("x",)

    def __init__(self, x: Any):
        self.x = x

    def __getitem__(self, index: Any) -> _AtIndex:
        return _AtIndex(self.x, self.x._index(index))


class _AtIndex:
    """``x.at[index]``: ``set(v)`` or ``add(v)`` there, returning a new value."""

    __slots__ = ("x", "index")

    def __init__(self, x: Any, index: tuple):
        self.x = x
        self.index = index

    def set(self, v: Any) -> Any:
        """A copy of x with ``x[index] = v``: x's entries there get no gradient, v gets theirs."""
        return apply(OPS["setitem"], self.x, v, index=self.index)

    def add(self, v: Any) -> Any:
        """A copy of x with v added at index (repeated indices add up, as NumPy's ``add.at``)."""
        x = self.x
        part = apply(OPS["broadcast_to"], v, shape=tuple(x[self.index].shape))
        return x + apply(OPS["index_add"], part, index=self.index, shape=tuple(x.shape))

    # -- the array vocabulary: scans, sorting, shape, products, indexing -------------

    # -- the elementwise vocabulary of expressions: added below, from the ops table ---


# The elementwise functions of expressions as methods, in PyTorch's names (``t.erf()``,
# ``t.atan2(u)``, ``t.arccos()``, ``t % 2``), each written once from its op of the table.
_ELEMENTWISE_METHODS = {
    "asin": "asin", "acos": "acos", "atan": "atan", "atan2": "atan2", "sinh": "sinh", "cosh": "cosh",
    "asinh": "asinh", "acosh": "acosh", "atanh": "atanh", "hypot": "hypot", "log2": "log2", "log10": "log10",
    "log1p": "log1p", "expm1": "expm1", "exp2": "exp2", "logaddexp": "logaddexp", "erf": "erf", "erfc": "erfc",
    "sinc": "sinc", "floor": "floor", "ceil": "ceil", "remainder": "mod",
    "arcsin": "asin", "arccos": "acos", "arctan": "atan", "arctan2": "atan2", "arcsinh": "asinh",
    "arccosh": "acosh", "arctanh": "atanh",
}


def _elementwise_method(name: str, op_name: str):
    op = OPS[op_name]
    if op.arity == 2:
        def method(self, other):
            return apply(op, self, other)
    else:
        def method(self):
            return apply(op, self)
    import numpy

    args = op.example or (0.5, 2.0)[: op.arity]
    value = round(float(op.impl(numpy, *args)), 6)
    other = f"dk.tensor([{args[1]}])" if op.arity == 2 else ""
    call = f"dk.tensor([{args[0]}]).{name}({other})"
    method.__name__ = method.__qualname__ = name
    method.__doc__ = (f"{op.doc}, elementwise (the ops table's ``{op_name}``; PyTorch's ``Tensor.{name}``).\n\n"
                      f"Example\n-------\n>>> import diffkit as dk\n>>> round(float({call}[0]), 6)\n{value!r}\n")
    return method


for _name, _op in _ELEMENTWISE_METHODS.items():
    setattr(ArrayMethods, _name, _elementwise_method(_name, _op))


def _round(self, decimals: int = 0) -> Any:
    """Round to ``decimals`` places, ties to even (PyTorch's ``Tensor.round``); slope 0.

    Example
    -------
    >>> import diffkit as dk
    >>> dk.tensor([1.5, 2.25]).round().tolist(), dk.tensor([1.25]).round(decimals=1).tolist()
    ([2.0, 2.0], [1.2000000476837158])
    """
    return af.round(self, decimals)


ArrayMethods.round = _round
ArrayMethods.__mod__ = lambda self, other: apply(OPS["mod"], self, other)  # x % y, Python's remainder
ArrayMethods.__rmod__ = lambda self, other: apply(OPS["mod"], other, self)


def _attach_array_vocabulary() -> None:
    from .array_methods import METHODS

    for name, fn in METHODS.items():
        if name not in vars(ArrayMethods):  # a method of the first section keeps its place
            setattr(ArrayMethods, name, fn)


_attach_array_vocabulary()
