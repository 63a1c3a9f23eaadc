"""Complex numbers: real, imag, conj, angle, and JAX's convention for gradients.

**The convention** (JAX's): for a real loss ``L`` of a complex ``z = x + iy``
the gradient is ``∂L/∂x - i ∂L/∂y``. Cotangents pair with tangents as
``Re(sum(g * t))``, without a conjugate, so the rule of every holomorphic op
is its real rule unchanged (``g * f'(z)``: exp, log, sin, mul, div, pow,
matmul, einsum, inv, solve, det...), and only the non-holomorphic ops need
rules of their own:

==========  ==========================  ===========================
op          tangent                     cotangent
==========  ==========================  ===========================
real        ``real(t)``                 ``g + 0j``
imag        ``imag(t)``                 ``-1j * g``
conj        ``conj(t)``                 ``conj(g)``
abs         ``real(conj(z)/|z| t)``     ``g * conj(z)/|z|``
angle       ``imag(t / z)``             ``-1j * g / z``
==========  ==========================  ===========================

A real input that meets a complex value (``x * 1j``) gets the real part of
its cotangent (the reverse engine takes it), so gradients keep the dtype of
their inputs. PyTorch's convention is the conjugate of JAX's: ``dk``'s
``z.grad`` is ``conj`` of ``torch``'s (see ``docs/differences.md``).

Ops that order numbers (relu, maximum, minimum, clip, sort, max...) have no
meaning on complex numbers; their derivatives are not defined there.

Example
-------
>>> import numpy as np
>>> from diffkit.expr.ops.complex import angle, imag
>>> float(imag(np.array(3.0 + 4.0j)))
4.0
>>> round(float(angle(np.array(1.0j))), 6)
1.570796
"""

from __future__ import annotations

import math

from .core import _defop
from .elementwise import sign
from .support import is_complex


def _copy(xp, x):
    """A real input's real part (or conjugate): itself, copied so the result owns its memory."""
    return xp.asarray(x, copy=True) if hasattr(x, "shape") else x


def _real_impl(xp, x):
    return xp.real(x) if is_complex(x) else _copy(xp, x)


def _imag_impl(xp, x):
    if is_complex(x):
        return xp.imag(x)
    return xp.zeros_like(x) if hasattr(x, "shape") else 0.0 * x


def _conj_impl(xp, x):
    return xp.conj(x) if is_complex(x) else _copy(xp, x)


def _angle_impl(xp, x):
    if is_complex(x):
        return xp.atan2(xp.imag(x), xp.real(x)) if not hasattr(xp, "angle") else xp.angle(x)
    return xp.where(x < 0, math.pi, 0.0 * x) if hasattr(x, "shape") else (math.pi if x < 0 else 0.0)


real = _defop(
    "real", 1, _real_impl,
    jvp=(lambda t, a, x: real(t),),
    vjp=(lambda g, a, x: g * (1.0 + 0.0j) if is_complex(x) else g,),
    kind="array", cost=0, template="real({0})", doc="real part",
    reads_inputs=False,
    batch="broadcast",
)
imag = _defop(
    "imag", 1, _imag_impl,
    jvp=(lambda t, a, x: imag(t),),
    vjp=(lambda g, a, x: g * (-1.0j) if is_complex(x) else 0.0 * g,),
    kind="array", cost=0, template="imag({0})", doc="imaginary part (zeros for real input)",
    reads_inputs=False,
    batch="broadcast",
)
conj = _defop(
    "conj", 1, _conj_impl,
    jvp=(lambda t, a, x: conj(t),), vjp=(lambda g, a, x: conj(g),),
    kind="array", cost=0, template="conj({0})", doc="complex conjugate",
    reads_inputs=False,
    batch="broadcast",
)
angle = _defop(
    "angle", 1, _angle_impl,
    jvp=(lambda t, a, x: imag(t / x) if is_complex(x) else 0.0 * t,),
    vjp=(lambda g, a, x: g * (-1.0j) / x if is_complex(x) else 0.0 * g,),
    kind="array", template="angle({0})", doc="argument (phase) of a complex number, in (-pi, pi]",
    batch="broadcast",
)


def conj_unit(z):
    """``conj(z) / |z|`` (0 at 0): the derivative of ``|z|`` as a cotangent weight, written with
    differentiable ops (``sign`` of a complex number is ``z/|z|``, but its rule is the real one, zero)."""
    from .elementwise import abs as _abs
    from .elementwise import equal
    from .shapes import where

    size = _abs(z)
    zero = equal(size, 0.0)
    return where(zero, 0.0, conj(z) / where(zero, 1.0, size))


def abs_jvp(t, a, x):
    """The tangent of ``|x|``: ``t sign(x)``, and ``real(conj(z)/|z| t)`` for complex z."""
    if is_complex(x):
        return real(conj_unit(x) * t)
    return t * sign(x)


def abs_vjp(g, a, x):
    """The cotangent of ``|x|``: ``g sign(x)``, and ``g conj(z)/|z|`` for complex z (JAX's convention)."""
    if is_complex(x):
        return g * conj_unit(x)
    return g * sign(x)


__all__ = ["real", "imag", "conj", "angle", "abs_jvp", "abs_vjp", "conj_unit"]
