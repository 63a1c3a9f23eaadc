"""``ReduceLROnPlateau``: cut the learning rate when a watched metric stops improving (PyTorch's rules and state).

Example
-------
>>> import diffkit as dk
>>> from diffkit import optim
>>> opt = optim.SGD([dk.tensor([1.0], requires_grad=True)], lr=1.0)
>>> sched = optim.lr_scheduler.ReduceLROnPlateau(opt, patience=1, factor=0.5)
>>> for val_loss in [1.0, 0.9, 0.9, 0.9, 0.9, 0.9]:
...     sched.step(val_loss)
>>> sched.get_last_lr()                           # cut after two epochs without improvement, twice
[0.25]
"""

from __future__ import annotations

import math
import warnings
from typing import Any, SupportsFloat

from ..errors import ArgumentError, ArgumentTypeError
from .lr_scheduler_base import _EPOCH_DEPRECATION, LRScheduler, group_values
from .optimizer import Optimizer

__all__ = ["ReduceLROnPlateau"]


class ReduceLROnPlateau(LRScheduler):
    """Multiply the learning rate by ``factor`` after ``patience`` epochs without improvement of a metric.

    ``step(metric)`` once per epoch, with the validation loss (``mode="min"``)
    or accuracy (``mode="max"``). An epoch improves on the best so far by more
    than ``threshold`` relative (``threshold_mode="rel"``) or absolute
    (``"abs"``). After a cut, ``cooldown`` epochs pass before counting bad
    epochs again. The rate never drops below ``min_lr``, and a cut smaller
    than ``eps`` is skipped.

    Parameters
    ----------
    optimizer : Optimizer
    mode : {"min", "max"}
    factor : float, default 0.1
    patience : int, default 10
    threshold : float, default 1e-4
    threshold_mode : {"rel", "abs"}
    cooldown : int, default 0
    min_lr : float or list of float, default 0
    eps : float, default 1e-8

    Example
    -------
    >>> import diffkit as dk
    >>> from diffkit import optim
    >>> opt = optim.SGD([dk.tensor([1.0], requires_grad=True)], lr=0.1)
    >>> sched = optim.lr_scheduler.ReduceLROnPlateau(opt, mode="max", patience=0, min_lr=0.05)
    >>> sched.step(0.5); sched.step(0.4); sched.step(0.3)
    >>> sched.get_last_lr(), sched.num_bad_epochs
    ([0.05], 0)
    """

    def __init__(self, optimizer: Optimizer, mode: str = "min", factor: float = 0.1, patience: int = 10,
                 threshold: float = 1e-4, threshold_mode: str = "rel", cooldown: int = 0,
                 min_lr: list[float] | float = 0, eps: float = 1e-8):
        if factor >= 1.0:
            raise ArgumentError(f"Factor should be < 1.0, got {factor}")
        self.factor = factor
        if not isinstance(optimizer, Optimizer):
            raise ArgumentTypeError(f"{type(optimizer).__name__} is not an Optimizer")
        self.optimizer = optimizer
        if isinstance(min_lr, list | tuple):
            if len(min_lr) != len(optimizer.param_groups):
                raise ArgumentError(f"expected {len(optimizer.param_groups)} min_lrs, got {len(min_lr)}")
            self.default_min_lr = None
            self.min_lrs = list(min_lr)
        else:
            self.default_min_lr = min_lr
            self.min_lrs = [min_lr] * len(optimizer.param_groups)
        self.patience = patience
        self.cooldown = cooldown
        self.eps = eps
        self.last_epoch = 0
        self._last_lr = group_values(optimizer, "lr")
        self._init_is_better(mode, threshold, threshold_mode)
        self._reset()

    def _reset(self) -> None:
        self.best = self.mode_worse
        self.cooldown_counter = 0
        self.num_bad_epochs = 0

    def _init_is_better(self, mode: str, threshold: float, threshold_mode: str) -> None:
        if mode not in ("min", "max"):
            raise ArgumentError(f"mode {mode} is unknown! (use 'min' or 'max')")
        if threshold_mode not in ("rel", "abs"):
            raise ArgumentError(f"threshold mode {threshold_mode} is unknown! (use 'rel' or 'abs')")
        self.mode_worse = math.inf if mode == "min" else -math.inf
        self.mode = mode
        self.threshold = threshold
        self.threshold_mode = threshold_mode

    def _is_better(self, a: float, best: float) -> bool:
        if self.mode == "min":
            return a < best * (1.0 - self.threshold) if self.threshold_mode == "rel" else a < best - self.threshold
        return a > best * (self.threshold + 1.0) if self.threshold_mode == "rel" else a > best + self.threshold

    @property
    def in_cooldown(self) -> bool:
        """Whether a cut happened less than ``cooldown`` epochs ago."""
        return self.cooldown_counter > 0

    def step(self, metrics: SupportsFloat, epoch: int | None = None) -> None:  # type: ignore[override]
        """Record this epoch's ``metrics`` (a number or a 0-d Tensor) and cut the rate if it has plateaued.

        Example
        -------
        >>> import diffkit as dk
        >>> from diffkit import optim
        >>> opt = optim.SGD([dk.tensor([1.0], requires_grad=True)], lr=1.0)
        >>> sched = optim.lr_scheduler.ReduceLROnPlateau(opt, patience=0)
        >>> sched.step(dk.tensor(2.0)); sched.step(3.0); sched.get_last_lr()
        [0.1]
        """
        current = float(metrics)
        if epoch is None:
            epoch = self.last_epoch + 1
        else:
            warnings.warn(_EPOCH_DEPRECATION, UserWarning, stacklevel=2)
        self.last_epoch = epoch
        if self._is_better(current, self.best):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.in_cooldown:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0  # bad epochs in the cooldown don't count
        if self.num_bad_epochs > self.patience:
            self._reduce_lr()
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = group_values(self.optimizer, "lr")

    def _reduce_lr(self) -> None:
        if len(self.optimizer.param_groups) != len(self.min_lrs):
            if self.default_min_lr is None:
                raise ArgumentError(f"The number of param groups in the optimizer ({len(self.optimizer.param_groups)})"
                                    f" differs from when ReduceLROnPlateau was initialized ({len(self.min_lrs)}), "
                                    "usually because a param group was added; set `min_lrs` to one per group")
            self.min_lrs = [self.default_min_lr] * len(self.optimizer.param_groups)
        for i, group in enumerate(self.optimizer.param_groups):
            old = float(group["lr"])
            new = max(old * self.factor, self.min_lrs[i])
            if old - new > self.eps:
                group["lr"] = new

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore a saved state (and re-derive the comparison from the saved mode and threshold)."""
        self.__dict__.update(state_dict)
        self._init_is_better(self.mode, self.threshold, self.threshold_mode)
