"""NumPy's protocols on every kind of value (Tensor, dual, box, batched): diffkit's functions, the numbers
where nothing carries a derivative, a clear refusal where something would be dropped."""

import numpy as np
import pytest

import diffkit as dk

A = np.array([[1.0, 2.0], [3.0, 4.0]])
x0 = np.array([0.5, -1.0])


@pytest.mark.parametrize("name,fn", [
    ("dot", lambda x: np.dot(A, x)), ("dot scalar", lambda x: np.dot(2.0, x)), ("outer", lambda x: np.outer(x, x)),
    ("where", lambda x: np.where(x > 0, x, -x)), ("concatenate", lambda x: np.concatenate([x, x * 2])),
    ("stack", lambda x: np.stack([x, x], axis=1)), ("ravel", lambda x: np.ravel(np.outer(x, x))),
    ("expand_dims", lambda x: np.expand_dims(x, 0)), ("clip", lambda x: np.clip(x, -0.6, 0.6)),
    ("var (ddof 0)", lambda x: np.var(x)), ("std ddof", lambda x: np.std(x, ddof=1)),
    ("var correction", lambda x: np.var(np.outer(x, x), axis=0, correction=1)),
    ("mean axis", lambda x: np.mean(np.outer(x, x), axis=0)), ("argmax", lambda x: x * np.argmax(x)),
    ("zeros_like", lambda x: x + np.zeros_like(x)), ("ones_like", lambda x: x * np.ones_like(x)),
    ("full_like", lambda x: x * np.full_like(x, 3.0)), ("cumprod", lambda x: np.cumprod(x)),
    ("dot 3-d", lambda x: np.dot(np.arange(12.0).reshape(2, 3, 2), x)), ("min", lambda x: np.min(np.outer(x, x), 1)),
    ("fmax (ufunc)", lambda x: np.fmax(x, 0.0)), ("conj (ufunc)", lambda x: np.conj(x * 1j) * 1j),
    ("reciprocal (ufunc)", lambda x: np.reciprocal(x)), ("astype", lambda x: np.astype(x, np.float64)),
    ("broadcast_to", lambda x: np.broadcast_to(x, (3, 2))),
    ("matrix_transpose", lambda x: np.matrix_transpose(np.outer(x, [1.0, 2.0, 3.0]))),
])
def test_numpy_functions_match_numpy_and_differentiate(name, fn):
    value, tangent = dk.ad.jvp(fn, (x0,), (np.ones(2),))
    np.testing.assert_allclose(value, fn(x0), rtol=1e-14)
    h = 1e-6
    np.testing.assert_allclose(tangent, (fn(x0 + h) - fn(x0 - h)) / (2 * h), rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("transform", ["jvp", "grad", "vmap", "tensor"])
def test_one_protocol_serves_every_kind_of_value(transform):
    def f(x):
        return np.sum(np.cumsum(np.flip(x)) * np.exp(x)) + np.linalg.norm(x) + np.trace(np.outer(x, x))

    x = np.array([0.3, -0.7, 1.1])
    n = len(x)
    c = np.cumsum(x[::-1])
    # x_k is entry n-1-k of flip(x), so it is in every c_i with i >= n-1-k
    weights = np.array([np.exp(x[n - 1 - k:]).sum() for k in range(n)])
    grad = np.exp(x) * c + weights + x / np.linalg.norm(x) + 2 * x
    if transform == "jvp":
        t = np.array([1.0, -2.0, 0.5])
        assert dk.ad.jvp(f, (x,), (t,))[1] == pytest.approx(grad @ t, rel=1e-12)
    elif transform == "grad":
        np.testing.assert_allclose(dk.ad.grad(f)(x), grad, rtol=1e-12)
    elif transform == "vmap":
        xs = np.stack([x, 2 * x])
        np.testing.assert_allclose(dk.ad.vmap(f)(xs), [f(x), f(2 * x)], rtol=1e-12)
    else:
        t = dk.tensor(x, requires_grad=True)
        y = f(t)
        assert isinstance(y, dk.Tensor)
        y.backward()
        np.testing.assert_allclose(t.grad.numpy(), grad, rtol=1e-12)


def test_shape_queries_and_value_only_functions():
    def f(x):
        assert np.shape(x) == (2,) and np.ndim(x) == 1 and np.size(x) == 2 and not np.iscomplexobj(x)
        assert np.allclose(x, x0) and np.isfinite(x).all() and np.floor(x).tolist() == [0.0, -1.0]
        return np.sum(x)

    np.testing.assert_allclose(dk.ad.grad(f)(x0), [1.0, 1.0])
    w = dk.tensor([1.0, np.inf], requires_grad=True)
    assert np.isfinite(w).tolist() == [True, False]  # a ufunc that only reads values: answered
    assert dk.ad.vmap(lambda x: np.zeros_like(x) + np.shape(x)[0])(np.ones((3, 2))).shape == (3, 2)


def test_refusals_name_the_function():
    with pytest.raises(dk.ArgumentTypeError, match="np.fft.fft has no diffkit version"):
        dk.ad.grad(lambda x: np.fft.fft(x).real.sum())(x0)
    with pytest.raises(dk.ArgumentTypeError, match="np.logaddexp2 has no diffkit version"):
        dk.ad.grad(lambda x: np.logaddexp2(x, 1.0).sum())(x0)  # a ufunc the table doesn't have
    with pytest.raises(dk.ArgumentTypeError, match="out="):
        dk.ad.grad(lambda x: np.cumsum(x, out=np.zeros(2)).sum())(x0)
    with pytest.raises(dk.BatchingError, match="np.percentile"):  # would see the whole batch
        dk.ad.vmap(lambda x: np.percentile(x, 50))(np.ones((3, 2)))
