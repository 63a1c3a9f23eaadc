"""Forward and reverse mode as differentiators, next to the symbolic and numeric ones.

Both run programs written from the ops table (:mod:`diffkit.ad.source`),
compiled once per function and cached, and both count what they execute:

* :class:`ForwardMode` runs the *tangent program* once per input direction:
  a Jacobian of ``R^n -> R^m`` costs ``n`` passes.
* :class:`ReverseMode` runs the *adjoint program* once per output (a primal
  sweep, then the adjoint sweep seeded with ``ȳ = e_k``): a Jacobian costs
  ``m`` passes, so a gradient costs a small multiple of the function itself,
  whatever ``n`` is. (``gradient`` runs a version with ``ȳ = 1`` folded in.)

Example
-------
>>> import diffkit as dk
>>> f = dk.expr("log(x1) + x1*x2 - sin(x2)")
>>> r = dk.ReverseMode().gradient(f, at={"x1": 2.0, "x2": 5.0})
>>> round(r.value, 3), r.gradient["x1"], round(r.gradient["x2"], 4)
(11.652, 5.5, 1.7163)
>>> dk.ForwardMode().gradient(f, at={"x1": 2.0, "x2": 5.0}).gradient["x1"]
5.5
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..compare.base import Differentiator
from ..expr.expr import Expr
from .backend import get_namespace, normalize_device, to_device
from .source import finish, program_for, run

__all__ = ["ForwardMode", "ReverseMode"]


def _host(v: Any) -> Any:
    """A result on the CPU: CuPy arrays copied to NumPy, everything else unchanged."""
    return to_device(v, "cpu") if type(v).__module__.split(".", 1)[0] == "cupy" else v


def _stack(rows: list[list[Any]]) -> np.ndarray:
    """Nested lists of floats or equally shaped arrays as one NumPy array."""
    return np.asarray([[np.asarray(_host(v)) for v in row] for row in rows])


class _ProgramMode(Differentiator):
    """Shared plumbing: arguments in input order, on the chosen namespace; finished outputs."""

    _xp: Any = None

    def _args(self, f: Expr, values: dict) -> list[Any]:
        args = [values[n] for n in f.variables]
        if self._xp is not None:
            args = [self._xp.asarray(a) for a in args]
        return args

    def _exec(self, f: Expr, kind: str, wrt: tuple, args: list[Any], order: int = 1,
              output: int | None = None) -> list[Any]:
        programs = program_for(f.graph, kind, wrt, order, output=output)
        return finish(run(programs, args, self._xp), args, self._xp)

    @staticmethod
    def _value(f: Expr, outs: list[Any]) -> Any:
        vals = [_host(v) for v in outs[: f.n_outputs]]
        return vals[0] if len(vals) == 1 else tuple(vals)

    def _derivative(self, f: Expr, values: dict, wrt: str, order: int) -> tuple:
        if order == 1:
            value, grads, *extra = self._gradient(f, values, (wrt,))
            return (value, grads[0], *extra)
        args = self._args(f, values)
        value = self._value(f, self._exec(f, "primal", (), args))
        d = self._exec(f, "derivative", (wrt,), args, order)[0]
        return value, _host(d)


class ForwardMode(_ProgramMode):
    """Forward-mode AD: tangents pushed from the inputs, one pass per input direction.

    Every pass runs the tangent program (primal and tangent in lockstep, as in
    the lecture's forward tangent trace) with the seed ``ẋ = e_j``, giving
    column ``j`` of the Jacobian. Hessians are forward over forward;
    ``derivative(order=k)`` nests forward mode ``k`` times.

    Example
    -------
    >>> import diffkit as dk
    >>> r = dk.ForwardMode().jacobian("x*y, x + y", at={"x": 3.0, "y": 4.0})
    >>> r.jacobian
    array([[4., 3.],
           [1., 1.]])
    >>> dk.ForwardMode().derivative("x^4", at={"x": 2.0}, order=3).derivative
    48.0
    """

    name = "forward"

    def _passes(self, kind: str, n: int, m: int, order: int = 1) -> int | None:
        return {"gradient": n, "jacobian": n, "hessian": n * n}.get(kind)  # one pass per seed (pair)

    def _jacobian(self, f: Expr, values: dict, wrt: tuple) -> tuple:
        args = self._args(f, values)
        m, n = f.n_outputs, len(wrt)
        cols = []
        for j in range(n):
            seed = [1.0 if k == j else 0.0 for k in range(n)]
            outs = self._exec(f, "tangent", wrt, args + seed)
            cols.append(outs[m:])
        value = self._value(f, outs)
        return value, _stack([[cols[j][i] for j in range(n)] for i in range(m)])

    def _gradient(self, f: Expr, values: dict, wrt: tuple) -> tuple:
        args = self._args(f, values)
        grads = []
        for j in range(len(wrt)):
            seed = [1.0 if k == j else 0.0 for k in range(len(wrt))]
            outs = self._exec(f, "tangent", wrt, args + seed)
            grads.append(_host(outs[1]))
        return self._value(f, outs), grads

    def _hessian(self, f: Expr, values: dict, wrt: tuple) -> tuple:
        args = self._args(f, values)
        n = len(wrt)
        rows = []
        for i in range(n):
            row = []
            for j in range(n):
                e_i = [1.0 if k == i else 0.0 for k in range(n)]
                e_j = [1.0 if k == j else 0.0 for k in range(n)]
                outs = self._exec(f, "tangent2", wrt, args + e_i + e_j)
                row.append(outs[3])  # outputs: y, ẏ (along e_i), y' (along e_j), ẏ'
            rows.append(row)
        return self._value(f, outs), _stack(rows)


class ReverseMode(_ProgramMode):
    """Reverse-mode AD: adjoints pulled back from the outputs, one pass per output.

    Runs the adjoint program written by :func:`diffkit.ad.adjoint_source`
    (primal sweep, then the adjoint sweep), once per output. Hessians are forward
    over reverse: the tangent program of the adjoint program, once per
    variable.

    Parameters
    ----------
    backend : {"numpy", "cupy"}
        Where array points are computed. ``"cupy"`` needs CuPy and a GPU
        (:class:`~diffkit.BackendError` otherwise); results come back as NumPy.

    Example
    -------
    >>> import diffkit as dk, numpy as np
    >>> f = dk.expr("log(x1) + x1*x2 - sin(x2)")
    >>> r = dk.ReverseMode().gradient(f, at={"x1": np.array([2.0, 1.0]), "x2": 5.0})
    >>> r.gradient["x1"]
    array([5.5, 6. ])
    >>> dk.ReverseMode().hessian(f, at={"x1": 2.0, "x2": 5.0}).hessian.round(4)
    array([[-0.25  ,  1.    ],
           [ 1.    , -0.9589]])
    """

    name = "reverse"

    def _passes(self, kind: str, n: int, m: int, order: int = 1) -> int | None:
        return {"gradient": 1, "jacobian": m, "hessian": n}.get(kind)  # one pass per output (per variable)

    def __init__(self, backend: str = "numpy"):
        device = normalize_device(backend)
        self.backend = "numpy" if device == "cpu" else "cupy"
        self._xp = None if device == "cpu" else get_namespace(device)

    def _jacobian(self, f: Expr, values: dict, wrt: tuple) -> tuple:
        # One reverse pass per output: the vector-Jacobian program (primal sweep,
        # then the adjoint sweep) run with ȳ = e_k gives row k, the mirror image
        # of ForwardMode's n passes with ẋ = e_j.
        args = self._args(f, values)
        m = f.n_outputs
        rows = []
        for k in range(m):
            outs = self._exec(f, "vjp", wrt, args + [1.0 if i == k else 0.0 for i in range(m)])
            rows.append(outs[m:])
        return self._value(f, outs), _stack(rows)

    def _gradient(self, f: Expr, values: dict, wrt: tuple) -> tuple:
        args = self._args(f, values)
        outs = self._exec(f, "gradient", wrt, args)
        return _host(outs[0]), [_host(g) for g in outs[1:]]

    def _hessian(self, f: Expr, values: dict, wrt: tuple) -> tuple:
        args = self._args(f, values)
        n = len(wrt)
        cols = []
        for j in range(n):
            seed = [1.0 if k == j else 0.0 for k in range(n)]
            outs = self._exec(f, "hessian", wrt, args + seed)
            cols.append(outs[n + 2:])  # outputs: f, g_1..g_n, then their tangents f', g_1'..g_n'
        value = self._value(f, outs)
        # column j is d(grad)/dx_j; the two halves differ in the last bit (the passes round in different
        # orders), and a Hessian is symmetric: take the mean of H[i, j] and H[j, i]
        return value, _stack([[(cols[j][i] + cols[i][j]) * 0.5 if i != j else cols[j][i] for j in range(n)]
                              for i in range(n)])

    def __repr__(self) -> str:
        return f"ReverseMode(backend={self.backend!r})"
