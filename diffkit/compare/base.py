"""The interface every differentiator implements, and the result they all return.

A :class:`Differentiator` answers ``gradient``, ``jacobian``, ``hessian`` and
``derivative`` for an :class:`~diffkit.Expr` (or text, SymPy, a function) at a
point. The base class does the shared work once: it coerces the function,
binds and checks the point, times the call and reads the op counter, and packs
a :class:`Result`. A method only writes the mathematics, in the hooks
``_gradient``, ``_jacobian``, ``_hessian`` and ``_derivative``.

Example
-------
>>> import diffkit as dk
>>> class Exact(dk.Differentiator):
...     name = "exact"
...     def _jacobian(self, f, values, wrt):
...         import numpy as np
...         x = values["x"]
...         return f(**values), np.array([[2 * x]])
>>> r = Exact().gradient("x^2", at={"x": 3.0})
>>> r.value, r.gradient
(9.0, {'x': 6.0})
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import ArgumentError, ArgumentTypeError, ExpressionError
from ..expr.counting import OpCount, counting
from ..expr.expr import Expr, as_expr, check_broadcast
from ..limits import CostLimitError
from ..table import Table, fmt

__all__ = ["Differentiator", "Result", "plain"]


def plain(v: Any) -> Any:
    """0-d arrays and NumPy scalars become Python numbers (readable reprs); the rest is unchanged.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.compare.base import plain
    >>> plain(np.float64(5.5)), plain(np.array(2.0))
    (5.5, 2.0)
    """
    if isinstance(v, np.generic) or (isinstance(v, np.ndarray) and v.ndim == 0):
        return v.item()
    return v


@dataclass
class Result:
    """What every differentiator returns.

    Attributes
    ----------
    method : str
        Which differentiator produced it (``"reverse"``, ``"central"``...).
    kind : str
        ``"gradient"``, ``"jacobian"``, ``"hessian"`` or ``"derivative"``.
    wrt : tuple of str
        The variables differentiated with respect to, in order.
    value : float, array or tuple
        The function's value at the point.
    gradient : dict or None
        ``{name: df/dname}`` for a gradient.
    jacobian : ndarray or None
        Shape ``(m, n)`` (``+ point shape`` for array points): ``J[i, j] = dy_i/dx_j``.
    hessian : ndarray or None
        Shape ``(n, n)`` (``+ point shape``).
    derivative : float, array or None
        ``d^k f / dx^k`` for :meth:`Differentiator.derivative`.
    order : int
        The derivative order for ``derivative`` (1 otherwise, 2 for hessians).
    ops : OpCount
        Operations the method spent, counted by the engines as they ran.
    seconds : float
        Wall-clock time of the call.
    error_estimate : float, array or None
        The method's own estimate of its error, where it has one (Richardson).
    expressions : Any
        The derivative expressions (SymPy), for symbolic methods.
    size : Any
        Expression-size metrics, where they apply.
    info : dict
        Anything else the method wants to report (step used, ...).

    Example
    -------
    >>> import diffkit as dk
    >>> r = dk.Result("demo", "gradient", ("x", "y"), 1.0, gradient={"x": 2.0, "y": 3.0})
    >>> r.array
    array([2., 3.])
    """

    method: str
    kind: str
    wrt: tuple[str, ...]
    value: Any
    gradient: dict[str, Any] | None = None
    jacobian: Any = None
    hessian: Any = None
    derivative: Any = None
    order: int = 1
    ops: OpCount = field(default_factory=OpCount)
    seconds: float = 0.0
    error_estimate: Any = None
    expressions: Any = None
    size: Any = None
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def array(self) -> np.ndarray:
        """The derivative as one array: gradient in ``wrt`` order, or the Jacobian,
        Hessian or k-th derivative.

        Example
        -------
        >>> import diffkit as dk
        >>> r = dk.ReverseMode().gradient("log(x1) + x1*x2 - sin(x2)", at={"x1": 2.0, "x2": 5.0})
        >>> r.array.round(3)
        array([5.5  , 1.716])
        """
        if self.kind == "gradient":
            return np.stack([np.asarray(self.gradient[n]) for n in self.wrt])
        if self.kind == "jacobian":
            return np.asarray(self.jacobian)
        if self.kind == "hessian":
            return np.asarray(self.hessian)
        return np.asarray(self.derivative)

    def table(self) -> Table:
        """The result as a small table (one row per entry).

        Example
        -------
        >>> import diffkit as dk
        >>> t = dk.ReverseMode().gradient("log(x1) + x1*x2 - sin(x2)", at={"x1": 2.0, "x2": 5.0}).table()
        >>> t.title, t.column("entry")
        ('reverse gradient (value 11.6521)', ['d/dx1', 'd/dx2'])
        """
        rows: list[list[Any]] = []
        if self.kind == "gradient":
            rows = [[f"d/d{n}", self.gradient[n]] for n in self.wrt]
        elif self.kind == "derivative":
            rows = [[f"d^{self.order}/d{self.wrt[0]}^{self.order}" if self.order > 1
                     else f"d/d{self.wrt[0]}", self.derivative]]
        else:
            a = self.array
            rows = [[f"[{i}, {j}]", a[i, j]] for i in range(a.shape[0]) for j in range(a.shape[1])]
        return Table(["entry", "value"], rows,
                     title=f"{self.method} {self.kind} (value {fmt(self.value)})",
                     notes=[f"ops: {self.ops}; {self.seconds * 1e3:.3g} ms"])

    def __str__(self) -> str:
        return str(self.table())

    def _repr_html_(self) -> str:
        return self.table().to_html()


def _duration(seconds: float) -> str:
    for unit, size in (("days", 86400), ("hours", 3600), ("minutes", 60)):
        if seconds >= 2 * size:
            return f"about {seconds / size:.0f} {unit}"
    return f"about {seconds:.0f} seconds"


def _array_of(v: Any) -> Any:
    """A Tensor's array (the differentiators work on arrays, not on a tape); any other value as it is."""
    data = getattr(v, "_data", None)
    return data if data is not None and hasattr(v, "requires_grad") else v


class Differentiator:
    """Base class of every method: symbolic, numeric and automatic.

    Subclasses set :attr:`name` and implement some of the hooks; the public
    methods do the checking, timing and counting.

    * ``_jacobian(f, values, wrt) -> (value, J)`` with ``J`` of shape
      ``(m, n, *point_shape)``; the default ``_gradient`` uses it.
    * ``_gradient(f, values, wrt) -> (value, [df/dw for w in wrt])``.
    * ``_hessian(f, values, wrt) -> (value, H)`` with ``H`` of shape ``(n, n, ...)``.
    * ``_derivative(f, values, wrt, order) -> (value, d^k f/dx^k)``; the
      default handles ``order=1`` through ``_gradient``.

    A hook may return a third item, a dict of extra :class:`Result` fields
    (``error_estimate``, ``expressions``, ``size``, ``info``).

    A method that knows how many passes through the function a request makes
    says so in ``_passes(kind, n, m, order)``; a request whose estimated cost
    (passes times the function's ops) is above :attr:`max_cost` is refused
    before it starts with a :class:`~diffkit.CostLimitError` that gives the
    estimate. Raise the limit on an instance (``method.max_cost = 1e10``) or
    lift it (``None``).

    Example
    -------
    >>> import diffkit as dk
    >>> issubclass(dk.Differentiator, object)
    True
    """

    name = "differentiator"

    #: The most op applications (passes through the function times its ops) a request may be
    #: estimated to need before it is refused: about two minutes of AD passes at a microsecond each.
    max_cost: float | None = 1e8

    # -- public API ------------------------------------------------------------
    def gradient(self, f: Any, at: Mapping[str, Any], wrt: Sequence[str] | str | None = None) -> Result:
        """Gradient of a scalar function at a point: ``{name: df/dname}``.

        Example
        -------
        >>> import diffkit as dk
        >>> r = dk.ReverseMode().gradient("log(x1) + x1*x2 - sin(x2)", at={"x1": 2.0, "x2": 5.0})
        >>> round(r.value, 3), {k: round(v, 3) for k, v in r.gradient.items()}
        (11.652, {'x1': 5.5, 'x2': 1.716})
        """
        f, values, wrt = self._prepare(f, at, wrt)
        if f.n_outputs != 1:
            raise ExpressionError(f"gradient() needs one output; this function has {f.n_outputs}",
                                  hint="use jacobian() for several outputs")
        self._check_cost("gradient", f, wrt)
        (value, grads, extra), ops, secs = self._run(self._gradient, f, values, wrt)
        return Result(self.name, "gradient", wrt, plain(value),
                      gradient={w: plain(g) for w, g in zip(wrt, grads)}, ops=ops, seconds=secs, **extra)

    def jacobian(self, f: Any, at: Mapping[str, Any], wrt: Sequence[str] | str | None = None) -> Result:
        """Jacobian ``J[i, j] = dy_i/dx_j`` of a function with one or more outputs.

        Example
        -------
        >>> import diffkit as dk
        >>> r = dk.ForwardMode().jacobian("x*y, x + y", at={"x": 2.0, "y": 3.0})
        >>> r.value, r.jacobian
        ((6.0, 5.0), array([[3., 2.],
               [1., 1.]]))
        """
        f, values, wrt = self._prepare(f, at, wrt)
        self._check_cost("jacobian", f, wrt)
        (value, jac, extra), ops, secs = self._run(self._jacobian, f, values, wrt)
        value = tuple(plain(v) for v in value) if isinstance(value, tuple) else plain(value)
        return Result(self.name, "jacobian", wrt, value, jacobian=np.asarray(jac), ops=ops,
                      seconds=secs, **extra)

    def hessian(self, f: Any, at: Mapping[str, Any], wrt: Sequence[str] | str | None = None) -> Result:
        """Hessian ``H[i, j] = d^2 f/dx_i dx_j`` of a scalar function.

        Example
        -------
        >>> import diffkit as dk
        >>> dk.ReverseMode().hessian("log(x1) + x1*x2 - sin(x2)", at={"x1": 2.0, "x2": 5.0}).hessian.round(3)
        array([[-0.25 ,  1.   ],
               [ 1.   , -0.959]])
        """
        f, values, wrt = self._prepare(f, at, wrt)
        if f.n_outputs != 1:
            raise ExpressionError(f"hessian() needs one output; this function has {f.n_outputs}")
        self._check_cost("hessian", f, wrt)
        (value, hess, extra), ops, secs = self._run(self._hessian, f, values, wrt)
        return Result(self.name, "hessian", wrt, plain(value), hessian=np.asarray(hess), order=2,
                      ops=ops, seconds=secs, **extra)

    def derivative(self, f: Any, at: Mapping[str, Any], wrt: str | None = None, order: int = 1) -> Result:
        """The ``order``-th derivative with respect to one variable (the only one by default).

        Example
        -------
        >>> import diffkit as dk
        >>> dk.ReverseMode().derivative("x^3", at={"x": 2.0}, order=2).derivative  # 6x
        12.0
        >>> dk.Symbolic().derivative("x*y", at={"x": 2.0, "y": 5.0}, wrt="x").derivative
        5.0
        """
        if not isinstance(order, (int, np.integer)) or isinstance(order, bool) or order < 1:
            raise ArgumentError(f"order must be a positive integer, got {order!r}")
        f, values, wrt_t = self._prepare(f, at, wrt)
        if len(wrt_t) != 1:
            raise ExpressionError(f"derivative() is with respect to one variable; got {wrt_t}",
                                  hint="pass wrt='name'")
        if f.n_outputs != 1:
            raise ExpressionError(f"derivative() needs one output; this function has {f.n_outputs}")
        self._check_cost("derivative", f, wrt_t, int(order))
        (value, d, extra), ops, secs = self._run(self._derivative, f, values, wrt_t[0], int(order))
        return Result(self.name, "derivative", wrt_t, plain(value), derivative=plain(d),
                      order=int(order), ops=ops, seconds=secs, **extra)

    # -- hooks -------------------------------------------------------------------
    def _gradient(self, f: Expr, values: dict, wrt: tuple) -> tuple:
        value, jac, *extra = self._jacobian(f, values, wrt)
        jac = np.asarray(jac)
        return (value, [jac[0, j] for j in range(len(wrt))], *extra)

    def _jacobian(self, f: Expr, values: dict, wrt: tuple) -> tuple:
        raise NotImplementedError(f"{type(self).__name__} does not compute Jacobians")

    def _hessian(self, f: Expr, values: dict, wrt: tuple) -> tuple:
        raise NotImplementedError(f"{type(self).__name__} does not compute Hessians")

    def _derivative(self, f: Expr, values: dict, wrt: str, order: int) -> tuple:
        if order != 1:
            raise NotImplementedError(f"{type(self).__name__} does not compute derivatives of order {order}")
        value, grads, *extra = self._gradient(f, values, (wrt,))
        return (value, grads[0], *extra)

    def _passes(self, kind: str, n: int, m: int, order: int = 1) -> int | None:
        """Passes through the function a ``kind`` request over ``n`` inputs and ``m`` outputs makes
        (``None``: not known, and then not checked)."""
        return None

    # -- shared machinery ------------------------------------------------------
    def _check_cost(self, kind: str, f: Expr, wrt: tuple, order: int = 1) -> None:
        limit = self.max_cost
        passes = self._passes(kind, len(wrt), f.n_outputs, order)
        if limit is None or passes is None:
            return
        ops = max(len(f.graph), 1)
        cost = passes * ops
        if cost > limit:
            raise CostLimitError(
                f"{self!r}.{kind}() over {len(wrt):,} variables would make about {passes:,} passes through the "
                f"function's {ops:,} ops: {cost:.2g} op applications, {_duration(cost * 1e-6)} at a microsecond "
                f"each, above max_cost = {limit:.2g}. To run it anyway set max_cost on the method "
                f"(method.max_cost = {10 ** math.ceil(math.log10(cost)):.0e}, or None for no limit)",
                estimate=cost, limit=limit)

    def _prepare(self, f: Any, at: Mapping[str, Any], wrt) -> tuple[Expr, dict, tuple]:
        f = as_expr(f)
        if not isinstance(at, Mapping):
            if not isinstance(at, (str, bytes)) and np.ndim(at) <= 1 and len(f.variables) == np.size(at):
                at = dict(zip(f.variables, np.atleast_1d(np.asarray(at, dtype=float)).tolist()))
            else:
                first = f.variables[0] if f.variables else "x"
                raise ExpressionError(f"at= must map variable names to values, e.g. at={{'{first}': 1.0}}")
        values = check_broadcast({n: _array_of(v) for n, v in f.bind(**at).items()})
        if wrt is None:
            wrt = f.variables
        elif isinstance(wrt, str):
            wrt = (wrt,)
        names = tuple(wrt) if isinstance(wrt, Iterable) else None
        if names is None or not all(isinstance(w, str) for w in names):
            raise ArgumentTypeError("wrt must be a variable name or a list of names, e.g. wrt='x' or "
                                    f"wrt=['x', 'y'], got {wrt!r}")
        wrt = names
        unknown = [w for w in wrt if w not in f.variables]
        if unknown:
            raise ExpressionError(f"can't differentiate with respect to {unknown}: not variables of the function",
                                  hint=f"its variables are {', '.join(f.variables)}")
        if not wrt:
            raise ExpressionError("nothing to differentiate: " + ("wrt is empty" if f.variables
                                                                  else "the function has no variables"))
        return f, values, wrt

    def _run(self, hook, *args):
        with counting() as spent:
            t0 = time.perf_counter()
            out = hook(*args)
            secs = time.perf_counter() - t0
        value, deriv, *rest = out
        extra = rest[0] if rest else {}
        return (value, deriv, extra), spent.count, secs

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"
