"""Reductions: sums, means, maxima, log-sum-exp, softmax, argmax.

Example
-------
>>> import numpy as np
>>> from diffkit.expr.ops.reductions import logsumexp
>>> round(float(logsumexp(np.zeros(4))), 6)
1.386294
"""

from __future__ import annotations

from ...errors import ArgumentTypeError
from .core import _axes, _count, _defop, _kept_shape, _reduction_cost
from .elementwise import exp, sign
from .shapes import broadcast_to, reshape
from .support import is_complex


def _expand(g, x, axis, keepdims):
    """Broadcast a reduction's cotangent ``g`` back to the shape of ``x``."""
    if not keepdims:
        g = reshape(g, shape=_kept_shape(x.shape, axis))
    return broadcast_to(g, shape=x.shape)


sum = _defop(  # noqa: A001
    "sum", 1, lambda xp, x, axis=None, keepdims=False: xp.sum(x, axis=axis, keepdims=keepdims),
    jvp=(lambda t, a, x, axis=None, keepdims=False: sum(t, axis=axis, keepdims=keepdims),),
    vjp=(lambda g, a, x, axis=None, keepdims=False: _expand(g, x, axis, keepdims),),
    kind="reduction", cost=_reduction_cost, template="sum({0})", doc="sum over axis",
    reads_inputs=False,
)
mean = _defop(
    "mean", 1, lambda xp, x, axis=None, keepdims=False: xp.mean(x, axis=axis, keepdims=keepdims),
    jvp=(lambda t, a, x, axis=None, keepdims=False: mean(t, axis=axis, keepdims=keepdims),),
    vjp=(lambda g, a, x, axis=None, keepdims=False:
         _expand(g, x, axis, keepdims) / float(_count(x.shape, axis)),),
    kind="reduction", cost=_reduction_cost, template="mean({0})", doc="mean over axis",
    reads_inputs=False,
)


# The cotangent of max goes to the entries equal to the maximum, split evenly
# among ties. 1 - sign(max - x) is 1 exactly there and 0 elsewhere (max >= x),
# and keeps the dtype.
def _argmax_weights(a, x, axis, keepdims):
    if is_complex(x):
        raise ArgumentTypeError("max/min of complex numbers: they have no order, so the maximum has no "
                                "derivative; take it of a real quantity (abs, real part)")
    hit = 1.0 - sign(_expand(a, x, axis, keepdims) - x)
    return hit / sum(hit, axis=axis, keepdims=True)


max = _defop(  # noqa: A001
    "max", 1, lambda xp, x, axis=None, keepdims=False: xp.max(x, axis=axis, keepdims=keepdims),
    jvp=(lambda t, a, x, axis=None, keepdims=False:
         sum(t * _argmax_weights(a, x, axis, keepdims), axis=axis, keepdims=keepdims),),
    vjp=(lambda g, a, x, axis=None, keepdims=False:
         _expand(g, x, axis, keepdims) * _argmax_weights(a, x, axis, keepdims),),
    kind="reduction", cost=_reduction_cost, template="max({0})",
    doc="maximum over axis; ties share the gradient evenly",
)


def _logsumexp_impl(xp, x, axis=None, keepdims=False):
    m = xp.max(x, axis=axis, keepdims=True)
    m = xp.where(xp.isfinite(m), m, 0.0)  # all -inf rows stay -inf, not nan
    out = xp.log(xp.sum(xp.exp(x - m), axis=axis, keepdims=True)) + m
    return out if keepdims else xp.reshape(out, tuple(
        s for i, s in enumerate(out.shape) if i not in _axes(x.ndim, axis)))


logsumexp = _defop(
    "logsumexp", 1, _logsumexp_impl,
    jvp=(lambda t, a, x, axis=None, keepdims=False:
         sum(t * exp(x - _expand(a, x, axis, keepdims)), axis=axis, keepdims=keepdims),),
    vjp=(lambda g, a, x, axis=None, keepdims=False:
         _expand(g, x, axis, keepdims) * exp(x - _expand(a, x, axis, keepdims)),),
    kind="reduction", cost=lambda out, args, params: 3 * int(args[0].size),
    template="logsumexp({0})", doc="log(sum(exp(x))) over axis, computed stably",
)
log_softmax = _defop(
    "log_softmax", 1, lambda xp, x, axis=-1: x - _logsumexp_impl(xp, x, axis=axis, keepdims=True),
    jvp=(lambda t, a, x, axis=-1: t - sum(exp(a) * t, axis=axis, keepdims=True),),
    vjp=(lambda g, a, x, axis=-1: g - exp(a) * sum(g, axis=axis, keepdims=True),),
    kind="reduction", cost=lambda out, args, params: 4 * int(args[0].size),
    template="log_softmax({0})", doc="x - logsumexp(x) over axis, computed stably",
)
softmax = _defop(
    "softmax", 1,
    lambda xp, x, axis=-1: xp.exp(x - _logsumexp_impl(xp, x, axis=axis, keepdims=True)),
    jvp=(lambda t, a, x, axis=-1: a * (t - sum(a * t, axis=axis, keepdims=True)),),
    vjp=(lambda g, a, x, axis=-1: a * (g - sum(g * a, axis=axis, keepdims=True)),),
    kind="reduction", cost=lambda out, args, params: 5 * int(args[0].size),
    template="softmax({0})", doc="exp(x) / sum(exp(x)) over axis, computed stably",
)


argmax = _defop(
    "argmax", 1, lambda xp, x, axis=None, keepdims=False: xp.argmax(x, axis=axis, keepdims=keepdims),
    kind="reduction", cost=_reduction_cost, template="argmax({0})", batch="flat_axis",
    doc="index of the maximum over axis (integer, no gradient)",
)
argmin = _defop(
    "argmin", 1, lambda xp, x, axis=None, keepdims=False: xp.argmin(x, axis=axis, keepdims=keepdims),
    kind="reduction", cost=_reduction_cost, template="argmin({0})", batch="flat_axis",
    doc="index of the minimum over axis (integer, no gradient)",
)
