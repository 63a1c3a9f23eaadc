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


def test_the_symbolic_reference_keeps_the_methods_time_limit(monkeypatch):
    """The reference is built under the limits of the Symbolic in methods, not a fresh one's 10 s."""
    from diffkit.compare import reference

    used = []
    real = reference.symbolic_reference
    monkeypatch.setattr(reference, "symbolic_reference",
                        lambda *a, symbolic=None, **k: used.append(symbolic) or real(*a, symbolic=symbolic, **k))
    plain = dk.Symbolic(time_limit=7.5)
    dk.compare("x^3", at={"x": 2.0}, methods=[plain, "reverse"])
    dk.compare("x^3", at={"x": 2.0}, methods=[dk.Symbolic(simplify=True, time_limit=2.5), "reverse"])
    dk.compare("x^3", at={"x": 2.0}, methods=["reverse"])
    assert used[0] is plain
    assert used[1].time_limit == 2.5 and not used[1].simplify  # a variant's limit, the plain derivative
    assert used[2] is None  # no symbolic method: Symbolic()'s defaults


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
