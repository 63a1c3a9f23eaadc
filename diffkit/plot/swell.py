"""Expression swell: sizes of a family's derivative forms against n, and how many digits each keeps.

Example
-------
>>> import diffkit as dk
>>> table = dk.symbolic.swell(dk.examples.logistic_map, n=range(1, 5))
>>> fig = dk.plot.swell(table)
>>> fig.axes[0].get_yscale()
'log'
"""

from __future__ import annotations

import math
from pathlib import Path

from matplotlib.ticker import LogLocator, MultipleLocator, NullFormatter

from ..errors import ArgumentTypeError
from ._figure import PALETTE, finish, house_style, new_figure

__all__ = ["swell", "correct_digits"]

#: Column of a swell table -> legend label and style. Series that often coincide (l_n and the
#: expanded derivative; the nested and CSE'd errors) differ in marker fill and line style.
SIZES = {
    "l_n": ("l_n itself (tree)", {"color": PALETTE[6], "marker": "o", "ls": "-"}),
    "d_nested": ("derivative as differentiated (tree)", {"color": PALETTE[1], "marker": "s", "ls": "-"}),
    "d_simplified": ("derivative expanded (tree)",
                     {"color": PALETTE[2], "marker": "D", "ls": "--", "mfc": "none", "ms": 7, "mew": 1.3}),
    "d_cse": ("derivative with CSE (DAG)", {"color": PALETTE[0], "marker": "^", "ls": "-"}),
    "ad_trace": ("AD trace (ops in one evaluation)", {"color": PALETTE[3], "marker": "v", "ls": "-."}),
}
ERRORS = {
    "err_nested": ("as differentiated", {"color": PALETTE[1], "marker": "s", "ls": "-"}),
    "err_simplified": ("expanded", {"color": PALETTE[2], "marker": "D", "ls": "--"}),
    "err_cse": ("with CSE", {"color": PALETTE[0], "marker": "^", "ls": ":", "mfc": "none", "ms": 8, "mew": 1.3}),
    "err_ad": ("AD", {"color": PALETTE[3], "marker": "v", "ls": "-."}),
}
#: float64 has 53 bits: about 15.95 decimal digits.
FLOAT64_DIGITS = -math.log10(2.0 ** -53)


def correct_digits(rel_error: float) -> float:
    """Correct significant decimal digits of a result with relative error ``rel_error``: ``-log10(error)``,
    at least 0 (an error of 100% or more leaves no digit) and at most float64's 15.95 (error 0).

    Example
    -------
    >>> from diffkit.plot.swell import correct_digits
    >>> correct_digits(1e-6), correct_digits(3.0), round(correct_digits(0.0), 2)
    (6.0, 0.0, 15.95)
    """
    if rel_error == 0:
        return FLOAT64_DIGITS
    if not math.isfinite(rel_error):
        return 0.0
    return float(min(max(-math.log10(rel_error), 0.0), FLOAT64_DIGITS))


@house_style
def swell(table, save: str | Path | None = None):
    """Two panels from a :func:`diffkit.symbolic.swell` table: sizes (log axis) and correct digits.

    The accuracy panel shows how many decimal digits of each derivative form
    are right in float64 (``-log10`` of the relative error, from 0 to 15.95),
    so an expanded polynomial that returns noise sits at 0 rather than
    dozens of decades up a log axis. Rows that gave up at the time limit are
    marked on the size panel.

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
    fig, (left, right) = new_figure(1, 2, height=4.6)
    for column, (label, style) in SIZES.items():
        ns, values = table.series(column)
        if ns:
            left.plot(ns, [max(v, 1) for v in values], label=label, **style)
    for n in table.gave_up:
        left.axvline(n, color=PALETTE[4], ls=":", lw=1.2)
    if table.gave_up:
        left.plot([], [], color=PALETTE[4], ls=":", label="gave up (time limit)")
    left.set_yscale("log")
    left.yaxis.set_major_locator(LogLocator(base=10, numticks=30))
    left.yaxis.set_minor_formatter(NullFormatter())
    left.set_xlabel("n")
    left.set_ylabel("size (nodes)")
    left.set_title("Size of each form")
    for column, (label, style) in ERRORS.items():
        ns, values = table.series(column)
        if ns:
            right.plot(ns, [correct_digits(v) for v in values], label=label, **style)
    right.axhline(0.0, color="k", lw=1.0, ls="--", label="error ≥ 100%: no digit right")
    right.axhline(FLOAT64_DIGITS, color="#777777", lw=0.8, ls=":", label="all of float64's digits (error 0)")
    right.set_ylim(-1.0, 17.5)
    right.yaxis.set_major_locator(MultipleLocator(2))
    right.set_xlabel("n")
    right.set_ylabel("correct digits in float64\n(−log10 relative error)")
    right.set_title("Accuracy of each form")
    for ax in (left, right):
        ax.xaxis.set_major_locator(MultipleLocator(1))
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncols=1)
    family = getattr(table, "family", "")
    fig.suptitle(f"Expression swell of d/d{getattr(table, 'wrt', 'x')} {getattr(family, '__name__', family)}(n)")
    return finish(fig, save)
