"""HIPS autograd's ``check_grads``, on diffkit's engines (helper for the array-op tests).

``check_grads(f, modes, order)(*args)`` checks, as ``autograd.test_util``
does (same step 1e-6, same tolerances 1e-6 absolute or relative on scalar
products), that:

* reverse mode (Tensor tape): ``<J^T v, u> == d/de <v, f(x + e u)>`` for random u, v;
* forward mode (dual numbers): ``<J u, w> == d/de <w, f(x + e u)>``;
* ``order=2``: the same for the VJP function ``(x, v) -> J^T v`` recorded with
  ``create_graph=True`` (reverse over reverse), and for the JVP function
  ``(x, u) -> J u`` run on nested dual numbers (forward over forward).

Complex inputs and outputs pair as ``Re(sum(a * b))`` (JAX's convention, see
``diffkit/expr/ops/complex.py``). ``f`` may return a value or a tuple of values.
"""

from __future__ import annotations

import numpy as np

import diffkit as dk
from diffkit.ad.forward import jvp_function
from diffkit.ad.tape import run_backward

TOL = RTOL = 1e-6
EPS = 1e-6
RNG = np.random.default_rng(0)  # reseeded by each top-level check, so a test's draws don't depend on the order


def scalar_close(a: float, b: float) -> bool:
    return abs(a - b) < TOL or abs(a - b) / abs(a + b) < RTOL


def _tuple(out):
    return tuple(out) if isinstance(out, (tuple, list)) else (out,)


def _array(x):
    if isinstance(x, dk.Tensor):
        return np.asarray(x.detach().numpy())
    return np.asarray(x)


def _randn_like(x):
    x = np.asarray(x)
    r = RNG.standard_normal(x.shape)
    if np.iscomplexobj(x):
        r = r + 1j * RNG.standard_normal(x.shape)
    return r


def _pair(a, b) -> float:
    return float(np.real(np.sum(np.asarray(a) * np.asarray(b))))


def _shift(xs, us, e):
    return tuple(np.asarray(x) + e * u for x, u in zip(xs, us))


def _numeric_jvp(f, xs, us):
    plus = _tuple(f(*_shift(xs, us, EPS / 2)))
    minus = _tuple(f(*_shift(xs, us, -EPS / 2)))
    return tuple((_array(p) - _array(m)) / EPS for p, m in zip(plus, minus))


def _leaf(x):
    return dk.tensor(np.array(x, dtype=np.result_type(np.asarray(x).dtype, np.float64)), requires_grad=True)


def _loss(outs, cts):
    total = None
    for o, c in zip(outs, cts):
        c = c if isinstance(c, dk.Tensor) else dk.tensor(np.asarray(c))
        term = dk.sum(o * c)
        if np.iscomplexobj(_array(term)):
            term = dk.real(term)
        total = term if total is None else total + term
    return total


def vjp_function(f, n_in):
    """``(x..., v...) -> J^T v``: on arrays it returns arrays, on Tensors it records (create_graph)."""
    def g(*args):
        xs, cts = args[:n_in], args[n_in:]
        recording = any(isinstance(a, dk.Tensor) for a in args)
        leaves = [x if isinstance(x, dk.Tensor) else _leaf(x) for x in xs]
        loss = _loss(_tuple(f(*leaves)), cts)
        if loss is None or not loss.requires_grad:
            grads = [None] * n_in
        else:
            seed = dk.ones_like(loss) if recording else np.ones((), dtype=_array(loss).dtype)
            grads = run_backward([loss], [seed], retain_graph=recording, create_graph=recording, inputs=leaves)
        out = []
        for x, gx in zip(leaves, grads):
            if gx is None:
                gx = dk.zeros_like(x)
            out.append(gx if recording else _array(gx))
        return tuple(out)

    return g


def check_vjp(f, xs):
    outs = tuple(_array(o) for o in _tuple(f(*xs)))
    cts = tuple(_randn_like(o) for o in outs)
    grads = vjp_function(f, len(xs))(*xs, *cts)
    us = tuple(_randn_like(x) for x in xs)
    exact = sum(_pair(_array(gx), u) for gx, u in zip(grads, us))
    numeric = sum(_pair(d, c) for d, c in zip(_numeric_jvp(f, xs, us), cts))
    assert scalar_close(exact, numeric), f"VJP check failed: analytic {exact}, numeric {numeric}"


def check_jvp(f, xs):
    us = tuple(_randn_like(x) for x in xs)
    _, tangent = jvp_function(f, tuple(np.asarray(x) for x in xs), us)
    numeric = _numeric_jvp(f, xs, us)
    ws = tuple(_randn_like(d) for d in numeric)
    exact = sum(_pair(_array(t), w) for t, w in zip(_tuple(tangent), ws))
    approx = sum(_pair(d, w) for d, w in zip(numeric, ws))
    assert scalar_close(exact, approx), f"JVP check failed: analytic {exact}, numeric {approx}"


_depth = [0]


def check_grads(f, modes=("fwd", "rev"), order=2, argnum=None):
    """A checker ``(*args, **kwargs) -> None``, as HIPS autograd's ``check_grads``.

    ``argnum`` (an int or a tuple) picks the arguments to differentiate (HIPS's
    default is the first); None differentiates all of them. Keyword arguments
    are passed through.
    """
    def check(*args, **kwargs):
        global RNG
        if _depth[0] == 0:
            RNG = np.random.default_rng(0)
        _depth[0] += 1
        try:
            _check(*args, **kwargs)
        finally:
            _depth[0] -= 1

    def _check(*args, **kwargs):
        if argnum is not None or kwargs:
            picks = tuple(range(len(args))) if argnum is None else (
                (argnum,) if isinstance(argnum, int) else tuple(argnum))

            def g(*xs):
                full = list(args)
                for i, x in zip(picks, xs):
                    full[i] = x
                return f(*full, **kwargs)

            return check_grads(g, modes, order)(*(args[i] for i in picks))
        xs = tuple(np.asarray(a, dtype=np.result_type(np.asarray(a).dtype, np.float64)) for a in args)
        if "fwd" in modes:
            check_jvp(f, xs)
            if order > 1:
                def jvp_f(*xu):
                    return jvp_function(f, xu[: len(xs)], xu[len(xs):])[1]

                check_grads(jvp_f, ("fwd",), order - 1)(*xs, *(_randn_like(x) for x in xs))
        if "rev" in modes:
            check_vjp(f, xs)
            if order > 1:
                outs = tuple(_array(o) for o in _tuple(f(*xs)))
                check_grads(vjp_function(f, len(xs)), ("rev",), order - 1)(*xs, *(_randn_like(o) for o in outs))

    return check
