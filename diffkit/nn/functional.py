"""``nn.functional``: layers and losses as functions, with PyTorch's names.

Everything here is composed from ops of the ops table (``matmul``,
``log_softmax``, ``getitem``, ...), so the gradients come from the table's
rules; no derivative is written in this file. Inputs may be Tensors or
arrays; targets may be Tensors or arrays (class indices as integers).

Example
-------
>>> import numpy as np
>>> import diffkit as dk
>>> from diffkit.nn import functional as F
>>> logits = dk.tensor([[2.0, 0.5, -1.0]], requires_grad=True)
>>> loss = F.cross_entropy(logits, np.array([0]))
>>> round(loss.item(), 4)
0.2413
>>> loss.backward()
>>> np.round(logits.grad.numpy(), 4)        # softmax - one_hot
array([[-0.2144,  0.1753,  0.0391]], dtype=float32)
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from ..ad.backend import device_of, namespace_of, to_device
from ..ad.tensor import Tensor
from ..errors import ArgumentError, ArgumentIndexError, ArgumentTypeError, ShapeError
from ..expr import ops
from .functional_act import elu, gelu, silu, softplus
from .functional_conv import (
    adaptive_avg_pool1d,
    adaptive_avg_pool2d,
    avg_pool1d,
    avg_pool2d,
    conv1d,
    conv2d,
    conv3d,
    conv_transpose1d,
    conv_transpose2d,
    conv_transpose3d,
    max_pool1d,
    max_pool2d,
    pad,
)
from .functional_norm import batch_norm, group_norm, instance_norm, layer_norm
from .random import resolve_generator

__all__ = [
    "linear", "relu", "leaky_relu", "sigmoid", "tanh", "softmax", "log_softmax", "dropout", "one_hot",
    "gelu", "silu", "softplus", "elu", "embedding",
    "pad", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d",
    "max_pool1d", "max_pool2d", "avg_pool1d", "avg_pool2d", "adaptive_avg_pool1d", "adaptive_avg_pool2d",
    "batch_norm", "instance_norm", "layer_norm", "group_norm",
    "mse_loss", "l1_loss", "cross_entropy", "nll_loss", "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
]

_REDUCTIONS = ("mean", "sum", "none")


def _raw(x: Any) -> Any:
    return x._data if isinstance(x, Tensor) else x


def _array_like(x: Any, like: Any) -> Any:
    """``x`` as an array on the device of ``like`` (which may be a Tensor or an array)."""
    ref = _raw(like)
    a = _raw(x)
    if device_of(a) != device_of(ref):
        a = to_device(a, device_of(ref))
    return namespace_of(ref).asarray(a)


def _reduce(loss: Any, reduction: str) -> Any:
    if reduction == "mean":
        return ops.mean(loss)
    if reduction == "sum":
        return ops.sum(loss)
    if reduction == "none":
        return loss
    raise ArgumentError(f"reduction={reduction!r} is not valid; use one of {', '.join(_REDUCTIONS)}")


def _check_reduction(reduction: str) -> None:
    if reduction not in _REDUCTIONS:
        raise ArgumentError(f"reduction={reduction!r} is not valid; use one of {', '.join(_REDUCTIONS)}")


def _shape(x: Any) -> tuple:
    return tuple(getattr(x, "shape", ()))


def _target_like(target: Any, input: Any) -> Any:
    """A constant target cast to the input's dtype (a target that requires grad is left alone)."""
    if isinstance(target, Tensor) and target.requires_grad:
        return target
    if not isinstance(target, Tensor) and getattr(type(target), "_dk_level", 0):
        return target  # a dual or traced value carries its own derivative
    ref = _raw(input)
    t = _array_like(target, ref)
    dtype = getattr(ref, "dtype", None)
    if dtype is not None and getattr(t, "dtype", None) != dtype:
        t = t.astype(dtype)
    return t


def _warn_broadcast(name: str, input: Any, target: Any) -> None:
    if _shape(input) != _shape(target):
        warnings.warn(
            f"{name}: the target shape {_shape(target)} differs from the input shape {_shape(input)}; they "
            "will be broadcast, which is likely not what you want (reshape one so that they match)",
            UserWarning, stacklevel=3)


def _legacy_reduction(size_average: bool | None, reduce: bool | None, reduction: str) -> str:
    """PyTorch's deprecated ``size_average``/``reduce`` pair as a ``reduction`` (with its warning)."""
    if size_average is None and reduce is None:
        return reduction
    legacy = "none" if reduce is False else ("sum" if size_average is False else "mean")
    warnings.warn(f"size_average and reduce args will be deprecated, please use reduction='{legacy}' instead.",
                  UserWarning, stacklevel=3)
    return legacy


# The robust, divergence and embedding losses live in a module of their own; it imports the helpers above.
from .loss_functions import (  # noqa: E402
    cosine_embedding_loss,
    huber_loss,
    kl_div,
    margin_ranking_loss,
    smooth_l1_loss,
)

__all__ += ["huber_loss", "smooth_l1_loss", "kl_div", "cosine_embedding_loss", "margin_ranking_loss"]


# ---------------------------------------------------------------------------- layers

def linear(input: Any, weight: Any, bias: Any = None) -> Any:
    """``input @ weight.T + bias`` with ``weight`` of shape (out_features, in_features).

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.nn.functional import linear
    >>> linear(np.ones((1, 2)), np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([0.5, 0.5])).tolist()
    [[3.5, 7.5]]
    """
    if not hasattr(input, "shape"):
        raise ArgumentTypeError(f"linear() needs a Tensor or an array as input, got {type(input).__name__}"
                                + (" (make one with dk.tensor(...))" if isinstance(input, (list, tuple)) else ""))
    # One op of the table (not matmul + transpose + add): one tape node, and
    # the weight's gradient arrives in the weight's own layout.
    return ops.linear(input, weight, 0.0 if bias is None else bias)


def relu(input: Any) -> Any:
    """max(x, 0) elementwise (relu'(0) = 0).

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.nn.functional import relu
    >>> relu(np.array([-1.0, 2.0])).tolist()
    [0.0, 2.0]
    """
    return ops.relu(input)


def leaky_relu(input: Any, negative_slope: float = 0.01) -> Any:
    """x for x > 0, else ``negative_slope * x`` (derivative at 0 is the slope, as in PyTorch).

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.nn.functional import leaky_relu
    >>> leaky_relu(np.array([-1.0, 2.0]), 0.1).tolist()
    [-0.1, 2.0]
    """
    return ops.where(ops.greater(_raw(input), 0.0), input, input * negative_slope)


def sigmoid(input: Any) -> Any:
    """1 / (1 + exp(-x)), computed without overflow.

    Example
    -------
    >>> from diffkit.nn.functional import sigmoid
    >>> float(sigmoid(0.0))
    0.5
    """
    return ops.sigmoid(input)


def tanh(input: Any) -> Any:
    """Hyperbolic tangent.

    Example
    -------
    >>> from diffkit.nn.functional import tanh
    >>> float(tanh(0.0))
    0.0
    """
    return ops.tanh(input)


def _softmax_dim(ndim: int, name: str) -> int:
    warnings.warn(f"implicit dimension choice for {name} is deprecated in PyTorch; pass dim= explicitly",
                  UserWarning, stacklevel=3)
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input: Any, dim: int | None = None) -> Any:
    """exp(x) / sum(exp(x)) along ``dim``, computed stably.

    Without ``dim`` it picks PyTorch's legacy default (0 for 0-, 1- and 3-d
    input, else 1) and warns.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.nn.functional import softmax
    >>> softmax(np.array([[0.0, np.log(3.0)]]), dim=1).round(3).tolist()
    [[0.25, 0.75]]
    """
    if dim is None:
        dim = _softmax_dim(len(_shape(input)), "softmax")
    return ops.softmax(input, axis=dim)


def log_softmax(input: Any, dim: int | None = None) -> Any:
    """log(softmax(x)) along ``dim``, computed stably (no log of a rounded-off 0).

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.nn.functional import log_softmax
    >>> log_softmax(np.array([[0.0, 1000.0]]), dim=1).tolist()
    [[-1000.0, 0.0]]
    """
    if dim is None:
        dim = _softmax_dim(len(_shape(input)), "log_softmax")
    return ops.log_softmax(input, axis=dim)


def dropout(input: Any, p: float = 0.5, training: bool = True, generator: Any = None) -> Any:
    """Zero each entry with probability ``p`` and scale the rest by 1/(1-p) (identity unless ``training``).

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.nn.functional import dropout
    >>> y = dropout(np.ones(10000), p=0.25, generator=0)
    >>> sorted(set(np.round(y, 4).tolist())), round(float(y.mean()), 1)
    ([0.0, 1.3333], 1.0)
    >>> dropout(np.ones(3), p=0.25, training=False).tolist()
    [1.0, 1.0, 1.0]
    """
    if not 0.0 <= p <= 1.0:
        raise ArgumentError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input
    ref = _raw(input)
    dtype = getattr(ref, "dtype", np.float64)
    if p == 1.0:
        return input * namespace_of(ref).zeros(_shape(input), dtype=dtype)
    keep = resolve_generator(generator).random(_shape(input)) >= p
    mask = to_device((keep / (1.0 - p)).astype(dtype), device_of(ref))
    return input * mask


def one_hot(tensor: Any, num_classes: int = -1) -> Tensor:
    """Class indices to one-hot rows (int64), as PyTorch's ``F.one_hot``.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.nn.functional import one_hot
    >>> one_hot(np.array([0, 2]), 3).tolist()
    [[1, 0, 0], [0, 0, 1]]
    """
    idx = _raw(tensor)
    xp = namespace_of(idx)
    idx = xp.asarray(idx)
    if idx.dtype.kind not in "iu":
        raise ArgumentTypeError(f"one_hot needs integer class indices, got dtype {idx.dtype}")
    if num_classes < 0:
        num_classes = int(idx.max()) + 1 if idx.size else 0
    out = xp.zeros(tuple(idx.shape) + (num_classes,), dtype=xp.int64)
    if idx.size and (int(idx.min()) < 0 or int(idx.max()) >= num_classes):
        raise ArgumentError(f"class values must be in [0, {num_classes}), got {int(idx.min())}..{int(idx.max())}")
    xp.put_along_axis(out, idx[..., None], 1, axis=-1)
    return Tensor(out)


# ---------------------------------------------------------------------------- losses

def mse_loss(input: Any, target: Any, reduction: str = "mean") -> Any:
    """Mean (or summed) squared error ``(input - target)^2``.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.nn.functional import mse_loss
    >>> float(mse_loss(np.array([1.0, 2.0]), np.array([0.0, 0.0])))
    2.5
    """
    _check_reduction(reduction)
    _warn_broadcast("mse_loss", input, target)
    return _reduce(ops.square(input - _target_like(target, input)), reduction)


def l1_loss(input: Any, target: Any, reduction: str = "mean") -> Any:
    """Mean (or summed) absolute error ``|input - target|`` (derivative 0 where they are equal).

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.nn.functional import l1_loss
    >>> float(l1_loss(np.array([1.0, -2.0]), np.array([0.0, 0.0]), reduction="sum"))
    3.0
    """
    _check_reduction(reduction)
    _warn_broadcast("l1_loss", input, target)
    return _reduce(ops.abs(input - _target_like(target, input)), reduction)


def _gather_index(target: Any, ndim: int) -> tuple:
    """Index picking ``x[n, target[n, ...], ...]`` along the class axis 1 of an ``ndim``-d input."""
    xp = namespace_of(target)
    if ndim == 1:
        return (target,)
    shape = tuple(target.shape)
    index = [xp.reshape(xp.arange(shape[0]), (shape[0],) + (1,) * (len(shape) - 1)), target]
    for k in range(1, len(shape)):
        index.append(xp.reshape(xp.arange(shape[k]), (1,) * k + (shape[k],) + (1,) * (len(shape) - k - 1)))
    return tuple(index)


def _class_targets(target: Any, input: Any) -> Any:
    t = _array_like(target, input)
    n_in = len(_shape(input))
    want = () if n_in == 1 else (_shape(input)[0],) + _shape(input)[2:]
    if tuple(t.shape) != want:
        raise ArgumentError(f"class-index target of shape {tuple(t.shape)} does not fit input of shape "
                            f"{_shape(input)}: expected target shape {want} (input is (N, C, ...), target (N, ...))")
    return t


def _nll(logp: Any, target: Any, weight: Any, ignore_index: int, reduction: str,
         label_smoothing: float = 0.0) -> Any:
    """Negative log-likelihood of class indices from log-probabilities (class axis 1, or 0 if 1-d)."""
    xp = namespace_of(_raw(logp))
    ndim = len(_shape(logp))
    n_classes = _shape(logp)[0 if ndim == 1 else 1]
    # The common case (every target a class, none ignored) is settled by one
    # min and one max; the mask is built only when something is ignored.
    lo, hi = (int(xp.min(target)), int(xp.max(target))) if target.size else (0, 0)
    all_valid = lo >= 0 and hi < n_classes and not lo <= ignore_index <= hi
    valid = None if all_valid else target != ignore_index
    safe = target if all_valid else xp.where(valid, target, 0)
    if not all_valid and safe.size and (int(xp.min(safe)) < 0 or int(xp.max(safe)) >= n_classes):
        raise ArgumentIndexError(f"target class out of range: classes are 0..{n_classes - 1}, got values "
                                 f"{int(xp.min(safe))}..{int(xp.max(safe))}")
    picked = logp[_gather_index(safe, ndim)]
    dtype = _raw(logp).dtype
    if weight is None and all_valid and label_smoothing == 0.0:
        # sum times -1/N: fewer recorded ops than neg and mean, same value
        if reduction == "mean":
            return ops.sum(picked) * (-1.0 / max(math.prod(_shape(picked)), 1))
        return -ops.sum(picked) if reduction == "sum" else -picked
    if weight is None and all_valid:
        w = None
        losses = -picked
    else:
        if valid is None:
            valid = target != ignore_index
        w = valid if weight is None else _array_like(weight, logp)[safe] * valid
        w = w.astype(dtype)
        losses = -(picked * w)
    if label_smoothing > 0.0:
        class_axis = 0 if ndim == 1 else 1
        if weight is None:
            smooth = -ops.sum(logp, axis=class_axis)
        else:
            wshape = (n_classes,) + (1,) * (ndim - class_axis - 1)
            wc = xp.reshape(_array_like(weight, logp).astype(dtype), wshape)
            smooth = -ops.sum(logp * wc, axis=class_axis)
        if not all_valid:
            smooth = smooth * valid.astype(dtype)
        losses = losses * (1.0 - label_smoothing) + smooth * (label_smoothing / n_classes)
    if reduction == "none":
        return losses
    if reduction == "sum":
        return ops.sum(losses)
    if w is None:
        return ops.mean(losses)
    total = xp.sum(w)
    if not total:  # every target ignored (or weighted 0): the mean is nan, as in PyTorch, its gradient 0
        return ops.sum(losses) * 0.0 + math.nan
    return ops.sum(losses) / total


def nll_loss(input: Any, target: Any, weight: Any = None, ignore_index: int = -100,
             reduction: str = "mean") -> Any:
    """Negative log-likelihood: ``-input[n, target[n]]`` from log-probabilities (e.g. ``log_softmax``).

    ``weight`` (one per class) rescales each sample's loss; ``mean`` then
    divides by the summed weights of the targets. Targets equal to
    ``ignore_index`` contribute nothing.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.nn.functional import nll_loss
    >>> logp = np.log(np.array([[0.5, 0.5], [0.9, 0.1]]))
    >>> round(float(nll_loss(logp, np.array([1, 0]))), 4)
    0.3993
    """
    _check_reduction(reduction)
    return _nll(input, _class_targets(target, input), weight, ignore_index, reduction)


def cross_entropy(input: Any, target: Any, weight: Any = None, ignore_index: int = -100,
                  reduction: str = "mean", label_smoothing: float = 0.0) -> Any:
    """Cross-entropy of logits ``input`` (N, C) or (N, C, d...) against class indices or class probabilities.

    Computed as ``log_softmax`` followed by picking the target entries (or a
    product with the probabilities), so it is stable for large logits and
    its gradient comes from the ops table. Integer targets are class
    indices; a floating target of the input's shape holds probabilities
    (soft or one-hot labels), as in PyTorch.

    Parameters
    ----------
    input : Tensor or array
        Unnormalised scores, classes along axis 1 (axis 0 for a single sample).
    target : Tensor or array
        Class indices (N, ...) or probabilities of the input's shape.
    weight : array, optional
        A weight per class.
    ignore_index : int
        Class-index targets with this value are skipped.
    reduction : {"mean", "sum", "none"}
    label_smoothing : float
        Mix the targets with the uniform distribution by this amount.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.nn.functional import cross_entropy
    >>> logits = np.array([[1000.0, 0.0], [0.0, 0.0]])
    >>> cross_entropy(logits, np.array([1, 1]), reduction="none").round(4).tolist()
    [1000.0, 0.6931]
    >>> round(float(cross_entropy(logits, np.array([[1.0, 0.0], [0.5, 0.5]]))), 4)
    0.3466
    """
    _check_reduction(reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ArgumentError(f"label_smoothing must be between 0.0 and 1.0, got {label_smoothing}")
    ndim = len(_shape(input))
    if ndim == 0:
        raise ArgumentError("cross_entropy needs input of shape (C,), (N, C) or (N, C, d...), got a scalar")
    class_axis = 0 if ndim == 1 else 1
    traw = _raw(target)
    kind = getattr(getattr(traw, "dtype", None), "kind", None)
    if kind is None:
        traw = np.asarray(traw)
        kind = traw.dtype.kind
    if kind in "iu" and ndim == 2 and weight is None and label_smoothing == 0.0:
        t = _class_targets(traw, input)
        n_classes = _shape(input)[1]
        xp = namespace_of(t)
        lo, hi = (int(xp.min(t)), int(xp.max(t))) if t.size else (0, -1)
        if lo >= 0 and hi < n_classes and not lo <= ignore_index <= hi:
            # the common case, one node of the ops table (softmax - one_hot backward)
            return ops.softmax_cross_entropy(input, t, reduction=reduction)
    logp = ops.log_softmax(input, axis=class_axis)
    if kind in "iu":
        return _nll(logp, _class_targets(traw, input), weight, ignore_index, reduction, label_smoothing)
    if _shape(target) != _shape(input):
        raise ArgumentError(f"probability targets must have the input's shape {_shape(input)}, got "
                            f"{_shape(target)}; for class indices pass an integer array")
    probs = _target_like(target, input)
    n_classes = _shape(input)[class_axis]
    if label_smoothing > 0.0:
        probs = probs * (1.0 - label_smoothing) + label_smoothing / n_classes
    terms = logp * probs
    if weight is not None:
        xp = namespace_of(_raw(logp))
        wshape = (n_classes,) + (1,) * (ndim - class_axis - 1)
        terms = terms * xp.reshape(_array_like(weight, logp).astype(_raw(logp).dtype), wshape)
    losses = -ops.sum(terms, axis=class_axis)
    return _reduce(losses, reduction)


def binary_cross_entropy_with_logits(input: Any, target: Any, weight: Any = None, size_average: bool | None = None,
                                     reduce: bool | None = None, reduction: str = "mean",
                                     pos_weight: Any = None) -> Any:
    """Binary cross-entropy of logits: ``-w [pw t log sigmoid(x) + (1 - t) log(1 - sigmoid(x))]``, stably.

    One node of the ops table (``binary_cross_entropy_with_logits``), PyTorch's
    formulation ``(1 - t) x - (1 + (pw - 1) t) log sigmoid(x)`` with
    ``log sigmoid(x) = min(x, 0) - log1p(exp(-|x|))``: no overflow for any ``x``.
    ``weight`` rescales each element, ``pos_weight`` the positive term (one per
    class, broadcast over the last axis). The target must have the input's shape.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.nn.functional import binary_cross_entropy_with_logits as bce
    >>> bce(np.array([0.0, 800.0, -800.0]), np.array([1.0, 1.0, 1.0]), reduction="none").round(4).tolist()
    [0.6931, 0.0, 800.0]
    >>> round(float(bce(np.array([0.0]), np.array([1.0]), pos_weight=np.array([3.0]))), 4)   # 3 log 2
    2.0794
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if _shape(target) != _shape(input):
        raise ShapeError(f"Target size {_shape(target)} must be the same as input size {_shape(input)}")
    w = 1.0 if weight is None else _target_like(weight, input)
    pw = 1.0 if pos_weight is None else _target_like(pos_weight, input)
    return ops.binary_cross_entropy_with_logits(input, _target_like(target, input), w, pw, reduction=reduction)


def binary_cross_entropy(input: Any, target: Any, weight: Any = None, reduction: str = "mean") -> Any:
    """Binary cross-entropy of probabilities; each log is clamped at -100 as in PyTorch.

    Prefer :func:`binary_cross_entropy_with_logits` on logits: it is stable.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.nn.functional import binary_cross_entropy
    >>> round(float(binary_cross_entropy(np.array([0.5, 0.9]), np.array([1.0, 1.0]))), 4)
    0.3993
    """
    _check_reduction(reduction)
    _warn_broadcast("binary_cross_entropy", input, target)
    t = _target_like(target, input)
    loss = ops.binary_cross_entropy(input, t)  # one node: PyTorch's rule at p = 0 and 1
    if weight is not None:
        loss = loss * _target_like(weight, input)
    return _reduce(loss, reduction)


def embedding(input: Any, weight: Any, padding_idx: int | None = None, max_norm: float | None = None,
              norm_type: float = 2.0, scale_grad_by_freq: bool = False, sparse: bool = False) -> Any:
    """Rows of ``weight`` (num_embeddings, dim) picked by the integer indices ``input``: shape ``input.shape + (dim,)``.

    Entries equal to ``padding_idx`` give their row but send no gradient to
    it. With ``max_norm``, the rows looked up are first rescaled in place to
    at most that norm, as in PyTorch.

    Example
    -------
    >>> import numpy as np
    >>> import diffkit as dk
    >>> from diffkit.nn.functional import embedding
    >>> w = dk.tensor([[0.0, 0.0], [1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    >>> out = embedding(np.array([[1, 2], [0, 1]]), w, padding_idx=0)
    >>> out.shape
    (2, 2, 2)
    >>> out.sum().backward(); w.grad.tolist()          # row 0 is padding: no gradient
    [[0.0, 0.0], [2.0, 2.0], [1.0, 1.0]]
    """
    if scale_grad_by_freq or sparse:
        raise ArgumentError("embedding(): scale_grad_by_freq and sparse gradients are not supported; the gradient is "
                            "always the dense sum over the looked-up rows")
    index = _raw(input)
    index = namespace_of(index).asarray(index) if hasattr(index, "shape") else np.asarray(index)
    if index.dtype.kind not in "iu":
        raise ArgumentTypeError(f"embedding() needs integer indices, got dtype {index.dtype}")
    shape = _shape(weight)
    if len(shape) != 2:
        raise ArgumentError(f"embedding(): the weight must be 2-d (num_embeddings, embedding_dim), got shape {shape}")
    index = _array_like(index, weight)
    xp = namespace_of(index)
    if index.size and (int(xp.min(index)) < -shape[0] or int(xp.max(index)) >= shape[0]):
        raise ArgumentIndexError(f"embedding(): index out of range: the {shape[0]} rows take indices "
                                 f"0..{shape[0] - 1}, got {int(xp.min(index))}..{int(xp.max(index))}")
    index = xp.where(index < 0, index + shape[0], index)
    if max_norm is not None:
        _renorm_rows(_raw(weight), index, float(max_norm), float(norm_type))
    rows = ops.getitem(weight, index=(index, slice(None)))
    if padding_idx is None:
        return rows
    pad_row = padding_idx + shape[0] if padding_idx < 0 else padding_idx
    keep = xp.reshape(index != pad_row, tuple(index.shape) + (1,))
    return ops.where(keep, rows, _raw(rows))  # same values; the padding entries' gradient stops here


def _renorm_rows(table: Any, index: Any, max_norm: float, norm_type: float) -> None:
    """Rescale in place the looked-up rows of ``table`` whose norm exceeds ``max_norm`` (``embedding_renorm_``)."""
    xp = namespace_of(table)
    used = xp.unique_values(xp.reshape(index, (-1,)))
    norms = xp.sum(xp.abs(table[used]) ** norm_type, axis=1) ** (1.0 / norm_type)
    scale = xp.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0)
    table[used] = table[used] * xp.reshape(scale, (-1, 1)).astype(table.dtype)
