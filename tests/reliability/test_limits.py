"""Every documented limit holds (issue 20): time limits, cost estimates, workers that die with the study.

The cases that could hang or exhaust memory run in one subprocess with a memory cap and a
timeout each (``limits_driver.py``); a broken limit shows as ``"timeout"`` or a MemoryError
there, never as a stalled test run. Where a test reads a duration it is a bound many times
what the limit allows (a hang check), never a measure of the machine's speed; whether a
call gives up is decided by inputs that no machine finishes in the time given.
"""

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from limits_driver import run_cases

import diffkit as dk

CASES = ["swell_one_row", "swell_many_rows", "swell_rising_rows", "symbolic_expand", "symbolic_product",
         "compare_product", "hessians_2000", "load_deflate_bomb", "load_huge_header", "load_fifo", "load_dev_zero"]


@pytest.fixture(scope="module")
def results():
    return run_cases(CASES)


# ---------------------------------------------------------------------------- swell

def test_swell_row_gives_up_on_time_however_big_its_expressions(results):
    r = results["swell_one_row"]
    assert r["gave_up"] and re.fullmatch(r"gave up after 1 s \(while .+, [\d.]+ s of it\)", r["status"]), r
    assert r["seconds"] < 15  # the limit is 1 s; before the fix the parent worked on for minutes


def test_swell_skips_rows_larger_than_one_that_gave_up(results):
    r = results["swell_many_rows"]
    assert r["rows"] + r["skipped"] == 100_000 and r["rows"] < 20, r
    assert r["gave_up"][-1] == r["last_run"] and "skip_larger=False) runs them" in r["note"]
    assert r["seconds"] < 30


def test_swell_rising_rows_each_within_the_limit(results):
    r = results["swell_rising_rows"]
    assert r["ns"] + r["skipped"] == list(range(14, 31))
    for status in r["statuses"]:
        assert status == "ok" or status.startswith(("gave up after 0.5 s", "skipped from ")), status
    assert any(s.startswith("gave up") for s in r["statuses"])
    assert r["seconds"] < 17 * 0.5 + 30  # each row within its 0.5 s, and the start-up of its worker


def test_swell_worker_dies_with_its_parent(tmp_path):
    """Issue 20: after ``diffkit swell`` was killed its worker lived on (15 minutes, 325 MB)."""
    pidfile = tmp_path / "worker.pid"
    script = tmp_path / "study.py"
    script.write_text(
        "import os, sys, time\nimport diffkit as dk\n"
        "def family(n):\n"
        f"    open({str(pidfile)!r}, 'w').write(str(os.getpid()))\n"
        "    time.sleep(600)\n"
        "dk.symbolic.swell(family, n=[1], time_limit=500)\n")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    study = subprocess.Popen([sys.executable, str(script)], env=env)
    try:
        deadline = time.monotonic() + 60
        while not (pidfile.exists() and pidfile.read_text()) and time.monotonic() < deadline:
            time.sleep(0.1)
        worker = int(pidfile.read_text())
        assert _alive(worker)
        study.kill()
        study.wait(timeout=30)
        deadline = time.monotonic() + 30
        while _alive(worker) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _alive(worker), "the worker outlived the study"
    finally:
        study.kill()


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(") ")[-1][0] != "Z"  # a zombie is dead, waiting to be reaped
    except FileNotFoundError:
        return False
    except OSError:  # pragma: no cover - no /proc
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True


def test_swell_accepts_a_huge_finite_time_limit_and_refuses_infinity():
    t = dk.symbolic.swell(dk.examples.logistic_map, n=[2], time_limit=1e300)  # was OverflowError in poll()
    assert t.by_n[2].status == "ok" and t.by_n[2].sizes["nested"].nodes == 5
    with pytest.raises(dk.ArgumentError, match="positive, finite"):
        dk.symbolic.swell(dk.examples.logistic_map, n=[2], time_limit=float("inf"))


def test_swell_expressions_come_back_whole_in_plain_symbols():
    import sympy as sp

    row = dk.symbolic.swell(dk.examples.logistic_map, n=[3]).by_n[3]
    x = sp.Symbol("x")  # plain, as Expr.to_sympy() hands them out
    assert row.expressions["l"].free_symbols == {x}
    assert sp.expand(row.expressions["nested"] - sp.diff(row.expressions["l"], x)) == 0
    assert row.exact == sp.diff(row.expressions["l"], x).subs(x, sp.Rational(0.3))
    assert set(row.expressions) == {"l", "nested", "cse", "simplified"}


def test_swell_without_skipping_runs_every_row(monkeypatch):
    """skip_larger=False: a row after one that gave up still runs in full (here n = 2 after n = 3)."""
    import importlib
    import threading

    swell_module = importlib.import_module("diffkit.symbolic.swell")
    real = swell_module.derivative_along

    def hang_for_three(f, at, wrt):
        if len(f.graph) == 6:  # logistic_map(3)
            threading.Event().wait()
        return real(f, at, wrt)

    monkeypatch.setattr(swell_module, "derivative_along", hang_for_three)
    t = dk.symbolic.swell(dk.examples.logistic_map, n=[3, 4], time_limit=1.5)
    assert t.by_n[3].gave_up and t.by_n[4].status.startswith("skipped from running forward mode on (n = 3")
    assert "ad" not in t.by_n[4].errors and "nested" in t.by_n[4].sizes
    t = dk.symbolic.swell(dk.examples.logistic_map, n=[3, 4], time_limit=1.5, skip_larger=False)
    assert t.by_n[3].gave_up and t.by_n[4].status == "ok" and t.by_n[4].errors["ad"] < 1e-14


# ---------------------------------------------------------------------------- Symbolic and compare

def test_symbolic_gives_up_on_time_inside_one_sympy_call(results):
    r = results["symbolic_expand"]
    assert r["raised"] == "TimeLimitError" and r["stage"] == "expanding", r
    assert "time_limit=" in r["message"] and r["seconds"] < 15


def test_symbolic_gives_up_on_a_product_of_500_sums(results):
    r = results["symbolic_product"]
    assert r["raised"] == "TimeLimitError" and r["summary"].startswith("gave up after 1 s"), r


def test_compare_row_gives_up_and_the_rest_finish(results):
    r = results["compare_product"]
    assert r["symbolic"].startswith("gave up after 0.5 s"), r
    assert r["reference"].startswith("reverse (the symbolic reference gave up after 0.5 s")
    assert r["forward_error"] == 0.0


def test_a_time_limit_that_runs_out_leaves_sympy_as_it_was(monkeypatch):
    """An interrupted SymPy may be inside ``with evaluate(False)``; its switches are put back."""
    import sympy as sp

    from diffkit.symbolic.backends import SympyBackend

    def stuck(self, e, wrt, order=1):
        with sp.evaluate(False):
            while True:
                time.sleep(0.01)

    monkeypatch.setattr(SympyBackend, "diff", stuck)
    f = "x^7 - 3*x^5 + x/7"  # differentiated nowhere else, so not in the shared cache
    with pytest.raises(dk.TimeLimitError, match=r"gave up after 0.3 s \(while taking 1 derivative\)"):
        dk.Symbolic(time_limit=0.3).derivative(f, at={"x": 2.0})
    assert sp.Add(sp.Integer(1), sp.Integer(1)) == 2  # evaluation is on again
    # the same request again gives up at once: it already ran out of 0.3 s
    t0 = time.monotonic()
    with pytest.raises(dk.TimeLimitError, match="gave up at once") as info:
        dk.Symbolic(time_limit=0.2).derivative(f, at={"x": 2.0})
    assert time.monotonic() - t0 < 0.2 and info.value.summary.startswith("gave up at once")


def test_symbolic_time_limit_values():
    assert dk.Symbolic().time_limit == 10.0 and dk.Symbolic(time_limit=None).time_limit is None
    assert repr(dk.Symbolic(time_limit=60)) == "Symbolic(simplify=False, cse=False, backend='sympy', time_limit=60.0)"
    for bad in (0, -1, float("inf"), float("nan"), "10", True):
        with pytest.raises(dk.ArgumentError, match="pass None for no limit"):
            dk.Symbolic(time_limit=bad)
    # no limit, and a generous one, give the same derivative as ever
    r = dk.Symbolic(time_limit=None).gradient("x*y + sin(x)", at={"x": 1.0, "y": 2.0})
    assert r.gradient == {"x": 2.0 + np.cos(1.0), "y": 1.0}


# ---------------------------------------------------------------------------- cost estimates

def test_hessians_over_2000_variables_are_refused_with_their_estimate(results):
    fwd, sym = results["hessians_2000"]["forward"], results["hessians_2000"]["symbolic"]
    assert fwd["raised"] == sym["raised"] == "CostLimitError", results["hessians_2000"]
    assert "4,000,000 passes" in fwd["message"] and "5,997 ops" in fwd["message"]  # 2000^2 seeds, the chain's ops
    assert "2,003,000 passes" in sym["message"]  # 2000 gradients and 2000*2001/2 second derivatives
    assert "max_cost" in fwd["message"] and fwd["seconds"] < 5


@pytest.mark.parametrize("make, kind, passes", [
    (dk.ForwardMode, "gradient", lambda n, m: n), (dk.ForwardMode, "jacobian", lambda n, m: n),
    (dk.ForwardMode, "hessian", lambda n, m: n * n), (dk.ReverseMode, "gradient", lambda n, m: 1),
    (dk.ReverseMode, "jacobian", lambda n, m: m), (dk.ReverseMode, "hessian", lambda n, m: n),
])
def test_estimated_passes_are_the_passes_made(make, kind, passes):
    """The estimate is the engine's own count: for AD, its evaluations of the function."""
    f = dk.expr("x*y + sin(z), x - z") if kind == "jacobian" else dk.expr("x*y*z + sin(z)")
    r = getattr(make(), kind)(f, at={"x": 0.5, "y": 2.0, "z": -1.0})
    assert make()._passes(kind, 3, f.n_outputs) == passes(3, f.n_outputs) == r.ops.evals


def test_cost_limit_can_be_raised_and_compare_shows_the_refusal():
    from limits_driver import _chain

    f = _chain(60)
    at = {v: 0.5 for v in f.variables}
    forward = dk.ForwardMode()
    forward.max_cost = 60 * len(f.graph) - 1  # one op below what the gradient needs
    with pytest.raises(dk.CostLimitError, match=r"about 60 passes") as info:
        forward.gradient(f, at=at)
    assert info.value.estimate == 60 * len(f.graph) and isinstance(info.value, dk.LimitError)
    c = dk.compare(f, at=at, methods=[forward, "reverse"], reference="reverse")
    assert re.fullmatch(r"refused: about [\d.e+]+ op applications, above max_cost = [\d.e+]+",
                        c.table().column("gradient")[0])
    forward.max_cost = None
    assert np.allclose(forward.gradient(f, at=at).array, dk.ReverseMode().gradient(f, at=at).array, rtol=1e-14)


# ---------------------------------------------------------------------------- load: refused before allocating

@pytest.mark.parametrize("case, match", [
    ("load_deflate_bomb", "compressed"),
    ("load_huge_header", r"declares shape \(1099511627776,\) of float64 \(8,796,093,022,208 bytes\) but holds 64"),
    ("load_fifo", "is a FIFO"),
    ("load_dev_zero", "is a device"),
])
def test_load_refuses_before_allocating_or_blocking(results, case, match):
    r = results[case]
    assert r["raised"] == "StateFileError" and re.search(match, r["message"]), r
    assert r["seconds"] < 10


def test_interrupt_is_not_left_pending_after_the_work():
    """A limit that runs out just as the work finishes must not go off later, in other code."""
    from diffkit.limits import within

    for seconds in (1e-6, 1e-4, 1e-3, 5e-3):
        for _ in range(20):
            try:
                within(seconds, "a short job", lambda clock: sum(range(2000)))
            except dk.TimeLimitError:
                pass
        total = 0
        for k in range(200_000):  # an interrupt left pending would land here
            total += k
        assert total == 199_999 * 100_000


def test_sigalrm_handlers_are_left_alone():
    """The time limit uses no signals: a program's own SIGALRM handler stays in place."""
    before = signal.getsignal(signal.SIGALRM)
    dk.Symbolic(time_limit=5).gradient("x^2", at={"x": 1.0})
    assert signal.getsignal(signal.SIGALRM) is before
