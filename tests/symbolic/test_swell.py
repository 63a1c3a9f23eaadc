"""The swell study: the lecture's logistic-map table, growth rates, accuracy, time limit."""

import importlib
import re

import pytest
import sympy as sp

import diffkit as dk
from diffkit.symbolic.swell import COLUMNS

x = sp.Symbol("x")  # plain, as the table and Expr.to_sympy() hand it out

# The lecture's table (notes 004): l_n, d/dx l_n as written, and the simplified form.
LECTURE = {
    1: (x, sp.Integer(1), sp.Integer(1)),
    2: (4 * x * (1 - x), 4 * (1 - x) - 4 * x, 4 - 8 * x),
    3: (16 * x * (1 - x) * (1 - 2 * x) ** 2,
        16 * (1 - x) * (1 - 2 * x) ** 2 - 16 * x * (1 - 2 * x) ** 2 - 64 * x * (1 - x) * (1 - 2 * x),
        16 * (1 - 10 * x + 24 * x**2 - 16 * x**3)),
    4: (64 * x * (1 - x) * (1 - 2 * x) ** 2 * (1 - 8 * x + 8 * x**2) ** 2,
        128 * x * (1 - x) * (-8 + 16 * x) * (1 - 2 * x) ** 2 * (1 - 8 * x + 8 * x**2)
        + 64 * (1 - x) * (1 - 2 * x) ** 2 * (1 - 8 * x + 8 * x**2) ** 2
        - 64 * x * (1 - 2 * x) ** 2 * (1 - 8 * x + 8 * x**2) ** 2
        - 256 * x * (1 - x) * (1 - 2 * x) * (1 - 8 * x + 8 * x**2) ** 2,
        64 * (1 - 42 * x + 504 * x**2 - 2640 * x**3 + 7040 * x**4 - 9984 * x**5 + 7168 * x**6 - 2048 * x**7)),
}
COEFFS = {2: [-8, 4], 3: [16 * c for c in (-16, 24, -10, 1)],
          4: [64 * c for c in (-2048, 7168, -9984, 7040, -2640, 504, -42, 1)]}


@pytest.fixture(scope="module")
def logistic():
    return dk.symbolic.swell(dk.examples.logistic_map, n=range(1, 9))


def test_lecture_table_reproduced(logistic):
    for n, (l_n, d_n, simple) in LECTURE.items():
        row = logistic.by_n[n]
        assert sp.expand(row.expressions["l"] - l_n) == 0
        assert sp.expand(row.expressions["nested"] - d_n) == 0
        assert sp.expand(row.expressions["simplified"] - simple) == 0
        assert sp.expand(d_n - sp.diff(l_n, x)) == 0  # the lecture's table is self-consistent
        if n in COEFFS:
            assert sp.Poly(row.expressions["simplified"], x).all_coeffs() == COEFFS[n]
            assert sp.Poly(row.expressions["simplified"], x).degree() == 2 ** (n - 1) - 1
    # the symbolic differentiator gives the same expressions
    r = dk.Symbolic(simplify=True).derivative(dk.examples.logistic_map(4), at={"x": 0.3})
    assert sp.Poly(r.expressions, x).all_coeffs() == COEFFS[4]


def _ratios(values):
    return [b / a for a, b in zip(values, values[1:])]


def test_growth_rates(logistic):
    ns, nested = logistic.series("d_nested")
    assert ns == list(range(1, 9))
    _, cse = logistic.series("d_cse")
    _, ad = logistic.series("ad_trace")
    # unsimplified: exponential, every ratio from n = 4 on is above 2.5
    assert min(_ratios(nested)[3:]) > 2.5
    # CSE'd DAG: linear, the same number of new nodes per iteration (ratios fall towards 1)
    steps = [b - a for a, b in zip(cse[1:], cse[2:])]
    assert len(set(steps)) == 1, cse
    r = _ratios(cse)[3:]
    assert all(b < a for a, b in zip(r, r[1:])) and r[-1] < 1.2
    assert cse[-1] < nested[-1] / 100
    # AD trace: exactly linear, 3 ops per iteration of the map
    assert ad == [3 * (n - 1) for n in ns]
    # l_n's own tree doubles: the nested form shares nothing
    _, l_n = logistic.series("l_n")
    assert all(b == 2 * a + 2 for a, b in zip(l_n[1:], l_n[2:]))


def test_expanded_polynomial_loses_all_accuracy(logistic):
    row = logistic.by_n[8]
    assert row.errors["simplified"] > 1.0
    for form in ("nested", "cse", "ad"):
        assert row.errors[form] < 1e-12, form
    assert logistic.by_n[3].errors["simplified"] < 1e-14
    assert row.status == "ok" and not logistic.gave_up


def test_a_row_that_hangs_gives_up_and_keeps_what_finished(monkeypatch):
    """Independent of the machine's speed: the row's work is made to hang at a known stage (the worker is
    forked, so the patch reaches it), so the limit always runs out there, after the stages before it finished."""
    import threading

    swell_module = importlib.import_module("diffkit.symbolic.swell")  # the package's `swell` is the function

    monkeypatch.setattr(swell_module, "derivative_along", lambda *a, **k: threading.Event().wait())
    t = dk.symbolic.swell(dk.examples.logistic_map, n=[3], time_limit=2.0)
    row = t.by_n[3]
    assert row.gave_up and t.gave_up == [3]
    assert re.fullmatch(r"gave up after 2 s \(while running forward mode, [\d.]+ s of it\)", row.status)
    assert row.ad_trace == 6 and row.sizes["nested"].nodes == 44 and "diff" in row.seconds  # kept
    assert "ad" not in row.seconds and "nested" not in row.errors  # not reached
    # what the limit measured: wall time of every stage, the timed t_ columns and the rest
    assert sum(row.stage_seconds.values()) == pytest.approx(2.0, abs=0.5)
    assert row.stage_seconds["ad"] > row.seconds["diff"]
    assert "wall time for the whole row" in str(t) and t.to_records()[0]["status"].startswith("gave up")


def test_progress_bar_names_the_stage(monkeypatch):
    swell_module = importlib.import_module("diffkit.symbolic.swell")

    seen = []
    real = swell_module._run_row

    def spy(*args, **kw):
        return real(*args[:-1], lambda n, stage: seen.append((n, stage)), **kw)

    monkeypatch.setattr(swell_module, "_run_row", spy)
    dk.symbolic.swell(dk.examples.logistic_map, n=[2], progress=True)
    assert seen[0] == (2, "building the expression") and (2, "differentiating") in seen and (2, "expanding") in seen


def test_renders_and_records(logistic):
    text, md, html = str(logistic), logistic.to_markdown(), logistic._repr_html_()
    assert "Expression swell" in text and "d_cse" in text
    assert md.splitlines()[2].startswith("| n | l_n |")
    assert "<table" in html and "<td" in html
    rec = logistic.to_records()
    assert list(rec[3]) == COLUMNS
    assert rec[3]["n"] == 4 and rec[3]["d_nested"] == 166 and rec[3]["d_cse"] == 25
    assert all(isinstance(r["t_diff"], float) for r in rec)


def test_other_families_swell_differently():
    t = dk.symbolic.swell(dk.examples.nested_products, n=range(2, 8))
    _, nested = t.series("d_nested")
    _, simple = t.series("d_simplified")
    assert max(_ratios(nested)[2:]) < 2 and _ratios(nested)[-1] < 1.45  # polynomial, not exponential
    assert all(b - a == 5 for a, b in zip(simple, simple[1:]))  # n coefficients, linear
    for row in t.results:
        assert row.errors["ad"] < 1e-14 and row.errors["nested"] < 1e-14
    t = dk.symbolic.swell(dk.examples.exp_sin, n=range(1, 6), point={"x": 0.5})
    _, nested = t.series("d_nested")
    assert [b - a for a, b in zip(nested, nested[1:])] == [5, 9, 13, 17]  # quadratic
    assert all(row.errors["cse"] < 1e-13 for row in t.results)
    assert "x = 0.5" in str(t)


def test_symengine_backend_same_table():
    pytest.importorskip("symengine")
    a = dk.symbolic.swell(dk.examples.logistic_map, n=range(1, 6))
    b = dk.symbolic.swell(dk.examples.logistic_map, n=range(1, 6), backend="symengine")
    for n in range(1, 6):
        assert sp.expand(a.by_n[n].expressions["simplified"] - b.by_n[n].expressions["simplified"]) == 0
        assert a.by_n[n].sizes["simplified"] == b.by_n[n].sizes["simplified"]
        assert b.by_n[n].errors["simplified"] == a.by_n[n].errors["simplified"]


def test_bad_arguments():
    with pytest.raises(dk.ExpressionError, match="callable"):
        dk.symbolic.swell("logistic_map")
    with pytest.raises(ValueError, match="positive integers"):
        dk.symbolic.swell(dk.examples.logistic_map, n=[0, 1])
    with pytest.raises(ValueError, match="time_limit"):
        dk.symbolic.swell(dk.examples.logistic_map, n=[1], time_limit=0)
    with pytest.raises(dk.ExpressionError, match="no variable 'y'"):
        dk.symbolic.swell(dk.examples.logistic_map, n=[2], wrt="y")


def test_family_errors_become_error_rows():
    def broken(n):
        raise RuntimeError("boom")

    t = dk.symbolic.swell(broken, n=[1])
    assert t.by_n[1].status == "error: RuntimeError: boom"
    assert len(t) == 1 and t.by_n[1].sizes == {}


def test_in_process_fallback_measures_the_same():
    # what runs where 'fork' is missing: the same measurements, without a time limit
    from diffkit.symbolic.swell import _run_row

    row = _run_row(dk.examples.logistic_map, 4, "x", None, "sympy", 10.0, None)
    assert row.status == "ok"
    assert (row.sizes["nested"].nodes, row.sizes["nested"].cse, row.sizes["simplified"].nodes) == (166, 62, 35)
    assert row.errors["cse"] < 1e-14
