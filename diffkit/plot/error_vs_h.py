"""Error against step size h: truncation and rounding, measured and predicted.

Example
-------
>>> import diffkit as dk
>>> sweep = dk.numeric.step_sweep("exp(x)", at={"x": 1.0}, schemes=["forward", "central"])
>>> fig = dk.plot.error_vs_h(sweep)
>>> fig.axes[0].get_xlabel(), fig.axes[0].get_xscale()
('step h', 'log')
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ..errors import ArgumentError, DiffkitError
from ._figure import COLORS, MARKERS, MIN_FONT, PALETTE, finish, house_style, new_figure, outside_legend

__all__ = ["error_vs_h", "draw_sweep"]

#: Fraction of each panel's (log) height kept free of data at the top, for the regime labels.
HEADROOM = 0.24
_ROUNDED_AWAY = "#bbbbbb"


def scheme_colours(schemes: Sequence[str]) -> dict[str, str]:
    """A distinct colour per scheme: its house colour when free, else the next unused one.

    Example
    -------
    >>> from diffkit.plot.error_vs_h import scheme_colours
    >>> scheme_colours(["forward", "central"])
    {'forward': '#0072B2', 'central': '#D55E00'}
    """
    out: dict[str, str] = {}
    for s in schemes:
        c = COLORS.get(s)
        if c is None or c in out.values():
            c = next((p for p in PALETTE if p not in out.values()), PALETTE[len(out) % len(PALETTE)])
        out[s] = c
    return out


def _rounded_away(sweep, dtype: str) -> float | None:
    """The largest h (of the leading run) at which every difference scheme has no estimate: x + h == x."""
    keys = [(s, dtype) for s in sweep.schemes if s != "complex"]
    if not keys:
        return None
    none = np.all([~np.isfinite(sweep.errors[k]) for k in keys], axis=0)
    run = int(np.argmin(none)) if not none.all() else len(none)
    return float(sweep.h[run - 1]) if run >= 2 else None


def panel(ax, sweep, dtype: str, colours: dict[str, str]) -> None:
    """Draw one dtype's panel of a sweep into ``ax`` (see :func:`draw_sweep`); colours from :func:`scheme_colours`.

    Example
    -------
    >>> import diffkit as dk
    >>> from diffkit.plot._figure import new_figure
    >>> from diffkit.plot.error_vs_h import panel, scheme_colours
    >>> s = dk.numeric.step_sweep("exp(x)", at=1.0, schemes=["central"])
    >>> fig, ax = new_figure()
    >>> panel(ax, s, "float64", scheme_colours(s.schemes)); ax.get_title()
    'float64'
    """
    h = sweep.h
    theory = sweep.theory()
    measured, optima = [], []
    for i, s in enumerate(sweep.schemes):
        key, c = (s, dtype), colours[s]
        err = np.where(sweep.errors[key] > 0, sweep.errors[key], np.nan)
        measured.append(err)
        ax.loglog(h, err, marker=MARKERS[i % len(MARKERS)], ms=3.5, markevery=(i, 4), lw=0.9, color=c, zorder=3,
                  label=f"{s} (measured)")
        exact = sweep.errors[key] == 0  # the estimate is the reference to the last bit (often, for "complex")
        if exact.any():
            floor = float(np.spacing(np.asarray(abs(sweep.reference[dtype]), dtype=dtype))) / 2
            measured.append(np.full(int(exact.sum()), floor))
            ax.loglog(h[exact], np.full(int(exact.sum()), floor), "v", color=c, mfc="none", ms=5, zorder=3,
                      label=f"{s}: error 0, drawn at half an ulp")
        th = theory[key]
        if math.isfinite(th.h) and th.h > 0:
            optima.append(th.h)
    found = np.concatenate([m[np.isfinite(m)] for m in measured])
    if not found.size:
        raise DiffkitError(f"the sweep has no finite error in {dtype} to draw: every step rounded away")
    low, high = float(found.min()) / 5, float(found.max()) * 3
    top = high * (high / low) ** (HEADROOM / (1 - HEADROOM))
    for s in sweep.schemes:
        th, c = theory[(s, dtype)], colours[s]
        model = np.asarray(th.curve(h), dtype=float)
        ax.loglog(h, np.where(model <= high, model, np.nan), "--", color=c, lw=1.2, alpha=0.8, zorder=2,
                  label=f"{s} model: slope {th.truncation_slope} / {th.rounding_slope}")
        if math.isfinite(th.h) and th.h > 0:
            ax.axvline(th.h, color=c, ls=":", lw=1, zorder=1)
            ax.plot([th.h], [th.error], "*", color=c, ms=12, mec="k", mew=0.6, zorder=4,
                    label=f"{s} predicted optimum h={th.h:.2g}")
    ax.set_ylim(low, top)
    ax.set_xlim(h.min() / 2, h.max() * 2)
    if optima:
        ax.axvspan(h.min() / 2, min(optima), color=PALETTE[1], alpha=0.07, lw=0, zorder=0)
        ax.axvspan(max(optima), h.max() * 2, color=PALETTE[0], alpha=0.07, lw=0, zorder=0)
        box = {"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none", "alpha": 0.85}
        rnd = "slope $-k$\n(complex: 0)" if "complex" in sweep.schemes else "slope $-k$"
        ax.text(0.02, 0.98, f"rounding\n{rnd}", transform=ax.transAxes, ha="left", va="top",
                fontsize=MIN_FONT, color="#8a3300", bbox=box, zorder=5)
        ax.text(0.98, 0.98, "truncation\nslope $p$", transform=ax.transAxes, ha="right", va="top",
                fontsize=MIN_FONT, color="#004a75", bbox=box, zorder=5)
    cut = _rounded_away(sweep, dtype)
    if cut is not None:
        ax.axvspan(h.min() / 2, cut, facecolor="white", edgecolor=_ROUNDED_AWAY, hatch="///", lw=0, zorder=1)
        left, right = np.log10(h.min() / 2), np.log10(h.max() * 2)
        if (np.log10(cut) - left) / (right - left) > 0.3:  # wide enough to say so in words
            ax.text(math.sqrt(h.min() / 2 * cut), math.sqrt(low * high), f"x + h == x\nin {dtype}:\nno estimate",
                    ha="center", va="center", fontsize=MIN_FONT, color="#444444", zorder=5,
                    bbox={"boxstyle": "round,pad=0.3", "fc": "white", "ec": _ROUNDED_AWAY})
    ax.set_xlabel("step h")
    ax.set_ylabel(f"|error| of d{'^' + str(sweep.order) if sweep.order > 1 else ''}f/d{sweep.wrt}")
    ax.set_title(dtype)
    ax.grid(True, which="major", alpha=0.3)


def legend(fig, sweep, colours: dict[str, str]) -> None:
    """The figure legend below the panels: each scheme, the model, the optimum, k and p defined."""
    theory = sweep.theory()
    handles, labels = [], []
    for i, s in enumerate(sweep.schemes):
        p = theory[(s, sweep.dtypes[0])].truncation_slope
        handles.append(Line2D([], [], color=colours[s], marker=MARKERS[i % len(MARKERS)], ms=4, lw=0.8))
        labels.append(f"{s}, measured (p = {p})")
    handles += [Line2D([], [], color="#555555", ls="--", lw=1.2),
                Line2D([], [], color="#555555", marker="*", ms=11, mec="k", mew=0.6, ls="none")]
    labels += ["model E(h): truncation + rounding", "model's best h (dotted line)"]
    if any((sweep.errors[k] == 0).any() for k in sweep.keys()):
        handles.append(Line2D([], [], color="#555555", marker="v", mfc="none", ls="none", ms=5))
        labels.append("error exactly 0 (drawn at half an ulp)")
    if any(_rounded_away(sweep, d) is not None for d in sweep.dtypes):
        handles.append(Patch(facecolor="white", edgecolor=_ROUNDED_AWAY, hatch="///"))
        labels.append("x + h rounds to x: no difference quotient")
    k = sweep.order
    title = (f"k = {k}: order of the derivative; p: accuracy order of the scheme.\n"
             f"Truncation error falls as $h^p$, rounding error grows as $h^{{-{k}}}$ (shaded: where each dominates)")
    outside_legend(fig, handles, labels, ncols=2, title=title)


@house_style
def draw_sweep(sweep, ax: Any = None):
    """Draw a step sweep: log-log error against h per scheme, one panel per dtype.

    Each scheme has its own colour and marker; the model ``E(h)`` is dashed, its
    best step a star on a dotted line. Shaded: where rounding dominates (left of
    the best steps, slope ``-k``) and where truncation does (right, slope ``p``),
    labelled in a band kept free of data. Hatched: steps so small that
    ``x + h == x`` in that precision, where no estimate exists. Steps whose
    estimate equals the reference exactly (error 0, common for the complex step)
    are open triangles at half an ulp. The legend, with ``k`` and ``p`` defined,
    sits below the panels.

    Parameters
    ----------
    sweep : StepSweep
        From :func:`diffkit.numeric.step_sweep`.
    ax : Axes or sequence of Axes, optional
        One per dtype; default a new Figure.

    Returns
    -------
    matplotlib.figure.Figure

    Example
    -------
    >>> import diffkit as dk
    >>> from diffkit.plot.error_vs_h import draw_sweep
    >>> fig = draw_sweep(dk.numeric.step_sweep("exp(x)", at=1.0, dtype=["float64", "float32"]))
    >>> [ax.get_title() for ax in fig.axes]
    ['float64', 'float32']
    """
    nd = len(sweep.dtypes)
    if ax is None:
        fig, axes = new_figure(1, nd, height=4.4, squeeze=False)
        axes = list(axes[0])
    else:
        axes = list(ax) if isinstance(ax, (list, tuple, np.ndarray)) else [ax]
        if len(axes) != nd:
            raise DiffkitError(f"the sweep has {nd} dtypes; pass {nd} axes (or none)")
        fig = axes[0].figure
    colours = scheme_colours(sweep.schemes)
    for a, d in zip(axes, sweep.dtypes):
        panel(a, sweep, d, colours)
    legend(fig, sweep, colours)
    fig.suptitle(sweep.label)
    return finish(fig)


def error_vs_h(sweep=None, f: Any = None, at: Mapping[str, Any] | None = None, wrt: str | None = None,
               schemes: Sequence[str] = ("forward", "central"), dtype: Any = ("float64", "float32"),
               save: str | Path | None = None):
    """Log-log error against h per scheme (one panel per dtype), with the model's curve,
    the predicted optimal h, and the rounding and truncation regions (see :func:`draw_sweep`).

    Parameters
    ----------
    sweep : StepSweep, optional
        From :func:`diffkit.numeric.step_sweep`; otherwise one is run from ``f``, ``at``,
        ``wrt``, ``schemes`` and ``dtype``.
    save : path, optional
        Also save the figure (.png, .svg, .pdf).

    Returns
    -------
    matplotlib.figure.Figure

    Example
    -------
    >>> import diffkit as dk
    >>> fig = dk.plot.error_vs_h(f="exp(x)", at={"x": 1.0})  # runs the sweep: float64 and float32
    >>> [ax.get_title() for ax in fig.axes]
    ['float64', 'float32']
    """
    if sweep is None:
        if f is None or at is None:
            raise ArgumentError("error_vs_h needs a sweep, or f= and at= to run one")
        from ..numeric import step_sweep

        sweep = step_sweep(f, at=at, wrt=wrt, schemes=list(schemes),
                           dtype=list(dtype) if not isinstance(dtype, str) else dtype)
    return finish(draw_sweep(sweep), save)
