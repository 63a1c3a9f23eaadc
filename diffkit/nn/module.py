"""``Module`` and ``Parameter``: PyTorch's model building blocks on diffkit Tensors.

A Module registers every :class:`Parameter` and sub-Module assigned to one of
its attributes, so ``parameters()``, ``state_dict()``, ``zero_grad()``,
``train()``/``eval()`` and ``to()`` reach the whole tree. ``repr`` prints the
tree the way PyTorch does, and state-dict keys are PyTorch's (``0.weight``),
so weights copy across both ways.

This module holds Parameter, the state-dict errors and the Module class
itself: calling with hooks, registration of parameters, buffers and
submodules, the state dict and ``repr``. Two mixins carry the rest: walking
the tree (:mod:`.module_tree`: ``modules()``, ``parameters()``...) and the
settings that reach every parameter (:mod:`.module_modes`: ``train``/``eval``,
``requires_grad_``, ``zero_grad``, ``to``...).

Example
-------
>>> import diffkit as dk
>>> from diffkit import nn
>>> class Line(nn.Module):
...     def __init__(self):
...         super().__init__()
...         self.w = nn.Parameter(dk.tensor([[0.0]]))
...         self.b = nn.Parameter(dk.tensor([0.0]))
...     def forward(self, x):
...         return x @ self.w.T + self.b
>>> m = Line()
>>> [name for name, _ in m.named_parameters()]
['w', 'b']
>>> m.w
Parameter containing:
tensor([[0.]], requires_grad=True)
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

import numpy as np

from ..ad.backend import device_of, namespace_of, to_device
from ..ad.grad_mode import no_grad
from ..ad.hooks import RemovableHandle
from ..ad.tensor import Tensor
from ..errors import ArgumentTypeError, DiffkitError, ShapeError
from .hooks import add_hook, call_with_hooks
from .module_modes import ModuleModes
from .module_modes import _zero_grad as _zero_grad
from .module_tree import ModuleTree

__all__ = ["Module", "Parameter", "IncompatibleKeys", "StateDictError", "StateDictShapeError"]


class StateDictError(DiffkitError, RuntimeError):
    """A state dict does not fit the model: missing or unexpected keys (PyTorch raises RuntimeError).

    Example
    -------
    >>> import diffkit as dk
    >>> from diffkit import nn
    >>> nn.Linear(2, 3).load_state_dict({"weight": dk.zeros(3, 2)})  # no "bias"
    Traceback (most recent call last):
    ...
    diffkit.nn.module.StateDictError: Error(s) in loading state_dict for Linear:
        Missing key(s) in state_dict: "bias".
    >>> issubclass(nn.StateDictError, RuntimeError)
    True
    """


class StateDictShapeError(StateDictError, ShapeError):
    """A state dict holds an array whose shape differs from the model's parameter.

    Example
    -------
    >>> import diffkit as dk
    >>> from diffkit import nn
    >>> nn.Linear(2, 3).load_state_dict({"weight": dk.zeros(2, 2), "bias": dk.zeros(3)})
    Traceback (most recent call last):
    ...
    diffkit.nn.module.StateDictShapeError: Error(s) in loading state_dict for Linear:
        size mismatch for weight: copying a param with shape (2, 2) from checkpoint, ...
    """


class IncompatibleKeys(NamedTuple):
    """What ``load_state_dict`` could not match: keys the model wanted and keys it did not know.

    Example
    -------
    >>> import diffkit as dk
    >>> from diffkit import nn
    >>> keys = nn.Linear(2, 3).load_state_dict({"weight": dk.zeros(3, 2)}, strict=False)
    >>> keys.missing_keys, keys.unexpected_keys
    (['bias'], [])
    """

    missing_keys: list[str]
    unexpected_keys: list[str]

    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return f"IncompatibleKeys(missing_keys={self.missing_keys}, unexpected_keys={self.unexpected_keys})"


class Parameter(Tensor):
    """A Tensor that a :class:`Module` registers as one of its parameters.

    Assigning a Parameter to a Module attribute adds it to ``parameters()``;
    assigning a plain Tensor does not (so caches and constants stay out).
    ``requires_grad`` is True unless asked otherwise. The Parameter shares
    the array of a Tensor it is made from, as in PyTorch; an array or a list is
    copied, so training never writes into the caller's data.

    Example
    -------
    >>> import diffkit as dk
    >>> from diffkit import nn
    >>> p = nn.Parameter(dk.tensor([1.0, 2.0]))
    >>> p.requires_grad, p.is_leaf
    (True, True)
    >>> p
    Parameter containing:
    tensor([1., 2.], requires_grad=True)
    """

    def __init__(self, data: Any = None, requires_grad: bool = True):
        if data is None:
            data = np.empty(0, dtype=np.float32)
        elif isinstance(data, Tensor):
            data = data._data
        else:
            data = namespace_of(data).asarray(data, copy=True)
        super().__init__(data, requires_grad=requires_grad, device=device_of(data))

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    def __reduce_ex__(self, protocol: int):
        return (type(self), (self._data, self.requires_grad))


def _data(value: Any) -> Any:
    """The array behind a Tensor, a torch tensor, or array-like (device kept for CuPy)."""
    if isinstance(value, Tensor):
        return value._data
    if type(value).__module__.split(".", 1)[0] == "torch":
        return value.detach().cpu().numpy()
    if device_of(value) == "cuda":
        return value
    return np.asarray(value)


def _cast_to(target: Any, value: Any) -> Any:
    """``value`` as an array of ``target``'s dtype, on its own device; ValueError saying why not,
    where the cast would change what the numbers mean (a silently wrong number is the worst defect)."""
    want, got = np.dtype(target.dtype), getattr(value, "dtype", None)
    if got is None or np.dtype(got).kind not in "biufc":
        what = "Python objects (None, ...)" if got is not None and np.dtype(got).kind == "O" else \
            f"not numbers (dtype {got})"
        raise ValueError(f"its values are {what}; a parameter holds numbers")
    got = np.dtype(got)
    if got == want:
        return value
    xp = namespace_of(value)
    if got.kind == "c" and want.kind != "c":
        raise ValueError(f"it is complex ({got}) and the parameter is real ({want}): the imaginary part would be "
                         "lost; pass value.real if that is what you mean")
    if want.kind in "biu" and got.kind == "f" and not bool(xp.all(xp.isfinite(value) & (value == xp.round(value)))):
        raise ValueError(f"it holds values that are not whole numbers ({got}) and the buffer is {want}")
    if want.kind in "biu" and value.size:
        lo, hi = (0, 1) if want.kind == "b" else (np.iinfo(want).min, np.iinfo(want).max)
        if float(xp.min(value)) < lo or float(xp.max(value)) > hi:
            raise ValueError(f"its values run from {float(xp.min(value)):g} to {float(xp.max(value)):g}, outside "
                             f"what {want} holds")
    with np.errstate(all="ignore"):  # overflow is checked for below, and said so
        cast = value.astype(want)
    if want.kind in "fc" and not bool(xp.all(xp.isfinite(cast) | ~xp.isfinite(value))):
        raise ValueError(f"it holds finite values beyond what {want} holds (they would become inf)")
    return cast


def _assign(target: Any, array: Any) -> None:
    """Copy ``array`` into the Tensor ``target`` in place (its identity and dtype are kept)."""
    with no_grad():
        target.copy_(to_device(array, target.device))


def _add_indent(text: str, spaces: int) -> str:
    lines = text.split("\n")
    if len(lines) == 1:
        return text
    pad = " " * spaces
    return lines[0] + "\n" + "\n".join(pad + line for line in lines[1:])


class Module(ModuleTree, ModuleModes):
    """Base class of all models and layers (PyTorch's ``nn.Module``).

    Subclasses call ``super().__init__()`` first, assign Parameters and
    sub-Modules as attributes, and define ``forward``; calling the module
    calls ``forward``.

    Example
    -------
    >>> from diffkit import nn
    >>> class Net(nn.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.hidden = nn.Linear(2, 3)
    ...         self.out = nn.Linear(3, 1)
    ...     def forward(self, x):
    ...         return self.out(self.hidden(x).relu())
    >>> net = Net()
    >>> net
    Net(
      (hidden): Linear(in_features=2, out_features=3, bias=True)
      (out): Linear(in_features=3, out_features=1, bias=True)
    )
    >>> list(net.state_dict())
    ['hidden.weight', 'hidden.bias', 'out.weight', 'out.bias']
    >>> sum(p.numel() for p in net.parameters())
    13
    """

    training: bool

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if args or kwargs:
            raise ArgumentTypeError(f"{type(self).__name__}.__init__() got unexpected arguments; Module.__init__ takes "
                                    "none (call super().__init__() without arguments)")
        d = self.__dict__
        d["training"] = True
        d["_parameters"] = {}
        d["_buffers"] = {}
        d["_non_persistent_buffers"] = set()
        d["_modules"] = {}

    # ------------------------------------------------------------------ calling
    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """The computation; every subclass defines it.

        Example
        -------
        >>> import diffkit as dk
        >>> from diffkit import nn
        >>> class Twice(nn.Module):
        ...     def forward(self, x):
        ...         return 2 * x
        >>> Twice().forward(dk.tensor([1.0, 2.0]))
        tensor([2., 4.])
        """
        raise NotImplementedError(f'Module [{type(self).__name__}] is missing the required "forward" function')

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Run :meth:`forward`: ``model(x)`` (call the module, not ``forward``, as in PyTorch).

        Example
        -------
        >>> import diffkit as dk
        >>> from diffkit import nn
        >>> nn.Linear(2, 3)(dk.ones(4, 2)).shape
        (4, 3)
        """
        d = self.__dict__
        if "_forward_pre_hooks" in d or "_forward_hooks" in d or "_backward_hooks" in d or "_backward_pre_hooks" in d:
            return call_with_hooks(self, args, kwargs)
        return self.forward(*args, **kwargs)

    def _dk_trace_(self, **options: Any) -> Any:
        """``dk.trace(module, example=x)``: see :mod:`diffkit.nn.tracing`."""
        from .tracing import trace_module

        return trace_module(self, **options)

    def register_forward_pre_hook(self, hook: Callable[..., Any], *, prepend: bool = False,
                                  with_kwargs: bool = False) -> RemovableHandle:
        """Call ``hook(module, args)`` before every ``forward``; it may return new args (a tuple, or one value).

        With ``with_kwargs=True`` it is ``hook(module, args, kwargs)`` and may return ``(args, kwargs)``.
        ``prepend`` puts it before the hooks already there. Returns a handle whose ``remove()`` takes it off.

        Example
        -------
        >>> import diffkit as dk
        >>> from diffkit import nn
        >>> relu = nn.ReLU()
        >>> h = relu.register_forward_pre_hook(lambda m, args: (args[0] - 1.0,))
        >>> relu(dk.tensor([0.5, 3.0]))
        tensor([0., 2.])
        >>> h.remove()
        """
        return add_hook(self, "_forward_pre_hooks", hook, prepend, with_kwargs=with_kwargs)

    def register_forward_hook(self, hook: Callable[..., Any], *, prepend: bool = False,
                              with_kwargs: bool = False) -> RemovableHandle:
        """Call ``hook(module, args, output)`` after every ``forward``; it may return a new output.

        With ``with_kwargs=True`` it is ``hook(module, args, kwargs, output)``. The usual use is to
        look at activations; returns a handle whose ``remove()`` takes the hook off.

        Example
        -------
        >>> import diffkit as dk
        >>> from diffkit import nn
        >>> model = nn.Sequential(nn.Linear(2, 3), nn.ReLU())
        >>> shapes = []
        >>> h = model[0].register_forward_hook(lambda m, args, out: shapes.append(out.shape))
        >>> _ = model(dk.ones(5, 2))
        >>> shapes
        [(5, 3)]
        """
        return add_hook(self, "_forward_hooks", hook, prepend, with_kwargs=with_kwargs)

    def register_full_backward_hook(self, hook: Callable[..., Any], prepend: bool = False) -> RemovableHandle:
        """Call ``hook(module, grad_input, grad_output)`` when backward has the gradients of this module's
        tensor inputs; it may return replacements for ``grad_input`` (a tuple, one per tensor input).

        ``grad_output`` holds the gradients of the module's tensor outputs. Inputs that don't
        require grad get ``None``. Returns a handle whose ``remove()`` takes the hook off.

        Example
        -------
        >>> import diffkit as dk
        >>> from diffkit import nn
        >>> act = nn.Tanh()
        >>> h = act.register_full_backward_hook(lambda m, gin, gout: (gin[0] * 0.0,))  # block it
        >>> x = dk.tensor([1.0, 2.0], requires_grad=True)
        >>> act(x).sum().backward(); x.grad
        tensor([0., 0.])
        """
        return add_hook(self, "_backward_hooks", hook, prepend)

    def register_full_backward_pre_hook(self, hook: Callable[..., Any], prepend: bool = False) -> RemovableHandle:
        """Call ``hook(module, grad_output)`` when backward reaches this module's outputs; it may return
        a replacement for ``grad_output`` (a tuple, one per tensor output).

        Example
        -------
        >>> import diffkit as dk
        >>> from diffkit import nn
        >>> act = nn.Sigmoid()
        >>> h = act.register_full_backward_pre_hook(lambda m, gout: (gout[0] * 2.0,))
        >>> x = dk.tensor([0.0], requires_grad=True)
        >>> act(x).sum().backward(); x.grad    # 2 * sigmoid'(0) = 2 * 0.25
        tensor([0.5])
        """
        return add_hook(self, "_backward_pre_hooks", hook, prepend)

    # ------------------------------------------------------------- registration
    def _check_init(self, what: str) -> None:
        if "_parameters" not in self.__dict__:
            raise AttributeError(f"cannot assign {what} before Module.__init__() call "
                                 f"(call super().__init__() first in {type(self).__name__}.__init__)")

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Add a Parameter (or ``None``, a declared but absent one) under ``name``.

        Example
        -------
        >>> import diffkit as dk
        >>> from diffkit import nn
        >>> m = nn.Module()
        >>> m.register_parameter("scale", nn.Parameter(dk.tensor(1.0)))
        >>> [n for n, _ in m.named_parameters()]
        ['scale']
        """
        self._check_init("parameters")
        if not isinstance(name, str) or not name or "." in name:
            raise KeyError(f"parameter name must be a non-empty string without '.', got {name!r}")
        if param is not None and not isinstance(param, Parameter):
            raise ArgumentTypeError(f"cannot assign '{type(param).__name__}' object to parameter '{name}' "
                                    "(nn.Parameter or None required)")
        if hasattr(self, name) and name not in self._parameters:
            raise KeyError(f"attribute '{name}' already exists")
        self._parameters[name] = param

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Add state that is not a parameter (a running mean, a mask): a Tensor, or None for one declared but absent.

        Buffers are moved and cast by ``to()`` (floating ones only), listed by
        ``buffers()``, and saved in ``state_dict()`` unless ``persistent=False``;
        optimizers never see them.

        Example
        -------
        >>> import diffkit as dk
        >>> from diffkit import nn
        >>> m = nn.Module()
        >>> m.register_buffer("steps", dk.tensor(0.0))
        >>> m.register_buffer("cache", dk.zeros(3), persistent=False)
        >>> list(m.state_dict()), list(m.parameters()), [n for n, _ in m.named_buffers()]
        (['steps'], [], ['steps', 'cache'])
        """
        self._check_init("buffers")
        if not isinstance(name, str) or not name or "." in name:
            raise KeyError(f"buffer name must be a non-empty string without '.', got {name!r}")
        if hasattr(self, name) and name not in self._buffers:
            raise KeyError(f"attribute '{name}' already exists")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise ArgumentTypeError(f"cannot assign '{type(tensor).__name__}' object to buffer '{name}' (a Tensor or "
                                    "None required; wrap an array with dk.tensor(...))")
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers.discard(name)
        else:
            self._non_persistent_buffers.add(name)

    def add_module(self, name: str, module: Module | None) -> None:
        """Add a child module under ``name`` (what attribute assignment does).

        Example
        -------
        >>> from diffkit import nn
        >>> m = nn.Module()
        >>> m.add_module("act", nn.ReLU())
        >>> m
        Module(
          (act): ReLU()
        )
        """
        self._check_init("module")
        if module is not None and not isinstance(module, Module):
            raise ArgumentTypeError(f"{type(module).__name__} is not a Module subclass")
        if not isinstance(name, str) or "." in name or name == "":
            raise KeyError(f"module name must be a non-empty string without '.', got {name!r}")
        if hasattr(self, name) and name not in self._modules:
            raise KeyError(f"attribute '{name}' already exists")
        self._modules[name] = module

    register_module = add_module

    def __setattr__(self, name: str, value: Any) -> None:
        d = self.__dict__
        params = d.get("_parameters")
        if isinstance(value, Parameter):
            self._check_init("parameters")
            self._forget(name, keep="_parameters")
            params[name] = value
        elif params is not None and name in params:
            if value is not None:
                raise ArgumentTypeError(f"cannot assign '{type(value).__name__}' as parameter '{name}' "
                                        "(nn.Parameter or None expected)")
            params[name] = None
        elif isinstance(value, Module):
            self._check_init("module")
            self._forget(name, keep="_modules")
            d["_modules"][name] = value
        elif name in d.get("_modules", ()):
            if value is not None:
                raise ArgumentTypeError(f"cannot assign '{type(value).__name__}' as child module '{name}' "
                                        "(nn.Module or None expected)")
            d["_modules"][name] = None
        elif name in d.get("_buffers", ()):
            if value is not None and not isinstance(value, Tensor):
                raise ArgumentTypeError(f"cannot assign '{type(value).__name__}' as buffer '{name}' (a Tensor or "
                                        "None expected)")
            d["_buffers"][name] = value
        else:
            object.__setattr__(self, name, value)

    def _forget(self, name: str, keep: str) -> None:
        # Drop ``name`` from everywhere but the registry it is being assigned
        # to, where replacing it keeps its place (Sequential order).
        d = self.__dict__
        d.pop(name, None)
        for key in ("_parameters", "_buffers", "_modules"):
            if key != keep:
                d[key].pop(name, None)
        d["_non_persistent_buffers"].discard(name)

    def __getattr__(self, name: str) -> Any:
        # Only called when ordinary lookup fails: look in the registries.
        d = object.__getattribute__(self, "__dict__")
        for key in ("_parameters", "_buffers", "_modules"):
            reg = d.get(key)
            if reg is not None and name in reg:
                return reg[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        d = self.__dict__
        for key in ("_parameters", "_buffers", "_modules"):
            if name in d.get(key, ()):
                del d[key][name]
                d["_non_persistent_buffers"].discard(name)
                return
        object.__delattr__(self, name)

    def __dir__(self) -> list[str]:
        names = set(super().__dir__())
        d = self.__dict__
        for key in ("_parameters", "_buffers", "_modules"):
            names.update(d.get(key, {}))
        return sorted(n for n in names if not n[0].isdigit())

    # ---------------------------------------------------------------- state dict
    def _save_to_state_dict(self, destination: dict, prefix: str, keep_vars: bool) -> None:
        for name, p in self._parameters.items():
            if p is not None:
                destination[prefix + name] = p if keep_vars else p.detach()
        for name, b in self._buffers.items():
            if b is not None and name not in self._non_persistent_buffers:
                destination[prefix + name] = b if keep_vars else b.detach()

    def state_dict(self, destination: dict | None = None, prefix: str = "",
                   keep_vars: bool = False) -> OrderedDict:
        """Parameters and persistent buffers by dotted name (PyTorch's keys), as detached Tensors.

        The Tensors share memory with the model (copy them to keep a
        snapshot: ``{k: v.clone() for k, v in sd.items()}``). ``np.asarray``
        of a value, or ``torch.from_numpy(v.numpy())``, moves it across.

        Example
        -------
        >>> from diffkit import nn
        >>> sd = nn.Sequential(nn.Linear(2, 3), nn.Sigmoid(), nn.Linear(3, 2)).state_dict()
        >>> [(k, tuple(v.shape)) for k, v in sd.items()]
        [('0.weight', (3, 2)), ('0.bias', (3,)), ('2.weight', (2, 3)), ('2.bias', (2,))]
        """
        if destination is None:
            destination = OrderedDict()
        self._save_to_state_dict(destination, prefix, keep_vars)
        for name, module in self._modules.items():
            if module is not None:
                module.state_dict(destination, prefix + name + ".", keep_vars)
        return destination

    def load_state_dict(self, state_dict: Mapping[str, Any], strict: bool = True) -> IncompatibleKeys:
        """Copy values into the parameters and buffers, in place (PyTorch's checks and keys).

        Values may be diffkit Tensors, NumPy/CuPy arrays or torch tensors; each
        is cast to the parameter's dtype and device. With ``strict`` (default)
        a missing or unexpected key is an error; a shape mismatch always is, and
        so is a value whose cast would change what its numbers mean (text or
        Python objects, complex into a real parameter, non-whole numbers into an
        integer buffer, finite values beyond the dtype's range). Everything is
        checked before anything is assigned: errors name every offending key
        (and both shapes), and leave the model unchanged. Returns the unmatched
        keys.

        Example
        -------
        >>> import numpy as np
        >>> from diffkit import nn
        >>> a, b = nn.Linear(2, 3), nn.Linear(2, 3)
        >>> a.load_state_dict(b.state_dict())
        <All keys matched successfully>
        >>> bool(np.array_equal(a.weight.numpy(), b.weight.numpy()))
        True
        >>> a.load_state_dict({"weight": np.zeros((2, 3)), "bias": np.zeros(3)})
        Traceback (most recent call last):
        ...
        diffkit.nn.module.StateDictShapeError: Error(s) in loading state_dict for Linear:
            size mismatch for weight: copying a param with shape (2, 3) from checkpoint, ...
        """
        if not isinstance(state_dict, Mapping):
            raise ArgumentTypeError("expected state_dict to be a mapping of names to arrays, "
                                    f"got {type(state_dict).__name__}")
        targets = self.state_dict(keep_vars=True)
        missing = [k for k in targets if k not in state_dict]
        unexpected = [k for k in state_dict if k not in targets]
        errors, staged, shape_error = [], [], False
        for key, target in targets.items():
            if key not in state_dict:
                continue
            try:
                value = _data(state_dict[key])
            except Exception as exc:  # noqa: BLE001 - reported with its key below
                errors.append(f"could not read {key}: {exc}")
                continue
            want = tuple(target.shape)
            got = tuple(getattr(value, "shape", ()))
            if got != want:
                shape_error = True
                errors.append(f"size mismatch for {key}: copying a param with shape {got} from checkpoint, "
                              f"the shape in current model is {want}.")
                continue
            try:  # cast now, so nothing is assigned unless everything can be
                value = _cast_to(target, value)
            except (ValueError, TypeError) as exc:
                errors.append(f"can't load {key}: {exc}")
                continue
            staged.append((target, value))
        if strict:
            if unexpected:
                errors.insert(0, "Unexpected key(s) in state_dict: " + ", ".join(f'"{k}"' for k in unexpected)
                              + ".")
            if missing:
                errors.insert(0, "Missing key(s) in state_dict: " + ", ".join(f'"{k}"' for k in missing) + ".")
        if errors:
            cls = StateDictShapeError if shape_error else StateDictError
            raise cls(f"Error(s) in loading state_dict for {type(self).__name__}:\n\t" + "\n\t".join(errors))
        for target, value in staged:
            _assign(target, value)
        return IncompatibleKeys(missing, unexpected)

    # ------------------------------------------------------------------- printing
    def extra_repr(self) -> str:
        """The text between the parentheses of this module's repr (override in layers).

        Example
        -------
        >>> from diffkit import nn
        >>> nn.Linear(2, 3).extra_repr()
        'in_features=2, out_features=3, bias=True'
        """
        return ""

    def _get_name(self) -> str:
        return type(self).__name__

    def __repr__(self) -> str:
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = [f"({name}): " + _add_indent(repr(module), 2) for name, module in self._modules.items()]
        lines = extra_lines + child_lines
        body = ""
        if lines:
            if len(extra_lines) == 1 and not child_lines:
                body = extra_lines[0]
            else:
                body = "\n  " + "\n  ".join(lines) + "\n"
        return f"{self._get_name()}({body})"
