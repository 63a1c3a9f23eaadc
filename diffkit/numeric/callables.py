"""Finite differences of plain Python/NumPy callables: ``derivative``, ``gradient``, ``jacobian``, ``hessian``.

``gradient``, ``jacobian`` and ``hessian`` take ``fn(x)`` of a vector ``x``
of shape ``(n,)``. When ``fn`` broadcasts over stacked points -- given ``X``
of shape ``(n, N)`` (one point per column, so ``x[0]``, ``x[1]`` ... are rows
and ``np.sum(..., axis=0)`` reduces over the variables) it returns ``(N,)``
or ``(m, N)`` -- all perturbed points go to ``fn`` in one call (up to 256
variables; more go in chunks of about 4 MiB). A function written the other
way round, points as rows (``X`` of shape ``(N, n)``, ``np.sum(..., axis=-1)``,
returning ``(N,)`` or ``(N, m)``), is recognised too, at the price of one
extra call the first time. Otherwise ``fn`` is called once per point.
``batched=None`` tries the stacked call, checks its first and last points
against one call each (a function that reduces the whole array, such as
``np.sum(x**2) + x[0]``, also returns ``(N,)`` for N stacked points, but
sums over all of them), and falls back; ``True``/``False`` force it,
``True`` without the check. ``derivative`` takes an elementwise ``fn`` of a
scalar or an array (the derivative at every element).

Steps are relative, ``h * max(|x|, 1)``, rounded to the representable step
``(x + h) - x``; ``h=None`` takes the model's optimal step for x's dtype.

Example
-------
>>> import numpy as np
>>> import diffkit as dk
>>> f = lambda x: np.sum(np.sin(x) * x**2, axis=0)
>>> g = dk.numeric.gradient(f, np.array([1.0, 2.0]))
>>> np.allclose(g, np.cos([1.0, 2.0]) * [1.0, 4.0] + 2 * np.sin([1.0, 2.0]) * [1.0, 2.0], atol=1e-9)
True
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..errors import ShapeError
from .finite_diff import (
    derivative_plan,
    divide,
    hessian_denominators,
    hessian_from_entries,
    hessian_plan,
    jacobian_plan,
    run_plan,
)
from .points import GridProblem, VectorProblem, checked_step, relative_steps
from .stencils import default_accuracy, stencil
from .theory import optimal_step

__all__ = ["derivative", "gradient", "jacobian", "hessian"]


def _vector(fn: Callable, x: Any, batched: bool | None) -> tuple[VectorProblem, tuple]:
    x = np.asarray(x)
    if x.dtype.kind in "iub":
        x = x.astype(np.float64)
    shape = x.shape
    if x.ndim == 1:
        return VectorProblem(fn, x, batched), shape
    # Not a vector: perturb the flattened entries, call fn on the original shape, one point at a time.
    flat = lambda z: fn(z.reshape(shape))  # noqa: E731
    return VectorProblem(flat, x.reshape(-1), False), shape


def _nominal(problem: VectorProblem | GridProblem, scheme: str, accuracy: int, h: Any, order: int) -> float:
    """The relative step: h as given, or the model's optimal one for x's dtype (h None or "auto")."""
    h = checked_step(h)
    return optimal_step(scheme, accuracy, problem.dtype, order=order).h if h is None else h


def _steps(problem: VectorProblem, scheme: str, accuracy: int, h: Any, order: int) -> np.ndarray:
    return relative_steps(_nominal(problem, scheme, accuracy, h, order), problem.x, "x")


def _acc(scheme: str, accuracy: int | None) -> int:
    return default_accuracy(scheme) if accuracy is None else accuracy


def gradient(fn: Callable, x: Any, scheme: str = "central", accuracy: int | None = None,
             h: float | None = None, *, batched: bool | None = None) -> np.ndarray:
    """Finite-difference gradient of a scalar function ``fn(x)``.

    Parameters
    ----------
    fn : callable
        ``fn(x) -> float`` (and, for the one-call batched path, ``fn(X)`` with
        ``X`` of shape ``(n, N)`` returning ``(N,)``).
    x : array_like, shape (n,)
        The point (an array of another shape is perturbed entry by entry and
        the gradient has its shape).
    scheme : {"central", "forward", "backward"}
    accuracy : int, optional
        Accuracy order p (default 1 one-sided, 2 central).
    h : float, optional
        Relative step; default the model's optimal step for x's dtype.
    batched : bool, optional
        Whether fn accepts stacked points (None: try, then fall back).

    Returns
    -------
    ndarray
        ``df/dx``, same shape and dtype as ``x``.

    Example
    -------
    >>> import numpy as np, diffkit as dk
    >>> calls = []
    >>> def f(x):
    ...     calls.append(1)
    ...     return 100 * (x[1] - x[0]**2)**2 + (1 - x[0])**2
    >>> dk.numeric.gradient(f, [1.0, 2.0], batched=True).round(6), len(calls)  # all points in one call
    (array([-400.,  200.]), 1)
    >>> dk.numeric.gradient(lambda x: np.sum(x**2) + x[0], [1.0, 2.0]).round(6)  # not stackable: point by point
    array([3., 4.])
    """
    acc = _acc(scheme, accuracy)
    problem, shape = _vector(fn, x, batched)
    steps = _steps(problem, scheme, acc, h, 1)
    plan = jacobian_plan(problem.n, stencil(scheme, 1, acc))
    F, sums = run_plan(problem, plan, steps)
    if F.shape[1:] != ():
        raise ShapeError(
            f"gradient() needs fn(x) to return a scalar, but it returned shape {F.shape[1:]}; "
            "use dk.numeric.jacobian for vector-valued functions")
    return divide(sums, steps).reshape(shape)


def jacobian(fn: Callable, x: Any, scheme: str = "central", accuracy: int | None = None,
             h: float | None = None, *, batched: bool | None = None) -> np.ndarray:
    """Finite-difference Jacobian ``J[i, j] = d fn(x)_i / d x_j``.

    Returns an array of shape ``fn(x).shape + x.shape`` (``(m, n)`` for a
    vector function of a vector). Batched calls pass ``X`` of shape ``(n, N)``
    and expect ``(m, N)``.

    Example
    -------
    >>> import numpy as np, diffkit as dk
    >>> F = lambda x: np.stack([x[0] * x[1], np.sin(x[0])])
    >>> dk.numeric.jacobian(F, [1.0, 2.0]).round(8)
    array([[2.        , 1.        ],
           [0.54030231, 0.        ]])
    """
    acc = _acc(scheme, accuracy)
    problem, shape = _vector(fn, x, batched)
    steps = _steps(problem, scheme, acc, h, 1)
    plan = jacobian_plan(problem.n, stencil(scheme, 1, acc))
    F, sums = run_plan(problem, plan, steps)
    J = divide(sums, steps)  # (n, *out)
    return np.moveaxis(J, 0, -1).reshape(F.shape[1:] + shape)


def hessian(fn: Callable, x: Any, scheme: str = "central", accuracy: int | None = None,
            h: float | None = None, *, batched: bool | None = None) -> np.ndarray:
    """Finite-difference Hessian ``H[i, j] = d^2 fn / dx_i dx_j`` of a scalar function of a vector.

    Example
    -------
    >>> import numpy as np, diffkit as dk
    >>> f = lambda x: x[0]**2 * x[1] + np.exp(x[1])
    >>> dk.numeric.hessian(f, [1.0, 0.0]).round(5)
    array([[0., 2.],
           [2., 1.]])
    """
    acc = _acc(scheme, accuracy)
    problem, shape = _vector(fn, x, batched)
    if len(shape) != 1:
        raise ShapeError(f"hessian() needs x of shape (n,), got {shape}; flatten it first")
    steps = _steps(problem, scheme, acc, h, 2)
    plan = hessian_plan(problem.n, stencil(scheme, 1, acc), stencil(scheme, 2, acc))
    F, sums = run_plan(problem, plan, steps)
    if F.shape[1:] != ():
        raise ShapeError(f"hessian() needs fn(x) to return a scalar, but it returned shape {F.shape[1:]}")
    return hessian_from_entries(divide(sums, hessian_denominators(steps)), problem.n)


def derivative(fn: Callable, x: Any, scheme: str = "central", accuracy: int | None = None,
               h: float | None = None, order: int = 1, *, batched: bool | None = None) -> Any:
    """The ``order``-th derivative of an elementwise function at ``x`` (a scalar or every element of an array).

    Batched calls pass ``X`` of shape ``x.shape + (N,)``.

    Example
    -------
    >>> import numpy as np, diffkit as dk
    >>> round(dk.numeric.derivative(np.exp, 1.0, accuracy=4), 10)
    2.7182818285
    >>> dk.numeric.derivative(np.sin, np.array([0.5, np.pi / 2]), order=2).round(6)
    array([-0.479426, -1.      ])
    """
    acc = _acc(scheme, accuracy)
    problem = GridProblem(fn, x, batched)
    steps = [relative_steps(_nominal(problem, scheme, acc, h, order), problem.x, "x")]
    plan = derivative_plan(stencil(scheme, order, acc))
    F, sums = run_plan(problem, plan, steps)
    d = divide(sums, [steps[0] ** order])[0, 0]
    return d.item() if np.ndim(d) == 0 and np.ndim(x) == 0 else d
