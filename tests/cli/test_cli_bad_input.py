"""The command line never shows a traceback for bad input (issue 20): each case in a fresh process.

The cases are the ``CLI_CASES`` of ``tests/reliability/bad_input_cases.py`` (the
rows of ``docs/bad_input.md``); here they run in a subprocess with a timeout
(``tests/cli_driver.py``: one process for all, a SIGALRM per case), and each
must exit with its status, say one line on stderr when it fails, and never
print a traceback. A few process-level behaviours (exit status of the real
process, a reader that goes away) run as real ``python -m diffkit`` processes.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(TESTS), str(TESTS / "reliability")]

from bad_input_cases import CLI_CASES, TMP  # noqa: E402
from cli_driver import run_commands  # noqa: E402


@pytest.fixture(scope="module")
def results():
    return dict(zip((c.situation for c in CLI_CASES), run_commands([c.argv for c in CLI_CASES], cwd=TMP)))


@pytest.mark.parametrize("case", CLI_CASES, ids=[c.situation for c in CLI_CASES])
def test_cli_case_in_a_fresh_process(case, results):
    import re

    res = results[case.situation]
    err = [line for line in res["stderr"].splitlines() if line.strip()]
    assert "Traceback" not in res["stderr"], f"{case.code}:\n{res['stderr']}"
    assert res["status"] == case.status, f"{case.code}: status {res['status']}\n{res['stderr']}"
    if case.status == 0:
        text = res["stdout"] if case.stdout else res["stderr"]
        assert re.search(case.match, text, re.M), f"{case.code}: {case.match!r} not in\n{text}"
    elif case.argv:  # a failure is one line
        assert len(err) == 1 and err[0].startswith("diffkit"), f"{case.code}:\n{res['stderr']}"
        assert re.search(case.match, err[0]), f"{case.code}: {case.match!r} not in {err[0]!r}"


def _diffkit(*argv: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "diffkit", *argv], capture_output=True, text=True, timeout=120,
                          env={**os.environ}, **kw)


def test_no_arguments_prints_help_and_exits_2():
    proc = _diffkit()
    assert proc.returncode == 2 and "usage: diffkit" in proc.stderr and "Exit status" in proc.stderr


def test_a_reader_that_goes_away_is_no_error(tmp_path):
    """``diffkit eval ... | head -1``: no BrokenPipeError traceback, the command's own status."""
    program = tmp_path / "long.txt"  # a primal trace of ~6000 lines, more than a pipe holds
    program.write_text("s0 = x\n" + "".join(f"s{k} = s{k - 1} + x*{k}\n" for k in range(1, 3000)))
    proc = subprocess.Popen([sys.executable, "-m", "diffkit", "eval", "-f", str(program), "--at", "x=1"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    first = proc.stdout.readline()
    proc.stdout.close()  # as head does after one line
    err = proc.stderr.read()
    assert proc.wait(timeout=120) == 0, err
    assert first == "Forward primal trace\n"
    assert "Traceback" not in err and "BrokenPipe" not in err, err
