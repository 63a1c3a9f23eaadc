"""Stencil weights against the textbook tables and against exact polynomial differentiation."""

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import diffkit as dk
from diffkit.numeric.stencils import fornberg_weights, stencil


def F(s):
    return Fraction(s)


@pytest.mark.parametrize("scheme, order, accuracy, offsets, weights, coef, q", [
    ("forward", 1, 1, (0, 1), ("-1", "1"), "1/2", 1),
    ("backward", 1, 1, (-1, 0), ("-1", "1"), "-1/2", 1),
    ("central", 1, 2, (-1, 1), ("-1/2", "1/2"), "1/6", 2),
    ("central", 1, 4, (-2, -1, 1, 2), ("1/12", "-2/3", "2/3", "-1/12"), "-1/30", 4),
    ("forward", 1, 2, (0, 1, 2), ("-3/2", "2", "-1/2"), "-1/3", 2),
    ("central", 2, 2, (-1, 0, 1), ("1", "-2", "1"), "1/12", 2),
    ("central", 2, 4, (-2, -1, 0, 1, 2), ("-1/12", "4/3", "-5/2", "4/3", "-1/12"), "-1/90", 4),
])
def test_textbook_stencils(scheme, order, accuracy, offsets, weights, coef, q):
    s = stencil(scheme, order, accuracy)
    assert s.offsets == offsets
    assert s.weights == tuple(F(w) for w in weights)
    assert s.error_coefficient == F(coef) and s.error_order == q


@given(order=st.integers(1, 4), accuracy=st.integers(1, 5), scheme=st.sampled_from(["forward", "backward"]))
def test_one_sided_stencils_exact_on_polynomials(order, accuracy, scheme):
    # A stencil of accuracy p differentiates polynomials of degree < k + p exactly.
    s = stencil(scheme, order, accuracy)
    for deg in range(order + accuracy):
        # d^k/dx^k x^deg at 0 is deg! if deg == k else 0; values x = o (h = 1)
        got = sum(w * Fraction(o) ** deg for o, w in zip(s.offsets, s.weights))
        want = Fraction(1) * np.prod(range(1, order + 1)) if deg == order else 0
        assert got == want


def test_weights_are_exact_fractions_and_names():
    assert all(isinstance(w, Fraction) for w in fornberg_weights([-2, -1, 0, 1, 2], 1))
    assert stencil("central", 1, 4).name == "central-4"
    assert stencil("forward").name == "forward"
    assert "1/12" in str(stencil("central", 1, 4))


def test_bad_stencils_raise():
    with pytest.raises(dk.DiffkitError, match="even"):
        stencil("central", 1, 3)
    with pytest.raises(dk.DiffkitError, match="scheme"):
        stencil("sideways", 1, 1)
    with pytest.raises(dk.DiffkitError, match="accuracy"):
        stencil("forward", 1, 0)
