"""``nn.functional``'s smooth activations: GELU, SiLU, Softplus and ELU, as PyTorch defines them.

Each is the ops table's ``gelu``, ``silu``, ``softplus`` or ``expm1`` (accurate
in both tails, with exact derivative rules) plus PyTorch's options: GELU's tanh
approximation, Softplus's ``beta`` and ``threshold``, ELU's ``alpha``; a
branch not taken never leaks nan or inf into the gradient.

Example
-------
>>> import numpy as np
>>> from diffkit.nn import functional as F
>>> F.softplus(np.array([-40.0, 0.0, 40.0])).tolist()          # exp(-40), log 2, 40: no digit lost
[4.248354255291589e-18, 0.6931471805599453, 40.0]
"""

from __future__ import annotations

import math
from typing import Any

from ..ad.tensor import Tensor
from ..errors import ArgumentError
from ..expr import ops

__all__ = ["gelu", "silu", "softplus", "elu"]


def _raw(x: Any) -> Any:
    return x._data if isinstance(x, Tensor) else x


def gelu(input: Any, approximate: str = "none") -> Any:
    """x Φ(x), Φ the standard normal CDF; ``approximate="tanh"`` gives PyTorch's tanh approximation.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.nn.functional import gelu
    >>> gelu(np.array([-1.0, 0.0, 1.0])).round(6).tolist()
    [-0.158655, 0.0, 0.841345]
    >>> gelu(np.array([1.0]), approximate="tanh").round(6).tolist()
    [0.841192]
    """
    if approximate not in ("none", "tanh"):
        raise ArgumentError(f"gelu(): approximate must be 'none' or 'tanh', got {approximate!r}")
    if approximate == "tanh":
        inner = math.sqrt(2.0 / math.pi) * (input + 0.044715 * (input * input * input))
        return 0.5 * input * (1.0 + ops.tanh(inner))
    return ops.gelu(input)


def silu(input: Any, inplace: bool = False) -> Any:
    """x σ(x) (the swish). ``inplace`` is accepted for compatibility; it computes out of place.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.nn.functional import silu
    >>> silu(np.array([0.0, 2.0])).round(6).tolist()
    [0.0, 1.761594]
    """
    return ops.silu(input)


def softplus(input: Any, beta: float = 1.0, threshold: float = 20.0) -> Any:
    """log(1 + exp(βx)) / β, and x itself where βx > ``threshold`` (as PyTorch).

    Computed as ``max(z, 0) + log1p(exp(-|z|))``, exactly for small values and
    without overflow for large ones; the derivative is σ(βx) everywhere,
    1/2 at 0.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.nn.functional import softplus
    >>> softplus(np.array([0.0, 1.0]), beta=2.0).round(6).tolist()
    [0.346574, 1.063464]
    """
    z = input if beta == 1.0 else input * float(beta)
    smooth = ops.softplus(z) if beta == 1.0 else ops.softplus(z) / float(beta)
    return ops.where(ops.greater(_raw(z), threshold), input, smooth)


def elu(input: Any, alpha: float = 1.0, inplace: bool = False) -> Any:
    """x for x > 0, else α (exp(x) - 1), with exp(x) - 1 computed without cancellation near 0.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.nn.functional import elu
    >>> elu(np.array([-1.0, 2.0])).round(6).tolist()
    [-0.632121, 2.0]
    >>> float(elu(np.array([-1e-10]))[0] / np.expm1(-1e-10))     # all digits, where exp(x) - 1 keeps six
    1.0
    """
    positive = ops.greater(_raw(input), 0.0)
    neg = ops.where(positive, 0.0, input)  # expm1 never sees the positive side: no overflow to leak
    return ops.where(positive, input, alpha * ops.expm1(neg))
