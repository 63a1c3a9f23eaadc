"""Gradient checking: a hand-written gradient (:func:`check_grad`) or reverse mode on Tensors
(:func:`gradcheck`) against central differences.

:func:`check_grad` is for plain NumPy code -- a student's backprop: ``fun(x)``
returns the loss and ``grad(x)`` its gradient, where ``x`` is an array, a
dict of arrays (the weights of a network) or a list of arrays. It returns a
:class:`GradientReport`: the largest absolute and relative errors, the worst
entries, pass/fail at the stated tolerances, and a hint when the mismatch has
a recognisable shape (a sign flip, a constant factor such as 2, a transposed
matrix, a gradient that is zero).

:func:`gradcheck` follows PyTorch's: ``fn`` of diffkit Tensors, float64 by
default (a warning below it), reverse mode compared with central differences
entry by entry, or in ``fast_mode`` through ``v^T J u`` for random ``u, v``;
it returns True or raises :class:`~diffkit.GradientError` carrying the full
Jacobian report. It uses Tensors through their public interface only
(``type(t)(array, requires_grad=...)``, ``.backward(gradient=)``, ``.grad``,
``.detach()``, ``.numpy()``), so ``diffkit.numeric`` does not import ``diffkit.ad``.
"""

from __future__ import annotations

import html
import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from fractions import Fraction
from typing import Any

import numpy as np

from ..errors import ArgumentError, ArgumentTypeError, DiffkitError, GradientError, ShapeError
from ..table import Table
from .points import NumericWarning
from .stencils import stencil
from .theory import optimal_step

__all__ = ["check_grad", "gradcheck", "GradientReport"]


# ------------------------------------------------------------------------------ the report
class GradientReport:
    """Analytic against numeric gradient: errors, worst entries, verdict and hints.

    Attributes
    ----------
    passed : bool
        Every entry satisfies ``|analytic - numeric| <= atol + rtol * |numeric|``.
    max_abs_error, max_rel_error : float
        Largest ``|a - n|`` and largest ``|a - n| / max(|n|, |a|)`` (0 where both are 0).
    worst : list of dict
        The entries with the largest violation of the tolerance, worst first.
    hints : list of str
        Recognised patterns of bugs.
    analytic, numeric : dict
        ``{variable: array}`` as compared.
    atol, rtol : float

    Example
    -------
    >>> import numpy as np, diffkit as dk
    >>> rep = dk.check_grad(lambda x: np.sum(x**2), lambda x: x, np.array([1.0, -2.0]))
    >>> rep.passed, rep.hints
    (False, ['the analytic gradient is 1/2 times the numeric one: a factor of 2 is missing'])
    """

    def __init__(self, analytic: dict, numeric: dict, atol: float, rtol: float, *, title: str = "gradient check",
                 n_worst: int = 5, notes: Sequence[str] = ()):
        self.analytic, self.numeric = analytic, numeric
        self.atol, self.rtol, self.title = float(atol), float(rtol), title
        self.notes = list(notes)
        rows = []
        max_abs = max_rel = 0.0
        passed = True
        for name in numeric:
            a = np.asarray(analytic[name], dtype=float)
            n = np.asarray(numeric[name], dtype=float)
            err = np.abs(a - n)
            scale = np.maximum(np.abs(a), np.abs(n))
            rel = np.where(scale > 0, err / np.where(scale > 0, scale, 1), 0.0)
            allowed = self.atol + self.rtol * np.abs(n)
            bad = ~(err <= allowed)  # NaN fails
            excess = np.where(allowed > 0, err / np.where(allowed > 0, allowed, 1), np.where(err > 0, np.inf, 0.0))
            passed &= not bad.any()
            if err.size:
                max_abs = max(max_abs, float(np.nanmax(err)) if np.isfinite(err).any() else math.inf)
                max_rel = max(max_rel, float(np.nanmax(rel)) if np.isfinite(rel).any() else math.inf)
                if np.isnan(err).any():
                    max_abs = max_rel = math.nan
            for idx in np.ndindex(err.shape):
                rows.append((float(excess[idx]) if np.isfinite(excess[idx]) else math.inf, name, idx,
                             float(a[idx]), float(n[idx]), float(err[idx]), float(rel[idx])))
        rows.sort(key=lambda r: -r[0])
        self.passed = bool(passed)
        self.max_abs_error, self.max_rel_error = max_abs, max_rel
        self.worst = [dict(variable=r[1], index=r[2], analytic=r[3], numeric=r[4], abs_error=r[5], rel_error=r[6])
                      for r in rows[:n_worst]]
        self.hints = [] if self.passed else _hints(analytic, numeric, self.atol, self.rtol)

    def __bool__(self) -> bool:
        return self.passed

    def table(self) -> Table:
        """The worst entries as a :class:`~diffkit.table.Table`, with the verdict and hints."""
        rows = [[w["variable"], _fmt_index(w["index"]), w["analytic"], w["numeric"], w["abs_error"],
                 w["rel_error"]] for w in self.worst]
        verdict = "PASSED" if self.passed else "FAILED"
        notes = [f"max abs error {self.max_abs_error:.3g}, max rel error {self.max_rel_error:.3g}; "
                 f"pass when |analytic - numeric| <= atol + rtol*|numeric| (atol={self.atol:g}, rtol={self.rtol:g})"]
        notes += [f"hint: {h}" for h in self.hints] + self.notes
        return Table(["variable", "index", "analytic", "numeric", "abs error", "rel error"], rows,
                     title=f"{self.title}: {verdict} (worst entries)", notes=notes)

    def __str__(self) -> str:
        return str(self.table())

    def __repr__(self) -> str:
        return (f"GradientReport(passed={self.passed}, max_abs_error={self.max_abs_error:.3g}, "
                f"max_rel_error={self.max_rel_error:.3g}, hints={self.hints!r})")

    def _repr_html_(self) -> str:
        color = "green" if self.passed else "crimson"
        head = f'<p style="color:{color}"><b>{html.escape(self.title)}: {"PASSED" if self.passed else "FAILED"}</b></p>'
        return head + self.table().to_html()


def _fmt_index(idx: tuple) -> str:
    return "[" + ", ".join(map(str, idx)) + "]" if idx else ""


def _factor_text(c: float) -> str:
    fr = Fraction(c).limit_denominator(12)
    return str(fr) if abs(float(fr) - c) <= 1e-3 * abs(c) else f"{c:.4g}"


def _hints(analytic: dict, numeric: dict, atol: float, rtol: float) -> list[str]:
    hints: list[str] = []

    def close(a, b):
        return np.allclose(a, b, atol=atol, rtol=rtol)

    def factor(a, n):
        nn = float(np.vdot(n, n))
        if nn == 0 or not np.isfinite(nn):
            return None
        c = float(np.vdot(a, n)) / nn
        if c == 0 or not np.isfinite(c) or not close(a, c * n):
            return None
        return c

    def factor_hint(c: float, where: str = "") -> str:
        pre = f"{where}: " if where else ""
        if abs(c + 1) <= 1e-3:
            return f"{pre}sign flip: the analytic gradient is the negative of the numeric one"
        txt = _factor_text(c)
        inv = Fraction(1 / c).limit_denominator(12)
        if abs(float(inv) - 1 / c) <= 1e-3 / abs(c) and inv.denominator == 1 and abs(inv) > 1:
            k = abs(inv.numerator)
            sign = " and the sign is flipped" if c < 0 else ""
            return f"{pre}the analytic gradient is {txt} times the numeric one: a factor of {k} is missing{sign}"
        fr = Fraction(c).limit_denominator(12)
        if abs(float(fr) - c) <= 1e-3 * abs(c) and fr.denominator == 1:
            flip = " and the sign is flipped" if c < 0 else ""
            return (f"{pre}the analytic gradient is {txt} times the numeric one: "
                    f"an extra factor of {abs(fr.numerator)}{flip}")
        return f"{pre}the analytic gradient is {txt} times the numeric one: a constant factor of {txt}"

    names = list(numeric)
    A = {k: np.asarray(analytic[k], dtype=float) for k in names}
    N = {k: np.asarray(numeric[k], dtype=float) for k in names}
    bad = [k for k in names if not close(A[k], N[k])]
    a_all = np.concatenate([A[k].ravel() for k in names]) if names else np.zeros(0)
    n_all = np.concatenate([N[k].ravel() for k in names]) if names else np.zeros(0)
    c = factor(a_all, n_all)
    if c is not None and len(names) > 0:
        hints.append(factor_hint(c))
        return hints
    for k in bad:
        a, n = A[k], N[k]
        where = f"{k!r}" if len(names) > 1 or k != "x" else ""
        if a.ndim == 2 and a.shape[0] == a.shape[1] and a.shape[0] > 1 and close(a.T, n):
            hints.append(f"{where + ': ' if where else ''}the gradient is transposed: its transpose matches "
                         "the numeric gradient")
            continue
        if not np.any(a) and np.any(n):
            hints.append(f"{where + ': ' if where else ''}the analytic gradient is zero everywhere but the numeric "
                         "one is not (not computed, or overwritten?)")
            continue
        ck = factor(a, n)
        if ck is not None:
            hints.append(factor_hint(ck, where))
    return hints


# ------------------------------------------------------------------------------ structures of x
def _flatten(x: Any) -> tuple[str, list[str], list[np.ndarray]]:
    """('array'|'dict'|'list', names, float64 copies)."""
    if isinstance(x, Mapping):
        names = [str(k) for k in x]
        return "dict", names, [_floats(v, n) for n, v in zip(names, x.values())]
    if isinstance(x, (list, tuple)) and x and all(isinstance(v, np.ndarray) or isinstance(v, (list, tuple))
                                                  and np.ndim(v) >= 1 for v in x) and \
            any(isinstance(v, np.ndarray) and v.ndim >= 1 for v in x):
        return "list", [f"x[{i}]" for i in range(len(x))], [_floats(v, f"x[{i}]") for i, v in enumerate(x)]
    return "array", ["x"], [_floats(x, "x")]


def _floats(v: Any, name: str) -> np.ndarray:
    """A float64 copy of one part of x, or an error naming the part."""
    try:
        if v is None:
            raise TypeError
        return np.array(v, dtype=float)
    except (TypeError, ValueError):
        raise ArgumentTypeError(f"check_grad: {name} must hold numbers (an array, or a dict or list of arrays), "
                                f"got {type(v).__name__}") from None


def _rebuild(kind: str, template: Any, arrays: list[np.ndarray]) -> Any:
    if kind == "dict":
        return {k: a for k, a in zip(template, arrays)}
    if kind == "list":
        return type(template)(arrays) if isinstance(template, tuple) else list(arrays)
    return arrays[0]


def _scalar(value: Any, where: str) -> float:
    if value is None:
        raise ArgumentTypeError(f"fun returned None at {where}: it must return the loss (a number); "
                                "is a return statement missing?")
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ArgumentTypeError(f"fun must return a number; at {where} it returned "
                                f"{type(value).__name__} {value!r:.60}") from None
    if arr.size != 1:
        raise ShapeError(f"fun must return a scalar loss; at {where} it returned shape {arr.shape}")
    return float(arr.reshape(()))


def check_grad(fun: Callable, grad: Callable, x: Any, *, atol: float = 1e-6, rtol: float = 1e-4,
               h: float | None = None, accuracy: int = 2, max_entries: int | None = None,
               seed: int | None = 0) -> GradientReport:
    """Check a hand-written gradient against central differences.

    Parameters
    ----------
    fun : callable
        ``fun(x) -> float``, the loss.
    grad : callable
        ``grad(x)``, its gradient: an array of x's shape, or a dict / list of
        arrays matching x's.
    x : array, dict of arrays or list of arrays
        Where to check (not modified; fun and grad get float64 copies).
    atol, rtol : float
        An entry passes when ``|analytic - numeric| <= atol + rtol * |numeric|``.
    h : float, optional
        Relative step (default: the model's optimal step for central differences in float64).
    accuracy : int
        Accuracy order of the central difference (2 or 4...).
    max_entries : int, optional
        Check at most this many entries, drawn at random (for large networks).
    seed : int, optional
        Seed for that draw.

    Returns
    -------
    GradientReport

    Raises
    ------
    ShapeError
        A gradient of the wrong shape or structure (the message names the variable, and says
        when it is the transposed shape).
    DiffkitError
        A non-finite loss at x or at a perturbed point (naming the variable and entry).

    Example
    -------
    >>> import numpy as np, diffkit as dk
    >>> A = np.array([[2.0, 1.0], [0.0, 3.0]])
    >>> fun = lambda W: np.sum((W @ A) ** 2)
    >>> rep = dk.check_grad(fun, lambda W: 2 * (W @ A) @ A.T, np.eye(2))
    >>> rep.passed, rep.max_rel_error < 1e-8
    (True, True)
    >>> dk.check_grad(fun, lambda W: -2 * (W @ A) @ A.T, np.eye(2)).hints
    ['sign flip: the analytic gradient is the negative of the numeric one']
    """
    for label, fn in (("fun", fun), ("grad", grad)):
        if not callable(fn):
            raise ArgumentTypeError(f"check_grad: {label} must be a function of x, got {type(fn).__name__}; "
                                    "call it as check_grad(fun, grad, x)")
    kind, names, base = _flatten(x)
    src = x if kind != "array" else None
    template = list(x) if kind == "dict" else x
    for nm, a in zip(names, base):
        if not np.all(np.isfinite(a)):
            raise DiffkitError(f"x has non-finite values in {nm!r}")
    notes = []
    dtypes = {np.asarray(v).dtype for v in (x.values() if kind == "dict" else (x if kind == "list" else [x]))}
    if any(np.dtype(d).kind == "f" and np.dtype(d).itemsize < 8 for d in dtypes):
        notes.append("x was below float64; the check ran on float64 copies")
    del src

    def call(f, arrays):
        return f(_rebuild(kind, template, [a.copy() for a in arrays]))

    f0 = _scalar(call(fun, base), "x")
    if not math.isfinite(f0):
        raise DiffkitError(f"fun(x) is {f0} at the given point; the gradient can't be checked there")

    # the analytic gradient, checked for structure and shape
    g = call(grad, base)
    if kind == "dict":
        if not isinstance(g, Mapping):
            raise ShapeError(f"grad(x) must return a dict with keys {names} like x; it returned {type(g).__name__}")
        missing = [k for k in names if k not in {str(kk) for kk in g}]
        if missing:
            raise ShapeError(f"grad(x) has no entry for {', '.join(map(repr, missing))}")
        g_list = [np.asarray(g[k] if k in g else {str(kk): v for kk, v in g.items()}[k], dtype=float)
                  for k in names]
    elif kind == "list":
        if not isinstance(g, (list, tuple)) or len(g) != len(base):
            raise ShapeError(f"grad(x) must return a list of {len(base)} arrays like x")
        g_list = [np.asarray(v, dtype=float) for v in g]
    else:
        g_list = [np.asarray(g, dtype=float)]

    acc = accuracy
    st = stencil("central", 1, acc)
    hrel = optimal_step("central", acc, "float64").h if h is None else float(h)
    # which entries
    entries = [(v, idx) for v, a in enumerate(base) for idx in np.ndindex(a.shape)]
    if max_entries is not None and len(entries) > max_entries:
        rng = np.random.default_rng(seed)
        pick = rng.choice(len(entries), size=max_entries, replace=False)
        entries = [entries[i] for i in sorted(pick)]
        notes.append(f"checked {max_entries} randomly chosen entries of {sum(a.size for a in base)}")
    numeric = [np.full(a.shape, np.nan) for a in base]
    analytic_sel = [np.full(a.shape, np.nan) for a in base]

    def numeric_entry(v, idx):
        xv = base[v][idx]
        step = (xv + hrel * max(abs(xv), 1.0)) - xv
        if step == 0:
            raise DiffkitError(f"the step for {names[v]}{_fmt_index(idx)} rounds to zero at {xv:g}; use a larger h")
        total = 0.0
        for o, w in zip(st.offsets, st.weights):
            arrays = [a.copy() for a in base]
            arrays[v][idx] = xv + o * step
            fv = _scalar(fun(_rebuild(kind, template, arrays)), f"{names[v]}{_fmt_index(idx)}")
            if not math.isfinite(fv):
                raise DiffkitError(f"fun is {fv} when {names[v]}{_fmt_index(idx)} is moved by {o * step:+.3g} "
                                   "(finite at x): the step leaves the domain; try a smaller h")
            total += float(w) * fv
        return total / step

    # shapes: after we know the numeric gradient we can say whether a transposed shape matches
    for v, (nm, a, ga) in enumerate(zip(names, base, g_list)):
        if ga.shape != a.shape:
            msg = f"the gradient for {nm!r} has shape {ga.shape}, but {nm} has shape {a.shape}"
            if a.ndim == 2 and ga.shape == a.shape[::-1]:
                num = np.array([[numeric_entry(v, (i, j)) for j in range(a.shape[1])] for i in range(a.shape[0])])
                if np.allclose(ga.T, num, atol=atol, rtol=rtol):
                    msg += "; it is transposed (its transpose matches the numeric gradient)"
                else:
                    msg += "; it has the transposed shape (return the gradient with the variable's shape)"
            raise ShapeError(msg)

    for v, idx in entries:
        numeric[v][idx] = numeric_entry(v, idx)
        analytic_sel[v][idx] = g_list[v][idx]
    checked = [~np.isnan(nm) for nm in numeric]
    A = {nm: (g_list[v] if checked[v].all() else analytic_sel[v][checked[v]]) for v, nm in enumerate(names)}
    Nn = {nm: (numeric[v] if checked[v].all() else numeric[v][checked[v]]) for v, nm in enumerate(names)}
    A = {k: v for k, v in A.items() if np.size(v)}
    Nn = {k: v for k, v in Nn.items() if np.size(v)}
    return GradientReport(A, Nn, atol, rtol, title="check_grad", notes=notes)


# ------------------------------------------------------------------------------ gradcheck for Tensors
def _is_tensor(t: Any) -> bool:
    return hasattr(t, "requires_grad") and hasattr(t, "backward") and hasattr(t, "numpy")


def _new(like: Any, array: np.ndarray, requires_grad: bool) -> Any:
    """A new tensor of like's type holding array (the Tensor author's constructor, duck-typed)."""
    try:
        return type(like)(array, requires_grad=requires_grad)
    except TypeError:
        t = type(like)(array)
        if requires_grad:
            t.requires_grad_(True)
        return t


def _outputs(out: Any) -> list:
    outs = list(out) if isinstance(out, (tuple, list)) else [out]
    for i, o in enumerate(outs):
        if not _is_tensor(o):
            raise DiffkitError(f"fn returned a {type(o).__name__} as output {i}; gradcheck needs Tensors")
    return outs


def gradcheck(fn: Callable, inputs: Any, *, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              raise_exception: bool = True, fast_mode: bool = False, seed: int | None = 0) -> bool:
    """Check reverse-mode gradients of ``fn`` against central differences (PyTorch's ``gradcheck``).

    Parameters
    ----------
    fn : callable
        ``fn(*inputs)`` returning a Tensor or a tuple of Tensors.
    inputs : Tensor or tuple of Tensors (and other values, passed through)
        Those with ``requires_grad=True`` are checked. Use float64: below it a
        warning says that rounding will likely fail the check.
    eps : float
        Absolute step of the central differences.
    atol, rtol : float
        Entry passes when ``|analytic - numeric| <= atol + rtol * |numeric|``.
    raise_exception : bool
        Raise :class:`~diffkit.GradientError` on failure (else return False).
    fast_mode : bool
        Compare ``v^T J u`` for random ``u, v`` (two evaluations and one
        backward), and only on failure compute the full Jacobians for the report.
    seed : int, optional
        Seed of ``u`` and ``v``.

    Returns
    -------
    bool
        True when the gradients agree.

    Example
    -------
    >>> import numpy as np, diffkit as dk
    >>> x = dk.Tensor(np.array([0.5, -1.0, 2.0]), requires_grad=True)
    >>> dk.gradcheck(lambda t: (t.sin() * t).sum(), (x,))
    True
    """
    if not callable(fn):
        raise ArgumentTypeError(f"gradcheck: fn must be a function of Tensors, got {type(fn).__name__}; "
                                "call it as gradcheck(fn, inputs)")
    if isinstance(eps, bool) or not isinstance(eps, (int, float)) or not 0 < eps < 1:
        raise ArgumentError(f"gradcheck: eps must be a small positive step, got {eps!r}")
    single = not isinstance(inputs, (tuple, list))
    inputs = [inputs] if single else list(inputs)
    diff = [i for i, t in enumerate(inputs) if _is_tensor(t) and t.requires_grad]
    if not diff:
        raise DiffkitError("gradcheck: no input has requires_grad=True; nothing to check")
    base = {i: np.array(inputs[i].detach().numpy(), copy=True) for i in diff}
    for i in diff:
        if base[i].size == 0:
            raise ShapeError(f"gradcheck: input {i} is empty (shape {base[i].shape}); there is nothing to check")
        if base[i].dtype.kind != "f":
            raise DiffkitError(f"gradcheck: input {i} has dtype {base[i].dtype}; it needs a floating type")
        if base[i].dtype.itemsize < 8:
            warnings.warn(f"gradcheck: input {i} is {base[i].dtype}, not float64; central differences with "
                          f"eps={eps:g} in {base[i].dtype} are dominated by rounding, so the check will likely fail. "
                          "Use dtype=float64", NumericWarning, stacklevel=2)

    def run(arrays: dict, grad_inputs: bool) -> tuple[list, list]:
        leaves = list(inputs)
        for i in diff:
            leaves[i] = _new(inputs[i], arrays[i].copy(), grad_inputs)
        return leaves, _outputs(fn(*leaves))

    def values(arrays: dict) -> list[np.ndarray]:
        _, outs = run(arrays, False)
        return [np.array(o.detach().numpy(), dtype=np.float64) for o in outs]

    def vjp(out_index: int, v: np.ndarray) -> dict:
        leaves, outs = run(base, True)
        o = outs[out_index]
        o.backward(gradient=_new(o, v.astype(np.asarray(o.detach().numpy()).dtype), False))
        res = {}
        for i in diff:
            gi = leaves[i].grad
            res[i] = np.zeros(base[i].shape) if gi is None else np.array(np.asarray(gi.numpy()), dtype=np.float64)
        return res

    outs0 = values(base)
    for k, o in enumerate(outs0):
        if not np.all(np.isfinite(o)):
            raise DiffkitError(f"gradcheck: output {k} of fn is not finite at the inputs")

    def full_report() -> GradientReport:
        analytic, numeric = {}, {}
        for k, o in enumerate(outs0):
            for r in range(o.size):
                v = np.zeros(o.size)
                v[r] = 1.0
                g = vjp(k, v.reshape(o.shape))
                for i in diff:
                    analytic.setdefault((k, i), np.zeros((o.size, base[i].size)))[r] = g[i].ravel()
        for i in diff:
            for e in range(base[i].size):
                plus = {j: base[j] for j in diff}
                minus = dict(plus)
                p, m = base[i].copy().ravel(), base[i].copy().ravel()
                p[e] += eps
                m[e] -= eps
                plus[i], minus[i] = p.reshape(base[i].shape), m.reshape(base[i].shape)
                fp, fm = values(plus), values(minus)
                for k in range(len(outs0)):
                    col = ((fp[k] - fm[k]) / (2 * eps)).ravel()
                    if not np.all(np.isfinite(col)):
                        raise DiffkitError(f"gradcheck: fn is not finite when input {i} entry {e} moves by "
                                           f"+-{eps:g}; the step leaves the domain")
                    numeric.setdefault((k, i), np.zeros((outs0[k].size, base[i].size)))[:, e] = col
        name = (lambda k, i: f"d out{k} / d in{i}") if len(outs0) > 1 else (lambda k, i: f"d out / d in{i}")
        A = {name(k, i): a for (k, i), a in analytic.items()}
        N = {name(k, i): numeric[(k, i)] for (k, i) in analytic}
        return GradientReport(A, N, atol, rtol, title="gradcheck (Jacobian rows: output entries, "
                              "columns: input entries)")

    if fast_mode:
        rng = np.random.default_rng(seed)
        u = {i: rng.standard_normal(base[i].shape) for i in diff}
        vs = [rng.standard_normal(o.shape) for o in outs0]
        plus = {i: base[i] + eps * u[i] for i in diff}
        minus = {i: base[i] - eps * u[i] for i in diff}
        fp, fm = values(plus), values(minus)
        numeric = sum(float(np.vdot(v, (a - b) / (2 * eps))) for v, a, b in zip(vs, fp, fm))
        analytic = 0.0
        for k, v in enumerate(vs):
            g = vjp(k, v)
            analytic += sum(float(np.vdot(g[i], u[i])) for i in diff)
        if abs(analytic - numeric) <= atol + rtol * abs(numeric):
            return True
        report = full_report()
        if report.passed:  # the projection disagreed within rounding only
            return True
        msg = (f"gradcheck (fast mode) failed: v^T J u is {analytic:.6g} by reverse mode and {numeric:.6g} by "
               f"central differences.\n{report}")
    else:
        report = full_report()
        if report.passed:
            return True
        msg = f"gradcheck failed: reverse mode and central differences disagree.\n{report}"
    if raise_exception:
        err = GradientError(msg)
        err.report = report
        raise err
    return False
