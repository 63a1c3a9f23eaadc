"""Gradient clipping: ``clip_grad_norm_``, ``clip_grad_value_``, ``get_total_norm``, ``clip_grads_with_norm_``.

PyTorch's definitions: the total norm is the norm of the per-tensor norms
(for ``norm_type=2``, of all gradient entries together), the scale is
``max_norm / (total + 1e-6)`` clamped at 1, and every gradient is multiplied by
it in place (also when it is 1, so a non-finite norm spreads, as in PyTorch,
unless ``error_if_nonfinite`` stops it).

Example
-------
>>> import diffkit as dk
>>> from diffkit.nn.utils import clip_grad_norm_
>>> w = dk.tensor([3.0, 4.0], requires_grad=True)
>>> (w * w).sum().backward()                     # grad (6, 8), norm 10
>>> clip_grad_norm_([w], max_norm=5.0).item(), [round(g, 5) for g in w.grad.tolist()]
(10.0, [3.0, 4.0])
"""

from __future__ import annotations

import math
import types
import warnings
from collections.abc import Iterable
from typing import Any

from ...ad.backend import namespace_of, to_device
from ...ad.grad_mode import no_grad
from ...ad.tensor import Tensor
from ...errors import ArgumentTypeError, GradientError

__all__ = ["clip_grad_norm_", "clip_grad_norm", "clip_grad_value_", "get_total_norm", "clip_grads_with_norm_"]


def _tensors(parameters: Tensor | Iterable[Tensor], what: str) -> list[Tensor]:
    if isinstance(parameters, Tensor):
        return [parameters]
    generator = isinstance(parameters, types.GeneratorType)
    out = list(parameters)
    if generator and not out:
        warnings.warn(f"`{what}` is an empty generator, no gradient clipping will occur.", UserWarning, stacklevel=3)
    for p in out:
        if not isinstance(p, Tensor):
            raise ArgumentTypeError(f"expected Tensors in `{what}`, got {type(p).__name__}")
    return out


def _vector_norm(xp: Any, a: Any, p: float) -> Any:
    """The ``p``-norm of all entries of ``a`` (PyTorch's ``linalg.vector_norm``: 0 counts, +-inf max/min)."""
    mag = xp.abs(a)
    if p == math.inf:
        return xp.max(mag) if a.size else xp.zeros((), dtype=a.dtype)
    if p == -math.inf:
        return xp.min(mag) if a.size else xp.asarray(math.inf, dtype=a.dtype)
    if p == 0:
        return xp.sum(mag != 0).astype(a.dtype)
    if p == 1:
        return xp.sum(mag)
    if p == 2:
        return xp.sqrt(xp.sum(mag * mag))
    return xp.sum(mag**p) ** (1.0 / p)


def get_total_norm(tensors: Tensor | Iterable[Tensor], norm_type: float = 2.0, error_if_nonfinite: bool = False,
                   foreach: bool | None = None) -> Tensor:
    """The ``norm_type``-norm of the norms of ``tensors`` (as if they were one vector, for finite ``p``).

    Parameters
    ----------
    tensors : Tensor or iterable of Tensor
        Usually ``[p.grad for p in model.parameters()]``.
    norm_type : float, default 2
        Any ``p``, ``inf`` (the largest magnitude) or ``0`` (PyTorch's count).
    error_if_nonfinite : bool, default False
        Raise :class:`~diffkit.GradientError` (a ``RuntimeError``) if the norm is nan or inf.
    foreach : bool, optional
        PyTorch's implementation switch; accepted, no effect.

    Returns
    -------
    Tensor
        0-d, in the dtype of the tensors (float32 ``0.0`` for none).

    Example
    -------
    >>> import diffkit as dk
    >>> from diffkit.nn.utils import get_total_norm
    >>> get_total_norm([dk.tensor([3.0]), dk.tensor([4.0])]).item()
    5.0
    >>> get_total_norm([dk.tensor([3.0]), dk.tensor([-4.0])], norm_type="inf").item()
    4.0
    """
    items = _tensors(tensors, "tensors")
    p = float(norm_type)
    if not items:
        return Tensor(namespace_of(None).zeros((), dtype="float32"))
    xp = items[0].xp
    device = items[0].device
    norms = [to_device(_vector_norm(x.xp, x._data, p), device) for x in items]
    total = _vector_norm(xp, xp.stack([xp.asarray(n) for n in norms]), p)
    if error_if_nonfinite and not bool(xp.isfinite(total)):
        raise GradientError(f"The total norm of order {p} for gradients from `parameters` is non-finite, so it cannot "
                            "be clipped. To disable this error and scale the gradients by the non-finite norm anyway, "
                            "set `error_if_nonfinite=False`")
    return Tensor(total)


def clip_grads_with_norm_(parameters: Tensor | Iterable[Tensor], max_norm: float, total_norm: Any,
                          foreach: bool | None = None) -> None:
    """Scale the gradients of ``parameters`` in place by ``min(1, max_norm / (total_norm + 1e-6))``.

    Example
    -------
    >>> import diffkit as dk
    >>> from diffkit.nn.utils import clip_grads_with_norm_
    >>> w = dk.tensor([1.0, 1.0], requires_grad=True); w.grad = dk.tensor([2.0, 2.0])
    >>> clip_grads_with_norm_([w], max_norm=1.0, total_norm=dk.tensor(4.0))
    >>> [round(g, 5) for g in w.grad.tolist()]
    [0.5, 0.5]
    """
    grads = [p.grad for p in _tensors(parameters, "parameters") if p.grad is not None]
    if not grads:
        return
    total = total_norm._data if isinstance(total_norm, Tensor) else total_norm
    xp = namespace_of(total) if hasattr(total, "dtype") else grads[0].xp
    # a reciprocal times max_norm, as PyTorch's scalar / tensor computes it: the same scale to the last bit
    coef = (1.0 / (total + 1e-6)) * float(max_norm)
    coef = xp.minimum(coef, 1.0) if hasattr(coef, "dtype") else min(coef, 1.0)
    with no_grad():
        for g in grads:
            g.mul_(Tensor(to_device(xp.asarray(coef), g.device)))


def clip_grad_norm_(parameters: Tensor | Iterable[Tensor], max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False, foreach: bool | None = None) -> Tensor:
    """Rescale the gradients so that their total norm is at most ``max_norm``; returns the norm before clipping.

    The usual cure for exploding gradients (recurrent networks): call it after
    ``backward()`` and before ``optimizer.step()``. Parameters without a
    gradient are skipped. See :func:`get_total_norm` for ``norm_type`` and
    ``error_if_nonfinite``.

    Example
    -------
    >>> import numpy as np
    >>> import diffkit as dk
    >>> from diffkit import nn
    >>> w = dk.tensor([[30.0, 40.0]], requires_grad=True)
    >>> (w * w).sum().backward()
    >>> total = nn.utils.clip_grad_norm_(w, max_norm=1.0)
    >>> total.item(), round(float(np.linalg.norm(w.grad.numpy())), 5)
    (100.0, 1.0)
    """
    params = _tensors(parameters, "parameters")
    total = get_total_norm([p.grad for p in params if p.grad is not None], norm_type, error_if_nonfinite, foreach)
    clip_grads_with_norm_(params, max_norm, total, foreach)
    return total


def clip_grad_norm(parameters: Tensor | Iterable[Tensor], max_norm: float, norm_type: float = 2.0,
                   error_if_nonfinite: bool = False, foreach: bool | None = None) -> Tensor:
    """Deprecated spelling of :func:`clip_grad_norm_` (a ``FutureWarning``, as in PyTorch).

    Example
    -------
    >>> import warnings
    >>> import diffkit as dk
    >>> from diffkit.nn.utils import clip_grad_norm
    >>> w = dk.tensor([3.0], requires_grad=True); w.grad = dk.tensor([3.0])
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     clip_grad_norm([w], 10.0).item()
    3.0
    """
    warnings.warn("`torch.nn.utils.clip_grad_norm` is now deprecated in favor of `torch.nn.utils.clip_grad_norm_` "
                  "(diffkit: use nn.utils.clip_grad_norm_).", FutureWarning, stacklevel=2)
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float, foreach: bool | None = None) -> None:
    """Clamp every gradient entry to ``[-clip_value, clip_value]``, in place.

    Example
    -------
    >>> import diffkit as dk
    >>> from diffkit.nn.utils import clip_grad_value_
    >>> w = dk.tensor([1.0, 1.0, 1.0], requires_grad=True)
    >>> (w * dk.tensor([-5.0, 0.5, 5.0])).sum().backward()
    >>> clip_grad_value_([w], 1.0); w.grad.tolist()
    [-1.0, 0.5, 1.0]
    """
    value = float(clip_value)
    with no_grad():
        for p in _tensors(parameters, "parameters"):
            if p.grad is not None:
                p.grad.clamp_(-value, value)
