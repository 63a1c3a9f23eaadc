"""grid_derivative and grid_study: sampled data on uniform and non-uniform grids (issue 16, item 10)."""

import numpy as np
import pytest

import diffkit as dk


@pytest.mark.parametrize("order, accuracy, tol", [(1, 2, 1e-2), (1, 4, 2e-5), (2, 2, 5e-2), (2, 4, 2e-3),
                                                  (3, 2, 0.5)])
def test_uniform_grid_every_point_edges_included(order, accuracy, tol):
    """h = 0.05: the one-sided edges' error, about C h^p f^(k+p), sets the tolerances."""
    x = np.linspace(0, 2, 41)
    want = [np.exp(x)] * 4
    d = dk.numeric.grid_derivative(np.exp(x), x[1] - x[0], order=order, accuracy=accuracy)
    assert np.max(np.abs(d - want[order])) < tol


def test_non_uniform_grid_and_the_accuracy_order_it_reaches():
    for jitter, acc in [(0.4, 2), (0.4, 4)]:
        study = dk.numeric.grid_study(np.sin, np.cos, 0.0, 3.0, accuracy=acc, jitter=jitter)
        assert abs(study.slope() - acc) < 0.6, (acc, study.slope())
    x = np.cumsum(np.r_[0.0, np.random.default_rng(1).uniform(0.01, 0.05, 80)])
    d = dk.numeric.grid_derivative(x**3, x, order=2, accuracy=2)
    np.testing.assert_allclose(d, 6 * x, atol=1e-8)  # exact for a cubic: every window has 4 points


def test_any_axis_and_the_shape_is_kept():
    y, x = np.meshgrid(np.linspace(0, 1, 30), np.linspace(0, 2, 50), indexing="ij")
    f = np.sin(x) * y**2
    dx = dk.numeric.grid_derivative(f, 2 / 49, axis=1, accuracy=4)
    dy = dk.numeric.grid_derivative(f, np.linspace(0, 1, 30), axis=0, accuracy=4)
    assert dx.shape == dy.shape == f.shape
    np.testing.assert_allclose(dx, np.cos(x) * y**2, atol=1e-5)
    np.testing.assert_allclose(dy, 2 * np.sin(x) * y, atol=1e-9)


def test_grid_study_slope_table_and_plot():
    s = dk.numeric.grid_study(np.exp, np.exp, -1.0, 1.0, order=2, accuracy=2)
    assert round(s.slope()) == 2 and s.errors[0] > s.errors[-1]
    assert "slope" in str(s)
    assert s.plot().axes[0].get_xscale() == "log"


def test_bad_grids_are_refused():
    with pytest.raises(dk.ShapeError, match="at least"):
        dk.numeric.grid_derivative([1.0, 2.0], 0.1, order=2)
    with pytest.raises(dk.ArgumentError, match="increasing"):
        dk.numeric.grid_derivative(np.ones(5), [0, 1, 1, 2, 3])
    with pytest.raises(dk.ShapeError, match="one coordinate per sample"):
        dk.numeric.grid_derivative(np.ones(5), [0, 1, 2])
    with pytest.raises(dk.ArgumentError, match="spacing"):
        dk.numeric.grid_derivative(np.ones(5), 0.0)
