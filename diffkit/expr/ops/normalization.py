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

Example
-------
>>> import numpy as np
>>> from diffkit.expr.ops.normalization import normalize
>>> normalize(np.array([[1.0, 3.0]]), 1.0, 0.0, axis=(1,), eps=0.0).tolist()
[[-1.0, 1.0]]
"""

from __future__ import annotations

from .core import _defop
from .elementwise import sqrt
from .reductions import mean

__all__ = ["normalize"]


def _normalize_impl(xp, x, weight, bias, axis, eps=1e-5):
    d = x - xp.mean(x, axis=axis, keepdims=True)
    d /= xp.sqrt(xp.mean(d * d, axis=axis, keepdims=True) + eps)
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


def _vjp_x(g, ans, x, weight, bias, axis, eps=1e-5):
    xhat, inv = _standardised(x, axis, eps)
    return _project(g * weight, xhat, inv, axis)


def _jvp_x(t, ans, x, weight, bias, axis, eps=1e-5):
    xhat, inv = _standardised(x, axis, eps)
    return _project(t, xhat, inv, axis) * weight


def _vjp_arrays(xp, g, ans, args, needs, axis, eps=1e-5):
    x, weight, bias = args
    centred = x - xp.mean(x, axis=axis, keepdims=True)
    inv = 1.0 / xp.sqrt(xp.mean(centred * centred, axis=axis, keepdims=True) + eps)
    xhat = centred * inv
    gx = gw = None
    if needs[0]:
        gh = g * weight
        gx = inv * (gh - xp.mean(gh, axis=axis, keepdims=True) - xhat * xp.mean(gh * xhat, axis=axis, keepdims=True))
    if needs[1]:
        gw = g * xhat
    return [gx, gw, g if needs[2] else None]


normalize = _defop(
    "normalize", 3, _normalize_impl,
    jvp=(_jvp_x,
         lambda t, ans, x, weight, bias, axis, eps=1e-5: t * _standardised(x, axis, eps)[0],
         lambda t, ans, x, weight, bias, axis, eps=1e-5: t),
    vjp=(_vjp_x,
         lambda g, ans, x, weight, bias, axis, eps=1e-5: g * _standardised(x, axis, eps)[0],
         lambda g, ans, x, weight, bias, axis, eps=1e-5: g),
    vjp_arrays=_vjp_arrays,
    kind="array", cost=lambda out, args, p: 8 * int(out.size), template="normalize({0}, {1}, {2})",
    doc="(x - mean) / sqrt(var + eps) over axis (biased variance), times weight plus bias",
)
