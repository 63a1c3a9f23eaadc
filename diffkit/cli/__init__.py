"""The ``diffkit`` command (``python -m diffkit`` is the same).

Subcommands: ``tour`` (the main job), ``compare``, ``steps``, ``swell``,
``trace``, ``eval``, ``diff``, ``explain`` and ``check``. ``diffkit COMMAND
--help`` describes each.

Exit status: 0 done (``check``: passed), 1 ``check`` failed (or a tour
section failed), 2 bad input -- or anything else that stopped diffkit -- with
one line on standard error, 3 the user's own code raised (``check``), 130
interrupted. No input prints a Python traceback unless ``--traceback`` asks
for it; warnings are summarised in one line (``--warnings`` lists them).

Example
-------
>>> from diffkit.cli import main
>>> main(["--version"])  # doctest: +ELLIPSIS
diffkit ...
0
"""

from __future__ import annotations

import argparse
import math
import sys
import traceback
from collections.abc import Sequence

from .. import __version__
from ..errors import DiffkitError
from .arguments import FIGURE_SUFFIXES, parse_at, parse_range
from .output import Warnings, error
from .usercode import UserCodeError

__all__ = ["main", "build_parser", "parse_at", "parse_range", "EXIT"]

#: The exit statuses, by meaning.
EXIT = {"ok": 0, "check failed": 1, "bad input": 2, "user code raised": 3, "interrupted": 130}

_FORMATS = ["text", "md", "html", "csv"]
_FIGURE = f"write the figure to this file ({', '.join(FIGURE_SUFFIXES[:-1])} or {FIGURE_SUFFIXES[-1]}); " \
          "checked before the work starts"


class UsageError(DiffkitError):
    """A command line argparse refuses (unknown option, missing argument, bad choice)."""


class _Parser(argparse.ArgumentParser):
    """argparse, but its complaints are one line (raised, so ``main`` prints them) instead of usage + exit."""

    def error(self, message: str):  # argparse's hook for every complaint
        raise UsageError(f"{self.prog}: {message} (see {self.prog} --help)")


def _checked(convert, ok, needs: str):
    """An argparse type: ``convert`` the text, then refuse values that are not ``ok``, saying what it ``needs``."""
    def parse(text: str):
        try:
            value = convert(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not {needs}") from None
        if not ok(value):
            raise argparse.ArgumentTypeError(f"{text!r}: give {needs}")
        return value

    return parse


_seconds = _checked(float, lambda v: math.isfinite(v) and v > 0, "a positive, finite number of seconds")
_positive_int = _checked(int, lambda v: v >= 1, "a whole number of at least 1")
_tolerance = _checked(float, lambda v: math.isfinite(v) and v >= 0, "a finite number >= 0")


def _common() -> argparse.ArgumentParser:
    """Options every subcommand takes."""
    p = argparse.ArgumentParser(add_help=False)
    p.add_argument("--traceback", action="store_true", default=argparse.SUPPRESS,
                   help="on failure, print the whole Python traceback, not one line")
    p.add_argument("--warnings", action="store_true", default=argparse.SUPPRESS,
                   help="list each kind of warning (default: one summary line)")
    return p


def _expression_args(p: argparse.ArgumentParser, *, at: bool = True) -> None:
    p.add_argument("expr", nargs="?", help='the expression, e.g. "log(x1) + x1*x2 - sin(x2)" (^ and ** both '
                   "mean power); @FILE reads it from a file")
    p.add_argument("-f", "--file", metavar="FILE", help="read the expression from FILE ('-' for standard input); "
                   "several lines make a program of 'name = expression' statements")
    if at:
        p.add_argument("--at", nargs="+", action="extend", default=[], metavar="NAME=VALUE",
                       help="the point, as NAME=VALUE pairs (e.g. --at x1=2 x2=5); may be repeated")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``diffkit`` command.

    Example
    -------
    >>> from diffkit.cli import build_parser
    >>> build_parser().parse_args(["compare", "x^2", "--at", "x=1"]).at
    ['x=1']
    """
    common = _common()
    p = _Parser(
        prog="diffkit",
        description="Symbolic, numeric and automatic differentiation, side by side.",
        epilog='Example: diffkit compare "log(x1) + x1*x2 - sin(x2)" --at x1=2 x2=5\n\n'
               "Exit status: 0 done (check: passed), 1 check failed, 2 bad input (one line on stderr), "
               "3 your own code raised (check), 130 interrupted.",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--version", action="version", version=f"diffkit {__version__}",
                   help="print diffkit's version and exit")
    p.add_argument("--traceback", action="store_true", help="on failure, print the whole Python traceback")
    p.add_argument("--warnings", action="store_true", help="list each kind of warning (default: one line)")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser,
                           help="what to do; diffkit COMMAND --help describes each")

    def command(name: str, help: str, **kw) -> argparse.ArgumentParser:  # noqa: A002
        return sub.add_parser(name, help=help, description=help[:1].upper() + help[1:] + ".", parents=[common],
                              **kw)

    t = command("tour", "the main job: every study on the built-in examples, written up as a report")
    t.add_argument("-o", "--output", default="diffkit-tour",
                   help="folder for the report, created if needed (default diffkit-tour)")
    t.add_argument("-q", "--quiet", action="store_true", help="no progress bar")

    c = command("compare", "every method on one expression and point: values, errors, op counts, time")
    _expression_args(c)
    c.add_argument("--methods", nargs="+", metavar="METHOD",
                   help="labels of the methods to run, e.g. reverse central (default: all)")
    c.add_argument("--peers", action="store_true",
                   help="add rows for the installed peer libraries (JAX, PyTorch, HIPS autograd)")
    c.add_argument("--format", choices=_FORMATS, default="text", help="output format (default text)")

    s = command("steps", "error against step size h for finite differences, and the optimal h")
    _expression_args(s)
    s.add_argument("--wrt", metavar="NAME", help="the variable to differentiate (default: the first)")
    s.add_argument("--dtype", nargs="+", default=["float64"], metavar="DTYPE",
                   help="float64, float32 and/or float16 (default float64)")
    s.add_argument("--schemes", nargs="+", default=["forward", "central"], metavar="SCHEME",
                   help="forward, backward, central (with an order: central-4), complex (default forward central)")
    s.add_argument("-o", "--output", metavar="FILE", help=_FIGURE)

    w = command("swell", "expression swell of symbolic derivatives along a family of functions")
    w.add_argument("family", help="logistic (logistic_map), nested_products or exp_sin")
    w.add_argument("--n", default="1..8", help="the members, as a range such as 1..10 (default 1..8)")
    w.add_argument("--time-limit", type=_seconds, default=10.0, metavar="SECONDS",
                   help="wall-clock seconds a row (one member) may take before it gives up (default 10)")
    w.add_argument("-q", "--quiet", action="store_true", help="no progress bar (there is none when stderr is "
                   "not a terminal)")
    w.add_argument("-o", "--output", metavar="FILE", help=_FIGURE)

    r = command("trace", "the primal and tangent (forward) or adjoint (reverse) trace, node by node")
    _expression_args(r)
    r.add_argument("--mode", choices=["forward", "reverse"], default="reverse",
                   help="forward: tangents for one seeded variable; reverse: adjoints of all (default)")
    r.add_argument("--wrt", metavar="NAME", help="forward mode: the variable seeded with 1 (default: the first)")
    r.add_argument("--format", choices=_FORMATS, default="text", help="output format (default text)")

    e = command("eval", "evaluate an expression and print its primal trace")
    _expression_args(e)

    d = command("diff", "the derivative as a formula (symbolic, no point needed)")
    _expression_args(d, at=False)
    d.add_argument("--wrt", metavar="NAME", help="the variable to differentiate (default: the first)")
    d.add_argument("-n", "--order", type=_positive_int, default=1, help="which derivative (default 1)")
    d.add_argument("--latex", action="store_true", help="print LaTeX instead of plain text")

    x = command("explain", "the chain rule applied step by step, each step a formula")
    _expression_args(x, at=False)
    x.add_argument("--wrt", metavar="NAME", help="the variable to differentiate (default: the first)")
    x.add_argument("--latex", action="store_true", help="print LaTeX instead of plain text")

    k = command("check", "check a hand-written gradient against central differences: exit 0 passed, 1 failed")
    k.add_argument("fun", help="MODULE:FUNCTION or FILE.py:FUNCTION computing the loss f(x)")
    k.add_argument("grad", help="MODULE:FUNCTION or FILE.py:FUNCTION computing the gradient of f at x")
    k.add_argument("--at", nargs="+", action="extend", default=[], metavar="NAME=VALUE",
                   help="the point: NAME=1.5, NAME=[1,2,3], NAME=file.npy or FILE.npz (every array in it); "
                        "with one name fun gets that array, with several a dict of them by name")
    k.add_argument("--dim", type=_positive_int, help="without --at: check at a random point of this size "
                   "(default 1), printed; --seed picks it")
    k.add_argument("--seed", type=int, default=0, help="seed of the random point (default 0)")
    k.add_argument("--atol", type=_tolerance, default=1e-6, help="absolute tolerance (default 1e-6)")
    k.add_argument("--rtol", type=_tolerance, default=1e-4, help="relative tolerance (default 1e-4)")
    k.add_argument("--max-entries", type=_positive_int, metavar="N",
                   help="check only N entries, drawn at random (for large parameters)")
    return p


def _run(args: argparse.Namespace) -> tuple[int, str | None]:
    """Run the command: ``(status, the one line a failure prints, or None)``."""
    from .commands import COMMANDS

    show_traceback = getattr(args, "traceback", False)
    try:
        return COMMANDS[args.command](args), None
    except KeyboardInterrupt:
        return EXIT["interrupted"], "interrupted"
    except UserCodeError as err:
        if show_traceback:
            sys.stderr.write(err.details())
        return EXIT["user code raised"], err.one_line() + ("" if show_traceback else
                                                           "; --traceback shows the whole story")
    except BrokenPipeError:  # the reader went away (| head); nothing more to say to it
        return EXIT["ok"], None
    except Exception as err:
        if show_traceback:
            traceback.print_exc()
        if isinstance(err, DiffkitError):
            return EXIT["bad input"], _one_line(err)
        if isinstance(err, (RecursionError, MemoryError)):
            return EXIT["bad input"], (f"the input is too large or too deeply nested ({type(err).__name__}); "
                                       "split it into a program of smaller statements")
        first = (str(err).strip().splitlines() or [""])[0]  # diffkit could not handle this input: one line
        return EXIT["bad input"], (f"diffkit could not handle this input ({type(err).__name__}: {first[:200]}); "
                                   "if the input is valid, please report it with the command line "
                                   "(--traceback shows where)")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit status (see :data:`EXIT`).

    Example
    -------
    >>> from diffkit.cli import main
    >>> main(["eval", "x^2"])  # the point is missing: one line on stderr, status 2
    2
    """
    parser = build_parser()
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        args = parser.parse_args(argv)
    except UsageError as err:
        error(str(err))
        return EXIT["bad input"]
    except SystemExit as exit_:  # --help, --version
        return int(exit_.code or 0)
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT["bad input"]
    with Warnings() as caught:
        status, failure = _run(args)
    every = getattr(args, "warnings", False)
    if failure is None or every:  # a failure is one line; its warnings only when asked for
        caught.report(every=every)
    if failure is not None:
        error(failure)
    return status


def _one_line(err: DiffkitError) -> str:
    """The error's message, where it is, and its hint, on one line."""
    lines = str(err).splitlines() or [""]
    hint = getattr(err, "hint", None)
    return lines[0] + (f"; {hint}" if hint else "")
