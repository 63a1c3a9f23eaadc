"""Batching rules: the generic ones, the defaults derived from an op's kind and options, the contract."""

import numpy as np
import pytest

import diffkit as dk
from diffkit.expr.ops import OPS
from diffkit.expr.ops.batching import axis, broadcast, flat_axis, rule_for, trailing
from diffkit.expr.ops.core import Op


def test_defaults_follow_kind_and_options():
    assert rule_for(OPS["exp"]) is broadcast and rule_for(OPS["greater"]) is broadcast
    assert rule_for(OPS["sum"]) is axis and rule_for(OPS["concat"]) is axis and rule_for(OPS["var"]) is axis
    assert rule_for(OPS["argmax"]) is flat_axis
    named = Op("scan_like", 1, lambda xp, x, axis=0: xp.cumsum(x, axis=axis), None, None, kind="array")
    assert rule_for(named) is axis  # an op with an axis option needs nothing written
    with pytest.raises(dk.BatchingError, match="'no_rule'"):
        rule_for(Op("no_rule", 1, lambda xp, x: x, None, None, kind="array"))


def test_axis_rule_uses_the_ops_own_default_axis():
    x = np.arange(24.0).reshape(2, 3, 4)
    soft = axis(OPS["softmax"], (x,), (True,), {})  # softmax's default axis is -1: per example, the last
    np.testing.assert_allclose(soft, np.stack([OPS["softmax"].impl(np, x[i]) for i in range(2)]))
    total = axis(OPS["sum"], (x,), (True,), {})  # sum's default None: everything but the batch
    np.testing.assert_allclose(total, x.sum(axis=(1, 2)))


def test_trailing_lines_up_leading_axes_by_core_rank():
    def solve_like(xp, a, b):  # a (..., n, n) with b (..., n): the core ranks differ
        return xp.einsum("...ij,...j->...i", a, b)

    op = Op("solve_like", 2, solve_like, None, None, kind="array")
    a = np.random.default_rng(0).normal(size=(3, 2, 2))
    b = np.random.default_rng(1).normal(size=(5, 2))
    out = trailing(2, 1)(op, (a, b[:, None, :].repeat(3, axis=1)), (False, True), {})
    assert out.shape == (5, 3, 2)
    np.testing.assert_allclose(out[4, 1], a[1] @ b[4])
