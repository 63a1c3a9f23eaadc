"""The ``diffkit`` command (``python -m diffkit`` is the same).

Subcommands: ``compare``, ``steps``, ``swell``, ``trace``, ``check``, ``eval``
and ``tour`` (the main job). Bad expressions or ``--at`` values print one clear
line and exit with status 2.

Example
-------
>>> from diffkit.cli import main
>>> main(["--version"])  # doctest: +ELLIPSIS
diffkit ...
0
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import math
import sys
from collections.abc import Sequence
from pathlib import Path

from . import __version__
from .errors import DiffkitError

__all__ = ["main", "build_parser", "parse_at", "parse_range"]


def parse_at(items: Sequence[str]) -> dict[str, float]:
    """``["x1=2", "x2=5"]`` -> ``{"x1": 2.0, "x2": 5.0}``, refusing anything else.

    Example
    -------
    >>> from diffkit.cli import parse_at
    >>> parse_at(["x=1", "y=-2.5"])
    {'x': 1.0, 'y': -2.5}
    """
    out: dict[str, float] = {}
    for item in items:
        for part in item.split(","):
            if not part.strip():
                continue
            name, sep, value = part.partition("=")
            if not sep or not name.strip():
                raise DiffkitError(f"--at expects name=value pairs, got {part!r}")
            try:
                out[name.strip()] = float(value)
            except ValueError:
                raise DiffkitError(f"--at {part!r}: {value!r} is not a number") from None
            if not math.isfinite(out[name.strip()]):
                raise DiffkitError(f"--at {part!r}: the point must be finite")
    return out


def parse_range(text: str) -> range:
    """``"1..10"`` -> ``range(1, 11)`` (inclusive); ``"5"`` -> ``range(1, 6)``.

    Example
    -------
    >>> from diffkit.cli import parse_range
    >>> list(parse_range("2..4"))
    [2, 3, 4]
    """
    try:
        if ".." in text:
            a, b = text.split("..", 1)
            lo, hi = int(a), int(b)
        else:
            lo, hi = 1, int(text)
    except ValueError:
        raise DiffkitError(f"--n {text!r}: use a range such as 1..10") from None
    if lo < 1 or hi < lo:
        raise DiffkitError(f"--n {text!r}: need 1 <= start <= end")
    return range(lo, hi + 1)


def _load(spec: str):
    """``module:function`` (or ``path/to/file.py:function``) -> the function."""
    mod, sep, name = spec.partition(":")
    if not sep or not name:
        raise DiffkitError(f"{spec!r}: use MODULE:FUNCTION, e.g. mynet:loss")
    try:
        if mod.endswith(".py"):
            path = Path(mod)
            spec_ = importlib.util.spec_from_file_location(path.stem, path)
            if spec_ is None or not path.exists():
                raise DiffkitError(f"{mod}: no such file")
            module = importlib.util.module_from_spec(spec_)
            spec_.loader.exec_module(module)
        else:
            sys.path.insert(0, str(Path.cwd()))
            module = importlib.import_module(mod)
    except ImportError as err:
        raise DiffkitError(f"can't import {mod!r}: {err}") from None
    fn = getattr(module, name, None)
    if not callable(fn):
        raise DiffkitError(f"{mod!r} has no function {name!r}")
    return fn


def _cmd_compare(args: argparse.Namespace) -> int:
    from .compare import compare

    table = compare(args.expr, at=parse_at(args.at), methods=args.methods or None)
    print(table.render(args.format))
    return 0


def _cmd_steps(args: argparse.Namespace) -> int:
    import numpy as np

    from .expr import expr
    from .numeric import step_sweep
    from .plot import error_vs_h

    f = expr(args.expr)
    at = parse_at(args.at)
    wrt = args.wrt or f.variables[0]
    sweep = step_sweep(f, at=at, wrt=wrt, schemes=args.schemes, h=np.logspace(-16, 0, 161),
                       dtype=args.dtype)
    print(sweep.best())
    print()
    print(sweep.theory())
    if args.output:
        error_vs_h(sweep, save=args.output)
        print(f"\nwrote {args.output}")
    return 0


def _cmd_swell(args: argparse.Namespace) -> int:
    from . import examples
    from .plot import swell as swell_plot
    from .symbolic import swell

    families = examples.FAMILIES
    matches = [name for name in families if name == args.family or name.startswith(args.family)]
    if len(matches) != 1:
        raise DiffkitError(f"unknown family {args.family!r}; choose from {', '.join(families)}")
    table = swell(families[matches[0]], n=parse_range(args.n), time_limit=args.time_limit)
    print(table)
    if args.output:
        swell_plot(table, save=args.output)
        print(f"\nwrote {args.output}")
    return 0


def _cmd_trace(args: argparse.Namespace) -> int:
    from .ad import forward_trace, reverse_trace
    from .expr import expr

    f = expr(args.expr)
    at = parse_at(args.at)
    if args.mode == "forward":
        seed = {v: 1.0 if v == (args.wrt or f.variables[0]) else 0.0 for v in f.variables}
        table = forward_trace(f, at=at, seed=seed)
    else:
        table = reverse_trace(f, at=at)
    print(table.render(args.format) if hasattr(table, "render") else table)
    return 0


def _cmd_check(args: argparse.Namespace) -> int:
    import numpy as np

    from .numeric import check_grad

    fun, grad = _load(args.fun), _load(args.grad)
    at = parse_at(args.at)
    if not at and args.dim < 1:
        raise DiffkitError(f"--dim {args.dim}: the point needs at least one coordinate")
    x = np.array(list(at.values())) if at else np.zeros(args.dim)
    report = check_grad(fun, grad, x)
    print(report)
    return 0 if report.passed else 1


def _cmd_eval(args: argparse.Namespace) -> int:
    from .expr import expr

    f = expr(args.expr)
    print(f.graph.primal_trace(f.bind(**parse_at(args.at))))  # bind names a missing or unknown variable
    return 0


def _cmd_tour(args: argparse.Namespace) -> int:
    from .tour import run_tour

    report = run_tour(Path(args.output), progress=not args.quiet)
    return 1 if report.failed else 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``diffkit`` command."""
    p = argparse.ArgumentParser(
        prog="diffkit",
        description="Symbolic, numeric and automatic differentiation, side by side.",
        epilog='Example: diffkit compare "log(x1) + x1*x2 - sin(x2)" --at x1=2 x2=5')
    p.add_argument("--version", action="version", version=f"diffkit {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    at_help = "the point, as NAME=VALUE pairs (e.g. --at x1=2 x2=5)"

    t = sub.add_parser("tour", help="the main job: every study on the built-in examples, with a report")
    t.add_argument("-o", "--output", default="diffkit-tour", help="folder for the report (default diffkit-tour)")
    t.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    t.set_defaults(func=_cmd_tour)

    c = sub.add_parser("compare", help="every method on one expression and point")
    c.add_argument("expr", help='an expression such as "log(x1) + x1*x2 - sin(x2)"')
    c.add_argument("--at", nargs="+", action="extend", default=[], metavar="NAME=VALUE", help=at_help)
    c.add_argument("--methods", nargs="+", help="labels of the methods to run (default: all)")
    c.add_argument("--format", choices=["text", "md", "html", "csv"], default="text")
    c.set_defaults(func=_cmd_compare)

    s = sub.add_parser("steps", help="error against step size h for finite differences")
    s.add_argument("expr")
    s.add_argument("--at", nargs="+", action="extend", default=[], metavar="NAME=VALUE", help=at_help)
    s.add_argument("--wrt", help="variable to differentiate (default: the first)")
    s.add_argument("--dtype", nargs="+", default=["float64"], help="float64, float32 and/or float16")
    s.add_argument("--schemes", nargs="+", default=["forward", "central"],
                   help="forward, backward, central (with an order: central-4), complex")
    s.add_argument("-o", "--output", help="write the figure here (.png or .svg)")
    s.set_defaults(func=_cmd_steps)

    w = sub.add_parser("swell", help="expression swell of symbolic derivatives over a family")
    w.add_argument("family", help="logistic (logistic_map), nested_products or exp_sin")
    w.add_argument("--n", default="1..8", help="range of n, e.g. 1..10")
    w.add_argument("--time-limit", type=float, default=10.0, help="seconds per row before giving up")
    w.add_argument("-o", "--output", help="write the figure here (.png or .svg)")
    w.set_defaults(func=_cmd_swell)

    r = sub.add_parser("trace", help="the primal/tangent or primal/adjoint trace, as in the lecture")
    r.add_argument("expr")
    r.add_argument("--at", nargs="+", action="extend", default=[], metavar="NAME=VALUE", help=at_help)
    r.add_argument("--mode", choices=["forward", "reverse"], default="reverse")
    r.add_argument("--wrt", help="forward mode: the variable seeded with 1 (default: the first)")
    r.add_argument("--format", choices=["text", "md", "html", "csv"], default="text")
    r.set_defaults(func=_cmd_trace)

    k = sub.add_parser("check", help="check a hand-written gradient: MODULE:FUNC MODULE:GRAD")
    k.add_argument("fun", help="MODULE:FUNCTION (or file.py:FUNCTION) computing f(x) from a vector x")
    k.add_argument("grad", help="MODULE:FUNCTION computing the gradient of f at x")
    k.add_argument("--at", nargs="+", action="extend", default=[], metavar="NAME=VALUE",
                   help="the entries of x, in order")
    k.add_argument("--dim", type=int, default=1, help="size of x when --at is not given (x = 0)")
    k.set_defaults(func=_cmd_check)

    e = sub.add_parser("eval", help="evaluate an expression and print its primal trace")
    e.add_argument("expr")
    e.add_argument("--at", nargs="+", action="extend", default=[], metavar="NAME=VALUE", help=at_help)
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
        print(f"diffkit: error: {_one_line(err)}", file=sys.stderr)
        return 2


def _one_line(err: DiffkitError) -> str:
    """The error's message, where it is, and its hint, on one line."""
    lines = str(err).splitlines()
    hint = getattr(err, "hint", None)
    return lines[0] + (f"; {hint}" if hint else "")
