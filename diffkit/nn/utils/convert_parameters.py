"""All parameters as one flat vector and back: ``parameters_to_vector``, ``vector_to_parameters``.

Example
-------
>>> import diffkit as dk
>>> from diffkit import nn
>>> layer = nn.Linear(2, 1)
>>> vec = nn.utils.parameters_to_vector(layer.parameters())
>>> nn.utils.vector_to_parameters(dk.zeros(3), layer.parameters())
>>> layer.weight.tolist(), layer.bias.tolist()
([[0.0, 0.0]], [0.0])
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ...ad.tensor import Tensor
from ...errors import ArgumentError, ArgumentTypeError, ShapeError
from ...expr import ops

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def _same_device(params: list[Tensor]) -> None:
    devices = {p.device for p in params}
    if len(devices) > 1:
        raise ArgumentError(f"Found parameters on different devices ({', '.join(sorted(devices))}); they must be on "
                            "one device to make one vector")


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """The parameters, each flattened, concatenated into one vector (recorded: gradients flow back to them).

    Example
    -------
    >>> import diffkit as dk
    >>> from diffkit.nn.utils import parameters_to_vector
    >>> a, b = dk.tensor([[1.0, 2.0]], requires_grad=True), dk.tensor([3.0], requires_grad=True)
    >>> v = parameters_to_vector([a, b]); v
    tensor([1., 2., 3.], grad_fn=<ConcatBackward>)
    >>> (v * v).sum().backward(); a.grad.tolist(), b.grad.tolist()
    ([[2.0, 4.0]], [6.0])
    """
    params = list(parameters)
    for p in params:
        if not isinstance(p, Tensor):
            raise ArgumentTypeError(f"expected Tensors, got {type(p).__name__}")
    if not params:
        raise ArgumentError("parameters_to_vector needs at least one parameter")
    _same_device(params)
    return ops.concat([ops.reshape(p, shape=(p.numel(),)) for p in params], axis=0)


def vector_to_parameters(vec: Any, parameters: Iterable[Tensor]) -> None:
    """Point the parameters at consecutive slices of ``vec``, in order (the inverse of :func:`parameters_to_vector`).

    As in PyTorch, each parameter's data becomes a view of ``vec`` (same memory,
    ``vec``'s dtype); the parameters keep their identity, so an optimizer built
    before still holds them. ``vec`` must be a 1-d Tensor with exactly as many
    entries as the parameters together.

    Example
    -------
    >>> import diffkit as dk
    >>> from diffkit.nn.utils import vector_to_parameters
    >>> a, b = dk.zeros(2, 2, requires_grad=True), dk.zeros(1, requires_grad=True)
    >>> vector_to_parameters(dk.arange(5.0), [a, b])
    >>> a.tolist(), b.tolist()
    ([[0.0, 1.0], [2.0, 3.0]], [4.0])
    """
    if not isinstance(vec, Tensor):
        raise ArgumentTypeError(f"expected a Tensor, but got: {type(vec).__name__} (wrap an array with dk.tensor)")
    params = list(parameters)
    _same_device(params + [vec])
    need = sum(p.numel() for p in params)
    if vec.ndim != 1 or vec.numel() != need:
        raise ShapeError(f"vector_to_parameters needs a 1-d vector of {need} entries for these parameters, got shape "
                         f"{vec.shape}")
    start = 0
    for p in params:
        n = p.numel()
        p.data = vec._data[start:start + n].reshape(p.shape)
        start += n
