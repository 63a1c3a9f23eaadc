"""Every numeric result carries an error estimate, and a probably wrong one says so (issue 16, items 6 and 9;
issue 20's rounding items)."""

import math
import warnings

import numpy as np
import pytest

import diffkit as dk
from diffkit.numeric import NumericWarning

# numdifftools' Hamiltonian (tests/hamiltonian.py): two ions in a trap, positions near 2.8e-6
W = 2 * np.pi * 1e6
C = 2.307077552e-28  # (4 pi eps0)^-1 e^2
M = 39.96 * 1.66e-27
XOPT = np.array([-2.80305851e-06, 2.80311675e-06])
TRUE_H = np.array([[5.23748385e-12, -2.61873829e-12], [-2.61873829e-12, 5.23748385e-12]])


def potential(x):
    x = np.asarray(x)
    d = x[0] - x[1]
    return 0.5 * M * W**2 * np.sum(x**2, axis=0) + C / np.where(np.real(d) < 0, -d, d)


def test_hessian_estimates_bound_the_error_of_a_smooth_function():
    f = lambda x: np.exp(x[0]) * x[1] + np.sin(x[0] * x[1])  # noqa: E731
    x = np.array([0.3, 1.7])
    a, b = x
    true = np.array([[np.exp(a) * b - b * b * np.sin(a * b), np.exp(a) + np.cos(a * b) - a * b * np.sin(a * b)],
                     [0.0, -a * a * np.sin(a * b)]])
    true[1, 0] = true[0, 1]
    for method in ("central", "forward", "complex", "richardson"):
        est = dk.numeric.hessian(f, x, method=method, full_output=True)
        assert est.how == "measured" and est.reliable is True
        assert np.all(np.abs(est.value - true) <= est.error), method
        assert np.max(est.error) < {"forward": 1e-4}.get(method, 1e-6), method


def test_small_scale_hessian_warns_naming_the_entry_and_a_step_that_works():
    """Issue 16, item 6: at positions near 2.8e-6 the default steps give Hessian off-diagonals 100% wrong;
    now a NumericWarning names an entry and an h, and that h gives the right Hessian."""
    with pytest.warns(NumericWarning, match=r"hessian entry d2/dx\[0\].*try h=") as info:
        est = dk.numeric.hessian(potential, XOPT, full_output=True)
    assert not np.all(est.reliable)
    better = float(str(info[0].message).rsplit("try h=", 1)[1])
    assert 1e-11 < better < 1e-8
    with warnings.catch_warnings():
        warnings.simplefilter("error", NumericWarning)
        H = dk.numeric.hessian(potential, XOPT, h=better)
    np.testing.assert_allclose(H, TRUE_H, rtol=1e-4)


@pytest.mark.parametrize("method", [dk.FiniteDiff(), dk.ComplexStep(), dk.Richardson()])
def test_differentiators_warn_at_small_scale_and_complex_step_takes_a_real_step(method):
    f = dk.expr(f"{0.5 * M * W**2!r}*(x1^2 + x2^2) + {C!r}/(x2 - x1)")
    at = {"x1": XOPT[0], "x2": XOPT[1]}
    with pytest.warns(NumericWarning, match="hessian entry"):
        method.hessian(f, at=at)
    r = dk.ComplexStep(real_h=1e-9).hessian(f, at=at)
    np.testing.assert_allclose(r.hessian, TRUE_H, rtol=1e-4)  # TRUE_H has 9 digits: compare within it
    assert np.all(r.error_estimate < 1e-6 * np.abs(TRUE_H))


def test_rounding_larger_than_the_quotient_warns_with_a_better_step():
    """Issue 20: z - x at x = 0, z = 1e150 gave d/dx = 0 (exact: -1) in silence."""
    with pytest.warns(NumericWarning, match=r"entry d/dx = 0 .*rounding.*try h=") as info:
        r = dk.FiniteDiff().gradient("z - x", at={"x": 0.0, "z": 1e150})
    assert r.gradient["z"] == pytest.approx(1.0)
    assert r.error_estimate[r.wrt.index("x")] > 1e100  # d/dx = 0, honestly uncertain
    better = float(str(info[0].message).rsplit("try h=", 1)[1])
    assert dk.FiniteDiff(h=better).gradient("z - x", at={"x": 0.0, "z": 1e150}).gradient["x"] == \
        pytest.approx(-1, rel=1e-3)
    with pytest.warns(NumericWarning, match=r"d/dx\[0\]"):
        dk.numeric.gradient(lambda v: v[1] - v[0], [0.0, 1e150])


def test_denormal_points_never_give_zero_with_a_zero_error_estimate():
    """Issue 16, item 9: x = 1.2e-314."""
    x = 1.2e-314
    for method in ("central", "complex", "richardson"):
        est = dk.numeric.derivative(lambda t: t**3 + t, x, method=method, full_output=True)
        assert abs(est.value - (3 * x * x + 1)) <= est.error and est.error > 0, method
        est = dk.numeric.derivative(lambda t: t * t, x, method=method, full_output=True)
        assert abs(est.value - 2 * x) <= est.error and est.error > 0, method
    r = dk.ComplexStep().derivative("x^2", at={"x": x})
    assert abs(r.derivative - 2 * x) <= r.error_estimate and r.error_estimate > 0


def test_high_accuracy_on_a_function_with_near_poles_warns():
    """The Runge function 1/(1+x^2) has poles at +-i: accuracy 40 takes steps of about 0.8 and is 10% off."""
    with pytest.warns(NumericWarning, match="derivative"):
        d = dk.numeric.derivative(lambda x: 1 / (1 + x * x), 1.0, accuracy=40)
    assert abs(d + 0.5) > 1e-3


def test_model_estimate_for_gradients_and_measured_for_richardson():
    f = lambda x: np.sum(np.sin(x) * x**2, axis=0)  # noqa: E731
    x = np.linspace(-2, 2, 7)
    exact = np.cos(x) * x**2 + 2 * x * np.sin(x)
    est = dk.numeric.gradient(f, x, full_output=True)
    assert est.how == "model" and est.evals == 2 * x.size + 1
    # a model of unit-scale functions: its order of magnitude is right (the third derivative is 6 times f here)
    assert np.max(np.abs(est.value - exact)) <= 100 * np.max(est.error) and np.all(est.error < 1e-8)
    rich = dk.numeric.gradient(f, x, method="richardson", full_output=True)
    assert rich.how == "measured" and np.all(np.abs(rich.value - exact) <= rich.error)
    assert np.max(np.abs(rich.value - exact)) < 1e-12
    assert "error estimate" in str(est) and est.relative_error.shape == x.shape


def test_zero_within_rounding_does_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error", NumericWarning)
        H = dk.numeric.hessian(np.sum, np.ones(3))  # a linear function: zero up to rounding
        g = dk.numeric.gradient(lambda v: np.sum(v**2) + 3, np.zeros(3))
    assert np.all(np.abs(H) < 1e-6) and np.all(g == 0)


def test_warning_threshold_depends_on_the_dtype():
    assert dk.numeric.estimates.warn_rtol("float64") == 1e-3
    assert dk.numeric.estimates.warn_rtol("float16") == pytest.approx(math.sqrt(math.sqrt(2**-10)))
