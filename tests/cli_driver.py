"""Run many ``diffkit`` command lines in one fresh Python process, each with its own timeout.

Starting Python and importing diffkit costs about a second; dozens of command
lines each in a process of their own would cost a minute of the suite. The
driver imports diffkit once, in a subprocess (so nothing leaks into the test
process and a hang can't stall it), and runs each command line through
``diffkit.cli.main`` with its standard output and error captured, under a
SIGALRM timeout. Anything that escapes ``main`` is recorded as a crash with its
traceback, which is exactly what the CLI must never show.

    results = run_commands([["eval", "x", "--at", "x=1"]], cwd=tmp_path)
    results[0]["status"], results[0]["stdout"], results[0]["stderr"]
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
from pathlib import Path


def run_commands(argvs: list[list[str]], cwd: Path | str, timeout_each: int = 60) -> list[dict]:
    """``[{"status": int | "crash" | "timeout", "stdout": str, "stderr": str}]``, one per command line."""
    job = json.dumps({"timeout": timeout_each, "argvs": argvs})
    proc = subprocess.run([sys.executable, str(Path(__file__).resolve())], input=job, cwd=cwd,
                          capture_output=True, text=True, timeout=timeout_each * len(argvs) + 60)
    if proc.returncode != 0:
        raise RuntimeError(f"the driver failed:\n{proc.stderr}")
    return json.loads(proc.stdout)


class Timeout(BaseException):
    """What :func:`alarm_after` raises when the time is up (not an Exception: the code under test can't catch it)."""


@contextlib.contextmanager
def alarm_after(seconds: int):
    """Raise :class:`Timeout` in the block after ``seconds`` (SIGALRM: the main thread of a driver process)."""
    import signal

    def ring(*_):
        raise Timeout

    previous = signal.signal(signal.SIGALRM, ring)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _drive() -> None:  # pragma: no cover - runs in the subprocess
    import io
    import traceback

    import matplotlib

    matplotlib.use("Agg")
    from diffkit.cli import main

    job = json.loads(sys.stdin.read())
    results = []
    for argv in job["argvs"]:
        out, err = io.StringIO(), io.StringIO()
        try:
            with alarm_after(job["timeout"]), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                status = main(argv)
        except Timeout:
            status = "timeout"
        except BaseException:  # noqa: BLE001 - whatever escapes main() is the failure we look for
            status = "crash"
            err.write(traceback.format_exc())
        results.append({"status": status, "stdout": out.getvalue(), "stderr": err.getvalue()})
    sys.stdout.write(json.dumps(results))


if __name__ == "__main__":
    _drive()
