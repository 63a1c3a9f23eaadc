"""The op-count study: forward mode pays per input, reverse per output, each pass a small multiple of F."""

import pytest

import diffkit as dk
from diffkit.compare.op_counts import chain_map


def test_chain_map_shape_and_refusals():
    F = chain_map(3, 2)
    assert F.variables == ("x1", "x2", "x3") and F.outputs == ("y1", "y2")
    with pytest.raises(dk.ArgumentError):
        chain_map(0, 1)
    with pytest.raises(dk.ArgumentError):
        dk.op_count_study(ns=[], ms=[1])


def test_each_pass_costs_a_small_multiple_of_one_evaluation():
    # the lecture: a gradient (one reverse pass) costs a few evaluations of F, however many inputs F has;
    # a forward pass (one column) likewise, and a full Jacobian takes n of those or m of these
    study = dk.op_count_study(ns=[2, 8, 32], ms=[1, 4])
    for r in study:
        assert 1.0 <= r["pass / eval"] <= 4.0
        assert 1.0 <= r["forward elem"] / r["n"] / r["eval elem"] <= 4.0
    by = {(r["n"], r["m"]): r for r in study}
    assert by[32, 1]["forward prim"] > 8 * by[32, 1]["reverse prim"]  # n >> m: reverse wins
    assert by[2, 4]["reverse prim"] > by[2, 4]["forward prim"]        # m > n: forward wins
