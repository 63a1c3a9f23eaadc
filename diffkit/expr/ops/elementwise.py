"""Elementwise ops: arithmetic, elementary functions, kinks and comparisons.

These are what an :class:`~diffkit.Expr` is made of; each has a SymPy
counterpart so the three methods can be compared.

Example
-------
>>> from diffkit.expr.ops.elementwise import sin
>>> float(sin(0.0))
0.0
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as _numpy
import sympy as sp

from .. import sympy_functions
from ..sympy_functions import divide as _sympy_div
from ..sympy_functions import minmax as _sympy_binary
from ..sympy_functions import power as _sympy_pow
from .core import _defop
from .select import both, generic, select
from .support import is_complex, kept_vector

add = _defop(
    "add", 2, lambda xp, x, y: x + y,
    jvp=(lambda t, a, x, y: t, lambda t, a, x, y: t),
    vjp=(lambda g, a, x, y: g, lambda g, a, x, y: g),
    sympy=lambda x, y: x + y, template="{0} + {1}", infix="+", precedence=10,
    doc="x + y",
    reads_inputs=False,
)
sub = _defop(
    "sub", 2, lambda xp, x, y: x - y,
    jvp=(lambda t, a, x, y: t, lambda t, a, x, y: -t),
    vjp=(lambda g, a, x, y: g, lambda g, a, x, y: -g),
    sympy=lambda x, y: x - y, template="{0} - {1}", infix="-", precedence=10,
    doc="x - y",
    reads_inputs=False,
)
mul = _defop(
    "mul", 2, lambda xp, x, y: x * y,
    jvp=(lambda t, a, x, y: t * y, lambda t, a, x, y: x * t),
    vjp=(lambda g, a, x, y: g * y, lambda g, a, x, y: g * x),
    sympy=lambda x, y: x * y, template="{0} * {1}", infix="*", precedence=20,
    doc="x * y",
)
_PYTHON_NUMBERS = (int, float, complex)


def _numpy_rules(xp, x, y):
    """Two plain Python numbers become a 0-d array and a number, so that division and
    powers follow NumPy outside their domain (1/0 -> inf, (-8)^(1/3) -> nan, with a
    RuntimeWarning) instead of Python's (ZeroDivisionError, a complex result)."""
    if type(x) in _PYTHON_NUMBERS and type(y) in _PYTHON_NUMBERS:
        return xp.asarray(float(x) if type(x) is int else x), y
    return x, y


def _div_impl(xp, x, y):
    x, y = _numpy_rules(xp, x, y)
    return x / y


def _pow_impl(xp, x, y):
    x, y = _numpy_rules(xp, x, y)
    return x**y


# The first rule divides through the op, not Python's ``/``: a seed 1.0 over a literal
# 0.0 is then inf with a RuntimeWarning (NumPy's rule), not a ZeroDivisionError.
div = _defop(
    "div", 2, _div_impl,
    jvp=(lambda t, a, x, y: div(t, y), lambda t, a, x, y: -t * a / y),
    vjp=(lambda g, a, x, y: div(g, y), lambda g, a, x, y: -g * a / y),
    sympy=lambda x, y: _sympy_div(x, y), template="{0} / {1}", infix="/", precedence=20,
    doc="x / y",
)
neg = _defop(
    "neg", 1, lambda xp, x: -x,
    jvp=(lambda t, a, x: -t,), vjp=(lambda g, a, x: -g,),
    sympy=lambda x: -x, template="-{0}", infix="-", precedence=30,
    doc="-x",
    reads_inputs=False,
)
def _pow_base_rule(s, x, y):
    """The seed ``s`` (a tangent or a cotangent) times d x^y / dx = y x^(y-1), and 0 where y = 0
    (PyTorch's value: at x = 0 the formula is 0 * 0^-1 = nan). A literal exponent is decided
    here. For a variable one the base is replaced by 1 only where y = 0 and x^-1 overflows
    (x = 0, or tinier than 1/max float): elsewhere the formula is 0 by itself there, and its
    derivative in y, 1/x, stays right.

    The seed is scaled by y first, ``(s y) x^(y-1)``: in a generated program the seed of
    ``x1^2 + ... + xn^2`` is shared, so ``s * 2`` is computed once for all n terms, and
    each term costs one product more, not two."""
    if isinstance(y, _PYTHON_NUMBERS):
        return _zero_like(s) if y == 0 else s * y * x ** (y - 1)
    if generic(x):
        return s * y * x ** (y - 1)
    overflows = not_equal(0.0 * x ** (y - 1), 0.0)  # x^(y-1) is inf or nan
    x = select(both(equal(y, 0.0), overflows), 1.0, x)
    r = s * y * x ** (y - 1)
    # an infinite seed makes 0 * inf = nan where y = 0: 0 there, as PyTorch's; a finite one keeps the
    # formula, whose derivative in y (1/x) stays right
    return select(both(equal(y, 0.0), not_equal(r, r)), 0.0, r)


def _zero_like(s):
    """0 in the shape of s, also where s is inf or nan (PyTorch's d/dx x^0 ignores its seed)."""
    z = s * 0.0
    return select(not_equal(z, z), 0.0, z)


def _pow_exponent_slope(a, x, y):
    """d x^y / dy = x^y log x, and 0 where x = 0 and y >= 0 (PyTorch's value; the formula
    gives 0 * -inf = nan there, or -inf at y = 0)."""
    if not generic(x):
        x = select(both(equal(x, 0.0), greater_equal(y, 0.0)), 1.0, x)
    return a * log(x)


# One pow for constant and variable exponents: the exponent's rule (which needs
# log x) only runs when the exponent carries a derivative, so (x - 3)^2 at
# x = 1 stays clean.
pow = _defop(  # noqa: A001 - the table's name for the op
    "pow", 2, _pow_impl,
    jvp=(lambda t, a, x, y: _pow_base_rule(t, x, y), lambda t, a, x, y: t * _pow_exponent_slope(a, x, y)),
    vjp=(lambda g, a, x, y: _pow_base_rule(g, x, y), lambda g, a, x, y: g * _pow_exponent_slope(a, x, y)),
    sympy=lambda x, y: _sympy_pow(x, y), template="{0}^{1}", infix="^", precedence=40,
    doc="x raised to the power y; d/dx is 0 where y = 0, d/dy is 0 where x = 0 and y >= 0 (as in PyTorch)",
)
square = _defop(
    "square", 1, lambda xp, x: x * x,
    jvp=(lambda t, a, x: 2.0 * x * t,), vjp=(lambda g, a, x: 2.0 * x * g,),
    sympy=lambda x: _sympy_pow(x, sp.Integer(2)), template="{0}^2", doc="x squared",
)
sqrt = _defop(
    "sqrt", 1, lambda xp, x: xp.sqrt(x),
    jvp=(lambda t, a, x: t / (2.0 * a),), vjp=(lambda g, a, x: g / (2.0 * a),),
    sympy=sp.sqrt, template="sqrt({0})", doc="square root",
)
exp = _defop(
    "exp", 1, lambda xp, x: xp.exp(x),
    jvp=(lambda t, a, x: t * a,), vjp=(lambda g, a, x: g * a,),
    sympy=sp.exp, template="exp({0})", doc="exponential",
)
log = _defop(
    "log", 1, lambda xp, x: xp.log(x),
    jvp=(lambda t, a, x: t / x,), vjp=(lambda g, a, x: g / x,),
    sympy=sp.log, template="ln({0})", doc="natural logarithm",
)
sin = _defop(
    "sin", 1, lambda xp, x: xp.sin(x),
    jvp=(lambda t, a, x: t * cos(x),), vjp=(lambda g, a, x: g * cos(x),),
    sympy=sp.sin, template="sin {0}", doc="sine",
)
cos = _defop(
    "cos", 1, lambda xp, x: xp.cos(x),
    jvp=(lambda t, a, x: -(t * sin(x)),), vjp=(lambda g, a, x: -(g * sin(x)),),
    sympy=sp.cos, template="cos {0}", doc="cosine",
)
tan = _defop(
    "tan", 1, lambda xp, x: xp.tan(x),
    jvp=(lambda t, a, x: t * (1.0 + a * a),), vjp=(lambda g, a, x: g * (1.0 + a * a),),
    sympy=sp.tan, template="tan {0}", doc="tangent",
)
# (1 - x)(1 + x), not 1 - x^2: no cancellation near |x| = 1.
asin = _defop(
    "asin", 1, lambda xp, x: xp.asin(x),
    jvp=(lambda t, a, x: t / sqrt((1.0 - x) * (1.0 + x)),), vjp=(lambda g, a, x: g / sqrt((1.0 - x) * (1.0 + x)),),
    sympy=sp.asin, template="asin {0}", doc="inverse sine",
)
atan = _defop(
    "atan", 1, lambda xp, x: xp.atan(x),
    jvp=(lambda t, a, x: t / (1.0 + x * x),), vjp=(lambda g, a, x: g / (1.0 + x * x),),
    sympy=sp.atan, template="atan {0}", doc="inverse tangent",
)
tanh = _defop(
    "tanh", 1, lambda xp, x: xp.tanh(x),
    jvp=(lambda t, a, x: t * (1.0 - a * a),), vjp=(lambda g, a, x: g * (1.0 - a * a),),
    sympy=sp.tanh, template="tanh {0}", doc="hyperbolic tangent",
)
def _sigmoid_impl(xp, x):
    """exp(min(x, 0)) / (1 + exp(-|x|)): no overflow, no branch, and all digits in the left tail, where
    the tanh form 0.5 (tanh(x/2) + 1) cancels (at x = -30 it kept only four of them). Complex input
    (the complex step) takes the tanh form, which is analytic."""
    if is_complex(x):
        return 0.5 * (xp.tanh(0.5 * x) + 1.0)
    return xp.exp(xp.minimum(x, 0.0)) / (1.0 + xp.exp(-xp.abs(x)))


sigmoid = _defop(
    "sigmoid", 1, _sigmoid_impl,
    jvp=(lambda t, a, x: t * a * (1.0 - a),), vjp=(lambda g, a, x: g * a * (1.0 - a),),
    sympy=sympy_functions.sigmoid, template="sigmoid({0})",
    doc="logistic sigmoid 1 / (1 + exp(-x))",
)
# sign and step have derivative zero (None rules); they exist so that the
# kink rules below can be written as ops and differentiated again.
sign = _defop(
    "sign", 1, lambda xp, x: xp.sign(x), sympy=sp.sign, template="sign({0})",
    complex_step="a jump, not complex-analytic",
    doc="sign of x (0 at 0)",
)
# step(x) = 1 for x > 0, else 0 (Heaviside with H(0) = 0), in the dtype of x.
# Casting the comparison is one pass (relu's rule runs it on every backward, so
# it matters); Python floats have no dtype and take sign(max(x, 0)).
def _step_impl(xp, x):
    dtype = getattr(x, "dtype", None)
    if dtype is None:
        return xp.sign(xp.maximum(x, 0.0))
    cast = getattr(xp, "astype", None)
    return cast(x > 0, dtype) if cast is not None else (x > 0).astype(dtype)


step = _defop(
    "step", 1, _step_impl,
    sympy=lambda x: sp.Heaviside(x, 0), template="step({0})",
    complex_step="a jump, not complex-analytic",
    doc="Heaviside step, 1 for x > 0 and 0 otherwise",
)
def _abs_jvp(t, a, x):
    from .complex import abs_jvp  # complex inputs take JAX's rule (ops/complex.py)

    return abs_jvp(t, a, x)


def _abs_vjp(g, a, x):
    from .complex import abs_vjp

    return abs_vjp(g, a, x)


abs = _defop(  # noqa: A001
    "abs", 1, lambda xp, x: xp.abs(x),
    jvp=(_abs_jvp,), vjp=(_abs_vjp,),
    sympy=sp.Abs, template="|{0}|", doc="absolute value; abs'(0) = 0",
    complex_step="a kink: the absolute value of a complex number is its modulus",
)
def _relu_sympy(x):
    # Piecewise, not Max(x, 0): its derivative is 0 at 0, like every other method.
    # Around an argument that holds a Piecewise itself (relu(relu(u))) SymPy folds the
    # condition and tries to solve an inequality, which fails for many arguments;
    # x * Heaviside(x, 0) is the same function, with the same derivative at 0.
    if isinstance(x, sp.Basic) and x.has(sp.Piecewise):
        return x * sp.Heaviside(x, 0)
    return sp.Piecewise((x, x > 0), (0, True))


def _relu_impl(xp, x):
    # NumPy's maximum against a scalar runs a loop 3x slower than against an array of zeros (33 us against
    # 11 us at 64x16x8x8 float32): on a NumPy array that lies in one block, take the maximum of that
    # block and a kept vector of zeros, into an output of the same layout
    if xp is _numpy and x.__class__ is _numpy.ndarray and x.dtype.kind == "f" and 1024 <= x.size <= 2**22:
        src = x.ravel(order="K")
        if src.base is not None:  # a view: x is one contiguous block in some axis order
            out = _numpy.empty_like(x)
            _numpy.maximum(src, kept_vector(0.0, x.size, x.dtype), out=out.ravel(order="K"))
            return out
    return xp.maximum(x, 0.0)


relu = _defop(
    "relu", 1, _relu_impl,
    # a > 0 exactly where x > 0: the rules read the output, as PyTorch's does (x may change in place)
    jvp=(lambda t, a, x: t * step(x),), vjp=(lambda g, a, x: g * step(a),),
    # on NumPy g times the boolean mask (one pass fewer than casting it first; the Array API wants the cast)
    vjp_arrays=lambda xp, g, a, args, needs: [g * (a > 0) if xp is _numpy else g * _step_impl(xp, a)],
    sympy=_relu_sympy, template="relu({0})",
    complex_step="a kink: NumPy compares complex numbers by real, then imaginary part",
    doc="max(x, 0); relu'(0) = 0",
)
# PyTorch's rules: the whole gradient to the larger argument, half to each at a tie.
# They select, not multiply by a mask: an infinite g times a zero weight would be nan.
def _larger_share(g, x, y):
    """The share of g that maximum(x, y) passes to x (minimum(y, x) passes the same)."""
    return select(less(x, y), 0.0, select(equal(x, y), 0.5 * g, g))


maximum = _defop(
    "maximum", 2, lambda xp, x, y: xp.maximum(x, y),
    jvp=(lambda t, a, x, y: _larger_share(t, x, y), lambda t, a, x, y: _larger_share(t, y, x)),
    vjp=(lambda g, a, x, y: _larger_share(g, x, y), lambda g, a, x, y: _larger_share(g, y, x)),
    sympy=lambda x, y: _sympy_binary(sp.Max, x, y), template="max({0}, {1})",
    complex_step="a kink: NumPy compares complex numbers by real, then imaginary part",
    doc="elementwise maximum; a tie splits the gradient half and half",
)
minimum = _defop(
    "minimum", 2, lambda xp, x, y: xp.minimum(x, y),
    jvp=(lambda t, a, x, y: _larger_share(t, y, x), lambda t, a, x, y: _larger_share(t, x, y)),
    vjp=(lambda g, a, x, y: _larger_share(g, y, x), lambda g, a, x, y: _larger_share(g, x, y)),
    sympy=lambda x, y: _sympy_binary(sp.Min, x, y), template="min({0}, {1})",
    complex_step="a kink: NumPy compares complex numbers by real, then imaginary part",
    doc="elementwise minimum; a tie splits the gradient half and half",
)


# ---------------------------------------------------------------------------
# Comparisons (boolean results, no derivative): masks for where() and friends.
# ---------------------------------------------------------------------------

def _comparison(name: str, symbol: str, fn, relation: type) -> Callable[..., Any]:
    # The SymPy relation lets a rule that selects (maximum's, pow's) run on formulas:
    # dk.symbolic.explain writes it out as a Piecewise.
    return _defop(name, 2, fn, kind="comparison", template="{0} " + symbol + " {1}", sympy=relation,
                  doc=f"x {symbol} y, elementwise (boolean, no gradient)")


greater = _comparison("greater", ">", lambda xp, x, y: x > y, sp.Gt)
greater_equal = _comparison("greater_equal", ">=", lambda xp, x, y: x >= y, sp.Ge)
less = _comparison("less", "<", lambda xp, x, y: x < y, sp.Lt)
less_equal = _comparison("less_equal", "<=", lambda xp, x, y: x <= y, sp.Le)
equal = _comparison("equal", "==", lambda xp, x, y: x == y, sp.Eq)
not_equal = _comparison("not_equal", "!=", lambda xp, x, y: x != y, sp.Ne)
