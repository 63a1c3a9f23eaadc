"""The expression-swell study: how derivative expressions grow along a family.

For each ``n`` of a family ``n -> Expr`` (``dk.examples.logistic_map`` ...),
:func:`swell` differentiates the n-th member symbolically and reports the
size of each form of the derivative, the time each took, and how accurately
each evaluates in float64:

* ``nested``: the derivative as the CAS returns it (tree nodes),
* ``simplified``: expanded (for polynomials the expanded polynomial, the
  lecture's "simplified" column),
* ``cse``: after common-subexpression elimination (DAG nodes),
* ``ad``: the AD trace, the ops of one forward evaluation (``len(f.graph)``);
  its value comes from forward mode on dual numbers through the ops table.

Errors are relative to the exact derivative (rational arithmetic on the
graph, see :mod:`diffkit.symbolic.dual`) at a point. The lesson: the expanded
logistic polynomial loses every digit by n = 8, while the nested, CSE and AD
forms stay near machine precision.

Each row runs in a worker process that is killed after ``time_limit``
seconds of wall time; such a row keeps what finished and says "gave up after
T s (while <stage>, S s of it)". The limit counts the whole row -- building the
expression, measuring sizes and the exact reference too -- while the ``t_``
columns time only differentiating, expanding, CSE and AD, so a row can give
up with small ``t_`` values: its status names the stage that used the time.
Families grow with ``n``: once a row gives up at a stage, the rows after it
with larger ``n`` stop before that stage ("skipped from <stage> on"), and a row
with nothing left to run is not run at all (``skip_larger=False`` runs every
row in full). The worker never outlives the study: it is killed with it.

The expressions a row keeps (``row.expressions``, ``row.exact``) come back
from the worker as bytes and are rebuilt when first read, so a swollen
expression costs the study nothing it did not already spend.

Example
-------
>>> import diffkit as dk
>>> t = dk.symbolic.swell(dk.examples.logistic_map, n=range(1, 4))
>>> t.column("d_nested"), t.column("d_simplified"), t.column("ad_trace")
([1, 5, 44], [1, 5, 15], [0, 3, 6])
"""

from __future__ import annotations

import io
import math
import multiprocessing
import os
import pickle
import time
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sympy as sp

from ..errors import ArgumentError, ExpressionError
from ..expr.expr import as_expr
from ..expr.sympy_bridge import symbol
from ..limits import check_time_limit, die_with_parent
from ..table import Table, fmt
from .backends import get_backend
from .dual import derivative_along, derivative_dag, exact_derivative
from .evaluate import Compiled
from .size import Size, cse_nodes
from .size import size as measure

__all__ = ["swell", "SwellTable", "SwellRow", "KeptExpressions", "COLUMNS", "DEFAULT_POINT", "MAX_KEPT_BYTES"]

#: The value every variable takes where the errors are measured, unless ``point=`` says otherwise.
DEFAULT_POINT = 0.3

#: An expression larger than this, pickled, is not kept (the measurements of it still are).
MAX_KEPT_BYTES = 64 << 20

#: Columns of the swell table, in order.
COLUMNS = ["n", "l_n", "d_nested", "d_simplified", "d_cse", "ad_trace",
           "t_diff", "t_simplify", "t_cse", "t_ad",
           "err_nested", "err_simplified", "err_cse", "err_ad", "status"]

_STAGES = {"build": "building the expression", "diff": "differentiating", "measure": "measuring the derivative",
           "cse": "eliminating common subexpressions", "ad": "running forward mode",
           "exact": "computing the exact reference", "eval_nested": "evaluating the nested form",
           "eval_cse": "evaluating the CSE form", "simplify": "expanding",
           "eval_simplified": "evaluating the expanded form"}
_ORDER = list(_STAGES)  # the order the stages run in


class _PlainPickler(pickle.Pickler):
    """Pickles diffkit's real symbols as plain ones (how users are handed expressions), with
    shared subexpressions pickled once: linear in the expression's DAG, however big its tree."""

    def reducer_override(self, obj: Any) -> Any:
        if type(obj) is sp.Symbol and obj == symbol(obj.name):
            return sp.Symbol, (obj.name,)
        return NotImplemented


def _pack(value: Any) -> bytes | None:
    """``value`` pickled with plain symbols, or None when it is larger than :data:`MAX_KEPT_BYTES`."""
    buf = io.BytesIO()
    try:
        _PlainPickler(buf, protocol=pickle.HIGHEST_PROTOCOL).dump(value)
    except RecursionError:  # deeper than pickle goes: not kept
        return None
    return buf.getvalue() if buf.tell() <= MAX_KEPT_BYTES else None


def _unpack(blob: bytes) -> Any:
    with sp.evaluate(False):  # rebuilt exactly as it was, not simplified again on the way in
        return pickle.loads(blob)  # noqa: S301 - bytes this module's own worker wrote


class KeptExpressions(Mapping):
    """A row's expressions, kept as bytes and rebuilt (once) when read: ``row.expressions["nested"]``.

    Example
    -------
    >>> import diffkit as dk
    >>> row = dk.symbolic.swell(dk.examples.logistic_map, n=[2]).by_n[2]
    >>> sorted(row.expressions), row.expressions["simplified"]
    (['cse', 'l', 'nested', 'simplified'], 4 - 8*x)
    """

    def __init__(self) -> None:
        self._blobs: dict[str, bytes] = {}
        self._values: dict[str, Any] = {}

    def keep(self, name: str, blob: bytes) -> None:
        self._blobs[name] = blob
        self._values.pop(name, None)

    def __getitem__(self, name: str) -> Any:
        if name not in self._values:
            self._values[name] = _unpack(self._blobs[name])
        return self._values[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._blobs)

    def __len__(self) -> int:
        return len(self._blobs)

    def __repr__(self) -> str:
        return f"KeptExpressions({', '.join(self._blobs)})"


@dataclass
class SwellRow:
    """Everything measured for one member ``n`` of the family.

    Attributes
    ----------
    n : int
    status : str
        ``"ok"``, ``"gave up after T s (while ...)"``, ``"skipped from <stage> on (...)"``
        or ``"error: ..."``.
    sizes : dict of str to Size
        ``"l"`` (the function), ``"nested"`` (whose ``cse`` is the CSE'd size),
        ``"simplified"``: whatever finished.
    ad_trace : int or None
        Ops of one forward evaluation of the function (``len(f.graph)``).
    seconds : dict of str to float
        ``"diff"``, ``"simplify"``, ``"cse"``, ``"ad"``.
    errors : dict of str to float
        Relative float64 error of ``"nested"``, ``"simplified"``, ``"cse"``, ``"ad"``.
    expressions : KeptExpressions
        ``"l"``, ``"nested"``, ``"simplified"`` (SymPy) and ``"cse"`` (replacements, reduced),
        each rebuilt when first read (one larger than :data:`MAX_KEPT_BYTES` is not kept).
    exact : sympy.Number or None
        The exact derivative at the point (rebuilt when first read).
    stage_seconds : dict of str to float
        Wall time of each stage of the row's work (what the time limit counts), by stage name.
    stopped : str or None
        The stage (``"diff"``, ``"simplify"``...) the row gave up in or was skipped from; None
        when it ran in full.

    Example
    -------
    >>> from diffkit.symbolic.swell import SwellRow
    >>> SwellRow(3).gave_up
    False
    """

    n: int
    status: str = "ok"
    sizes: dict[str, Size] = field(default_factory=dict)
    ad_trace: int | None = None
    dag: int | None = None
    seconds: dict[str, float] = field(default_factory=dict)
    errors: dict[str, float] = field(default_factory=dict)
    expressions: KeptExpressions = field(default_factory=KeptExpressions)
    stage_seconds: dict[str, float] = field(default_factory=dict)
    stopped: str | None = None
    _exact: bytes | None = field(default=None, repr=False)

    @property
    def exact(self) -> Any:
        """The exact derivative at the point (a SymPy number), or None where it didn't finish."""
        return None if self._exact is None else _unpack(self._exact)

    @property
    def gave_up(self) -> bool:
        """Whether the row hit the time limit."""
        return self.status.startswith("gave up")

    def cells(self) -> list[Any]:
        """The row's cells, in :data:`COLUMNS` order (``None`` where nothing finished)."""
        s, t, e = self.sizes, self.seconds, self.errors
        nodes = lambda k: s[k].nodes if k in s else None  # noqa: E731
        return [self.n, nodes("l"), nodes("nested"), nodes("simplified"), self.dag, self.ad_trace,
                t.get("diff"), t.get("simplify"), t.get("cse"), t.get("ad"),
                e.get("nested"), e.get("simplified"), e.get("cse"), e.get("ad"), self.status]


class SwellTable(Table):
    """The swell study's table: a :class:`~diffkit.table.Table` with the rows' details.

    Renders as text (``print``), Markdown (``to_markdown``), HTML (Jupyter)
    and CSV; ``to_records()`` gives one dict per row, keyed by :data:`COLUMNS`.

    Attributes
    ----------
    results : list of SwellRow
        The full measurements, one per ``n``.
    by_n : dict of int to SwellRow
    skipped : list or range of int
        The ``n`` not run at all: a smaller ``n`` gave up in the first stage.
    family, wrt, point, time_limit, backend
        What was asked.

    Example
    -------
    >>> import diffkit as dk
    >>> t = dk.symbolic.swell(dk.examples.logistic_map, n=[2, 3])
    >>> t.by_n[3].expressions["simplified"]
    -256*x**3 + 384*x**2 - 160*x + 16
    >>> t.series("d_nested")
    ([2, 3], [5, 44])
    """

    def __init__(self, results: list[SwellRow], *, family: Callable, wrt: str, point: Mapping[str, float] | None,
                 time_limit: float, backend: str, skipped: list[int] | range = (),
                 stop: tuple[str, int] | None = None):
        self.results = results
        self.by_n = {r.n: r for r in results}
        self.skipped = skipped
        self.family = family
        self.wrt = wrt
        self.point = point
        self.time_limit = time_limit
        self.backend = backend
        name = getattr(family, "__name__", "family")
        at = ", ".join(f"{k} = {fmt(v)}" for k, v in point.items()) if point else f"every variable = {DEFAULT_POINT}"
        notes = [
            "l_n, d_nested, d_simplified: tree nodes of the function, of its derivative as differentiated "
            "and expanded; d_cse: DAG nodes of the derivative with common subexpressions shared (the chain rule "
            "through l_n's own DAG; sympy.cse of the flattened tree is in .by_n[n].sizes['nested'].cse); "
            "ad_trace: ops in one forward evaluation.",
            "t_*: seconds each form took; err_*: relative float64 error of each derivative form at "
            f"{at} against the exact value ({backend} backend).",
        ]
        if any(r.gave_up for r in results):
            notes.append(f"Rows that hit the {fmt(time_limit)} s limit keep what finished. The limit is wall time "
                         "for the whole row, including building l_n, measuring sizes and the exact reference, "
                         "which the t_* columns do not time; the status names the stage that ran out of time.")
        if stop is not None:
            stage, k = stop
            left_out = (f"; n = {_span(skipped)} ({len(skipped)} rows) not run at all" if len(skipped) else "")
            notes.append(f"n = {k} gave up while {_STAGES.get(stage, stage)}: rows with larger n stop before that "
                         f"stage{left_out} (swell(..., skip_larger=False) runs them).")
        super().__init__(COLUMNS, [r.cells() for r in results],
                         title=f"Expression swell of d/d{wrt} {name}(n)", notes=notes,
                         formatter=lambda v: fmt(v, 3))

    @property
    def gave_up(self) -> list[int]:
        """The ``n`` whose rows hit the time limit."""
        return [r.n for r in self.results if r.gave_up]

    def series(self, column: str) -> tuple[list[int], list[Any]]:
        """``(ns, values)`` of one column, leaving out rows where it didn't finish (for plots)."""
        pairs = [(row["n"], row[column]) for row in self if row[column] is not None]
        return [p[0] for p in pairs], [p[1] for p in pairs]


def _span(ns: list[int] | range) -> str:
    return f"{ns[0]}" if len(ns) == 1 else f"{ns[0]}, {ns[1]}" if len(ns) == 2 else f"{ns[0]}, ..., {ns[-1]}"


def _relative_error(computed: Any, exact: sp.Basic) -> float:
    try:
        c = float(computed)
    except (TypeError, ValueError, OverflowError):
        return math.inf
    if not math.isfinite(c):
        return math.inf
    diff = abs(sp.Rational(c) - exact)
    scale = abs(exact)
    return float(diff / scale) if scale != 0 else float(diff)


def _evaluate(compiled: Compiled, values: dict) -> Any:
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return compiled({k: np.float64(v) for k, v in values.items()})[0]
        except (OverflowError, ZeroDivisionError, FloatingPointError):
            return math.inf


def _measure_row(send: Callable[[str, Any], None], family: Callable, n: int, wrt: str,
                 point: Mapping[str, float] | None, backend: str) -> None:
    """All of one row's work; each finished piece is sent at once (so a killed row keeps it)."""
    engine = get_backend(backend)
    send("stage", "build")
    f = as_expr(family(n))
    if wrt not in f.variables:
        raise ExpressionError(f"{getattr(family, '__name__', 'family')}({n}) has no variable {wrt!r}",
                              hint=f"its variables are {', '.join(f.variables) or 'none'}; pass wrt=")
    at = {v: float(point[v]) if point and v in point else DEFAULT_POINT for v in f.variables}
    send("ad_trace", len(f.graph))
    send("dag", derivative_dag(f, wrt))
    lsym = f.to_sympy(real=True)
    send("expr:l", lsym)
    send("size:l", measure(lsym))

    send("stage", "diff")
    t0 = time.perf_counter()
    d = engine.diff(lsym, wrt)
    send("time:diff", time.perf_counter() - t0)
    send("expr:nested", d)
    send("stage", "measure")
    plain = measure(d, cse=False)
    send("size:nested", plain)

    send("stage", "cse")
    t0 = time.perf_counter()
    repl, reduced = sp.cse([d])
    send("time:cse", time.perf_counter() - t0)
    n_cse, n_repl = cse_nodes(None, repl, reduced)
    send("size:nested", Size(plain.nodes, plain.ops, plain.depth, n_cse, n_repl))
    send("expr:cse", (repl, reduced))

    send("stage", "ad")
    t0 = time.perf_counter()
    _, ad = derivative_along(f, at, wrt)
    send("time:ad", time.perf_counter() - t0)
    send("stage", "exact")
    _, exact = exact_derivative(f, at, wrt)
    send("exact", exact)
    send("err:ad", _relative_error(ad, exact))

    send("stage", "eval_nested")
    send("err:nested", _relative_error(_evaluate(Compiled([d], f.variables), at), exact))
    send("stage", "eval_cse")
    send("err:cse", _relative_error(_evaluate(Compiled([d], f.variables, cse=True), at), exact))

    send("stage", "simplify")
    t0 = time.perf_counter()
    s = engine.expand(d)
    send("time:simplify", time.perf_counter() - t0)
    send("expr:simplified", s)
    send("size:simplified", measure(s, cse=False))
    send("stage", "eval_simplified")
    send("err:simplified", _relative_error(_evaluate(Compiled([s], f.variables), at), exact))


def _store(row: SwellRow, key: str, value: Any) -> None:
    kind, _, name = key.partition(":")
    if kind == "size":
        row.sizes[name] = value
    elif kind == "time":
        row.seconds[name] = value
    elif kind == "err":
        row.errors[name] = value
    elif kind == "expr":
        row.expressions.keep(name, value)
    elif key == "ad_trace":
        row.ad_trace = value
    elif key == "dag":
        row.dag = value
    elif key == "exact":
        row._exact = value


class _Skip(BaseException):
    """Raised in the worker at the stage a smaller n gave up in: the row ends there."""


def _sender(put: Callable[[str, Any], None], stop_before: str | None) -> Callable[[str, Any], None]:
    """The ``send`` that ``_measure_row`` reports through: expressions go as bytes (packed where they
    were made, in the worker), and the stage a smaller n gave up in ends the row."""

    def send(key: str, value: Any) -> None:
        if key == "stage" and value == stop_before:
            raise _Skip(value)
        if key.startswith("expr:") or key == "exact":
            value = _pack(value)
            if value is None:
                return
        put(key, value)

    return send


def _worker(recv, conn, parent: int, family, n, wrt, point, backend, stop_before) -> None:  # pragma: no cover
    recv.close()  # the parent's end: with it closed here, a dead parent means a broken pipe, not a hang
    die_with_parent(parent)
    try:
        _measure_row(_sender(lambda k, v: conn.send((k, v)), stop_before), family, n, wrt, point, backend)
        conn.send(("done", None))
    except _Skip as skip:
        conn.send(("skipped", skip.args[0]))
    except BaseException as err:  # report, don't die silently
        conn.send(("error", f"{type(err).__name__}: {err}"))
    finally:
        conn.close()


def _skipped_status(stage: str, gave_up_at: int) -> str:
    return f"skipped from {_STAGES.get(stage, stage)} on (n = {gave_up_at} gave up there)"


def _run_here(row: SwellRow, family, n, wrt, point, backend, stop_before) -> SwellRow:
    """No fork on this platform: the row runs in this process, without a time limit."""
    try:
        _measure_row(_sender(lambda k, v: _store(row, k, v) if k != "stage" else None, stop_before),
                     family, n, wrt, point, backend)
    except _Skip as skip:
        row.stopped = skip.args[0]
    except ExpressionError:
        raise
    except Exception as err:
        row.status = f"error: {type(err).__name__}: {err}"
    return row


def _run_row(family, n, wrt, point, backend, time_limit, ctx, on_stage=None, stop_before=None) -> SwellRow:
    row = SwellRow(n)
    if ctx is None:
        return _run_here(row, family, n, wrt, point, backend, stop_before)
    recv, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_worker, args=(recv, send, os.getpid(), family, n, wrt, point, backend, stop_before),
                       daemon=True)
    t0 = time.monotonic()
    proc.start()
    send.close()
    stage, since = "build", t0

    def account(now: float) -> None:
        row.stage_seconds[stage] = row.stage_seconds.get(stage, 0.0) + now - since

    try:
        while True:
            left = time_limit - (time.monotonic() - t0)
            # poll in slices: a huge finite limit is no OverflowError, and the limit is checked again
            if left <= 0 or not recv.poll(min(left, 60.0)):
                if time_limit - (time.monotonic() - t0) > 0:
                    continue
                now = time.monotonic()
                account(now)
                since = now
                row.status = (f"gave up after {fmt(time_limit)} s (while {_STAGES.get(stage, stage)}, "
                              f"{fmt(row.stage_seconds[stage], 2)} s of it)")
                row.stopped = stage
                break
            try:
                key, value = recv.recv()
            except EOFError:
                row.status = "error: the worker process died"
                break
            if key in ("done", "skipped"):
                account(time.monotonic())
                if key == "skipped":
                    row.stopped = value
                break
            if key == "error":
                if value.startswith("ExpressionError"):
                    raise ExpressionError(value.partition(": ")[2])
                row.status = f"error: {value}"
                break
            if key == "stage":
                now = time.monotonic()
                account(now)
                stage, since = value, now
                if on_stage is not None:
                    on_stage(n, _STAGES.get(stage, stage))
            else:
                _store(row, key, value)
    finally:
        if proc.is_alive():
            proc.kill()
        proc.join()
        recv.close()
    return row


def _members(n: Iterable[int]) -> range | list:
    """``n`` as a range (kept lazy: range(1, 10**9) costs nothing until rows run) or a list, checked."""
    ns = n if isinstance(n, range) else [n] if isinstance(n, (int, np.integer)) else list(n)
    if isinstance(ns, range):
        bad = [] if not ns or min(ns) >= 1 else [min(ns)]
    else:
        bad = [k for k in ns if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1]
    if bad:
        raise ArgumentError(f"n must be positive integers; got {bad[0]!r}")
    return ns


def swell(family: Callable[[int], Any], n: Iterable[int] = range(1, 9), wrt: str = "x", *,
          time_limit: float = 10.0, point: Mapping[str, float] | None = None,
          backend: str = "sympy", progress: bool = False, skip_larger: bool = True) -> SwellTable:
    """Measure expression swell of ``d family(n) / d wrt`` for each ``n``.

    Parameters
    ----------
    family : callable
        ``n -> Expr`` (or anything :func:`diffkit.expr` accepts), e.g.
        ``dk.examples.logistic_map``, ``dk.examples.nested_products``, ``dk.examples.exp_sin``.
    n : iterable of int
        The members to measure (default 1..8), in the order given.
    wrt : str
        The variable to differentiate with respect to.
    time_limit : float
        Wall-clock seconds each row may take, all its stages together; a row
        that runs longer is stopped and reported as "gave up after T s (while
        <stage>, S s of it)" with whatever it finished.
    point : dict, optional
        Where the errors are measured (default: every variable 0.3). The
        floats are taken exactly, so the errors are evaluation errors only.
    backend : {"sympy", "symengine"}
        The engine that differentiates and expands.
    progress : bool
        Show a progress bar over the rows, naming the stage each row is in.
    skip_larger : bool
        Once a row gives up at a stage, later rows with a larger ``n`` stop
        before that stage (their status says so), and rows with nothing left
        to run are left out of the table (``table.skipped`` lists them): the
        family only grows, so they would give up too. ``False`` runs every row
        in full.

    Returns
    -------
    SwellTable
        Columns :data:`COLUMNS`; ``.results`` / ``.by_n`` hold sizes, times,
        errors and expressions per ``n``.

    Example
    -------
    >>> import diffkit as dk
    >>> t = dk.symbolic.swell(dk.examples.logistic_map, n=[3, 4])
    >>> t.by_n[4].sizes["nested"].nodes, t.by_n[4].sizes["nested"].cse
    (166, 62)
    >>> t.by_n[4].errors["cse"] < 1e-14
    True
    """
    if not callable(family):
        raise ExpressionError(f"swell() needs a family, a callable n -> Expr; got {type(family).__name__}",
                              hint="for example dk.examples.logistic_map")
    ns = _members(n)
    time_limit = check_time_limit(time_limit, none_ok=False)
    if not isinstance(wrt, str):
        raise ExpressionError(f"wrt must be a variable name, got {wrt!r}")
    get_backend(backend)  # fail early, here, if it is missing
    point = dict(point) if point is not None else None
    try:
        ctx = multiprocessing.get_context("fork")
    except ValueError:  # pragma: no cover - platforms without fork
        warnings.warn("no 'fork' start method here: swell() runs without a time limit", stacklevel=2)
        ctx = None
    from tqdm.auto import tqdm

    bar = tqdm(total=len(ns), desc="swell", unit="row", disable=not progress, leave=False)
    show = lambda k, stage: bar.set_postfix_str(f"n={k}: {stage}")  # noqa: E731
    results: list[SwellRow] = []
    skipped: list[int] | range = []
    stop: tuple[str, int] | None = None  # (the earliest stage a row gave up in, that row's n)
    try:
        for i, k in enumerate(ns):
            k = int(k)
            if stop is not None and k > stop[1] and stop[0] == _ORDER[0]:  # nothing left to run
                if isinstance(ns, range) and ns.step > 0:  # every later n is larger: all skipped
                    skipped = ns[i:]
                    break
                skipped.append(k)
                bar.update()
                continue
            before = stop[0] if stop is not None and k > stop[1] else None
            row = _run_row(family, k, wrt, point, backend, time_limit, ctx, show, stop_before=before)
            if before is not None and row.stopped == before and row.status == "ok":
                row.status = _skipped_status(before, stop[1])
            if skip_larger and row.gave_up and (stop is None or _ORDER.index(row.stopped) < _ORDER.index(stop[0])):
                stop = (row.stopped, k)
            results.append(row)
            bar.update()
    finally:
        bar.close()
    return SwellTable(results, family=family, wrt=wrt, point=point, time_limit=time_limit, backend=backend,
                      skipped=skipped, stop=stop)
