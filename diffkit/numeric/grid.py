"""Derivatives of sampled data on uniform and non-uniform grids, along any axis (as findiff's).

:func:`grid_derivative` differentiates an array of samples: central stencils
where they fit, one-sided ones of the same accuracy order at the edges (so the
whole result has the accuracy asked for), on a uniform spacing or on any
strictly monotonic coordinates (the weights then come from Fornberg's
recursion on each point's actual neighbours, in floating point).
:func:`grid_study` is the error-against-spacing study for them: the maximum
error on finer and finer grids, and its fitted slope (the accuracy order).

Example
-------
>>> import numpy as np, diffkit as dk
>>> x = np.linspace(0, 1, 101)
>>> d = dk.numeric.grid_derivative(np.sin(x), x[1] - x[0], accuracy=4)
>>> bool(np.max(np.abs(d - np.cos(x))) < 1e-8)
True
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import ArgumentError, ShapeError
from ..table import Table
from .limits import ensure_memory
from .stencils import stencil

__all__ = ["grid_derivative", "fornberg_weights_float", "grid_study", "GridStudy"]


def fornberg_weights_float(offsets: np.ndarray, order: int) -> np.ndarray:
    """Weights of the ``order``-th derivative at 0 from values at ``offsets``, for many stencils at once.

    Fornberg's (1988) recursion in floating point, vectorised over the first axis.

    Parameters
    ----------
    offsets : ndarray, shape (P, n)
        P stencils of n distinct points each (actual distances, not multiples of h).
    order : int

    Returns
    -------
    ndarray, shape (P, n)

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.numeric.grid import fornberg_weights_float
    >>> fornberg_weights_float(np.array([[-0.1, 0.0, 0.2]]), 2).round(6)
    array([[ 66.666667, -100.      ,   33.333333]])
    """
    offs = np.atleast_2d(np.asarray(offsets, dtype=float))
    P, n = offs.shape
    c = np.zeros((P, n, order + 1))
    c[:, 0, 0] = 1.0
    c1 = np.ones(P)
    c4 = offs[:, 0].copy()
    for i in range(1, n):
        mn = min(i, order)
        c2 = np.ones(P)
        c5 = c4
        c4 = offs[:, i]
        for j in range(i):
            c3 = offs[:, i] - offs[:, j]
            c2 = c2 * c3
            if j == i - 1:
                for m in range(mn, 0, -1):
                    c[:, i, m] = c1 * (m * c[:, i - 1, m - 1] - c5 * c[:, i - 1, m]) / c2
                c[:, i, 0] = -c1 * c5 * c[:, i - 1, 0] / c2
            for m in range(mn, 0, -1):
                c[:, j, m] = (c4 * c[:, j, m] - m * c[:, j, m - 1]) / c3
            c[:, j, 0] = c4 * c[:, j, 0] / c3
        c1 = c2
    return c[:, :, order]


def _uniform(v: np.ndarray, h: float, order: int, accuracy: int, edge: int) -> np.ndarray:
    """Along axis 0: central weights inside, forward and backward (of accuracy ``edge``) at the two edges."""
    N = v.shape[0]
    central = stencil("central", order, accuracy)
    forward, backward = (stencil(s, order, edge) for s in ("forward", "backward"))
    half = max(abs(o) for o in central.offsets)
    if N < len(forward.offsets):
        raise ShapeError(f"derivative order {order} at accuracy {accuracy} needs at least {len(forward.offsets)} "
                         f"samples along the axis, got {N}")
    out = np.zeros(v.shape, dtype=np.result_type(v, float))
    inner = slice(half, N - half)
    for o, w in zip(central.offsets, central.weights):
        out[inner] += float(w) * v[half + o:N - half + o]
    for i in range(min(half, N)):
        out[i] = sum(float(w) * v[i + o] for o, w in zip(forward.offsets, forward.weights))
        j = N - 1 - i
        out[j] = sum(float(w) * v[j + o] for o, w in zip(backward.offsets, backward.weights))
    return out / h ** order


def _non_uniform(v: np.ndarray, x: np.ndarray, order: int, accuracy: int, edge: int) -> np.ndarray:
    """Along axis 0 on coordinates x: centred windows inside, one-sided windows at the edges."""
    N = v.shape[0]
    # Off a uniform grid no symmetry cancels the next error term: a window of order + accuracy points
    # (one more than the uniform central stencil for even orders) keeps the accuracy asked for.
    nc = max(2 * ((order + 1) // 2) - 1 + accuracy, order + accuracy)
    ne = max(order + edge, nc)  # points of a one-sided window at the edges
    if N < ne:
        raise ShapeError(f"derivative order {order} at accuracy {accuracy} needs at least {ne} samples "
                         f"along the axis, got {N}")
    half = (nc - 1) // 2
    right = nc - 1 - half
    out = np.zeros(v.shape, dtype=np.result_type(v, float))
    idx = np.arange(half, N - right)
    if idx.size:
        win = idx[:, None] + np.arange(-half, right + 1)[None, :]
        w = fornberg_weights_float(x[win] - x[idx][:, None], order)
        out[idx] = np.einsum("pk,pk...->p...", w, v[win])
    for i in list(range(min(half, N))) + list(range(max(N - right, half), N)):
        start = 0 if i < half else N - ne
        win = np.arange(start, start + ne)
        w = fornberg_weights_float((x[win] - x[i])[None, :], order)[0]
        out[i] = np.tensordot(w, v[win], axes=(0, 0))
    return out


def grid_derivative(values: Any, spacing_or_coords: Any, axis: int = 0, order: int = 1,
                    accuracy: int = 2, *, edge_accuracy: int | None = None) -> np.ndarray:
    """The ``order``-th derivative of sampled values along ``axis``, on a uniform or non-uniform grid.

    Parameters
    ----------
    values : array_like
        Samples; any number of dimensions.
    spacing_or_coords : float or 1-d array
        The uniform spacing h, or the coordinates of the samples along ``axis``
        (strictly increasing or decreasing, one per sample).
    axis : int
        Which axis to differentiate along.
    order : int
        Which derivative (findiff's ``deriv``; numdifftools' ``n``).
    accuracy : int
        Accuracy order p (error ~ h^p) of every point, edges included (findiff's ``acc``);
        even for the central stencils inside.
    edge_accuracy : int, optional
        Accuracy of the one-sided stencils at the edges (default ``accuracy``; numdifftools'
        ``fd_derivative`` uses one more point there for odd orders).

    Returns
    -------
    ndarray
        Same shape as ``values``.

    Example
    -------
    >>> import numpy as np, diffkit as dk
    >>> x = np.sort(np.random.default_rng(0).uniform(0, 2, 60))         # a non-uniform grid
    >>> d2 = dk.numeric.grid_derivative(np.exp(x), x, order=2, accuracy=4)
    >>> bool(np.max(np.abs(d2 - np.exp(x))) < 1e-2)
    True
    >>> f = np.outer(np.arange(4.0), np.arange(5.0) ** 2)              # y * x^2 on a 4 x 5 grid
    >>> dk.numeric.grid_derivative(f, 1.0, axis=1)[2]                  # d/dx: 2 y x, exact for a quadratic
    array([ 0.,  4.,  8., 12., 16.])
    """
    v = np.asarray(values)
    if v.dtype.kind not in "biufc":
        raise ArgumentError(f"values must be numbers, got dtype {v.dtype}")
    if v.ndim == 0:
        raise ShapeError("values must have at least one axis of samples")
    if isinstance(order, bool) or not isinstance(order, (int, np.integer)) or order < 1:
        raise ArgumentError(f"order (which derivative) must be a positive integer, got {order!r}")
    if not -v.ndim <= axis < v.ndim:
        raise ShapeError(f"axis {axis} is out of range for values with {v.ndim} dimensions")
    stencil("central", order, accuracy)  # validates the accuracy (even; and refuses what float64 can't use)
    edge = accuracy if edge_accuracy is None else edge_accuracy
    stencil("forward", order, edge)
    ensure_memory(3.0 * v.size * 16, f"a grid derivative of {v.size} samples")
    v = np.moveaxis(v.astype(np.result_type(v, float), copy=False), axis, 0)
    spacing = np.asarray(spacing_or_coords, dtype=float)
    if spacing.ndim == 0:
        h = float(spacing)
        if not np.isfinite(h) or h == 0:
            raise ArgumentError(f"the spacing must be a finite nonzero number, got {spacing_or_coords!r}")
        out = _uniform(v, h, int(order), int(accuracy), int(edge))
    else:
        if spacing.shape != (v.shape[0],):
            raise ShapeError(f"coords must be one coordinate per sample along axis {axis}: expected shape "
                             f"({v.shape[0]},), got {spacing.shape}")
        steps = np.diff(spacing)
        if not (np.all(steps > 0) or np.all(steps < 0)) or not np.all(np.isfinite(spacing)):
            raise ArgumentError("coords must be finite and strictly increasing (or decreasing)")
        out = _non_uniform(v, spacing, int(order), int(accuracy), int(edge))
    return np.moveaxis(out, 0, axis)


@dataclass
class GridStudy:
    """Error of :func:`grid_derivative` against the spacing h: the study of a step sweep, for sampled data.

    Attributes
    ----------
    h : ndarray
        The spacings (largest first).
    errors : ndarray
        Max absolute error over the grid (edges included) at each spacing.
    order, accuracy : int

    Example
    -------
    >>> import numpy as np, diffkit as dk
    >>> s = dk.numeric.grid_study(np.sin, np.cos, 0.0, 2.0, accuracy=4)
    >>> round(s.slope())
    4
    """

    h: np.ndarray
    errors: np.ndarray
    order: int
    accuracy: int
    label: str = ""

    def slope(self) -> float:
        """Least-squares slope of log(error) against log(h) where rounding is not yet felt (error > 1e-11)."""
        ok = np.isfinite(self.errors) & (self.errors > 1e-11)
        if ok.sum() < 2:
            return float("nan")
        return float(np.polyfit(np.log10(self.h[ok]), np.log10(self.errors[ok]), 1)[0])

    def table(self) -> Table:
        return Table(["h", "max error"], [[h, e] for h, e in zip(self.h, self.errors)],
                     title=f"grid derivative {self.label}: error against spacing",
                     notes=[f"fitted slope {self.slope():.3g} (accuracy order {self.accuracy})"])

    def __str__(self) -> str:
        return str(self.table())

    def _repr_html_(self) -> str:
        return self.table().to_html()

    def plot(self, ax: Any = None) -> Any:
        """Log-log error against h with the slope ``accuracy`` for reference; returns the Figure."""
        from matplotlib.figure import Figure

        if ax is None:
            fig = Figure(figsize=(6.4, 4.8), layout="constrained")
            ax = fig.subplots()
        else:
            fig = ax.figure
        ax.loglog(self.h, self.errors, "o-", label="max error")
        k = int(np.argmax(self.errors))
        ax.loglog(self.h, self.errors[k] * (self.h / self.h[k]) ** self.accuracy, ":",
                  label=f"slope {self.accuracy}")
        ax.set_xlabel("grid spacing h")
        ax.set_ylabel("max absolute error")
        ax.set_title(f"grid derivative {self.label}", fontsize=10)
        ax.legend(fontsize=8)
        return fig


def grid_study(fn: Callable, exact: Callable, a: float, b: float, n: Sequence[int] | None = None, *,
               order: int = 1, accuracy: int = 2, jitter: float = 0.0, seed: int | None = 0) -> GridStudy:
    """Sample ``fn`` on finer and finer grids of [a, b], differentiate, and measure the error against ``exact``.

    Parameters
    ----------
    fn, exact : callable
        The function and its ``order``-th derivative, both vectorised.
    a, b : float
        The interval.
    n : sequence of int, optional
        Numbers of samples (default 11, 21, 41, ..., 1281).
    order, accuracy : int
        As :func:`grid_derivative`.
    jitter : float
        Move each inner sample by up to this fraction of the spacing (seeded): a non-uniform grid.
    seed : int, optional

    Returns
    -------
    GridStudy
        ``.h``, ``.errors``, ``.slope()`` (about ``accuracy``), ``.table()``, ``.plot()``.

    Example
    -------
    >>> import numpy as np, diffkit as dk
    >>> s = dk.numeric.grid_study(np.exp, np.exp, 0.0, 1.0, accuracy=2, jitter=0.3)
    >>> 1.7 < s.slope() < 2.6
    True
    """
    ns = [10 * 2 ** k + 1 for k in range(8)] if n is None else [int(k) for k in n]
    rng = np.random.default_rng(seed)
    hs, errs = [], []
    for m in ns:
        x = np.linspace(a, b, m)
        h = (b - a) / (m - 1)
        if jitter:
            x[1:-1] += jitter * h * rng.uniform(-0.5, 0.5, m - 2)
            d = grid_derivative(fn(x), x, order=order, accuracy=accuracy)
        else:
            d = grid_derivative(fn(x), h, order=order, accuracy=accuracy)
        hs.append(abs(h))
        errs.append(float(np.max(np.abs(d - exact(x)))))
    name = getattr(fn, "__name__", "f")
    return GridStudy(np.array(hs), np.array(errs), order, accuracy,
                     f"d{'^' + str(order) if order > 1 else ''}/dx {name} on [{a:g}, {b:g}]"
                     + (" (non-uniform)" if jitter else ""))
