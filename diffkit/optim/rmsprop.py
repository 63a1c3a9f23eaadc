"""RMSprop (Hinton), with PyTorch's update, centring and momentum options.

Example
-------
>>> import diffkit as dk
>>> from diffkit import optim
>>> w = dk.tensor([1.0], requires_grad=True)
>>> opt = optim.RMSprop([w], lr=0.01)
>>> (w * w).sum().backward(); opt.step()
>>> round(w.item(), 4)            # 1 - 0.01 * 2 / sqrt(0.01 * 4) = 0.9
0.9
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..ad.tensor import Tensor
from .optimizer import Optimizer, _check

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """RMSprop, PyTorch's update.

    With gradient ``g`` (plus ``weight_decay * p``)::

        s = alpha s + (1 - alpha) g^2
        a = sqrt(s - gbar^2) + eps  with gbar = alpha gbar + (1 - alpha) g if centered, else sqrt(s) + eps
        b = momentum b + g / a; p = p - lr b   (momentum > 0), else p = p - lr g / a

    Parameters
    ----------
    params : iterable of Tensor or of dict (parameter groups)
    lr : float, default 1e-2
    alpha : float, default 0.99
    eps : float, default 1e-8
    weight_decay, momentum : float, default 0
    centered, maximize : bool, default False

    Example
    -------
    >>> import diffkit as dk
    >>> from diffkit import optim
    >>> w = dk.tensor([3.0], requires_grad=True)
    >>> opt = optim.RMSprop([w], lr=0.01)
    >>> for _ in range(1000):
    ...     opt.zero_grad(); (w * w).sum().backward(); opt.step()
    >>> abs(w.item()) < 0.05
    True
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0, momentum: float = 0, centered: bool = False, capturable: bool = False,
                 foreach: bool | None = None, maximize: bool = False, differentiable: bool = False):
        _check("learning rate", lr)
        _check("epsilon value", eps)
        _check("momentum value", momentum)
        _check("weight_decay value", weight_decay)
        _check("alpha value", alpha)
        super().__init__(params, dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                                      weight_decay=weight_decay, capturable=capturable, foreach=foreach,
                                      maximize=maximize, differentiable=differentiable))

    def _update(self, group: dict[str, Any], params: list[Tensor]) -> None:
        lr, alpha, eps = group["lr"], group["alpha"], group["eps"]
        wd, momentum, centered, maximize = group["weight_decay"], group["momentum"], group["centered"], \
            group["maximize"]
        for p in params:
            g = p.grad._data
            if maximize:
                g = -g
            xp = p.xp
            state = self.state.get(p)
            if state is None:
                state = self.state[p] = {"step": 0, "square_avg": xp.zeros_like(p._data)}
                if momentum > 0:
                    state["momentum_buffer"] = xp.zeros_like(p._data)
                if centered:
                    state["grad_avg"] = xp.zeros_like(p._data)
            state["step"] += 1
            if wd != 0:
                g = g + wd * p._data
            s = state["square_avg"]
            s *= alpha
            s += (1 - alpha) * (g * g)
            if centered:
                gbar = state.setdefault("grad_avg", xp.zeros_like(p._data))
                gbar += (1 - alpha) * (g - gbar)
                avg = xp.sqrt(s - gbar * gbar)
            else:
                avg = xp.sqrt(s)
            avg += eps
            if momentum > 0:
                buf = state.setdefault("momentum_buffer", xp.zeros_like(p._data))
                buf *= momentum
                buf += g / avg
                p.add_(buf, alpha=-lr)
            else:
                p.add_(g / avg, alpha=-lr)
