"""Reverse mode interpreted on a Graph: adjoint sweep, fan-out sums, un-broadcasting."""

import numpy as np
import pytest
from ad_reference import close, exact_gradient

import diffkit as dk
from diffkit.ad.reverse import active_nodes, adjoint_sweep, reverse
from diffkit.expr.ops import EXPR_OPS, FUNCTIONS

POINT = {"x": 0.37, "y": 1.3}


def _single_op(name):
    op = EXPR_OPS[name]
    fn = FUNCTIONS[name]
    if op.arity == 1:
        return dk.trace(lambda x: fn(x))
    return dk.trace(lambda x, y: fn(x, y))


@pytest.mark.parametrize("name", sorted(EXPR_OPS))
def test_every_elementwise_op_matches_sympy(name):
    f = _single_op(name)
    at = dict(zip(f.variables, EXPR_OPS[name].example or POINT.values()))  # inside the op's domain
    _, rows = reverse(f.graph, at)
    exact = exact_gradient(f, at)
    for got, want in zip(rows[0], exact):
        assert close(float(got), want, 1e-12), (name, got, want)


def test_lecture_gradient_and_fan_out():
    f = dk.examples.lecture()
    (value,), (grads,) = reverse(f.graph, {"x1": 2.0, "x2": 5.0})
    assert value == pytest.approx(11.652071455223084, rel=1e-15)
    assert grads[0] == pytest.approx(5.5, rel=1e-15)
    assert grads[1] == pytest.approx(2 - np.cos(5.0), rel=1e-15)  # x1 - cos x2


def test_fan_out_within_one_node_sums_both_arguments():
    g = dk.expr("x*x*x").graph
    vals = g.evaluate({"x": 2.0}, keep=True)
    bars = adjoint_sweep(g, vals, {g.outputs[0]: 1.0}, g.inputs)
    assert bars[g.inputs[0]] == 12.0  # 3 x^2


def test_record_reports_every_contribution_in_sweep_order():
    g = dk.examples.lecture().graph
    vals = g.evaluate({"x1": 2.0, "x2": 5.0}, keep=True)
    seen = []
    adjoint_sweep(g, vals, {g.outputs[0]: 1.0}, g.inputs,
                  record=lambda i, k, j, acc, ct: seen.append((g.label(j), acc, round(float(ct), 3))))
    assert seen == [("v_4", False, 1.0), ("v_3", False, -1.0), ("v_1", False, 1.0), ("v_2", False, 1.0),
                    ("v_0", False, -0.284), ("v_-1", False, 5.0), ("v_0", True, 2.0),
                    ("v_-1", True, 0.5)]


def test_only_paths_to_wrt_are_swept():
    g = dk.expr("sin(x) * exp(y)").graph
    active = active_nodes(g, [g.inputs[0]])
    assert active[g.inputs[1]] is False
    assert active[g.outputs[0]] is True


def test_reduce_sums_broadcast_cotangents_back():
    g = dk.expr("x*y").graph
    x, y = np.array([1.0, 2.0, 3.0]), 2.0
    _, rows = reverse(g, {"x": x, "y": y}, cotangents=[np.ones(3)], reduce=True)
    np.testing.assert_allclose(rows[0][0], [2.0, 2.0, 2.0])
    assert float(rows[0][1]) == 6.0  # sum of x


def test_per_point_gradients_without_reduce():
    g = dk.expr("x*y").graph
    _, rows = reverse(g, {"x": np.array([1.0, 2.0]), "y": 3.0}, cotangents=[np.ones(2)])
    np.testing.assert_allclose(rows[0][1], [1.0, 2.0])


def test_unreachable_variable_gets_zero():
    g = dk.expr("sin(x)", variables=["x", "y"]).graph
    _, rows = reverse(g, {"x": 1.0, "y": 2.0})
    assert float(rows[0][1]) == 0.0


def test_counts_rules_applied():
    g = dk.expr("x*y").graph
    with dk.counting() as spent:
        reverse(g, {"x": 1.0, "y": 2.0})
    # one primal op, two VJP rules
    assert spent.count.primitives == 3
    assert spent.count.evals == 1
