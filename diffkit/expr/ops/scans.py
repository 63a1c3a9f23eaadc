"""Products and scans: prod, cumsum, cumprod, logcumsumexp (primitives) and diff.

The rules are exact where the textbook shortcut divides by the input:

* ``prod``: the derivative by ``x_j`` is the product of all the *other*
  entries, formed as an exclusive product from the left times one from the
  right (two ``cumprod``), not ``prod / x_j``; so a zero entry gets the right
  gradient (the product of the rest) instead of ``0/0``.
* ``cumprod``: with ``P_j`` the product of the entries before ``j``, the
  gradient is ``P_j S_j`` where ``S_j = g_j + x_{j+1} S_{j+1}`` (a linear
  recurrence, run by doubling in ``log2 n`` steps of diffkit ops). No
  division, so zeros are fine; and the tangent is the same recurrence run
  forwards.
* ``logcumsumexp``: the gradient ``sum_{i>=j} g_i exp(x_j - out_i)`` is
  formed as in PyTorch, with the positive and negative parts of ``g`` in log
  space (a reverse ``logcumsumexp``), so nothing overflows. ``log 0`` is
  stood in for by -10⁴ rather than -inf: each term is then ``exp(<= -10⁴) = 0``
  exactly, and a second derivative meets no ``inf - inf``.

``axis=None`` flattens first (NumPy's convention for the scans).

Example
-------
>>> import numpy as np
>>> from diffkit.expr.ops.scans import cumprod, prod
>>> float(prod(np.array([2.0, 0.0, 3.0])))
0.0
>>> cumprod(np.array([1.0, 2.0, 3.0])).tolist()
[1.0, 2.0, 6.0]
"""

from __future__ import annotations

import math
from typing import Any

import numpy as _numpy

from ...errors import ArgumentError
from .core import _axes, _defop, _kept_shape
from .elementwise import exp, greater, log, sub
from .movement import _pad, flip
from .reductions import sum as _sum
from .shapes import broadcast_to, getitem, reshape, transpose, where
from .support import along, axis_index, constant

__all__ = ["prod", "cumsum", "cumprod", "logcumsumexp", "diff", "gradient"]

_LOG_ZERO = -1.0e4  # stands for log(0) in the logcumsumexp rules (see the module docstring)


def _flat(x, axis):
    """``(x, axis)`` with ``axis=None`` meaning the flattened array."""
    if axis is None:
        return reshape(x, shape=(math.prod(tuple(x.shape)),)), 0
    return x, axis_index(axis, x.ndim)


def _unflat(g, x, axis):
    return reshape(g, shape=tuple(x.shape)) if axis is None else g


def _shift(v, axis, fill):
    """``v`` moved one place along ``axis`` (the last entry drops out, ``fill`` comes in first)."""
    n = v.shape[axis]
    body = getitem(v, index=along(axis, v.ndim, slice(0, n - 1)))
    widths = tuple((1, 0) if i == axis else (0, 0) for i in range(v.ndim))
    return _pad(body, pad_width=widths, constant_values=fill)


def _exclusive_cumprod(x, axis):
    """Product of the entries strictly before each position (1 at the first)."""
    return cumprod(_shift(x, axis, 1.0), axis=axis)


def _recurrence(a, b, axis):
    """``s_i = b_i + a_i s_{i-1}`` (``s_{-1} = 0``) along ``axis``, by doubling."""
    n = b.shape[axis]
    d = 1
    while d < n:
        widths = tuple((d, 0) if i == axis else (0, 0) for i in range(b.ndim))
        cut = along(axis, b.ndim, slice(0, n - d))
        b = b + a * _pad(getitem(b, index=cut), pad_width=widths, constant_values=0.0)
        a = a * _pad(getitem(a, index=cut), pad_width=widths, constant_values=0.0)
        d *= 2
    return b


# ---------------------------------------------------------------------------
# cumsum
# ---------------------------------------------------------------------------

def _cumsum_impl(xp, x, axis=None):
    if axis is None:
        x, axis = xp.reshape(x, (-1,)), 0
    f = getattr(xp, "cumsum", None)
    return f(x, axis=axis) if f is not None else xp.cumulative_sum(x, axis=axis)


def _cumsum_vjp(g, a, x, axis=None):
    fx, ax = _flat(x, axis)
    return _unflat(flip(cumsum(flip(g, axis=ax), axis=ax), axis=ax), x, axis)


cumsum = _defop(
    "cumsum", 1, _cumsum_impl,
    jvp=(lambda t, a, x, axis=None: cumsum(t, axis=axis),),
    vjp=(_cumsum_vjp,),
    kind="reduction", template="cumsum({0})", doc="running sum along axis (of the flattened array by default)",
    reads_inputs=False,
    batch="flat_axis",
)


# ---------------------------------------------------------------------------
# cumprod
# ---------------------------------------------------------------------------

def _cumprod_impl(xp, x, axis=None):
    if axis is None:
        x, axis = xp.reshape(x, (-1,)), 0
    f = getattr(xp, "cumprod", None) or getattr(xp, "cumulative_prod", None)
    return f(x, axis=axis)


def _cumprod_jvp(t, a, x, axis=None):
    fx, ax = _flat(x, axis)
    ft, _ = _flat(t, axis)
    return _unflat(_recurrence(fx, ft * _exclusive_cumprod(fx, ax), ax), x, axis)


def _cumprod_vjp(g, a, x, axis=None):
    fx, ax = _flat(x, axis)
    fg, _ = _flat(g, axis)
    # S_j = g_j + x_{j+1} S_{j+1}: the forward recurrence on the reversed axis
    coeff = flip(_shift(flip(fx, axis=ax), ax, 0.0), axis=ax)
    s = flip(_recurrence(flip(coeff, axis=ax), flip(fg, axis=ax), ax), axis=ax)
    return _unflat(_exclusive_cumprod(fx, ax) * s, x, axis)


cumprod = _defop(
    "cumprod", 1, _cumprod_impl,
    jvp=(_cumprod_jvp,), vjp=(_cumprod_vjp,),
    kind="reduction", template="cumprod({0})",
    doc="running product along axis (of the flattened array by default); exact gradient at zeros",
    batch="flat_axis",
)


# ---------------------------------------------------------------------------
# prod
# ---------------------------------------------------------------------------

def _others(x, axis):
    """For each entry, the product of the other entries of its reduction group (shape of x)."""
    axes = _axes(x.ndim, axis)
    if not axes:
        return 1.0 + 0.0 * x
    rest = tuple(i for i in range(x.ndim) if i not in axes)
    moved = transpose(x, axes=rest + axes) if rest + axes != tuple(range(x.ndim)) else x
    lead = tuple(moved.shape[:len(rest)])
    line = reshape(moved, shape=lead + (math.prod(x.shape[i] for i in axes),))
    last = len(lead)
    left = _exclusive_cumprod(line, last)
    right = flip(_exclusive_cumprod(flip(line, axis=last), last), axis=last)
    back = reshape(left * right, shape=tuple(moved.shape))
    if rest + axes == tuple(range(x.ndim)):
        return back
    inverse = [0] * x.ndim
    for i, a in enumerate(rest + axes):
        inverse[a] = i
    return transpose(back, axes=tuple(inverse))


def _prod_impl(xp, x, axis=None, keepdims=False):
    return xp.prod(x, axis=axis, keepdims=keepdims)


def _expand(g, x, axis, keepdims):
    if not keepdims:
        g = reshape(g, shape=_kept_shape(tuple(x.shape), axis))
    return broadcast_to(g, shape=tuple(x.shape))


prod = _defop(
    "prod", 1, _prod_impl,
    jvp=(lambda t, a, x, axis=None, keepdims=False: _sum(t * _others(x, axis), axis=axis, keepdims=keepdims),),
    vjp=(lambda g, a, x, axis=None, keepdims=False: _expand(g, x, axis, keepdims) * _others(x, axis),),
    kind="reduction", template="prod({0})",
    doc="product over axis; the gradient is the product of the other entries (exact at zeros)",
)


# ---------------------------------------------------------------------------
# logcumsumexp
# ---------------------------------------------------------------------------

def _logcumsumexp_impl(xp, x, axis=None):
    if axis is None:
        x, axis = xp.reshape(x, (-1,)), 0
    accumulate = getattr(getattr(xp, "logaddexp", None), "accumulate", None)
    if accumulate is not None and x.shape[axis] > 0:
        try:
            return accumulate(x, axis=axis)
        except (TypeError, NotImplementedError):  # a namespace whose ufuncs don't accumulate
            pass
    n, d = x.shape[axis], 1
    while d < n:  # by doubling: each step folds in the partial result d places back
        head = along(axis, x.ndim, slice(0, d))
        tail = along(axis, x.ndim, slice(d, n))
        x = xp.concat([x[head], xp.logaddexp(x[tail], x[along(axis, x.ndim, slice(0, n - d))])], axis=axis)
        d *= 2
    return x


def _log_parts(v):
    """log of the positive part and of the negative part of ``v`` (``_LOG_ZERO`` where the part is 0)."""
    pos, neg = greater(v, 0.0), greater(0.0, v)
    lp = where(pos, log(where(pos, v, 1.0)), _LOG_ZERO)
    ln = where(neg, log(where(neg, sub(0.0, v), 1.0)), _LOG_ZERO)
    return lp, ln


def _logcumsumexp_jvp(t, a, x, axis=None):
    fx, ax = _flat(x, axis)
    ft, _ = _flat(t, axis)
    fa, _ = _flat(a, axis)
    lp, ln = _log_parts(ft)
    out = exp(logcumsumexp(fx + lp, axis=ax) - fa) - exp(logcumsumexp(fx + ln, axis=ax) - fa)
    return _unflat(out, x, axis)


def _logcumsumexp_vjp(g, a, x, axis=None):
    fx, ax = _flat(x, axis)
    fg, _ = _flat(g, axis)
    fa, _ = _flat(a, axis)
    lp, ln = _log_parts(fg)

    def rev(v):
        return flip(logcumsumexp(flip(v, axis=ax), axis=ax), axis=ax)

    out = exp(fx + rev(lp - fa)) - exp(fx + rev(ln - fa))
    return _unflat(out, x, axis)


logcumsumexp = _defop(
    "logcumsumexp", 1, _logcumsumexp_impl,
    jvp=(_logcumsumexp_jvp,), vjp=(_logcumsumexp_vjp,),
    kind="reduction", cost=lambda out, args, params: 3 * int(getattr(args[0], "size", 1)),
    template="logcumsumexp({0})", doc="running log(sum(exp(x))) along axis, computed stably",
    batch="flat_axis",
)


def _joinable(extra: Any, x: Any, axis: int) -> Any:
    """``extra`` as a block to join to ``x`` along ``axis`` (a number becomes a slab of length one)."""
    shape = tuple(x.shape)
    slab = shape[:axis] + (1,) + shape[axis + 1:]
    if not hasattr(extra, "shape"):  # a number or a list: a constant on x's namespace
        extra = constant(_numpy.asarray(extra, dtype=float), x)
    return broadcast_to(extra, shape=slab) if extra.ndim == 0 else extra


def diff(x: Any, n: int = 1, axis: int = -1, prepend: Any = None, append: Any = None) -> Any:
    """The ``n``-th forward difference along ``axis``: ``x[1:] - x[:-1]``, ``n`` times (``np.diff``).

    Parameters
    ----------
    x : array_like, Tensor or traced value
    n : int
        How many times to difference.
    axis : int
        The axis (``dim`` is accepted too).
    prepend, append : array_like, optional
        Values joined to ``x`` along ``axis`` before differencing (a number stands for a slab of it).

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.expr.ops.scans import diff
    >>> diff(np.array([1.0, 4.0, 9.0, 16.0])).tolist()
    [3.0, 5.0, 7.0]
    >>> diff(np.array([1.0, 4.0, 9.0, 16.0]), n=2).tolist()
    [2.0, 2.0]
    """
    from .shapes import concat

    if isinstance(n, bool) or not isinstance(n, (int, _numpy.integer)) or n < 0:
        raise ArgumentError(f"diff: n must be a non-negative integer, got {n!r}")
    if getattr(x, "ndim", 0) == 0:
        raise ArgumentError("diff needs an array with at least one dimension; got a 0-d value")
    axis = axis_index(axis, x.ndim)
    if prepend is not None or append is not None:
        parts = [] if prepend is None else [_joinable(prepend, x, axis)]
        parts.append(x)
        if append is not None:
            parts.append(_joinable(append, x, axis))
        x = concat(parts, axis=axis)
    for _ in range(int(n)):
        m = x.shape[axis]
        x = getitem(x, index=along(axis, x.ndim, slice(1, m))) - getitem(
            x, index=along(axis, x.ndim, slice(0, max(m - 1, 0))))
    return x


def gradient(f: Any, *varargs: Any, axis: Any = None, edge_order: int = 1) -> Any:
    """Central differences inside, one-sided at the ends, per axis (``np.gradient``, unit or scalar spacing).

    One array per axis (a tuple when several), as NumPy returns them.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.expr.ops.scans import gradient
    >>> gradient(np.array([1.0, 4.0, 9.0, 16.0])).tolist()
    [3.0, 4.0, 6.0, 7.0]
    """
    from .shapes import concat

    if edge_order != 1:
        raise ArgumentError("gradient: only edge_order=1 is supported")
    axes = tuple(range(f.ndim)) if axis is None else (
        (axis_index(axis, f.ndim),) if isinstance(axis, (int, _numpy.integer)) else
        tuple(axis_index(a, f.ndim) for a in axis))
    if len(varargs) > 1 and len(varargs) != len(axes):
        raise ArgumentError(f"gradient: give one spacing for all axes or one per axis ({len(axes)})")
    spacing = [float(varargs[0] if len(varargs) == 1 else varargs[i]) if varargs else 1.0
               for i in range(len(axes))]
    out = []
    for ax, h in zip(axes, spacing):
        n = f.shape[ax]
        if n < 2:
            raise ArgumentError(f"gradient: axis {ax} needs at least 2 points (edge_order + 1), has {n}")

        def part(a, b, ax=ax):
            return getitem(f, index=along(ax, f.ndim, slice(a, b)))

        first = (part(1, 2) - part(0, 1)) / h
        last = (part(n - 1, n) - part(n - 2, n - 1)) / h
        inside = [(part(2, n) - part(0, n - 2)) / (2.0 * h)] if n > 2 else []
        out.append(concat([first, *inside, last], axis=ax))
    return out[0] if len(out) == 1 else tuple(out)
