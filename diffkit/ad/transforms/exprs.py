"""The function transforms on Exprs: by the compiled forward, adjoint and Hessian programs.

An :class:`~diffkit.Expr`'s arguments are its variables' values, positional
in variable order or by name; ``argnums`` picks variables by position or name.
Array arguments are *points*: every result is the derivative at each point
(shape of the broadcast point), computed by the programs of
:mod:`diffkit.ad.source`. For an Expr with ``argnums`` a tuple, Jacobians have
shape ``(m, k) + point shape`` (``m`` outputs, ``k`` variables) and Hessians
``(k, k) + point shape``; with a single ``argnums`` that axis is dropped.

Example
-------
>>> import diffkit as dk
>>> from diffkit.ad.transforms.exprs import expr_value_and_grad
>>> expr_value_and_grad(dk.expr("x*y"), (0, 1))(3.0, 4.0)
(12.0, (4.0, 3.0))
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ...errors import ExpressionError, ShapeError
from ...expr.expr import Expr, as_expr
from ...expr.ops import sum_to
from ..source import finish, program_for, run

__all__ = ["as_expr_or_none", "expr_value_and_grad", "expr_jacobian", "expr_hessian", "expr_jvp", "expr_vjp"]


def as_expr_or_none(f: Any) -> Expr | None:
    """``f`` as an Expr when it is one (or its text, or a SymPy expression), else None."""
    if isinstance(f, Expr):
        return f
    if isinstance(f, str):
        return as_expr(f)
    try:
        import sympy as sp

        if isinstance(f, sp.Basic):
            return as_expr(f)
    except ImportError:  # pragma: no cover
        pass
    return None


def _wrt(f: Expr, argnums: Any) -> tuple[tuple[str, ...], bool]:
    """Variable names picked by ``argnums`` and whether a single one was asked for."""
    single = isinstance(argnums, (int, str))
    picks = (argnums,) if single else tuple(argnums)
    names = []
    for p in picks:
        if isinstance(p, str):
            if p not in f.variables:
                raise ExpressionError(f"argnums names {p!r}, not a variable of the Expr",
                                      hint=f"its variables are {', '.join(f.variables)}")
            names.append(p)
        elif isinstance(p, int) and not isinstance(p, bool):
            if not -len(f.variables) <= p < len(f.variables):
                raise ExpressionError(f"argnums={p} is out of range for {len(f.variables)} variables {f.variables}")
            names.append(f.variables[p])
        else:
            raise ExpressionError(f"argnums must be ints or variable names, got {p!r}")
    if not names:
        raise ExpressionError("argnums is empty: nothing to differentiate")
    return tuple(names), single


def _expr_args(f: Expr, args: tuple, kwargs: dict) -> list[Any]:
    values = f.bind(*args, **kwargs)
    return [values[n] for n in f.variables]


def _run(f: Expr, kind: str, wrt: tuple, args: list, extra: Sequence[Any] = ()) -> list[Any]:
    full = list(args) + list(extra)
    return finish(run(program_for(f.graph, kind, wrt), full), args)


def _unit(k: int, n: int) -> list[float]:
    return [1.0 if i == k else 0.0 for i in range(n)]


def expr_value_and_grad(f: Expr, argnums: Any) -> Callable[..., tuple]:
    """``(f(*args), gradient)`` of a one-output Expr with respect to the variables ``argnums`` picks.

    Example
    -------
    >>> import diffkit as dk
    >>> from diffkit.ad.transforms.exprs import expr_value_and_grad
    >>> expr_value_and_grad(dk.expr("x^2 * y"), "x")(3.0, 2.0)
    (18.0, 12.0)
    """
    wrt, single = _wrt(f, argnums)
    if f.n_outputs != 1:
        raise ExpressionError(f"grad needs one output; this Expr has {f.n_outputs}", hint="use jacrev or jacfwd")

    def value_and_grad_fn(*args: Any, **kwargs: Any) -> tuple:
        outs = _run(f, "gradient", wrt, _expr_args(f, args, kwargs))
        return outs[0], (outs[1] if single else tuple(outs[1:]))

    return value_and_grad_fn


def expr_jacobian(f: Expr, argnums: Any, mode: str) -> Callable[..., Any]:
    """The Jacobian of an Expr, by its tangent program (``mode="forward"``) or its adjoint program.

    Example
    -------
    >>> import diffkit as dk
    >>> from diffkit.ad.transforms.exprs import expr_jacobian
    >>> expr_jacobian(dk.expr("x*y, x + y"), (0, 1), "forward")(3.0, 4.0)
    array([[4., 3.],
           [1., 1.]])
    """
    wrt, single = _wrt(f, argnums)
    m, n = f.n_outputs, len(wrt)

    def jac_fn(*args: Any, **kwargs: Any) -> Any:
        xs = _expr_args(f, args, kwargs)
        if mode == "forward":
            cols = [_run(f, "tangent", wrt, xs, _unit(j, n))[m:] for j in range(n)]
            table = [[cols[j][i] for j in range(n)] for i in range(m)]
        else:
            table = [_run(f, "vjp", wrt, xs, _unit(k, m))[m:] for k in range(m)]
        J = np.asarray([[np.asarray(v) for v in row] for row in table])
        return J[:, 0] if single else J

    return jac_fn


def expr_hessian(f: Expr, argnums: Any) -> Callable[..., Any]:
    """The Hessian of a one-output Expr: forward over reverse (the tangent program of the adjoint program).

    Example
    -------
    >>> import diffkit as dk
    >>> from diffkit.ad.transforms.exprs import expr_hessian
    >>> expr_hessian(dk.expr("x^2 * y"), (0, 1))(3.0, 2.0)
    array([[4., 6.],
           [6., 0.]])
    """
    wrt, single = _wrt(f, argnums)
    n = len(wrt)
    if f.n_outputs != 1:
        raise ExpressionError(f"hessian needs one output; this Expr has {f.n_outputs}")

    def hessian_fn(*args: Any, **kwargs: Any) -> Any:
        xs = _expr_args(f, args, kwargs)
        # forward over reverse: the tangent program of the adjoint program, once per direction
        cols = [_run(f, "hessian", wrt, xs, _unit(j, n))[n + 2:] for j in range(n)]
        H = np.asarray([[np.asarray(cols[j][i]) for j in range(n)] for i in range(n)])
        return H[0, 0] if single else H

    return hessian_fn


def expr_jvp(e: Expr, primals: Sequence[Any], tangents: Sequence[Any]) -> tuple[Any, Any]:
    """``(e(*primals), J · tangents)`` by the tangent program; tuples for several outputs.

    Example
    -------
    >>> import diffkit as dk
    >>> from diffkit.ad.transforms.exprs import expr_jvp
    >>> expr_jvp(dk.expr("x*y"), (3.0, 4.0), (1.0, 0.0))
    (12.0, 4.0)
    """
    if len(primals) != len(e.variables) or len(tangents) != len(e.variables):
        raise ShapeError(f"jvp of an Expr of {e.variables} needs {len(e.variables)} primals and tangents, "
                         f"got {len(primals)} and {len(tangents)}")
    xs = _expr_args(e, tuple(primals), {})
    ts = [0.0 if t is None else t for t in tangents]
    outs = _run(e, "tangent", e.variables, xs, ts)
    m = e.n_outputs
    return (outs[0], outs[1]) if m == 1 else (tuple(outs[:m]), tuple(outs[m:]))


def expr_vjp(e: Expr, primals: tuple) -> tuple[Any, Callable[..., tuple]]:
    """``(e(*primals), vjp_fn)`` by the adjoint program; cotangents summed to each argument's shape.

    Example
    -------
    >>> import diffkit as dk
    >>> from diffkit.ad.transforms.exprs import expr_vjp
    >>> y, pullback = expr_vjp(dk.expr("x*y"), (3.0, 4.0))
    >>> pullback(1.0)
    (4.0, 3.0)
    """
    xs = _expr_args(e, primals, {})
    m = e.n_outputs
    value = e.graph.evaluate(dict(zip(e.variables, xs)))
    out = value[0] if m == 1 else tuple(value)

    def vjp_fn(*cotangents: Any) -> tuple:
        if len(cotangents) != m:
            raise ShapeError(f"vjp_fn takes {m} cotangent(s), one per output; got {len(cotangents)}")
        outs = _run(e, "vjp", e.variables, xs, cotangents)[m:]
        full = list(xs) + list(cotangents)
        res = []
        for x, g in zip(xs, outs):
            shape = tuple(getattr(x, "shape", ()))
            if tuple(np.shape(g)) != shape:
                g = sum_to(np.asarray(g) + np.zeros(np.broadcast_shapes(*(np.shape(a) for a in full))),
                           shape=shape)
            res.append(float(g) if isinstance(x, float) else g)
        return tuple(res)

    return out, vjp_fn
