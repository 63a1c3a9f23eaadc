"""dk.compare with every real method, against the issue's numbers."""

import math

import numpy as np
import pytest

import diffkit as dk
from diffkit.compare.runner import METHODS

F = "log(x1) + x1*x2 - sin(x2)"
AT = {"x1": 2.0, "x2": 5.0}
EXACT = [5.5, 2 - math.cos(5)]


@pytest.fixture(scope="module")
def table():
    return dk.compare(F, at=AT)


def test_every_method_runs(table):
    assert [r["method"] for r in table] == list(METHODS)
    for label in METHODS:
        np.testing.assert_allclose(table[label].array, EXACT, rtol=1e-6)


def test_accuracy_per_family(table):
    for label in ("complex-step", "forward-mode", "reverse", "symbolic-cse", "symbolic-simplified"):
        assert table.errors(label)[1] <= 1e-15, label
    assert table.errors("central")[1] <= 1e-9
    assert table.errors("central-4")[1] <= 1e-10
    assert table.errors("richardson")[1] <= 1e-12
    assert 1e-10 < table.errors("forward-difference")[1] <= 1e-6  # first order: visibly worse


def test_costs_are_counted(table):
    rows = {r["method"]: r for r in table}
    assert rows["reverse"]["f evals"] == 1
    assert rows["forward-mode"]["f evals"] == 2  # one pass per input
    assert rows["central"]["f evals"] == 5  # f(x) and 2 points per variable
    assert rows["complex-step"]["f evals"] == 3
    assert all(rows[m]["primitives"] > 0 for m in METHODS)


def test_jacobian_of_several_outputs():
    c = dk.compare("x*y, sin(x) + y^2", at={"x": 0.5, "y": 2.0},
                   methods=["symbolic", "central", "complex-step", "forward-mode", "reverse"])
    exact = np.array([[2.0, 0.5], [math.cos(0.5), 4.0]])
    assert c.kind == "jacobian"
    for label in ("symbolic", "complex-step", "forward-mode", "reverse"):
        np.testing.assert_allclose(c[label].jacobian, exact, rtol=1e-15)
    assert c.errors("central")[1] < 1e-8


def test_array_points():
    x = np.linspace(1.0, 2.0, 7)
    c = dk.compare(F, at={"x1": x, "x2": 5.0}, methods=["symbolic", "reverse", "central"])
    np.testing.assert_allclose(c["reverse"].gradient["x1"], 1 / x + 5.0, rtol=1e-15)
    assert c.errors("central")[1] < 1e-8


def test_cli_compare_prints_every_method(capsys):
    from diffkit.cli import main

    assert main(["compare", F, "--at", "x1=2", "x2=5"]) == 0
    out = capsys.readouterr().out
    for label in METHODS:
        assert label in out
    assert "1.716337815" in out and "5.5" in out
    assert main(["compare", F, "--at", "x1=2", "x2=5", "--format", "csv", "--methods", "reverse"]) == 0
    assert capsys.readouterr().out.startswith("method,family")
