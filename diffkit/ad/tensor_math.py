"""The Tensor's arithmetic: operators, the binary methods, and reductions with PyTorch's signatures.

:class:`MathMethods` is a mixin of :class:`~diffkit.ad.tensor.Tensor`. Its
operators (``+ - * / ** @``, comparisons, ``abs``) and NumPy's ufuncs on
Tensors go straight to the recording path (:mod:`diffkit.ad.recording`), the
hot path of every Tensor program; the binary methods (``add(other,
alpha=)``, ``mul``, ``maximum``, ``where``, ``matmul``...) are those
operators under PyTorch's names. The reductions kept here are the ones whose
Tensor form differs from :class:`~diffkit.expr.methods.ArrayMethods`':
``sum``/``mean`` cast with PyTorch's dtype names, and ``max(dim)``/``min(dim)``
return :class:`MaxMin` with the gradient going to the index returned. The
unary functions (``exp``, ``relu``, ``softmax``, ``var``, ``argmax``...) are
ArrayMethods', which hand their op to the same recording path.

Example
-------
>>> import diffkit as dk
>>> x = dk.tensor([[1.0, 4.0], [3.0, 2.0]], requires_grad=True)
>>> r = x.max(dim=1)
>>> r.values.sum().backward()
>>> r.indices, x.grad
(tensor([1, 0]), tensor([[0., 1.],
        [1., 0.]]))
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from ..expr.methods import ArrayMethods
from ..expr.ops import OPS, UFUNCS
from .recording import _ADD, _DIV, _EMPTY, _MATMUL, _MUL, _NEG, _POW, _SUB, _apply, _binary, _general, _unary, _xp

if TYPE_CHECKING:
    from .tensor import Tensor

__all__ = ["MathMethods", "MaxMin"]


class MaxMin(NamedTuple):
    """What ``Tensor.max(dim)`` and ``min(dim)`` return, as PyTorch does: the values and their indices.

    Example
    -------
    >>> import diffkit as dk
    >>> r = dk.tensor([[1.0, 3.0], [4.0, 2.0]]).max(dim=1)
    >>> r.values, r.indices
    (tensor([3., 4.]), tensor([1, 0]))
    """

    values: Tensor
    indices: Tensor


def _axis(dim: Any, axis: Any) -> Any:
    a = axis if axis is not None else dim
    if isinstance(a, list):
        a = tuple(a)
    return a


def _keep(keepdim: bool, keepdims: bool | None) -> bool:
    return bool(keepdims) if keepdims is not None else bool(keepdim)



class MathMethods:
    """Mixin of :class:`~diffkit.ad.tensor.Tensor`: operators, binary methods and PyTorch-style reductions.

    Example
    -------
    >>> import diffkit as dk
    >>> a = dk.tensor([1.0, 2.0], requires_grad=True)
    >>> (a * 3 + 1).grad_fn, a.add(dk.ones(2), alpha=2)
    (<AddBackward>, tensor([3., 4.], grad_fn=<AddBackward>))
    """

    __slots__ = ()

    # ------------------------------------------------------------------ operators

    def __add__(self, o: Any) -> Tensor: return _binary(_ADD, self, o)
    def __radd__(self, o: Any) -> Tensor: return _binary(_ADD, o, self)
    def __sub__(self, o: Any) -> Tensor: return _binary(_SUB, self, o)
    def __rsub__(self, o: Any) -> Tensor: return _binary(_SUB, o, self)
    def __mul__(self, o: Any) -> Tensor: return _binary(_MUL, self, o)
    def __rmul__(self, o: Any) -> Tensor: return _binary(_MUL, o, self)
    def __truediv__(self, o: Any) -> Tensor: return _binary(_DIV, self, o)
    def __rtruediv__(self, o: Any) -> Tensor: return _binary(_DIV, o, self)
    def __pow__(self, o: Any) -> Tensor: return _binary(_POW, self, o)
    def __rpow__(self, o: Any) -> Tensor: return _binary(_POW, o, self)
    def __matmul__(self, o: Any) -> Tensor:
        """Matrix product ``self @ o`` (NumPy's matmul rules: 1-d operands are vectors, batches broadcast).

        Example
        -------
        >>> import diffkit as dk
        >>> dk.tensor([[1.0, 2.0]], requires_grad=True) @ dk.tensor([[3.0], [4.0]])
        tensor([[11.]], grad_fn=<MatmulBackward>)
        """
        return _binary(_MATMUL, self, o)

    def __rmatmul__(self, o: Any) -> Tensor: return _binary(_MATMUL, o, self)
    def __neg__(self) -> Tensor: return _unary(_NEG, self, _EMPTY)
    def __pos__(self) -> Tensor: return self
    def __abs__(self) -> Tensor: return _unary(OPS["abs"], self, _EMPTY)

    def __lt__(self, o: Any) -> Tensor: return _binary(OPS["less"], self, o)
    def __le__(self, o: Any) -> Tensor: return _binary(OPS["less_equal"], self, o)
    def __gt__(self, o: Any) -> Tensor: return _binary(OPS["greater"], self, o)
    def __ge__(self, o: Any) -> Tensor: return _binary(OPS["greater_equal"], self, o)
    def __eq__(self, o: Any) -> Tensor: return _binary(OPS["equal"], self, o)  # type: ignore[override]
    def __ne__(self, o: Any) -> Tensor: return _binary(OPS["not_equal"], self, o)  # type: ignore[override]

    # NumPy ufuncs on Tensors (np.exp(t), ndarray * t) record like the dk functions; the table's
    # elementwise ops take the hot path, the rest NumPy's protocol (diffkit/expr/numpy_protocol.py).
    _UFUNCS = UFUNCS

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        name = self._UFUNCS.get(ufunc.__name__)
        if method != "__call__" or name is None or kwargs:
            return ArrayMethods.__array_ufunc__(self, ufunc, method, *inputs, **kwargs)
        return _apply(OPS[name], inputs, _EMPTY)

    # ------------------------------------------------------------------ binary methods

    def add(self, other: Any, *, alpha: Any = 1) -> Tensor:
        """self + alpha * other.

        Example
        -------
        >>> import diffkit as dk
        >>> dk.tensor([1.0, 2.0]).add(dk.tensor([10.0, 20.0]), alpha=0.5)
        tensor([ 6., 12.])
        """
        return self + (other * alpha if alpha != 1 else other)

    def sub(self, other: Any, *, alpha: Any = 1) -> Tensor:
        """self - alpha * other.

        Example
        -------
        >>> import diffkit as dk
        >>> dk.tensor([1.0, 2.0]).sub(dk.tensor([1.0, 1.0]), alpha=2)
        tensor([-1.,  0.])
        """
        return self - (other * alpha if alpha != 1 else other)

    def mul(self, other: Any) -> Tensor:
        """self * other.

        Example
        -------
        >>> import diffkit as dk
        >>> dk.tensor([1.0, 2.0]).mul(3)
        tensor([3., 6.])
        """
        return self * other

    def div(self, other: Any) -> Tensor:
        """self / other.

        Example
        -------
        >>> import diffkit as dk
        >>> dk.tensor([1.0, 2.0]).div(4)
        tensor([0.25, 0.5 ])
        """
        return self / other

    def pow(self, exponent: Any) -> Tensor:
        """self ** exponent.

        Example
        -------
        >>> import diffkit as dk
        >>> x = dk.tensor(2.0, requires_grad=True)
        >>> y = x.pow(3); y.backward()
        >>> y, x.grad  # 3 x^2 = 12
        (tensor(8., grad_fn=<PowBackward>), tensor(12.))
        """
        return self**exponent

    # clip is clamp under NumPy's name, with clamp's signature (ArrayMethods.clip also takes NumPy's out=)
    clip = ArrayMethods.clamp

    def maximum(self, other: Any) -> Tensor:
        """Elementwise maximum; a tie splits the gradient half and half.

        Example
        -------
        >>> import diffkit as dk
        >>> x = dk.tensor([1.0, 3.0], requires_grad=True)
        >>> x.maximum(dk.tensor([3.0, 3.0])).sum().backward(); x.grad  # tie at 3: half
        tensor([0. , 0.5])
        """
        return _binary(OPS["maximum"], self, other)

    def minimum(self, other: Any) -> Tensor:
        """Elementwise minimum; a tie splits the gradient half and half.

        Example
        -------
        >>> import diffkit as dk
        >>> x = dk.tensor([1.0, 3.0], requires_grad=True)
        >>> x.minimum(dk.tensor([3.0, 3.0])).sum().backward(); x.grad  # tie at 3: half
        tensor([1. , 0.5])
        """
        return _binary(OPS["minimum"], self, other)

    def where(self, condition: Any, other: Any) -> Tensor:
        """self where condition holds, else other (PyTorch's ``x.where(c, y)``).

        Example
        -------
        >>> import diffkit as dk
        >>> dk.tensor([1.0, 2.0]).where(dk.tensor([True, False]), 0.0)
        tensor([1., 0.])
        """
        return _general(OPS["where"], (condition, self, other), _EMPTY)

    # ------------------------------------------------------------------ reductions

    def sum(self, dim: Any = None, keepdim: bool = False, *, axis: Any = None, keepdims: bool | None = None,
            dtype: Any = None, out: Any = None) -> Tensor:
        """Sum over ``dim`` (or ``axis``; all by default), keeping reduced dims if ``keepdim``.

        Example
        -------
        >>> import diffkit as dk
        >>> dk.tensor([[1.0, 2.0], [3.0, 4.0]]).sum(dim=0)
        tensor([4., 6.])
        """
        x = self if dtype is None else self._cast(dtype)
        return _unary(OPS["sum"], x, {"axis": _axis(dim, axis), "keepdims": _keep(keepdim, keepdims)})

    def mean(self, dim: Any = None, keepdim: bool = False, *, axis: Any = None, keepdims: bool | None = None,
             dtype: Any = None, out: Any = None) -> Tensor:
        """Mean over ``dim`` (or ``axis``; all by default).

        Example
        -------
        >>> import diffkit as dk
        >>> t = dk.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
        >>> t.mean(), t.mean(dim=1)
        (tensor(3.5), tensor([2., 5.]))
        """
        x = self if dtype is None else self._cast(dtype)
        return _unary(OPS["mean"], x, {"axis": _axis(dim, axis), "keepdims": _keep(keepdim, keepdims)})

    def max(self, dim: Any = None, keepdim: bool = False, *, axis: Any = None, keepdims: bool | None = None,
            out: Any = None) -> Tensor | MaxMin:
        """Maximum: of everything, or over ``dim`` as PyTorch gives it, ``(values, indices)``.

        ``dim=`` (an int, or the first positional argument) returns a named pair
        ``(values, indices)`` as ``torch.max`` does, and the values' gradient goes
        to the entry at the index returned; NumPy's ``axis=`` (or a tuple of dims)
        returns the values only, as :meth:`amax` does, and ties share the gradient
        evenly.

        Example
        -------
        >>> import diffkit as dk
        >>> t = dk.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
        >>> t.max(), t.max(axis=0)
        (tensor(6.), tensor([4., 5., 6.]))
        >>> values, indices = t.max(dim=1)
        >>> values, indices
        (tensor([3., 6.]), tensor([2, 2]))
        """
        if axis is not None or not isinstance(dim, (int, np.integer)):  # NumPy's spelling: values only
            return self.amax(dim, keepdim, axis=axis, keepdims=keepdims)
        return self._at_indices(self.argmax(dim, keepdim=True), int(dim), _keep(keepdim, keepdims), self.amax)

    def min(self, dim: Any = None, keepdim: bool = False, *, axis: Any = None, keepdims: bool | None = None,
            out: Any = None) -> Tensor | MaxMin:
        """Minimum, as ``-max(-x)``: of everything, ``(values, indices)`` over ``dim``, values over ``axis``.

        Example
        -------
        >>> import diffkit as dk
        >>> t = dk.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
        >>> t.min(dim=1).values, t.min(dim=1).indices, t.min(axis=1)
        (tensor([1., 4.]), tensor([0, 0]), tensor([1., 4.]))
        """
        if axis is not None or not isinstance(dim, (int, np.integer)):
            return self.amin(dim, keepdim, axis=axis, keepdims=keepdims)
        return self._at_indices(self.argmin(dim, keepdim=True), int(dim), _keep(keepdim, keepdims), self.amin)

    def _at_indices(self, idx: Tensor, dim: int, keepdim: bool, ties: Any) -> MaxMin:
        """The entries at ``idx`` (one per row along ``dim``, kept as a size-1 axis) with their indices:
        picked by indexing, so the gradient goes to the index returned, as PyTorch's max(dim) does.
        ``ties`` (amax or amin) gives the values where the namespace can't take that gradient."""
        dim %= max(self.ndim, 1)
        raw = idx._data
        xp = _xp(raw)
        if getattr(xp, "__name__", "").split(".")[0] in ("numpy", "cupy"):
            ndim = raw.ndim
            grid = tuple(raw if k == dim else xp.reshape(xp.arange(n), tuple(n if j == k else 1 for j in range(ndim)))
                         for k, n in enumerate(raw.shape))  # idx along dim, every position elsewhere
            values = self[grid]
        else:  # the pick's gradient assigns through integer arrays, which the Array API leaves out
            values = ties(dim, keepdim=True)
        if not keepdim:
            values, idx = values.squeeze(dim), idx.squeeze(dim)
        return MaxMin(values, idx)

    # ------------------------------------------------------------------ products

    def matmul(self, other: Any) -> Tensor:
        """Matrix product (``@``).

        Example
        -------
        >>> import diffkit as dk
        >>> dk.tensor([[1.0, 2.0]]).matmul(dk.tensor([[3.0], [4.0]]))
        tensor([[11.]])
        """
        return _binary(_MATMUL, self, other)

    mm = matmul

    def dot(self, other: Any) -> Tensor:
        """Inner product of two vectors.

        Example
        -------
        >>> import diffkit as dk
        >>> dk.tensor([1.0, 2.0]).dot(dk.tensor([3.0, 4.0]))
        tensor(11.)
        """
        return _binary(_MATMUL, self, other)
