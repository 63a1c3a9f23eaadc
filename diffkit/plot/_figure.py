"""Shared figure plumbing: the house style, new figures without pyplot state, saving.

Every figure of :mod:`diffkit.plot` is drawn :data:`PAGE_WIDTH` inches wide with
no text under :data:`MIN_FONT` points, so that it keeps readable text when a
report or a notebook shows it at the width of a page; legends sit outside the
data, and colours come from the Okabe-Ito palette, which stays distinct under
the common colour-vision deficiencies (every series also has its own marker or
line style, so nothing depends on colour alone).

Example
-------
>>> from diffkit.plot._figure import new_figure, PAGE_WIDTH
>>> fig, ax = new_figure()
>>> float(fig.get_figwidth()) == PAGE_WIDTH
True
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import matplotlib as mpl
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ..errors import ArgumentError

__all__ = ["new_figure", "finish", "house_style", "style", "outside_legend", "COLORS", "PALETTE", "PAGE_WIDTH",
           "MIN_FONT", "FORMATS"]

#: Width of every figure, in inches: a page's text width (A4 or US letter with the usual margins).
PAGE_WIDTH = 6.5
#: No text in a figure is smaller than this (points) when the figure is shown at PAGE_WIDTH.
MIN_FONT = 9.0
#: File types ``save=`` writes.
FORMATS = (".png", ".svg", ".pdf")

#: Okabe & Ito's colour-blind-safe palette (yellow left out: it vanishes on white).
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"]
#: One colour per method/scheme family, reused across figures so a reader learns them once.
COLORS = {
    "forward": "#0072B2", "backward": "#56B4E9", "central": "#D55E00", "central-4": "#009E73",
    "complex": "#CC79A7", "complex-step": "#CC79A7", "richardson": "#E69F00", "symbolic": "#000000",
    "reverse": "#D55E00", "float32": "#56B4E9", "float64": "#0072B2",
}
#: Markers in the order series take them, so that series differ by shape as well as colour.
MARKERS = ["o", "s", "D", "^", "v", "P", "X"]

_STYLE = {
    "font.size": MIN_FONT,
    "axes.titlesize": 10.0,
    "axes.labelsize": 9.5,
    "xtick.labelsize": MIN_FONT,
    "ytick.labelsize": MIN_FONT,
    "legend.fontsize": MIN_FONT,
    "legend.title_fontsize": MIN_FONT,
    "figure.titlesize": 10.5,
    "axes.prop_cycle": mpl.cycler(color=PALETTE),
    "axes.grid": True,
    "grid.alpha": 0.3,
    "grid.linewidth": 0.6,
    "lines.linewidth": 1.4,
    "lines.markersize": 4.5,
    "legend.frameon": False,
    "savefig.dpi": 200,
}


def style():
    """A context in which new artists take the house style (what :func:`house_style` wraps a function in).

    Example
    -------
    >>> import matplotlib as mpl
    >>> from diffkit.plot._figure import style, MIN_FONT
    >>> with style():
    ...     mpl.rcParams["legend.fontsize"] == MIN_FONT
    True
    """
    return mpl.rc_context(_STYLE)


def house_style(fn: Callable) -> Callable:
    """Run a figure function under the house style (font sizes, palette, grid).

    Example
    -------
    >>> from diffkit.plot._figure import house_style, new_figure, MIN_FONT
    >>> @house_style
    ... def tiny():
    ...     fig, ax = new_figure()
    ...     return ax.set_title("t").get_fontsize()
    >>> tiny() >= MIN_FONT
    True
    """
    @functools.wraps(fn)
    def styled(*args: Any, **kwargs: Any) -> Any:
        with style():
            return fn(*args, **kwargs)

    return styled


def new_figure(nrows: int = 1, ncols: int = 1, height: float | None = None, **kw: Any):
    """A :data:`PAGE_WIDTH`-wide Figure and its axes, made without pyplot (safe in scripts, tests, threads).

    Parameters
    ----------
    nrows, ncols : int
        The grid of panels.
    height : float, optional
        Height in inches (default: a panel row of about 3.4 inches each).
    **kw
        Passed to ``Figure.subplots`` (``squeeze=False``, ``sharex=True``, ...).

    Example
    -------
    >>> from diffkit.plot._figure import new_figure
    >>> fig, (a, b) = new_figure(1, 2)
    >>> float(fig.get_figwidth()), type(a).__name__
    (6.5, 'Axes')
    """
    height = height if height is not None else (3.8 if nrows == 1 else 3.0 * nrows)
    with style():
        fig = Figure(figsize=(PAGE_WIDTH, height), layout="constrained")
        FigureCanvasAgg(fig)  # a canvas of its own: draw/savefig work with no pyplot backend
        axes = fig.subplots(nrows, ncols, **kw)
    return fig, axes


def outside_legend(fig: Figure, handles: list | None = None, labels: list | None = None, ncols: int = 2,
                   **kw: Any):
    """One legend for the whole figure, below every panel (never over the data).

    Without ``handles``, collects the labelled artists of every axes (each label once).

    Example
    -------
    >>> from diffkit.plot._figure import new_figure, outside_legend
    >>> fig, ax = new_figure()
    >>> _ = ax.plot([1, 2], label="a")
    >>> [t.get_text() for t in outside_legend(fig).get_texts()]
    ['a']
    """
    if handles is None:
        seen: dict[str, Any] = {}
        for ax in fig.axes:
            for h, lab in zip(*ax.get_legend_handles_labels()):
                seen.setdefault(lab, h)
        handles, labels = list(seen.values()), list(seen)
    kw.setdefault("fontsize", MIN_FONT)
    return fig.legend(handles, labels, loc="outside lower center", ncols=ncols, **kw)


def finish(fig: Figure, save: str | Path | None = None, dpi: int = 200) -> Figure:
    """Pin the tick-label size, save ``fig`` to ``save`` if given (.png, .svg or .pdf), and return it.

    Tick labels are created again whenever a figure is drawn; pinning their
    size keeps them at the house size wherever the figure is drawn later
    (a notebook's inline backend, a ``savefig`` of the user's own).

    Example
    -------
    >>> from diffkit.plot._figure import new_figure, finish
    >>> fig, ax = new_figure()
    >>> finish(fig) is fig
    True
    """
    if save is not None:
        path = Path(save)
        if path.suffix.lower() not in FORMATS:
            raise ArgumentError(f"save={str(save)!r}: use a .png, .svg or .pdf file name")
    for ax in fig.axes:
        ax.tick_params(which="both", labelsize=MIN_FONT)
    if save is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=dpi)
    return fig
