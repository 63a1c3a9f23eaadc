"""Tensor programs as scalar Exprs (diffkit/ad/scalarize.py): gradients equal backward's, and traces of them."""

import numpy as np
import pytest

import diffkit as dk
from diffkit.ad.scalarize import entries, trace_arrays, trace_tensor

RNG = np.random.default_rng(0)
X, W, B = RNG.normal(size=(3, 2)), RNG.normal(size=(2, 4)), RNG.normal(size=4)


def program(x, w, b):
    return ((x @ w + b).tanh() * (x @ w).sigmoid()).mean()


def _backward(fn, arrays):
    leaves = {k: dk.tensor(v, requires_grad=True, dtype="float64") for k, v in arrays.items()}
    out = fn(**leaves)
    out.backward()
    return out.item(), {k: t.grad.numpy() for k, t in leaves.items()}


def test_trace_arrays_gives_backwards_gradient():
    at = {"x": X, "w": W, "b": B}
    f, point = trace_arrays(program, at)
    assert f.variables[:3] == ("x_0_0", "x_0_1", "x_1_0") and len(f.variables) == 6 + 8 + 4
    value, grads = _backward(program, at)
    r = dk.ReverseMode().gradient(f, at=point)
    assert r.value == pytest.approx(value, rel=1e-14)
    for name, g in grads.items():
        got = np.array([r.gradient[k] for k in entries({name: at[name]})]).reshape(g.shape)
        np.testing.assert_allclose(got, g, rtol=1e-13, atol=1e-15)


def test_trace_tensor_replays_the_recorded_graph():
    x = dk.tensor(X, requires_grad=True, dtype="float64")
    w = dk.tensor(W, requires_grad=True, dtype="float64")
    const = dk.tensor(B)  # no grad: a constant of the trace
    y = ((x @ w) * const).relu().sum()
    f, point = trace_tensor(y, {"w": w})
    assert f.variables[0] == "t1_0_0" and "w_1_3" in f.variables and len(f.variables) == 14  # x unnamed: t1
    assert point["w_1_3"] == W[1, 3] and float(f(**point)) == pytest.approx(y.item(), rel=1e-14)
    r = dk.ReverseMode().gradient(f, at=point)
    y.backward()
    np.testing.assert_allclose([r.gradient[f"w_{i}_{j}"] for i in range(2) for j in range(4)],
                               w.grad.numpy().ravel(), rtol=1e-13)


def test_reverse_trace_of_a_tensor_and_of_a_function_of_arrays():
    x = dk.tensor([[1.0, 2.0]], requires_grad=True)
    w = dk.tensor([[3.0], [-4.0]], requires_grad=True)
    y = (x @ w).sigmoid().sum()
    rows = dk.ad.reverse_trace(y, at={"x": x, "w": w}).rows
    bars = {r[0]: r[-1] for r in rows[-4:]}
    y.backward()
    assert bars["x̄_0_0"] == pytest.approx(x.grad.numpy()[0, 0], rel=1e-6)  # float32 tensors, float64 trace
    assert bars["w̄_1_0"] == pytest.approx(w.grad.numpy()[1, 0], rel=1e-6)
    t = dk.ad.forward_trace(lambda a: (a * a).sum(), at={"a": np.array([1.0, 2.0])}, seed="a_1")
    assert t.rows[-1][-1] == 4.0  # d/da_1 of a_0^2 + a_1^2


@pytest.mark.parametrize("make, says", [
    (lambda x: (x * 2).sum(), "freed"),
    (lambda x: x.max(), r"max\(\) can't be traced entry by entry"),
])
def test_refusals_name_the_reason(make, says):
    x = dk.tensor([1.0, 2.0], requires_grad=True)
    y = make(x)
    if says == "freed":
        y.backward()
    with pytest.raises(dk.ExpressionError, match=says):
        trace_tensor(y)


def test_a_tensor_without_a_graph_is_refused():
    with pytest.raises(dk.ExpressionError, match="no recorded graph"):
        trace_tensor(dk.tensor([1.0]) * 2)


def test_custom_functions_are_refused():
    class Twice(dk.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2

    y = Twice.apply(dk.tensor([1.0], requires_grad=True)).sum()
    with pytest.raises(dk.ExpressionError, match="custom Function"):
        trace_tensor(y)


def test_op_counts_and_adjoint_code_of_a_traced_program():
    f, point = trace_arrays(lambda x, w: (x @ w).sum(), {"x": np.ones((1, 3)), "w": np.ones((3, 2))})
    assert len(f.graph.op_nodes) == 2 * (3 + 2) + 1  # two dot products of 3 (3 mul, 2 add each), one add
    src = dk.ad.adjoint_source(f)
    assert src.count("\n") > 10 and "def " in src
