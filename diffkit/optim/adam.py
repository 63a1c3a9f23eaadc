"""Adam and AdamW (decoupled weight decay), with PyTorch's exact update and defaults.

Example
-------
>>> import diffkit as dk
>>> from diffkit import optim
>>> w = dk.tensor([1.0, -1.0], requires_grad=True)
>>> opt = optim.Adam([w], lr=0.1)
>>> (w * w).sum().backward(); opt.step()
>>> [round(v, 4) for v in w.tolist()]  # the first Adam step moves every entry by about lr
[0.9, -0.9]
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from ..ad.tensor import Tensor
from ..errors import ArgumentError
from .optimizer import Optimizer, _check

__all__ = ["Adam", "AdamW"]


def _check_adam(lr: float, betas: tuple[float, float], eps: float, weight_decay: float) -> None:
    _check("learning rate", lr)
    _check("epsilon value", eps)
    if isinstance(betas, (str, bytes)) or len(betas) != 2:
        raise ArgumentError(f"betas must be a pair (beta1, beta2), got {betas!r}")
    _check("beta parameter at index 0", betas[0], 0.0, 1.0)
    _check("beta parameter at index 1", betas[1], 0.0, 1.0)
    _check("weight_decay value", weight_decay)


def decayed_gradient(p: Tensor, group: dict[str, Any]) -> Any:
    """``p``'s gradient as the Adam family takes it: negated with ``maximize``, plus ``weight_decay * p``.

    With ``decoupled_weight_decay`` the decay shrinks ``p`` itself instead,
    ``p = p (1 - lr weight_decay)`` (AdamW), before the update.
    """
    g = -p.grad._data if group["maximize"] else p.grad._data
    wd = group["weight_decay"]
    if wd != 0:
        if group.get("decoupled_weight_decay", False):
            p.mul_(1 - group["lr"] * wd)
        else:
            g = g + wd * p._data
    return g


def update_moments(state: dict[str, Any], g: Any, beta1: float, beta2: float) -> tuple[Any, Any]:
    """Update the moment estimates ``exp_avg`` and ``exp_avg_sq`` of ``state`` in place, as PyTorch does."""
    m, v = state["exp_avg"], state["exp_avg_sq"]
    m += (1 - beta1) * (g - m)  # PyTorch's lerp form of beta1 m + (1 - beta1) g
    v *= beta2
    v += (1 - beta2) * (g * g)
    return m, v


class Adam(Optimizer):
    """Adam (Kingma and Ba), PyTorch's update.

    With gradient ``g`` (plus ``weight_decay * p``, L2 style), at step ``t``::

        m = beta1 m + (1 - beta1) g
        v = beta2 v + (1 - beta2) g^2            (v_max = max(v_max, v) with amsgrad)
        p = p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)

    Parameters
    ----------
    params : iterable of Tensor or of dict (parameter groups)
    lr : float, default 1e-3
    betas : (float, float), default (0.9, 0.999)
    eps : float, default 1e-8
    weight_decay : float, default 0
    amsgrad, maximize : bool, default False
    decoupled_weight_decay : bool, default False
        Decay the weights directly, ``p = p (1 - lr weight_decay)``, as :class:`AdamW` does.
    foreach, capturable, differentiable, fused
        PyTorch's implementation switches, kept in the groups; capturable and differentiable must stay False.

    Example
    -------
    >>> import diffkit as dk
    >>> from diffkit import optim
    >>> w = dk.tensor([5.0], requires_grad=True)
    >>> opt = optim.Adam([w], lr=0.1)
    >>> for _ in range(300):
    ...     opt.zero_grad(); ((w - 2.0) ** 2).sum().backward(); opt.step()
    >>> round(w.item(), 2)
    2.0
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, amsgrad: bool = False, *,
                 foreach: bool | None = None, maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False, fused: bool | None = None, decoupled_weight_decay: bool = False):
        _check_adam(lr, betas, eps, weight_decay)
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                                      amsgrad=amsgrad, maximize=maximize, foreach=foreach, capturable=capturable,
                                      differentiable=differentiable, fused=fused,
                                      decoupled_weight_decay=decoupled_weight_decay))

    def _update(self, group: dict[str, Any], params: list[Tensor]) -> None:
        lr, (beta1, beta2), eps, amsgrad = group["lr"], group["betas"], group["eps"], group["amsgrad"]
        for p in params:
            xp = p.xp
            state = self.state[p]
            if not state:
                state.update(step=0, exp_avg=xp.zeros_like(p._data), exp_avg_sq=xp.zeros_like(p._data))
                if amsgrad:
                    state["max_exp_avg_sq"] = xp.zeros_like(p._data)
            state["step"] += 1
            t = state["step"]
            m, v = update_moments(state, decayed_gradient(p, group), beta1, beta2)
            if amsgrad:
                vmax = state.setdefault("max_exp_avg_sq", xp.zeros_like(p._data))
                xp.maximum(vmax, v, out=vmax)
                v = vmax
            step_size = lr / (1 - beta1**t)
            denom = xp.sqrt(v)
            denom /= math.sqrt(1 - beta2**t)
            denom += eps
            p.add_(m / denom, alpha=-step_size)


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov and Hutter): ``p = p (1 - lr wd)`` before the Adam step.

    Same arguments as :class:`Adam`; ``weight_decay`` defaults to 0.01.

    Example
    -------
    >>> import diffkit as dk
    >>> from diffkit import optim
    >>> w = dk.tensor([1.0], requires_grad=True)
    >>> opt = optim.AdamW([w], lr=0.1, weight_decay=0.5)
    >>> (0.0 * w).sum().backward(); opt.step()    # zero gradient: only the decay acts
    >>> round(w.item(), 4)
    0.95
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 1e-2, amsgrad: bool = False, *, maximize: bool = False,
                 foreach: bool | None = None, capturable: bool = False, differentiable: bool = False,
                 fused: bool | None = None):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize, foreach=foreach,
                         capturable=capturable, differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)
