"""Numerical edge cases: kinks, domains, overflow, repeated backward, grad modes, the double-where trap.

What is asserted here is what ``docs/edge_cases.md`` documents.
"""

import gc
import math
import threading
import warnings
import weakref

import numpy as np
import pytest

import diffkit as dk
from diffkit.numeric import NumericWarning

EXACT = {"symbolic": dk.Symbolic(), "forward": dk.ForwardMode(), "reverse": dk.ReverseMode()}


def _tensor_grad(text, at):
    f = dk.expr(text)
    leaves = {v: dk.tensor(at[v], requires_grad=True, dtype="float64") for v in f.variables}
    out = f.graph.evaluate(leaves)[0]
    if out.requires_grad:
        out.backward()
    return {v: 0.0 if t.grad is None else t.grad.item() for v, t in leaves.items()}


# ---------------------------------------------------------------- kinks

KINKS = [
    # text, point, the documented subgradient, central differences (mean of the one-sided slopes)
    ("relu(x)", {"x": 0.0}, {"x": 0.0}, {"x": 0.5}),
    ("abs(x)", {"x": 0.0}, {"x": 0.0}, {"x": 0.0}),
    ("maximum(x, y)", {"x": 1.0, "y": 1.0}, {"x": 0.5, "y": 0.5}, {"x": 0.5, "y": 0.5}),
    ("minimum(x, y)", {"x": 1.0, "y": 1.0}, {"x": 0.5, "y": 0.5}, {"x": 0.5, "y": 0.5}),
    ("relu(x^2 - 1)", {"x": 1.0}, {"x": 0.0}, {"x": 1.0}),  # a kink reached through the chain rule
    ("abs(sin(x)) * 3", {"x": 0.0}, {"x": 0.0}, {"x": 0.0}),
]


@pytest.mark.parametrize("text, at, sub, central", KINKS, ids=[k[0] for k in KINKS])
def test_kinks_give_the_documented_subgradient_in_every_exact_method(text, at, sub, central):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for name, method in EXACT.items():
            assert method.gradient(text, at=at).gradient == pytest.approx(sub, abs=1e-15), name
        assert _tensor_grad(text, at) == pytest.approx(sub, abs=1e-15)
        # central differences see both sides: the mean of the one-sided slopes, with an
        # O(h) error (not O(h^2)) when a side is curved: 1 + h/2 for relu(x^2 - 1)
        assert dk.FiniteDiff("central").gradient(text, at=at).gradient == pytest.approx(central, abs=1e-5)


def test_one_sided_differences_give_the_one_sided_slopes():
    assert dk.FiniteDiff("forward").derivative("relu(x)", at={"x": 0.0}).derivative == pytest.approx(1.0)
    assert dk.FiniteDiff("backward").derivative("relu(x)", at={"x": 0.0}).derivative == pytest.approx(0.0)
    assert dk.FiniteDiff("forward").derivative("abs(x)", at={"x": 0.0}).derivative == pytest.approx(1.0)
    assert dk.FiniteDiff("backward").derivative("abs(x)", at={"x": 0.0}).derivative == pytest.approx(-1.0)


def test_tensor_methods_follow_the_same_kink_rules():
    x = dk.tensor([0.0, 0.0, 0.0], requires_grad=True, dtype="float64")
    (x.relu() + x.abs() + x.maximum(dk.tensor([0.0, 0.0, 0.0], dtype="float64"))).sum().backward()
    assert x.grad.tolist() == [0.5, 0.5, 0.5]  # 0 + 0 + one half of the tie
    y = dk.tensor([2.0, 2.0, 5.0], requires_grad=True, dtype="float64")
    y.max().backward()  # the reduction splits a tie evenly too
    assert y.grad.tolist() == [0.0, 0.0, 1.0]
    z = dk.tensor([3.0, 3.0, 1.0], requires_grad=True, dtype="float64")
    z.max().backward()
    assert z.grad.tolist() == [0.5, 0.5, 0.0]


def test_complex_step_warns_on_kinks():
    with pytest.warns(NumericWarning, match="complex-analytic"):
        dk.ComplexStep().gradient("relu(x)", at={"x": 0.0})


def test_step_and_sign_have_derivative_zero_but_differences_see_the_jump():
    for name, method in EXACT.items():
        assert method.derivative("step(x) + sign(x)", at={"x": 0.0}).derivative == 0.0, name
    jump = dk.FiniteDiff("central").derivative("step(x)", at={"x": 0.0})
    assert jump.derivative > 1e3  # (1 - 0) / 2h: a difference quotient across a jump is ~1/h


# ---------------------------------------------------------------- domains and overflow

def _run(method, text, at):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        r = method.gradient(text, at=at)
    return r, {w.category for w in caught}


@pytest.mark.parametrize("name", list(EXACT))
def test_log_at_zero_and_below(name):
    r, cats = _run(EXACT[name], "log(x)", {"x": 0.0})
    assert r.value == -math.inf and r.gradient["x"] == math.inf and RuntimeWarning in cats
    r, cats = _run(EXACT[name], "log(x)", {"x": -1.0})
    assert math.isnan(r.value) and RuntimeWarning in cats
    assert r.gradient["x"] == -1.0  # the rule 1/x, applied as written


@pytest.mark.parametrize("method", [dk.FiniteDiff("central"), dk.ComplexStep()], ids=["central", "complex_step"])
def test_numeric_methods_give_nan_with_a_warning_outside_the_domain(method):
    for at in ({"x": -1.0},):
        r, cats = _run(method, "log(x)", at)
        assert math.isnan(r.value) and math.isnan(r.gradient["x"]) and NumericWarning in cats
    r, cats = _run(method, "sqrt(x)", {"x": -4.0})
    assert math.isnan(r.value) and math.isnan(r.gradient["x"]) and NumericWarning in cats


@pytest.mark.parametrize("text, at", [("x^(1/3)", {"x": -8.0}), ("x^y", {"x": -8.0, "y": 0.5}),
                                      ("(x - 10)^1.5", {"x": 2.0})])
def test_negative_base_to_a_fractional_power_is_nan_in_every_method(text, at):
    methods = dict(EXACT, central=dk.FiniteDiff("central"), complex_step=dk.ComplexStep())
    for name, method in methods.items():
        r, cats = _run(method, text, at)
        assert isinstance(r.value, float) and math.isnan(r.value), (name, r.value)
        assert all(math.isnan(g) for g in r.gradient.values()), (name, r.gradient)
        assert cats & {RuntimeWarning, NumericWarning}, name
    with pytest.warns(RuntimeWarning):
        assert math.isnan(dk.expr(text)(**at))  # plain evaluation: NumPy's nan, not a complex number


@pytest.mark.parametrize("text, at, value", [("1/x", {"x": 0.0}, math.inf), ("x^(-1)", {"x": 0.0}, math.inf),
                                             ("x/y", {"x": 0.0, "y": 0.0}, math.nan)])
def test_division_by_zero_warns_and_never_raises(text, at, value):
    with pytest.warns(RuntimeWarning):
        got = dk.expr(text)(**at)
    assert (math.isnan(got) and math.isnan(value)) or got == value
    for name, method in EXACT.items():
        r, cats = _run(method, text, at)
        assert (math.isnan(r.value) and math.isnan(value)) or r.value == value, name


@pytest.mark.parametrize("name", list(EXACT))
def test_exp_overflow_is_inf_with_a_warning(name):
    r, cats = _run(EXACT[name], "exp(x)", {"x": 1000.0})
    assert r.value == math.inf and r.gradient["x"] == math.inf and RuntimeWarning in cats


def test_exp_overflow_in_numeric_methods_and_tensors():
    for method in (dk.FiniteDiff("central"), dk.ComplexStep()):
        r, cats = _run(method, "exp(x)", {"x": 1000.0})
        assert r.value == math.inf and math.isnan(r.gradient["x"]) and NumericWarning in cats
    x = dk.tensor(1000.0, requires_grad=True, dtype="float64")
    with pytest.warns(RuntimeWarning, match="overflow"):
        y = x.exp()
    y.backward()
    assert y.item() == math.inf and x.grad.item() == math.inf


# ---------------------------------------------------------------- repeated backward, freeing

def test_gradients_accumulate_until_zeroed():
    x = dk.tensor([1.0, 2.0], requires_grad=True, dtype="float64")
    for k in range(1, 4):
        (x * x).sum().backward()  # a fresh graph each time
        assert x.grad.tolist() == [2.0 * k, 4.0 * k]
    y = (x * x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad.tolist() == [6.0 + 6.0, 12.0 + 24.0]
    x.grad = None
    (3 * x).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]


def test_backward_twice_through_a_freed_graph_is_an_error():
    x = dk.tensor([1.0, 2.0], requires_grad=True, dtype="float64")
    y = (x * x).sum()
    y.backward()
    with pytest.raises(dk.GradientError, match="second time"):
        y.backward()
    assert x.grad.tolist() == [2.0, 4.0]  # the failed call added nothing


def test_backward_frees_intermediate_values():
    x = dk.tensor(np.ones(1000), requires_grad=True, dtype="float64")
    h = x * 2.0
    alive = weakref.ref(h)
    y = (h * h).sum()
    del h
    gc.collect()
    assert alive() is not None  # the graph keeps what backward needs
    y.backward()
    gc.collect()
    assert alive() is None  # and lets go of it afterwards (y is still alive)
    assert x.grad.tolist() == [8.0] * 1000


def test_retain_graph_keeps_intermediates_for_a_second_pass():
    x = dk.tensor([3.0], requires_grad=True, dtype="float64")
    y = (x.sin() * x).sum()
    y.backward(retain_graph=True)
    first = x.grad.item()
    y.backward()
    assert x.grad.item() == pytest.approx(2 * first, rel=1e-15)


# ---------------------------------------------------------------- grad modes

def test_no_grad_restores_the_mode_after_an_exception():
    from diffkit.ad import is_grad_enabled

    x = dk.tensor([1.0], requires_grad=True)
    with pytest.raises(ZeroDivisionError):
        with dk.no_grad():
            assert not is_grad_enabled()
            raise ZeroDivisionError("inside no_grad")
    assert is_grad_enabled() and (x * 2).requires_grad

    @dk.no_grad()
    def boom():
        raise ValueError("inside")

    with pytest.raises(ValueError):
        boom()
    assert is_grad_enabled()
    with pytest.raises(KeyError):
        with dk.no_grad():
            with dk.enable_grad():
                raise KeyError("nested")
    assert is_grad_enabled()
    with dk.no_grad():
        with pytest.raises(KeyError):
            with dk.enable_grad():
                raise KeyError("nested")
        assert not is_grad_enabled()  # back to the enclosing block's mode, not to the default


def test_grad_mode_is_per_thread():
    from diffkit.ad import is_grad_enabled

    inside, ready, done = threading.Barrier(2), threading.Event(), threading.Event()
    seen = {}

    def quiet():
        with dk.no_grad():
            ready.set()
            inside.wait(timeout=10)
            seen["quiet"] = (is_grad_enabled(), (dk.tensor([1.0], requires_grad=True) * 2).requires_grad)
            done.wait(timeout=10)

    def loud():
        ready.wait(timeout=10)  # the other thread is inside no_grad now
        seen["loud"] = (is_grad_enabled(), (dk.tensor([1.0], requires_grad=True) * 2).requires_grad)
        inside.wait(timeout=10)
        done.set()

    threads = [threading.Thread(target=quiet), threading.Thread(target=loud)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=20)
    assert seen == {"quiet": (False, False), "loud": (True, True)}
    assert is_grad_enabled()


def test_new_threads_start_with_grad_enabled_even_inside_no_grad():
    from diffkit.ad import is_grad_enabled

    seen = []
    with dk.no_grad():
        t = threading.Thread(target=lambda: seen.append(is_grad_enabled()))
        t.start()
        t.join()
    assert seen == [True]


# ---------------------------------------------------------------- where and the double-where trap

def test_where_itself_does_not_leak_the_untaken_branch():
    x = dk.tensor([-1.0, 2.0], requires_grad=True, dtype="float64")
    z = dk.tensor([math.inf, math.nan], requires_grad=True, dtype="float64")
    dk.where(x > 0, x * 3.0, z).sum().backward()
    assert x.grad.tolist() == [0.0, 3.0]
    assert z.grad.tolist() == [1.0, 0.0]  # selected, not multiplied by a mask: no 0 * inf


def test_forward_mode_where_is_clean_even_with_an_infinite_untaken_tangent():
    f = lambda x: dk.where(x > 0, dk.sqrt(x), 0.0)  # noqa: E731
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        value, tangent = dk.ad.jvp(f, (dk.tensor([-1.0, 0.0, 4.0], dtype="float64"),),
                                   (dk.tensor([1.0, 1.0, 1.0], dtype="float64"),))
    assert value.tolist() == [0.0, 0.0, 2.0] and tangent.tolist() == [0.0, 0.0, 0.25]


def test_the_double_where_trap_and_its_safe_idiom():
    x = dk.tensor([-1.0, 0.0, 4.0], requires_grad=True, dtype="float64")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        naive = dk.where(x > 0, dk.sqrt(x), 0.0)
        naive.sum().backward()
    # The value is right, but sqrt's own rule g / (2 sqrt(x)) meets g = 0 where
    # sqrt(x) is nan (x < 0) or 0 (x = 0): 0/nan and 0/0 are nan. PyTorch and
    # JAX behave the same; where cannot undo what an inner rule computed.
    assert naive.tolist() == [0.0, 0.0, 2.0]
    assert np.isnan(x.grad.numpy()[:2]).all() and x.grad.numpy()[2] == 0.25
    x.grad = None
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the safe idiom never evaluates sqrt outside its domain
        positive = x > 0
        safe = dk.where(positive, dk.sqrt(dk.where(positive, x, 1.0)), 0.0)
        safe.sum().backward()
    assert safe.tolist() == [0.0, 0.0, 2.0] and x.grad.tolist() == [0.0, 0.0, 0.25]
