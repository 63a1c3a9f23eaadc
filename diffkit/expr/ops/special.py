"""Special functions and smooth activations: ``erf``, ``erfc``, ``sinc``, ``softplus``, ``silu``, ``gelu``.

``erf``/``erfc`` are computed by :mod:`.kernels` (NumPy has none). ``sinc`` is
the normalised one, ``sin(pi x) / (pi x)``, as in NumPy, PyTorch and JAX.
``gelu`` is the exact one, ``x (1 + erf(x / sqrt 2)) / 2`` (PyTorch's default,
not its tanh approximation). ``softplus`` is ``log(1 + exp(x))`` computed
without overflow, with no threshold (see ``docs/differences.md``).

Example
-------
>>> from diffkit.expr.ops.special import erf, gelu, sinc
>>> round(float(erf(1.0)), 12), float(sinc(0.0)), round(float(gelu(1.0)), 12)
(0.84270079295, 1.0, 0.841344746069)
"""

from __future__ import annotations

import math

import sympy as sp

from .. import sympy_functions
from . import kernels
from .core import _defop
from .elementwise import _sigmoid_impl, cos, exp, less, sigmoid
from .kernels import real_part
from .select import select

_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
_INV_SQRT_2 = 1.0 / math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)

erf = _defop(
    "erf", 1, kernels.erf,
    jvp=(lambda t, a, x: t * _TWO_OVER_SQRT_PI * exp(-(x * x)),),
    vjp=(lambda g, a, x: g * _TWO_OVER_SQRT_PI * exp(-(x * x)),),
    sympy=sp.erf, template="erf({0})", cost=8, doc="the error function",
)
erfc = _defop(
    "erfc", 1, kernels.erfc,
    jvp=(lambda t, a, x: -t * _TWO_OVER_SQRT_PI * exp(-(x * x)),),
    vjp=(lambda g, a, x: -g * _TWO_OVER_SQRT_PI * exp(-(x * x)),),
    sympy=sp.erfc, template="erfc({0})", cost=8, doc="the complementary error function 1 - erf(x)",
)


def _sinc_impl(xp, x):
    px = math.pi * xp.where(x == 0, 1e-20, x)  # sin(u)/u is 1 to the last bit at u = pi 1e-20
    return xp.sin(px) / px


# sinc'(x) = (cos(pi x) - sinc(x)) / x, which cancels near 0; there its Taylor series
# x * sum_n c_n x^(2n-2), c_n = (-1)^n 2n pi^(2n) / (2n+1)!, is used (|x| < 0.1: 8 terms
# reach the last bit). Both are written with the table's ops, so they differentiate again;
# the quotient's denominator is 1 where the series is taken (no nan leaks from it).
_SINC_SLOPE = [(-1) ** n * 2 * n * math.pi ** (2 * n) / math.factorial(2 * n + 1) for n in range(1, 9)]


def _sinc_slope(a, x):
    x2 = x * x
    near = less(x2, 0.01)
    series = _SINC_SLOPE[-1]
    for c in reversed(_SINC_SLOPE[:-1]):
        series = c + x2 * series
    quotient = (cos(math.pi * x) - a) / select(near, 1.0, x)
    return select(near, x * series, quotient)


sinc = _defop(
    "sinc", 1, _sinc_impl,
    jvp=(lambda t, a, x: t * _sinc_slope(a, x),), vjp=(lambda g, a, x: g * _sinc_slope(a, x),),
    sympy=lambda x: sp.sinc(sp.pi * x), template="sinc({0})", cost=3,
    doc="normalised sinc, sin(pi x) / (pi x), 1 at 0 (as in NumPy and PyTorch)",
)


def _softplus_impl(xp, x):
    # x + log1p(exp(-x)) for x > 0, log1p(exp(x)) otherwise: exp never overflows
    positive = real_part(xp, x) > 0
    return xp.where(positive, x, 0.0) + xp.log1p(xp.exp(xp.where(positive, -x, x)))


softplus = _defop(
    "softplus", 1, _softplus_impl,
    jvp=(lambda t, a, x: t * sigmoid(x),), vjp=(lambda g, a, x: g * sigmoid(x),),
    sympy=sympy_functions.softplus, template="softplus({0})", cost=4,
    doc="log(1 + exp(x)), computed without overflow",
)


def _silu_slope(x):
    s = sigmoid(x)
    return s * (1.0 + x * (1.0 - s))


silu = _defop(
    "silu", 1, lambda xp, x: x * _sigmoid_impl(xp, x),
    jvp=(lambda t, a, x: t * _silu_slope(x),), vjp=(lambda g, a, x: g * _silu_slope(x),),
    sympy=sympy_functions.silu, template="silu({0})", cost=4,
    doc="x * sigmoid(x) (the swish)",
)


# erfc(-x / sqrt 2) / 2, not (1 + erf(x / sqrt 2)) / 2: no cancellation for large negative x.
def _gelu_slope(x):
    return 0.5 * erfc(-_INV_SQRT_2 * x) + _INV_SQRT_2PI * x * exp(-0.5 * (x * x))


gelu = _defop(
    "gelu", 1, lambda xp, x: 0.5 * x * kernels.erfc(xp, -_INV_SQRT_2 * x),
    jvp=(lambda t, a, x: t * _gelu_slope(x),), vjp=(lambda g, a, x: g * _gelu_slope(x),),
    sympy=sympy_functions.gelu, template="gelu({0})", cost=10,
    doc="the exact GELU, x (1 + erf(x / sqrt 2)) / 2",
)
