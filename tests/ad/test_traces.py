"""The lecture's tables (lecture 004: f = ln x1 + x1 x2 - sin x2 at (2, 5))."""

import math
import unicodedata

import numpy as np
import pytest

import diffkit as dk
from diffkit.ad import forward_trace, reverse_trace

AT = {"x1": 2.0, "x2": 5.0}


def _rows(table):
    return [(r["node"], r["rule"], r["value"]) for r in table]


def test_forward_trace_matches_the_lecture():
    t = forward_trace(dk.examples.lecture(), at=AT, seed={"x1": 1.0})
    rows = _rows(t)
    primal = rows[:8]
    assert [(n, round(v, 3)) for n, _, v in primal] == [
        ("v_-1", 2.0), ("v_0", 5.0), ("v_1", 0.693), ("v_2", 10.0), ("v_3", -0.959), ("v_4", 10.693),
        ("v_5", 11.652), ("y_1", 11.652)]
    tangent = {n: (rule, v) for n, rule, v in rows[8:]}
    assert tangent["v\u0307_1"] == ("v\u0307_-1 / v_-1", 0.5)
    assert tangent["v\u0307_2"][0] == "v\u0307_-1 * v_0 + v_-1 * v\u0307_0"
    assert tangent["v\u0307_2"][1] == 5.0
    assert tangent["v\u0307_3"] == ("v\u0307_0 * cos v_0", 0.0)
    assert tangent["v\u0307_4"] == ("v\u0307_1 + v\u0307_2", 5.5)
    assert tangent["v\u0307_5"] == ("v\u0307_4 - v\u0307_3", 5.5)
    assert tangent["\u1e8f_1"][1] == 5.5  # y with a dot above, composed (NFC) as a user would type it


def test_reverse_trace_matches_the_lecture_row_by_row():
    t = reverse_trace(dk.examples.lecture(), at=AT)
    # compare in decomposed form: labels are composed (NFC) where Unicode has the letter (ȳ)
    adjoint = [(unicodedata.normalize("NFD", r["node"]), unicodedata.normalize("NFD", r["rule"]),
                round(r["value"], 3)) for r in t][8:]
    b = "\u0304"
    assert adjoint == [
        (f"v{b}_5", f"y{b}_1", 1.0),
        (f"v{b}_4", f"v{b}_5", 1.0),
        (f"v{b}_3", f"-v{b}_5", -1.0),
        (f"v{b}_1", f"v{b}_4", 1.0),
        (f"v{b}_2", f"v{b}_4", 1.0),
        (f"v{b}_0", f"v{b}_3 * cos v_0", -0.284),
        (f"v{b}_-1", f"v{b}_2 * v_0", 5.0),
        (f"v{b}_0", f"v{b}_0 + v{b}_2 * v_-1", 1.716),   # fan-out: accumulated
        (f"v{b}_-1", f"v{b}_-1 + v{b}_1 / v_-1", 5.5),   # fan-out: accumulated
        (f"x{b}1", f"v{b}_-1", 5.5),
        (f"x{b}2", f"v{b}_0", 1.716),
    ]
    assert t.rows[-1][-1] == pytest.approx(2 - math.cos(5.0), rel=1e-15)
    chain = [r["chain rule"] for r in t][8:]
    assert chain[7] == f"v{b}_0 + v{b}_2 \u2202v_2/\u2202v_0"


def test_traces_render_as_text_markdown_and_html():
    t = reverse_trace("log(x1) + x1*x2 - sin(x2)", at=AT)
    text, md, html = str(t), t.to_markdown(), t.to_html()
    for out in (text, md, html):
        assert "1.716" in out and "-0.284" in out and "11.652" in out
    assert md.count("\n| ") >= 19
    assert "<table" in html
    # combining accents take no column: the value column lines up
    lines = [ln for ln in text.splitlines()[3:22]]
    ends = {len(ln) - sum(ch in "\u0304\u0307" for ch in ln) for ln in lines}
    assert len(ends) == 1


def test_seed_by_name_and_array_points():
    t = forward_trace("x*y", at={"x": np.array([1.0, 2.0]), "y": 3.0}, seed="y")
    last = t.rows[-1][-1]
    np.testing.assert_allclose(last, [1.0, 2.0])


def test_unknown_seed_is_an_error():
    with pytest.raises(dk.ExpressionError, match="seed"):
        forward_trace("x*y", at={"x": 1.0, "y": 2.0}, seed={"z": 1.0})


def test_reverse_trace_seed_may_name_one_output():
    g = dk.expr("x*y, x + y")
    named = dk.ad.reverse_trace(g, at={"x": 1.0, "y": 2.0}, seed=g.graph.output_names[1])
    mapped = dk.ad.reverse_trace(g, at={"x": 1.0, "y": 2.0}, seed={g.graph.output_names[1]: 1.0})
    assert named.to_markdown() == mapped.to_markdown()
