"""The ``diffkit`` command (``python -m diffkit`` is the same).

Example
-------
>>> from diffkit.cli import main
>>> main(["--version"])  # doctest: +ELLIPSIS
diffkit ...
0
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from . import __version__
from .errors import DiffkitError

__all__ = ["main", "build_parser"]


def _parse_at(items: Sequence[str]) -> dict[str, float]:
    """``["x1=2", "x2=5"]`` -> ``{"x1": 2.0, "x2": 5.0}``, refusing anything else."""
    out: dict[str, float] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise DiffkitError(f"--at expects name=value pairs, got {item!r}")
        try:
            out[name.strip()] = float(value)
        except ValueError:
            raise DiffkitError(f"--at {item!r}: {value!r} is not a number") from None
    return out


def _cmd_tour(args: argparse.Namespace) -> int:
    from . import examples

    f = examples.lecture()
    print(f"diffkit {__version__}: the lecture example f = {examples.LECTURE}\n")
    print(f.graph.primal_trace(examples.LECTURE_POINT))
    g = examples.primer()
    print("\nThe ComputationalGraphPrimer program:", ", ".join(examples.PRIMER))
    print("depends_on =", g.graph.depends_on)
    print("leads_to   =", g.graph.leads_to)
    return 0


def _cmd_eval(args: argparse.Namespace) -> int:
    from .expr import expr

    f = expr(args.expr)
    print(f.graph.primal_trace(_parse_at(args.at)))
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``diffkit`` command."""
    p = argparse.ArgumentParser(
        prog="diffkit",
        description="Symbolic, numeric and automatic differentiation, side by side.")
    p.add_argument("--version", action="version", version=f"diffkit {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    t = sub.add_parser("tour", help="the guided tour: every method on the lecture example")
    t.add_argument("-o", "--out", default="diffkit-tour", help="folder for the report")
    t.set_defaults(func=_cmd_tour)
    e = sub.add_parser("eval", help="evaluate an expression and print its primal trace")
    e.add_argument("expr", help='an expression such as "log(x1) + x1*x2 - sin(x2)"')
    e.add_argument("--at", nargs="+", default=[], metavar="NAME=VALUE", help="the point")
    e.set_defaults(func=_cmd_eval)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (2 for bad input)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    if getattr(args, "func", None) is None:
        parser.print_help()
        return 0
    try:
        return args.func(args)
    except DiffkitError as err:
        print(f"diffkit: error: {err}", file=sys.stderr)
        return 2
