"""findiff's coefficient tests (``tests/test_coefs.py``) ported to :func:`dk.numeric.stencil` and
:func:`dk.numeric.grid_derivative`'s non-uniform weights, with findiff's inputs and tolerances.

findiff's ``coefficients(deriv, acc)`` is ``stencil(scheme, order=deriv, accuracy=acc)`` for
"center", "forward" and "backward"; ``calc_coefs(deriv, offsets)`` is ``stencil(offsets=..., order=deriv)``.
diffkit's stencils drop the points whose weight is zero (the centre of a first derivative), so the
comparison fills them back in. The ``analytic_inv`` switch of findiff (two ways of solving for the
weights) has no counterpart: diffkit's weights are exact fractions.
"""

from fractions import Fraction

import numpy as np
import pytest

import diffkit as dk
from diffkit.numeric.grid import fornberg_weights_float


def coefs(scheme, deriv, acc):
    s = dk.numeric.stencil(scheme, order=deriv, accuracy=acc)
    offs = {"central": range(min(s.offsets), max(s.offsets) + 1)}.get(scheme, s.offsets)
    w = dict(zip(s.offsets, s.float_weights))
    return np.array([w.get(o, 0.0) for o in offs]), np.array(list(offs))


def test_order2_acc2():
    """test_coefs.py::test_order2_acc2."""
    c, o = coefs("central", 2, 2)
    np.testing.assert_array_almost_equal(np.array([1.0, -2.0, 1.0]), c)
    np.testing.assert_array_almost_equal(np.array([-1, 0, 1]), o)
    c, o = coefs("forward", 2, 2)
    np.testing.assert_array_almost_equal(np.array([2, -5, 4, -1]), c)
    np.testing.assert_array_almost_equal(np.array([0, 1, 2, 3]), o)
    c, o = coefs("backward", 2, 2)
    np.testing.assert_array_almost_equal(np.array([2, -5, 4, -1])[::-1], c)
    np.testing.assert_array_almost_equal(np.array([-3, -2, -1, 0]), o)


def test_order1_acc2():
    """test_coefs.py::test_order1_acc2."""
    c, o = coefs("central", 1, 2)
    np.testing.assert_array_almost_equal(np.array([-0.5, 0, 0.5]), c)
    np.testing.assert_array_almost_equal(np.array([-1, 0, 1]), o)
    c, o = coefs("forward", 1, 2)
    np.testing.assert_array_almost_equal(np.array([-1.5, 2, -0.5]), c)
    np.testing.assert_array_almost_equal(np.array([0, 1, 2]), o)
    c, o = coefs("backward", 1, 2)
    np.testing.assert_array_almost_equal(-np.array([-1.5, 2, -0.5])[::-1], c)
    np.testing.assert_array_almost_equal(np.array([-2, -1, 0]), o)


def test_order1_acc4():
    """test_coefs.py::test_order1_acc4."""
    c, o = coefs("central", 1, 4)
    np.testing.assert_array_almost_equal(np.array([1 / 12, -2 / 3, 0, 2 / 3, -1 / 12]), c)
    np.testing.assert_array_almost_equal(np.array([-2, -1, 0, 1, 2]), o)
    c, o = coefs("forward", 1, 4)
    np.testing.assert_array_almost_equal(np.array([-25 / 12, 4, -3, 4 / 3, -1 / 4]), c)
    np.testing.assert_array_almost_equal(np.array([0, 1, 2, 3, 4]), o)
    c, o = coefs("backward", 1, 4)
    np.testing.assert_array_almost_equal(-np.array([-25 / 12, 4, -3, 4 / 3, -1 / 4])[::-1], c)
    np.testing.assert_array_almost_equal(-np.array([0, 1, 2, 3, 4])[::-1], o)


def test_order2_acc4():
    """test_coefs.py::test_order2_acc4."""
    c, o = coefs("central", 2, 4)
    np.testing.assert_array_almost_equal(np.array([-1 / 12, 4 / 3, -2.5, 4 / 3, -1 / 12]), c)
    np.testing.assert_array_almost_equal(np.array([-2, -1, 0, 1, 2]), o)
    c, o = coefs("forward", 2, 4)
    np.testing.assert_array_almost_equal(np.array([15 / 4, -77 / 6, 107 / 6, -13, 61 / 12, -5 / 6]), c)
    np.testing.assert_array_almost_equal(np.array([0, 1, 2, 3, 4, 5]), o)
    c, o = coefs("backward", 2, 4)
    np.testing.assert_array_almost_equal(np.array([15 / 4, -77 / 6, 107 / 6, -13, 61 / 12, -5 / 6])[::-1], c)
    np.testing.assert_array_almost_equal(-np.array([0, 1, 2, 3, 4, 5])[::-1], o)


@pytest.mark.parametrize("deriv, offsets, acc", [(2, [-1, 0, 1], 2), (1, [-1, 0, 1], 2), (1, [-1, 0], 1),
                                                 (2, [0, 1, 2, 3], 2), (2, [-4, -2, 0, 2, 4], 4)])
def test_calc_accuracy_from_offsets(deriv, offsets, acc):
    """test_coefs.py::test_calc_accuracy_* (central, left/right, symbolic 1 and 2)."""
    assert dk.numeric.stencil(offsets=offsets, order=deriv).accuracy == acc


def test_calc_coefs_from_offsets():
    """test_coefs.py::test_calc_coefs_from_offsets, ..._no_central_point and ..._symbolic."""
    np.testing.assert_array_almost_equal(dk.numeric.stencil(offsets=[-2, 0, 1], order=1).float_weights,
                                         [-1.0 / 6, -0.5, 2.0 / 3])
    s = dk.numeric.stencil(offsets=[-2, 1, 2], order=1)
    w = dict(zip(s.offsets, s.float_weights))
    np.testing.assert_array_almost_equal([w.get(o, 0.0) for o in (-2, 1, 2)], [-1.0 / 4, 0, 1.0 / 4])
    assert list(dk.numeric.stencil(offsets=[-2, 0, 1], order=1).weights) == \
        [Fraction(-1, 6), Fraction(-1, 2), Fraction(2, 3)]


def test_calc_coefs_from_offsets_not_enough_points():
    """test_coefs.py::test_calc_coefs_from_offsets_not_enough_points."""
    with pytest.raises(ValueError):
        dk.numeric.stencil(offsets=[-2, 2], order=2)


def test_non_uniform():
    """test_coefs.py::test_non_uniform: the weights on coordinates equal the uniform ones over dx^2."""
    x = np.linspace(0, 10, 100)
    dx = x[1] - x[0]
    coefs_uni = np.array([1.0, -2.0, 1.0]) / dx**2
    coefs_non_uni = fornberg_weights_float((x[4:7] - x[5])[None, :], 2)[0]
    np.testing.assert_array_almost_equal(coefs_non_uni, coefs_uni)


def test_invalid_acc_and_deriv_raise_value_error():
    """test_coefs.py::test_invalid_acc_raises_exception and test_invalid_deriv_raises_exception."""
    for call in (lambda: dk.numeric.stencil("central", 1, 3), lambda: dk.numeric.stencil("central", 1, 0),
                 lambda: dk.numeric.stencil("central", -1, 2),
                 lambda: dk.numeric.grid_derivative(np.ones(10), np.linspace(0, 1, 10), accuracy=3),
                 lambda: dk.numeric.grid_derivative(np.ones(10), np.linspace(0, 1, 10), order=-1)):
        with pytest.raises(ValueError):
            call()
