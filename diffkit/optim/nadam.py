"""NAdam (Dozat): Adam with Nesterov momentum and a momentum schedule, PyTorch's update and defaults.

Example
-------
>>> import diffkit as dk
>>> from diffkit import optim
>>> w = dk.tensor([1.0, -1.0], requires_grad=True)
>>> opt = optim.NAdam([w], lr=0.1)
>>> (w * w).sum().backward(); opt.step()
>>> sorted(opt.state[w])
['exp_avg', 'exp_avg_sq', 'mu_product', 'step']
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from ..ad.tensor import Tensor
from .adam import _check_adam, decayed_gradient, update_moments
from .optimizer import Optimizer, _check

__all__ = ["NAdam"]


class NAdam(Optimizer):
    """NAdam, PyTorch's update.

    With gradient ``g`` (plus ``weight_decay * p``, or ``p`` decayed by
    ``1 - lr weight_decay`` with ``decoupled_weight_decay``), at step ``t``::

        mu_t = beta1 (1 - 0.96^(t psi) / 2)        (psi = momentum_decay)
        P_t = mu_1 mu_2 ... mu_t                   (state "mu_product")
        m = beta1 m + (1 - beta1) g;  v = beta2 v + (1 - beta2) g^2
        d = sqrt(v / (1 - beta2^t)) + eps
        p = p - lr (1 - mu_t) / (1 - P_t) g / d - lr mu_{t+1} / (1 - P_t mu_{t+1}) m / d

    Parameters
    ----------
    params : iterable of Tensor or of dict (parameter groups)
    lr : float, default 2e-3
    betas : (float, float), default (0.9, 0.999)
    eps : float, default 1e-8
    weight_decay : float, default 0
    momentum_decay : float, default 4e-3
    decoupled_weight_decay : bool, default False
        Decay the weights directly (NAdamW).
    maximize : bool, default False
    foreach, capturable, differentiable
        PyTorch's implementation switches, kept in the groups.

    Example
    -------
    >>> import diffkit as dk
    >>> from diffkit import optim
    >>> w = dk.tensor([3.0], requires_grad=True)
    >>> opt = optim.NAdam([w], lr=0.1)
    >>> for _ in range(300):
    ...     opt.zero_grad(); ((w - 1.0) ** 2).sum().backward(); opt.step()
    >>> round(w.item(), 3)
    1.0
    """

    def __init__(self, params: Iterable[Any], lr: float = 2e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, momentum_decay: float = 4e-3,
                 decoupled_weight_decay: bool = False, *, foreach: bool | None = None, maximize: bool = False,
                 capturable: bool = False, differentiable: bool = False):
        _check_adam(lr, betas, eps, weight_decay)
        _check("momentum_decay value", momentum_decay)
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                                      momentum_decay=momentum_decay, decoupled_weight_decay=decoupled_weight_decay,
                                      maximize=maximize, foreach=foreach, capturable=capturable,
                                      differentiable=differentiable))

    def _update(self, group: dict[str, Any], params: list[Tensor]) -> None:
        lr, (beta1, beta2), eps, psi = group["lr"], group["betas"], group["eps"], group["momentum_decay"]
        for p in params:
            xp = p.xp
            state = self.state[p]
            if not state:
                # PyTorch keeps mu_product in a float32 0-d tensor (its default dtype): so do we, so that the
                # trajectories agree to rounding, also for float64 parameters
                state.update(step=0, mu_product=np.float32(1.0), exp_avg=xp.zeros_like(p._data),
                             exp_avg_sq=xp.zeros_like(p._data))
            state["step"] += 1
            t = state["step"]
            g = decayed_gradient(p, group)
            mu = beta1 * (1.0 - 0.5 * 0.96 ** (t * psi))
            mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((t + 1) * psi))
            state["mu_product"] = state["mu_product"] * np.float32(mu)
            mu_product = float(state["mu_product"])
            m, v = update_moments(state, g, beta1, beta2)
            denom = xp.sqrt(v / (1 - beta2**t))
            denom += eps
            p.add_(g / denom, alpha=-lr * (1.0 - mu) / (1.0 - mu_product))
            p.add_(m / denom, alpha=-lr * mu_next / (1.0 - mu_product * mu_next))
