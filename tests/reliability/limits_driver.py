"""Run the cases that could hang or exhaust memory in one fresh process, with a memory cap and a timeout each.

Used by ``test_limits.py``. Starting Python and importing diffkit costs seconds, so one
subprocess runs every case: its address space is capped with ``RLIMIT_AS`` (forked swell
workers inherit the cap), and each case runs under a SIGALRM of its own, so a case that
hangs is reported as ``"timeout"`` and the rest still run; the test process itself can't
stall or be killed for memory. A case returns a dict of facts for the test to assert on;
an exception it raises is recorded as ``{"raised": class name, "message": ...}``.

    results = run_cases(["swell_one_row"])
    results["swell_one_row"]["status"]
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

#: The cap on the driver's address space: diffkit with SymPy loaded needs about 350 MB of it.
MEMORY = 2 << 30


def run_cases(names: list[str], timeout_each: int = 90) -> dict[str, dict]:
    """``{case name: its facts}``; a case that hangs gives ``{"raised": "timeout"}``."""
    job = json.dumps({"timeout": timeout_each, "names": names})
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    proc = subprocess.run([sys.executable, str(Path(__file__).resolve())], input=job, capture_output=True,
                          text=True, timeout=timeout_each * len(names) + 60, env=env)
    if proc.returncode != 0:
        raise RuntimeError(f"the driver failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout)


# ---------------------------------------------------------------------------- the cases (run in the driver)

def _timed(fn) -> dict:
    t0 = time.monotonic()
    out = fn()
    return {**out, "seconds": time.monotonic() - t0}


def _raised(fn) -> dict:
    t0 = time.monotonic()
    try:
        fn()
    except Exception as err:  # noqa: BLE001 - the class is what the test checks
        return {"raised": type(err).__name__, "message": str(err), "stage": getattr(err, "stage", None),
                "summary": getattr(err, "summary", None), "seconds": time.monotonic() - t0}
    return {"raised": None, "seconds": time.monotonic() - t0}


def case_swell_one_row() -> dict:
    """Issue 20: ``swell(logistic_map, n=25, time_limit=1)`` ran past 120 s (the parent rebuilt the
    2^25-node derivative it was sent)."""
    import diffkit as dk

    def run():
        row = dk.symbolic.swell(dk.examples.logistic_map, n=25, time_limit=1).by_n[25]
        return {"status": row.status, "gave_up": row.gave_up}

    return _timed(run)


def case_swell_many_rows() -> dict:
    """Issue 20: ``--n 1..100000 --time-limit 0.01`` ran past 60 s."""
    import diffkit as dk

    def run():
        t = dk.symbolic.swell(dk.examples.logistic_map, n=range(1, 100_001), time_limit=0.01)
        return {"rows": len(t.results), "skipped": len(t.skipped), "gave_up": t.gave_up,
                "last_run": t.results[-1].n, "note": t.notes[-1]}

    return _timed(run)


def case_swell_rising_rows() -> dict:
    """Issue 20: ``n=1..30, time_limit=2`` ran past 400 s; here from n = 14, with 0.5 s a row."""
    import diffkit as dk

    def run():
        t = dk.symbolic.swell(dk.examples.logistic_map, n=range(14, 31), time_limit=0.5)
        return {"statuses": [r.status for r in t.results], "ns": [r.n for r in t.results],
                "skipped": list(t.skipped)}

    return _timed(run)


def case_symbolic_expand() -> dict:
    """Issue 20: ``(x+1)^100000`` with simplify ran past 120 s. A power past 1000 now stays unexpanded (with a
    warning), so the expansion that runs out of time is that of two powers just below it."""
    import diffkit as dk

    slow = "(x+1)^999 * (x+2)^999"
    return _raised(lambda: dk.Symbolic(simplify=True, time_limit=0.5).derivative(slow, at={"x": 0.5}))


def _product_of_sums(k: int):
    import diffkit as dk

    return dk.expr("*".join(f"(x{i} + y{i} + 1)" for i in range(k)))


def case_symbolic_product() -> dict:
    """Issue 20: ``Symbolic()`` on a product of 12-500 sums ran past 120 s."""
    import diffkit as dk

    f = _product_of_sums(500)
    return _raised(lambda: dk.Symbolic(time_limit=1).gradient(f, at={v: 0.5 for v in f.variables}))


def case_compare_product() -> dict:
    """Issue 20: ``compare()`` on such input stalled; its symbolic row now gives up, the rest finish."""
    import diffkit as dk

    f = _product_of_sums(300)
    at = {v: 0.5 for v in f.variables}

    def run():
        c = dk.compare(f, at=at, methods=[dk.Symbolic(time_limit=0.5), "reverse", "forward-mode"])
        rows = {r["method"]: r for r in c.to_records()}
        return {"symbolic": rows["symbolic"]["gradient"], "forward_error": rows["forward-mode"]["abs error"],
                "reference": c.reference_name}

    return _timed(run)


def _chain(n: int):
    import diffkit as dk

    def fn(*v):
        s = 0
        for i in range(len(v) - 1):
            s = s + v[i] * v[i] * v[i + 1]
        return s

    return dk.trace(fn, variables=[f"x{i}" for i in range(n)])


def case_hessians_2000() -> dict:
    """Issue 20: Hessians over 2,000 traced variables (forward, symbolic) ran past 300 s."""
    import diffkit as dk

    f = _chain(2000)
    at = {v: 0.5 for v in f.variables}
    return {"forward": _raised(lambda: dk.ForwardMode().hessian(f, at=at)),
            "symbolic": _raised(lambda: dk.Symbolic().hessian(f, at=at))}


def _header(tree) -> bytes:
    import numpy as np

    text = json.dumps({"format": "diffkit-state", "version": 1, "tree": tree}).encode()
    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.frombuffer(text, np.uint8))
    return buf.getvalue()


def case_load_deflate_bomb() -> dict:
    """Issue 20: a 3 MB deflate bomb allocated 3 GiB (here: 400 KB declaring 3 GiB, under a 2 GiB cap)."""
    import numpy as np

    import diffkit as dk

    path = os.path.join(tempfile.mkdtemp(), "bomb.npz")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("__diffkit_header__.npy"), _header({"t": "array", "ref": "a0"}),
                   compress_type=zipfile.ZIP_STORED)
        with z.open("a0.npy", "w", force_zip64=True) as fh:
            np.lib.format.write_array_header_1_0(fh, {"descr": "<f8", "fortran_order": False, "shape": (3 << 27,)})
            block = bytes(1 << 24)
            for _ in range(3 << 3):
                fh.write(block)
    return {**_raised(lambda: dk.load(path)), "bytes": os.path.getsize(path)}


def case_load_huge_header() -> dict:
    """Issue 20: a tiny .npy header claiming 8 TiB gave MemoryError."""
    import numpy as np

    import diffkit as dk

    path = os.path.join(tempfile.mkdtemp(), "huge.npz")
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": "<f8", "fortran_order": False, "shape": (1 << 40,)})
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("__diffkit_header__.npy", _header({"t": "array", "ref": "a0"}))
        z.writestr("a0.npy", buf.getvalue() + bytes(64))
    return _raised(lambda: dk.load(path))


def case_load_fifo() -> dict:
    """Issue 20: a FIFO blocked forever."""
    import diffkit as dk

    path = os.path.join(tempfile.mkdtemp(), "pipe")
    os.mkfifo(path)
    return _raised(lambda: dk.load(path))


def case_load_dev_zero() -> dict:
    """Issue 20: ``/dev/zero`` read without bound."""
    import diffkit as dk

    return _raised(lambda: dk.load("/dev/zero"))


def _drive() -> None:  # pragma: no cover - runs in the subprocess
    import resource
    import traceback

    import matplotlib

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from cli_driver import Timeout, alarm_after

    matplotlib.use("Agg")
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))
    job = json.loads(sys.stdin.read())
    results = {}
    for name in job["names"]:
        try:
            with alarm_after(job["timeout"]):
                results[name] = globals()[f"case_{name}"]()
        except Timeout:
            results[name] = {"raised": "timeout"}
        except BaseException as err:  # noqa: BLE001 - recorded for the test to show
            results[name] = {"raised": type(err).__name__, "message": traceback.format_exc()[-2000:]}
    sys.stdout.write(json.dumps(results))


if __name__ == "__main__":
    _drive()
