"""JAX's numbers for ``test_transforms_jax.py``, computed in a process of their own.

JAX starts threads, and other tests fork (the swell study's time limit): so
JAX never runs in the test process, and importing this module (pytest does,
for doctests) does not import JAX. ``python jax_reference.py`` prints a JSON
object of named results; each mirrors a diffkit computation in the test.
"""

import json
import os


def results() -> dict:
    os.environ.setdefault("JAX_PLATFORMS", "cpu")
    import jax
    import jax.numpy as jnp
    import numpy as np

    jax.config.update("jax_enable_x64", True)
    X = jnp.array([0.3, -0.7, 1.1])
    V = jnp.array([1.0, 2.0, -0.5])

    def f(x):
        return jnp.sum(jnp.sin(x) * jnp.exp(x[0]) + x**3 / (1.0 + x * x))

    combos = {
        "grad": lambda: jax.grad(f),
        "jacfwd": lambda: jax.jacfwd(f),
        "grad(grad(.)[0])": lambda: jax.grad(lambda x: jax.grad(f)(x)[0]),
        "jacfwd(jacrev)": lambda: jax.jacfwd(jax.jacrev(f)),
        "jacrev(jacrev)": lambda: jax.jacrev(jax.jacrev(f)),
        "jacrev(jacfwd)": lambda: jax.jacrev(jax.jacfwd(f)),
        "jacfwd(jacfwd)": lambda: jax.jacfwd(jax.jacfwd(f)),
        "hessian": lambda: jax.hessian(f),
        "third order": lambda: jax.jacfwd(jax.jacrev(jax.jacrev(f))),
        "vmap(grad)": lambda: lambda x: jax.vmap(jax.grad(f))(jnp.stack([x, 2 * x])),
        "vmap(hessian)": lambda: lambda x: jax.vmap(jax.hessian(f))(jnp.stack([x, -x])),
        "jacrev(vmap)": lambda: jax.jacrev(lambda x: jax.vmap(lambda r: r * x[0] + r**2)(x)),
        "grad(vmap(grad))": lambda: jax.grad(lambda x: jax.vmap(jax.grad(lambda s: s**3 * x[1]))(x).sum()),
        "hvp (jvp of grad)": lambda: lambda x: jax.jvp(jax.grad(f), (x,), (V,))[1],
        "vjp of jvp": lambda: lambda x: jax.vjp(lambda y: jax.jvp(f, (y,), (y,))[1], x)[1](1.0)[0],
    }

    out = {name: np.asarray(jax.jit(make())(X)).tolist() for name, make in combos.items()}
    out["confusion"] = [
        float(jax.grad(lambda x: x * jax.grad(lambda y: x * y)(1.0))(1.0)),
        float(jax.jvp(lambda x: x * jax.jvp(lambda y: x + y, (1.0,), (1.0,))[1], (2.0,), (1.0,))[1]),
        float(jax.grad(lambda x: x * jax.jvp(lambda y: x * y**2, (1.0,), (1.0,))[1])(3.0)),
    ]
    H = jax.jit(jax.hessian(lambda a, b: jnp.sum(jnp.tanh(a * b) * a), argnums=(0, 1)))(
        jnp.array([1.0, 2.0]), jnp.array([3.0, -1.0]))
    out["hessian blocks"] = [[np.asarray(H[i][j]).tolist() for j in range(2)] for i in range(2)]
    params = {"W": jnp.array([[0.5, -1.0], [2.0, 0.1]]), "b": [jnp.array([0.1, 0.2]), 0.3]}

    def loss(p):
        h = jnp.tanh(p["W"] @ jnp.array([1.0, 2.0]) + p["b"][0])
        return jnp.sum(h * h) * p["b"][1]

    g = jax.jit(jax.grad(loss))(params)
    out["pytree"] = {"W": np.asarray(g["W"]).tolist(), "b0": np.asarray(g["b"][0]).tolist(), "b1": float(g["b"][1])}
    W = jnp.array([[0.2, -0.4, 0.1], [0.3, 0.5, -0.2]])
    Xs = jnp.array([[1.0, 2.0, 0.5], [-1.0, 0.0, 2.0], [0.3, 0.3, 0.3], [2.0, -1.0, 1.0]])
    y = jnp.array([0, 1, 1, 0])
    ce = lambda W, x, t: jax.nn.logsumexp(W @ x) - (W @ x)[t]  # noqa: E731
    out["per example"] = np.asarray(jax.jit(jax.vmap(jax.grad(ce), in_axes=(None, 0, 0)))(W, Xs, y)).tolist()
    return out


if __name__ == "__main__":
    print(json.dumps(results()))
