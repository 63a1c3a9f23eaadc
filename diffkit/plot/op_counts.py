"""Forward against reverse mode: counted cost of a Jacobian as n and m vary.

Example
-------
>>> import diffkit as dk
>>> fig = dk.plot.op_counts(ns=[1, 4, 16], ms=[1, 4, 16])
>>> [ax.get_xlabel() for ax in fig.axes]
['inputs n (outputs m = 1)', 'outputs m (inputs n = 16)']
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from matplotlib.ticker import ScalarFormatter

from ._figure import COLORS, finish, house_style, new_figure, outside_legend

__all__ = ["op_counts"]


@house_style
def op_counts(study=None, ns: Sequence[int] = (1, 2, 4, 8, 16, 32), ms: Sequence[int] = (1, 2, 4, 8, 16, 32),
              save: str | Path | None = None):
    """Two panels from an op-count study: cost against n (m = 1), and against m (n = max n).

    Parameters
    ----------
    study : OpCountStudy, optional
        From :func:`diffkit.op_count_study`; measured here from ``ns`` and ``ms`` if not given.
    ns, ms : sequences of int
        Dimensions to measure when no study is given.
    save : path, optional
        Also save the figure (.png, .svg, .pdf).

    Returns
    -------
    matplotlib.figure.Figure

    Example
    -------
    >>> import diffkit as dk
    >>> fig = dk.plot.op_counts(ns=[1, 4], ms=[1, 4])
    >>> [ax.get_title() for ax in fig.axes]
    ['Forward mode pays per input', 'Reverse mode pays per output']
    """
    from ..compare.op_counts import op_count_study

    if study is None:
        study = op_count_study(ns=sorted(set(ns)), ms=sorted(set(ms) | {1}))
    rows = list(study)
    n_max = max(r["n"] for r in rows)
    m_min = min(r["m"] for r in rows)
    fig, (left, right) = new_figure(1, 2, height=3.9)
    by_n = sorted((r for r in rows if r["m"] == m_min), key=lambda r: r["n"])
    by_m = sorted((r for r in rows if r["n"] == n_max), key=lambda r: r["m"])
    for ax, series, key, label in ((left, by_n, "n", f"inputs n (outputs m = {m_min})"),
                                   (right, by_m, "m", f"outputs m (inputs n = {n_max})")):
        xs = [r[key] for r in series]
        ax.plot(xs, [r["forward prim"] for r in series], marker="o", color=COLORS["forward"], label="forward mode")
        ax.plot(xs, [r["reverse prim"] for r in series], marker="s", color=COLORS["reverse"], label="reverse mode")
        ax.set_xscale("log", base=2)
        ax.xaxis.set_major_formatter(ScalarFormatter())
        ax.set_yscale("log")
        ax.set_xlabel(label)
        ax.set_ylabel("primitive ops for the full Jacobian")
        ax.grid(True, which="major", alpha=0.3)
    left.set_title("Forward mode pays per input")
    right.set_title("Reverse mode pays per output")
    outside_legend(fig, ncols=2)
    fig.suptitle(r"Full Jacobian of $F: \mathbb{R}^n \to \mathbb{R}^m$: ops counted by the engines")
    return finish(fig, save)
