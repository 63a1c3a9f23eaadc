"""Source transformation: the adjoint program as code, its cache, scalar and array paths."""

import math
import re
import warnings

import numpy as np
import pytest
from ad_reference import close, exact_gradient, exact_hessian

import diffkit as dk
from diffkit.ad import source
from diffkit.ad.source import adjoint_source, gradient_graph, program_for, run, tangent_graph
from diffkit.expr.ops import EXPR_OPS, FUNCTIONS

POINT = {"x": 0.37, "y": 1.3}


def _single_op(name):
    fn = FUNCTIONS[name]
    if EXPR_OPS[name].arity == 1:
        return dk.trace(lambda x: fn(x))
    return dk.trace(lambda x, y: fn(x, y))


def test_lecture_program_reads_like_the_adjoint_trace():
    src = adjoint_source(dk.examples.lecture())
    assert isinstance(src, str)
    lines = src.splitlines()
    assert lines[2] == "def program(xp, a0, a1):"
    assert "    # primal sweep" in lines and "    # adjoint sweep" in lines
    assert "xp.log(a0)" in src and "xp.cos(a1)" in src
    value, g1, g2 = src(x1=2.0, x2=5.0)
    assert value == pytest.approx(11.652071455223084, rel=1e-15)
    assert g1 == 5.5 and g2 == pytest.approx(2 - math.cos(5.0), rel=1e-15)


def test_constants_are_folded_and_primal_values_reused():
    src = adjoint_source(dk.examples.lecture())
    assert not re.search(r"\* 1\.0\b|\b1\.0 \*|\+ 0\.0|0\.0 \+", src)
    # the adjoint needs no log, product or sine: it reads a0, a1 and cos(a1)
    adjoint = src.split("# adjoint sweep")[1]
    assert "log" not in adjoint and "sin" not in adjoint
    assert len([ln for ln in adjoint.splitlines() if "=" in ln]) == 4


def test_user_text_never_reaches_the_code():
    bad = "x\nimport os; os.system('echo hacked')"
    with pytest.raises(dk.ExpressionError, match="ASCII identifiers"):  # refused as a name before any code
        dk.trace(lambda **kw: dk.sin(kw[bad]) * kw[bad], variables=[bad])
    f = dk.trace(lambda **kw: dk.sin(kw["x"]) * kw["x"], variables=["x"])
    (value, d) = adjoint_source(f)(x=1.0)
    assert d == pytest.approx(math.cos(1.0) + math.sin(1.0), rel=1e-15)


def test_programs_are_cached_per_graph_and_structure():
    g = dk.expr("x^3 + y").graph
    assert program_for(g, "gradient", ("x", "y")) is program_for(g, "gradient", ("x", "y"))
    again = dk.expr("x^3 + y").graph  # a fresh parse of the same text
    assert program_for(again, "gradient", ("x", "y")) is program_for(g, "gradient", ("x", "y"))


@pytest.mark.parametrize("name", sorted(EXPR_OPS))
def test_every_op_gradient_matches_sympy_scalar_and_array(name):
    f = _single_op(name)
    at = dict(zip(f.variables, EXPR_OPS[name].example or POINT.values()))  # inside the op's domain
    exact = exact_gradient(f, at)
    programs = program_for(f.graph, "gradient", f.variables)
    scalar = run(programs, [at[v] for v in f.variables])
    array = run(programs, [np.full(3, at[v]) for v in f.variables])
    for k, want in enumerate(exact):
        assert close(float(scalar[1 + k]), want, 1e-12), (name, scalar, want)
        assert close(float(np.broadcast_to(array[1 + k], (3,))[0]), want, 1e-12)


@pytest.mark.parametrize("text", ["x^3*y + exp(x*y)", "sin(x)/y + x*tanh(y)", "sqrt(x) * atan(y*y)"])
def test_forward_over_reverse_hessian_matches_sympy(text):
    f = dk.expr(text)
    at = {"x": 0.37, "y": 1.3}
    programs = program_for(f.graph, "hessian", f.variables)
    n = len(f.variables)
    exact = exact_hessian(f, at)
    for j in range(n):
        outs = run(programs, [at["x"], at["y"]] + [1.0 if k == j else 0.0 for k in range(n)])
        for i in range(n):
            assert close(outs[n + 2 + i], exact[i][j], 1e-12)


def test_scalar_domain_errors_fall_back_to_numpy_semantics():
    programs = program_for(dk.expr("log(x) + sqrt(y)").graph, "gradient", ("x", "y"))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        value, gx, gy = run(programs, [0.0, -1.0])
    assert value != value and gx == math.inf and gy != gy  # nan, inf, nan
    assert all(isinstance(v, float) for v in (value, gx, gy))
    assert any(issubclass(w.category, RuntimeWarning) for w in caught)


def test_negative_base_fractional_power_is_nan_not_complex():
    programs = program_for(dk.expr("x^0.5").graph, "gradient", ("x",))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value, d = run(programs, [-4.0])
    assert isinstance(value, float) and value != value


def test_long_programs_run_as_instruction_lists(monkeypatch):
    f = dk.examples.logistic_map(12)
    programs = program_for(f.graph, "gradient", ("x",))
    compiled = run(programs, [0.3])
    monkeypatch.setattr(source, "COMPILE_LIMIT", 3)
    looped = run(programs, [0.3])
    looped_arrays = run(programs, [np.array([0.3, 0.3])])
    assert looped == compiled
    np.testing.assert_array_equal(looped_arrays[1], [compiled[1]] * 2)


def _chain(x, n):
    for _ in range(n):
        x = 0.5 * dk.sin(x) + 0.5 * x
    return x


def test_deep_graph_gradient_agrees_with_dual_numbers():
    from diffkit.ad.forward import jvp_function

    f = dk.trace(lambda x: _chain(x, 2000))  # 8000 nodes: longer than COMPILE_LIMIT
    value, d = adjoint_source(f)(x=0.5)
    want_value, want_d = jvp_function(lambda x: _chain(x, 2000), (0.5,), (1.0,))
    assert value == pytest.approx(float(want_value), rel=1e-13)
    assert d == pytest.approx(float(want_d), rel=1e-12)


def test_runs_count_the_lines_they_execute():
    programs = program_for(dk.examples.lecture().graph, "gradient", ("x1", "x2"))
    with dk.counting() as spent:
        run(programs, [2.0, 5.0])
        run(programs, [np.ones(10), np.ones(10)])
    assert spent.count.primitives == 2 * programs.n_lines
    assert spent.count.elements == programs.cost * 11
    assert spent.count.evals == 2


def test_tangent_graph_with_seed_inputs():
    g, _ = tangent_graph(dk.expr("x*y").graph, ("x", "y"))
    assert g.variables == ("x", "y", "x'", "y'")
    assert [float(v) for v in g.evaluate({"x": 3.0, "y": 4.0, "x'": 1.0, "y'": 2.0})] == [12.0, 10.0]


def test_gradient_graph_rows_per_output():
    g, _ = gradient_graph(dk.expr("x*y, x + y").graph, ("x", "y"))
    assert [float(v) for v in g.evaluate({"x": 3.0, "y": 4.0})] == [12.0, 7.0, 4.0, 3.0, 1.0, 1.0]


def test_float32_points_stay_float32():
    x = np.linspace(1, 2, 5, dtype=np.float32)
    r = dk.ReverseMode().gradient("x^2 + 3*x", at={"x": x})
    assert r.gradient["x"].dtype == np.float32
    np.testing.assert_allclose(r.gradient["x"], 2 * x + 3, rtol=1e-6)


@pytest.mark.parametrize("shapes", [((1000,), ()), ((200, 1), (1, 7)), ((1, 9), (300, 1)), ((300, 2), (2,))])
def test_large_points_run_in_slices_with_the_same_results(monkeypatch, shapes):
    import diffkit.ad.source as source

    rng = np.random.default_rng(0)
    x = rng.uniform(0.5, 2.0, shapes[0])
    y = rng.uniform(-1.0, 1.0, shapes[1]) if shapes[1] else 0.7
    f = dk.expr("log(x) + x*y - sin(y) + 2*x")
    whole = dk.ReverseMode().gradient(f, at={"x": x, "y": y})
    monkeypatch.setattr(source, "PARALLEL_MIN_SIZE", 16)
    monkeypatch.setattr(source, "PIECE_SIZE", 64)  # several pieces a thread, and a short last one
    monkeypatch.setattr(source, "_workers", lambda: 3)
    pieces = []
    call = source.Program.call

    def counted(self, xp, args, **kw):
        pieces.append(1)
        return call(self, xp, args, **kw)

    monkeypatch.setattr(source.Program, "call", counted)
    sliced = dk.ReverseMode().gradient(f, at={"x": x, "y": y})
    assert len(pieces) > 6  # more than two pieces on each of the three threads
    np.testing.assert_array_equal(sliced.value, whole.value)
    for v in ("x", "y"):
        np.testing.assert_array_equal(sliced.gradient[v], whole.gradient[v])
    assert sliced.ops == whole.ops


def test_slices_keep_the_callers_errstate(monkeypatch):
    import diffkit.ad.source as source

    monkeypatch.setattr(source, "PARALLEL_MIN_SIZE", 16)
    monkeypatch.setattr(source, "PIECE_SIZE", 8)
    monkeypatch.setattr(source, "_workers", lambda: 2)
    x = np.linspace(1.0, -1.0, 64)  # negative only in the share another thread runs
    with np.errstate(invalid="raise", divide="raise"), pytest.raises(FloatingPointError):
        dk.ReverseMode().gradient(dk.expr("log(x)"), at={"x": x})
