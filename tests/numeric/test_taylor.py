"""taylor_test: step-size-free gradient checks from Taylor remainders (issue 16, item 4; pyadjoint's taylor_test)."""

import numpy as np
import pytest

import diffkit as dk


def f(x):
    return np.sum(np.exp(x) * np.sin(x))


def grad(x):
    return np.exp(x) * (np.sin(x) + np.cos(x))


def hess(x):
    return np.diag(2 * np.exp(x) * np.cos(x))


X = np.array([0.3, -0.8, 1.1, 0.05])


def test_right_gradient_and_hessian_converge_at_rates_2_and_3():
    t = dk.numeric.taylor_test(f, grad, X)
    assert t.verdict == "passed" and bool(t) and abs(t.rate - 2) < 0.2
    slopes = np.polyfit(np.log(t.eps), np.log(t.remainders["f"]), 1)[0]
    assert abs(slopes - 1) < 0.1  # the zeroth-order remainder shrinks as e
    t3 = dk.numeric.taylor_test(f, grad, X, hess=hess)
    assert t3.expected == 3 and t3.verdict == "passed" and abs(float(t3) - 3) < 0.2


def test_wrong_gradient_and_hessian_converge_at_rate_1_and_2():
    t = dk.numeric.taylor_test(f, lambda x: grad(x) * (1 + 1e-3), X)
    assert t.verdict == "failed" and t.rate < 1.5
    t3 = dk.numeric.taylor_test(f, grad, X, hess=lambda x: 2 * hess(x))
    assert t3.verdict == "failed" and t3.rate < 2.5


def test_structures_direction_table_and_plot():
    params = {"a": np.array([0.2, 0.4]), "b": np.array([[1.0, -1.0]])}
    loss = lambda p: np.sum(p["a"] ** 2) + np.sum(np.sin(p["b"]))  # noqa: E731
    g = lambda p: {"a": 2 * p["a"], "b": np.cos(p["b"])}  # noqa: E731
    t = dk.numeric.taylor_test(loss, g, params, direction={"a": np.ones(2), "b": np.ones((1, 2))})
    assert t.passed
    assert "rate" in str(t) and t.plot().axes[0].get_yscale() == "log"
    with pytest.raises(dk.ShapeError):
        dk.numeric.taylor_test(f, grad, X, direction=np.ones(3))


def test_linear_function_remainder_is_rounding_only():
    t = dk.numeric.taylor_test(lambda x: 3 * x.sum(), lambda x: np.full(x.shape, 3.0), X)
    assert t.verdict == "passed" and np.isnan(t.rate)
