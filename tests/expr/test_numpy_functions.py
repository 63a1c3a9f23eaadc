"""NumPy's functions on transform values: the table's ops, or NumPy's own TypeError."""

import numpy as np
import pytest

import diffkit as dk
from diffkit.expr.numpy_functions import HANDLED

A = np.array([[1.0, 2.0], [3.0, 4.0]])
x0 = np.array([0.5, -1.0])


@pytest.mark.parametrize("name,fn", [
    ("dot", lambda x: np.dot(A, x)), ("dot scalar", lambda x: np.dot(2.0, x)), ("outer", lambda x: np.outer(x, x)),
    ("where", lambda x: np.where(x > 0, x, -x)), ("concatenate", lambda x: np.concatenate([x, x * 2])),
    ("stack", lambda x: np.stack([x, x], axis=1)), ("ravel", lambda x: np.ravel(np.outer(x, x))),
    ("expand_dims", lambda x: np.expand_dims(x, 0)), ("clip", lambda x: np.clip(x, -0.6, 0.6)),
    ("var (ddof 0)", lambda x: np.var(x)), ("std ddof", lambda x: np.std(x, ddof=1)),
    ("mean axis", lambda x: np.mean(np.outer(x, x), axis=0)), ("argmax", lambda x: x * np.argmax(x)),
    ("zeros_like", lambda x: x + np.zeros_like(x)), ("ones_like", lambda x: x * np.ones_like(x)),
])
def test_numpy_functions_match_numpy_and_differentiate(name, fn):
    value, tangent = dk.ad.jvp(fn, (x0,), (np.ones(2),))
    np.testing.assert_allclose(value, fn(x0), rtol=1e-14)
    h = 1e-6
    np.testing.assert_allclose(tangent, (fn(x0 + h) - fn(x0 - h)) / (2 * h), rtol=1e-6, atol=1e-9)


def test_shape_queries_and_refusals():
    def f(x):
        assert np.shape(x) == (2,) and np.ndim(x) == 1 and np.size(x) == 2
        return np.sum(x)

    dk.ad.grad(f)(x0)
    with pytest.raises(TypeError, match="more than 2 axes"):
        dk.ad.grad(lambda x: np.dot(x.reshape(1, 1, 2), x).sum())(x0)
    with pytest.raises(TypeError, match="no implementation"):
        dk.ad.grad(lambda x: np.cumprod(x).sum())(x0)
    assert np.sum in HANDLED and np.fft.fft not in HANDLED
