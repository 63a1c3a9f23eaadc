"""Tensor programs as scalar Exprs: every entry of every array a variable of its own.

An :class:`~diffkit.Expr` is an elementwise program of scalars -- the lecture's
traces, graphs, adjoint code and op counts all read it. A Tensor program
(``(x @ w).relu().sum()``, an ``nn.Module``'s forward) is written with arrays.
This module runs such a program on :class:`TracedArray` values: arrays whose
entries are traced scalars, so each op of the table applies entry by entry
(``matmul`` becomes the sums of products it is) and records scalar nodes. The
result is an Expr whose variables are the entries, named ``w_0_1`` for
``w[0, 1]``; its graph, traces, ``adjoint_source`` and op counts are those of
the program at that size. Structure-only ops (reshape, transpose, indexing)
record nothing. Ops that compare values (``max``, ``sort``, ``log_softmax``'s
stabiliser) can't be recorded this way and are refused with their name.

Example
-------
>>> import numpy as np
>>> from diffkit.ad.scalarize import trace_arrays
>>> f, point = trace_arrays(lambda x, w: (x @ w).relu().sum(),
...                         {"x": np.array([[1.0, 2.0]]), "w": np.array([[3.0], [-4.0]])})
>>> f.variables
('x_0_0', 'x_0_1', 'w_0_0', 'w_1_0')
>>> float(f(**point))
0.0
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from ..errors import DiffkitError, ExpressionError
from ..expr.arithmetic import OpArithmetic
from ..expr.expr import Expr
from ..expr.graph import GraphBuilder
from ..expr.methods import ArrayMethods
from ..expr.ops import OPS, Op, apply
from ..expr.tracer import Traced

__all__ = ["TracedArray", "trace_arrays", "trace_tensor", "entries", "variable_base", "host", "output_nodes"]


def variable_base(name: str) -> str:
    """A parameter or argument name as the stem of variable names: ``"0.weight"`` -> ``"p0_weight"``.

    Example
    -------
    >>> from diffkit.ad.scalarize import variable_base
    >>> variable_base("0.weight"), variable_base("fc1.bias"), variable_base("x")
    ('p0_weight', 'fc1_bias', 'x')
    """
    base = re.sub(r"\W", "_", name)
    return base if base[:1].isalpha() else f"p{base}"


def _names(base: str, shape: tuple[int, ...]) -> list[str]:
    if not shape:
        return [base]
    return [base + "".join(f"_{i}" for i in idx) for idx in np.ndindex(shape)]


def host(v: Any) -> np.ndarray:
    """The numbers of a Tensor, array or scalar, as float64 on the host.

    Example
    -------
    >>> import diffkit as dk
    >>> from diffkit.ad.scalarize import host
    >>> host(dk.tensor([1.5, 2.0], requires_grad=True)).dtype
    dtype('float64')
    """
    data = v.detach().numpy() if hasattr(v, "requires_grad") and hasattr(v, "detach") else v
    if hasattr(data, "get"):  # a CuPy array
        data = data.get()
    return np.asarray(data, dtype=np.float64)


def entries(arrays: Mapping[str, Any]) -> dict[str, float]:
    """The point of a scalarised program: each entry of each named array, under its variable name.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.ad.scalarize import entries
    >>> entries({"w": np.array([[1.0, 2.0]]), "0.bias": np.array([0.5])})
    {'w_0_0': 1.0, 'w_0_1': 2.0, 'p0_bias_0': 0.5}
    """
    out: dict[str, float] = {}
    for name, v in arrays.items():
        a = host(v)
        out.update(zip(_names(variable_base(name), a.shape), (float(x) for x in a.ravel())))
    return out


class TracedArray(OpArithmetic, ArrayMethods):
    """An array whose entries are traced scalars (or constants): ops apply entry by entry and record nodes.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.expr.graph import GraphBuilder
    >>> from diffkit.ad.scalarize import TracedArray
    >>> b = GraphBuilder()
    >>> x = TracedArray.inputs(b, "x", (2,))
    >>> y = (x * x).sum()
    >>> g = b.build([y.cells[()].index])
    >>> float(g.evaluate({"x_0": 3.0, "x_1": 4.0})[0])
    25.0
    """

    __slots__ = ("cells",)
    _dk_level = 3  # above Tensor's: inside a traced Tensor program every op lands here
    __array_ufunc__ = None  # ndarray (op) TracedArray defers to our reflected operators

    def __init__(self, cells: Any):
        self.cells = np.asarray(cells, dtype=object)

    @classmethod
    def inputs(cls, builder: GraphBuilder, base: str, shape: tuple[int, ...]) -> TracedArray:
        """Placeholders for every entry of an array of ``shape``, named ``base_i_j``."""
        cells = np.empty(shape, dtype=object)
        for idx, name in zip(np.ndindex(shape), _names(base, shape)):
            cells[idx] = Traced(builder, builder.input(name))
        return cls(cells)

    @staticmethod
    def _cells(v: Any) -> Any:
        if isinstance(v, TracedArray):
            return v.cells
        if isinstance(v, (Traced, int, float)) and not isinstance(v, bool):
            return v
        if isinstance(v, (np.ndarray, np.generic)) or hasattr(v, "requires_grad"):
            return host(v).astype(object)  # constants: Python floats in the graph
        return v  # a parameter (a shape, an axis...) passes as it is

    @classmethod
    def _dk_apply(cls, op: Op, args: tuple, params: dict) -> TracedArray:
        cells = [cls._cells(a) for a in args]
        if op.kind == "elementwise":
            arrays = np.broadcast_arrays(*(np.asarray(c, dtype=object) for c in cells))
            out = np.empty(arrays[0].shape if arrays else (), dtype=object)
            for idx in np.ndindex(out.shape):
                out[idx] = apply(op, *(a[idx] for a in arrays), **params)
            return cls(out)
        try:
            with np.errstate(all="ignore"):
                out = op.impl(np, *cells, **params)
        except Exception as err:  # comparisons of traced values, or an op that needs numbers
            if isinstance(err, DiffkitError) and not isinstance(err, ExpressionError):
                raise  # the op refused its arguments (shapes that don't fit...): its own message
            raise ExpressionError(f"{op.name}() can't be traced entry by entry ({type(err).__name__}: "
                                  f"{str(err).splitlines()[0] if str(err) else ''})",
                                  hint="ops that compare values (max, sort, softmax's stabiliser) have no "
                                       "scalar program; trace a smaller piece, or use elementwise ops") from None
        return cls(out)

    # -- what array code asks of its inputs --------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        return self.cells.shape

    @property
    def ndim(self) -> int:
        return self.cells.ndim

    @property
    def size(self) -> int:
        return self.cells.size

    @property
    def dtype(self) -> np.dtype:
        return np.dtype(np.float64)

    @property
    def T(self) -> TracedArray:  # noqa: N802 - NumPy's and PyTorch's name
        return TracedArray(self.cells.T)

    def __len__(self) -> int:
        return len(self.cells)

    def __getitem__(self, index: Any) -> TracedArray:
        return TracedArray(self.cells[index])

    def reshape(self, *shape: Any) -> TracedArray:
        return TracedArray(self.cells.reshape(*shape))

    view = reshape

    def sum(self, axis: Any = None, keepdims: bool = False, *, dim: Any = None) -> TracedArray:
        return apply(OPS["sum"], self, axis=dim if dim is not None else axis, keepdims=keepdims)

    def mean(self, axis: Any = None, keepdims: bool = False, *, dim: Any = None) -> TracedArray:
        return apply(OPS["mean"], self, axis=dim if dim is not None else axis, keepdims=keepdims)

    def __matmul__(self, o: Any) -> TracedArray:
        return apply(OPS["matmul"], self, o)

    def __rmatmul__(self, o: Any) -> TracedArray:
        return apply(OPS["matmul"], o, self)

    def __getattr__(self, name: str) -> Any:
        op = OPS.get(name)
        if op is not None and op.kind == "elementwise" and op.arity == 1:  # x.relu(), x.exp(), x.sigmoid()...
            return lambda: apply(op, self)
        raise AttributeError(f"a traced array has no attribute {name!r}")

    def __bool__(self) -> bool:
        raise ExpressionError("a traced value was used in an if/while: the program's graph can't depend on values")

    def __repr__(self) -> str:
        return f"TracedArray(shape={self.shape})"


def output_nodes(builder: GraphBuilder, out: Any) -> list[int]:
    """The graph nodes of a traced result's entries, in order (constants become constant nodes).

    Example
    -------
    >>> from diffkit.expr.graph import GraphBuilder
    >>> from diffkit.ad.scalarize import TracedArray, output_nodes
    >>> b = GraphBuilder()
    >>> x = TracedArray.inputs(b, "x", (2,))
    >>> len(output_nodes(b, (x * 2.0, 1.0)))
    3
    """
    parts = list(out) if isinstance(out, (tuple, list)) else [out]
    idx = []
    for p in parts:
        cells = TracedArray._cells(p)
        for c in np.asarray(cells, dtype=object).ravel():
            idx.append(c.index if isinstance(c, Traced) and c.builder is builder else builder.const(float(c)))
    return idx


def trace_arrays(fn: Callable[..., Any], at: Mapping[str, Any]) -> tuple[Expr, dict[str, float]]:
    """Trace a function of arrays or Tensors at a point: the scalar Expr and its point.

    Parameters
    ----------
    fn : callable
        ``fn(**at)`` in terms of the names of ``at`` (positional in its order
        when the function's arguments have other names).
    at : mapping
        Name -> array, Tensor or number: the shapes of the trace, and the point.

    Returns
    -------
    (Expr, dict)
        The program, each output entry an output, each input entry a variable;
        and the point, ``{variable: value}``.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.ad.scalarize import trace_arrays
    >>> f, point = trace_arrays(lambda w: (w * w).sum(), {"w": np.array([1.0, 2.0])})
    >>> print(f.graph.to_text())
    v_-1 = w_0
    v_0 = w_1
    v_1 = v_-1 * v_-1
    v_2 = v_0 * v_0
    v_3 = v_1 + v_2
    y_1 = v_3
    """
    if not isinstance(at, Mapping):
        raise ExpressionError("at= must map argument names to arrays, e.g. at={'x': x, 'w': w}")
    b = GraphBuilder()
    values = {name: TracedArray.inputs(b, variable_base(name), host(v).shape) for name, v in at.items()}
    try:
        params = inspect.signature(fn).parameters
        by_name = set(values) <= set(params)
    except (TypeError, ValueError):
        by_name = False
    out = fn(**values) if by_name else fn(*values.values())
    names = [n for name, v in at.items() for n in _names(variable_base(name), host(v).shape)]
    return Expr(b.build(output_nodes(b, out), variables=names)), entries(at)


def _leaf_name(t: Any, named: dict[int, str], taken: set[str]) -> str:
    name = named.get(id(t))
    if name is None:
        k = len(taken) + 1
        while f"t{k}" in taken:
            k += 1
        name = f"t{k}"
        named[id(t)] = name
    taken.add(name)
    return name


def trace_tensor(out: Any, names: Mapping[str, Any] | None = None) -> tuple[Expr, dict[str, float]]:
    """The recorded graph of a Tensor, replayed entry by entry: the scalar Expr and its point.

    The leaves that require grad are the variables: named by ``names``
    (``{"x": x, "w": w}``, matched by identity) or ``t1``, ``t2``... in the order
    the program used them. Other Tensors are constants. Call it before
    ``backward()``, which frees the graph (or keep it with ``retain_graph=True``).

    Example
    -------
    >>> import diffkit as dk
    >>> from diffkit.ad.scalarize import trace_tensor
    >>> x = dk.tensor([1.0, 2.0], requires_grad=True)
    >>> f, point = trace_tensor((x * x).sum(), {"x": x})
    >>> f.variables, point
    (('x_0', 'x_1'), {'x_0': 1.0, 'x_1': 2.0})
    """
    root = getattr(out, "_node", None)
    if root is None:
        raise ExpressionError("this Tensor has no recorded graph: it needs requires_grad=True inputs, "
                              "computed outside no_grad()")
    order, seen, stack = [], set(), [(root, False)]
    while stack:  # post-order, iteratively: deep graphs don't reach the recursion limit
        node, ready = stack.pop()
        if ready:
            order.append(node)
        elif id(node) not in seen:
            seen.add(id(node))
            stack.append((node, True))
            stack.extend((p, False) for p in reversed(node.parents) if p is not None and id(p) not in seen)
    named = {id(t): n for n, t in (names or {}).items()}
    b, taken = GraphBuilder(), set()
    value: dict[int, TracedArray] = {}
    leaves: dict[int, tuple[str, Any, TracedArray]] = {}
    for node in order:
        if node.args is None:
            raise ExpressionError("backward() has freed this graph; trace it before backward(), "
                                  "or call backward(retain_graph=True)")
        if not isinstance(node.op, Op):
            raise ExpressionError(f"{node.name} is a custom Function: its rule is Python code, not ops of the "
                                  "table, so it can't be traced entry by entry")
        args = []
        for a, parent in zip(node.args, node.parents):
            if parent is not None:
                args.append(value[id(parent)])
            elif getattr(a, "requires_grad", False):
                if id(a) not in leaves:
                    name = _leaf_name(a, named, taken)
                    leaves[id(a)] = (name, a, TracedArray.inputs(b, variable_base(name), host(a).shape))
                args.append(leaves[id(a)][2])
            else:
                args.append(a)
        value[id(node)] = TracedArray._dk_apply(node.op, tuple(args), node.params)
    variables = [n for name, a, _ in leaves.values() for n in _names(variable_base(name), host(a).shape)]
    point = entries({name: a for name, a, _ in leaves.values()})
    return Expr(b.build(output_nodes(b, value[id(root)]), variables=variables)), point
