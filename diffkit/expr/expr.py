"""``Expr``: a function written once, read by every differentiator.

Example
-------
>>> import diffkit as dk
>>> f = dk.expr("log(x1) + x1*x2 - sin(x2)")
>>> f.variables
('x1', 'x2')
>>> float(f(x1=2.0, x2=5.0))
11.652071455223084
>>> float(f(2.0, 5.0))
11.652071455223084
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from ..errors import ExpressionError, ShapeError
from .arithmetic import OpArithmetic
from .graph import Graph, GraphBuilder, unique_names
from .ops import Op
from .parser import parse
from .sympy_bridge import from_sympy, to_sympy
from .tracer import Traced

__all__ = ["Expr", "expr", "trace", "as_expr"]


def _as_value(name: str, v: Any) -> Any:
    """Normalise one input value: ints and lists become float arrays; floats, complex,
    arrays of any namespace, Tensors and traced values pass through unchanged."""
    if isinstance(v, bool):
        raise ExpressionError(f"value of {name!r} is a bool; give a number or an array")
    if isinstance(v, (int, np.integer)):
        try:
            return float(v)
        except OverflowError:
            raise ExpressionError(f"value of {name!r} is an integer too large for a float64") from None
    if isinstance(v, (float, complex)) or hasattr(v, "_dk_level"):
        return v
    if isinstance(v, (list, tuple)):
        try:
            v = np.asarray(v, dtype=float)
        except (TypeError, ValueError):
            raise ExpressionError(f"value of {name!r} is not numeric: {v!r:.60}") from None
        return v
    if hasattr(v, "__array_namespace__") or isinstance(v, np.generic):
        dtype = getattr(v, "dtype", None)
        kind = getattr(dtype, "kind", "f")
        if kind in "iub":
            return v.astype(np.float64) if hasattr(v, "astype") else float(v)
        if kind not in "fc":
            raise ExpressionError(f"value of {name!r} has dtype {dtype}; give numbers")
        return v
    raise ExpressionError(f"value of {name!r} has type {type(v).__name__}; give a number or an array")


def check_broadcast(values: dict[str, Any]) -> dict[str, Any]:
    """The values, if their shapes broadcast together; a ShapeError naming each shape if not.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.expr.expr import check_broadcast
    >>> sorted(check_broadcast({"x": np.ones(3), "y": 2.0}))
    ['x', 'y']
    """
    shapes = {n: tuple(getattr(v, "shape", ())) for n, v in values.items()}
    try:
        np.broadcast_shapes(*shapes.values())
    except ValueError:
        raise ShapeError("variable values don't broadcast together: "
                         + ", ".join(f"{n} {s}" for n, s in shapes.items())) from None
    return values


class Expr(OpArithmetic):
    """A differentiable function of named variables, backed by a :class:`Graph`.

    Build one with :func:`expr` (text, a program, or SymPy) or :func:`trace`
    (a Python function). Call it with keyword or positional values: floats or
    arrays (NumPy broadcasting, float32 stays float32).

    Attributes
    ----------
    graph : Graph
        The SSA program: ``f.graph.depends_on``, ``f.graph.primal_trace(...)``.
    source : str, list of str or None
        The text it was parsed from, if any.

    Example
    -------
    >>> import diffkit as dk, numpy as np
    >>> f = dk.expr("x^2 * y")
    >>> f(x=np.array([1.0, 2.0]), y=3.0)
    array([ 3., 12.])
    >>> f.graph.depends_on  # v_1 = x^2, v_2 = y * v_1
    {'v_1': ['x'], 'v_2': ['y', 'v_1']}
    >>> f.source
    'x^2 * y'
    >>> f + dk.sin(f)  # Exprs compose
    Expr('x^2 * y + sin(x^2 * y)', variables=('x', 'y'))
    """

    __slots__ = ("graph", "source")
    _dk_level = 0.5  # below Traced: composing Exprs goes through a fresh trace

    def __init__(self, graph: Graph, source: str | Sequence[str] | None = None):
        self.graph = graph
        self.source = source

    @property
    def variables(self) -> tuple[str, ...]:
        """Variable names, in order of first appearance (or as given by ``variables=``).

        Example
        -------
        >>> import diffkit as dk
        >>> dk.expr("log(x1) + x1*x2 - sin(x2)").variables
        ('x1', 'x2')
        >>> dk.expr("z + a*b", variables=["a", "b", "z"]).variables
        ('a', 'b', 'z')
        """
        return self.graph.variables

    @property
    def outputs(self) -> tuple[str, ...]:
        """Output names (``y_1``... unless a program named them).

        Example
        -------
        >>> import diffkit as dk
        >>> dk.expr("x*y, x + y").outputs
        ('y_1', 'y_2')
        >>> dk.expr(["s = x + y", "p = x*y"]).outputs
        ('s', 'p')
        """
        return self.graph.output_names

    @property
    def n_outputs(self) -> int:
        """Number of outputs (1 for a scalar function, m for f: R^n -> R^m).

        Example
        -------
        >>> import diffkit as dk
        >>> dk.expr("x*y, x + y").n_outputs
        2
        """
        return len(self.graph.outputs)

    def bind(self, /, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """Match positional and keyword values to variables, checking names.

        Example
        -------
        >>> import diffkit as dk
        >>> dk.expr("x*y").bind(1, y=2)
        {'x': 1.0, 'y': 2.0}
        """
        names = self.variables
        if len(args) == 1 and isinstance(args[0], Mapping) and not kwargs:
            kwargs, args = dict(args[0]), ()
        if len(args) > len(names):
            raise ExpressionError(f"{len(args)} positional values for {len(names)} variables {names}")
        values = dict(zip(names, args))
        for k, v in kwargs.items():
            if k not in names:
                import difflib

                close = difflib.get_close_matches(k, names, n=1)
                raise ExpressionError(
                    f"unknown variable {k!r}; this Expr's variables are {', '.join(names) or 'none'}",
                    hint=f"did you mean {close[0]!r}?" if close else None)
            if k in values:
                raise ExpressionError(f"variable {k!r} given twice (positionally and by name)")
            values[k] = v
        missing = [n for n in names if n not in values]
        if missing:
            raise ExpressionError(f"no value given for {', '.join(map(repr, missing))}",
                                  hint=f"call with all of {', '.join(names)}")
        return {n: _as_value(n, values[n]) for n in names}

    def __call__(self, /, *args: Any, **kwargs: Any) -> Any:  # / : a variable may be named self
        """Evaluate at the given values (positional in :attr:`variables` order, or by name).

        Values may be numbers or arrays that broadcast together; one output
        gives one value, several give a tuple.

        Example
        -------
        >>> import diffkit as dk
        >>> f = dk.expr("log(x1) + x1*x2 - sin(x2)")
        >>> round(float(f(x1=2, x2=5)), 3), round(float(f(2, 5)), 3)
        (11.652, 11.652)
        >>> dk.expr("x*y, x + y")(2, 3)
        (6.0, 5.0)
        """
        values = check_broadcast(self.bind(*args, **kwargs))
        outs = self.graph.evaluate(values)
        return outs[0] if len(outs) == 1 else tuple(outs)

    def to_sympy(self, real: bool = False) -> Any:
        """The SymPy expression (a tuple for several outputs).

        Its symbols are plain ``sp.Symbol(name)``, the ones you make yourself;
        ``real=True`` gives the real-valued symbols diffkit's symbolic engine
        differentiates with (``Abs`` then differentiates to ``sign``).

        Example
        -------
        >>> import diffkit as dk, sympy as sp
        >>> f = dk.expr("log(x1) + x1*x2 - sin(x2)")
        >>> f.to_sympy()
        x1*x2 + log(x1) - sin(x2)
        >>> sp.diff(f.to_sympy(), sp.Symbol("x1"))
        x2 + 1/x1
        >>> dk.expr("x*y, x + y").to_sympy()
        (x*y, x + y)
        """
        return to_sympy(self.graph, real)

    # Formulas: thin doors to diffkit.expr.formulas and diffkit.symbolic.calculus, where the work is done.
    def to_latex(self) -> str:
        """The formula as LaTeX (variable names made safe for markup).

        Example
        -------
        >>> import diffkit as dk
        >>> print(dk.expr("x1^2 / 2").to_latex())
        \\frac{x_{1}^{2}}{2}
        """
        from .formulas import to_latex

        return to_latex(self)

    def _repr_latex_(self) -> str | None:
        try:
            return f"$\\displaystyle {self.to_latex()}$"
        except ExpressionError:  # an op without a SymPy counterpart: Jupyter shows the text instead
            return None

    def diff(self, wrt: str | Sequence[str] | None = None, n: int = 1, *, simplify: bool = False) -> Expr:
        """The derivative as an Expr, without a point: :func:`diffkit.diff` (SymPy, diffkit's kink conventions).

        Example
        -------
        >>> import diffkit as dk
        >>> dk.expr("sin(x) * y").diff("x")
        Expr('y*cos(x)', variables=('x', 'y'))
        """
        from ..symbolic.calculus import diff

        return diff(self, wrt, n, simplify=simplify)

    def __str__(self) -> str:
        if isinstance(self.source, str):
            return self.source
        from .printing import to_text

        return to_text(self.graph)

    def __repr__(self) -> str:
        text = self.source if isinstance(self.source, (str, list)) else str(self)
        return f"Expr({text!r}, variables={self.variables!r})"

    def _repr_html_(self) -> str:
        import html

        sym = self.to_sympy()
        return (f"<div><code>{html.escape(str(self))}</code> &nbsp; variables: "
                f"{html.escape(', '.join(self.variables))}</div><div>$${html.escape(_latex(sym))}$$</div>")

    # Composing Exprs: dk.sin(f), f + g, 2 * f. The result's variables are the
    # union, in order of appearance.
    @classmethod
    def _dk_apply(cls, op: Op, args: tuple, params: dict) -> Expr:
        exprs = [a for a in args if isinstance(a, Expr)]

        def body(**values):
            traced = [a.graph.evaluate(values)[0] if isinstance(a, Expr) else a for a in args]
            return Traced._dk_apply(op, tuple(traced), params)

        for e in exprs:
            if e.n_outputs != 1:
                raise ExpressionError(f"can only compose single-output Exprs; this one has {e.n_outputs}")
        names: list[str] = []
        for e in exprs:
            names += [n for n in e.variables if n not in names]
        return trace(body, variables=names)


def _latex(sym: Any) -> str:
    import sympy as sp

    if isinstance(sym, tuple):
        return r"\left(" + ", ".join(sp.latex(s) for s in sym) + r"\right)"
    return sp.latex(sym)


def trace(fn: Callable[..., Any], *, variables: Sequence[str] | None = None, **options: Any) -> Expr:
    """Record a Python function of scalars as an :class:`Expr`.

    The function is called once with traced placeholders; ``dk.sin``, NumPy
    ufuncs and Python operators on them record graph nodes. It may return one
    value or a tuple (several outputs).

    Parameters
    ----------
    fn : callable
        A function of its variables (its argument names become variable names;
        ``*args`` and ``**kwargs`` functions need ``variables=``).
    variables : sequence of str, optional
        Variable names, overriding the signature: positional arguments take
        them in order, keyword-only ones and ``**kwargs`` by name.
    **options
        For objects that know how they are traced (an ``nn.Module``:
        ``example=``, ``loss=``, ``target=``; see :mod:`diffkit.nn.tracing`).

    Example
    -------
    >>> import diffkit as dk
    >>> h = dk.trace(lambda x, y: dk.sin(x) * y)
    >>> round(float(h(x=1.0, y=2.0)), 6)
    1.682942
    >>> dk.trace(lambda *v: v[0] * v[1], variables=["a", "b"]).variables
    ('a', 'b')
    """
    if not callable(fn):
        raise ExpressionError(f"trace() needs a function, got {type(fn).__name__}")
    hook = getattr(fn, "_dk_trace_", None)
    if hook is not None:  # e.g. an nn.Module: its parameters become variables too
        return hook(variables=variables, **options)
    if options:
        raise ExpressionError(f"trace() got unexpected options {', '.join(sorted(options))}",
                              hint="example=, loss= and target= are for tracing an nn.Module")
    try:
        if isinstance(fn, np.ufunc):  # its signature lists out=, where=...; its inputs are x or x1, x2
            names = ["x"] if fn.nin == 1 else [f"x{i + 1}" for i in range(fn.nin)]
            params = [inspect.Parameter(n, inspect.Parameter.POSITIONAL_ONLY) for n in names]
        else:
            params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):  # a builtin without a signature: positional calls
        if variables is None:
            raise ExpressionError("can't read the function's arguments; pass variables=[...]") from None
        params = [inspect.Parameter("args", inspect.Parameter.VAR_POSITIONAL)]
    kinds = {p.kind for p in params}
    if variables is None:
        if kinds & {inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD}:
            raise ExpressionError("the function takes *args/**kwargs; pass variables=[...] to name them")
        variables = [p.name for p in params]
    variables = unique_names(variables)
    b = GraphBuilder()
    placeholders = [Traced(b, b.input(n)) for n in variables]
    args, kwargs = _arguments(params, variables, placeholders)
    out = fn(*args, **kwargs)
    outs = list(out) if isinstance(out, (tuple, list)) else [out]
    idx = [o.index if isinstance(o, Traced) and o.builder is b else b.const(o) for o in outs]
    return Expr(b.build(idx, variables=variables))


def _arguments(params: list, names: list[str], values: list) -> tuple[list, dict]:
    """How to call a function with these values for these variable names: in order for its positional
    parameters (whatever they are called: ``variables=`` renames them), by name for keyword-only ones
    and ``**kwargs``."""
    P = inspect.Parameter
    positional = [p for p in params if p.kind in (P.POSITIONAL_ONLY, P.POSITIONAL_OR_KEYWORD)]
    keyword = [p.name for p in params if p.kind == P.KEYWORD_ONLY]
    has_args = any(p.kind == P.VAR_POSITIONAL for p in params)
    has_kwargs = any(p.kind == P.VAR_KEYWORD for p in params)
    by_name = dict(zip(names, values))
    if has_kwargs and not positional and not has_args:
        return [], by_name
    if set(keyword) <= set(names) and (len(names) - len(keyword) == len(positional)
                                       or has_args and len(names) - len(keyword) >= len(positional)):
        rest = [v for n, v in by_name.items() if n not in keyword]
        return rest, {k: by_name[k] for k in keyword}
    shown = ", ".join(p.name for p in params) or "none"
    raise ExpressionError(f"variables={names!r} don't fit the function's arguments ({shown})",
                          hint="give one name per argument, in order")


def expr(source: Any, *, variables: Sequence[str] | None = None, outputs: Sequence[str] | None = None,
         parameters: Sequence[str] | None = None) -> Expr:
    """Make an :class:`Expr` from text, a program, a SymPy expression or a function.

    Parameters
    ----------
    source : str, list of str, sympy.Expr, Expr or callable
        ``"log(x1) + x1*x2 - sin(x2)"`` (``^`` and ``**`` both mean power, ``%`` is
        the remainder; ``pi`` and ``e`` are constants; every function of the ops
        table, listed in the README and by ``python -m diffkit.expr.vocabulary``);
        ``"x*y, x + y"`` for several outputs; a program
        ``["xx = xa^2", "xy = ab*xx + ac*xa"]`` whose statements that no other
        statement reads are the outputs; a SymPy expression; or a Python
        function (traced, as :func:`trace`).
    variables : sequence of str, optional
        Input order (default: order of first appearance; sorted by name for SymPy).
    outputs : sequence of str, optional
        For programs: which assigned names are outputs.
    parameters : sequence of str, optional
        For programs: names that are learnable parameters rather than vertices
        of ``depends_on``/``leads_to`` (default: the primer's convention).

    Raises
    ------
    ExpressionError
        Text that doesn't parse, unknown functions (with the nearest name),
        disallowed syntax, names assigned twice, cycles; with the position.

    Example
    -------
    >>> import diffkit as dk
    >>> g = dk.expr(["xx = xa^2", "xy = ab*xx + ac*xa", "xw = cd*xx + xy^3"])
    >>> g.variables
    ('xa', 'ab', 'ac', 'cd')
    >>> g.graph.depends_on
    {'xx': ['xa'], 'xy': ['xa', 'xx'], 'xw': ['xx', 'xy']}
    """
    if isinstance(source, Expr):
        return source
    if isinstance(source, str) or (isinstance(source, (list, tuple)) and source and
                                   all(isinstance(s, str) for s in source)):
        src = source if isinstance(source, str) else list(source)
        return Expr(parse(src, variables=variables, outputs=outputs, parameters=parameters), src)
    try:
        import sympy as sp

        if isinstance(source, sp.Basic) or (isinstance(source, (list, tuple, sp.MatrixBase)) and source
                                            and all(isinstance(s, sp.Basic) for s in source)):
            return Expr(from_sympy(source, variables=variables))
    except ImportError:  # pragma: no cover - sympy is a dependency
        pass
    if callable(source):
        return trace(source, variables=variables)
    raise ExpressionError(
        f"can't make an expression from {type(source).__name__}",
        hint="give a string such as 'sin(x)*y', a list of 'name = expression' statements, "
             "a SymPy expression, or a Python function")


def as_expr(f: Any) -> Expr:
    """Coerce what a differentiator was given (Expr, text, SymPy, function) to an Expr.

    Example
    -------
    >>> from diffkit.expr.expr import as_expr
    >>> as_expr(lambda x, y: x * y).variables
    ('x', 'y')
    """
    return expr(f)
