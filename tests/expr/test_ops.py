"""The ops table: every rule checked against SymPy and against finite differences."""

import numpy as np
import pytest
import sympy as sp

import diffkit as dk
from diffkit.expr.ops import EXPR_OPS, OPS, apply
from diffkit.symbolic.backends import real_kink_diff


# A point inside every op's domain (asin needs |x| < 1, log/sqrt x > 0): each op's own example.
def _point(op):
    return op.example or (0.5, 2.0)[: op.arity]


def _rule_check(op, xs):
    """JVP and VJP rules on arrays vs the derivative of the SymPy counterpart."""
    syms = sp.symbols(f"a0:{op.arity}", real=True)
    expr = op.sympy(*syms)
    ans = op.impl(np, *xs)
    assert float(ans) == pytest.approx(float(expr.subs(dict(zip(syms, xs)))), rel=1e-14)
    for i in range(op.arity):
        # SymPy leaves Mod's derivative unevaluated; the symbolic method's diff knows it
        exact = float(real_kink_diff(expr, syms[i]).subs(dict(zip(syms, xs))))
        needs = tuple(j == i for j in range(op.arity))
        cot = op.vjps(1.0, ans, tuple(xs), {}, needs)[i]
        tangents = tuple(1.0 if j == i else None for j in range(op.arity))
        tan = op.jvp_of(tangents, ans, tuple(xs), {})
        assert float(cot) == pytest.approx(exact, rel=1e-13, abs=1e-15), (op.name, i)
        assert float(tan) == pytest.approx(exact, rel=1e-13, abs=1e-15), (op.name, i)


@pytest.mark.parametrize("name", sorted(EXPR_OPS))
def test_elementwise_rules_match_sympy(name):
    op = EXPR_OPS[name]
    if op.vjp is None:
        pytest.skip("zero derivative")
    _rule_check(op, _point(op))


@pytest.mark.parametrize("name", sorted(EXPR_OPS))
def test_float32_preserved(name):
    op = EXPR_OPS[name]
    xs = [np.full(4, v, dtype=np.float32) for v in _point(op)]
    assert op.impl(np, *xs).dtype == np.float32


def test_table_has_required_ops():
    required = {"add", "sub", "mul", "div", "neg", "pow", "exp", "log", "sqrt", "sin", "cos", "tan",
                "tanh", "sigmoid", "abs", "relu", "square"}
    assert required <= set(EXPR_OPS)
    for name in required:
        op = OPS[name]
        assert op.jvp is not None and op.vjp is not None and op.sympy is not None
        assert op.elements(np.ones(3), (np.ones(3),) * op.arity, {}) == 3


def test_kink_conventions():
    # relu'(0) = 0, abs'(0) = 0, maximum tie splits half and half (PyTorch's choices).
    assert OPS["relu"].vjps(1.0, 0.0, (0.0,), {}, (True,))[0] == 0.0
    assert OPS["abs"].vjps(1.0, 0.0, (0.0,), {}, (True,))[0] == 0.0
    gx, gy = OPS["maximum"].vjps(1.0, 2.0, (2.0, 2.0), {}, (True, True))
    assert (gx, gy) == (0.5, 0.5)


def test_pow_constant_exponent_rule_is_not_evaluated():
    # (x - 3)^2 at x = 1: the exponent's rule (log of a negative base) must not run.
    with np.errstate(all="raise"):
        gx, gy = OPS["pow"].vjps(1.0, 4.0, (-2.0, 2.0), {}, (True, False))
    assert gx == -4.0 and gy is None


def test_sigmoid_is_stable():
    """No overflow, no nan, and every digit in the left tail. exp(-1000) underflowing to 0 is the
    correctly rounded sigmoid(-1000) (5e-435), so underflow is allowed; nothing else is."""
    x = np.array([-1000.0, -30.0, 0.0, 1000.0])
    with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
        got = dk.sigmoid(x)
    assert got[[0, 2, 3]].tolist() == [0.0, 0.5, 1.0]
    assert abs(got[1] / 9.357622968839299e-14 - 1) < 4e-16  # mpmath: 1 / (1 + e^30)


def test_apply_counts_primitives_and_elements():
    with dk.counting() as spent:
        dk.sin(np.ones(5))
        dk.add(np.ones(5), 1.0)
    assert spent.count.primitives == 2
    assert spent.count.elements == 10


def _numeric_vjp(op, xs, params, i):
    """Central-difference gradient of sum(op(xs)) w.r.t. argument i."""
    x = xs[i].copy()
    grad = np.zeros_like(x)
    h = 1e-6
    for idx in np.ndindex(x.shape):
        for sgn in (1, -1):
            xp = list(xs)
            y = x.copy()
            y[idx] += sgn * h
            xp[i] = y
            grad[idx] += sgn * np.sum(op.impl(np, *xp, **params)) / (2 * h)
    return grad


ARRAY_CASES = [
    ("sum", [(3, 4)], {"axis": 1}),
    ("sum", [(3, 4)], {"axis": None, "keepdims": False}),
    ("mean", [(3, 4)], {"axis": 0, "keepdims": True}),
    ("max", [(3, 4)], {"axis": 1}),
    ("logsumexp", [(3, 4)], {"axis": -1}),
    ("log_softmax", [(3, 4)], {"axis": -1}),
    ("softmax", [(3, 4)], {"axis": 0}),
    ("matmul", [(3, 4), (4, 2)], {}),
    ("matmul", [(4,), (4, 2)], {}),
    ("matmul", [(3, 4), (4,)], {}),
    ("matmul", [(2, 3, 4), (4, 2)], {}),
    ("reshape", [(3, 4)], {"shape": (2, 6)}),
    ("transpose", [(2, 3, 4)], {"axes": (1, 2, 0)}),
    ("getitem", [(5, 3)], {"index": (np.array([0, 2, 2]), slice(None))}),
    ("sum_to", [(2, 3, 4)], {"shape": (3, 1)}),
    ("broadcast_to", [(3, 1)], {"shape": (2, 3, 4)}),
    ("clip", [(3, 4)], {"lo": -0.5, "hi": 0.5}),
    ("maximum", [(3, 4), (4,)], {}),
]


@pytest.mark.parametrize("name,shapes,params", ARRAY_CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(ARRAY_CASES)])
def test_array_op_vjps_match_finite_differences(name, shapes, params):
    rng = np.random.default_rng(0)
    op = OPS[name]
    xs = tuple(rng.normal(size=s) for s in shapes)
    ans = op.impl(np, *xs, **params)
    g = np.ones_like(ans)
    cots = op.vjps(g, ans, xs, params, (True,) * len(xs))
    for i, (x, c) in enumerate(zip(xs, cots)):
        c = apply(OPS["sum_to"], c, shape=x.shape) if np.shape(c) != x.shape else c
        np.testing.assert_allclose(c, _numeric_vjp(op, xs, params, i), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("name,shapes,params", ARRAY_CASES[:12],
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(ARRAY_CASES[:12])])
def test_array_op_jvp_is_transpose_of_vjp(name, shapes, params):
    # <J t, g> == <t, J^T g> for random t and g: the two rules describe one Jacobian.
    rng = np.random.default_rng(1)
    op = OPS[name]
    xs = tuple(rng.normal(size=s) for s in shapes)
    ans = op.impl(np, *xs, **params)
    g = rng.normal(size=np.shape(ans))
    ts = tuple(rng.normal(size=s) for s in shapes)
    jt = op.jvp_of(ts, ans, xs, params)
    cots = op.vjps(g, ans, xs, params, (True,) * len(xs))
    lhs = np.sum(np.broadcast_to(jt, np.shape(ans)) * g)
    rhs = sum(np.sum(t * apply(OPS["sum_to"], c, shape=t.shape)) for t, c in zip(ts, cots))
    assert lhs == pytest.approx(rhs, rel=1e-10)


def test_concat_and_stack_vjp():
    a, b = np.arange(6.0).reshape(2, 3), np.arange(3.0).reshape(1, 3)
    ans = dk.concat([a, b], axis=0)
    ga, gb = OPS["concat"].vjps(ans * 2, ans, (a, b), {"axis": 0}, (True, True))
    np.testing.assert_array_equal(ga, 2 * a)
    np.testing.assert_array_equal(gb, 2 * b)
    st = dk.stack([a, a + 1], axis=1)
    g0, g1 = OPS["stack"].vjps(st, st, (a, a + 1), {"axis": 1}, (True, True))
    np.testing.assert_array_equal(g0, a)
    np.testing.assert_array_equal(g1, a + 1)


def test_where_rule_does_not_leak_nan():
    x = np.array([-1.0, 4.0])
    c = x > 0
    g = np.array([np.inf, 1.0])
    _, gx, gy = OPS["where"].vjps(g, None, (c, x, x), {}, (False, True, True))
    assert gx.tolist() == [0.0, 1.0]
    assert gy.tolist() == [np.inf, 0.0]


# The fused array rules the tape uses must give what the generic rules give.
# Each case: op, argument makers (from a generator), params. Layouts and the
# `needs` combinations vary, since the linear rule picks a product by layout.
def _fortran(a):
    return np.asfortranarray(a)


ARRAY_RULE_CASES = [
    ("relu", [lambda r: r.normal(size=(5, 7))], {}),
    ("relu", [lambda r: np.array([-1.0, 0.0, 2.0, np.nan])], {}),
    ("matmul", [lambda r: r.normal(size=(5, 3)), lambda r: r.normal(size=(3, 4))], {}),
    ("matmul", [lambda r: r.normal(size=(3,)), lambda r: r.normal(size=(3, 4))], {}),  # generic fallback
    ("linear", [lambda r: r.normal(size=(6, 4)), lambda r: r.normal(size=(3, 4)), lambda r: r.normal(size=3)], {}),
    ("linear", [lambda r: _fortran(r.normal(size=(6, 4))), lambda r: r.normal(size=(3, 4)),
                lambda r: r.normal(size=3)], {}),
    ("linear", [lambda r: r.normal(size=(6, 4)), lambda r: r.normal(size=(3, 4)), lambda r: r.normal(size=(1, 3))], {}),
    ("linear", [lambda r: r.normal(size=(2, 6, 4)), lambda r: r.normal(size=(3, 4)), lambda r: r.normal(size=3)], {}),
    ("linear", [lambda r: r.normal(size=4), lambda r: r.normal(size=(3, 4)), lambda r: r.normal(size=3)], {}),
    ("softmax_cross_entropy", [lambda r: r.normal(size=(5, 4)), lambda r: r.integers(0, 4, 5)], {}),
    ("softmax_cross_entropy", [lambda r: r.normal(size=(5, 4)), lambda r: r.integers(0, 4, 5)], {"reduction": "sum"}),
    ("softmax_cross_entropy", [lambda r: _fortran(r.normal(size=(5, 4))), lambda r: r.integers(0, 4, 5)],
     {"reduction": "none"}),
    ("binary_cross_entropy_with_logits", [lambda r: r.normal(size=(5, 3)) * 4, lambda r: r.random((5, 3)),
                                          lambda r: np.float64(1.0), lambda r: np.float64(1.0)], {}),
    ("binary_cross_entropy_with_logits", [lambda r: r.normal(size=(5, 3)) * 4, lambda r: r.random((5, 3)),
                                          lambda r: r.random((5, 3)), lambda r: r.random(3) + 0.5],
     {"reduction": "sum"}),
    ("binary_cross_entropy_with_logits", [lambda r: r.normal(size=(5, 3)), lambda r: r.random((5, 3)),
                                          lambda r: np.float64(1.0), lambda r: r.random(3) + 0.5],
     {"reduction": "none"}),
]


@pytest.mark.parametrize("name,makers,params", ARRAY_RULE_CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(ARRAY_RULE_CASES)])
def test_array_rules_agree_with_generic_rules(name, makers, params):
    import itertools

    rng = np.random.default_rng(3)
    op = OPS[name]
    assert op.vjp_arrays is not None
    xs = tuple(m(rng) for m in makers)
    ans = op.impl(np, *xs, **params)
    g = rng.normal(size=np.shape(ans))
    originals = [x.copy() for x in xs]
    for needs in itertools.product((True, False), repeat=len(xs)):
        needs = tuple(n and np.asarray(x).dtype.kind == "f" for n, x in zip(needs, xs))
        fast = op.array_vjps(np, g, ans, xs, params, needs)
        slow = op.vjps(g, ans, xs, params, needs)
        for x, f, s, need in zip(xs, fast, slow, needs):
            if not need:
                assert f is None
                continue
            # both may come back broadcast larger than the argument; compare what the engine keeps
            f = apply(OPS["sum_to"], f, shape=x.shape) if np.shape(f) != x.shape else f
            s = apply(OPS["sum_to"], s, shape=x.shape) if np.shape(s) != x.shape else s
            np.testing.assert_allclose(f, s, rtol=1e-12, atol=1e-12)
    for x, x0 in zip(xs, originals):
        np.testing.assert_array_equal(x, x0)


def test_linear_keeps_the_cotangent_in_the_layout_of_its_input():
    # relu's rule multiplies the cotangent by a mask of the layer's own output;
    # opposite layouts make that product an order of magnitude slower.
    rng = np.random.default_rng(0)
    x = np.asfortranarray(rng.normal(size=(8, 4)))
    w, b = rng.normal(size=(3, 4)), rng.normal(size=3)
    out = OPS["linear"].impl(np, x, w, b)
    np.testing.assert_allclose(out, x @ w.T + b, rtol=1e-13)
    gx = OPS["linear"].array_vjps(np, np.ones_like(out), out, (x, w, b), {}, (True, True, True))[0]
    assert gx.flags.f_contiguous
    xc = np.ascontiguousarray(x)
    gx = OPS["linear"].array_vjps(np, np.ones((8, 3)), out, (xc, w, b), {}, (True, False, False))[0]
    assert gx.flags.c_contiguous


def test_top_level_ops_take_options_by_position_and_torch_names():
    t = dk.tensor([[1.0, 2.0], [3.0, 0.5]])
    np.testing.assert_allclose(dk.softmax(t, 1).numpy(), dk.softmax(t, axis=1).numpy())
    np.testing.assert_allclose(dk.softmax(t, dim=0).numpy(), dk.softmax(t, axis=0).numpy())
    assert dk.reshape(t, (4,)).shape == (4,)
    np.testing.assert_array_equal(dk.clip(t, 0.8, 2.0).numpy(), np.clip(t.numpy(), 0.8, 2.0))
    assert dk.sum(t, dim=0, keepdim=True).shape == (1, 2)
    with pytest.raises(dk.ArgumentTypeError, match="takes 0 option"):
        dk.sin(t, 1)
    with pytest.raises(dk.ArgumentTypeError, match="both by position and by name"):
        dk.softmax(t, 1, axis=0)


def test_concat_and_stack_take_an_axis_by_position_or_as_dim():
    a, b = dk.tensor([[1.0, 2.0]]), dk.tensor([[3.0, 4.0]])
    assert dk.stack([a, b], dim=1).shape == (1, 2, 2)
    assert dk.concat([a, b], 1).shape == (1, 4) and dk.cat([a, b], dim=0).shape == (2, 2)
