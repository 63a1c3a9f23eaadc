"""The lecture's trace tables: primal, tangent (forward mode) and adjoint (reverse mode).

Each row names a node, gives the rule that computes it in the lecture's
notation (``v̇_2 = v̇_-1 * v_0 + v_-1 * v̇_0``, ``v̄_-1 = v̄_-1 + v̄_1 / v_-1``)
and its value. The rule text is not written per op anywhere: the same JVP and
VJP rules of the ops table that compute the numbers are run once more on
placeholder values that print themselves, so the formulas always match what
the engine does.

Example
-------
>>> import diffkit as dk
>>> t = dk.ad.reverse_trace(dk.expr("log(x1) + x1*x2 - sin(x2)"), at={"x1": 2.0, "x2": 5.0})
>>> t.rows[-2][0], round(t.rows[-2][-1], 3), round(t.rows[-1][-1], 3)
('x̄1', 5.5, 1.716)
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..compare.base import plain
from ..errors import ExpressionError
from ..expr.arithmetic import OpArithmetic
from ..expr.graph import Graph, trace_value
from ..expr.ops import OPS, Op
from ..table import Table, fmt
from .forward import tangent_sweep
from .reverse import adjoint_sweep

__all__ = ["forward_trace", "reverse_trace"]

_BAR = "\u0304"  # combining macron: v̄
_DOT = "\u0307"  # combining dot above: v̇
_ATOM = 100  # precedence of a name or a delimited call such as ln(v)
_APPLY = 35  # precedence of "sin v_0": binds tighter than *, looser than ^


class _Formula(OpArithmetic):
    """A placeholder that prints the rule applied to it, in the lecture's notation."""

    __slots__ = ("text", "prec")
    _dk_level = 100

    def __init__(self, text: str, prec: int = _ATOM):
        self.text, self.prec = text, prec

    @staticmethod
    def of(v: Any) -> _Formula:
        if isinstance(v, _Formula):
            return v
        text = fmt(v)
        return _Formula(text, 30 if text.startswith("-") else _ATOM)

    @classmethod
    def _dk_apply(cls, op: Op, args: tuple, params: dict) -> Any:
        numbers = [a for a in args if not isinstance(a, _Formula)]
        if len(numbers) == len(args):  # constants in a rule, e.g. the exponent y - 1
            return op.impl(np, *args, **params).item()
        if op.name == "pow" and args[1] == 1 or op.name == "mul" and args[1] == 1:
            return args[0]
        if op.name == "mul" and args[0] == 1:
            return args[1]
        fs = [cls.of(a) for a in args]
        if op.name == "add" and fs[1].prec == 30 and fs[1].text.startswith("-"):
            # a + -b reads as a - b (the sum of tangent contributions of sub)
            return cls._dk_apply(OPS["sub"], (fs[0], _Formula(fs[1].text[1:], 31)), params)
        if op.infix is not None and op.arity == 2:
            p = op.precedence
            loose_right = op.name not in ("add", "mul")
            left = fs[0].text if fs[0].prec >= p else f"({fs[0].text})"
            right = fs[1].text if fs[1].prec > p or (fs[1].prec == p and not loose_right) else f"({fs[1].text})"
            return cls(op.template.format(left, right), p)
        if op.infix is not None:
            inner = fs[0].text if fs[0].prec > op.precedence else f"({fs[0].text})"
            return cls(op.template.format(inner), op.precedence)
        texts = []
        delimited = True
        for k, f in enumerate(fs):
            slot = re.escape("{" + str(k) + "}")
            enclosed = re.search(rf"[(|\[,] ?{slot}|{slot} ?[)|\],]", op.template) is not None
            delimited &= enclosed
            texts.append(f.text if enclosed or f.prec >= _ATOM else f"({f.text})")
        return cls(op.template.format(*texts), _ATOM if delimited else _APPLY)


    def __repr__(self) -> str:
        return self.text


def _mark(label: str, accent: str) -> str:
    """``v_1`` -> ``v̄_1``: the accent goes on the first character (composed where Unicode
    has the letter, so ``ẏ_1`` compares equal to what a user types)."""
    return unicodedata.normalize("NFC", label[:1] + accent + label[1:])


def _prepare(f: Any, at: Mapping[str, Any] | None) -> tuple[Graph, dict, list]:
    from ..expr.expr import Expr, as_expr
    from .scalarize import trace_arrays, trace_tensor

    if hasattr(f, "grad_fn") and hasattr(f, "backward"):  # a Tensor: its recorded graph, entry by entry
        if at is not None and not isinstance(at, Mapping):
            raise ExpressionError("at= names the Tensor's leaves for a recorded graph: at={'x': x, 'w': w}")
        f, at = trace_tensor(f, at)
    elif callable(f) and not isinstance(f, Expr) and not hasattr(f, "free_symbols"):  # a Tensor program
        if not isinstance(at, Mapping):
            raise ExpressionError("at= must map the function's arguments to arrays, e.g. at={'x': x, 'w': w}")
        f, at = trace_arrays(f, at)
    f = as_expr(f)
    if not isinstance(at, Mapping):
        raise ExpressionError("at= must map variable names to values, e.g. at={'x1': 2.0, 'x2': 5.0}")
    # NumPy scalars, not Python floats: x/0 is inf with a warning, as everywhere else, not ZeroDivisionError
    values = {k: _ieee(v) for k, v in f.bind(at).items()}
    graph = f.graph
    return graph, values, graph.evaluate(values, keep=True)


def _ieee(v: Any) -> Any:
    return np.float64(v) if isinstance(v, float) else v


def _primal_rows(graph: Graph, vals: list) -> list[list[Any]]:
    rows = [[graph.label(i), graph.nodes[i].name, vals[i]] for i in graph.inputs]
    rows += [[graph.label(i), graph.formula(i), vals[i]] for i in graph.op_nodes]
    rows += [[name, graph.label(o), vals[o]] for name, o in zip(graph.output_names, graph.outputs)]
    return rows


def _point(values: Mapping[str, Any]) -> str:
    return ", ".join(f"{k} = {trace_value(v)}" for k, v in values.items())


def forward_trace(f: Any, at: Mapping[str, Any], seed: Mapping[str, Any] | str | None = None) -> Table:
    """The forward primal trace and the tangent trace of ``f`` at a point, as in the lecture.

    Parameters
    ----------
    f : Expr, str, SymPy expression, a function of arrays or Tensors, or a Tensor
        Tensor programs are traced entry by entry, as in :func:`reverse_trace`.
    at : mapping
        The point, ``{"x1": 2.0, "x2": 5.0}`` (arrays of points work too).
    seed : mapping or str, optional
        The input tangents ``ẋ``: ``{"x1": 1.0}`` (missing variables get 0)
        or a variable name for its unit vector. Default: the first variable.

    Returns
    -------
    Table
        Rows ``node, rule, value``: the primal rows ``v_-1 ... y_1`` then the
        tangent rows ``v̇_-1 ... ẏ_1``. ``print`` it, or ``.to_markdown()``,
        ``.to_html()``.

    Example
    -------
    >>> import diffkit as dk
    >>> print(dk.ad.forward_trace("log(x1) + x1*x2 - sin(x2)", at={"x1": 2.0, "x2": 5.0}, seed={"x1": 1.0}))
    Forward mode trace at x1 = 2, x2 = 5 with seed ẋ1 = 1, ẋ2 = 0
    node  rule                      value
    ----  -----------------------  ------
    v_-1  x1                            2
    v_0   x2                            5
    v_1   ln(v_-1)                  0.693
    v_2   v_-1 * v_0                   10
    v_3   sin v_0                  -0.959
    v_4   v_1 + v_2                10.693
    v_5   v_4 - v_3                11.652
    y_1   v_5                      11.652
    v̇_-1  ẋ1                            1
    v̇_0   ẋ2                            0
    v̇_1   v̇_-1 / v_-1                 0.5
    v̇_2   v̇_-1 * v_0 + v_-1 * v̇_0       5
    v̇_3   v̇_0 * cos v_0                 0
    v̇_4   v̇_1 + v̇_2                   5.5
    v̇_5   v̇_4 - v̇_3                   5.5
    ẏ_1   v̇_5                         5.5
    """
    graph, values, vals = _prepare(f, at)
    names = graph.variables
    if seed is None:
        seed = {names[0]: 1.0} if names else {}
    elif isinstance(seed, str):
        seed = {seed: 1.0}
    unknown = [k for k in seed if k not in names]
    if unknown:
        raise ExpressionError(f"seed names {unknown}, which are not variables; the variables are {names}")
    seeds = {n: _ieee(seed.get(n, 0.0)) for n in names}
    for n, v in seeds.items():
        if isinstance(v, (str, bytes, bool)) or not isinstance(v, (int, float, complex)) and not hasattr(v, "dtype"):
            raise ExpressionError(f"seed for {n!r} must be a number (the tangent ẋ), got {v!r}")
    dots = tangent_sweep(graph, vals, {i: seeds[graph.nodes[i].name] for i in graph.inputs})
    labels = {i: _Formula(graph.label(i)) for i in range(len(graph.nodes))}
    dot = {i: _Formula(_mark(graph.label(i), _DOT)) for i in range(len(graph.nodes))}
    for node in graph.nodes:
        if node.is_const:
            labels[node.index] = node.value
    rows = _primal_rows(graph, vals)
    for i in graph.inputs:
        rows.append([_mark(graph.label(i), _DOT), _mark(graph.nodes[i].name, _DOT), dots[i]])
    for i in graph.op_nodes:
        node = graph.nodes[i]
        ts = tuple(dot[a] if not graph.nodes[a].is_const else None for a in node.args)
        rule = node.op.jvp_of(ts, labels[i], tuple(labels[a] for a in node.args), node.params)
        value = dots[i] if dots[i] is not None else 0.0
        rows.append([_mark(graph.label(i), _DOT), "0" if rule is None else _Formula.of(rule).text, value])
    for name, o in zip(graph.output_names, graph.outputs):
        rows.append([_mark(name, _DOT), _mark(graph.label(o), _DOT), 0.0 if dots[o] is None else dots[o]])
    shown = ", ".join(f"{_mark(n, _DOT)} = {trace_value(seeds[n])}" for n in names)
    rows = [r[:-1] + [plain(r[-1])] for r in rows]
    return Table(["node", "rule", "value"], rows, formatter=trace_value,
                 title=f"Forward mode trace at {_point(values)} with seed {shown}")


def reverse_trace(f: Any, at: Mapping[str, Any] | None = None, seed: Mapping[str, Any] | str | None = None) -> Table:
    """The forward primal trace and the reverse adjoint trace of ``f`` at a point.

    The adjoint rows come in the order the sweep runs (the lecture prints the
    same rows bottom-up): ``v̄_5 = ȳ_1 = 1``, then for each node from the
    last to the first, the contribution to each argument's adjoint, written
    as ``v̄_j = v̄_i ∂v_i/∂v_j`` the first time and ``v̄_j = v̄_j + ...`` when a
    node fans out and contributions accumulate. The last rows give ``x̄``.

    Parameters
    ----------
    f : Expr, str, SymPy expression, a function of arrays or Tensors, or a Tensor
        A Tensor program is traced entry by entry (every entry of every
        argument a variable ``w_0_1``, see :mod:`diffkit.ad.scalarize`); a Tensor
        output is replayed from its recorded graph (before ``backward()``).
    at : mapping
        The point; for a function of arrays, its arguments by name; for a
        Tensor output, optional names of its leaves (``{"x": x, "w": w}``;
        otherwise they are called ``t1``, ``t2``...).
    seed : mapping or str, optional
        Output adjoints ``ȳ`` by output name (default: 1 for the first output);
        an output's name alone seeds it with 1.

    Returns
    -------
    Table
        Rows ``node, chain rule, rule, value``.

    Example
    -------
    >>> import diffkit as dk
    >>> t = dk.ad.reverse_trace("log(x1) + x1*x2 - sin(x2)", at={"x1": 2.0, "x2": 5.0})
    >>> print(t.to_markdown().splitlines()[-7])
    | v̄_-1 | v̄_2 ∂v_2/∂v_-1 | v̄_2 * v_0 | 5 |
    >>> x = dk.tensor([1.0, -2.0], requires_grad=True)
    >>> t = dk.ad.reverse_trace((x * x).relu().sum(), at={"x": x})
    >>> [(r[0], r[-1]) for r in t.rows[-2:]]
    [('x̄_0', 2.0), ('x̄_1', -4.0)]
    """
    graph, values, vals = _prepare(f, at)
    outs = graph.output_names
    if seed is None:
        seed = {outs[0]: 1.0}
    elif isinstance(seed, str):  # an output's name: its adjoint seeded with 1, as forward_trace does
        seed = {seed: 1.0}
    unknown = [k for k in seed if k not in outs]
    if unknown:
        raise ExpressionError(f"seed names {unknown}, which are not outputs; the outputs are {outs}")
    label = graph.label
    bar = lambda i: _mark(label(i), _BAR)  # noqa: E731
    rows = [r[:1] + [""] + r[1:] for r in _primal_rows(graph, vals)]
    seeds: dict[int, Any] = {}
    for name, o in zip(outs, graph.outputs):
        if name in seed:
            seeds[o] = _ieee(seed[name]) if o not in seeds else seeds[o] + seed[name]
            rows.append([bar(o), "", _mark(name, _BAR), seeds[o]])
    running: dict[int, Any] = dict(seeds)
    labels = [graph.nodes[j].value if graph.nodes[j].is_const else _Formula(label(j))
              for j in range(len(graph.nodes))]

    def record(i: int, k: int, j: int, accumulated: bool, ct: Any) -> None:
        node = graph.nodes[i]
        needs = tuple(p == k for p in range(len(node.args)))
        rule = node.op.vjps(_Formula(bar(i)), labels[i], tuple(labels[a] for a in node.args),
                            node.params, needs)[k]
        rule = _Formula.of(rule)
        chain = f"{bar(i)} ∂{label(i)}/∂{label(j)}"
        text = rule.text
        if accumulated:
            chain = f"{bar(j)} + {chain}"
            text = f"{bar(j)} + " + (text if rule.prec >= 10 else f"({text})")
            running[j] = running[j] + ct
        else:
            running[j] = ct
        rows.append([bar(j), chain, text, running[j]])

    inputs = list(graph.inputs)
    bars = adjoint_sweep(graph, vals, seeds, inputs, record=record)
    for i in inputs:
        rows.append([_mark(graph.nodes[i].name, _BAR), "", bar(i), 0.0 if bars[i] is None else bars[i]])
    shown = ", ".join(f"{_mark(n, _BAR)} = {trace_value(v)}" for n, v in seed.items())
    rows = [r[:-1] + [plain(r[-1])] for r in rows]
    return Table(["node", "chain rule", "rule", "value"], rows, formatter=trace_value,
                 title=f"Reverse mode trace at {_point(values)} with seed {shown}",
                 notes=["Adjoint rows are listed in the order the sweep runs (the lecture reads them bottom-up)."])
