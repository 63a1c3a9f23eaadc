"""Making Tensors: ``dk.tensor``, ``zeros``, ``ones``, ``full``, ``*_like``, ``arange``, ``eye``, ``randn``, ``rand``.

PyTorch's creation functions, with its dtype rules: Python floats and the
floating factories give float32 unless ``dtype`` says otherwise, integers
int64; ``device="cuda"`` puts the values on the GPU (CuPy). Random draws use
:func:`~diffkit.ad.random.resolve_generator`, so ``dk.manual_seed`` reaches
them. The functions build their Tensor through :data:`diffkit.ad.recording.Tensor`,
so this module needn't import ``tensor.py`` (which re-exports them).

Example
-------
>>> import diffkit as dk
>>> dk.tensor([1, 2]).dtype, dk.zeros(2, 3).dtype, dk.full(2, 1.5, dtype="float64")
(dtype('int64'), dtype('float32'), tensor([1.5, 1.5], dtype=float64))
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import ArgumentError
from . import backend
from . import recording as rec
from .random import resolve_generator
from .recording import _xp
from .tensor_convert import _convert
from .tensor_views import _shape_args

if TYPE_CHECKING:
    from .tensor import Tensor

__all__ = ["tensor", "zeros", "ones", "zeros_like", "ones_like", "full", "arange", "randn", "rand", "eye"]


def _new_shape(shape: tuple) -> tuple:
    """The shape of a new tensor (``zeros(2, 3)`` or ``zeros((2, 3))``): non-negative whole numbers."""
    shape = _shape_args(shape)
    if any(isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 0 for s in shape):
        raise ArgumentError(f"a new tensor's shape is made of non-negative whole numbers, got {shape}")
    return shape


def tensor(data: Any, requires_grad: bool = False, dtype: Any = None, device: Any = "cpu") -> Tensor:
    """A new Tensor with a copy of ``data`` (PyTorch's ``torch.tensor``).

    Parameters
    ----------
    data : array_like or Tensor
        Python numbers and lists become float32 (floats), int64 (ints) or bool;
        NumPy arrays keep their dtype; arrays of another Array-API namespace
        (CuPy, ``array_api_strict``) stay in their namespace.
    requires_grad : bool, default False
        Record operations on the result (needs a floating dtype).
    dtype : str or dtype, optional
        ``"float32"``, ``np.float64``, PyTorch's ``"double"``, ...
    device : {"cpu", "cuda"}, default "cpu"
        ``"cuda"`` needs CuPy and a GPU (:class:`~diffkit.BackendError` otherwise).

    Returns
    -------
    Tensor

    Example
    -------
    >>> import diffkit as dk
    >>> dk.tensor([1.0, 2.0], requires_grad=True)
    tensor([1., 2.], requires_grad=True)
    >>> dk.tensor([1.0], dtype="float64").dtype
    dtype('float64')
    """
    t = rec.Tensor(_convert(data, dtype, device, copy=True))
    if requires_grad:
        t.requires_grad_(True)
    return t


def _factory(arr: np.ndarray, dtype: Any, device: Any, requires_grad: bool) -> Tensor:
    if dtype is None and arr.dtype == np.float64:
        arr = arr.astype(np.float32)
    return tensor(arr, requires_grad=requires_grad, dtype=dtype, device=device)


def zeros(*shape: Any, dtype: Any = None, device: Any = "cpu", requires_grad: bool = False) -> Tensor:
    """A tensor of zeros (float32 unless ``dtype``).

    Example
    -------
    >>> from diffkit.ad import zeros
    >>> zeros(2, 3).shape
    (2, 3)
    """
    return _factory(np.zeros(_new_shape(shape)), dtype, device, requires_grad)


def ones(*shape: Any, dtype: Any = None, device: Any = "cpu", requires_grad: bool = False) -> Tensor:
    """A tensor of ones (float32 unless ``dtype``).

    Example
    -------
    >>> import diffkit as dk
    >>> dk.ones(2, 3)
    tensor([[1., 1., 1.],
            [1., 1., 1.]])
    >>> dk.ones(2, dtype="float64", requires_grad=True)
    tensor([1., 1.], dtype=float64, requires_grad=True)
    """
    return _factory(np.ones(_new_shape(shape)), dtype, device, requires_grad)


def full(shape: Any, value: Any, *, dtype: Any = None, device: Any = "cpu", requires_grad: bool = False) -> Tensor:
    """A tensor filled with ``value`` (float32 unless ``dtype``).

    Example
    -------
    >>> import diffkit as dk
    >>> dk.full((2, 2), 7.0)
    tensor([[7., 7.],
            [7., 7.]])
    >>> dk.full(3, 0.5)
    tensor([0.5, 0.5, 0.5])
    """
    return _factory(np.full(tuple(shape) if not isinstance(shape, int) else (shape,), value, dtype=float),
                    dtype, device, requires_grad)


def _data_of(t: Any) -> Any:
    """The array behind a Tensor, an array of any namespace as it is, or an array-like as a NumPy array."""
    if isinstance(t, rec.Tensor):
        return t._data
    return t if hasattr(t, "__array_namespace__") else np.asarray(t)


def _filled_like(t: Any, value: int, dtype: Any, requires_grad: bool) -> Tensor:
    """A Tensor of ``value`` with ``t``'s shape and device, in ``t``'s dtype unless ``dtype`` is given."""
    data = _data_of(t)
    xp = _xp(data)
    if dtype is None:
        arr = xp.full_like(data, value)
    else:
        arr = xp.full(data.shape, value, dtype=backend.resolve_dtype(xp, dtype))
    out = rec.Tensor(arr)
    return out.requires_grad_(True) if requires_grad else out


def zeros_like(t: Tensor, *, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Zeros with ``t``'s shape, dtype and device.

    Example
    -------
    >>> import diffkit as dk
    >>> dk.zeros_like(dk.tensor([[1, 2], [3, 4]]))
    tensor([[0, 0],
            [0, 0]])
    >>> dk.zeros_like(dk.tensor([1.5, 2.5]), requires_grad=True)
    tensor([0., 0.], requires_grad=True)
    """
    return _filled_like(t, 0, dtype, requires_grad)


def ones_like(t: Tensor, *, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Ones with ``t``'s shape, dtype and device.

    Example
    -------
    >>> import diffkit as dk
    >>> dk.ones_like(dk.tensor([1.5, 2.5]))
    tensor([1., 1.])
    >>> dk.ones_like(dk.tensor([1, 2]), dtype="float64")
    tensor([1., 1.], dtype=float64)
    """
    return _filled_like(t, 1, dtype, requires_grad)


def arange(*args: Any, dtype: Any = None, device: Any = "cpu") -> Tensor:
    """Evenly spaced values, like ``numpy.arange`` (ints stay int64).

    Example
    -------
    >>> import diffkit as dk
    >>> dk.arange(4), dk.arange(1, 7, 2)
    (tensor([0, 1, 2, 3]), tensor([1, 3, 5]))
    >>> dk.arange(0, 1, 0.25, dtype="float32")
    tensor([0.  , 0.25, 0.5 , 0.75])
    """
    if len(args) == 3 and args[2] == 0:
        raise ArgumentError("arange's step must not be 0")
    return tensor(np.arange(*args), dtype=dtype, device=device)


def eye(n: int, m: int | None = None, *, dtype: Any = None, device: Any = "cpu") -> Tensor:
    """The identity matrix (float32 unless ``dtype``); ``eye(n, m)`` is n x m.

    Example
    -------
    >>> import diffkit as dk
    >>> dk.eye(2)
    tensor([[1., 0.],
            [0., 1.]])
    >>> dk.eye(2, 3).shape
    (2, 3)
    """
    return _factory(np.eye(n, m), dtype, device, False)


def randn(*shape: Any, generator: Any = None, dtype: Any = None, device: Any = "cpu",
          requires_grad: bool = False) -> Tensor:
    """Standard-normal samples (float32 unless ``dtype``); ``generator`` is a NumPy Generator.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.ad import randn
    >>> randn(2, 3, generator=np.random.default_rng(0)).shape
    (2, 3)
    """
    rng = resolve_generator(generator)  # dk.manual_seed reaches these draws too
    return _factory(rng.standard_normal(_new_shape(shape)), dtype, device, requires_grad)


def rand(*shape: Any, generator: Any = None, dtype: Any = None, device: Any = "cpu",
         requires_grad: bool = False) -> Tensor:
    """Uniform samples from [0, 1) (float32 unless ``dtype``); ``generator`` is a NumPy Generator.

    Example
    -------
    >>> import numpy as np, diffkit as dk
    >>> r = dk.rand(2, 3, generator=np.random.default_rng(0))
    >>> r.shape, r.dtype, bool(r.min() >= 0) and bool(r.max() < 1)
    ((2, 3), dtype('float32'), True)
    """
    rng = resolve_generator(generator)  # dk.manual_seed reaches these draws too
    return _factory(rng.random(_new_shape(shape)), dtype, device, requires_grad)
