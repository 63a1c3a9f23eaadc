"""Nested transforms against JAX (float64 on the CPU), in every combination that makes sense.

JAX's numbers come from ``jax_reference.py``, run once in a process of its own
(JAX starts threads, and other tests fork); skipped when JAX is not installed.
Tolerance 1e-12 relative: the two apply the same rules, possibly in other orders.
"""

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import diffkit as dk
from diffkit import ad

pytestmark = pytest.mark.skipif(importlib.util.find_spec("jax") is None, reason="needs JAX")

X = np.array([0.3, -0.7, 1.1])
V = np.array([1.0, 2.0, -0.5])


@pytest.fixture(scope="module")
def jax_numbers():
    env = dict(os.environ, JAX_PLATFORMS="cpu")
    script = Path(__file__).with_name("jax_reference.py")
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=env, check=True)
    return json.loads(done.stdout)


def f(x):
    return dk.sum(dk.sin(x) * dk.exp(x[0]) + x**3 / (1.0 + x * x))


COMBOS = {
    "grad": lambda: ad.grad(f),
    "jacfwd": lambda: ad.jacfwd(f),
    "grad(grad(.)[0])": lambda: ad.grad(lambda x: ad.grad(f)(x)[0]),
    "jacfwd(jacrev)": lambda: ad.jacfwd(ad.jacrev(f)),
    "jacrev(jacrev)": lambda: ad.jacrev(ad.jacrev(f)),
    "jacrev(jacfwd)": lambda: ad.jacrev(ad.jacfwd(f)),
    "jacfwd(jacfwd)": lambda: ad.jacfwd(ad.jacfwd(f)),
    "hessian": lambda: ad.hessian(f),
    "third order": lambda: ad.jacfwd(ad.jacrev(ad.jacrev(f))),
    "vmap(grad)": lambda: lambda x: ad.vmap(ad.grad(f))(np.stack([x, 2 * x])),
    "vmap(hessian)": lambda: lambda x: ad.vmap(ad.hessian(f))(np.stack([x, -x])),
    "jacrev(vmap)": lambda: ad.jacrev(lambda x: ad.vmap(lambda r: r * x[0] + r**2)(x)),
    "grad(vmap(grad))": lambda: ad.grad(lambda x: ad.vmap(ad.grad(lambda s: s**3 * x[1]))(x).sum()),
    "hvp (jvp of grad)": lambda: lambda x: ad.jvp(ad.grad(f), (x,), (V,))[1],
    "vjp of jvp": lambda: lambda x: ad.vjp(lambda y: ad.jvp(f, (y,), (y,))[1], x)[1](1.0)[0],
}


@pytest.mark.parametrize("name", sorted(COMBOS))
def test_nested_transforms_match_jax(name, jax_numbers):
    got = np.asarray(COMBOS[name]()(X))
    want = np.asarray(jax_numbers[name])
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-13)


def test_no_perturbation_confusion(jax_numbers):
    """Each transform's level keeps its perturbation apart (Siskind and Pearlmutter's examples)."""
    got = [
        ad.grad(lambda x: x * ad.grad(lambda y: x * y)(1.0))(1.0),
        ad.jvp(lambda x: x * ad.jvp(lambda y: x + y, (1.0,), (1.0,))[1], (2.0,), (1.0,))[1],
        ad.grad(lambda x: x * ad.jvp(lambda y: x * y**2, (1.0,), (1.0,))[1])(3.0),
    ]
    assert got == jax_numbers["confusion"] == [2.0, 1.0, 12.0]


def test_hessian_with_tuple_argnums_matches_jax_blocks(jax_numbers):
    H = ad.hessian(lambda a, b: dk.sum(dk.tanh(a * b) * a), argnums=(0, 1))(np.array([1.0, 2.0]),
                                                                           np.array([3.0, -1.0]))
    for i in range(2):
        for j in range(2):
            np.testing.assert_allclose(H[i][j], jax_numbers["hessian blocks"][i][j], rtol=1e-12, atol=1e-14)


def test_pytree_gradients_match_jax(jax_numbers):
    params = {"W": np.array([[0.5, -1.0], [2.0, 0.1]]), "b": [np.array([0.1, 0.2]), 0.3]}

    def loss(p):
        h = dk.tanh(p["W"] @ np.array([1.0, 2.0]) + p["b"][0])
        return dk.sum(h * h) * p["b"][1]

    g = ad.grad(loss)(params)
    want = jax_numbers["pytree"]
    np.testing.assert_allclose(g["W"], want["W"], rtol=1e-13)
    np.testing.assert_allclose(g["b"][0], want["b0"], rtol=1e-13)
    assert type(g["b"]) is list and g["b"][1] == pytest.approx(want["b1"], rel=1e-13)


def test_per_example_gradients_match_jax(jax_numbers):
    W = np.array([[0.2, -0.4, 0.1], [0.3, 0.5, -0.2]])
    X = np.array([[1.0, 2.0, 0.5], [-1.0, 0.0, 2.0], [0.3, 0.3, 0.3], [2.0, -1.0, 1.0]])
    y = np.array([0, 1, 1, 0])
    ce = lambda W, x, t: dk.logsumexp(W @ x) - (W @ x)[t]  # noqa: E731
    got = ad.vmap(ad.grad(ce), in_axes=(None, 0, 0))(W, X, y)
    np.testing.assert_allclose(got, jax_numbers["per example"], rtol=1e-13)
