"""Every elementwise op of the table, in every method: a test generated over the table's rows.

For each op, at its own point (``op.example``, inside its domain and away from
its kinks): text (by name and every other spelling), the SymPy counterpart both
ways, both AD modes against central differences to second order (HIPS
autograd's ``check_grads``), against SymPy's exact first and second
derivatives, against PyTorch (and JAX for ``cbrt``, which PyTorch lacks), the
complex step (or its warning, with the op's reason), Tensors with a
second-order graph, NumPy's ufuncs on traced values, the adjoint program and
traces, the op count, and evaluation on ``array_api_strict``. A new op that
misses any of these fails here.
"""

import math
import re
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
import sympy as sp
from check_grads import check_grads

import diffkit as dk
from diffkit.expr.ops import ALIASES, EXPR_OPS, FUNCTIONS, UFUNCS
from diffkit.expr.ops.core import _option_names
from diffkit.expr.parser import FUNCTION_NAMES
from diffkit.expr.sympy_bridge import FUNCTIONS as SYMPY_FUNCTIONS
from diffkit.expr.sympy_bridge import symbol
from diffkit.numeric import NumericWarning
from diffkit.symbolic.backends import real_kink_diff

#: Options the tests give the ops that take some.
OPTIONS = {"clip": (-1.0, 1.0)}
NAMES = sorted(EXPR_OPS)
#: Ops with a nonzero slope somewhere (the others have no rules: floor, sign...).
SMOOTH = [n for n in NAMES if EXPR_OPS[n].vjp is not None]


def _args(name):
    return ("x", "y")[: EXPR_OPS[name].arity]


def _text(name, fn=None):
    op = EXPR_OPS[name]
    if op.infix is not None and name not in FUNCTION_NAMES:  # an operator only: -x, x + y
        return f"-{_args(name)[0]}" if op.arity == 1 else f"x {op.infix} y"
    parts = list(_args(name)) + [repr(v) for v in OPTIONS.get(name, ())]
    return f"{fn or name}({', '.join(parts)})"


def _expr(name):
    return dk.expr(_text(name), variables=list(_args(name)))


def _point(name):
    op = EXPR_OPS[name]
    return dict(zip(_args(name), op.example or (0.5, 2.0)))


def _exact(f, at, *wrt):
    """A derivative of f's SymPy form at ``at``, to 30 digits (floor's and Mod's slopes included)."""
    e = real_kink_diff(f.to_sympy(real=True), *[symbol(w) for w in wrt]) if wrt else f.to_sympy(real=True)
    return float(sp.N(e.subs({symbol(k): sp.Float(v, 40) for k, v in at.items()}), 30))


def test_every_op_has_a_point_inside_its_domain():
    for name in NAMES:
        at = _point(name)
        value = _expr(name)(**at)
        assert np.isfinite(value), name


@pytest.mark.parametrize("name", NAMES)
def test_text_by_every_spelling(name):
    spellings = ([name] if name in FUNCTION_NAMES else []) + [a for a, target in ALIASES.items() if target == name]
    for spelling in spellings or [None]:
        g = dk.expr(_text(name, spelling), variables=list(_args(name))).graph
        assert [g.nodes[i].op.name for i in g.op_nodes] == [name], spelling
    op = EXPR_OPS[name]
    if op.infix is not None and op.arity == 2:  # and as an operator
        g = dk.expr(f"x {op.infix} y").graph
        assert [g.nodes[i].op.name for i in g.op_nodes] == [name]


@pytest.mark.parametrize("name", NAMES)
def test_sympy_counterpart_both_ways(name):
    f = _expr(name)
    at = _point(name)
    s = f.to_sympy()
    back = dk.expr(s, variables=list(f.variables))
    assert float(back(**at)) == pytest.approx(float(f(**at)), rel=1e-14)
    assert float(sp.N(s.subs({sp.Symbol(k): sp.Float(v, 40) for k, v in at.items()}), 30)) == pytest.approx(
        float(f(**at)), rel=1e-14, abs=1e-300)
    if type(s) in SYMPY_FUNCTIONS:  # one SymPy function: it comes back as the same op
        assert [back.graph.nodes[i].op.name for i in back.graph.op_nodes] == [name]


@pytest.mark.parametrize("name", SMOOTH)
def test_ad_against_finite_differences_to_second_order(name):
    check_grads(_expr(name), _point(name), order=2)


@pytest.mark.parametrize("name", SMOOTH)
def test_every_exact_method_against_sympy(name):
    f, at = _expr(name), _point(name)
    names = f.variables
    want = [_exact(f, at, v) for v in names]
    want2 = np.array([[_exact(f, at, a, b) for b in names] for a in names])
    for method in (dk.ForwardMode(), dk.ReverseMode(), dk.Symbolic()):
        got = method.gradient(f, at=at).gradient
        for v, w in zip(names, want):
            assert got[v] == pytest.approx(w, rel=1e-13, abs=1e-15), (method.name, v)
        np.testing.assert_allclose(method.hessian(f, at=at).hessian, want2, rtol=1e-11, atol=1e-13,
                                   err_msg=method.name)


def _torch_functions():
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    table = {n: getattr(torch, n) for n in NAMES if hasattr(torch, n) and n not in ("round", "clip", "pow", "abs")}
    table.update({
        "add": torch.add, "sub": torch.sub, "mul": torch.mul, "div": torch.div, "neg": torch.neg, "abs": torch.abs,
        "pow": torch.pow, "mod": torch.remainder, "round": torch.round, "clip": lambda x: torch.clamp(x, -1.0, 1.0),
        "softplus": F.softplus, "silu": F.silu, "gelu": F.gelu, "relu": torch.relu, "maximum": torch.maximum,
        "minimum": torch.minimum,
    })
    return torch, table


@pytest.mark.parametrize("name", NAMES)
def test_against_pytorch(name):
    torch, table = _torch_functions()
    if name not in table:
        pytest.skip(f"PyTorch has no {name}")
    f, at = _expr(name), _point(name)
    ts = [torch.tensor(at[v], dtype=torch.float64, requires_grad=True) for v in f.variables]
    y = table[name](*ts)
    assert float(f(**at)) == pytest.approx(y.item(), rel=1e-14)
    if not y.requires_grad:  # floor, ceil, round, sign: no graph, slope 0
        assert all(g == 0.0 for g in dk.ReverseMode().gradient(f, at=at).gradient.values())
        return
    grads = torch.autograd.grad(y, ts, create_graph=True, allow_unused=True)
    ours = dk.ReverseMode().gradient(f, at=at).gradient
    H = dk.ReverseMode().hessian(f, at=at).hessian
    for i, (v, g) in enumerate(zip(f.variables, grads)):
        want = 0.0 if g is None else g.item()
        assert ours[v] == pytest.approx(want, rel=1e-13, abs=1e-15), v
        if g is None or not g.requires_grad:
            continue
        row = torch.autograd.grad(g, ts, allow_unused=True, retain_graph=True)
        for j, h in enumerate(row):
            assert H[i][j] == pytest.approx(0.0 if h is None else h.item(), rel=1e-12, abs=1e-14), (v, j)


def test_cbrt_against_jax():
    """PyTorch has no cbrt: JAX's, its slope and curvature. JAX runs in a process of its own: its
    threads would make the fork()s of other tests (the swell study's time limits) unsafe."""
    pytest.importorskip("jax")
    code = (
        "import jax, jax.numpy as jnp\n"
        "with jax.enable_x64(True):\n"
        "    for x in (-8.0, 0.3, 27.5):\n"
        "        print(float(jax.grad(jnp.cbrt)(x)), float(jax.grad(jax.grad(jnp.cbrt))(x)))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-1000:]
    f = dk.expr("cbrt(x)")
    for x, line in zip((-8.0, 0.3, 27.5), done.stdout.split("\n")):
        d1, d2 = map(float, line.split())
        assert float(f(x=x)) == pytest.approx(float(np.cbrt(x)), rel=1e-15)
        assert dk.ReverseMode().derivative(f, at={"x": x}).derivative == pytest.approx(d1, rel=1e-14)
        assert dk.ForwardMode().derivative(f, at={"x": x}, order=2).derivative == pytest.approx(d2, rel=1e-13)


@pytest.mark.parametrize("name", NAMES)
def test_complex_step_or_its_reason(name):
    f, at = _expr(name), _point(name)
    op = EXPR_OPS[name]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        r = dk.ComplexStep().gradient(f, at=at)
    warned = [str(w.message) for w in caught if issubclass(w.category, NumericWarning)]
    if op.complex_step:  # refused with the op's reason
        assert any(name in m and op.complex_step in m for m in warned), warned
        return
    assert not warned, warned
    for v in f.variables:
        assert r.gradient[v] == pytest.approx(_exact(f, at, v), rel=1e-13, abs=1e-15), v


@pytest.mark.parametrize("name", NAMES)
def test_tensors_first_and_second_order(name):
    at = _point(name)
    ts = {v: dk.tensor(at[v], dtype="float64", requires_grad=True) for v in _args(name)}
    fn = FUNCTIONS[name]
    y = fn(*ts.values(), *OPTIONS.get(name, ()))
    assert y.item() == pytest.approx(float(_expr(name)(**at)), rel=1e-15)
    if not y.requires_grad:
        assert EXPR_OPS[name].vjp is None
        return
    y.backward(create_graph=True)
    want = dk.ReverseMode().gradient(_expr(name), at=at).gradient
    x = ts[_args(name)[0]]
    assert x.grad.item() == pytest.approx(want["x"], rel=1e-14, abs=1e-300)
    if x.grad.requires_grad:  # a second pass through the first one's graph
        g = x.grad
        x.grad = None
        g.backward()
        H = dk.ReverseMode().hessian(_expr(name), at=at).hessian
        assert (0.0 if x.grad is None else x.grad.item()) == pytest.approx(H[0][0], rel=1e-12, abs=1e-14)


@pytest.mark.parametrize("ufunc", sorted(u for u, n in UFUNCS.items() if n in EXPR_OPS))
def test_numpy_ufuncs_on_traced_values(ufunc):
    name = UFUNCS[ufunc]
    fn = getattr(np, ufunc)
    f = dk.trace(lambda *a: fn(*a), variables=list(_args(name)))
    assert [f.graph.nodes[i].op.name for i in f.graph.op_nodes] == [name]
    at = _point(name)
    if name not in OPTIONS:
        assert float(f(**at)) == pytest.approx(float(fn(*at.values())), rel=1e-14)


@pytest.mark.parametrize("name", SMOOTH)
def test_adjoint_source_traces_and_op_counts(name):
    f, at = _expr(name), _point(name)
    want = dk.ReverseMode().gradient(f, at=at)
    value, *grads = map(float, dk.ad.adjoint_source(f)(**at))
    assert value == pytest.approx(want.value, rel=1e-15)
    assert grads == pytest.approx([want.gradient[v] for v in f.variables], rel=1e-14, abs=1e-300)
    rows = dk.ad.reverse_trace(f, at=at).rows
    assert [r[-1] for r in rows[-len(f.variables):]] == pytest.approx(grads, rel=1e-14, abs=1e-300)
    # the tangent trace, seeded with x' = 1, ends with d/dx
    assert dk.ad.forward_trace(f, at=at).rows[-1][-1] == pytest.approx(want.gradient["x"], rel=1e-14, abs=1e-300)
    op = EXPR_OPS[name]
    assert want.ops.primitives > 0 and op.elements(np.ones(3), (np.ones(3),) * op.arity, {}) >= 3


@pytest.mark.parametrize("name", NAMES)
def test_array_api_namespace(name):
    xps = pytest.importorskip("array_api_strict")
    op = EXPR_OPS[name]
    params = dict(zip(_option_names(op.impl, op.arity), OPTIONS.get(name, ())))
    values = [np.array([v, v / 2 if name != "acosh" else v + 1.0]) for v in _point(name).values()]
    want = op.impl(np, *values, **params)
    got = op.impl(xps, *[xps.asarray(v) for v in values], **params)
    np.testing.assert_allclose(np.asarray(got), want, rtol=1e-14)


def test_readme_lists_every_function_of_the_table():
    from diffkit.expr.vocabulary import markdown

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- functions:.*?<!-- /functions -->", readme, re.S)
    assert block is not None, "README has no generated list of functions"
    assert block.group(0) == markdown(), "README's list of functions is stale: run python -m diffkit.expr.vocabulary"


def test_special_values():
    """Closed forms: sinc at 0, gelu and erf at known points, softplus far out, cbrt of a negative."""
    assert float(dk.sinc(0.0)) == 1.0
    assert float(dk.erf(1.0)) == pytest.approx(math.erf(1.0), rel=1e-15)
    assert float(dk.erfc(10.0)) == pytest.approx(math.erfc(10.0), rel=1e-14)
    assert float(dk.gelu(1.0)) == pytest.approx(0.5 * (1 + math.erf(1 / math.sqrt(2))), rel=1e-15)
    assert float(dk.softplus(800.0)) == 800.0 and float(dk.softplus(-800.0)) == 0.0
    assert float(dk.cbrt(-27.0)) == pytest.approx(-3.0, rel=1e-15)
    assert float(dk.mod(-5.5, 2.0)) == 0.5 and float(FUNCTIONS["round"](2.5)) == 2.0 == float(dk.round(2.5))
    assert dk.expr("e")() == math.e and dk.expr("e^x")(x=1.0) == pytest.approx(math.e, rel=1e-15)


def test_tensor_methods_in_pytorchs_names():
    """t.erf(), t.atan2(u), t.arccos(), t % u: the ops as methods, values and slopes as PyTorch's."""
    torch = pytest.importorskip("torch")
    from diffkit.expr.methods import _ELEMENTWISE_METHODS

    for name, op_name in _ELEMENTWISE_METHODS.items():
        args = EXPR_OPS[op_name].example or (0.5, 2.0)[: EXPR_OPS[op_name].arity]
        ours = [dk.tensor([a], dtype="float64", requires_grad=True) for a in args]
        theirs = [torch.tensor([a], dtype=torch.float64, requires_grad=True) for a in args]
        y, z = getattr(ours[0], name)(*ours[1:]), getattr(theirs[0], name)(*theirs[1:])
        assert y.item() == pytest.approx(z.item(), rel=1e-14), name
        if z.requires_grad:
            y.sum().backward()
            z.sum().backward()
            assert ours[0].grad.item() == pytest.approx(theirs[0].grad.item(), rel=1e-13, abs=1e-15), name
    t = dk.tensor([5.5, -5.5], requires_grad=True)
    (t % 2.0).sum().backward()
    assert (t % 2.0).tolist() == [1.5, 0.5] and t.grad.tolist() == [1.0, 1.0]
