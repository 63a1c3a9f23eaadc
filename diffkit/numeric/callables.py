"""Numeric derivatives of plain Python/NumPy callables: ``derivative``, ``gradient``, ``jacobian``,
``hessian``, ``hessdiag`` and ``directional_derivative``.

``gradient``, ``jacobian``, ``hessian`` and ``hessdiag`` take ``fn(x, *args, **kwargs)`` of an array
``x`` (a vector ``(n,)``, or any shape: its entries are the variables). When ``fn`` broadcasts over
stacked points -- given ``X`` of shape ``(n, N)`` (one point per column, so ``x[0]``, ``x[1]`` ...
are rows and ``np.sum(..., axis=0)`` reduces over the variables) it returns ``(N,)`` or ``(m, N)`` --
all perturbed points go to ``fn`` in one call (up to 256 variables; more go in chunks of about
4 MiB). A function written the other way round, points as rows (``X`` of shape ``(N, n)``,
``np.sum(..., axis=-1)``, returning ``(N,)`` or ``(N, m)``), is recognised too, at the price of
one extra call the first time. Otherwise ``fn`` is called once per point. ``batched=None`` tries
the stacked call, checks its first and last points against one call each (a function that
reduces the whole array, such as ``np.sum(x**2) + x[0]``, also returns ``(N,)`` for N stacked
points, but sums over all of them), and falls back; ``True``/``False`` force it, ``True``
without the check. ``derivative`` takes an elementwise ``fn`` of a scalar or an array (the
derivative at every element).

``method`` chooses how (``order`` is always *which* derivative; numdifftools' and SciPy's
``order`` is the accuracy order, here ``accuracy``):

* ``"central"``, ``"forward"``, ``"backward"`` (the default is ``scheme``): finite
  differences of accuracy order ``accuracy``, relative step ``h * max(|x|, 1)`` per
  coordinate (``h=None``: the model's optimal step for x's dtype);
* ``"complex"``: the complex step ``Im f(x + ih) / h`` (``h`` the imaginary step, 1e-20 by
  default; Hessians and higher derivatives add a central difference of real step ``real_h``);
  fn must accept complex input and be real-valued and complex-analytic;
* ``"richardson"``: finite differences at ``h, h/2, h/4 ...`` extrapolated (``h`` the
  largest relative step, 0.125 by default);
* ``"cauchy"`` (``derivative`` only): the Cauchy integral on a circle in the complex plane,
  for analytic functions: every order to near machine precision
  (:mod:`diffkit.numeric.cauchy`).

Every result can come with its error estimate (``full_output=True`` returns an
:class:`~diffkit.numeric.Estimate`), and a result that is probably wrong gives a
:class:`~diffkit.numeric.NumericWarning` naming the entry and a better h.

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

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from ..errors import ArgumentError, ShapeError
from .complex_step import real_accuracy_for
from .engine import (
    Raw,
    complex_higher,
    complex_jacobian,
    finite_difference,
    hessian_from_entries,
    richardson,
    suggester,
)
from .estimates import Estimate, judge
from .formulas import Formula
from .limits import ensure_memory
from .points import GridProblem, VectorProblem, checked_imaginary_step, checked_step, relative_steps
from .stencils import SCHEMES, default_accuracy, scheme_name
from .theory import optimal_step

__all__ = ["derivative", "gradient", "jacobian", "hessian", "hessdiag", "directional_derivative", "METHODS"]

#: What ``method=`` accepts.
METHODS = ("central", "forward", "backward", "complex", "richardson", "cauchy")

#: Richardson's default largest relative step and number of steps for callables: from 0.125 down to 1.5e-8,
#: far enough for functions whose own scale is far below 1 (dk.Richardson() keeps 10 levels, 21 points).
RICHARDSON_H, RICHARDSON_LEVELS = 0.125, 24


def _resolve(scheme: str, method: str | None, kind: str) -> tuple[str, str]:
    """``(method, scheme)``: method one of :data:`METHODS` (finite differences as their scheme)."""
    if method is None:
        method = scheme
    if not isinstance(method, str) or method.replace("-step", "") not in METHODS:
        raise ArgumentError(f"unknown method {method!r}; use one of {', '.join(METHODS)}")
    method = method.replace("-step", "")
    if method in SCHEMES:
        if scheme != "central" and scheme != method:
            raise ArgumentError(f"scheme={scheme!r} and method={method!r} disagree; give one of them")
        return method, method
    if scheme not in SCHEMES:
        raise ArgumentError(f"unknown finite-difference scheme {scheme!r}; use one of {', '.join(SCHEMES)}")
    if method == "cauchy" and kind != "derivative":
        raise ArgumentError(f"method='cauchy' computes derivative() of an analytic function; for {kind}() "
                            "use method='complex' or 'richardson'")
    return method, scheme


def _bind(fn: Callable, args: Any, kwargs: Mapping | None) -> Callable:
    if not callable(fn):
        raise ArgumentError(f"fn must be callable, got {type(fn).__name__}")
    if args is None:
        args = ()
    if not isinstance(args, tuple):
        args = (args,) if not isinstance(args, list) else tuple(args)
    if not args and not kwargs:
        return fn
    kw = dict(kwargs or {})
    bound = lambda x: fn(x, *args, **kw)  # noqa: E731
    bound.__wrapped__ = fn
    return bound


def _vector(fn: Callable, x: Any, batched: bool | None, method: str) -> tuple[VectorProblem, tuple]:
    x = np.asarray(x)
    if x.dtype.kind in "iub":
        x = x.astype(np.float64)
    if x.dtype.kind == "c" and method != "complex":
        raise ArgumentError("x is complex: finite differences here take real steps of real points; "
                            "differentiate the real and imaginary parts separately")
    shape = x.shape
    if x.ndim == 1:
        return VectorProblem(fn, x, batched), shape
    # Not a vector: perturb the flattened entries, call fn on the original shape, one point at a time.
    flat = lambda z: fn(z.reshape(shape))  # noqa: E731
    return VectorProblem(flat, x.reshape(-1), False), shape


def _require_points(n: int, formula: Formula, levels: int, what: str) -> None:
    pts = (2 * formula.entries * len(formula.first.offsets) + 1) * levels
    ensure_memory(pts * (200.0 + 8 * n / 64), f"{what} of {n} variables ({pts} perturbed points)",
                  "use hessdiag(), a directional derivative or reverse mode for so many variables"
                  if formula.kind == "hessian" else "check fewer entries")


def _complex_real_valued(fn: Callable, x: np.ndarray) -> None:
    """The complex step needs a real-valued fn: refuse one that returns complex values at a real point."""
    probe = np.asarray(fn(x))
    if probe.dtype.kind == "c":
        raise ArgumentError("method='complex' needs a real-valued function, but fn(x) is complex at the real "
                            f"point (dtype {probe.dtype}): the complex step reads the derivative off the imaginary "
                            "part; use a finite-difference method")


def _real_step(h: Any, order: int, dtype: Any, accuracy: int) -> float:
    h = checked_step(h)
    return optimal_step("central", accuracy, dtype, order=order).h if h is None else h


def _checked_levels(levels: Any) -> int:
    if isinstance(levels, bool) or not isinstance(levels, (int, np.integer)) or not 2 <= levels <= 64:
        raise ArgumentError(f"levels (Richardson's number of steps) must be an integer from 2 to 64, got {levels!r}")
    return int(levels)


def _steps(problem: Any, h_rel: float) -> Any:
    """The representable relative steps: one vector for a vector x (one call, not one per coordinate)."""
    if isinstance(problem, VectorProblem):
        return relative_steps(h_rel, problem.x, problem.name)
    return [relative_steps(h_rel, x, nm) for x, nm in zip(problem.xs, problem.names)]


def _run(problem: Any, kind: str, method: str, scheme: str, acc: int, h: Any, order: int,
         real_h: Any, levels: int | None = None) -> tuple[Raw, Formula, list, float, str]:
    """Compute ``kind`` of ``problem`` by ``method``: ``(raw, formula, steps, h_rel, label)``."""
    n = problem.n
    if method == "complex":
        h_im = checked_imaginary_step(h)
        if kind == "jacobian" or (kind == "derivative" and order == 1):
            _require_points(n, Formula.jacobian(n, "central", 2), 2, kind)
            return complex_jacobian(problem, h_im), Formula.jacobian(n, "central", 2), [h_im] * n, h_im, "complex"
        ra = real_accuracy_for(order if kind == "derivative" else 2)
        real = {"hessian": lambda: Formula.hessian(n, "central", ra),
                "hessdiag": lambda: Formula.jacobian(n, "central", ra),
                "derivative": lambda: Formula.derivative(order - 1, "central", ra)}[kind]()
        _require_points(n, real, 3, kind)
        h_rel = _real_step(real_h, real.first.order, problem.dtype, ra)
        d = _steps(problem, h_rel)
        return complex_higher(problem, real, d, h_im), real, d, h_rel, "complex"
    formula = {"jacobian": lambda: Formula.jacobian(n, scheme, acc), "hessian": lambda: Formula.hessian(n, scheme, acc),
               "hessdiag": lambda: Formula.hessdiag(n, scheme, acc),
               "derivative": lambda: Formula.derivative(order, scheme, acc)}[kind]()
    if method == "richardson":
        lv = RICHARDSON_LEVELS if levels is None else _checked_levels(levels)
        # the largest step: the optimal one for the order the extrapolation reaches, at most 0.125
        reach = min(acc + (2 if scheme == "central" else 1) * (lv - 1), 40)
        h_rel = checked_step(h)
        if h_rel is None:
            h_rel = min(RICHARDSON_H, optimal_step(scheme, reach + (reach % 2 if scheme == "central" else 0),
                                                   problem.dtype, order=formula.k).h)
        _require_points(n, formula, lv, kind)
        steps = _steps(problem, h_rel)
        return richardson(problem, formula, steps, lv, 2.0), formula, steps, h_rel, "richardson"
    h_rel = checked_step(h)
    h_rel = optimal_step(scheme, acc, problem.dtype, order=formula.k).h if h_rel is None else h_rel
    measured = kind != "jacobian"
    _require_points(n, formula, 3 if measured else 1, kind)
    steps = _steps(problem, h_rel)
    return (finite_difference(problem, formula, steps, measured=measured), formula, steps, h_rel,
            scheme_name(scheme, acc))


def _finish(problem: Any, raw: Raw, formula: Formula, steps: list, h_rel: float, label: str, scheme: str, acc: int,
            what: str, names: list[str] | None = None) -> None:
    """Warn about a probably wrong entry (user <- public function <- _compute <- _finish <- judge)."""
    judge(raw.value, raw.error, raw.reliable, names or (lambda: formula.entry_names(problem.names)), problem.dtype,
          what=f"{label} {what}", rounding=raw.rounding,
          suggest=(lambda: suggester(problem, formula, raw, steps, h_rel, scheme, acc)) if label != "complex" or
          formula.kind != "jacobian" else None, stacklevel=5)


def _estimate(value: Any, error: Any, reliable: Any, raw: Raw, steps: list, label: str, f: Any,
              full_output: bool, shape: tuple | None = None, **info: Any) -> Any:
    if not full_output:
        return value
    h = np.asarray([np.asarray(s, dtype=float) for s in steps]) if len(steps) else np.zeros(0)
    if shape is not None and h.size == int(np.prod(shape)):
        h = h.reshape(shape)
    reliable = np.asarray(reliable)
    return Estimate(value, error, h, label, raw.points, f, raw.how, True if reliable.all() else reliable, info)


def _compute(kind: str, fn: Callable, x: Any, scheme: str, accuracy: int | None, h: Any, method: str | None,
             args: Any, kwargs: Mapping | None, batched: bool | None, full_output: bool, real_h: Any = None,
             levels: int | None = None) -> Any:
    method, scheme = _resolve(scheme, method, kind)
    acc = default_accuracy(scheme) if accuracy is None else accuracy
    fn = _bind(fn, args, kwargs)
    problem, shape = _vector(fn, x, batched, method)
    if method == "complex":
        _complex_real_valued(fn, np.asarray(x, dtype=float))
    raw, formula, steps, h_rel, label = _run(problem, "jacobian" if kind == "gradient" else kind, method, scheme,
                                             acc, h, 1, real_h, levels)
    out = raw.F.shape[1:]
    if kind == "gradient" and out != ():
        raise ShapeError(f"gradient() needs fn(x) to return a scalar, but it returned shape {out}; "
                         "use dk.numeric.jacobian for vector-valued functions")
    _finish(problem, raw, formula, steps, h_rel, label, scheme, acc, kind)
    f0 = raw.F[0].real if np.iscomplexobj(raw.F) else raw.F[0]
    f0 = f0[()] if np.ndim(f0) == 0 else f0
    if out == () and len(shape) == 1 and kind != "hessian":  # a gradient of a vector: the entries, as they are
        value = raw.value.reshape(shape)
        return _estimate(value, raw.error.reshape(shape), np.broadcast_to(raw.reliable, value.shape), raw, steps,
                         label, f0, full_output, shape) if full_output else value
    arrays = (raw.value, raw.error, np.broadcast_to(raw.reliable, raw.value.shape))
    if kind == "hessian":
        arrays = (np.moveaxis(hessian_from_entries(np.asarray(a), problem.n), (0, 1), (-2, -1)).reshape(
            out + shape + shape) for a in arrays)
    else:
        arrays = (np.moveaxis(np.asarray(a), 0, -1).reshape(out + shape) for a in arrays)
    value, error, reliable = arrays
    return _estimate(value, error, reliable, raw, steps, label, f0, full_output, shape)


_PARAMS = """
    Parameters
    ----------
    fn : callable
        ``fn(x, *args, **kwargs)``{returns}.
    x : array_like
        The point: a vector ``(n,)``, or an array of any shape whose entries are the variables.
    scheme : {{"central", "forward", "backward"}}
        The finite-difference scheme (the default method).
    accuracy : int, optional
        Accuracy order p of the differences (error ~ h^p; default 1 one-sided, 2 central).
        numdifftools and SciPy call this ``order``.
    h : float, optional
        The step: relative (``h * max(|x|, 1)``) for differences (default: the model's optimum for
        x's dtype), the imaginary step for ``method="complex"``, the largest step for Richardson.
    method : {{"central", "forward", "backward", "complex", "richardson"}}, optional
        How (see :mod:`diffkit.numeric.callables`); default the finite-difference ``scheme``.
    args, kwargs : tuple, dict
        Extra arguments of fn, as SciPy's ``args=``.
    batched : bool, optional
        Whether fn accepts stacked points (None: try, then fall back).
    full_output : bool
        Return an :class:`~diffkit.numeric.Estimate` (value, error estimate, steps, evaluations).
    levels : int, optional
        For ``method="richardson"``: how many steps ``h, h/2, h/4...`` (default 24, from h = 0.125;
        with fewer levels the largest step is the optimal one of the order they reach).
"""


def gradient(fn: Callable, x: Any, scheme: str = "central", accuracy: int | None = None,
             h: float | None = None, *, method: str | None = None, args: Any = (), kwargs: Mapping | None = None,
             batched: bool | None = None, full_output: bool = False, levels: int | None = None) -> Any:
    """Numeric gradient of a scalar function ``fn(x)``.
    {params}
    Returns
    -------
    ndarray or Estimate
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
    >>> dk.numeric.gradient(lambda x, a: a * np.sum(x**2, axis=0), [1.0, 2.0], args=(3,)).round(6)
    array([ 6., 12.])
    """
    return _compute("gradient", fn, x, scheme, accuracy, h, method, args, kwargs, batched, full_output, levels=levels)


def jacobian(fn: Callable, x: Any, scheme: str = "central", accuracy: int | None = None,
             h: float | None = None, *, method: str | None = None, args: Any = (), kwargs: Mapping | None = None,
             batched: bool | None = None, full_output: bool = False, levels: int | None = None) -> Any:
    """Numeric Jacobian ``J[i, j] = d fn(x)_i / d x_j``.
    {params}
    Returns
    -------
    ndarray or Estimate
        Shape ``fn(x).shape + x.shape`` (``(m, n)`` for a vector function of a vector). A scalar
        function gives its gradient (shape ``x.shape``); a scalar x gives ``fn(x).shape``, with no
        axis of length 1 for x (as ``jax.jacfwd``; numdifftools keeps one). Batched calls pass ``X``
        of shape ``(n, N)`` and expect ``(m, N)``.

    Example
    -------
    >>> import numpy as np, diffkit as dk
    >>> F = lambda x: np.stack([x[0] * x[1], np.sin(x[0])])
    >>> dk.numeric.jacobian(F, [1.0, 2.0]).round(8)
    array([[2.        , 1.        ],
           [0.54030231, 0.        ]])
    >>> dk.numeric.jacobian(lambda t: np.array([t, t**2, t**3]), 2.0).round(6)  # of a scalar: shape (3,)
    array([ 1.,  4., 12.])
    """
    return _compute("jacobian", fn, x, scheme, accuracy, h, method, args, kwargs, batched, full_output, levels=levels)


def hessian(fn: Callable, x: Any, scheme: str = "central", accuracy: int | None = None,
            h: float | None = None, *, method: str | None = None, args: Any = (), kwargs: Mapping | None = None,
            batched: bool | None = None, full_output: bool = False, real_h: float | None = None,
            levels: int | None = None) -> Any:
    """Numeric Hessian ``H[..., i, j] = d^2 fn(x)[...] / dx_i dx_j``, of scalar or vector-valued functions.
    {params}    real_h : float, optional
        For ``method="complex"``: the relative real step of the central difference taken of ``Im f``.

    Returns
    -------
    ndarray or Estimate
        Shape ``fn(x).shape + x.shape + x.shape``: ``(n, n)`` for a scalar function of a vector,
        ``(m, n, n)`` for m outputs (as ``jax.hessian``). Its error estimate is measured: the
        differences are also taken at 2h and 4h.

    Example
    -------
    >>> import numpy as np, diffkit as dk
    >>> f = lambda x: x[0]**2 * x[1] + np.exp(x[1])
    >>> dk.numeric.hessian(f, [1.0, 0.0]).round(5)
    array([[0., 2.],
           [2., 1.]])
    >>> dk.numeric.hessian(lambda x: np.stack([x[0] * x[1], x[0]**2]), [1.0, 2.0]).round(5)
    array([[[0., 1.],
            [1., 0.]],
    <BLANKLINE>
           [[2., 0.],
            [0., 0.]]])
    """
    return _compute("hessian", fn, x, scheme, accuracy, h, method, args, kwargs, batched, full_output, real_h,
                    levels)


def hessdiag(fn: Callable, x: Any, scheme: str = "central", accuracy: int | None = None,
             h: float | None = None, *, method: str | None = None, args: Any = (), kwargs: Mapping | None = None,
             batched: bool | None = None, full_output: bool = False, real_h: float | None = None,
             levels: int | None = None) -> Any:
    """The diagonal of the Hessian, ``d^2 fn / dx_i^2``, at about 6n evaluations instead of 6n^2.
    {params}    real_h : float, optional
        For ``method="complex"``: the relative real step of the central difference taken of ``Im f``.

    Returns
    -------
    ndarray or Estimate
        Shape ``fn(x).shape + x.shape``.

    Example
    -------
    >>> import numpy as np, diffkit as dk
    >>> dk.numeric.hessdiag(lambda x: x[0] + x[1]**2 + x[2]**3, [1.0, 2.0, 3.0]).round(6)
    array([ 0.,  2., 18.])
    """
    return _compute("hessdiag", fn, x, scheme, accuracy, h, method, args, kwargs, batched, full_output, real_h,
                    levels)


def derivative(fn: Callable, x: Any, scheme: str = "central", accuracy: int | None = None,
               h: float | None = None, order: int = 1, *, method: str | None = None, args: Any = (),
               kwargs: Mapping | None = None, batched: bool | None = None, full_output: bool = False,
               real_h: float | None = None) -> Any:
    """The ``order``-th derivative of an elementwise function at ``x`` (a scalar or every element of an array).

    ``order`` is which derivative (2 is f''); numdifftools' and SciPy's ``order`` is the accuracy
    order, here ``accuracy``.
    {params}    order : int
        Which derivative.
    real_h : float, optional
        For ``method="complex"`` and ``order >= 2``: the relative real step.

    ``method="cauchy"`` is also accepted: the Cauchy integral for analytic functions
    (:func:`~diffkit.numeric.cauchy.cauchy_derivatives`); there ``h`` is the initial radius.
    Batched calls pass ``X`` of shape ``x.shape + (N,)``. The error estimate is measured
    (the differences are also taken at 2h and 4h).

    Example
    -------
    >>> import numpy as np, diffkit as dk
    >>> round(dk.numeric.derivative(np.exp, 1.0, accuracy=4), 10)
    2.7182818285
    >>> dk.numeric.derivative(np.sin, np.array([0.5, np.pi / 2]), order=2).round(6)
    array([-0.479426, -1.      ])
    >>> abs(dk.numeric.derivative(np.exp, 1.0, order=5, method="cauchy") - np.e) < 1e-14  # 5th, to ~ulps
    True
    """
    method, scheme = _resolve(scheme, method, "derivative")
    if isinstance(order, bool) or not isinstance(order, (int, np.integer)) or order < 1:
        raise ArgumentError(f"order (which derivative) must be a positive integer, got {order!r}")
    fn = _bind(fn, args, kwargs)
    if method == "cauchy":
        from .cauchy import cauchy_derivative

        return cauchy_derivative(fn, x, int(order), r=h, full_output=full_output, batched=batched, _depth=3)
    acc = default_accuracy(scheme) if accuracy is None else accuracy
    problem = GridProblem(fn, x, batched)
    if method == "complex":
        _complex_real_valued(fn, np.asarray(x, dtype=float))
    raw, formula, steps, h_rel, label = _run(problem, "derivative", method, scheme, acc, h, int(order), real_h)
    names = [f"d{order}/dx{order}" if order > 1 else "d/dx"]
    _finish(problem, raw, formula, steps, h_rel, label, scheme, acc, "derivative", names)
    d, err = raw.value[0, 0], raw.error[0, 0]
    scalar = np.ndim(d) == 0 and np.ndim(x) == 0
    value = d.item() if scalar else d
    if not full_output:
        return value
    f0 = raw.F[0, 0].real if np.iscomplexobj(raw.F) else raw.F[0, 0]
    reliable = np.asarray(raw.reliable)[0, 0]
    h0 = np.asarray(steps[0])
    return Estimate(value, float(err) if scalar else err, h0.item() if h0.ndim == 0 else h0, label, raw.points,
                    f0[()] if np.ndim(f0) == 0 else f0, raw.how, bool(reliable.all()) if reliable.all() else reliable)


def directional_derivative(fn: Callable, x: Any, v: Any, scheme: str = "central", accuracy: int | None = None,
                           h: float | None = None, *, method: str | None = None, args: Any = (),
                           kwargs: Mapping | None = None, batched: bool | None = None,
                           full_output: bool = False) -> Any:
    """``d/dt fn(x + t v)`` at t = 0, that is ``J(x) v`` (``grad f . v`` for a scalar f), in two to four calls.

    ``v`` is not normalised (a JVP, as ``jax.jvp``); numdifftools' ``directionaldiff`` divides by ``|v|``.
    {params}
    Example
    -------
    >>> import numpy as np, diffkit as dk
    >>> rosen = lambda x: np.sum(100 * (x[1:] - x[:-1]**2)**2 + (1 - x[:-1])**2, axis=0)
    >>> round(float(dk.numeric.directional_derivative(rosen, [2.0, 3.0], [1.0, -1.0])), 4)  # 802 + 200
    1002.0
    """
    method, scheme = _resolve(scheme, method, "directional_derivative")
    fn = _bind(fn, args, kwargs)
    x = np.asarray(x, dtype=float)
    v = np.asarray(v, dtype=float)
    if v.shape != x.shape:
        raise ShapeError(f"the direction v has shape {v.shape}, but x has shape {x.shape}")
    vmax = float(np.max(np.abs(v))) if v.size else 0.0
    if vmax == 0 or not np.isfinite(vmax):
        raise ArgumentError("the direction v must be finite and not zero")
    s = max(1.0, float(np.max(np.abs(x)))) / vmax  # t moves the largest coordinate by about h max(|x|, 1)
    xs, vs = x.reshape(-1, 1), (v * s).reshape(-1, 1)

    def along(t: Any) -> Any:
        t = np.asarray(t)
        if t.ndim == 2:  # stacked: (1, N) -> points (n, N) as columns
            return fn((xs + vs * t).reshape(x.shape + t.shape[1:]))
        return fn((xs[:, 0] + vs[:, 0] * t[0]).reshape(x.shape))

    acc = default_accuracy(scheme) if accuracy is None else accuracy
    problem = VectorProblem(along, np.zeros(1), batched if x.ndim == 1 else False, name="t")
    if method == "complex":
        _complex_real_valued(fn, x)
    raw, formula, steps, h_rel, label = _run(problem, "jacobian", method, scheme, acc, h, 1, None)
    _finish(problem, raw, formula, steps, h_rel, label, scheme, acc, "directional derivative", ["d/dt"])
    value, err = raw.value[0] / s, raw.error[0] / s
    value, err = (a[()] if np.ndim(a) == 0 else a for a in (value, err))
    f0 = raw.F[0].real if np.iscomplexobj(raw.F) else raw.F[0]
    return _estimate(value, err, np.asarray(raw.reliable)[0], raw, [np.asarray(steps[0]) * s], label, f0,
                     full_output)


for _f in (gradient, jacobian, hessian, hessdiag, derivative, directional_derivative):
    _f.__doc__ = _f.__doc__.replace("{params}", _PARAMS.format(
        returns=" -> float" if _f in (gradient, hessian, hessdiag) else ""))
