"""The truncation + rounding model: closed forms for the classic schemes."""

import math

import numpy as np
import pytest

import diffkit as dk


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
