"""The ops table: every primitive operation diffkit knows, defined once.

Each entry says, for one primitive: its name and arity, how to evaluate it on
an array namespace ``xp`` (``numpy``, ``cupy`` or any Array-API namespace), its
JVP rule (forward mode), its VJP rule (reverse mode), its SymPy counterpart and
its cost in element-operations. The parser, the tracer, the SymPy bridge, the
forward and reverse engines, ``Tensor`` and ``nn`` all read this table; no
derivative rule is written anywhere else.

The rules are written with diffkit's own functions (``cos``, ``matmul``, ...,
defined below from the same table) and Python operators. Those functions
dispatch on what they are given: on arrays they compute, on a Tensor they
record onto the tape, on a traced value they add a node to a graph. So one
rule serves numeric evaluation, higher derivatives and source generation alike.

Rule signatures (``ans`` is the op's output, ``args`` its inputs, ``params``
its keyword parameters):

* ``vjp``: one function per argument, ``rule(g, ans, *args, **params)``, giving
  the cotangent of that argument; ``None`` marks an argument with no gradient.
  Variadic ops give one function returning the tuple of all cotangents.
* ``jvp``: one function per argument, ``rule(t, ans, *args, **params)``, giving
  that argument's tangent's contribution to the output tangent (the engine sums
  the contributions of the arguments that carry tangents).

Rules may return a cotangent that is broadcast larger than its argument (an
add of a (3,) and a (2, 3) array); engines reduce it with :func:`sum_to`.

* ``vjp_arrays`` (optional, for the ops a training step spends its time in):
  ``rule(xp, g, ans, args, needs, **params)`` gives all the cotangents at once,
  straight on plain arrays, or ``None`` where it does not cover the case. The
  tape uses it when no graph of the gradient is wanted; it must agree with
  ``vjp`` (the tests check that op by op). It saves the per-call dispatch of
  the generic rule, and reuses what the forward pass kept (``ans``).

Subgradient conventions at kinks, the same in every method (PyTorch's):
``relu'(0) = 0``, ``abs'(0) = 0``, ``step'(x) = sign'(x) = 0``, and
``maximum``/``minimum`` split the gradient half and half at a tie.

Example
-------
>>> from diffkit.expr.ops import OPS
>>> op = OPS["sin"]
>>> op.name, op.arity, op.cost
('sin', 1, 1)
>>> import numpy as np
>>> float(op.impl(np, 0.0))
0.0
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from ..errors import ArgumentError, ArgumentTypeError
from .counting import COUNTER

__all__ = ["Op", "OPS", "apply", "namespace", "FUNCTIONS", "ALIASES"]


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
#: Extra spellings the parser accepts for a function.
ALIASES = {"ln": "log", "arcsin": "asin", "arctan": "atan", "max": "maximum", "min": "minimum"}


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


import numpy as _numpy  # noqa: E402 - the default namespace, kept beside the cache it seeds

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
    if top is not None:
        return type(top)._dk_apply(op, args, params)
    out = op.impl(namespace(*args), *args, **params)
    COUNTER.primitives += 1
    cost = op.cost
    COUNTER.elements += cost * getattr(out, "size", 1) if cost.__class__ is int else op.elements(out, args, params)
    return out


def _example(op: Op) -> str:
    """A runnable docstring example, its output computed from the op itself."""
    head = f"Example\n-------\n>>> from diffkit.expr.ops import {op.name}\n"
    if op.kind in ("elementwise", "comparison") and op.arity in (1, 2):
        import numpy

        args = (0.5, 2.0)[: op.arity]
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
        # (no max() here: this module's max is the op, defined further down)
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
# Elementwise arithmetic. These (with the functions below) are what an Expr is
# made of; each has a SymPy counterpart so the three methods can be compared.
# ---------------------------------------------------------------------------

add = _defop(
    "add", 2, lambda xp, x, y: x + y,
    jvp=(lambda t, a, x, y: t, lambda t, a, x, y: t),
    vjp=(lambda g, a, x, y: g, lambda g, a, x, y: g),
    sympy=lambda x, y: x + y, template="{0} + {1}", infix="+", precedence=10,
    doc="x + y",
    reads_inputs=False,
)
sub = _defop(
    "sub", 2, lambda xp, x, y: x - y,
    jvp=(lambda t, a, x, y: t, lambda t, a, x, y: -t),
    vjp=(lambda g, a, x, y: g, lambda g, a, x, y: -g),
    sympy=lambda x, y: x - y, template="{0} - {1}", infix="-", precedence=10,
    doc="x - y",
    reads_inputs=False,
)
mul = _defop(
    "mul", 2, lambda xp, x, y: x * y,
    jvp=(lambda t, a, x, y: t * y, lambda t, a, x, y: x * t),
    vjp=(lambda g, a, x, y: g * y, lambda g, a, x, y: g * x),
    sympy=lambda x, y: x * y, template="{0} * {1}", infix="*", precedence=20,
    doc="x * y",
)
_PYTHON_NUMBERS = (int, float, complex)


def _numpy_rules(xp, x, y):
    """Two plain Python numbers become a 0-d array and a number, so that division and
    powers follow NumPy outside their domain (1/0 -> inf, (-8)^(1/3) -> nan, with a
    RuntimeWarning) instead of Python's (ZeroDivisionError, a complex result)."""
    if type(x) in _PYTHON_NUMBERS and type(y) in _PYTHON_NUMBERS:
        return xp.asarray(float(x) if type(x) is int else x), y
    return x, y


def _div_impl(xp, x, y):
    x, y = _numpy_rules(xp, x, y)
    return x / y


def _pow_impl(xp, x, y):
    x, y = _numpy_rules(xp, x, y)
    return x**y


div = _defop(
    "div", 2, _div_impl,
    jvp=(lambda t, a, x, y: t / y, lambda t, a, x, y: -t * a / y),
    vjp=(lambda g, a, x, y: g / y, lambda g, a, x, y: -g * a / y),
    sympy=lambda x, y: x / y, template="{0} / {1}", infix="/", precedence=20,
    doc="x / y",
)
neg = _defop(
    "neg", 1, lambda xp, x: -x,
    jvp=(lambda t, a, x: -t,), vjp=(lambda g, a, x: -g,),
    sympy=lambda x: -x, template="-{0}", infix="-", precedence=30,
    doc="-x",
    reads_inputs=False,
)
# One pow for constant and variable exponents: the exponent's rule (which needs
# log x) only runs when the exponent carries a derivative, so (x - 3)^2 at
# x = 1 stays clean.
pow = _defop(  # noqa: A001 - the table's name for the op
    "pow", 2, _pow_impl,
    jvp=(lambda t, a, x, y: t * y * x ** (y - 1), lambda t, a, x, y: t * log(x) * a),
    vjp=(lambda g, a, x, y: g * y * x ** (y - 1), lambda g, a, x, y: g * log(x) * a),
    sympy=lambda x, y: x**y, template="{0}^{1}", infix="^", precedence=40,
    doc="x raised to the power y",
)
square = _defop(
    "square", 1, lambda xp, x: x * x,
    jvp=(lambda t, a, x: 2.0 * x * t,), vjp=(lambda g, a, x: 2.0 * x * g,),
    sympy=lambda x: x**2, template="{0}^2", doc="x squared",
)
sqrt = _defop(
    "sqrt", 1, lambda xp, x: xp.sqrt(x),
    jvp=(lambda t, a, x: t / (2.0 * a),), vjp=(lambda g, a, x: g / (2.0 * a),),
    sympy=sp.sqrt, template="sqrt({0})", doc="square root",
)
exp = _defop(
    "exp", 1, lambda xp, x: xp.exp(x),
    jvp=(lambda t, a, x: t * a,), vjp=(lambda g, a, x: g * a,),
    sympy=sp.exp, template="exp({0})", doc="exponential",
)
log = _defop(
    "log", 1, lambda xp, x: xp.log(x),
    jvp=(lambda t, a, x: t / x,), vjp=(lambda g, a, x: g / x,),
    sympy=sp.log, template="ln({0})", doc="natural logarithm",
)
sin = _defop(
    "sin", 1, lambda xp, x: xp.sin(x),
    jvp=(lambda t, a, x: t * cos(x),), vjp=(lambda g, a, x: g * cos(x),),
    sympy=sp.sin, template="sin {0}", doc="sine",
)
cos = _defop(
    "cos", 1, lambda xp, x: xp.cos(x),
    jvp=(lambda t, a, x: -(t * sin(x)),), vjp=(lambda g, a, x: -(g * sin(x)),),
    sympy=sp.cos, template="cos {0}", doc="cosine",
)
tan = _defop(
    "tan", 1, lambda xp, x: xp.tan(x),
    jvp=(lambda t, a, x: t * (1.0 + a * a),), vjp=(lambda g, a, x: g * (1.0 + a * a),),
    sympy=sp.tan, template="tan {0}", doc="tangent",
)
asin = _defop(
    "asin", 1, lambda xp, x: xp.asin(x),
    jvp=(lambda t, a, x: t / sqrt(1.0 - x * x),), vjp=(lambda g, a, x: g / sqrt(1.0 - x * x),),
    sympy=sp.asin, template="asin {0}", doc="inverse sine",
)
atan = _defop(
    "atan", 1, lambda xp, x: xp.atan(x),
    jvp=(lambda t, a, x: t / (1.0 + x * x),), vjp=(lambda g, a, x: g / (1.0 + x * x),),
    sympy=sp.atan, template="atan {0}", doc="inverse tangent",
)
tanh = _defop(
    "tanh", 1, lambda xp, x: xp.tanh(x),
    jvp=(lambda t, a, x: t * (1.0 - a * a),), vjp=(lambda g, a, x: g * (1.0 - a * a),),
    sympy=sp.tanh, template="tanh {0}", doc="hyperbolic tangent",
)
# tanh form: no overflow for large |x| and no branch to evaluate twice.
sigmoid = _defop(
    "sigmoid", 1, lambda xp, x: 0.5 * (xp.tanh(0.5 * x) + 1.0),
    jvp=(lambda t, a, x: t * a * (1.0 - a),), vjp=(lambda g, a, x: g * a * (1.0 - a),),
    sympy=lambda x: 1 / (1 + sp.exp(-x)), template="sigmoid({0})",
    doc="logistic sigmoid 1 / (1 + exp(-x))",
)
# sign and step have derivative zero (None rules); they exist so that the
# kink rules below can be written as ops and differentiated again.
sign = _defop(
    "sign", 1, lambda xp, x: xp.sign(x), sympy=sp.sign, template="sign({0})",
    doc="sign of x (0 at 0)",
)
# step(x) = 1 for x > 0, else 0 (Heaviside with H(0) = 0), in the dtype of x.
# Casting the comparison is one pass (relu's rule runs it on every backward, so
# it matters); Python floats have no dtype and take sign(max(x, 0)).
def _step_impl(xp, x):
    dtype = getattr(x, "dtype", None)
    if dtype is None:
        return xp.sign(xp.maximum(x, 0.0))
    cast = getattr(xp, "astype", None)
    return cast(x > 0, dtype) if cast is not None else (x > 0).astype(dtype)


step = _defop(
    "step", 1, _step_impl,
    sympy=lambda x: sp.Heaviside(x, 0), template="step({0})",
    doc="Heaviside step, 1 for x > 0 and 0 otherwise",
)
abs = _defop(  # noqa: A001
    "abs", 1, lambda xp, x: xp.abs(x),
    jvp=(lambda t, a, x: t * sign(x),), vjp=(lambda g, a, x: g * sign(x),),
    sympy=sp.Abs, template="|{0}|", doc="absolute value; abs'(0) = 0",
)
def _relu_sympy(x):
    # Piecewise, not Max(x, 0): its derivative is 0 at 0, like every other method.
    # Around an argument that holds a Piecewise itself (relu(relu(u))) SymPy folds the
    # condition and tries to solve an inequality, which fails for many arguments;
    # x * Heaviside(x, 0) is the same function, with the same derivative at 0.
    if isinstance(x, sp.Basic) and x.has(sp.Piecewise):
        return x * sp.Heaviside(x, 0)
    return sp.Piecewise((x, x > 0), (0, True))


relu = _defop(
    "relu", 1, lambda xp, x: xp.maximum(x, 0.0),
    jvp=(lambda t, a, x: t * step(x),), vjp=(lambda g, a, x: g * step(x),),
    vjp_arrays=lambda xp, g, a, args, needs: [g * _step_impl(xp, a)],  # a > 0 exactly where x > 0
    sympy=_relu_sympy, template="relu({0})",
    doc="max(x, 0); relu'(0) = 0",
)
maximum = _defop(
    "maximum", 2, lambda xp, x, y: xp.maximum(x, y),
    jvp=(lambda t, a, x, y: t * (1.0 + sign(x - y)) * 0.5,
         lambda t, a, x, y: t * (1.0 - sign(x - y)) * 0.5),
    vjp=(lambda g, a, x, y: g * (1.0 + sign(x - y)) * 0.5,
         lambda g, a, x, y: g * (1.0 - sign(x - y)) * 0.5),
    sympy=sp.Max, template="max({0}, {1})",
    doc="elementwise maximum; a tie splits the gradient half and half",
)
minimum = _defop(
    "minimum", 2, lambda xp, x, y: xp.minimum(x, y),
    jvp=(lambda t, a, x, y: t * (1.0 - sign(x - y)) * 0.5,
         lambda t, a, x, y: t * (1.0 + sign(x - y)) * 0.5),
    vjp=(lambda g, a, x, y: g * (1.0 - sign(x - y)) * 0.5,
         lambda g, a, x, y: g * (1.0 + sign(x - y)) * 0.5),
    sympy=sp.Min, template="min({0}, {1})",
    doc="elementwise minimum; a tie splits the gradient half and half",
)


# ---------------------------------------------------------------------------
# Comparisons (boolean results, no derivative): masks for where() and friends.
# ---------------------------------------------------------------------------

def _comparison(name: str, symbol: str, fn) -> Callable[..., Any]:
    return _defop(name, 2, fn, kind="comparison", template="{0} " + symbol + " {1}",
                  doc=f"x {symbol} y, elementwise (boolean, no gradient)")


greater = _comparison("greater", ">", lambda xp, x, y: x > y)
greater_equal = _comparison("greater_equal", ">=", lambda xp, x, y: x >= y)
less = _comparison("less", "<", lambda xp, x, y: x < y)
less_equal = _comparison("less_equal", "<=", lambda xp, x, y: x <= y)
equal = _comparison("equal", "==", lambda xp, x, y: x == y)


# ---------------------------------------------------------------------------
# Reductions and array ops, for Tensors and the training layer.
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


def _expand(g, x, axis, keepdims):
    """Broadcast a reduction's cotangent ``g`` back to the shape of ``x``."""
    if not keepdims:
        g = reshape(g, shape=_kept_shape(x.shape, axis))
    return broadcast_to(g, shape=x.shape)


def _count(shape: tuple, axis) -> int:
    return math.prod(shape[i] for i in _axes(len(shape), axis))


def _reduction_cost(out, args, params) -> int:
    return int(getattr(args[0], "size", 1))


sum = _defop(  # noqa: A001
    "sum", 1, lambda xp, x, axis=None, keepdims=False: xp.sum(x, axis=axis, keepdims=keepdims),
    jvp=(lambda t, a, x, axis=None, keepdims=False: sum(t, axis=axis, keepdims=keepdims),),
    vjp=(lambda g, a, x, axis=None, keepdims=False: _expand(g, x, axis, keepdims),),
    kind="reduction", cost=_reduction_cost, template="sum({0})", doc="sum over axis",
    reads_inputs=False,
)
mean = _defop(
    "mean", 1, lambda xp, x, axis=None, keepdims=False: xp.mean(x, axis=axis, keepdims=keepdims),
    jvp=(lambda t, a, x, axis=None, keepdims=False: mean(t, axis=axis, keepdims=keepdims),),
    vjp=(lambda g, a, x, axis=None, keepdims=False:
         _expand(g, x, axis, keepdims) / float(_count(x.shape, axis)),),
    kind="reduction", cost=_reduction_cost, template="mean({0})", doc="mean over axis",
    reads_inputs=False,
)


# The cotangent of max goes to the entries equal to the maximum, split evenly
# among ties. 1 - sign(max - x) is 1 exactly there and 0 elsewhere (max >= x),
# and keeps the dtype.
def _argmax_weights(a, x, axis, keepdims):
    hit = 1.0 - sign(_expand(a, x, axis, keepdims) - x)
    return hit / sum(hit, axis=axis, keepdims=True)


max = _defop(  # noqa: A001
    "max", 1, lambda xp, x, axis=None, keepdims=False: xp.max(x, axis=axis, keepdims=keepdims),
    jvp=(lambda t, a, x, axis=None, keepdims=False:
         sum(t * _argmax_weights(a, x, axis, keepdims), axis=axis, keepdims=keepdims),),
    vjp=(lambda g, a, x, axis=None, keepdims=False:
         _expand(g, x, axis, keepdims) * _argmax_weights(a, x, axis, keepdims),),
    kind="reduction", cost=_reduction_cost, template="max({0})",
    doc="maximum over axis; ties share the gradient evenly",
)


def _logsumexp_impl(xp, x, axis=None, keepdims=False):
    m = xp.max(x, axis=axis, keepdims=True)
    m = xp.where(xp.isfinite(m), m, 0.0)  # all -inf rows stay -inf, not nan
    out = xp.log(xp.sum(xp.exp(x - m), axis=axis, keepdims=True)) + m
    return out if keepdims else xp.reshape(out, tuple(
        s for i, s in enumerate(out.shape) if i not in _axes(x.ndim, axis)))


logsumexp = _defop(
    "logsumexp", 1, _logsumexp_impl,
    jvp=(lambda t, a, x, axis=None, keepdims=False:
         sum(t * exp(x - _expand(a, x, axis, keepdims)), axis=axis, keepdims=keepdims),),
    vjp=(lambda g, a, x, axis=None, keepdims=False:
         _expand(g, x, axis, keepdims) * exp(x - _expand(a, x, axis, keepdims)),),
    kind="reduction", cost=lambda out, args, params: 3 * int(args[0].size),
    template="logsumexp({0})", doc="log(sum(exp(x))) over axis, computed stably",
)
log_softmax = _defop(
    "log_softmax", 1, lambda xp, x, axis=-1: x - _logsumexp_impl(xp, x, axis=axis, keepdims=True),
    jvp=(lambda t, a, x, axis=-1: t - sum(exp(a) * t, axis=axis, keepdims=True),),
    vjp=(lambda g, a, x, axis=-1: g - exp(a) * sum(g, axis=axis, keepdims=True),),
    kind="reduction", cost=lambda out, args, params: 4 * int(args[0].size),
    template="log_softmax({0})", doc="x - logsumexp(x) over axis, computed stably",
)
softmax = _defop(
    "softmax", 1,
    lambda xp, x, axis=-1: xp.exp(x - _logsumexp_impl(xp, x, axis=axis, keepdims=True)),
    jvp=(lambda t, a, x, axis=-1: a * (t - sum(a * t, axis=axis, keepdims=True)),),
    vjp=(lambda g, a, x, axis=-1: a * (g - sum(g * a, axis=axis, keepdims=True)),),
    kind="reduction", cost=lambda out, args, params: 5 * int(args[0].size),
    template="softmax({0})", doc="exp(x) / sum(exp(x)) over axis, computed stably",
)


def _sum_to_impl(xp, x, shape):
    shape = tuple(shape)
    if tuple(x.shape) == shape:
        return x
    lead = x.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, s in enumerate(shape) if s == 1 and x.shape[lead + i] != 1)
    out = xp.sum(x, axis=axes, keepdims=True) if axes else x
    return xp.reshape(out, shape)


sum_to = _defop(
    "sum_to", 1, _sum_to_impl,
    jvp=(lambda t, a, x, shape: sum_to(t, shape=shape),),
    vjp=(lambda g, a, x, shape: broadcast_to(g, shape=x.shape),),
    kind="array", cost=_reduction_cost, template="sum_to({0})",
    doc="sum a broadcast array back down to shape (reverse of broadcasting)",
    reads_inputs=False,
)
broadcast_to = _defop(
    "broadcast_to", 1, lambda xp, x, shape: xp.broadcast_to(x, tuple(shape)),
    jvp=(lambda t, a, x, shape: broadcast_to(t, shape=shape),),
    vjp=(lambda g, a, x, shape: sum_to(g, shape=x.shape),),
    kind="array", cost=0, template="broadcast({0})", doc="broadcast to shape",
    reads_inputs=False,
)
reshape = _defop(
    "reshape", 1, lambda xp, x, shape: xp.reshape(x, tuple(shape)),
    jvp=(lambda t, a, x, shape: reshape(t, shape=shape),),
    vjp=(lambda g, a, x, shape: reshape(g, shape=x.shape),),
    kind="array", cost=0, template="reshape({0})", doc="reshape to shape",
    reads_inputs=False,
)


def _inverse_axes(axes, ndim):
    axes = tuple(range(ndim))[::-1] if axes is None else tuple(a % ndim for a in axes)
    inv = [0] * ndim
    for i, a in enumerate(axes):
        inv[a] = i
    return tuple(inv)


transpose = _defop(
    "transpose", 1,
    lambda xp, x, axes=None: xp.permute_dims(x, tuple(range(x.ndim))[::-1] if axes is None else tuple(axes)),
    jvp=(lambda t, a, x, axes=None: transpose(t, axes=axes),),
    vjp=(lambda g, a, x, axes=None: transpose(g, axes=_inverse_axes(axes, x.ndim)),),
    kind="array", cost=0, template="transpose({0})", doc="permute the axes (reverse them by default)",
    reads_inputs=False,
)
matrix_transpose = _defop(
    "matrix_transpose", 1, lambda xp, x: xp.matrix_transpose(x),
    jvp=(lambda t, a, x: matrix_transpose(t),), vjp=(lambda g, a, x: matrix_transpose(g),),
    kind="array", cost=0, template="{0}^T", doc="swap the last two axes",
    reads_inputs=False,
)


def _matmul_vjp_a(g, ans, a, b):
    if a.ndim == 1 and b.ndim == 1:
        return g * b
    if b.ndim == 1:  # (..., m, k) @ (k,) -> (..., m)
        return reshape(g, shape=tuple(g.shape) + (1,)) * b
    if a.ndim == 1:  # (k,) @ (..., k, n) -> (..., n)
        col = matmul(b, reshape(g, shape=tuple(g.shape) + (1,)))
        return reshape(col, shape=tuple(col.shape[:-1]))
    return matmul(g, matrix_transpose(b))


def _matmul_vjp_b(g, ans, a, b):
    if a.ndim == 1 and b.ndim == 1:
        return g * a
    if b.ndim == 1:
        row = matmul(reshape(g, shape=tuple(g.shape[:-1]) + (1, g.shape[-1])), a)
        return reshape(row, shape=tuple(row.shape[:-2]) + (row.shape[-1],))
    if a.ndim == 1:
        return reshape(a, shape=(a.shape[0], 1)) * reshape(
            g, shape=tuple(g.shape[:-1]) + (1, g.shape[-1]))
    return matmul(matrix_transpose(a), g)


def _matmul_vjp_arrays(xp, g, ans, args, needs):
    a, b = args
    if a.ndim != 2 or b.ndim != 2:
        return None
    return [xp.matmul(g, b.T) if needs[0] else None, xp.matmul(a.T, g) if needs[1] else None]


matmul = _defop(
    "matmul", 2, lambda xp, a, b: xp.matmul(a, b),
    jvp=(lambda t, ans, a, b: matmul(t, b), lambda t, ans, a, b: matmul(a, t)),
    vjp=(_matmul_vjp_a, _matmul_vjp_b),
    vjp_arrays=_matmul_vjp_arrays,
    kind="array", cost=lambda out, args, params: 2 * int(getattr(out, "size", 1)) * int(args[0].shape[-1]),
    template="{0} @ {1}", infix="@", precedence=20, doc="matrix product",
)


def _index_add_impl(xp, g, index, shape):
    out = xp.zeros(tuple(shape), dtype=g.dtype)
    add_at = getattr(getattr(xp, "add", None), "at", None)
    if add_at is not None:  # NumPy: repeated indices accumulate
        add_at(out, index, g)
        return out
    import importlib.util

    if importlib.util.find_spec("cupyx") is not None and xp.__name__ == "cupy":
        import cupyx

        cupyx.scatter_add(out, index, g)
        return out
    out[index] = g  # plain namespaces: right for basic (non-repeating) indices
    return out


getitem = _defop(
    "getitem", 1, lambda xp, x, index: x[index],
    jvp=(lambda t, a, x, index: getitem(t, index=index),),
    vjp=(lambda g, a, x, index: index_add(g, index=index, shape=x.shape),),
    kind="array", cost=0, template="{0}[...]", doc="x[index]",
    reads_inputs=False,
)
index_add = _defop(
    "index_add", 1, _index_add_impl,
    jvp=(lambda t, a, g, index, shape: index_add(t, index=index, shape=shape),),
    vjp=(lambda c, a, g, index, shape: getitem(c, index=index),),
    kind="array", template="index_add({0})",
    doc="zeros(shape) with g added at index (the reverse of getitem)",
)


def _split_along(g, sizes, axis):
    parts, start = [], 0
    for n in sizes:
        index = (slice(None),) * axis + (slice(start, start + n), ...)  # full index: Array API
        parts.append(getitem(g, index=index))
        start += n
    return tuple(parts)


concat = _defop(
    "concat", -1, lambda xp, *xs, axis=0: xp.concat(xs, axis=axis),
    jvp=lambda ts, a, *xs, axis=0: concat(
        [t if t is not None else 0.0 * x for t, x in zip(ts, xs)], axis=axis),
    vjp=lambda g, a, *xs, axis=0: _split_along(
        g, [x.shape[axis] for x in xs], axis % xs[0].ndim),
    kind="array", cost=0, template="concat({0}, ...)", doc="join arrays along an existing axis",
    reads_inputs=False,
)
stack = _defop(
    "stack", -1, lambda xp, *xs, axis=0: xp.stack(xs, axis=axis),
    jvp=lambda ts, a, *xs, axis=0: stack(
        [t if t is not None else 0.0 * x for t, x in zip(ts, xs)], axis=axis),
    vjp=lambda g, a, *xs, axis=0: tuple(
        getitem(g, index=(slice(None),) * (axis % (xs[0].ndim + 1)) + (i, ...)) for i in range(len(xs))),
    kind="array", cost=0, template="stack({0}, ...)", doc="join arrays along a new axis",
    reads_inputs=False,
)
# The rules use where(), not a multiplication by a mask: a nan or inf in the
# branch not taken must not leak into the gradient (0 * inf is nan).
where = _defop(
    "where", 3, lambda xp, c, x, y: xp.where(c, x, y),
    jvp=(None, lambda t, a, c, x, y: where(c, t, 0.0), lambda t, a, c, x, y: where(c, 0.0, t)),
    vjp=(None, lambda g, a, c, x, y: where(c, g, 0.0), lambda g, a, c, x, y: where(c, 0.0, g)),
    kind="array", template="where({0}, {1}, {2})", doc="x where c is true, else y",
)
# Inside [lo, hi], boundaries included, clip is the identity and x == clip(x).
clip = _defop(
    "clip", 1, lambda xp, x, lo=None, hi=None: xp.clip(x, lo, hi),
    jvp=(lambda t, a, x, lo=None, hi=None: where(equal(x, a), t, 0.0),),
    vjp=(lambda g, a, x, lo=None, hi=None: where(equal(x, a), g, 0.0),),
    kind="array", template="clip({0})", doc="limit x to [lo, hi]; gradient 1 inside, boundaries included",
)

# Binary cross-entropy of probabilities p against targets t, elementwise, as one
# node so that its rule is PyTorch's, (p - t) / max(p (1 - p), 1e-12): at p = 0
# or 1 the logs are clamped at -100 (a finite loss), and the composite's rule
# would multiply the clamp's zero slope by log's infinite one (nan).
def _bce_impl(xp, p, t):
    with _numpy.errstate(divide="ignore"):  # log(0) is clamped just below, as PyTorch does, without a warning
        log_p = xp.maximum(xp.log(p), -100.0)
        log_q = xp.maximum(xp.log(1.0 - p), -100.0)
    return -(t * log_p + (1.0 - t) * log_q)


def _bce_slope(p, t):
    return (p - t) / maximum(p * (1.0 - p), 1e-12)


def _bce_target_slope(p):
    return clip(log(1.0 - p), lo=-100.0) - clip(log(p), lo=-100.0)


binary_cross_entropy = _defop(
    "binary_cross_entropy", 2, _bce_impl,
    jvp=(lambda t_p, a, p, t: t_p * _bce_slope(p, t), lambda t_t, a, p, t: t_t * _bce_target_slope(p)),
    vjp=(lambda g, a, p, t: g * _bce_slope(p, t), lambda g, a, p, t: g * _bce_target_slope(p)),
    kind="array", cost=8, template="bce({0}, {1})",
    doc="-(t log p + (1 - t) log(1 - p)), logs clamped at -100; slope (p - t) / max(p (1 - p), 1e-12)",
)


# ---------------------------------------------------------------------------
# More Tensor ops: casts, functional item assignment, argmax/argmin, !=.
# ---------------------------------------------------------------------------

not_equal = _comparison("not_equal", "!=", lambda xp, x, y: x != y)


def _astype_impl(xp, x, dtype):
    cast = getattr(xp, "astype", None)  # NumPy < 2.1 has only the method
    return cast(x, dtype) if cast is not None else x.astype(dtype)


# A cast is a copy in the new dtype; its cotangent is cast back to the input's dtype.
astype = _defop(
    "astype", 1, _astype_impl,
    jvp=(lambda t, a, x, dtype: astype(t, dtype=dtype),),
    vjp=(lambda g, a, x, dtype: astype(g, dtype=x.dtype),),
    kind="array", template="astype({0})", doc="a copy of x cast to dtype",
    reads_inputs=False,
)

# A copy in row-major order. Layout is invisible to the values (nn.Linear hands
# out transposed views, see linear below), but code that passes the memory on
# (a C library, ``.numpy().data``) asks for it, as in PyTorch.
contiguous = _defop(
    "contiguous", 1,
    lambda xp, x: xp.ascontiguousarray(x) if hasattr(xp, "ascontiguousarray") else x,
    jvp=(lambda t, a, x: t,), vjp=(lambda g, a, x: g,),
    kind="array", template="contiguous({0})", doc="x laid out in row-major (C) order",
)


def _setitem_impl(xp, x, v, index):
    out = xp.asarray(x, copy=True)
    out[index] = v
    return out


def _placed(t, a, index):
    """zeros shaped like a, with t (broadcast to a[index]'s shape) at index."""
    return index_add(broadcast_to(t, shape=getitem(a, index=index).shape), index=index, shape=a.shape)


# Functional item assignment (what x[index] = v records on a tape): the
# overwritten entries of x get no gradient, v gets the cotangent at index.
setitem = _defop(
    "setitem", 2, _setitem_impl,
    jvp=(lambda t, a, x, v, index: setitem(t, 0.0, index=index),
         lambda t, a, x, v, index: _placed(t, a, index)),
    vjp=(lambda g, a, x, v, index: setitem(g, 0.0, index=index),
         lambda g, a, x, v, index: getitem(g, index=index)),
    kind="array", cost=0, template="{0}[...] = {1}", doc="a copy of x with x[index] = v",
    reads_inputs=False,
)
argmax = _defop(
    "argmax", 1, lambda xp, x, axis=None, keepdims=False: xp.argmax(x, axis=axis, keepdims=keepdims),
    kind="reduction", cost=_reduction_cost, template="argmax({0})",
    doc="index of the maximum over axis (integer, no gradient)",
)
argmin = _defop(
    "argmin", 1, lambda xp, x, axis=None, keepdims=False: xp.argmin(x, axis=axis, keepdims=keepdims),
    kind="reduction", cost=_reduction_cost, template="argmin({0})",
    doc="index of the minimum over axis (integer, no gradient)",
)

#: The ops an Expr may contain (elementwise, with a SymPy counterpart).
EXPR_OPS = {name: op for name, op in OPS.items() if op.kind == "elementwise"}


# x W^T + b as one node, for nn.Linear: one recorded op instead of four, and
# the weight's cotangent g^T x comes out of one matmul in W's own layout (no
# transposed copy for the optimizer to trip over). ``b`` may be the constant 0.0.
#
# A batch of inputs is multiplied as (W x^T)^T, a transposed view of the same
# numbers: OpenBLAS shares a product out over the rows of its result, and a
# small batch as the row count leaves cores idle. At batch 64, 784 -> 512 in
# float32 on two cores that is 1.25x faster than x W^T (1.7x at batch 8, even
# at batch 512).
def _linear_impl(xp, x, w, b):
    if x.shape[-1:] != w.shape[-1:]:
        raise ArgumentError(f"the input has {x.shape[-1] if x.ndim else 0} features where the weight "
                            f"(out, in) = {tuple(w.shape)} takes {w.shape[-1]}")
    out = xp.matmul(w, x.T).T if x.ndim == 2 else xp.matmul(x, w.T)
    if getattr(b, "dtype", None) == out.dtype and getattr(b, "ndim", 0) <= out.ndim and hasattr(out, "__iadd__"):
        out += b
        return out
    return out if isinstance(b, float) and b == 0.0 else out + b


def _linear_vjp_w(g, ans, x, w, b):
    if x.ndim == 1:
        return reshape(g, shape=(g.shape[0], 1)) * reshape(x, shape=(1, x.shape[0]))
    if x.ndim > 2:
        g = reshape(g, shape=(math.prod(g.shape[:-1]), g.shape[-1]))
        x = reshape(x, shape=(math.prod(x.shape[:-1]), x.shape[-1]))
    return matmul(matrix_transpose(g), x)


def _linear_vjp_arrays(xp, g, ans, args, needs):
    x, w, b = args
    if x.ndim != 2:
        return None
    gx = gb = None
    if needs[0]:
        # in x's layout: x is usually the transposed output of the layer below (see above), and
        # an elementwise op between arrays of opposite layouts (relu's rule) runs ten times slower
        gx = xp.matmul(w.T, g.T).T if _transposed(x) else xp.matmul(g, w)
    if needs[2]:  # a bias of shape (out,) sums over the batch here; any other shape is left to sum_to
        gb = xp.sum(g, axis=0) if tuple(getattr(b, "shape", ())) == (g.shape[1],) else g
    return [gx, xp.matmul(g.T, x) if needs[1] else None, gb]


def _transposed(a) -> bool:
    flags = getattr(a, "flags", None)
    return flags is not None and flags.f_contiguous and not flags.c_contiguous


linear = _defop(
    "linear", 3, _linear_impl,
    jvp=(lambda t, ans, x, w, b: matmul(t, matrix_transpose(w)),
         lambda t, ans, x, w, b: matmul(x, matrix_transpose(t)),
         lambda t, ans, x, w, b: broadcast_to(t, shape=ans.shape)),
    vjp=(lambda g, ans, x, w, b: matmul(g, w), _linear_vjp_w, lambda g, ans, x, w, b: g),
    vjp_arrays=_linear_vjp_arrays,
    kind="array",
    cost=lambda out, args, params: (2 * int(args[0].shape[-1]) + 1) * int(getattr(out, "size", 1)),
    template="linear({0}, {1}, {2})", doc="x @ w.T + b (a dense layer; w is (out, in))",
)


# ---------------------------------------------------------------------------
# Cross-entropy of logits against class indices as one node, for nn's common
# case: a training step then records one op for its loss instead of four
# (log_softmax, pick, sum, scale), and its rule is the textbook
# softmax(x) - one_hot(t), written with the table's own ops.
# ---------------------------------------------------------------------------

def _one_hot_impl(xp, t, classes, dtype):
    hit = xp.reshape(t, tuple(t.shape) + (1,)) == xp.arange(classes)
    cast = getattr(xp, "astype", None)
    return cast(hit, dtype) if cast is not None else hit.astype(dtype)


one_hot = _defop(
    "one_hot", 1, _one_hot_impl, kind="array", template="one_hot({0})",
    doc="rows of the identity picked by integer classes t (no gradient)",
)


def _softmax_cross_entropy_impl(xp, x, t, reduction="mean"):
    # logsumexp(x_n) - x_n[t_n], both taken after shifting each row by its maximum
    m = xp.max(x, axis=1, keepdims=True)
    z = x - xp.where(xp.isfinite(m), m, 0.0)  # a row of -inf stays -inf, not nan
    losses = xp.log(xp.sum(xp.exp(z), axis=1)) - z[xp.arange(t.shape[0]), t]
    if reduction == "none":
        return losses
    total = xp.sum(losses)
    return total / float(t.shape[0]) if reduction == "mean" else total


def _sce_slope(x, t):
    """d loss_n / d x_n = softmax(x_n) - one_hot(t_n)."""
    return softmax(x, axis=1) - one_hot(t, classes=x.shape[1], dtype=x.dtype)


def _sce_scale(g, x, reduction):
    if reduction == "none":
        return reshape(g, shape=(x.shape[0], 1))
    return g / float(x.shape[0]) if reduction == "mean" else g


def _sce_jvp(t_x, ans, x, t, reduction="mean"):
    per_row = sum(_sce_slope(x, t) * t_x, axis=1)
    if reduction == "none":
        return per_row
    total = sum(per_row)
    return total / float(x.shape[0]) if reduction == "mean" else total


def _sce_vjp_arrays(xp, g, ans, args, needs, reduction="mean"):
    x, t = args
    n = x.shape[0]
    slope = softmax.op.impl(xp, x, axis=1) - _one_hot_impl(xp, t, x.shape[1], x.dtype)
    if reduction == "none":
        return [slope * xp.reshape(g, (n, 1)), None]
    return [slope * (g / float(n) if reduction == "mean" else g), None]


softmax_cross_entropy = _defop(
    "softmax_cross_entropy", 2, _softmax_cross_entropy_impl,
    jvp=(_sce_jvp, None),
    vjp=(lambda g, ans, x, t, reduction="mean": _sce_slope(x, t) * _sce_scale(g, x, reduction), None),
    vjp_arrays=_sce_vjp_arrays,
    kind="reduction", cost=lambda out, args, params: 4 * int(args[0].size),
    template="cross_entropy({0}, {1})",
    doc="cross-entropy of logits x (N, C) against class indices t (N,), computed stably",
)
