"""Automatic differentiation: array backend, forward and reverse mode, Tensor."""

from . import backend
from .differentiators import ForwardMode, ReverseMode
from .function import Function, FunctionCtx
from .functional import grad, hessian, jacfwd, jacrev, jvp, value_and_grad, vjp
from .grad_mode import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)
from .source import adjoint_source
from .tensor import Tensor, arange, eye, full, ones, ones_like, rand, randn, tensor, zeros, zeros_like
from .traces import forward_trace, reverse_trace

__all__ = ["backend", "ForwardMode", "ReverseMode", "adjoint_source", "forward_trace", "reverse_trace",
           "grad", "value_and_grad", "jvp", "vjp", "jacfwd", "jacrev", "hessian"]
__all__ += [
    "Tensor", "tensor", "Function", "FunctionCtx", "no_grad", "enable_grad", "inference_mode",
    "set_grad_enabled", "is_grad_enabled", "is_inference_mode_enabled",
    "zeros", "ones", "zeros_like", "ones_like", "full", "arange", "eye", "randn", "rand",
]
