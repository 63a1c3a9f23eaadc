"""Stochastic gradient descent with momentum, dampening, Nesterov and weight decay (PyTorch's update).

Example
-------
>>> import diffkit as dk
>>> from diffkit import optim
>>> w = dk.tensor([1.0], requires_grad=True)
>>> opt = optim.SGD([w], lr=0.1, momentum=0.9)
>>> for _ in range(2):
...     opt.zero_grad(); (w * w).sum().backward(); opt.step()
>>> round(w.item(), 4)      # 1 - 0.2 = 0.8, then 0.8 - 0.1 (1.6 + 0.9 * 2) = 0.46
0.46
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..ad.tensor import Tensor
from ..errors import ArgumentError
from .optimizer import Optimizer, _check

__all__ = ["SGD"]


class SGD(Optimizer):
    """Stochastic gradient descent, PyTorch's exact update.

    With gradient ``g`` (plus ``weight_decay * p``), momentum buffer ``b``::

        b = g                                   (first step)
        b = momentum * b + (1 - dampening) * g  (later steps)
        d = g + momentum * b if nesterov else b (d = g without momentum)
        p = p - lr * d

    Parameters
    ----------
    params : iterable of Tensor or of dict (parameter groups)
    lr : float, default 1e-3
    momentum, dampening, weight_decay : float, default 0
    nesterov : bool, default False
    maximize : bool, default False
        Ascend instead of descend.
    foreach, differentiable, fused
        PyTorch's implementation switches, kept in the groups; capturable and differentiable must stay False.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit import data, nn, optim
    >>> x, y = data.noisy_linear()
    >>> model = nn.Linear(1, 1)
    >>> opt = optim.SGD(model.parameters(), lr=1e-2)
    >>> for _ in range(500):
    ...     opt.zero_grad(); loss = nn.functional.mse_loss(model(x), y); loss.backward(); opt.step()
    >>> round(model.weight.item(), 1)
    3.0
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-3, momentum: float = 0, dampening: float = 0,
                 weight_decay: float = 0, nesterov: bool = False, *, maximize: bool = False,
                 foreach: bool | None = None, differentiable: bool = False, fused: bool | None = None):
        _check("learning rate", lr)
        _check("momentum value", momentum)
        _check("weight_decay value", weight_decay)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ArgumentError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                                      nesterov=nesterov, maximize=maximize, foreach=foreach,
                                      differentiable=differentiable, fused=fused))

    def _update(self, group: dict[str, Any], params: list[Tensor]) -> None:
        lr, momentum, dampening = group["lr"], group["momentum"], group["dampening"]
        nesterov, wd, maximize = group["nesterov"], group["weight_decay"], group["maximize"]
        for p in params:
            g = p.grad._data
            if maximize:
                g = -g
            if wd != 0:
                g = g + wd * p._data
            if momentum != 0:
                state = self.state.setdefault(p, {})
                buf = state.get("momentum_buffer")
                if buf is None:
                    buf = state["momentum_buffer"] = g.copy()
                else:
                    buf *= momentum
                    buf += g if dampening == 0 else (1 - dampening) * g
                g = g + momentum * buf if nesterov else buf
            p.add_(g, alpha=-lr)
