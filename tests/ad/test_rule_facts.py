"""What the rules read and cost, found by probing them, and the backward op counts that come of it."""

import numpy as np
import pytest

import diffkit as dk
from diffkit.ad.rule_facts import OUTPUT, elementwise_cost, elementwise_reads, rule_cost, rule_reads
from diffkit.expr.ops import EXPR_OPS, OPS

RNG = np.random.default_rng(0)


# The rules that hand the cotangent on unchanged (the argument's slope is 1): they cost nothing.
# d(x mod y)/dx = 1, as d(x - y)/dx: mod's first rule is sub's.
PASS_THROUGH = {"add": {0, 1}, "sub": {0}, "mod": {0}}


@pytest.mark.parametrize("name", sorted(n for n, op in EXPR_OPS.items() if op.vjp is not None))
def test_a_rule_reads_no_input_its_op_says_it_does_not(name):
    op = OPS[name]
    for needs in ((True,),) if op.arity == 1 else ((True, False), (False, True), (True, True)):
        reads = elementwise_reads(op, needs)
        if not op.reads_inputs:
            assert not any(i >= 0 for i in reads)
        passed_on = all(i in PASS_THROUGH.get(name, ()) for i, need in enumerate(needs) if need)
        assert elementwise_cost(op, needs) >= (0 if passed_on else 1), needs


def test_reads_of_the_classic_rules():
    assert elementwise_reads(OPS["mul"], (False, True)) == {0}
    assert elementwise_reads(OPS["mul"], (True, False)) == {1}
    assert elementwise_reads(OPS["add"], (True, True)) == set()
    assert elementwise_reads(OPS["exp"], (True,)) == {OUTPUT}
    assert elementwise_reads(OPS["relu"], (True,)) == {OUTPUT}  # as PyTorch's relu saves its result
    assert elementwise_reads(OPS["pow"], (True, False)) == {0, 1}
    a, b = RNG.standard_normal((3, 4)), RNG.standard_normal((4, 2))
    assert rule_reads(OPS["matmul"], (False, True), (a, b), a @ b, {}) == {0}
    assert rule_reads(OPS["sum"], (True,), (a,), a.sum(0), {"axis": 0, "keepdims": False}) == set()


FUSED = {
    "relu": lambda: ((RNG.standard_normal((3, 4)),), {}),
    "matmul": lambda: ((RNG.standard_normal((3, 4)), RNG.standard_normal((4, 5))), {}),
    "linear": lambda: ((RNG.standard_normal((6, 4)), RNG.standard_normal((3, 4)), RNG.standard_normal(3)), {}),
    "softmax_cross_entropy": lambda: ((RNG.standard_normal((5, 3)), np.array([0, 2, 1, 1, 0])), {}),
    "max_pool": lambda: ((RNG.standard_normal((2, 3, 5, 4)),),
                         {"kernel_size": (2, 2), "stride": (2, 1), "padding": (1, 0), "dilation": (1, 1)}),
    "avg_pool": lambda: ((RNG.standard_normal((2, 3, 5, 4)),), {"kernel_size": (3, 2), "stride": (2, 2),
                                                                "padding": (1, 1), "count_include_pad": False}),
    "normalize": lambda: ((RNG.standard_normal((4, 3, 2)), RNG.standard_normal((1, 3, 1)),
                           RNG.standard_normal((1, 3, 1))), {"axis": (0, 2)}),
    "conv": lambda: ((RNG.standard_normal((2, 3, 5, 4)), RNG.standard_normal((4, 3, 3, 2))),
                     {"stride": (1, 2), "padding": ((1, 1), (0, 1)), "dilation": (1, 1), "groups": 1}),
    "binary_cross_entropy_with_logits": lambda: ((RNG.standard_normal((4, 3)), RNG.random((4, 3)), RNG.random((4, 3)),
                                                  RNG.random(3) + 0.5), {"reduction": "sum"}),
}


@pytest.mark.parametrize("name", sorted(n for n, op in OPS.items() if op.vjp_arrays is not None))
def test_fused_array_rules_read_no_more_than_their_generic_rules(name):
    # the tape checks the versions of what the generic rule reads: the fused one must not read anything else
    op = OPS[name]
    assert name in FUSED, f"{name} has a fused rule (vjp_arrays): add its probe inputs to FUSED"
    args, params = FUSED[name]()
    ans = op.impl(np, *args, **params)
    needs = tuple(np.asarray(a).dtype.kind == "f" for a in args)
    reads = rule_reads(op, needs, args, ans, params)
    g = RNG.standard_normal(np.shape(ans))
    base = op.array_vjps(np, g, ans, args, params, needs)
    garbage = tuple(a if i in reads or np.asarray(a).dtype.kind != "f" else a + 7.0 for i, a in enumerate(args))
    ans2 = ans if OUTPUT in reads else ans + 7.0
    for c, c2 in zip(base, op.array_vjps(np, g, ans2, garbage, params, needs)):
        if c is not None:
            np.testing.assert_array_equal(c, c2)


def test_backward_of_a_dense_layer_counts_its_two_products():
    """Issue 15, item 8: Linear(128, 256) on a batch of 64 counted 4.2 M forward, 57,600 backward."""
    lin = dk.nn.Linear(128, 256)
    x = dk.randn(64, 128, requires_grad=True)
    with dk.counting() as fwd:
        y = lin(x).sum()
    with dk.counting() as bwd:
        y.backward()
    forward = 2 * 128 * 64 * 256
    assert fwd.count.elements == forward + 64 * 256 + 64 * 256  # the products, the bias, the sum
    # dx = g W and dW = g^T x are one such product each; the bias sums g over the batch; the sum broadcasts
    assert bwd.count.elements == 2 * forward + 2 * 64 * 256
    assert 1.9 < bwd.count.elements / fwd.count.elements < 2.1


def test_backward_counts_the_same_work_with_and_without_a_graph_of_the_gradient():
    x = dk.tensor(np.linspace(0.1, 1.0, 1000), requires_grad=True)
    counts = []
    for create_graph in (False, True):
        y = (x.sin() * x).tanh().sum()
        x.grad = None
        with dk.counting() as spent:
            y.backward(create_graph=create_graph)
        counts.append(spent.count.elements)
    # sum: 1000 (array path) or 0 (broadcast, recorded); tanh 3, mul 2, sin 2 per element; one accumulation
    assert counts[0] == 1000 + 7000 + 1000 and counts[1] == 7000 + 1000


def test_rule_cost_falls_back_to_the_op_cost_and_takes_vjp_cost():
    a, b = RNG.standard_normal((2, 3)), RNG.standard_normal((3, 4))
    assert rule_cost(OPS["matmul"], (True, False), (a, b), a @ b, {}) == 2 * 2 * 3 * 4
    x, w = RNG.standard_normal((5, 3)), RNG.standard_normal((2, 3))
    out = OPS["linear"].impl(np, x, w, 0.0)
    assert rule_cost(OPS["linear"], (False, False, True), (x, w, 0.0), out, {}) == out.size
