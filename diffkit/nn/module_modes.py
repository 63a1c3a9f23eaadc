"""Settings that reach every parameter of a Module tree: train/eval, ``requires_grad_``, ``zero_grad``, ``to``.

:class:`ModuleModes` is a mixin of :class:`~diffkit.nn.module.Module`. Each
method walks the tree (:class:`~diffkit.nn.module_tree.ModuleTree`) and
changes every module, parameter or buffer in place: the mode ``training``,
gradient recording, accumulated gradients, and the device and floating dtype
of the arrays. Moving or casting keeps each Parameter's identity (only its
array is replaced), so an optimizer built before still updates it.
:func:`_zero_grad` is shared with the optimizers' ``zero_grad``.

Example
-------
>>> import numpy as np
>>> from diffkit import nn
>>> m = nn.Sequential(nn.Linear(2, 2), nn.Dropout(0.5))
>>> w = m[0].weight
>>> m.eval().to(np.float64)[0].weight is w, w.dtype, m[1].training
(True, dtype('float64'), False)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from ..ad.backend import device_and_dtype, normalize_device, resolve_dtype, to_device
from ..ad.grad_mode import no_grad
from ..ad.tensor import Tensor
from ..errors import ArgumentError, ArgumentTypeError

if TYPE_CHECKING:
    from .module import Module

__all__ = ["ModuleModes"]


class ModuleModes:
    """Mixin of :class:`~diffkit.nn.module.Module`: modes, gradients, device and dtype of the whole tree.

    Example
    -------
    >>> from diffkit import nn
    >>> layer = nn.Linear(2, 2).requires_grad_(False)
    >>> layer.weight.requires_grad, layer.train(False).training
    (False, False)
    """

    # --------------------------------------------------------------- modes, grads
    def train(self, mode: bool = True) -> Module:
        """Set training mode (``mode=False`` is evaluation mode) here and below; returns self.

        Example
        -------
        >>> from diffkit import nn
        >>> model = nn.Sequential(nn.Dropout(0.5))
        >>> model.eval()[0].training, model.train()[0].training
        (False, True)
        """
        if not isinstance(mode, bool):
            raise ArgumentError("training mode is expected to be boolean")
        for module in self.modules():
            module.__dict__["training"] = mode
        return self

    def eval(self) -> Module:
        """Set evaluation mode (dropout off); same as ``train(False)``.

        Example
        -------
        >>> from diffkit import nn
        >>> nn.Dropout().eval().training
        False
        """
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        """Switch gradient recording of every parameter on or off (freeze a model); returns self.

        Example
        -------
        >>> from diffkit import nn
        >>> layer = nn.Linear(2, 2).requires_grad_(False)
        >>> [p.requires_grad for p in layer.parameters()]
        [False, False]
        """
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of all parameters: to ``None`` (default) or to zeros in place.

        Example
        -------
        >>> import numpy as np
        >>> from diffkit import nn
        >>> layer = nn.Linear(2, 1)
        >>> layer(np.ones((1, 2))).sum().backward()
        >>> layer.zero_grad(); layer.weight.grad is None
        True
        """
        for p in self.parameters():
            _zero_grad(p, set_to_none)

    # ------------------------------------------------------------ device, dtype
    def _apply_to_tensors(self, fn: Callable[[Any], Any]) -> Module:
        for module in self.modules():
            for p in module._parameters.values():
                if p is None:
                    continue
                new = fn(p._data)
                if new is not p._data:
                    p.data = new
                    if p.grad is not None:
                        p.grad.data = fn(p.grad._data)
            for b in module._buffers.values():
                if b is not None:
                    b.data = fn(b._data)
        return self

    def to(self, *args: Any, device: Any = None, dtype: Any = None) -> Module:
        """Move parameters and buffers to a device and/or cast floating ones to a dtype, in place.

        ``to("cpu")``, ``to("cuda")``, ``to(np.float64)``, ``to("cuda", np.float32)``
        or keywords. Parameters keep their identity, so an optimizer built
        before still updates them. Returns self.

        Example
        -------
        >>> import numpy as np
        >>> from diffkit import nn
        >>> layer = nn.Linear(2, 2).to(np.float64)
        >>> layer.weight.dtype
        dtype('float64')
        """
        device, dtype = device_and_dtype(args, device, dtype, Tensor)
        target = None if device is None else normalize_device(device)
        cast = None if dtype is None else np.dtype(resolve_dtype(np, dtype))
        if cast is not None and cast.kind not in "fc":
            raise ArgumentTypeError(f"Module.to only accepts floating point or complex dtypes, got {cast}")

        def fn(arr: Any) -> Any:
            if target is not None:
                arr = to_device(arr, target)
            if cast is not None and arr.dtype.kind in "fc" and arr.dtype != cast:
                arr = arr.astype(cast)
            return arr

        return self._apply_to_tensors(fn)

    def cpu(self) -> Module:
        """Move everything to the CPU (NumPy); returns self.

        Example
        -------
        >>> from diffkit import nn
        >>> nn.Linear(1, 1).cpu().weight.device
        'cpu'
        """
        return self.to("cpu")

    def cuda(self) -> Module:
        """Move everything to the GPU (CuPy); raises BackendError without one.

        Example
        -------
        >>> import diffkit as dk
        >>> from diffkit import nn
        >>> m = nn.Linear(1, 1)
        >>> m.cuda().weight.device if dk.ad.backend.cuda_available() else "cuda"  # no GPU: BackendError
        'cuda'
        """
        return self.to("cuda")

    def double(self) -> Module:
        """Cast floating parameters and buffers to float64; returns self.

        Example
        -------
        >>> from diffkit import nn
        >>> nn.Linear(1, 1).double().weight.dtype
        dtype('float64')
        """
        return self.to(np.float64)

    def float(self) -> Module:
        """Cast floating parameters and buffers to float32; returns self.

        Example
        -------
        >>> import numpy as np
        >>> from diffkit import nn
        >>> nn.Linear(1, 1, dtype=np.float64).float().weight.dtype
        dtype('float32')
        """
        return self.to(np.float32)


def _zero_grad(p: Any, set_to_none: bool) -> None:
    g = p.grad
    if g is None:
        return
    if set_to_none:
        p.grad = None
    else:
        if g.grad_fn is not None:
            g = g.detach()
            p.grad = g
        with no_grad():
            g.zero_()
