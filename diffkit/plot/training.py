"""Training figures: loss curves, and the lecture's learning-rate study on loss contours.

Example
-------
>>> import diffkit as dk
>>> fig = dk.plot.loss_curve([3.0, 2.0, 1.5, 1.2])
>>> fig.axes[0].get_ylabel()
'loss'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ArgumentError
from ._figure import finish, new_figure

__all__ = ["loss_curve", "lr_paths", "gd_paths", "GDPath", "LECTURE_LRS"]

#: The learning rates of the lecture's study (slow, good, oscillating, diverging).
LECTURE_LRS = (0.0005, 0.001, 0.005, 0.025, 0.028, 0.03)


def _series(history: Any) -> dict[str, np.ndarray]:
    """Named loss series from a History-like object, a mapping or a plain sequence."""
    if hasattr(history, "history") and isinstance(history.history, Mapping):
        history = history.history
    if isinstance(history, Mapping):
        return {k: np.asarray(v, dtype=float) for k, v in history.items() if len(v)}
    try:
        values = np.asarray(history, dtype=float)
    except (TypeError, ValueError):
        raise ArgumentError(f"loss_curve needs numbers: a list of losses, a dict of such lists or a History; "
                            f"got {str(history)[:60]}") from None
    return {"loss": values} if values.size else {}


def loss_curve(history: Any, log: bool | None = None, ax=None, save: str | Path | None = None):
    """Loss against step/epoch from a training history.

    Parameters
    ----------
    history : History, mapping of name to sequence, or sequence
        For example ``{"train": [...], "test": [...]}``; a History object
        from training exposes the same mapping as ``.history``.
    log : bool, optional
        Log-scale y axis (default: when the loss spans more than two decades).

    Example
    -------
    >>> import diffkit as dk
    >>> fig = dk.plot.loss_curve({"train": [1.0, 0.1, 0.01], "test": [1.1, 0.2, 0.05]})
    >>> [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    ['train', 'test']
    """
    series = _series(history)
    if not series:
        raise ArgumentError("loss_curve: the history is empty")
    if ax is None:
        fig, ax = new_figure()
    else:
        fig = ax.figure
    for name, values in series.items():
        ax.plot(np.arange(1, len(values) + 1), values, label=name, lw=1.6)
    finite = np.concatenate([v[np.isfinite(v) & (v > 0)] for v in series.values()])
    if log is None:
        log = finite.size > 0 and finite.max() / max(finite.min(), 1e-300) > 100
    if log:
        ax.set_yscale("log")
    unit = getattr(history, "unit", "epoch")
    ax.set_xlabel(unit)
    ax.set_ylabel("loss")
    ax.set_title("Training loss")
    ax.grid(True, alpha=0.3)
    ax.legend()
    return finish(fig, save)


@dataclass
class GDPath:
    """One gradient-descent run on the linear-regression loss.

    Attributes
    ----------
    lr : float
        Learning rate.
    params : ndarray
        ``(steps + 1, 2)`` array of ``(w, b)`` along the path.
    losses : ndarray
        Loss at each point of the path.
    verdict : str
        ``"slow"``, ``"good"``, ``"oscillating"`` or ``"diverging"``.

    Example
    -------
    >>> import diffkit as dk
    >>> x, y = dk.data.noisy_linear()
    >>> p = dk.plot.gd_paths(x[:, 0], y[:, 0], lrs=[0.005])[0]
    >>> p.lr, p.verdict, p.params.shape, p.losses.shape
    (0.005, 'good', (101, 2), (101,))
    """

    lr: float
    params: np.ndarray
    losses: np.ndarray
    verdict: str


def _loss_and_grad(w, b, x, y):
    r = w * x + b - y
    loss = np.mean(r * r, axis=-1)
    return loss, 2 * np.mean(r * x, axis=-1), 2 * np.mean(r, axis=-1)


def gd_paths(x: np.ndarray, y: np.ndarray, lrs: Sequence[float] = LECTURE_LRS, steps: int = 100,
             start: tuple[float, float] = (0.0, 0.0)) -> list[GDPath]:
    """Full-batch gradient descent on ``mean((w x + b - y)^2)`` for each learning rate.

    The verdict compares the run with the least-squares optimum: *diverging*
    if the loss grew, *oscillating* if ``w`` overshoots back and forth, *slow*
    if after ``steps`` steps the loss is still well above the optimum, else
    *good*. (The gradient of this quadratic is written in closed form: the
    figure is about step sizes, not about differentiation.)

    Example
    -------
    >>> import diffkit as dk
    >>> x, y = dk.data.noisy_linear()
    >>> [p.verdict for p in dk.plot.gd_paths(x[:, 0], y[:, 0], lrs=[0.0005, 0.005, 0.028, 0.03])]
    ['slow', 'good', 'oscillating', 'diverging']
    """
    if not len(lrs):
        raise ArgumentError("lrs is empty: give at least one learning rate")
    x = np.asarray(x, dtype=float).ravel()
    y = np.asarray(y, dtype=float).ravel()
    A = np.stack([x, np.ones_like(x)], axis=1)
    best = np.linalg.lstsq(A, y, rcond=None)[0]
    best_loss = float(_loss_and_grad(best[0], best[1], x, y)[0])
    out = []
    for lr in lrs:
        w, b = start
        params, losses = [(w, b)], [float(_loss_and_grad(w, b, x, y)[0])]
        with np.errstate(over="ignore", invalid="ignore"):
            for _ in range(steps):
                _, gw, gb = _loss_and_grad(w, b, x, y)
                w, b = w - lr * gw, b - lr * gb
                params.append((w, b))
                losses.append(float(_loss_and_grad(w, b, x, y)[0]))
        params_a, losses_a = np.array(params), np.array(losses)
        dw = np.diff(params_a[:, 0])
        flips = np.mean(np.sign(dw[1:]) != np.sign(dw[:-1])) if len(dw) > 1 else 0.0
        if not np.isfinite(losses_a[-1]) or losses_a[-1] > losses_a[0]:
            verdict = "diverging"
        elif flips > 0.5:
            verdict = "oscillating"
        elif losses_a[-1] > 1.1 * best_loss:
            verdict = "slow"
        else:
            verdict = "good"
        out.append(GDPath(float(lr), params_a, losses_a, verdict))
    return out


def lr_paths(x: np.ndarray | None = None, y: np.ndarray | None = None, lrs: Sequence[float] = LECTURE_LRS,
             steps: int = 100, start: tuple[float, float] = (0.0, 0.0), save: str | Path | None = None):
    """Loss contours of linear regression with the gradient-descent path of each learning rate.

    The lecture's study, one panel per learning rate: with the data
    ``y = 3x + noise`` (``x = 0..9.9``) 0.0005 is slow, 0.005 is good, 0.028
    oscillates and 0.03 diverges (the largest Hessian eigenvalue of the loss
    is about 67, so gradient descent is stable only below 2/67 = 0.0297).

    Example
    -------
    >>> import diffkit as dk
    >>> fig = dk.plot.lr_paths()
    >>> [ax.get_title() for ax in fig.axes][:2]
    ['lr = 0.0005: slow', 'lr = 0.001: good']
    """
    if x is None or y is None:
        from ..data.datasets import noisy_linear

        x, y = noisy_linear()
    x = np.asarray(x, dtype=float).ravel()
    y = np.asarray(y, dtype=float).ravel()
    paths = gd_paths(x, y, lrs, steps, start)
    ncols = min(3, len(paths))
    nrows = -(-len(paths) // ncols)
    fig, axes = new_figure(nrows, ncols, size=(4.2 * ncols, 3.6 * nrows), squeeze=False)
    A = np.stack([x, np.ones_like(x)], axis=1)
    w_best, b_best = np.linalg.lstsq(A, y, rcond=None)[0]
    span_w = max(3.0, abs(start[0] - w_best) * 1.6)
    span_b = max(3.0, abs(start[1] - b_best) * 1.4)
    W, B = np.meshgrid(np.linspace(w_best - span_w, w_best + span_w, 160),
                       np.linspace(b_best - span_b, b_best + span_b, 160))
    L = _loss_and_grad(W[..., None], B[..., None], x, y)[0]
    levels = L.min() + np.geomspace(0.02, L.max() - L.min(), 14)
    colours = {"slow": "#1f77b4", "good": "#2ca02c", "oscillating": "#ff7f0e", "diverging": "#d62728"}
    for ax, p in zip(axes.ravel(), paths):
        ax.contour(W, B, L, levels=levels, cmap="Greys", linewidths=0.7)
        inside = np.all(np.abs(p.params - [w_best, b_best]) < [span_w, span_b], axis=1)
        shown = p.params[: np.argmin(inside) if not inside.all() else len(inside)]
        ax.plot(shown[:, 0], shown[:, 1], marker="o", ms=2.5, lw=1.0, color=colours[p.verdict],
                label=f"{len(p.params) - 1} steps, final loss {p.losses[-1]:.3g}")
        ax.plot([w_best], [b_best], marker="*", ms=12, color="k", ls="none", zorder=5, label="least squares")
        ax.set_xlim(W.min(), W.max())
        ax.set_ylim(B.min(), B.max())
        ax.set_xlabel("weight w")
        ax.set_ylabel("bias b")
        ax.set_title(f"lr = {p.lr:g}: {p.verdict}")
        ax.legend(fontsize=7, loc="lower left")
    for ax in axes.ravel()[len(paths):]:
        ax.set_axis_off()
    fig.suptitle("Gradient descent on the MSE loss of y = w x + b")
    return finish(fig, save)
