"""The Tensor's indexing and reshaping: ``t[i]``, ``reshape``, ``view``, ``split``, ``transpose``.

:class:`ViewMethods` is a mixin of :class:`~diffkit.ad.tensor.Tensor`. These
ops may give a result that shares the Tensor's memory (a view, as in PyTorch):
the recording path notices and links it to its base (see ``inplace.py``), so
a later in-place write through either is seen by both and by the tape.
Only the methods whose Tensor form differs from :class:`~diffkit.expr.methods.ArrayMethods`'
live here: ``view`` refuses what needs a copy, ``transpose()`` swaps the last
two axes (PyTorch's default, not NumPy's reversal), ``split`` takes NumPy
integers, and indexing accepts PyTorch's list-of-lists; the rest
(``flatten``, ``squeeze``, ``permute``, ``T``...) are ArrayMethods'.

Example
-------
>>> import diffkit as dk
>>> x = dk.arange(6).reshape(2, 3).float()
>>> x[0], x.transpose().shape, [p.shape for p in x.split(1, dim=1)]
(tensor([0., 1., 2.]), (3, 2), [(2, 1), (2, 1), (2, 1)])
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import ArgumentError, ShapeError
from ..expr.ops import OPS
from . import recording as rec
from .inplace import is_view_index
from .recording import _unary

if TYPE_CHECKING:
    from .tensor import Tensor

__all__ = ["ViewMethods"]


def _shape_args(shape: tuple) -> tuple:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return tuple(shape)



def _raw_index(index: Any, ndim: int) -> tuple:
    """The index with Tensors unwrapped and, where it leaves axes out, a trailing ``...`` (the Array
    API wants every axis indexed, and allows no ``...`` beside integer arrays that index them all).
    A basic index gets one anyway: ``x[0]`` of a vector is then a 0-d view, as in PyTorch, not a copy."""
    if isinstance(index, list) and any(isinstance(i, (list, tuple, slice, rec.Tensor, np.ndarray)) or i is None
                                       or i is Ellipsis for i in index):
        index = tuple(index)  # x[[[0, 4], [2, 2]]] is x[[0, 4], [2, 2]], as in PyTorch (and NumPy before 1.23)
    if not isinstance(index, tuple):
        index = (index,)
    index = tuple(i._data if isinstance(i, rec.Tensor) else i for i in index)
    if not any(i is Ellipsis for i in index) and (sum(i is not None for i in index) < ndim or is_view_index(index)):
        index += (Ellipsis,)
    return index


class ViewMethods:
    """Mixin of :class:`~diffkit.ad.tensor.Tensor`: indexing and the reshapes that keep PyTorch's rules.

    Example
    -------
    >>> import diffkit as dk
    >>> x = dk.zeros(4)
    >>> x.view(2, 2)[1, 1] = 5.0  # a view writes into x
    >>> x
    tensor([0., 0., 0., 5.])
    """

    __slots__ = ()

    def __getitem__(self, index: Any) -> Tensor:
        return _unary(OPS["getitem"], self, {"index": _raw_index(index, self.ndim)})

    def reshape(self, *shape: Any) -> Tensor:
        """Same data in a new shape (one entry may be -1): ``t.reshape(2, 3)`` or ``t.reshape((2, 3))``.

        Example
        -------
        >>> import diffkit as dk
        >>> dk.arange(6).reshape(2, 3)
        tensor([[0, 1, 2],
                [3, 4, 5]])
        >>> dk.arange(6).reshape(-1, 2).shape
        (3, 2)
        """
        shape = _shape_args(shape)
        if -1 in shape:
            known = math.prod(s for s in shape if s != -1)
            shape = tuple(self.numel() // known if s == -1 and known else s for s in shape)
        return _unary(OPS["reshape"], self, {"shape": shape})

    def view(self, *shape: Any) -> Tensor:
        """The same memory seen in a new shape; an error where that needs a copy (use ``reshape``).

        Example
        -------
        >>> import diffkit as dk
        >>> x = dk.zeros(6)
        >>> v = x.view(2, 3)
        >>> v[0, 0] = 10.0  # writes into x
        >>> x
        tensor([10.,  0.,  0.,  0.,  0.,  0.])
        >>> x.T.view(6) is not None  # a 1-d tensor's transpose is itself, in memory too
        True
        """
        out = self.reshape(*shape)
        if out._view is None and self.numel() > 1:
            raise ShapeError(f"view{tuple(_shape_args(shape))} of a tensor of shape {self.shape} laid out in "
                             "memory as it is (not row-major) needs a copy; use .reshape(...) instead")
        return out

    def split(self, split_size_or_sections: int | list[int], dim: int = 0) -> tuple[Tensor, ...]:
        """Pieces along ``dim``: of ``split_size`` each (the last may be shorter), or of the given sizes.

        Each piece is a slice, so gradients flow back into the right part of ``self``.

        Example
        -------
        >>> import diffkit as dk
        >>> t = dk.arange(5)
        >>> t.split(2), t.split([1, 4])
        ((tensor([0, 1]), tensor([2, 3]), tensor([4])), (tensor([0]), tensor([1, 2, 3, 4])))
        """
        n = self.shape[dim]
        if isinstance(split_size_or_sections, (int, np.integer)):
            size = int(split_size_or_sections)
            if size < 1:
                raise ArgumentError(f"split size must be a positive number, got {size}")
            sizes = [min(size, n - start) for start in range(0, n, size)]
        else:
            sizes = [int(k) for k in split_size_or_sections]
            if sum(sizes) != n or any(k < 0 for k in sizes):
                raise ArgumentError(f"split sizes {sizes} don't add up to the {n} entries along dim {dim}")
        lead = (slice(None),) * (dim % self.ndim)
        starts = np.cumsum([0] + sizes[:-1])
        return tuple(self[lead + (slice(int(a), int(a) + k),)] for a, k in zip(starts, sizes))

    def transpose(self, dim0: int = -2, dim1: int = -1) -> Tensor:
        """Swap dimensions ``dim0`` and ``dim1`` (PyTorch's ``transpose``).

        Example
        -------
        >>> import diffkit as dk
        >>> dk.ones(2, 3, 4).transpose(0, 2).shape
        (4, 3, 2)
        """
        n = self.ndim
        axes = list(range(n))
        a, b = dim0 % n, dim1 % n
        axes[a], axes[b] = axes[b], axes[a]
        return _unary(OPS["transpose"], self, {"axes": tuple(axes)})
