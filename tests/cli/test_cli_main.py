"""The diffkit command: argument parsing and bad input (the studies are tested in test_tour)."""

import os
import subprocess
import sys

import pytest

from diffkit.cli import main, parse_at, parse_range


def test_parse_at():
    assert parse_at(["x1=2", "x2=5"]) == {"x1": 2.0, "x2": 5.0}
    assert parse_at(["x=1,y=-2e-3"]) == {"x": 1.0, "y": -0.002}


@pytest.mark.parametrize("bad", [["x"], ["=1"], ["x=abc"], ["x=1=2"]])
def test_parse_at_refuses(bad):
    from diffkit import DiffkitError

    with pytest.raises(DiffkitError, match="--at"):
        parse_at(bad)


def test_parse_range():
    assert list(parse_range("1..3")) == [1, 2, 3]
    assert list(parse_range("4")) == [1, 2, 3, 4]


def test_help_and_version(capsys):
    assert main(["--version"]) == 0
    assert "diffkit 0." in capsys.readouterr().out
    assert main([]) == 0
    out = capsys.readouterr().out
    for cmd in ("tour", "compare", "steps", "swell", "trace", "check"):
        assert cmd in out


def test_bad_expression_is_one_line_and_status_2(capsys):
    assert main(["eval", "sinn(x)", "--at", "x=1"]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err
    assert err.startswith("diffkit: error: unknown function 'sinn'") and "did you mean 'sin'" in err


def test_bad_at_is_status_2(capsys):
    assert main(["eval", "x", "--at", "x=abc"]) == 2
    assert "not a number" in capsys.readouterr().err


def test_eval_prints_trace(capsys):
    assert main(["eval", "log(x1) + x1*x2 - sin(x2)", "--at", "x1=2", "x2=5"]) == 0
    assert "11.652" in capsys.readouterr().out


def test_python_m_diffkit_is_the_same_command():
    out = subprocess.run([sys.executable, "-m", "diffkit", "--help"], capture_output=True, text=True,
                         env={**os.environ}, timeout=60)
    assert out.returncode == 0 and "usage: diffkit" in out.stdout


def test_at_may_be_repeated(capsys):
    from diffkit.cli import main

    assert main(["compare", "x*y", "--at", "x=2", "--at", "y=3", "--methods", "reverse"]) == 0
    assert "reverse" in capsys.readouterr().out
