"""Inverse trigonometric and hyperbolic ops: ``acos``, ``atan2``, ``hypot``, ``sinh``, ``cosh``,
``asinh``, ``acosh``, ``atanh`` (``sin``, ``asin``, ``tanh``... are in :mod:`.elementwise`).

Their slopes are written for accuracy near the edges of the domain:
``(1 - x)(1 + x)`` rather than ``1 - x^2`` (no cancellation near ``|x| = 1``),
``hypot(1, x)`` rather than ``sqrt(1 + x^2)`` (no overflow). NumPy has no
``atan2`` or ``hypot`` of complex numbers; for the complex step they are
evaluated by formulas that are complex-analytic where the real function is
smooth (away from the origin and, for ``atan2``, the negative ``x`` axis).

Example
-------
>>> from diffkit.expr.ops.trig import atan2, cosh
>>> round(float(atan2(1.0, -1.0)), 6), float(cosh(0.0))
(2.356194, 1.0)
"""

from __future__ import annotations

import sympy as sp

from .. import sympy_functions
from .core import _defop
from .elementwise import equal, sqrt
from .kernels import is_complex, real_part
from .select import select


def _one_minus_square(x):
    return (1.0 - x) * (1.0 + x)


acos = _defop(
    "acos", 1, lambda xp, x: xp.acos(x),
    jvp=(lambda t, a, x: -t / sqrt(_one_minus_square(x)),),
    vjp=(lambda g, a, x: -g / sqrt(_one_minus_square(x)),),
    sympy=sp.acos, template="acos {0}", doc="inverse cosine",
)
sinh = _defop(
    "sinh", 1, lambda xp, x: xp.sinh(x),
    jvp=(lambda t, a, x: t * cosh(x),), vjp=(lambda g, a, x: g * cosh(x),),
    sympy=sp.sinh, template="sinh {0}", doc="hyperbolic sine",
)
cosh = _defop(
    "cosh", 1, lambda xp, x: xp.cosh(x),
    jvp=(lambda t, a, x: t * sinh(x),), vjp=(lambda g, a, x: g * sinh(x),),
    sympy=sp.cosh, template="cosh {0}", doc="hyperbolic cosine",
)
asinh = _defop(
    "asinh", 1, lambda xp, x: xp.asinh(x),
    jvp=(lambda t, a, x: t / hypot(1.0, x),), vjp=(lambda g, a, x: g / hypot(1.0, x),),
    sympy=sp.asinh, template="asinh {0}", doc="inverse hyperbolic sine",
)
acosh = _defop(
    "acosh", 1, lambda xp, x: xp.acosh(x),
    jvp=(lambda t, a, x: t / sqrt((x - 1.0) * (x + 1.0)),), vjp=(lambda g, a, x: g / sqrt((x - 1.0) * (x + 1.0)),),
    sympy=sp.acosh, template="acosh {0}", doc="inverse hyperbolic cosine (x >= 1)", example=(2.0,),
)
atanh = _defop(
    "atanh", 1, lambda xp, x: xp.atanh(x),
    jvp=(lambda t, a, x: t / _one_minus_square(x),), vjp=(lambda g, a, x: g / _one_minus_square(x),),
    sympy=sp.atanh, template="atanh {0}", doc="inverse hyperbolic tangent (|x| < 1)",
)


def _hypot_impl(xp, x, y):
    if is_complex(x) or is_complex(y):
        return xp.sqrt(x * x + y * y)
    return xp.hypot(x, y)


# d/dx = x / hypot: 0/0 = nan at the origin, as in PyTorch (hypot is |x| on an axis, a kink).
hypot = _defop(
    "hypot", 2, _hypot_impl,
    jvp=(lambda t, a, x, y: t * x / a, lambda t, a, x, y: t * y / a),
    vjp=(lambda g, a, x, y: g * x / a, lambda g, a, x, y: g * y / a),
    sympy=sympy_functions.hypot, template="hypot({0}, {1})",
    doc="sqrt(x^2 + y^2) without overflow; its slopes are nan at the origin (as in PyTorch)",
)


def _atan2_impl(xp, y, x):
    if not (is_complex(x) or is_complex(y)):
        return xp.atan2(y, x)
    # the half-angle forms, each analytic where it is used
    r = xp.sqrt(x * x + y * y)
    right = real_part(xp, x) >= 0
    return xp.where(right, 2.0 * xp.atan(y / xp.where(right, r + x, 1.0)),
                    2.0 * xp.atan(xp.where(right, 1.0, r - x) / xp.where(right, 1.0, y)))


def _atan2_slope(num, y, x):
    """num / (x^2 + y^2), and 0 where x^2 + y^2 is 0 (the origin, or an underflow), as in PyTorch;
    the denominator is 1 there, so no 0/0 reaches a second derivative."""
    r2 = x * x + y * y
    flat = equal(r2, 0.0)
    return select(flat, 0.0, num / select(flat, 1.0, r2))


atan2 = _defop(
    "atan2", 2, _atan2_impl,
    jvp=(lambda t, a, y, x: t * _atan2_slope(x, y, x), lambda t, a, y, x: -t * _atan2_slope(y, y, x)),
    vjp=(lambda g, a, y, x: g * _atan2_slope(x, y, x), lambda g, a, y, x: -g * _atan2_slope(y, y, x)),
    sympy=sp.atan2, template="atan2({0}, {1})",
    doc="the angle of the point (x, y), in (-pi, pi]; its slopes are 0 at the origin (as in PyTorch)",
)
