"""Recurrent cells: ``RNNCell``, ``LSTMCell``, ``GRUCell``, and the one-step updates the layers reuse.

PyTorch's parameter names (``weight_ih``, ``weight_hh``, ``bias_ih``,
``bias_hh``), shapes (gates stacked along axis 0) and gate orders (LSTM: input,
forget, cell, output; GRU: reset, update, new), so state dicts copy across both
ways. Each step is written with ops of the table (``linear``, ``sigmoid``,
``tanh``, slicing), in the order PyTorch computes it, so the gradients come
from the table's rules and values agree with torch's to rounding.

Example
-------
>>> import numpy as np
>>> from diffkit import nn
>>> cell = nn.LSTMCell(3, 5)
>>> [name for name, _ in cell.named_parameters()]
['weight_ih', 'weight_hh', 'bias_ih', 'bias_hh']
>>> h, c = cell(np.ones((2, 3), dtype=np.float32))
>>> h.shape, c.shape
((2, 5), (2, 5))
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..ad.backend import namespace_of, normalize_device, resolve_dtype, to_device
from ..ad.tensor import Tensor
from ..errors import ArgumentError, ArgumentTypeError
from ..expr import ops
from . import init
from .module import Module, Parameter
from .runtime_errors import ShapeRuntimeError

__all__ = ["RNNCellBase", "RNNCell", "LSTMCell", "GRUCell", "rnn_step", "lstm_step", "gru_step"]

_NONLINEARITIES = ("tanh", "relu")


def new_parameter(shape: tuple, device: Any, dtype: Any) -> Parameter:
    """An uninitialised Parameter, float32 on the CPU unless asked otherwise (PyTorch's default)."""
    dt = np.dtype(resolve_dtype(np, dtype)) if dtype is not None else np.dtype(np.float32)
    dev = normalize_device(device) if device is not None else "cpu"
    return Parameter(to_device(np.empty(shape, dtype=dt), dev))


def check_size(name: str, value: Any, minimum: int = 1) -> int:
    """A layer size as PyTorch checks it: an int (TypeError otherwise), at least ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise ArgumentTypeError(f"{name} should be of type int, got: {type(value).__name__}")
    if value < minimum:
        raise ArgumentError(f"{name} must be greater than zero" if minimum == 1
                            else f"{name} should be a non-negative integer, got {value}")
    return int(value)


def reset_uniform(module: Module, hidden_size: int) -> None:
    """PyTorch's recurrent initialisation: every parameter from U(-1/sqrt(hidden), 1/sqrt(hidden)), in order."""
    bound = 1.0 / math.sqrt(hidden_size) if hidden_size > 0 else 0.0
    for p in module.parameters():
        init.uniform_(p, -bound, bound)


def as_tensor(x: Any) -> Tensor:
    """An input array as a Tensor (a Tensor as it is)."""
    return x if isinstance(x, Tensor) else Tensor(namespace_of(x).asarray(x))


def _chunk(gates: Any, k: int, size: int) -> Any:
    return gates[..., k * size:(k + 1) * size]


# ---------------------------------------------------------------- one step, as PyTorch's CPU kernels compute it

def rnn_step(x_proj: Any, h: Any, w_hh: Any, b_hh: Any, nonlinearity: str = "tanh") -> Any:
    """``act(x_proj + h W_hh^T + b_hh)`` where ``x_proj = x W_ih^T + b_ih``.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.nn.recurrent_cells import rnn_step
    >>> rnn_step(np.array([[0.5]]), np.array([[1.0]]), np.array([[2.0]]), None, "relu").tolist()
    [[2.5]]
    """
    pre = ops.linear(h, w_hh, 0.0 if b_hh is None else b_hh) + x_proj
    return ops.tanh(pre) if nonlinearity == "tanh" else ops.relu(pre)


def lstm_step(x_proj: Any, h: Any, c: Any, w_hh: Any, b_hh: Any, w_hr: Any = None) -> tuple[Any, Any]:
    """One LSTM step from the input's projection: gates ``i, f, g, o`` (PyTorch's order); returns ``(h', c')``.

    ``c' = f c + i g`` and ``h' = o tanh(c')`` (then ``h' W_hr^T`` with a projection).

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.nn.recurrent_cells import lstm_step
    >>> h, c = lstm_step(np.zeros((1, 4)), np.zeros((1, 1)), np.ones((1, 1)), np.zeros((4, 1)), None)
    >>> round(float(c[0, 0]), 4), round(float(h[0, 0]), 4)        # f = 1/2 keeps half of c; g = 0
    (0.5, 0.2311)
    """
    size = c.shape[-1]
    gates = ops.linear(h, w_hh, 0.0 if b_hh is None else b_hh) + x_proj
    i = ops.sigmoid(_chunk(gates, 0, size))
    f = ops.sigmoid(_chunk(gates, 1, size))
    g = ops.tanh(_chunk(gates, 2, size))
    o = ops.sigmoid(_chunk(gates, 3, size))
    c_new = f * c + i * g
    h_new = o * ops.tanh(c_new)
    if w_hr is not None:
        h_new = ops.linear(h_new, w_hr, 0.0)
    return h_new, c_new


def gru_step(x_proj: Any, h: Any, w_hh: Any, b_hh: Any) -> Any:
    """One GRU step from the input's projection: gates ``r, z, n`` (PyTorch's order).

    ``n = tanh(x_n + r (h W_hn^T + b_hn))`` and ``h' = (h - n) z + n``, the
    form PyTorch computes ``(1 - z) n + z h`` in.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.nn.recurrent_cells import gru_step
    >>> float(gru_step(np.zeros((1, 3)), np.ones((1, 1)), np.zeros((3, 1)), None)[0, 0])   # z = 1/2, n = 0
    0.5
    """
    size = h.shape[-1]
    h_gates = ops.linear(h, w_hh, 0.0 if b_hh is None else b_hh)
    r = ops.sigmoid(_chunk(h_gates, 0, size) + _chunk(x_proj, 0, size))
    z = ops.sigmoid(_chunk(h_gates, 1, size) + _chunk(x_proj, 1, size))
    n = ops.tanh(_chunk(x_proj, 2, size) + _chunk(h_gates, 2, size) * r)
    return (h - n) * z + n


# ---------------------------------------------------------------- cells

class RNNCellBase(Module):
    """Shared parameters of the cells: ``weight_ih`` (gates*hidden, input), ``weight_hh``, ``bias_ih``, ``bias_hh``.

    Example
    -------
    >>> from diffkit import nn
    >>> nn.GRUCell(2, 3).weight_ih.shape          # three gates stacked
    (9, 2)
    """

    _gates = 1

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device: Any = None, dtype: Any = None):
        super().__init__()
        self.input_size = check_size("input_size", input_size, 0)
        self.hidden_size = check_size("hidden_size", hidden_size, 0)
        self.bias = bias
        rows = self._gates * self.hidden_size
        self.weight_ih = new_parameter((rows, self.input_size), device, dtype)
        self.weight_hh = new_parameter((rows, self.hidden_size), device, dtype)
        if bias:
            self.bias_ih = new_parameter((rows,), device, dtype)
            self.bias_hh = new_parameter((rows,), device, dtype)
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Redraw every parameter from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)), PyTorch's default."""
        reset_uniform(self, self.hidden_size)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        nonlinearity = self.__dict__.get("nonlinearity", "tanh")
        if nonlinearity != "tanh":
            s += f", nonlinearity={nonlinearity}"
        return s

    def _batched(self, input: Any) -> tuple[Tensor, bool]:
        """The input as an (N, input_size) Tensor, whether it came unbatched, after PyTorch's checks."""
        x = as_tensor(input)
        if x.ndim not in (1, 2):
            raise ArgumentError(f"{type(self).__name__}: Expected input to be 1D or 2D, got {x.ndim}D instead")
        if x.shape[-1] != self.input_size:
            raise ShapeRuntimeError(f"input has inconsistent input_size: got {x.shape[-1]} expected "
                                    f"{self.input_size}")
        unbatched = x.ndim == 1
        return (x.unsqueeze(0) if unbatched else x), unbatched

    def _state(self, hx: Any, x: Tensor, unbatched: bool, name: str = "hx") -> Any:
        """A given state checked against the input (batched like it), or zeros."""
        batch = x.shape[0]
        if hx is None:
            return Tensor(x.xp.zeros((batch, self.hidden_size), dtype=x.dtype))
        h = as_tensor(hx)
        if unbatched:
            if h.ndim != 1:
                raise ShapeRuntimeError(f"{type(self).__name__}: Expected {name} to be 1D, got {h.ndim}D instead")
            h = h.unsqueeze(0)
        elif h.ndim != 2:
            raise ShapeRuntimeError(f"{type(self).__name__}: Expected {name} to be 2D, got {h.ndim}D instead")
        if h.shape[0] != batch:
            raise ShapeRuntimeError(f"Input batch size {batch} doesn't match hidden0 batch size {h.shape[0]}")
        if h.shape[1] != self.hidden_size:
            raise ShapeRuntimeError(f"hidden0 has inconsistent hidden_size: got {h.shape[1]}, expected "
                                    f"{self.hidden_size}")
        return h


class RNNCell(RNNCellBase):
    """An Elman cell: ``h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)`` (or ``relu``).

    Parameters
    ----------
    input_size, hidden_size : int
    bias : bool, default True
    nonlinearity : {"tanh", "relu"}
    device, dtype : optional

    ``cell(input, hx=None)``: input (N, input_size) or (input_size,), ``hx``
    of the matching (N, hidden_size) or (hidden_size,), zeros by default.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit import nn
    >>> cell = nn.RNNCell(4, 2, nonlinearity="relu")
    >>> cell
    RNNCell(4, 2, nonlinearity=relu)
    >>> cell(np.ones(4, dtype=np.float32)).shape        # unbatched in, unbatched out
    (2,)
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = "tanh",
                 device: Any = None, dtype: Any = None):
        if nonlinearity not in _NONLINEARITIES:
            raise ArgumentError(f"Unknown nonlinearity: {nonlinearity!r}. Select from 'tanh' or 'relu'.")
        super().__init__(input_size, hidden_size, bias, device, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input: Any, hx: Any = None) -> Tensor:
        x, unbatched = self._batched(input)
        h = self._state(hx, x, unbatched)
        out = rnn_step(ops.linear(x, self.weight_ih, _bias(self.bias_ih)), h, self.weight_hh, self.bias_hh,
                       self.nonlinearity)
        return out.squeeze(0) if unbatched else out


class LSTMCell(RNNCellBase):
    """A long short-term memory cell; ``cell(input, (h, c))`` returns ``(h', c')`` (zeros when ``hx`` is None).

    Example
    -------
    >>> import numpy as np
    >>> from diffkit import nn
    >>> cell = nn.LSTMCell(3, 2)
    >>> h, c = cell(np.ones((4, 3), dtype=np.float32))
    >>> h, c = cell(np.ones((4, 3), dtype=np.float32), (h, c))
    >>> h.shape, cell.weight_hh.shape
    ((4, 2), (8, 2))
    """

    _gates = 4

    def forward(self, input: Any, hx: tuple[Any, Any] | None = None) -> tuple[Tensor, Tensor]:
        x, unbatched = self._batched(input)
        if hx is None:
            h = c = self._state(None, x, unbatched)
        else:
            if not isinstance(hx, tuple | list) or len(hx) != 2:
                raise ArgumentTypeError("LSTMCell expects hx as a pair (h_0, c_0)")
            h, c = self._state(hx[0], x, unbatched, "hx[0]"), self._state(hx[1], x, unbatched, "hx[1]")
        h, c = lstm_step(ops.linear(x, self.weight_ih, _bias(self.bias_ih)), h, c, self.weight_hh, self.bias_hh)
        return (h.squeeze(0), c.squeeze(0)) if unbatched else (h, c)


class GRUCell(RNNCellBase):
    """A gated recurrent unit cell (reset, update and new gates, PyTorch's order and formula).

    Example
    -------
    >>> import numpy as np
    >>> from diffkit import nn
    >>> cell = nn.GRUCell(3, 2, bias=False)
    >>> cell, cell(np.zeros((5, 3), dtype=np.float32)).tolist()[0]    # no input, no state: stays 0
    (GRUCell(3, 2, bias=False), [0.0, 0.0])
    """

    _gates = 3

    def forward(self, input: Any, hx: Any = None) -> Tensor:
        x, unbatched = self._batched(input)
        h = self._state(hx, x, unbatched)
        out = gru_step(ops.linear(x, self.weight_ih, _bias(self.bias_ih)), h, self.weight_hh, self.bias_hh)
        return out.squeeze(0) if unbatched else out


def _bias(b: Any) -> Any:
    return 0.0 if b is None else b
