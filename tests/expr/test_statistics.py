"""var, std and norm: values against NumPy, rules against finite differences, PyTorch's numbers at zero."""

import warnings

import numpy as np
import pytest

import diffkit as dk
from diffkit.ad import grad, jacfwd, jacrev
from diffkit.expr.ops import OPS, apply

RNG = np.random.default_rng(4)
X = RNG.normal(size=(3, 4))
CASES = [
    ("var", {}), ("var", {"axis": 1, "correction": 0}), ("var", {"axis": 0, "keepdims": True}),
    ("std", {}), ("std", {"axis": (0, 1), "correction": 0}), ("std", {"axis": -1, "keepdims": True}),
    ("vector_norm", {}), ("vector_norm", {"axis": 0}), ("vector_norm", {"axis": 1, "keepdims": True}),
]


def _numpy(name, x, axis=None, correction=1, keepdims=False):
    if name == "vector_norm":
        return np.sqrt(np.sum(x * x, axis=axis, keepdims=keepdims))
    fn = np.var if name == "var" else np.std
    return fn(x, axis=axis, ddof=correction, keepdims=keepdims)


@pytest.mark.parametrize("name,params", CASES)
def test_values_match_numpy(name, params):
    np.testing.assert_allclose(OPS[name].impl(np, X, **params), _numpy(name, X, **params), rtol=1e-14)


@pytest.mark.parametrize("name,params", CASES)
def test_reverse_and_forward_rules_match_finite_differences(name, params):
    h = 1e-6
    num = np.zeros_like(X)
    for k in range(X.size):
        e = np.zeros_like(X)
        e.flat[k] = h
        num.flat[k] = (np.sum(_numpy(name, X + e, **params)) - np.sum(_numpy(name, X - e, **params))) / (2 * h)
    np.testing.assert_allclose(grad(lambda x: dk.sum(_apply(name, x, params)))(X), num, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(jacfwd(lambda x: dk.sum(_apply(name, x, params)))(X), num, rtol=1e-6, atol=1e-8)


def _apply(name, x, params):
    return apply(OPS[name], x, **params)


@pytest.mark.parametrize("case", ["std one element, correction 0", "std of a constant", "norm at 0",
                                  "std one element", "std of rows, one constant"])
def test_slopes_at_zero_are_pytorchs_in_every_mode(case):
    """std and norm where they are 0 (PyTorch 2.13 gives 0 there, not NaN), and NaN where torch has NaN."""
    torch_ = pytest.importorskip("torch")
    x, fn_dk, fn_t = {
        "std one element, correction 0": ([3.0], lambda v: v.std(correction=0), lambda v: v.std(correction=0)),
        "std of a constant": ([3.0, 3.0], lambda v: v.std(), lambda v: v.std()),
        "norm at 0": ([0.0, 0.0, 0.0], lambda v: v.norm(), lambda v: v.norm()),
        "std one element": ([3.0], lambda v: v.std(), lambda v: v.std()),
        "std of rows, one constant": ([[1.0, 2.0], [3.0, 3.0]], lambda v: v.std(1).sum(), lambda v: v.std(1).sum()),
    }[case]
    t = torch_.tensor(x, dtype=torch_.float64, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fn_t(t).backward()
        want = t.grad.numpy()
        xd = np.array(x)
        got_rev = grad(fn_dk)(xd)
        got_fwd = jacfwd(fn_dk)(xd)
        got_jr = jacrev(fn_dk)(xd)
        td = dk.tensor(xd, requires_grad=True)
        fn_dk(td).backward()
    for got in (got_rev, got_fwd, got_jr, td.grad.numpy()):
        np.testing.assert_allclose(got, want, rtol=1e-14, equal_nan=True)


def test_second_derivative_of_norm_at_zero_is_finite():
    """torch.func.hessian(torch.norm) at 0 is the zero matrix: the guard is a double where."""
    np.testing.assert_array_equal(dk.ad.hessian(lambda v: v.norm())(np.zeros(2)), np.zeros((2, 2)))
    np.testing.assert_array_equal(dk.ad.hessian(lambda v: v.std(correction=0))(np.full(3, 2.0)), np.zeros((3, 3)))


def test_variance_of_complex_numbers_is_real_with_jax_convention_gradient():
    """NumPy's var of complex numbers is the mean of |x - mean|^2; its gradient (JAX's convention,
    d/dRe - i d/dIm) is 2 conj(x - mean) / (n - ddof)."""
    z = np.array([1.0 + 2.0j, -0.5 + 0.0j, 3.0 - 1.0j, 0.25 + 0.5j])
    for ddof in (0, 1):
        assert float(dk.var(z, ddof=ddof)) == pytest.approx(np.var(z, ddof=ddof), rel=1e-14)
        g = dk.ad.grad(lambda v, ddof=ddof: dk.var(v, ddof=ddof))(z)
        np.testing.assert_allclose(g, 2 * np.conj(z - z.mean()) / (len(z) - ddof), rtol=1e-14)
    s = float(dk.std(z, correction=0))
    assert s == pytest.approx(np.std(z), rel=1e-14)
