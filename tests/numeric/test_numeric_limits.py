"""Refusals instead of hangs, and bounded costs (issue 20, the numeric items). Where a request could hang,
it runs in a subprocess with a timeout."""

import subprocess
import sys
import textwrap

import numpy as np
import pytest

import diffkit as dk


def _within(code: str, seconds: float) -> str:
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                         timeout=seconds)
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_accuracies_float64_cannot_use_are_refused_at_once():
    out = _within("""
        import diffkit as dk
        for call in (lambda: dk.numeric.optimal_step(accuracy=1000), lambda: dk.FiniteDiff(accuracy=100000),
                     lambda: dk.FiniteDiff(accuracy=200)):
            try:
                call()
            except dk.ArgumentError as err:
                print("refused:", str(err)[:40])
    """, 60)
    assert out.count("refused: accuracy=") == 3
    assert dk.numeric.limits.max_accuracy(1) == 51 and dk.numeric.limits.max_accuracy(3, "float32") == 66


def test_huge_sweeps_are_refused_and_best_is_not_quadratic():
    out = _within("""
        import numpy as np, diffkit as dk
        try:
            dk.numeric.step_sweep("exp(x)", at=1.0, h=np.logspace(-300, 300, 10**6 + 1))
        except dk.ArgumentError as err:
            print("refused")
        s = dk.numeric.step_sweep("exp(x)", at=1.0, h=np.logspace(-16, 0, 200_000), schemes=["central"])
        print(s.best()["central"].h < 1e-3)
    """, 120)
    assert out.split() == ["refused", "True"]


def test_envelope_matches_its_definition():
    from diffkit.numeric.sweep import _envelope

    rng = np.random.default_rng(0)
    h = np.logspace(-6, 0, 400)[rng.permutation(400)]
    err = rng.random(400)
    err[7] = np.nan
    lh, e = np.log10(h), np.where(np.isfinite(err), err, np.inf)
    brute = np.array([e[np.abs(lh - v) <= 0.5].max() for v in lh])
    np.testing.assert_array_equal(_envelope(h, err), brute)


def test_a_large_imaginary_step_is_refused():
    """Issue 20: ComplexStep(h=1e300) silently returned -2.2e-300."""
    with pytest.raises(dk.ArgumentError, match="too large for a complex step"):
        dk.ComplexStep(h=1e300).derivative("exp(x)", at={"x": 1.0})
    with pytest.raises(dk.ArgumentError, match="too large for a complex step"):
        dk.numeric.derivative(np.exp, 1.0, method="complex", h=2.0)
    with pytest.warns(dk.numeric.NumericWarning, match="truncation") as info:  # allowed, but not in silence
        assert dk.ComplexStep(h=0.1).derivative("exp(x)", at={"x": 1.0}).derivative == pytest.approx(np.e, rel=1e-2)
    assert info[0].filename == __file__


def test_stencils_of_too_many_points_are_refused():
    with pytest.raises(dk.ArgumentError, match="points"):
        dk.numeric.stencil("central", order=60, accuracy=80)
    with pytest.raises(dk.ArgumentError, match="at most"):
        dk.numeric.stencil(offsets=range(200), order=1)


def test_random_point_is_seeded():
    np.testing.assert_array_equal(dk.numeric.random_point(4, seed=7), dk.numeric.random_point((4,), seed=7))
    assert dk.numeric.random_point((2, 3), seed=0, scale=0.1, near=np.ones((2, 3))).shape == (2, 3)
