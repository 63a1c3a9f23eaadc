"""The sympy and symengine backends agree; a missing SymEngine says how to install it."""

import importlib.util

import pytest
import sympy as sp

import diffkit as dk
from diffkit.expr.sympy_bridge import symbol
from diffkit.symbolic import backends
from diffkit.symbolic.backends import expand_polynomial, get_backend, zero_deltas

x, y = symbol("x"), symbol("y")


def test_expand_polynomial_matches_sympy_expand():
    f = dk.examples.logistic_map(6).to_sympy()
    d = sp.diff(f, x)
    assert sp.expand(expand_polynomial(d) - sp.expand(d)) == 0
    assert expand_polynomial(x ** -1 + 1) is None and expand_polynomial(sp.exp(x)) is None
    assert expand_polynomial(sp.Integer(5)) == 5
    assert get_backend("sympy").expand(sp.sin(x) * (x + 1)) == x * sp.sin(x) + sp.sin(x)


def test_zero_deltas():
    assert zero_deltas(sp.diff(sp.sign(x), x)) == 0
    assert zero_deltas(x + sp.DiracDelta(x) * y) == x


def test_symengine_matches_sympy_on_every_op():
    pytest.importorskip("symengine")
    se, py = get_backend("symengine"), get_backend("sympy")
    from diffkit.expr.ops import EXPR_OPS

    for name, op in EXPR_OPS.items():
        e = op.sympy(*(x, y)[: op.arity])
        for w in ("x", "y")[: op.arity]:
            a, b = se.diff(e, w), py.diff(e, w)
            pt = dict(zip((x, y), map(sp.Rational, op.example or (0.3, 0.7))))
            assert float((a - b).subs(pt).evalf(30)) == pytest.approx(0, abs=1e-25), name
            assert all(s.is_real for s in a.free_symbols)
    r1 = dk.Symbolic(backend="symengine", simplify=True).derivative(dk.examples.logistic_map(5), at={"x": 0.2})
    r2 = dk.Symbolic(simplify=True).derivative(dk.examples.logistic_map(5), at={"x": 0.2})
    assert sp.expand(r1.expressions - r2.expressions) == 0
    assert r1.derivative == r2.derivative


def test_missing_symengine_says_how_to_install(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(backends.importlib.util, "find_spec",
                        lambda name, *a: None if name == "symengine" else real(name, *a))
    with pytest.raises(backends.SymEngineNotInstalled, match="pip install symengine") as info:
        dk.Symbolic(backend="symengine")
    assert isinstance(info.value, dk.DiffkitError) and isinstance(info.value, dk.BackendError)
    with pytest.raises(dk.symbolic.SymEngineNotInstalled):
        dk.symbolic.swell(dk.examples.logistic_map, n=[1], backend="symengine")


def test_symengine_expands_polynomials_as_sympy_does_and_the_rest_itself():
    pytest.importorskip("symengine")
    se = get_backend("symengine")
    d = sp.diff(dk.examples.logistic_map(4).to_sympy(), x)
    assert se.expand(d) == get_backend("sympy").expand(d)  # the same polynomial, term for term
    out = se.expand(sp.sin(x) * (x + 1))
    assert sp.expand(out - (x * sp.sin(x) + sp.sin(x))) == 0 and all(s.is_real for s in out.free_symbols)


def test_jump_functions_keep_their_names_and_slopes():
    """floor, ceiling and Mod differentiate by their slopes between the jumps (SymPy leaves them
    unevaluated), and each comes back as itself (ceiling is not taken for floor)."""
    from diffkit.symbolic.backends import real_kink_diff

    x, y = sp.symbols("x y", real=True)
    assert real_kink_diff(sp.Mod(y, sp.exp(sp.ceiling(x))) * y, y) == sp.Mod(y, sp.exp(sp.ceiling(x))) + y
    assert real_kink_diff(sp.Mod(x, y), y) == -sp.floor(x / y)
    assert real_kink_diff(sp.floor(x) * x + sp.ceiling(x), x) == sp.floor(x)
