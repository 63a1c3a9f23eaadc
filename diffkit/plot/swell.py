"""Expression swell: sizes of a family's derivative forms against n, and their float64 errors.

Example
-------
>>> import diffkit as dk
>>> table = dk.symbolic.swell(dk.examples.logistic_map, n=range(1, 5))
>>> fig = dk.plot.swell(table)
>>> fig.axes[0].get_yscale()
'log'
"""

from __future__ import annotations

from pathlib import Path

from ..errors import ArgumentTypeError
from ._figure import finish, new_figure

__all__ = ["swell"]

#: Column of a swell table -> how the legend names it.
SIZES = {
    "l_n": "l_n itself",
    "d_nested": "derivative, as differentiated (tree)",
    "d_simplified": "derivative, expanded/simplified (tree)",
    "d_cse": "derivative after CSE (DAG)",
    "ad_trace": "AD trace (ops in one evaluation)",
}
ERRORS = {
    "err_nested": "as differentiated",
    "err_simplified": "expanded/simplified",
    "err_cse": "after CSE",
    "err_ad": "AD",
}


def swell(table, save: str | Path | None = None):
    """Two panels from a :func:`diffkit.symbolic.swell` table: sizes (log axis) and float64 errors.

    Rows that gave up at the time limit are marked on the size panel.

    Parameters
    ----------
    table : SwellTable
        From ``dk.symbolic.swell(family, n=...)``.
    save : path, optional
        Also save the figure (.png, .svg, .pdf).

    Returns
    -------
    matplotlib.figure.Figure

    Example
    -------
    >>> import diffkit as dk
    >>> fig = dk.plot.swell(dk.symbolic.swell(dk.examples.logistic_map, n=[2]))
    >>> [ax.get_title() for ax in fig.axes]
    ['Size of each form', 'Accuracy of each form']
    """
    if not hasattr(table, "series") or not hasattr(table, "gave_up"):
        raise ArgumentTypeError("swell() plots the table from dk.symbolic.swell(family, n=...), "
                                f"got {type(table).__name__}")
    fig, (left, right) = new_figure(1, 2)
    markers = iter("osD^v")
    for column, label in SIZES.items():
        ns, values = table.series(column)
        if ns:
            left.plot(ns, [max(v, 1) for v in values], marker=next(markers), label=label)
    for n in table.gave_up:
        left.axvline(n, color="#d62728", ls=":", lw=1)
    if table.gave_up:
        left.plot([], [], color="#d62728", ls=":", label="gave up (time limit)")
    left.set_yscale("log")
    left.set_xlabel("n")
    left.set_ylabel("size (nodes)")
    left.set_title("Size of each form")
    left.grid(True, which="both", alpha=0.3)
    left.legend(fontsize=8)
    markers = iter("osD^v")
    for column, label in ERRORS.items():
        ns, values = table.series(column)
        if ns:
            right.plot(ns, [max(v, 1e-17) for v in values], marker=next(markers), label=label)
    right.axhline(1.0, color="k", lw=0.8, ls="--")
    right.set_yscale("log")
    right.set_xlabel("n")
    right.set_ylabel("relative error in float64 (0 shown as 1e-17)")
    right.set_title("Accuracy of each form")
    right.grid(True, which="both", alpha=0.3)
    right.legend(fontsize=8)
    family = getattr(table, "family", "")
    fig.suptitle(f"Expression swell of d/dx {getattr(family, '__name__', family)}(n)")
    return finish(fig, save)
