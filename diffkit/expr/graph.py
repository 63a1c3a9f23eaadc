"""The computational graph every method reads: SSA nodes ``v_i = op(v_j, ...)``.

A :class:`Graph` is a straight-line program. Its inputs are the variables
``v_{1-n} .. v_0`` (the lecture's numbering), its op nodes ``v_1 .. v_l`` come
in topological order (by level: an op is numbered after everything it reads,
and ops of the same level in the order they were written), constants are
inlined literals, and some nodes are marked as outputs ``y_1 .. y_m``.

Nodes are plain records with ``__slots__`` (no closures, no reference cycles),
and evaluation is one loop over the list, applying each op through
:func:`~diffkit.expr.ops.apply`: on arrays it computes (vectorised, NumPy
broadcasting, dtypes kept), on Tensors it records a tape, on traced values it
builds another graph. So the same graph feeds every engine.

Example
-------
>>> import diffkit as dk
>>> g = dk.expr("log(x1) + x1*x2 - sin(x2)").graph
>>> [g.label(i) for i in g.op_nodes]
['v_1', 'v_2', 'v_3', 'v_4', 'v_5']
>>> g.depends_on["v_4"]
['v_1', 'v_2']
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..errors import ExpressionError
from ..table import Table, fmt
from .counting import COUNTER
from .ops import OPS, Op, apply

__all__ = ["Node", "Graph", "GraphBuilder", "check_name", "unique_names"]


class Node:
    """One SSA node: an input (``op is None``, ``value is None``), a constant
    (``op is None``, ``value`` set) or an op applied to earlier nodes.

    Example
    -------
    >>> import diffkit as dk
    >>> node = dk.expr("sin(x)").graph.nodes[-1]
    >>> node.op.name, node.args
    ('sin', (0,))
    """

    __slots__ = ("index", "op", "args", "params", "name", "value")

    def __init__(self, index: int, op: Op | None, args: tuple[int, ...] = (),
                 params: Mapping[str, Any] | None = None, name: str | None = None,
                 value: Any = None):
        self.index = index
        self.op = op
        self.args = args
        self.params = dict(params or {})
        self.name = name
        self.value = value

    @property
    def is_input(self) -> bool:
        """Whether this node is a variable.

        Example
        -------
        >>> import diffkit as dk
        >>> [n.is_input for n in dk.expr("2*x").graph.nodes]
        [True, False, False]
        """
        return self.op is None and self.value is None

    @property
    def is_const(self) -> bool:
        """Whether this node is an inlined constant.

        Example
        -------
        >>> import diffkit as dk
        >>> [n.is_const for n in dk.expr("2*x").graph.nodes]
        [False, True, False]
        """
        return self.op is None and self.value is not None

    def __repr__(self) -> str:
        if self.is_input:
            return f"Node({self.index}, input {self.name!r})"
        if self.is_const:
            return f"Node({self.index}, const {self.value!r})"
        return f"Node({self.index}, {self.op.name}{self.args})"


def check_name(name: Any, what: str = "a variable") -> str:
    """``name`` if it can name a variable (an ASCII identifier not starting with ``__``), else an ExpressionError.

    Names reach code, LaTeX and HTML (traces, adjoint programs, ``_repr_html_``):
    identifiers need no escaping there, and ASCII keeps look-alike letters
    (``ｘ``, ``𝐱``) from passing for ``x``.

    Example
    -------
    >>> from diffkit.expr.graph import check_name
    >>> check_name("x1")
    'x1'
    """
    if not (isinstance(name, str) and name.isascii() and name.isidentifier() and not name.startswith("__")):
        shown = repr(name) if isinstance(name, str) else f"a {type(name).__name__}"
        raise ExpressionError(f"{what} is named {shown:.80}: names are ASCII identifiers",
                              hint="use letters, digits and _ (not starting with a digit or '__'), e.g. x, x1, theta")
    return name


def unique_names(variables: Any, what: str = "variables=") -> list[str]:
    """``variables=`` as a list of valid names, or an ExpressionError naming what is wrong
    (not a list of strings, a name that is not an identifier, a name given twice).

    Example
    -------
    >>> from diffkit.expr.graph import unique_names
    >>> unique_names(("x", "y"))
    ['x', 'y']
    """
    if isinstance(variables, str) or not isinstance(variables, Sequence):
        raise ExpressionError(f"{what} must be a list of names, got {type(variables).__name__}",
                              hint=f"for example {what}['x', 'y']")
    variables = [check_name(n, f"an entry of {what}") for n in variables]
    twice = sorted({n for n in variables if variables.count(n) > 1})
    if twice:
        raise ExpressionError(f"{what} names {', '.join(map(repr, twice))} more than once",
                              hint="give each variable once")
    return variables


class GraphBuilder:
    """Appends nodes while parsing or tracing; :meth:`build` orders and freezes them.

    Example
    -------
    >>> from diffkit.expr.graph import GraphBuilder
    >>> b = GraphBuilder()
    >>> x = b.input("x")
    >>> y = b.apply("mul", (x, b.const(2.0)))
    >>> g = b.build([y])
    >>> float(g.evaluate({"x": 3.0})[0])
    6.0
    """

    def __init__(self) -> None:
        self.nodes: list[Node] = []
        self._inputs: dict[str, int] = {}
        self._consts: dict[tuple, int] = {}

    def input(self, name: str) -> int:
        """The node of variable ``name`` (created on first use, so order is first appearance).

        Example
        -------
        >>> from diffkit.expr.graph import GraphBuilder
        >>> b = GraphBuilder()
        >>> b.input("x"), b.input("y"), b.input("x")
        (0, 1, 0)
        """
        if name not in self._inputs:
            self._inputs[name] = self._add(Node(len(self.nodes), None, name=name))
        return self._inputs[name]

    def const(self, value: Any) -> int:
        """A constant node (numbers are stored as Python floats: no int-power traps,
        and float32 inputs stay float32 under NumPy's weak-scalar rules).

        Example
        -------
        >>> from diffkit.expr.graph import GraphBuilder
        >>> b = GraphBuilder()
        >>> c = b.const(2)
        >>> c == b.const(2.0), b.nodes[c]  # one node per value
        (True, Node(0, const 2.0))
        """
        if isinstance(value, bool) or not isinstance(value, (int, float, complex)):
            try:
                value = value.item() if getattr(value, "shape", None) == () else value
            except AttributeError:
                pass
        if isinstance(value, bool) or not isinstance(value, (int, float, complex)):
            raise ExpressionError(
                f"an Expr can only hold scalar constants, got {type(value).__name__}",
                hint="pass arrays as variable values when you call the Expr instead")
        value = complex(value) if isinstance(value, complex) else float(value)
        key = (type(value), value)
        if key not in self._consts:
            self._consts[key] = self._add(Node(len(self.nodes), None, value=value))
        return self._consts[key]

    def apply(self, op: str | Op, args: Sequence[int], params: Mapping[str, Any] | None = None) -> int:
        """Append ``op(args)`` and return its node index.

        Example
        -------
        >>> from diffkit.expr.graph import GraphBuilder
        >>> b = GraphBuilder()
        >>> i = b.apply("sin", (b.input("x"),))
        >>> i, b.nodes[i]
        (1, Node(1, sin(0,)))
        """
        op = OPS[op] if isinstance(op, str) else op
        if op.arity >= 0 and len(args) != op.arity:
            raise ExpressionError(f"{op.name}() takes {op.arity} argument(s), got {len(args)}")
        return self._add(Node(len(self.nodes), op, tuple(args), params))

    def _add(self, node: Node) -> int:
        self.nodes.append(node)
        return node.index

    def build(self, outputs: Sequence[int], output_names: Sequence[str] | None = None,
              variables: Sequence[str] | None = None, parameters: Sequence[str] = ()) -> Graph:
        """Freeze into a :class:`Graph` with inputs first, then ops by level.

        Example
        -------
        >>> from diffkit.expr.graph import GraphBuilder
        >>> b = GraphBuilder()
        >>> s = b.apply("add", (b.apply("mul", (b.input("x"), b.const(2.0))), b.input("y")))
        >>> print(b.build([s], variables=["x", "y"]).to_text())
        v_-1 = x
        v_0 = y
        v_1 = v_-1 * 2
        v_2 = v_1 + v_0
        y_1 = v_2
        """
        names = list(self._inputs)
        if variables is not None:
            variables = unique_names(variables)
            unknown = [n for n in names if n not in variables]
            if unknown:
                raise ExpressionError(
                    f"the expression uses {', '.join(map(repr, unknown))}, not among variables={variables!r}",
                    hint="list every name the expression uses in variables=")
            for n in variables:  # declared but unused variables are still inputs
                self.input(n)
            names = variables
        level = [0] * len(self.nodes)
        for node in self.nodes:  # nodes are appended after their arguments
            if node.op is not None:
                level[node.index] = 1 + max((level[a] for a in node.args), default=0)
        inputs = [self._inputs[n] for n in names]
        consts = [n.index for n in self.nodes if n.is_const]
        ops = sorted((n.index for n in self.nodes if n.op is not None), key=lambda i: (level[i], i))
        order = inputs + consts + ops
        new = {old: new for new, old in enumerate(order)}
        nodes = []
        for old in order:
            n = self.nodes[old]
            nodes.append(Node(new[old], n.op, tuple(new[a] for a in n.args), n.params, n.name, n.value))
        return Graph(nodes, tuple(range(len(inputs))), tuple(new[o] for o in outputs),
                     output_names, parameters)


class Graph:
    """A straight-line program of primitive ops, in topological order.

    Attributes
    ----------
    nodes : list of Node
        Inputs first, then constants, then op nodes in evaluation order.
    inputs : tuple of int
        Node indices of the variables, in the order of :attr:`variables`.
    outputs : tuple of int
        Node indices of the outputs.
    output_names : tuple of str
        ``y_1``... unless a program named them.
    parameters : frozenset of str
        Variables treated as learnable parameters in :attr:`depends_on` /
        :attr:`leads_to` (the primer's convention for programs).

    Example
    -------
    >>> import diffkit as dk
    >>> g = dk.expr("x*y + x").graph
    >>> g.variables, len(g.op_nodes)
    (('x', 'y'), 2)
    >>> float(g.evaluate({"x": 2.0, "y": 3.0})[0])
    8.0
    """

    def __init__(self, nodes: list[Node], inputs: tuple[int, ...], outputs: tuple[int, ...],
                 output_names: Sequence[str] | None = None, parameters: Sequence[str] = ()):
        self.nodes = nodes
        self.inputs = inputs
        self.outputs = outputs
        self.output_names = tuple(output_names) if output_names else tuple(
            f"y_{k + 1}" for k in range(len(outputs)))
        self.parameters = frozenset(parameters)
        self.op_nodes = tuple(n.index for n in nodes if n.op is not None)
        self._labels = self._number()

    # -- naming --------------------------------------------------------------
    @property
    def variables(self) -> tuple[str, ...]:
        """Variable names in input order.

        Example
        -------
        >>> import diffkit as dk
        >>> dk.expr("log(x1) + x1*x2 - sin(x2)").graph.variables
        ('x1', 'x2')
        """
        return tuple(self.nodes[i].name for i in self.inputs)

    def _number(self) -> list[str]:
        labels = [""] * len(self.nodes)
        n = len(self.inputs)
        for k, i in enumerate(self.inputs):
            labels[i] = f"v_{k + 1 - n}"
        for k, i in enumerate(self.op_nodes):
            labels[i] = f"v_{k + 1}"
        for node in self.nodes:
            if node.is_const:
                labels[node.index] = fmt(node.value)
        return labels

    def label(self, i: int) -> str:
        """The lecture's name of node ``i``: ``v_-1``, ``v_0``, ``v_1``...; constants print as literals.

        Example
        -------
        >>> import diffkit as dk
        >>> g = dk.expr("log(x1) + x1*x2 - sin(x2)").graph
        >>> [g.label(i) for i in range(len(g.nodes))]
        ['v_-1', 'v_0', 'v_1', 'v_2', 'v_3', 'v_4', 'v_5']
        """
        return self._labels[i]

    def vertex(self, i: int) -> str:
        """Name of node ``i`` in :attr:`depends_on`: its program name if it has one, else its label.

        Example
        -------
        >>> import diffkit as dk
        >>> g = dk.expr(["xx = xa^2", "xy = ab*xx + ac*xa"]).graph
        >>> g.vertex(0), g.label(0), g.vertex(g.op_nodes[0])
        ('xa', 'v_-2', 'xx')
        """
        return self.nodes[i].name or self._labels[i]

    def formula(self, i: int, names=None) -> str:
        """``op(args)`` for node ``i`` in terms of argument labels (or ``names(j)``).

        Example
        -------
        >>> import diffkit as dk
        >>> g = dk.expr("log(x1) + x1*x2 - sin(x2)").graph
        >>> g.formula(g.op_nodes[1]), g.formula(g.op_nodes[1], names=g.vertex)
        ('v_-1 * v_0', 'x1 * x2')
        """
        node = self.nodes[i]
        names = names or self.label
        return node.op.template.format(*(names(a) for a in node.args))

    # -- structure -----------------------------------------------------------
    def _named_vertices(self) -> bool:
        return any(self.nodes[i].name for i in self.op_nodes)

    def _is_vertex(self, i: int, named: bool) -> bool:
        node = self.nodes[i]
        if node.is_const:
            return False
        if node.is_input:
            return node.name not in self.parameters
        return bool(node.name) or not named

    def _vertex_sources(self, i: int, named: bool) -> list[int]:
        """The vertices node ``i`` reads, looking through unnamed intermediate nodes."""
        seen, out, stack = set(), [], list(self.nodes[i].args)
        while stack:
            j = stack.pop()
            if j in seen:
                continue
            seen.add(j)
            if self._is_vertex(j, named):
                out.append(j)
            elif self.nodes[j].op is not None:
                stack.extend(self.nodes[j].args)
        return sorted(out)

    @property
    def depends_on(self) -> dict[str, list[str]]:
        """For each vertex, the vertices it reads directly (the primer's ``depends_on``).

        In a program (a list of ``name = expression`` statements) the vertices
        are the named statements and the variables that are not parameters;
        in a single expression every op node ``v_i`` is a vertex.

        Example
        -------
        >>> import diffkit as dk
        >>> dk.expr("log(x1) + x1*x2 - sin(x2)").graph.depends_on
        {'v_1': ['x1'], 'v_2': ['x1', 'x2'], 'v_3': ['x2'], 'v_4': ['v_1', 'v_2'], 'v_5': ['v_3', 'v_4']}
        >>> dk.expr(["xx = xa^2", "xy = ab*xx + ac*xa", "xw = cd*xx + xy^3"]).graph.depends_on
        {'xx': ['xa'], 'xy': ['xa', 'xx'], 'xw': ['xx', 'xy']}
        """
        named = self._named_vertices()
        return {self.vertex(i): [self.vertex(j) for j in self._vertex_sources(i, named)]
                for i in self.op_nodes if self._is_vertex(i, named)}

    @property
    def leads_to(self) -> dict[str, list[str]]:
        """For each vertex, the vertices that read it (the primer's ``leads_to``).

        Example
        -------
        >>> import diffkit as dk
        >>> dk.expr(["xx = xa^2", "xy = ab*xx + ac*xa", "xw = cd*xx + xy^3"]).graph.leads_to
        {'xa': ['xx', 'xy'], 'xx': ['xy', 'xw'], 'xy': ['xw']}
        """
        out: dict[str, list[str]] = {}
        for v, deps in self.depends_on.items():
            for d in deps:
                out.setdefault(d, []).append(v)
        order = {self.vertex(i): i for i in range(len(self.nodes))}
        return dict(sorted(out.items(), key=lambda kv: order[kv[0]]))

    def consumers(self) -> list[list[int]]:
        """For each node, the op nodes that read it (fan-out, for adjoint sums).

        Example
        -------
        >>> import diffkit as dk
        >>> g = dk.expr("log(x1) + x1*x2 - sin(x2)").graph
        >>> [[g.label(j) for j in c] for c in g.consumers()][:2]  # who reads x1, x2
        [['v_1', 'v_2'], ['v_2', 'v_3']]
        """
        out: list[list[int]] = [[] for _ in self.nodes]
        for i in self.op_nodes:
            for a in self.nodes[i].args:
                out[a].append(i)
        return out

    def __len__(self) -> int:
        return len(self.op_nodes)

    # -- evaluation ----------------------------------------------------------
    def evaluate(self, values: Mapping[str, Any], *, keep: bool = False, count: bool = True) -> list[Any]:
        """Evaluate every node; returns the outputs (or all node values if ``keep``).

        Values may be floats, arrays (any namespace, broadcasting), Tensors or
        traced values: each op goes through :func:`~diffkit.expr.ops.apply`.
        ``count=False`` leaves the evaluation counter alone (for re-tracing a
        graph into another, which evaluates nothing).

        Example
        -------
        >>> import diffkit as dk
        >>> g = dk.expr("log(x1) + x1*x2 - sin(x2)").graph
        >>> [round(float(v), 3) for v in g.evaluate({"x1": 2.0, "x2": 5.0})]
        [11.652]
        >>> [round(float(v), 3) for v in g.evaluate({"x1": 2.0, "x2": 5.0}, keep=True)][2:]  # v_1 .. v_5
        [0.693, 10.0, -0.959, 10.693, 11.652]
        """
        vals: list[Any] = [None] * len(self.nodes)
        for i in self.inputs:
            vals[i] = values[self.nodes[i].name]
        for node in self.nodes:
            if node.is_const:
                vals[node.index] = node.value
        nodes = self.nodes
        for i in self.op_nodes:
            node = nodes[i]
            vals[i] = apply(node.op, *[vals[a] for a in node.args], **node.params)
        if count:
            COUNTER.evals += 1
        return vals if keep else [vals[o] for o in self.outputs]

    # -- display -------------------------------------------------------------
    def primal_trace(self, values: Mapping[str, Any]) -> Table:
        """The forward primal trace, as in the lecture (``v_-1 = x1 = 2`` ...).

        Example
        -------
        >>> import diffkit as dk
        >>> f = dk.expr("log(x1) + x1*x2 - sin(x2)")
        >>> print(f.graph.primal_trace({"x1": 2.0, "x2": 5.0}))
        Forward primal trace
        node  definition   value
        ----  ----------  ------
        v_-1  x1               2
        v_0   x2               5
        v_1   ln(v_-1)     0.693
        v_2   v_-1 * v_0      10
        v_3   sin v_0     -0.959
        v_4   v_1 + v_2   10.693
        v_5   v_4 - v_3   11.652
        y_1   v_5         11.652
        """
        vals = self.evaluate(values, keep=True)
        rows = []
        for i in self.inputs:
            rows.append([self.label(i), self.nodes[i].name, vals[i]])
        for i in self.op_nodes:
            rows.append([self.label(i), self.formula(i), vals[i]])
        for name, o in zip(self.output_names, self.outputs):
            rows.append([name, self.label(o), vals[o]])
        return Table(["node", "definition", "value"], rows, title="Forward primal trace",
                     formatter=trace_value)

    def to_text(self) -> str:
        """The program, one SSA line per node.

        Example
        -------
        >>> import diffkit as dk
        >>> print(dk.expr("sin(x) * y").graph.to_text())
        v_-1 = x
        v_0 = y
        v_1 = sin v_-1
        v_2 = v_1 * v_0
        y_1 = v_2
        """
        lines = [f"{self.label(i)} = {self.nodes[i].name}" for i in self.inputs]
        for i in self.op_nodes:
            name = f"   # {self.nodes[i].name}" if self.nodes[i].name else ""
            lines.append(f"{self.label(i)} = {self.formula(i)}{name}")
        lines += [f"{n} = {self.label(o)}" for n, o in zip(self.output_names, self.outputs)]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (f"Graph({len(self.inputs)} inputs, {len(self.op_nodes)} ops, "
                f"{len(self.outputs)} outputs)\n" + self.to_text())

    def _repr_html_(self) -> str:
        return "<pre>" + self.to_text().replace("&", "&amp;").replace("<", "&lt;") + "</pre>"


def trace_value(v: Any) -> str:
    """Trace cells as the lecture prints them: at most three decimals (``0.693``, ``11.652``)."""
    if isinstance(v, str):
        return v
    try:
        x = float(v)
    except (TypeError, ValueError):
        return fmt(v)
    if x != 0 and (abs(x) >= 1e6 or abs(x) < 1e-3):
        return f"{x:.4g}"
    s = f"{x:.3f}".rstrip("0").rstrip(".")
    return "0" if s == "-0" else s
