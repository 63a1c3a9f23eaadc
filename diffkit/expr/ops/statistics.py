"""Statistics: variance and standard deviation, with PyTorch's values at zero.

The variance of complex numbers is the mean of ``|x - mean(x)|^2``, a real
number (NumPy's and PyTorch's); its derivatives follow JAX's convention for
complex inputs (see :mod:`.complex`).

Written as ``sqrt`` of a sum, ``std`` would have the derivative
``1 / (2 sqrt(0))`` wherever the spread is zero, and give NaN gradients
through ``0 * inf``. PyTorch's rule sets the slope there to 0 (a constant
sample has ``std' = 0``), and so does this one, in every mode (the 2-norm,
``linalg.vector_norm``, does the same at 0). The guard is a double ``where``: the division never sees the
zero it would blow up on, so the rule's own derivatives stay finite too.

Example
-------
>>> import numpy as np
>>> from diffkit.expr.ops.statistics import std, var
>>> x = np.array([1.0, 2.0, 3.0, 4.0])
>>> float(var(x)), float(std(x, correction=0))
(1.6666666666666667, 1.118033988749895)
"""

from __future__ import annotations

from .complex import conj, real
from .core import _count, _defop
from .elementwise import equal
from .reductions import _expand, mean, sum
from .shapes import where
from .support import is_complex


def _denominator(x, axis, correction) -> float:
    return float(max(_count(tuple(x.shape), axis) - correction, 0))


def _var_impl(xp, x, axis=None, correction=1, keepdims=False):
    d = x - xp.mean(x, axis=axis, keepdims=True)
    d2 = xp.real(d * xp.conj(d)) if is_complex(d) else d * d  # |d|^2: a complex sample's variance is real
    return xp.sum(d2, axis=axis, keepdims=keepdims) / _denominator(x, axis, correction)


def _centred(x, axis):
    """``conj(x - mean(x))``: the slope of ``|x - mean(x)|^2 / 2``, as a cotangent weight (JAX's convention)."""
    d = x - mean(x, axis=axis, keepdims=True)
    return conj(d) if is_complex(d) else d


def _var_jvp(t, a, x, axis=None, correction=1, keepdims=False):
    # the tangent's mean drops out: sum(x - mean(x)) is zero
    dt = _centred(x, axis) * t
    dt = real(dt) if is_complex(dt) else dt
    return sum(2.0 * dt, axis=axis, keepdims=keepdims) / _denominator(x, axis, correction)


def _var_vjp(g, a, x, axis=None, correction=1, keepdims=False):
    return _expand(g, x, axis, keepdims) * (2.0 * _centred(x, axis)) / _denominator(x, axis, correction)


var = _defop(
    "var", 1, _var_impl,
    jvp=(_var_jvp,), vjp=(_var_vjp,),
    kind="reduction", cost=lambda out, args, params: 4 * int(getattr(args[0], "size", 1)),
    template="var({0})", doc="variance over axis, divided by n - correction (PyTorch's default correction=1)",
)


def _over(g, a):
    """g / a where a != 0, and 0 where a == 0, without ever dividing by the zero."""
    zero = equal(a, 0.0)
    return where(zero, 0.0, g / where(zero, 1.0, a))


def _std_impl(xp, x, axis=None, correction=1, keepdims=False):
    return xp.sqrt(_var_impl(xp, x, axis=axis, correction=correction, keepdims=keepdims))


std = _defop(
    "std", 1, _std_impl,
    jvp=(lambda t, a, x, axis=None, correction=1, keepdims=False:
         _over(_var_jvp(t, a, x, axis, correction, keepdims), 2.0 * a),),
    vjp=(lambda g, a, x, axis=None, correction=1, keepdims=False:
         _var_vjp(_over(g, 2.0 * a), a, x, axis, correction, keepdims),),
    kind="reduction", cost=lambda out, args, params: 4 * int(getattr(args[0], "size", 1)),
    template="std({0})",
    doc="standard deviation over axis (correction=1 by default); slope 0 where it is 0, as in PyTorch",
)

