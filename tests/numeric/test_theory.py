"""The truncation + rounding model: closed forms for the classic schemes."""

import math

import numpy as np
import pytest

import diffkit as dk
from diffkit.numeric.theory import ComplexStepChoice, complex_step_choice


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_forward_closed_form(dtype):
    # E = h/2 M + 2 eps F / h  ->  h* = 2 sqrt(eps F / M), E* = 2 sqrt(eps F M)
    eps = float(np.finfo(dtype).eps)
    s = dk.numeric.optimal_step("forward", dtype=dtype, f_scale=3.0, deriv_scale=5.0)
    assert s.h == pytest.approx(2 * math.sqrt(eps * 3 / 5), rel=1e-12)
    assert s.error == pytest.approx(2 * math.sqrt(eps * 3 * 5), rel=1e-12)


def test_central_closed_form():
    # E = h^2/6 M + eps F / h  ->  h* = (3 eps F / M)^(1/3)
    eps = float(np.finfo(np.float64).eps)
    s = dk.numeric.optimal_step("central", accuracy=2, dtype="float64")
    assert s.h == pytest.approx((3 * eps) ** (1 / 3), rel=1e-12)
    assert s.truncation_slope == 2 and s.rounding_slope == -1


@pytest.mark.parametrize("p", [2, 4, 6])
def test_exponent_is_one_over_p_plus_one(p):
    # h* scales as eps^(1/(p+1)): compare two eps values
    a = dk.numeric.optimal_step("central", accuracy=p, eps=1e-16).h
    b = dk.numeric.optimal_step("central", accuracy=p, eps=1e-10).h
    assert math.log(b / a) / math.log(1e6) == pytest.approx(1 / (p + 1), rel=1e-12)


def test_curve_minimum_is_at_h_star():
    s = dk.numeric.optimal_step("central", accuracy=4, dtype="float32", f_scale=2.0, deriv_scale=0.5)
    h = s.h * np.logspace(-1, 1, 2001)
    assert h[np.argmin(s.curve(h))] == pytest.approx(s.h, rel=3e-3)
    assert s.curve(s.h) == pytest.approx(s.error, rel=1e-12)


def test_bad_dtype():
    with pytest.raises(dk.DiffkitError, match="float"):
        dk.numeric.optimal_step(dtype="int32")


# -- the complex step's model --------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_complex_step_closed_form(dtype):
    # E = M h^2 / 6 + eps F: truncation = rounding at h* = sqrt(6 eps F / M), E(h*) = 2 eps F
    eps = float(np.finfo(dtype).eps)
    c = complex_step_choice(dtype, f_scale=3.0, deriv_scale=5.0)
    assert isinstance(c, ComplexStepChoice) and c.dtype == dtype and c.eps == eps
    assert c.h == pytest.approx(math.sqrt(6 * eps * 3 / 5), rel=1e-12)
    assert c.truncation == pytest.approx(c.rounding, rel=1e-12) and c.rounding == pytest.approx(3 * eps, rel=1e-12)
    assert c.error == pytest.approx(2 * 3 * eps, rel=1e-12)
    assert c.curve(c.h) == pytest.approx(c.error, rel=1e-12)
    assert (c.truncation_slope, c.rounding_slope) == (2, 0)
    assert (c.scheme, c.accuracy, c.order, c.stencil) == ("complex", 2, 1, None)


def test_complex_step_curve_is_flat_below_h_star_and_quadratic_above():
    c = complex_step_choice("float64", f_scale=2.0, deriv_scale=0.5)
    small = c.h * np.logspace(-10, -3, 8)
    np.testing.assert_allclose(c.curve(small), 2.0 * c.eps, rtol=1e-6)  # no 1/h growth
    t, r = c.terms(small)
    assert (r == 2.0 * c.eps).all() and (t < r * 1e-5).all()
    big = c.h * np.array([1e3, 1e4])
    slope = np.diff(np.log10(c.curve(big)))[0]
    assert slope == pytest.approx(2, abs=1e-5)
    # h* is the largest step where truncation <= rounding: a bit above it truncation wins
    t, r = c.terms([c.h * 0.99, c.h * 1.01])
    assert t[0] <= r[0] and t[1] > r[1]


def test_complex_step_no_third_derivative_and_bad_input():
    c = complex_step_choice(f_scale=2.0, deriv_scale=0.0)
    assert c.h == math.inf and c.truncation == 0.0 and c.error == c.rounding == 2.0 * dk.numeric.machine_eps("float64")
    assert complex_step_choice("complex64").dtype == "float32"
    assert complex_step_choice(eps=1e-10, f_scale=1.0, deriv_scale=6.0).h == pytest.approx(1e-5)
    with pytest.raises(dk.DiffkitError, match="finite"):
        complex_step_choice(f_scale=math.inf)
    with pytest.raises(dk.DiffkitError, match="float"):
        complex_step_choice("int32")
    assert "complex step" in str(c) and "<table" in c._repr_html_()


def test_step_choice_terms_add_up_to_curve():
    s = dk.numeric.optimal_step("central", accuracy=4, dtype="float32", f_scale=2.0, deriv_scale=0.5)
    h = np.logspace(-6, 0, 13)
    t, r = s.terms(h)
    np.testing.assert_array_equal(t + r, s.curve(h))
    assert t[-1] > r[-1] and t[0] < r[0]
    assert s.terms(s.h)[0] == pytest.approx(s.truncation) and s.terms(s.h)[1] == pytest.approx(s.rounding)
