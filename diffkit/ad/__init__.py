"""Automatic differentiation: array backend, forward and reverse mode, Tensor."""

from . import backend
from .differentiators import ForwardMode, ReverseMode
from .functional import grad, hessian, jacfwd, jacrev, jvp, value_and_grad, vjp
from .source import adjoint_source
from .traces import forward_trace, reverse_trace

__all__ = ["backend", "ForwardMode", "ReverseMode", "adjoint_source", "forward_trace", "reverse_trace",
           "grad", "value_and_grad", "jvp", "vjp", "jacfwd", "jacrev", "hessian"]
