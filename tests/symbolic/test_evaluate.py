"""Compiled symbolic expressions: evaluation, counting, and NumPy's warnings passed on readably."""

import warnings

import numpy as np
import pytest
import sympy as sp

from diffkit.expr.counting import counting
from diffkit.expr.sympy_bridge import symbol
from diffkit.symbolic.evaluate import Compiled

x, y = symbol("x"), symbol("y")


def test_values_broadcast_and_keep_the_dtype():
    c = Compiled([x * y, sp.Integer(2)], ("x", "y"))
    a, b = c({"x": np.arange(3, dtype=np.float32), "y": np.float32(2.0)})
    np.testing.assert_array_equal(a, [0.0, 2.0, 4.0])
    np.testing.assert_array_equal(b, [2.0, 2.0, 2.0])
    assert a.dtype == b.dtype == np.float32


def test_cse_counts_fewer_operations():
    e = sp.sin(x + 1) * sp.cos(x + 1)
    assert Compiled([e], ("x",), cse=True).ops < Compiled([e], ("x",)).ops
    with counting() as spent:
        Compiled([e], ("x",), cse=True)({"x": np.zeros(5)})
    assert spent.count.elements == 4 * 5


def test_numpy_warnings_come_without_the_generated_source_line():
    c = Compiled([sp.exp(x) - sp.exp(2 * x)], ("x",))  # inf - inf at x = 1000
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = c({"x": 1000.0})[0]
    assert np.isnan(out)
    assert caught and all(w.category is RuntimeWarning for w in caught)
    assert all(str(w.message).endswith("(evaluating the symbolic expression)") for w in caught)
    assert not any(w.filename.startswith("<lambdifygenerated") for w in caught)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(RuntimeWarning):  # the caller's filters still apply
            c({"x": 1000.0})
