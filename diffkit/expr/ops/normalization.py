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
from .core import _defop
from .elementwise import sqrt
from .reductions import mean
from .support import channel_mean, channel_stats

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


def _normalize_impl(xp, x, weight, bias, axis, eps=1e-5, mean=None, var=None):
    mean, var = _stats(xp, x, axis, mean, var)
    if _per_group(weight, axis, x.ndim) and _per_group(bias, axis, x.ndim):
        # one scale per group (batch norm's): (x - mu) a + beta with a = w / sigma, three passes over x
        # instead of four; x - mu first keeps the digits when the mean is large against the spread
        out = x - mean
        out *= weight / xp.sqrt(var + eps)
        if not (isinstance(bias, float) and bias == 0.0):
            out += bias
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


def _vjp_x(g, ans, x, weight, bias, axis, eps=1e-5, mean=None, var=None):
    xhat, inv = _standardised(x, axis, eps)
    return _project(g * weight, xhat, inv, axis)


def _jvp_x(t, ans, x, weight, bias, axis, eps=1e-5, mean=None, var=None):
    xhat, inv = _standardised(x, axis, eps)
    return _project(t, xhat, inv, axis) * weight


def _per_group(p, axis, ndim: int) -> bool:
    """Whether ``p`` (a number or an array broadcast against x) is constant along the normalised axes."""
    shape = tuple(getattr(p, "shape", ()))
    full = (1,) * (ndim - len(shape)) + shape
    return all(full[a] == 1 for a in axis)


def _vjp_arrays(xp, g, ans, args, needs, axis, eps=1e-5, mean=None, var=None):
    x, weight, bias = args
    mean, var = _stats(xp, x, axis, mean, var)
    inv = 1.0 / xp.sqrt(var + eps)
    if not (_per_group(weight, axis, x.ndim) and _per_group(bias, axis, x.ndim)):
        xhat = (x - mean) * inv
        gh = g * weight  # parameters that vary along the normalised axes (layer norm's)
        gx = inv * (gh - xp.mean(gh, axis=axis, keepdims=True) - xhat * xp.mean(gh * xhat, axis=axis, keepdims=True))
        return [gx if needs[0] else None, g * xhat if needs[1] else None, g if needs[2] else None]
    # one weight per group (batch and group norm's): the means that the projection needs are, times the
    # group's size, the weight's and the bias' cotangents
    # gx = (g - mean(g) - x̂ mean(g x̂)) w / sigma as (g - mean(g)) a + (x - mu) b with a and b per group:
    # six passes over the arrays instead of nine, still on x - mu (PyTorch's kernel too), which keeps
    # its digits when the mean is large against the spread
    centred = x - mean
    mean_g = channel_mean(xp, g, axis)
    mean_gx = channel_mean(xp, g * centred, axis) * inv
    count = math.prod(x.shape[a] for a in axis)
    gx = None
    if needs[0]:
        a = inv * weight
        gx = g - mean_g
        gx *= a
        gx += centred * (-a * inv * mean_gx)
    return [gx, mean_gx * count if needs[1] else None, mean_g * count if needs[2] else None]


def _normalize_batch(op, args, batched, params):
    """vmap of normalize: a batched weight or bias lines up with x from the right; the statistics are each
    example's (the axes move past the batch), or shared when x itself is the same for every example."""
    if params.get("mean") is not None or params.get("var") is not None:
        raise BatchingError("vmap: normalize with statistics given (batch norm's running averages) can't be "
                            "batched; batch norm in training mode normalises over the examples, so vmap it "
                            "with the statistics computed inside the function")
    if batched[0]:
        params = {**params, "axis": _shift(params["axis"], args[0].ndim - 1)}
    return trailing()(op, args, batched, params)


normalize = _defop(
    "normalize", 3, _normalize_impl,
    jvp=(_jvp_x,
         lambda t, ans, x, weight, bias, axis, eps=1e-5, **stats: t * _standardised(x, axis, eps)[0],
         lambda t, ans, x, weight, bias, axis, eps=1e-5, **stats: t),
    vjp=(_vjp_x,
         lambda g, ans, x, weight, bias, axis, eps=1e-5, **stats: g * _standardised(x, axis, eps)[0],
         lambda g, ans, x, weight, bias, axis, eps=1e-5, **stats: g),
    vjp_arrays=_vjp_arrays,
    kind="array", cost=lambda out, args, p: 8 * int(out.size), template="normalize({0}, {1}, {2})",
    doc="(x - mean) / sqrt(var + eps) over axis (biased variance), times weight plus bias",
    batch=_normalize_batch,
)
