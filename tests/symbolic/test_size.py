"""Size metrics against SymPy's own traversal, count_ops and cse."""

import pytest
import sympy as sp

import diffkit as dk
from diffkit.symbolic.size import Size, cse_nodes, depth, tree_nodes

x, y = sp.symbols("x y", real=True)


@pytest.mark.parametrize("e", [x, sp.Integer(3), sp.sin(x) * sp.cos(x + 1) + x**2,
                               sp.Piecewise((x, x > 0), (0, True)), (x + y) ** 3 / (1 - x)])
def test_nodes_and_ops_match_sympy(e):
    s = dk.symbolic.size(e)
    assert s.nodes == len(list(sp.preorder_traversal(e)))
    assert s.ops == sp.count_ops(e)
    repl, red = sp.cse(e)
    assert s.replacements == len(repl)


def test_depth_and_cse_by_hand():
    e = sp.sin(x + 1) * sp.cos(x + 1)  # Mul(sin(Add(x, 1)), cos(Add(x, 1)))
    assert depth(e) == 4 and depth(x) == 1
    assert tree_nodes(e) == 9
    assert cse_nodes(e) == (3 + 5, 1)  # x0 = x + 1; sin(x0)*cos(x0)
    s = dk.symbolic.size(e)
    assert (s.nodes, s.ops, s.depth, s.cse, s.replacements) == (9, 5, 4, 8, 1)  # ops: sin, cos, two adds, mul
    assert s.tree == s.nodes and s.as_dict()["cse"] == 8
    assert str(s) == "9 nodes, 5 ops, depth 4, 8 after CSE (1 replacements)"


def test_exprs_text_and_lists():
    f = dk.examples.logistic_map(3)
    assert dk.symbolic.size(f) == dk.symbolic.size(f.to_sympy())
    assert dk.symbolic.size("x*y + 1").nodes == 5
    two = dk.symbolic.size([x + 1, sp.sin(x)], cse=False)
    assert two == Size(3 + 2, 2, 2)
    assert dk.symbolic.size(sp.Matrix([[x, y]])).nodes == 2
    assert dk.symbolic.size(dk.expr("x*y, x + y")).nodes == 6


def test_tree_size_of_a_huge_shared_dag_is_fast():
    e = x
    for _ in range(60):  # tree of ~2^61 nodes, DAG of 60
        e = sp.Mul(e, e + 1, evaluate=True)
    assert tree_nodes(e) > 2**60
    assert depth(e) == 121


def test_rejects_what_it_cannot_measure():
    with pytest.raises(dk.ExpressionError, match="size"):
        dk.symbolic.size(object())
