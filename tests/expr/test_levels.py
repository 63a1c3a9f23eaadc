"""Transform levels: each invocation one level above the values it can meet; what the values refuse."""

import threading

import numpy as np
import pytest

import diffkit as dk
from diffkit.expr.dual import Dual, dual_type
from diffkit.expr.levels import BASE_LEVEL, constant_like, depth, level_class, lowest, new_level


def test_levels_nest_and_unwind_even_on_errors():
    assert depth() == 0
    with new_level() as outer:
        with pytest.raises(ValueError):
            with new_level() as inner:
                assert (outer, inner, depth()) == (0, 1, 2)
                raise ValueError
        assert depth() == 1
    assert depth() == 0
    seen = []

    def inside(x):
        seen.append(depth())
        return dk.ad.jvp(lambda y: y * x, (1.0,), (1.0,))[1]

    dk.ad.grad(inside)(2.0)
    assert seen == [1]


def test_levels_are_per_thread():
    seen = []
    with new_level():
        t = threading.Thread(target=lambda: seen.append(depth()))
        t.start()
        t.join()
    assert seen == [0]


def test_level_classes_are_cached_and_sit_above_tensors():
    assert level_class(Dual, 0) is Dual and Dual._dk_level == BASE_LEVEL == 3
    assert level_class(Dual, 2) is dual_type(2) and dual_type(2)._dk_level == 5
    assert BASE_LEVEL > dk.Tensor._dk_level


def test_lowest_and_constants():
    d = dual_type(1)(Dual(np.ones(2), None), None)
    assert lowest(d) is d.primal.primal
    assert lowest(dk.tensor([1.0])).tolist() == [1.0]
    c = constant_like(d, 1.0)
    assert type(c) is np.ndarray and c.tolist() == [1.0, 1.0]
    assert constant_like(dk.tensor([2.0], dtype="float32"), 0.0).dtype == np.float32


def test_control_flow_on_a_value_follows_the_branch_taken():
    fn = lambda x: x * x if x > 0 else -x  # noqa: E731
    assert dk.ad.grad(fn)(3.0) == 6.0 and dk.ad.grad(fn)(-3.0) == -1.0
    assert dk.ad.jvp(fn, (3.0,), (1.0,)) == (9.0, 6.0)


def test_comparisons_are_elementwise_and_plain():
    def f(x):
        eq = x == np.array([1.0, 5.0])
        assert type(eq) is np.ndarray and eq.tolist() == [True, False]
        return dk.sum(dk.where(eq, x, 0.0))

    np.testing.assert_array_equal(dk.ad.grad(f)(np.array([1.0, 2.0])), [1.0, 0.0])
