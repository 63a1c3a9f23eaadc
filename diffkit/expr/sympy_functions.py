"""SymPy functions for the ops SymPy has no class for (sigmoid, softplus, gelu, ...).

Each is a ``sympy.Function`` that SymPy can differentiate (``fdiff``),
evaluate numerically (``evalf``, through its elementary form) and print
(LaTeX), and that rewrites to elementary functions:
``sigmoid(x).rewrite(sympy.exp)`` is ``1/(1 + exp(-x))``. They exist so that
an op and its SymPy counterpart are one function each way (the bridge maps
them back to the same op), and so that the symbolic method evaluates the
derivative in a stable form: ``d/dx 1/(1 + exp(-x))`` written out is
``exp(-x)/(1 + exp(-x))**2``, which is ``inf/inf = nan`` at ``x = -800``,
where ``sigmoid(x)*(1 - sigmoid(x))`` is 0.

:data:`NUMERIC` names, for each function a compiled SymPy expression may call,
the op of the table that evaluates it (``dk.Symbolic`` binds the names to the
ops' own implementations, on NumPy or CuPy).

Example
-------
>>> import sympy as sp
>>> from diffkit.expr.sympy_functions import sigmoid
>>> x = sp.Symbol("x", real=True)
>>> sp.diff(sigmoid(x), x)
(1 - sigmoid(x))*sigmoid(x)
>>> sigmoid(x).rewrite(sp.exp)
1/(1 + exp(-x))
>>> sigmoid(sp.Integer(0)), round(float(sigmoid(sp.Float(-800)).evalf()), 6)
(1/2, 0.0)
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import sympy as sp
from sympy.codegen.cfunctions import exp2, expm1, hypot, log1p, log2, log10

__all__ = ["sigmoid", "softplus", "silu", "gelu", "cbrt", "logaddexp", "round_half_even", "clip",
           "log1p", "expm1", "exp2", "log2", "log10", "hypot", "NUMERIC", "power", "divide", "minmax",
           "MAX_EXACT_DIGITS"]

#: Exact constants are kept to this many digits; a power of numbers that would pass it is
#: computed in floating point instead (9^9^9 has 369 million digits: SymPy would never finish).
MAX_EXACT_DIGITS = 1000


def power(x: Any, y: Any) -> sp.Basic:
    """``x**y`` for ``pow``'s counterpart: exact, unless an exact number would pass
    :data:`MAX_EXACT_DIGITS` digits; then in floating point (mpmath's, with no overflow), with a warning.

    Example
    -------
    >>> import sympy as sp, warnings
    >>> from diffkit.expr.sympy_functions import power
    >>> power(sp.Integer(2), sp.Integer(10))
    1024
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     big = power(sp.Integer(9), sp.Integer(9**9))
    >>> big.is_Float, "369693100 digits" in str(caught[0].message)
    (True, True)
    """
    if isinstance(x, sp.Rational) and isinstance(y, sp.Rational) and not x.is_zero:
        digits = float(abs(y)) * math.log10(max(abs(x.p), x.q))
        if digits > MAX_EXACT_DIGITS:
            warnings.warn(f"the constant ({x})^({y}) would have about {math.ceil(digits)} digits: it is computed "
                          f"in floating point (exact constants are kept below {MAX_EXACT_DIGITS} digits)",
                          RuntimeWarning, stacklevel=3)
            return sp.Float(x) ** sp.Float(y)
    return x**y


def divide(x: Any, y: Any) -> sp.Basic:
    """``x / y`` for ``div``'s counterpart; by an exact 0 it is ``x * oo`` (signed infinity, nan for
    ``0/0``), IEEE's answer, where SymPy's complex infinity ``zoo`` has no sign and no real value.

    Example
    -------
    >>> import sympy as sp
    >>> from diffkit.expr.sympy_functions import divide
    >>> x = sp.Symbol("x")
    >>> divide(x, sp.Integer(0)), divide(x, sp.Integer(2))
    (oo*x, x/2)
    """
    if isinstance(y, sp.Number) and y.is_zero:
        return x * sp.oo
    return x / y


def minmax(cls: type, x: Any, y: Any) -> sp.Basic:
    """``Max(x, y)`` or ``Min(x, y)`` as written: SymPy would flatten ``Max(Max(x, 0), x)`` to
    ``Max(0, x)``, whose derivative at a tie differs from the nested one every other method takes
    (3/4 against 1/2 at x = 0).

    Example
    -------
    >>> import sympy as sp
    >>> from diffkit.expr.sympy_functions import minmax
    >>> x = sp.Symbol("x", real=True)
    >>> minmax(sp.Max, minmax(sp.Max, x, sp.Integer(0)), x)
    Max(x, Max(0, x))
    """
    if isinstance(x, sp.Number) and isinstance(y, sp.Number):  # (an atom test: free_symbols walks the tree)
        return cls(x, y)
    return cls(x, y, evaluate=False)


class _Elementary(sp.Function):
    """A real function with an elementary form (``_elementary``) used for evalf and rewriting."""

    _latex_name = ""

    def _elementary(self, *args: Any) -> sp.Basic:  # pragma: no cover - each subclass defines it
        raise NotImplementedError

    def _eval_rewrite(self, rule: Any, args: tuple, **hints: Any) -> sp.Basic:
        return self._elementary(*args)

    def _eval_evalf(self, prec: int) -> sp.Basic:
        return self._elementary(*self.args)._eval_evalf(prec)

    def _eval_is_real(self) -> bool | None:
        return all(a.is_real for a in self.args) or None

    def _latex(self, printer: Any, exp: Any = None) -> str:
        name = self._latex_name or rf"\operatorname{{{type(self).__name__}}}"
        inner = ", ".join(printer._print(a) for a in self.args)
        out = rf"{name}\left({inner}\right)"
        return out if exp is None else rf"{out}^{{{exp}}}"


def _number(x: Any) -> bool:
    return isinstance(x, sp.Number) and x.is_finite is not False


class sigmoid(_Elementary):  # noqa: N801 - SymPy functions are named as they print
    """The logistic function ``1/(1 + exp(-x))``; derivative ``sigmoid(x)*(1 - sigmoid(x))``."""

    _latex_name = r"\sigma"

    @classmethod
    def eval(cls, x: Any) -> sp.Basic | None:
        if x.is_zero:
            return sp.S.Half
        return None

    def fdiff(self, argindex: int = 1) -> sp.Basic:
        return self * (1 - self)

    def _elementary(self, x: Any) -> sp.Basic:
        return 1 / (1 + sp.exp(-x))


class softplus(_Elementary):  # noqa: N801
    """``log(1 + exp(x))``, the smooth relu; derivative ``sigmoid(x)``."""

    def fdiff(self, argindex: int = 1) -> sp.Basic:
        return sigmoid(self.args[0])

    def _elementary(self, x: Any) -> sp.Basic:
        return sp.log(1 + sp.exp(x))


class silu(_Elementary):  # noqa: N801
    """``x*sigmoid(x)`` (the swish); derivative ``sigmoid(x)*(1 + x*(1 - sigmoid(x)))``."""

    @classmethod
    def eval(cls, x: Any) -> sp.Basic | None:
        return sp.S.Zero if x.is_zero else None

    def fdiff(self, argindex: int = 1) -> sp.Basic:
        x = self.args[0]
        return sigmoid(x) * (1 + x * (1 - sigmoid(x)))

    def _elementary(self, x: Any) -> sp.Basic:
        return x / (1 + sp.exp(-x))


class gelu(_Elementary):  # noqa: N801
    """The exact GELU ``x*(1 + erf(x/sqrt(2)))/2``; derivative ``erfc(-x/sqrt(2))/2 + x*exp(-x**2/2)/sqrt(2*pi)``."""

    _latex_name = r"\operatorname{GELU}"

    @classmethod
    def eval(cls, x: Any) -> sp.Basic | None:
        return sp.S.Zero if x.is_zero else None

    def fdiff(self, argindex: int = 1) -> sp.Basic:
        x = self.args[0]
        # erfc(-u), not 1 + erf(u): no cancellation for large negative x
        return sp.erfc(-x / sp.sqrt(2)) / 2 + x * sp.exp(-x**2 / 2) / sp.sqrt(2 * sp.pi)

    def _elementary(self, x: Any) -> sp.Basic:
        return x * (1 + sp.erf(x / sp.sqrt(2))) / 2


class cbrt(_Elementary):  # noqa: N801
    """The real cube root (``cbrt(-8) = -2``, where SymPy's ``cbrt`` is the principal complex root)."""

    _latex_name = r"\sqrt[3]"

    @classmethod
    def eval(cls, x: Any) -> sp.Basic | None:
        if isinstance(x, sp.Rational):
            root = sp.real_root(x, 3)
            return root if isinstance(root, sp.Rational) else None
        return None

    def fdiff(self, argindex: int = 1) -> sp.Basic:
        return 1 / (3 * self**2)

    def _elementary(self, x: Any) -> sp.Basic:
        return sp.sign(x) * sp.Abs(x) ** sp.Rational(1, 3)

    def _latex(self, printer: Any, exp: Any = None) -> str:
        out = rf"\sqrt[3]{{{printer._print(self.args[0])}}}"
        return out if exp is None else rf"\left({out}\right)^{{{exp}}}"


class logaddexp(_Elementary):  # noqa: N801
    """``log(exp(x) + exp(y))``; derivatives ``1/(1 + exp(y - x))`` and ``1/(1 + exp(x - y))``, which don't overflow."""

    def fdiff(self, argindex: int = 1) -> sp.Basic:
        x, y = self.args
        return 1 / (1 + sp.exp(y - x)) if argindex == 1 else 1 / (1 + sp.exp(x - y))

    def _elementary(self, x: Any, y: Any) -> sp.Basic:
        return sp.log(sp.exp(x) + sp.exp(y))


class round_half_even(_Elementary):  # noqa: N801
    """Rounding to the nearest integer, ties to even (NumPy's, PyTorch's and Python's ``round``); derivative 0."""

    _latex_name = r"\operatorname{round}"

    @classmethod
    def eval(cls, x: Any) -> sp.Basic | None:
        if _number(x) and x.is_real:
            return sp.Integer(round(sp.Rational(x)))  # Python rounds a Rational ties to even
        return None

    def fdiff(self, argindex: int = 1) -> sp.Basic:
        return sp.S.Zero

    def _eval_evalf(self, prec: int) -> sp.Basic:
        value = self.args[0].evalf(prec)
        return sp.Float(round(sp.Rational(value)), prec) if _number(value) else self

    def _elementary(self, x: Any) -> sp.Basic:
        return self


class clip(_Elementary):  # noqa: N801
    """``x`` limited to ``[lo, hi]`` (bounds are numbers, ``-oo``/``oo`` for none); derivative 1 inside,
    boundaries included (PyTorch's ``clamp``), and 0 outside."""

    @classmethod
    def eval(cls, x: Any, lo: Any, hi: Any) -> sp.Basic | None:
        if _number(x):
            return sp.Min(sp.Max(x, lo), hi)
        return None

    def fdiff(self, argindex: int = 1) -> sp.Basic:
        if argindex != 1:
            return sp.S.Zero  # the bounds are constants
        x, lo, hi = self.args
        return sp.Heaviside(x - lo, 1) * sp.Heaviside(hi - x, 1)

    def _elementary(self, x: Any, lo: Any, hi: Any) -> sp.Basic:
        return sp.Min(sp.Max(x, lo), hi)


#: Function names a compiled expression may call that NumPy lacks or spells differently,
#: with the op of the table that evaluates them.
NUMERIC = {
    "sigmoid": "sigmoid", "softplus": "softplus", "silu": "silu", "gelu": "gelu", "cbrt": "cbrt",
    "logaddexp": "logaddexp", "round_half_even": "round", "clip": "clip", "erf": "erf", "erfc": "erfc",
    "exp2": "exp2", "log1p": "log1p", "expm1": "expm1", "log2": "log2", "log10": "log10", "hypot": "hypot",
}
