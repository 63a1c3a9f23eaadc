"""The ``Optimizer`` base class: parameter groups, per-parameter state, ``zero_grad``, state dicts.

Subclasses implement ``_update(group, params_with_grads)``; updates run on the
parameters' arrays in place, outside the tape, and bump each parameter's
version counter (via ``Tensor.add_``/``mul_`` under ``no_grad``), so a stale
graph that saved a parameter refuses to backpropagate, as in PyTorch.

Example
-------
>>> import diffkit as dk
>>> from diffkit import optim
>>> w = dk.tensor([1.0, 2.0], requires_grad=True)
>>> opt = optim.SGD([w], lr=0.1)
>>> (w * w).sum().backward()
>>> opt.step(); w
tensor([0.8, 1.6], requires_grad=True)
"""

from __future__ import annotations

import copy
import functools
import warnings
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from ..ad.backend import device_of, to_device
from ..ad.grad_mode import enable_grad, no_grad
from ..ad.tensor import Tensor
from ..errors import ArgumentError, ArgumentTypeError

__all__ = ["Optimizer", "required"]


class _Required:
    def __repr__(self) -> str:
        return "<required parameter>"


#: Marks a hyperparameter without a default (every group must then give it).
required = _Required()


def _is_array(value: Any) -> bool:
    return hasattr(value, "shape") and hasattr(value, "dtype") and not isinstance(value, Tensor)


def _one_number(value: Any) -> Any:
    """A one-element Tensor (diffkit's or torch's) or array as a Python float; anything else as it is."""
    if hasattr(value, "shape") and hasattr(value, "dtype") and getattr(value, "ndim", 1) <= 1:
        try:
            if int(np.prod(value.shape)) == 1:
                return float(value.item() if hasattr(value, "item") else value)
        except (TypeError, ValueError):
            pass
    return value


def _restore(key: str, value: Any, p: Tensor) -> Any:
    """One saved state entry for parameter ``p``: arrays on its device (floats in its dtype), copies of the rest.

    A PyTorch optimizer's state loads too: its tensors become arrays, and its
    step counter (a 0-d float tensor) becomes the int diffkit keeps.
    """
    if type(value).__module__.split(".", 1)[0] == "torch":
        value = value.detach().cpu().numpy()
        if key == "step" and value.ndim == 0:
            return int(value)
    if isinstance(value, list):
        return [_restore(key, v, p) for v in value]
    if _is_array(value) or isinstance(value, Tensor):
        arr = to_device(value._data if isinstance(value, Tensor) else value, device_of(p._data))
        return arr.astype(p.dtype) if arr.dtype.kind in "fc" else arr.copy()
    return copy.deepcopy(value)


class Optimizer:
    """Base class of the optimizers (PyTorch's ``torch.optim.Optimizer``).

    Parameters
    ----------
    params : iterable of Tensor, or iterable of dict
        The tensors to optimise, or parameter groups: dicts with a
        ``"params"`` entry and hyperparameters that override ``defaults``.
    defaults : dict
        Default hyperparameters of every group.

    Attributes
    ----------
    param_groups : list of dict
    state : dict
        Per-parameter state (momentum buffers, moment estimates), keyed by parameter.

    Example
    -------
    >>> from diffkit import nn, optim
    >>> model = nn.Sequential(nn.Linear(2, 3), nn.Linear(3, 1))
    >>> opt = optim.SGD([{"params": model[0].parameters()},
    ...                  {"params": model[1].parameters(), "lr": 0.1}], lr=0.01, momentum=0.9)
    >>> [g["lr"] for g in opt.param_groups]
    [0.01, 0.1]
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # Every ``step`` records that it ran, so that a scheduler stepped first can warn (PyTorch wraps the
        # bound method per scheduler; marking the class keeps optimizers plain, picklable objects).
        super().__init_subclass__(**kwargs)
        step = cls.__dict__.get("step")
        if step is not None and not getattr(step, "_marks_called", False):
            @functools.wraps(step)
            def marked_step(self: Optimizer, *args: Any, **kw: Any) -> Any:
                self._opt_called = True
                return step(self, *args, **kw)

            marked_step._marks_called = True  # type: ignore[attr-defined]
            cls.step = marked_step

    def __init__(self, params: Iterable[Any], defaults: dict[str, Any]):
        self.defaults = dict(defaults)
        if "lr" in self.defaults:
            self.defaults["lr"] = _one_number(self.defaults["lr"])
        # a defaultdict, as PyTorch's: ``opt.state[p]`` of a parameter not yet stepped is {}
        self.state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        if isinstance(params, Tensor):
            raise ArgumentTypeError("params argument given to the optimizer should be an iterable of Tensors or "
                                    "dicts, but got a Tensor (wrap it in a list: [w])")
        if isinstance(params, set):
            raise ArgumentTypeError("optimizer parameters need to be organized in ordered collections, but the "
                                    "ordering of tensors in sets will change between runs; use a list instead")
        groups = list(params)
        if not groups:
            raise ArgumentError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters with its own hyperparameters (e.g. when unfreezing layers).

        ``"params"`` holds Tensors, or ``(name, tensor)`` pairs such as
        ``model.named_parameters()`` gives; the names are kept as the group's
        ``"param_names"`` (and in ``state_dict``), as in PyTorch.

        Example
        -------
        >>> import diffkit as dk
        >>> from diffkit import nn, optim
        >>> opt = optim.SGD([dk.tensor([1.0], requires_grad=True)], lr=0.1)
        >>> opt.add_param_group({"params": [dk.tensor([2.0], requires_grad=True)], "lr": 0.01})
        >>> len(opt.param_groups)
        2
        >>> optim.Adam(nn.Linear(2, 1).named_parameters()).param_groups[0]["param_names"]
        ['weight', 'bias']
        """
        if not isinstance(param_group, dict):
            raise ArgumentTypeError(f"a parameter group must be a dict, got {type(param_group).__name__}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise ArgumentTypeError("optimizer parameters need to be organized in ordered collections, but the "
                                    "ordering of tensors in sets will change between runs; use a list instead")
        params = list(params)
        names = None
        named = [isinstance(p, tuple) and len(p) == 2 and isinstance(p[0], str) for p in params]
        if any(named):
            if not all(named):
                raise ArgumentError("all optimizer params should be with/without names. Some param names are "
                                    "missing: pass (name, tensor) pairs for all of them or for none")
            names, params = [n for n, _ in params], [p for _, p in params]
        for p in params:
            if not isinstance(p, Tensor):
                raise ArgumentTypeError(f"optimizer can only optimize Tensors, but one of the params is "
                                        f"{type(p).__name__}")
            if not p.is_leaf:
                raise ArgumentError("can't optimize a non-leaf Tensor (one computed from others); optimise the "
                                    "leaves, e.g. a Parameter or dk.tensor(..., requires_grad=True)")
        group = {"params": params}
        group.update((k, v) for k, v in param_group.items() if k not in ("params", "param_names"))
        if "lr" in group:  # a Tensor lr (PyTorch allows one) is kept as the number it holds
            group["lr"] = _one_number(group["lr"])
        if names is not None:
            group["param_names"] = names
        elif "param_names" in param_group:
            group["param_names"] = list(param_group["param_names"])
        for name, default in self.defaults.items():
            if default is required and name not in group:
                raise ArgumentError(f"parameter group didn't specify a value of required optimization parameter "
                                    f"{name}")
            group.setdefault(name, default)
        _check_flags(group)
        if self.param_groups and ("param_names" in group) != ("param_names" in self.param_groups[0]):
            have = "with" if "param_names" in group else "without"
            raise ArgumentError(f"all optimizer param groups should be with/without names. cannot add param group "
                                f"{have} names to the optimizer")
        if len({id(p) for p in params}) != len(params):
            warnings.warn("optimizer contains a parameter group with duplicate parameters; in future, this will "
                          "cause an error (each copy is updated, as in PyTorch)", UserWarning, stacklevel=3)
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in seen for p in params):
            raise ArgumentError("some parameters appear in more than one parameter group")
        self.param_groups.append(group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of all optimised tensors: to ``None`` (default) or to zeros.

        Call it before each ``backward()``: gradients accumulate otherwise.

        Example
        -------
        >>> import diffkit as dk
        >>> from diffkit import optim
        >>> w = dk.tensor([1.0], requires_grad=True)
        >>> opt = optim.SGD([w], lr=0.1)
        >>> (2 * w).sum().backward(); opt.zero_grad(); w.grad is None
        True
        """
        from ..nn.module import _zero_grad

        for group in self.param_groups:
            for p in group["params"]:
                _zero_grad(p, set_to_none)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One update of every parameter that has a gradient; returns ``closure()``'s loss if given.

        Example
        -------
        >>> import diffkit as dk
        >>> from diffkit import optim
        >>> w = dk.tensor([3.0], requires_grad=True)
        >>> opt = optim.SGD([w], lr=0.25)
        >>> def closure():
        ...     opt.zero_grad(); loss = (w * w).sum(); loss.backward(); return loss
        >>> opt.step(closure).item(), w.item()
        (9.0, 1.5)
        """
        self._opt_called = True
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        with no_grad():
            for group in self.param_groups:
                params = [p for p in group["params"] if p.grad is not None]
                if params:
                    self._update(group, params)
        return loss

    def _update(self, group: dict[str, Any], params: list[Tensor]) -> None:
        raise NotImplementedError

    # ------------------------------------------------------------------ state dicts
    def state_dict(self) -> dict[str, Any]:
        """The optimizer's state (copies) and hyperparameters; parameters are referred to by position.

        Example
        -------
        >>> import diffkit as dk
        >>> from diffkit import optim
        >>> w = dk.tensor([1.0], requires_grad=True)
        >>> opt = optim.SGD([w], lr=0.1, momentum=0.9)
        >>> (w * w).sum().backward(); opt.step()
        >>> sd = opt.state_dict()
        >>> sd["param_groups"][0]["params"], sd["state"][0]["momentum_buffer"].tolist()
        ([0], [2.0])
        """
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            packed["params"] = []
            for p in group["params"]:
                i = index.setdefault(id(p), len(index))
                packed["params"].append(i)
            groups.append(packed)
        state = {}
        for group in self.param_groups:
            for p in group["params"]:
                if p in self.state:
                    state[index[id(p)]] = {k: (v.copy() if _is_array(v) else copy.deepcopy(v))
                                           for k, v in self.state[p].items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore state and hyperparameters saved by :meth:`state_dict` (same parameter layout).

        State arrays are cast to each parameter's dtype and device.

        Example
        -------
        >>> import diffkit as dk
        >>> from diffkit import optim
        >>> w = dk.tensor([1.0], requires_grad=True)
        >>> a = optim.Adam([w], lr=0.1); (w * w).sum().backward(); a.step()
        >>> b = optim.Adam([w], lr=0.5); b.load_state_dict(a.state_dict())
        >>> b.param_groups[0]["lr"], b.state[w]["step"]
        (0.1, 1)
        """
        groups = state_dict["param_groups"]
        if len(groups) != len(self.param_groups):
            raise ArgumentError(f"loaded state dict has {len(groups)} parameter groups, this optimizer has "
                                f"{len(self.param_groups)}")
        for i, (saved, mine) in enumerate(zip(groups, self.param_groups)):
            if len(saved["params"]) != len(mine["params"]):
                raise ArgumentError(f"loaded state dict contains a parameter group ({i}) of {len(saved['params'])} "
                                    f"parameters; this optimizer's group has {len(mine['params'])}")
        by_index = {}
        for saved, mine in zip(groups, self.param_groups):
            for i, p in zip(saved["params"], mine["params"]):
                by_index[i] = p
        new_state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        for i, entries in state_dict["state"].items():
            p = by_index.get(int(i))
            if p is not None:
                new_state[p] = {k: _restore(k, v, p) for k, v in entries.items()}
        for saved, mine in zip(groups, self.param_groups):
            for k, v in saved.items():
                if k != "params":
                    mine[k] = copy.deepcopy(v)
        self.state = new_state

    def __repr__(self) -> str:
        out = type(self).__name__ + " ("
        for i, group in enumerate(self.param_groups):
            out += f"\nParameter Group {i}\n"
            for key in sorted(group):
                if key != "params":
                    out += f"    {key}: {group[key]}\n"
        return out + ")"


def _check(name: str, value: float, low: float = 0.0, high: float | None = None) -> None:
    value = _one_number(value)
    if name == "learning rate" and hasattr(value, "shape"):
        raise ArgumentError(f"Tensor lr must be 1-element, got shape {tuple(value.shape)}")
    if not isinstance(value, int | float) or value < low or (high is not None and value >= high):
        rng = f">= {low}" if high is None else f"in [{low}, {high})"
        raise ArgumentError(f"Invalid {name}: {value} (must be a number {rng})")


# PyTorch's implementation switches sit in every group as in torch, so state dicts and reprs carry the same keys.
# ``foreach`` and ``fused`` only choose how torch loops over tensors: the numbers are the same, so they are kept and
# have no effect; ``capturable`` (CUDA graphs) and ``differentiable`` (an update on the tape) are refused.
def _check_flags(group: dict[str, Any]) -> None:
    for flag, why in (("capturable", "captures CUDA graphs"), ("differentiable", "records the update on the tape")):
        if group.get(flag):
            raise ArgumentError(f"{flag}=True is not supported: in PyTorch it {why}; diffkit's updates run in place "
                                f"outside the tape (leave {flag}=False)")
    if group.get("fused") and group.get("foreach"):
        raise ArgumentError("`fused` and `foreach` cannot be `True` together.")
