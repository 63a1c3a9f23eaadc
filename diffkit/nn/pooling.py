"""Pooling layers: ``MaxPool1d``/``2d``, ``AvgPool1d``/``2d``, ``AdaptiveAvgPool1d``/``2d``, as in PyTorch.

Arguments, defaults (``stride`` = ``kernel_size``) and reprs are PyTorch's;
the computation is :mod:`diffkit.nn.functional`'s.

Example
-------
>>> import numpy as np
>>> from diffkit import nn
>>> pool = nn.MaxPool2d(2)
>>> pool, pool(np.arange(16.0).reshape(1, 1, 4, 4)).tolist()
(MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False), [[[[5.0, 7.0], [13.0, 15.0]]]])
"""

from __future__ import annotations

from typing import Any

from . import functional as F
from .module import Module

__all__ = ["MaxPool1d", "MaxPool2d", "AvgPool1d", "AvgPool2d", "AdaptiveAvgPool1d", "AdaptiveAvgPool2d"]


class _MaxPoolNd(Module):
    _function = staticmethod(F.max_pool2d)

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
                 return_indices: bool = False, ceil_mode: bool = False):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.dilation = dilation
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode

    def forward(self, input: Any) -> Any:
        return self._function(input, self.kernel_size, self.stride, self.padding, self.dilation,
                              ceil_mode=self.ceil_mode, return_indices=self.return_indices)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class MaxPool1d(_MaxPoolNd):
    """Maximum over windows of (N, C, L) input.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit import nn
    >>> nn.MaxPool1d(3, stride=1)(np.array([[[1.0, 3.0, 2.0, 0.0]]])).tolist()
    [[[3.0, 3.0]]]
    """

    _function = staticmethod(F.max_pool1d)


class MaxPool2d(_MaxPoolNd):
    """Maximum over windows of (N, C, H, W) input; the gradient goes to each window's first maximum.

    Parameters
    ----------
    kernel_size, stride, padding, dilation : int or tuple
        ``stride`` defaults to ``kernel_size``; padding (with -inf) at most half the kernel.
    return_indices : bool
        Also return where each maximum is (flattened over (H, W)).
    ceil_mode : bool
        Keep a last window that hangs over the end.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit import nn
    >>> nn.MaxPool2d(2, ceil_mode=True)(np.ones((1, 1, 5, 5))).shape
    (1, 1, 3, 3)
    """

    _function = staticmethod(F.max_pool2d)


class AvgPool1d(Module):
    """Mean over windows of (N, C, L) input.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit import nn
    >>> pool = nn.AvgPool1d(2)
    >>> pool, pool(np.array([[[1.0, 3.0, 5.0, 7.0]]])).tolist()
    (AvgPool1d(kernel_size=(2,), stride=(2,), padding=(0,)), [[[2.0, 6.0]]])
    """

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
                 count_include_pad: bool = True):
        super().__init__()
        # PyTorch keeps these as 1-tuples here (and as given in AvgPool2d), which shows in the repr
        self.kernel_size = _single(kernel_size)
        self.stride = _single(stride if stride is not None else kernel_size)
        self.padding = _single(padding)
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad

    def forward(self, input: Any) -> Any:
        return F.avg_pool1d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


def _single(value: Any) -> tuple:
    return tuple(value) if isinstance(value, (tuple, list)) else (value,)


class AvgPool2d(Module):
    """Mean over windows of (N, C, H, W) input, PyTorch's divisors at the edges.

    Parameters
    ----------
    kernel_size, stride, padding : int or tuple
    ceil_mode : bool
    count_include_pad : bool, default True
        Count the zero padding in a window's divisor.
    divisor_override : int, optional
        Divide every window's sum by this instead.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit import nn
    >>> pool = nn.AvgPool2d(2, padding=1, count_include_pad=False)
    >>> pool, pool(np.ones((1, 1, 2, 2))).tolist()
    (AvgPool2d(kernel_size=2, stride=2, padding=1), [[[[1.0, 1.0], [1.0, 1.0]]]])
    """

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
                 count_include_pad: bool = True, divisor_override: int | None = None):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad
        self.divisor_override = divisor_override

    def forward(self, input: Any) -> Any:
        return F.avg_pool2d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad, self.divisor_override)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class _AdaptiveAvgPoolNd(Module):
    _function = staticmethod(F.adaptive_avg_pool2d)

    def __init__(self, output_size: Any):
        super().__init__()
        self.output_size = output_size

    def forward(self, input: Any) -> Any:
        return self._function(input, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveAvgPool1d(_AdaptiveAvgPoolNd):
    """Mean over ``output_size`` windows covering the length of (N, C, L) input.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit import nn
    >>> nn.AdaptiveAvgPool1d(1)(np.array([[[1.0, 2.0, 6.0]]])).tolist()
    [[[3.0]]]
    """

    _function = staticmethod(F.adaptive_avg_pool1d)


class AdaptiveAvgPool2d(_AdaptiveAvgPoolNd):
    """Mean over an ``output_size`` grid of windows covering (H, W), whatever the input's size.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit import nn
    >>> pool = nn.AdaptiveAvgPool2d((1, 1))
    >>> pool, pool(np.ones((2, 3, 5, 7))).shape
    (AdaptiveAvgPool2d(output_size=(1, 1)), (2, 3, 1, 1))
    """

    _function = staticmethod(F.adaptive_avg_pool2d)
