"""``nn.functional``'s smooth activations: GELU, SiLU, Softplus and ELU, as PyTorch defines them.

For now each is composed from ops of the table, written so that its
derivative comes out accurate (no ``log(1 + tiny)``, no kink where the
function is smooth, no nan leaking from an unused branch). Once the table
has ``gelu``, ``silu``, ``softplus`` and ``erf`` of its own, each function
here switches to it by the one line marked ``switch``.

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

_SQRT_HALF = math.sqrt(0.5)
_TAYLOR_TERMS = 40  # erf's series to |z| = 2.5: 3e-15 absolute
_CF_TERMS = 40  # erfc's continued fraction from |z| = 2.5: 4e-15 relative
_SPLIT = 2.5
_ERF_SERIES = tuple((-1) ** k / (math.factorial(k) * (2 * k + 1)) for k in range(_TAYLOR_TERMS + 1))


def _raw(x: Any) -> Any:
    return x._data if isinstance(x, Tensor) else x


def _log1p(e: Any) -> Any:
    """log(1 + e) for 0 <= e <= 1 without losing e to the rounding of 1 + e.

    ``u = 1 + e`` rounds by ``c = (u - 1) - e`` exactly (Fast2Sum), so
    ``log(1 + e) = log(u - c) = log(u) - c / u`` to within c²; and as ``c``
    has derivative exactly 0, the derivative is ``1/u + c/u²`` = 1/(1 + e).
    """
    u = 1.0 + e
    c = (u - 1.0) - e
    return ops.log(u) - c / u


def _erfc(z: Any) -> Any:
    """1 - erf(z), accurate in both tails: erf's Taylor series inside |z| <= 2.5, the continued fraction
    of erfc outside. Temporary, until the table has ``erf`` (switch: ``1.0 - ops.erf(z)``)."""
    near = ops.clip(z, lo=-_SPLIT, hi=_SPLIT)  # each branch sees only its own range: no overflow to leak
    y = near * near
    series = _ERF_SERIES[-1]
    for a in reversed(_ERF_SERIES[:-1]):
        series = series * y + a
    inner = 1.0 - (2.0 / math.sqrt(math.pi)) * near * series
    x = ops.maximum(ops.abs(z), _SPLIT)
    t = x
    for k in range(_CF_TERMS, 0, -1):
        t = x + (0.5 * k) / t
    tail = ops.exp(-(x * x)) / (math.sqrt(math.pi) * t)  # erfc(|z|)
    outer = ops.where(ops.greater(_raw(z), 0.0), tail, 2.0 - tail)
    return ops.where(ops.less_equal(ops.abs(_raw(z)), _SPLIT), inner, outer)


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
    # switch: return ops.gelu(input, approximate=approximate)
    if approximate == "tanh":
        inner = math.sqrt(2.0 / math.pi) * (input + 0.044715 * (input * input * input))
        return 0.5 * input * (1.0 + ops.tanh(inner))
    return input * (0.5 * _erfc(input * -_SQRT_HALF))


def silu(input: Any, inplace: bool = False) -> Any:
    """x σ(x) (the swish). ``inplace`` is accepted for compatibility; it computes out of place.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.nn.functional import silu
    >>> silu(np.array([0.0, 2.0])).round(6).tolist()
    [0.0, 1.761594]
    """
    # switch: return ops.silu(input)
    return input * ops.sigmoid(input)


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
    # switch: return ops.softplus(input, beta=beta, threshold=threshold)
    z = input if beta == 1.0 else input * float(beta)
    hi, lo = ops.maximum(z, 0.0), ops.minimum(z, 0.0)  # each takes half the slope at 0, as σ(0) = 1/2 wants
    smooth = hi + _log1p(ops.exp(lo - hi))
    if beta != 1.0:
        smooth = smooth / float(beta)
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
    neg = ops.where(positive, 0.0, input)  # exp() never sees the positive side: no overflow to leak
    u = ops.exp(neg)
    one = ops.equal(_raw(u), 1.0)
    # Kahan's expm1: (u - 1) x / log u, exact where u rounds to 1
    expm1 = ops.where(one, neg, (u - 1.0) * neg / ops.log(ops.where(one, math.e, u)))
    return ops.where(positive, input, alpha * expm1)
