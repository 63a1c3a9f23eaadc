"""Fused ops for the training layer: a dense layer and the losses, each one node.

A training step spends its time in these; as one node each they record one op
instead of several, and their rules are the textbook ones written with the
table's own ops (plus a rule on plain arrays where it pays, ``vjp_arrays``).

Example
-------
>>> import numpy as np
>>> from diffkit.expr.ops.fused import linear
>>> linear(np.ones((1, 2)), np.ones((3, 2)), 0.5).tolist()
[[2.5, 2.5, 2.5]]
"""

from __future__ import annotations

import math

import numpy as _numpy

from ...errors import ShapeError
from . import batching
from .core import _defop
from .elementwise import abs, exp, log, maximum, minimum, sigmoid
from .piecewise import clip
from .reductions import softmax, sum
from .shapes import broadcast_to, matmul, matrix_transpose, reshape


# Binary cross-entropy of probabilities p against targets t, elementwise, as one
# node so that its rule is PyTorch's, (p - t) / max(p (1 - p), 1e-12): at p = 0
# or 1 the logs are clamped at -100 (a finite loss), and the composite's rule
# would multiply the clamp's zero slope by log's infinite one (nan).
def _bce_impl(xp, p, t):
    with _numpy.errstate(divide="ignore"):  # log(0) is clamped just below, as PyTorch does, without a warning
        log_p = xp.maximum(xp.log(p), -100.0)
        log_q = xp.maximum(xp.log(1.0 - p), -100.0)
    return -(t * log_p + (1.0 - t) * log_q)


def _bce_slope(p, t):
    return (p - t) / maximum(p * (1.0 - p), 1e-12)


def _bce_target_slope(p):
    return clip(log(1.0 - p), lo=-100.0) - clip(log(p), lo=-100.0)


binary_cross_entropy = _defop(
    "binary_cross_entropy", 2, _bce_impl,
    jvp=(lambda t_p, a, p, t: t_p * _bce_slope(p, t), lambda t_t, a, p, t: t_t * _bce_target_slope(p)),
    vjp=(lambda g, a, p, t: g * _bce_slope(p, t), lambda g, a, p, t: g * _bce_target_slope(p)),
    kind="array", cost=8, template="bce({0}, {1})", batch="broadcast",
    doc="-(t log p + (1 - t) log(1 - p)), logs clamped at -100; slope (p - t) / max(p (1 - p), 1e-12)",
)


# x W^T + b as one node, for nn.Linear: one recorded op instead of four, and
# the weight's cotangent g^T x comes out of one matmul in W's own layout (no
# transposed copy for the optimizer to trip over). ``b`` may be the constant 0.0.
#
# A batch of inputs is multiplied as (W x^T)^T, a transposed view of the same
# numbers: OpenBLAS shares a product out over the rows of its result, and a
# small batch as the row count leaves cores idle. At batch 64, 784 -> 512 in
# float32 on two cores that is 1.25x faster than x W^T (1.7x at batch 8, even
# at batch 512).
def _linear_impl(xp, x, w, b):
    if x.shape[-1:] != w.shape[-1:]:
        raise ShapeError(f"the input has {x.shape[-1] if x.ndim else 0} features where the weight "
                         f"(out, in) = {tuple(w.shape)} takes {w.shape[-1]}")
    out = xp.matmul(w, x.T).T if x.ndim == 2 else xp.matmul(x, w.T)
    if getattr(b, "dtype", None) == out.dtype and getattr(b, "ndim", 0) <= out.ndim and hasattr(out, "__iadd__"):
        out += b
        return out
    return out if isinstance(b, float) and b == 0.0 else out + b


def _linear_vjp_w(g, ans, x, w, b):
    if x.ndim == 1:
        return reshape(g, shape=(g.shape[0], 1)) * reshape(x, shape=(1, x.shape[0]))
    if x.ndim > 2:
        g = reshape(g, shape=(math.prod(g.shape[:-1]), g.shape[-1]))
        x = reshape(x, shape=(math.prod(x.shape[:-1]), x.shape[-1]))
    return matmul(matrix_transpose(g), x)


def _linear_vjp_arrays(xp, g, ans, args, needs):
    x, w, b = args
    if x.ndim != 2:
        return None
    gx = gb = None
    if needs[0]:
        # in x's layout: x is usually the transposed output of the layer below (see above), and
        # an elementwise op between arrays of opposite layouts (relu's rule) runs ten times slower
        gx = xp.matmul(w.T, g.T).T if _transposed(x) else xp.matmul(g, w)
    if needs[2]:  # a bias of shape (out,) sums over the batch here; any other shape is left to sum_to
        gb = xp.sum(g, axis=0) if tuple(getattr(b, "shape", ())) == (g.shape[1],) else g
    return [gx, xp.matmul(g.T, x) if needs[1] else None, gb]


def _transposed(a) -> bool:
    flags = getattr(a, "flags", None)
    return flags is not None and flags.f_contiguous and not flags.c_contiguous


linear = _defop(
    "linear", 3, _linear_impl,
    jvp=(lambda t, ans, x, w, b: matmul(t, matrix_transpose(w)),
         lambda t, ans, x, w, b: matmul(x, matrix_transpose(t)),
         lambda t, ans, x, w, b: broadcast_to(t, shape=ans.shape)),
    vjp=(lambda g, ans, x, w, b: matmul(g, w), _linear_vjp_w, lambda g, ans, x, w, b: g),
    vjp_arrays=_linear_vjp_arrays,
    kind="array",
    cost=lambda out, args, params: (2 * int(args[0].shape[-1]) + 1) * int(getattr(out, "size", 1)),
    # g @ w and g^T x are a product each, as large as the forward one; the bias sums g over the batch
    vjp_cost=lambda out, args, params, i: (1 if i == 2 else 2 * int(args[0].shape[-1])) * int(out.size),
    template="linear({0}, {1}, {2})", doc="x @ w.T + b (a dense layer; w is (out, in))",
    batch=batching.linear_rule,
)


# ---------------------------------------------------------------------------
# Cross-entropy of logits against class indices as one node, for nn's common
# case: a training step then records one op for its loss instead of four
# (log_softmax, pick, sum, scale), and its rule is the textbook
# softmax(x) - one_hot(t), written with the table's own ops.
# ---------------------------------------------------------------------------

def _one_hot_impl(xp, t, classes, dtype):
    hit = xp.reshape(t, tuple(t.shape) + (1,)) == xp.arange(classes)
    cast = getattr(xp, "astype", None)
    return cast(hit, dtype) if cast is not None else hit.astype(dtype)


one_hot = _defop(
    "one_hot", 1, _one_hot_impl, kind="array", template="one_hot({0})", batch="broadcast",
    doc="rows of the identity picked by integer classes t (no gradient)",
)


def _softmax_cross_entropy_impl(xp, x, t, reduction="mean"):
    # logsumexp(x_n) - x_n[t_n], both taken after shifting each row by its maximum
    m = xp.max(x, axis=1, keepdims=True)
    z = x - xp.where(xp.isfinite(m), m, 0.0)  # a row of -inf stays -inf, not nan
    losses = xp.log(xp.sum(xp.exp(z), axis=1)) - z[xp.arange(t.shape[0]), t]
    if reduction == "none":
        return losses
    total = xp.sum(losses)
    return total / float(t.shape[0]) if reduction == "mean" else total


def _sce_slope(x, t):
    """d loss_n / d x_n = softmax(x_n) - one_hot(t_n)."""
    return softmax(x, axis=1) - one_hot(t, classes=x.shape[1], dtype=x.dtype)


def _sce_scale(g, x, reduction):
    if reduction == "none":
        return reshape(g, shape=(x.shape[0], 1))
    return g / float(x.shape[0]) if reduction == "mean" else g


def _sce_jvp(t_x, ans, x, t, reduction="mean"):
    per_row = sum(_sce_slope(x, t) * t_x, axis=1)
    if reduction == "none":
        return per_row
    total = sum(per_row)
    return total / float(x.shape[0]) if reduction == "mean" else total


def _sce_vjp_arrays(xp, g, ans, args, needs, reduction="mean"):
    x, t = args
    n = x.shape[0]
    slope = softmax.op.impl(xp, x, axis=1)
    if xp is _numpy:  # the one-hot rows subtracted in place, where NumPy's indexing allows
        slope[_numpy.arange(n), t] -= 1
    else:
        slope = slope - _one_hot_impl(xp, t, x.shape[1], x.dtype)
    if reduction == "none":
        return [slope * xp.reshape(g, (n, 1)), None]
    return [slope * (g / float(n) if reduction == "mean" else g), None]


softmax_cross_entropy = _defop(
    "softmax_cross_entropy", 2, _softmax_cross_entropy_impl,
    jvp=(_sce_jvp, None),
    vjp=(lambda g, ans, x, t, reduction="mean": _sce_slope(x, t) * _sce_scale(g, x, reduction), None),
    vjp_arrays=_sce_vjp_arrays,
    kind="reduction", cost=lambda out, args, params: 4 * int(args[0].size),
    template="cross_entropy({0}, {1})", batch=batching.cross_entropy_rule,
    doc="cross-entropy of logits x (N, C) against class indices t (N,), computed stably",
)


# ---------------------------------------------------------------------------
# Binary cross-entropy of logits as one node, PyTorch's formulation:
#     loss = w [(1 - t) x - (1 + (pw - 1) t) log sigmoid(x)]
# with log sigmoid(x) = min(x, 0) - log1p(exp(-|x|)), finite for every x. The
# per-element weight w and the positive-class weight pw broadcast (either may be
# the constant 1.0); the reduction is part of the node, as in
# softmax_cross_entropy, so a training step records one op for its loss.
# ---------------------------------------------------------------------------

def _log_sigmoid_array(xp, x):
    return xp.minimum(x, 0.0) - xp.log1p(xp.exp(-xp.abs(x)))


def _bcel_size(x, t, w, pw) -> int:
    shapes = [_numpy.shape(a) for a in (x, t, w, pw)]
    return math.prod(_numpy.broadcast_shapes(*shapes))


def _bcel_impl(xp, x, t, w, pw, reduction="mean"):
    log_sig = _log_sigmoid_array(xp, x)
    if not (isinstance(pw, float) and pw == 1.0):
        log_sig = log_sig * ((pw - 1.0) * t + 1.0)
    loss = (1.0 - t) * x - log_sig
    if not (isinstance(w, float) and w == 1.0):
        loss = loss * w
    if reduction == "none":
        return loss
    total = xp.sum(loss)
    return total / float(loss.size) if reduction == "mean" else total


def _log_sigmoid(x):
    """log sigmoid(x) with the table's ops (for the rules that read it)."""
    return minimum(x, 0.0) - log(1.0 + exp(-abs(x)))


def _bcel_scale(g, reduction, size):
    return g / float(size) if reduction == "mean" else g


def _bcel_vjp_x(g, ans, x, t, w, pw, reduction="mean"):
    slope = (1.0 - t) - ((pw - 1.0) * t + 1.0) * sigmoid(-x)
    return _bcel_scale(g, reduction, _bcel_size(x, t, w, pw)) * slope * w


def _bcel_vjp_t(g, ans, x, t, w, pw, reduction="mean"):
    slope = -x - (pw - 1.0) * _log_sigmoid(x)
    return _bcel_scale(g, reduction, _bcel_size(x, t, w, pw)) * slope * w


def _bcel_vjp_w(g, ans, x, t, w, pw, reduction="mean"):
    unweighted = (1.0 - t) * x - ((pw - 1.0) * t + 1.0) * _log_sigmoid(x)
    return _bcel_scale(g, reduction, _bcel_size(x, t, w, pw)) * unweighted


def _bcel_vjp_pw(g, ans, x, t, w, pw, reduction="mean"):
    return _bcel_scale(g, reduction, _bcel_size(x, t, w, pw)) * (-t * _log_sigmoid(x)) * w


def _bcel_jvp(rule):
    """A tangent rule from a cotangent rule: the slope times the tangent, reduced as the loss is."""
    def jvp(tangent, ans, x, t, w, pw, reduction="mean"):
        terms = rule(1.0, ans, x, t, w, pw, reduction="none") * tangent
        if reduction == "none":
            return terms
        total = sum(broadcast_to(terms, shape=_numpy.broadcast_shapes(*(_numpy.shape(a) for a in (x, t, w, pw)))))
        return total / float(_bcel_size(x, t, w, pw)) if reduction == "mean" else total
    return jvp


def _bcel_vjp_arrays(xp, g, ans, args, needs, reduction="mean"):
    x, t, w, pw = args
    if needs[1] or needs[2] or needs[3]:
        return None  # a target or a weight that wants a gradient is rare: the generic rules serve it
    lw = 1.0 if isinstance(pw, float) and pw == 1.0 else (pw - 1.0) * t + 1.0
    # sigmoid(-x) = exp(-max(x, 0)) / (1 + exp(-|x|)), no overflow either way
    sig_neg = xp.exp(-xp.maximum(x, 0.0)) / (1.0 + xp.exp(-xp.abs(x)))
    slope = (1.0 - t) - lw * sig_neg
    if not (isinstance(w, float) and w == 1.0):
        slope = slope * w
    scale = g if reduction == "none" else _bcel_scale(g, reduction, _bcel_size(x, t, w, pw))
    return [slope * scale, None, None, None]  # broadcast larger than x (a large weight): the engine sums it


binary_cross_entropy_with_logits = _defop(
    "binary_cross_entropy_with_logits", 4, _bcel_impl,
    jvp=tuple(_bcel_jvp(rule) for rule in (_bcel_vjp_x, _bcel_vjp_t, _bcel_vjp_w, _bcel_vjp_pw)),
    vjp=(_bcel_vjp_x, _bcel_vjp_t, _bcel_vjp_w, _bcel_vjp_pw),
    vjp_arrays=_bcel_vjp_arrays,
    kind="reduction", cost=lambda out, args, params: 8 * _bcel_size(*args),
    template="bce_with_logits({0}, {1})", batch=batching.bce_with_logits_rule,
    doc="binary cross-entropy of logits x against targets t, weight w and positive-class weight pw, stably",
)
