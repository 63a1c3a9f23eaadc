"""The study figures (error against h, swell, op counts): content, and what a reader can see."""

import math

import numpy as np
import pytest
from figure_checks import assert_house_style, data_points, drawn, points_under
from matplotlib.patches import Rectangle

import diffkit as dk
from diffkit.plot.swell import FLOAT64_DIGITS, correct_digits


@pytest.fixture(scope="module")
def sweep():
    return dk.numeric.step_sweep(dk.examples.lecture(), at=dk.examples.LECTURE_POINT, wrt="x1",
                                 schemes=["forward", "central"], dtype=["float64", "float32"])


@pytest.fixture(scope="module")
def swell_table():
    return dk.symbolic.swell(dk.examples.logistic_map, n=range(1, 7))


def test_error_vs_h_figure(sweep, tmp_path):
    fig = dk.plot.error_vs_h(sweep, save=tmp_path / "e.svg")
    assert [ax.get_title() for ax in fig.axes] == ["float64", "float32"]
    for ax in fig.axes:
        assert ax.get_xscale() == ax.get_yscale() == "log" and ax.get_xlabel() == "step h"
        full = [ln for ln in ax.lines if len(ln.get_xdata()) == len(sweep.h)]
        assert len(full) == 4  # measured and model, per scheme
        stars = [ln for ln in ax.lines if ln.get_marker() == "*"]
        for star, scheme in zip(stars, sweep.schemes):  # each star sits at the model's optimum
            th = sweep.theory()[scheme, ax.get_title()]
            assert star.get_xdata()[0] == th.h and star.get_ydata()[0] == th.error
    (legend,) = fig.legends
    labels = [t.get_text() for t in legend.get_texts()]
    assert "forward, measured (p = 1)" in labels and "central, measured (p = 2)" in labels
    title = legend.get_title().get_text()
    assert "k = 1: order of the derivative" in title and "p: accuracy order" in title
    assert (tmp_path / "e.svg").read_text().startswith("<?xml")
    assert_house_style(fig)


def test_error_vs_h_regime_labels_cover_no_data(sweep):
    """The 'rounding' / 'truncation' labels sit in a band kept free of data, with k and p named."""
    fig = dk.plot.error_vs_h(sweep)
    for ax in fig.axes:
        labels = [t for t in ax.texts if t.get_text().startswith(("rounding", "truncation"))]
        assert [t.get_text().split("\n")[1] for t in labels] == ["slope $-k$", "slope $p$"]
        for t in labels:
            assert points_under(t, ax) == 0, (ax.get_title(), t.get_text())


def test_error_vs_h_says_where_x_plus_h_rounds_to_x(sweep):
    """float32 has no difference quotient below h ~ 1e-7 (x + h == x): the figure hatches it and says so."""
    fig = dk.plot.error_vs_h(sweep)
    f64, f32 = fig.axes
    note = [t for t in f32.texts if "x + h == x" in t.get_text()]
    assert len(note) == 1 and "float32" in note[0].get_text() and points_under(note[0], f32) == 0
    x0 = np.float32(2.0)
    hatched = [p for p in f32.patches if p.get_hatch()]
    (span,) = hatched
    assert isinstance(span, Rectangle)  # axvspan: x in data coordinates
    right = span.get_x() + span.get_width()
    # every step left of the hatch rounds away in float32, and the first step right of it does not
    assert all(x0 + np.float32(h) == x0 for h in sweep.h[sweep.h <= right])
    assert x0 + np.float32(sweep.h[sweep.h > right][0]) != x0
    assert not [t for t in f64.texts if "x + h == x" in t.get_text()]  # too narrow there: the legend says it


def test_sweep_plot_is_the_same_figure(sweep):
    fig = sweep.plot()
    assert len(fig.legends) == 1 and [ax.get_title() for ax in fig.axes] == ["float64", "float32"]


def test_error_vs_h_runs_its_own_sweep():
    fig = dk.plot.error_vs_h(f="sin(x)", at={"x": 0.5}, schemes=["central"], dtype="float64")
    assert len(fig.axes) == 1


def test_complex_step_zero_errors_are_drawn_and_explained():
    s = dk.numeric.step_sweep("exp(x)", at=1.0, schemes=["central", "complex"])
    fig = dk.plot.error_vs_h(s)
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "error exactly 0 (drawn at half an ulp)" in labels
    floor = float(np.spacing(np.exp(1.0))) / 2
    (ax,) = fig.axes
    assert any(ln.get_marker() == "v" and np.all(ln.get_ydata() == floor) for ln in ax.lines)


def test_correct_digits():
    assert correct_digits(1e-6) == pytest.approx(6.0)
    assert correct_digits(2.0) == 0.0 and correct_digits(math.inf) == 0.0
    assert correct_digits(0.0) == pytest.approx(-math.log10(2.0 ** -53)) == FLOAT64_DIGITS


def test_swell_figure(swell_table, tmp_path):
    fig = dk.plot.swell(swell_table, save=tmp_path / "swell.png")
    sizes, digits = fig.axes
    assert sizes.get_yscale() == "log" and sizes.get_xlabel() == "n" and "size" in sizes.get_ylabel()
    labels = [t.get_text() for t in sizes.get_legend().get_texts()]
    assert "AD trace (ops in one evaluation)" in labels and "derivative with CSE (DAG)" in labels
    tree = next(line for line in sizes.lines if line.get_label().startswith("derivative as differentiated"))
    assert list(tree.get_xdata()) == [1, 2, 3, 4, 5, 6]
    assert list(tree.get_ydata()) == swell_table.series("d_nested")[1]
    expanded = next(line for line in digits.lines if line.get_label() == "expanded")
    errs = swell_table.series("err_simplified")[1]
    assert list(expanded.get_ydata()) == pytest.approx([correct_digits(e) for e in errs])
    assert (tmp_path / "swell.png").stat().st_size > 10_000
    assert_house_style(fig)


def test_swell_series_that_coincide_stay_distinguishable(swell_table):
    """l_n and the expanded derivative (and the nested and CSE'd errors) nearly coincide: each pair of
    series in a panel differs in marker, marker fill or line style, so none hides another."""
    fig = dk.plot.swell(swell_table)
    for ax in fig.axes:
        series = [ln for ln in ax.lines if len(ln.get_xdata()) > 2]
        looks = [(ln.get_marker(), ln.get_markerfacecolor() == "none", ln.get_linestyle()) for ln in series]
        assert len(set(looks)) == len(looks), looks


def test_swell_axes_are_readable(swell_table):
    """Sizes: a tick every decade; accuracy: correct digits every 2, the no-digit line labelled."""
    fig = dk.plot.swell(swell_table)
    sizes, digits = fig.axes
    drawn(fig)
    lo, hi = sizes.get_ylim()
    ticks = [t for t in sizes.get_yticks() if lo <= t <= hi]
    assert np.allclose(np.diff(np.log10(ticks)), 1.0)
    lo, hi = digits.get_ylim()
    assert np.allclose(np.diff([t for t in digits.get_yticks() if lo <= t <= hi]), 2.0)
    labels = [t.get_text() for t in digits.get_legend().get_texts()]
    assert "error ≥ 100%: no digit right" in labels
    zero = next(ln for ln in digits.lines if ln.get_label().startswith("error ≥ 100%"))
    assert set(zero.get_ydata()) == {0.0}


def test_op_counts_figure():
    study = dk.op_count_study(ns=[1, 2, 4], ms=[1, 2, 4])
    fig = dk.plot.op_counts(study)
    left, right = fig.axes
    fwd = next(ln for ln in left.lines if ln.get_label() == "forward mode")
    assert list(fwd.get_ydata()) == [r["forward prim"] for r in study if r["m"] == 1]
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["forward mode", "reverse mode"]
    assert_house_style(fig)
    assert len(data_points(right)) == 6
