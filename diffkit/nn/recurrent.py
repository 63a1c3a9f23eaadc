"""Recurrent layers: ``RNN``, ``LSTM`` and ``GRU``, stacked and bidirectional, PyTorch's names and shapes.

A layer runs its cell over the sequence: the input's projection ``x W_ih^T +
b_ih`` is computed for all time steps at once (as PyTorch's CPU kernels do),
then one step per time step (:mod:`.recurrent_cells`). Parameters are
``weight_ih_l{k}``, ``weight_hh_l{k}``, ``bias_ih_l{k}``, ``bias_hh_l{k}`` (and
``weight_hr_l{k}`` for an LSTM with ``proj_size``), with ``_reverse`` for the
backward direction, in PyTorch's order: state dicts copy across both ways.

Shapes (L: sequence length, N: batch, D: 2 if bidirectional else 1):
input (L, N, input_size), or (N, L, input_size) with ``batch_first``, or
unbatched (L, input_size); ``h_0`` (D * num_layers, N, hidden_size) or
unbatched (D * num_layers, hidden_size); output (L, N, D * hidden_size).

Example
-------
>>> import numpy as np
>>> from diffkit import nn
>>> lstm = nn.LSTM(input_size=3, hidden_size=5, num_layers=2, batch_first=True)
>>> out, (h, c) = lstm(np.ones((4, 7, 3), dtype=np.float32))
>>> out.shape, h.shape, c.shape
((4, 7, 5), (2, 4, 5), (2, 4, 5))
>>> list(lstm.state_dict())[:4]
['weight_ih_l0', 'weight_hh_l0', 'bias_ih_l0', 'bias_hh_l0']
"""

from __future__ import annotations

import warnings
from typing import Any

from ..ad.tensor import Tensor
from ..errors import ArgumentError, ArgumentTypeError
from ..expr import ops
from . import functional as F
from .module import Module
from .recurrent_cells import (
    _NONLINEARITIES,
    as_tensor,
    check_size,
    gru_step,
    lstm_step,
    new_parameter,
    reset_uniform,
    rnn_step,
)
from .runtime_errors import ShapeRuntimeError

__all__ = ["RNNBase", "RNN", "LSTM", "GRU"]

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


class RNNBase(Module):
    """The shared machinery of :class:`RNN`, :class:`LSTM` and :class:`GRU` (PyTorch's ``RNNBase``).

    Example
    -------
    >>> from diffkit import nn
    >>> gru = nn.GRU(2, 4, num_layers=2, bidirectional=True)
    >>> gru
    GRU(2, 4, num_layers=2, bidirectional=True)
    >>> gru._flat_weights_names[4:6], gru.weight_ih_l1.shape     # layer 1 reads both directions
    (['weight_ih_l0_reverse', 'weight_hh_l0_reverse'], (12, 8))
    """

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False, proj_size: int = 0,
                 device: Any = None, dtype: Any = None):
        super().__init__()
        self.mode = mode
        self.input_size = check_size("input_size", input_size, 0)
        self.hidden_size = check_size("hidden_size", hidden_size)
        self.num_layers = check_size("num_layers", num_layers)
        self.proj_size = check_size("proj_size", proj_size, 0)
        if isinstance(dropout, bool) or not isinstance(dropout, int | float) or not 0 <= dropout <= 1:
            raise ArgumentError("dropout should be a number in range [0, 1] representing the probability of an "
                                "element being zeroed")
        if dropout > 0 and num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so non-zero dropout "
                          f"expects num_layers greater than 1, but got dropout={dropout} and num_layers={num_layers}",
                          UserWarning, stacklevel=3)
        if self.proj_size and mode != "LSTM":
            raise ArgumentError("proj_size argument is only supported for LSTM, not RNN or GRU")
        if self.proj_size >= self.hidden_size:
            raise ArgumentError("proj_size has to be smaller than hidden_size")
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        rows = _GATES[mode] * self.hidden_size
        out_size = self.proj_size or self.hidden_size
        names = []
        for layer in range(self.num_layers):
            width = self.input_size if layer == 0 else out_size * self.directions
            for suffix in ("", "_reverse")[: self.directions]:
                shapes = [("weight_ih", (rows, width)), ("weight_hh", (rows, out_size))]
                if bias:
                    shapes += [("bias_ih", (rows,)), ("bias_hh", (rows,))]
                if self.proj_size:
                    shapes.append(("weight_hr", (self.proj_size, self.hidden_size)))
                for kind, shape in shapes:
                    name = f"{kind}_l{layer}{suffix}"
                    setattr(self, name, new_parameter(shape, device, dtype))
                    names.append(name)
        self._flat_weights_names = names
        self.reset_parameters()

    @property
    def directions(self) -> int:
        """2 for a bidirectional layer, else 1."""
        return 2 if self.bidirectional else 1

    @property
    def _flat_weights(self) -> list[Any]:
        return [getattr(self, name) for name in self._flat_weights_names]

    @property
    def all_weights(self) -> list[list[Any]]:
        """The parameters grouped per layer and direction, as PyTorch's ``all_weights``."""
        per = len(self._flat_weights_names) // (self.num_layers * self.directions)
        flat = self._flat_weights
        return [flat[i:i + per] for i in range(0, len(flat), per)]

    def reset_parameters(self) -> None:
        """Redraw every parameter from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)), PyTorch's default."""
        reset_uniform(self, self.hidden_size)

    def flatten_parameters(self) -> None:
        """Nothing to do: PyTorch packs the weights for cuDNN here; diffkit keeps them as they are."""

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s

    # ------------------------------------------------------------------ running
    def _weights(self, layer: int, reverse: bool) -> dict[str, Any]:
        suffix = f"_l{layer}" + ("_reverse" if reverse else "")
        return {kind: getattr(self, kind + suffix) for kind in ("weight_ih", "weight_hh", "bias_ih", "bias_hh",
                                                                "weight_hr") if kind + suffix in self._parameters}

    def _sequence(self, input: Any) -> tuple[Tensor, bool]:
        """The input as (L, N, input_size), and whether it came unbatched."""
        x = as_tensor(input)
        name = type(self).__name__
        if x.ndim not in (2, 3):
            raise ArgumentError(f"{name}: Expected input to be 2D or 3D, got {x.ndim}D instead")
        if x.shape[-1] != self.input_size:
            raise ShapeRuntimeError(f"{name}: input.size(-1) must be equal to input_size. Expected "
                                    f"{self.input_size}, got {x.shape[-1]}")
        if x.ndim == 2:
            return x.unsqueeze(1), True
        return (x.transpose(0, 1) if self.batch_first else x), False

    def _initial(self, hx: Any, batch: int, unbatched: bool, size: int, like: Tensor, what: str) -> Tensor:
        """A given initial state checked as PyTorch checks it (made batched), or zeros."""
        want = (self.num_layers * self.directions, batch, size)
        if hx is None:
            return Tensor(like.xp.zeros(want, dtype=like.dtype))
        h = as_tensor(hx)
        if h.ndim != (2 if unbatched else 3):
            kind = "unbatched 2-D" if unbatched else "batched 3-D"
            raise ShapeRuntimeError(f"For {kind} input, {what} should also be {2 if unbatched else 3}-D but got "
                                    f"{h.ndim}-D tensor")
        shown = (want[0], want[2]) if unbatched else want
        if tuple(h.shape) != shown:
            raise ShapeRuntimeError(f"Expected {what.replace('hx', 'hidden')} size {shown}, got {list(h.shape)}")
        return h.unsqueeze(1) if unbatched else h

    def _run(self, x: Tensor, states: list[tuple[Tensor, ...]]) -> tuple[Tensor, list[tuple[Tensor, ...]]]:
        """Every layer and direction over the (L, N, features) sequence ``x``; the final states per layer-direction.

        ``states[k]`` is the initial state of layer-direction ``k`` (``(h,)``, or ``(h, c)`` for an LSTM).
        """
        finals = []
        length = x.shape[0]
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(self.directions):
                w = self._weights(layer, reverse=direction == 1)
                proj = F.linear(x, w["weight_ih"], w.get("bias_ih"))  # every time step in one product
                state = states[layer * self.directions + direction]
                steps = [None] * length
                for t in (range(length - 1, -1, -1) if direction else range(length)):
                    state = self._step(proj[t], state, w)
                    steps[t] = state[0]
                outputs.append(ops.stack(steps, axis=0))
                finals.append(state)
            x = outputs[0] if len(outputs) == 1 else ops.concat(outputs, axis=2)
            if self.dropout and layer < self.num_layers - 1:
                x = F.dropout(x, self.dropout, self.training)
        return x, finals

    def _step(self, x_proj: Any, state: tuple[Tensor, ...], w: dict[str, Any]) -> tuple[Tensor, ...]:
        raise NotImplementedError

    def _output(self, out: Tensor, unbatched: bool) -> Tensor:
        if unbatched:
            return out.squeeze(1)
        return out.transpose(0, 1) if self.batch_first else out

    @staticmethod
    def _final(states: list[Tensor], unbatched: bool) -> Tensor:
        h = ops.stack(states, axis=0)
        return h.squeeze(1) if unbatched else h


class RNN(RNNBase):
    """An Elman recurrent layer: ``h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)`` (or ``relu``).

    Parameters
    ----------
    input_size, hidden_size : int
    num_layers : int, default 1
        Stacked layers, each reading the previous one's outputs.
    nonlinearity : {"tanh", "relu"}
    bias : bool, default True
    batch_first : bool, default False
        Input and output as (N, L, features); the states stay (layers, N, hidden).
    dropout : float, default 0
        Dropout on the outputs of every layer but the last (training mode only).
    bidirectional : bool, default False
    device, dtype : optional
        Parameters are float32 unless ``dtype`` says otherwise.

    ``rnn(input, h_0=None)`` returns ``(output, h_n)``: the last layer's
    states at every step, and every layer's final state.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit import nn
    >>> rnn = nn.RNN(10, 20, 2)
    >>> out, h = rnn(np.zeros((5, 3, 10), dtype=np.float32))
    >>> out.shape, h.shape
    ((5, 3, 20), (2, 3, 20))
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, nonlinearity: str = "tanh",
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 device: Any = None, dtype: Any = None):
        if nonlinearity not in _NONLINEARITIES:
            raise ArgumentError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size, hidden_size, num_layers,
                         bias, batch_first, dropout, bidirectional, 0, device, dtype)
        self.nonlinearity = nonlinearity

    def _step(self, x_proj: Any, state: tuple[Tensor, ...], w: dict[str, Any]) -> tuple[Tensor, ...]:
        return (rnn_step(x_proj, state[0], w["weight_hh"], w.get("bias_hh"), self.nonlinearity),)

    def forward(self, input: Any, hx: Any = None) -> tuple[Tensor, Tensor]:
        x, unbatched = self._sequence(input)
        h0 = self._initial(hx, x.shape[1], unbatched, self.hidden_size, x, "hx")
        out, finals = self._run(x, [(h0[k],) for k in range(h0.shape[0])])
        return self._output(out, unbatched), self._final([s[0] for s in finals], unbatched)


class LSTM(RNNBase):
    """A long short-term memory layer; ``lstm(input, (h_0, c_0))`` returns ``(output, (h_n, c_n))``.

    Gates in PyTorch's order (input, forget, cell, output) along the rows of
    ``weight_ih_l{k}`` (4 * hidden_size, ...). With ``proj_size > 0`` the
    hidden state is projected by ``weight_hr_l{k}`` (proj_size, hidden_size):
    ``h`` and the output have ``proj_size`` features, ``c`` keeps ``hidden_size``.

    Parameters are those of :class:`RNN` (without ``nonlinearity``) and ``proj_size``.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit import nn
    >>> lstm = nn.LSTM(4, 6, proj_size=2, bidirectional=True)
    >>> lstm
    LSTM(4, 6, proj_size=2, bidirectional=True)
    >>> out, (h, c) = lstm(np.zeros((3, 4), dtype=np.float32))       # unbatched: (L, input_size)
    >>> out.shape, h.shape, c.shape
    ((3, 4), (2, 2), (2, 6))
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False, proj_size: int = 0,
                 device: Any = None, dtype: Any = None):
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         proj_size, device, dtype)

    def _step(self, x_proj: Any, state: tuple[Tensor, ...], w: dict[str, Any]) -> tuple[Tensor, ...]:
        return lstm_step(x_proj, state[0], state[1], w["weight_hh"], w.get("bias_hh"), w.get("weight_hr"))

    def forward(self, input: Any, hx: tuple[Any, Any] | None = None) -> tuple[Tensor, tuple[Tensor, Tensor]]:
        x, unbatched = self._sequence(input)
        batch = x.shape[1]
        if hx is not None and (not isinstance(hx, tuple | list) or len(hx) != 2):
            raise ArgumentTypeError("LSTM expects hx as a pair (h_0, c_0)")
        h0 = self._initial(None if hx is None else hx[0], batch, unbatched, self.proj_size or self.hidden_size, x,
                           "hx[0]")
        c0 = self._initial(None if hx is None else hx[1], batch, unbatched, self.hidden_size, x, "hx[1]")
        out, finals = self._run(x, [(h0[k], c0[k]) for k in range(h0.shape[0])])
        return self._output(out, unbatched), (self._final([s[0] for s in finals], unbatched),
                                              self._final([s[1] for s in finals], unbatched))


class GRU(RNNBase):
    """A gated recurrent unit layer (reset, update and new gates, PyTorch's order); returns ``(output, h_n)``.

    Parameters are those of :class:`RNN` (without ``nonlinearity``).

    Example
    -------
    >>> import numpy as np
    >>> from diffkit import nn
    >>> gru = nn.GRU(3, 4, batch_first=True)
    >>> out, h = gru(np.ones((2, 6, 3), dtype=np.float32))
    >>> out.shape, h.shape, bool(np.allclose(out.numpy()[:, -1], h.numpy()[0]))
    ((2, 6, 4), (1, 2, 4), True)
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False, device: Any = None,
                 dtype: Any = None):
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, 0,
                         device, dtype)

    def _step(self, x_proj: Any, state: tuple[Tensor, ...], w: dict[str, Any]) -> tuple[Tensor, ...]:
        return (gru_step(x_proj, state[0], w["weight_hh"], w.get("bias_hh")),)

    def forward(self, input: Any, hx: Any = None) -> tuple[Tensor, Tensor]:
        x, unbatched = self._sequence(input)
        h0 = self._initial(hx, x.shape[1], unbatched, self.hidden_size, x, "hx")
        out, finals = self._run(x, [(h0[k],) for k in range(h0.shape[0])])
        return self._output(out, unbatched), self._final([s[0] for s in finals], unbatched)
