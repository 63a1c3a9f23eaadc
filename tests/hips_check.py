"""HIPS autograd's ``check_grads`` (``autograd/test_util.py``): the one copy every port and op table uses.

``check_grads(fun, argnum=0, modes=("fwd", "rev"), order=2)(*args, **kwargs)``
checks ``fun`` as a function of ``args[argnum]`` (a tuple of them for a tuple
``argnum``; ``argnum=None`` takes every positional argument), with the peer's
step and tolerances:

* ``"fwd"``: ``jvp(f, x)(v)`` (diffkit's transform) against a central
  difference of step ``EPS = 1e-6`` along a random ``v``, paired with a random
  vector of the output's shape;
* ``"rev"``: ``<x_v, vjp(f, x)(y_v)>`` against ``<y_v, numeric jvp(x_v)>``;
* ``order=2``: the same ``modes`` check the derivative functions
  ``(x, v) -> J v`` and ``(x, v) -> J^T v`` themselves, so forward over forward,
  reverse over forward, forward over reverse and reverse over reverse all run;
* ``"tape"`` (diffkit's own addition): reverse mode on the Tensor tape, a leaf
  Tensor per input and ``backward``; its order 2 records the backward pass
  (``create_graph=True``) and checks that by the tape again.

Numbers agree when ``|a - b| < 1e-6`` or ``|a - b| / |a + b| < 1e-6`` (the
peer's ``scalar_close``). Arguments and results may be pytrees. Complex values
pair as ``Re(sum(a * b))`` (JAX's convention, ``diffkit/expr/ops/complex.py``),
which makes the check of a real function of real inputs the peer's own.
Differentiated integer inputs are taken as floats. The random directions are
reseeded by every top-level check, so a test's draws don't depend on the
order the tests run in.
"""

from __future__ import annotations

import numpy as np

import diffkit as dk
from diffkit.ad.tape import run_backward
from diffkit.ad.transforms.pytree import as_arrays, flatten, tree_map, unflatten

TOL = RTOL = 1e-6
EPS = 1e-6
MODES = ("fwd", "rev", "tape")
_state = {"rng": np.random.default_rng(0), "depth": 0}


def scalar_close(a: float, b: float) -> bool:
    return abs(a - b) < TOL or abs(a - b) / abs(a + b) < RTOL


def _array(x):
    if isinstance(x, dk.Tensor):
        return x.detach().numpy()
    return np.asarray(x)


def _numbers(x):
    """A value for differences: booleans and integers (a comparison's output) as floats."""
    a = _array(x)
    return a.astype(float) if a.dtype.kind in "biu" else a


def _randn_like(tree):
    rng = _state["rng"]

    def draw(a):
        a = _array(a)
        r = rng.standard_normal(a.shape)
        if np.iscomplexobj(a):
            r = r + 1j * rng.standard_normal(a.shape)
        return r

    return tree_map(draw, tree)


def _inner(a, b) -> float:
    la, ta = flatten(a)
    lb, tb = flatten(b)
    assert ta == tb, f"structures differ: {ta} and {tb}"
    return float(sum(np.real(np.sum(_numbers(u) * _numbers(w))) for u, w in zip(la, lb)))


def _numerical_jvp(f, x, v):
    plus = f(tree_map(lambda a, b: a + b * (EPS / 2), x, v))
    minus = f(tree_map(lambda a, b: a - b * (EPS / 2), x, v))
    return tree_map(lambda p, m: (_numbers(p) - _numbers(m)) / EPS, plus, minus)


def check_equivalent(a, b):
    """Two values (pytrees) agree along a random direction, as the peer's ``check_equivalent``."""
    v = _randn_like(a)
    assert scalar_close(_inner(a, v), _inner(b, v)), f"Value mismatch:\nx: {a}\ny: {b}"


def check_jvp(f, x):
    v = _randn_like(x)
    check_equivalent(dk.ad.jvp(f, (x,), (v,))[1], _numerical_jvp(f, x, v))


def _check_pullback(f, x, pullback):
    x_v, y_v = _randn_like(x), _randn_like(f(x))
    exact = _inner(x_v, pullback(x, y_v))
    numeric = _inner(y_v, _numerical_jvp(f, x, x_v))
    assert scalar_close(numeric, exact), f"VJP check failed at {x}:\nanalytic: {exact}\nnumeric:  {numeric}"


def _transform_vjp(f):
    return lambda x, v: dk.ad.vjp(f, x)[1](v)[0]


def check_vjp(f, x):
    _check_pullback(f, x, _transform_vjp(f))


def _tape_leaf(a):
    a = np.asarray(a)
    return dk.tensor(np.array(a, dtype=np.result_type(a.dtype, np.float64)), requires_grad=True)


def _tape_vjp(f):
    """``(x, v) -> J^T v`` on the Tensor tape: on arrays it gives arrays; on Tensors (when the tape checks
    it in turn) it records the backward pass (``create_graph=True``)."""
    def pullback(x, v):
        leaves, tree = flatten(x)
        recording = any(isinstance(a, dk.Tensor) for a in leaves + flatten(v)[0])
        xs = [a if isinstance(a, dk.Tensor) else _tape_leaf(a) for a in leaves]
        loss = None
        for o, c in zip(flatten(f(unflatten(tree, xs)))[0], flatten(v)[0]):
            term = dk.sum(o * (c if isinstance(c, dk.Tensor) else dk.tensor(np.asarray(c))))
            term = dk.real(term) if np.iscomplexobj(_array(term)) else term
            loss = term if loss is None else loss + term
        if loss is None or not isinstance(loss, dk.Tensor) or not loss.requires_grad:
            grads = [None] * len(xs)
        else:
            seed = dk.ones_like(loss) if recording else np.ones((), dtype=_array(loss).dtype)
            grads = run_backward([loss], [seed], retain_graph=recording, create_graph=recording, inputs=xs)
        out = [dk.zeros_like(a) if g is None else g for a, g in zip(xs, grads)]
        return unflatten(tree, out if recording else [_array(g) for g in out])

    return pullback


def _as_float(x):
    return tree_map(lambda a: np.asarray(a, dtype=float) if np.asarray(a).dtype.kind in "biu" else a, x)


def _check(f, x, modes, order):
    if "fwd" in modes:
        check_jvp(f, x)
        if order > 1:
            _check(lambda xv: dk.ad.jvp(f, (xv[0],), (xv[1],))[1], (x, _randn_like(x)), modes, order - 1)
    for mode, make in (("rev", _transform_vjp), ("tape", _tape_vjp)):
        if mode in modes:
            pullback = make(f)
            _check_pullback(f, x, pullback)
            if order > 1:
                # the tape's derivative is recorded on the tape, so the tape checks it in turn
                inner = modes if mode == "rev" else ("tape",)
                _check(lambda xv, g=pullback: g(xv[0], xv[1]), (x, _randn_like(f(x))), inner, order - 1)


def check_grads(fun, argnum=0, modes=("fwd", "rev"), order=2):
    """``check_grads(fun, argnum, modes, order)(*args, **kwargs)``: the peer's check (see the module docstring)."""
    modes = (modes,) if isinstance(modes, str) else tuple(modes)
    assert modes and all(m in MODES for m in modes), f"modes must be among {MODES}, got {modes}"

    def checker(*args, **kwargs):
        nums = tuple(range(len(args))) if argnum is None else (argnum,) if isinstance(argnum, int) else tuple(argnum)
        one = isinstance(argnum, int)

        def unary(x):
            full = list(args)
            for i, v in zip(nums, (x,) if one else x):
                full[i] = v
            return fun(*full, **kwargs)

        # an argument that is a list of numbers is an array, as the transforms read it
        x = as_arrays(args[argnum]) if one else tuple(as_arrays(args[i]) for i in nums)
        if _state["depth"] == 0:
            _state["rng"] = np.random.default_rng(0)
        _state["depth"] += 1
        try:
            _check(unary, _as_float(x), modes, order)
        finally:
            _state["depth"] -= 1

    return checker
