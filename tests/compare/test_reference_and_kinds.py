"""compare(): a reference in higher precision than the working dtype, and Hessians and order-k derivatives
(issue 16, item 11)."""

import math

import numpy as np
import pytest

import diffkit as dk

LECTURE = "log(x1) + x1*x2 - sin(x2)"


def test_float32_comparison_is_measured_against_a_30_digit_reference():
    at = {"x1": np.float32(2.0), "x2": np.float32(5.0)}
    c = dk.compare(LECTURE, at=at, methods=["reverse", "symbolic"])
    exact = [0.5 + 5.0, 2.0 - math.cos(5.0)]  # the point is exact in float32
    np.testing.assert_array_equal(c.reference, exact)
    assert "30 digits" in c.reference_name and "float32" in c.reference_name
    assert "30 digits" in str(c)
    # the float32 symbolic evaluation is itself an ulp of float32 off: no longer the yardstick
    assert c.errors("symbolic")[0] > 1e-9 and c.errors("reverse")[0] > 1e-9


def test_many_grid_points_fall_back_to_float64_and_say_so():
    x = np.linspace(0.5, 2.0, 100)
    c = dk.compare("x^3", at={"x": x}, methods=["reverse"])
    assert "float64" in c.reference_name and "30 digits" not in c.reference_name
    assert c.errors("reverse")[0] < 1e-13


def test_compare_hessians_and_higher_derivatives():
    h = dk.compare(LECTURE, at={"x1": 2.0, "x2": 5.0}, methods=["reverse", "central", "complex-step"],
                   kind="hessian")
    assert h.kind == "hessian" and h["reverse"].hessian.shape == (2, 2)
    assert h.errors("reverse")[0] < 1e-14 and h.errors("central")[0] < 1e-5
    d = dk.compare("exp(x) * sin(x)", at={"x": 0.7}, methods=["central", "richardson", "reverse"],
                   kind="derivative", order=3)
    assert d.kind == "derivative of order 3"
    assert d.errors("reverse")[0] < 1e-14 and d.errors("richardson")[0] < 1e-8 < d.errors("central")[0]
    with pytest.raises(dk.ArgumentError, match="kind"):
        dk.compare("x^2", at={"x": 1.0}, kind="laplacian")
