"""Agreement properties: every differentiator gives the same gradient on random well-defined expressions.

The expressions come from :mod:`expression_strategy` (every elementwise op
of the table, domains respected, magnitudes bounded) with points in
[-2, 2]^n, at least ``MARGIN`` away from any kink of abs/relu/sign/step/
maximum/minimum.

Tolerances (``|a - b| <= tol * max(1, |b|)``: relative for entries above 1,
absolute below, because a gradient entry near zero is the sum of terms of
ordinary size and its rounding error is absolute in their scale):

* ``ForwardMode`` and ``ReverseMode`` against ``Symbolic``: 1e-10.
* ``ComplexStep`` against ``Symbolic``: 1e-12; only for expressions without
  abs, relu, sign, step, maximum or minimum (not complex-analytic, so the
  complex step does not apply).
* ``FiniteDiff("central")`` against ``Symbolic``: 1e-6 (its truncation and
  rounding error at the automatic step is about 1e-10 on these expressions).
* The Tensor path (the Expr's graph evaluated on float64 ``dk.tensor``
  leaves, then ``backward()``) against ``ReverseMode``: 1e-12, and against
  ``dk.ad.grad``: identical values.

Run many more examples with ``HYPOTHESIS_PROFILE=long pytest tests/reliability/test_agreement.py``.
"""

import warnings

import numpy as np
import pytest
from expression_strategy import (
    OPS_USED,
    cases,
    exact_gradient,
    kink_margin,
    same_number,
    special_cases,
    torch_gradient,
    uses_non_analytic,
)
from hypothesis import assume, given, note

import diffkit as dk
from diffkit.expr.ops import EXPR_OPS

MARGIN = 1e-2
TOL = {"forward": 1e-10, "reverse": 1e-10, "complex_step": 1e-12, "central": 1e-6}


def _close(got: dict, want: dict, tol: float) -> tuple[bool, str]:
    worst, where = 0.0, None
    for name, b in want.items():
        err = abs(got[name] - b) / max(1.0, abs(b))
        if not err <= tol:  # catches nan too
            worst, where = (np.inf if np.isnan(err) else max(worst, err)), name
    return where is None, f"{where}: got {got.get(where)}, want {want.get(where)} (scaled error {worst:.3g})"


def _function(case):
    f = dk.expr(case.text)
    assume(kink_margin(f, case.point) > MARGIN)
    return f


def test_the_strategy_reaches_every_elementwise_op():
    assert OPS_USED == set(EXPR_OPS)


@given(cases())
def test_every_method_agrees_with_symbolic(case):
    f = _function(case)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a well-defined expression must not warn in any method
        ref = dk.Symbolic().gradient(f, at=case.point)
        methods = {"forward": dk.ForwardMode(), "reverse": dk.ReverseMode(), "central": dk.FiniteDiff("central")}
        if not uses_non_analytic(case):
            methods["complex_step"] = dk.ComplexStep()
        for name, method in methods.items():
            r = method.gradient(f, at=case.point)
            note(f"{name}: {r.gradient} vs symbolic {ref.gradient}")
            ok, why = _close(r.gradient, ref.gradient, TOL[name])
            assert ok, f"{name} disagrees with symbolic on {case}: {why}"
            assert abs(r.value - ref.value) <= 1e-12 * max(1.0, abs(ref.value)), (name, r.value, ref.value)


@given(cases())
def test_tensor_path_equals_expr_path(case):
    f = _function(case)
    leaves = {v: dk.tensor(x, requires_grad=True, dtype="float64") for v, x in case.point.items()}
    out = f.graph.evaluate(leaves)[0]
    # sign and step have no VJP rule, so a leaf reached only through them gets no
    # node and keeps grad None (the derivative there is 0); an output reached only
    # that way does not require grad at all.
    if out.requires_grad:
        out.backward()
    tensor_grad = {v: 0.0 if t.grad is None else t.grad.item() for v, t in leaves.items()}
    expr_grad = dk.ReverseMode().gradient(f, at=case.point).gradient
    ok, why = _close(tensor_grad, expr_grad, 1e-12)
    assert ok, f"Tensor path disagrees with ReverseMode on {case}: {why}"
    assert abs(out.item() - f(**case.point)) <= 1e-13 * max(1.0, abs(out.item()))
    functional = dk.ad.grad(f, argnums=tuple(range(len(f.variables))))(*[case.point[v] for v in f.variables])
    functional = functional if isinstance(functional, tuple) else (functional,)
    ok, why = _close(dict(zip(f.variables, map(float, functional))), expr_grad, 1e-12)
    assert ok, f"dk.ad.grad disagrees with ReverseMode on {case}: {why}"


@given(cases(max_depth=3))
def test_vectorised_points_agree_with_scalar_points(case):
    """A batch of points in one call gives, entry by entry, what each point gives alone."""
    f = _function(case)
    shifts = np.array([0.0, 0.25, -0.5])
    batch = {v: x + shifts for v, x in case.point.items()}
    for k in range(1, len(shifts)):
        assume(kink_margin(f, {v: x[k] for v, x in batch.items()}) > MARGIN)
    r = dk.ReverseMode().gradient(f, at=batch)
    for k in range(len(shifts)):
        single = dk.ReverseMode().gradient(f, at={v: x[k] for v, x in batch.items()}).gradient
        ok, why = _close({v: float(np.asarray(g)[k]) for v, g in r.gradient.items()}, single, 1e-12)
        assert ok, f"point {k} of the batch disagrees on {case}: {why}"


@given(special_cases())
def test_special_points_follow_pytorch(case):
    """At signed zeros, 0^x, tiny and huge values, reverse mode and the Tensor path give PyTorch's
    numbers (nan where it has nan), or, where an intermediate over- or underflows in one formula
    and not in the other, the true number (``x/x`` at x = 1e-310: PyTorch's rule squares the
    denominator to 0 and gives -inf); and no method raises (each gives nan/inf, with warnings)."""
    pytest.importorskip("torch")
    f = dk.expr(case.text)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = torch_gradient(f, case.point)
        got = dk.ReverseMode().gradient(f, at=case.point).gradient
        leaves = {v: dk.tensor(x, requires_grad=True, dtype="float64") for v, x in case.point.items()}
        out = f.graph.evaluate(leaves)[0]
        if out.requires_grad:
            out.backward()
        for method in (dk.Symbolic(), dk.ForwardMode(), dk.FiniteDiff(), dk.ComplexStep()):
            method.gradient(f, at=case.point)  # no exception, whatever the numbers
    tensor = {v: 0.0 if t.grad is None else t.grad.item() for v, t in leaves.items()}
    note(f"reverse {got}, Tensor {tensor}, torch {want}")
    for v in f.variables:
        assert same_number(tensor[v], got[v]), f"the Tensor path differs from reverse mode on {case}: {v}"
        if not same_number(got[v], want[v]):
            exact = exact_gradient(f, case.point)[v]
            note(f"exact {v}: {exact}")
            assume(exact is not None)  # the truth needs more digits than SymPy will spend
            # 1e-3: an intermediate below 2^-1022 is subnormal and keeps only a few digits
            # (1/(1/x) at 1e-160 passes a cotangent of 1e-320); what is checked is no nan, inf or sign
            # where the truth has a number
            assert same_number(got[v], exact, 1e-3), f"reverse mode differs from PyTorch and the truth on {case}"


@pytest.mark.parametrize("text", ["(x ^ 0.0) * log(0.0)", "(x ^ (y - y)) * log(0.0 * x)"])
def test_a_zero_exponent_ignores_an_infinite_seed_as_pytorch_does(text):
    """Found by the property above: d/dx x^0 is 0 in PyTorch even when the cotangent reaching it is
    -inf (log 0), where 0 * -inf would be nan."""
    pytest.importorskip("torch")
    f = dk.expr(text)
    point = {v: 0.0 for v in f.variables}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = torch_gradient(f, point)
        got = dk.ReverseMode().gradient(f, at=point).gradient
    for v in f.variables:
        assert same_number(got[v], want[v]), (v, got[v], want[v])
