"""HIPS autograd's ``tests/test_scalar_ops.py``, ported: every scalar op checked in both AD modes
against central differences to second order (``check_grads``, see ``check_grads.py``).

The functions are written as in the source, with NumPy's names applied to traced values
(``np.arccosh(x)``), so NumPy's ufunc dispatch onto the ops table is exercised too. The
inputs are the source's (``npr.randn()``, ``abs(npr.randn())``, ``10.0 * npr.rand()``, the
literals 1.1, 0.1, 0.2...), drawn from a legacy NumPy generator seeded with 1 as the
source seeds ``npr``; the tolerances are ``autograd.test_util``'s (1e-6 absolute or relative).
"""

import math

import numpy as np
import pytest
from check_grads import check_grads

import diffkit as dk

npr = np.random.RandomState(1)  # the source's npr.seed(1)


def _check(fun, *args, order=2):
    names = ["x", "y"][: len(args)]
    f = dk.trace(fun, variables=names)
    check_grads(f, dict(zip(names, args)), order=order)


def test_abs():
    """test_scalar_ops.py::test_abs"""
    fun = lambda x: 3.0 * np.abs(x)  # noqa: E731 - as in the source
    _check(fun, 1.1)
    _check(fun, -1.1)
    _check(fun, 0.0, order=1)


def test_absolute():
    """test_scalar_ops.py::test_absolute"""
    fun = lambda x: 3.0 * np.absolute(x)  # noqa: E731
    _check(fun, 1.1)
    _check(fun, -1.1)
    _check(fun, 0.0, order=1)


def test_sin():
    """test_scalar_ops.py::test_sin"""
    _check(lambda x: 3.0 * np.sin(x), npr.randn())


def test_sign():
    """test_scalar_ops.py::test_sign"""
    fun = lambda x: 3.0 * np.sign(x)  # noqa: E731
    _check(fun, 1.1)
    _check(fun, -1.1)


def test_exp():
    """test_scalar_ops.py::test_exp"""
    _check(lambda x: 3.0 * np.exp(x), npr.randn())


def test_log():
    """test_scalar_ops.py::test_log"""
    _check(lambda x: 3.0 * np.log(x), abs(npr.randn()))


def test_log2():
    """test_scalar_ops.py::test_log2"""
    _check(lambda x: 3.0 * np.log2(x), abs(npr.randn()))


def test_log10():
    """test_scalar_ops.py::test_log10"""
    _check(lambda x: 3.0 * np.log10(x), abs(npr.randn()))


def test_log1p():
    """test_scalar_ops.py::test_log1p"""
    _check(lambda x: 3.0 * np.log1p(x), abs(npr.randn()))


def test_expm1():
    """test_scalar_ops.py::test_expm1"""
    _check(lambda x: 3.0 * np.expm1(x), abs(npr.randn()))


def test_exp2():
    """test_scalar_ops.py::test_exp2"""
    _check(lambda x: 3.0 * np.exp2(x), abs(npr.randn()))


def test_neg():
    """test_scalar_ops.py::test_neg"""
    _check(lambda x: 3.0 * -x, npr.randn())


def test_cos():
    """test_scalar_ops.py::test_cos"""
    _check(lambda x: 3.0 * np.cos(x), npr.randn())


def test_tan():
    """test_scalar_ops.py::test_tan"""
    _check(lambda x: 3.0 * np.tan(x), npr.randn())


def test_cosh():
    """test_scalar_ops.py::test_cosh"""
    _check(lambda x: 3.0 * np.cosh(x), npr.randn())


def test_sinh():
    """test_scalar_ops.py::test_sinh"""
    _check(lambda x: 3.0 * np.sinh(x), npr.randn())


def test_tanh():
    """test_scalar_ops.py::test_tanh"""
    _check(lambda x: 3.0 * np.tanh(x), npr.randn())


def test_arccos():
    """test_scalar_ops.py::test_arccos"""
    _check(lambda x: 3.0 * np.arccos(x), 0.1)


def test_arcsin():
    """test_scalar_ops.py::test_arcsin"""
    _check(lambda x: 3.0 * np.arcsin(x), 0.1)


def test_arctan():
    """test_scalar_ops.py::test_arctan"""
    _check(lambda x: 3.0 * np.arctan(x), 0.2)


def test_arccosh():
    """test_scalar_ops.py::test_arccosh"""
    _check(lambda x: 3.0 * np.arccosh(x), npr.randn() ** 2 + 1.2)


def test_arcsinh():
    """test_scalar_ops.py::test_arcsinh"""
    _check(lambda x: 3.0 * np.arcsinh(x), npr.randn())


def test_arctanh():
    """test_scalar_ops.py::test_arctanh"""
    _check(lambda x: 3.0 * np.arctanh(x), 0.2)


def test_sqrt():
    """test_scalar_ops.py::test_sqrt"""
    _check(lambda x: 3.0 * np.sqrt(x), 10.0 * npr.rand())


def test_power_arg0():
    """test_scalar_ops.py::test_power_arg0, with the source's special case y == 0 (its issue #116):
    the derivative and the second derivative of x^0 at 0 are 0, in every exact method."""
    y = npr.randn() ** 2 + 1.0
    _check(lambda x: np.power(x, y), npr.rand() ** 2 + 1.0)
    f = dk.trace(lambda x: np.power(x, 0.0))
    for method in (dk.ReverseMode(), dk.ForwardMode(), dk.Symbolic()):
        assert method.derivative(f, at={"x": 0.0}).derivative == 0.0, method.name
        assert method.derivative(f, at={"x": 0.0}, order=2).derivative == 0.0, method.name


def test_power_arg1():
    """test_scalar_ops.py::test_power_arg1"""
    x = npr.randn() ** 2
    _check(lambda y: np.power(x, y), npr.rand() ** 2)


def test_power_arg1_zero():
    """test_scalar_ops.py::test_power_arg1_zero: d/dy 0^y is 0 for y > 0 (not 0 * log 0 = nan)."""
    _check(lambda y: np.power(0.0, y), npr.rand() ** 2)


def test_mod_arg0():
    """test_scalar_ops.py::test_mod_arg0"""
    _check(lambda x, y: np.mod(x, y), npr.rand(), npr.rand())


def test_mod_arg1():
    """test_scalar_ops.py::test_mod_arg1"""
    _check(lambda x, y: np.mod(x, y), npr.rand(), npr.rand())


def test_divide_arg0():
    """test_scalar_ops.py::test_divide_arg0"""
    _check(lambda x, y: np.divide(x, y), npr.rand(), npr.rand())


def test_divide_arg1():
    """test_scalar_ops.py::test_divide_arg1"""
    _check(lambda x, y: np.divide(x, y), npr.rand(), npr.rand())


def test_multiply_arg0():
    """test_scalar_ops.py::test_multiply_arg0"""
    _check(lambda x, y: np.multiply(x, y), npr.rand(), npr.rand())


def test_multiply_arg1():
    """test_scalar_ops.py::test_multiply_arg1"""
    _check(lambda x, y: np.multiply(x, y), npr.rand(), npr.rand())


def test_true_divide_arg0():
    """test_scalar_ops.py::test_true_divide_arg0"""
    _check(lambda x, y: np.true_divide(x, y), npr.rand(), npr.rand())


def test_true_divide_arg1():
    """test_scalar_ops.py::test_true_divide_arg1"""
    _check(lambda x, y: np.true_divide(x, y), npr.rand(), npr.rand())


def test_reciprocal():
    """test_scalar_ops.py::test_reciprocal (no reciprocal op: written 1 / x)"""
    _check(lambda x: 1.0 / x, npr.rand())


def test_negative():
    """test_scalar_ops.py::test_negative"""
    _check(lambda x: np.negative(x), npr.rand())


@pytest.mark.parametrize("name", ["rad2deg", "deg2rad", "radians", "degrees"])
def test_angle_conversions(name):
    """test_scalar_ops.py::test_rad2deg, test_deg2rad, test_radians, test_degrees (no such ops:
    written as the products they are)."""
    factor = 180.0 / math.pi if name in ("rad2deg", "degrees") else math.pi / 180.0
    _check(lambda x: 3.0 * (x * factor), 10.0 * npr.rand())


def test_sinc():
    """test_scalar_ops.py::test_sinc (np.sinc is not a ufunc, so dk.sinc)"""
    _check(lambda x: 3.0 * dk.sinc(x), 10.0 * npr.rand())
