"""diffkit: symbolic, numeric and automatic differentiation, side by side.

Example
-------
>>> import diffkit as dk
>>> f = dk.expr("log(x1) + x1*x2 - sin(x2)")
>>> round(float(f(x1=2.0, x2=5.0)), 3)
11.652
"""

from . import examples, symbolic
from .compare import Comparison, Differentiator, OpCount, Result, compare, counting
from .compare.op_counts import op_count_study
from .errors import BackendError, DiffkitError, ExpressionError, GradientError, ShapeError
from .expr import Expr, Graph, expr, trace
from .expr.ops import (
    abs,
    add,
    asin,
    atan,
    clip,
    concat,
    cos,
    div,
    exp,
    log,
    log_softmax,
    logsumexp,
    matmul,
    maximum,
    mean,
    minimum,
    mul,
    neg,
    pow,
    relu,
    reshape,
    sigmoid,
    sign,
    sin,
    softmax,
    sqrt,
    square,
    stack,
    step,
    sub,
    sum,
    tan,
    tanh,
    transpose,
    where,
)
from .symbolic import Symbolic
from .numeric import ComplexStep, FiniteDiff, Richardson, check_grad, gradcheck
from .table import Table

__version__ = "0.1.0"

__all__ = [
    "__version__", "examples", "symbolic", "Symbolic",
    "compare", "Comparison", "op_count_study", "Differentiator", "OpCount", "Result", "counting", "Table",
    "DiffkitError", "ExpressionError", "ShapeError", "GradientError", "BackendError",
    "Expr", "Graph", "expr", "trace",
    "abs", "add", "asin", "atan", "clip", "concat", "cos", "div", "exp", "log", "log_softmax",
    "logsumexp", "matmul", "maximum", "mean", "minimum", "mul", "neg", "pow", "relu", "reshape",
    "sigmoid", "sign", "sin", "softmax", "sqrt", "square", "stack", "step", "sub", "sum", "tan",
    "tanh", "transpose", "where",
]
__all__ += ["numeric", "ComplexStep", "FiniteDiff", "Richardson", "check_grad", "gradcheck"]

from . import data  # noqa: E402

__all__ += ["data", "plot"]


def __getattr__(name: str):
    # dk.plot and dk.tour pull in matplotlib/tqdm: loaded on first use, not at import.
    if name in ("plot", "tour"):
        import importlib

        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'diffkit' has no attribute {name!r}")

from . import ad  # noqa: E402
from .ad import ForwardMode, ReverseMode  # noqa: E402

__all__ += ["ad", "ForwardMode", "ReverseMode"]
from .ad import Function, Tensor, enable_grad, inference_mode, no_grad, tensor  # noqa: E402

__all__ += ["Tensor", "tensor", "Function", "no_grad", "enable_grad", "inference_mode"]
from . import nn, optim  # noqa: E402
from .nn.random import manual_seed  # noqa: E402

__all__ += ["nn", "optim", "manual_seed"]
from .io import StateFileError, load, save  # noqa: E402

__all__ += ["save", "load", "StateFileError"]
