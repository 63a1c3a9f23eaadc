"""Step sweeps: the acceptance numbers, fitted slopes, tables and the figure."""

import math

import numpy as np
import pytest

import diffkit as dk

SCHEMES = ["forward", "central", "central-4"]


@pytest.fixture(scope="module")
def sweep():
    return dk.numeric.step_sweep("exp(x)", at={"x": 1.0}, schemes=SCHEMES, h=np.logspace(-16, 0, 161),
                                 dtype=["float64", "float32"])


def test_reference_is_exact(sweep):
    assert sweep.reference["float64"] == math.e
    assert sweep.reference["float32"] == math.e  # 1.0 is exact in float32 too


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("scheme", SCHEMES)
def test_predicted_optimum_within_10x_of_empirical_best(sweep, scheme, dtype):
    best, theory = sweep.best()[scheme, dtype], sweep.theory()[scheme, dtype]
    assert theory.h / 10 <= best.h <= theory.h * 10
    # the floor: measured error at the best h is within the model's minimum (a worst-case bound) and not far below
    assert theory.error / 100 <= best.error <= 1.5 * theory.error


def test_float64_floors_meet_the_issue(sweep):
    b = sweep.best()
    assert b["forward", "float64"].error <= 1e-7
    assert b["central", "float64"].error <= 1e-10
    assert b["central-4", "float64"].error <= 1e-12
    # float32's floor is much larger, as its epsilon predicts
    assert b["central", "float32"].error > 1e4 * b["central", "float64"].error


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("scheme, p", [("forward", 1), ("central", 2), ("central-4", 4)])
def test_slopes_truncation_p_and_rounding_minus_one(sweep, scheme, p, dtype):
    s = sweep.slopes()[scheme, dtype]
    assert s.truncation == pytest.approx(p, abs=0.25)
    assert s.rounding == pytest.approx(-1, abs=0.25)


def test_second_derivative_sweep_rounding_slope_minus_two():
    s = dk.numeric.step_sweep("sin(x)", at={"x": 0.7}, schemes=["central"], order=2)
    sl = s.slopes()["central"]
    assert sl.truncation == pytest.approx(2, abs=0.25) and sl.rounding == pytest.approx(-2, abs=0.3)
    assert s.reference["float64"] == pytest.approx(-math.sin(0.7), abs=1e-16)


def test_table_and_reports(sweep):
    t = sweep.table()
    assert isinstance(t, dk.Table) and len(t) == 161
    assert t.columns[0] == "h" and "central-4 float32" in t.columns
    assert "float64" in str(sweep) and "<table" in sweep._repr_html_()
    assert sweep.best()[0]["scheme"] == "forward"  # also a Table
    assert "predicted h" in sweep.theory().to_markdown()
    # steps that round to zero give NaN, not an error
    assert math.isnan(t.column("forward float64")[0])


def test_user_reference_and_multivariable_point():
    s = dk.numeric.step_sweep("x*y + sin(x)", at={"x": 0.5, "y": 2.0}, wrt="x", schemes=["central"],
                              reference=2 + math.cos(0.5))
    assert s.best()["central"].error < 1e-10


def test_to_frame_needs_pandas_or_says_so(sweep):
    try:
        import pandas  # noqa: F401
    except ImportError:
        with pytest.raises(dk.DiffkitError, match="pandas"):
            sweep.to_frame()
    else:
        df = sweep.to_frame()
        assert df.shape == (161, 1 + 6)


def test_plot_has_both_dtypes_labelled_axes_and_optimum(sweep):
    from matplotlib.figure import Figure

    fig = sweep.plot()
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    for ax, dtype in zip(fig.axes, ["float64", "float32"]):
        assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
        assert "h" in ax.get_xlabel() and "error" in ax.get_ylabel()
        assert ax.get_title() == dtype
        labels = [t.get_text() for t in ax.get_legend().get_texts()]
        assert any("predicted optimum" in lab for lab in labels)
        texts = " ".join(t.get_text() for t in ax.texts)
        assert "rounding" in texts and "truncation" in texts
    import io

    fig.savefig(io.BytesIO(), format="png")


def test_bad_input():
    with pytest.raises(dk.DiffkitError, match="wrt"):
        dk.numeric.step_sweep("x*y", at={"x": 1.0, "y": 2.0})
    with pytest.raises(dk.DiffkitError, match="scheme"):
        dk.numeric.step_sweep("x^3", at=1.0, schemes=["sideways"])
    with pytest.raises(dk.DiffkitError, match="dtype"):
        dk.numeric.step_sweep("x^3", at=1.0, dtype="int8")
