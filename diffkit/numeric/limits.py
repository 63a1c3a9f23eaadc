"""What the numeric methods refuse before they start: accuracies float64 can't use, grids and
arrays too large for the memory there is.

A request that would run for minutes or be killed for memory is refused at once, with the
reason and what would work instead, rather than discovered by the user after the fact.

Example
-------
>>> from diffkit.numeric.limits import max_accuracy
>>> max_accuracy(1), max_accuracy(2, "float32")
(51, 44)
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from ..errors import ArgumentError

__all__ = ["max_accuracy", "MAX_STENCIL_POINTS", "MAX_SWEEP_STEPS", "available_memory", "ensure_memory",
           "format_bytes", "random_point"]

#: Stencils of more points than this are refused: their exact weights take minutes to compute,
#: and h^k of the step they need under- or overflows long before.
MAX_STENCIL_POINTS = 128

#: Requests below this many bytes are granted without reading the free memory (every call would pay for it).
SMALL_REQUEST = 64 << 20

#: Step sweeps of more steps than this are refused: a figure has a few hundred pixels across.
MAX_SWEEP_STEPS = 1_000_000


def max_accuracy(order: int = 1, dtype: Any = "float64") -> int:
    """The highest accuracy order p that can still lower the error of a k-th derivative in ``dtype``.

    The truncation + rounding model's best error for accuracy p is about
    ``eps^(p / (p + k))`` (times constants of order one). Once that is within a
    factor 2 of the rounding floor ``eps``, a higher p buys nothing but wider
    stencils: this happens at ``p = k * log2(1 / (2 eps))``, that is ``51 k`` in
    float64 (52-bit mantissa), ``22 k`` in float32.

    Example
    -------
    >>> from diffkit.numeric.limits import max_accuracy
    >>> max_accuracy(1, "float64"), max_accuracy(1, "float16")
    (51, 9)
    """
    eps = float(np.finfo(np.dtype(dtype)).eps)
    return int(order) * int(round(np.log2(1 / (2 * eps))))


def available_memory() -> int | None:
    """Bytes of memory available to a new allocation (Linux ``MemAvailable``), or None where unknown.

    Example
    -------
    >>> from diffkit.numeric.limits import available_memory
    >>> m = available_memory()
    >>> m is None or m > 0
    True
    """
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (AttributeError, ValueError, OSError):
        return None


def format_bytes(n: float) -> str:
    """``1.5 GB``-style size.

    Example
    -------
    >>> from diffkit.numeric.limits import format_bytes
    >>> format_bytes(8e9), format_bytes(2000)
    ('8 GB', '2 kB')
    """
    for unit, size in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= size:
            return f"{n / size:.3g} {unit}"
    return f"{int(n)} B"


def ensure_memory(nbytes: float, what: str, hint: str = "") -> None:
    """Refuse (:class:`~diffkit.ArgumentError`) an allocation of ``nbytes`` that the memory can't hold.

    Checked before allocating, so that an impossible request fails in a moment with a
    message instead of being killed by the operating system minutes later.
    At most half the available memory is granted to one request (the function being
    differentiated needs room too).

    Example
    -------
    >>> from diffkit.numeric.limits import ensure_memory
    >>> ensure_memory(1e3, "a small array")  # fine: returns None
    >>> try:
    ...     ensure_memory(1e30, "x of 1.25e29 entries")
    ... except ValueError as err:
    ...     print(str(err).splitlines()[0])
    x of 1.25e29 entries needs 1e+18 TB of memory, more than half of what is available
    """
    if nbytes <= SMALL_REQUEST:
        return
    avail = available_memory()
    if avail is None or nbytes <= avail / 2:
        return
    raise ArgumentError(f"{what} needs {format_bytes(nbytes)} of memory, more than half of what is available"
                        f"{'; ' + hint if hint else ''}\n({format_bytes(avail)} available now)")


def random_point(shape: Any, seed: int | None = 0, scale: float = 1.0, near: Any = None) -> np.ndarray:
    """A seeded random point (standard normal times ``scale``, plus ``near``), its memory checked first.

    What a gradient check uses when no point is given (0 is a degenerate point where many wrong
    gradients agree with the right one), and what ``diffkit check --dim N`` draws.

    Example
    -------
    >>> from diffkit.numeric.limits import random_point
    >>> random_point(3).round(3)
    array([ 0.126, -0.132,  0.64 ])
    >>> try:
    ...     random_point(10**15)
    ... except ValueError as err:
    ...     print(str(err).split(" of memory")[0])
    a random point of shape (1000000000000000,) needs 8e+03 TB
    """
    shape = tuple(np.atleast_1d(np.asarray(shape, dtype=np.int64)).tolist()) if not isinstance(shape, tuple) \
        else shape
    if any(s < 0 for s in shape):
        raise ArgumentError(f"a point's shape can't have negative sizes, got {shape}")
    ensure_memory(8.0 * float(np.prod(shape, dtype=float)), f"a random point of shape {shape}",
                  "choose a smaller dimension")
    x = np.random.default_rng(seed).standard_normal(shape) * scale
    return x if near is None else x + np.asarray(near, dtype=float)
