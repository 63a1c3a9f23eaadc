"""Forward mode: tangents carried along with the primal values.

Two ways in, one set of rules (the ops table's JVP rules, ``op.jvp_of``):

* :func:`tangent_sweep` walks a :class:`~diffkit.expr.graph.Graph` in
  topological order: for each node ``v_i = op(v_j, ...)`` it forms
  ``v̇_i = sum_j dv_i/dv_j v̇_j`` from the argument tangents. The values it
  works on may be floats, arrays (a leading batch axis on the tangents gives
  vector forward mode: many directions in one sweep) or traced values (then
  it writes the tangent program as a new graph, see :mod:`diffkit.ad.source`).
* :class:`Dual` numbers run a Python function directly: ``dk.sin(dual)``,
  ``dual * 2`` and every other op of the table dispatch to
  :meth:`Dual._dk_apply`, which computes the primal with the op and the
  tangent with the op's JVP rule. Nested calls (a derivative of a derivative)
  get a fresh, higher level each, so perturbations never get confused.

Example
-------
>>> import diffkit as dk
>>> from diffkit.ad.forward import jvp_function
>>> y, dy = jvp_function(lambda x: dk.sin(x) * x, (2.0,), (1.0,))
>>> round(float(dy), 6)  # cos(2)*2 + sin(2)
0.077004
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ..errors import ShapeError
from ..expr.counting import COUNTER
from ..expr.graph import Graph
from ..expr.ops import OPS, Op, apply, namespace

__all__ = ["Dual", "dual_type", "tangent_sweep", "forward", "jvp_function", "zeros_like"]

#: Tensor has level 2; duals sit above it so a Dual may carry Tensors (reverse over forward).
BASE_LEVEL = 3

_state = threading.local()


def _depth() -> int:
    return getattr(_state, "depth", 0)


def zeros_like(x: Any) -> Any:
    """A zero tangent shaped like ``x`` (``0.0`` for Python numbers).

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.ad.forward import zeros_like
    >>> zeros_like(np.ones(2)), zeros_like(3.0)
    (array([0., 0.]), 0.0)
    """
    if isinstance(x, Dual):
        return type(x)(zeros_like(x.primal), None)
    if isinstance(x, (int, float)):
        return 0.0
    if isinstance(x, complex):
        return 0j
    if hasattr(x, "__array_namespace__") or hasattr(x, "shape"):
        try:
            return namespace(x).zeros_like(x)
        except (AttributeError, TypeError):
            pass
    return 0.0 * x


class Dual:
    """A dual number ``primal + tangent·ε`` (``ε² = 0``): forward mode on Python functions.

    Every op of the table applied to a Dual returns a Dual whose tangent comes
    from the op's JVP rule. ``tangent is None`` means a zero tangent. Use
    :func:`jvp_function` rather than building Duals by hand: it picks the level
    that keeps nested derivatives apart.

    Attributes
    ----------
    primal : float, array, Tensor or Dual
        The value.
    tangent : same kind as ``primal``, or None
        Its directional derivative.

    Example
    -------
    >>> import diffkit as dk
    >>> from diffkit.ad.forward import dual_type
    >>> D = dual_type(0)
    >>> y = dk.exp(D(0.0, 1.0)) * 3
    >>> float(y.primal), float(y.tangent)
    (3.0, 3.0)
    """

    __slots__ = ("primal", "tangent")
    _dk_level = BASE_LEVEL
    __array_priority__ = 2000  # ndarray + Dual defers to Dual

    def __init__(self, primal: Any, tangent: Any = None):
        self.primal = primal
        self.tangent = tangent

    @classmethod
    def _dk_apply(cls, op: Op, args: tuple, params: dict) -> Any:
        primals = tuple(a.primal if type(a) is cls else a for a in args)
        tangents = tuple(a.tangent if type(a) is cls else None for a in args)
        ans = apply(op, *primals, **params)
        if op.jvp is None or all(t is None for t in tangents):
            return ans if op.jvp is None else cls(ans, None)
        return cls(ans, op.jvp_of(tangents, ans, primals, params))

    # -- array-like attributes the rules read ---------------------------------
    @property
    def shape(self) -> tuple:
        return tuple(getattr(self.primal, "shape", ()))

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return int(getattr(self.primal, "size", 1))

    @property
    def dtype(self) -> Any:
        return getattr(self.primal, "dtype", None)

    @property
    def T(self) -> Any:  # noqa: N802 - NumPy's name
        return self._op("transpose")

    def _op(self, name: str, *args: Any, **params: Any) -> Any:
        # through apply(), not our own _dk_apply: the other operand may be a
        # higher-level value (an inner derivative's Dual) that must go first
        return apply(OPS[name], *(args or (self,)), **params)

    def __add__(self, o): return self._op("add", self, o)
    def __radd__(self, o): return self._op("add", o, self)
    def __sub__(self, o): return self._op("sub", self, o)
    def __rsub__(self, o): return self._op("sub", o, self)
    def __mul__(self, o): return self._op("mul", self, o)
    def __rmul__(self, o): return self._op("mul", o, self)
    def __truediv__(self, o): return self._op("div", self, o)
    def __rtruediv__(self, o): return self._op("div", o, self)
    def __pow__(self, o): return self._op("pow", self, o)
    def __rpow__(self, o): return self._op("pow", o, self)
    def __matmul__(self, o): return self._op("matmul", self, o)
    def __rmatmul__(self, o): return self._op("matmul", o, self)
    def __neg__(self): return self._op("neg", self)
    def __pos__(self): return self
    def __abs__(self): return self._op("abs", self)
    def __getitem__(self, index): return self._op("getitem", self, index=index)

    def sum(self, axis=None, keepdims=False): return self._op("sum", self, axis=axis, keepdims=keepdims)
    def mean(self, axis=None, keepdims=False): return self._op("mean", self, axis=axis, keepdims=keepdims)
    def max(self, axis=None, keepdims=False): return self._op("max", self, axis=axis, keepdims=keepdims)
    def reshape(self, *shape):
        shape = tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
        return self._op("reshape", self, shape=shape)

    # Control flow on the primal is allowed: forward mode follows the branch taken.
    def __bool__(self): return bool(self.primal)
    def __float__(self): return float(self.primal)
    def __lt__(self, o): return self.primal < _primal(o)
    def __le__(self, o): return self.primal <= _primal(o)
    def __gt__(self, o): return self.primal > _primal(o)
    def __ge__(self, o): return self.primal >= _primal(o)
    __hash__ = object.__hash__

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        from ..expr.tracer import _UFUNCS

        name = _UFUNCS.get(ufunc.__name__)
        if method != "__call__" or name is None or kwargs:
            return NotImplemented
        return apply(OPS[name], *inputs)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.primal!r}, tangent={self.tangent!r})"


def _primal(v: Any) -> Any:
    return v.primal if isinstance(v, Dual) else v


_TYPES: dict[int, type] = {0: Dual}


def dual_type(depth: int) -> type:
    """The Dual class for nesting depth ``depth`` (its ``_dk_level`` is ``3 + depth``).

    An inner derivative (taken inside a function that an outer derivative is
    running) uses a deeper, higher-level class, so its ops are handled first
    and the outer tangent rides along inside its values.

    Example
    -------
    >>> from diffkit.ad.forward import dual_type
    >>> dual_type(1)._dk_level
    4
    """
    if depth not in _TYPES:
        _TYPES[depth] = type(f"Dual{depth}", (Dual,), {"__slots__": (), "_dk_level": BASE_LEVEL + depth})
    return _TYPES[depth]


def _materialize(out: Any, cls: type) -> tuple[Any, Any]:
    """Split a function's output into (primal, tangent), with zero tangents filled in."""
    if type(out) is cls:
        t = out.tangent
        return out.primal, (zeros_like(out.primal) if t is None else t)
    return out, zeros_like(out)


def jvp_function(fn: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any]) -> tuple[Any, Any]:
    """Run ``fn(*primals)`` with tangents attached: returns ``(fn(x), J_fn(x) · t)``.

    ``fn`` may return one value or a tuple/list of values (then both parts of
    the answer are tuples). Values may be floats, arrays or Tensors.

    Example
    -------
    >>> import diffkit as dk
    >>> from diffkit.ad.forward import jvp_function
    >>> jvp_function(lambda x, y: x * y, (3.0, 4.0), (1.0, 0.0))
    (12.0, 4.0)
    """
    if len(primals) != len(tangents):
        raise ShapeError(f"{len(primals)} primals but {len(tangents)} tangents; give one tangent per primal")
    depth = _depth()
    cls = dual_type(depth)
    duals = []
    for p, t in zip(primals, tangents):
        ps, ts = getattr(p, "shape", ()), getattr(t, "shape", ())
        if t is not None and tuple(ts) != tuple(ps) and ts != ():
            raise ShapeError(f"tangent of shape {tuple(ts)} for a primal of shape {tuple(ps)}; they must match")
        duals.append(cls(p, t))
    _state.depth = depth + 1
    try:
        out = fn(*duals)
    finally:
        _state.depth = depth
    if isinstance(out, (tuple, list)):
        parts = [_materialize(o, cls) for o in out]
        return tuple(p for p, _ in parts), tuple(t for _, t in parts)
    return _materialize(out, cls)


# ---------------------------------------------------------------------------
# Forward mode on a Graph
# ---------------------------------------------------------------------------

def tangent_sweep(graph: Graph, values: Sequence[Any], tangents: Mapping[int, Any], *,
                  count: bool = False) -> list[Any]:
    """Tangents of every node, given all primal ``values`` and the tangents of some inputs.

    ``tangents`` maps node indices to tangents; nodes that depend on none of
    them get ``None`` (zero). With ``count=True`` each JVP rule applied is
    added to :data:`~diffkit.expr.counting.COUNTER` (one primitive, and its
    elements); diffkit functions the rules call count themselves.

    Example
    -------
    >>> import diffkit as dk
    >>> from diffkit.ad.forward import tangent_sweep
    >>> g = dk.expr("log(x1) + x1*x2 - sin(x2)").graph
    >>> vals = g.evaluate({"x1": 2.0, "x2": 5.0}, keep=True)
    >>> dots = tangent_sweep(g, vals, {0: 1.0})
    >>> float(dots[g.outputs[0]])
    5.5
    """
    nodes = graph.nodes
    dots: list[Any] = [None] * len(nodes)
    for i, t in tangents.items():
        dots[i] = t
    for i in graph.op_nodes:
        node = nodes[i]
        ts = tuple(dots[a] for a in node.args)
        if all(t is None for t in ts):
            continue
        args = tuple(values[a] for a in node.args)
        dots[i] = node.op.jvp_of(ts, values[i], args, node.params)
        if count:
            COUNTER.primitives += sum(t is not None for t in ts)
            COUNTER.elements += int(getattr(dots[i], "size", 1))
    return dots


def forward(graph: Graph, values: Mapping[str, Any], tangents: Mapping[str, Any]) -> tuple[list, list]:
    """One forward-mode pass over a graph: outputs and their tangents.

    ``tangents`` maps variable names to tangents (missing ones are zero). A
    tangent with one more leading axis than its value carries a batch of
    directions (vector forward mode); elementwise graphs broadcast it through.

    Example
    -------
    >>> import diffkit as dk, numpy as np
    >>> from diffkit.ad.forward import forward
    >>> g = dk.expr("x*y").graph
    >>> ys, dys = forward(g, {"x": 3.0, "y": 4.0}, {"x": np.array([1.0, 0.0]), "y": np.array([0.0, 1.0])})
    >>> dys[0]
    array([4., 3.])
    """
    vals = graph.evaluate(values, keep=True)
    index = {graph.nodes[i].name: i for i in graph.inputs}
    seeds = {index[n]: t for n, t in tangents.items() if t is not None}
    dots = tangent_sweep(graph, vals, seeds, count=True)
    outs = [vals[o] for o in graph.outputs]
    touts = [zeros_like(vals[o]) if dots[o] is None else dots[o] for o in graph.outputs]
    return outs, touts
