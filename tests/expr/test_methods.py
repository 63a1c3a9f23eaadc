"""ArrayMethods: one set of array methods, the same numbers and derivatives on every kind of value.

Each method call runs on a Tensor (its own methods) and inside the function
transforms (forward-mode values, reverse-mode boxes, batched values, which get
the mixin's): values must agree, and the derivatives of forward and reverse
mode must be transposes of each other and match the Tensor tape's.
"""

import numpy as np
import pytest

import diffkit as dk
from diffkit.ad import jvp, vjp, vmap

RNG = np.random.default_rng(7)
X = RNG.uniform(0.3, 1.5, size=(3, 4))
W = RNG.normal(size=(4, 2))

CALLS = {
    "sum(1)": lambda x: x.sum(1), "sum(axis, keepdims)": lambda x: x.sum(axis=0, keepdims=True),
    "mean()": lambda x: x.mean(), "max()": lambda x: x.max(), "max(1).values": lambda x: x.max(1).values,
    "min(0).values": lambda x: x.min(0).values, "min(dim=1, keepdim=True)": lambda x: x.min(dim=1, keepdim=True)[0],
    "amax(0)": lambda x: x.amax(0), "amin()": lambda x: x.amin(), "var(1)": lambda x: x.var(1),
    "var(correction=0)": lambda x: x.var(correction=0), "std()": lambda x: x.std(),
    "std(0, False)": lambda x: x.std(0, False),
    "norm()": lambda x: x.norm(), "logsumexp(1)": lambda x: x.logsumexp(1), "softmax(0)": lambda x: x.softmax(0),
    "log_softmax()": lambda x: x.log_softmax(), "reshape(2, 6)": lambda x: x.reshape(2, 6),
    "view(-1)": lambda x: x.view(-1), "view_as": lambda x: x.view_as(np.zeros((4, 3))),
    "flatten()": lambda x: x.flatten(), "unsqueeze(1).squeeze()": lambda x: x.unsqueeze(1).squeeze(),
    "squeeze(0) keeps": lambda x: x.squeeze(0), "split(3, dim=1)[1]": lambda x: x.split(3, dim=1)[1],
    "chunk(2)[0]": lambda x: x.chunk(2)[0], "permute(1, 0)": lambda x: x.permute(1, 0),
    "transpose(0, 1)": lambda x: x.transpose(0, 1), "t()": lambda x: x.t(), "T": lambda x: x.T, "mT": lambda x: x.mT,
    "expand(2, 3, 4)": lambda x: x.expand(2, 3, 4), "broadcast_to": lambda x: x.broadcast_to((2, 3, 4)),
    "expand_as": lambda x: x[:, :1].expand_as(np.zeros((3, 4))), "matmul": lambda x: x.matmul(W),
    "mm": lambda x: x.mm(W), "@": lambda x: x @ W, "W.T @ x.T": lambda x: W.T @ x.T,
    "index": lambda x: x[1:, ::2], "index arrays": lambda x: x[np.array([2, 0]), 1],
    "exp": lambda x: x.exp(), "log": lambda x: x.log(), "sqrt": lambda x: x.sqrt(), "square": lambda x: x.square(),
    "sin": lambda x: x.sin(), "cos": lambda x: x.cos(), "tan": lambda x: x.tan(), "tanh": lambda x: x.tanh(),
    "sigmoid": lambda x: x.sigmoid(), "relu": lambda x: (x - 0.8).relu(), "abs": lambda x: (x - 0.8).abs(),
    "reciprocal": lambda x: x.reciprocal(), "rsqrt": lambda x: x.rsqrt(), "pow": lambda x: x.pow(3),
    "add(alpha)": lambda x: x.add(x * x, alpha=2), "sub": lambda x: x.sub(1.0), "mul": lambda x: x.mul(x),
    "div": lambda x: x.div(2.0), "neg": lambda x: x.neg(), "clamp": lambda x: x.clamp(0.5, 1.0),
    "clamp(min=)": lambda x: x.clamp(min=0.7), "maximum": lambda x: x.maximum(x.T.T * 0.9 + 0.1),
    "minimum": lambda x: x.minimum(np.full((3, 4), 0.9)), "where": lambda x: x.where(X > 0.8, -x),
    "double": lambda x: x.double(), "clone": lambda x: x.clone(), "contiguous": lambda x: x.contiguous(),
}


def _tensor_value_and_grad(call, g):
    t = dk.tensor(X, dtype="float64", requires_grad=True)
    out = call(t)
    (out * dk.tensor(g)).sum().backward()
    return out.numpy(), t.grad.numpy()


@pytest.mark.parametrize("name", sorted(CALLS))
def test_methods_agree_across_kinds_of_value(name):
    call = CALLS[name]
    value, tangent = jvp(call, (X,), (np.ones_like(X) * 0.5 + X,))
    g = RNG.normal(size=np.shape(value))
    t_value, t_grad = _tensor_value_and_grad(call, g)
    np.testing.assert_allclose(value, t_value, rtol=1e-14)
    y, pullback = vjp(call, X)
    (cot,) = pullback(g)
    np.testing.assert_allclose(cot, t_grad, rtol=1e-12, atol=1e-14)  # reverse mode = the Tensor tape
    # forward and reverse rules are transposes: <J t, g> = <t, J^T g>
    assert np.sum(tangent * g) == pytest.approx(np.sum((0.5 + X) * cot), rel=1e-12)
    np.testing.assert_allclose(vmap(call)(np.stack([X, X])), np.stack([value, value]), rtol=1e-14)


def test_shape_queries_len_iter_and_numpys_protocol():
    def f(x):
        assert x.shape == (3, 4) and x.ndim == 2 and x.numel() == 12 and x.dim() == 2
        assert x.size == 12 and x.size() == (3, 4) and x.size(1) == 4 and len(x) == 3
        rows = list(x)
        assert len(rows) == 3
        return np.sum(x) + np.max(x) + np.mean(x, axis=0).sum() + np.var(x) + np.std(x, axis=1).sum() \
            + np.min(np.transpose(x)) + np.squeeze(np.reshape(x, (1, 12))).sum() + rows[2].sum()

    gf = dk.ad.grad(f)(X)
    h = 1e-6
    num = np.zeros_like(X)
    plain = lambda v: (np.sum(v) + np.max(v) + np.mean(v, axis=0).sum() + np.var(v) + np.std(v, axis=1).sum()  # noqa: E731
                       + np.min(v.T) + v.sum() + v[2].sum())
    for k in range(X.size):
        e = np.zeros_like(X)
        e.flat[k] = h
        num.flat[k] = (plain(X + e) - plain(X - e)) / (2 * h)
    np.testing.assert_allclose(gf, num, rtol=1e-6, atol=1e-8)


def test_what_would_drop_a_derivative_is_refused():
    with pytest.raises(dk.GradientError, match="float"):
        dk.ad.grad(lambda x: float(x))(1.0)
    with pytest.raises(dk.GradientError, match="np.asarray"):
        dk.ad.grad(lambda x: np.asarray(x).sum())(np.ones(2))
    with pytest.raises(TypeError, match="at\\[index\\]"):
        dk.ad.grad(lambda x: x.__setitem__(0, 1.0))(np.ones(2))
    with pytest.raises(TypeError, match="np.fft.fft has no diffkit version"):
        dk.ad.grad(lambda x: np.fft.fft(x).sum())(np.ones(2))


def test_functional_updates():
    x = np.array([1.0, 2.0, 3.0])
    g = dk.ad.grad(lambda v: dk.sum(v.at[0].set(v[1] ** 2).at[np.array([1, 1])].add(v[0])))(x)
    np.testing.assert_array_equal(g, [2.0, 5.0, 1.0])
    y = dk.tensor(x).at[2].add(1.0)
    assert y.tolist() == [1.0, 2.0, 4.0]
