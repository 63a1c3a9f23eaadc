"""``gradcheck`` and ``gradgradcheck``: reverse mode on Tensors against central differences (PyTorch's).

``fn`` of diffkit Tensors, float64 by default (a warning below it), reverse mode
compared with central differences entry by entry, or in ``fast_mode`` through
``v^T J u`` for random ``u, v``; True, or :class:`~diffkit.GradientError`
carrying the full Jacobian report. :func:`gradgradcheck` checks the gradient of
the gradient the same way: it differentiates ``v^T J`` (built with
``backward(create_graph=True)``) with respect to the inputs and to ``v``.
Tensors are used through their public interface only (``type(t)(array,
requires_grad=...)``, ``.backward(gradient=, create_graph=)``, ``.grad``,
``.detach()``, ``.numpy()``), so ``diffkit.numeric`` does not import ``diffkit.ad``.

Example
-------
>>> import numpy as np, diffkit as dk
>>> x = dk.tensor(np.array([0.5, -1.0]), dtype="float64", requires_grad=True)
>>> dk.gradcheck(lambda t: (t.sin() * t).sum(), (x,)), dk.gradgradcheck(lambda t: (t.sin() * t).sum(), (x,))
(True, True)
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from ..errors import ArgumentError, ArgumentTypeError, DiffkitError, GradientError, ShapeError
from .points import NumericWarning
from .report import GradientReport, PointCheck

__all__ = ["gradcheck", "gradgradcheck"]


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
        return GradientReport(PointCheck(None, "the inputs", A, N, atol, rtol),
                              title="gradcheck (Jacobian rows: output entries, columns: input entries)")

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


def gradgradcheck(fn: Callable, inputs: Any, grad_outputs: Any = None, *, eps: float = 1e-6, atol: float = 1e-5,
                  rtol: float = 1e-3, raise_exception: bool = True, fast_mode: bool = False,
                  seed: int | None = 0) -> bool:
    """Check second derivatives: the gradient of ``v^T J`` against central differences (PyTorch's ``gradgradcheck``).

    The function checked is ``(inputs, v) -> d(sum_k v_k . fn(inputs)_k) / d inputs``, built with
    ``backward(create_graph=True)``; :func:`gradcheck` then compares its reverse-mode Jacobian
    (with respect to the inputs and to ``v``) with central differences.

    Parameters
    ----------
    fn : callable
        ``fn(*inputs)`` returning a Tensor or a tuple of Tensors.
    inputs : Tensor or tuple of Tensors
        Those with ``requires_grad=True`` are checked (use float64).
    grad_outputs : Tensor or tuple of Tensors, optional
        ``v``, one per output (default: seeded standard normal, as PyTorch draws random ones).
    eps, atol, rtol, raise_exception, fast_mode, seed
        As for :func:`gradcheck`.

    Returns
    -------
    bool
        True when the second derivatives agree.

    Example
    -------
    >>> import numpy as np, diffkit as dk
    >>> x = dk.tensor(np.array([0.5, -1.0, 2.0]), dtype="float64", requires_grad=True)
    >>> dk.gradgradcheck(lambda t: (t ** 3).sum(), (x,))
    True
    """
    if not callable(fn):
        raise ArgumentTypeError(f"gradgradcheck: fn must be a function of Tensors, got {type(fn).__name__}")
    inputs = [inputs] if not isinstance(inputs, (tuple, list)) else list(inputs)
    diff = [i for i, t in enumerate(inputs) if _is_tensor(t) and t.requires_grad]
    if not diff:
        raise DiffkitError("gradgradcheck: no input has requires_grad=True; nothing to check")
    outs = _outputs(fn(*inputs))
    if grad_outputs is None:
        rng = np.random.default_rng(seed)
        grad_outputs = [_new(o, rng.standard_normal(np.shape(o.detach().numpy())).astype(
            np.asarray(o.detach().numpy()).dtype), True) for o in outs]
    else:
        given = list(grad_outputs) if isinstance(grad_outputs, (tuple, list)) else [grad_outputs]
        if len(given) != len(outs):
            raise ArgumentError(f"gradgradcheck: {len(given)} grad_outputs for {len(outs)} outputs of fn")
        grad_outputs = [_new(o, np.array(np.asarray(g.detach().numpy() if _is_tensor(g) else g), copy=True), True)
                        for o, g in zip(outs, given)]
    n_in = len(inputs)

    def grad_of_vjp(*args: Any) -> tuple:
        ins, vs = list(args[:n_in]), list(args[n_in:])
        for i in diff:  # evaluated at perturbed points, the inputs come without requires_grad: give it back
            if not ins[i].requires_grad:
                ins[i] = _new(ins[i], np.array(ins[i].detach().numpy(), copy=True), True)
        total = 0
        for o, v in zip(_outputs(fn(*ins)), vs):
            total = total + (o * v).sum()
        total.backward(create_graph=True)
        grads = []
        for i in diff:
            g = ins[i].grad
            grads.append(g if g is not None else ins[i] * 0.0)
            ins[i].grad = None  # the check's own backward must not add to these
        for v in vs:
            if _is_tensor(v) and v.requires_grad:
                v.grad = None
        return tuple(grads)

    return gradcheck(grad_of_vjp, tuple(inputs) + tuple(grad_outputs), eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception, fast_mode=fast_mode, seed=seed)
