"""RAdam (Liu et al.): Adam with the variance of its adaptive step rectified, PyTorch's update and defaults.

Example
-------
>>> import diffkit as dk
>>> from diffkit import optim
>>> w = dk.tensor([1.0], requires_grad=True)
>>> opt = optim.RAdam([w], lr=0.1)
>>> (w * w).sum().backward(); opt.step()
>>> round(w.item(), 4)          # the first steps are plain momentum steps: 1 - 0.1 * m / (1 - beta1)
0.8
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from ..ad.tensor import Tensor
from .adam import _check_adam, decayed_gradient, update_moments
from .optimizer import Optimizer

__all__ = ["RAdam"]


class RAdam(Optimizer):
    """RAdam, PyTorch's update.

    With gradient ``g`` (plus ``weight_decay * p``, or decoupled decay), at step ``t``::

        m = beta1 m + (1 - beta1) g;  v = beta2 v + (1 - beta2) g^2
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 t beta2^t / (1 - beta2^t)
        if rho_t > 5:  r = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t))
                       p = p - lr m / (1 - beta1^t) * r sqrt(1 - beta2^t) / (sqrt(v) + eps)
        else:          p = p - lr m / (1 - beta1^t)

    The early steps (``rho_t <= 5``, the first five with the default betas)
    are momentum steps: the variance estimate is too young to trust.

    Parameters
    ----------
    params : iterable of Tensor or of dict (parameter groups)
    lr : float, default 1e-3
    betas : (float, float), default (0.9, 0.999)
    eps : float, default 1e-8
    weight_decay : float, default 0
    decoupled_weight_decay : bool, default False
    maximize : bool, default False
    foreach, capturable, differentiable
        PyTorch's implementation switches, kept in the groups.

    Example
    -------
    >>> import diffkit as dk
    >>> from diffkit import optim
    >>> w = dk.tensor([3.0], requires_grad=True)
    >>> opt = optim.RAdam([w], lr=0.05)
    >>> for _ in range(300):
    ...     opt.zero_grad(); ((w - 1.0) ** 2).sum().backward(); opt.step()
    >>> round(w.item(), 2)
    1.0
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, decoupled_weight_decay: bool = False, *,
                 foreach: bool | None = None, maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False):
        _check_adam(lr, betas, eps, weight_decay)
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                                      maximize=maximize, foreach=foreach, capturable=capturable,
                                      decoupled_weight_decay=decoupled_weight_decay, differentiable=differentiable))

    def _update(self, group: dict[str, Any], params: list[Tensor]) -> None:
        lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
        rho_inf = 2 / (1 - beta2) - 1
        for p in params:
            xp = p.xp
            state = self.state[p]
            if not state:
                state.update(step=0, exp_avg=xp.zeros_like(p._data), exp_avg_sq=xp.zeros_like(p._data))
            state["step"] += 1
            t = state["step"]
            m, v = update_moments(state, decayed_gradient(p, group), beta1, beta2)
            bias1, bias2 = 1 - beta1**t, 1 - beta2**t
            corrected = m / bias1
            rho_t = rho_inf - 2 * t * beta2**t / bias2
            if rho_t > 5.0:
                rect = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
                adaptive = bias2**0.5 / (xp.sqrt(v) + eps)
                p.add_(corrected * lr * adaptive * rect, alpha=-1.0)
            else:
                p.add_(corrected * lr, alpha=-1.0)
