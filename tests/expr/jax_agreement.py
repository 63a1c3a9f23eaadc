"""diffkit against JAX: jnp functions, and JAX's convention for gradients with respect to complex inputs.

Run by ``test_array_peers.py`` in a process of its own (JAX starts threads,
and a later ``fork()`` in the test process could deadlock). Values and
gradients for a random cotangent, float64; exits non-zero on the first
disagreement.
"""

import numpy as np

import diffkit as dk

RNG = np.random.default_rng(3)
R = RNG.standard_normal


def jax_numpy():
    import jax

    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp

    return jax, jnp


def C(*shape):  # noqa: N802
    return R(shape) + 1j * R(shape)


JAX_REAL_ROWS = [
    ("cumsum_flip_roll", lambda m, x: m.roll(m.flip(m.cumsum(x, axis=0), axis=1), 1, axis=0), [R((3, 4))]),
    ("einsum", lambda m, x: m.einsum("ij,kj,ii->ik", x, x ** 2, x[:, :3]), [R((3, 4))]),
    ("tensordot_kron", lambda m, x: m.kron(m.tensordot(x, x, axes=([0], [0])), x[:1]), [R((3, 2))]),
    ("sort_median", lambda m, x: m.sort(x, axis=0) * m.median(x, axis=0), [R((5, 3))]),
    ("pad_reflect_repeat", lambda m, x: m.repeat(m.pad(x, 2, mode="reflect"), 2, axis=1), [R((3, 4))]),
    ("take_along_axis", lambda m, x: m.take_along_axis(x, np.array([[1, 0, 1]]), axis=0), [R((2, 3))]),
    ("norms", lambda m, x: m.linalg.norm(x, axis=0) + m.linalg.norm(x, np.inf, axis=0), [R((3, 4))]),
]


def check_function(name, f, args):
    jax, jnp = jax_numpy()
    ct = None

    def loss(m, *xs):
        nonlocal ct
        out = f(m, *xs)
        if ct is None:
            ct = R(tuple(np.shape(out)))
        return (out * ct).sum()

    np.testing.assert_allclose(np.asarray(f(dk, *args)), np.asarray(f(jnp, *args)), rtol=1e-12, atol=1e-12)
    want = jax.grad(lambda *xs: loss(jnp, *xs), argnums=tuple(range(len(args))))(*args)
    got = dk.ad.grad(lambda *xs: loss(dk, *xs), argnums=tuple(range(len(args))))(*args)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, np.asarray(w), rtol=1e-10, atol=1e-12)


COMPLEX_ROWS = [
    ("abs", lambda m, z: m.abs(z).sum(), [C(4)]),
    ("real_imag", lambda m, z: (m.real(z) ** 2 * m.imag(z)).sum(), [C(4)]),
    ("conj_mul", lambda m, z: m.real(z * m.conj(z) * (1.0 + 2.0j)).sum(), [C(3)]),
    ("angle", lambda m, z: m.angle(z).sum(), [C(4)]),
    ("holomorphic_chain", lambda m, z: m.abs(m.exp(m.sin(z) * z) / (z + 3.0)).sum(), [C(3)]),
    ("matmul_inv_det", lambda m, z: m.abs(m.linalg.det(m.linalg.inv(z @ z.T + 4.0 * np.eye(3)))), [C(3, 3)]),
    ("solve", lambda m, z: m.real(m.linalg.solve(z + 4.0 * np.eye(3), z[:, 0])).sum(), [C(3, 3)]),
    ("slogdet", lambda m, z: m.linalg.slogdet(z)[1], [C(3, 3)]),
    ("einsum_cumsum", lambda m, z: m.abs(m.cumsum(m.einsum("ij,jk->ik", z, z), axis=0)).sum(), [C(2, 2)]),
    ("vector_norm", lambda m, z: m.linalg.norm(z) + m.linalg.norm(z, 3), [C(4)]),
    ("real_input_complex_path", lambda m, x: m.abs(x * (1.0 + 2.0j) + m.sin(x) * 1.0j).sum(), [R(4)]),
]


def check_complex_gradient(name, f, args):
    jax, jnp = jax_numpy()
    want = jax.grad(lambda z: f(jnp, z))(*args)
    got_fn = dk.ad.grad(lambda z: f(dk, z))(*args)
    z = dk.tensor(args[0], requires_grad=True)
    f(dk, z).backward()
    for got in (got_fn, z.grad.numpy()):
        assert np.asarray(got).dtype == np.asarray(args[0]).dtype
        np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-10, atol=1e-12)


def check_forward_mode_on_complex():
    jax, jnp = jax_numpy()
    z, t = C(3, 3), C(3, 3)
    def f(m, z):
        return m.linalg.det(z @ z) * m.exp(z[0, 0])

    _, want = jax.jvp(lambda z: f(jnp, z), (z,), (t,))
    _, got = dk.ad.jvp(lambda z: f(dk, z), (z,), (t,))
    np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-10)


if __name__ == "__main__":
    for row in JAX_REAL_ROWS:
        check_function(*row)
    for row in COMPLEX_ROWS:
        check_complex_gradient(*row)
    check_forward_mode_on_complex()
    print(f"checked {len(JAX_REAL_ROWS) + len(COMPLEX_ROWS) + 1} cases against JAX")
