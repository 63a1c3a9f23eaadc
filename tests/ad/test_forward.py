"""Forward mode: Dual numbers on Python functions, tangent sweeps on graphs."""

import math

import numpy as np
import pytest
from ad_reference import close, exact_gradient

import diffkit as dk
from diffkit.ad.forward import Dual, dual_type, forward, jvp_function, tangent_sweep
from diffkit.expr.ops import EXPR_OPS, FUNCTIONS
from diffkit.expr.ops import max as dk_max


@pytest.mark.parametrize("name", sorted(EXPR_OPS))
def test_dual_numbers_match_sympy_on_every_elementwise_op(name):
    fn = FUNCTIONS[name]
    unary = EXPR_OPS[name].arity == 1
    f = dk.trace((lambda x: fn(x)) if unary else (lambda x, y: fn(x, y)))
    args = EXPR_OPS[name].example or ((0.37,) if unary else (0.37, 1.3))  # inside the op's domain
    exact = exact_gradient(f, dict(zip(f.variables, args)))
    for k in range(len(args)):
        seeds = tuple(1.0 if j == k else 0.0 for j in range(len(args)))
        _, t = jvp_function(fn, args, seeds)
        assert close(float(t), exact[k], 1e-12), (name, t, exact[k])


def _numeric(fn, x, eps=1e-6):
    out = []
    for k in range(x.size):
        e = np.zeros_like(x)
        e.flat[k] = eps
        out.append((np.asarray(fn(x + e)) - np.asarray(fn(x - e))) / (2 * eps))
    return np.stack(out, axis=-1)


ARRAY_FUNCTIONS = {
    "sum axis 0": lambda x: dk.sum(x * x, axis=0),
    "mean keepdims": lambda x: dk.mean(dk.sin(x), axis=1, keepdims=True),
    "max axis": lambda x: dk_max(x * np.array([[1.0, 2.0, 3.0]]), axis=1),
    "logsumexp": lambda x: dk.logsumexp(x, axis=1),
    "log_softmax": lambda x: dk.log_softmax(x, axis=-1),
    "softmax": lambda x: dk.softmax(x, axis=0),
    "matmul": lambda x: dk.matmul(x, np.array([[1.0], [2.0], [-1.0]])),
    "transpose+reshape": lambda x: dk.reshape(dk.transpose(x), shape=(6,)),
    "getitem": lambda x: x[1, 1:] * 2.0,
    "concat": lambda x: dk.concat([x, dk.exp(x)], axis=0),
    "where": lambda x: dk.where(x > 0.5, x * x, -x),
    "clip": lambda x: dk.clip(x, lo=0.2, hi=0.9),
}


@pytest.mark.parametrize("name", sorted(ARRAY_FUNCTIONS))
def test_dual_numbers_through_array_ops(name):
    fn = ARRAY_FUNCTIONS[name]
    x = np.array([[0.1, 0.7, 0.4], [1.1, -0.3, 0.55]])
    J = _numeric(fn, x)  # (out..., 6)
    for k in range(x.size):
        e = np.zeros_like(x)
        e.flat[k] = 1.0
        y, t = jvp_function(fn, (x,), (e,))
        np.testing.assert_allclose(np.asarray(y), fn(x))
        np.testing.assert_allclose(t, J[..., k], atol=1e-7)


def test_nested_duals_give_higher_derivatives():
    def d(fn):
        return lambda x: jvp_function(fn, (x,), (1.0,))[1]

    f = lambda x: dk.sin(x) * x ** 3  # noqa: E731
    x = 0.8
    third = d(d(d(f)))(x)
    exact = (-math.cos(x) * x**3 - 9 * math.sin(x) * x**2 + 18 * math.cos(x) * x + 6 * math.sin(x))
    assert float(third) == pytest.approx(exact, rel=1e-12)


def test_perturbations_are_not_confused():
    # d/dx [x * d/dy (x + y)] = d/dx [x * 1] = 1 (the classic confusion gives 2)
    def inner(x):
        return jvp_function(lambda y: x + y, (1.0,), (1.0,))[1]

    _, t = jvp_function(lambda x: x * inner(x), (2.0,), (1.0,))
    assert float(t) == 1.0


def test_control_flow_follows_the_primal():
    fn = lambda x: x * x if x > 0 else -x  # noqa: E731
    assert jvp_function(fn, (3.0,), (1.0,)) == (9.0, 6.0)
    assert jvp_function(fn, (-3.0,), (1.0,)) == (3.0, -1.0)


def test_constant_output_gets_zero_tangent_of_its_shape():
    y, t = jvp_function(lambda x: np.ones(3), (1.0,), (1.0,))
    np.testing.assert_array_equal(t, np.zeros(3))


def test_numpy_ufuncs_on_duals():
    y, t = jvp_function(lambda x: np.sin(x) + np.exp(x), (0.0,), (1.0,))
    assert float(t) == 2.0


def test_dual_levels_sit_above_tensor():
    assert Dual._dk_level == 3 and dual_type(2)._dk_level == 5


def test_tangent_sweep_lecture_and_vector_mode():
    g = dk.examples.lecture().graph
    vals = g.evaluate({"x1": 2.0, "x2": 5.0}, keep=True)
    dots = tangent_sweep(g, vals, {g.inputs[0]: 1.0, g.inputs[1]: 0.0})
    assert [float(dots[i]) for i in g.op_nodes] == [0.5, 5.0, 0.0, 5.5, 5.5]
    # both directions in one sweep: a leading batch axis on the tangents
    ys, dys = forward(g, {"x1": 2.0, "x2": 5.0}, {"x1": np.array([1.0, 0.0]), "x2": np.array([0.0, 1.0])})
    np.testing.assert_allclose(dys[0], [5.5, 2 - math.cos(5.0)], rtol=1e-15)


def test_shape_mismatch_is_named():
    with pytest.raises(dk.ShapeError, match=r"\(3,\).*\(2,\)"):
        jvp_function(lambda x: x, (np.ones(2),), (np.ones(3),))
