"""numdifftools' ``src/numdifftools/tests/test_fornberg.py`` ported: weights, grid derivatives, and the
Cauchy-integral (Fornberg FFT) method, with numdifftools' inputs and tolerances.

``fd_weights``/``fd_weights_all`` become :func:`dk.numeric.stencil` on offsets, ``fd_derivative``
:func:`dk.numeric.grid_derivative` (numdifftools' stencils of ``2m + 1`` points inside and ``2m + 2``
at the edges, ``m = n // 2 + 2``, are diffkit's central and one-sided stencils of those widths), and
``derivative`` (Fornberg's method) :func:`diffkit.numeric.cauchy.cauchy_derivatives`. The true
derivatives of the example functions come from numdifftools (the test skips without it).
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

import diffkit as dk
from diffkit.numeric.cauchy import cauchy_derivatives


def _weights_on(offsets, order):
    """Weights of every offset (zero where diffkit's stencil dropped a zero weight)."""
    s = dk.numeric.stencil(offsets=offsets, order=order)
    w = dict(zip(s.offsets, s.float_weights))
    return np.array([w.get(o, 0.0) for o in offsets])


def test_all_weights():
    """test_fornberg.py::test_all_weights: derivatives 0 to 4 on the five points -2..2."""
    w = [_weights_on(list(range(-2, 3)), n) for n in range(5)]
    true_w = [[0.0, 0.0, 1.0, 0.0, 0.0],
              [0.0833333333333, -0.6666666666667, 0.0, 0.6666666666667, -0.0833333333333],
              [-0.0833333333333, 1.333333333333, -2.5, 1.333333333333, -0.083333333333],
              [-0.5, 1.0, 0.0, -1.0, 0.5],
              [1.0, -4.0, 6.0, -4.0, 1.0]]
    assert_allclose(w, true_w, atol=1e-12)


def test_weights():
    """test_fornberg.py::test_weights against numdifftools' table of central weights."""
    fornberg = pytest.importorskip("numdifftools.fornberg")
    for (n, m), (w, x) in fornberg.CENTRAL_WEIGHTS_AND_POINTS.items():
        assert len(w) == m
        assert_allclose([float(v) for v in dk.numeric.fornberg_weights([int(v) for v in x], n)], w, atol=1e-15)


def test_fd_derivative():
    """test_fornberg.py::test_fd_derivative: exp on 25 points of [-1, 1], derivatives 1 to 6."""
    x = np.linspace(-1, 1, 25)
    fx = np.exp(x)
    for n in range(1, 7):
        m = n // 2 + 2  # numdifftools: 2m + 1 points inside, 2m + 2 one-sided at the edges
        df = dk.numeric.grid_derivative(fx, x, order=n, accuracy=2 * m + 2 - 2 * ((n + 1) // 2),
                                        edge_accuracy=2 * m + 2 - n)
        assert_allclose(df[m:-m], fx[m:-m], atol=1e-5)
        assert_allclose(df[-m:], fx[-m:], atol=1e-4)
        assert_allclose(df[:m], fx[:m], atol=1e-4)


@settings(deadline=None, max_examples=4)
@given(st.floats(min_value=1e-1, max_value=0.98))
def test_high_order_derivative(x):
    """test_fornberg.py::test_high_order_derivative: derivatives 1 to 19 of numdifftools' example functions
    (r = 0.0059 as the initial radius), within rtol 1e-6 or min(error estimate, max(1e-6 |true|, 1e-8))."""
    ef = pytest.importorskip("numdifftools.example_functions")
    y = x
    for name in ef.function_names + ["arccosh", "arctanh"]:
        f, _ = ef.get_function(name, n=1)
        if name == "arccosh":
            y = y + 1
        vals, err = cauchy_derivatives(f, y, 20, r=0.0059)
        for n in range(1, 20):
            _, true_df = ef.get_function(name, n=n)
            if true_df is None:
                continue
            tval = true_df(y)
            aerr = min(err[n] + 1e-15, max(np.abs(tval) * 1e-6, 1e-8))
            assert_allclose(np.real(vals[n]), tval, rtol=1e-6, atol=aerr, err_msg=f"{name} n={n} at {y}")


def test_low_order_derivative_on_example_functions():
    """test_fornberg.py::test_low_order_derivative_on_example_functions (which only prints there): the
    derivatives of orders 0..10 at 0 (r = 0.06) agree with the closed forms within their error estimates."""
    cases = {
        "exp(z)": (np.exp, lambda k: 1.0),
        "exp(1j z)": (lambda z: np.exp(1.0j * z), lambda k: 1j ** k),
        "z**6": (lambda z: z**6, lambda k: 720.0 if k == 6 else 0.0),
        "1j + z + 1j z**2": (lambda z: 1.0j + z + 1.0j * z**2, lambda k: [1j, 1, 2j][k] if k < 3 else 0),
        "1/(1 - z)": (lambda z: 1.0 / (1.0 - z), lambda k: float(np.prod(np.arange(1, k + 1)))),
        "cos(z)": (np.cos, lambda k: [1, 0, -1, 0][k % 4]),
        "log1p(z)": (np.log1p, lambda k: 0.0 if k == 0 else (-1) ** (k + 1) * float(np.prod(np.arange(1, k)))),
    }
    for name, (f, true) in cases.items():
        der, err = cauchy_derivatives(f, 0.0, 10, r=0.06)
        for k in range(11):
            assert abs(der[k] - true(k)) <= err[k] + 1e-12 * max(1.0, abs(true(k))), (name, k, der[k], err[k])
