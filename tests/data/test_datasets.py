import warnings

import numpy as np
import pytest

import diffkit as dk
from diffkit import data


def test_sin_cubic_matches_lecture():
    x, y = data.sin_cubic()
    assert x.shape == (2000,) and x[0] == -np.pi and x[-1] == np.pi
    np.testing.assert_array_equal(y, np.sin(x))


def test_noisy_linear_slope_is_three():
    x, y = data.noisy_linear()
    assert x.shape == (100, 1) and x.dtype == np.float32
    slope, intercept = np.polyfit(x[:, 0], y[:, 0], 1)
    assert abs(slope - 3) < 0.1 and abs(intercept) < 0.6


def test_gaussian_classes_are_separable_on_average():
    x, y = data.gaussian_classes(400, separation=3.0, seed=1)
    m0, m1 = x[y == 0].mean(0), x[y == 1].mean(0)
    assert np.linalg.norm(m1 - m0) > 2.5
    assert ((x[:, 0] > 0) == (y == 1)).mean() > 0.85


def test_digits_are_deterministic_and_shaped_like_uci():
    X, y = data.digits()
    X2, y2 = data.digits()
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    assert X.shape == (1797, 64) and X.min() == 0 and X.max() == 16
    assert np.all(X == np.rint(X))
    assert np.bincount(y).tolist() == [180] * 9 + [177]
    X[0, 0] = -1  # a returned copy: the cache can't be corrupted by the caller
    assert data.digits()[0].min() == 0


def test_digits_classes_differ():
    # class means are distinct images: a nearest-mean classifier beats chance by far
    X, y = data.digits()
    Xtr, Xte, ytr, yte = data.train_test_split(X, y, test_size=0.3, seed=0)
    means = np.stack([Xtr[ytr == k].mean(0) for k in range(10)])
    pred = ((Xte[:, None, :] - means[None]) ** 2).sum(-1).argmin(1)
    assert (pred == yte).mean() > 0.7


def test_train_test_split():
    a, b = np.arange(10), np.arange(10) * 2
    atr, ate, btr, bte = data.train_test_split(a, b, test_size=0.2, seed=0)
    assert len(atr) == 8 and len(ate) == 2
    np.testing.assert_array_equal(btr, atr * 2)
    assert sorted(np.concatenate([atr, ate]).tolist()) == list(range(10))


def test_load_digits_reads_the_real_uci_digits_from_scikit_learn():
    sklearn_datasets = pytest.importorskip("sklearn.datasets")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the real data comes without a warning
        d = data.load_digits()
    real = sklearn_datasets.load_digits()
    assert d.source == "uci"
    np.testing.assert_array_equal(d.data, real.data)
    np.testing.assert_array_equal(d.target, real.target)
    np.testing.assert_array_equal(d.images, real.images)
    assert d.data.dtype == np.float64 and d.target.dtype == np.int64
    X, y = data.load_digits(n_class=3)  # unpacks as X, y; the first three classes, as scikit-learn's n_class
    assert sorted(set(y.tolist())) == [0, 1, 2] and len(X) == int((real.target < 3).sum())


def test_load_digits_falls_back_to_the_synthetic_digits_and_says_so(monkeypatch):
    import importlib.util

    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name.split(".")[0] == "sklearn" else real_find_spec(name, *a))
    with pytest.warns(UserWarning, match="synthetic digits"):
        d = data.load_digits()
    assert d.source == "synthetic"
    X, y = data.digits()
    np.testing.assert_array_equal(d.data, X)
    np.testing.assert_array_equal(d.target, y)
    with pytest.raises(dk.DiffkitError, match="scikit-learn is not installed"):
        data.load_digits(source="uci")
    assert data.load_digits(source="synthetic").source == "synthetic"
