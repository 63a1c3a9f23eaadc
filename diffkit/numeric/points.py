"""Evaluating a function at many perturbed points: one stacked call, or one call per point.

Every numeric method here is "evaluate f at ``x + sum_v m_v h_v e_v`` for a
set of multiplier vectors ``m``, then take a linear combination of the
values". This module owns that: a :class:`PointSet` of sparse multiplier
vectors, a :class:`Plan` (which combination of which points gives which
derivative entry), and the problems that evaluate a point set:

* :class:`ExprProblem` for an :class:`~diffkit.Expr`: its variables may be
  arrays (a grid of independent points, the derivative is taken at each); all
  perturbed points are stacked along a new leading axis and the graph is
  evaluated once (``ops.evals`` still counts every function value; ``calls``
  says how many calls carried them), unless the graph holds
  reductions, then it is evaluated once per point.
* :class:`VectorProblem` for a plain callable ``fn(x)`` of a vector ``x`` of
  shape ``(n,)``: "broadcasting" means ``fn`` accepts ``X`` of shape ``(n, N)``
  (points stacked along the last axis, as in ``scipy.differentiate``) and
  returns ``(N,)`` or ``(m, N)`` (or, tried second, points as rows:
  ``(N, n)`` to ``(N,)`` or ``(N, m)``). Up to 256 variables that is one call;
  larger stacks go in chunks of about 4 MiB.
* :class:`GridProblem` for a plain elementwise callable of a scalar or array
  ``x`` (``derivative``): points stacked along a new last axis.
"""

from __future__ import annotations

import warnings
import weakref
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..errors import ArgumentError, DiffkitError, ShapeError
from ..expr.counting import COUNTER

__all__ = ["NumericWarning", "PointSet", "Plan", "ExprProblem", "VectorProblem", "GridProblem",
           "relative_steps", "checked_step", "checked_imaginary_step", "check_imaginary_scale",
           "SINGLE_CALL_VARIABLES", "CHUNK_BYTES"]

#: Up to this many variables a batched gradient/Jacobian is one call of fn.
SINGLE_CALL_VARIABLES = 256
#: Beyond that, stacked points go to fn in chunks of about this many bytes (cache-sized).
CHUNK_BYTES = 4 << 20

_BATCHABLE_ARRAY_OPS = {"where", "clip", "broadcast_to"}


class NumericWarning(UserWarning):
    """A finite-difference result that is probably wrong (non-finite values, ...).

    Example
    -------
    >>> import diffkit as dk
    >>> issubclass(dk.numeric.NumericWarning, UserWarning)
    True
    """


class PointSet:
    """Distinct perturbation points, each a sorted tuple of ``(variable, multiplier)``.

    The centre ``()`` (no perturbation) is always point 0.

    Example
    -------
    >>> from diffkit.numeric.points import PointSet
    >>> ps = PointSet()
    >>> ps.add(((0, 1.0),)), ps.add(((0, -1.0),)), ps.add(((0, 1.0),))
    (1, 2, 1)
    >>> ps.multipliers(1)
    array([[ 0.],
           [ 1.],
           [-1.]])
    """

    def __init__(self) -> None:
        self.points: list[tuple] = [()]
        self._index: dict[tuple, int] = {(): 0}
        self._dense: dict[tuple, np.ndarray] = {}

    def add(self, point: Sequence[tuple[int, float]]) -> int:
        key = tuple(sorted((int(v), complex(m) if np.iscomplexobj(m) else float(m)) for v, m in point if m != 0))
        i = self._index.get(key)
        if i is None:
            i = self._index[key] = len(self.points)
            self.points.append(key)
            self._dense.clear()
        return i

    def __len__(self) -> int:
        return len(self.points)

    def multipliers(self, n: int, start: int = 0, stop: int | None = None) -> np.ndarray:
        """Dense ``(N, n)`` multipliers of points ``start:stop`` (cached: plans are reused)."""
        key = (n, start, stop)
        if key not in self._dense:
            self._dense[key] = self._build_multipliers(n, start, stop)
            self._dense[key].flags.writeable = False
        return self._dense[key]

    def _build_multipliers(self, n: int, start: int, stop: int | None) -> np.ndarray:
        pts = self.points[start:stop]
        cplx = any(isinstance(m, complex) for p in pts for _, m in p)
        out = np.zeros((len(pts), n), dtype=complex if cplx else float)
        for r, p in enumerate(pts):
            for v, m in p:
                out[r, v] = m
        return out

    def variables_of(self, i: int) -> list[int]:
        return [v for v, _ in self.points[i]]


class Plan:
    """Which linear combination of point values gives each derivative entry.

    ``estimate[e] = sum(coef * F[point] for (e, point, coef) in terms) / denom[e]``.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.numeric.points import Plan
    >>> plan = Plan(1)
    >>> a, b = plan.points.add(((0, 1.0),)), plan.points.add(((0, -1.0),))
    >>> plan.term(0, a, 0.5); plan.term(0, b, -0.5)
    >>> plan.combine(np.array([[0.0], [2.0], [-2.0]]))
    array([[2.]])
    """

    def __init__(self, entries: int, points: PointSet | None = None):
        self.entries = entries
        self.points = points if points is not None else PointSet()
        self._rows: list[int] = []
        self._cols: list[int] = []
        self._coefs: list[float] = []

    def term(self, entry: int, point: int, coef: float) -> None:
        if coef != 0:
            self._rows.append(entry)
            self._cols.append(point)
            self._coefs.append(float(coef))
            self._arrays = None

    _arrays: tuple | None = None

    def _terms(self) -> tuple:
        """The terms sorted by entry, as arrays, with where each entry's run starts (built once)."""
        if self._arrays is None:
            rows = np.asarray(self._rows, dtype=np.intp)
            order = np.argsort(rows, kind="stable")
            rows = rows[order]
            starts = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]]) if len(rows) else rows
            self._arrays = (rows, np.asarray(self._cols, dtype=np.intp)[order],
                            np.asarray(self._coefs)[order], starts, rows[starts] if len(rows) else rows)
        return self._arrays

    def combine(self, F: np.ndarray, absolute: bool = False) -> np.ndarray:
        """``(entries, *F.shape[1:])`` sums of ``coef * F[point]`` (no denominators);
        with ``absolute``, of ``|coef| * F[point]`` (for rounding-error bounds)."""
        rows, cols, coefs, starts, which = self._terms()
        if absolute:
            coefs = np.abs(coefs)
        out = np.zeros((self.entries,) + F.shape[1:], dtype=F.dtype if F.dtype.kind in "fc" else np.float64)
        if len(rows):
            terms = coefs.reshape((-1,) + (1,) * (F.ndim - 1)) * F[cols]
            out[which] = np.add.reduceat(terms, starts, axis=0).astype(out.dtype, copy=False)
        return out


def checked_step(h: Any) -> float | None:
    """A step as given by a user: None for "choose it" (``None`` or ``"auto"``), else a positive float.

    Example
    -------
    >>> from diffkit.numeric.points import checked_step
    >>> checked_step("auto") is None, checked_step(1e-3)
    (True, 0.001)
    """
    if h is None or (isinstance(h, str) and h == "auto"):
        return None
    value = None
    if not isinstance(h, (str, bool)) and np.ndim(h) == 0:
        try:
            value = float(h)
        except (TypeError, ValueError):
            pass
    if value is None or not np.isfinite(value) or value <= 0:
        raise ArgumentError(f"h must be 'auto' (or None) or a positive number, got {h!r}")
    return value


def checked_imaginary_step(h: Any) -> float:
    """The complex step's h as given (None: 1e-20), refused when not a positive number.

    Example
    -------
    >>> from diffkit.numeric.points import checked_imaginary_step
    >>> checked_imaginary_step(None), checked_imaginary_step(1e-30)
    (1e-20, 1e-30)
    """
    try:  # no "auto" here: any tiny step will do
        step = 1e-20 if h is None else None if isinstance(h, str) else checked_step(h)
    except ArgumentError:
        step = None
    if step is None:
        raise ArgumentError(f"h must be a positive number (or None for the default 1e-20), got {h!r}")
    return step


def check_imaginary_scale(h: float, xs: Sequence[Any], names: Sequence[str]) -> None:
    """Refuse an imaginary step larger than the point's own scale ``max(|x|, 1)``: that far from the real
    line ``f(x + ih)`` says nothing about f near x (``ComplexStep(h=1e300)`` gave -2.2e-300 for exp'(1)).

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.numeric.points import check_imaginary_scale
    >>> check_imaginary_scale(0.1, [np.float64(2.0)], ["x"])   # fine: returns None
    """
    for x, name in zip(xs, names):
        scale = float(np.min(np.maximum(np.abs(np.asarray(x, dtype=float)), 1.0))) if np.size(x) else 1.0
        if h > scale:
            raise ArgumentError(
                f"h={h:g} is too large for a complex step at {name} (its scale is {scale:g}): the truncation "
                "error grows as h^2 times the third derivative, and this far from the real line f(x + ih) says "
                "nothing about f near x; use a tiny h such as 1e-20 (the default): nothing is subtracted, so no "
                "h is too small")


def relative_steps(h: float, x: np.ndarray, name: str, *, dtype: Any = None) -> np.ndarray:
    """The representable step ``(x + h*max(|x|, 1)) - x``, checked to be nonzero.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.numeric.points import relative_steps
    >>> float(relative_steps(1e-5, np.float64(3.0), "x"))
    3.0000000000196536e-05
    """
    x = np.asarray(x)
    dt = np.dtype(dtype) if dtype is not None else (x.dtype if x.dtype.kind == "f" else np.dtype(np.float64))
    x = x.astype(dt, copy=False)
    nominal = (np.asarray(h, dtype=dt) * np.maximum(np.abs(x), dt.type(1))).astype(dt)
    step = (x + nominal) - x
    # A nan/inf coordinate is not a step problem: its nan estimate comes with the
    # "function is not finite at the point" warning, as the other methods give nan.
    bad = (~(step != 0) | ~np.isfinite(step)) & np.isfinite(x)
    if np.any(bad):
        where = "" if x.ndim == 0 else f"[{', '.join(str(int(i)) for i in np.argwhere(bad)[0])}]"
        xv = float(x if x.ndim == 0 else x[tuple(np.argwhere(bad)[0])])
        spacing = float(np.spacing(dt.type(xv)))
        raise DiffkitError(
            f"the step h={float(h):.3g} for variable {name!r}{where} rounds to zero at {name}={xv:.6g} in {dt} "
            f"(the spacing of numbers there is {spacing:.3g}); use a larger h, e.g. h='auto'")
    return step


def _work_dtype(x: Any, pert: Any) -> np.dtype:
    """The dtype perturbed points are evaluated in: x's, made complex for complex steps."""
    dt = np.asarray(x).dtype
    return np.result_type(dt, np.complex64) if np.iscomplexobj(pert) else dt


def _shift(m: Any) -> str:
    """A perturbation ``m*h`` as text: ``+ 2*h``, ``- 1*h``, ``+ 1i*h`` (the complex step's)."""
    if isinstance(m, complex):
        return " ".join(f"{'+' if c > 0 else '-'} {abs(c):g}{unit}*h"
                        for c, unit in ((m.real, ""), (m.imag, "i")) if c) or "+ 0*h"
    return f"{'+' if m > 0 else '-'} {abs(m):g}*h"


def _warn_nonfinite(F: np.ndarray, points: PointSet, names: Sequence[str], steps: Sequence[Any]) -> None:
    """Warn, naming the variable, when f is finite at the centre but not at a perturbed point."""
    flat = F.reshape(F.shape[0], -1)
    finite = np.isfinite(flat)
    if not finite[0].all():
        warnings.warn("the function is not finite at the point itself (nan/inf); its derivative estimates "
                      "are meaningless there", NumericWarning, stacklevel=4)
        return
    bad = ~finite.all(axis=1)
    if bad.any():
        i = int(np.argmax(bad))
        pert = ", ".join(f"{names[v]} {_shift(m)}" for v, m in points.points[i])
        which = sorted({names[v] for j in np.flatnonzero(bad) for v in points.variables_of(int(j))})
        warnings.warn(
            f"the function is not finite at a perturbed point ({pert}) though it is finite at the point: "
            f"the step for {', '.join(map(repr, which))} leaves the domain or crosses a singularity; "
            "try a smaller h or a one-sided scheme", NumericWarning, stacklevel=4)


def _graph_batchable(graph: Any) -> bool:
    for i in graph.op_nodes:
        op = graph.nodes[i].op
        if op.kind == "reduction" or (op.kind == "array" and op.name not in _BATCHABLE_ARRAY_OPS):
            return False
    return True


class ExprProblem:
    """Perturbation points of an :class:`~diffkit.Expr` at bound values.

    ``F`` from :meth:`evaluate` has shape ``(N, m, *grid)``: N points, m outputs,
    and the broadcast shape of the point's values.
    """

    def __init__(self, f: Any, values: dict, wrt: Sequence[str]):
        self.f = f
        self.names = tuple(wrt)
        self.values = values
        self.x = [np.asarray(values[w]) for w in wrt]
        for w, xv in zip(self.names, self.x):
            if xv.dtype.kind not in "f":
                raise DiffkitError(f"variable {w!r} has dtype {xv.dtype}; finite differences need real floats")
        self.grid = np.broadcast_shapes(*(np.shape(v) for v in values.values()))
        self.dtype = np.result_type(*[xv.dtype for xv in self.x])
        self.batched = _graph_batchable(f.graph)
        if not self.batched and self.grid != ():
            raise ShapeError(
                f"this function has reductions and array-valued variables (grid {self.grid}); finite "
                "differences here need scalar variables: use dk.numeric.gradient on a function of a vector")

    @property
    def n(self) -> int:
        return len(self.names)

    @property
    def xs(self) -> list[np.ndarray]:
        """The values of the variables differentiated, one array each."""
        return self.x

    def evaluate(self, points: PointSet, steps: Sequence[Any]) -> np.ndarray:
        graph = self.f.graph
        N, L = len(points), len(self.grid)
        if self.batched:
            M = points.multipliers(self.n)
            vals = dict(self.values)
            for v, (w, xv) in enumerate(zip(self.names, self.x)):
                col = M[:, v]
                if not col.any():
                    continue
                st = np.asarray(steps[v])
                shape = (1,) * (L - xv.ndim)
                pert = col.reshape((N,) + (1,) * L) * st.reshape(shape + st.shape)
                vals[w] = xv.reshape((1,) + shape + xv.shape) + pert.astype(_work_dtype(xv, pert), copy=False)
            outs = graph.evaluate(vals)
            COUNTER.evals += N - 1  # one stacked call computed N values of f
            return np.stack([np.broadcast_to(np.asarray(o), (N,) + self.grid) for o in outs], axis=1)
        rows = []
        for p in points.points:
            vals = dict(self.values)
            for v, m in p:
                pert = np.asarray(m * steps[v])
                vals[self.names[v]] = self.x[v] + pert.astype(_work_dtype(self.x[v], pert))
            rows.append([np.asarray(o) for o in graph.evaluate(vals)])
        return np.array(rows)

    def check(self, F: np.ndarray, points: PointSet, steps: Sequence[Any]) -> None:
        _warn_nonfinite(F, points, self.names, steps)


def _float_input(fn: Any, x: Any) -> np.ndarray:
    """Check that ``fn`` is callable and return ``x`` as a float array (ints become float64)."""
    if not callable(fn):
        raise DiffkitError(f"fn must be callable, got {type(fn).__name__}")
    x = np.asarray(x)
    if x.dtype.kind in "iub":
        x = x.astype(np.float64)
    if x.dtype.kind != "f":
        raise DiffkitError(f"x has dtype {x.dtype}; give real floating-point values")
    return x


def _column_stack_call(fn: Callable, X: np.ndarray, N: int, layout: str = "columns") -> np.ndarray | None:
    """Call fn on stacked points, ``(n, N)`` with points as columns (SciPy's convention) or,
    for ``layout="rows"``, ``(N, n)`` with points as rows; the values come back with the
    point axis first, or None if fn does not broadcast that way."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", np.exceptions.VisibleDeprecationWarning)
            out = np.asarray(fn(X if layout == "columns" else np.ascontiguousarray(X.T)))
    except Exception:
        return None
    if out.dtype == object or out.ndim == 0:
        return None
    if layout == "columns":
        if out.shape[-1] != N:
            return None
        return out if out.ndim == 1 else np.moveaxis(out, -1, 0)
    return out if out.shape[0] == N else None


#: Functions whose stacked calls were checked against single calls: {fn: {(layout, n, dtype)}}.
_STACKABLE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


class VectorProblem:
    """Perturbation points of a plain callable ``fn(x)``, ``x`` of shape ``(n,)``.

    ``batched`` is None (try one stacked call, fall back to one call per point
    if fn does not broadcast), True (must broadcast) or False (never stack).
    :attr:`calls` counts the calls of fn.
    """

    def __init__(self, fn: Callable, x: np.ndarray, batched: bool | None = None, name: str = "x"):
        x = _float_input(fn, x)
        if x.ndim != 1:
            raise ShapeError(f"x must be a vector of shape (n,), got shape {x.shape}",)
        self.fn, self.x, self.batched, self.name = fn, x, batched, name
        self.dtype = x.dtype
        self.calls = 0
        self.used_batched = False
        self.layout: str | None = None  # "columns" or "rows", once a stacked call worked

    @property
    def n(self) -> int:
        return self.x.size

    @property
    def xs(self) -> list[np.ndarray]:
        """The coordinates of x, one 0-d array each."""
        return list(self.x)

    @property
    def names(self) -> tuple[str, ...]:
        """``x[0]``, ``x[1]``...: built when a message needs them, not on every call."""
        return tuple(f"{self.name}[{i}]" for i in range(self.x.size))

    def _call_stacked(self, X: np.ndarray, N: int) -> np.ndarray | None:
        """One stacked call in the layout fn understands: points as columns first, then as rows."""
        for layout in [self.layout] if self.layout else ["columns", "rows"]:
            self.calls += 1
            COUNTER.evals += N  # function values, however many calls carried them
            out = _column_stack_call(self.fn, X, N, layout)
            if out is not None and (self.layout or self.batched or self._checked(layout, X, out)):
                self.layout = layout
                return out
        return None

    def _checked(self, layout: str, X: np.ndarray, out: np.ndarray) -> bool:
        """:meth:`_agrees`, once per function, layout and size of x: an optimizer's loop asks again and again."""
        key = (layout, self.n, self.dtype.char)
        try:
            seen = _STACKABLE.setdefault(self.fn, set())
        except TypeError:  # not weakly referable (a builtin): check every time
            seen = set()
        if key not in seen and self._agrees(X, out):
            seen.add(key)
        return key in seen

    def _agrees(self, X: np.ndarray, out: np.ndarray) -> bool:
        """Whether a stacked call that came back the right shape means what one call per point does.

        A function that reduces the whole array (``np.sum(x**2) + x[0]``) also returns shape (N,)
        for a stack of N points, summing over all of them: its first and last points, called one at
        a time, tell the two apart before any derivative is taken from the stack.
        """
        for j in {0, X.shape[1] - 1}:
            self.calls += 1
            COUNTER.evals += 1
            try:
                one = np.asarray(self.fn(X[:, j]))
                one = one.astype(np.result_type(one, float), copy=False)
                if one.shape != out[j].shape:
                    return False
            except Exception:
                return False
            # the stack's largest value sets the scale too: a value near 0 from cancelling terms differs
            # between a stacked and a single call by their rounding, not by its own size
            finite = np.isfinite(out)
            top = float(np.max(np.abs(out[finite]))) if finite.any() else 0.0
            scale = np.maximum(np.maximum(np.abs(one), np.abs(out[j])), top)
            if not np.all((np.abs(one - out[j]) <= 1e-9 * scale + 1e-300) | (np.isnan(one) & np.isnan(out[j]))):
                return False
        return True

    def _stack(self, points: PointSet, steps: np.ndarray, start: int, stop: int) -> np.ndarray:
        pert = (points.multipliers(self.n, start, stop) * steps).T
        return self.x[:, None] + pert.astype(_work_dtype(self.x, pert), copy=False)

    def evaluate(self, points: PointSet, steps: Sequence[Any]) -> np.ndarray:
        steps = np.asarray(steps)
        return self.evaluate_columns(lambda a, b: self._stack(points, steps, a, b), len(points),
                                     np.result_type(self.x, steps).itemsize)

    def evaluate_columns(self, columns: Callable[[int, int], np.ndarray], N: int, itemsize: int = 8) -> np.ndarray:
        """fn at N points, ``columns(a, b)`` giving points a..b-1 as the columns of an ``(n, b - a)`` array:
        stacked calls (in chunks beyond 256 variables) when fn broadcasts, else one call per point."""
        if self.batched is not False:
            per = N if self.n <= SINGLE_CALL_VARIABLES else max(1, CHUNK_BYTES // (self.n * itemsize))
            if per == self.n:  # a square stack can't tell columns from rows
                per -= 1
            chunks = []
            for start in range(0, N, per):
                stop = min(N, start + per)
                out = self._call_stacked(columns(start, stop), stop - start)
                if out is None:
                    if self.batched:
                        raise DiffkitError(
                            "batched=True but fn does not broadcast: given X of shape (n, N) (points as "
                            "columns) it must return shape (N,) or (m, N), or given (N, n) (points as "
                            "rows) shape (N,) or (N, m)")
                    chunks = None
                    break
                chunks.append(out)
            if chunks is not None:
                self.used_batched = True
                return np.concatenate(chunks, axis=0) if len(chunks) > 1 else chunks[0]
        rows = []
        for i in range(N):
            X = columns(i, i + 1)[:, 0]
            self.calls += 1
            COUNTER.evals += 1
            rows.append(np.asarray(self.fn(X)))
        try:
            return np.stack(rows)
        except ValueError:
            raise ShapeError("fn returned values of different shapes at different points") from None

    def check(self, F: np.ndarray, points: PointSet, steps: Sequence[Any]) -> None:
        _warn_nonfinite(F, points, self.names, steps)


class GridProblem:
    """One elementwise variable ``x`` (scalar or array) of a plain callable: each element is its own point.

    Batched means ``fn`` accepts ``X`` of shape ``(*x.shape, N)`` and returns the same shape.
    """

    def __init__(self, fn: Callable, x: Any, batched: bool | None = None, name: str = "x"):
        x = _float_input(fn, x)
        self.fn, self.x, self.batched = fn, x, batched
        self.names = (name,)
        self.dtype = x.dtype
        self.calls = 0

    n = 1

    @property
    def xs(self) -> list[np.ndarray]:
        """The one variable: x (each element its own point)."""
        return [self.x]

    def evaluate(self, points: PointSet, steps: Sequence[Any]) -> np.ndarray:
        st = np.asarray(steps[0])
        M = points.multipliers(1)[:, 0]
        N = len(points)
        if self.batched is not False:
            pert = M * st[..., None]
            X = self.x[..., None] + pert.astype(_work_dtype(self.x, pert), copy=False)
            self.calls += 1
            COUNTER.evals += N
            out = _column_stack_call(self.fn, X, N)
            if out is not None and out.shape[1:] == self.x.shape:
                return out[:, None]
            if self.batched:
                raise DiffkitError("batched=True but fn does not broadcast elementwise over x")
        rows = []
        for m in M:
            self.calls += 1
            COUNTER.evals += 1
            pert = np.asarray(m * st)
            rows.append(np.asarray(self.fn(self.x + pert.astype(_work_dtype(self.x, pert)))))
        return np.stack(rows)[:, None]

    def check(self, F: np.ndarray, points: PointSet, steps: Sequence[Any]) -> None:
        _warn_nonfinite(F, points, self.names, steps)
