"""The computer-algebra engines the symbolic differentiator can use.

Both take and give SymPy expressions over diffkit's real symbols, so what
comes out (``result.expressions``, sizes, evaluation) does not depend on the
engine; only the time does.

* ``"sympy"`` (default): ``sympy.diff``; polynomials are expanded with SymPy's
  polynomial arithmetic, one multiplication per distinct subexpression.
* ``"symengine"`` (optional, ``pip install symengine``): the C++ engine for
  differentiating and for expanding what is not a polynomial (polynomials are
  expanded as with SymPy, which is faster here). Derivatives it leaves unevaluated (``Abs``,
  ``sign``, ``Max``, ``Min``) are taken by SymPy instead, so results agree.

Derivatives of the kink functions follow diffkit's convention, as the other
methods do: the Dirac deltas SymPy produces for ``sign'`` and ``step'`` are
zero, ``Max``/``Min`` give ``Heaviside(0) = 1/2`` (the half-and-half tie
split) and relu's ``Piecewise`` gives 0 at 0.

Example
-------
>>> from diffkit.symbolic.backends import get_backend
>>> from diffkit.expr.sympy_bridge import symbol
>>> x = symbol("x")
>>> b = get_backend("sympy")
>>> b.diff(x**3, "x")
3*x**2
>>> b.expand((x + 1)**2)
x**2 + 2*x + 1
"""

from __future__ import annotations

import importlib.util
import warnings
from typing import Any

import sympy as sp

from ..errors import BackendError
from ..expr.sympy_bridge import symbol

__all__ = ["SymbolicBackend", "SympyBackend", "SymEngineBackend", "SymEngineNotInstalled",
           "get_backend", "BACKENDS", "expand_polynomial", "zero_deltas", "too_large_to_expand",
           "MAX_EXPANDED_POWER"]


class SymEngineNotInstalled(BackendError, ImportError):
    """``backend="symengine"`` was asked for and SymEngine is not installed.

    Example
    -------
    >>> from diffkit.symbolic.backends import SymEngineNotInstalled
    >>> import diffkit as dk
    >>> issubclass(SymEngineNotInstalled, dk.DiffkitError)
    True
    """


def zero_deltas(e: sp.Basic) -> sp.Basic:
    """Drop the Dirac deltas of ``sign'``/``step'``: diffkit's derivative there is 0.

    Example
    -------
    >>> import sympy as sp
    >>> from diffkit.symbolic.backends import zero_deltas
    >>> x = sp.Symbol("x", real=True)
    >>> zero_deltas(sp.diff(sp.sign(x) * x, x))
    sign(x)
    """
    if not e.has(sp.DiracDelta):
        return e
    return e.replace(lambda a: isinstance(a, sp.DiracDelta), lambda a: sp.S.Zero)


class _RealAbs(sp.Function):
    """|u| for real u, whatever SymPy can prove about u: derivative sign(u) (0 at 0).

    SymPy differentiates ``Abs(u)`` and ``sign(u)`` of an argument it cannot
    prove real (``y + log(2 + sin(x))``) into complex-valued forms: ``Abs``
    gives ``u*u'*.../u`` (0/0 = nan at the kink) and ``sign`` an unevaluated
    ``Derivative`` that can't be evaluated at all. diffkit's expressions are
    real, so these stand-ins carry the real rules while differentiating.
    """

    def fdiff(self, argindex: int = 1) -> sp.Basic:
        return _RealSign(self.args[0])


class _RealSign(sp.Function):
    """sign(u) for real u: derivative 0 (diffkit's convention, the delta dropped)."""

    def fdiff(self, argindex: int = 1) -> sp.Basic:
        return sp.S.Zero


class _Floor(sp.Function):
    """floor(u): derivative 0 (SymPy leaves floor's derivative unevaluated)."""

    def fdiff(self, argindex: int = 1) -> sp.Basic:
        return sp.S.Zero


class _Ceiling(sp.Function):  # not a subclass of _Floor: replace() would take it for one
    """ceiling(u): derivative 0."""

    def fdiff(self, argindex: int = 1) -> sp.Basic:
        return sp.S.Zero


class _Mod(sp.Function):
    """Mod(x, y) = x - y floor(x/y): derivatives 1 and -floor(x/y) (PyTorch's remainder)."""

    def fdiff(self, argindex: int = 1) -> sp.Basic:
        x, y = self.args
        return sp.S.One if argindex == 1 else -_Floor(x / y)


#: SymPy's functions and the stand-ins that carry diffkit's (real, PyTorch) derivative rules.
_STAND_INS = {sp.Abs: _RealAbs, sp.sign: _RealSign, sp.floor: _Floor, sp.ceiling: _Ceiling, sp.Mod: _Mod}


def real_kink_diff(e: sp.Basic, *symbols: sp.Symbol) -> sp.Basic:
    """``sympy.diff`` with ``Abs``/``sign`` differentiated as functions of a real argument, and
    ``floor``, ``ceiling`` and ``Mod`` by their slopes between the jumps.

    Example
    -------
    >>> import sympy as sp
    >>> from diffkit.symbolic.backends import real_kink_diff
    >>> x, y = sp.symbols("x y", real=True)
    >>> real_kink_diff(sp.Abs(y + sp.log(2 + sp.sin(x))), x)
    cos(x)*sign(y + log(sin(x) + 2))/(sin(x) + 2)
    >>> real_kink_diff(sp.Mod(x, y), y)
    -floor(x/y)
    """
    present = [cls for cls in _STAND_INS if e.has(cls)]
    if not present:
        return sp.diff(e, *symbols)
    for cls in present:
        e = e.replace(cls, _STAND_INS[cls])
    out = sp.diff(e, *symbols)
    for cls, stand_in in _STAND_INS.items():
        if out.has(stand_in):
            out = out.replace(stand_in, cls)
    return out


def expand_polynomial(e: sp.Basic) -> sp.Basic | None:
    """Expand ``e`` with polynomial arithmetic if it is a polynomial, else ``None``.

    One pass over the DAG converts each distinct subexpression once, so the
    cost follows the size of the DAG, not of the swollen tree that
    ``sympy.expand`` walks.

    Example
    -------
    >>> import sympy as sp
    >>> from diffkit.symbolic.backends import expand_polynomial
    >>> x = sp.Symbol("x")
    >>> expand_polynomial(4*x*(1 - x))
    -4*x**2 + 4*x
    >>> expand_polynomial(sp.sin(x)) is None
    True
    """
    gens = sorted(e.free_symbols, key=lambda s: s.name)
    if not gens:
        return e
    memo: dict[sp.Basic, sp.Poly] = {}
    stack = [e]
    while stack:
        a = stack[-1]
        if a in memo:
            stack.pop()
            continue
        if a.is_Symbol or a.is_Number:
            memo[a] = sp.Poly(a, *gens)
            stack.pop()
            continue
        if a.is_Pow:
            base, ex = a.args
            if not (ex.is_Integer and ex >= 0):
                return None
            kids = [base]
        elif a.is_Add or a.is_Mul:
            kids = list(a.args)
        else:
            return None
        todo = [k for k in kids if k not in memo]
        if todo:
            stack.extend(todo)
            continue
        stack.pop()
        if a.is_Pow:
            memo[a] = memo[kids[0]] ** int(a.args[1])
        else:
            acc = memo[kids[0]]
            for k in kids[1:]:
                acc = acc + memo[k] if a.is_Add else acc * memo[k]
            memo[a] = acc
    return memo[e].as_expr()


#: A sum raised to a larger power is not expanded: (x + 1)^1000000 has a million terms of up to
#: 300000 digits each, which no engine finishes.
MAX_EXPANDED_POWER = 1000


def too_large_to_expand(e: sp.Basic) -> sp.Pow | None:
    """A sum raised to a power past :data:`MAX_EXPANDED_POWER` in ``e``, if any (then ``e`` is kept
    as it is, with a warning, instead of expanded).

    Example
    -------
    >>> import sympy as sp
    >>> from diffkit.symbolic.backends import too_large_to_expand
    >>> x = sp.Symbol("x")
    >>> too_large_to_expand((x + 1) ** 10**6), too_large_to_expand(x ** 10**6)
    ((x + 1)**1000000, None)
    """
    return next((p for p in e.atoms(sp.Pow)
                 if p.exp.is_Integer and abs(p.exp) > MAX_EXPANDED_POWER and p.base.is_Add), None)


def _unexpandable(e: sp.Basic) -> bool:
    big = too_large_to_expand(e)
    if big is not None:
        warnings.warn(f"({big.base})^{big.exp} is not expanded: a sum raised to a power above "
                      f"{MAX_EXPANDED_POWER} would have more terms than can be computed; the derivative is "
                      "evaluated unexpanded", UserWarning, stacklevel=5)
    return big is not None


class SymbolicBackend:
    """What the differentiator asks of a computer-algebra engine.

    Example
    -------
    >>> from diffkit.symbolic.backends import get_backend
    >>> get_backend("sympy").name
    'sympy'
    """

    name = "base"

    def diff(self, e: sp.Basic, wrt: str, order: int = 1) -> sp.Basic:
        """``d^order e / d wrt^order`` with diffkit's kink conventions."""
        raise NotImplementedError

    def expand(self, e: sp.Basic) -> sp.Basic:
        """The expanded ("simplified") form: the expanded polynomial for polynomials."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class SympyBackend(SymbolicBackend):
    """SymPy: ``sympy.diff``, and polynomial arithmetic for expanding.

    Example
    -------
    >>> from diffkit.symbolic.backends import SympyBackend
    >>> from diffkit.expr.sympy_bridge import symbol
    >>> x = symbol("x")
    >>> SympyBackend().diff(abs(x), "x")
    sign(x)
    """

    name = "sympy"

    def diff(self, e: sp.Basic, wrt: str, order: int = 1) -> sp.Basic:
        return zero_deltas(real_kink_diff(e, *[symbol(wrt)] * order))

    def expand(self, e: sp.Basic) -> sp.Basic:
        if _unexpandable(e):
            return e
        poly = expand_polynomial(e)
        return poly if poly is not None else sp.expand(e)


class SymEngineBackend(SymbolicBackend):
    """SymEngine (C++): same answers as :class:`SympyBackend`, much faster expansion.

    Example
    -------
    >>> from diffkit.symbolic.backends import SymEngineBackend
    >>> from diffkit.expr.sympy_bridge import symbol
    >>> x = symbol("x")
    >>> SymEngineBackend().expand((x - 1) * (x + 1))  # doctest: +SKIP
    x**2 - 1
    """

    name = "symengine"

    def __init__(self) -> None:
        if importlib.util.find_spec("symengine") is None:
            raise SymEngineNotInstalled(
                "backend='symengine' needs the symengine package, which is not installed; "
                "install it with `pip install symengine`, or use backend='sympy' (same results, slower)")
        import symengine

        self._se = symengine

    def _to(self, e: sp.Basic) -> Any:
        return self._se.sympify(e)

    def _back(self, e: Any) -> sp.Basic:
        # SymEngine's symbols carry no assumptions: put diffkit's real symbols back.
        out = sp.sympify(e)
        plain = {s: symbol(s.name) for s in out.free_symbols if isinstance(s, sp.Symbol) and not s.is_real}
        return out.xreplace(plain) if plain else out

    def diff(self, e: sp.Basic, wrt: str, order: int = 1) -> sp.Basic:
        if _unknown_to_symengine(e):  # SymEngine would call their derivatives 0
            return SympyBackend().diff(e, wrt, order)
        s = self._se.Symbol(wrt)
        out = self._back(self._se.diff(self._to(e), *([s] * order)))
        if out.has(sp.Derivative):  # a function SymEngine can't differentiate: ask SymPy
            return SympyBackend().diff(e, wrt, order)
        return zero_deltas(out)

    def expand(self, e: sp.Basic) -> sp.Basic:
        # A polynomial goes through the DAG-aware expansion the SymPy backend uses:
        # SymEngine's expand walks the swollen tree (n = 10 of the logistic map: 2.1 s
        # against 1.3 s), and converting its result back to SymPy costs as much again.
        if _unexpandable(e):
            return e
        poly = expand_polynomial(e)
        if poly is not None:
            return poly
        return sp.expand(e) if _unknown_to_symengine(e) else self._back(self._se.expand(self._to(e)))


def _unknown_to_symengine(e: sp.Basic) -> bool:
    """Whether ``e`` holds functions SymEngine has no class for (diffkit's ``sigmoid``, ``gelu``,
    SymPy's ``sinc``, ``log1p``...), which it keeps as opaque symbols whose derivative is 0, or whose
    slopes it takes otherwise than PyTorch (``Mod``, ``floor``, ``ceiling``)."""
    return not all(isinstance(f, _SYMENGINE_FUNCTIONS) for f in e.atoms(sp.Function))


#: The functions SymEngine differentiates as SymPy does (any other it may take for a constant: sinc).
_SYMENGINE_FUNCTIONS = (sp.sin, sp.cos, sp.tan, sp.asin, sp.acos, sp.atan, sp.atan2, sp.sinh, sp.cosh, sp.tanh,
                        sp.asinh, sp.acosh, sp.atanh, sp.exp, sp.log, sp.Abs, sp.sign, sp.Max, sp.Min, sp.erf,
                        sp.erfc, sp.Heaviside, sp.Piecewise)


BACKENDS = {"sympy": SympyBackend, "symengine": SymEngineBackend}


def get_backend(name: str | SymbolicBackend) -> SymbolicBackend:
    """The backend called ``name`` (``"sympy"`` or ``"symengine"``).

    Raises
    ------
    SymEngineNotInstalled
        For ``"symengine"`` when the package is missing (``pip install symengine``).
    BackendError
        For an unknown name.

    Example
    -------
    >>> from diffkit.symbolic.backends import get_backend
    >>> get_backend("sympy")
    SympyBackend()
    """
    if isinstance(name, SymbolicBackend):
        return name
    if not isinstance(name, str) or name.lower() not in BACKENDS:
        raise BackendError(f"unknown symbolic backend {name!r}; use one of {', '.join(BACKENDS)}")
    return BACKENDS[name.lower()]()
