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
from collections.abc import Callable, Iterable
from typing import Any

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

    def __init__(self, params: Iterable[Any], defaults: dict[str, Any]):
        self.defaults = dict(defaults)
        self.state: dict[Tensor, dict[str, Any]] = {}
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

        Example
        -------
        >>> import diffkit as dk
        >>> from diffkit import optim
        >>> opt = optim.SGD([dk.tensor([1.0], requires_grad=True)], lr=0.1)
        >>> opt.add_param_group({"params": [dk.tensor([2.0], requires_grad=True)], "lr": 0.01})
        >>> len(opt.param_groups)
        2
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
        for p in params:
            if not isinstance(p, Tensor):
                raise ArgumentTypeError(f"optimizer can only optimize Tensors, but one of the params is "
                                        f"{type(p).__name__}")
            if not p.is_leaf:
                raise ArgumentError("can't optimize a non-leaf Tensor (one computed from others); optimise the "
                                    "leaves, e.g. a Parameter or dk.tensor(..., requires_grad=True)")
        group = {k: v for k, v in param_group.items() if k != "params"}
        group["params"] = params
        for name, default in self.defaults.items():
            if default is required and name not in group:
                raise ArgumentError(f"parameter group didn't specify a value of required optimization parameter "
                                    f"{name}")
            group.setdefault(name, default)
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in seen for p in params) or len({id(p) for p in params}) != len(params):
            raise ArgumentError("some parameters appear in more than one parameter group (or twice in one)")
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
        new_state: dict[Tensor, dict[str, Any]] = {}
        for i, entries in state_dict["state"].items():
            p = by_index.get(int(i))
            if p is None:
                continue
            restored = {}
            for k, v in entries.items():
                if _is_array(v) or isinstance(v, Tensor):
                    arr = v._data if isinstance(v, Tensor) else v
                    arr = to_device(arr, device_of(p._data))
                    if getattr(arr, "dtype", None) is not None and arr.dtype.kind in "fc":
                        arr = arr.astype(p.dtype)
                    else:
                        arr = arr.copy()
                    restored[k] = arr
                else:
                    restored[k] = copy.deepcopy(v)
            new_state[p] = restored
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
    if not isinstance(value, int | float) or value < low or (high is not None and value >= high):
        rng = f">= {low}" if high is None else f"in [{low}, {high})"
        raise ArgumentError(f"Invalid {name}: {value} (must be a number {rng})")
