"""Logarithms, exponentials and roots: ``log2``, ``log10``, ``log1p``, ``expm1``, ``exp2``, ``cbrt``,
``logaddexp`` (``exp``, ``log``, ``sqrt``, ``pow`` are in :mod:`.elementwise`).

``log1p``, ``expm1`` and ``logaddexp`` exist for accuracy: ``log(1 + x)``
loses the digits of a small x, ``log(exp(x) + exp(y))`` overflows past 709.
``cbrt`` is the real cube root (``cbrt(-8) = -2``, where ``(-8)^(1/3)`` is nan).

Example
-------
>>> from diffkit.expr.ops.logexp import cbrt, log1p
>>> float(cbrt(-8.0)), float(log1p(1e-20))
(-2.0, 1e-20)
"""

from __future__ import annotations

import math

from .. import sympy_functions
from .core import _defop
from .elementwise import _PYTHON_NUMBERS, exp
from .kernels import is_complex, real_part

_LN2 = math.log(2.0)
_LN10 = math.log(10.0)

log2 = _defop(
    "log2", 1, lambda xp, x: xp.log2(x),
    jvp=(lambda t, a, x: t / (x * _LN2),), vjp=(lambda g, a, x: g / (x * _LN2),),
    sympy=sympy_functions.log2, template="log2({0})", doc="base-2 logarithm",
)
log10 = _defop(
    "log10", 1, lambda xp, x: xp.log10(x),
    jvp=(lambda t, a, x: t / (x * _LN10),), vjp=(lambda g, a, x: g / (x * _LN10),),
    sympy=sympy_functions.log10, template="log10({0})", doc="base-10 logarithm",
)
log1p = _defop(
    "log1p", 1, lambda xp, x: xp.log1p(x),
    jvp=(lambda t, a, x: t / (1.0 + x),), vjp=(lambda g, a, x: g / (1.0 + x),),
    sympy=sympy_functions.log1p, template="log1p({0})", doc="log(1 + x), accurate for small x",
)
expm1 = _defop(
    "expm1", 1, lambda xp, x: xp.expm1(x),
    jvp=(lambda t, a, x: t * (a + 1.0),), vjp=(lambda g, a, x: g * (a + 1.0),),
    sympy=sympy_functions.expm1, template="expm1({0})", doc="exp(x) - 1, accurate for small x",
)


def _exp2_impl(xp, x):
    # 2.0 ** x on the namespace (the Array API has no exp2); a Python float goes through NumPy,
    # so that 2.0 ** 2000.0 is inf with a warning, not an OverflowError
    return (xp.asarray(2.0) if type(x) in _PYTHON_NUMBERS else 2.0) ** x


exp2 = _defop(
    "exp2", 1, _exp2_impl,
    jvp=(lambda t, a, x: t * a * _LN2,), vjp=(lambda g, a, x: g * a * _LN2,),
    sympy=sympy_functions.exp2, template="exp2({0})", doc="2 to the power x",
)


def _cbrt_impl(xp, x):
    root = getattr(xp, "cbrt", None)
    if root is not None and not is_complex(x):
        return root(x)
    # the real cube root from the principal one, taken where the real part is positive
    negative = real_part(xp, x) < 0
    z = xp.where(negative, -x, x) ** (1.0 / 3.0)
    return xp.where(negative, -z, z)


# d/dx = 1 / (3 cbrt(x)^2): inf at 0, as in JAX (PyTorch has no cbrt).
cbrt = _defop(
    "cbrt", 1, _cbrt_impl,
    jvp=(lambda t, a, x: t / (3.0 * a * a),), vjp=(lambda g, a, x: g / (3.0 * a * a),),
    sympy=sympy_functions.cbrt, template="cbrt({0})", doc="real cube root (cbrt(-8) = -2)", example=(-8.0,),
)


def _logaddexp_impl(xp, x, y):
    if not (is_complex(x) or is_complex(y)):
        return xp.logaddexp(x, y)
    m = xp.maximum(real_part(xp, x), real_part(xp, y))
    return m + xp.log(xp.exp(x - m) + xp.exp(y - m))


# exp(x - a) is the share of the sum that exp(x) makes, at most 1: it never overflows.
logaddexp = _defop(
    "logaddexp", 2, _logaddexp_impl,
    jvp=(lambda t, a, x, y: t * exp(x - a), lambda t, a, x, y: t * exp(y - a)),
    vjp=(lambda g, a, x, y: g * exp(x - a), lambda g, a, x, y: g * exp(y - a)),
    sympy=sympy_functions.logaddexp, template="logaddexp({0}, {1})", cost=4,
    doc="log(exp(x) + exp(y)) without overflow",
)
