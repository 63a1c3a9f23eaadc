"""Parameter initialisation with PyTorch's names and formulas, filled in place.

Each function takes a Tensor (or Parameter, or a plain array) and overwrites
its values without recording anything on the tape, then returns it. Random
draws come from ``generator=`` (a NumPy ``Generator`` or an integer seed) or,
by default, from the generator that ``dk.manual_seed`` reseeds.

The formulas (``gain`` from :func:`calculate_gain`; ``fan_in`` = columns times
receptive field, ``fan_out`` = rows times receptive field):

* ``xavier_uniform_``: U(-a, a), a = gain * sqrt(6 / (fan_in + fan_out))
* ``xavier_normal_``: N(0, std^2), std = gain * sqrt(2 / (fan_in + fan_out))
* ``kaiming_uniform_``: U(-b, b), b = gain * sqrt(3 / fan)
* ``kaiming_normal_``: N(0, std^2), std = gain / sqrt(fan)

Example
-------
>>> import numpy as np
>>> from diffkit.nn import init
>>> w = np.empty((30, 20))
>>> _ = init.kaiming_uniform_(w, a=np.sqrt(5), generator=0)
>>> bool(np.abs(w).max() <= 1 / np.sqrt(20))
True
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..ad.backend import device_of, to_device
from ..ad.grad_mode import no_grad
from ..ad.tensor import Tensor
from ..errors import ArgumentError, ArgumentTypeError
from .random import resolve_generator

__all__ = [
    "calculate_gain", "uniform_", "normal_", "zeros_", "ones_", "constant_", "xavier_uniform_",
    "xavier_normal_", "kaiming_uniform_", "kaiming_normal_",
]


def _array(tensor: Any) -> Any:
    return tensor._data if isinstance(tensor, Tensor) else tensor


def _fill(tensor: Any, values: Any) -> Any:
    arr = _array(tensor)
    if not hasattr(arr, "shape") or not hasattr(arr, "__setitem__"):
        raise ArgumentTypeError(f"nn.init fills a Tensor or an array in place, got {type(tensor).__name__}")
    values = to_device(np.asarray(values, dtype=arr.dtype), device_of(arr))
    if isinstance(tensor, Tensor):
        with no_grad():  # an in-place fill of a parameter is not part of any graph
            tensor.copy_(values)
    else:
        arr[...] = values
    return tensor


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The recommended gain for a nonlinearity (PyTorch's table).

    ``linear``, ``conv*``, ``sigmoid``: 1; ``tanh``: 5/3; ``relu``: sqrt(2);
    ``leaky_relu``: sqrt(2 / (1 + slope^2)) (slope ``param``, default 0.01);
    ``selu``: 3/4.

    Example
    -------
    >>> from diffkit.nn.init import calculate_gain
    >>> calculate_gain("tanh"), round(calculate_gain("relu"), 4)
    (1.6666666666666667, 1.4142)
    """
    linear = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
              "conv_transpose3d", "sigmoid")
    if nonlinearity in linear:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, int | float) and not isinstance(param, bool):
            slope = float(param)
        else:
            raise ArgumentError(f"negative_slope {param!r} is not a valid number")
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ArgumentError(f"unsupported nonlinearity {nonlinearity!r}; use one of linear, sigmoid, tanh, relu, "
                        "leaky_relu, selu")


def _fans(tensor: Any) -> tuple[int, int]:
    shape = tuple(_array(tensor).shape)
    if len(shape) < 2:
        raise ArgumentError(f"fan in and fan out need a tensor with at least 2 dimensions, got shape {shape}")
    receptive = math.prod(shape[2:])
    return shape[1] * receptive, shape[0] * receptive


def _fan(tensor: Any, mode: str) -> int:
    if mode not in ("fan_in", "fan_out"):
        raise ArgumentError(f"mode {mode!r} not supported, use 'fan_in' or 'fan_out'")
    fan_in, fan_out = _fans(tensor)
    return fan_in if mode == "fan_in" else fan_out


def uniform_(tensor: Any, a: float = 0.0, b: float = 1.0, generator: Any = None) -> Any:
    """Fill with draws from U(a, b).

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.nn.init import uniform_
    >>> w = uniform_(np.empty(1000), -2.0, 3.0, generator=0)
    >>> bool(w.min() >= -2 and w.max() < 3)
    True
    """
    shape = _array(tensor).shape
    return _fill(tensor, resolve_generator(generator).uniform(a, b, size=shape))


def normal_(tensor: Any, mean: float = 0.0, std: float = 1.0, generator: Any = None) -> Any:
    """Fill with draws from N(mean, std^2).

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.nn.init import normal_
    >>> w = normal_(np.empty(10000), 1.0, 0.5, generator=0)
    >>> round(float(w.mean()), 1), round(float(w.std()), 1)
    (1.0, 0.5)
    """
    shape = _array(tensor).shape
    return _fill(tensor, resolve_generator(generator).normal(mean, std, size=shape))


def constant_(tensor: Any, val: float) -> Any:
    """Fill with the value ``val``.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.nn.init import constant_
    >>> constant_(np.empty(3), 0.5).tolist()
    [0.5, 0.5, 0.5]
    """
    return _fill(tensor, np.full(_array(tensor).shape, val))


def zeros_(tensor: Any) -> Any:
    """Fill with zeros.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.nn.init import zeros_
    >>> zeros_(np.ones(2)).tolist()
    [0.0, 0.0]
    """
    return constant_(tensor, 0.0)


def ones_(tensor: Any) -> Any:
    """Fill with ones.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.nn.init import ones_
    >>> ones_(np.zeros(2)).tolist()
    [1.0, 1.0]
    """
    return constant_(tensor, 1.0)


def xavier_uniform_(tensor: Any, gain: float = 1.0, generator: Any = None) -> Any:
    """Glorot uniform: U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out)).

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.nn.init import xavier_uniform_
    >>> w = xavier_uniform_(np.empty((4, 2)), generator=0)
    >>> bool(np.abs(w).max() <= 1.0)
    True
    """
    fan_in, fan_out = _fans(tensor)
    a = gain * math.sqrt(6.0 / float(fan_in + fan_out))
    return uniform_(tensor, -a, a, generator=generator)


def xavier_normal_(tensor: Any, gain: float = 1.0, generator: Any = None) -> Any:
    """Glorot normal: N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out)).

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.nn.init import xavier_normal_
    >>> w = xavier_normal_(np.empty((300, 500)), generator=0)
    >>> round(float(w.std()), 3), round(float(np.sqrt(2 / 800)), 3)
    (0.05, 0.05)
    """
    fan_in, fan_out = _fans(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return normal_(tensor, 0.0, std, generator=generator)


def kaiming_uniform_(tensor: Any, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
                     generator: Any = None) -> Any:
    """He uniform: U(-b, b) with b = gain * sqrt(3 / fan); ``a`` is the leaky-ReLU slope.

    ``nn.Linear`` uses ``a = sqrt(5)``, which gives b = 1 / sqrt(fan_in).

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.nn.init import kaiming_uniform_
    >>> w = kaiming_uniform_(np.empty((100, 50)), nonlinearity="relu", generator=0)
    >>> bool(np.abs(w).max() <= np.sqrt(6 / 50))
    True
    """
    fan = _fan(tensor, mode)
    if fan == 0:
        return tensor  # PyTorch warns and leaves a zero-element tensor alone
    bound = math.sqrt(3.0) * calculate_gain(nonlinearity, a) / math.sqrt(fan)
    return uniform_(tensor, -bound, bound, generator=generator)


def kaiming_normal_(tensor: Any, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
                    generator: Any = None) -> Any:
    """He normal: N(0, std^2) with std = gain / sqrt(fan).

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.nn.init import kaiming_normal_
    >>> w = kaiming_normal_(np.empty((400, 200)), nonlinearity="relu", generator=0)
    >>> round(float(w.std()), 2)
    0.1
    """
    fan = _fan(tensor, mode)
    if fan == 0:
        return tensor
    std = calculate_gain(nonlinearity, a) / math.sqrt(fan)
    return normal_(tensor, 0.0, std, generator=generator)
