"""The tools a student will use later, as extra rows of ``dk.compare(..., peers=True)``.

PyTorch (``torch.autograd``), JAX (``jax.grad``, jit-compiled, in float64)
and HIPS autograd (``autograd.grad``) each differentiate the same function:
its graph is evaluated node by node with the peer's own functions (``torch.sin``,
``jax.nn.relu``...), so each peer applies its own derivative rules -- where a
peer's convention at a kink differs from diffkit's (autograd splits
``relu'(0)``), its row shows it. A peer that is not installed gets a row
saying so and how to install it. Peers count no operations (their cells stay
blank); their time is that of a warm call (the first call, which compiles or
warms caches, is not timed).

Example
-------
>>> import diffkit as dk
>>> from diffkit.compare.peers import PEERS
>>> sorted(PEERS)
['autograd', 'jax', 'torch']
"""

from __future__ import annotations

import importlib
import importlib.util
import operator
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from ..expr.counting import OpCount
from ..expr.expr import Expr
from .base import Differentiator

__all__ = ["Peer", "PEERS", "peers", "PeerNotInstalled"]


class PeerNotInstalled(RuntimeError):
    """The peer library is not installed (its row says so; not a DiffkitError: nothing the user passed is wrong).

    Example
    -------
    >>> from diffkit.compare.peers import PeerNotInstalled
    >>> issubclass(PeerNotInstalled, RuntimeError)
    True
    """


_ARITHMETIC = {"add": operator.add, "sub": operator.sub, "mul": operator.mul, "div": operator.truediv,
               "neg": operator.neg, "pow": operator.pow, "square": lambda x: x * x}
_SAME_NAME = ("sqrt", "exp", "log", "sin", "cos", "tan", "tanh", "sign", "abs", "maximum", "minimum")


def _torch_ops(torch: Any) -> dict[str, Callable]:
    fns = {n: getattr(torch, n) for n in _SAME_NAME}
    fns.update(asin=torch.asin, atan=torch.atan, relu=torch.relu, sigmoid=torch.sigmoid,
               step=lambda x: (x > 0).to(x.dtype))
    return fns


def _jax_ops(jax: Any) -> dict[str, Callable]:
    jnp = jax.numpy
    fns = {n: getattr(jnp, n) for n in _SAME_NAME}
    fns.update(asin=jnp.arcsin, atan=jnp.arctan, relu=jax.nn.relu, sigmoid=jax.nn.sigmoid,
               step=lambda x: jnp.heaviside(x, 0.0))
    return fns


def _autograd_ops(autograd: Any) -> dict[str, Callable]:
    anp = importlib.import_module("autograd.numpy")
    fns = {n: getattr(anp, n) for n in _SAME_NAME}
    fns.update(asin=anp.arcsin, atan=anp.arctan, relu=lambda x: anp.maximum(x, 0.0),
               sigmoid=lambda x: 1.0 / (1.0 + anp.exp(-x)), step=lambda x: anp.where(x > 0, 1.0, 0.0))
    return fns


def _evaluate(f: Expr, inputs: dict[str, Any], fns: dict[str, Callable], const: Callable[[float], Any]) -> list:
    """The function's outputs, each node computed by the peer's own function for its op."""
    graph = f.graph
    vals: list[Any] = [None] * len(graph.nodes)
    for node in graph.nodes:
        if node.is_input:
            vals[node.index] = inputs[node.name]
        elif node.is_const:
            vals[node.index] = const(node.value)
    for i in graph.op_nodes:
        node = graph.nodes[i]
        fn = _ARITHMETIC.get(node.op.name) or fns.get(node.op.name)
        if fn is None or node.params:
            raise NotImplementedError(f"no counterpart of diffkit's {node.op.name!r} here")
        vals[i] = fn(*(vals[a] for a in node.args))
    return [vals[o] for o in graph.outputs]


class Peer(Differentiator):
    """One peer library as a :class:`~diffkit.Differentiator` (gradients and Jacobians).

    Parameters
    ----------
    library : {"torch", "jax", "autograd"}

    Example
    -------
    >>> import pytest
    >>> from diffkit.compare.peers import Peer
    >>> torch = pytest.importorskip("torch")
    >>> Peer("torch").gradient("x*y + sin(x)", at={"x": 1.0, "y": 2.0}).gradient["y"]
    1.0
    """

    family = "peer"

    def __init__(self, library: str):
        if library not in PEERS:
            raise ValueError(f"unknown peer {library!r}; peers are {', '.join(PEERS)}")
        self.library = library
        self.name = library

    def _module(self) -> Any:
        module, package = PEERS[self.library]
        if importlib.util.find_spec(module) is None:
            raise PeerNotInstalled(f"{self.library} is not installed (pip install {package})")
        return importlib.import_module(module)

    def _jacobian(self, f: Expr, values: dict, wrt: tuple) -> tuple:
        lib = self._module()
        compute = getattr(self, f"_{self.library}")
        # every point's derivatives at once: each output entry depends on the same entry of every input
        shape = np.broadcast_shapes(*(np.shape(v) for v in values.values()))
        arrays = {n: np.broadcast_to(np.asarray(v, dtype=np.float64), shape) for n, v in values.items()}
        compute(lib, f, arrays, wrt)  # warm-up: compiles (jax), fills caches
        t0 = time.perf_counter()
        value, jac = compute(lib, f, arrays, wrt)
        self._seconds = time.perf_counter() - t0
        value = value[0] if len(value) == 1 else tuple(value)
        return value, jac, {"info": {"library": self.library, "version": getattr(lib, "__version__", "?")}}

    def _run(self, hook, *args):  # peers count no diffkit ops, and report their warm time
        value, deriv, *rest = hook(*args)
        return (value, deriv, rest[0] if rest else {}), OpCount(None, None, None), self._seconds

    @staticmethod
    def _torch(torch: Any, f: Expr, arrays: dict, wrt: tuple) -> tuple[list, np.ndarray]:
        leaves = {n: torch.tensor(a, dtype=torch.float64, requires_grad=n in wrt) for n, a in arrays.items()}
        outs = _evaluate(f, leaves, _torch_ops(torch), lambda c: torch.tensor(c, dtype=torch.float64))
        rows = []
        for o in outs:
            grads = torch.autograd.grad(o.sum(), [leaves[w] for w in wrt], allow_unused=True, retain_graph=True) \
                if o.requires_grad else [None] * len(wrt)
            rows.append([np.zeros(o.shape) if g is None else g.numpy() for g in grads])
        return [o.detach().numpy() for o in outs], np.array(rows)

    def _jax(self, jax: Any, f: Expr, arrays: dict, wrt: tuple) -> tuple[list, np.ndarray]:
        x64 = jax if hasattr(jax, "enable_x64") else importlib.import_module("jax.experimental")  # older JAX
        enable_x64 = x64.enable_x64
        jnp, fns = jax.numpy, _jax_ops(jax)
        with enable_x64(True):
            key = (id(f), wrt, tuple(arrays))
            if getattr(self, "_compiled", (None,))[0] != key:  # compiled once: the timed call is the warm one
                def outputs(fixed, *moving):
                    return _evaluate(f, {**fixed, **dict(zip(wrt, moving))}, fns,
                                     lambda c: jnp.asarray(c, dtype=jnp.float64))

                grads = [jax.jit(jax.grad(lambda fixed, *m, k=k: outputs(fixed, *m)[k].sum(),
                                          argnums=tuple(range(1, len(wrt) + 1)))) for k in range(f.n_outputs)]
                self._compiled = (key, jax.jit(outputs), grads)
            _, outputs, grads = self._compiled
            fixed = {n: jnp.asarray(a) for n, a in arrays.items()}
            start = [fixed[w] for w in wrt]
            rows = [g(fixed, *start) for g in grads]
            return [np.asarray(o) for o in outputs(fixed, *start)], np.array([[np.asarray(g) for g in r] for r in rows])

    @staticmethod
    def _autograd(autograd: Any, f: Expr, arrays: dict, wrt: tuple) -> tuple[list, np.ndarray]:
        fns = _autograd_ops(autograd)

        def outputs(moving: tuple) -> list:
            return _evaluate(f, {**arrays, **dict(zip(wrt, moving))}, fns, float)

        start = tuple(arrays[w] for w in wrt)
        rows = [autograd.grad(lambda m, k=k: outputs(m)[k].sum())(start) for k in range(f.n_outputs)]
        return [np.asarray(o) for o in outputs(start)], np.array([[np.asarray(g) for g in r] for r in rows])


#: The peers: their module and the pip package that provides it.
PEERS = {"torch": ("torch", "torch"), "jax": ("jax", "jax"), "autograd": ("autograd", "autograd")}


def peers() -> list[Peer]:
    """One :class:`Peer` per known library (a row each; those not installed say so when run).

    Example
    -------
    >>> from diffkit.compare.peers import peers
    >>> [p.name for p in peers()]
    ['torch', 'jax', 'autograd']
    """
    return [Peer(name) for name in PEERS]
