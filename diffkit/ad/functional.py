"""The functional API: ``grad``, ``value_and_grad``, ``jvp``, ``vjp``, ``jacfwd``, ``jacrev``, ``hessian``, ``vmap``.

Each works on two kinds of function:

* an :class:`~diffkit.Expr` (or its text): arguments are the Expr's values,
  positional in variable order or by name; ``argnums`` picks variables by
  position or name. Array arguments are *points*: every result is the
  derivative at each point, computed by the compiled forward/adjoint programs
  of :mod:`diffkit.ad.source` (see :mod:`diffkit.ad.transforms.exprs`).
* a Python function of arrays, Tensors or pytrees of them (as in JAX or
  ``torch.func``). These are pure, composable transforms: nothing is written to
  any ``.grad``, and any of them may run inside any other (``grad(grad(f))``,
  ``jacfwd(jacrev(f))``, ``vmap(grad(loss))``, a ``grad`` inside the function
  of an outer ``grad`` that closes over the outer variable). Each invocation
  works one level above every value it can meet (:mod:`diffkit.expr.levels`),
  so perturbations are never confused: forward mode on dual numbers
  (:mod:`diffkit.ad.forward`), reverse mode on boxes
  (:mod:`diffkit.ad.transforms.reverse`), batching by the ops' rules
  (:mod:`diffkit.ad.transforms.batching`).

Results come back in the kind of the arguments: floats for floats, arrays of
the argument's dtype for arrays, Tensors for Tensors; inside another transform
they stay connected to it. Shapes follow JAX: ``jacfwd(f)(x)`` has shape
``f(x).shape + x.shape``. For an Expr with ``argnums`` a tuple, Jacobians
have shape ``(m, k) + point shape`` and Hessians ``(k, k) + point shape``.

Example
-------
>>> import diffkit as dk
>>> f = dk.expr("log(x1) + x1*x2 - sin(x2)")
>>> dk.ad.grad(f, argnums=(0, 1))(2.0, 5.0)
(5.5, 1.7163378145367738)
>>> y, dy = dk.ad.jvp(lambda x: dk.sin(x) * x, (2.0,), (1.0,))
>>> round(float(dy), 6)
0.077004
>>> dk.ad.grad(dk.ad.grad(lambda x: x ** 3))(2.0)
12.0
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ..expr.levels import constant_like
from .forward import jvp_function
from .transforms.arguments import check_scalar, like_tree, plain_value, prepare, restrict
from .transforms.batching import vmap
from .transforms.exprs import as_expr_or_none, expr_hessian, expr_jacobian, expr_jvp, expr_value_and_grad, expr_vjp
from .transforms.jacobians import jacobian
from .transforms.pytree import tree_map
from .transforms.reverse import vjp_of

__all__ = ["grad", "value_and_grad", "jvp", "vjp", "jacfwd", "jacrev", "hessian", "vmap"]


def _fn_value_and_grad(fn: Callable[..., Any], argnums: Any, has_aux: bool, name: str) -> Callable[..., tuple]:
    def value_and_grad_fn(*args: Any, **kwargs: Any) -> tuple:
        g, picked, single = restrict(fn, args, kwargs, argnums)
        out, pullback, aux = vjp_of(g, picked, has_aux)
        check_scalar(out, name)
        grads = like_tree(pullback(constant_like(out, 1.0)), picked)
        value = plain_value(out)
        g = grads[0] if single else grads
        return ((value, aux), g) if has_aux else (value, g)

    return value_and_grad_fn


def value_and_grad(f: Any, argnums: int | str | Sequence[int | str] = 0, has_aux: bool = False) -> Callable[..., tuple]:
    """A function returning ``(f(*args), gradient)`` with respect to ``argnums`` (reverse mode).

    Parameters
    ----------
    f : Expr, str, or callable
        An Expr (arguments are its variable values; ``argnums`` may name
        variables) or a Python function with one scalar result.
    argnums : int, str or sequence
        Which argument(s); a sequence gives a tuple of gradients. An argument
        may be a pytree (dict, list, tuple); its gradient has its structure.
    has_aux : bool
        ``f`` returns ``(output, aux)``; the result is then ``((value, aux), gradient)``.

    Example
    -------
    >>> import diffkit as dk
    >>> dk.ad.value_and_grad(dk.expr("x^2 * y"), argnums="x")(x=3.0, y=2.0)
    (18.0, 12.0)
    >>> dk.ad.value_and_grad(lambda p: p["w"] ** 2)({"w": 3.0})
    (9.0, {'w': 6.0})
    """
    e = as_expr_or_none(f)
    if e is not None:
        return expr_value_and_grad(e, argnums)
    return _fn_value_and_grad(f, argnums, has_aux, "value_and_grad")


def grad(f: Any, argnums: int | str | Sequence[int | str] = 0, has_aux: bool = False) -> Callable[..., Any]:
    """A function returning the gradient of ``f`` with respect to ``argnums`` (reverse mode).

    For an Expr at an array of points, the gradient at each point. For a
    Python function, a pure transform: nothing is accumulated into any
    ``.grad``, and it may be nested in any other transform. With ``has_aux``
    it returns ``(gradient, aux)``.

    Example
    -------
    >>> import diffkit as dk, numpy as np
    >>> df = dk.ad.grad(dk.expr("log(x1) + x1*x2 - sin(x2)"))
    >>> df(2.0, 5.0)
    5.5
    >>> df(np.array([1.0, 2.0]), 5.0)
    array([6. , 5.5])
    >>> dk.ad.grad(lambda x: x * dk.ad.grad(lambda t: x * t)(1.0))(1.0)  # d/dx x*x
    2.0
    """
    e = as_expr_or_none(f)
    vg = expr_value_and_grad(e, argnums) if e is not None else _fn_value_and_grad(f, argnums, has_aux, "grad")

    def grad_fn(*args: Any, **kwargs: Any) -> Any:
        (value, g) = vg(*args, **kwargs)
        return (g, value[1]) if has_aux and e is None else g

    grad_fn.__name__ = f"grad_{getattr(f, '__name__', 'f')}"
    return grad_fn


def jvp(f: Any, primals: Sequence[Any], tangents: Sequence[Any], has_aux: bool = False) -> tuple:
    """Forward mode: ``(f(*primals), J_f(primals) · tangents)`` in one pass.

    ``primals`` and ``tangents`` are sequences with one entry per argument
    (pytrees of the same structure; a tangent may be None for zero). For an
    Expr, they list values in variable order and a function with several
    outputs gives tuples. With ``has_aux``: ``(output, tangent, aux)``.

    Example
    -------
    >>> import diffkit as dk, numpy as np
    >>> dk.ad.jvp(dk.expr("log(x1) + x1*x2 - sin(x2)"), (2.0, 5.0), (1.0, 0.0))
    (11.652071455223084, 5.5)
    >>> dk.ad.jvp(lambda x: dk.sum(x + np.ones(4)), (2.0,), (1.0,))
    (12.0, 4.0)
    """
    e = as_expr_or_none(f)
    if e is not None:
        return expr_jvp(e, primals, tangents)
    return jvp_function(f, tuple(primals), tuple(tangents), has_aux)


def vjp(f: Any, *primals: Any, has_aux: bool = False) -> tuple:
    """Reverse mode: ``(f(*primals), vjp_fn)`` where ``vjp_fn(ȳ)`` gives ``ȳᵀ J``, one entry per argument.

    Cotangents are summed back to each argument's shape (an argument
    broadcast against larger ones gets the sum over the broadcast axes).
    ``vjp_fn`` may be called many times, also under ``vmap`` (all rows of a
    Jacobian at once). With ``has_aux``: ``(output, vjp_fn, aux)``.

    Example
    -------
    >>> import diffkit as dk, numpy as np
    >>> y, pullback = dk.ad.vjp(dk.expr("x*y"), np.array([1.0, 2.0]), 3.0)
    >>> pullback(np.array([1.0, 1.0]))
    (array([3., 3.]), 3.0)
    >>> y, pullback = dk.ad.vjp(lambda x: x * x, np.array([1.0, 2.0]))
    >>> dk.ad.vmap(pullback)(np.eye(2))  # the Jacobian, row by row, in one pass
    (array([[2., 0.],
           [0., 4.]]),)
    """
    e = as_expr_or_none(f)
    if e is not None:
        return expr_vjp(e, primals)
    picked = tuple(prepare(p) for p in primals)
    out, pullback, aux = vjp_of(f, picked, has_aux)

    def vjp_fn(cotangent: Any) -> tuple:
        return like_tree(pullback(cotangent), picked)

    value = tree_map(plain_value, out)
    return (value, vjp_fn, aux) if has_aux else (value, vjp_fn)


def jacfwd(f: Any, argnums: int | str | Sequence[int | str] = 0, has_aux: bool = False) -> Callable[..., Any]:
    """The Jacobian by forward mode: one pass per input element.

    Example
    -------
    >>> import diffkit as dk, numpy as np
    >>> J = dk.ad.jacfwd(lambda x: dk.sum(x * x, axis=0))(np.array([[1.0, 2.0], [3.0, 4.0]]))
    >>> J.shape, J[1].tolist()
    ((2, 2, 2), [[0.0, 4.0], [0.0, 8.0]])
    """
    e = as_expr_or_none(f)
    return expr_jacobian(e, argnums, "forward") if e is not None else jacobian(f, argnums, has_aux, "fwd")


def jacrev(f: Any, argnums: int | str | Sequence[int | str] = 0, has_aux: bool = False) -> Callable[..., Any]:
    """The Jacobian by reverse mode: one forward pass, one pullback per output element.

    Example
    -------
    >>> import diffkit as dk
    >>> dk.ad.jacrev(dk.expr("x*y, x + y"), argnums=(0, 1))(3.0, 4.0)
    array([[4., 3.],
           [1., 1.]])
    """
    e = as_expr_or_none(f)
    return expr_jacobian(e, argnums, "reverse") if e is not None else jacobian(f, argnums, has_aux, "rev")


def hessian(f: Any, argnums: int | str | Sequence[int | str] = 0, has_aux: bool = False) -> Callable[..., Any]:
    """The Hessian, forward over reverse: ``jacfwd(jacrev(f))`` (for Exprs, the tangent program of the
    adjoint program).

    For a Python function with a tuple ``argnums`` the result is a nested
    tuple of blocks, ``H[i][j]`` of shape ``x_i.shape + x_j.shape``, as JAX
    gives it.

    Example
    -------
    >>> import diffkit as dk, numpy as np
    >>> dk.ad.hessian(dk.expr("log(x1) + x1*x2 - sin(x2)"), argnums=(0, 1))(2.0, 5.0).round(4)
    array([[-0.25  ,  1.    ],
           [ 1.    , -0.9589]])
    >>> dk.ad.hessian(lambda x: dk.sum(x + np.arange(4.0)) ** 2)(2.0)
    32.0
    """
    e = as_expr_or_none(f)
    if e is not None:
        return expr_hessian(e, argnums)
    return jacobian(jacobian(f, argnums, has_aux, "rev"), argnums, has_aux, "fwd")
