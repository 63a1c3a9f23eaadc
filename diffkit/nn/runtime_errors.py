"""Errors for the refusals PyTorch raises as ``RuntimeError`` (its C++ checks) rather than ``ValueError``.

Each is a diffkit error of the usual kind *and* a ``RuntimeError``, so code
written against torch (``except RuntimeError``) and code written against
diffkit (``except ValueError``, ``except dk.ShapeError``) both catch it.

Example
-------
>>> import diffkit as dk
>>> from diffkit.nn.runtime_errors import ShapeRuntimeError
>>> issubclass(ShapeRuntimeError, dk.ShapeError) and issubclass(ShapeRuntimeError, RuntimeError)
True
"""

from ..errors import ArgumentError, ShapeError

__all__ = ["ArgumentRuntimeError", "ShapeRuntimeError"]


class ArgumentRuntimeError(ArgumentError, RuntimeError):
    """An argument value torch refuses with a RuntimeError (a non-positive Huber ``delta``).

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.nn import functional as F
    >>> try:
    ...     F.huber_loss(np.zeros(2), np.ones(2), delta=0.0)
    ... except RuntimeError as err:
    ...     print(err)
    huber_loss does not support non-positive values for delta (got 0.0)
    """


class ShapeRuntimeError(ShapeError, RuntimeError):
    """Shapes torch refuses with a RuntimeError (an RNN input whose last axis is not ``input_size``).

    Example
    -------
    >>> import numpy as np
    >>> from diffkit import nn
    >>> try:
    ...     nn.RNN(3, 4)(np.zeros((5, 2)))
    ... except RuntimeError as err:
    ...     print(err)
    RNN: input.size(-1) must be equal to input_size. Expected 3, got 2
    """
