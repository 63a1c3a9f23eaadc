"""diffkit's own erf and erfc (diffkit/expr/ops/kernels.py) against mpmath at 50 digits, with the
accuracy its docstring promises, on NumPy, on complex input (the complex step) and on array_api_strict."""

import math

import numpy as np
import pytest

from diffkit.expr.ops.kernels import erf, erf_kernel, erfc_kernel

mp = pytest.importorskip("mpmath")
mp.mp.dps = 50
EPS = 2.0**-52


def _relative(got, want):
    return abs(got - want) / abs(want)


def test_erf_to_a_few_units_in_the_last_place():
    xs = np.concatenate([np.linspace(-30, 30, 1201), np.geomspace(1e-300, 10, 100)])
    got = erf_kernel(np, xs)
    worst = max(_relative(g, float(mp.erf(mp.mpf(x)))) for g, x in zip(got, xs) if x != 0)
    assert worst < 8 * EPS  # the docstring's 1e-15


def test_erfc_to_2e_14_and_to_a_few_units_beyond_1_5():
    xs = np.linspace(-5, 26.5, 1261)
    got = erfc_kernel(np, xs)
    errors = np.array([_relative(g, float(mp.erfc(mp.mpf(x)))) for g, x in zip(got, xs)])
    assert errors.max() < 2e-14  # 1 - erf where erfc is below 1, on [1, 1.5)
    assert errors[xs >= 1.5].max() < 8 * EPS


def test_limits_signs_and_dtypes():
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # no inf - inf inside, even at the ends
        got = erf_kernel(np, np.array([0.0, -0.0, np.inf, -np.inf, 1e300]))
        assert got.tolist() == [0.0, 0.0, 1.0, -1.0, 1.0]
        assert erfc_kernel(np, np.array([np.inf, -np.inf, 40.0])).tolist() == [0.0, 2.0, 0.0]
    assert math.isnan(float(erf_kernel(np, np.nan))) and math.isnan(float(erfc_kernel(np, np.nan)))
    assert erf_kernel(np, np.ones(3, np.float32)).dtype == np.float32
    assert float(erf(np, 0.5)) == pytest.approx(float(erf_kernel(np, 0.5)), rel=4 * EPS)  # SciPy's, where present


@pytest.mark.parametrize("x", [-4.0, -0.3, 0.0, 0.7, 1.7, 2.5, 6.0])
def test_the_complex_step_gives_the_slope(x):
    """erf is analytic: Im erf(x + ih) / h is 2/sqrt(pi) exp(-x^2) to the last bits."""
    h = 1e-20
    want = 2 / math.sqrt(math.pi) * math.exp(-x * x)
    assert erf_kernel(np, complex(x, h)).imag / h == pytest.approx(want, rel=1e-14)
    assert erfc_kernel(np, complex(x, h)).imag / h == pytest.approx(-want, rel=1e-14)


def test_on_the_array_api():
    xps = pytest.importorskip("array_api_strict")
    xs = np.linspace(-6, 6, 49)
    np.testing.assert_allclose(np.asarray(erf_kernel(xps, xps.asarray(xs))), erf_kernel(np, xs), rtol=1e-15)
    np.testing.assert_allclose(np.asarray(erfc_kernel(xps, xps.asarray(xs))), erfc_kernel(np, xs), rtol=1e-15)
