"""diffkit: symbolic, numeric and automatic differentiation, side by side.

Example
-------
>>> import diffkit as dk
>>> f = dk.expr("log(x1) + x1*x2 - sin(x2)")
>>> print(f"{f(x1=2.0, x2=5.0):.3f}")
11.652
>>> dk.ReverseMode().gradient(f, at={"x1": 2.0, "x2": 5.0}).gradient["x1"]
5.5
"""

# ruff: noqa: I001 - imports are grouped by layer, in dependency order, on purpose
# The front-end: expressions, the ops table's functions, errors, tables.
from . import examples
from .errors import (
    ArgumentError,
    ArgumentIndexError,
    ArgumentTypeError,
    BackendError,
    LinAlgError,
    BatchingError,
    DiffkitError,
    ExpressionError,
    GradientError,
    ShapeError,
)
from .expr import Expr, Graph, expr, trace
from .expr.ops import (
    abs, add, asin, atan, clip, concat, cos, div, exp, log, log_softmax, logsumexp, matmul, maximum, mean,
    minimum, mul, neg, pow, relu, reshape, sigmoid, sign, sin, softmax, sqrt, square, stack, step, sub, sum,
    tan, tanh, transpose, where,
)
from .expr.ops import (  # the array vocabulary, NumPy's names and meanings
    ValuesIndices, angle, append, argpartition, argsort, array_split, atleast_1d, atleast_2d, atleast_3d,
    column_stack, conj, cross, cumprod, cumsum, diag, diag_embed, diagonal, dot, dsplit, dstack, einsum,
    expand_dims, flip, fliplr, flipud, fmax, fmin, gather, hsplit, hstack, imag, index_select, inner, kron,
    linspace, logcumsumexp, masked_fill, median, meshgrid, moveaxis, nan_to_num, outer, pad, partition, prod,
    ravel, real, repeat, roll, rollaxis, rot90, scatter, scatter_add, select, sort, split, squeeze, swapaxes,
    take_along_axis, tensordot, tile, topk, tril, triu, vsplit, vstack,
)
from .expr.array_functions import flatten, max, min, reciprocal, round, std, unsqueeze, var
from .expr.ops import (  # the rest of the expression vocabulary
    acos, acosh, asinh, atan2, atanh, cbrt, ceil, cosh, erf, erfc, exp2, expm1, floor, gelu, hypot, log1p, log2,
    log10, logaddexp, mod, silu, sinc, sinh, softplus,
)
from .table import Table
from .limits import CostLimitError, LimitError, TimeLimitError

# The interface every method implements, and the comparison of all of them.
from .compare import Comparison, Differentiator, OpCount, Result, check_grads, compare, counting
from .compare.op_counts import op_count_study

# The three ways: symbolic, numeric, automatic.
from . import ad, numeric, symbolic
from .symbolic import Symbolic
from .symbolic.calculus import diff  # a function's derivative as an Expr; np.diff on data
from .numeric import ComplexStep, FiniteDiff, Richardson, check_grad, gradcheck, gradgradcheck
from .ad import (
    ForwardMode, Function, ReverseMode, Tensor, arange, enable_grad, eye, full, inference_mode, is_grad_enabled,
    is_inference_mode_enabled, no_grad, ones, ones_like, rand, randn, set_grad_enabled, tensor, zeros, zeros_like,
)
from .ad.random import manual_seed

from . import linalg  # NumPy's trace is dk.linalg.trace here: dk.trace traces functions (the DESIGN contract)

# PyTorch's torch.autograd names, and training, and saving what was trained.
from . import autograd, data, nn, optim
from .io import StateFileError, load, save

__version__ = "0.1.0"
cat = concat  # PyTorch's name for it

__all__ = [
    "__version__",
    # front-end
    "examples", "Expr", "Graph", "expr", "trace", "Table",
    "DiffkitError", "ExpressionError", "ShapeError", "GradientError", "BackendError",
    "ArgumentError", "ArgumentTypeError", "ArgumentIndexError", "LinAlgError", "BatchingError",
    "LimitError", "TimeLimitError", "CostLimitError",
    "abs", "add", "asin", "atan", "cat", "clip", "concat", "cos", "div", "exp", "log", "log_softmax",
    "logsumexp", "matmul", "maximum", "mean", "minimum", "mul", "neg", "pow", "relu", "reshape",
    "sigmoid", "sign", "sin", "softmax", "sqrt", "square", "stack", "step", "sub", "sum", "tan",
    "tanh", "transpose", "where",
    "ValuesIndices", "angle", "append", "argpartition", "argsort", "array_split", "atleast_1d", "atleast_2d",
    "atleast_3d", "column_stack", "conj", "cross", "cumprod", "cumsum", "diag", "diag_embed", "diagonal",
    "dot", "dsplit", "dstack", "einsum", "expand_dims", "flip", "fliplr", "flipud", "fmax", "fmin",
    "gather", "hsplit", "hstack", "imag", "index_select", "inner", "kron", "linspace", "logcumsumexp",
    "masked_fill", "median", "meshgrid", "moveaxis", "nan_to_num", "outer", "pad", "partition", "prod", "ravel",
    "real", "repeat", "roll", "rollaxis", "rot90", "scatter", "scatter_add", "select", "sort", "split",
    "squeeze", "swapaxes", "take_along_axis", "tensordot", "tile", "topk", "tril", "triu", "vsplit", "vstack",
    "linalg",
    "max", "min", "var", "std", "unsqueeze", "flatten", "reciprocal", "round",
    "acos", "acosh", "asinh", "atan2", "atanh", "cbrt", "ceil", "cosh", "erf", "erfc", "exp2", "expm1", "floor",
    "gelu", "hypot", "log1p", "log2", "log10", "logaddexp", "mod", "silu", "sinc", "sinh", "softplus",
    # methods and their comparison
    "Differentiator", "Result", "OpCount", "counting", "compare", "Comparison", "op_count_study",
    "symbolic", "Symbolic", "diff", "numeric", "FiniteDiff", "ComplexStep", "Richardson", "check_grad", "gradcheck",
    "gradgradcheck", "check_grads",
    "ad", "ForwardMode", "ReverseMode",
    # tensors and training
    "Tensor", "tensor", "Function", "no_grad", "enable_grad", "inference_mode", "set_grad_enabled",
    "is_grad_enabled", "is_inference_mode_enabled", "manual_seed",
    "zeros", "ones", "zeros_like", "ones_like", "full", "arange", "eye", "randn", "rand",
    "autograd", "data", "nn", "optim", "save", "load", "StateFileError",
    # loaded on first use
    "plot", "widgets", "exercises",
]


def __getattr__(name: str):
    # dk.plot, dk.tour and dk.widgets pull in matplotlib and tqdm: loaded on first use, not at import.
    if name in ("plot", "tour", "widgets", "exercises"):
        import importlib

        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'diffkit' has no attribute {name!r}")
