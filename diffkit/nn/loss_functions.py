"""The robust, divergence and embedding losses of ``nn.functional``: PyTorch's names, formulas and edge cases.

``huber_loss``, ``smooth_l1_loss``, ``kl_div``, ``cosine_embedding_loss`` and
``margin_ranking_loss``, composed from ops of the ops table (so their gradients
come from the table's rules), re-exported by :mod:`diffkit.nn.functional`.
Each follows PyTorch's forward formula term by term, so values agree to
rounding, and its kinks take PyTorch's side: the Huber and smooth-L1 slopes are
``delta * sign(d)`` and ``sign(d)`` from ``|d| = delta`` (``beta``) on, and a
hinge ``max(v, 0)`` passes the gradient at ``v = 0`` (``clamp_min``'s rule).

Example
-------
>>> import numpy as np
>>> from diffkit.nn import functional as F
>>> F.huber_loss(np.array([0.5, 3.0]), np.zeros(2), reduction="none").tolist()     # 0.5 d^2, then |d| - 0.5
[0.125, 2.5]
>>> float(F.margin_ranking_loss(np.array([1.0]), np.array([2.0]), np.array([1.0]), margin=0.5))
1.5
"""

from __future__ import annotations

import warnings
from typing import Any

from ..ad.backend import namespace_of
from ..ad.tensor import Tensor
from ..errors import ArgumentError, ShapeError
from ..expr import ops
from .functional import _check_reduction, _legacy_reduction, _raw, _reduce, _shape, _target_like, _warn_broadcast
from .runtime_errors import ArgumentRuntimeError, ShapeRuntimeError

__all__ = ["huber_loss", "smooth_l1_loss", "kl_div", "cosine_embedding_loss", "margin_ranking_loss"]

# cosine_embedding_loss adds this to each squared norm, as PyTorch does, so a zero vector gives cos = 0
_COSINE_EPS = 1e-12


def huber_loss(input: Any, target: Any, reduction: str = "mean", delta: float = 1.0, weight: Any = None) -> Any:
    """Huber loss: ``0.5 d^2`` where ``|d| < delta``, else ``delta (|d| - 0.5 delta)``, with ``d = input - target``.

    Quadratic near zero and linear in the tails, so outliers pull with a
    bounded force ``delta``. ``weight`` (of the input's shape) scales each
    element before the reduction.

    Parameters
    ----------
    input, target : Tensor or array
        Of the same shape (a different shape broadcasts, with a warning).
    reduction : {"mean", "sum", "none"}
    delta : float, default 1.0
        Where the loss turns from quadratic to linear; must be positive.
    weight : Tensor or array, optional

    Example
    -------
    >>> import numpy as np
    >>> import diffkit as dk
    >>> from diffkit.nn import functional as F
    >>> x = dk.tensor([0.5, -3.0], requires_grad=True)
    >>> F.huber_loss(x, np.zeros(2), reduction="sum", delta=2.0).backward()
    >>> x.grad                      # d inside, delta * sign(d) outside
    tensor([ 0.5, -2. ])
    """
    _check_reduction(reduction)
    if not delta > 0:
        raise ArgumentRuntimeError(f"huber_loss does not support non-positive values for delta (got {delta})")
    _warn_broadcast("huber_loss", input, target)
    d = input - _target_like(target, input)
    xp = namespace_of(_raw(d))
    inside = xp.abs(_raw(d)) < delta
    loss = ops.where(inside, 0.5 * ops.square(d), delta * (ops.abs(d) - 0.5 * delta))
    if weight is not None:
        if _shape(weight) != _shape(input):
            raise ShapeError(f"Weights and input must have the same size: weight {_shape(weight)}, "
                             f"input {_shape(input)}")
        loss = loss * _target_like(weight, input)
    return _reduce(loss, reduction)


def smooth_l1_loss(input: Any, target: Any, size_average: bool | None = None, reduce: bool | None = None,
                   reduction: str = "mean", beta: float = 1.0) -> Any:
    """Smooth L1 loss: ``0.5 d^2 / beta`` where ``|d| < beta``, else ``|d| - 0.5 beta``.

    The Huber loss divided by ``beta`` (slope 1 in the tails); ``beta = 0`` is
    the L1 loss. ``size_average`` and ``reduce`` are PyTorch's deprecated
    spelling of ``reduction`` (with its warning).

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.nn import functional as F
    >>> F.smooth_l1_loss(np.array([0.5, 3.0]), np.zeros(2), reduction="none", beta=2.0).tolist()
    [0.0625, 2.0]
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if beta < 0:
        raise ArgumentRuntimeError(f"smooth_l1_loss does not support negative values for beta (got {beta})")
    _warn_broadcast("smooth_l1_loss", input, target)
    d = input - _target_like(target, input)
    if beta == 0.0:
        return _reduce(ops.abs(d), reduction)
    xp = namespace_of(_raw(d))
    inside = xp.abs(_raw(d)) < beta
    loss = ops.where(inside, 0.5 * ops.square(d) / beta, ops.abs(d) - 0.5 * beta)
    return _reduce(loss, reduction)


def _xlogx(t: Any) -> Any:
    """``t log t`` with ``0 log 0 = 0`` (a negative ``t`` gives nan with NumPy's warning)."""
    raw = _raw(t)
    xp = namespace_of(raw)
    zero = raw == 0
    if isinstance(t, Tensor) and t.requires_grad:
        return t * ops.log(ops.where(zero, 1.0, t))
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "divide by zero", RuntimeWarning)
        return xp.where(zero, 0.0, raw * xp.log(xp.where(zero, 1.0, raw)))


def kl_div(input: Any, target: Any, size_average: bool | None = None, reduce: bool | None = None,
           reduction: str = "mean", log_target: bool = False) -> Any:
    """Kullback-Leibler divergence ``sum t (log t - input)`` of a target distribution from log-probabilities ``input``.

    ``input`` holds log-probabilities (e.g. ``log_softmax``); ``target`` holds
    probabilities, or log-probabilities with ``log_target=True`` (then the term
    is ``exp(t) (t - input)``). ``0 log 0`` counts as 0.

    ``reduction="batchmean"`` divides the sum by the batch size (the first
    axis): that is the KL divergence per sample. ``"mean"`` divides by the
    number of elements, and warns as PyTorch does, since that is rarely meant.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.nn import functional as F
    >>> p, q = np.array([[0.5, 0.5]]), np.array([[0.9, 0.1]])
    >>> round(float(F.kl_div(np.log(q), p, reduction="batchmean")), 4)   # KL(p || q)
    0.5108
    >>> round(float(F.kl_div(np.log(q), np.log(p), reduction="sum", log_target=True)), 4)
    0.5108
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if reduction == "mean":
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the support size. "
                      "'batchmean' divides only by the batch size, and aligns with the KL div math definition. "
                      "'mean' will be changed to behave the same as 'batchmean' in the next major release "
                      "of PyTorch.", UserWarning, stacklevel=2)
    elif reduction != "batchmean":
        _check_reduction(reduction)
    t = _target_like(target, input)
    if log_target:
        loss = ops.exp(t) * (t - input)
    else:
        loss = _xlogx(t) - t * input
    if reduction == "batchmean":
        total = ops.sum(loss)
        return total / _shape(input)[0] if _shape(input) else total
    return _reduce(loss, reduction)


def cosine_embedding_loss(input1: Any, input2: Any, target: Any, margin: float = 0.0,
                          size_average: bool | None = None, reduce: bool | None = None,
                          reduction: str = "mean") -> Any:
    """Pull pairs together (target 1) or push them apart (target -1) by their cosine similarity.

    Per pair: ``1 - cos(x1, x2)`` where the target is 1, ``max(0, cos(x1, x2) -
    margin)`` where it is -1, and 0 for any other target value. Pairs are the
    rows of (N, D) inputs with an (N,) target, or two (D,) vectors with a 0-d
    target. Each squared norm gets 1e-12 added (PyTorch's guard), so a zero
    vector has cosine 0.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.nn import functional as F
    >>> a = np.array([[1.0, 0.0], [1.0, 0.0]])
    >>> b = np.array([[0.0, 1.0], [1.0, 1.0]])
    >>> F.cosine_embedding_loss(a, b, np.array([1, -1]), reduction="none").round(4).tolist()
    [1.0, 0.7071]
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    t = _raw(target)
    t_ndim = len(_shape(t))
    s1, s2 = _shape(input1), _shape(input2)
    if t_ndim not in (0, 1):
        raise ShapeRuntimeError(f"0D or 1D target tensor expected, multi-target not supported (target shape "
                                f"{_shape(t)})")
    want = 2 if t_ndim == 1 else 1
    if len(s1) != want or len(s2) != want:
        raise ShapeRuntimeError(f"{t_ndim}D target tensor expects {want}D input tensors, but found inputs with "
                                f"sizes {s1} and {s2}")
    if s1 != s2 or (t_ndim == 1 and _shape(t)[0] != s1[0]):
        raise ShapeRuntimeError(f"cosine_embedding_loss needs inputs of one shape and one target per pair: input1 "
                                f"{s1}, input2 {s2}, target {_shape(t)}")
    axis = t_ndim
    prod = ops.sum(input1 * input2, axis=axis)
    norm1 = ops.sum(input1 * input1, axis=axis) + _COSINE_EPS
    norm2 = ops.sum(input2 * input2, axis=axis) + _COSINE_EPS
    cos = prod / ops.sqrt(norm1 * norm2)
    xp = namespace_of(_raw(cos))
    t = xp.asarray(t)
    loss = ops.where(t == 1, 1.0 - cos, 0.0) + ops.where(t == -1, ops.clip(cos - margin, lo=0.0), 0.0)
    return _reduce(loss, reduction)


def margin_ranking_loss(input1: Any, input2: Any, target: Any, margin: float = 0.0,
                        size_average: bool | None = None, reduce: bool | None = None,
                        reduction: str = "mean") -> Any:
    """Ranking hinge ``max(0, -target (input1 - input2) + margin)``: target 1 wants input1 ranked higher.

    The three arguments must have the same number of dimensions (they broadcast).

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.nn import functional as F
    >>> F.margin_ranking_loss(np.array([3.0, 1.0]), np.array([1.0, 3.0]), np.array([1.0, 1.0]),
    ...                       margin=1.0, reduction="none").tolist()
    [0.0, 3.0]
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    dims = {len(_shape(input1)), len(_shape(input2)), len(_shape(target))}
    if len(dims) != 1:
        raise ShapeRuntimeError(f"margin_ranking_loss : All input tensors should have same dimension but got sizes: "
                                f"input1: {_shape(input1)}, input2: {_shape(input2)}, target: {_shape(target)}")
    if not isinstance(margin, int | float) or isinstance(margin, bool):
        raise ArgumentError(f"margin must be a number, got {margin!r}")
    t = _target_like(target, input1)
    return _reduce(ops.clip(-t * (input1 - input2) + margin, lo=0.0), reduction)
