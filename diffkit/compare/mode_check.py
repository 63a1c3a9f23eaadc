"""``check_grads``: forward and reverse mode against central differences, up to any order (JAX's).

Like ``jax.test_util.check_grads``, each mode is checked in one random direction
(so the cost does not grow with the number of inputs): forward mode compares the
JVP ``J t`` with ``(f(x + eps t) - f(x - eps t)) / (2 eps)``; reverse mode
compares ``<t, J^T c>`` with ``<J t, c>`` for random ``t`` and ``c``. For
``order=2`` the same checks are made of the JVP function ``(x, t) -> (f(x), J t)``
(at ``t = x``) and of the VJP function ``x -> J(x)^T f(x)``, which needs each mode
to differentiate through the other; and so on for higher orders.

It builds on :func:`diffkit.ad.jvp` and :func:`diffkit.ad.vjp`, so ``f`` is a
Python function of arrays written with diffkit's operations (``dk.sin``, ``*``, ...).

Example
-------
>>> import numpy as np, diffkit as dk
>>> dk.check_grads(lambda x, y: dk.sin(x) * y, (np.array([0.5, 1.0]), np.array([2.0, -1.0])), order=1)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..errors import ArgumentError, GradientError

__all__ = ["check_grads", "EPS", "TOLERANCE"]

#: The finite-difference step (JAX's ``EPS``).
EPS = 1e-4
#: Default atol and rtol per dtype (JAX's ``default_gradient_tolerance``).
TOLERANCE = {np.dtype(np.float64): 1e-5, np.dtype(np.float32): 2e-2, np.dtype(np.float16): 1e-1}


def _arr(v: Any) -> np.ndarray:
    """A plain array from an array, a number or a Tensor."""
    return np.asarray(v.detach().numpy() if hasattr(v, "detach") and hasattr(v, "numpy") else v)


def _leaves(out: Any) -> list[np.ndarray]:
    return [_arr(o) for o in out] if isinstance(out, (tuple, list)) else [_arr(out)]


def _inner(a: Sequence[np.ndarray], b: Sequence[np.ndarray]) -> float:
    return float(sum(np.vdot(_arr(x), _arr(y)) for x, y in zip(a, b)))


def _close(got: Sequence[np.ndarray], want: Sequence[np.ndarray], atol: float, rtol: float, what: str) -> None:
    for k, (g, w) in enumerate(zip(got, want)):
        g, w = np.asarray(g, dtype=float), np.asarray(w, dtype=float)
        if g.shape != w.shape:
            raise GradientError(f"check_grads: {what}: output {k} has shape {g.shape}, expected {w.shape}")
        err = np.abs(g - w)
        bad = ~(err <= atol + rtol * np.abs(w))
        if bad.any():
            i = np.unravel_index(int(np.argmax(np.where(bad, err, -1))), err.shape) if err.ndim else ()
            raise GradientError(
                f"check_grads: {what} disagrees with central differences (eps={EPS:g} unless given): "
                f"output {k}{list(i) if i else ''} is {float(g[i]):.10g}, central differences give {float(w[i]):.10g} "
                f"(|difference| {float(err[i]):.3g} > atol + rtol*|expected| with atol={atol:g}, rtol={rtol:g})")


class _Checker:
    def __init__(self, atol: float, rtol: float, eps: float, rng: np.random.Generator):
        self.atol, self.rtol, self.eps, self.rng = atol, rtol, eps, rng

    def random_like(self, values: Sequence[np.ndarray]) -> list[np.ndarray]:
        return [self.rng.standard_normal(np.shape(v)).astype(_arr(v).dtype if _arr(v).dtype.kind == "f" else float)
                for v in values]

    def numerical_jvp(self, f: Callable, args: Sequence[np.ndarray], t: Sequence[np.ndarray]) -> list[np.ndarray]:
        plus = _leaves(f(*[a + self.eps * ti for a, ti in zip(args, t)]))
        minus = _leaves(f(*[a - self.eps * ti for a, ti in zip(args, t)]))
        return [(p - m) / (2 * self.eps) for p, m in zip(plus, minus)]

    def jvp(self, f: Callable, args: Sequence[np.ndarray], what: str) -> None:
        from ..ad import jvp

        t = self.random_like(args)
        out, tout = jvp(f, tuple(args), tuple(t))
        _close(_leaves(out), _leaves(f(*args)), self.atol, self.rtol, f"{what} (value)")
        _close(_leaves(tout), self.numerical_jvp(f, args, t), self.atol, self.rtol, what)

    def vjp(self, f: Callable, args: Sequence[np.ndarray], what: str) -> None:
        from ..ad import vjp

        out, vjp_fn = vjp(f, *args)
        outs = _leaves(out)
        _close(outs, _leaves(f(*args)), self.atol, self.rtol, f"{what} (value)")
        t = self.random_like(args)
        c = self.random_like(outs)
        cot = vjp_fn(tuple(c) if isinstance(out, (tuple, list)) else c[0])
        got = _inner(t, _leaves(cot))
        want = _inner(self.numerical_jvp(f, args, t), c)
        _close([np.asarray(got)], [np.asarray(want)], self.atol, self.rtol, f"{what} (<t, J^T c> against <J t, c>)")

    def run(self, f: Callable, args: Sequence[np.ndarray], order: int, modes: Sequence[str], what: str) -> None:
        from ..ad import jvp, vjp

        if "fwd" in modes:
            name = f"JVP of {what}" if what else "JVP"
            self.jvp(f, args, name)
            if order > 1:
                n = len(args)

                def f_jvp(*xt: Any) -> tuple:
                    out, tout = jvp(f, tuple(xt[:n]), tuple(xt[n:]))
                    return tuple(_as_list(out)) + tuple(_as_list(tout))

                self.run(f_jvp, list(args) + list(args), order - 1, modes, name)
        if "rev" in modes:
            name = f"VJP of {what}" if what else "VJP"
            self.vjp(f, args, name)
            if order > 1:
                def f_vjp(*xs: Any) -> Any:
                    out, vjp_fn = vjp(f, *xs)
                    cot = vjp_fn(out)
                    return cot[0] if len(cot) == 1 else tuple(cot)

                self.run(f_vjp, args, order - 1, modes, name)


def _as_list(v: Any) -> list:
    return list(v) if isinstance(v, (tuple, list)) else [v]


def check_grads(f: Callable, args: Sequence[Any], order: int = 1, modes: Sequence[str] = ("fwd", "rev"),
                atol: float | None = None, rtol: float | None = None, eps: float | None = None,
                seed: int | None = 0) -> None:
    """Check forward and reverse mode of ``f`` against central differences, up to ``order`` (JAX's ``check_grads``).

    Parameters
    ----------
    f : callable
        ``f(*args)``, written with diffkit operations, returning an array or a tuple of arrays.
    args : sequence of arrays
        The point.
    order : int
        Derivatives up to this order are checked (2: the JVP and VJP functions are checked too).
    modes : sequence of {"fwd", "rev"}
        Which modes.
    atol, rtol : float, optional
        Tolerances (default by dtype: 1e-5 in float64, 2e-2 in float32, as JAX's).
    eps : float, optional
        The central-difference step (default 1e-4, as JAX's).
    seed : int, optional
        Seed of the random directions.

    Returns
    -------
    None
        As JAX's. A mismatch raises :class:`~diffkit.GradientError` (JAX raises ``AssertionError``)
        naming the mode, the order (``"JVP of VJP"``) and the entry.

    Example
    -------
    >>> import numpy as np, diffkit as dk
    >>> x = np.array([0.3, -1.2, 2.0])
    >>> dk.check_grads(lambda x: dk.tanh(x) * x, (x,), order=2, modes=("fwd",))
    >>> class Wrong(dk.Function):
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         return x * x
    ...     @staticmethod
    ...     def backward(ctx, g):
    ...         return g  # should be 2 x g
    >>> try:
    ...     dk.check_grads(lambda x: Wrong.apply(x), (x,), order=1, modes=("rev",))
    ... except dk.GradientError as err:
    ...     print(str(err)[:44])
    check_grads: VJP (<t, J^T c> against <J t, c
    """
    if not callable(f):
        raise ArgumentError(f"check_grads: f must be a function, got {type(f).__name__}")
    if isinstance(order, bool) or not isinstance(order, (int, np.integer)) or order < 1:
        raise ArgumentError(f"check_grads: order must be a positive integer, got {order!r}")
    modes = (modes,) if isinstance(modes, str) else tuple(modes)
    unknown = [m for m in modes if m not in ("fwd", "rev")]
    if unknown or not modes:
        raise ArgumentError(f"check_grads: modes must be 'fwd' and/or 'rev', got {modes!r}")
    if not isinstance(args, (tuple, list)):
        raise ArgumentError("check_grads: args must be a tuple of arguments, e.g. (x,) for one argument")
    args = [np.asarray(a, dtype=float) if np.asarray(a).dtype.kind in "iub" else np.asarray(a) for a in args]
    dtype = np.result_type(*args) if args else np.dtype(np.float64)
    tol = TOLERANCE.get(np.dtype(dtype), 1e-5)
    checker = _Checker(tol if atol is None else float(atol), tol if rtol is None else float(rtol),
                       EPS if eps is None else float(eps), np.random.default_rng(seed))
    checker.run(f, args, int(order), modes, "")
