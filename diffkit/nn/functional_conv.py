"""``nn.functional``'s convolutions, padding and pooling, with PyTorch's names, options and checks.

Each is one op of the table (``conv``, ``conv_transpose``, ``max_pool``,
``avg_pool``; see :mod:`diffkit.expr.ops.convolution` and
:mod:`diffkit.expr.ops.pooling`), plus a bias; ``pad`` and the adaptive
pooling are composed from ``setitem``, ``getitem`` and ``matmul``. Inputs are
(N, C, *S) or, without the batch axis, (C, *S), as in PyTorch.

Example
-------
>>> import numpy as np
>>> import diffkit as dk
>>> from diffkit.nn import functional as F
>>> x = dk.tensor(np.arange(16.0).reshape(1, 1, 4, 4), requires_grad=True)
>>> F.max_pool2d(F.conv2d(x, np.ones((1, 1, 2, 2)), padding=1), 2).tolist()
[[[[10.0, 18.0], [42.0, 50.0]]]]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..ad.backend import device_of, namespace_of, to_device
from ..ad.tensor import Tensor
from ..errors import ArgumentError, ArgumentTypeError, ShapeError
from ..expr import ops
from ..expr.ops.pooling import max_pool_indices, pool_geometry

__all__ = ["pad", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d",
           "max_pool1d", "max_pool2d", "avg_pool1d", "avg_pool2d", "adaptive_avg_pool1d", "adaptive_avg_pool2d"]

PADDING_MODES = ("constant", "reflect", "replicate", "circular")


def _raw(x: Any) -> Any:
    return x._data if isinstance(x, Tensor) else x


def ntuple(value: Any, n: int, name: str, minimum: int = 1) -> tuple[int, ...]:
    """``value`` (an int, or n ints) as n ints, each at least ``minimum``; an ArgumentError naming it otherwise.

    Example
    -------
    >>> from diffkit.nn.functional_conv import ntuple
    >>> ntuple(3, 2, "kernel_size"), ntuple((1, 2), 2, "stride")
    ((3, 3), (1, 2))
    """
    if value.__class__ is int and value >= minimum:  # the common cases, without the general checks
        return (value,) * n
    if value.__class__ is tuple and len(value) == n and all(v.__class__ is int and v >= minimum for v in value):
        return value
    items = tuple(value) if isinstance(value, (tuple, list)) else (value,) * n
    if len(items) == 1 and n > 1:
        items = items * n
    if len(items) != n or any(isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < minimum
                              for v in items):
        raise ArgumentError(f"{name} must be an integer >= {minimum} or a tuple of {n} of them, got {value!r}")
    return tuple(int(v) for v in items)


def _batched(input: Any, nd: int, name: str) -> tuple[Any, bool]:
    """The input with a batch axis (added for unbatched input), and whether one was added."""
    if not hasattr(input, "shape"):
        raise ArgumentTypeError(f"{name}() needs a Tensor or an array as input, got {type(input).__name__}")
    ndim = len(input.shape)
    if ndim == nd + 2:
        return input, False
    if ndim == nd + 1:
        return ops.reshape(input, shape=(1,) + tuple(input.shape)), True
    raise ShapeError(f"{name}() expects ({nd + 1}D) unbatched or ({nd + 2}D) batched input (C, *S) or (N, C, *S) "
                     f"with {nd} spatial dimension(s), got input of shape {tuple(input.shape)}")


def _unbatched(out: Any, added: bool) -> Any:
    return ops.reshape(out, shape=tuple(out.shape[1:])) if added else out


def _constant_like(value: Any, like: Any) -> Any:
    """A constant array (weights of a fixed kernel, index arrays) moved to the device of ``like``."""
    ref = _raw(like)
    return namespace_of(ref).asarray(to_device(value, device_of(ref)))


def _add_bias(out: Any, bias: Any, name: str) -> Any:
    if bias is None:
        return out
    channels = out.shape[1]
    if tuple(getattr(bias, "shape", ())) != (channels,):
        raise ShapeError(f"{name}(): bias of shape {tuple(getattr(bias, 'shape', ()))} does not fit the {channels} "
                         f"output channels; expected shape ({channels},)")
    return out + ops.reshape(bias, shape=(channels,) + (1,) * (len(out.shape) - 2))


# ----------------------------------------------------------------------------- padding

def _pad_index(n: int, lo: int, hi: int, mode: str) -> np.ndarray:
    j = np.arange(-lo, n + hi)
    if mode == "reflect":
        return np.where(j < 0, -j, np.where(j >= n, 2 * (n - 1) - j, j))
    if mode == "replicate":
        return np.clip(j, 0, n - 1)
    return j % n  # circular


def pad(input: Any, pad: Any, mode: str = "constant", value: float | None = None) -> Any:
    """Pad the last ``len(pad) // 2`` axes: ``pad = (left, right)`` for the last axis, then the one before...

    ``mode="constant"`` fills with ``value`` (0 by default; a negative pad
    crops); ``"reflect"`` mirrors without repeating the edge, ``"replicate"``
    repeats it, ``"circular"`` wraps around. The gradient of the padded
    entries goes back to the entries they copy.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.nn.functional import pad
    >>> x = np.array([[[1.0, 2.0, 3.0]]])
    >>> for mode in ("constant", "reflect", "replicate", "circular"):
    ...     print(pad(x, (2, 1), mode=mode)[0, 0].tolist())
    [0.0, 0.0, 1.0, 2.0, 3.0, 0.0]
    [3.0, 2.0, 1.0, 2.0, 3.0, 2.0]
    [1.0, 1.0, 1.0, 2.0, 3.0, 3.0]
    [2.0, 3.0, 1.0, 2.0, 3.0, 1.0]
    """
    if mode not in PADDING_MODES:
        raise ArgumentError(f"pad(): mode {mode!r} is not one of {', '.join(PADDING_MODES)}")
    shape = tuple(input.shape)
    pads = tuple(pad)
    if len(pads) % 2 or len(pads) // 2 > len(shape) or any(isinstance(p, bool) or not isinstance(p, (int, np.integer))
                                                          for p in pads):
        raise ArgumentError(f"pad(): the padding must be pairs of integers, at most one pair per axis of the "
                            f"{len(shape)}-d input, got {pad!r}")
    k = len(pads) // 2
    axes = list(range(len(shape) - 1, len(shape) - 1 - k, -1))  # last axis first, as PyTorch orders them
    per_axis = {a: (int(pads[2 * i]), int(pads[2 * i + 1])) for i, a in enumerate(axes)}
    if mode == "constant":
        return _pad_constant(input, shape, per_axis, 0.0 if value is None else float(value))
    if value not in (None, 0, 0.0):
        raise ArgumentError(f"pad(): a fill value only goes with mode='constant', not {mode!r}")
    if k > 3 or len(shape) not in (k + 1, k + 2):
        raise ArgumentError(f"pad(): mode {mode!r} pads the last 1, 2 or 3 axes of an input with one or two more "
                            f"(channels, and optionally the batch); got {k} pair(s) for a {len(shape)}-d input")
    index = []
    for a in range(len(shape)):
        if a not in per_axis:  # leading axes; the padded ones index with arrays, kept adjacent so they stay in place
            index.append(slice(None))
            continue
        lo, hi = per_axis[a]
        n = shape[a]
        limit = n - 1 if mode == "reflect" else n
        if min(lo, hi) < 0 or max(lo, hi) > limit:
            raise ArgumentError(f"pad(): {mode} padding of axis {a} (size {n}) must be between 0 and {limit}, "
                                f"got ({lo}, {hi})")
        rows = _pad_index(n, lo, hi, mode).reshape((-1,) + (1,) * (len(shape) - 1 - a))
        index.append(_constant_like(rows, input))
    return ops.getitem(input, index=tuple(index))


def _pad_constant(input: Any, shape: tuple, per_axis: dict, fill: float) -> Any:
    crop = tuple(slice(max(-lo, 0), shape[a] - max(-hi, 0)) for a, (lo, hi) in
                 ((a, per_axis.get(a, (0, 0))) for a in range(len(shape))))
    if any(s.start or s.stop != n for s, n in zip(crop, shape)):
        input = ops.getitem(input, index=crop)
        shape = tuple(input.shape)
    grow = {a: (max(lo, 0), max(hi, 0)) for a, (lo, hi) in per_axis.items()}
    if not any(lo or hi for lo, hi in grow.values()):
        return input
    ref = _raw(input)
    xp = namespace_of(ref)
    full = tuple(n + sum(grow.get(a, (0, 0))) for a, n in enumerate(shape))
    base = xp.full(full, fill, dtype=ref.dtype)
    place = tuple(slice(grow.get(a, (0, 0))[0], grow.get(a, (0, 0))[0] + n) for a, n in enumerate(shape))
    return ops.setitem(base, input, index=place)


# ----------------------------------------------------------------------------- convolution

def _conv_padding(padding: Any, nd: int, kernel: tuple, stride: tuple, dilation: tuple) -> tuple:
    """Padding as ``((lo, hi), ...)`` from an int, a tuple, ``"valid"`` or ``"same"``."""
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0),) * nd
        if padding == "same":
            if any(s != 1 for s in stride):
                raise ArgumentError("padding='same' is not supported for strided convolutions (use stride=1 or "
                                    "give the padding as numbers)")
            # an even kernel needs one more on the right, as PyTorch pads it
            return tuple((d * (k - 1) // 2, d * (k - 1) - d * (k - 1) // 2) for k, d in zip(kernel, dilation))
        raise ArgumentError(f"invalid padding string {padding!r}, should be one of ('valid', 'same')")
    return tuple((p, p) for p in ntuple(padding, nd, "padding", minimum=0))


def _groups(groups: Any) -> int:
    if isinstance(groups, bool) or not isinstance(groups, (int, np.integer)) or groups < 1:
        raise ArgumentError(f"groups must be a positive integer, got {groups!r}")
    return int(groups)


def _check_weight(weight: Any, nd: int, name: str) -> tuple:
    shape = tuple(getattr(weight, "shape", ()))
    if len(shape) != nd + 2:
        raise ShapeError(f"{name}(): the weight must be {nd + 2}-d (out_channels, in_channels / groups, *kernel), "
                         f"got shape {shape}")
    return shape


def _conv(input, weight, bias, stride, padding, dilation, groups, nd, name):
    x, added = _batched(input, nd, name)
    wshape = _check_weight(weight, nd, name)
    stride, dilation = ntuple(stride, nd, "stride"), ntuple(dilation, nd, "dilation")
    groups = _groups(groups)
    channels = x.shape[1]
    if wshape[1] * groups != channels:
        raise ShapeError(f"{name}(): given groups={groups}, weight of size {wshape}, expected input of shape "
                         f"{tuple(x.shape)} to have {wshape[1] * groups} channels, but got {channels} channels")
    if wshape[0] % groups:
        raise ShapeError(f"{name}(): the {wshape[0]} output channels of the weight {wshape} are not divisible "
                         f"by groups={groups}")
    kernel = wshape[2:]
    pads = _conv_padding(padding, nd, kernel, stride, dilation)
    padded = tuple(n + lo + hi for n, (lo, hi) in zip(x.shape[2:], pads))
    reach = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
    if any(p < r for p, r in zip(padded, reach)):
        raise ShapeError(f"{name}(): the padded input {padded} per channel is smaller than the (dilated) kernel "
                         f"{reach}; the kernel can't be greater than the input")
    out = ops.conv(x, weight, stride=stride, padding=pads, dilation=dilation, groups=groups)
    return _unbatched(_add_bias(out, bias, name), added)


def conv1d(input: Any, weight: Any, bias: Any = None, stride: Any = 1, padding: Any = 0, dilation: Any = 1,
           groups: int = 1) -> Any:
    """1-D convolution (PyTorch's: a cross-correlation) of (N, C, L) input with an (O, C / groups, k) weight.

    ``padding`` may be a number, ``"valid"`` (none) or ``"same"`` (output as long as the input).

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.nn.functional import conv1d
    >>> conv1d(np.array([[[1.0, 2.0, 4.0, 8.0]]]), np.array([[[-1.0, 1.0]]])).tolist()
    [[[1.0, 2.0, 4.0]]]
    """
    return _conv(input, weight, bias, stride, padding, dilation, groups, 1, "conv1d")


def conv2d(input: Any, weight: Any, bias: Any = None, stride: Any = 1, padding: Any = 0, dilation: Any = 1,
           groups: int = 1) -> Any:
    """2-D convolution (a cross-correlation, as in PyTorch) of (N, C, H, W) input with an (O, C / groups, kh, kw)
    weight.

    Its gradient with respect to the input is a convolution too: of the
    output's gradient with the flipped kernel (``conv_transpose2d``).

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.nn.functional import conv2d
    >>> x = np.arange(9.0).reshape(1, 1, 3, 3)
    >>> conv2d(x, np.ones((1, 1, 2, 2))).tolist()
    [[[[8.0, 12.0], [20.0, 24.0]]]]
    >>> conv2d(x, np.ones((2, 1, 3, 3)), padding="same").shape
    (1, 2, 3, 3)
    """
    return _conv(input, weight, bias, stride, padding, dilation, groups, 2, "conv2d")


def conv3d(input: Any, weight: Any, bias: Any = None, stride: Any = 1, padding: Any = 0, dilation: Any = 1,
           groups: int = 1) -> Any:
    """3-D convolution of (N, C, D, H, W) input with an (O, C / groups, kd, kh, kw) weight.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.nn.functional import conv3d
    >>> conv3d(np.ones((1, 1, 3, 3, 3)), np.ones((1, 1, 2, 2, 2))).shape
    (1, 1, 2, 2, 2)
    """
    return _conv(input, weight, bias, stride, padding, dilation, groups, 3, "conv3d")


def transposed_size(size: tuple, kernel: tuple, stride: tuple, padding: tuple, output_padding: tuple,
                    dilation: tuple) -> tuple[int, ...]:
    """The spatial size a transposed convolution produces: ``(n - 1) s - 2 p + d (k - 1) + output_padding + 1``.

    Example
    -------
    >>> from diffkit.nn.functional_conv import transposed_size
    >>> transposed_size((4,), (3,), (2,), (1,), (1,), (1,))
    (8,)
    """
    return tuple((n - 1) * s - 2 * p + d * (k - 1) + op + 1
                 for n, k, s, p, op, d in zip(size, kernel, stride, padding, output_padding, dilation))


def _conv_transpose(input, weight, bias, stride, padding, output_padding, groups, dilation, nd, name):
    x, added = _batched(input, nd, name)
    wshape = _check_weight(weight, nd, name)
    stride, dilation = ntuple(stride, nd, "stride"), ntuple(dilation, nd, "dilation")
    pads = ntuple(padding, nd, "padding", minimum=0)
    extra = ntuple(output_padding, nd, "output_padding", minimum=0)
    groups = _groups(groups)
    if x.shape[1] != wshape[0] or wshape[0] % groups:
        raise ShapeError(f"{name}(): given groups={groups}, weight of size {wshape} (in_channels, out_channels / "
                         f"groups, *kernel), expected input of shape {tuple(x.shape)} to have {wshape[0]} channels, "
                         f"divisible by groups")
    if any(op >= s and op >= d for op, s, d in zip(extra, stride, dilation)):
        raise ArgumentError(f"{name}(): output padding must be smaller than either stride or dilation, but got "
                            f"output_padding={extra}, stride={stride}, dilation={dilation}")
    size = transposed_size(tuple(x.shape[2:]), wshape[2:], stride, pads, extra, dilation)
    if any(n < 1 for n in size):
        raise ShapeError(f"{name}(): the output size {size} is too small (input {tuple(x.shape)}, kernel "
                         f"{wshape[2:]}, padding {pads})")
    out = ops.conv_transpose(x, weight, size=size, stride=stride, padding=tuple((p, p) for p in pads),
                             dilation=dilation, groups=groups)
    return _unbatched(_add_bias(out, bias, name), added)


def conv_transpose1d(input: Any, weight: Any, bias: Any = None, stride: Any = 1, padding: Any = 0,
                     output_padding: Any = 0, groups: int = 1, dilation: Any = 1) -> Any:
    """1-D transposed convolution ("deconvolution"): the gradient of ``conv1d`` with respect to its input.

    ``weight`` is (in_channels, out_channels / groups, k), as in PyTorch.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.nn.functional import conv_transpose1d
    >>> conv_transpose1d(np.array([[[1.0, 2.0]]]), np.array([[[1.0, 1.0, 1.0]]]), stride=2).tolist()
    [[[1.0, 1.0, 3.0, 2.0, 2.0]]]
    """
    return _conv_transpose(input, weight, bias, stride, padding, output_padding, groups, dilation, 1,
                           "conv_transpose1d")


def conv_transpose2d(input: Any, weight: Any, bias: Any = None, stride: Any = 1, padding: Any = 0,
                     output_padding: Any = 0, groups: int = 1, dilation: Any = 1) -> Any:
    """2-D transposed convolution: every input entry spreads a copy of the kernel, scaled, into the output.

    ``weight`` is (in_channels, out_channels / groups, kh, kw), as in PyTorch.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.nn.functional import conv_transpose2d
    >>> conv_transpose2d(np.ones((1, 1, 2, 2)), np.ones((1, 1, 2, 2))).tolist()
    [[[[1.0, 2.0, 1.0], [2.0, 4.0, 2.0], [1.0, 2.0, 1.0]]]]
    """
    return _conv_transpose(input, weight, bias, stride, padding, output_padding, groups, dilation, 2,
                           "conv_transpose2d")


def conv_transpose3d(input: Any, weight: Any, bias: Any = None, stride: Any = 1, padding: Any = 0,
                     output_padding: Any = 0, groups: int = 1, dilation: Any = 1) -> Any:
    """3-D transposed convolution; ``weight`` is (in_channels, out_channels / groups, kd, kh, kw).

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.nn.functional import conv_transpose3d
    >>> conv_transpose3d(np.ones((1, 1, 2, 2, 2)), np.ones((1, 1, 2, 2, 2))).shape
    (1, 1, 3, 3, 3)
    """
    return _conv_transpose(input, weight, bias, stride, padding, output_padding, groups, dilation, 3,
                           "conv_transpose3d")


# ----------------------------------------------------------------------------- pooling

def _pool_options(input, kernel_size, stride, padding, dilation, ceil_mode, nd, name):
    x, added = _batched(input, nd, name)
    if getattr(getattr(_raw(x), "dtype", None), "kind", "f") not in "fc":
        raise ArgumentTypeError(f"{name}() needs floating-point input, got dtype {_raw(x).dtype}")
    kernel = ntuple(kernel_size, nd, "kernel_size")
    stride = kernel if stride is None or (isinstance(stride, (tuple, list)) and not stride) \
        else ntuple(stride, nd, "stride")
    pads = ntuple(padding, nd, "padding", minimum=0)
    dilation = ntuple(dilation, nd, "dilation")
    for p, k, d in zip(pads, kernel, dilation):
        if 2 * p > d * (k - 1) + 1:
            raise ArgumentError(f"{name}(): pad should be at most half of effective kernel size, but got pad={p}, "
                                f"kernel_size={k} and dilation={d}")
    out_shape, _ = pool_geometry(tuple(x.shape[2:]), kernel, stride, pads, dilation, bool(ceil_mode))
    if any(n < 1 for n in out_shape):
        raise ShapeError(f"{name}(): given input of shape {tuple(x.shape)}, the output size {out_shape} is too small")
    return x, added, kernel, stride, pads, dilation


def _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, nd, name):
    x, added, kernel, stride, pads, dilation = _pool_options(input, kernel_size, stride, padding, dilation, ceil_mode,
                                                             nd, name)
    out = ops.max_pool(x, kernel_size=kernel, stride=stride, padding=pads, dilation=dilation,
                       ceil_mode=bool(ceil_mode))
    if not return_indices:
        return _unbatched(out, added)
    raw = _raw(x)
    index = max_pool_indices(namespace_of(raw), raw, kernel, stride, pads, dilation, bool(ceil_mode))
    index = Tensor(index) if isinstance(input, Tensor) else index
    return _unbatched(out, added), _unbatched(index, added)


def max_pool1d(input: Any, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
               ceil_mode: bool = False, return_indices: bool = False) -> Any:
    """Maximum over windows along the last axis of (N, C, L) input; ``stride`` defaults to ``kernel_size``.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.nn.functional import max_pool1d
    >>> max_pool1d(np.array([[[1.0, 3.0, 2.0, 5.0, 4.0]]]), 2).tolist()
    [[[3.0, 5.0]]]
    """
    return _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, 1, "max_pool1d")


def max_pool2d(input: Any, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
               ceil_mode: bool = False, return_indices: bool = False) -> Any:
    """Maximum over windows of (N, C, H, W) input; the gradient goes to each window's first maximum.

    With ``return_indices`` also the position of each maximum in its (H, W)
    plane, flattened (PyTorch's indices).

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.nn.functional import max_pool2d
    >>> x = np.array([[[[1.0, 2.0], [4.0, 3.0]]]])
    >>> values, where = max_pool2d(x, 2, return_indices=True)
    >>> values.tolist(), where.tolist()
    ([[[[4.0]]]], [[[[2]]]])
    """
    return _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, 2, "max_pool2d")


def _avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override, nd, name):
    x, added, kernel, stride, pads, _ = _pool_options(input, kernel_size, stride, padding, 1, ceil_mode, nd, name)
    if divisor_override is not None and (isinstance(divisor_override, bool) or divisor_override == 0):
        raise ArgumentError(f"{name}(): divisor_override must be a nonzero number, got {divisor_override!r}")
    out = ops.avg_pool(x, kernel_size=kernel, stride=stride, padding=pads, ceil_mode=bool(ceil_mode),
                       count_include_pad=bool(count_include_pad), divisor_override=divisor_override)
    return _unbatched(out, added)


def avg_pool1d(input: Any, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
               count_include_pad: bool = True) -> Any:
    """Mean over windows along the last axis of (N, C, L) input.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.nn.functional import avg_pool1d
    >>> avg_pool1d(np.array([[[1.0, 3.0, 2.0, 6.0]]]), 2).tolist()
    [[[2.0, 4.0]]]
    """
    return _avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad, None, 1, "avg_pool1d")


def avg_pool2d(input: Any, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override: int | None = None) -> Any:
    """Mean over windows of (N, C, H, W) input, with PyTorch's divisors at the edges.

    ``count_include_pad`` counts the zero padding in the divisor;
    ``divisor_override`` divides every window's sum by that number instead.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.nn.functional import avg_pool2d
    >>> x = np.ones((1, 1, 2, 2))
    >>> avg_pool2d(x, 2, stride=1, padding=1).tolist()
    [[[[0.25, 0.5, 0.25], [0.5, 1.0, 0.5], [0.25, 0.5, 0.25]]]]
    >>> avg_pool2d(x, 2, stride=1, padding=1, count_include_pad=False).tolist()
    [[[[1.0, 1.0, 1.0], [1.0, 1.0, 1.0], [1.0, 1.0, 1.0]]]]
    """
    return _avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override, 2,
                     "avg_pool2d")


def _adaptive_windows(n: int, out: int) -> tuple[np.ndarray, np.ndarray]:
    """PyTorch's adaptive windows [floor(i n / out), ceil((i + 1) n / out)): an (out, n) 0/1 matrix, and their sizes."""
    start = (np.arange(out) * n) // out
    end = -((-(np.arange(out) + 1) * n) // out)
    j = np.arange(n)
    return ((j >= start[:, None]) & (j < end[:, None])).astype(np.float64), (end - start).astype(np.float64)


def _adaptive_avg_pool(input, output_size, nd, name):
    x, added = _batched(input, nd, name)
    size = tuple(x.shape[2:])
    wanted = tuple(output_size) if isinstance(output_size, (tuple, list)) else (output_size,) * nd
    if len(wanted) != nd:
        raise ArgumentError(f"{name}(): output_size must be one size or {nd}, got {output_size!r}")
    wanted = ntuple(tuple(n if o is None else o for n, o in zip(size, wanted)), nd, "output_size")
    dtype = _raw(x).dtype
    out = x
    for axis, (n, o) in enumerate(zip(size, wanted)):
        if n == o:
            continue
        member, count = _adaptive_windows(n, o)
        member, count = _constant_like(member.astype(dtype), x), _constant_like(count.astype(dtype), x)
        # sum each window, then divide by its size: PyTorch's rounding (a product with 1/size would differ)
        if axis == nd - 1:
            out = ops.matmul(out, ops.matrix_transpose(member)) / count
        else:  # move the axis last, pool it, move it back
            perm = list(range(nd + 2))
            perm[2 + axis], perm[-1] = perm[-1], perm[2 + axis]
            last = ops.transpose(out, axes=tuple(perm))
            out = ops.transpose(ops.matmul(last, ops.matrix_transpose(member)) / count, axes=tuple(perm))
    return _unbatched(out, added)


def adaptive_avg_pool1d(input: Any, output_size: Any) -> Any:
    """Mean over ``output_size`` windows that cover the last axis (PyTorch's window bounds).

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.nn.functional import adaptive_avg_pool1d
    >>> adaptive_avg_pool1d(np.array([[[1.0, 2.0, 3.0, 4.0, 5.0]]]), 2).tolist()
    [[[2.0, 4.0]]]
    """
    return _adaptive_avg_pool(input, output_size, 1, "adaptive_avg_pool1d")


def adaptive_avg_pool2d(input: Any, output_size: Any) -> Any:
    """Mean over an ``output_size`` grid of windows covering (H, W); ``None`` keeps that axis' size.

    ``adaptive_avg_pool2d(x, 1)`` is the global average pooling of a CNN's head.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.nn.functional import adaptive_avg_pool2d
    >>> adaptive_avg_pool2d(np.arange(16.0).reshape(1, 1, 4, 4), 1).tolist()
    [[[[7.5]]]]
    """
    return _adaptive_avg_pool(input, output_size, 2, "adaptive_avg_pool2d")
