"""Loss modules with PyTorch's names, arguments and ``reduction=`` ("mean", "sum", "none").

Each is a thin Module around the function of the same job in
:mod:`diffkit.nn.functional`.

Example
-------
>>> import numpy as np
>>> import diffkit as dk
>>> from diffkit import nn
>>> loss_fn = nn.MSELoss()
>>> pred = dk.tensor([1.0, 2.0], requires_grad=True)
>>> loss = loss_fn(pred, np.array([0.0, 0.0], dtype=np.float32))
>>> loss.item()
2.5
>>> loss.backward(); pred.grad
tensor([1., 2.])
"""

from __future__ import annotations

from typing import Any

from . import functional as F
from .module import Module

__all__ = ["MSELoss", "L1Loss", "CrossEntropyLoss", "NLLLoss", "BCEWithLogitsLoss", "BCELoss"]


class _Loss(Module):
    def __init__(self, reduction: str = "mean"):
        super().__init__()
        F._check_reduction(reduction)
        self.reduction = reduction


class _WeightedLoss(_Loss):
    def __init__(self, weight: Any = None, reduction: str = "mean"):
        super().__init__(reduction)
        self.register_buffer("weight", weight)


class MSELoss(_Loss):
    """Mean squared error: mean of ``(input - target)^2`` (or sum, or elementwise).

    Example
    -------
    >>> import numpy as np
    >>> from diffkit import nn
    >>> float(nn.MSELoss(reduction="sum")(np.array([1.0, 3.0]), np.array([0.0, 0.0])))
    10.0
    """

    def forward(self, input: Any, target: Any) -> Any:
        return F.mse_loss(input, target, reduction=self.reduction)


class L1Loss(_Loss):
    """Mean absolute error: mean of ``|input - target|``.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit import nn
    >>> float(nn.L1Loss()(np.array([1.0, -3.0]), np.array([0.0, 0.0])))
    2.0
    """

    def forward(self, input: Any, target: Any) -> Any:
        return F.l1_loss(input, target, reduction=self.reduction)


class CrossEntropyLoss(_WeightedLoss):
    """Cross-entropy of logits (classes along axis 1) against class indices or class probabilities.

    ``log_softmax`` then picking the targets, so it is stable for any logits.
    See :func:`diffkit.nn.functional.cross_entropy` for the arguments.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit import nn
    >>> logits = np.array([[0.0, 0.0, 0.0]])
    >>> round(float(nn.CrossEntropyLoss()(logits, np.array([2]))), 4)     # log 3
    1.0986
    """

    def __init__(self, weight: Any = None, ignore_index: int = -100, reduction: str = "mean",
                 label_smoothing: float = 0.0):
        super().__init__(weight, reduction)
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input: Any, target: Any) -> Any:
        return F.cross_entropy(input, target, weight=self.weight, ignore_index=self.ignore_index,
                               reduction=self.reduction, label_smoothing=self.label_smoothing)


class NLLLoss(_WeightedLoss):
    """Negative log-likelihood of class indices from log-probabilities (pair it with ``LogSoftmax``).

    Example
    -------
    >>> import numpy as np
    >>> from diffkit import nn
    >>> logp = np.log(np.array([[0.25, 0.75]]))
    >>> round(float(nn.NLLLoss()(logp, np.array([1]))), 4)
    0.2877
    """

    def __init__(self, weight: Any = None, ignore_index: int = -100, reduction: str = "mean"):
        super().__init__(weight, reduction)
        self.ignore_index = ignore_index

    def forward(self, input: Any, target: Any) -> Any:
        return F.nll_loss(input, target, weight=self.weight, ignore_index=self.ignore_index,
                          reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Binary cross-entropy of logits, computed stably (sigmoid folded in).

    Example
    -------
    >>> import numpy as np
    >>> from diffkit import nn
    >>> round(float(nn.BCEWithLogitsLoss()(np.array([0.0]), np.array([1.0]))), 4)
    0.6931
    """

    def __init__(self, weight: Any = None, reduction: str = "mean", pos_weight: Any = None):
        super().__init__(reduction)
        self.register_buffer("weight", weight)
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, input: Any, target: Any) -> Any:
        return F.binary_cross_entropy_with_logits(input, target, weight=self.weight, reduction=self.reduction,
                                                  pos_weight=self.pos_weight)


class BCELoss(_WeightedLoss):
    """Binary cross-entropy of probabilities (logs clamped at -100); prefer ``BCEWithLogitsLoss``.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit import nn
    >>> round(float(nn.BCELoss()(np.array([0.5]), np.array([0.0]))), 4)
    0.6931
    """

    def forward(self, input: Any, target: Any) -> Any:
        return F.binary_cross_entropy(input, target, weight=self.weight, reduction=self.reduction)
