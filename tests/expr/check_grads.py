"""``check_grads`` in HIPS autograd's style, for diffkit's Exprs: both AD modes against
central differences, to second order.

The facts carried over from ``autograd/test_util.py`` (HIPS/autograd): the
numerical directional derivative ``(f(x + v eps/2) - f(x - v eps/2)) / eps``
with ``eps = 1e-6``, a random direction ``v``, and the comparison
``|a - b| < 1e-6`` or ``|a - b| / |a + b| < 1e-6``. Forward mode is checked
as ``J v``, reverse mode as ``u^T J v`` for a random ``u``; order 2 checks the
Hessians of both modes (forward over forward, forward over reverse) against
central differences of the reverse-mode gradient.
"""

from __future__ import annotations

import numpy as np

import diffkit as dk

EPS = 1e-6
TOL = 1e-6
RTOL = 1e-6


def scalar_close(a: float, b: float) -> bool:
    return abs(a - b) < TOL or abs(a - b) / abs(a + b) < RTOL


def _numeric_jvp(fun, x: np.ndarray, v: np.ndarray) -> np.ndarray:
    return (fun(x + v * EPS / 2) - fun(x - v * EPS / 2)) / EPS


def check_grads(f, at: dict, order: int = 2, seed: int = 0) -> None:
    """Assert that ForwardMode and ReverseMode agree with central differences at ``at``."""
    f = dk.expr(f)
    names = f.variables
    rng = np.random.default_rng(seed)
    x = np.array([float(at[n]) for n in names])

    def point(z):
        return dict(zip(names, map(float, z)))

    def value(z):
        return np.atleast_1d(float(f(**point(z))))

    def gradient(z):
        g = dk.ReverseMode().gradient(f, at=point(z)).gradient
        return np.array([g[n] for n in names])

    v = rng.standard_normal(len(names))
    u = float(rng.standard_normal())
    numeric = float(_numeric_jvp(value, x, v)[0])
    fwd = dk.ForwardMode().gradient(f, at=point(x)).gradient
    rev = dk.ReverseMode().gradient(f, at=point(x)).gradient
    jv_fwd = sum(fwd[n] * vi for n, vi in zip(names, v))
    ujv_rev = u * sum(rev[n] * vi for n, vi in zip(names, v))
    assert scalar_close(jv_fwd, numeric), f"forward mode: J v = {jv_fwd}, numeric {numeric} ({f} at {at})"
    assert scalar_close(ujv_rev, u * numeric), f"reverse mode: u J v = {ujv_rev}, numeric {u * numeric} ({f} at {at})"
    if order < 2:
        return
    w = rng.standard_normal(len(names))
    numeric2 = _numeric_jvp(gradient, x, w)
    for method in (dk.ForwardMode(), dk.ReverseMode()):
        hw = np.asarray(method.hessian(f, at=point(x)).hessian) @ w
        for a, b in zip(hw, numeric2):
            assert scalar_close(float(a), float(b)), f"{method.name} Hessian: H w = {hw}, numeric {numeric2} ({f})"
