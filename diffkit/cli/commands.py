"""The subcommands of ``diffkit``: each reads its checked arguments, runs one study and prints it.

Every command validates what it was given (the point, the variable, the
output path) before it starts work, so a bad ``-o`` fails in a second, not
after the study. A command returns its exit status: 0 done (or check
passed), 1 check failed; failures raise and :func:`diffkit.cli.main` turns
them into one line and status 2 (bad input) or 3 (the user's code raised).

Example
-------
>>> from diffkit.cli import main
>>> main(["eval", "x^2 + 1", "--at", "x=3"])
Forward primal trace
node  definition  value
----  ----------  -----
v_0   x               3
v_1   v_0^2           9
v_2   v_1 + 1        10
y_1   v_2            10
0
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

import numpy as np

from ..errors import DiffkitError
from .arguments import (
    echo_text,
    figure_path,
    parse_arrays,
    parse_at,
    parse_range,
    printable,
    read_expression,
    report_folder,
)
from .output import emit
from .usercode import guarded, load

__all__ = ["COMMANDS"]


def expression(args: argparse.Namespace) -> Any:
    """The command's Expr, echoing only its code (never a comment) in titles."""
    from ..expr import Expr, expr

    source = read_expression(args.expr, args.file)
    f = expr(source)
    return Expr(f.graph, echo_text(source))


def variable(f: Any, name: str | None, option: str = "--wrt") -> str:
    """``name`` if it is a variable of ``f`` (default: the first variable), else a clear refusal."""
    if not f.variables:
        raise DiffkitError(f"{f} has no variables: there is nothing to differentiate")
    if name is None:
        return f.variables[0]
    if name not in f.variables:
        raise DiffkitError(f"{option} {printable(name)}: not a variable of {f}; its variables are "
                           f"{', '.join(f.variables)}")
    return name


def note(text: str) -> None:
    print(f"diffkit: note: {printable(text)}", file=sys.stderr, flush=True)


# ------------------------------------------------------------------------------ compare
def _compare(f: Any, at: dict, methods: list[str] | None, peers: bool) -> Any:
    from ..compare import compare

    table = compare(f, at=at, methods=methods, peers=peers)  # a failing reference falls back by itself
    if table.reference_failure:
        note(f"{table.reference_failure}; errors are against {table.reference_name.split()[0]} instead")
    return table


def cmd_compare(args: argparse.Namespace) -> int:
    f = expression(args)
    table = _compare(f, parse_at(args.at), args.methods or None, args.peers)
    emit(table.render(args.format))
    return 0


# ------------------------------------------------------------------------------ steps, swell
def cmd_steps(args: argparse.Namespace) -> int:
    from ..numeric import step_sweep

    out = figure_path(args.output) if args.output else None
    f = expression(args)
    at = parse_at(args.at)
    wrt = variable(f, args.wrt)
    sweep = step_sweep(f, at=at, wrt=wrt, schemes=args.schemes, h=np.logspace(-16, 0, 161), dtype=args.dtype)
    emit(str(sweep.best()))
    emit()
    emit(str(sweep.theory()))
    if out is not None:
        from ..plot import error_vs_h

        error_vs_h(sweep, save=out)
        emit(f"\nwrote {out}")
    return 0


def cmd_swell(args: argparse.Namespace) -> int:
    from .. import examples
    from ..symbolic import swell

    out = figure_path(args.output) if args.output else None
    families = examples.FAMILIES
    matches = [name for name in families if name == args.family or name.startswith(args.family)]
    if len(matches) != 1:
        raise DiffkitError(f"unknown family {printable(args.family)!r}; choose from {', '.join(families)}")
    table = swell(families[matches[0]], n=parse_range(args.n), time_limit=args.time_limit,
                  progress=not args.quiet and sys.stderr.isatty())
    emit(str(table))
    if out is not None:
        from ..plot import swell as swell_plot

        swell_plot(table, save=out)
        emit(f"\nwrote {out}")
    return 0


# ------------------------------------------------------------------------------ trace, eval
def cmd_trace(args: argparse.Namespace) -> int:
    from ..ad import forward_trace, reverse_trace

    f = expression(args)
    at = parse_at(args.at)
    if args.mode == "forward":
        table = forward_trace(f, at=at, seed={variable(f, args.wrt): 1.0})
    else:
        if args.wrt is not None:
            raise DiffkitError("--wrt is for --mode forward; reverse mode gives every variable's adjoint at once")
        table = reverse_trace(f, at=at)
    emit(table.render(args.format))
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    f = expression(args)
    emit(str(f.graph.primal_trace(f.bind(parse_at(args.at)))))
    return 0


# ------------------------------------------------------------------------------ diff, explain
def cmd_diff(args: argparse.Namespace) -> int:
    from ..symbolic import diff

    f = expression(args)
    d = diff(f, variable(f, args.wrt), args.order)
    emit(d.to_latex() if args.latex else str(d))
    return 0


def cmd_explain(args: argparse.Namespace) -> int:
    from ..symbolic import explain

    f = expression(args)
    e = explain(f, variable(f, args.wrt))
    emit(e.to_latex() if args.latex else str(e))
    return 0


# ------------------------------------------------------------------------------ check
def _fmt_array(a: np.ndarray) -> str:
    return np.array2string(a, precision=4, threshold=12, separator=", ", max_line_width=1000)


def _point(args: argparse.Namespace) -> dict[str, np.ndarray]:
    arrays = parse_arrays(args.at)
    if arrays:
        if args.dim is not None:
            raise DiffkitError("give the point with --at or its size with --dim (a random point), not both")
        return arrays
    from ..numeric import random_point
    from ..numeric.grad_check import ensure_check_memory

    dim = 1 if args.dim is None else args.dim
    ensure_check_memory(dim)  # what the whole check will hold, before the point is drawn
    # Not 0: at 0 a gradient missing a factor (2x against x) still matches, so a check there can't tell.
    x = random_point(dim, seed=args.seed)
    emit(f"x = {_fmt_array(x)}  (random, --seed {args.seed}; --at chooses the point)")
    return {"x": x}


def cmd_check(args: argparse.Namespace) -> int:
    from ..numeric import check_grad

    fun = guarded(load(args.fun), args.fun)
    grad = guarded(load(args.grad), args.grad)
    point = _point(args)
    if len(point) == 1:  # one array: fun(x) gets it as it is; the report still uses its name
        (name, x), = point.items()
        report = check_grad(lambda d: fun(d[name]), lambda d: {name: grad(d[name])}, {name: x},
                            atol=args.atol, rtol=args.rtol, max_entries=args.max_entries, seed=args.seed)
    else:
        report = check_grad(fun, grad, point, atol=args.atol, rtol=args.rtol, max_entries=args.max_entries,
                            seed=args.seed)
    emit(str(report))
    return 0 if report.passed else 1


# ------------------------------------------------------------------------------ tour
def cmd_tour(args: argparse.Namespace) -> int:
    from ..tour import run_tour

    folder = report_folder(args.output)
    report = run_tour(folder, progress=not args.quiet, echo=emit)
    return 1 if report.failed else 0


COMMANDS = {"compare": cmd_compare, "steps": cmd_steps, "swell": cmd_swell, "trace": cmd_trace,
            "eval": cmd_eval, "diff": cmd_diff, "explain": cmd_explain, "check": cmd_check, "tour": cmd_tour}
