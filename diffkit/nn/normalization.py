"""Normalisation layers: ``BatchNorm1d``/``2d``, ``LayerNorm``, ``GroupNorm``, as in PyTorch.

Batch norm keeps running statistics in buffers (``running_mean``,
``running_var``, ``num_batches_tracked``: in the state dict, moved by ``to``,
not parameters) and uses them in evaluation mode; the others normalise each
sample on its own and behave the same in both modes.

Example
-------
>>> import numpy as np
>>> from diffkit import nn
>>> bn = nn.BatchNorm1d(2)
>>> list(bn.state_dict())
['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked']
>>> _ = bn(np.array([[0.0, 1.0], [2.0, 3.0]], dtype=np.float32))
>>> bn.running_mean.tolist(), bn.running_var.tolist(), int(bn.num_batches_tracked)
([0.10000000149011612, 0.20000000298023224], [1.100000023841858, 1.100000023841858], 1)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..ad.backend import normalize_device, resolve_dtype, to_device
from ..ad.tensor import Tensor
from ..errors import ArgumentError, ShapeError
from . import functional as F
from . import init
from .layers import empty_parameter
from .module import Module

__all__ = ["BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "LayerNorm", "GroupNorm"]


def _buffer(values: np.ndarray, device: Any, dtype: Any = None) -> Tensor:
    dt = np.dtype(resolve_dtype(np, dtype)) if dtype is not None else values.dtype
    return Tensor(to_device(values.astype(dt), normalize_device(device) if device is not None else "cpu"))


def _affine(module: Module, affine: bool, bias: bool, shape: tuple, device: Any, dtype: Any) -> None:
    """A learned scale (ones) and, with ``bias``, shift (zeros) of ``shape``; both None without ``affine``."""
    module.register_parameter("weight", init.ones_(empty_parameter(shape, device, dtype)) if affine else None)
    module.register_parameter("bias", init.zeros_(empty_parameter(shape, device, dtype)) if affine and bias else None)


class _BatchNorm(Module):
    _dims: tuple[int, ...] = (2, 3)

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = True,
                 track_running_stats: bool = True, device: Any = None, dtype: Any = None, *, bias: bool = True):
        super().__init__()
        if isinstance(num_features, bool) or not isinstance(num_features, int) or num_features < 1:
            raise ArgumentError(f"{type(self).__name__}: num_features must be a positive integer, got {num_features!r}")
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        _affine(self, affine, bias, (num_features,), device, dtype)
        if track_running_stats:
            float_dtype = dtype if dtype is not None else np.float32
            self.register_buffer("running_mean", _buffer(np.zeros(num_features), device, float_dtype))
            self.register_buffer("running_var", _buffer(np.ones(num_features), device, float_dtype))
            self.register_buffer("num_batches_tracked", _buffer(np.array(0, dtype=np.int64), device))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        self.reset_parameters()

    def reset_running_stats(self) -> None:
        """Running mean 0, running variance 1, no batches tracked.

        Example
        -------
        >>> import numpy as np
        >>> from diffkit import nn
        >>> bn = nn.BatchNorm1d(1)
        >>> _ = bn(np.array([[1.0], [5.0]], dtype=np.float32)); bn.reset_running_stats()
        >>> bn.running_mean.tolist(), int(bn.num_batches_tracked)
        ([0.0], 0)
        """
        if self.track_running_stats:
            self.running_mean._data[...] = 0
            self.running_var._data[...] = 1
            self.num_batches_tracked._data[...] = 0

    def reset_parameters(self) -> None:
        """Reset the running statistics, the weight to ones and the bias to zeros.

        Example
        -------
        >>> from diffkit import nn
        >>> bn = nn.BatchNorm2d(3); bn.reset_parameters()
        >>> bn.weight.tolist(), bn.bias.tolist()
        ([1.0, 1.0, 1.0], [0.0, 0.0, 0.0])
        """
        self.reset_running_stats()
        if self.weight is not None:
            init.ones_(self.weight)
        if self.bias is not None:
            init.zeros_(self.bias)

    def _check_input_dim(self, input: Any) -> None:
        ndim = len(input.shape)
        if ndim not in self._dims:
            dims = " or ".join(f"{d}D" for d in self._dims)
            raise ShapeError(f"{type(self).__name__}: expected {dims} input (got {ndim}D input of shape "
                             f"{tuple(input.shape)})")

    def forward(self, input: Any) -> Any:
        self._check_input_dim(input)
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats and self.num_batches_tracked is not None:
            self.num_batches_tracked._data[...] += 1
            if self.momentum is None:  # a cumulative average: each batch counts the same
                factor = 1.0 / float(self.num_batches_tracked._data)
        use_batch = self.training or (self.running_mean is None and self.running_var is None)
        keep = not self.training or self.track_running_stats
        return F.batch_norm(input, self.running_mean if keep else None, self.running_var if keep else None,
                            self.weight, self.bias, use_batch, factor, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch norm over (N, C) or (N, C, L) input: each channel standardised over the batch (and length).

    Parameters
    ----------
    num_features : int
        C.
    eps : float, default 1e-5
        Added to the variance.
    momentum : float or None, default 0.1
        Weight of each new batch in the running statistics; None for a plain
        average of all batches.
    affine : bool, default True
        Learn a per-channel ``weight`` (scale) and ``bias`` (shift).
    bias : bool, default True (keyword only)
        With ``affine``, learn the shift too.
    track_running_stats : bool, default True
        Keep running statistics and use them in evaluation mode (otherwise
        the batch's own statistics are used in both modes).
    device, dtype : optional

    Example
    -------
    >>> import numpy as np
    >>> from diffkit import nn
    >>> bn = nn.BatchNorm1d(3, momentum=None)
    >>> bn
    BatchNorm1d(3, eps=1e-05, momentum=None, affine=True, bias=True, track_running_stats=True)
    >>> bn(np.zeros((4, 3, 5), dtype=np.float32)).shape
    (4, 3, 5)
    """

    _dims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch norm over (N, C, H, W) input: each channel standardised over the batch and the image.

    Arguments as :class:`BatchNorm1d`.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit import nn
    >>> bn = nn.BatchNorm2d(2)
    >>> y = bn(np.random.default_rng(0).normal(3.0, 2.0, (8, 2, 4, 4)).astype(np.float32))
    >>> bool(abs(float(y.mean())) < 1e-6), round(float(y.numpy().std()), 3)   # biased std: 1 up to eps
    (True, 1.0)
    >>> bn.eval().training, bn.running_mean.shape
    (False, (2,))
    """

    _dims = (4,)


class BatchNorm3d(_BatchNorm):
    """Batch norm over (N, C, D, H, W) input.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit import nn
    >>> nn.BatchNorm3d(2)(np.zeros((2, 2, 2, 2, 2), dtype=np.float32)).shape
    (2, 2, 2, 2, 2)
    """

    _dims = (5,)


class LayerNorm(Module):
    """Standardise each sample over its trailing ``normalized_shape`` axes, then scale and shift elementwise.

    Parameters
    ----------
    normalized_shape : int or tuple
    eps : float, default 1e-5
    elementwise_affine : bool, default True
        Learn ``weight`` (ones) and ``bias`` (zeros) of shape ``normalized_shape``.
    bias : bool, default True
    device, dtype : optional

    Example
    -------
    >>> import numpy as np
    >>> from diffkit import nn
    >>> ln = nn.LayerNorm(4)
    >>> ln, ln(np.array([[1.0, 2.0, 3.0, 4.0]], dtype=np.float64)).numpy().round(4).tolist()
    (LayerNorm((4,), eps=1e-05, elementwise_affine=True, bias=True), [[-1.3416, -0.4472, 0.4472, 1.3416]])
    """

    def __init__(self, normalized_shape: Any, eps: float = 1e-5, elementwise_affine: bool = True, bias: bool = True,
                 device: Any = None, dtype: Any = None):
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
        self.normalized_shape = tuple(int(n) for n in shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        _affine(self, elementwise_affine, bias, self.normalized_shape, device, dtype)

    def forward(self, input: Any) -> Any:
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}, "
                f"bias={self.bias is not None}")


class GroupNorm(Module):
    """Standardise each group of ``num_channels / num_groups`` channels of each sample, then scale and shift
    per channel.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit import nn
    >>> gn = nn.GroupNorm(2, 4)
    >>> gn
    GroupNorm(2, 4, eps=1e-05, affine=True, bias=True)
    >>> gn(np.arange(8.0).reshape(1, 4, 2)).numpy().round(3).tolist()
    [[[-1.342, -0.447], [0.447, 1.342], [-1.342, -0.447], [0.447, 1.342]]]
    """

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5, affine: bool = True,
                 device: Any = None, dtype: Any = None, *, bias: bool = True):
        super().__init__()
        if isinstance(num_groups, bool) or not isinstance(num_groups, int) or num_groups < 1 \
                or num_channels % num_groups:
            raise ArgumentError(f"GroupNorm: num_channels ({num_channels}) must be divisible by num_groups "
                                f"({num_groups!r})")
        self.num_groups, self.num_channels = num_groups, num_channels
        self.eps = eps
        self.affine = affine
        _affine(self, affine, bias, (num_channels,), device, dtype)

    def forward(self, input: Any) -> Any:
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
                f"bias={self.bias is not None}")
