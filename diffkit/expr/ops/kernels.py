"""Evaluation helpers the elementwise ops share: complex inputs, and erf on any array namespace.

NumPy has no ``erf``, and the Array API none either, so it is computed here
with array operations only (so it runs on NumPy, CuPy or any Array-API
namespace, and on complex numbers for the complex step):

* ``|x| < 2``: the series ``erf(x) = 2/sqrt(pi) exp(-x^2) sum_n (2x^2)^n x / (1*3*...*(2n+1))``,
  whose terms are all of one sign (no cancellation);
* ``|x| >= 1.5``: Laplace's continued fraction
  ``erfc(x) = exp(-x^2) / sqrt(pi) / (x + (1/2)/(x + 1/(x + (3/2)/(x + ...))))``,
  evaluated from its 80th term back;
* ``exp(-x^2)`` as ``exp(-u^2) exp(-(x - u)(x + u))`` with ``u`` = x rounded to 1/16, so
  that the rounding of ``x^2`` (relative 1e-16, hence absolute 1e-13 at x = 27) does not
  reach the result.

Against mpmath at 50 digits the relative error is below 1e-15 for erf on
[-30, 30], and for erfc where it is a normal float (x < 26.5) below 2e-14
(on [1, 1.5), where it is ``1 - erf``) and 1e-15 elsewhere; see
``tests/expr/test_kernels.py``. Where SciPy is installed, real NumPy input
goes to ``scipy.special.erf``/``erfc`` instead: the same values to a few
units in the last place, ten times faster (``gelu`` in a training step).

Example
-------
>>> import numpy as np
>>> from diffkit.expr.ops.kernels import erf
>>> float(erf(np, np.float64(0.5)))
0.5204998778130465
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["is_complex", "real_part", "erf", "erfc", "erf_kernel", "erfc_kernel"]

_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
_SQRT_PI = math.sqrt(math.pi)
_SERIES_TERMS = 40
_FRACTION_TERMS = 80


def is_complex(x: Any) -> bool:
    """Whether ``x`` is a complex number or an array of complex dtype (any namespace).

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.expr.ops.kernels import is_complex
    >>> is_complex(1j), is_complex(np.ones(2)), is_complex(np.ones(2, complex))
    (True, False, True)
    """
    if isinstance(x, complex):
        return True
    dtype = getattr(x, "dtype", None)
    if dtype is None:
        return False
    kind = getattr(dtype, "kind", None)
    if kind is not None:
        return kind == "c"
    return "complex" in str(dtype)


def real_part(xp: Any, x: Any) -> Any:
    """The real part of ``x``; ``x`` itself when it is real (the Array API's ``real`` wants complex input)."""
    return xp.real(x) if is_complex(x) else x


def _exp_minus_square(xp: Any, z: Any) -> Any:
    """exp(-z^2) without the rounding error of z^2 (see the module docstring)."""
    u = xp.floor(real_part(xp, z) * 16.0) / 16.0
    return xp.exp(-(u * u)) * xp.exp(-((z - u) * (z + u)))


def _erf_series(xp: Any, z: Any) -> Any:
    z2 = z * z
    term = z
    total = z
    for k in range(_SERIES_TERMS):
        term = term * (2.0 * z2 / (2 * k + 3))
        total = total + term
    return _TWO_OVER_SQRT_PI * _exp_minus_square(xp, z) * total


def _erfc_fraction(xp: Any, z: Any) -> Any:
    f = z
    for k in range(_FRACTION_TERMS, 0, -1):
        f = z + (0.5 * k) / f
    return _exp_minus_square(xp, z) / (_SQRT_PI * f)


def _reflected(xp: Any, x: Any) -> tuple[Any, Any, Any]:
    """(negative, z, Re z): z = -x where x has a negative real part, else x (erf is odd)."""
    re = real_part(xp, x)
    negative = re < 0
    return negative, xp.where(negative, -x, x), xp.where(negative, -re, re)


def _upper(xp: Any, z: Any, re: Any, small: Any) -> Any:
    """erfc(z) by the continued fraction where ``small`` is false (past 40 it is 0 in float64;
    the cap keeps exp(-inf^2) from becoming inf - inf)."""
    return _erfc_fraction(xp, xp.where(small, 2.0, xp.where(re > 40.0, 40.0, z)))


def erf_kernel(xp: Any, x: Any) -> Any:
    """The error function by the series and the continued fraction, on ``xp``, for real or complex ``x``."""
    negative, z, re = _reflected(xp, x)
    small = re < 2.0
    out = xp.where(small, _erf_series(xp, xp.where(small, z, 0.0)), 1.0 - _upper(xp, z, re, small))
    return xp.where(negative, -out, out)


def erfc_kernel(xp: Any, x: Any) -> Any:
    """``1 - erf(x)`` by the series and the continued fraction, accurate where it is tiny (large x)."""
    negative, z, re = _reflected(xp, x)
    small = re < 1.5
    out = xp.where(small, 1.0 - _erf_series(xp, xp.where(small, z, 0.0)), _upper(xp, z, re, small))
    return xp.where(negative, 2.0 - out, out)


def _scipy(name: str) -> Any:
    """``scipy.special.<name>``, or None without SciPy (looked up once)."""
    if name not in _SCIPY:
        try:
            from scipy import special
        except ImportError:
            special = None
        _SCIPY[name] = getattr(special, name, None)
    return _SCIPY[name]


_SCIPY: dict[str, Any] = {}


def erf(xp: Any, x: Any) -> Any:
    """The error function, elementwise on ``xp``: SciPy's for real NumPy input where installed, else the kernel."""
    fast = _scipy("erf") if xp.__name__ == "numpy" and not is_complex(x) else None
    return fast(x) if fast is not None else erf_kernel(xp, x)


def erfc(xp: Any, x: Any) -> Any:
    """The complementary error function ``1 - erf(x)``, as :func:`erf` chooses."""
    fast = _scipy("erfc") if xp.__name__ == "numpy" and not is_complex(x) else None
    return fast(x) if fast is not None else erfc_kernel(xp, x)
