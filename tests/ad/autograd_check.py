"""HIPS autograd's ``check_grads`` (``autograd/test_util.py``), on diffkit's transforms.

Same checks and tolerances as the peer: forward mode compares ``jvp(f, x)(v)``
with a central difference of step ``EPS = 1e-6`` along a random ``v``;
reverse mode compares ``<x_v, vjp(y_v)>`` with ``<y_v, numeric jvp(x_v)>``;
numbers agree when ``|a - b| < 1e-6`` or ``|a - b| / |a + b| < 1e-6``.
``order=2`` checks the derivative functions themselves in both modes, so
forward-over-forward, reverse-over-forward, forward-over-reverse and
reverse-over-reverse all run. Arguments and results may be pytrees.
"""

from __future__ import annotations

import numpy as np

import diffkit as dk
from diffkit.ad.transforms.pytree import as_arrays, flatten, tree_map

TOL = 1e-6
RTOL = 1e-6
EPS = 1e-6
RNG = np.random.default_rng(1)


def scalar_close(a, b):
    return abs(a - b) < TOL or abs(a - b) / abs(a + b) < RTOL


def _randn_like(x):
    return tree_map(lambda a: RNG.standard_normal(np.shape(a)) if np.ndim(a) else float(RNG.standard_normal()), x)


def _inner(a, b):
    la, ta = flatten(a)
    lb, tb = flatten(b)
    assert ta == tb, f"structures differ: {ta} and {tb}"
    return float(sum(np.sum(np.asarray(u, dtype=float) * np.asarray(w, dtype=float)) for u, w in zip(la, lb)))


def _numerical_jvp(f, x, v):
    plus = f(tree_map(lambda a, b: a + b * (EPS / 2), x, v))
    minus = f(tree_map(lambda a, b: a - b * (EPS / 2), x, v))
    return tree_map(lambda p, m: (np.asarray(p, dtype=float) - np.asarray(m, dtype=float)) / EPS, plus, minus)


def check_equivalent(a, b):
    v = _randn_like(a)
    assert scalar_close(_inner(a, v), _inner(b, v)), f"Value mismatch:\nx: {a}\ny: {b}"


def check_jvp(f, x):
    v = _randn_like(x)
    check_equivalent(dk.ad.jvp(f, (x,), (v,))[1], _numerical_jvp(f, x, v))


def check_vjp(f, x):
    y, pullback = dk.ad.vjp(f, x)
    x_v, y_v = _randn_like(x), _randn_like(y)
    exact = _inner(x_v, pullback(y_v)[0])
    numeric = _inner(y_v, _numerical_jvp(f, x, x_v))
    assert scalar_close(numeric, exact), f"VJP check failed at {x}:\nanalytic: {exact}\nnumeric:  {numeric}"


def _check(f, x, modes, order):
    if "fwd" in modes:
        check_jvp(f, x)
        if order > 1:
            _check(lambda xv: dk.ad.jvp(f, (xv[0],), (xv[1],))[1], (x, _randn_like(x)), modes, order - 1)
    if "rev" in modes:
        check_vjp(f, x)
        if order > 1:
            _check(lambda xv: dk.ad.vjp(f, xv[0])[1](xv[1])[0], (x, _randn_like(f(x))), modes, order - 1)


def check_grads(fun, argnum=0, modes=("fwd", "rev"), order=2):
    """``check_grads(fun, argnum)(*args, **kwargs)``: checks ``fun`` as a function of ``args[argnum]``
    (a tuple of them when ``argnum`` is a tuple)."""

    def checker(*args, **kwargs):
        nums = (argnum,) if isinstance(argnum, int) else tuple(argnum)

        def unary(x):
            full = list(args)
            for i, v in zip(nums, (x,) if isinstance(argnum, int) else x):
                full[i] = v
            return fun(*full, **kwargs)

        x = args[argnum] if isinstance(argnum, int) else tuple(args[i] for i in nums)
        x = as_arrays(x) if isinstance(argnum, int) else tuple(as_arrays(v) for v in x)
        _check(unary, x, modes, order)  # an argument that is a list of numbers is an array, as the transforms read it

    return checker
