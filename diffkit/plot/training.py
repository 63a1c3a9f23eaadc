"""Training figures: loss (and accuracy) curves, and the learning-rate study on loss contours.

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
from matplotlib.lines import Line2D

from ..errors import ArgumentError
from ._figure import MARKERS, MIN_FONT, PALETTE, finish, house_style, new_figure, outside_legend

__all__ = ["loss_curve", "lr_paths", "gd_paths", "GDPath", "LECTURE_LRS", "CONVERGED"]

#: The learning rates of the classic study (y = 3x + noise, 100 steps from (0, 0)).
LECTURE_LRS = (0.0005, 0.001, 0.005, 0.025, 0.028, 0.03)
#: A run has reached the optimum when its final loss is within this fraction of the least-squares loss.
CONVERGED = 0.01
#: Verdict -> colour (Okabe-Ito) of the path.
VERDICT_COLOURS = {"slow": PALETTE[0], "good": PALETTE[2], "oscillating": PALETTE[4], "diverging": PALETTE[1]}


def _series(history: Any) -> dict[str, np.ndarray]:
    """Named series from a History-like object, a mapping or a plain sequence."""
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


def _is_accuracy(name: str) -> bool:
    return "acc" in name.lower()


@house_style
def loss_curve(history: Any, log: bool | None = None, loss: str | None = None, ax=None,
               save: str | Path | None = None):
    """Loss against epoch from a training history; accuracy beside it for a classifier.

    Parameters
    ----------
    history : History, mapping of name to sequence, or sequence
        For example ``{"train": [...], "test": [...]}``; a History object
        from :func:`diffkit.nn.fit` exposes the same mapping as ``.history``.
        Series whose name contains ``acc`` (``accuracy``, ``val_accuracy``)
        go to a second panel, in percent.
    log : bool, optional
        Log-scale loss axis (default: when the loss spans more than two decades).
    loss : str, optional
        What the loss is (``"cross-entropy"``, ``"mean squared error"``), for the axis label.
    ax : matplotlib Axes, optional
        Draw the loss series into this axes (accuracy series are then left out).
    save : path, optional
        Also save the figure (.png, .svg, .pdf).

    Returns
    -------
    matplotlib.figure.Figure

    Example
    -------
    >>> import diffkit as dk
    >>> fig = dk.plot.loss_curve({"loss": [0.9, 0.4], "accuracy": [0.6, 0.9]}, loss="cross-entropy")
    >>> [a.get_ylabel() for a in fig.axes]
    ['cross-entropy loss', 'accuracy (%)']
    """
    series = _series(history)
    if not series:
        raise ArgumentError("loss_curve: the history is empty")
    losses = {k: v for k, v in series.items() if not _is_accuracy(k)}
    accuracies = {k: v for k, v in series.items() if _is_accuracy(k)} if ax is None else {}
    panels = [p for p in (losses, accuracies) if p]
    if ax is None:
        fig, axes = new_figure(1, len(panels), height=3.4, squeeze=False)
        axes = list(axes[0])
    else:
        fig, axes = ax.figure, [ax]
    unit = getattr(history, "unit", "epoch")
    for a, group in zip(axes, panels):
        scale = 100.0 if group is accuracies else 1.0
        for i, (name, values) in enumerate(group.items()):
            a.plot(np.arange(1, len(values) + 1), scale * values, label=name,
                   marker=MARKERS[i % len(MARKERS)], markevery=max(1, len(values) // 12), color=PALETTE[i])
        a.set_xlabel(unit)
        if len(group) > 1:
            a.legend(loc="upper center", bbox_to_anchor=(0.5, -0.22), ncols=len(group))
    if losses:
        a = axes[0]
        finite = np.concatenate([v[np.isfinite(v) & (v > 0)] for v in losses.values()])
        if log is None:
            log = finite.size > 0 and finite.max() / max(finite.min(), 1e-300) > 100
        if log:
            a.set_yscale("log")
        a.set_ylabel(f"{loss} loss" if loss else "loss")
        a.set_title("Loss")
    if accuracies:
        axes[-1].set_ylabel("accuracy (%)")
        axes[-1].set_title("Accuracy")
    if ax is None:
        what = f"{loss} loss" if loss else "loss"
        fig.suptitle(f"Training: {what} and accuracy" if accuracies else f"Training: {what}")
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
        What the run did, measured: ``"diverging"``, ``"oscillating"``, ``"good"``
        (reached the optimum) or ``"slow"`` (had not, after its steps).
    optimum : float
        The least-squares loss, the best any run can reach.

    Example
    -------
    >>> import diffkit as dk
    >>> x, y = dk.data.noisy_linear()
    >>> p = dk.plot.gd_paths(x[:, 0], y[:, 0], lrs=[0.025])[0]
    >>> p.lr, p.verdict, p.params.shape, p.losses.shape, p.gap < 0.01
    (0.025, 'good', (101, 2), (101,), True)
    """

    lr: float
    params: np.ndarray
    losses: np.ndarray
    verdict: str
    optimum: float = float("nan")

    @property
    def gap(self) -> float:
        """How far the final loss is above the optimum, as a fraction of it (``inf`` if it diverged)."""
        final = float(self.losses[-1])
        return (final - self.optimum) / self.optimum if np.isfinite(final) else float("inf")

    @property
    def detail(self) -> str:
        """What the run measurably reached: ``"reaches the optimum"``, ``"loss 3.2% above optimum"``...

        Example
        -------
        >>> import diffkit as dk
        >>> x, y = dk.data.noisy_linear()
        >>> [p.detail for p in dk.plot.gd_paths(x[:, 0], y[:, 0], lrs=[0.0005, 0.025, 0.03])]
        ['loss 40% above optimum', 'reaches the optimum', 'loss grows to 6.1e+03']
        """
        if self.verdict == "diverging":
            final = self.losses[-1]
            return f"loss grows to {final:.2g}" if np.isfinite(final) else "loss overflows"
        if self.gap <= CONVERGED:
            return "reaches the optimum"
        return f"loss {self.gap:.{0 if self.gap >= 0.1 else 1}%} above optimum"

    @property
    def outcome(self) -> str:
        """The verdict with the measurement behind it, e.g. ``"slow: loss 3.2% above optimum"``."""
        return f"{self.verdict}: {self.detail}"


def _loss_and_grad(w, b, x, y):
    r = w * x + b - y
    loss = np.mean(r * r, axis=-1)
    return loss, 2 * np.mean(r * x, axis=-1), 2 * np.mean(r, axis=-1)


def _least_squares(x: np.ndarray, y: np.ndarray) -> tuple[float, float, float]:
    A = np.stack([x, np.ones_like(x)], axis=1)
    w, b = np.linalg.lstsq(A, y, rcond=None)[0]
    return float(w), float(b), float(_loss_and_grad(w, b, x, y)[0])


def gd_paths(x: np.ndarray, y: np.ndarray, lrs: Sequence[float] = LECTURE_LRS, steps: int = 100,
             start: tuple[float, float] = (0.0, 0.0)) -> list[GDPath]:
    """Full-batch gradient descent on ``mean((w x + b - y)^2)`` for each learning rate.

    The verdict is read from what the run did: *diverging* if the loss grew,
    *oscillating* if ``w`` overshoots back and forth, *good* if the final loss
    is within 1% (:data:`CONVERGED`) of the least-squares optimum, else *slow*.
    (The gradient of this quadratic is written in closed form: the figure is
    about step sizes, not about differentiation.)

    Example
    -------
    >>> import diffkit as dk
    >>> x, y = dk.data.noisy_linear()
    >>> [p.verdict for p in dk.plot.gd_paths(x[:, 0], y[:, 0], lrs=[0.0005, 0.005, 0.025, 0.028, 0.03])]
    ['slow', 'slow', 'good', 'oscillating', 'diverging']
    """
    if not len(lrs):
        raise ArgumentError("lrs is empty: give at least one learning rate")
    x = np.asarray(x, dtype=float).ravel()
    y = np.asarray(y, dtype=float).ravel()
    best_loss = _least_squares(x, y)[2]
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
        elif losses_a[-1] > (1 + CONVERGED) * best_loss:
            verdict = "slow"
        else:
            verdict = "good"
        out.append(GDPath(float(lr), params_a, losses_a, verdict, best_loss))
    return out


def _edge_point(inside: np.ndarray, outside: np.ndarray, box: tuple[float, float, float, float]) -> np.ndarray:
    """Where the segment from ``inside`` to ``outside`` crosses the border of ``box`` (x0, x1, y0, y1)."""
    d = outside - inside
    ts = []
    for k, (lo, hi) in enumerate(((box[0], box[1]), (box[2], box[3]))):
        if d[k] > 0:
            ts.append((hi - inside[k]) / d[k])
        elif d[k] < 0:
            ts.append((lo - inside[k]) / d[k])
    return inside + min(ts) * d


def draw_path(ax, p: GDPath, box: tuple[float, float, float, float]) -> None:
    """Draw a gradient-descent path inside ``box`` = (w0, w1, b0, b1); where it leaves, an arrow and a note."""
    colour = VERDICT_COLOURS[p.verdict]
    x0, x1, y0, y1 = box
    finite = np.all(np.isfinite(p.params), axis=1)
    inside = finite & (p.params[:, 0] > x0) & (p.params[:, 0] < x1) & (p.params[:, 1] > y0) & (p.params[:, 1] < y1)
    n_in = int(np.argmin(inside)) if not inside.all() else len(inside)
    shown = p.params[:n_in]
    ax.plot(shown[:, 0], shown[:, 1], marker="o", ms=2.2, lw=0.8, color=colour, zorder=3)
    if n_in < len(p.params) and n_in > 0 and finite[n_in]:  # it leaves the plot: say where it went
        edge = _edge_point(shown[-1], p.params[n_in], box)
        ax.annotate("", xy=edge, xytext=shown[-1], annotation_clip=False, zorder=4,
                    arrowprops={"arrowstyle": "-|>", "color": colour, "lw": 1.6, "mutation_scale": 14})
        ax.text(0.5, 0.04, f"leaves the plot at step {n_in};\nloss {p.losses[-1]:.2g} at step {len(p.losses) - 1}",
                transform=ax.transAxes, ha="center", va="bottom", fontsize=MIN_FONT, zorder=5,
                bbox={"boxstyle": "round,pad=0.25", "fc": "white", "ec": colour, "alpha": 0.9})


def path_box(x: np.ndarray, y: np.ndarray, start: tuple[float, float]) -> tuple[float, float, float, float]:
    """The (w0, w1, b0, b1) window around the least-squares optimum that the start point sits in."""
    w_best, b_best, _ = _least_squares(x, y)
    span_w = max(3.0, abs(start[0] - w_best) * 1.6)
    span_b = max(3.0, abs(start[1] - b_best) * 1.4)
    return (w_best - span_w, w_best + span_w, b_best - span_b, b_best + span_b)


def draw_landscape(ax, x: np.ndarray, y: np.ndarray, box: tuple[float, float, float, float]) -> None:
    """Loss contours of ``mean((w x + b - y)^2)`` over ``box`` (filled light, lines dark) and the optimum."""
    W, B = np.meshgrid(np.linspace(box[0], box[1], 160), np.linspace(box[2], box[3], 160))
    L = _loss_and_grad(W[..., None], B[..., None], x, y)[0]
    levels = L.min() + np.geomspace(0.05, L.max() - L.min(), 12)
    ax.contourf(W, B, L, levels=np.concatenate([[L.min()], levels]), cmap="Greys", alpha=0.35, zorder=0)
    ax.contour(W, B, L, levels=levels, colors="#555555", linewidths=0.7, zorder=1)
    w_best, b_best, _ = _least_squares(x, y)
    ax.plot([w_best], [b_best], marker="*", ms=13, color="k", mfc="#F0E442", ls="none", zorder=6)
    ax.set_xlim(box[0], box[1])
    ax.set_ylim(box[2], box[3])
    ax.grid(False)


@house_style
def lr_paths(x: np.ndarray | None = None, y: np.ndarray | None = None, lrs: Sequence[float] = LECTURE_LRS,
             steps: int = 100, start: tuple[float, float] = (0.0, 0.0), save: str | Path | None = None):
    """Loss contours of linear regression with the gradient-descent path of each learning rate.

    One panel per learning rate, titled with what the run measurably did
    (:attr:`GDPath.outcome`). With the data ``y = 3x + noise`` (``x = 0..9.9``)
    and 100 steps from (0, 0): 0.0005, 0.001 and 0.005 are still short of
    the optimum, 0.025 reaches it, 0.028 oscillates and 0.03 diverges (the
    largest Hessian eigenvalue of the loss is about 67, so gradient descent
    is stable only below 2/67.2 = 0.0298). A path that leaves the plot ends in
    an arrow and a note of where its loss went.

    Example
    -------
    >>> import diffkit as dk
    >>> fig = dk.plot.lr_paths()
    >>> [ax.get_title() for ax in fig.axes][3]
    'lr = 0.025: good\\nreaches the optimum'
    """
    if x is None or y is None:
        from ..data.datasets import noisy_linear

        x, y = noisy_linear()
    x = np.asarray(x, dtype=float).ravel()
    y = np.asarray(y, dtype=float).ravel()
    paths = gd_paths(x, y, lrs, steps, start)
    ncols = min(3, len(paths))
    nrows = -(-len(paths) // ncols)
    fig, axes = new_figure(nrows, ncols, height=1.2 + 2.45 * nrows, squeeze=False, sharex=True, sharey=True)
    box = path_box(x, y, start)
    for ax, p in zip(axes.ravel(), paths):
        draw_landscape(ax, x, y, box)
        draw_path(ax, p, box)
        ax.set_title(f"lr = {p.lr:g}: {p.verdict}\n{p.detail}", fontsize=MIN_FONT)
    for ax in axes[-1]:
        ax.set_xlabel("weight w")
    for ax in axes[:, 0]:
        ax.set_ylabel("bias b")
    for ax in axes.ravel()[len(paths):]:
        ax.set_axis_off()
    handles = [Line2D([], [], color=c, marker="o", ms=3, lw=0.8) for c in VERDICT_COLOURS.values()]
    labels = list(VERDICT_COLOURS)
    handles += [Line2D([], [], color="k", mfc="#F0E442", marker="*", ms=12, ls="none"),
                Line2D([], [], color="#555555", lw=0.7)]
    labels += ["least-squares optimum", "loss contours"]
    outside_legend(fig, handles, labels, ncols=3, title="each dot is one step; the title says what the run did")
    fig.suptitle(f"Gradient descent on the mean squared error of y = w x + b, {steps} steps from {start}")
    return finish(fig, save)
