"""``dk.compare``: every method on the same function and point, in one table.

Example
-------
>>> import diffkit as dk
>>> table = dk.compare("log(x1) + x1*x2 - sin(x2)", at={"x1": 2.0, "x2": 5.0},
...                    methods=["reverse", "central"])
>>> [row["method"] for row in table]
['reverse', 'central']
>>> table["reverse"].gradient
{'x1': 5.5, 'x2': 1.7163378145367738}
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from ..errors import ArgumentError, DiffkitError
from ..expr.expr import Expr, as_expr
from ..limits import LimitError
from ..table import Table, fmt
from .base import Differentiator, Result

__all__ = ["compare", "Comparison", "METHODS", "method", "KINDS"]


def _lazy(module: str, name: str, **kw) -> Callable[[], Differentiator]:
    def make():
        import importlib

        return getattr(importlib.import_module(module, __package__), name)(**kw)

    return make


#: The methods ``compare`` runs by default, by label, each with its family.
METHODS: dict[str, tuple[str, Callable[[], Differentiator]]] = {
    "symbolic": ("symbolic", _lazy("..symbolic", "Symbolic")),
    "symbolic-simplified": ("symbolic", _lazy("..symbolic", "Symbolic", simplify=True)),
    "symbolic-cse": ("symbolic", _lazy("..symbolic", "Symbolic", cse=True)),
    "forward-difference": ("numeric", _lazy("..numeric", "FiniteDiff", scheme="forward")),
    "central": ("numeric", _lazy("..numeric", "FiniteDiff", scheme="central")),
    "central-4": ("numeric", _lazy("..numeric", "FiniteDiff", scheme="central", accuracy=4)),
    "complex-step": ("numeric", _lazy("..numeric", "ComplexStep")),
    "richardson": ("numeric", _lazy("..numeric", "Richardson")),
    "forward-mode": ("AD", _lazy("..ad", "ForwardMode")),
    "reverse": ("AD", _lazy("..ad", "ReverseMode")),
}
_ALIASES = {"forward": "forward-difference", "central-2": "central", "reverse-mode": "reverse",
            "complex": "complex-step", "sympy": "symbolic"}


def method(name: str) -> Differentiator:
    """A fresh differentiator by its label in :data:`METHODS` (``"central"``, ``"reverse"``...).

    Example
    -------
    >>> from diffkit.compare.runner import method
    >>> type(method("reverse")).__name__
    'ReverseMode'
    """
    key = _ALIASES.get(name, name)
    if key not in METHODS:
        import difflib

        close = difflib.get_close_matches(name, list(METHODS), n=1)
        raise DiffkitError(f"unknown method {name!r}" + (f"; did you mean {close[0]!r}?" if close else "")
                           + f" (methods: {', '.join(METHODS)})")
    return METHODS[key][1]()


def _family(d: Differentiator) -> str:
    if getattr(d, "family", None):
        return d.family
    mod = type(d).__module__
    for part, fam in (("symbolic", "symbolic"), ("numeric", "numeric"), (".ad", "AD")):
        if part in mod:
            return fam
    return "other"


class Comparison:
    """The results of several methods on one function and point, with errors against a reference.

    Behaves as a :class:`~diffkit.Table` (iterate rows, ``str``, Markdown,
    HTML in Jupyter, CSV, ``to_records()``); ``comparison[label]`` is that
    method's :class:`~diffkit.Result`.

    Example
    -------
    >>> import diffkit as dk
    >>> c = dk.compare("x^2", at={"x": 3.0}, methods=["reverse"])
    >>> c.errors("reverse")
    (0.0, 0.0)
    """

    def __init__(self, f: Expr, at: Mapping[str, Any], results: dict[str, Result | Exception],
                 families: dict[str, str], reference: np.ndarray, reference_name: str, kind: str,
                 reference_failure: str | None = None):
        self.f = f
        self.at = dict(at)
        self.results = results
        self.families = families
        self.reference = reference
        self.reference_name = reference_name
        #: Why the reference asked for was replaced by another method's numbers (None if it was not).
        self.reference_failure = reference_failure
        self.kind = kind

    def __getitem__(self, label: str) -> Result:
        r = self.results[label]
        if isinstance(r, Exception):
            raise r
        return r

    def __iter__(self):
        return iter(self.table())

    def __len__(self) -> int:
        return len(self.results)

    def errors(self, label: str) -> tuple[float, float]:
        """Max absolute error, and relative error ``max|d - ref| / max|ref|``, of one method.

        The relative error is norm-wise (infinity norm): an entry whose exact
        value is 0 doesn't turn a 1e-16 slip into an enormous ratio. It is
        ``nan`` when the whole reference is 0.
        """
        d = self[label].array
        diff = float(np.max(np.abs(d - self.reference)))
        scale = float(np.max(np.abs(self.reference)))
        return diff, (diff / scale if scale > 0 else (0.0 if diff == 0 else float("nan")))

    def table(self) -> Table:
        """The comparison as a :class:`~diffkit.Table`."""
        rows = []
        for label, r in self.results.items():
            if isinstance(r, Exception):
                why = r.summary if isinstance(r, LimitError) else f"failed: {type(r).__name__}: {r}".split("\n")[0]
                rows.append([label, self.families[label], None, why, None, None, None, None, None, None, None])
                continue
            abs_err, rel_err = self.errors(label)
            size = r.size
            if size is not None and not isinstance(size, (int, float)):
                size = getattr(size, "tree", None) or getattr(size, "nodes", None) or size
            derivative = r.array
            shown = derivative.tolist() if derivative.size <= 6 else f"array{derivative.shape}"
            rows.append([label, self.families[label], _scalar(r.value), shown, abs_err, rel_err,
                         r.ops.primitives, r.ops.elements, r.ops.evals, size, float(f"{r.seconds * 1e3:.3g}")])
        columns = ["method", "family", "value", self.kind, "abs error", "rel error", "primitives",
                   "elem-ops", "f evals", "size", "time ms"]
        wrt = ", ".join(self.f.variables)
        point = ", ".join(f"{k}={fmt(v)}" for k, v in self.at.items())
        return Table(columns, rows, title=f"{self.kind} of {self.f} w.r.t. ({wrt}) at {point}",
                     notes=[f"errors against {self.reference_name}; primitives and elem-ops are "
                            "counted by each engine as it ran; size is the derivative "
                            "expression's tree size where it applies"],
                     formatter=_cell)

    def __str__(self) -> str:
        return str(self.table())

    def __repr__(self) -> str:
        return str(self)

    def to_text(self) -> str:
        return self.table().to_text()

    def to_markdown(self) -> str:
        return self.table().to_markdown()

    def to_html(self) -> str:
        return self.table().to_html()

    def _repr_html_(self) -> str:
        return self.to_html()

    def to_csv(self, path: str | None = None) -> str:
        return self.table().to_csv(path)

    def to_records(self) -> list[dict[str, Any]]:
        return self.table().to_records()

    def render(self, format: str = "text") -> str:  # noqa: A002
        return self.table().render(format)


def _scalar(v: Any) -> Any:
    if isinstance(v, tuple):
        return list(v)
    return v


def _cell(v: Any) -> str:
    if isinstance(v, float) and v != 0 and (abs(v) < 1e-3 or abs(v) >= 1e6):
        return f"{v:.2e}"
    if isinstance(v, list):
        return "[" + ", ".join(fmt(x, 10) for x in v) + "]"
    return fmt(v, 10)


KINDS = ("gradient", "jacobian", "hessian", "derivative")

#: Where the reference falls back to, in order, when the one asked for gives up on a limit or fails.
FALLBACK_REFERENCES = ("reverse", "forward-mode", "symbolic", "symbolic-cse", "complex-step", "richardson")


def _fallback_reference(results: dict[str, Result | Exception], key: str,
                        why: Exception) -> tuple[np.ndarray, str, str]:
    """The next exact method's numbers when the reference asked for gave up or failed: (array, name, why)."""
    what = why.summary if isinstance(why, LimitError) else f"failed ({type(why).__name__}: {why})"
    for label in FALLBACK_REFERENCES:
        r = results.get(label)
        if isinstance(r, Result) and label != key:
            return r.array, f"{label} (the {key} reference {what})", f"the {key} reference {what}"
    if isinstance(why, DiffkitError):
        raise why
    raise DiffkitError(f"no reference to measure errors against: the {key} reference {what}, and no exact "
                       f"method succeeded ({', '.join(FALLBACK_REFERENCES)})") from why


def _symbolic_for_reference(labels: dict[str, Differentiator], results: dict[str, Result | Exception]
                            ) -> tuple[Differentiator | None, LimitError | None]:
    """The plain Symbolic the symbolic reference is built with: the methods' own plain one, or one with the
    time limit, backend and ``max_cost`` of their first symbolic variant (None: the default ``Symbolic()``);
    and the LimitError its row already gave up with, if it did."""
    from ..symbolic import Symbolic

    given = [(label, d) for label, d in labels.items() if isinstance(d, Symbolic)]
    for label, d in given:
        if not d.simplify and not d.cse:
            r = results.get(label)
            return d, r if isinstance(r, LimitError) else None
    if not given:
        return None, None
    d = given[0][1]
    plain = Symbolic(backend=d.backend.name, time_limit=d.time_limit)
    plain.max_cost = d.max_cost
    return plain, None


def compare(f: Any, at: Mapping[str, Any], methods: Sequence[str | Differentiator] | None = None,
            reference: str | Differentiator | Any = "symbolic", wrt: Sequence[str] | None = None,
            kind: str | None = None, order: int = 1, peers: bool = False) -> Comparison:
    """Run every differentiator on the same function and point; errors against a reference.

    Parameters
    ----------
    f : Expr, str, list of str, SymPy expression or function
        The function: R^n -> R (gradients are compared) or R^n -> R^m (Jacobians).
    at : mapping
        The point (scalars, or arrays of points: errors are the max over points).
    methods : sequence of str or Differentiator, optional
        Labels from :data:`METHODS` or differentiator instances (default: all of them:
        symbolic plain/simplified/CSE, forward/central/4th-order differences,
        complex step, Richardson, forward mode, reverse mode).
    reference : "symbolic", a label, a Differentiator, or an array
        What the errors are measured against (default: the symbolic derivative, evaluated
        to 30 digits at the point as its dtype holds it, whatever the working dtype; see
        :mod:`diffkit.compare.reference`), built under the time limit of the symbolic method in
        ``methods`` where there is one (``Symbolic(time_limit=0.5)`` limits the reference to 0.5 s too).
        The table's footer says exactly what it was.
    wrt : sequence of str, optional
        Variables to differentiate with respect to (default: all; for ``kind="derivative"``
        the only one).
    kind : {"gradient", "jacobian", "hessian", "derivative"}, optional
        What to compare (default: the gradient of a scalar function, else the Jacobian).
    order : int
        For ``kind="derivative"``: which derivative.
    peers : bool
        Add a row for each peer library -- PyTorch, JAX, HIPS autograd (see
        :mod:`diffkit.compare.peers`); one that is not installed says so in its row.

    Returns
    -------
    Comparison
        Prints as an aligned table; also Markdown, HTML, CSV and records.
        A method that fails shows its error in its row instead of stopping the rest;
        one that runs out of time ("gave up after 10 s", see ``Symbolic(time_limit=)``)
        or would cost too much to start ("refused: ...", see ``max_cost``) says so.
        If the reference itself gives up, errors are against the first exact method
        that finished (reverse mode first), and the table's note says so.

    Example
    -------
    >>> import diffkit as dk
    >>> c = dk.compare("x*y", at={"x": 2.0, "y": 3.0}, methods=["reverse", "forward-mode"])
    >>> c["forward-mode"].gradient
    {'x': 3.0, 'y': 2.0}
    >>> h = dk.compare("x^3 * y", at={"x": 2.0, "y": 3.0}, methods=["reverse", "central"], kind="hessian")
    >>> h["reverse"].hessian.tolist(), h.errors("reverse")
    ([[36.0, 12.0], [12.0, 0.0]], (0.0, 0.0))
    """
    f = as_expr(f)
    labels: dict[str, Differentiator] = {}
    if isinstance(methods, (str, Differentiator)):  # one method, not a sequence of its letters
        methods = [methods]
    for m in methods if methods is not None else list(METHODS):
        if isinstance(m, Differentiator):
            label = getattr(m, "name", type(m).__name__)
        elif isinstance(m, str):
            label, m = _ALIASES.get(m, m), method(m)
        else:
            raise DiffkitError(f"methods must be labels or Differentiators, got {type(m).__name__}")
        base, k = label, 2
        while label in labels:  # two variants of one method (say two step sizes) keep a row each
            label, k = f"{base} ({k})", k + 1
        labels[label] = m
    if peers:
        from .peers import peers as peer_rows

        labels.update((p.name, p) for p in peer_rows() if p.name not in labels)
    if kind is None:
        kind = "gradient" if f.n_outputs == 1 else "jacobian"
    if kind not in KINDS:
        raise ArgumentError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
    if kind == "derivative" and wrt is None and len(f.variables) == 1:
        wrt = f.variables
    names = tuple(f.variables if wrt is None else ([wrt] if isinstance(wrt, str) else wrt))

    def run(d: Differentiator) -> Result:
        if kind == "derivative":
            return d.derivative(f, at, wrt if isinstance(wrt, str) or wrt is None else
                                (wrt[0] if len(wrt) == 1 else wrt), order)
        return getattr(d, kind)(f, at, wrt)

    results: dict[str, Result | Exception] = {}
    families: dict[str, str] = {}
    for label, d in labels.items():
        families[label] = _family(d)
        try:
            results[label] = run(d)
        except LimitError as err:  # ran out of time, or too costly to start: its row says so
            results[label] = err
        except DiffkitError:
            raise  # bad input is the user's to fix, not a method's failure
        except Exception as err:  # a method that can't do this function: show it, keep going
            results[label] = err
    failure = None
    if isinstance(reference, str) and _ALIASES.get(reference, reference) == "symbolic":
        from .reference import symbolic_reference

        sym, gave_up = _symbolic_for_reference(labels, results)
        try:
            if gave_up is not None:  # the same derivative under the same limits: it gave up in its row already
                raise gave_up
            ref_array, ref_name = symbolic_reference(f, at, names, kind, order, symbolic=sym)
        except Exception as err:  # SymPy gave up or failed (1/x at 0): the next exact method's, and the note says so
            ref_array, ref_name, failure = _fallback_reference(results, "symbolic", err)
    elif isinstance(reference, str):
        key = _ALIASES.get(reference, reference)
        ref = results.get(key)
        if ref is None or isinstance(ref, Exception) and not isinstance(ref, LimitError):
            try:
                ref = run(method(key))
            except LimitError as err:
                ref = err
        if isinstance(ref, LimitError):  # the reference gave up (or was refused): the next exact method's
            ref_array, ref_name, failure = _fallback_reference(results, key, ref)
        else:
            ref_array, ref_name = ref.array, key
    elif isinstance(reference, Differentiator):
        ref_array, ref_name = run(reference).array, getattr(reference, "name", type(reference).__name__)
    else:
        ref_array, ref_name = np.asarray(reference, dtype=float), "the given reference"
    label = kind if kind != "derivative" or order == 1 else f"derivative of order {order}"
    return Comparison(f, at, results, families, ref_array, ref_name, label, failure)
