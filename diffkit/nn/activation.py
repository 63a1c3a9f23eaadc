"""Smooth activation layers: ``GELU``, ``SiLU``, ``Softplus``, ``ELU``, as in PyTorch.

Example
-------
>>> import numpy as np
>>> from diffkit import nn
>>> nn.GELU(), nn.Softplus(), nn.ELU(alpha=0.5), nn.SiLU()
(GELU(approximate='none'), Softplus(beta=1.0, threshold=20.0), ELU(alpha=0.5), SiLU())
"""

from __future__ import annotations

from typing import Any

from ..errors import ArgumentError
from . import functional as F
from .module import Module

__all__ = ["GELU", "SiLU", "Softplus", "ELU"]


def _inplace(inplace: bool) -> str:
    return "inplace=True" if inplace else ""


class GELU(Module):
    """x Φ(x) with Φ the standard normal CDF; ``approximate="tanh"`` for the tanh approximation.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit import nn
    >>> nn.GELU()(np.array([0.0, 3.0])).round(5).tolist()
    [0.0, 2.99595]
    """

    def __init__(self, approximate: str = "none"):
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ArgumentError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, input: Any) -> Any:
        return F.gelu(input, approximate=self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class SiLU(Module):
    """x σ(x), also called swish.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit import nn
    >>> nn.SiLU()(np.array([0.0, 1.0])).round(5).tolist()
    [0.0, 0.73106]
    """

    def __init__(self, inplace: bool = False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Any) -> Any:
        return F.silu(input)

    def extra_repr(self) -> str:
        return _inplace(self.inplace)


class Softplus(Module):
    """log(1 + exp(βx)) / β, a smooth ReLU; x itself above ``threshold / β``.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit import nn
    >>> nn.Softplus(beta=2)(np.array([0.0])).round(5).tolist()
    [0.34657]
    """

    def __init__(self, beta: float = 1.0, threshold: float = 20.0):
        super().__init__()
        self.beta = beta
        self.threshold = threshold

    def forward(self, input: Any) -> Any:
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class ELU(Module):
    """x for x > 0, else α (exp(x) - 1).

    Example
    -------
    >>> import numpy as np
    >>> from diffkit import nn
    >>> nn.ELU()(np.array([-1.0, 1.0])).round(5).tolist()
    [-0.63212, 1.0]
    """

    def __init__(self, alpha: float = 1.0, inplace: bool = False):
        super().__init__()
        self.alpha = alpha
        self.inplace = inplace

    def forward(self, input: Any) -> Any:
        return F.elu(input, self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")
