"""The ops table's machinery: :class:`Op`, the registry, :func:`apply` and ``_defop``.

The table's entries live beside this module, one file per family
(:mod:`.elementwise`, :mod:`.shapes`, :mod:`.reductions`, :mod:`.fused`); the
package :mod:`diffkit.expr.ops` gathers them. See its docstring for the rule
signatures and the conventions every entry follows.

Example
-------
>>> from diffkit.expr.ops.core import OPS
>>> OPS["add"].arity
2
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as _numpy

from ...errors import ArgumentTypeError, DiffkitError
from ..counting import COUNTER

__all__ = ["Op", "OPS", "apply", "namespace", "FUNCTIONS", "ALIASES", "UFUNCS"]


@dataclass(frozen=True, slots=True)
class Op:
    """One primitive operation: evaluation, derivative rules, SymPy form and cost.

    Attributes
    ----------
    name : str
        The name used in text, in the tables and as ``dk.<name>``.
    arity : int
        Number of array arguments; ``-1`` for variadic ops (``concat``, ``stack``).
    impl : callable
        ``impl(xp, *args, **params)`` evaluates the op on the namespace ``xp``.
    jvp, vjp : tuple of callables, callable, or None
        Forward- and reverse-mode rules (see the module docstring).
        ``None`` for ops with zero derivative (``sign``, comparisons).
    sympy : callable or None
        Builds the SymPy counterpart from SymPy arguments.
    cost : int or callable
        Element-operations per output element, or ``cost(out, args, params)``.
    kind : str
        ``"elementwise"`` ops are the ones an :class:`~diffkit.Expr` may contain;
        ``"reduction"``, ``"array"`` and ``"comparison"`` ops serve Tensors.
    template : str
        How traces print an application, with ``{0}``, ``{1}`` for the arguments.
    infix : str or None
        Operator symbol for binary and unary operators (used by printers and
        the parser), ``None`` for functions.
    precedence : int
        Binding strength of an infix operator, for printing without extra parentheses.
    vjp_arrays : callable or None
        Optional fused reverse rule on plain arrays (see the module docstring);
        the tape prefers it to ``vjp`` when no graph of the gradient is wanted.
    reads_inputs : bool
        Whether the reverse rule reads the inputs' values. False for rules that
        only need their shapes (``add``, ``sum``, ``getitem``, ``reshape``...): an
        input changed in place afterwards doesn't spoil them, as in PyTorch.
        (The tape finds out which inputs each rule reads by running it on probe
        values, :mod:`diffkit.ad.rule_facts`; this is the fallback.)
    vjp_cost : int, callable or None
        Element-operations the reverse rule spends for argument ``i``: per output
        element (int), or ``vjp_cost(out, args, params, i)``. ``None``: measured
        once by running the rule on probe values for elementwise ops, else
        the op's own cost (a product's cotangent is another product of that size).
    batch : str, callable or None
        The batching rule ``vmap`` uses (see :mod:`diffkit.expr.ops.batching`):
        a rule, or the name of a generic one (``"broadcast"``, ``"axis"``,
        ``"flat_axis"``). ``None`` derives it from ``kind`` and the options:
        elementwise and comparison ops broadcast, ops with an ``axis`` option
        shift it; anything else can't be batched until it is given one.
    complex_step : str or None
        Why the complex step ``Im f(x + ih) / h`` does not give this op's
        derivative (it is not complex-analytic: ``abs``, ``maximum``...), read
        by :class:`~diffkit.ComplexStep`; ``None`` where it does.
    example : tuple or None
        Arguments inside the op's domain and away from its kinks, for its
        docstring example and the tests generated over the table (``None``:
        0.5, and 2.0 for a second argument).

    Example
    -------
    >>> from diffkit.expr.ops import OPS
    >>> OPS["mul"].template.format("v_-1", "v_0")
    'v_-1 * v_0'
    """

    name: str
    arity: int
    impl: Callable[..., Any]
    jvp: tuple | Callable | None
    vjp: tuple | Callable | None
    sympy: Callable[..., Any] | None = None
    cost: int | Callable[..., int] = 1
    kind: str = "elementwise"
    template: str = ""
    infix: str | None = None
    precedence: int = 100
    vjp_arrays: Callable[..., Any] | None = None
    reads_inputs: bool = True
    vjp_cost: int | Callable[..., int] | None = None
    batch: str | Callable[..., Any] | None = None
    complex_step: str | None = None
    example: tuple | None = None
    doc: str = field(default="", compare=False)

    @property
    def differentiable(self) -> bool:
        """Whether the op has a nonzero derivative anywhere."""
        return self.vjp is not None

    def elements(self, out: Any, args: tuple, params: dict) -> int:
        """Element-operations spent producing ``out``."""
        if callable(self.cost):
            return int(self.cost(out, args, params))
        return self.cost * int(getattr(out, "size", 1))

    def vjps(self, g: Any, ans: Any, args: tuple, params: dict, needs: tuple[bool, ...]) -> list:
        """Cotangents of ``args`` given the output cotangent ``g``.

        ``needs[i]`` says whether argument ``i`` wants one; the entry is ``None``
        where it does not, or where the derivative is zero.
        """
        rules = self.vjp
        if rules is None:
            return [None] * len(args)
        if callable(rules):
            grads = rules(g, ans, *args, **params)
            return [gi if need else None for gi, need in zip(grads, needs)]
        return [
            rule(g, ans, *args, **params) if need and rule is not None else None
            for rule, need in zip(rules, needs)
        ]

    def array_vjps(self, xp: Any, g: Any, ans: Any, args: tuple, params: dict, needs: tuple[bool, ...]) -> list:
        """:meth:`vjps` on plain arrays of namespace ``xp``, by the op's ``vjp_arrays`` rule where it has one.

        Example
        -------
        >>> import numpy as np
        >>> from diffkit.expr.ops import OPS
        >>> x = np.array([-1.0, 2.0])
        >>> OPS["relu"].array_vjps(np, np.ones(2), np.maximum(x, 0.0), (x,), {}, (True,))
        [array([0., 1.])]
        """
        fast = self.vjp_arrays
        if fast is not None:
            cots = fast(xp, g, ans, args, needs, **params)
            if cots is not None:
                return [c if need else None for c, need in zip(cots, needs)]
        return self.vjps(g, ans, args, params, needs)

    def jvp_of(self, tangents: tuple, ans: Any, args: tuple, params: dict) -> Any:
        """Output tangent from the argument tangents (``None`` means zero)."""
        rules = self.jvp
        if rules is None:
            return None
        if callable(rules):
            return rules(tangents, ans, *args, **params)
        out = None
        for rule, t in zip(rules, tangents):
            if t is None or rule is None:
                continue
            term = rule(t, ans, *args, **params)
            out = term if out is None else out + term
        return out

    def __repr__(self) -> str:
        return f"Op({self.name!r}, arity={self.arity}, kind={self.kind!r})"


OPS: dict[str, Op] = {}
#: Public functions generated from the table, by name (``FUNCTIONS["sin"] is dk.sin``).
FUNCTIONS: dict[str, Callable[..., Any]] = {}
#: Extra spellings the parser accepts for a function: NumPy's names, ``ln``, ``max``/``min``,
#: PyTorch's ``clamp``, ``remainder`` and ``arc*``.
ALIASES = {
    "ln": "log", "max": "maximum", "min": "minimum", "arcsin": "asin", "arccos": "acos", "arctan": "atan",
    "arctan2": "atan2", "arcsinh": "asinh", "arccosh": "acosh", "arctanh": "atanh", "power": "pow",
    "remainder": "mod", "clamp": "clip", "absolute": "abs",
}
#: NumPy ufuncs that map onto ops of the table, so ``np.sin(x)`` on a Tensor or a traced value records.
UFUNCS = {
    "add": "add", "subtract": "sub", "multiply": "mul", "divide": "div", "true_divide": "div",
    "negative": "neg", "power": "pow", "float_power": "pow", "square": "square", "sqrt": "sqrt", "cbrt": "cbrt",
    "exp": "exp", "exp2": "exp2", "expm1": "expm1", "log": "log", "log2": "log2", "log10": "log10",
    "log1p": "log1p", "logaddexp": "logaddexp", "sin": "sin", "cos": "cos", "tan": "tan",
    "arcsin": "asin", "arccos": "acos", "arctan": "atan", "arctan2": "atan2", "hypot": "hypot",
    "sinh": "sinh", "cosh": "cosh", "tanh": "tanh", "arcsinh": "asinh", "arccosh": "acosh", "arctanh": "atanh",
    "absolute": "abs", "fabs": "abs", "sign": "sign", "maximum": "maximum", "minimum": "minimum",
    "floor": "floor", "ceil": "ceil", "rint": "round",
    "remainder": "mod", "matmul": "matmul", "greater": "greater", "greater_equal": "greater_equal",
    "less": "less", "less_equal": "less_equal", "equal": "equal", "not_equal": "not_equal",
}


def namespace(*args: Any) -> Any:
    """The array namespace of ``args``: that of the first array, else NumPy.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.expr.ops import namespace
    >>> namespace(1.0, np.ones(2)) is np
    True
    """
    for a in args:
        t = type(a)
        xp = _NAMESPACES.get(t)
        if xp is None:
            get = getattr(a, "__array_namespace__", None)
            if get is None:
                continue
            # An array type always answers with the same namespace: ask once per type.
            xp = _NAMESPACES[t] = get()
        return xp
    return _numpy


_NAMESPACES: dict[type, Any] = {}


def apply(op: Op, *args: Any, **params: Any) -> Any:
    """Apply ``op`` to ``args``: compute on arrays, or hand to a tracing type.

    A type that wants to intercept ops (a Tensor recording a tape, a traced
    graph value, a dual number) sets a class attribute ``_dk_level`` (higher
    wins when several meet) and a classmethod ``_dk_apply(op, args, params)``.

    Example
    -------
    >>> from diffkit.expr.ops import OPS, apply
    >>> float(apply(OPS["mul"], 3.0, 4.0))
    12.0
    """
    top, level = None, 0
    for a in args:
        lv = getattr(type(a), "_dk_level", 0)
        if lv > level:
            top, level = a, lv
    try:
        if top is not None:
            return type(top)._dk_apply(op, args, params)
        out = op.impl(namespace(*args), *args, **params)
    except TypeError as err:  # free until raised: the hot path pays nothing for the clear message
        bad = not_numbers(op, args)
        if bad is None or isinstance(err, DiffkitError):
            raise
        raise bad from None
    COUNTER.primitives += 1
    cost = op.cost
    COUNTER.elements += cost * getattr(out, "size", 1) if cost.__class__ is int else op.elements(out, args, params)
    return out


def not_numbers(op: Op, args: tuple) -> ArgumentTypeError | None:
    """The error for an argument made of text (a string, bytes, a list of strings), or None if none is.

    Example
    -------
    >>> from diffkit.expr.ops import OPS
    >>> from diffkit.expr.ops.core import not_numbers
    >>> not_numbers(OPS["sin"], ("x",)).args[0][:32]
    "sin(): its argument is text, 'x'"
    >>> not_numbers(OPS["sin"], (1.0,)) is None
    True
    """
    for i, a in enumerate(args):
        kind = getattr(getattr(a, "dtype", None), "kind", None)
        if kind is None and isinstance(a, (str, bytes, list, tuple)):
            try:
                kind = "U" if isinstance(a, (str, bytes)) else _numpy.asarray(a).dtype.kind
            except (TypeError, ValueError):
                continue
        if kind in ("U", "S"):
            shown = repr(a) if len(repr(a)) <= 40 else repr(a)[:37] + "..."
            where = f"argument {i + 1} of {len(args)}" if len(args) > 1 else "its argument"
            return ArgumentTypeError(f"{op.name}(): {where} is text, {shown}; it takes a number, an array of "
                                     f"numbers or a Tensor (write dk.expr({shown}) to parse a formula)"
                                     if isinstance(a, str) else
                                     f"{op.name}(): {where} holds text, {shown}; it takes a number, an array "
                                     f"of numbers or a Tensor")
    return None


def _example(op: Op) -> str:
    """A runnable docstring example, its output computed from the op itself at ``op.example``."""
    head = f"Example\n-------\n>>> from diffkit.expr.ops import {op.name}\n"
    if op.kind in ("elementwise", "comparison") and op.arity in (1, 2):
        import numpy

        args = op.example or (0.5, 2.0)[: op.arity]
        value = op.impl(numpy, *args)
        shown = repr(bool(value)) if op.kind == "comparison" else repr(round(float(value), 6))
        call = f"{op.name}({', '.join(map(str, args))})"
        wrap = "bool" if op.kind == "comparison" else "round(float"
        close = ")" if op.kind == "comparison" else "), 6)"
        return head + f">>> {wrap}({call}{close}\n{shown}\n"
    return head + f">>> {op.name}.op.kind\n{op.kind!r}\n"


def _option_names(impl: Callable[..., Any], arity: int) -> tuple[str, ...]:
    """The op's options: ``impl``'s parameters after ``xp`` and the array arguments."""
    try:
        params = list(inspect.signature(impl).parameters.values())[1 + arity if arity > 0 else 1:]
    except (TypeError, ValueError):
        return ()
    return tuple(p.name for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY))


def _options(name: str, names: tuple[str, ...], more: tuple, params: dict) -> dict:
    """Options given positionally (``softmax(x, 1)``, ``clip(x, 0, 2)``) or with PyTorch's
    spellings (``dim=``, ``keepdim=``), as the keywords the op takes."""
    if len(more) > len(names):
        raise ArgumentTypeError(f"{name}() takes {len(names)} option(s) after its argument(s)"
                                f"{' (' + ', '.join(names) + ')' if names else ''}, got {len(more)}")
    for n, v in zip(names, more):
        if n in params:
            raise ArgumentTypeError(f"{name}() got {n!r} both by position and by name")
        params[n] = v
    for torch_name, ours in (("dim", "axis"), ("keepdim", "keepdims")):
        if torch_name in params and ours in names and torch_name not in names:
            params[ours] = params.pop(torch_name)
    return params


def _defop(name: str, arity: int, impl, jvp=None, vjp=None, **kw) -> Callable[..., Any]:
    """Register an op and return its public function (the HIPS-style primitive)."""
    op = Op(name, arity, impl, jvp, vjp, **kw)
    OPS[name] = op
    names = _option_names(impl, arity)

    if arity == 1:

        def fn(x, *more, **params):
            if more or params:
                params = _options(name, names, more, params)
            return apply(op, x, **params)
    elif arity == 2:

        def fn(x, y, *more, **params):
            if more or params:
                params = _options(name, names, more, params)
            return apply(op, x, y, **params)
    elif arity == -1:

        def fn(xs, *more, **params):  # concat(xs, 1), stack(xs, dim=1)
            if more or params:
                params = _options(name, names, more, params)
            return apply(op, *xs, **params)
    else:

        def fn(*args, **params):
            if len(args) != arity:
                raise ArgumentTypeError(f"{name}() takes {arity} arguments, got {len(args)}")
            return apply(op, *args, **params)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"{kw.get('doc') or name} (primitive ``{name}`` of the ops table).\n\n" + \
        "Works on floats, NumPy/CuPy arrays, Tensors and traced values.\n\n" + _example(op)
    fn.op = op
    FUNCTIONS[name] = fn
    return fn


# ---------------------------------------------------------------------------
# Axis helpers shared by the reductions and the array ops.
# ---------------------------------------------------------------------------

def _axes(ndim: int, axis) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, int):
        axis = (axis,)
    return tuple(sorted(a % ndim if ndim else 0 for a in axis))


def _kept_shape(shape: tuple, axis) -> tuple:
    """Shape of a reduction's output had it kept its reduced dimensions."""
    axes = _axes(len(shape), axis)
    return tuple(1 if i in axes else s for i, s in enumerate(shape))



def _count(shape: tuple, axis) -> int:
    return math.prod(shape[i] for i in _axes(len(shape), axis))


def _reduction_cost(out, args, params) -> int:
    return int(getattr(args[0], "size", 1))
