"""Shared figure plumbing: new figures without pyplot state, saving, house style."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ..errors import ArgumentError

__all__ = ["new_figure", "finish", "COLORS"]

#: One colour per method/scheme family, reused across figures so a reader learns them once.
COLORS = {
    "forward": "#1f77b4", "backward": "#17becf", "central": "#ff7f0e", "central-4": "#2ca02c",
    "complex-step": "#d62728", "richardson": "#9467bd", "symbolic": "#8c564b", "reverse": "#e377c2",
    "float32": "#7f7f7f", "float64": "#000000",
}


def new_figure(nrows: int = 1, ncols: int = 1, size: tuple[float, float] | None = None, **kw: Any):
    """A Figure and its axes, made without pyplot (safe in scripts, tests and threads).

    Example
    -------
    >>> from diffkit.plot._figure import new_figure
    >>> fig, ax = new_figure()
    >>> type(fig).__name__
    'Figure'
    """
    size = size or (6.4 * ncols if ncols > 1 else 6.4, 4.4 * nrows)
    fig = Figure(figsize=size, layout="constrained")
    FigureCanvasAgg(fig)  # a canvas of its own: draw/savefig work with no pyplot backend
    axes = fig.subplots(nrows, ncols, **kw)
    return fig, axes


def finish(fig: Figure, save: str | Path | None = None, dpi: int = 150) -> Figure:
    """Save ``fig`` to ``save`` if given (format from the extension: .png, .svg, .pdf) and return it.

    Example
    -------
    >>> from diffkit.plot._figure import new_figure, finish
    >>> fig, ax = new_figure()
    >>> finish(fig) is fig
    True
    """
    if save is not None:
        path = Path(save)
        if path.suffix.lower() not in (".png", ".svg", ".pdf"):
            raise ArgumentError(f"save={str(save)!r}: use a .png, .svg or .pdf file name")
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=dpi)
    return fig
