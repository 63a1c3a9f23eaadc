"""Keep freed array memory for reuse, as a tensor library's caching allocator does.

A training step allocates and frees the same large temporaries every time
(activations, cotangents, gradients of a few MiB each). glibc's malloc serves
blocks above 128 KiB to 32 MiB with fresh ``mmap`` pages and gives them back on
``free``, so every step pays a page fault per 4 KiB page touched: about a
quarter of an MLP step at batch 512 here. Raising the mmap threshold and the
trim threshold keeps those blocks in the heap, where the next step reuses them
(PyTorch gets the same effect from its caching allocator).

It is a process-wide malloc setting, so it is applied once, only on glibc
Linux, and ``DIFFKIT_MALLOC=system`` in the environment leaves malloc as it is.

Example
-------
>>> from diffkit.ad.memory import keep_freed_memory
>>> isinstance(keep_freed_memory(), bool)
True
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys

__all__ = ["keep_freed_memory"]

# mallopt parameters from glibc's <malloc.h>
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
#: Blocks up to this size come from the heap (glibc's largest allowed mmap threshold on 64-bit).
MMAP_THRESHOLD = 32 * 1024 * 1024
#: Free memory at the top of the heap kept for reuse before it is returned to the system.
TRIM_THRESHOLD = 256 * 1024 * 1024

_applied: bool | None = None


def keep_freed_memory() -> bool:
    """Ask glibc's malloc to keep freed blocks of up to 32 MiB for reuse; ``True`` if it took.

    Does nothing (and returns ``False``) off glibc Linux or when ``DIFFKIT_MALLOC=system``.
    """
    global _applied
    if _applied is not None:
        return _applied
    _applied = False
    if not sys.platform.startswith("linux") or os.environ.get("DIFFKIT_MALLOC", "").lower() == "system":
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # musl and others have no mallopt
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    _applied = bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD))
    return _applied
