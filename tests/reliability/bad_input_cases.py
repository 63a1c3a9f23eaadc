"""The bad-input table: one list of cases, read by the tests and by the doc generator.

Each :class:`Case` is a call a user might make with wrong input, and what
diffkit does: the error class it raises, or the warning it gives. The test
``test_bad_input.py`` runs every case; ``docs/bad_input.md`` is generated from
the same list (with the first line of each actual message) by

    python tests/reliability/bad_input_cases.py > docs/bad_input.md

and a test checks that the committed doc is up to date.
"""

from __future__ import annotations

import math
import os
import re
import tempfile
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

import diffkit as dk
from diffkit import nn, optim
from diffkit.numeric import NumericWarning

#: A scratch folder for the save/load and plot cases; shown as <tmp> in the doc.
TMP = tempfile.mkdtemp(prefix="dk-bad-input-")


class Returns:
    """Not an error: the call returns, and ``Case.check`` says what it returns (``Case.result`` in words)."""


@dataclass
class Case:
    """One row: where, what is wrong, the call, and the error class (or warning) it must give."""

    entry: str
    situation: str
    code: str  # the call as a user would write it (shown in the doc)
    call: Callable[[], Any]
    expect: type
    match: str | None = None  # a regex the message must contain
    check: Callable[[Any], bool] | None = None  # for Returns: a predicate on the result
    result: str = ""  # for Returns: the result in words

    @property
    def id(self) -> str:
        return re.sub(r"[^A-Za-z0-9]+", "-", f"{self.entry} {self.situation}").strip("-").lower()


def run(case: Case) -> tuple[type, str]:
    """Run a case: ``(class raised or warned, its message)``.

    Raises AssertionError when the call neither raises nor warns as expected.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            out = case.call()
        except (Exception, SystemExit) as err:  # noqa: BLE001 - we classify whatever comes out
            return type(err), str(err)
    if case.expect is Returns:
        if not case.check(out):
            raise AssertionError(f"{case.code}: returned {out!r:.200}, expected {case.result}")
        return Returns, case.result
    if issubclass(case.expect, Warning):
        for w in caught:
            if issubclass(w.category, case.expect):
                return w.category, str(w.message)
    kinds = sorted({w.category.__name__ for w in caught})
    raise AssertionError(f"{case.code}: no error raised (warnings: {kinds or 'none'})")


def _freed_loss_graph() -> Any:
    x = dk.tensor([1.0, 2.0], requires_grad=True)
    loss = (x * x).sum()
    loss.backward()
    return dk.plot.graph(loss)


def _first_line(text: str) -> str:
    lines = [s.strip() for s in text.strip().splitlines()] or [""]
    line = lines[0]
    if line.endswith(":") and len(lines) > 1:  # "Error(s) in loading state_dict for Linear:" + the first error
        line += " " + lines[1]
    line = line.replace(TMP, "<tmp>")
    return re.sub(r"0x[0-9a-f]{6,}", "0x…", line)  # object addresses, not a short hex float


# ---------------------------------------------------------------------------- helpers used by the cases

F = dk.expr("x*y + sin(x)")
TWO = dk.expr("x*y, x + y")
NUMERIC = {"FiniteDiff", "ComplexStep", "Richardson"}
METHODS = {
    "Symbolic": dk.Symbolic(), "FiniteDiff": dk.FiniteDiff(), "ComplexStep": dk.ComplexStep(),
    "Richardson": dk.Richardson(), "ForwardMode": dk.ForwardMode(), "ReverseMode": dk.ReverseMode(),
}


def _tmp(name: str) -> str:
    return os.path.join(TMP, name)


def _truncated() -> str:
    path = _tmp("truncated.npz")
    dk.save(nn.Linear(2, 2).state_dict(), path)
    data = open(path, "rb").read()
    with open(path, "wb") as fh:
        fh.write(data[: len(data) // 2])
    return path


def _leaf(*shape: int) -> dk.Tensor:
    return dk.tensor(np.ones(shape), requires_grad=True, dtype="float64")


def _freed() -> None:
    y = (_leaf(2) * 2).sum()
    y.backward()
    y.backward()


def _stale() -> None:
    x = _leaf(2)
    h = x * 1.0
    y = (h * h).sum()
    with dk.no_grad():
        h.add_(1.0)
    y.backward()


class _NoBackward(dk.Function):
    @staticmethod
    def forward(ctx, x):
        return x * 2


class _WrongShapeGrad(dk.Function):
    @staticmethod
    def forward(ctx, x):
        return x * 2

    @staticmethod
    def backward(ctx, g):
        return dk.tensor(np.ones(7), dtype="float64")


class _TooManyGrads(dk.Function):
    @staticmethod
    def forward(ctx, x):
        return x * 2

    @staticmethod
    def backward(ctx, g):
        return g * 2, g


def _no_grad_view() -> None:
    h = _leaf(2) * 1.0
    with dk.no_grad():
        v = h[0:1]
    v.mul_(10.0)


def _hook_changes_shape() -> None:
    x = _leaf(2)
    x.register_hook(lambda g: dk.ones(3))
    (x * 2).sum().backward()


def _nan_in_backward() -> None:
    x = dk.tensor([0.0], dtype="float64", requires_grad=True)
    with dk.autograd.detect_anomaly(), np.errstate(invalid="ignore"):
        (x.sqrt() * 0.0).backward()
class _NoJvp(dk.Function):
    @staticmethod
    def forward(ctx, x):
        return x**3

    @staticmethod
    def backward(ctx, g):
        return g


class _OnlyJvp(dk.Function):
    @staticmethod
    def forward(ctx, x):
        return x * 2.0

    @staticmethod
    def jvp(ctx, t):
        return t * 2.0


def _apply_backward(fn: type) -> None:
    x = _leaf(3)
    fn.apply(x).sum().backward()


def _cli(*argv: str) -> int:
    """Run the command line; a failure becomes SystemExit("status: last line it printed to stderr")."""
    import contextlib
    import io

    from diffkit.cli import main

    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):  # the doc is stdout
        status = main(list(argv))
    if status != 0:
        printed = [s for s in err.getvalue().splitlines() if s.strip()]
        raise SystemExit(f"exit status {status}: {printed[-1] if printed else ''}")
    return status


def _cli_note(*argv: str) -> str:
    """Run the command line when it must succeed: what it said on stderr (its notes), or SystemExit as _cli."""
    import contextlib
    import io

    from diffkit.cli import main

    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        status = main(list(argv))
    printed = [s for s in err.getvalue().splitlines() if s.strip()]
    if status != 0:
        raise SystemExit(f"exit status {status}: {printed[-1] if printed else ''}")
    return "\n".join(printed)


def _tmp_file(name: str, text: str) -> str:
    path = _tmp(name)
    with open(path, "w") as fh:
        fh.write(text)
    return path


@dataclass
class CliCase:
    """A command line the CLI must answer with one line and an exit status (0 with a note, 2 or 3), never a
    traceback; tests/cli/test_cli_bad_input.py runs each in a fresh process too."""

    situation: str
    argv: list[str]
    status: int
    match: str  # a regex: the last stderr line; for status 0 the notes on stderr or, with stdout=True, the output
    stdout: bool = False
    result: str = ""  # for status 0: what it does, in words (the doc's message column)
    shown: str = ""  # the command as the doc shows it, where the real one is too long to read

    @property
    def code(self) -> str:
        import shlex

        from diffkit.cli.arguments import printable

        return self.shown or printable("diffkit " + " ".join(shlex.quote(a) for a in self.argv)).replace(TMP, "<tmp>")


_DEEP = "sin(" * 150 + "x" + ")" * 150
_FALLBACK = "exit status 0: the table, errors against the next method, and a note that the symbolic reference failed"
_WARNED = "exit status 0: the table (inf and nan where NumPy gives them), and one line summing up the warnings"
CLI_CASES = [
    CliCase("division by 0", ["compare", "x/0", "--at", "x=1"], 0, "warnings: NumericWarning", result=_WARNED),
    CliCase("log(0)", ["compare", "log(0)*x", "--at", "x=1"], 0, "warnings: NumericWarning", result=_WARNED),
    CliCase("a variable named self", ["compare", "sin(self)", "--at", "self=1", "--methods", "reverse"], 0,
            r"0\.5403023059", stdout=True, result="exit status 0: the gradient cos(1) = 0.5403023059"),
    CliCase("eval of a variable named self", ["eval", "self", "--at", "self=1"], 0, r"v_0\s+self", stdout=True,
            result="exit status 0: the primal trace"),
    CliCase("a variable named like a SymPy function", ["compare", "max(x, Heaviside)", "--at", "x=1",
                                                      "Heaviside=2"], 0, "symbolic reference failed",
            result=_FALLBACK),
    CliCase("150 nested sin", ["compare", _DEEP, "--at", "x=1", "--methods", "reverse"], 0,
            "symbolic reference failed .*RecursionError", result=_FALLBACK,
            shown="diffkit compare 'sin(sin(...sin(x)...))' --at x=1 --methods reverse  (150 deep)"),
    CliCase("a complex constant inside max", ["compare", "max(3*x, asin(pi))", "--at", "x=1"], 0,
            "warnings: NumericWarning", result=_WARNED),
    CliCase("implicit multiplication", ["compare", "max(3x, asin(pi))", "--at", "x=1"], 2,
            "invalid decimal literal .*column 5"),
    CliCase("division by zero in a trace", ["trace", "x/0", "--at", "x=1"], 0, r"x̄\s+v̄_0\s+inf", stdout=True,
            result="exit status 0: the trace, with inf where NumPy gives inf"),
    CliCase("steps of a constant", ["steps", "3"], 2, "no variables"),
    CliCase("steps -o onto a folder", ["steps", "x^2", "--at", "x=1", "-o", TMP], 2, "is a folder"),
    CliCase("an output format matplotlib can't write", ["steps", "x^2", "--at", "x=1", "-o", _tmp("f.jpg")], 2,
            r"use a \.png, \.svg or \.pdf"),
    CliCase("swell with an infinite time limit", ["swell", "logistic", "--time-limit", "inf"], 2,
            "positive, finite number of seconds"),
    CliCase("check of a file with a syntax error", ["check", _tmp("bad_syntax.py") + ":f",
                                                    _tmp("bad_syntax.py") + ":f"], 3, "syntax error in .*line 1"),
    CliCase("check of a module that raises at import", ["check", _tmp("raises.py") + ":f",
                                                        _tmp("raises.py") + ":f"], 3,
            "raised RuntimeError: at import"),
    CliCase("check of a function that raises", ["check", _tmp("quad.py") + ":loss", _tmp("quad.py") + ":boom"],
            3, "boom raised ValueError: boom .*line"),
    CliCase("check of a function that takes no argument", ["check", "os:getcwd", "os:getcwd"], 2,
            r"can't be called with 1 argument"),
    CliCase("check of a module that does not exist", ["check", "nosuchmodule:f", "nosuchmodule:g"], 2,
            "no such module"),
    CliCase("check with a non-numeric point", ["check", _tmp("quad.py") + ":loss", _tmp("quad.py") + ":grad",
                                               "--at", "x=abc"], 2, "give a number, a list"),
    CliCase("check with a point too large for memory", ["check", _tmp("quad.py") + ":loss",
                                                        _tmp("quad.py") + ":grad", "--dim", "1000000000000"], 2,
            "of memory"),
    CliCase("tour -o onto an existing file", ["tour", "-o", _tmp("quad.py")], 2, "is a file"),
    CliCase("tour -o under a file", ["tour", "-o", _tmp("quad.py") + "/report"], 2, "is a file, not a folder"),
    CliCase("tour -o into a place that can't be written", ["tour", "-o", "/proc/diffkit-tour"], 2,
            "can't write into"),
    CliCase("forward trace of an unknown variable", ["trace", "x^2", "--at", "x=1", "--mode", "forward",
                                                     "--wrt", "q"], 2, "--wrt q: not a variable"),
    CliCase("an expression file that is missing", ["compare", "@" + _tmp("missing.txt"), "--at", "x=1"], 2,
            "can't read the expression file"),
    CliCase("a long expression from a file", ["eval", "-f", _tmp("long.txt"), "--at", "x=0.5"], 0,
            r"y_1\s+v_2000", stdout=True, result="exit status 0: the trace of x + x + ... (2001 terms)"),
    CliCase("HTML in a comment, Markdown output", ["compare", "x # <img src=x onerror=alert(1)>", "--at", "x=1",
                                                   "--format", "md", "--methods", "reverse"], 2,
            r"comments \(#\) are not allowed in an expression \(at column 3\)"),
    CliCase("a terminal escape in a comment", ["eval", "x # \x1b[31mred", "--at", "x=1"], 2,
            r"^(?![\s\S]*\x1b)[\s\S]*comments \(#\) are not allowed"),
    CliCase("an incomplete expression", ["eval", "x^2 +", "--at", "x=1"], 2, "ends too early .*column 6"),
    CliCase("no command (prints the help)", [], 2, "Exit status: 0 done"),
    CliCase("an option without its value", ["compare", "x", "--at"], 2,
            "diffkit compare: argument --at: expected at least one argument"),
]


def _cli_case(c: CliCase) -> Case:
    if c.status == 0 and c.stdout:
        def call(c=c):
            import contextlib
            import io

            from diffkit.cli import main

            out = io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
                status = main(list(c.argv))
            return status, out.getvalue()

        return Case("diffkit CLI", c.situation, c.code, call, Returns,
                    check=lambda r, c=c: r[0] == 0 and re.search(c.match, r[1], re.M) is not None, result=c.result)
    if c.status == 0:
        return Case("diffkit CLI", c.situation, c.code, lambda c=c: _cli_note(*c.argv), Returns,
                    check=lambda note, c=c: re.search(c.match, note) is not None, result=c.result)
    return Case("diffkit CLI", c.situation, c.code, lambda c=c: _cli(*c.argv), SystemExit,
                # a match that starts with ^ is anchored at the start of the line, just after the status
                f"exit status {c.status}: " + (c.match[1:] if c.match.startswith("^") else ".*" + c.match))


_tmp_file("bad_syntax.py", "def f(x:\n    pass\n")
_tmp_file("raises.py", "raise RuntimeError('at import')\n")
_tmp_file("quad.py", "import numpy as np\ndef loss(x): return float(np.sum(x**2))\ndef grad(x): return x\n"
          "def boom(x): raise ValueError('boom')\n")
_tmp_file("long.txt", "x" + " + x" * 2000 + "\n")

# ---------------------------------------------------------------------------- the cases

CASES: list[Case] = [
    # -- dk.expr ---------------------------------------------------------------------------
    Case("dk.sin", "a string for a number", 'dk.sin("x")', lambda: dk.sin("x"), dk.ArgumentTypeError,
         match="text"),
    Case("dk.round", "a list holding a string", 'dk.round([1.5, "a"])', lambda: dk.round([1.5, "a"]),
         dk.ArgumentTypeError, match="holds text"),
    Case("Tensor + ...", "a string operand", 'dk.tensor([1.0]) + "a"', lambda: dk.tensor([1.0]) + "a",
         dk.ArgumentTypeError, match="argument 2 of 2"),
    Case("dk.expr", "text that does not parse", 'dk.expr("sin(x")', lambda: dk.expr("sin(x"),
         dk.ExpressionError),
    Case("dk.expr", "unknown function name", 'dk.expr("sinn(x)")', lambda: dk.expr("sinn(x)"),
         dk.ExpressionError, "did you mean 'sin'"),
    Case("dk.expr", "wrong type", "dk.expr(42)", lambda: dk.expr(42), dk.ExpressionError),
    Case("dk.expr", "empty text", 'dk.expr("")', lambda: dk.expr(""), dk.ExpressionError),
    Case("dk.expr", "Python code (attribute access)", 'dk.expr("x.__class__")',
         lambda: dk.expr("x.__class__"), dk.ExpressionError),
    Case("dk.expr", "a call that is not an op", "dk.expr(\"__import__('os')\")",
         lambda: dk.expr("__import__('os')"), dk.ExpressionError),
    Case("dk.expr", "a name assigned twice in a program", 'dk.expr(["y = x^2", "y = 3*x"])',
         lambda: dk.expr(["y = x^2", "y = 3*x"]), dk.ExpressionError),
    # (the expression front end: names, characters, options, sizes)
    Case("dk.expr", "a number against a name", 'dk.expr("2x + 1")', lambda: dk.expr("2x + 1"),
         dk.ExpressionError, "did you mean 2\\*x"),
    Case("dk.expr", "a look-alike letter (full-width x)", 'dk.expr("\\uff58 + x")', lambda: dk.expr("\uff58 + x"),
         dk.ExpressionError, "non-ASCII character"),
    Case("dk.expr", "a Greek letter", 'dk.expr("2*\\u03c0*x")', lambda: dk.expr("2*\u03c0*x"),
         dk.ExpressionError, "write pi instead"),
    Case("dk.expr", "a comment", 'dk.expr("x # <img src=x>")', lambda: dk.expr("x # <img src=x>"),
         dk.ExpressionError, "comments"),
    Case("dk.expr", "a control character (an ANSI escape)", 'dk.expr("x + \\x1b[31m1")',
         lambda: dk.expr("x + \x1b[31m1"), dk.ExpressionError, "control character"),
    Case("dk.expr", "variables= not a list", 'dk.expr("x", variables=3)', lambda: dk.expr("x", variables=3),
         dk.ExpressionError, "must be a list of names"),
    Case("dk.expr", "outputs= not a list", 'dk.expr(["y = x"], outputs=3)',
         lambda: dk.expr(["y = x"], outputs=3), dk.ExpressionError, "must be a list of names"),
    Case("dk.expr", "parameters= not a list", 'dk.expr(["y = a*x"], parameters=3)',
         lambda: dk.expr(["y = a*x"], parameters=3), dk.ExpressionError, "must be a list of names"),
    Case("dk.expr", "a SymPy symbol that is no identifier", 'dk.expr(sp.Symbol("x\'") ** 2)',
         lambda: dk.expr(__import__("sympy").Symbol("x'") ** 2), dk.ExpressionError, "ASCII identifiers"),
    Case("dk.expr", "a variable bound in clip()", 'dk.expr("clip(x, y, 1)")', lambda: dk.expr("clip(x, y, 1)"),
         dk.ExpressionError, "must be a number"),
    Case("dk.expr", "floor division", 'dk.expr("x // 2")', lambda: dk.expr("x // 2"), dk.ExpressionError,
         "'//'"),
    Case("dk.trace", "a variable name that is markup", 'dk.trace(f, variables=["<img src=x onerror=alert(1)>"])',
         lambda: dk.trace(lambda a: dk.sin(a) * 2, variables=["<img src=x onerror=alert(1)>"]),
         dk.ExpressionError, "ASCII identifiers"),
    Case("dk.Symbolic", "an exact constant too large to compute (9^9^9)",
         'dk.Symbolic().gradient("x * 9**9**9", at={"x": 1.0})',
         lambda: dk.Symbolic().gradient("x * 9**9**9", at={"x": 1.0}), RuntimeWarning, "floating point"),
    Case("dk.Symbolic", "a constant outside the real domain",
         'dk.Symbolic().gradient("sqrt(-1)*asin(y)", at={"y": 1.0})',
         lambda: dk.Symbolic().gradient("sqrt(-1)*asin(y)", at={"y": 1.0}), Returns,
         check=lambda r: math.isnan(r.value), result="value nan, as every method gives (sqrt(-1) is nan, not i)"),
    Case("dk.ReverseMode", "division by a literal 0", 'dk.ReverseMode().gradient("x / 0", at={"x": 1.0})',
         lambda: dk.ReverseMode().gradient("x / 0", at={"x": 1.0}), Returns,
         check=lambda r: r.value == math.inf and r.gradient["x"] == math.inf,
         result="value inf, gradient inf, with NumPy's RuntimeWarning, as every method gives (not ZeroDivisionError)"),
    Case("dk.ComplexStep", "a kink (maximum)", 'dk.ComplexStep().gradient("maximum(x, 1/x)", at={"x": 0.5})',
         lambda: dk.ComplexStep().gradient("maximum(x, 1/x)", at={"x": 0.5}), NumericWarning, "maximum"),
    # -- calling an Expr ---------------------------------------------------------------------
    Case("Expr call", "missing variable", "f(x=1.0)", lambda: F(x=1.0), dk.ExpressionError, "no value given"),
    Case("Expr call", "unknown variable", "f(x=1.0, y=2.0, z=3.0)", lambda: F(x=1.0, y=2.0, z=3.0),
         dk.ExpressionError, "unknown variable"),
    Case("Expr call", "too many positional values", "f(1.0, 2.0, 3.0)", lambda: F(1.0, 2.0, 3.0),
         dk.ExpressionError),
    Case("Expr call", "a string value", 'f(x="1", y=2.0)', lambda: F(x="1", y=2.0), dk.ExpressionError),
    Case("Expr call", "a bool value", "f(x=True, y=2.0)", lambda: F(x=True, y=2.0), dk.ExpressionError),
    Case("Expr call", "shapes that don't broadcast", "f(x=np.ones(2), y=np.ones(3))",
         lambda: F(x=np.ones(2), y=np.ones(3)), dk.ShapeError),
    Case("Expr call", "outside the domain (log of a negative number)", 'dk.expr("log(x)")(x=-1.0)',
         lambda: dk.expr("log(x)")(x=-1.0), RuntimeWarning, "invalid value"),
    Case("Expr call", "division by zero", 'dk.expr("1/x")(x=0.0)', lambda: dk.expr("1/x")(x=0.0),
         RuntimeWarning, "divide by zero"),
    # -- dk.trace ----------------------------------------------------------------------------
    Case("dk.trace", "not a function", "dk.trace(5)", lambda: dk.trace(5), dk.ExpressionError),
    Case("dk.trace", "*args function", "dk.trace(lambda *a: a[0])", lambda: dk.trace(lambda *a: a[0]),
         dk.ExpressionError),
    Case("dk.trace", "Python control flow on a traced value", "dk.trace(lambda x: x if x > 0 else -x)",
         lambda: dk.trace(lambda x: x if x > 0 else -x), dk.ExpressionError),
    Case("dk.trace", "a math-module function", "dk.trace(lambda x: math.sin(x))",
         lambda: dk.trace(lambda x: math.sin(x)), dk.ExpressionError, "dk.sin"),
    # -- compare ---------------------------------------------------------------------------------
    Case("dk.compare", "at= not a mapping", 'dk.compare("x^2", at="x")', lambda: dk.compare("x^2", at="x"),
         dk.ExpressionError),
    Case("dk.compare", "unknown method name", 'dk.compare("x^2", at={"x": 1.0}, methods=["magic"])',
         lambda: dk.compare("x^2", at={"x": 1.0}, methods=["magic"]), dk.DiffkitError),
    # -- differentiator constructors ----------------------------------------------------------
    Case("dk.FiniteDiff", "unknown scheme", 'dk.FiniteDiff("sideways")', lambda: dk.FiniteDiff("sideways"),
         dk.DiffkitError),
    Case("dk.FiniteDiff", "negative step", "dk.FiniteDiff(h=-1e-3)", lambda: dk.FiniteDiff(h=-1e-3),
         dk.DiffkitError),
    Case("dk.FiniteDiff", "odd accuracy for central", 'dk.FiniteDiff("central", accuracy=3)',
         lambda: dk.FiniteDiff("central", accuracy=3), dk.DiffkitError),
    Case("dk.ComplexStep", "zero step", "dk.ComplexStep(h=0)", lambda: dk.ComplexStep(h=0), dk.DiffkitError),
    Case("dk.Symbolic", "unknown backend", 'dk.Symbolic(backend="maple")', lambda: dk.Symbolic(backend="maple"),
         dk.BackendError),
    Case("dk.ReverseMode", "unknown backend", 'dk.ReverseMode(backend="tpu")',
         lambda: dk.ReverseMode(backend="tpu"), dk.BackendError),
    Case("dk.ReverseMode", "no GPU / CuPy", 'dk.ReverseMode(backend="cupy").gradient(f, at)',
         lambda: dk.ReverseMode(backend="cupy").gradient(F, at={"x": 1.0, "y": 2.0}), dk.BackendError),
]

# every differentiator, the same misuses
for _name, _m in METHODS.items():
    CASES += [
        Case(f"{_name}.gradient", "at= a string", f'{_name}().gradient(f, at="x")',
             lambda m=_m: m.gradient(F, at="x"), dk.ExpressionError),
        Case(f"{_name}.gradient", "at= misses a variable", f'{_name}().gradient(f, at={{"x": 1.0}})',
             lambda m=_m: m.gradient(F, at={"x": 1.0}), dk.ExpressionError, "no value given"),
        Case(f"{_name}.gradient", "wrt= unknown name", f'{_name}().gradient(f, at, wrt="q")',
             lambda m=_m: m.gradient(F, at={"x": 1.0, "y": 2.0}, wrt="q"), dk.ExpressionError),
        Case(f"{_name}.gradient", "several outputs", f'{_name}().gradient("x*y, x + y", at)',
             lambda m=_m: m.gradient(TWO, at={"x": 1.0, "y": 2.0}), dk.ExpressionError, "jacobian"),
        Case(f"{_name}.gradient", "NaN in the point", f'{_name}().gradient(f, at={{"x": nan, "y": 2.0}})',
             lambda m=_m: m.gradient(F, at={"x": math.nan, "y": 2.0}).gradient,
             NumericWarning if _name in NUMERIC else Returns, "not finite" if _name in NUMERIC else None,
             check=lambda g: math.isnan(g["x"]) and math.isnan(g["y"]), result="nan, as NumPy propagates it"),
        Case(f"{_name}.jacobian", "a non-numeric value", f'{_name}().jacobian(f, at={{"x": "a", "y": 1}})',
             lambda m=_m: m.jacobian(F, at={"x": "a", "y": 1.0}), dk.ExpressionError),
        Case(f"{_name}.hessian", "several outputs", f'{_name}().hessian("x*y, x + y", at)',
             lambda m=_m: m.hessian(TWO, at={"x": 1.0, "y": 2.0}), dk.ExpressionError),
        Case(f"{_name}.derivative", "order 0", f"{_name}().derivative(f, at, wrt='x', order=0)",
             lambda m=_m: m.derivative(F, at={"x": 1.0, "y": 2.0}, wrt="x", order=0), dk.ArgumentError, "positive"),
        Case(f"{_name}.gradient", "arrays that don't broadcast",
             f'{_name}().gradient(f, at={{"x": np.ones(3), "y": np.ones(2)}})',
             lambda m=_m: m.gradient(F, at={"x": np.ones(3), "y": np.ones(2)}), dk.ShapeError, "broadcast"),
        Case(f"{_name}.gradient", "wrt= a number", f"{_name}().gradient(f, at, wrt=0)",
             lambda m=_m: m.gradient(F, at={"x": 1.0, "y": 2.0}, wrt=0), dk.ArgumentTypeError, "variable name"),
        Case(f"{_name}.derivative", "two variables, no wrt", f"{_name}().derivative(f, at)",
             lambda m=_m: m.derivative(F, at={"x": 1.0, "y": 2.0}), dk.ExpressionError, "wrt"),
    ]

CASES += [
    Case("FiniteDiff.gradient", "empty array point", 'dk.FiniteDiff().gradient("x^2", at={"x": np.array([])})',
         lambda: dk.FiniteDiff().gradient("x^2", at={"x": np.array([])}).gradient["x"], Returns,
         check=lambda g: np.shape(g) == (0,), result="an empty gradient, as NumPy broadcasting gives"),
    Case("ReverseMode.gradient", "empty array point", 'dk.ReverseMode().gradient("x^2", at={"x": np.array([])})',
         lambda: dk.ReverseMode().gradient("x^2", at={"x": np.array([])}).gradient["x"], Returns,
         check=lambda g: np.shape(g) == (0,), result="an empty gradient, as NumPy broadcasting gives"),
    # -- numeric on callables -----------------------------------------------------------------
    Case("dk.numeric.derivative", "not callable", "dk.numeric.derivative(5, 1.0)",
         lambda: dk.numeric.derivative(5, 1.0), dk.DiffkitError),
    Case("dk.numeric.derivative", "a string point", 'dk.numeric.derivative(np.sin, "a")',
         lambda: dk.numeric.derivative(np.sin, "a"), dk.DiffkitError),
    Case("dk.numeric.derivative", "unknown scheme", 'dk.numeric.derivative(np.sin, 1.0, scheme="up")',
         lambda: dk.numeric.derivative(np.sin, 1.0, scheme="up"), dk.DiffkitError),
    Case("dk.numeric.derivative", "negative step", 'dk.numeric.derivative(np.exp, 0.0, scheme="forward", h=-0.1)',
         lambda: dk.numeric.derivative(np.exp, 0.0, scheme="forward", h=-0.1), dk.ArgumentError, "positive"),
    Case("dk.check_grad", "fun returns None", "dk.check_grad(lambda x: None, lambda x: 2 * x, np.ones(2))",
         lambda: dk.check_grad(lambda x: None, lambda x: 2 * x, np.ones(2)), dk.ArgumentTypeError, "return"),
    Case("dk.numeric.derivative", "NaN point", "dk.numeric.derivative(np.sin, nan)",
         lambda: dk.numeric.derivative(np.sin, math.nan), NumericWarning),
    Case("dk.numeric.gradient", "empty point", "dk.numeric.gradient(np.sum, np.array([]))",
         lambda: dk.numeric.gradient(np.sum, np.array([])), Returns, check=lambda g: np.shape(g) == (0,),
         result="an empty gradient"),
    Case("dk.numeric.gradient", "vector-valued function", "dk.numeric.gradient(lambda v: v * 2, np.ones(3))",
         lambda: dk.numeric.gradient(lambda v: v * 2, np.ones(3)), dk.ShapeError),
    Case("dk.numeric.hessian", "2-d point", "dk.numeric.hessian(np.sum, np.ones((2, 2)))",
         lambda: dk.numeric.hessian(np.sum, np.ones((2, 2))), Returns,
         check=lambda H: H.shape == (2, 2, 2, 2) and np.allclose(H, 0, atol=1e-6),
         result="the Hessian of shape x.shape + x.shape (zero here)"),
    Case("dk.numeric.step_sweep", "unknown variable", 'step_sweep("x^2", at={"x": 1.0}, wrt="q")',
         lambda: dk.numeric.step_sweep("x^2", at={"x": 1.0}, wrt="q"), dk.DiffkitError),
    Case("dk.numeric.step_sweep", "unknown scheme", 'step_sweep("x^2", at={"x": 1.0}, schemes=["up"])',
         lambda: dk.numeric.step_sweep("x^2", at={"x": 1.0}, schemes=["up"]), dk.DiffkitError),
    Case("dk.numeric.optimal_step", "unknown scheme", 'optimal_step("up")',
         lambda: dk.numeric.optimal_step("up"), dk.DiffkitError),
    Case("dk.numeric.optimal_step", "integer dtype", 'optimal_step(dtype="int32")',
         lambda: dk.numeric.optimal_step(dtype="int32"), dk.DiffkitError),
    Case("dk.check_grad", "gradient of the wrong shape",
         "dk.check_grad(lambda v: (v**2).sum(), lambda v: 2*v[:2], np.ones(3))",
         lambda: dk.check_grad(lambda v: (v**2).sum(), lambda v: 2 * v[:2], np.ones(3)), dk.ShapeError),
    Case("dk.check_grad", "not callable", "dk.check_grad(1, 2, np.ones(3))",
         lambda: dk.check_grad(1, 2, np.ones(3)), TypeError, "must be a function"),
    Case("dk.gradcheck", "float32 inputs", "dk.gradcheck(fn, [dk.tensor(x32, requires_grad=True)])",
         lambda: dk.gradcheck(lambda t: (t * t).sum(), [dk.tensor([1.0, 2.0], requires_grad=True)], eps=1e-2,
                              atol=1e-2, rtol=1e-2),
         Warning, "float64"),
    Case("dk.gradcheck", "wrong gradient", "dk.gradcheck(MyBadFunction.apply, [x])",
         lambda: dk.gradcheck(_WrongGradient.apply, [_leaf(3)]), dk.GradientError),
    # -- tensors -------------------------------------------------------------------------------
    Case("dk.tensor", "a string", 'dk.tensor("abc")', lambda: dk.tensor("abc"), TypeError, "numbers"),
    Case("dk.tensor", "ragged nested lists", "dk.tensor([[1, 2], [3]])", lambda: dk.tensor([[1, 2], [3]]),
         dk.ShapeError),
    Case("dk.tensor", "a device that is not there", 'dk.tensor([1.0], device="cuda")',
         lambda: dk.tensor([1.0], device="cuda"), dk.BackendError),
    Case("dk.tensor", "unknown device name", 'dk.tensor([1.0], device="tpu")',
         lambda: dk.tensor([1.0], device="tpu"), dk.BackendError),
    Case("dk.tensor", "unknown dtype", 'dk.tensor([1.0], dtype="float128x")',
         lambda: dk.tensor([1.0], dtype="float128x"), dk.DiffkitError),
    Case("dk.tensor", "integers with requires_grad", "dk.tensor([1, 2], requires_grad=True)",
         lambda: dk.tensor([1, 2], requires_grad=True), dk.GradientError),
    Case("Tensor ops", "matmul shapes that don't fit", "dk.ones(2, 3) @ dk.ones(2, 3)",
         lambda: dk.ad.ones(2, 3) @ dk.ad.ones(2, 3), dk.ShapeError),
    Case("Tensor ops", "add shapes that don't broadcast", "dk.ones(2) + dk.ones(3)",
         lambda: dk.ad.ones(2) + dk.ad.ones(3), dk.ShapeError),
    Case("Tensor ops", "reshape to the wrong size", "dk.ones(4).reshape(3)",
         lambda: dk.ad.ones(4).reshape(3), dk.ShapeError),
    Case("Tensor ops", "index out of range", "dk.ones(3)[5]", lambda: dk.ad.ones(3)[5], IndexError),
    Case("Tensor ops", "item() of several elements", "dk.ones(3).item()", lambda: dk.ad.ones(3).item(),
         dk.ShapeError),
    Case("Tensor ops", "log of a negative number", "dk.tensor([-1.0]).log()",
         lambda: dk.tensor([-1.0]).log(), RuntimeWarning, "invalid value"),
    Case("Tensor.backward", "non-scalar without gradient=", "(x * 2).backward()",
         lambda: (_leaf(3) * 2).backward(), dk.GradientError),
    Case("Tensor.backward", "tensor that does not require grad", "dk.ones(2).sum().backward()",
         lambda: dk.ad.ones(2).sum().backward(), dk.GradientError),
    Case("Tensor.backward", "gradient= of the wrong shape", "(x * 2).backward(dk.ones(5))",
         lambda: (_leaf(3) * 2).backward(dk.ad.ones(5)), dk.ShapeError),
    Case("Tensor.backward", "a second time through a freed graph", "y.backward(); y.backward()", _freed,
         dk.GradientError, "second time"),
    Case("Tensor.backward", "a saved tensor edited in place", "h.add_(1.0) between forward and backward",
         _stale, dk.GradientError),
    Case("Tensor in-place", "in-place op on a leaf that requires grad", "x.add_(1.0)",
         lambda: _leaf(2).add_(1.0), dk.GradientError),
    Case("Tensor in-place", "in-place op on a view of a leaf that requires grad", "x[0:1].mul_(2.0)",
         lambda: _leaf(2)[0:1].mul_(2.0), dk.GradientError, "view of a leaf"),
    Case("Tensor in-place", "in-place op on an expanded tensor", "dk.ones(2).expand(3, 2).add_(1.0)",
         lambda: dk.ad.ones(2).expand(3, 2).add_(1.0), dk.ArgumentError, "single memory location"),
    Case("Tensor in-place", "a result of another shape", "(x * 1.0).add_(dk.ones(3, 2))",
         lambda: (_leaf(2) * 1.0).add_(dk.ad.ones(3, 2)), dk.ShapeError, "keeps the shape"),
    Case("Tensor in-place", "a view made under no_grad, changed with grad on", "v = h[0:1] (no_grad); v.mul_(10)",
         _no_grad_view, dk.GradientError, "no_grad"),
    Case("Tensor.view", "a shape that needs a copy", "dk.ones(2, 3).T.view(6)",
         lambda: dk.ad.ones(2, 3).T.view(6), dk.ShapeError, "reshape"),
    Case("Tensor.register_hook", "a tensor that does not require grad", "dk.ones(2).register_hook(f)",
         lambda: dk.ad.ones(2).register_hook(print), dk.GradientError, "require gradient"),
    Case("Tensor.register_hook", "a hook that changes the gradient's shape", "x.register_hook(lambda g: dk.ones(3))",
         _hook_changes_shape, dk.ShapeError, "shape"),
    Case("dk.autograd.grad", "an input the outputs do not use", "dk.autograd.grad(x * 2, [x, y])",
         lambda: dk.autograd.grad((_leaf(2) * 2).sum(), [_leaf(2)]), dk.GradientError, "allow_unused=True"),
    Case("dk.autograd.grad", "an input that does not require grad", "dk.autograd.grad(y, dk.ones(2))",
         lambda: dk.autograd.grad((_leaf(2) * 2).sum(), [dk.ad.ones(2)]), dk.GradientError, "does not require"),
    Case("dk.autograd.grad", "grad_outputs of the wrong shape", "dk.autograd.grad(x * 2, x, dk.ones(3))",
         lambda: (lambda x: dk.autograd.grad(x * 2, x, dk.ad.ones(3)))(_leaf(2)), dk.ShapeError,
         "Mismatch in shape"),
    Case("dk.autograd.grad", "no inputs", "dk.autograd.grad(y, [])",
         lambda: dk.autograd.grad((_leaf(2) * 2).sum(), []), dk.ArgumentError, "non-empty"),
    Case("dk.autograd.detect_anomaly", "a rule that returns nan", "(x.sqrt() * 0.0).backward() at x = 0",
         _nan_in_backward, dk.autograd.AnomalyError, "returned nan"),
    Case("Module hooks", "a hook that is not a function", 'layer.register_forward_hook("f")',
         lambda: nn.Linear(2, 2).register_forward_hook("f"), dk.ArgumentTypeError, "function"),
    # -- dk.Function ---------------------------------------------------------------------------
    Case("dk.Function", "no backward defined", "NoBackward.apply(x).sum().backward()",
         lambda: _apply_backward(_NoBackward), NotImplementedError, "must define backward"),
    Case("dk.Function", "backward returns the wrong shape", "WrongShape.apply(x).sum().backward()",
         lambda: _apply_backward(_WrongShapeGrad), dk.ShapeError, "shape"),
    Case("dk.Function", "backward returns too many gradients", "TooMany.apply(x).sum().backward()",
         lambda: _apply_backward(_TooManyGrads), dk.GradientError),
    # -- function transforms ---------------------------------------------------------------------
    Case("dk.ad.grad", "a function with several outputs", "grad(lambda x: x * 2)(np.ones(3))",
         lambda: dk.ad.grad(lambda x: x * 2)(np.ones(3)), dk.GradientError, "one scalar output"),
    Case("dk.ad.grad", "an integer argument", "grad(lambda x: dk.sum(x))(np.arange(3))",
         lambda: dk.ad.grad(lambda x: dk.sum(x))(np.arange(3)), dk.ArgumentTypeError, "floating"),
    Case("dk.ad.grad", "argnums beyond the arguments", "grad(lambda x: x, argnums=2)(1.0)",
         lambda: dk.ad.grad(lambda x: x, argnums=2)(1.0), dk.ArgumentError),
    Case("dk.ad.grad", "float() of the value being differentiated", "grad(lambda x: math.sin(x))(1.0)",
         lambda: dk.ad.grad(lambda x: math.sin(x))(1.0), dk.GradientError, "drop its derivative"),
    Case("dk.ad.grad", "np.asarray of the value", "grad(lambda x: np.asarray(x).sum())(np.ones(2))",
         lambda: dk.ad.grad(lambda x: np.asarray(x).sum())(np.ones(2)), dk.GradientError, "np.asarray"),
    Case("dk.ad.grad", "item assignment inside", "grad(f)(np.ones(2)) where f sets x[0] = 1.0",
         lambda: dk.ad.grad(lambda x: x.__setitem__(0, 1.0))(np.ones(2)), dk.ArgumentTypeError, "at\\[index\\]"),
    Case("dk.ad.grad", "an in-place method inside", "grad(lambda x: x.add_(1.0).sum())(np.ones(2))",
         lambda: dk.ad.grad(lambda x: x.add_(1.0).sum())(np.ones(2)), dk.ArgumentTypeError, "out of place"),
    Case("dk.ad.grad", "has_aux and no (output, aux) pair", "grad(lambda x: x * x, has_aux=True)(1.0)",
         lambda: dk.ad.grad(lambda x: x * x, has_aux=True)(1.0), dk.GradientError, "pair"),
    Case("dk.ad.grad", "a Function without backward", "grad(OnlyJvp.apply)(1.0)",
         lambda: dk.ad.grad(_OnlyJvp.apply)(1.0), dk.GradientError, "no backward"),
    Case("dk.ad.jacfwd", "a Function without jvp", "jacfwd(NoJvp.apply)(1.0)",
         lambda: dk.ad.jacfwd(_NoJvp.apply)(1.0), dk.GradientError, "no forward-mode rule"),
    Case("dk.ad.jvp", "a tangent of another shape", "jvp(f, (np.ones(2),), (np.ones(3),))",
         lambda: dk.ad.jvp(lambda x: x, (np.ones(2),), (np.ones(3),)), dk.ShapeError),
    Case("dk.ad.vjp", "a cotangent of another shape", "vjp(lambda x: x * x, np.ones(2))[1](np.ones(3))",
         lambda: dk.ad.vjp(lambda x: x * x, np.ones(2))[1](np.ones(3)), dk.ShapeError),
    Case("dk.ad.vmap", "if on a batched value", "vmap(lambda x: x if x > 0 else -x)(np.ones(2))",
         lambda: dk.ad.vmap(lambda x: x if x > 0 else -x)(np.ones(2)), dk.BatchingError, "dk.where"),
    Case("dk.ad.vmap", "batch sizes that differ", "vmap(lambda x, y: x + y)(np.ones(2), np.ones(3))",
         lambda: dk.ad.vmap(lambda x, y: x + y)(np.ones(2), np.ones(3)), dk.ShapeError),
    Case("dk.ad.vmap", "nothing mapped", "vmap(f, in_axes=None)(np.ones(2))",
         lambda: dk.ad.vmap(lambda x: x, in_axes=None)(np.ones(2)), dk.ArgumentError),
    Case("dk.ad.vmap", "an axis the argument lacks", "vmap(f, in_axes=1)(np.ones(2))",
         lambda: dk.ad.vmap(lambda x: x, in_axes=1)(np.ones(2)), dk.ShapeError),
    Case("dk.ad.vmap", "in_axes for another number of arguments", "vmap(f, in_axes=(0, 0))(np.ones(2))",
         lambda: dk.ad.vmap(lambda x: x, in_axes=(0, 0))(np.ones(2)), dk.ArgumentError),
    Case("dk.ad.vmap", "out_axes=None for a batched output", "vmap(f, out_axes=None)(np.ones(2))",
         lambda: dk.ad.vmap(lambda x: x, out_axes=None)(np.ones(2)), dk.BatchingError),
    Case("dk.ad.vmap", "a Function without a vmap rule", "vmap(NoJvp.apply)(np.ones(2))",
         lambda: dk.ad.vmap(_NoJvp.apply)(np.ones(2)), dk.BatchingError, "no batching rule"),
    # -- nn ------------------------------------------------------------------------------------
    Case("nn.Linear", "input with the wrong feature size", "nn.Linear(2, 3)(dk.ones(4, 5))",
         lambda: nn.Linear(2, 3)(dk.ad.ones(4, 5)), dk.ShapeError),
    Case("nn.Linear", "negative size", "nn.Linear(-1, 3)", lambda: nn.Linear(-1, 3), ValueError),
    Case("nn.Sequential", "something that is not a Module", "nn.Sequential(5)", lambda: nn.Sequential(5),
         TypeError),
    Case("nn.Dropout", "probability above 1", "nn.Dropout(p=1.5)", lambda: nn.Dropout(p=1.5), ValueError),
    Case("nn.MSELoss", "shapes that don't broadcast", "nn.MSELoss()(dk.ones(4, 2), dk.ones(3))",
         lambda: nn.MSELoss()(dk.ad.ones(4, 2), dk.ad.ones(3)), dk.ShapeError),
    Case("nn.MSELoss", "unknown reduction", 'nn.MSELoss(reduction="avg")', lambda: nn.MSELoss(reduction="avg"),
         ValueError),
    Case("nn.CrossEntropyLoss", "class index out of range", "nn.CrossEntropyLoss()(dk.ones(4, 3), [0, 1, 2, 5])",
         lambda: nn.CrossEntropyLoss()(dk.ad.ones(4, 3), dk.tensor(np.array([0, 1, 2, 5]))), IndexError),
    Case("Module.load_state_dict", "shape mismatch", "nn.Linear(3, 3).load_state_dict(nn.Linear(2, 3).state_dict())",
         lambda: nn.Linear(3, 3).load_state_dict(nn.Linear(2, 3).state_dict()), nn.StateDictShapeError),
    Case("Module.load_state_dict", "missing key", 'nn.Linear(2, 2).load_state_dict({"weight": np.ones((2, 2))})',
         lambda: nn.Linear(2, 2).load_state_dict({"weight": np.ones((2, 2))}), nn.StateDictError),
    Case("Module.to", "a device that is not there", 'nn.Linear(2, 2).to("cuda")',
         lambda: nn.Linear(2, 2).to("cuda"), dk.BackendError),
    Case("Module.register_buffer", "an array instead of a Tensor", 'm.register_buffer("mask", np.ones(3))',
         lambda: nn.Module().register_buffer("mask", np.ones(3)), TypeError, "Tensor or None"),
    Case("nn.Conv2d", "channels that groups do not divide", "nn.Conv2d(3, 4, 3, groups=2)",
         lambda: nn.Conv2d(3, 4, 3, groups=2), ValueError, "divisible by groups"),
    Case("nn.Conv2d", "input with the wrong number of channels", "nn.Conv2d(3, 8, 3)(dk.ones(1, 1, 8, 8))",
         lambda: nn.Conv2d(3, 8, 3)(dk.ad.ones(1, 1, 8, 8)), dk.ShapeError, "3 channels"),
    Case("nn.Conv2d", "padding='same' with a stride", 'nn.Conv2d(1, 1, 3, stride=2, padding="same")',
         lambda: nn.Conv2d(1, 1, 3, stride=2, padding="same"), ValueError, "strided"),
    Case("F.conv2d", "a kernel larger than the padded input", "F.conv2d(dk.ones(1, 1, 2, 2), dk.ones(1, 1, 3, 3))",
         lambda: nn.functional.conv2d(dk.ad.ones(1, 1, 2, 2), dk.ad.ones(1, 1, 3, 3)), dk.ShapeError, "kernel"),
    Case("nn.ConvTranspose2d", "output padding as large as the stride", "nn.ConvTranspose2d(1, 1, 3, "
         "output_padding=1)(dk.ones(1, 1, 4, 4))",
         lambda: nn.ConvTranspose2d(1, 1, 3, output_padding=1)(dk.ad.ones(1, 1, 4, 4)), ValueError, "smaller than"),
    Case("nn.MaxPool2d", "padding over half the kernel", "nn.MaxPool2d(2, padding=2)(dk.ones(1, 1, 8, 8))",
         lambda: nn.MaxPool2d(2, padding=2)(dk.ad.ones(1, 1, 8, 8)), ValueError, "half"),
    Case("nn.BatchNorm1d", "one value per channel in training", "nn.BatchNorm1d(3)(dk.ones(1, 3))",
         lambda: nn.BatchNorm1d(3)(dk.ad.ones(1, 3)), ValueError, "more than 1 value per channel"),
    Case("nn.BatchNorm2d", "input without spatial axes", "nn.BatchNorm2d(3)(dk.ones(4, 3))",
         lambda: nn.BatchNorm2d(3)(dk.ad.ones(4, 3)), dk.ShapeError, "4D"),
    Case("nn.LayerNorm", "trailing axes that differ from normalized_shape", "nn.LayerNorm(5)(dk.ones(2, 4))",
         lambda: nn.LayerNorm(5)(dk.ad.ones(2, 4)), dk.ShapeError, "normalized_shape"),
    Case("nn.GroupNorm", "channels that the groups do not divide", "nn.GroupNorm(4, 6)", lambda: nn.GroupNorm(4, 6),
         ValueError, "divisible"),
    Case("nn.Embedding", "an index past the table", "nn.Embedding(10, 3)(dk.tensor([3, 10]))",
         lambda: nn.Embedding(10, 3)(dk.tensor(np.array([3, 10]))), IndexError, "out of range"),
    Case("F.pad", "reflect padding as wide as the axis", 'F.pad(dk.ones(1, 1, 3), (3, 0), mode="reflect")',
         lambda: nn.functional.pad(dk.ad.ones(1, 1, 3), (3, 0), mode="reflect"), ValueError, "between 0 and 2"),
    # -- optim ---------------------------------------------------------------------------------
    Case("optim.SGD", "negative learning rate", "optim.SGD(model.parameters(), lr=-1)",
         lambda: optim.SGD(nn.Linear(2, 2).parameters(), lr=-1), ValueError),
    Case("optim.SGD", "no parameters", "optim.SGD([], lr=0.1)", lambda: optim.SGD([], lr=0.1), ValueError),
    Case("optim.SGD", "a Tensor instead of a list", "optim.SGD(w, lr=0.1)",
         lambda: optim.SGD(_leaf(2), lr=0.1), TypeError),
    Case("optim.Adam", "beta outside [0, 1)", "optim.Adam(params, betas=(1.5, 0.9))",
         lambda: optim.Adam(nn.Linear(2, 2).parameters(), betas=(1.5, 0.9)), ValueError),
    # -- data ----------------------------------------------------------------------------------
    Case("data.DataLoader", "batch_size 0", "DataLoader(ds, batch_size=0)",
         lambda: dk.data.DataLoader(dk.data.TensorDataset(np.ones((4, 2))), batch_size=0), ValueError),
    Case("data.TensorDataset", "arrays of different lengths", "TensorDataset(np.ones((4, 2)), np.ones(3))",
         lambda: dk.data.TensorDataset(np.ones((4, 2)), np.ones(3)), dk.ShapeError),
    Case("data.load_digits", "an unknown source", 'dk.data.load_digits(source="mnist")',
         lambda: dk.data.load_digits(source="mnist"), ValueError, "source"),
    # -- save / load ---------------------------------------------------------------------------
    Case("dk.save", "a Module instead of its state_dict", "dk.save(model, path)",
         lambda: dk.save(nn.Linear(2, 2), _tmp("m.npz")), dk.StateFileError, "state_dict"),
    Case("dk.save", "an arbitrary object", 'dk.save({"f": object()}, path)',
         lambda: dk.save({"f": object()}, _tmp("m.npz")), dk.StateFileError),
    Case("dk.load", "truncated file", "dk.load(truncated_path)", lambda: dk.load(_truncated()),
         dk.StateFileError),
    Case("dk.load", "a plain .npz that diffkit did not write", "dk.load(plain_npz)",
         lambda: (np.savez(_tmp("plain.npz"), w=np.ones(2)), dk.load(_tmp("plain.npz"))), dk.StateFileError),
    Case("dk.load", "no such file", 'dk.load("missing.npz")', lambda: dk.load(_tmp("missing.npz")),
         FileNotFoundError),
    Case("dk.load", "a device that is not there", 'dk.load(path, device="cuda")',
         lambda: dk.load(_tmp("x.npz"), device="cuda"), dk.BackendError),
    # -- plots ---------------------------------------------------------------------------------
    Case("dk.plot.loss_curve", "empty history", "dk.plot.loss_curve([])", lambda: dk.plot.loss_curve([]),
         ValueError, "empty"),
    Case("dk.plot.loss_curve", "non-numeric history", 'dk.plot.loss_curve(["a", "b"])',
         lambda: dk.plot.loss_curve(["a", "b"]), ValueError, "needs numbers"),
    Case("dk.plot.loss_curve", "unsupported file type", 'dk.plot.loss_curve([1, 0.5], save="fig.xyz")',
         lambda: dk.plot.loss_curve([1.0, 0.5], save=_tmp("fig.xyz")), ValueError),
    Case("dk.plot.graph", "not an expression", "dk.plot.graph(42)", lambda: dk.plot.graph(42),
         dk.ExpressionError),
    Case("dk.plot.error_vs_h", "nothing to plot", "dk.plot.error_vs_h()", lambda: dk.plot.error_vs_h(),
         ValueError, "needs a sweep"),
    Case("dk.plot.swell", "not a swell table", "dk.plot.swell(None)", lambda: dk.plot.swell(None),
         TypeError, "dk.symbolic.swell"),
    Case("dk.plot.graph", "a Tensor with no recorded graph", "dk.plot.graph(dk.tensor([1.0]))",
         lambda: dk.plot.graph(dk.tensor([1.0])), dk.ArgumentTypeError, "no recorded graph"),
    Case("dk.plot.graph", "a graph freed by backward()", "loss.backward(); dk.plot.graph(loss)",
         lambda: _freed_loss_graph(), dk.GradientError, "freed by backward"),
    Case("dk.plot.graph", "an unknown layout direction", 'dk.plot.graph("x*y", direction="up")',
         lambda: dk.plot.graph("x*y", direction="up"), dk.ArgumentError, "'LR'"),
    Case("dk.widgets.step_size", "a step of zero", 'dk.widgets.step_size("exp(x)", at=1.0, h=0)',
         lambda: dk.widgets.step_size("exp(x)", at=1.0, h=0), dk.ArgumentError, "between 1e-16 and 1"),
    Case("dk.widgets.learning_rate", "a negative learning rate", "dk.widgets.learning_rate(lr=-0.1)",
         lambda: dk.widgets.learning_rate(lr=-0.1), dk.ArgumentError, "positive"),
    # -- CLI -----------------------------------------------------------------------------------
    Case("diffkit CLI", "expression that does not parse", "diffkit compare 'sin(x' --at x=1",
         lambda: _cli("compare", "sin(x", "--at", "x=1"), SystemExit, "exit status 2: diffkit: error:"),
    Case("diffkit CLI", "non-numeric --at value", "diffkit compare 'x^2' --at x=abc",
         lambda: _cli("compare", "x^2", "--at", "x=abc"), SystemExit,
         "exit status 2: diffkit: error:"),
    Case("dk.trace", "// on a traced value", "dk.trace(lambda x: x // 2)", lambda: dk.trace(lambda x: x // 2),
         dk.ExpressionError, "not ops of an Expr"),
    Case("dk.gradcheck", "an empty input", "dk.gradcheck(f, (dk.zeros(0, requires_grad=True),))",
         lambda: dk.gradcheck(lambda t: t.sum(), (dk.tensor(np.zeros(0), dtype="float64", requires_grad=True),)),
         dk.ShapeError, "empty"),
    Case("dk.gradcheck", "a negative eps", "dk.gradcheck(f, (x,), eps=-1e-6)",
         lambda: dk.gradcheck(lambda t: t.sum(), (dk.tensor([1.0], dtype="float64", requires_grad=True),),
                              eps=-1e-6), dk.ArgumentError, "eps"),
    Case("dk.data.random_split", "a negative length", "random_split(ds, [-1, 11])",
         lambda: dk.data.random_split(dk.data.TensorDataset(np.arange(10)), [-1, 11]), dk.ArgumentError),
    Case("nn.Linear", "a list as input", "nn.Linear(2, 3)([1.0, 2.0])", lambda: nn.Linear(2, 3)([1.0, 2.0]),
         TypeError, "dk.tensor"),
    Case("optim.Adam", "one beta", "optim.Adam(params, betas=(0.9,))",
         lambda: optim.Adam([dk.tensor([1.0], requires_grad=True)], betas=(0.9,)), ValueError, "pair"),
    Case("dk.numeric.step_sweep", "a point that is not finite", 'dk.numeric.step_sweep("x^2", at=nan)',
         lambda: dk.numeric.step_sweep("x^2", at=math.nan), dk.ArgumentError, "finite"),
    Case("dk.numeric.step_sweep", "an empty grid", 'dk.numeric.step_sweep("x^2", at=1.0, h=[])',
         lambda: dk.numeric.step_sweep("x^2", at=1.0, h=[]), dk.ArgumentError, "1-d array"),
    Case("dk.numeric.step_sweep", "no schemes", 'dk.numeric.step_sweep("x^2", at=1.0, schemes=[])',
         lambda: dk.numeric.step_sweep("x^2", at=1.0, schemes=[]), dk.ArgumentError, "at least one"),
    Case("Tensor.to", "an unknown device", 'dk.tensor([1.0]).to("tpu")', lambda: dk.tensor([1.0]).to("tpu"),
         dk.BackendError, "device or dtype"),
    Case("dk.zeros", "a negative size", "dk.zeros(-1)", lambda: dk.zeros(-1), ValueError, "non-negative"),
    Case("dk.arange", "a zero step", "dk.arange(0, 1, 0)", lambda: dk.arange(0, 1, 0), ValueError, "step"),
    Case("Expr call", "an integer too large for a float", 'dk.expr("x^2")(x=10**400)',
         lambda: dk.expr("x^2")(x=10**400), dk.ExpressionError, "too large"),
    Case("dk.plot.lr_paths", "no learning rates", "dk.plot.lr_paths(lrs=[])", lambda: dk.plot.lr_paths(lrs=[]),
         ValueError, "learning rate"),
    Case("diffkit CLI", "eval without --at", "diffkit eval 'x^2'", lambda: _cli("eval", "x^2"), SystemExit,
         "exit status 2: diffkit: error: no value given"),
    Case("diffkit CLI", "a point that is not finite", "diffkit steps 'x^2' --at x=nan",
         lambda: _cli("steps", "x^2", "--at", "x=nan"), SystemExit, "exit status 2: .*finite"),
    Case("diffkit CLI", "unknown subcommand", "diffkit frobnicate", lambda: _cli("frobnicate"), SystemExit,
         "exit status 2: .*invalid choice"),
    # the array vocabulary and dk.linalg
    Case("dk.linalg.inv", "a singular matrix", "dk.linalg.inv(np.zeros((2, 2)))",
         lambda: dk.linalg.inv(np.zeros((2, 2))), dk.LinAlgError, "pinv"),
    Case("dk.linalg.solve", "a singular matrix", "dk.linalg.solve(np.ones((2, 2)), np.ones(2))",
         lambda: dk.linalg.solve(np.ones((2, 2)), np.ones(2)), dk.LinAlgError, "lstsq"),
    Case("dk.linalg.solve", "shapes that don't fit", "dk.linalg.solve(np.eye(2), np.ones(3))",
         lambda: dk.linalg.solve(np.eye(2), np.ones(3)), dk.ShapeError, "b must be"),
    Case("dk.linalg.cholesky", "not positive definite", "dk.linalg.cholesky(np.array([[1.0, 2.0], [2.0, 1.0]]))",
         lambda: dk.linalg.cholesky(np.array([[1.0, 2.0], [2.0, 1.0]])), dk.LinAlgError, "positive"),
    Case("dk.linalg.det", "not square", "dk.linalg.det(np.ones((2, 3)))", lambda: dk.linalg.det(np.ones((2, 3))),
         dk.ShapeError, "square"),
    Case("dk.linalg.svd", "derivative with full_matrices=True", "dk.linalg.svd(x_3x2).S.sum().backward()",
         lambda: dk.linalg.svd(_leaf(3, 2)).S.sum().backward(), dk.ArgumentError, "full_matrices=False"),
    Case("dk.linalg.eigh", "derivative of a complex matrix", "dk.linalg.eigh(z).eigenvalues.sum().backward()",
         lambda: dk.linalg.eigh(dk.tensor(np.eye(2) + 1j, requires_grad=True)).eigenvalues.sum().backward(),
         dk.ArgumentTypeError, "complex"),
    Case("dk.linalg.norm", "an unknown matrix norm", 'dk.linalg.norm(np.eye(2), ord="max")',
         lambda: dk.linalg.norm(np.eye(2), ord="max"), dk.ArgumentError, "'fro', 'nuc'"),
    Case("Tensor.max", "derivative on complex numbers", "dk.real(z.max()).backward()",
         lambda: dk.real(dk.tensor(np.array([1j, 2.0]), requires_grad=True).max()).backward(),
         dk.ArgumentTypeError, "no order"),
    Case("dk.einsum", "operands that the subscripts don't name", 'dk.einsum("ij,jk", np.eye(2))',
         lambda: dk.einsum("ij,jk", np.eye(2)), dk.ArgumentError, "2 operand"),
    Case("dk.einsum", "a label of two lengths", 'dk.einsum("ij,jk", np.ones((2, 3)), np.ones((2, 2)))',
         lambda: dk.einsum("ij,jk", np.ones((2, 3)), np.ones((2, 2))), dk.ShapeError, "label 'j'"),
    Case("dk.tensordot", "axes of different lengths", "dk.tensordot(a, b, axes=([0, 1], [0]))",
         lambda: dk.tensordot(np.ones((2, 2)), np.ones((2, 2)), axes=([0, 1], [0])), dk.ArgumentError, "pair"),
    Case("dk.cross", "2-vectors", "dk.cross(np.ones(2), np.ones(2))", lambda: dk.cross(np.ones(2), np.ones(2)),
         dk.ShapeError, "3 components"),
    Case("dk.scatter", "an index naming one place twice", "dk.scatter(x, 1, [[0, 0]], 1.0)",
         lambda: dk.scatter(np.zeros((1, 3)), 1, np.array([[0, 0]]), 1.0), dk.ArgumentError, "scatter_add"),
    Case("dk.gather", "an index out of range", "dk.gather(np.zeros((1, 3)), 1, [[3]])",
         lambda: dk.gather(np.zeros((1, 3)), 1, np.array([[3]])), dk.ArgumentIndexError, "out of bounds"),
    Case("dk.gather", "no axis", "dk.gather(x, index=i)", lambda: dk.gather(np.zeros(3), index=np.array([0])),
         dk.ArgumentError, "dim= or axis="),
    Case("dk.pad", "an unknown mode", 'dk.pad(x, 1, mode="mean")', lambda: dk.pad(np.ones(2), 1, mode="mean"),
         dk.ArgumentError, "'reflect'"),
    Case("dk.repeat", "negative repeats", "dk.repeat(np.ones(2), -1)", lambda: dk.repeat(np.ones(2), -1),
         dk.ArgumentError, "non-negative"),
    Case("dk.topk", "k larger than the axis", "dk.topk(np.ones(3), 4)", lambda: dk.topk(np.ones(3), 4),
         dk.ArgumentError, "between 0 and 3"),
    Case("dk.tril", "a vector", "dk.tril(np.ones(3))", lambda: dk.tril(np.ones(3)), dk.ShapeError, "matrix"),
    Case("Tensor.cumsum", "no dim", "x.cumsum()", lambda: _leaf(3).cumsum(), dk.ArgumentError, "dim=0"),
    Case("NumPy on a Tensor", "a function that would drop the gradient", "np.percentile(x, 50)",
         lambda: np.percentile(_leaf(3), 50), dk.ArgumentTypeError, "drop the gradient"),
]
CASES += [_cli_case(c) for c in CLI_CASES]

# -- numeric verdicts and their limits (issues 16 and 20)
CASES += [
    Case("dk.FiniteDiff", "an accuracy float64 can't use", "dk.FiniteDiff(accuracy=200)",
         lambda: dk.FiniteDiff(accuracy=200), dk.ArgumentError, "beyond what float64 can use"),
    Case("dk.numeric.optimal_step", "an accuracy float64 can't use", "dk.numeric.optimal_step(accuracy=1000)",
         lambda: dk.numeric.optimal_step(accuracy=1000), dk.ArgumentError, "beyond what float64 can use"),
    Case("dk.ComplexStep", "an imaginary step far too large", 'dk.ComplexStep(h=1e300).derivative("exp(x)", at=1.0)',
         lambda: dk.ComplexStep(h=1e300).derivative("exp(x)", at={"x": 1.0}), dk.ArgumentError,
         "too large for a complex step"),
    Case("dk.numeric.step_sweep", "a grid of more than 10^6 steps",
         'dk.numeric.step_sweep("exp(x)", at=1.0, h=np.logspace(-300, 300, 10**6 + 1))',
         lambda: dk.numeric.step_sweep("exp(x)", at=1.0, h=np.logspace(-300, 300, 10**6 + 1)),
         dk.ArgumentError, "more than"),
    Case("dk.numeric.random_point", "more memory than there is", "dk.numeric.random_point(10**15)",
         lambda: dk.numeric.random_point(10**15), dk.ArgumentError, "memory"),
    Case("dk.check_grad", "more memory than there is", "dk.check_grad(np.sum, np.ones_like, x_of_10**12_entries)",
         lambda: dk.check_grad(np.sum, np.ones_like, np.broadcast_to(np.zeros(1), (10**12,))), dk.ArgumentError,
         "memory"),
    Case("dk.check_grad", "fun modifies x in place", "dk.check_grad(lambda x: x.sort() or x.sum(), ..., x)",
         lambda: dk.check_grad(lambda x: x.sort() or float(x.sum()), np.ones_like, np.array([2.0, 1.0]),
                               progress=False), dk.ArgumentError, "in place"),
    Case("dk.numeric.stencil", "too few offsets for the order", "dk.numeric.stencil(offsets=[-2, 2], order=2)",
         lambda: dk.numeric.stencil(offsets=[-2, 2], order=2), dk.ArgumentError, "needs more than"),
    Case("dk.numeric.gradient", "the Cauchy method", 'dk.numeric.gradient(np.sum, [1.0], method="cauchy")',
         lambda: dk.numeric.gradient(np.sum, [1.0], method="cauchy"), dk.ArgumentError, "derivative"),
    Case("dk.numeric.hessian", "complex step of a complex-valued function",
         'dk.numeric.hessian(lambda x: 1j * x @ x, np.ones(2), method="complex")',
         lambda: dk.numeric.hessian(lambda x: 1j * (x @ x), np.ones(2), method="complex"), dk.ArgumentError,
         "real-valued"),
    Case("dk.numeric.grid_derivative", "coordinates that go back", "dk.numeric.grid_derivative(y, [0, 1, 1, 2, 3])",
         lambda: dk.numeric.grid_derivative(np.ones(5), [0, 1, 1, 2, 3]), dk.ArgumentError, "increasing"),
    Case("dk.FiniteDiff.gradient", "rounding larger than the quotient",
         'dk.FiniteDiff().gradient("z - x", at={"x": 0.0, "z": 1e150})',
         lambda: dk.FiniteDiff().gradient("z - x", at={"x": 0.0, "z": 1e150}), NumericWarning, "try h="),
    Case("dk.Richardson", "too many levels", "dk.Richardson(levels=100)", lambda: dk.Richardson(levels=100),
         dk.ArgumentError, "levels"),
    Case("dk.check_grads", "an unknown mode", 'dk.check_grads(f, (x,), modes=("sideways",))',
         lambda: dk.check_grads(lambda x: x, (np.ones(2),), modes=("sideways",)), dk.ArgumentError, "modes"),
]


# ---------------------------------------------------------------------------- limits and state files (issue 20)

def _state_file(name: str, members: dict[str, bytes], compress: int = 0) -> str:
    """A zip archive holding ``members`` as they are (for files dk.save would never write)."""
    import zipfile

    path = _tmp(name)
    with zipfile.ZipFile(path, "w", compress or zipfile.ZIP_STORED) as z:
        for member, blob in members.items():
            z.writestr(member, blob)
    return path


def _npy(array: np.ndarray) -> bytes:
    import io

    buf = io.BytesIO()
    np.lib.format.write_array(buf, array)
    return buf.getvalue()


def _diffkit_header(tree_text: str) -> bytes:
    text = '{"format": "diffkit-state", "version": 1, "tree": ' + tree_text + "}"
    return _npy(np.frombuffer(text.encode(), np.uint8))


def _huge_npy() -> bytes:
    import io

    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": "<f8", "fortran_order": False, "shape": (1 << 40,)})
    return buf.getvalue() + bytes(64)


def _fifo() -> str:
    path = _tmp("pipe")
    if not os.path.exists(path):
        os.mkfifo(path)
    return path


def _load_into_linear(value) -> None:
    model = nn.Linear(2, 2)
    model.load_state_dict({"weight": np.ones((2, 2)), "bias": value})


def _chain(n: int) -> dk.Expr:
    from limits_driver import _chain as chain

    return chain(n)


_ARRAY_A0 = '{"t": "array", "ref": "a0"}'
LIMIT_CASES = [
    Case("dk.load", "a FIFO (named pipe)", "dk.load(fifo_path)", lambda: dk.load(_fifo()), dk.StateFileError,
         "is a FIFO"),
    Case("dk.load", "a device", 'dk.load("/dev/zero")', lambda: dk.load("/dev/zero"), dk.StateFileError,
         "is a device"),
    Case("dk.load", "a folder", "dk.load(folder)", lambda: dk.load(TMP), dk.StateFileError, "is a folder"),
    Case("dk.load", "a text file", 'dk.load("/etc/passwd")',
         lambda: dk.load(_tmp_file("passwd", "root:x:0:0:root:/root:/bin/bash\n")), dk.StateFileError,
         "is a text file"),
    Case("dk.load", "a PyTorch file", 'dk.load("model.pt")',
         lambda: dk.load(_state_file("model.pt", {"archive/data.pkl": b"\x80\x02}q\x00.", "archive/version": b"3"})),
         dk.StateFileError, r"is a PyTorch file .*torch\.load\(path, weights_only=True\)"),
    Case("dk.load", "a compressed member (a zip bomb)", "dk.load(bomb_path)",
         lambda: dk.load(_state_file("bomb.npz", {"__diffkit_header__.npy": _diffkit_header(_ARRAY_A0),
                                                  "a0.npy": _npy(np.zeros(1 << 16))}, compress=8)),
         dk.StateFileError, "is compressed"),
    Case("dk.load", "an array header claiming 8 TiB", "dk.load(huge_header_path)",
         lambda: dk.load(_state_file("huge.npz", {"__diffkit_header__.npy": _diffkit_header(_ARRAY_A0),
                                                  "a0.npy": _huge_npy()})), dk.StateFileError,
         r"8,796,093,022,208 bytes\) but holds 64"),
    Case("dk.load", "a header nested 900 deep", "dk.load(deep_path)",
         lambda: dk.load(_state_file("deep.npz", {"__diffkit_header__.npy": _diffkit_header(
             '{"t": "list", "items": [' * 900 + '{"t": "none"}' + "]}" * 900)})), dk.StateFileError, "nested"),
    Case("dk.load", "a float beyond float64", "dk.load(path)  # header holds '0x1p99999999'",
         lambda: dk.load(_state_file("hexfloat.npz", {"__diffkit_header__.npy": _diffkit_header(
             '{"t": "float", "v": "0x1p99999999"}')})), dk.StateFileError, "is not a float64"),
    Case("dk.load", "an array named twice", "dk.load(path)  # header names a0 twice",
         lambda: dk.load(_state_file("twice.npz", {"__diffkit_header__.npy": _diffkit_header(
             '{"t": "list", "items": [' + _ARRAY_A0 + ", " + _ARRAY_A0 + "]}"), "a0.npy": _npy(np.ones(2))})),
         dk.StateFileError, "names array 'a0' twice"),
    Case("dk.save", "onto a folder", "dk.save(state, folder)", lambda: dk.save({"w": np.ones(2)}, TMP),
         IsADirectoryError, "is a folder"),
    Case("Module.load_state_dict", "a value that is text", 'model.load_state_dict({..., "bias": np.array(["a", "b"])})',
         lambda: _load_into_linear(np.array(["a", "b"])), nn.StateDictError, "not numbers"),
    Case("Module.load_state_dict", "a value of None objects",
         'model.load_state_dict({..., "bias": np.array([None, None])})',
         lambda: _load_into_linear(np.array([None, None])), nn.StateDictError, "Python objects"),
    Case("Module.load_state_dict", "a complex value for a real parameter",
         'model.load_state_dict({..., "bias": np.array([1j, 2])})', lambda: _load_into_linear(np.array([1j, 2])),
         nn.StateDictError, "imaginary part would be lost"),
    Case("dk.Symbolic", "an infinite time limit", 'dk.Symbolic(time_limit=float("inf"))',
         lambda: dk.Symbolic(time_limit=float("inf")), dk.ArgumentError, "pass None for no limit"),
    Case("dk.Symbolic", "a derivative that takes longer than the time limit",
         'dk.Symbolic(simplify=True, time_limit=0.2).derivative("(x+1)^999 * (x+2)^999", at={"x": 0.5})',
         lambda: dk.Symbolic(simplify=True, time_limit=0.2).derivative("(x+1)^999 * (x+2)^999", at={"x": 0.5}),
         dk.TimeLimitError, r"gave up after 0\.2 s \(while expanding\)"),
    Case("dk.ForwardMode", "a Hessian over 400 variables", "dk.ForwardMode().hessian(f, at=...)  # 400 variables",
         lambda: dk.ForwardMode().hessian(_chain(400), at=dict.fromkeys(_chain(400).variables, 0.5)),
         dk.CostLimitError, r"160,000 passes .* above max_cost"),
    Case("dk.compare", "a method that runs out of time",
         'dk.compare("(x/2 + 1/2)^999 * (x/2 + 1)^999", at={"x": 0.5}, '
         'methods=[dk.Symbolic(simplify=True, time_limit=0.2), "reverse"])',
         lambda: dk.compare("(x/2 + 1/2)^999 * (x/2 + 1)^999", at={"x": 0.5},
                            methods=[dk.Symbolic(simplify=True, time_limit=0.2), "reverse"], reference="reverse"),
         Returns, check=lambda c: c.table().column("gradient")[0].startswith("gave up after 0.2 s (while expanding)"),
         result="the row says: gave up after 0.2 s (while expanding); the other rows are filled in"),
]
CASES += LIMIT_CASES


def _lbfgs_without_closure() -> Any:
    return optim.LBFGS([_leaf(2)]).step()


def _one_cycle_past_its_end() -> Any:
    opt = optim.SGD([_leaf(2)], lr=0.1, momentum=0.9)
    sched = optim.lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=2)
    for _ in range(3):
        opt.step()
        sched.step()


def _non_finite_clip() -> Any:
    w = _leaf(2)
    w.grad = dk.tensor([np.inf, 1.0])
    return nn.utils.clip_grad_norm_([w], 1.0, error_if_nonfinite=True)


_DS = dk.data.TensorDataset(np.ones((4, 2)))

# The training layer of issue 19: losses, optimizers, schedulers, nn.utils, samplers, recurrent layers.
CASES += [
    Case("nn.HuberLoss", "a delta that is not positive", "nn.HuberLoss(delta=0.0)(x, y)",
         lambda: nn.HuberLoss(delta=0.0)(np.zeros(3), np.zeros(3)), RuntimeError, "non-positive"),
    Case("nn.SmoothL1Loss", "a negative beta", "nn.SmoothL1Loss(beta=-1.0)(x, y)",
         lambda: nn.SmoothL1Loss(beta=-1.0)(np.zeros(3), np.zeros(3)), RuntimeError, "negative values for beta"),
    Case("nn.KLDivLoss", "a reduction it does not know", 'nn.KLDivLoss(reduction="batchsum")',
         lambda: nn.KLDivLoss(reduction="batchsum"), ValueError, "batchmean"),
    Case("nn.BCEWithLogitsLoss", "a target of another shape", "nn.BCEWithLogitsLoss()(dk.zeros(4, 2), dk.zeros(4))",
         lambda: nn.BCEWithLogitsLoss()(dk.zeros(4, 2), dk.zeros(4)), dk.ShapeError, "must be the same"),
    Case("nn.CosineEmbeddingLoss", "a 2-d target", "nn.CosineEmbeddingLoss()(a, b, dk.ones(4, 1))",
         lambda: nn.CosineEmbeddingLoss()(np.ones((4, 3)), np.ones((4, 3)), np.ones((4, 1))), RuntimeError,
         "multi-target"),
    Case("nn.MarginRankingLoss", "arguments of different dimensions", "nn.MarginRankingLoss()(x1, x2, dk.ones(4, 1))",
         lambda: nn.MarginRankingLoss()(np.ones(4), np.ones(4), np.ones((4, 1))), RuntimeError, "same dimension"),
    Case("optim.NAdam", "capturable=True (CUDA graphs)", "optim.NAdam(params, capturable=True)",
         lambda: optim.NAdam([_leaf(2)], capturable=True), ValueError, "not supported"),
    Case("optim.RAdam", "a Tensor lr of two values", "optim.RAdam(params, lr=dk.tensor([1e-3, 1e-3]))",
         lambda: optim.RAdam([_leaf(2)], lr=dk.tensor([1e-3, 1e-3])), ValueError, "1-element"),
    Case("optim.Adam", "named and unnamed parameters mixed", 'optim.Adam([("w", w), v])',
         lambda: optim.Adam([("w", _leaf(2)), _leaf(2)]), ValueError, "with/without names"),
    Case("optim.LBFGS", "two parameter groups", 'optim.LBFGS([{"params": [w]}, {"params": [v]}])',
         lambda: optim.LBFGS([{"params": [_leaf(2)]}, {"params": [_leaf(2)]}]), ValueError, "parameter groups"),
    Case("optim.LBFGS", "an unknown line search", 'optim.LBFGS(params, line_search_fn="armijo")',
         lambda: optim.LBFGS([_leaf(2)], line_search_fn="armijo"), ValueError, "strong_wolfe"),
    Case("optim.LBFGS", "step without a closure", "optim.LBFGS(params).step()", _lbfgs_without_closure,
         TypeError, "closure"),
    Case("lr_scheduler.LinearLR", "a start factor of 0", "LinearLR(opt, start_factor=0.0)",
         lambda: optim.lr_scheduler.LinearLR(optim.SGD([_leaf(2)], lr=0.1), start_factor=0.0), ValueError,
         "Starting multiplicative factor"),
    Case("lr_scheduler.OneCycleLR", "stepped past total_steps", "OneCycleLR(opt, 1.0, total_steps=2); 3 steps",
         _one_cycle_past_its_end, ValueError, "Tried to step 3 times"),
    Case("lr_scheduler.ReduceLROnPlateau", "a factor of 1 or more", "ReduceLROnPlateau(opt, factor=1.0)",
         lambda: optim.lr_scheduler.ReduceLROnPlateau(optim.SGD([_leaf(2)], lr=0.1), factor=1.0), ValueError,
         "Factor should be < 1.0"),
    Case("lr_scheduler.SequentialLR", "milestones that don't fit the schedulers", "SequentialLR(opt, [a, b], [])",
         lambda: optim.lr_scheduler.SequentialLR(*(lambda o: (o, [optim.lr_scheduler.ExponentialLR(o, 0.9),
                                                                  optim.lr_scheduler.ExponentialLR(o, 0.5)], []))(
             optim.SGD([_leaf(2)], lr=0.1))), ValueError, "one more than the number of milestone"),
    Case("lr_scheduler.CosineAnnealingWarmRestarts", "T_0 of 0", "CosineAnnealingWarmRestarts(opt, T_0=0)",
         lambda: optim.lr_scheduler.CosineAnnealingWarmRestarts(optim.SGD([_leaf(2)], lr=0.1), T_0=0), ValueError,
         "positive integer T_0"),
    Case("nn.utils.clip_grad_norm_", "a non-finite norm with error_if_nonfinite",
         "clip_grad_norm_([w], 1.0, error_if_nonfinite=True)", _non_finite_clip, RuntimeError, "non-finite"),
    Case("nn.utils.vector_to_parameters", "a vector of the wrong length",
         "vector_to_parameters(dk.zeros(5), nn.Linear(2, 1).parameters())",
         lambda: nn.utils.vector_to_parameters(dk.zeros(5), nn.Linear(2, 1).parameters()), dk.ShapeError,
         "1-d vector of 3"),
    Case("data.DataLoader", "a sampler and shuffle", "DataLoader(ds, sampler=[0, 1], shuffle=True)",
         lambda: dk.data.DataLoader(_DS, sampler=[0, 1], shuffle=True), ValueError, "mutually exclusive"),
    Case("data.DataLoader", "a batch_sampler and a batch_size", "DataLoader(ds, batch_sampler=[[0, 1]], batch_size=2)",
         lambda: dk.data.DataLoader(_DS, batch_sampler=[[0, 1]], batch_size=2), ValueError, "mutually exclusive"),
    Case("data.DataLoader", "a negative num_workers", "DataLoader(ds, num_workers=-1)",
         lambda: dk.data.DataLoader(_DS, num_workers=-1), ValueError, "num_workers"),
    Case("data.DataLoader", "a multiprocessing context",
         'DataLoader(ds, num_workers=2, multiprocessing_context="spawn")',
         lambda: dk.data.DataLoader(_DS, num_workers=2, multiprocessing_context="spawn"), ValueError, "threads"),
    Case("data.WeightedRandomSampler", "a negative weight", "WeightedRandomSampler([1.0, -1.0], 2)",
         lambda: dk.data.WeightedRandomSampler([1.0, -1.0], 2), ValueError, "non-negative"),
    Case("data.BatchSampler", "batch_size 0", "BatchSampler(sampler, 0, False)",
         lambda: dk.data.BatchSampler(range(4), 0, False), ValueError, "positive integer"),
    Case("nn.RNN", "an input of the wrong size", "nn.RNN(3, 4)(dk.zeros(5, 2, 2))",
         lambda: nn.RNN(3, 4)(dk.zeros(5, 2, 2)), RuntimeError, "input_size"),
    Case("nn.GRU", "an initial state of the wrong shape", "nn.GRU(3, 4, 2)(x, dk.zeros(1, 2, 4))",
         lambda: nn.GRU(3, 4, 2)(dk.zeros(5, 2, 3), dk.zeros(1, 2, 4)), RuntimeError, "Expected hidden size"),
    Case("nn.LSTM", "proj_size not below hidden_size", "nn.LSTM(3, 4, proj_size=4)",
         lambda: nn.LSTM(3, 4, proj_size=4), ValueError, "proj_size"),
    Case("nn.RNN", "an unknown nonlinearity", 'nn.RNN(3, 4, nonlinearity="sigmoid")',
         lambda: nn.RNN(3, 4, nonlinearity="sigmoid"), ValueError, "Unknown nonlinearity"),
]


class _WrongGradient(dk.Function):
    """A custom op whose backward is wrong by a factor of 2 (what gradcheck exists to catch)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return (x * x).sum()

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * x  # should be 2 * g * x


dk.save({"w": np.ones(1)}, _tmp("x.npz"))  # for the device case


# ---------------------------------------------------------------------------- the doc

HEADER = """\
# Bad input: what each entry point says

Generated from `tests/reliability/bad_input_cases.py` (the same list the tests
in `tests/reliability/test_bad_input.py` run); regenerate with

    python tests/reliability/bad_input_cases.py > docs/bad_input.md

Every error diffkit raises on purpose derives from `dk.DiffkitError`
(`ExpressionError`, `ShapeError`, `GradientError`, `BackendError`,
`StateFileError`, `nn.StateDictError`, `ArgumentError`, `ArgumentTypeError`,
`ArgumentIndexError`, `LinAlgError`). Where PyTorch or NumPy define which builtin an error is
(`nn`, `optim`, `data`, a bad argument value) the error is also that builtin:
`ArgumentError` is a `ValueError`, `ArgumentTypeError` a `TypeError`,
`ArgumentIndexError` an `IndexError`, `LinAlgError` a `numpy.linalg.LinAlgError`, so `except ValueError` and
`except dk.DiffkitError` both catch it. The message says what would be right.
Evaluation outside a function's domain is not an error: it follows NumPy
(nan or inf, with a `RuntimeWarning`), and the numeric methods add a
`NumericWarning` when the function is not finite where they evaluate it.
The command line prints one line to stderr and exits with status 2 (bad input)
or 3 (the user's own code raised, `diffkit check`), never a traceback unless
`--traceback` asks; where it can still answer (a symbolic reference that
fails, a pole), it answers with status 0 and a note saying what it did instead.
Each `diffkit CLI` row also runs in a fresh process (`tests/cli/test_cli_bad_input.py`).

| entry point | bad input | call | raises / warns | message (first line) |
|---|---|---|---|---|
"""


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render() -> str:
    rows = []
    for case in CASES:
        kind, message = run(case)
        message = _first_line(message)
        rows.append(f"| {_cell(case.entry)} | {_cell(case.situation)} | `{_cell(case.code)}` | "
                     f"`{kind.__name__}` | {_cell(message).replace('<', '&lt;').replace('>', '&gt;')} |")
    return HEADER + "\n".join(rows) + "\n"


if __name__ == "__main__":  # pragma: no cover
    import sys

    sys.stdout.write(render())
