"""Vectorised evaluation of derivative expressions, with the operations counted.

Expressions are compiled once with ``sympy.lambdify`` onto the array
namespace of the point (NumPy, or CuPy when the point's arrays are CuPy), so
a whole array of points costs one call, never a loop of substitutions.

Counting rule: one call adds to the global op counter ``primitives += k`` and
``elements += k * size``, where ``k`` is ``sympy.count_ops`` of the code that
really runs (the derivative trees as written, or for the CSE'd form the
replacements plus the reduced results, each counted once) and ``size`` is the
number of points evaluated (the broadcast size of the point's arrays).

Example
-------
>>> import numpy as np
>>> from diffkit.expr.sympy_bridge import symbol
>>> from diffkit.symbolic.evaluate import Compiled
>>> x = symbol("x")
>>> c = Compiled([2 * x, 3 * x**2], ("x",))
>>> c.ops
3
>>> [a.tolist() for a in c({"x": np.array([1.0, 2.0])})]
[[2.0, 4.0], [3.0, 12.0]]
"""

from __future__ import annotations

import functools
import importlib
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import sympy as sp

from ..expr.counting import COUNTER
from ..expr.ops import OPS
from ..expr.sympy_bridge import symbol
from ..expr.sympy_functions import NUMERIC

__all__ = ["Compiled", "module_of", "gated"]


def module_of(values: Mapping[str, Any]) -> str:
    """``"cupy"`` when any value is a CuPy array, else ``"numpy"``.

    Example
    -------
    >>> from diffkit.symbolic.evaluate import module_of
    >>> module_of({"x": 1.0})
    'numpy'
    """
    for v in values.values():
        if type(v).__module__.split(".")[0] == "cupy":
            return "cupy"
    return "numpy"


def _namespace(module: str) -> dict[str, Any]:
    """Names compiled expressions may call beyond the array module's own: Heaviside, the
    gate (see :func:`gated`), and the functions NumPy lacks or spells differently
    (``erf``, ``sigmoid``, ``logaddexp``...), each evaluated by its op of the table."""
    xp = importlib.import_module(module)

    def heaviside(x: Any, h0: Any = 0.5) -> Any:
        return xp.heaviside(x, h0)

    def gate(h: Any, rest: Any) -> Any:
        return xp.where(h == 0, 0.0, h * rest)

    names = {"Heaviside": heaviside, "dk_gate": gate}
    for name, op in NUMERIC.items():
        names[name] = functools.partial(OPS[op].impl, xp)
    return names


class dk_gate(sp.Function):  # noqa: N801 - named as it is printed in compiled code
    """``h * rest`` that is 0 where ``h`` is 0, even where ``rest`` is inf or nan."""


def gated(e: sp.Basic) -> sp.Basic:
    """``e`` with every product of Heaviside factors (the slopes of max and min) and other
    factors made a selection (``dk_gate``): where such a factor is 0 the product is 0, as
    AD's ``where`` makes it, not ``0 * inf = nan`` (``sqrt(min(z, x))`` at ``z > x = 0``:
    ``d/dz`` is 0). Compiled code only; the expressions users see keep the product.

    Example
    -------
    >>> import sympy as sp
    >>> from diffkit.symbolic.evaluate import gated
    >>> x, z = sp.symbols("x z", real=True)
    >>> gated(sp.Heaviside(x - z) / sp.sqrt(x))
    dk_gate(Heaviside(x - z), 1/sqrt(x))
    """
    def is_gate(f: sp.Basic) -> bool:
        return isinstance(f, sp.Heaviside)

    def gate(m: sp.Mul) -> sp.Basic:
        gates = [f for f in m.args if is_gate(f)]
        rest = [f for f in m.args if not is_gate(f)]
        return dk_gate(sp.Mul(*gates), sp.Mul(*rest))

    if not e.has(sp.Heaviside):
        return e
    return e.replace(lambda a: a.is_Mul and any(is_gate(f) for f in a.args)
                     and not all(is_gate(f) for f in a.args), gate)


_FLOAT_MAX = sp.Integer(2) ** 1024


def _float_sized(e: sp.Basic) -> sp.Basic:
    """Integers and rationals beyond float64's range become float literals (inf), so the
    code overflows as NumPy does (inf/nan with a warning) instead of raising
    OverflowError when Python converts the int (the expanded logistic map at n = 10)."""
    big = {a: sp.Float(a) for a in e.atoms(sp.Rational) if abs(a) >= _FLOAT_MAX}
    if e.has(sp.zoo):  # complex infinity (log(0) in d/dy 0^y): no real value, so nan
        big[sp.zoo] = sp.nan
    return e.xreplace(big) if big else e


class Compiled:
    """Derivative expressions compiled for vectorised evaluation.

    Parameters
    ----------
    exprs : sequence of SymPy expressions
        What to evaluate (all at the same points).
    variables : sequence of str
        The argument names, in order.
    cse : bool
        Evaluate the common-subexpression-eliminated program instead of the trees.

    Attributes
    ----------
    ops : int
        Operations one evaluation at one point performs (see the module's counting rule).
    replacements, reduced : list
        The CSE program (only when ``cse``).

    Example
    -------
    >>> from diffkit.expr.sympy_bridge import symbol
    >>> from diffkit.symbolic.evaluate import Compiled
    >>> import sympy as sp
    >>> x = symbol("x")
    >>> c = Compiled([sp.sin(x + 1) * sp.cos(x + 1)], ("x",), cse=True)
    >>> c.ops, round(float(c({"x": 0.5})[0]), 6)
    (4, 0.07056)
    """

    def __init__(self, exprs: Sequence[sp.Basic], variables: Sequence[str], cse: bool = False):
        self.exprs = [gated(_float_sized(sp.sympify(e))) for e in exprs]
        self.variables = tuple(variables)
        self.cse = cse
        self.replacements: list = []
        self.reduced: list = list(self.exprs)
        if cse:
            self.replacements, self.reduced = sp.cse(self.exprs)
            self.ops = int(sum(sp.count_ops(rhs) for _, rhs in self.replacements)
                           + sum(sp.count_ops(e) for e in self.reduced))
        else:
            self.ops = int(sum(sp.count_ops(e) for e in self.exprs))
        self._fns: dict[str, Any] = {}

    def _fn(self, module: str):
        fn = self._fns.get(module)
        if fn is None:
            args = [symbol(v) for v in self.variables]
            # Heaviside as the array library's heaviside: SymPy's own printing turns
            # Heaviside(-Abs(z) + ... - Max(x, z)) into nested selects whose conditions
            # are float arrays, which numpy.select refuses (a TypeError at evaluation).
            modules = [_namespace(module), module]
            if self.cse:
                program = (self.replacements, list(self.reduced))
                fn = sp.lambdify(args, list(self.exprs), modules=modules, cse=lambda _e: program)
            else:
                fn = sp.lambdify(args, list(self.exprs), modules=modules)
            self._fns[module] = fn
        return fn

    def __call__(self, values: Mapping[str, Any]) -> list[Any]:
        """Evaluate every expression at ``values``; each result has the point's
        broadcast shape and dtype (constants are broadcast too)."""
        module = module_of(values)
        if module == "cupy":
            import cupy as xp
        else:
            xp = np
        # Python numbers become NumPy scalars so the generated code follows NumPy's rules
        # outside the domain (1/0 -> inf, (-8)**(1/3) -> nan, with a RuntimeWarning)
        # instead of Python's (ZeroDivisionError, a complex result).
        args = [xp.asarray(values[v]) if isinstance(values[v], (int, float, complex)) else values[v]
                for v in self.variables]
        shape = np.broadcast_shapes(*(np.shape(a) for a in args)) if args else ()
        dtype = xp.result_type(*[a for a in args if hasattr(a, "dtype")], 1.0) if args else xp.float64
        # NumPy's warnings (overflow, 0/0) would quote the line of generated code they
        # come from, which for a swollen expression is pages long: pass them on without it.
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            outs = self._fn(module)(*args)
        for message, category in dict.fromkeys((str(w.message), w.category) for w in caught):
            warnings.warn(f"{message} (evaluating the symbolic expression)", category, stacklevel=2)
        n = int(np.prod(shape)) if shape else 1
        COUNTER.primitives += self.ops
        COUNTER.elements += self.ops * n
        return [xp.broadcast_to(xp.asarray(o, dtype=dtype), shape) if shape
                else xp.asarray(o, dtype=dtype) for o in outs]
