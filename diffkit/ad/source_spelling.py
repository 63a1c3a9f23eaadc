"""Spelling the ops table's ops as Python code, for the programs :mod:`diffkit.ad.source` writes.

How a node of a derivative program is written is read off the table, not
kept in a second list: each op's ``impl`` runs once on placeholder objects
(:class:`_Src`) that record what it does, giving a template such as
``"xp.log({0})"`` or ``"({0} * {1})"`` (:func:`_template`). Ops whose impl
can't be spelled that way call the table's impl through ``_ops``. For Python
floats the programs run on :data:`SCALAR`, a namespace of :mod:`math`
functions (several times faster than NumPy on scalars); :func:`_callable`
turns one template into a fast callable for the instruction-list runner of
very long programs.

Example
-------
>>> from diffkit.expr.ops import OPS
>>> from diffkit.ad.source_spelling import _template
>>> _template(OPS["mul"], False), _template(OPS["exp"], True)
('({0} * {1})', 'xp.exp({0})')
"""

from __future__ import annotations

import math
import operator
import re
import types
from collections.abc import Mapping
from typing import Any

from ..errors import ArgumentTypeError
from ..expr.ops import OPS, Op

__all__ = ["SCALAR"]


class _Src:
    """A piece of generated code standing in for an array while an impl is recorded."""

    __slots__ = ("text", "scalar")

    def __init__(self, text: str, scalar: bool):
        self.text, self.scalar = text, scalar

    def _bin(self, sym: str, other: Any, reflected: bool = False) -> _Src:
        a, b = _code(self), _code(other)
        if reflected:
            a, b = b, a
        if sym == "**" and self.scalar:
            return _Src(f"xp.pow({a}, {b})", True)
        return _Src(f"({a} {sym} {b})", self.scalar)

    def __add__(self, o): return self._bin("+", o)
    def __radd__(self, o): return self._bin("+", o, True)
    def __sub__(self, o): return self._bin("-", o)
    def __rsub__(self, o): return self._bin("-", o, True)
    def __mul__(self, o): return self._bin("*", o)
    def __rmul__(self, o): return self._bin("*", o, True)
    def __truediv__(self, o): return self._bin("/", o)
    def __rtruediv__(self, o): return self._bin("/", o, True)
    def __pow__(self, o): return self._bin("**", o)
    def __rpow__(self, o): return self._bin("**", o, True)
    def __neg__(self): return _Src(f"(-{self.text})", self.scalar)
    # comparisons, for the masks of rules that select (where)
    def __gt__(self, o): return self._bin(">", o)
    def __ge__(self, o): return self._bin(">=", o)
    def __lt__(self, o): return self._bin("<", o)
    def __le__(self, o): return self._bin("<=", o)
    def __eq__(self, o): return self._bin("==", o)  # type: ignore[override]
    def __ne__(self, o): return self._bin("!=", o)  # type: ignore[override]
    __hash__ = object.__hash__


class _SrcNamespace:
    """Records ``xp.<name>(...)`` calls; only plain attribute names are accepted."""

    def __init__(self, scalar: bool):
        self._scalar = scalar

    def __getattr__(self, name: str):
        if not name.isidentifier() or name.startswith("_"):
            raise AttributeError(name)
        return lambda *args: _Src(f"xp.{name}({', '.join(_code(a) for a in args)})", self._scalar)


def _code(v: Any) -> str:
    if isinstance(v, _Src):
        return v.text
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return _literal(float(v))
    if v is None or isinstance(v, bool):
        return repr(v)
    raise ArgumentTypeError(f"can't write {type(v).__name__} as code")


def _literal(v: Any) -> str:
    """Source text of a constant (``inf`` and ``nan`` are names bound in the program's globals)."""
    if isinstance(v, complex):
        return f"complex({_literal(v.real)}, {_literal(v.imag)})"
    text = repr(float(v))
    return f"({text})" if text.startswith("-") else text


_TEMPLATES: dict[tuple, str | None] = {}
#: Longest spelling of one op that is written out; a longer one (a series, a loop) is a call of the op.
_MAX_SPELLING = 400


class _OpImpls:
    """``_ops.erf(xp, x)`` in generated code: the op's own implementation, for ops whose
    evaluation can't be written out as one line of arithmetic and ``xp`` calls."""

    def __getattr__(self, name: str) -> Any:
        if name not in OPS:
            raise AttributeError(name)
        return OPS[name].impl


def _template(op: Op, scalar: bool, params: Mapping[str, Any] | None = None) -> str | None:
    """``op`` as a code template with ``{0}``, ``{1}`` for its arguments (None if not recordable).

    The op's impl is run on placeholders that record what it does; an impl
    that does something else, or more than fits a line, is called through
    the table instead (``_ops.name(xp, {0}, option=value)``).
    """
    params = params or {}
    try:
        key = (op.name, scalar, tuple(sorted(params.items())))
        hash(key)
    except TypeError:
        return None
    if key not in _TEMPLATES:
        args = [_Src("{" + str(k) + "}", scalar) for k in range(op.arity)]
        out = None
        try:
            out = op.impl(_SrcNamespace(scalar), *args, **params)
        except Exception:  # noqa: BLE001 - an impl that does more than arithmetic and xp calls
            pass
        if isinstance(out, _Src) and len(out.text) <= _MAX_SPELLING:
            _TEMPLATES[key] = out.text
        else:
            try:
                options = "".join(f", {k}={_code(v)}" for k, v in sorted(params.items()))
            except ArgumentTypeError:
                _TEMPLATES[key] = None
            else:
                _TEMPLATES[key] = f"_ops.{op.name}(xp, {', '.join(a.text for a in args)}{options})"
    return _TEMPLATES[key]


def _scalar_spelling(tmpl: str | None) -> bool:
    """Whether a scalar template runs on :data:`SCALAR` (every ``xp`` call is there; no table call)."""
    return tmpl is not None and "_ops." not in tmpl and all(
        hasattr(SCALAR, n) for n in re.findall(r"xp\.(\w+)\(", tmpl))


def _sign(x: float) -> float:
    return x if x != x else float((x > 0) - (x < 0))


def _maximum(x: float, y: float) -> float:
    return x if x >= y else (y if y > x else x + y)  # nan propagates, as in NumPy


def _clip(x: float, lo: float | None, hi: float | None) -> float:
    if lo is not None and x < lo:
        return float(lo)
    return float(hi) if hi is not None and x > hi else x  # nan stays nan


def _minimum(x: float, y: float) -> float:
    return x if x <= y else (y if y < x else x + y)


#: The scalar namespace: ``math`` functions with NumPy's names. They raise where
#: NumPy would return nan/inf; :func:`run` then repeats the call with NumPy.
SCALAR = types.SimpleNamespace(
    exp=math.exp, log=math.log, sqrt=math.sqrt, sin=math.sin, cos=math.cos, tan=math.tan,
    asin=math.asin, atan=math.atan, tanh=math.tanh, abs=math.fabs, pow=math.pow,
    sign=_sign, maximum=_maximum, minimum=_minimum,
    acos=math.acos, atan2=math.atan2, hypot=math.hypot, sinh=math.sinh, cosh=math.cosh,
    asinh=math.asinh, acosh=math.acosh, atanh=math.atanh, log2=math.log2, log10=math.log10,
    log1p=math.log1p, expm1=math.expm1, floor=lambda x: float(math.floor(x)), ceil=lambda x: float(math.ceil(x)),
    where=lambda c, x, y: x if c else y, clip=_clip,
)

_SIMPLE_BINARY = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
                  "**": operator.pow}
_GLOBALS = {"inf": math.inf, "nan": math.nan, "_ops": _OpImpls()}



_UNARY_CALL = re.compile(r"^xp\.(\w+)\(\{0\}\)$")
_BINARY_CALL = re.compile(r"^xp\.(\w+)\(\{0\}, \{1\}\)$")
_BINARY_OP = re.compile(r"^\(\{0\} (\+|-|\*|/|\*\*) \{1\}\)$")


def _callable(tmpl: str, xp: Any):
    """A fast callable for one template: the namespace function or operator itself when the
    template is a plain call or operator, else a small compiled lambda."""
    m = _UNARY_CALL.match(tmpl) or _BINARY_CALL.match(tmpl)
    if m:
        return getattr(xp, m.group(1))
    m = _BINARY_OP.match(tmpl)
    if m:
        return _SIMPLE_BINARY[m.group(1)]
    if tmpl == "(-{0})":
        return operator.neg
    params = "a, b, c" if "{2}" in tmpl else "a, b" if "{1}" in tmpl else "a"
    env = dict(_GLOBALS)
    env["__builtins__"] = {}
    env["xp"] = xp
    return eval(f"lambda {params}: " + tmpl.format("a", "b", "c"), env)  # noqa: S307 - from the ops table

