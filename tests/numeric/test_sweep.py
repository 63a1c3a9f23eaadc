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
        labels = [ln.get_label() for ln in ax.get_lines()]  # the legend is the figure's, below the panels
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


# -- the complex step as a sweep scheme ---------------------------------------------------------------------
EPS64, EPS32 = float(np.finfo(np.float64).eps), float(np.finfo(np.float32).eps)


@pytest.fixture(scope="module")
def csweep():
    return dk.numeric.step_sweep("exp(x)", at=1.0, schemes=["forward", "central", "complex"],
                                 h=np.logspace(-16, 0, 161), dtype=["float64", "float32"])


def test_complex_step_stays_at_machine_precision_for_tiny_h(csweep):
    h, err = csweep.h, csweep.errors["complex", "float64"]
    tiny = (h >= 1e-16 * 0.999) & (h <= 1e-10 * 1.001)
    assert tiny.sum() == 61 and np.isfinite(err[tiny]).all()
    assert err[tiny].max() <= 4 * EPS64 * math.e
    # central differences at the same steps have lost most of their digits to cancellation
    i = int(np.argmin(np.abs(np.log10(h) + 12)))
    assert csweep.errors["central", "float64"][i] > 1e-6 > 1e-15 > err[i]
    assert csweep.best()["complex", "float64"].error <= 4 * EPS64 * math.e


def test_complex_step_model_closed_form_and_truncation_match(csweep):
    for d, eps in [("float64", EPS64), ("float32", EPS32)]:
        t = csweep.theory()["complex", d]
        assert isinstance(t, dk.numeric.theory.ComplexStepChoice)
        assert (t.truncation_slope, t.rounding_slope) == (2, 0)
        # f' = f''' = e at x = 1: h* = sqrt(6 eps), E(h*) = 2 eps e
        assert t.h == pytest.approx(math.sqrt(6 * eps), rel=1e-12)
        assert t.error == pytest.approx(2 * eps * math.e, rel=1e-12)
        assert t.f_scale == pytest.approx(math.e) and t.deriv_scale == pytest.approx(math.e)
        # the measured floor is within the model's (a bound), and not orders of magnitude below it
        b = csweep.best()["complex", d]
        assert t.error / 20 <= b.min_error <= t.error and b.error <= t.error  # b.error may be 0 (exact)
    # well into truncation the error is e h^2 / 6 (1 - h^2/20 + ...)
    h, err = csweep.h, csweep.errors["complex", "float64"]
    m = (h >= 1e-4) & (h <= 1e-2)
    model = csweep.theory()["complex", "float64"].curve(h[m])
    np.testing.assert_allclose(err[m], model, rtol=1e-4)
    np.testing.assert_allclose(err[m], math.e * h[m] ** 2 / 6, rtol=1e-4)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_complex_step_slopes_two_and_zero(csweep, dtype):
    s = csweep.slopes()["complex", dtype]
    assert s.truncation == pytest.approx(2, abs=0.3)
    assert abs(s.rounding) < 0.3
    # the finite differences next to it keep their slopes
    assert csweep.slopes()["central", dtype].rounding == pytest.approx(-1, abs=0.25)


def test_complex_step_slopes_for_sin():
    s = dk.numeric.step_sweep("sin(x)", at={"x": 0.7}, schemes=["complex"])  # f''' = -cos(0.7) != 0
    sl = s.slopes()["complex"]
    assert sl.truncation == pytest.approx(2, abs=0.3) and abs(sl.rounding) < 0.3
    assert s.reference["float64"] == pytest.approx(math.cos(0.7), abs=1e-16)
    assert np.nanmax(s.errors["complex", "float64"][s.h <= 1e-9]) <= 4 * EPS64 * math.cos(0.7)


def test_complex_step_float32_uses_complex64(csweep):
    h, est, err = csweep.h, csweep.estimates["complex", "float32"], csweep.errors["complex", "float32"]
    assert est.dtype == np.float32
    small = h <= 1e-5  # far below h* = sqrt(6 eps32) ~ 8.5e-4: rounding only
    # float32's floor: at least the distance from e to the nearest float32 (8.7e-8), at most a few eps32 * e
    assert err[small].min() >= 8e-8
    assert err[small].max() <= 4 * EPS32 * math.e
    tiny = h <= 1e-9  # float64's rounding regime too (its h* is 3.7e-8)
    assert err[tiny].min() > 1e6 * csweep.errors["complex", "float64"][tiny].max()


def test_complex_step_leaves_finite_differences_unchanged(csweep):
    plain = dk.numeric.step_sweep("exp(x)", at=1.0, schemes=["forward", "central"], h=csweep.h,
                                  dtype=["float64", "float32"])
    for key in plain.keys():
        np.testing.assert_array_equal(plain.errors[key], csweep.errors[key])
        assert plain.theory()[key] == csweep.theory()[key]


def test_complex_step_order_two_and_float16_raise():
    with pytest.raises(dk.DiffkitError, match="'complex' scheme gives first derivatives only"):
        dk.numeric.step_sweep("exp(x)", at=1.0, schemes=["central", "complex"], order=2)
    with pytest.raises(dk.DiffkitError, match="'complex' scheme can't run in float16"):
        dk.numeric.step_sweep("exp(x)", at=1.0, schemes=["complex"], dtype="float16")
    with pytest.raises(dk.DiffkitError, match="float16"):
        dk.numeric.step_sweep("exp(x)", at=1.0, schemes=["central", "complex"], dtype=["float64", "float16"])
    # float16 still works for the finite differences
    s = dk.numeric.step_sweep("exp(x)", at=1.0, schemes=["central"], dtype="float16")
    assert s.best()["central"].error < 0.1


def test_complex_step_spellings():
    for spec in ["complex", "complex-step", "complex-2", ("complex", 2), dk.ComplexStep()]:
        s = dk.numeric.step_sweep("exp(x)", at=1.0, schemes=[spec], h=[1e-20, 1e-8])
        assert s.schemes == ["complex"]
        assert s.errors["complex", "float64"][0] <= 4 * EPS64 * math.e  # h = 1e-20 is fine: no cancellation
    with pytest.raises(dk.DiffkitError, match="accuracy order 2 only"):
        dk.numeric.step_sweep("exp(x)", at=1.0, schemes=["complex-4"])


def test_complex_step_warns_for_non_analytic_functions():
    with pytest.warns(dk.numeric.NumericWarning, match="complex-analytic.*abs") as rec:
        s = dk.numeric.step_sweep("abs(x)", at=1.0, schemes=["central", "complex"])
    assert any(w.filename == __file__ for w in rec)  # points at the caller of step_sweep
    # Im |1 + ih| = 0: the complex step gives 0, not 1
    np.testing.assert_array_equal(s.errors["complex", "float64"], 1.0)
    assert s.best()["central"].error < 1e-10
    with pytest.warns(dk.numeric.NumericWarning, match="relu"):
        dk.numeric.step_sweep("relu(x)", at=1.0, schemes=["complex"])


def test_complex_step_off_the_real_line_is_nan():
    with pytest.warns(dk.numeric.NumericWarning, match="not real-valued"):
        s = dk.numeric.step_sweep("log(x)", at=-1.0, schemes=["complex"], reference=-1.0)
    assert np.isnan(s.errors["complex", "float64"]).all()
    with pytest.raises(dk.DiffkitError, match="not real at the point"):
        dk.numeric.step_sweep("log(x)", at=-1.0, schemes=["central"])


def test_complex_step_without_third_derivative():
    s = dk.numeric.step_sweep("x^2", at=0.7, schemes=["complex"])  # f''' = 0: no truncation error
    t = s.theory()["complex"]
    assert t.h == math.inf and t.error == pytest.approx(EPS64 * 1.4)
    assert np.nanmax(s.errors["complex", "float64"]) <= 2 * EPS64 * 1.4
    assert math.isnan(s.slopes()["complex"].truncation) and abs(s.slopes()["complex"].rounding) < 0.3


def test_complex_step_table_and_reports(csweep):
    t = csweep.table()
    assert "complex float64" in t.columns and "complex float32" in t.columns
    col = np.array(t.column("complex float64"))
    np.testing.assert_array_equal(col, csweep.errors["complex", "float64"])
    assert col[0] <= 4 * EPS64 * math.e  # h = 1e-16: no NaN, unlike forward's
    assert math.isnan(t.column("forward float64")[0])
    th = csweep.theory()
    assert any("complex step" in n for n in th.notes)
    row = [r for r in th.rows if r[0] == "complex" and r[1] == "float64"][0]
    assert row[4:] == [2, 0]
    assert "complex" in str(csweep)


def test_complex_step_plot(csweep):
    import io

    from matplotlib.figure import Figure

    fig = csweep.plot()
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    for ax in fig.axes:
        assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
        labels = [ln.get_label() for ln in ax.get_lines()]  # the legend is the figure's, below the panels
        assert "complex (measured)" in labels and "complex model: slope 2 / 0" in labels
        assert any(lab.startswith("complex predicted optimum") for lab in labels)
        # the model curve: flat at eps*e for tiny h
        line = [ln for ln in ax.get_lines() if ln.get_label() == "complex model: slope 2 / 0"][0]
        y = np.asarray(line.get_ydata())
        eps = EPS64 if ax.get_title() == "float64" else EPS32
        assert y[0] == pytest.approx(eps * math.e) and y[-1] == pytest.approx(math.e / 6 + eps * math.e)
        # the y range reaches down to the complex step's floor
        assert ax.get_ylim()[0] < eps * math.e
    # float64: estimates equal to the reference (error 0) are drawn at half an ulp of e
    zero = [ln for ln in fig.axes[0].get_lines() if ln.get_label() == "complex: error 0, drawn at half an ulp"]
    assert zero and np.allclose(zero[0].get_ydata(), np.spacing(math.e) / 2)
    fig.savefig(io.BytesIO(), format="png")
