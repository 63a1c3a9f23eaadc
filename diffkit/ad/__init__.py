"""Automatic differentiation: array backend, forward and reverse mode, Tensor.

Example
-------
>>> import diffkit as dk
>>> f = dk.expr("log(x1) + x1*x2 - sin(x2)")
>>> r = dk.ad.ReverseMode().gradient(f, at={"x1": 2.0, "x2": 5.0})
>>> round(r.value, 3), {k: round(v, 3) for k, v in r.gradient.items()}
(11.652, {'x1': 5.5, 'x2': 1.716})
"""

from . import backend
from .differentiators import ForwardMode, ReverseMode
from .function import Function, FunctionCtx
from .functional import grad, hessian, jacfwd, jacrev, jvp, value_and_grad, vjp, vmap
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
           "grad", "value_and_grad", "jvp", "vjp", "jacfwd", "jacrev", "hessian", "vmap"]
__all__ += [
    "Tensor", "tensor", "Function", "FunctionCtx", "no_grad", "enable_grad", "inference_mode",
    "set_grad_enabled", "is_grad_enabled", "is_inference_mode_enabled",
    "zeros", "ones", "zeros_like", "ones_like", "full", "arange", "eye", "randn", "rand",
]
