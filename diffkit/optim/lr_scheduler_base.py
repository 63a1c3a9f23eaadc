"""``LRScheduler``, the base of the learning-rate schedulers, with PyTorch's stepping rules and state dicts.

PyTorch's schedulers are *chainable*: ``get_lr()`` computes the next rate
from the rate the parameter group has now (``StepLR`` multiplies it by
``gamma``), so two schedulers on one optimizer compose, and
``SequentialLR``/``ChainedScheduler`` build on that. diffkit keeps the same
recurrences, operation for operation, so its learning rates are PyTorch's to
the last bit, and the same attributes, so ``state_dict()`` has PyTorch's keys.

Construction takes the first step (epoch 0, the rates unchanged or at their
start value); then call ``step()`` once per epoch, after the epoch's
``optimizer.step()``. A scheduler stepped before its optimizer warns, as in
PyTorch.

Example
-------
>>> import diffkit as dk
>>> from diffkit import optim
>>> opt = optim.SGD([dk.tensor([1.0], requires_grad=True)], lr=1.0)
>>> sched = optim.lr_scheduler.ExponentialLR(opt, gamma=0.5)
>>> sorted(sched.state_dict())
['_get_lr_called_within_step', '_is_initial', '_last_lr', '_step_count', 'base_lrs', 'gamma', 'last_epoch']
"""

from __future__ import annotations

import warnings
from contextlib import contextmanager
from typing import Any

from ..errors import ArgumentError, ArgumentTypeError
from .optimizer import Optimizer

__all__ = ["LRScheduler"]

_EPOCH_DEPRECATION = ("The epoch parameter in `scheduler.step()` was not necessary and is being deprecated where "
                      "possible. Please use `scheduler.step()` to step the scheduler. During the deprecation, if "
                      "epoch is different from None, the closed form is used instead of the new chainable form, "
                      "where available.")


def group_values(optimizer: Optimizer, key: str) -> list[Any]:
    """``group[key]`` of every parameter group of ``optimizer``."""
    return [group[key] for group in optimizer.param_groups]


def per_group(name: str, optimizer: Optimizer, value: Any) -> list[Any]:
    """``value`` as one entry per parameter group (a list or tuple must have one per group already)."""
    if isinstance(value, list | tuple):
        if len(value) != len(optimizer.param_groups):
            raise ArgumentError(f"{name} must have the same length as optimizer.param_groups. {name} has "
                                f"{len(value)} values, param_groups has {len(optimizer.param_groups)}.")
        return list(value)
    return [value] * len(optimizer.param_groups)


class LRScheduler:
    """Base class: keeps ``base_lrs`` (each group's ``initial_lr``) and ``last_epoch``; ``step()`` updates the lrs.

    Subclasses define ``get_lr()``, the learning rates for ``last_epoch`` in
    PyTorch's chainable form (from the groups' current lrs), and may define
    ``_get_closed_form_lr()``, used when ``step(epoch)`` jumps to an epoch.

    Parameters
    ----------
    optimizer : Optimizer
    last_epoch : int, default -1
        The index of the last epoch, to resume a schedule; with anything but
        -1 every group must have its ``"initial_lr"`` already.

    Example
    -------
    >>> import diffkit as dk
    >>> from diffkit import optim
    >>> opt = optim.SGD([dk.tensor([1.0], requires_grad=True)], lr=0.1)
    >>> optim.lr_scheduler.ExponentialLR(opt, gamma=0.9).base_lrs
    [0.1]
    """

    _get_lr_called_within_step: bool = False
    _is_initial: bool = False

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1):
        if not isinstance(optimizer, Optimizer):
            raise ArgumentTypeError(f"{type(optimizer).__name__} is not an Optimizer")
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(f"param 'initial_lr' is not specified in param_groups[{i}] when resuming a "
                                   "scheduler with last_epoch >= 0 (load the optimizer's state dict first, or "
                                   "start with last_epoch=-1)")
        self.base_lrs = group_values(optimizer, "initial_lr")
        self.last_epoch = last_epoch
        self._initial_step()

    def _initial_step(self) -> None:
        """The step construction takes (epoch 0), without the stepping-order warning."""
        self._step_count = 0
        with self._flag("_is_initial"):
            self.step()

    @contextmanager
    def _flag(self, name: str):
        setattr(self, name, True)
        try:
            yield
        finally:
            setattr(self, name, False)

    def get_lr(self) -> list[float]:
        """The learning rates for ``last_epoch`` (called by ``step``; read :meth:`get_last_lr` instead)."""
        raise NotImplementedError

    def _warn_if_called_outside_step(self) -> None:
        if not self._get_lr_called_within_step:
            warnings.warn("To get the last learning rate computed by the scheduler, please use `get_last_lr()`.",
                          UserWarning, stacklevel=3)

    def get_last_lr(self) -> list[float]:
        """The learning rates the last ``step()`` set, one per parameter group.

        Example
        -------
        >>> import diffkit as dk
        >>> from diffkit import optim
        >>> opt = optim.SGD([dk.tensor([1.0], requires_grad=True)], lr=0.5)
        >>> optim.lr_scheduler.StepLR(opt, step_size=1).get_last_lr()
        [0.5]
        """
        return self._last_lr

    def step(self, epoch: int | None = None) -> None:
        """Advance one epoch and set the new learning rates (``epoch=`` jumps there; deprecated, as in PyTorch).

        Example
        -------
        >>> import diffkit as dk
        >>> from diffkit import optim
        >>> opt = optim.SGD([dk.tensor([1.0], requires_grad=True)], lr=1.0)
        >>> sched = optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.1)
        >>> opt.step(); sched.step(); sched.get_last_lr()
        [0.1]
        """
        if self._step_count == 1 and not getattr(self.optimizer, "_opt_called", False):
            warnings.warn("Detected call of `lr_scheduler.step()` before `optimizer.step()`. Call them in the "
                          "opposite order: `optimizer.step()` before `lr_scheduler.step()`; otherwise the first "
                          "value of the learning rate schedule is skipped.", UserWarning, stacklevel=2)
        self._step_count += 1
        if epoch is not None:
            warnings.warn(_EPOCH_DEPRECATION, UserWarning, stacklevel=2)
        self._update_lr(epoch)

    def _update_lr(self, epoch: int | None = None) -> None:
        with self._flag("_get_lr_called_within_step"):
            if epoch is None:
                self.last_epoch += 1
                values = self.get_lr()
            else:
                self.last_epoch = epoch
                closed_form = getattr(self, "_get_closed_form_lr", None)
                values = closed_form() if closed_form is not None else self.get_lr()
        for group, lr in zip(self.optimizer.param_groups, values, strict=True):
            group["lr"] = lr
        self._last_lr = group_values(self.optimizer, "lr")

    def state_dict(self) -> dict[str, Any]:
        """Every attribute but the optimizer (PyTorch's keys); plain Python values, ready to pickle.

        Example
        -------
        >>> import diffkit as dk
        >>> from diffkit import optim
        >>> opt = optim.SGD([dk.tensor([1.0], requires_grad=True)], lr=1.0)
        >>> sd = optim.lr_scheduler.StepLR(opt, step_size=2).state_dict()
        >>> sd["last_epoch"], sd["step_size"], sd["_last_lr"]
        (0, 2, [1.0])
        """
        return {key: value for key, value in self.__dict__.items() if key != "optimizer"}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` saved (a PyTorch scheduler's state dict loads too).

        Example
        -------
        >>> import diffkit as dk
        >>> from diffkit import optim
        >>> opt = optim.SGD([dk.tensor([1.0], requires_grad=True)], lr=1.0)
        >>> a = optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
        >>> opt.step(); a.step(); a.step()
        >>> b = optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5); b.load_state_dict(a.state_dict())
        >>> b.last_epoch, b.get_last_lr()
        (2, [0.25])
        """
        self.__dict__.update(state_dict)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(last_epoch={self.last_epoch}, last_lr={self.get_last_lr()})"
