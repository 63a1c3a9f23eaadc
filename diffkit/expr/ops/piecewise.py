"""Piecewise ops: ``floor``, ``ceil``, ``round``, ``mod`` (``%``) and ``clip``, with PyTorch's slopes.

============  =====================================  =================================
op            slope                                  at a jump or a boundary
============  =====================================  =================================
``floor``     0                                      0 (the jump has no derivative)
``ceil``      0                                      0
``round``     0 (ties go to the even integer)        0
``mod(x, y)`` 1 in x, ``-floor(x / y)`` in y         the same formulas
``clip``      1 inside ``[lo, hi]``, 0 outside        1: the boundaries count as inside
============  =====================================  =================================

``mod`` is Python's ``%`` and NumPy's ``remainder`` (the result has the sign
of ``y``), PyTorch's ``remainder``. A complex argument (the complex step) is
floored or rounded by its real part: these functions are constant or linear
between their jumps, so the complex step then gives the slopes above.

Example
-------
>>> from diffkit.expr.ops.piecewise import clip, mod
>>> float(mod(-5.5, 2.0)), float(clip(3.0, lo=0.0, hi=1.0))
(0.5, 1.0)
"""

from __future__ import annotations

import sympy as sp

from .. import sympy_functions
from .core import _defop
from .elementwise import equal
from .kernels import is_complex, real_part
from .select import select


def _on_real_part(fn):
    """``fn`` of the real part for complex input (NumPy refuses it), with the imaginary part 0."""
    def impl(xp, x):
        if is_complex(x):
            return fn(xp, real_part(xp, x)) + 0j
        return fn(xp, x)
    return impl


floor = _defop(
    "floor", 1, _on_real_part(lambda xp, x: xp.floor(x)), sympy=sp.floor, template="floor({0})",
    doc="largest integer <= x (slope 0)",
)
ceil = _defop(
    "ceil", 1, _on_real_part(lambda xp, x: xp.ceil(x)), sympy=sp.ceiling, template="ceil({0})",
    doc="smallest integer >= x (slope 0)",
)
round = _defop(  # noqa: A001 - the table's name for the op
    "round", 1, _on_real_part(lambda xp, x: xp.round(x)), sympy=sympy_functions.round_half_even,
    template="round({0})", doc="nearest integer, ties to even (slope 0)", example=(1.3,),
)


def _mod_impl(xp, x, y):
    if is_complex(x) or is_complex(y):
        return x - y * xp.floor(real_part(xp, x / y))
    return xp.remainder(x, y)


mod = _defop(
    "mod", 2, _mod_impl,
    jvp=(lambda t, a, x, y: t, lambda t, a, x, y: -t * floor(x / y)),
    vjp=(lambda g, a, x, y: g, lambda g, a, x, y: -g * floor(x / y)),
    sympy=sp.Mod, template="{0} % {1}", infix="%", precedence=20,
    doc="x - y floor(x / y), the remainder with the sign of y (Python's %)",
)


def _bound(v, default):
    return default if v is None else sp.sympify(v)


# Inside [lo, hi], boundaries included, clip is the identity and x == clip(x).
clip = _defop(
    "clip", 1, lambda xp, x, lo=None, hi=None: xp.clip(x, lo, hi),
    jvp=(lambda t, a, x, lo=None, hi=None: select(equal(x, a), t, 0.0),),
    vjp=(lambda g, a, x, lo=None, hi=None: select(equal(x, a), g, 0.0),),
    sympy=lambda x, lo=None, hi=None: sympy_functions.clip(x, _bound(lo, -sp.oo), _bound(hi, sp.oo)),
    template="clip({0})",
    complex_step="a kink at each bound: NumPy compares complex numbers by real, then imaginary part",
    doc="limit x to [lo, hi]; gradient 1 inside, boundaries included",
)
