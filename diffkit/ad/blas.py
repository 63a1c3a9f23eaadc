"""``y += alpha * x`` in one pass: the BLAS ``axpy`` that NumPy has but does not expose.

An optimizer step is ``p -= lr * g`` for every parameter. In NumPy that is two
passes over memory (``lr * g`` into a temporary, then the subtraction) on one
core; for an MLP's 1.6 MB weight matrices it costs about as much as a matrix
product. The BLAS library NumPy already links (OpenBLAS in the PyPI wheels)
has ``axpy``, which does it in one pass on every core, as PyTorch's fused
``add_(g, alpha=-lr)`` does. This module finds that routine among the loaded
libraries and calls it through ctypes.

Only the ILP64 entry points with a ``64_`` suffix are used, whose integer
width is known, and the routine is checked against NumPy on a small vector
before it is trusted. Anything else (another platform, MKL, a build without
the symbol, ``DIFFKIT_BLAS=numpy`` in the environment) falls back to NumPy,
with the same result.

Example
-------
>>> import numpy as np
>>> from diffkit.ad.blas import axpy
>>> y = np.ones(5, np.float32)
>>> axpy(-0.5, np.arange(5, dtype=np.float32), y)
array([ 1. ,  0.5,  0. , -0.5, -1. ], dtype=float32)
"""

from __future__ import annotations

import ctypes
import os
import sys
from typing import Any

import numpy as np

__all__ = ["axpy", "blas_axpy_available"]

#: Below this many elements NumPy's two passes cost less than the ctypes call.
MIN_SIZE = 4096
_SYMBOLS = ("scipy_cblas_{}axpy64_", "cblas_{}axpy64_")
_CTYPE = {np.dtype(np.float32): ctypes.c_float, np.dtype(np.float64): ctypes.c_double}
_routines: dict | None = None


def _loaded_blas_paths() -> list[str]:
    """Shared libraries mapped into this process whose names say BLAS."""
    paths: list[str] = []
    try:
        with open("/proc/self/maps") as fh:
            for line in fh:
                path = line.rsplit(" ", 1)[-1].strip()
                name = os.path.basename(path).lower()
                if "blas" in name and ".so" in name and path not in paths:
                    paths.append(path)
    except OSError:
        pass
    return paths


def _find() -> dict:
    if not sys.platform.startswith("linux") or os.environ.get("DIFFKIT_BLAS", "").lower() == "numpy":
        return {}
    for path in _loaded_blas_paths():
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        found = {}
        for dtype, scalar in _CTYPE.items():
            letter = "s" if dtype == np.float32 else "d"
            for pattern in _SYMBOLS:
                fn = getattr(lib, pattern.format(letter), None)
                if fn is not None:
                    fn.argtypes = [ctypes.c_int64, scalar, ctypes.c_void_p, ctypes.c_int64, ctypes.c_void_p,
                                   ctypes.c_int64]
                    fn.restype = None
                    if _agrees(fn, dtype):
                        found[dtype] = fn
                    break
        if found:
            return found
    return {}


def _agrees(fn: Any, dtype: np.dtype) -> bool:
    """Run the routine on a small vector (with a guard element after it) and compare with NumPy."""
    x = np.arange(1, 10, dtype=dtype)
    y = np.linspace(-1, 1, 10).astype(dtype)
    want = y.copy()
    want[:9] += dtype.type(0.5) * x
    fn(9, 0.5, x.ctypes.data, 1, y.ctypes.data, 1)
    return bool(np.array_equal(y, want))


def blas_axpy_available(dtype: Any = np.float32) -> bool:
    """Whether :func:`axpy` uses BLAS for arrays of ``dtype`` in this process.

    Example
    -------
    >>> from diffkit.ad.blas import blas_axpy_available
    >>> blas_axpy_available("int64")
    False
    """
    global _routines
    if _routines is None:
        _routines = _find()
    return np.dtype(dtype) in _routines


def axpy(alpha: float, x: Any, y: Any) -> Any:
    """``y += alpha * x`` in place, and return ``y``.

    ``x`` and ``y`` are NumPy arrays of one float dtype and one shape, both
    contiguous in the same order and not overlapping: then BLAS does it in one
    threaded pass. Otherwise (any other array, broadcasting, a small ``y``)
    NumPy computes the same thing.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.ad.blas import axpy
    >>> w = np.zeros((2, 2))
    >>> axpy(2.0, np.eye(2), w)
    array([[2., 0.],
           [0., 2.]])
    """
    if (type(y) is np.ndarray and type(x) is np.ndarray and isinstance(alpha, float | int)
            and y.size >= MIN_SIZE and x.dtype == y.dtype
            and x.shape == y.shape and y.flags.writeable and blas_axpy_available(y.dtype)
            and ((x.flags.c_contiguous and y.flags.c_contiguous) or (x.flags.f_contiguous and y.flags.f_contiguous))
            and not np.may_share_memory(x, y)):
        _routines[y.dtype](y.size, float(alpha), x.ctypes.data, 1, y.ctypes.data, 1)
        return y
    y += alpha * x if alpha != 1 else x
    return y
