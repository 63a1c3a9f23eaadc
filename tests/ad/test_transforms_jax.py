"""Nested transforms against JAX (float64 on the CPU), in every combination that makes sense.

Skipped when JAX is not installed. Tolerance 1e-12 relative: the two compute
the same rules in possibly different orders.
"""

import os

import numpy as np
import pytest

os.environ.setdefault("JAX_PLATFORMS", "cpu")
jax = pytest.importorskip("jax")
jax.config.update("jax_enable_x64", True)
jnp = jax.numpy

import diffkit as dk  # noqa: E402
from diffkit import ad  # noqa: E402

X = np.array([0.3, -0.7, 1.1])
V = np.array([1.0, 2.0, -0.5])


def f_dk(x):
    return dk.sum(dk.sin(x) * dk.exp(x[0]) + x**3 / (1.0 + x * x))


def f_jax(x):
    return jnp.sum(jnp.sin(x) * jnp.exp(x[0]) + x**3 / (1.0 + x * x))


COMBOS = {
    "grad": lambda m, f: m.grad(f),
    "jacfwd": lambda m, f: m.jacfwd(f),
    "grad(grad(.)[0])": lambda m, f: m.grad(lambda x: m.grad(f)(x)[0]),
    "jacfwd(jacrev)": lambda m, f: m.jacfwd(m.jacrev(f)),
    "jacrev(jacrev)": lambda m, f: m.jacrev(m.jacrev(f)),
    "jacrev(jacfwd)": lambda m, f: m.jacrev(m.jacfwd(f)),
    "jacfwd(jacfwd)": lambda m, f: m.jacfwd(m.jacfwd(f)),
    "hessian": lambda m, f: m.hessian(f),
    "third order": lambda m, f: m.jacfwd(m.jacrev(m.jacrev(f))),
    "vmap(grad)": lambda m, f: lambda x: m.vmap(m.grad(f))(jnp.stack([x, 2 * x]) if m is jax else np.stack([x, 2 * x])),
    "vmap(hessian)": lambda m, f: lambda x: m.vmap(m.hessian(f))(
        jnp.stack([x, -x]) if m is jax else np.stack([x, -x])),
    "jacrev(vmap)": lambda m, f: m.jacrev(lambda x: m.vmap(lambda r: r * x[0] + r**2)(x)),
    "grad(vmap(grad))": lambda m, f: m.grad(lambda x: m.vmap(m.grad(lambda s: s**3 * x[1]))(x).sum()),
    "hvp (jvp of grad)": lambda m, f: lambda x: m.jvp(m.grad(f), (x,), (V if m is ad else jnp.asarray(V),))[1],
    "vjp of jvp": lambda m, f: lambda x: m.vjp(lambda y: m.jvp(f, (y,), (y,))[1], x)[1](1.0)[0],
}


@pytest.mark.parametrize("name", sorted(COMBOS))
def test_nested_transforms_match_jax(name):
    mk = COMBOS[name]
    got = np.asarray(mk(ad, f_dk)(X))
    want = np.asarray(jax.jit(mk(jax, f_jax))(jnp.asarray(X)))  # one compilation, not one per op
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-13)


def test_no_perturbation_confusion():
    """Each transform's level keeps its perturbation apart (Siskind and Pearlmutter's examples)."""
    dk_val = ad.grad(lambda x: x * ad.grad(lambda y: x * y)(1.0))(1.0)
    jx_val = jax.grad(lambda x: x * jax.grad(lambda y: x * y)(1.0))(1.0)
    assert dk_val == float(jx_val) == 2.0
    dk_fwd = ad.jvp(lambda x: x * ad.jvp(lambda y: x + y, (1.0,), (1.0,))[1], (2.0,), (1.0,))[1]
    jx_fwd = jax.jvp(lambda x: x * jax.jvp(lambda y: x + y, (1.0,), (1.0,))[1], (2.0,), (1.0,))[1]
    assert dk_fwd == float(jx_fwd) == 1.0
    mixed = ad.grad(lambda x: x * ad.jvp(lambda y: x * y**2, (1.0,), (1.0,))[1])(3.0)
    assert mixed == float(jax.grad(lambda x: x * jax.jvp(lambda y: x * y**2, (1.0,), (1.0,))[1])(3.0))


def test_hessian_with_tuple_argnums_matches_jax_blocks():
    a, b = np.array([1.0, 2.0]), np.array([3.0, -1.0])
    H = ad.hessian(lambda a, b: dk.sum(dk.tanh(a * b) * a), argnums=(0, 1))(a, b)
    Hj = jax.jit(jax.hessian(lambda a, b: jnp.sum(jnp.tanh(a * b) * a), argnums=(0, 1)))(jnp.asarray(a), jnp.asarray(b))
    for i in range(2):
        for j in range(2):
            np.testing.assert_allclose(H[i][j], np.asarray(Hj[i][j]), rtol=1e-12, atol=1e-14)


def test_pytree_gradients_match_jax():
    params = {"W": np.array([[0.5, -1.0], [2.0, 0.1]]), "b": [np.array([0.1, 0.2]), 0.3]}

    def loss(p, m):
        h = m.tanh(p["W"] @ np.array([1.0, 2.0]) + p["b"][0])
        return m.sum(h * h) * p["b"][1]

    g = ad.grad(loss)(params, dk)
    gj = jax.jit(jax.grad(lambda p: loss(p, jnp)))(jax.tree_util.tree_map(jnp.asarray, params))
    np.testing.assert_allclose(g["W"], np.asarray(gj["W"]), rtol=1e-13)
    np.testing.assert_allclose(g["b"][0], np.asarray(gj["b"][0]), rtol=1e-13)
    assert type(g["b"]) is list and g["b"][1] == pytest.approx(float(gj["b"][1]), rel=1e-13)


def test_per_example_gradients_match_jax():
    W = np.array([[0.2, -0.4, 0.1], [0.3, 0.5, -0.2]])
    X = np.array([[1.0, 2.0, 0.5], [-1.0, 0.0, 2.0], [0.3, 0.3, 0.3], [2.0, -1.0, 1.0]])
    y = np.array([0, 1, 1, 0])

    def loss(m, W, x, t):
        logits = W @ x
        return m.logsumexp(logits) - logits[t] if m is dk else jax.nn.logsumexp(logits) - logits[t]

    got = ad.vmap(ad.grad(lambda W, x, t: loss(dk, W, x, t)), in_axes=(None, 0, 0))(W, X, y)
    want = jax.jit(jax.vmap(jax.grad(lambda W, x, t: loss(jnp, W, x, t)), in_axes=(None, 0, 0)))(W, X, y)
    np.testing.assert_allclose(got, np.asarray(want), rtol=1e-13)
