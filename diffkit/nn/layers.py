"""Layers: ``Linear`` and the activation, reshaping and regularising modules.

Example
-------
>>> import numpy as np
>>> from diffkit import nn
>>> layer = nn.Linear(2, 3)
>>> layer.weight.shape, layer.bias.shape          # (out_features, in_features), as in PyTorch
((3, 2), (3,))
>>> layer(np.ones((4, 2), dtype=np.float32)).shape
(4, 3)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..ad.backend import normalize_device, resolve_dtype, to_device
from ..errors import ArgumentError
from ..expr import ops
from . import functional as F
from . import init
from .module import Module, Parameter

__all__ = ["Linear", "Identity", "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "Softmax", "LogSoftmax", "Flatten",
           "Unflatten", "Dropout"]


def empty_parameter(shape: tuple, device: Any = None, dtype: Any = None) -> Parameter:
    """An uninitialised Parameter: float32 on the CPU unless ``dtype`` and ``device`` say otherwise (PyTorch's default).

    Example
    -------
    >>> from diffkit.nn.layers import empty_parameter
    >>> p = empty_parameter((2, 3))
    >>> p.shape, p.dtype, p.device
    ((2, 3), dtype('float32'), 'cpu')
    """
    dt = np.dtype(resolve_dtype(np, dtype)) if dtype is not None else np.dtype(np.float32)
    dev = normalize_device(device) if device is not None else "cpu"
    return Parameter(to_device(np.empty(tuple(shape), dtype=dt), dev))


class Linear(Module):
    """``y = x W^T + b`` with ``W`` of shape (out_features, in_features).

    PyTorch's default initialisation: ``kaiming_uniform_(W, a=sqrt(5))`` and
    the bias from the same range, i.e. both U(-1/sqrt(in), 1/sqrt(in)),
    drawn from the generator ``dk.manual_seed`` reseeds. Parameters are
    float32 unless ``dtype`` says otherwise (PyTorch's default).

    Parameters
    ----------
    in_features, out_features : int
    bias : bool, default True
    device : {"cpu", "cuda"}, optional
    dtype : dtype, optional

    Example
    -------
    >>> import numpy as np
    >>> from diffkit import nn
    >>> layer = nn.Linear(20, 30)
    >>> bool(np.abs(layer.weight.numpy()).max() <= 1 / np.sqrt(20))
    True
    >>> nn.Linear(2, 3, bias=False)
    Linear(in_features=2, out_features=3, bias=False)
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, device: Any = None,
                 dtype: Any = None):
        super().__init__()
        for name, n in (("in_features", in_features), ("out_features", out_features)):
            if not isinstance(n, int | np.integer) or isinstance(n, bool) or n < 0:
                raise ArgumentError(f"Linear: {name} must be a non-negative integer, got {n!r}")
        self.in_features = int(in_features)
        self.out_features = int(out_features)
        self.weight = empty_parameter((self.out_features, self.in_features), device, dtype)
        if bias:
            self.bias = empty_parameter((self.out_features,), device, dtype)
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Redraw the weights (and bias) with PyTorch's default initialisation."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            bound = 1.0 / math.sqrt(self.in_features) if self.in_features > 0 else 0.0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input: Any) -> Any:
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class Identity(Module):
    """Returns its input unchanged (arguments are accepted and ignored, as in PyTorch).

    Example
    -------
    >>> from diffkit import nn
    >>> nn.Identity(54, unused="x")(3.0)
    3.0
    """

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__()

    def forward(self, input: Any) -> Any:
        return input


class ReLU(Module):
    """max(x, 0) elementwise (relu'(0) = 0). ``inplace`` is accepted for compatibility; it computes out of place.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit import nn
    >>> nn.ReLU()(np.array([-1.0, 0.0, 2.0])).tolist()
    [0.0, 0.0, 2.0]
    """

    def __init__(self, inplace: bool = False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Any) -> Any:
        return ops.relu(input)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class LeakyReLU(Module):
    """x for x > 0, else ``negative_slope * x``.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit import nn
    >>> nn.LeakyReLU(0.1)(np.array([-2.0, 3.0])).tolist()
    [-0.2, 3.0]
    """

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False):
        super().__init__()
        self.negative_slope = negative_slope
        self.inplace = inplace

    def forward(self, input: Any) -> Any:
        return F.leaky_relu(input, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class Sigmoid(Module):
    """1 / (1 + exp(-x)) elementwise.

    Example
    -------
    >>> from diffkit import nn
    >>> float(nn.Sigmoid()(0.0))
    0.5
    """

    def forward(self, input: Any) -> Any:
        return ops.sigmoid(input)


class Tanh(Module):
    """tanh(x) elementwise.

    Example
    -------
    >>> from diffkit import nn
    >>> float(nn.Tanh()(0.0))
    0.0
    """

    def forward(self, input: Any) -> Any:
        return ops.tanh(input)


class Softmax(Module):
    """exp(x) / sum(exp(x)) along ``dim`` (stable). Without ``dim``, PyTorch's legacy choice and a warning.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit import nn
    >>> nn.Softmax(dim=1)(np.zeros((1, 4))).tolist()
    [[0.25, 0.25, 0.25, 0.25]]
    >>> nn.Softmax(dim=1)
    Softmax(dim=1)
    """

    def __init__(self, dim: int | None = None):
        super().__init__()
        self.dim = dim

    def forward(self, input: Any) -> Any:
        return F.softmax(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """log(softmax(x)) along ``dim``, computed stably.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit import nn
    >>> nn.LogSoftmax(dim=1)(np.array([[0.0, 0.0]])).round(4).tolist()
    [[-0.6931, -0.6931]]
    """

    def __init__(self, dim: int | None = None):
        super().__init__()
        self.dim = dim

    def forward(self, input: Any) -> Any:
        return F.log_softmax(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Flatten(Module):
    """Merge dimensions ``start_dim`` to ``end_dim`` into one (by default all but the batch dimension).

    Example
    -------
    >>> import numpy as np
    >>> from diffkit import nn
    >>> nn.Flatten()(np.zeros((5, 8, 8))).shape
    (5, 64)
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1):
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input: Any) -> Any:
        shape = tuple(input.shape)
        n = len(shape)
        if n == 0:
            return ops.reshape(input, shape=(1,))
        start, end = self.start_dim % n, self.end_dim % n
        if start > end:
            raise ArgumentError(f"Flatten: start_dim {self.start_dim} comes after end_dim {self.end_dim} "
                                f"for an input of shape {shape}")
        merged = math.prod(shape[start:end + 1])
        return ops.reshape(input, shape=shape[:start] + (merged,) + shape[end + 1:])

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Split dimension ``dim`` into ``unflattened_size`` (one entry may be -1): the inverse of :class:`Flatten`.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit import nn
    >>> layer = nn.Unflatten(1, (2, 8))
    >>> layer, layer(np.zeros((5, 16))).shape
    (Unflatten(dim=1, unflattened_size=(2, 8)), (5, 2, 8))
    """

    def __init__(self, dim: int, unflattened_size: Any):
        super().__init__()
        self.dim = dim
        self.unflattened_size = tuple(unflattened_size)

    def forward(self, input: Any) -> Any:
        shape = tuple(input.shape)
        dim = self.dim % len(shape) if shape else 0
        sizes = list(self.unflattened_size)
        known = math.prod(n for n in sizes if n != -1)
        if sizes.count(-1) > 1 or (-1 not in sizes and known != shape[dim]) or (known and shape[dim] % known):
            raise ArgumentError(f"Unflatten: unflattened_size {self.unflattened_size} does not fit dimension "
                                f"{self.dim} of size {shape[dim]} (input of shape {shape})")
        if -1 in sizes:
            sizes[sizes.index(-1)] = shape[dim] // known
        return ops.reshape(input, shape=shape[:dim] + tuple(sizes) + shape[dim + 1:])

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"


class Dropout(Module):
    """In training mode, zero each entry with probability ``p`` and scale the rest by 1/(1-p); identity in eval mode.

    The masks come from the generator ``dk.manual_seed`` reseeds.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit import nn
    >>> drop = nn.Dropout(p=0.5)
    >>> y = drop(np.ones(1000))
    >>> sorted(set(y.tolist()))
    [0.0, 2.0]
    >>> drop.eval()(np.ones(3)).tolist()
    [1.0, 1.0, 1.0]
    """

    def __init__(self, p: float = 0.5, inplace: bool = False):
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ArgumentError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = p
        self.inplace = inplace

    def forward(self, input: Any) -> Any:
        return F.dropout(input, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"
