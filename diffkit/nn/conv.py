"""Convolution layers: ``Conv1d``/``2d``/``3d`` and ``ConvTranspose1d``/``2d``/``3d``, as in PyTorch.

Same arguments, defaults, attribute names, initialisation (``kaiming_uniform_``
with ``a = sqrt(5)``, the bias from U(-1/sqrt(fan_in), 1/sqrt(fan_in))),
weight layout (``(out, in / groups, *kernel)``, and ``(in, out / groups,
*kernel)`` for the transposed ones), state-dict keys and repr; so weights copy
across both ways.

Example
-------
>>> import numpy as np
>>> from diffkit import nn
>>> conv = nn.Conv2d(1, 8, 3, padding=1)
>>> conv
Conv2d(1, 8, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))
>>> conv.weight.shape, conv(np.zeros((64, 1, 8, 8), dtype=np.float32)).shape
((8, 1, 3, 3), (64, 8, 8, 8))
"""

from __future__ import annotations

import math
from typing import Any

from ..errors import ArgumentError
from . import functional as F
from . import init
from .functional_conv import ntuple, transposed_size
from .layers import empty_parameter
from .module import Module

__all__ = ["Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d"]

PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


class _ConvNd(Module):
    """What every convolution layer shares: arguments, checks, parameters, initialisation and repr."""

    _nd = 2
    _transposed = False

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any, padding: Any,
                 dilation: Any, output_padding: Any, groups: int, bias: bool, padding_mode: str, device: Any,
                 dtype: Any):
        super().__init__()
        nd, name = self._nd, type(self).__name__
        for what, n in (("in_channels", in_channels), ("out_channels", out_channels)):
            ntuple(n, 1, f"{name}: {what}")
        if isinstance(groups, bool) or not isinstance(groups, int) or groups < 1:
            raise ArgumentError(f"{name}: groups must be a positive integer, got {groups!r}")
        if in_channels % groups or out_channels % groups:
            raise ArgumentError(f"{name}: in_channels ({in_channels}) and out_channels ({out_channels}) must both "
                                f"be divisible by groups ({groups})")
        if padding_mode not in PADDING_MODES:
            raise ArgumentError(f"{name}: padding_mode must be one of {PADDING_MODES}, but got "
                                f"padding_mode={padding_mode!r}")
        self.in_channels, self.out_channels = int(in_channels), int(out_channels)
        self.kernel_size = ntuple(kernel_size, nd, f"{name}: kernel_size")
        self.stride = ntuple(stride, nd, f"{name}: stride")
        self.dilation = ntuple(dilation, nd, f"{name}: dilation")
        if isinstance(padding, str):
            if padding not in ("valid", "same"):
                raise ArgumentError(f"{name}: invalid padding string {padding!r}, should be one of ('valid', 'same')")
            if padding == "same" and any(s != 1 for s in self.stride):
                raise ArgumentError(f"{name}: padding='same' is not supported for strided convolutions")
            self.padding = padding
        else:
            self.padding = ntuple(padding, nd, f"{name}: padding", minimum=0)
        self.output_padding = ntuple(output_padding, nd, f"{name}: output_padding", minimum=0)
        self.transposed = self._transposed
        self.groups = groups
        self.padding_mode = padding_mode
        shape = ((in_channels, out_channels // groups) if self._transposed
                 else (out_channels, in_channels // groups)) + self.kernel_size
        self.weight = empty_parameter(shape, device, dtype)
        if bias:
            self.bias = empty_parameter((out_channels,), device, dtype)
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    @property
    def _reversed_padding_repeated_twice(self) -> tuple[int, ...]:
        """``F.pad``'s argument for ``padding_mode`` other than zeros: (left, right) per axis, last axis first."""
        if self.padding == "valid":
            return (0, 0) * self._nd
        out: list[int] = []
        for i in reversed(range(self._nd)):
            if self.padding == "same":
                total = self.dilation[i] * (self.kernel_size[i] - 1)
                out += [total // 2, total - total // 2]
            else:
                out += [self.padding[i], self.padding[i]]
        return tuple(out)

    def reset_parameters(self) -> None:
        """Redraw the weight and bias with PyTorch's default initialisation.

        Example
        -------
        >>> import numpy as np
        >>> from diffkit import nn
        >>> conv = nn.Conv2d(4, 2, 3)
        >>> conv.reset_parameters()
        >>> bool(np.abs(conv.bias.numpy()).max() <= 1 / np.sqrt(4 * 3 * 3))
        True
        """
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._fans(self.weight)
            if fan_in:
                bound = 1.0 / math.sqrt(fan_in)
                init.uniform_(self.bias, -bound, bound)

    def extra_repr(self) -> str:
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        nd = self._nd
        if self.padding != (0,) * nd:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * nd:
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * nd:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


class _Conv(_ConvNd):
    _function = staticmethod(F.conv2d)

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1, padding: Any = 0,
                 dilation: Any = 1, groups: int = 1, bias: bool = True, padding_mode: str = "zeros",
                 device: Any = None, dtype: Any = None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, 0, groups, bias,
                         padding_mode, device, dtype)

    def forward(self, input: Any) -> Any:
        if self.padding_mode != "zeros":
            input = F.pad(input, self._reversed_padding_repeated_twice, mode=self.padding_mode)
            return self._function(input, self.weight, self.bias, self.stride, 0, self.dilation, self.groups)
        return self._function(input, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)


class Conv1d(_Conv):
    """1-D convolution over (N, C, L) input (a cross-correlation, as in PyTorch).

    Parameters
    ----------
    in_channels, out_channels : int
    kernel_size, stride, dilation : int or tuple
    padding : int, tuple, "valid" or "same"
    groups : int, default 1
        Split the channels into this many independent convolutions.
    bias : bool, default True
    padding_mode : {"zeros", "reflect", "replicate", "circular"}
    device, dtype : optional

    Example
    -------
    >>> import numpy as np
    >>> from diffkit import nn
    >>> conv = nn.Conv1d(2, 4, 3, padding="same", bias=False)
    >>> conv, conv(np.ones((5, 2, 10), dtype=np.float32)).shape
    (Conv1d(2, 4, kernel_size=(3,), stride=(1,), padding=same, bias=False), (5, 4, 10))
    """

    _nd = 1
    _function = staticmethod(F.conv1d)


class Conv2d(_Conv):
    """2-D convolution over (N, C, H, W) input: ``out[n, o] = bias[o] + sum_c weight[o, c] ⋆ input[n, c]``.

    Arguments as :class:`Conv1d`, per spatial axis. The weight is
    (out_channels, in_channels / groups, kh, kw).

    Example
    -------
    >>> import numpy as np
    >>> from diffkit import nn
    >>> conv = nn.Conv2d(3, 6, (3, 5), stride=2, padding=(1, 2), dilation=1, groups=3, padding_mode="reflect")
    >>> conv
    Conv2d(3, 6, kernel_size=(3, 5), stride=(2, 2), padding=(1, 2), groups=3, padding_mode=reflect)
    >>> conv(np.zeros((1, 3, 8, 8), dtype=np.float32)).shape
    (1, 6, 4, 4)
    """

    _nd = 2
    _function = staticmethod(F.conv2d)


class Conv3d(_Conv):
    """3-D convolution over (N, C, D, H, W) input.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit import nn
    >>> nn.Conv3d(1, 2, 3)(np.zeros((1, 1, 4, 4, 4), dtype=np.float32)).shape
    (1, 2, 2, 2, 2)
    """

    _nd = 3
    _function = staticmethod(F.conv3d)


class _ConvTranspose(_ConvNd):
    _transposed = True
    _function = staticmethod(F.conv_transpose2d)

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1, padding: Any = 0,
                 output_padding: Any = 0, groups: int = 1, bias: bool = True, dilation: Any = 1,
                 padding_mode: str = "zeros", device: Any = None, dtype: Any = None):
        if padding_mode != "zeros":
            raise ArgumentError(f"Only 'zeros' padding mode is supported for {type(self).__name__}")
        if isinstance(padding, str):
            raise ArgumentError(f"{type(self).__name__}: padding must be numbers, not {padding!r}")
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, output_padding, groups,
                         bias, padding_mode, device, dtype)

    def _output_padding(self, input: Any, output_size: Any) -> tuple[int, ...]:
        """The output padding that makes the output ``output_size`` (PyTorch's ``_output_padding``)."""
        if output_size is None:
            return self.output_padding
        nd = self._nd
        wanted = tuple(output_size)[-nd:] if len(tuple(output_size)) in (nd, nd + 1, nd + 2) else None
        if wanted is None:
            raise ArgumentError(f"{type(self).__name__}: output_size must have {nd} or {nd + 2} elements, "
                                f"got {tuple(output_size)}")
        size = tuple(input.shape[-nd:])
        least = transposed_size(size, self.kernel_size, self.stride, self.padding, (0,) * nd, self.dilation)
        for w, lo, s in zip(wanted, least, self.stride):
            if not lo <= w <= lo + s - 1:
                raise ArgumentError(f"{type(self).__name__}: requested an output size of {wanted}, but valid sizes "
                                    f"range from {least} to {tuple(m + s - 1 for m, s in zip(least, self.stride))} "
                                    f"(for an input of {size})")
        return tuple(w - lo for w, lo in zip(wanted, least))

    def forward(self, input: Any, output_size: Any = None) -> Any:
        extra = self._output_padding(input, output_size)
        return self._function(input, self.weight, self.bias, self.stride, self.padding, extra, self.groups,
                              self.dilation)


class ConvTranspose1d(_ConvTranspose):
    """1-D transposed convolution: the gradient of a ``Conv1d`` with respect to its input, as a layer.

    The weight is (in_channels, out_channels / groups, k); the output length
    is ``(L - 1) stride - 2 padding + dilation (k - 1) + output_padding + 1``.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit import nn
    >>> up = nn.ConvTranspose1d(4, 2, 3, stride=2)
    >>> up, up(np.zeros((1, 4, 5), dtype=np.float32)).shape
    (ConvTranspose1d(4, 2, kernel_size=(3,), stride=(2,)), (1, 2, 11))
    """

    _nd = 1
    _function = staticmethod(F.conv_transpose1d)


class ConvTranspose2d(_ConvTranspose):
    """2-D transposed convolution ("deconvolution"): upsampling with a learned kernel.

    ``forward(input, output_size=None)``: ``output_size`` picks among the
    output sizes a strided convolution could have come from.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit import nn
    >>> up = nn.ConvTranspose2d(8, 4, 3, stride=2, padding=1)
    >>> x = np.zeros((1, 8, 4, 4), dtype=np.float32)
    >>> up(x).shape, up(x, output_size=(8, 8)).shape
    ((1, 4, 7, 7), (1, 4, 8, 8))
    """

    _nd = 2
    _function = staticmethod(F.conv_transpose2d)


class ConvTranspose3d(_ConvTranspose):
    """3-D transposed convolution; the weight is (in_channels, out_channels / groups, kd, kh, kw).

    Example
    -------
    >>> import numpy as np
    >>> from diffkit import nn
    >>> nn.ConvTranspose3d(1, 1, 2)(np.zeros((1, 1, 2, 2, 2), dtype=np.float32)).shape
    (1, 1, 3, 3, 3)
    """

    _nd = 3
    _function = staticmethod(F.conv_transpose3d)
