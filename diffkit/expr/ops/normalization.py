"""Normalisation as one node: batch, layer, group and instance norm are all ``normalize``.

``normalize(x, weight, bias, axis=...)`` standardises ``x`` over ``axis``
(mean 0, biased variance 1, ``eps`` added to the variance) and then scales
and shifts it by ``weight`` and ``bias`` (arrays that broadcast against
``x``, or the constants 1.0 and 0.0). Batch norm normalises over the batch
and spatial axes, layer norm over the trailing axes, group norm over the
axes of a group. As one node it records one op where the composite records
nine, and its rule is the textbook one, written with the table's ops:

    x̂ = (x - μ) / σ,   dx = (1/σ) (ĝ - mean(ĝ) - x̂ mean(ĝ x̂)),   ĝ = g · weight,

with ``mean`` over ``axis``: the projection that removes the directions the
normalisation cannot see (a shift and a scaling of each group).

``channel=c`` says that ``weight`` and ``bias`` hold one value per index of
axis ``c`` of ``x`` (shape (C,), batch and group norm's parameters as the
module keeps them): the op spreads them itself, and their cotangents come
back in that shape, with no reshape recorded on either side.

A caller that has ``x``'s statistics already (batch norm needs them for its
running averages) passes them as ``mean`` and ``var`` (biased, shaped with
the reduced axes kept) and neither the op nor its rule on arrays computes
them again. The generic rules recompute them with the table's ops, so that a
derivative of the rule sees how they depend on ``x``.

Example
-------
>>> import numpy as np
>>> from diffkit.expr.ops.normalization import normalize
>>> normalize(np.array([[1.0, 3.0]]), 1.0, 0.0, axis=(1,), eps=0.0).tolist()
[[-1.0, 1.0]]
"""

from __future__ import annotations

import math

from ...errors import BatchingError
from .batching import _shift, trailing
from .channels import channel_mean, channel_op, channel_stats
from .core import _defop
from .elementwise import sqrt
from .reductions import mean
from .reductions import sum as sum_
from .shapes import reshape

__all__ = ["normalize"]


def _stats(xp, x, axis, mean, var):
    """x's mean and biased variance over axis (kept), unless the caller gave them."""
    if mean is None and var is None:
        return channel_stats(xp, x, axis)
    if mean is None:
        mean = channel_mean(xp, x, axis)
    if var is None:
        d = x - mean
        var = channel_mean(xp, d * d, axis)
    return mean, var


def _along(n: int, ndim: int, channel: int) -> tuple:
    """The shape (1, .., n, .., 1) that puts n values along axis ``channel`` of ndim axes."""
    return (1,) * channel + (n,) + (1,) * (ndim - channel - 1)


def _spread_array(xp, p, ndim, channel):
    """A (C,) parameter as (1, C, 1, ...) along axis ``channel`` of an ndim-array; numbers as they are."""
    if channel is None or isinstance(p, (int, float)):
        return p
    return xp.reshape(p, _along(p.shape[0], ndim, channel))


def _normalize_impl(xp, x, weight, bias, axis, eps=1e-5, mean=None, var=None, channel=None):
    mean, var = _stats(xp, x, axis, mean, var)
    weight, bias = _spread_array(xp, weight, x.ndim, channel), _spread_array(xp, bias, x.ndim, channel)
    if _affine_per_group(weight, bias, axis, x.ndim, channel):
        # one scale per group (batch norm's): (x - mu) a + beta with a = w / sigma, three passes over x
        # instead of four; x - mu first keeps the digits when the mean is large against the spread (x a +
        # (beta - mu a), two passes, loses twice torch's float32 error at mean 1000, spread 1)
        out = channel_op(xp, "subtract", x, mean)
        out = channel_op(xp, "multiply", out, weight / xp.sqrt(var + eps), out=out)
        if not (isinstance(bias, float) and bias == 0.0):
            out = channel_op(xp, "add", out, bias, out=out)
        return out
    d = x - mean
    d /= xp.sqrt(var + eps)
    if not (isinstance(weight, float) and weight == 1.0):
        d = d * weight
    if not (isinstance(bias, float) and bias == 0.0):
        d = d + bias
    return d


def _standardised(x, axis, eps):
    """x̂ and 1/σ, with the table's ops (so the rules differentiate again)."""
    centred = x - mean(x, axis=axis, keepdims=True)
    inv = 1.0 / sqrt(mean(centred * centred, axis=axis, keepdims=True) + eps)
    return centred * inv, inv


def _project(gh, xhat, inv, axis):
    """(1/σ) (ĝ - mean(ĝ) - x̂ mean(ĝ x̂)): the cotangent (or tangent) through the standardisation."""
    return inv * (gh - mean(gh, axis=axis, keepdims=True) - xhat * mean(gh * xhat, axis=axis, keepdims=True))


def _spread(p, ndim, channel, batched=False):
    """:func:`_spread_array` with the table's reshape, for the rules; a ``batched`` (B, C) parameter keeps
    its batch axis in front."""
    if channel is None or isinstance(p, (int, float)):
        return p
    lead = tuple(p.shape[:1]) if batched else ()
    return reshape(p, shape=lead + _along(p.shape[-1], ndim, channel))


def _gathered(c, x, channel):
    """A cotangent of x's shape summed to a (C,) parameter's; any other parameter's is left to the engine."""
    if channel is None:
        return c
    return sum_(c, axis=tuple(a for a in range(x.ndim) if a != channel))


def _vjp_x(g, ans, x, weight, bias, axis, eps=1e-5, mean=None, var=None, channel=None):
    xhat, inv = _standardised(x, axis, eps)
    return _project(g * _spread(weight, x.ndim, channel), xhat, inv, axis)


def _jvp_x(t, ans, x, weight, bias, axis, eps=1e-5, mean=None, var=None, channel=None):
    xhat, inv = _standardised(x, axis, eps)
    return _project(t, xhat, inv, axis) * _spread(weight, x.ndim, channel)


def _per_group(p, axis, ndim: int) -> bool:
    """Whether ``p`` (a number or an array broadcast against x) is constant along the normalised axes."""
    shape = tuple(getattr(p, "shape", ()))
    full = (1,) * (ndim - len(shape)) + shape
    return all(full[a] == 1 for a in axis)


def _affine_per_group(weight, bias, axis, ndim: int, channel) -> bool:
    """Whether both parameters are constant along the normalised axes (known from ``channel`` when given)."""
    if channel is not None:
        return channel not in axis
    return _per_group(weight, axis, ndim) and _per_group(bias, axis, ndim)


def _vjp_arrays(xp, g, ans, args, needs, axis, eps=1e-5, mean=None, var=None, channel=None):
    x, weight, bias = args
    if channel is not None:
        cots = _vjp_arrays(xp, g, ans, (x, _spread_array(xp, weight, x.ndim, channel),
                                        _spread_array(xp, bias, x.ndim, channel)), needs, axis, eps, mean, var)
        per_channel = tuple(a for a in range(x.ndim) if a != channel)
        return [cots[0]] + [None if c is None else xp.reshape(xp.sum(c, axis=per_channel) if c.shape == x.shape
                                                               else c, (-1,)) for c in cots[1:]]
    mean, var = _stats(xp, x, axis, mean, var)
    inv = 1.0 / xp.sqrt(var + eps)
    if not _affine_per_group(weight, bias, axis, x.ndim, None):
        xhat = (x - mean) * inv
        gh = g * weight  # parameters that vary along the normalised axes (layer norm's)
        gx = inv * (gh - xp.mean(gh, axis=axis, keepdims=True) - xhat * xp.mean(gh * xhat, axis=axis, keepdims=True))
        return [gx if needs[0] else None, g * xhat if needs[1] else None, g if needs[2] else None]
    # one weight per group (batch and group norm's): the means that the projection needs are, times the
    # group's size, the weight's and the bias' cotangents
    # gx = (g - mean(g) - x̂ mean(g x̂)) w / sigma as (g - mean(g)) a + (x - mu) b with a and b per group:
    # six passes over the arrays instead of nine, still on x - mu (PyTorch's kernel too), which keeps
    # its digits when the mean is large against the spread
    centred = channel_op(xp, "subtract", x, mean)
    mean_g = channel_mean(xp, g, axis)
    product = g * centred
    mean_gx = channel_mean(xp, product, axis) * inv
    count = math.prod(x.shape[a] for a in axis)
    gx = None
    if needs[0]:
        a = inv * weight
        # g a + (x - mu) (-a mean_gx / sigma) - a mean(g), reusing the two buffers
        gx = channel_op(xp, "multiply", g, a, out=product)
        gx += channel_op(xp, "multiply", centred, -a * inv * mean_gx, out=centred)
        gx = channel_op(xp, "subtract", gx, a * mean_g, out=gx)
    return [gx, mean_gx * count if needs[1] else None, mean_g * count if needs[2] else None]


def _normalize_batch(op, args, batched, params):
    """vmap of normalize: a batched weight or bias lines up with x from the right; the statistics are each
    example's (the axes move past the batch), or shared when x itself is the same for every example."""
    if params.get("mean") is not None or params.get("var") is not None:
        raise BatchingError("vmap: normalize with statistics given (batch norm's running averages) can't be "
                            "batched; batch norm in training mode normalises over the examples, so vmap it "
                            "with the statistics computed inside the function")
    if params.get("channel") is not None:  # (B, C) parameters: spread them, and line up from the right
        params = dict(params)
        channel = params.pop("channel")
        x = args[0]
        ndim = x.ndim - 1 if batched[0] else x.ndim
        args = (x,) + tuple(_spread(p, ndim, channel, b) for p, b in zip(args[1:], batched[1:]))
    if batched[0]:
        params = {**params, "axis": _shift(params["axis"], args[0].ndim - 1)}
    return trailing()(op, args, batched, params)


normalize = _defop(
    "normalize", 3, _normalize_impl,
    jvp=(_jvp_x,
         lambda t, ans, x, weight, bias, axis, eps=1e-5, channel=None, **stats:
             _spread(t, x.ndim, channel) * _standardised(x, axis, eps)[0],
         lambda t, ans, x, weight, bias, axis, eps=1e-5, channel=None, **stats: _spread(t, x.ndim, channel)),
    vjp=(_vjp_x,
         lambda g, ans, x, weight, bias, axis, eps=1e-5, channel=None, **stats:
             _gathered(g * _standardised(x, axis, eps)[0], x, channel),
         lambda g, ans, x, weight, bias, axis, eps=1e-5, channel=None, **stats: _gathered(g, x, channel)),
    vjp_arrays=_vjp_arrays,
    kind="array", cost=lambda out, args, p: 8 * int(out.size), template="normalize({0}, {1}, {2})",
    doc="(x - mean) / sqrt(var + eps) over axis (biased variance), times weight plus bias",
    batch=_normalize_batch,
)
