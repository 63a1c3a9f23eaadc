"""``check_grad``: a hand-written gradient (plain NumPy) against central differences.

For a student's backprop: ``fun(x)`` returns the loss and ``grad(x)`` its gradient,
where ``x`` is an array, a dict of arrays (the weights of a network) or a list of
arrays. Three things keep the verdict honest:

* **Two points.** At a point such as 0 many wrong gradients agree with the right
  one (``x`` against ``2x``). The check notices when every entry of both gradients
  is below the tolerance there ("could not tell"), and by default also checks at
  a seeded random point near x; the report gives both.
* **Kinks.** Where a ReLU, ``abs`` or ``max`` switches within a step of the point,
  central differences average two slopes. For each failing entry the one-sided
  differences at h, 2h and 4h are compared: on a smooth function their gap
  grows in proportion to the step, across a kink it does not. Such entries are
  reported as "a kink lies within h of this point: not checkable here", with a
  smaller h to try, not as failures.
* **Usable as SciPy's and torch's:** the report is a bool (passed) and a float
  (the largest relative error), ``args=`` passes extra arguments, the worst
  entries come sorted by error over tolerance, and a long check shows a progress bar.

Example
-------
>>> import numpy as np, diffkit as dk
>>> rep = dk.check_grad(lambda x: np.sum(x**2), lambda x: 2 * x, np.array([1.0, -2.0]))
>>> bool(rep), rep < 1e-8
(True, True)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from ..errors import ArgumentError, ArgumentTypeError, DiffkitError, ShapeError
from .limits import ensure_memory
from .report import GradientReport, PointCheck, _fmt_index
from .stencils import stencil
from .theory import optimal_step

__all__ = ["check_grad", "flatten", "rebuild", "ensure_check_memory"]


def flatten(x: Any) -> tuple[str, list[str], list[np.ndarray]]:
    """('array'|'dict'|'list', names, float64 copies); the memory they need is checked first."""
    if isinstance(x, Mapping):
        kind, names, parts = "dict", [str(k) for k in x], list(x.values())
    elif isinstance(x, (list, tuple)) and x and all(isinstance(v, np.ndarray) or isinstance(v, (list, tuple))
                                                    and np.ndim(v) >= 1 for v in x) and \
            any(isinstance(v, np.ndarray) and v.ndim >= 1 for v in x):
        kind, names, parts = "list", [f"x[{i}]" for i in range(len(x))], list(x)
    else:
        kind, names, parts = "array", ["x"], [x]
    ensure_check_memory(sum(int(np.size(p)) for p in parts if isinstance(p, np.ndarray)))
    return kind, names, [_floats(v, n) for n, v in zip(names, parts)]


def ensure_check_memory(size: int) -> None:
    """Refuse a gradient check of ``size`` entries that memory can't hold (x, its copies and the gradient,
    in float64), before anything is allocated.

    Example
    -------
    >>> from diffkit.numeric.grad_check import ensure_check_memory
    >>> ensure_check_memory(1000)  # fine: returns None
    """
    ensure_memory(8.0 * size * 4, f"checking a gradient of {size} entries (x, its copies and the gradient)",
                  "check a smaller problem, or pass max_entries= (fun still needs all of x)")


def rebuild(kind: str, template: Any, arrays: list[np.ndarray]) -> Any:
    """x's structure again (a dict with x's keys, a list or tuple, or one array) around new arrays."""
    if kind == "dict":
        return {k: a for k, a in zip(template, arrays)}
    if kind == "list":
        return type(template)(arrays) if isinstance(template, tuple) else list(arrays)
    return arrays[0]


def _floats(v: Any, name: str) -> np.ndarray:
    """A float64 copy of one part of x, or an error naming the part."""
    try:
        if v is None:
            raise TypeError
        return np.array(v, dtype=float)
    except (TypeError, ValueError):
        raise ArgumentTypeError(f"check_grad: {name} must hold numbers (an array, or a dict or list of arrays), "
                                f"got {type(v).__name__}") from None


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


def _near(base: list[np.ndarray], rng: np.random.Generator) -> list[np.ndarray]:
    """A random point near x: each part moved by 10% of its root-mean-square size (0.1 where x is all 0)."""
    total = np.sqrt(np.mean(np.concatenate([b.ravel() for b in base]) ** 2)) if base else 0.0
    out = []
    for b in base:
        rms = float(np.sqrt(np.mean(b ** 2))) if b.size else 0.0
        sigma = 0.1 * (rms or total or 1.0)
        out.append(b + sigma * rng.standard_normal(b.shape))
    return out


class _Checker:
    """fun and grad, the structure of x, and how to compare them at a point."""

    def __init__(self, fun: Callable, grad: Callable, x: Any, args: tuple, atol: float, rtol: float, h: float,
                 accuracy: int, bar: Any):
        self.fun, self.grad, self.args = fun, grad, args
        self.kind, self.names, self.base = flatten(x)
        self.template = list(x) if self.kind == "dict" else x
        self.atol, self.rtol, self.h = atol, rtol, h
        self.st = stencil("central", 1, accuracy)
        self.bar = bar

    def rebuild(self, arrays: list[np.ndarray]) -> Any:
        return rebuild(self.kind, self.template, arrays)

    def loss(self, arrays: list[np.ndarray], where: str) -> float:
        try:
            return _scalar(self.fun(self.rebuild(arrays), *self.args), where)
        except ValueError as err:
            if "read-only" in str(err):
                raise ArgumentError("fun modified x in place (it got a read-only array): a loss must leave "
                                    "its input alone; copy it first if it needs scratch space") from err
            raise

    def analytic(self, arrays: list[np.ndarray]) -> list[np.ndarray]:
        g = self.grad(self.rebuild([a.copy() for a in arrays]), *self.args)
        names = self.names
        if self.kind == "dict":
            if not isinstance(g, Mapping):
                raise ShapeError(f"grad(x) must return a dict with keys {names} like x; it returned "
                                 f"{type(g).__name__}")
            keyed = {str(k): v for k, v in g.items()}
            missing = [k for k in names if k not in keyed]
            if missing:
                raise ShapeError(f"grad(x) has no entry for {', '.join(map(repr, missing))}")
            return [np.asarray(keyed[k], dtype=float) for k in names]
        if self.kind == "list":
            if not isinstance(g, (list, tuple)) or len(g) != len(arrays):
                raise ShapeError(f"grad(x) must return a list of {len(arrays)} arrays like x")
            return [np.asarray(v, dtype=float) for v in g]
        return [np.asarray(g, dtype=float)]

    def at(self, arrays: list[np.ndarray], v: int, idx: tuple, offset: float, step: float) -> float:
        """fun with entry idx of part v moved by ``offset * step`` (the other parts shared, read-only)."""
        moved = list(arrays)
        moved[v] = arrays[v].copy()
        moved[v][idx] = arrays[v][idx] + offset * step
        return self.loss(moved, f"{self.names[v]}{_fmt_index(idx)}")

    def step(self, arrays: list[np.ndarray], v: int, idx: tuple) -> float:
        xv = float(arrays[v][idx])
        step = (xv + self.h * max(abs(xv), 1.0)) - xv
        if step == 0:
            raise DiffkitError(f"the step for {self.names[v]}{_fmt_index(idx)} rounds to zero at {xv:g}; "
                               "use a larger h")
        return step

    def numeric(self, arrays: list[np.ndarray], v: int, idx: tuple, cache: dict) -> float:
        step = self.step(arrays, v, idx)
        total = 0.0
        for o, w in zip(self.st.offsets, self.st.weights):
            fv = cache[o] = self.at(arrays, v, idx, o, step)
            if not math.isfinite(fv):
                raise DiffkitError(f"fun is {fv} when {self.names[v]}{_fmt_index(idx)} is moved by {o * step:+.3g} "
                                   "(finite at x): the step leaves the domain; try a smaller h")
            total += float(w) * fv
        return total / step

    def kink(self, arrays: list[np.ndarray], v: int, idx: tuple, f0: float, cache: dict, a: float,
             n: float) -> dict | None:
        """Whether a kink within h explains entry idx's failure; a dict saying so (with advice), or None."""
        step = self.step(arrays, v, idx)
        vals = dict(cache)
        try:
            for o in (-4, -2, -1, 1, 2, 4):
                if o not in vals:
                    vals[o] = self.at(arrays, v, idx, o, step)
        except DiffkitError:
            return None
        if not all(math.isfinite(vals[o]) for o in vals):
            return None
        hs = np.array([1.0, 2.0, 4.0])
        # one-sided slopes' gap at h, 2h, 4h: f''h on a smooth function, about the jump J across a kink
        s = np.array([((vals[k] - f0) - (f0 - vals[-k])) / (k * step) for k in (1, 2, 4)])
        alpha = float(s @ hs / (hs @ hs))
        resid = float(np.max(np.abs(s - alpha * hs)))
        noise = 4 * np.finfo(float).eps * max(abs(f0), *(abs(x) for x in vals.values())) / step
        if not (resid > 0.1 * float(np.max(np.abs(s))) + noise):
            return None  # smooth within the stencil: the failure is real
        if abs(a - n) > 0.75 * abs(s[0]) + self.atol + self.rtol * abs(n):
            return None  # a kink is there, but it does not account for this much disagreement
        jump = 2 * s[1] - s[0]
        d = (1 - s[0] / jump) * abs(step) if jump else 0.0
        scale = max(abs(float(arrays[v][idx])), 1.0)
        if d <= 0.05 * abs(step):
            advice = "the point sits on the kink (a subgradient there is a convention); check at another point"
        else:
            advice = f"the kink is about {d:.2g} away: try h={0.25 * d / scale:.2g} or another point"
        return dict(variable=self.names[v], index=idx, analytic=a, numeric=n, distance=d, advice=advice)

    def check(self, arrays: list[np.ndarray], label: str, entries: list, notes: list) -> PointCheck:
        for a in arrays:
            a.flags.writeable = False
        f0 = self.loss(arrays, "x" if label == "x" else label)
        if not math.isfinite(f0):
            raise DiffkitError(f"fun(x) is {f0} at {label}; the gradient can't be checked there")
        g = self.analytic(arrays)
        self.shapes(arrays, g)
        numeric = [np.full(a.shape, np.nan) for a in arrays]
        caches = {}
        for v, idx in entries:
            caches[v, idx] = {0: f0}
            numeric[v][idx] = self.numeric(arrays, v, idx, caches[v, idx])
            self.bar.update(1)
        kinks = []
        for v, idx in entries:
            a, n = float(g[v][idx]), float(numeric[v][idx])
            if not abs(a - n) <= self.atol + self.rtol * abs(n):
                k = self.kink(arrays, v, idx, f0, caches[v, idx], a, n)
                if k is not None:
                    kinks.append(k)
        checked = [~np.isnan(nm) for nm in numeric]
        A = {nm: (g[v] if checked[v].all() else g[v][checked[v]]) for v, nm in enumerate(self.names)}
        N = {nm: (numeric[v] if checked[v].all() else numeric[v][checked[v]]) for v, nm in enumerate(self.names)}
        A = {k: val for k, val in A.items() if np.size(val)}
        N = {k: val for k, val in N.items() if np.size(val)}
        indices = {nm: [tuple(int(i) for i in ix) for ix in np.argwhere(checked[v])]
                   for v, nm in enumerate(self.names) if not checked[v].all() and nm in N}
        return PointCheck(self.rebuild([np.array(a) for a in arrays]), label, A, N, self.atol, self.rtol,
                          kinks=kinks, notes=notes, indices=indices)

    def shapes(self, arrays: list[np.ndarray], g: list[np.ndarray]) -> None:
        """Each part of the gradient has its variable's shape; a transposed one is named as such."""
        for v, (nm, a, ga) in enumerate(zip(self.names, arrays, g)):
            if ga.shape == a.shape:
                continue
            msg = f"the gradient for {nm!r} has shape {ga.shape}, but {nm} has shape {a.shape}"
            if a.ndim == 2 and ga.shape == a.shape[::-1]:
                num = np.array([[self.numeric(arrays, v, (i, j), {}) for j in range(a.shape[1])]
                                for i in range(a.shape[0])])
                if np.allclose(ga.T, num, atol=self.atol, rtol=self.rtol):
                    msg += "; it is transposed (its transpose matches the numeric gradient)"
                else:
                    msg += "; it has the transposed shape (return the gradient with the variable's shape)"
            raise ShapeError(msg)


def check_grad(fun: Callable, grad: Callable, x: Any, *, args: Any = (), atol: float = 1e-6, rtol: float = 1e-4,
               h: float | None = None, accuracy: int = 2, max_entries: int | None = None, seed: int | None = 0,
               random_point: bool = True, progress: bool | None = None) -> GradientReport:
    """Check a hand-written gradient against central differences, at x and at a random point near it.

    Parameters
    ----------
    fun : callable
        ``fun(x, *args) -> float``, the loss.
    grad : callable
        ``grad(x, *args)``, its gradient: an array of x's shape, or a dict / list of
        arrays matching x's.
    x : array, dict of arrays or list of arrays
        Where to check (not modified; fun and grad get float64 copies, fun's read-only).
    args : tuple
        Extra arguments of fun and grad, as ``scipy.optimize.check_grad``'s.
    atol, rtol : float
        An entry passes when ``|analytic - numeric| <= atol + rtol * |numeric|``.
    h : float, optional
        Relative step (default: the model's optimal step for central differences in float64).
    accuracy : int
        Accuracy order of the central difference (2 or 4...).
    max_entries : int, optional
        Check at most this many entries of x, drawn at random with ``seed`` (for large
        networks: each entry costs two evaluations of fun, plus four for a failing one).
        The same entries are checked at both points.
    seed : int, optional
        Seed of that draw and of the random point.
    random_point : bool
        Also check at a seeded random point near x (each part of x moved by 10% of
        its root-mean-square size, by 0.1 where it is all 0), and report both.
    progress : bool, optional
        Show a progress bar (None: only once the check has run for a second).

    Returns
    -------
    GradientReport
        ``bool(report)`` is whether it passed, ``float(report)`` the largest relative
        error; ``report.verdict`` is "passed", "failed" or "undecided" (could not tell).

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
    >>> dk.check_grad(lambda w, c: c * np.sum(w**2), lambda w, c: 2 * c * w, np.ones(3), args=(5.0,)) < 1e-6
    True
    """
    for label, fn in (("fun", fun), ("grad", grad)):
        if not callable(fn):
            raise ArgumentTypeError(f"check_grad: {label} must be a function of x, got {type(fn).__name__}; "
                                    "call it as check_grad(fun, grad, x)")
    args = tuple(args) if isinstance(args, (list, tuple)) else (args,)
    if max_entries is not None and (isinstance(max_entries, bool) or not isinstance(max_entries, (int, np.integer))
                                    or max_entries < 1):
        raise ArgumentError(f"max_entries must be a positive integer, got {max_entries!r}")
    hrel = optimal_step("central", accuracy, "float64").h if h is None else float(h)
    notes = []
    parts = x.values() if isinstance(x, Mapping) else (x if isinstance(x, (list, tuple)) else [x])
    if any(np.asarray(v).dtype.kind == "f" and np.asarray(v).dtype.itemsize < 8 for v in parts):
        notes.append("x was below float64; the check ran on float64 copies")
    from tqdm.auto import tqdm

    bar = tqdm(total=0, desc="check_grad", unit="entry", disable=progress is False, delay=0 if progress else 1.0,
               leave=False)
    try:
        checker = _Checker(fun, grad, x, args, atol, rtol, hrel, accuracy, bar)
        for nm, a in zip(checker.names, checker.base):
            if not np.all(np.isfinite(a)):
                raise DiffkitError(f"x has non-finite values in {nm!r}")
        entries = [(v, idx) for v, a in enumerate(checker.base) for idx in np.ndindex(a.shape)]
        if max_entries is not None and len(entries) > max_entries:
            pick = np.random.default_rng(seed).choice(len(entries), size=max_entries, replace=False)
            entries = [entries[i] for i in sorted(pick)]
            notes.append(f"checked {max_entries} randomly chosen entries of {sum(a.size for a in checker.base)}")
        bar.total = len(entries) * (2 if random_point else 1)
        first = checker.check([a.copy() for a in checker.base], "x", entries, [])
        second = None
        if random_point:
            near = _near(checker.base, np.random.default_rng(None if seed is None else (seed, 1)))
            try:
                second = checker.check(near, "random point near x", entries, [])
            except DiffkitError as err:
                notes.append(f"the random point near x was not checked: {str(err).splitlines()[0]}")
    finally:
        bar.close()
    return GradientReport(first, second, title="check_grad", notes=notes)
