"""Time one implementation in a process of its own.

Libraries that run on several threads share a process badly. After each call
OpenBLAS's workers (NumPy, HIPS autograd, diffkit) and OpenMP's (torch) keep
spinning for a while, and the next library in the same process competes with
them for the cores: timed in one process after the NumPy-based steps, torch's
MLP step at batch 512 took 9.5 ms, and 7.3 ms on its own. Benchmarks whose
implementations use several threads therefore time each one in a fresh
process, as a user's script would run it:

    python -m bench.isolated mlp_step "torch eager" 64

prints the median seconds per call; exit status 3 means the peer is not
installed.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from .harness import median_time

_MISSING = 3
_ROOT = Path(__file__).resolve().parents[1]


def measure(bench: str, impl: str, *args, processes: int = 1) -> tuple[float | None, str]:
    """Seconds per call of ``impl``, and a note (``"not installed"``, a failure).

    The median within each fresh process, and the best of ``processes`` such
    processes: the same step can run at very different speeds from one process
    to the next (torch's 10^6-point gradient took 10 ms in one and 54 ms in the
    next, as its fresh allocations did or did not come back from the heap).
    """
    best = None
    for _ in range(processes):
        proc = subprocess.run([sys.executable, "-m", "bench.isolated", bench, impl, *map(str, args)],
                              capture_output=True, text=True, cwd=_ROOT)
        if proc.returncode == _MISSING:
            return None, "not installed"
        if proc.returncode != 0:
            last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
            return None, f"failed: {last}"
        seconds = float(proc.stdout.split()[-1])
        best = seconds if best is None else min(best, seconds)
    return best, f"best of {processes} processes" if processes > 1 else ""


def main(argv: list[str]) -> int:
    from .cases import ISOLATED

    bench, impl, *args = argv
    try:
        fn = ISOLATED[bench][impl](*args)
    except ModuleNotFoundError:
        return _MISSING
    print(median_time(fn, warmup=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
