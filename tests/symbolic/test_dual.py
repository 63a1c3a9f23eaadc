"""Dual numbers over the ops table's JVP rules; exact numbers through SymPy counterparts."""

import math

import pytest
import sympy as sp

import diffkit as dk
from diffkit.symbolic.dual import Dual, Exact, derivative_along, exact_derivative


def test_forward_mode_on_floats_matches_closed_form():
    v, d = derivative_along(dk.examples.lecture(), {"x1": 2.0, "x2": 5.0}, "x2")
    assert v == pytest.approx(11.652071455223084, rel=1e-15)
    assert d == pytest.approx(2.0 - math.cos(5.0), rel=1e-15)
    assert derivative_along(dk.expr("y*2"), {"y": 1.0}, "y")[1] == 2.0


def test_exact_is_exact_for_polynomials():
    v, d = exact_derivative(dk.examples.logistic_map(4), {"x": 0.3}, "x")
    xr = sp.Rational(0.3)
    l4 = dk.examples.logistic_map(4).to_sympy()
    assert d == sp.diff(l4, sp.Symbol("x")).subs(sp.Symbol("x"), xr)
    assert v.is_Rational and d.is_Rational


def test_exact_carries_fifty_digits_otherwise():
    _, d = exact_derivative(dk.expr("sin(x)*exp(x)"), {"x": 0.5}, "x")
    want = (sp.cos(sp.Rational(1, 2)) + sp.sin(sp.Rational(1, 2))) * sp.exp(sp.Rational(1, 2))
    assert abs(d - want.evalf(60)) < sp.Float("1e-45")


def test_types_compose():
    d = dk.sin(Dual(Exact(0.0), Exact(1.0)))
    assert d.primal.value == 0 and d.tangent.value == 1
    assert (Exact(0.5) * 2 + 1).value == 2
    assert repr(Exact(0.25)) == "Exact(1/4)"
