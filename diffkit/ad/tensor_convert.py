"""The Tensor's conversions: to Python and NumPy values, between dtypes and devices, and its printed form.

:class:`ConversionMethods` is a mixin of :class:`~diffkit.ad.tensor.Tensor`:
the ways a Tensor's values leave it (``item()``, ``tolist()``, ``numpy()``,
NumPy's ``__array__``, ``float(t)``, ``repr``) and the ways it changes dtype
or device (``to``, ``float()``, ``long()``, ``cuda()``, ``clone()``,
``contiguous()``). :func:`_convert` is the other direction: the array a new
Tensor holds, with PyTorch's dtype rules (``Tensor(...)`` and ``dk.tensor``).
They sit apart from the class because they neither record nor mutate:
casting goes through the table's ``astype`` op like any other op.

Example
-------
>>> import diffkit as dk
>>> t = dk.tensor([1.5, 2.5], requires_grad=True)
>>> t.double().dtype, t.long().tolist(), t.detach().numpy().dtype
(dtype('float64'), [1, 2], dtype('float32'))
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import ArgumentError, ArgumentTypeError, GradientError, ShapeError
from ..expr.ops import OPS
from . import backend
from . import recording as rec
from .recording import _EMPTY, _make, _unary, _xp

if TYPE_CHECKING:
    from .tensor import Tensor

__all__ = ["ConversionMethods"]


def _convert(data: Any, dtype: Any, device: Any, copy: bool) -> Any:
    """The array a new Tensor holds: PyTorch's dtype rules, on ``device``'s namespace."""
    if isinstance(data, rec.Tensor):
        data = data._data
    target = backend.normalize_device(device)
    if hasattr(data, "__array_namespace__") and not isinstance(data, np.generic) \
            and backend.device_of(data) == target:
        xp = data.__array_namespace__()
        arr = xp.asarray(data, copy=True) if copy else data
    else:
        python = not isinstance(data, (np.ndarray, np.generic)) and backend.device_of(data) == "cpu"
        if backend.device_of(data) == "cuda":
            data = backend.to_numpy(data)
        elif not isinstance(data, (np.ndarray, np.generic, list, tuple, int, float, bool, complex)) \
                and hasattr(data, "__dlpack__"):
            data = backend.to_numpy(data)
        try:
            arr = np.array(data, copy=True) if copy or python else np.asarray(data)
        except ValueError:  # ragged nested lists
            raise ShapeError("can't make a tensor from nested sequences of different lengths; every row "
                             "needs the same length") from None
        if arr.dtype.kind not in "biufc":
            raise ArgumentTypeError(f"can't make a tensor from {type(data).__name__} data of dtype {arr.dtype}; "
                                    "use numbers or arrays of numbers")
        if python and dtype is None and arr.dtype == np.float64:  # Python floats are float32, as in PyTorch
            arr = arr.astype(np.float32)
        xp = backend.get_namespace(target)
        if target != "cpu":
            arr = xp.asarray(arr)
    if dtype is not None:
        want = backend.resolve_dtype(xp, dtype)
        if arr.dtype != want:
            arr = OPS["astype"].impl(xp, arr, want)
    return arr


class ConversionMethods:
    """Mixin of :class:`~diffkit.ad.tensor.Tensor`: values out (Python, NumPy, text), dtypes and devices.

    Example
    -------
    >>> import diffkit as dk
    >>> from diffkit.ad.tensor_convert import ConversionMethods
    >>> isinstance(dk.tensor([1.0]), ConversionMethods), dk.tensor([2.0]).item()
    (True, 2.0)
    """

    __slots__ = ()

    # ------------------------------------------------------------------ values out

    def item(self) -> Any:
        """The value of a one-element tensor as a Python number.

        Example
        -------
        >>> import diffkit as dk
        >>> dk.tensor([2.5]).item()
        2.5
        """
        if self.numel() != 1:
            raise ShapeError(f"item() needs a tensor with one element; this one has shape {self.shape}")
        return backend.to_numpy(self._data).reshape(()).item()

    def tolist(self) -> Any:
        """The values as (nested) Python lists.

        Example
        -------
        >>> import diffkit as dk
        >>> dk.tensor([[1, 2], [3, 4]]).tolist()
        [[1, 2], [3, 4]]
        """
        return backend.to_numpy(self._data).tolist()

    def numpy(self) -> np.ndarray:
        """The values as a NumPy array (shares memory on the CPU, copies from the GPU).

        Example
        -------
        >>> import diffkit as dk
        >>> dk.tensor([1.0, 2.0]).numpy()
        array([1., 2.], dtype=float32)
        """
        return backend.to_numpy(self._data)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        arr = backend.to_numpy(self._data)
        return arr.astype(dtype) if dtype is not None else arr

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __bool__(self) -> bool:
        if self.numel() != 1:
            raise ArgumentError(f"the truth value of a tensor with shape {self.shape} is ambiguous; "
                                "use .any() or .all()")
        return bool(self.item())

    def __repr__(self) -> str:
        arr = backend.to_numpy(self._data)
        body = np.array2string(arr, separator=", ", prefix="tensor(")
        extra = []
        name = str(arr.dtype)
        if name not in ("float32", "int64", "bool"):
            extra.append(f"dtype={name}")
        if self.device != "cpu":
            extra.append(f"device='{self.device}'")
        if self._node is not None:
            extra.append(f"grad_fn={self._node!r}")
        elif self.requires_grad:
            extra.append("requires_grad=True")
        return "tensor(" + ", ".join([body] + extra) + ")"

    # ------------------------------------------------------------------ devices and dtypes

    def to(self, *args: Any, **kwargs: Any) -> Tensor:
        """Move to a device and/or cast to a dtype: ``t.to("cuda")``, ``t.to("float64")``, ``t.to(other)``.

        Moving a leaf gives a leaf with the same ``requires_grad``; casting is differentiable.

        Example
        -------
        >>> import diffkit as dk
        >>> dk.tensor([1.0]).to("float64").dtype
        dtype('float64')
        """
        device = kwargs.pop("device", None)
        dtype = kwargs.pop("dtype", None)
        kwargs.pop("non_blocking", None)
        kwargs.pop("copy", None)
        if kwargs:
            raise ArgumentTypeError(f"to() got unexpected arguments {sorted(kwargs)}")
        device, dtype = backend.device_and_dtype(args, device, dtype, rec.Tensor)
        out = self
        if dtype is not None:
            out = out._cast(dtype)
        if device is not None and backend.normalize_device(device) != out.device:
            if out._node is not None:
                raise GradientError("moving a non-leaf tensor between devices is not recorded; move the "
                                    "leaves (parameters and inputs) before computing")
            moved = _make(backend.to_device(out._data, device))
            moved.requires_grad = out.requires_grad
            out = moved
        return out

    def _cast(self, dtype: Any) -> Tensor:
        want = backend.resolve_dtype(_xp(self._data), dtype)
        if self.dtype == want:
            return self
        out = _unary(OPS["astype"], self, {"dtype": want})
        if not backend.is_floating(want):  # integer results carry no gradient
            out.requires_grad = False
            out._node = None
        return out

    def type(self, dtype: Any = None) -> Any:
        """Cast to ``dtype``; with no argument, the dtype's name.

        Example
        -------
        >>> import diffkit as dk
        >>> t = dk.tensor([1.0])
        >>> t.type(), t.type("float64").dtype
        ('float32', dtype('float64'))
        """
        return str(self.dtype) if dtype is None else self._cast(dtype)

    def type_as(self, other: Tensor) -> Tensor:
        """Cast to ``other``'s dtype.

        Example
        -------
        >>> import diffkit as dk
        >>> dk.tensor([1, 2]).type_as(dk.tensor([0.5]))
        tensor([1., 2.])
        """
        return self._cast(other.dtype)

    def float(self) -> Tensor:
        """Cast to float32.

        Example
        -------
        >>> import diffkit as dk
        >>> dk.tensor([1, 2]).float()
        tensor([1., 2.])
        """
        return self._cast("float32")

    def double(self) -> Tensor:
        """Cast to float64.

        Example
        -------
        >>> import diffkit as dk
        >>> dk.tensor([1.0]).double()
        tensor([1.], dtype=float64)
        """
        return self._cast("float64")

    def half(self) -> Tensor:
        """Cast to float16.

        Example
        -------
        >>> import diffkit as dk
        >>> dk.tensor([1.0]).half()
        tensor([1.], dtype=float16)
        """
        return self._cast("float16")

    def long(self) -> Tensor:
        """Cast to int64 (no gradient); floats are truncated toward zero.

        Example
        -------
        >>> import diffkit as dk
        >>> dk.tensor([1.7, -1.7]).long()
        tensor([ 1, -1])
        """
        return self._cast("int64")

    def int(self) -> Tensor:
        """Cast to int32 (no gradient); floats are truncated toward zero.

        Example
        -------
        >>> import diffkit as dk
        >>> dk.tensor([1.7, -1.7]).int()
        tensor([ 1, -1], dtype=int32)
        """
        return self._cast("int32")

    def bool(self) -> Tensor:
        """Cast to bool (no gradient).

        Example
        -------
        >>> import diffkit as dk
        >>> dk.tensor([0.0, 2.0]).bool()
        tensor([False,  True])
        """
        return self._cast("bool")

    def cpu(self) -> Tensor:
        """This tensor on the CPU (self if it is already there).

        Example
        -------
        >>> import diffkit as dk
        >>> dk.tensor([1.0]).cpu().device
        'cpu'
        """
        return self.to("cpu")

    def cuda(self) -> Tensor:
        """This tensor on the GPU (raises :class:`~diffkit.BackendError` without CuPy and a GPU).

        Example
        -------
        >>> import diffkit as dk
        >>> t = dk.tensor([1.0])
        >>> t.cuda().device if dk.ad.backend.cuda_available() else "cuda"  # no GPU: BackendError
        'cuda'
        """
        return self.to("cuda")

    def clone(self) -> Tensor:
        """A copy, recorded on the tape (its gradient flows back to this tensor).

        Example
        -------
        >>> import diffkit as dk
        >>> x = dk.tensor([1.0], requires_grad=True)
        >>> x.clone().grad_fn
        <AstypeBackward>
        """
        return _unary(OPS["astype"], self, {"dtype": self.dtype})

    def contiguous(self) -> Tensor:
        """Self if its array is laid out in row-major (C) order, else a C-ordered copy (differentiable).

        Example
        -------
        >>> import diffkit as dk
        >>> t = dk.ones(2, 3).T
        >>> t.is_contiguous(), t.contiguous().is_contiguous()
        (False, True)
        """
        if self.is_contiguous():
            return self
        return _unary(OPS["contiguous"], self, _EMPTY)

    def is_contiguous(self) -> bool:
        """Whether the array is laid out in row-major (C) order (always True where layout is hidden).

        Example
        -------
        >>> import diffkit as dk
        >>> dk.ones(2, 3).is_contiguous()
        True
        """
        flags = getattr(self._data, "flags", None)
        return flags is None or bool(flags.c_contiguous)
