"""The functional API: ``grad``, ``value_and_grad``, ``jvp``, ``vjp``, ``jacfwd``, ``jacrev``, ``hessian``.

Each works on two kinds of function:

* an :class:`~diffkit.Expr` (or its text): arguments are the Expr's values,
  positional in variable order or by name; ``argnums`` picks variables by
  position or name. Array arguments are *points*: every result is the
  derivative at each point (shape of the broadcast point), computed by the
  compiled forward/adjoint programs of :mod:`diffkit.ad.source`.
* a Python function of arrays or Tensors (as in JAX or ``torch.func``):
  forward mode runs it on :class:`~diffkit.ad.forward.Dual` numbers, reverse
  mode records it on the Tensor tape and calls ``backward``.

Shapes follow JAX: for a Python function ``jacfwd(f)(x)`` has shape
``f(x).shape + x.shape``. For an Expr with ``argnums`` a tuple, Jacobians
have shape ``(m, k) + point shape`` (``m`` outputs, ``k`` variables) and
Hessians ``(k, k) + point shape``; with a single ``argnums`` that axis is
dropped.

Example
-------
>>> import diffkit as dk
>>> f = dk.expr("log(x1) + x1*x2 - sin(x2)")
>>> dk.ad.grad(f, argnums=(0, 1))(2.0, 5.0)
(5.5, 1.7163378145367738)
>>> y, dy = dk.ad.jvp(lambda x: dk.sin(x) * x, (2.0,), (1.0,))
>>> round(float(dy), 6)
0.077004
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..errors import ArgumentError, ExpressionError, GradientError, ShapeError
from ..expr.expr import Expr, as_expr
from ..expr.ops import sum_to
from .forward import jvp_function
from .source import finish, program_for, run

__all__ = ["grad", "value_and_grad", "jvp", "vjp", "jacfwd", "jacrev", "hessian"]


# ---------------------------------------------------------------------------
# Exprs
# ---------------------------------------------------------------------------

def _as_expr_or_none(f: Any) -> Expr | None:
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


def _expr_value_and_grad(f: Expr, argnums: Any) -> Callable[..., tuple]:
    wrt, single = _wrt(f, argnums)
    if f.n_outputs != 1:
        raise ExpressionError(f"grad needs one output; this Expr has {f.n_outputs}", hint="use jacrev or jacfwd")

    def value_and_grad_fn(*args: Any, **kwargs: Any) -> tuple:
        outs = _run(f, "gradient", wrt, _expr_args(f, args, kwargs))
        return outs[0], (outs[1] if single else tuple(outs[1:]))

    return value_and_grad_fn


def _expr_jac(f: Expr, argnums: Any, mode: str) -> Callable[..., Any]:
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


def _expr_hessian(f: Expr, argnums: Any) -> Callable[..., Any]:
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


# ---------------------------------------------------------------------------
# Python functions
# ---------------------------------------------------------------------------

def _argnums(argnums: Any, nargs: int) -> tuple[tuple[int, ...], bool]:
    single = isinstance(argnums, int) and not isinstance(argnums, bool)
    picks = (argnums,) if single else tuple(argnums)
    for p in picks:
        if not isinstance(p, int) or isinstance(p, bool) or not -nargs <= p < nargs:
            raise ArgumentError(f"argnums={argnums!r} does not fit a call with {nargs} positional arguments")
    return tuple(p % nargs for p in picks), single


def _is_tensor(x: Any) -> bool:
    return getattr(type(x), "_dk_level", 0) == 2 and hasattr(x, "backward")


def _plain(x: Any) -> Any:
    """A Tensor's data as an array (0-d arrays as floats for float inputs handled by callers)."""
    if _is_tensor(x):
        return x.numpy() if hasattr(x, "numpy") else x.data
    return x


def _as_array(x: Any) -> Any:
    if isinstance(x, (int, float)) and not isinstance(x, bool):
        return np.asarray(float(x))
    if isinstance(x, (list, tuple)):
        return np.asarray(x, dtype=float)
    return x


def _like(result: Any, original: Any) -> Any:
    """Give a derivative back in the kind of its argument: float for a float, array for an array."""
    if isinstance(original, (int, float)) and not isinstance(original, bool):
        r = _plain(result)
        return float(r.item() if hasattr(r, "item") else r)
    return result


def _tensor_module():
    import importlib

    try:  # by path: diffkit.ad.tensor the attribute is the function dk.ad.tensor
        tensor_module = importlib.import_module(__name__.rsplit(".", 1)[0] + ".tensor")
    except ImportError as e:  # part of the package; absent only in a partial checkout
        raise GradientError("reverse mode on Python functions needs diffkit.ad.tensor (the Tensor tape)") from e
    return tensor_module


def _leaves(args: tuple, nums: tuple[int, ...]) -> tuple[list, list]:
    tensor = _tensor_module().tensor
    wrapped, leaves = list(args), []
    for i in nums:
        x = args[i]
        if _is_tensor(x):
            leaf = x.detach().requires_grad_() if hasattr(x, "detach") else x
        else:
            leaf = tensor(_as_array(x), requires_grad=True)
        wrapped[i] = leaf
        leaves.append(leaf)
    return wrapped, leaves


def _grad_of(leaf: Any) -> Any:
    g = leaf.grad
    if g is None:
        xp_zero = _plain(leaf)
        return np.zeros_like(xp_zero)
    return _plain(g)


def _scalar_output(out: Any) -> None:
    size = int(np.prod(getattr(out, "shape", ()))) if getattr(out, "shape", ()) != () else 1
    if size != 1:
        raise GradientError(f"grad needs a function with one scalar output; it returned shape "
                            f"{tuple(out.shape)}; use jacrev/jacfwd, or vjp with a cotangent")


def _fn_value_and_grad(fn: Callable, argnums: Any) -> Callable[..., tuple]:
    def value_and_grad_fn(*args: Any) -> tuple:
        nums, single = _argnums(argnums, len(args))
        wrapped, leaves = _leaves(args, nums)
        out = fn(*wrapped)
        if not _is_tensor(out):
            raise GradientError("the function's result does not depend on the differentiated arguments "
                                "through diffkit ops (it returned a plain value)")
        _scalar_output(out)
        out.backward()
        grads = [_like(_grad_of(leaf), args[i]) for leaf, i in zip(leaves, nums)]
        value = _plain(out.detach() if hasattr(out, "detach") else out)
        value = float(value) if np.ndim(value) == 0 else value
        return value, (grads[0] if single else tuple(grads))

    return value_and_grad_fn


def _basis(shape: tuple, like: Any) -> Any:
    """Unit vectors e_k reshaped to ``shape``, one per element."""
    size = math.prod(shape)
    for k in range(size):
        e = np.zeros(size, dtype=getattr(like, "dtype", float))
        e[k] = 1.0
        yield e.reshape(shape) if shape else float(e[0])


def _fn_jacfwd(fn: Callable, argnums: Any) -> Callable[..., Any]:
    def jac_fn(*args: Any) -> Any:
        nums, single = _argnums(argnums, len(args))
        blocks = []
        for i in nums:
            x = _as_array(_plain(args[i])) if not isinstance(args[i], (int, float)) else float(args[i])
            shape = tuple(np.shape(x))
            cols = []
            for e in _basis(shape, x):
                tangents = [None] * len(args)
                tangents[i] = e
                _, t = jvp_function(fn, args, tangents)
                cols.append(np.asarray(_plain(t)))
            out_shape = cols[0].shape
            J = np.stack(cols, axis=-1).reshape(out_shape + shape) if cols else np.zeros(shape)
            blocks.append(J if shape or out_shape else float(J))
        return blocks[0] if single else tuple(blocks)

    return jac_fn


def _fn_jacrev(fn: Callable, argnums: Any) -> Callable[..., Any]:
    def jac_fn(*args: Any) -> Any:
        nums, single = _argnums(argnums, len(args))
        wrapped, leaves = _leaves(args, nums)
        out = fn(*wrapped)
        out_shape = tuple(getattr(out, "shape", ()))
        rows: list[list[Any]] = [[] for _ in nums]
        for e in _basis(out_shape, _plain(out)):
            for leaf in leaves:
                leaf.grad = None
            seed = _tensor_module().tensor(np.asarray(e, dtype=_plain(out).dtype))
            out.backward(gradient=seed, retain_graph=True)
            for r, leaf in zip(rows, leaves):
                r.append(np.asarray(_grad_of(leaf)))
        blocks = []
        for r, i in zip(rows, nums):
            in_shape = tuple(np.shape(_plain(wrapped[i])))
            J = np.stack(r).reshape(out_shape + in_shape)
            blocks.append(float(J) if J.ndim == 0 else J)
        return blocks[0] if single else tuple(blocks)

    return jac_fn


def _fn_hessian(fn: Callable, argnums: Any) -> Callable[..., Any]:
    if not isinstance(argnums, int) or isinstance(argnums, bool):
        raise ArgumentError("hessian of a Python function takes one argnums (an int)")

    def hessian_fn(*args: Any) -> Any:
        (i,), _ = _argnums(argnums, len(args))
        tensor = _tensor_module().tensor
        x = _as_array(_plain(args[i]))
        shape = tuple(np.shape(x))
        cols = []
        # Column j is d/dx (∇f · e_j): tangents carried by Duals whose values are
        # Tensors, then one backward through the recorded tangent.
        for e in _basis(shape, x):
            leaf = tensor(np.array(x, dtype=float), requires_grad=True)
            call = list(args)
            tangents: list[Any] = [None] * len(args)
            call[i], tangents[i] = leaf, tensor(np.asarray(e, dtype=float))
            _, t = jvp_function(fn, tuple(call), tuple(tangents))
            if not _is_tensor(t) or not getattr(t, "requires_grad", True):
                cols.append(np.zeros(shape))
                continue
            t.backward()
            cols.append(np.asarray(_grad_of(leaf)))
        H = np.stack(cols, axis=-1).reshape(shape + shape)
        return float(H) if H.ndim == 0 else H

    return hessian_fn


# ---------------------------------------------------------------------------
# The public functions
# ---------------------------------------------------------------------------

def value_and_grad(f: Any, argnums: int | str | Sequence[int | str] = 0) -> Callable[..., tuple]:
    """A function returning ``(f(*args), gradient)`` with respect to ``argnums``.

    Parameters
    ----------
    f : Expr, str, or callable
        An Expr (arguments are its variable values; ``argnums`` may name
        variables) or a Python function of arrays/Tensors with a scalar result.
    argnums : int, str or sequence
        Which argument(s); a sequence gives a tuple of gradients.

    Example
    -------
    >>> import diffkit as dk
    >>> dk.ad.value_and_grad(dk.expr("x^2 * y"), argnums="x")(x=3.0, y=2.0)
    (18.0, 12.0)
    """
    e = _as_expr_or_none(f)
    if e is not None:
        return _expr_value_and_grad(e, argnums)
    return _fn_value_and_grad(f, argnums)


def grad(f: Any, argnums: int | str | Sequence[int | str] = 0) -> Callable[..., Any]:
    """A function returning the gradient of ``f`` with respect to ``argnums`` (reverse mode).

    For an Expr at an array of points, the gradient at each point.

    Example
    -------
    >>> import diffkit as dk, numpy as np
    >>> df = dk.ad.grad(dk.expr("log(x1) + x1*x2 - sin(x2)"))
    >>> df(2.0, 5.0)
    5.5
    >>> df(np.array([1.0, 2.0]), 5.0)
    array([6. , 5.5])
    """
    vg = value_and_grad(f, argnums)

    def grad_fn(*args: Any, **kwargs: Any) -> Any:
        return vg(*args, **kwargs)[1]

    grad_fn.__name__ = f"grad_{getattr(f, '__name__', 'f')}"
    return grad_fn


def jvp(f: Any, primals: Sequence[Any], tangents: Sequence[Any]) -> tuple[Any, Any]:
    """Forward mode: ``(f(*primals), J_f(primals) · tangents)`` in one pass.

    For an Expr, ``primals`` and ``tangents`` list values in variable order.
    A function with several outputs gives tuples.

    Example
    -------
    >>> import diffkit as dk
    >>> dk.ad.jvp(dk.expr("log(x1) + x1*x2 - sin(x2)"), (2.0, 5.0), (1.0, 0.0))
    (11.652071455223084, 5.5)
    """
    e = _as_expr_or_none(f)
    if e is None:
        return jvp_function(f, tuple(primals), tuple(tangents))
    if len(primals) != len(e.variables) or len(tangents) != len(e.variables):
        raise ShapeError(f"jvp of an Expr of {e.variables} needs {len(e.variables)} primals and tangents, "
                         f"got {len(primals)} and {len(tangents)}")
    xs = _expr_args(e, tuple(primals), {})
    ts = [0.0 if t is None else t for t in tangents]
    outs = _run(e, "tangent", e.variables, xs, ts)
    m = e.n_outputs
    return (outs[0], outs[1]) if m == 1 else (tuple(outs[:m]), tuple(outs[m:]))


def vjp(f: Any, *primals: Any) -> tuple[Any, Callable[..., Any]]:
    """Reverse mode: ``(f(*primals), vjp_fn)`` where ``vjp_fn(ȳ)`` gives ``ȳᵀ J`` per argument.

    Cotangents are summed back to each argument's shape (an argument
    broadcast against larger ones gets the sum over the broadcast axes).

    Example
    -------
    >>> import diffkit as dk, numpy as np
    >>> y, pullback = dk.ad.vjp(dk.expr("x*y"), np.array([1.0, 2.0]), 3.0)
    >>> pullback(np.array([1.0, 1.0]))
    (array([3., 3.]), 3.0)
    """
    e = _as_expr_or_none(f)
    if e is not None:
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
    nums = tuple(range(len(primals)))
    wrapped, leaves = _leaves(primals, nums)
    out = f(*wrapped)

    def fn_vjp(cotangent: Any) -> tuple:
        for leaf in leaves:
            leaf.grad = None
        seed = cotangent if _is_tensor(cotangent) else _tensor_module().tensor(_as_array(cotangent))
        out.backward(gradient=seed, retain_graph=True)
        return tuple(_like(_grad_of(leaf), p) for leaf, p in zip(leaves, primals))

    return _plain(out.detach() if hasattr(out, "detach") else out), fn_vjp


def jacfwd(f: Any, argnums: int | str | Sequence[int | str] = 0) -> Callable[..., Any]:
    """The Jacobian by forward mode: one pass per input element (vector forward mode).

    Example
    -------
    >>> import diffkit as dk, numpy as np
    >>> J = dk.ad.jacfwd(lambda x: dk.sum(x * x, axis=0))(np.array([[1.0, 2.0], [3.0, 4.0]]))
    >>> J.shape, J[1].tolist()
    ((2, 2, 2), [[0.0, 4.0], [0.0, 8.0]])
    """
    e = _as_expr_or_none(f)
    return _expr_jac(e, argnums, "forward") if e is not None else _fn_jacfwd(f, argnums)


def jacrev(f: Any, argnums: int | str | Sequence[int | str] = 0) -> Callable[..., Any]:
    """The Jacobian by reverse mode: one pass per output element.

    Example
    -------
    >>> import diffkit as dk
    >>> dk.ad.jacrev(dk.expr("x*y, x + y"), argnums=(0, 1))(3.0, 4.0)
    array([[4., 3.],
           [1., 1.]])
    """
    e = _as_expr_or_none(f)
    return _expr_jac(e, argnums, "reverse") if e is not None else _fn_jacrev(f, argnums)


def hessian(f: Any, argnums: int | str | Sequence[int | str] = 0) -> Callable[..., Any]:
    """The Hessian, forward over reverse for Exprs (the tangent program of the adjoint program).

    For Python functions each column is one backward pass through a tangent
    carried forward by Dual numbers on Tensors (reverse over forward; the
    Hessian is symmetric, so it is the same matrix).

    Example
    -------
    >>> import diffkit as dk
    >>> dk.ad.hessian(dk.expr("log(x1) + x1*x2 - sin(x2)"), argnums=(0, 1))(2.0, 5.0).round(4)
    array([[-0.25  ,  1.    ],
           [ 1.    , -0.9589]])
    """
    e = _as_expr_or_none(f)
    return _expr_hessian(e, argnums) if e is not None else _fn_hessian(f, argnums)
