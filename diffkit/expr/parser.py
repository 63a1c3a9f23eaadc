"""Text to Graph, through a whitelist of Python syntax. Nothing is ever executed.

The text is parsed by :mod:`ast` and walked; only numbers, names, ``+ - * / **
^ %``, unary minus and calls of functions from the ops table are accepted.
Anything else (attribute access, subscripts, lambdas, comprehensions, strings,
dunder names, keywords, comments...) is an :class:`~diffkit.ExpressionError`
that says where it is. ``^`` means power, as in the lecture; ``pi`` and ``e``
are the constants, unless ``variables=`` lists them as variables.

The text is ASCII: a non-ASCII character is refused at its column (Python
would fold ``ｘ`` and ``𝐱`` into ``x`` silently), and so are control
characters and ``#`` (a comment would be echoed, unseen by the parser, into
titles and terminals).

Programs are lists of ``name = expression`` statements. Statements may come in
any order; they are built in dependency order, and a cycle or a name assigned
twice is an error naming the statement.

Example
-------
>>> from diffkit.expr.parser import parse
>>> g = parse("x^2 + 1")
>>> float(g.evaluate({"x": 3.0})[0])
10.0
"""

from __future__ import annotations

import ast
import difflib
import math
import re
import warnings
from collections.abc import Sequence

from ..errors import ExpressionError
from .graph import Graph, GraphBuilder, unique_names
from .ops import ALIASES, EXPR_OPS
from .ops.core import _option_names

__all__ = ["parse", "MAX_LENGTH", "FUNCTION_NAMES", "CONSTANTS"]

#: Longest text accepted per statement (characters); longer input is refused, not parsed.
MAX_LENGTH = 100_000
_MAX_DEPTH = 200
#: Names that are constants unless ``variables=`` lists them.
CONSTANTS = {"pi": math.pi, "e": math.e}
#: Ops that are operators but may also be called by name: ``pow(x, y)``, ``mod(x, y)``.
_CALLABLE_OPERATORS = ("pow", "mod")
#: Function names the parser accepts (the table's functions, then the other spellings).
FUNCTION_NAMES = sorted(
    n for n, op in EXPR_OPS.items() if op.infix is None or n in _CALLABLE_OPERATORS) + sorted(ALIASES)

_BINOPS = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div", ast.Pow: "pow", ast.Mod: "mod"}
#: Characters students paste from papers, and what to type instead.
_INSTEAD = {"\u03c0": "pi", "\u00d7": "*", "\u00b7": "*", "\u22c5": "*", "\u2212": "-", "\u2013": "-",
            "\u00f7": "/", "\u00b2": "^2", "\u00b3": "^3", "\u221a": "sqrt(...)", "\u2032": "a name such as x1"}
# A number written against a name or "(": digits, an optional fraction and exponent, then the
# name (no nested quantifiers over the same digits: a run of 10^5 digits is matched in one pass).
_IMPLICIT_PRODUCT = re.compile(r"(?<![\w.])(\d+(?:\.\d*)?(?:[eE][+-]?\d+)?)[ \t]*([A-Za-z_]\w*|\()")
_WHAT = {
    ast.Attribute: "attribute access", ast.Subscript: "indexing", ast.Lambda: "a lambda",
    ast.ListComp: "a comprehension", ast.SetComp: "a comprehension", ast.DictComp: "a comprehension",
    ast.GeneratorExp: "a comprehension", ast.Compare: "a comparison", ast.BoolOp: "and/or",
    ast.IfExp: "an if-expression", ast.List: "a list", ast.Dict: "a dict", ast.Set: "a set",
    ast.JoinedStr: "an f-string", ast.NamedExpr: "an assignment expression", ast.Starred: "starred",
    ast.Await: "await", ast.Yield: "yield", ast.YieldFrom: "yield", ast.Slice: "a slice",
}


def _caret_map(text: str) -> tuple[str, list[int]]:
    """Replace ``^`` by ``**`` and map columns of the new text back to the original."""
    out, cols = [], []
    for col, ch in enumerate(text):
        if ch == "^":
            out.append("**")
            cols += [col, col]
        else:
            out.append(ch)
            cols.append(col)
    cols.append(len(text))
    return "".join(out), cols


class _Statement:
    """One parsed statement: its text, its AST and where columns map back."""

    def __init__(self, text: str, index: int | None, program: bool):
        if not isinstance(text, str):
            raise ExpressionError(f"expected a string, got {type(text).__name__}", statement=index)
        self.text, self.index = text, index
        if len(text) > MAX_LENGTH:
            raise self.error(f"expression is {len(text)} characters long; the limit is {MAX_LENGTH}", None)
        if not text.strip():
            raise self.error("empty expression", None)
        self._check_characters()
        src, self.cols = _caret_map(text)
        try:
            with warnings.catch_warnings():  # Python's own warnings about odd literals are noise here
                warnings.simplefilter("ignore", SyntaxWarning)
                tree = ast.parse(src.strip(), mode="exec" if program else "eval")
        except SyntaxError as err:
            if not err.offset:  # Python can't place it: the text ended before the expression did
                raise self.error("syntax error: the expression ends too early (an operand or ')' is missing)",
                                 self.col(len(src.rstrip()))) from None
            col = err.offset - 1 + (len(src) - len(src.lstrip()))
            raise self.error(f"syntax error: {err.msg}", self.col(col), hint=_implicit_product(text)) from None
        except (RecursionError, MemoryError) as err:
            raise self.error(f"expression too long or deep for Python's parser ({type(err).__name__})", 0,
                             hint="split it into a program of statements: dk.expr(['s1 = ...', 's2 = s1 + ...'])"
                             ) from None
        except (ValueError, OverflowError) as err:
            raise self.error(f"expression can't be parsed: {type(err).__name__}", 0) from None
        self.offset = len(src) - len(src.lstrip())
        self.target: str | None = None
        if program:
            body = tree.body
            if len(body) == 1 and isinstance(body[0], ast.Expr):
                self.node = body[0].value
            elif (len(body) == 1 and isinstance(body[0], ast.Assign) and len(body[0].targets) == 1
                  and isinstance(body[0].targets[0], ast.Name)):
                self.target = body[0].targets[0].id
                _check_name(self, body[0].targets[0])
                self.node = body[0].value
            else:
                where = body[0] if body else None
                raise self.error("a program statement must be 'name = expression'",
                                 self.at(where) if where else 0)
        else:
            self.node = tree.body

    def _check_characters(self) -> None:
        """Refuse the first character outside printable ASCII, and comments, at its column."""
        for col, ch in enumerate(self.text):
            if ch == "#":
                raise self.error("comments (#) are not allowed in an expression", col,
                                 hint="remove the comment; write notes outside the expression")
            if ord(ch) > 127:
                instead = _INSTEAD.get(ch)
                raise self.error(f"non-ASCII character {ch!r} (U+{ord(ch):04X}) in an expression", col,
                                 hint=f"write {instead} instead" if instead else
                                 "expressions are ASCII: names are letters, digits and _ (x, x1, theta)")
            if (ord(ch) < 32 and ch not in "\t\n\r") or ord(ch) == 127:
                raise self.error(f"control character {ch!r} in an expression", col,
                                 hint="expressions are printable text")

    def col(self, c: int) -> int:
        return self.cols[min(max(c, 0), len(self.cols) - 1)]

    def at(self, node: ast.AST) -> int:
        return self.col(getattr(node, "col_offset", 0) + self.offset)

    def error(self, message: str, column: int | None, hint: str | None = None, node=None) -> ExpressionError:
        length = 1
        if node is not None and getattr(node, "end_col_offset", None) is not None and node.end_lineno == node.lineno:
            length = self.col(node.end_col_offset + self.offset) - column
        return ExpressionError(message, column=column, statement=self.index, text=self.text,
                               hint=hint, length=length)

    def names(self) -> list[tuple[str, ast.Name]]:
        """Free names read by the statement, in order of appearance."""
        found = []
        stack = [self.node]
        while stack:  # iterative, and in source order
            n = stack.pop()
            if isinstance(n, ast.Name):
                found.append((n.id, n))
            elif isinstance(n, ast.Call):
                stack.extend(reversed(n.args))
            else:
                stack.extend(reversed(list(ast.iter_child_nodes(n))))
        found.sort(key=lambda p: (p[1].lineno, p[1].col_offset))
        return found


def _implicit_product(text: str) -> str | None:
    """"did you mean 2*x?" for a number written against a name or a parenthesis."""
    m = _IMPLICIT_PRODUCT.search(text)
    if m is None:
        return None
    if len(m.group(0)) > 40:
        return "multiplication needs *: write 2*x, not 2x"
    return f"did you mean {m.group(1)}*{m.group(2)}? (multiplication needs *)"


def _check_name(stmt: _Statement, node: ast.Name) -> None:
    if node.id.startswith("__") or not node.id.isidentifier() or not node.id.isascii():
        raise stmt.error(f"name {node.id!r} is not allowed", stmt.at(node), node=node,
                         hint="names are ASCII identifiers that don't start with '__'")


class _Builder:
    """Walks one statement's AST into graph nodes (iteratively: no recursion limit)."""

    def __init__(self, builder: GraphBuilder, named: dict[str, int], constants: dict[str, float]):
        self.b = builder
        self.named = named
        self.constants = constants

    def build(self, stmt: _Statement) -> int | list[int]:
        root = stmt.node
        if isinstance(root, ast.Tuple):
            return [self._expr(stmt, e) for e in root.elts]
        return self._expr(stmt, root)

    def _expr(self, stmt: _Statement, root: ast.AST) -> int:
        done: dict[int, int] = {}
        stack: list[tuple[ast.AST, bool, int]] = [(root, False, 0)]
        while stack:
            node, ready, depth = stack.pop()
            if depth > _MAX_DEPTH:
                raise stmt.error(f"expression nested deeper than {_MAX_DEPTH} levels", stmt.at(node))
            kids = self._children(stmt, node)
            if not ready and kids:
                stack.append((node, True, depth))
                # a left operand that is itself a binary operation continues a chain (a + b + c ...),
                # which reads as flat, however long: only real nesting counts towards the limit
                stack.extend((k, False, depth + (not (isinstance(node, ast.BinOp) and k is node.left
                                                      and isinstance(k, ast.BinOp))))
                             for k in reversed(kids))
                continue
            done[id(node)] = self._emit(stmt, node, [done[id(k)] for k in kids])
        return done[id(root)]

    def _children(self, stmt: _Statement, node: ast.AST) -> list[ast.AST]:
        if isinstance(node, ast.BinOp):
            if type(node.op) not in _BINOPS:
                sym = {ast.BitXor: "^", ast.FloorDiv: "//", ast.MatMult: "@",
                       ast.BitAnd: "&", ast.BitOr: "|", ast.LShift: "<<", ast.RShift: ">>"}
                hint = ("write floor(x / y)" if isinstance(node.op, ast.FloorDiv)
                        else "use + - * / %, and ^ or ** for powers")
                raise stmt.error(f"operator {sym.get(type(node.op), type(node.op).__name__)!r} is not supported",
                                 stmt.at(node), hint=hint, node=node)
            return [node.left, node.right]
        if isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, (ast.USub, ast.UAdd)):
                raise stmt.error("only unary minus and plus are supported", stmt.at(node), node=node)
            return [node.operand]
        if isinstance(node, ast.Call):
            op = self._check_call(stmt, node)
            return list(node.args[:op.arity])
        if isinstance(node, (ast.Name, ast.Constant)):
            return []
        what = _WHAT.get(type(node), type(node).__name__)
        raise stmt.error(f"{what} is not allowed in an expression", stmt.at(node), node=node,
                         hint="expressions use numbers, variables, + - * / ^ and functions such as sin(x)")

    def _check_call(self, stmt: _Statement, node: ast.Call):
        if not isinstance(node.func, ast.Name):
            hint = ("multiplication needs *: write 2*(x + 1), (x + 1)*(x - 1)"
                    if isinstance(node.func, (ast.Constant, ast.BinOp, ast.UnaryOp, ast.Call)) else None)
            raise stmt.error("only plain function names can be called", stmt.at(node.func), node=node.func,
                             hint=hint)
        name = ALIASES.get(node.func.id, node.func.id)
        op = EXPR_OPS.get(name)
        if op is None or (op.infix is not None and name not in _CALLABLE_OPERATORS):
            close = difflib.get_close_matches(node.func.id, FUNCTION_NAMES, n=1, cutoff=0.75)
            hint = f"did you mean {close[0]!r}?" if close else (
                f"if {node.func.id} is a variable, multiplication needs *: {node.func.id}*(...); "
                f"the functions are listed in the README")
            raise stmt.error(f"unknown function {node.func.id!r}", stmt.at(node.func), hint=hint, node=node.func)
        options = _option_names(op.impl, op.arity)
        for kw in node.keywords:
            if kw.arg not in options:
                takes = f"only {', '.join(options)} by name" if options else "no keyword arguments"
                raise stmt.error(f"{name}() takes {takes}", stmt.at(kw.value), node=kw.value)
        given = len(node.args) + len(node.keywords)
        if len(node.args) < op.arity or given > op.arity + len(options):
            takes = f"{op.arity}" + (f" to {op.arity + len(options)}" if options else "")
            raise stmt.error(f"{name}() takes {takes} argument(s), got {given}", stmt.at(node), node=node,
                             hint=f"{name}({', '.join(['x', 'y'][:op.arity] + list(options))})" if options else None)
        return op

    def _options(self, stmt: _Statement, node: ast.Call, op) -> dict:
        """The option arguments after an op's arguments (``clip(x, 0, 1)``, ``clip(x, hi=1)``), as numbers."""
        names = _option_names(op.impl, op.arity)
        given = list(zip(names, node.args[op.arity:])) + [(kw.arg, kw.value) for kw in node.keywords]
        out = {}
        for name, arg in given:
            if name in out:
                raise stmt.error(f"{op.name}() got {name} twice", stmt.at(arg), node=arg)
            value = self._number(arg)
            if value is None:
                raise stmt.error(f"{op.name}()'s {name} must be a number", stmt.at(arg), node=arg,
                                 hint="for a bound that varies write minimum(maximum(x, lo), hi)"
                                 if op.name == "clip" else None)
            out[name] = value
        return out

    def _number(self, node: ast.AST) -> float | None:
        sign = 1.0
        while isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            sign = -sign if isinstance(node.op, ast.USub) else sign
            node = node.operand
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) \
                and not isinstance(node.value, bool):
            return sign * float(node.value)
        if isinstance(node, ast.Name) and node.id in self.constants and node.id not in self.named:
            return sign * self.constants[node.id]
        return None

    def _emit(self, stmt: _Statement, node: ast.AST, args: list[int]) -> int:
        b = self.b
        if isinstance(node, ast.BinOp):
            return b.apply(_BINOPS[type(node.op)], args)
        if isinstance(node, ast.UnaryOp):
            return args[0] if isinstance(node.op, ast.UAdd) else b.apply("neg", args)
        if isinstance(node, ast.Call):
            op = EXPR_OPS[ALIASES.get(node.func.id, node.func.id)]
            return b.apply(op, args, self._options(stmt, node, op))
        if isinstance(node, ast.Constant):
            v = node.value
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise stmt.error(f"constant {v!r} is not a number", stmt.at(node), node=node)
            if isinstance(v, int) and abs(v) > 2**1023:
                raise stmt.error("integer literal too large", stmt.at(node), node=node)
            return b.const(v)
        # ast.Name
        _check_name(stmt, node)
        if node.id in self.named:
            return self.named[node.id]
        if node.id in self.constants:
            return b.const(self.constants[node.id])
        if node.id in EXPR_OPS or node.id in ALIASES:
            raise stmt.error(f"{node.id!r} is a function; call it, as in {node.id}(x)", stmt.at(node), node=node)
        return b.input(node.id)


def parse(source: str | Sequence[str], *, variables: Sequence[str] | None = None,
          outputs: Sequence[str] | None = None, parameters: Sequence[str] | None = None) -> Graph:
    """Parse an expression, a tuple of expressions, or a program into a :class:`Graph`.

    Parameters
    ----------
    source : str or list of str
        ``"log(x1) + x1*x2 - sin(x2)"``, ``"x*y, x+y"`` (two outputs), or a
        program ``["xx = xa^2", "xy = ab*xx + ac*xa", ...]``.
    variables : sequence of str, optional
        Order of the inputs (default: order of first appearance). A constant's
        name listed here (``e``, ``pi``) is a variable in this expression.
    outputs : sequence of str, optional
        Statement names that are outputs (default: statements nothing else reads).
    parameters : sequence of str, optional
        Variables to treat as learnable parameters in ``depends_on``/``leads_to``.
        Default for programs: the primer's convention, when every assigned name
        starts with ``x``, the free names that don't are parameters.

    Example
    -------
    >>> from diffkit.expr.parser import parse
    >>> g = parse(["xx = xa^2", "xy = ab*xx + ac*xa", "xz = bc*xx + xy", "xw = cd*xx + xz^3"])
    >>> g.depends_on["xw"], g.leads_to["xx"]
    (['xx', 'xz'], ['xy', 'xz', 'xw'])
    >>> parse("e^x").variables, parse("e^x", variables=["e", "x"]).variables
    (('x',), ('e', 'x'))
    """
    variables = None if variables is None else unique_names(variables, "variables=")
    outputs = None if outputs is None else unique_names(outputs, "outputs=")
    parameters = None if parameters is None else unique_names(parameters, "parameters=")
    constants = {k: v for k, v in CONSTANTS.items() if k not in (variables or ())}
    b = GraphBuilder()
    if isinstance(source, str):
        stmt = _Statement(source, None, program=False)
        out = _Builder(b, {}, constants).build(stmt)
        outs = out if isinstance(out, list) else [out]
        if outputs is not None:
            raise ExpressionError("outputs= names statements; a single expression has none")
        return b.build(outs, variables=variables, parameters=parameters or ())
    if not isinstance(source, Sequence) or not source:
        raise ExpressionError(f"expected an expression string or a non-empty list of statements, got {source!r:.80}")
    stmts = [_Statement(s, i, program=True) for i, s in enumerate(source)]
    return _build_program(b, stmts, variables, outputs, parameters, constants)


def _build_program(b: GraphBuilder, stmts: list[_Statement], variables, outputs, parameters,
                   constants: dict[str, float]) -> Graph:
    defined: dict[str, _Statement] = {}
    for s in stmts:
        if s.target is None:
            continue
        if s.target in defined:
            first = defined[s.target].index + 1
            raise s.error(f"{s.target!r} is assigned twice (first in statement {first})", 0,
                          hint="give each statement its own name: programs are single-assignment")
        if s.target in constants or s.target in EXPR_OPS or s.target in ALIASES:
            raise s.error(f"{s.target!r} is a built-in name and can't be assigned", 0)
        defined[s.target] = s
    # Build statements in dependency order (iterative DFS, cycles reported).
    named: dict[str, int] = {}
    results: dict[int, int | list[int]] = {}
    state: dict[int, str] = {}
    builder = _Builder(b, named, constants)
    # Free names first, in order of first appearance across the program text,
    # so that variables keep that order whatever order statements are built in.
    for s in stmts:
        for name, node in s.names():
            if name not in defined and name not in constants and name not in EXPR_OPS and name not in ALIASES:
                _check_name(s, node)
                b.input(name)
    for s in stmts:
        stack = [(s, False)]
        while stack:
            cur, ready = stack.pop()
            if state.get(cur.index) == "done":
                continue
            if ready:
                out = builder.build(cur)
                results[cur.index] = out
                if cur.target is not None:
                    if isinstance(out, list):
                        raise cur.error("a statement assigns one value", 0)
                    named[cur.target] = out
                    if b.nodes[out].op is not None and b.nodes[out].name is None:
                        b.nodes[out].name = cur.target
                state[cur.index] = "done"
                continue
            if state.get(cur.index) == "active":
                raise cur.error(f"statements form a cycle through {cur.target!r}", 0,
                                hint="each name must be computed from names defined without it")
            state[cur.index] = "active"
            stack.append((cur, True))
            for name, node in cur.names():
                dep = defined.get(name)
                if dep is not None and state.get(dep.index) != "done":
                    if state.get(dep.index) == "active":
                        raise cur.error(f"statements form a cycle through {name!r}", cur.at(node),
                                        node=node, hint="each name must be computed from names defined without it")
                    stack.append((dep, False))
    read = {name for s in stmts for name, _ in s.names()}
    if outputs is not None:
        missing = [o for o in outputs if o not in defined]
        if missing:
            raise ExpressionError(f"outputs {missing!r} are not assigned by any statement",
                                  hint=f"assigned names: {', '.join(defined)}")
        out_names = list(outputs)
    else:
        out_names = [s.target for s in stmts if s.target is not None and s.target not in read]
    outs, names = [], []
    for s in stmts:  # unnamed statements are outputs too (["sin(x)", "cos(x)"])
        if s.target is None:
            r = results[s.index]
            for o in r if isinstance(r, list) else [r]:
                outs.append(o)
                names.append(f"y_{len(names) + 1}")
    for n in out_names:
        outs.append(named[n])
        names.append(n)
    if not outs:
        raise ExpressionError("the program has no output: every assigned name is read by another statement",
                              hint="name the outputs with outputs=[...]")
    if parameters is None:
        free = [n for n in b._inputs]
        primer = defined and all(t.startswith("x") for t in defined)
        parameters = [n for n in free if not n.startswith("x")] if primer else []
    return b.build(outs, names, variables=variables, parameters=parameters)
