"""Adagrad (Duchi et al.), with PyTorch's update and learning-rate decay.

Example
-------
>>> import diffkit as dk
>>> from diffkit import optim
>>> w = dk.tensor([1.0], requires_grad=True)
>>> opt = optim.Adagrad([w], lr=0.1)
>>> (w * w).sum().backward(); opt.step()
>>> round(w.item(), 4)            # 1 - 0.1 * 2 / sqrt(4)
0.9
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..ad.tensor import Tensor
from .optimizer import Optimizer, _check

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """Adagrad, PyTorch's update.

    With gradient ``g`` (plus ``weight_decay * p``) at step ``t``::

        clr = lr / (1 + (t - 1) lr_decay)
        s = s + g^2                  (s starts at initial_accumulator_value)
        p = p - clr g / (sqrt(s) + eps)

    Parameters
    ----------
    params : iterable of Tensor or of dict (parameter groups)
    lr : float, default 1e-2
    lr_decay, weight_decay, initial_accumulator_value : float, default 0
    eps : float, default 1e-10
    maximize : bool, default False

    Example
    -------
    >>> import diffkit as dk
    >>> from diffkit import optim
    >>> w = dk.tensor([2.0], requires_grad=True)
    >>> opt = optim.Adagrad([w], lr=0.5)
    >>> for _ in range(200):
    ...     opt.zero_grad(); (w * w).sum().backward(); opt.step()
    >>> abs(w.item()) < 1e-3
    True
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, lr_decay: float = 0, weight_decay: float = 0,
                 initial_accumulator_value: float = 0, eps: float = 1e-10, foreach: bool | None = None, *,
                 maximize: bool = False, differentiable: bool = False, fused: bool | None = None):
        _check("learning rate", lr)
        _check("lr_decay value", lr_decay)
        _check("weight_decay value", weight_decay)
        _check("initial_accumulator_value", initial_accumulator_value)
        _check("epsilon value", eps)
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value, foreach=foreach,
                                      maximize=maximize, differentiable=differentiable, fused=fused))
        # PyTorch fills the state at construction, so a state dict has it before the first step
        for group in self.param_groups:
            for p in group["params"]:
                self.state[p] = {"step": 0, "sum": p.xp.full_like(p._data, group["initial_accumulator_value"])}

    def _update(self, group: dict[str, Any], params: list[Tensor]) -> None:
        lr, lr_decay, wd, eps = group["lr"], group["lr_decay"], group["weight_decay"], group["eps"]
        for p in params:
            g = p.grad._data
            if group["maximize"]:
                g = -g
            xp = p.xp
            state = self.state.get(p)
            if state is None:
                state = self.state[p] = {
                    "step": 0,
                    "sum": xp.full_like(p._data, group["initial_accumulator_value"]),
                }
            state["step"] += 1
            if wd != 0:
                g = g + wd * p._data
            clr = lr / (1 + (state["step"] - 1) * lr_decay)
            s = state["sum"]
            s += g * g
            std = xp.sqrt(s)
            std += eps
            p.add_(g / std, alpha=-clr)
