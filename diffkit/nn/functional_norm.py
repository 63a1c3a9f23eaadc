"""``nn.functional``'s normalisations: batch, layer and group norm, with PyTorch's signatures.

In training they are the table's one-node ``normalize`` (see
:mod:`diffkit.expr.ops.normalization`); batch norm in evaluation mode is the
affine map its running statistics define. Running statistics are updated in
place, as PyTorch does: ``running = (1 - momentum) running + momentum batch``,
the batch variance unbiased (divided by n - 1) there while the normalisation
itself uses the biased one.

Example
-------
>>> import numpy as np
>>> from diffkit.nn import functional as F
>>> x = np.array([[1.0, 10.0], [3.0, 30.0]])
>>> F.batch_norm(x, None, None, training=True, eps=0.0).tolist()
[[-1.0, -1.0], [1.0, 1.0]]
"""

from __future__ import annotations

import math
from typing import Any

from ..ad.backend import namespace_of
from ..ad.tensor import Tensor
from ..errors import ArgumentError, ShapeError
from ..expr import ops
from ..expr.ops.channels import channel_stats

__all__ = ["batch_norm", "layer_norm", "group_norm", "instance_norm"]


def _raw(x: Any) -> Any:
    return x._data if isinstance(x, Tensor) else x


def _per_channel(p: Any, ndim: int) -> Any:
    """A (C,) parameter shaped (C, 1, ...) to broadcast over (N, C, *S); 1.0 / 0.0 stay numbers."""
    if p is None or isinstance(p, float):
        return p
    return ops.reshape(p, shape=(p.shape[0],) + (1,) * (ndim - 2))


def _check_channels(name: str, what: str, p: Any, channels: int) -> None:
    if p is not None and tuple(p.shape) != (channels,):
        raise ShapeError(f"{name}(): {what} of shape {tuple(p.shape)} does not fit the {channels} channels of the "
                         f"input; expected shape ({channels},)")


def _update(running: Any, batch: Any, momentum: float) -> None:
    """running = (1 - momentum) running + momentum batch, in place (a buffer Tensor or an array)."""
    data = _raw(running)
    data *= 1.0 - momentum
    data += momentum * batch.astype(data.dtype)


def batch_norm(input: Any, running_mean: Any, running_var: Any, weight: Any = None, bias: Any = None,
               training: bool = False, momentum: float = 0.1, eps: float = 1e-5) -> Any:
    """Normalise each channel of (N, C, *S) input over the batch and spatial axes, then scale and shift.

    In training (or without running statistics) the batch's own mean and
    biased variance are used, and the running statistics, when given, move
    towards the batch's (the variance unbiased); otherwise the running ones.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.nn.functional import batch_norm
    >>> mean, var = np.zeros(1), np.ones(1)
    >>> batch_norm(np.array([[0.0], [4.0]]), mean, var, training=True, momentum=0.5).tolist()
    [[-0.9999987500023437], [0.9999987500023437]]
    >>> mean.tolist(), var.tolist()                     # 0.5 * 0 + 0.5 * 2, and 0.5 * 1 + 0.5 * 8
    ([1.0], [4.5])
    """
    shape = tuple(input.shape)
    if len(shape) < 2:
        raise ShapeError(f"batch_norm(): expected input of shape (N, C) or (N, C, *S), got {shape}")
    channels = shape[1]
    for what, p in (("weight", weight), ("bias", bias), ("running_mean", running_mean), ("running_var", running_var)):
        _check_channels("batch_norm", what, p, channels)
    axis = (0,) + tuple(range(2, len(shape)))
    if training or running_mean is None or running_var is None:
        count = math.prod(shape) // channels
        if count == 0:  # an empty batch: an empty output, no statistics to take (PyTorch's answer too)
            out = input * 0.0
            if weight is not None:
                out = out * _per_channel(weight, len(shape))
            return out if bias is None else out + _per_channel(bias, len(shape))
        if training and count <= 1:
            raise ArgumentError(f"batch_norm(): expected more than 1 value per channel when training, got input of "
                                f"shape {shape}")
        stats = {}
        if training and (running_mean is not None or running_var is not None):
            # the batch's statistics, computed once: for the running averages and for the op
            raw = _raw(input)
            xp = namespace_of(raw)
            mean, var = channel_stats(xp, raw, axis)
            stats = {"mean": mean, "var": var}
            if running_mean is not None:
                _update(running_mean, xp.reshape(mean, (channels,)), momentum)
            if running_var is not None:  # unbiased, as PyTorch keeps it
                _update(running_var, xp.reshape(var, (channels,)) * (count / max(count - 1, 1)), momentum)
        return ops.normalize(input, 1.0 if weight is None else weight, 0.0 if bias is None else bias, axis=axis,
                             eps=float(eps), channel=1, **stats)
    mean, var = _raw(running_mean), _raw(running_var)
    xp = namespace_of(mean)
    inv = _per_channel(1.0 / xp.sqrt(var + eps), len(shape))
    out = (input - _per_channel(mean, len(shape))) * inv
    if weight is not None:
        out = out * _per_channel(weight, len(shape))
    if bias is not None:
        out = out + _per_channel(bias, len(shape))
    return out


def instance_norm(input: Any, running_mean: Any = None, running_var: Any = None, weight: Any = None,
                  bias: Any = None, use_input_stats: bool = True, momentum: float = 0.1, eps: float = 1e-5) -> Any:
    """Normalise each channel of each sample over its spatial axes (batch norm of one sample at a time).

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.nn.functional import instance_norm
    >>> instance_norm(np.array([[[1.0, 3.0]]]), eps=0.0).tolist()
    [[[-1.0, 1.0]]]
    """
    shape = tuple(input.shape)
    if len(shape) < 3:
        raise ShapeError(f"instance_norm(): expected input of shape (N, C, *S) with a spatial axis, got {shape}")
    if not use_input_stats and running_mean is not None and running_var is not None:
        return batch_norm(input, running_mean, running_var, weight, bias, False, momentum, eps)
    n, channels = shape[:2]
    for what, p in (("weight", weight), ("bias", bias)):
        _check_channels("instance_norm", what, p, channels)
    out = ops.normalize(input, 1.0 if weight is None else weight, 0.0 if bias is None else bias,
                        axis=tuple(range(2, len(shape))), eps=float(eps), channel=1)
    if running_mean is not None or running_var is not None:  # the mean over the batch of each sample's statistics
        raw = _raw(input)
        xp = namespace_of(raw)
        axis = tuple(range(2, len(shape)))
        count = math.prod(shape[2:])
        if running_mean is not None:
            _update(running_mean, xp.mean(xp.mean(raw, axis=axis), axis=0), momentum)
        if running_var is not None:
            _update(running_var, xp.mean(xp.var(raw, axis=axis, correction=1 if count > 1 else 0), axis=0), momentum)
    return out


def layer_norm(input: Any, normalized_shape: Any, weight: Any = None, bias: Any = None, eps: float = 1e-5) -> Any:
    """Normalise over the trailing axes ``normalized_shape`` (each sample on its own), then scale and shift.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.nn.functional import layer_norm
    >>> layer_norm(np.array([[1.0, 3.0], [10.0, 30.0]]), (2,), eps=0.0).tolist()
    [[-1.0, 1.0], [-1.0, 1.0]]
    """
    norm = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    shape = tuple(input.shape)
    if not norm or shape[len(shape) - len(norm):] != norm or len(norm) > len(shape):
        raise ShapeError(f"layer_norm(): given normalized_shape={norm}, expected input with shape (*, "
                         f"{', '.join(map(str, norm))}), but got input of shape {shape}")
    for what, p in (("weight", weight), ("bias", bias)):
        if p is not None and tuple(p.shape) != norm:
            raise ShapeError(f"layer_norm(): {what} of shape {tuple(p.shape)} differs from normalized_shape {norm}")
    axis = tuple(range(len(shape) - len(norm), len(shape)))
    return ops.normalize(input, 1.0 if weight is None else weight, 0.0 if bias is None else bias, axis=axis,
                         eps=float(eps))


def group_norm(input: Any, num_groups: int, weight: Any = None, bias: Any = None, eps: float = 1e-5) -> Any:
    """Normalise each group of ``C / num_groups`` channels of each sample, then scale and shift per channel.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.nn.functional import group_norm
    >>> group_norm(np.array([[1.0, 3.0, 10.0, 30.0]]), 2, eps=0.0).tolist()
    [[-1.0, 1.0, -1.0, 1.0]]
    """
    shape = tuple(input.shape)
    if len(shape) < 2:
        raise ShapeError(f"group_norm(): expected input of shape (N, C, *S), got {shape}")
    n, channels = shape[:2]
    if isinstance(num_groups, bool) or not isinstance(num_groups, int) or num_groups < 1 or channels % num_groups:
        raise ArgumentError(f"group_norm(): expected the {channels} channels of the input to be divisible by "
                            f"num_groups, got num_groups={num_groups!r}")
    for what, p in (("weight", weight), ("bias", bias)):
        _check_channels("group_norm", what, p, channels)
    grouped = ops.reshape(input, shape=(n, num_groups, math.prod(shape[1:]) // num_groups))
    out = ops.reshape(ops.normalize(grouped, 1.0, 0.0, axis=(2,), eps=float(eps)), shape=shape)
    if weight is not None:
        out = out * _per_channel(weight, len(shape))
    if bias is not None:
        out = out + _per_channel(bias, len(shape))
    return out
