"""check_grad's verdicts: degenerate points, kinks, the second random point, and SciPy/torch conveniences
(issue 16, items 1 to 3; issue 20's memory item)."""

import numpy as np
import pytest

import diffkit as dk


def test_false_pass_at_zero_is_caught_at_the_random_point():
    """Issue 16, item 1: grad = x for sum(x^2) agrees with 2x at 0."""
    rep = dk.check_grad(lambda x: np.sum(x**2), lambda x: x, np.zeros(3))
    assert rep.verdict == "failed" and not rep
    assert rep.at_x.verdict == "undecided" and rep.at_x.blind
    assert rep.second.verdict == "failed" and not np.allclose(rep.second.x, 0)
    assert "could not tell" in str(rep) and "factor of 2 is missing" in rep.hints[0]
    only_x = dk.check_grad(lambda x: np.sum(x**2), lambda x: x, np.zeros(3), random_point=False)
    assert only_x.verdict == "undecided" and not only_x and only_x.second is None


def test_the_random_point_is_seeded_and_near_x():
    x = np.array([10.0, -10.0, 10.0])
    a = dk.check_grad(lambda v: np.sum(v**3), lambda v: 3 * v**2, x, seed=3)
    b = dk.check_grad(lambda v: np.sum(v**3), lambda v: 3 * v**2, x, seed=3)
    np.testing.assert_array_equal(a.second.x, b.second.x)
    assert a.passed and np.all(np.abs(a.second.x - x) < 5)  # 10% of x's size, standard normal


def _relu_net(n_in=8, hidden=20, n_out=3, batch=6, seed=0):
    rng = np.random.default_rng(seed)
    X, Y = rng.standard_normal((batch, n_in)), rng.standard_normal((batch, n_out))
    W1, W2 = rng.standard_normal((n_in, hidden)) * 0.3, rng.standard_normal((hidden, n_out)) * 0.3

    def loss(p):
        return 0.5 * np.sum((np.maximum(X @ p["W1"], 0) @ p["W2"] - Y) ** 2)

    def grad(p):
        h = X @ p["W1"]
        a = np.maximum(h, 0)
        d = a @ p["W2"] - Y
        return {"W1": X.T @ ((d @ p["W2"].T) * (h > 0)), "W2": a.T @ d}

    return X, W1, W2, loss, grad


def test_a_kink_within_h_is_not_a_failure():
    """Issue 16, item 2: one hidden unit's pre-activation 3e-6 from its kink (steps of about 9e-6 cross it)."""
    X, W1, W2, loss, grad = _relu_net()
    i, j = 2, 5
    W1[3, j] -= ((X @ W1)[i, j] - 3e-6) / X[i, 3]
    rep = dk.check_grad(loss, grad, {"W1": W1, "W2": W2}, random_point=False)
    assert rep.passed, rep
    assert rep.kinks and all(k["variable"] == "W1" and k["index"][1] == j for k in rep.kinks)
    assert "a kink lies within h of this point" in str(rep) and "try h=" in str(rep)
    kink = rep.kinks[0]
    small = float(kink["advice"].split("try h=")[1].split()[0])
    assert dk.check_grad(loss, grad, {"W1": W1, "W2": W2}, h=small, random_point=False).kinks == []


def test_a_wrong_gradient_near_a_kink_still_fails():
    X, W1, W2, loss, grad = _relu_net()
    W1[3, 5] -= ((X @ W1)[2, 5] - 3e-6) / X[2, 3]
    bad = lambda p: {"W1": grad(p)["W1"], "W2": 0.5 * grad(p)["W2"]}  # noqa: E731
    rep = dk.check_grad(loss, bad, {"W1": W1, "W2": W2}, random_point=False)
    assert not rep.passed and any("'W2'" in h for h in rep.hints)


def test_report_is_a_float_a_bool_sorted_by_error_over_tolerance_and_takes_args():
    rep = dk.check_grad(lambda x, c: c * np.sum(x**3), lambda x, c: 3 * x**2, np.array([1.0, 2.0, 0.1]),
                        args=(1.5,))
    assert not rep and float(rep) == pytest.approx(1 / 3, rel=1e-4) and rep > 0.3 and rep >= 0.3 and not rep < 0.3
    ratios = [w["ratio"] for w in rep.worst]
    assert ratios == sorted(ratios, reverse=True) and ratios[0] > 1
    assert "error / tol" in str(rep)
    good = dk.check_grad(lambda x, c: c * np.sum(x**3), lambda x, c: 3 * c * x**2, np.ones(3), args=(1.5,))
    assert good and good < 1e-6 and good <= 1e-6


def test_sampled_entries_report_their_index_in_x():
    X, W1, W2, loss, grad = _relu_net()
    rep = dk.check_grad(loss, lambda p: {"W1": grad(p)["W1"] * 2, "W2": grad(p)["W2"]}, {"W1": W1, "W2": W2},
                        max_entries=12, seed=1, random_point=False)
    assert not rep.passed
    for w in rep.worst:
        assert len(w["index"]) == 2  # a row and a column of W1 or W2, not a position among the sampled
        assert w["analytic"] == pytest.approx(grad({"W1": W1, "W2": W2})[w["variable"]][w["index"]] *
                                              (2 if w["variable"] == "W1" else 1))


def test_fun_that_modifies_x_is_refused_and_progress_can_be_off():
    def loss(x):
        x *= 2  # a bug: the loss overwrites its input
        return float(np.sum(x))

    with pytest.raises(dk.ArgumentError, match="in place"):
        dk.check_grad(loss, lambda x: 2 * np.ones_like(x), np.ones(3), progress=False)


def test_memory_is_checked_before_allocating():
    """Issue 20: diffkit check --dim 1000000000 was killed for memory after 150 s."""
    big = np.broadcast_to(np.zeros(1), (10**12,))  # a view: nothing allocated yet
    with pytest.raises(dk.ArgumentError, match="memory"):
        dk.check_grad(np.sum, np.ones_like, big)
    with pytest.raises(dk.ArgumentError, match="memory"):
        dk.numeric.random_point(10**15)
    with pytest.raises(dk.ArgumentError, match="memory"):
        dk.numeric.hessian(np.sum, np.broadcast_to(np.zeros(1), (10**6,)))
