"""L-BFGS with an optional strong-Wolfe line search, PyTorch's algorithm, state and ``closure`` API.

``step(closure)`` runs up to ``max_iter`` quasi-Newton iterations, calling
``closure()`` (which zeroes the gradients, computes the loss, calls
``backward()`` and returns the loss) whenever it needs the loss and gradient
at a new point. Fitting a small model in a handful of steps is the classic use.

Example
-------
>>> import numpy as np
>>> import diffkit as dk
>>> from diffkit import optim
>>> x = np.linspace(-1.0, 1.0, 20); y = 2.0 * x - 0.5
>>> w = dk.tensor([0.0, 0.0], dtype="float64", requires_grad=True)
>>> opt = optim.LBFGS([w], line_search_fn="strong_wolfe")
>>> def closure():
...     opt.zero_grad()
...     loss = ((w[0] * x + w[1] - y) ** 2).mean()
...     loss.backward()
...     return loss
>>> _ = opt.step(closure)            # stops once the loss changes by less than tolerance_change
>>> np.round(w.numpy(), 4).tolist(), opt.state[w]["n_iter"]
([2.0, -0.5], 6)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from ..ad.grad_mode import enable_grad, no_grad
from ..errors import ArgumentError, ArgumentTypeError
from .line_search import strong_wolfe
from .optimizer import Optimizer, _check

__all__ = ["LBFGS"]


class LBFGS(Optimizer):
    """Limited-memory BFGS (Nocedal), PyTorch's ``torch.optim.LBFGS``.

    Each iteration builds a search direction from the last ``history_size``
    steps and gradient changes (the two-loop recursion), then steps ``lr``
    along it, or as far as a strong-Wolfe line search finds with
    ``line_search_fn="strong_wolfe"``. The first step is scaled to
    ``min(1, 1 / |g|_1) lr``.

    A step ends after ``max_iter`` iterations or ``max_eval`` closure calls,
    or when the largest gradient entry is at most ``tolerance_grad``, or the
    step or the change of the loss falls below ``tolerance_change``. The state
    (history, direction, counters ``func_evals`` and ``n_iter``) lives in
    ``state[first parameter]``, as in PyTorch, and carries on to the next
    ``step``.

    Parameters
    ----------
    params : iterable of Tensor
        One parameter group only (PyTorch's restriction); real floating tensors.
    lr : float, default 1
    max_iter : int, default 20
    max_eval : int, optional
        Default ``max_iter * 5 // 4``.
    tolerance_grad : float, default 1e-7
    tolerance_change : float, default 1e-9
    history_size : int, default 100
    line_search_fn : {None, "strong_wolfe"}

    Example
    -------
    >>> import diffkit as dk
    >>> from diffkit import optim
    >>> w = dk.tensor([1.5, -0.5], dtype="float64", requires_grad=True)   # Rosenbrock from (1.5, -0.5)
    >>> opt = optim.LBFGS([w], lr=1, max_iter=200, line_search_fn="strong_wolfe")
    >>> def closure():
    ...     opt.zero_grad()
    ...     loss = (1 - w[0]) ** 2 + 100 * (w[1] - w[0] ** 2) ** 2
    ...     loss.backward()
    ...     return loss
    >>> _ = opt.step(closure)
    >>> [round(v, 4) for v in w.tolist()], opt.state[w]["n_iter"] < 60
    ([1.0, 1.0], True)
    """

    def __init__(self, params: Iterable[Any], lr: float = 1, max_iter: int = 20, max_eval: int | None = None,
                 tolerance_grad: float = 1e-7, tolerance_change: float = 1e-9, history_size: int = 100,
                 line_search_fn: str | None = None):
        _check("learning rate", lr)
        for name, value in (("max_iter", max_iter), ("history_size", history_size)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ArgumentError(f"LBFGS {name} must be a positive integer, got {value!r}")
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        if line_search_fn not in (None, "strong_wolfe"):
            raise ArgumentError(f"only 'strong_wolfe' is supported as line_search_fn (or None), got "
                                f"{line_search_fn!r}")
        super().__init__(params, dict(lr=lr, max_iter=max_iter, max_eval=max_eval, tolerance_grad=tolerance_grad,
                                      tolerance_change=tolerance_change, history_size=history_size,
                                      line_search_fn=line_search_fn))
        if len(self.param_groups) != 1:
            raise ArgumentError("LBFGS doesn't support per-parameter options (parameter groups)")
        self._params = self.param_groups[0]["params"]
        for p in self._params:
            if p.dtype.kind != "f":
                raise ArgumentTypeError(f"LBFGS optimizes real floating-point parameters, got one of dtype "
                                        f"{p.dtype}")

    # ------------------------------------------------------------ flat views
    def _flat_grad(self) -> Any:
        xp = self._params[0].xp
        return xp.concatenate([(p.grad._data if p.grad is not None else xp.zeros_like(p._data)).reshape(-1)
                               for p in self._params])

    def _add_step(self, t: Any, d: Any) -> None:
        offset = 0
        for p in self._params:
            n = p.numel()
            p.add_(d[offset:offset + n].reshape(p.shape), alpha=t)
            offset += n

    def _evaluate(self, closure: Callable[[], Any]) -> float:
        with enable_grad():
            return float(closure())

    def _probe(self, closure: Callable[[], Any], x: list[Any], t: Any, d: Any) -> tuple[float, Any]:
        """Loss and flat gradient at ``x + t d``; the parameters are put back to ``x`` after."""
        self._add_step(t, d)
        loss = self._evaluate(closure)
        grad = self._flat_grad()
        for p, saved in zip(self._params, x):
            p.copy_(saved)
        return loss, grad

    # ------------------------------------------------------------------ step
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Run up to ``max_iter`` iterations; returns the loss ``closure()`` gave at the starting point.

        Example
        -------
        >>> import diffkit as dk
        >>> from diffkit import optim
        >>> w = dk.tensor([4.0], dtype="float64", requires_grad=True)
        >>> opt = optim.LBFGS([w])
        >>> def closure():
        ...     opt.zero_grad(); loss = ((w - 1.0) ** 2).sum(); loss.backward(); return loss
        >>> opt.step(closure).item(), round(w.item(), 6)
        (9.0, 1.0)
        """
        if closure is None or not callable(closure):
            raise ArgumentTypeError("LBFGS.step needs a closure: a function that zeroes the gradients, computes "
                                    "the loss, calls backward() and returns the loss")
        if len(self.param_groups) != 1:
            raise ArgumentError("LBFGS doesn't support per-parameter options (parameter groups)")
        with no_grad():
            return self._iterate(closure)

    def _iterate(self, closure: Callable[[], Any]) -> Any:
        group = self.param_groups[0]
        lr, max_iter, max_eval = group["lr"], group["max_iter"], group["max_eval"]
        tol_grad, tol_change = group["tolerance_grad"], group["tolerance_change"]
        history_size = group["history_size"]
        xp = self._params[0].xp
        state = self.state[self._params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)

        with enable_grad():
            first_loss = closure()
        loss = float(first_loss)
        evals = 1
        state["func_evals"] += 1
        g = self._flat_grad()
        if xp.max(xp.abs(g)) <= tol_grad:
            return first_loss

        d, t = state.get("d"), state.get("t")
        old_dirs, old_stps, ro = state.get("old_dirs"), state.get("old_stps"), state.get("ro")
        h_diag, prev_g, prev_loss = state.get("H_diag"), state.get("prev_flat_grad"), state.get("prev_loss")

        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            if state["n_iter"] == 1:
                d = -g
                old_dirs, old_stps, ro = [], [], []
                h_diag = 1
            else:
                # curvature pair of the last step; kept only if it keeps the inverse Hessian positive definite
                y = g - prev_g
                s = d * t
                ys = y.dot(s)
                if ys > 1e-10:
                    if len(old_dirs) == history_size:
                        old_dirs.pop(0)
                        old_stps.pop(0)
                        ro.pop(0)
                    old_dirs.append(y)
                    old_stps.append(s)
                    ro.append(1.0 / ys)
                    h_diag = ys / y.dot(y)
                d = self._two_loop(state, -g, old_dirs, old_stps, ro, h_diag, history_size)
            prev_g = g.copy()
            prev_loss = loss
            t = min(1.0, 1.0 / xp.sum(xp.abs(g))) * lr if state["n_iter"] == 1 else lr
            gtd = g.dot(d)
            if gtd > -tol_change:  # not a descent direction
                break

            if group["line_search_fn"] is not None:
                x0 = [p._data.copy() for p in self._params]
                loss, g, t, ls_evals = strong_wolfe(lambda x, t_, d_: self._probe(closure, x, t_, d_), x0, t, d,
                                                    loss, g, gtd, max_ls=max_eval - evals)
                self._add_step(t, d)
                converged = xp.max(xp.abs(g)) <= tol_grad
            else:
                self._add_step(t, d)
                ls_evals = 0
                converged = False
                if n_iter != max_iter:  # the last iteration's point needs no evaluation here
                    loss = self._evaluate(closure)
                    g = self._flat_grad()
                    converged = xp.max(xp.abs(g)) <= tol_grad
                    ls_evals = 1
            evals += ls_evals
            state["func_evals"] += ls_evals

            if n_iter == max_iter or evals >= max_eval or converged:
                break
            if xp.max(xp.abs(d * t)) <= tol_change or abs(loss - prev_loss) < tol_change:
                break

        state.update(d=d, t=t, old_dirs=old_dirs, old_stps=old_stps, ro=ro, H_diag=h_diag, prev_flat_grad=prev_g,
                     prev_loss=prev_loss)
        return first_loss

    @staticmethod
    def _two_loop(state: dict, q: Any, old_dirs: list, old_stps: list, ro: list, h_diag: Any,
                  history_size: int) -> Any:
        """The inverse-Hessian approximation applied to ``q`` (minus the gradient): the new direction."""
        al = state.setdefault("al", [None] * history_size)
        for i in range(len(old_dirs) - 1, -1, -1):
            al[i] = old_stps[i].dot(q) * ro[i]
            q += -al[i] * old_dirs[i]
        r = q * h_diag
        for i in range(len(old_dirs)):
            be_i = old_dirs[i].dot(r) * ro[i]
            r += (al[i] - be_i) * old_stps[i]
        return r
