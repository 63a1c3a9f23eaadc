"""Walking a Module tree: ``modules()``, ``children()``, ``parameters()``, ``buffers()``, ``get_submodule``, ``apply``.

:class:`ModuleTree` is a mixin of :class:`~diffkit.nn.module.Module`. Its
methods read the registries a Module keeps in its ``__dict__``
(``_modules``, ``_parameters``, ``_buffers``) and visit the tree depth
first, each module, parameter and buffer once by default (a layer shared by
two parents is reached once), with PyTorch's dotted names (``0.weight``).
Everything that reaches the whole tree -- ``state_dict``, ``zero_grad``,
``to``, optimizers -- goes through them.

Example
-------
>>> from diffkit import nn
>>> net = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
>>> [name for name, _ in net.named_parameters()]
['0.weight', '0.bias', '2.weight', '2.bias']
>>> net.get_submodule("2").out_features
1
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .module import Module, Parameter

__all__ = ["ModuleTree"]


class ModuleTree:
    """Mixin of :class:`~diffkit.nn.module.Module`: iteration over submodules, parameters and buffers.

    Example
    -------
    >>> from diffkit import nn
    >>> [type(m).__name__ for m in nn.Sequential(nn.Linear(2, 2), nn.Tanh()).children()]
    ['Linear', 'Tanh']
    """

    def named_modules(self, memo: set | None = None, prefix: str = "",
                      remove_duplicate: bool = True) -> Iterator[tuple[str, Module]]:
        """``(name, module)`` for this module and every module below it, depth first.

        Example
        -------
        >>> from diffkit import nn
        >>> net = nn.Sequential(nn.Linear(2, 3), nn.ReLU())
        >>> [name for name, _ in net.named_modules()]
        ['', '0', '1']
        """
        if memo is None:
            memo = set()
        if remove_duplicate:
            if id(self) in memo:
                return
            memo.add(id(self))
        yield prefix, self
        for name, module in self._modules.items():
            if module is None:
                continue
            sub = prefix + ("." if prefix else "") + name
            yield from module.named_modules(memo, sub, remove_duplicate)

    def modules(self) -> Iterator[Module]:
        """This module and every module below it (each once).

        Example
        -------
        >>> from diffkit import nn
        >>> [type(m).__name__ for m in nn.Sequential(nn.Linear(2, 3), nn.ReLU()).modules()]
        ['Sequential', 'Linear', 'ReLU']
        """
        for _, module in self.named_modules():
            yield module

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """``(name, module)`` for the immediate children (each once).

        Example
        -------
        >>> from diffkit import nn
        >>> [name for name, _ in nn.Sequential(nn.Linear(2, 3), nn.ReLU()).named_children()]
        ['0', '1']
        """
        seen = set()
        for name, module in self._modules.items():
            if module is not None and id(module) not in seen:
                seen.add(id(module))
                yield name, module

    def children(self) -> Iterator[Module]:
        """The immediate child modules.

        Example
        -------
        >>> from diffkit import nn
        >>> list(nn.Sequential(nn.ReLU(), nn.Tanh()).children())
        [ReLU(), Tanh()]
        """
        for _, module in self.named_children():
            yield module

    def _named_members(self, registry: str, prefix: str, recurse: bool,
                       remove_duplicate: bool) -> Iterator[tuple[str, Any]]:
        seen: set[int] = set()
        mods = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) if recurse \
            else [(prefix, self)]
        for mod_prefix, module in mods:
            for name, value in module.__dict__[registry].items():
                if value is None:
                    continue
                if remove_duplicate:
                    if id(value) in seen:
                        continue
                    seen.add(id(value))
                yield mod_prefix + ("." if mod_prefix else "") + name, value

    def named_parameters(self, prefix: str = "", recurse: bool = True,
                         remove_duplicate: bool = True) -> Iterator[tuple[str, Parameter]]:
        """``(name, parameter)`` pairs; a parameter shared by two layers comes once.

        Example
        -------
        >>> from diffkit import nn
        >>> [(n, tuple(p.shape)) for n, p in nn.Linear(2, 3).named_parameters()]
        [('weight', (3, 2)), ('bias', (3,))]
        """
        return self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        """The parameters of this module and (``recurse``) of every module below it.

        Example
        -------
        >>> from diffkit import nn
        >>> model = nn.Sequential(nn.Linear(2, 3), nn.Sigmoid(), nn.Linear(3, 2))
        >>> [tuple(p.shape) for p in model.parameters()]
        [(3, 2), (3,), (2, 3), (2,)]
        """
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix: str = "", recurse: bool = True,
                      remove_duplicate: bool = True) -> Iterator[tuple[str, Any]]:
        """``(name, buffer)`` pairs.

        Example
        -------
        >>> import diffkit as dk
        >>> from diffkit import nn
        >>> m = nn.Module(); m.register_buffer("count", dk.tensor(0.0))
        >>> [n for n, _ in m.named_buffers()]
        ['count']
        """
        return self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True) -> Iterator[Any]:
        """The buffers of this module and (``recurse``) of every module below it.

        Example
        -------
        >>> from diffkit import nn
        >>> list(nn.Linear(2, 2).buffers())
        []
        """
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def get_submodule(self, target: str) -> Module:
        """The module at a dotted path such as ``"0"`` or ``"encoder.layers.1"``.

        Example
        -------
        >>> from diffkit import nn
        >>> nn.Sequential(nn.Linear(2, 3), nn.ReLU()).get_submodule("1")
        ReLU()
        """
        module = self
        if target == "":
            return module
        for part in target.split("."):
            sub = module._modules.get(part)
            if sub is None:
                raise AttributeError(f"{type(module).__name__} has no submodule '{part}' (looking up '{target}')")
            module = sub
        return module

    def get_parameter(self, target: str) -> Parameter:
        """The parameter at a dotted path such as ``"0.weight"``.

        Example
        -------
        >>> from diffkit import nn
        >>> tuple(nn.Sequential(nn.Linear(2, 3)).get_parameter("0.weight").shape)
        (3, 2)
        """
        path, _, name = target.rpartition(".")
        module = self.get_submodule(path)
        param = module._parameters.get(name)
        if param is None:
            raise AttributeError(f"{type(module).__name__} has no parameter '{name}' (looking up '{target}')")
        return param

    def apply(self, fn: Callable[[Module], Any]) -> Module:
        """Call ``fn`` on every submodule (children first) and then on this module; returns self.

        Example
        -------
        >>> from diffkit import nn
        >>> seen = []
        >>> _ = nn.Sequential(nn.ReLU(), nn.Tanh()).apply(lambda m: seen.append(type(m).__name__))
        >>> seen
        ['ReLU', 'Tanh', 'Sequential']
        """
        for module in self.children():
            module.apply(fn)
        fn(self)
        return self
