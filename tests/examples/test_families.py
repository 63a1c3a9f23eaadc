"""The built-in swell families: values against closed forms, and input checks."""

import math

import pytest
import sympy as sp

import diffkit as dk

x = sp.Symbol("x")  # plain, as to_sympy() gives


def test_logistic_map_recurrence():
    v = 0.3
    for n in range(1, 8):
        assert float(dk.examples.logistic_map(n)(x=0.3)) == pytest.approx(v, rel=1e-12)
        v = 4 * v * (1 - v)


def test_nested_products_is_the_rising_factorial():
    for n in range(1, 7):
        f = dk.examples.nested_products(n)
        assert sp.expand(f.to_sympy() - sp.rf(x, n)) == 0
        assert float(f(x=2.0)) == math.factorial(n + 1)
        assert len(f.graph) == 2 * (n - 1)  # one add and one mul per factor, shared x


def test_exp_sin_composition():
    v = 0.4
    for n in range(1, 6):
        assert float(dk.examples.exp_sin(n)(x=0.4)) == pytest.approx(v, rel=1e-14)
        v = math.exp(math.sin(v))
    assert dk.examples.exp_sin(3).to_sympy() == sp.exp(sp.sin(sp.exp(sp.sin(x))))


def test_families_registry_and_checks():
    assert set(dk.examples.FAMILIES) == {"logistic_map", "nested_products", "exp_sin"}
    for fam in dk.examples.FAMILIES.values():
        assert fam(3).variables == ("x",)
        for bad in (0, -1, 2.5, True):
            with pytest.raises(ValueError, match="integer n >= 1"):
                fam(bad)
