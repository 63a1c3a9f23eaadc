"""Infix text of a Graph's outputs, with only the parentheses that are needed.

Example
-------
>>> import diffkit as dk
>>> from diffkit.expr.printing import to_text
>>> to_text(dk.trace(lambda x, y: (x + y) * dk.sin(x)).graph)
'(x + y) * sin(x)'
>>> to_text(dk.trace(lambda x: dk.clip(x % 2, 0.5, 1.5)).graph)
'clip(x % 2, lo=0.5, hi=1.5)'
"""

from __future__ import annotations

from ..table import fmt
from .graph import Graph
from .ops.core import _option_names

__all__ = ["to_text"]

#: Beyond this many characters a printed expression is summarised instead.
MAX_TEXT = 2000


def to_text(graph: Graph, limit: int = MAX_TEXT) -> str:
    """Infix text of the outputs (comma-separated), or a summary if it would be huge."""
    size = [0] * len(graph.nodes)
    for node in graph.nodes:  # tree size, to refuse exponential blow-up before printing
        size[node.index] = 1 + sum(size[a] for a in node.args)
    if sum(size[o] for o in graph.outputs) * 4 > limit:
        return f"<{len(graph.op_nodes)} ops in {len(graph.variables)} variables>"
    text: list[str] = [""] * len(graph.nodes)
    prec: list[int] = [100] * len(graph.nodes)
    for node in graph.nodes:
        i = node.index
        if node.is_input:
            text[i] = node.name
        elif node.is_const:
            v = node.value
            text[i] = fmt(v, 17)
            prec[i] = 100 if not (isinstance(v, float) and v < 0) else 30
        else:
            op = node.op
            args = [text[a] for a in node.args]
            if op.infix and op.arity == 2:
                lp, rp = prec[node.args[0]], prec[node.args[1]]
                # Left-associative, except power which binds right.
                left_ok = lp > op.precedence or (lp == op.precedence and op.name != "pow")
                right_ok = rp > op.precedence or (rp == op.precedence and op.name in ("add", "mul"))
                a = args[0] if left_ok else f"({args[0]})"
                b = args[1] if right_ok else f"({args[1]})"
                text[i] = f"{a} {op.infix} {b}" if op.name != "pow" else f"{a}^{b}"
                prec[i] = op.precedence
            elif op.infix:
                a = args[0] if prec[node.args[0]] >= op.precedence else f"({args[0]})"
                text[i] = f"-{a}"
                prec[i] = op.precedence
            else:  # function-call syntax, so the text parses back (options by name: clip(x, hi=1))
                options = [f"{n}={fmt(node.params[n], 17)}" for n in _option_names(op.impl, op.arity)
                           if node.params.get(n) is not None]
                text[i] = f"{op.name}({', '.join(args + options)})"
    return ", ".join(text[o] for o in graph.outputs)
