"""Automatic differentiation: array backend, forward and reverse mode, Tensor."""

from . import backend

__all__ = ["backend"]
