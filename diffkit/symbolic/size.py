"""How big an expression is: tree nodes, operations, depth, and its size after CSE.

A SymPy expression is a DAG in memory (equal subexpressions are one object),
but printed, evaluated naively or counted by a preorder traversal it is a tree,
and that tree is what swells. The tree metrics here are computed with one
memoised pass over the DAG, so measuring a tree of 10^8 nodes takes as long as
its DAG is big, and give exactly what a preorder traversal would count.

Example
-------
>>> import diffkit as dk
>>> s = dk.symbolic.size("x*sin(x) + sin(x)")
>>> s.nodes, s.ops, s.depth
(7, 4, 4)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

import sympy as sp

from ..errors import ExpressionError

__all__ = ["Size", "size", "tree_nodes", "depth", "cse_nodes", "as_sympy_list"]


@dataclass(frozen=True)
class Size:
    """Size metrics of one expression (or of several, taken together).

    Attributes
    ----------
    nodes : int
        Nodes of the expression tree, as a preorder traversal visits them
        (``len(list(sympy.preorder_traversal(e)))``); summed over several expressions.
    ops : int
        ``sympy.count_ops(e)``: the operations evaluating the tree performs.
    depth : int
        Longest root-to-leaf path, counted in nodes (a symbol has depth 1).
    cse : int or None
        Size of the DAG after common-subexpression elimination: the tree nodes
        of every replacement's right-hand side plus those of the reduced
        result(s). ``None`` when not computed.
    replacements : int or None
        How many subexpressions CSE pulled out.

    Example
    -------
    >>> import diffkit as dk
    >>> dk.symbolic.size("(x + 1)^2 * (x + 1)^3").nodes
    5
    """

    nodes: int
    ops: int
    depth: int
    cse: int | None = None
    replacements: int | None = None

    @property
    def tree(self) -> int:
        """Alias of :attr:`nodes` (the tree size)."""
        return self.nodes

    def as_dict(self) -> dict[str, Any]:
        """The metrics as a plain dict."""
        return asdict(self)

    def __str__(self) -> str:
        text = f"{self.nodes} nodes, {self.ops} ops, depth {self.depth}"
        if self.cse is not None:
            text += f", {self.cse} after CSE ({self.replacements} replacements)"
        return text


def as_sympy_list(expr: Any) -> list[sp.Basic]:
    """The SymPy expressions in ``expr``: a SymPy object, a diffkit Expr, text,
    or a list/tuple/dict/Matrix of those (dict values are taken in order)."""
    if isinstance(expr, sp.MatrixBase):
        return list(expr)
    if isinstance(expr, dict):
        return [e for v in expr.values() for e in as_sympy_list(v)]
    if isinstance(expr, (list, tuple)):
        return [e for v in expr for e in as_sympy_list(v)]
    if isinstance(expr, sp.Basic):
        return [expr]
    if isinstance(expr, (int, float)) and not isinstance(expr, bool):
        return [sp.sympify(expr)]
    from ..expr.expr import Expr
    from ..expr.expr import expr as make_expr

    if isinstance(expr, (Expr, str)):
        sym = make_expr(expr).to_sympy(real=True)
        return list(sym) if isinstance(sym, tuple) else [sym]
    raise ExpressionError(f"can't measure the size of a {type(expr).__name__}",
                          hint="give a SymPy expression, a diffkit Expr, text, or a list of them")


def _fold(roots: Iterable[sp.Basic], leaf: int, combine) -> dict[sp.Basic, int]:
    """Post-order over the DAG below ``roots`` without recursion, one visit per
    distinct subexpression: ``memo[e] = combine(memo of e's args)``."""
    memo: dict[sp.Basic, int] = {}
    for root in roots:
        stack = [root]
        while stack:
            e = stack[-1]
            if e in memo:
                stack.pop()
                continue
            args = e.args
            todo = [a for a in args if a not in memo]
            if todo:
                stack.extend(todo)
                continue
            stack.pop()
            memo[e] = combine([memo[a] for a in args]) if args else leaf
    return memo


def tree_nodes(expr: Any) -> int:
    """Nodes of the expression tree (what a preorder traversal visits).

    Example
    -------
    >>> import sympy as sp
    >>> from diffkit.symbolic.size import tree_nodes
    >>> x = sp.Symbol("x")
    >>> e = sp.sin(x) * sp.sin(x + 1)
    >>> tree_nodes(e) == len(list(sp.preorder_traversal(e)))
    True
    """
    roots = as_sympy_list(expr)
    memo = _fold(roots, 1, lambda kids: 1 + sum(kids))
    return sum(memo[r] for r in roots)


def depth(expr: Any) -> int:
    """Longest root-to-leaf path of the tree, in nodes (largest over several expressions).

    Example
    -------
    >>> import sympy as sp
    >>> from diffkit.symbolic.size import depth
    >>> depth(sp.sin(sp.Symbol("x") + 1))
    3
    """
    roots = as_sympy_list(expr)
    memo = _fold(roots, 1, lambda kids: 1 + max(kids))
    return max((memo[r] for r in roots), default=0)


def cse_nodes(expr: Any, replacements=None, reduced=None) -> tuple[int, int]:
    """``(DAG size, number of replacements)`` after ``sympy.cse``.

    The size is the tree nodes of every replacement's right-hand side plus
    those of the reduced expression(s). Pass ``replacements, reduced`` when
    ``sympy.cse`` has already been run.

    Example
    -------
    >>> import sympy as sp
    >>> from diffkit.symbolic.size import cse_nodes
    >>> x = sp.Symbol("x")
    >>> cse_nodes(sp.sin(x + 1) * sp.cos(x + 1))  # x0 = x + 1; sin(x0)*cos(x0)
    (8, 1)
    """
    if replacements is None or reduced is None:
        replacements, reduced = sp.cse(as_sympy_list(expr))
    total = tree_nodes([rhs for _, rhs in replacements]) + tree_nodes(list(reduced))
    return total, len(replacements)


def size(expr: Any, *, cse: bool = True) -> Size:
    """Size metrics of an expression: tree nodes, ``count_ops``, depth, DAG size after CSE.

    Parameters
    ----------
    expr : sympy expression, diffkit Expr, str, or a list/tuple/dict/Matrix of them
        What to measure; several expressions are measured together (nodes and
        ops summed, depth the largest, one CSE over all of them).
    cse : bool
        Also run ``sympy.cse`` for the DAG size (the slowest metric).

    Returns
    -------
    Size

    Example
    -------
    >>> import diffkit as dk
    >>> s = dk.symbolic.size(dk.examples.logistic_map(3))
    >>> s.nodes, s.depth, s.cse
    (18, 6, 15)
    """
    roots = as_sympy_list(expr)
    ops = sum(int(sp.count_ops(r)) for r in roots)
    n_cse, n_repl = cse_nodes(roots) if cse else (None, None)
    return Size(tree_nodes(roots), ops, depth(roots), n_cse, n_repl)
