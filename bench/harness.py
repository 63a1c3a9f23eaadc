"""Timing, peer detection and the results table shared by every benchmark.

Times are medians over repeats after a warm-up; every figure reported is a
ratio against another implementation measured in the same run, because
absolute times depend on the machine.
"""

from __future__ import annotations

import importlib
import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Row:
    """One measurement: a benchmark case run by one implementation."""

    bench: str
    case: str
    impl: str
    seconds: float | None
    error: float | None = None
    per: float | None = None  # divide seconds by this for a per-unit time (per node, per op)
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def median_time(fn: Callable[[], Any], repeat: int = 5, warmup: int = 1, min_seconds: float = 0.05) -> float:
    """Median wall time of ``fn()`` over ``repeat`` runs, each looping until ``min_seconds`` passed."""
    return interleaved_times({"fn": fn}, repeat, warmup, min_seconds)["fn"]


def interleaved_times(fns: dict[str, Callable[[], Any]], repeat: int = 7, warmup: int = 1,
                      min_seconds: float = 0.05) -> dict[str, float]:
    """Median wall time of each ``fn()``, the implementations taking turns repeat by repeat.

    A shared machine has slow spells lasting seconds; timing one implementation
    after another can put a spell on one of them only and skew their ratio.
    Taking turns spreads it over all of them.
    """
    loops = {}
    for name, fn in fns.items():
        for _ in range(warmup):
            fn()
        t0 = time.perf_counter()
        fn()
        loops[name] = max(1, int(min_seconds / max(time.perf_counter() - t0, 1e-9)))
    samples: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            t0 = time.perf_counter()
            for _ in range(loops[name]):
                fn()
            samples[name].append((time.perf_counter() - t0) / loops[name])
    return {name: statistics.median(s) for name, s in samples.items()}


def peer(name: str):
    """Import a peer library, or ``None`` when it is not installed (benchmarks then skip it)."""
    try:
        return importlib.import_module(name)
    except Exception:
        return None


def require(name: str):
    """Import a peer library, raising ModuleNotFoundError when it is missing (an isolated run reports it)."""
    mod = peer(name)
    if mod is None:
        raise ModuleNotFoundError(name)
    return mod


def versions() -> dict[str, str]:
    """Versions of everything measured, for the results header."""
    out = {"python": platform.python_version()}
    for name in ("diffkit", "numpy", "sympy", "torch", "jax", "autograd", "numdifftools", "scipy", "symengine"):
        mod = peer(name)
        out[name] = getattr(mod, "__version__", "installed") if mod is not None else "not installed"
    return out


def machine() -> str:
    import os

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}"
