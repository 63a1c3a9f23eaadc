"""The Tensor's in-place ops: ``t[i] = v``, ``add_``, ``mul_``, ``+=``, ``zero_``, ``copy_``, ``normal_``...

:class:`MutationMethods` is a mixin of :class:`~diffkit.ad.tensor.Tensor`.
An in-place op either writes straight into the array (``fast``, no gradient
wanted: an optimizer's step under ``no_grad``) and bumps the Tensor's version
counter, so that a saved value changed since it was recorded is caught at
backward; or, when a gradient is wanted or the Tensor is a view, it goes
through :func:`~diffkit.ad.inplace.rebase`, which records the op and moves
the Tensor (and its base and other views) onto the new node. The view and
rebase machinery itself lives in ``inplace.py``; this module holds the
methods that call it.

Example
-------
>>> import diffkit as dk
>>> w = dk.tensor([1.0, 2.0], requires_grad=True)
>>> with dk.no_grad():
...     _ = w.mul_(2).add_(1)
>>> w, w._version
(tensor([3., 5.], requires_grad=True), 2)
"""

from __future__ import annotations

import operator
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import ShapeError
from ..expr.counting import COUNTER
from ..expr.ops import OPS
from . import recording as rec
from .blas import axpy
from .grad_mode import STATE
from .inplace import readonly_error, rebase
from .random import resolve_generator
from .recording import _EMPTY, _xp
from .tape import CLOCK
from .tensor_views import _raw_index

if TYPE_CHECKING:
    from .tensor import Tensor

__all__ = ["MutationMethods"]


class MutationMethods:
    """Mixin of :class:`~diffkit.ad.tensor.Tensor`: item assignment and the ``*_`` methods.

    Example
    -------
    >>> import diffkit as dk
    >>> t = dk.zeros(3)
    >>> t[1] = 4.0
    >>> t += 1
    >>> t
    tensor([1., 5., 1.])
    """

    __slots__ = ()

    def __setitem__(self, index: Any, value: Any) -> None:
        index = _raw_index(index, self.ndim)
        if self._recorded(value) and rebase(self, OPS["setitem"], value, {"index": index}, "item assignment"):
            return
        d = self._data
        v = value._data if isinstance(value, rec.Tensor) else value
        try:
            d[index] = v
        except ValueError as err:
            raise _inplace_error("item assignment", self, v, err) from None
        self._bump()

    def _bump(self) -> None:
        CLOCK.now += 1
        vc = self._vc
        vc[0] += 1
        vc[1] = CLOCK.now

    def _recorded(self, other: Any = None) -> bool:
        """Whether an in-place op on self (with ``other``) must go through the tape (inplace.rebase)."""
        return STATE.enabled and (self.requires_grad or self._view is not None
                                  or (isinstance(other, rec.Tensor) and other.requires_grad))

    def _inplace(self, name: str, other: Any, fast: Any, alpha: Any = 1) -> Tensor:
        """self = self <name> alpha * other: recorded when a gradient is wanted, else ``fast(data, other)``."""
        if self._recorded(other) and rebase(self, OPS[name], other * alpha if alpha != 1 else other, _EMPTY,
                                            f"{name}_"):
            return self
        d = self._data
        o = other._data if isinstance(other, rec.Tensor) else other
        try:
            new = fast(d, o)
        except ValueError as err:
            raise _inplace_error(f"{name}_", self, o, err) from None
        if new is not d:  # 0-d NumPy scalars have no in-place ops
            self._data = _xp(d).asarray(new, dtype=d.dtype)
        COUNTER.primitives += 1
        COUNTER.elements += int(d.size)
        self._bump()
        return self

    def add_(self, other: Any, *, alpha: Any = 1) -> Tensor:
        """self += alpha * other, in place; returns self.

        Example
        -------
        >>> import diffkit as dk
        >>> w = dk.tensor([1.0, 2.0], requires_grad=True)
        >>> with dk.no_grad():
        ...     _ = w.add_(dk.tensor([1.0, 1.0]), alpha=-0.5)
        >>> w
        tensor([0.5, 1.5], requires_grad=True)
        """
        return self._inplace("add", other, lambda d, o: axpy(alpha, o, d), alpha)

    def sub_(self, other: Any, *, alpha: Any = 1) -> Tensor:
        """self -= alpha * other, in place.

        Example
        -------
        >>> import diffkit as dk
        >>> dk.tensor([4.0, 8.0]).sub_(dk.tensor([1.0, 1.0]), alpha=2)
        tensor([2., 6.])
        """
        return self._inplace("sub", other, lambda d, o: axpy(-alpha, o, d), alpha)

    def mul_(self, other: Any) -> Tensor:
        """self *= other, in place.

        Example
        -------
        >>> import diffkit as dk
        >>> dk.tensor([1.0, 2.0]).mul_(3)
        tensor([3., 6.])
        """
        return self._inplace("mul", other, operator.imul)

    def div_(self, other: Any) -> Tensor:
        """self /= other, in place.

        Example
        -------
        >>> import diffkit as dk
        >>> dk.tensor([1.0, 2.0]).div_(4)
        tensor([0.25, 0.5 ])
        """
        return self._inplace("div", other, operator.itruediv)

    def pow_(self, exponent: Any) -> Tensor:
        """self **= exponent, in place.

        Example
        -------
        >>> import diffkit as dk
        >>> dk.tensor([2.0, 3.0]).pow_(2)
        tensor([4., 9.])
        """
        return self._inplace("pow", exponent, operator.ipow)

    __iadd__ = add_
    __isub__ = sub_
    __imul__ = mul_
    __itruediv__ = div_
    __ipow__ = pow_

    def addcmul_(self, t1: Any, t2: Any, *, value: Any = 1) -> Tensor:
        """self += value * t1 * t2, in place (Adam's update).

        Example
        -------
        >>> import diffkit as dk
        >>> dk.zeros(2).addcmul_(dk.tensor([1.0, 2.0]), dk.tensor([3.0, 4.0]), value=0.5)
        tensor([1.5, 4. ])
        """
        return self.add_(t1 * t2 * value if value != 1 else t1 * t2)

    def addcdiv_(self, t1: Any, t2: Any, *, value: Any = 1) -> Tensor:
        """self += value * t1 / t2, in place.

        Example
        -------
        >>> import diffkit as dk
        >>> dk.zeros(2).addcdiv_(dk.tensor([1.0, 2.0]), dk.tensor([4.0, 4.0]), value=2)
        tensor([0.5, 1. ])
        """
        return self.add_(t1 / t2 * value if value != 1 else t1 / t2)

    def _set(self, new: Any, name: str) -> Tensor:
        """Overwrite all values (no gradient through the old ones)."""
        if self._recorded() and rebase(self, OPS["setitem"], new, {"index": ...}, name):  # none to the old values
            return self
        d = self._data
        xp = _xp(d)
        if hasattr(type(d), "__setitem__"):
            try:
                d[...] = new
            except ValueError as err:
                raise _inplace_error(name, self, new, err) from None
        else:
            self._data = xp.asarray(new, dtype=d.dtype)
        COUNTER.primitives += 1
        COUNTER.elements += int(d.size)
        self._bump()
        return self

    def zero_(self) -> Tensor:
        """Set every entry to 0, in place; returns self.

        Example
        -------
        >>> import diffkit as dk
        >>> dk.ones(3).zero_()
        tensor([0., 0., 0.])
        """
        return self._set(0, "zero_")

    def fill_(self, value: Any) -> Tensor:
        """Set every entry to ``value``, in place; returns self.

        Example
        -------
        >>> import diffkit as dk
        >>> dk.zeros(2).fill_(7.0)
        tensor([7., 7.])
        """
        return self._set(value._data if isinstance(value, rec.Tensor) else value, "fill_")

    def copy_(self, src: Any) -> Tensor:
        """Copy ``src``'s values (broadcast to this shape) into this tensor, in place.

        While recording, the copy is differentiable with respect to ``src``.

        Example
        -------
        >>> import diffkit as dk
        >>> dk.zeros(2, 2).copy_(dk.tensor([1.0, 2.0]))
        tensor([[1., 2.],
                [1., 2.]])
        """
        if isinstance(src, rec.Tensor) and self._recorded(src) and rebase(self, OPS["setitem"], src, {"index": ...},
                                                                      "copy_"):
            return self
        s = src._data if isinstance(src, rec.Tensor) else src
        return self._set(s, "copy_")

    def clamp_(self, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
        """Limit to [min, max], in place.

        Example
        -------
        >>> import diffkit as dk
        >>> dk.tensor([-1.0, 0.5, 2.0]).clamp_(0.0, 1.0)
        tensor([0. , 0.5, 1. ])
        """
        if self._recorded() and rebase(self, OPS["clip"], None, {"lo": min, "hi": max}, "clamp_"):
            return self
        return self._set(OPS["clip"].impl(_xp(self._data), self._data, min, max), "clamp_")

    def sqrt_(self) -> Tensor:
        """Square root, in place.

        Example
        -------
        >>> import diffkit as dk
        >>> dk.tensor([4.0, 9.0]).sqrt_()
        tensor([2., 3.])
        """
        if self._recorded() and rebase(self, OPS["sqrt"], None, _EMPTY, "sqrt_"):
            return self
        return self._set(_xp(self._data).sqrt(self._data), "sqrt_")

    def neg_(self) -> Tensor:
        """Negate, in place.

        Example
        -------
        >>> import diffkit as dk
        >>> dk.tensor([1.0, -2.0]).neg_()
        tensor([-1.,  2.])
        """
        return self.mul_(-1.0)

    def uniform_(self, a: float = 0.0, b: float = 1.0, generator: Any = None) -> Tensor:
        """Fill with uniform samples from [a, b), in place (``generator``: a NumPy Generator).

        Example
        -------
        >>> import diffkit as dk
        >>> import numpy as np
        >>> u = dk.zeros(1000).uniform_(-1.0, 1.0, generator=np.random.default_rng(0))
        >>> bool(u.min() >= -1.0) and bool(u.max() < 1.0)
        True
        """
        rng = resolve_generator(generator)  # dk.manual_seed reaches these draws too
        return self._set(self._from_numpy(rng.uniform(a, b, self.shape)), "uniform_")

    def normal_(self, mean: float = 0.0, std: float = 1.0, generator: Any = None) -> Tensor:
        """Fill with normal samples N(mean, std^2), in place (``generator``: a NumPy Generator).

        Example
        -------
        >>> import diffkit as dk
        >>> import numpy as np
        >>> n = dk.zeros(10000).normal_(2.0, 0.5, generator=np.random.default_rng(0))
        >>> round(n.mean().item(), 1), round(n.std().item(), 1)
        (2.0, 0.5)
        """
        rng = resolve_generator(generator)  # dk.manual_seed reaches these draws too
        return self._set(self._from_numpy(rng.normal(mean, std, self.shape)), "normal_")

    def _from_numpy(self, arr: np.ndarray) -> Any:
        return _xp(self._data).asarray(arr, dtype=self.dtype)


def _inplace_error(name: str, t: Tensor, other: Any, err: Exception) -> Exception:
    """A clear error for an in-place op NumPy refused: read-only (expanded) memory, or a broadcast shape."""
    if "read-only" in str(err):
        return readonly_error(name)
    return ShapeError(f"{name}: a value of shape {tuple(getattr(other, 'shape', ()))} can't be written in place "
                      f"into a tensor of shape {t.shape} ({err}); write it out of place (x = x + y, ...)")
