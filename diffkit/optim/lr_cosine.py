"""Cosine schedules: ``CosineAnnealingLR``, ``CosineAnnealingWarmRestarts`` (SGDR) and ``OneCycleLR``.

Each follows PyTorch's recurrence operation for operation, so the rates agree
to the last bit over any number of epochs. Re-exported by
:mod:`diffkit.optim.lr_scheduler`.

Example
-------
>>> import diffkit as dk
>>> from diffkit import optim
>>> opt = optim.SGD([dk.tensor([1.0], requires_grad=True)], lr=1.0)
>>> sched = optim.lr_scheduler.CosineAnnealingLR(opt, T_max=4)
>>> lrs = []
>>> for _ in range(4):
...     opt.step(); sched.step(); lrs.append(round(sched.get_last_lr()[0], 4))
>>> lrs                                      # half a cosine from 1 down to eta_min = 0
[0.8536, 0.5, 0.1464, 0.0]
"""

from __future__ import annotations

import math
from typing import Any

from ..errors import ArgumentError, ArgumentTypeError
from .lr_scheduler_base import LRScheduler, group_values, per_group
from .optimizer import Optimizer

__all__ = ["CosineAnnealingLR", "CosineAnnealingWarmRestarts", "OneCycleLR"]


class CosineAnnealingLR(LRScheduler):
    """Anneal the learning rate along a cosine from its initial value to ``eta_min`` over ``T_max`` epochs.

    ``lr(t) = eta_min + (base_lr - eta_min) (1 + cos(pi t / T_max)) / 2``,
    computed as PyTorch does, by the recurrence from the previous rate; past
    ``T_max`` it climbs back (the cosine goes on), as in PyTorch.

    Parameters
    ----------
    optimizer : Optimizer
    T_max : int
        Epochs of the half period.
    eta_min : float, default 0
    last_epoch : int, default -1

    Example
    -------
    >>> import diffkit as dk
    >>> from diffkit import optim
    >>> opt = optim.SGD([dk.tensor([1.0], requires_grad=True)], lr=0.1)
    >>> sched = optim.lr_scheduler.CosineAnnealingLR(opt, T_max=10, eta_min=0.01)
    >>> for _ in range(10): opt.step(); sched.step()
    >>> round(sched.get_last_lr()[0], 12)
    0.01
    """

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0, last_epoch: int = -1):  # noqa: N803
        self.T_max = T_max
        self.eta_min = eta_min
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        self._warn_if_called_outside_step()
        groups = self.optimizer.param_groups
        if self._is_initial:
            return group_values(self.optimizer, "lr")
        if self._step_count == 1 and self.last_epoch > 0:  # resuming: the closed form
            return [self.eta_min + (base - self.eta_min) * (1 + math.cos(self.last_epoch * math.pi / self.T_max)) / 2
                    for base in self.base_lrs]
        if (self.last_epoch - 1 - self.T_max) % (2 * self.T_max) == 0:  # the trough: the recurrence would divide 0
            return [g["lr"] + (base - self.eta_min) * (1 - math.cos(math.pi / self.T_max)) / 2
                    for base, g in zip(self.base_lrs, groups, strict=True)]
        return [(1 + math.cos(math.pi * self.last_epoch / self.T_max))
                / (1 + math.cos(math.pi * (self.last_epoch - 1) / self.T_max)) * (g["lr"] - self.eta_min)
                + self.eta_min for g in groups]

    def _get_closed_form_lr(self) -> list[float]:
        return [self.eta_min + (base - self.eta_min) * (1 + math.cos(math.pi * self.last_epoch / self.T_max)) / 2
                for base in self.base_lrs]


class CosineAnnealingWarmRestarts(LRScheduler):
    """Cosine annealing restarted every ``T_i`` epochs, the period growing by ``T_mult`` (SGDR, Loshchilov and Hutter).

    ``lr = eta_min + (base_lr - eta_min) (1 + cos(pi T_cur / T_i)) / 2``, with
    ``T_cur`` the epochs since the last restart. ``step()`` may also be given a
    fractional ``epoch`` (one call per batch: ``step(epoch + i / iters)``).

    Parameters
    ----------
    optimizer : Optimizer
    T_0 : int
        Epochs until the first restart.
    T_mult : int, default 1
    eta_min : float, default 0
    last_epoch : int, default -1

    Example
    -------
    >>> import diffkit as dk
    >>> from diffkit import optim
    >>> opt = optim.SGD([dk.tensor([1.0], requires_grad=True)], lr=1.0)
    >>> sched = optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=2, T_mult=2)
    >>> lrs = []
    >>> for _ in range(7):
    ...     lrs.append(round(sched.get_last_lr()[0], 3)); opt.step(); sched.step()
    >>> lrs                                            # restarts after 2, then after 4 more epochs
    [1.0, 0.5, 1.0, 0.854, 0.5, 0.146, 1.0]
    """

    def __init__(self, optimizer: Optimizer, T_0: int, T_mult: int = 1, eta_min: float = 0.0,  # noqa: N803
                 last_epoch: int = -1):
        if isinstance(T_0, bool) or not isinstance(T_0, int) or T_0 <= 0:
            raise ArgumentError(f"Expected positive integer T_0, but got {T_0}")
        if isinstance(T_mult, bool) or not isinstance(T_mult, int) or T_mult < 1:
            raise ArgumentError(f"Expected integer T_mult >= 1, but got {T_mult}")
        if not isinstance(eta_min, float | int):
            raise ArgumentTypeError(f"Expected float or int eta_min, but got {eta_min} of type "
                                    f"{type(eta_min).__name__}")
        self.T_0 = T_0
        self.T_i = T_0
        self.T_mult = T_mult
        self.eta_min = eta_min
        self.T_cur = last_epoch
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        self._warn_if_called_outside_step()
        return [self.eta_min + (base - self.eta_min) * (1 + math.cos(math.pi * self.T_cur / self.T_i)) / 2
                for base in self.base_lrs]

    def step(self, epoch: float | None = None) -> None:
        """Advance one epoch, or go to ``epoch`` (which may be fractional).

        Example
        -------
        >>> import diffkit as dk
        >>> from diffkit import optim
        >>> opt = optim.SGD([dk.tensor([1.0], requires_grad=True)], lr=1.0)
        >>> sched = optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=4)
        >>> sched.step(2.0); sched.get_last_lr()
        [0.5]
        """
        if epoch is None and self.last_epoch < 0:
            epoch = 0
        if epoch is None:
            epoch = self.last_epoch + 1
            self.T_cur = self.T_cur + 1
            if self.T_cur >= self.T_i:
                self.T_cur = self.T_cur % self.T_i
                self.T_i = self.T_i * self.T_mult
        else:
            if epoch < 0:
                raise ArgumentError(f"Expected non-negative epoch, but got {epoch}")
            if epoch >= self.T_0:
                if self.T_mult == 1:
                    self.T_cur = epoch % self.T_0
                else:
                    n = int(math.log(epoch / self.T_0 * (self.T_mult - 1) + 1, self.T_mult))
                    self.T_cur = epoch - self.T_0 * (self.T_mult**n - 1) / (self.T_mult - 1)
                    self.T_i = self.T_0 * self.T_mult**n
            else:
                self.T_i = self.T_0
                self.T_cur = epoch
        self.last_epoch = math.floor(epoch)
        with self._flag("_get_lr_called_within_step"):
            for group, lr in zip(self.optimizer.param_groups, self.get_lr(), strict=True):
                group["lr"] = lr
        self._last_lr = group_values(self.optimizer, "lr")


def _anneal_cos(start: float, end: float, pct: float) -> float:
    return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)


def _anneal_linear(start: float, end: float, pct: float) -> float:
    return (end - start) * pct + start


class OneCycleLR(LRScheduler):
    """The 1cycle policy (Smith): warm up to ``max_lr``, then anneal far below the start; step it once per batch.

    The rate starts at ``max_lr / div_factor``, rises to ``max_lr`` over the
    first ``pct_start`` of ``total_steps`` (or ``epochs * steps_per_epoch``)
    and anneals (cosine or linear) down to ``initial_lr / final_div_factor``;
    with ``three_phase`` it first comes back to the start, then goes down.
    With ``cycle_momentum`` the momentum (SGD's ``momentum``, or Adam's
    ``beta1``) moves the opposite way between ``max_momentum`` and
    ``base_momentum``. Stepping past ``total_steps`` is an error.

    Parameters
    ----------
    optimizer : Optimizer
    max_lr : float or list of float (one per group)
    total_steps : int, optional
    epochs, steps_per_epoch : int, optional
        Used when ``total_steps`` is not given.
    pct_start : float, default 0.3
    anneal_strategy : {"cos", "linear"}
    cycle_momentum : bool, default True
    base_momentum, max_momentum : float or list of float, default 0.85, 0.95
    div_factor : float, default 25
    final_div_factor : float, default 1e4
    three_phase : bool, default False
    last_epoch : int, default -1

    Example
    -------
    >>> import diffkit as dk
    >>> from diffkit import optim
    >>> opt = optim.SGD([dk.tensor([1.0], requires_grad=True)], lr=0.1, momentum=0.9)
    >>> sched = optim.lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=10)
    >>> lrs = [sched.get_last_lr()[0]]
    >>> for _ in range(9):
    ...     opt.step(); sched.step(); lrs.append(sched.get_last_lr()[0])
    >>> round(lrs[0], 6), round(max(lrs), 6), round(lrs[-1], 8), opt.param_groups[0]["momentum"]
    (0.04, 1.0, 4e-06, 0.95)
    """

    def __init__(self, optimizer: Optimizer, max_lr: float | list[float], total_steps: int | None = None,
                 epochs: int | None = None, steps_per_epoch: int | None = None, pct_start: float = 0.3,
                 anneal_strategy: str = "cos", cycle_momentum: bool = True, base_momentum: float | list[float] = 0.85,
                 max_momentum: float | list[float] = 0.95, div_factor: float = 25.0, final_div_factor: float = 1e4,
                 three_phase: bool = False, last_epoch: int = -1):
        if not isinstance(optimizer, Optimizer):
            raise ArgumentTypeError(f"{type(optimizer).__name__} is not an Optimizer")
        self.optimizer = optimizer
        if total_steps is not None:
            if isinstance(total_steps, bool) or not isinstance(total_steps, int) or total_steps <= 0:
                raise ArgumentError(f"Expected positive integer total_steps, but got {total_steps}")
            self.total_steps = total_steps
        elif epochs is not None and steps_per_epoch is not None:
            for name, value in (("epochs", epochs), ("steps_per_epoch", steps_per_epoch)):
                if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                    raise ArgumentError(f"Expected positive integer {name}, but got {value}")
            self.total_steps = epochs * steps_per_epoch
        else:
            raise ArgumentError("You must define either total_steps OR (epochs AND steps_per_epoch)")
        end_up = float(pct_start * self.total_steps) - 1
        if three_phase:
            self._schedule_phases = [
                _phase(end_up, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                _phase(float(2 * pct_start * self.total_steps) - 2, "max_lr", "initial_lr", "base_momentum",
                       "max_momentum"),
                _phase(self.total_steps - 1, "initial_lr", "min_lr", "max_momentum", "max_momentum"),
            ]
        else:
            self._schedule_phases = [
                _phase(end_up, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                _phase(self.total_steps - 1, "max_lr", "min_lr", "base_momentum", "max_momentum"),
            ]
        if not isinstance(pct_start, float) or not 0 <= pct_start <= 1:
            raise ArgumentError(f"Expected float between 0 and 1 pct_start, but got {pct_start}")
        if anneal_strategy not in ("cos", "linear"):
            raise ArgumentError(f"anneal_strategy must be one of 'cos' or 'linear', instead got {anneal_strategy}")
        self._anneal_func_type = anneal_strategy
        max_lrs = per_group("max_lr", optimizer, max_lr)
        if last_epoch == -1:
            for lr, group in zip(max_lrs, optimizer.param_groups):
                group["initial_lr"] = lr / div_factor
                group["max_lr"] = lr
                group["min_lr"] = group["initial_lr"] / final_div_factor
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
                raise ArgumentError("optimizer must support momentum or beta1 with `cycle_momentum` option enabled")
            self.use_beta1 = "betas" in optimizer.defaults
            highs = per_group("max_momentum", optimizer, max_momentum)
            lows = per_group("base_momentum", optimizer, base_momentum)
            if last_epoch == -1:
                for high, low, group in zip(highs, lows, optimizer.param_groups, strict=True):
                    self._set_momentum(group, high)
                    group["max_momentum"] = high
                    group["base_momentum"] = low
        super().__init__(optimizer, last_epoch)

    def _set_momentum(self, group: dict[str, Any], value: float) -> None:
        if self.use_beta1:
            group["betas"] = (value, *group["betas"][1:])
        else:
            group["momentum"] = value

    def get_lr(self) -> list[float]:
        self._warn_if_called_outside_step()
        anneal = _anneal_cos if self._anneal_func_type == "cos" else _anneal_linear
        step = self.last_epoch
        if step > self.total_steps:
            raise ArgumentError(f"Tried to step {step} times. The specified number of total steps is "
                                f"{self.total_steps}")
        lrs = []
        for group in self.optimizer.param_groups:
            start = 0.0
            for i, phase in enumerate(self._schedule_phases):
                end = phase["end_step"]
                if step <= end or i == len(self._schedule_phases) - 1:
                    pct = (step - start) / (end - start)
                    lr = anneal(group[phase["start_lr"]], group[phase["end_lr"]], pct)
                    momentum = anneal(group[phase["start_momentum"]], group[phase["end_momentum"]], pct) \
                        if self.cycle_momentum else None
                    break
                start = phase["end_step"]
            lrs.append(lr)
            if self.cycle_momentum:
                self._set_momentum(group, momentum)
        return lrs


def _phase(end_step: float, start_lr: str, end_lr: str, start_momentum: str, end_momentum: str) -> dict[str, Any]:
    return {"end_step": end_step, "start_lr": start_lr, "end_lr": end_lr, "start_momentum": start_momentum,
            "end_momentum": end_momentum}
