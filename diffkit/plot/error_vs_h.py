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

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..errors import ArgumentError
from ._figure import finish, new_figure

__all__ = ["error_vs_h"]


def error_vs_h(sweep=None, f: Any = None, at: Mapping[str, Any] | None = None, wrt: str | None = None,
               schemes: Sequence[str] = ("forward", "central"), dtype: Any = ("float64", "float32"),
               save: str | Path | None = None):
    """Log-log error against h per scheme (one panel per dtype), with the model's curve,
    the predicted optimal h, and the rounding and truncation regions.

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
    from ..numeric.sweep import plot_sweep

    panels = len(sweep.dtypes)
    fig, axes = new_figure(1, panels, size=(6.4 * panels, 4.8), squeeze=False)
    plot_sweep(sweep, ax=list(axes[0]))
    return finish(fig, save)
