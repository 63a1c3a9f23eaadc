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

import numpy as np

from ..ad.backend import namespace_of
from ..ad.tensor import Tensor
from ..errors import ArgumentError
from . import functional as F
from .module import Module

__all__ = ["MSELoss", "L1Loss", "CrossEntropyLoss", "NLLLoss", "BCEWithLogitsLoss", "BCELoss", "HuberLoss",
           "SmoothL1Loss", "KLDivLoss", "CosineEmbeddingLoss", "MarginRankingLoss"]


class _Loss(Module):
    """PyTorch's ``_Loss``: a ``reduction``, or the deprecated ``size_average``/``reduce`` pair (with a warning)."""

    _reductions = F._REDUCTIONS

    def __init__(self, size_average: bool | None = None, reduce: bool | None = None, reduction: str = "mean"):
        super().__init__()
        reduction = F._legacy_reduction(size_average, reduce, reduction)
        if reduction not in self._reductions:
            raise ArgumentError(f"reduction={reduction!r} is not valid for {type(self).__name__}; use one of "
                                f"{', '.join(self._reductions)}")
        self.reduction = reduction


class _WeightedLoss(_Loss):
    def __init__(self, weight: Any = None, size_average: bool | None = None, reduce: bool | None = None,
                 reduction: str = "mean"):
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", _buffer(weight))


def _buffer(value: Any) -> Tensor | None:
    """A weight as a buffer: a Tensor (an array or list is wrapped, as PyTorch would need you to)."""
    if value is None or isinstance(value, Tensor):
        return value
    return Tensor(namespace_of(value).asarray(value) if hasattr(value, "shape") else np.asarray(value))


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

    def __init__(self, weight: Any = None, size_average: bool | None = None, ignore_index: int = -100,
                 reduce: bool | None = None, reduction: str = "mean", label_smoothing: float = 0.0):
        super().__init__(weight, size_average, reduce, reduction)
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

    def __init__(self, weight: Any = None, size_average: bool | None = None, ignore_index: int = -100,
                 reduce: bool | None = None, reduction: str = "mean"):
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index

    def forward(self, input: Any, target: Any) -> Any:
        return F.nll_loss(input, target, weight=self.weight, ignore_index=self.ignore_index,
                          reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Binary cross-entropy of logits, computed stably (sigmoid folded in; one node of the ops table).

    ``weight`` scales each element; ``pos_weight`` (one per class, broadcast
    along the last axis) scales the positive term: above 1 it buys recall,
    below 1 precision. Both are buffers, in ``state_dict`` as in PyTorch.
    See :func:`diffkit.nn.functional.binary_cross_entropy_with_logits`.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit import nn
    >>> round(float(nn.BCEWithLogitsLoss()(np.array([0.0]), np.array([1.0]))), 4)
    0.6931
    >>> loss = nn.BCEWithLogitsLoss(pos_weight=np.array([2.0, 1.0]))
    >>> list(loss.state_dict())
    ['pos_weight']
    """

    def __init__(self, weight: Any = None, size_average: bool | None = None, reduce: bool | None = None,
                 reduction: str = "mean", pos_weight: Any = None):
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", _buffer(weight))
        self.register_buffer("pos_weight", _buffer(pos_weight))

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


class HuberLoss(_Loss):
    """Huber loss: quadratic (``0.5 d^2``) for ``|d| < delta``, linear (``delta (|d| - delta / 2)``) beyond.

    See :func:`diffkit.nn.functional.huber_loss`.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit import nn
    >>> nn.HuberLoss(reduction="none", delta=1.0)(np.array([0.5, -4.0]), np.zeros(2)).tolist()
    [0.125, 3.5]
    """

    def __init__(self, reduction: str = "mean", delta: float = 1.0):
        super().__init__(reduction=reduction)
        self.delta = delta

    def forward(self, input: Any, target: Any) -> Any:
        return F.huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class SmoothL1Loss(_Loss):
    """Smooth L1 loss: ``0.5 d^2 / beta`` for ``|d| < beta``, ``|d| - beta / 2`` beyond (L1 when ``beta = 0``).

    See :func:`diffkit.nn.functional.smooth_l1_loss`.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit import nn
    >>> nn.SmoothL1Loss(reduction="none", beta=0.5)(np.array([0.25, -4.0]), np.zeros(2)).tolist()
    [0.0625, 3.75]
    """

    def __init__(self, size_average: bool | None = None, reduce: bool | None = None, reduction: str = "mean",
                 beta: float = 1.0):
        super().__init__(size_average, reduce, reduction)
        self.beta = beta

    def forward(self, input: Any, target: Any) -> Any:
        return F.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class KLDivLoss(_Loss):
    """Kullback-Leibler divergence of a target distribution from log-probabilities; use ``reduction="batchmean"``.

    See :func:`diffkit.nn.functional.kl_div` (``log_target=True`` takes log-probability targets).

    Example
    -------
    >>> import numpy as np
    >>> from diffkit import nn
    >>> kl = nn.KLDivLoss(reduction="batchmean")
    >>> round(float(kl(np.log(np.array([[0.9, 0.1]])), np.array([[0.5, 0.5]]))), 4)
    0.5108
    """

    _reductions = F._REDUCTIONS + ("batchmean",)

    def __init__(self, size_average: bool | None = None, reduce: bool | None = None, reduction: str = "mean",
                 log_target: bool = False):
        super().__init__(size_average, reduce, reduction)
        self.log_target = log_target

    def forward(self, input: Any, target: Any) -> Any:
        return F.kl_div(input, target, reduction=self.reduction, log_target=self.log_target)


class CosineEmbeddingLoss(_Loss):
    """``1 - cos(x1, x2)`` for target 1, ``max(0, cos(x1, x2) - margin)`` for target -1.

    See :func:`diffkit.nn.functional.cosine_embedding_loss`.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit import nn
    >>> a, b = np.array([[1.0, 0.0]]), np.array([[1.0, 1.0]])
    >>> round(float(nn.CosineEmbeddingLoss(margin=0.5)(a, b, np.array([-1]))), 4)
    0.2071
    """

    def __init__(self, margin: float = 0.0, size_average: bool | None = None, reduce: bool | None = None,
                 reduction: str = "mean"):
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input1: Any, input2: Any, target: Any) -> Any:
        return F.cosine_embedding_loss(input1, input2, target, margin=self.margin, reduction=self.reduction)


class MarginRankingLoss(_Loss):
    """``max(0, -target (x1 - x2) + margin)``: target 1 asks ``x1`` to beat ``x2`` by ``margin``.

    See :func:`diffkit.nn.functional.margin_ranking_loss`.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit import nn
    >>> float(nn.MarginRankingLoss(margin=0.5)(np.array([1.0]), np.array([0.75]), np.array([1.0])))
    0.25
    """

    def __init__(self, margin: float = 0.0, size_average: bool | None = None, reduce: bool | None = None,
                 reduction: str = "mean"):
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input1: Any, input2: Any, target: Any) -> Any:
        return F.margin_ranking_loss(input1, input2, target, margin=self.margin, reduction=self.reduction)
