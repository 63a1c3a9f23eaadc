"""The Tensor engine on array_api_strict: proof that it uses only the Array API through ``xp``.

``dk.tensor`` keeps an array of another namespace in that namespace, so every
op and every rule below runs on ``array_api_strict``, which rejects anything
outside the standard (NumPy-only functions, methods, implicit conversions).
The same checks run on NumPy, and the two must agree.
"""

import numpy as np
import pytest

import diffkit as dk

xps = pytest.importorskip("array_api_strict")

RNG = np.random.default_rng(11)


@pytest.fixture(params=["numpy", "array_api_strict"])
def xp(request):
    return np if request.param == "numpy" else xps


def T(xp, values, requires_grad=True):
    return dk.tensor(xp.asarray(np.asarray(values, dtype=np.float64)), requires_grad=requires_grad)


def as_np(t):
    return np.asarray(t.numpy())


CASES = {
    "arith_broadcast": (lambda a, b: ((a * b + a / (b * b + 1.0) - b) ** 2).sum(), (3, 4), (4,)),
    "unary": (lambda a, b: (a.exp() + a.sin() * b.cos() + a.tanh() + a.sigmoid() + b.abs()).sum(), (3, 4), (3, 4)),
    "log_sqrt": (lambda a, b: ((a * a + 1.0).log() + (b * b + 1.0).sqrt()).sum(), (3, 4), (3, 4)),
    "relu_clamp_max": (lambda a, b: (a.relu() * b).sum() + a.clamp(-0.5, 0.5).sum() + a.maximum(b).sum(),
                       (3, 4), (3, 4)),
    "matmul": (lambda a, b: ((a @ b).tanh()).sum(), (3, 4), (4, 2)),
    "reductions": (lambda a, b: a.sum(dim=1).mean() + a.max(dim=0).values.sum() + (a.mean(0, keepdim=True) * b).sum(),
                   (3, 4), (3, 4)),
    "softmax_family": (lambda a, b: (a.log_softmax(dim=1) * b).sum() + a.logsumexp(dim=0).sum()
                       + (a.softmax(dim=0) * b).sum(), (3, 4), (3, 4)),
    "shapes": (lambda a, b: (a.reshape(4, 3).T * b).sum() + (a.permute(1, 0) @ a).sum()
               + a.transpose(0, 1)[1:, :2].sum(),
               (3, 4), (3, 4)),
    "index_concat_stack": (lambda a, b: (dk.concat([a, b], axis=0) ** 2).sum() + (dk.stack([a, b], axis=1) * 3.0).sum()
                           + (a[1] * b[2]).sum(), (3, 4), (3, 4)),
    "where_compare": (lambda a, b: dk.where(a > b, a * a, b * 2.0).sum(), (3, 4), (3, 4)),
    "var_std": (lambda a, b: a.var(dim=1).sum() + b.std(), (3, 4), (3, 4)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_gradients_agree_with_numpy(xp, name):
    f, sa, sb = CASES[name]
    va, vb = RNG.standard_normal(sa), RNG.standard_normal(sb)
    results = []
    for ns in (np, xp):
        a, b = T(ns, va), T(ns, vb)
        out = f(a, b)
        out.backward()
        assert type(a.grad._data).__module__.split(".")[0] == ns.__name__.split(".")[0]
        results.append((float(out.item()), as_np(a.grad), as_np(b.grad)))
    (v0, ga0, gb0), (v1, ga1, gb1) = results
    assert v1 == pytest.approx(v0, rel=1e-12)
    np.testing.assert_allclose(ga1, ga0, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(gb1, gb0, rtol=1e-12, atol=1e-14)


def test_closed_form_gradient(xp):
    x = T(xp, [0.5, 1.5])
    (x.sin() * x).sum().backward()
    xs = np.array([0.5, 1.5])
    np.testing.assert_allclose(as_np(x.grad), np.sin(xs) + xs * np.cos(xs), rtol=1e-14)


def test_second_derivative(xp):
    x = T(xp, [0.3, 0.8])
    (x ** 3).sum().backward(create_graph=True)
    g = x.grad
    x.grad = None
    g.sum().backward()
    np.testing.assert_allclose(as_np(x.grad), 6 * np.array([0.3, 0.8]), rtol=1e-14)


def test_mlp_training_step(xp):
    X = T(xp, RNG.standard_normal((8, 5)), requires_grad=False)
    onehot = T(xp, np.eye(3)[RNG.integers(0, 3, 8)], requires_grad=False)
    w1, b1 = T(xp, RNG.standard_normal((5, 6)) * 0.3), T(xp, np.zeros(6))
    w2, b2 = T(xp, RNG.standard_normal((6, 3)) * 0.3), T(xp, np.zeros(3))
    losses = []
    for _ in range(20):
        z = (X @ w1 + b1).relu() @ w2 + b2
        loss = -(z.log_softmax(dim=1) * onehot).sum() / 8.0
        for p in (w1, b1, w2, b2):
            p.grad = None
        loss.backward()
        with dk.no_grad():
            for p in (w1, b1, w2, b2):
                p.sub_(p.grad, alpha=0.5)
        losses.append(loss.item())
    assert losses[-1] < 0.7 * losses[0]


def test_inplace_ops_and_version_errors(xp):
    w = T(xp, [1.0, 2.0])
    loss = (w * w).sum()
    with dk.no_grad():
        w.mul_(2.0).add_(1.0).zero_()
    assert as_np(w).tolist() == [0.0, 0.0]
    with pytest.raises(dk.GradientError, match="in-place"):
        loss.backward()


def test_setitem_and_repr(xp):
    x = T(xp, [1.0, 2.0, 3.0])
    c = x * 1.0
    c[0] = 10.0
    (c * c).sum().backward()
    assert as_np(x.grad).tolist() == [0.0, 4.0, 6.0]
    assert repr(T(xp, [1.0, 2.0], requires_grad=False)) == "tensor([1., 2.], dtype=float64)"
