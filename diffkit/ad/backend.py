"""The array namespace of a device: ``"cpu"`` is NumPy, ``"cuda"`` is CuPy.

The AD engine is written against ``xp`` only; this module is the one place
that knows which library stands behind a device.

Example
-------
>>> from diffkit.ad.backend import get_namespace, device_of
>>> import numpy as np
>>> get_namespace("cpu") is np
True
>>> device_of(np.ones(2))
'cpu'
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import BackendError
from ..expr.ops import namespace

__all__ = [
    "get_namespace", "device_of", "to_device", "normalize_device", "cuda_available",
    "namespace_of", "resolve_dtype", "is_floating", "to_numpy", "device_and_dtype",
]

_ALIASES = {"cpu": "cpu", "numpy": "cpu", "cuda": "cuda", "gpu": "cuda", "cupy": "cuda"}


def device_and_dtype(args: tuple, device: Any, dtype: Any, tensor_type: type) -> tuple[Any, Any]:
    """Read ``to(...)``'s positional arguments as PyTorch does: a device name, a dtype, or a tensor
    (its device and dtype); a name that is neither is an error that says so.

    Example
    -------
    >>> from diffkit.ad.backend import device_and_dtype
    >>> device_and_dtype(("cpu", "float64"), None, None, tuple)
    ('cpu', 'float64')
    """
    for a in args:
        if isinstance(a, tensor_type):
            device, dtype = a.device, a.dtype
        elif isinstance(a, str) and a.split(":", 1)[0].lower() in _ALIASES:
            device = a
        elif a is not None:
            if isinstance(a, str):
                try:
                    np.dtype(a)
                except TypeError:
                    raise BackendError(f"unknown device or dtype {a!r}; devices are 'cpu' and 'cuda', "
                                       "dtypes are names such as 'float32' or 'float64'") from None
            dtype = a
    return device, dtype


def normalize_device(device: Any) -> str:
    """``"cpu"``/``"numpy"`` -> ``"cpu"``; ``"cuda"``/``"cuda:0"``/``"gpu"``/``"cupy"`` -> ``"cuda"``.

    Example
    -------
    >>> from diffkit.ad.backend import normalize_device
    >>> normalize_device("cuda:0"), normalize_device("numpy")
    ('cuda', 'cpu')
    """
    name = str(getattr(device, "type", device) or "cpu").lower()
    base = name.split(":", 1)[0]
    if base not in _ALIASES:
        raise BackendError(f"unknown device {device!r}; use 'cpu' (NumPy) or 'cuda' (CuPy)")
    return _ALIASES[base]


def cuda_available() -> bool:
    """Whether CuPy is installed and sees at least one CUDA device.

    Example
    -------
    >>> from diffkit.ad.backend import cuda_available
    >>> isinstance(cuda_available(), bool)
    True
    """
    try:
        import cupy
    except Exception:
        return False
    try:
        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:
        return False


def get_namespace(device: Any = "cpu") -> Any:
    """The array module for ``device``; raises :class:`BackendError` if CuPy/GPU is missing.

    Example
    -------
    >>> from diffkit.ad.backend import get_namespace
    >>> get_namespace("numpy").__name__
    'numpy'
    """
    if normalize_device(device) == "cpu":
        return np
    try:
        import cupy
    except Exception:
        raise BackendError(
            "device 'cuda' needs CuPy, which is not installed; install it with "
            "pip install 'diffkit[gpu]' (or a cupy-cudaXX wheel matching your CUDA) on a machine with "
            "an NVIDIA GPU, or use device='cpu'") from None
    if not cuda_available():
        raise BackendError("CuPy is installed but no CUDA device is visible; use device='cpu'")
    return cupy


def device_of(array: Any) -> str:
    """``"cuda"`` for CuPy arrays, ``"cpu"`` for everything else.

    Example
    -------
    >>> from diffkit.ad.backend import device_of
    >>> device_of(1.0)
    'cpu'
    """
    mod = type(array).__module__.split(".", 1)[0]
    return "cuda" if mod == "cupy" else "cpu"


def to_device(array: Any, device: Any) -> Any:
    """Copy ``array`` to ``device`` (no copy when it is already there).

    Example
    -------
    >>> from diffkit.ad.backend import to_device
    >>> import numpy as np
    >>> a = np.ones(2); to_device(a, "cpu") is a
    True
    """
    target = normalize_device(device)
    if device_of(array) == target:
        return array
    if target == "cpu":
        return array.get()  # CuPy -> NumPy
    return get_namespace("cuda").asarray(array)


def namespace_of(array: Any) -> Any:
    """The array namespace ``array`` belongs to (NumPy for NumPy scalars and Python numbers).

    Example
    -------
    >>> from diffkit.ad.backend import namespace_of
    >>> import numpy as np
    >>> namespace_of(np.float32(1.0)) is np, namespace_of(2.0) is np
    (True, True)
    """
    return namespace(array)


# PyTorch's spellings, which mean something else to NumPy ("float" is float64 there).
_DTYPE_ALIASES = {"float": "float32", "double": "float64", "half": "float16", "long": "int64",
                  "int": "int32", "short": "int16", "bool": "bool", "cfloat": "complex64"}


def resolve_dtype(xp: Any, dtype: Any) -> Any:
    """The dtype object of namespace ``xp`` that ``dtype`` names.

    ``dtype`` may be a string (``"float32"``, or PyTorch's ``"float"``/``"double"``/
    ``"long"``), a NumPy dtype or scalar type, or a dtype of ``xp`` itself.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.ad.backend import resolve_dtype
    >>> resolve_dtype(np, "double"), resolve_dtype(np, np.float32)
    (<class 'numpy.float64'>, <class 'numpy.float32'>)
    """
    if isinstance(dtype, str):
        name = _DTYPE_ALIASES.get(dtype, dtype)
    else:
        name = getattr(dtype, "name", None) if not isinstance(dtype, type) else None
        if name is None:
            try:
                name = np.dtype(dtype).name
            except TypeError:
                name = str(dtype).rsplit(".", 1)[-1]
    found = getattr(xp, name, None)
    if found is None:
        raise BackendError(f"unknown dtype {dtype!r}; use a name such as 'float32', 'float64' or 'int64'")
    return found


def is_floating(dtype: Any) -> bool:
    """Whether ``dtype`` is a real or complex floating-point dtype (the ones that can carry gradients).

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.ad.backend import is_floating
    >>> is_floating(np.dtype("float32")), is_floating(np.dtype("int64"))
    (True, False)
    """
    name = str(dtype).rsplit(".", 1)[-1]
    return name.startswith(("float", "complex", "bfloat"))


def to_numpy(array: Any) -> np.ndarray:
    """A NumPy array with the values of ``array`` (copied from the GPU or another namespace if needed).

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.ad.backend import to_numpy
    >>> to_numpy(np.float32(2.0))
    array(2., dtype=float32)
    """
    if isinstance(array, (np.ndarray, np.generic)):
        return np.asarray(array)
    if device_of(array) == "cuda":
        return array.get()
    try:
        return np.from_dlpack(array)
    except Exception:
        return np.asarray(array)
