"""Composite schedules: ``SequentialLR`` (one scheduler after another) and ``ChainedScheduler`` (all at once).

Both rely on the schedulers' chainable form (each computes the next rate from
the current one), PyTorch's construction: a warm-up followed by a cosine is
``SequentialLR(opt, [LinearLR(...), CosineAnnealingLR(...)], milestones=[5])``.
Re-exported by :mod:`diffkit.optim.lr_scheduler`.

Example
-------
>>> import diffkit as dk
>>> from diffkit import optim
>>> from diffkit.optim import lr_scheduler as L
>>> opt = optim.SGD([dk.tensor([1.0], requires_grad=True)], lr=1.0)
>>> sched = L.SequentialLR(opt, [L.ConstantLR(opt, factor=0.1, total_iters=2), L.ExponentialLR(opt, gamma=0.5)],
...                        milestones=[2])
>>> lrs = []
>>> for _ in range(5):
...     lrs.append(sched.get_last_lr()[0]); opt.step(); sched.step()
>>> lrs
[0.1, 0.1, 1.0, 0.5, 0.25]
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from typing import Any

from ..errors import ArgumentError, ArgumentTypeError
from .lr_plateau import ReduceLROnPlateau
from .lr_scheduler_base import LRScheduler, group_values
from .optimizer import Optimizer

__all__ = ["SequentialLR", "ChainedScheduler"]


def _check_members(owner: str, schedulers: Sequence[Any], optimizer: Optimizer) -> None:
    if len(schedulers) < 1:
        raise ArgumentError(f"{owner} expects at least one scheduler, but got no scheduler")
    for i, scheduler in enumerate(schedulers):
        if not hasattr(scheduler, "optimizer"):
            raise ArgumentTypeError(f"{owner} at index {i} should have `optimizer` as its attribute")
        if isinstance(scheduler, ReduceLROnPlateau):
            raise ArgumentError(f"{owner} does not support `ReduceLROnPlateau` scheduler as it requires additional "
                                f"kwargs to be specified when calling `step`, but got one at index {i} in the given "
                                "schedulers sequence")
        if scheduler.optimizer is not optimizer:
            raise ArgumentError(f"{owner} expects all schedulers to belong to the same optimizer, but got scheduler "
                                f"{type(scheduler).__name__} at index {i} with another optimizer")


class _Composite(LRScheduler):
    """State dicts holding each member scheduler's own state dict, as PyTorch's."""

    _schedulers: list[LRScheduler]

    def state_dict(self) -> dict[str, Any]:
        sd = {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "_schedulers")}
        sd["_schedulers"] = [s.state_dict() for s in self._schedulers]
        return sd

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        state_dict = dict(state_dict)
        members = state_dict.pop("_schedulers")
        self.__dict__.update(state_dict)
        for scheduler, saved in zip(self._schedulers, members):
            scheduler.load_state_dict(saved)


class SequentialLR(_Composite):
    """Run ``schedulers`` one after the other, switching at the epochs in ``milestones``.

    At a milestone the next scheduler starts from its own epoch 0 (its
    closed form at 0: a warm restart from the group's ``initial_lr`` schedule).

    Parameters
    ----------
    optimizer : Optimizer
    schedulers : list of LRScheduler
        All on ``optimizer``; ``ReduceLROnPlateau`` cannot take part.
    milestones : list of int
        One fewer than the schedulers.
    last_epoch : int, default -1

    Example
    -------
    >>> import diffkit as dk
    >>> from diffkit import optim
    >>> from diffkit.optim import lr_scheduler as L
    >>> opt = optim.SGD([dk.tensor([1.0], requires_grad=True)], lr=1.0)
    >>> warm = L.LinearLR(opt, start_factor=0.5, total_iters=2)
    >>> sched = L.SequentialLR(opt, [warm, L.CosineAnnealingLR(opt, T_max=2)], milestones=[2])
    >>> lrs = []
    >>> for _ in range(5):
    ...     lrs.append(round(sched.get_last_lr()[0], 4)); opt.step(); sched.step()
    >>> lrs
    [0.5, 0.75, 1.0, 0.5, 0.0]
    """

    def __init__(self, optimizer: Optimizer, schedulers: list[LRScheduler], milestones: list[int],
                 last_epoch: int = -1):
        _check_members(type(self).__name__, schedulers, optimizer)
        if len(milestones) != len(schedulers) - 1:
            raise ArgumentError(f"Sequential Schedulers expects number of schedulers provided to be one more than "
                                f"the number of milestone points, but got number of schedulers {len(schedulers)} "
                                f"and the number of milestones to be equal to {len(milestones)}")
        self._schedulers = schedulers
        self._milestones = milestones
        self.last_epoch = last_epoch + 1
        self.optimizer = optimizer
        # undo the members' construction steps, then start the first one afresh
        for group in optimizer.param_groups:
            group["lr"] = group["initial_lr"]
        self._undo(self)
        first = self._schedulers[bisect_right(self._milestones, 0)]
        first._initial_step()
        self._last_lr = first.get_last_lr()

    def _undo(self, scheduler: Any) -> None:
        if hasattr(scheduler, "_schedulers"):
            for member in scheduler._schedulers:
                self._undo(member)
        elif hasattr(scheduler, "last_epoch"):
            scheduler.last_epoch -= 1

    def step(self) -> None:  # type: ignore[override]
        """Advance one epoch on the scheduler whose turn it is."""
        self.last_epoch += 1
        idx = bisect_right(self._milestones, self.last_epoch)
        scheduler = self._schedulers[idx]
        if idx > 0 and self._milestones[idx - 1] == self.last_epoch:
            scheduler._update_lr(0)
        else:
            scheduler.step()
        self._last_lr = scheduler.get_last_lr()


class ChainedScheduler(_Composite):
    """Step every scheduler in ``schedulers`` at each ``step()``: their effects multiply.

    Example
    -------
    >>> import diffkit as dk
    >>> from diffkit import optim
    >>> from diffkit.optim import lr_scheduler as L
    >>> opt = optim.SGD([dk.tensor([1.0], requires_grad=True)], lr=1.0)
    >>> sched = L.ChainedScheduler([L.ConstantLR(opt, factor=0.5, total_iters=2), L.ExponentialLR(opt, gamma=0.9)])
    >>> lrs = []
    >>> for _ in range(4):
    ...     lrs.append(round(sched.get_last_lr()[0], 4)); opt.step(); sched.step()
    >>> lrs
    [0.5, 0.45, 0.81, 0.729]
    """

    def __init__(self, schedulers: Sequence[LRScheduler], optimizer: Optimizer | None = None):
        if len(schedulers) < 1:
            raise ArgumentError("ChainedScheduler expects at least one scheduler to be chained, but got no scheduler")
        optimizer = optimizer or schedulers[0].optimizer
        _check_members(type(self).__name__, schedulers, optimizer)
        self._schedulers = schedulers
        self.optimizer = optimizer
        self._last_lr = group_values(self._schedulers[-1].optimizer, "lr")

    def step(self) -> None:  # type: ignore[override]
        """Step every member scheduler, in order."""
        for scheduler in self._schedulers:
            scheduler.step()
        self._last_lr = group_values(self._schedulers[-1].optimizer, "lr")
