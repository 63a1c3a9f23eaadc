"""Sliders for the notebooks: move the step size h, or the learning rate, and watch the figure follow.

Each function returns an explorer: in Jupyter with ipywidgets (``pip install "diffkit[notebooks]"``) it
shows sliders above a figure that redraws; without ipywidgets it shows the static figure for its
starting values, with a note. Either way ``explorer.update(...)`` redraws from code and
``explorer.figure`` is the matplotlib Figure.

Example
-------
>>> import diffkit as dk
>>> ex = dk.widgets.step_size("exp(x)", at={"x": 1.0}, h=1e-5)
>>> ex.update(h=1e-9)
>>> print(ex.readout().splitlines()[1])
forward  float64: estimate 2.718281819, error 9.47e-09 (model: truncation 1.4e-09 + rounding 1.2e-06)
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .errors import ArgumentError

__all__ = ["step_size", "learning_rate", "StepSizeExplorer", "LearningRateExplorer"]


def _ipywidgets() -> Any:
    try:
        import ipywidgets
    except ImportError:
        return None
    return ipywidgets


class _Explorer:
    """What both explorers share: a figure, a readout, controls when ipywidgets is there, and display."""

    figure: Any
    controls: dict

    def _build(self, sliders: dict) -> None:
        w = _ipywidgets()
        self.controls = {}
        self.widget = None
        if w is None:
            return
        self.controls = {name: make(w) for name, make in sliders.items()}
        # the picture is rendered when the explorer is shown (and on each change after), not before
        self._image = w.Image(format="png", layout=w.Layout(width="100%", max_width="900px"))
        self._text = w.HTML(self._html())
        self._shown = False
        for name, control in self.controls.items():
            control.observe(lambda change, name=name: self._changed(name, change["new"]), names="value")
        self.widget = w.VBox([w.HBox(list(self.controls.values())), self._image, self._text])

    def _changed(self, name: str, value: Any) -> None:
        self.update(**{name: value})

    def _refresh(self) -> None:
        """After an update: the controls show the current values (no event fires for an unchanged value),
        the image and the readout follow."""
        if self.widget is None:
            return
        for name, control in self.controls.items():
            if control.value != getattr(self, name):
                control.value = getattr(self, name)
        if self._shown:
            self._image.value = self.png()
        self._text.value = self._html()

    def _html(self) -> str:
        import html

        return "<pre style='font-size:0.9em'>" + html.escape(self.readout()) + "</pre>"

    def png(self) -> bytes:
        """The figure as PNG bytes (what the sliders show)."""
        buf = io.BytesIO()
        self.figure.savefig(buf, format="png", dpi=110)
        return buf.getvalue()

    def _ipython_display_(self) -> None:
        from IPython.display import Image, display

        if self.widget is not None:
            self._shown = True
            self._refresh()
            display(self.widget)
            return
        display(Image(self.png()))
        print(self.readout())
        print("(a static figure: `pip install ipywidgets` or \"diffkit[notebooks]\" for sliders)")


class StepSizeExplorer(_Explorer):
    """Error against h for one function, with a chosen step marked and its estimate read out.

    Attributes
    ----------
    sweep : StepSweep
        Every scheme and dtype over the grid ``10^-16 .. 1`` (10 steps a decade).
    h, dtype : float, str
        The current step (a grid point) and precision.
    figure : matplotlib.figure.Figure
    controls : dict
        ``{"h": FloatLogSlider, "dtype": ToggleButtons}`` (empty without ipywidgets).
    """

    def __init__(self, sweep: Any, h: float, dtype: str):
        self.sweep = sweep
        self.dtype = dtype
        self.h = self._snap(h)
        self._draw()
        self._build({
            "h": lambda w: w.FloatLogSlider(value=self.h, base=10, min=-16, max=0, step=0.1, description="step h",
                                            readout_format=".1e", continuous_update=False),
            "dtype": lambda w: w.ToggleButtons(options=list(sweep.dtypes), value=dtype, description="dtype"),
        })

    def _snap(self, h: float) -> float:
        i = int(np.argmin(np.abs(np.log10(self.sweep.h) - math.log10(h))))
        return float(self.sweep.h[i])

    def _draw(self) -> None:
        from .plot._figure import MIN_FONT, new_figure, style
        from .plot.error_vs_h import legend, panel, scheme_colours

        with style():
            self.figure, self.ax = new_figure(1, 1, height=4.6)
            colours = scheme_colours(self.sweep.schemes)
            panel(self.ax, self.sweep, self.dtype, colours)
            legend(self.figure, self.sweep, colours)
            self._line = self.ax.axvline(self.h, color="k", lw=1.6, zorder=6)
            self._dots = self.ax.scatter(*self._marks().T, s=90, facecolors="none", edgecolors="k", linewidths=1.8,
                                         zorder=7)
            self.ax.set_title(f"{self.dtype}: the chosen step h (black line) and each scheme's error there",
                              fontsize=MIN_FONT + 1)
            self.figure.suptitle(self.sweep.label)

    def _marks(self) -> np.ndarray:
        """Where to circle each scheme's error at the chosen step (an exact 0 where the panel draws it)."""
        i = self._index()
        floor = float(np.spacing(np.asarray(abs(self.sweep.reference[self.dtype]), dtype=self.dtype))) / 2
        errs = np.array([float(self.sweep.errors[s, self.dtype][i]) for s in self.sweep.schemes])
        return np.column_stack([np.full(len(errs), self.h), np.where(errs == 0, floor, errs)])

    def _index(self) -> int:
        return int(np.argmin(np.abs(self.sweep.h - self.h)))

    def update(self, h: float | None = None, dtype: str | None = None) -> None:
        """Move the step to ``h`` (snapped to the grid) and/or switch precision, and redraw.

        Example
        -------
        >>> import diffkit as dk
        >>> ex = dk.widgets.step_size("sin(x)", at={"x": 1.0}, schemes=["central"])
        >>> ex.update(h=3e-6, dtype="float32"); f"{ex.h:.1e}", ex.dtype
        ('3.2e-06', 'float32')
        """
        if dtype is not None and dtype != self.dtype:
            if dtype not in self.sweep.dtypes:
                raise ArgumentError(f"dtype={dtype!r} was not swept; choose one of {self.sweep.dtypes}")
            self.dtype = dtype
            if h is not None:
                self.h = self._snap(h)
            self._draw()
        elif h is not None:
            self.h = self._snap(h)
            self._line.set_xdata([self.h, self.h])
            self._dots.set_offsets(self._marks())
        self._refresh()

    def at_h(self) -> dict[str, dict[str, float]]:
        """Each scheme's estimate and error at the chosen step, and the model's truncation and rounding there.

        Example
        -------
        >>> import diffkit as dk
        >>> ex = dk.widgets.step_size("exp(x)", at={"x": 1.0}, schemes=["central"], dtypes=["float64"], h=1e-3)
        >>> v = ex.at_h()["central"]
        >>> f"{v['error']:.2e}", f"{v['truncation']:.2e}"  # e h^2 / 6: truncation dominates here
        ('4.53e-07', '4.53e-07')
        """
        i = self._index()
        out = {}
        for s in self.sweep.schemes:
            key = (s, self.dtype)
            trunc, rnd = self.sweep.theory()[key].terms(np.array([self.h]))
            out[s] = {"estimate": float(self.sweep.estimates[key][i]), "error": float(self.sweep.errors[key][i]),
                      "truncation": float(trunc[0]), "rounding": float(rnd[0])}
        return out

    def readout(self) -> str:
        """:meth:`at_h` as text (what the sliders show under the figure)."""
        lines = [f"h = {self.h:.2e} in {self.dtype} (exact derivative {self.sweep.reference[self.dtype]:.10g})"]
        for s, v in self.at_h().items():
            value = "no estimate (x + h == x)" if not np.isfinite(v["estimate"]) else (
                f"estimate {v['estimate']:.10g}, error {v['error']:.3g}")
            lines.append(f"{s:<8} {self.dtype}: {value} (model: truncation {v['truncation']:.2g} "
                         f"+ rounding {v['rounding']:.2g})")
        return "\n".join(lines)


def step_size(f: Any, at: Mapping[str, Any] | float, wrt: str | None = None,
              schemes: Sequence[str] = ("forward", "central"), dtypes: Sequence[str] = ("float64", "float32"),
              h: float = 1e-4) -> StepSizeExplorer:
    """A slider over the step size h of finite differences, redrawing the error-against-h figure.

    The figure is :func:`diffkit.plot.error_vs_h`'s panel for one precision, with the chosen step
    marked and each scheme's measured error there circled; below it, each estimate, its error, and
    the model's truncation and rounding terms at that step.

    Parameters
    ----------
    f, at, wrt, schemes
        As for :func:`diffkit.numeric.step_sweep`.
    dtypes : sequence of str
        Precisions to switch between (buttons).
    h : float
        The starting step.

    Returns
    -------
    StepSizeExplorer
        Shows the sliders in Jupyter (the static figure without ipywidgets).

    Example
    -------
    >>> import diffkit as dk
    >>> ex = dk.widgets.step_size("log(x1) + x1*x2 - sin(x2)", at={"x1": 2.0, "x2": 5.0}, wrt="x1")
    >>> ex.sweep.schemes, ex.sweep.dtypes, f"{ex.h:.0e}"
    (['forward', 'central'], ['float64', 'float32'], '1e-04')
    """
    from .numeric import step_sweep

    if not (isinstance(h, (int, float)) and 1e-16 <= h <= 1):
        raise ArgumentError(f"h={h!r}: the starting step must be a number between 1e-16 and 1")
    sweep = step_sweep(f, at=at, wrt=wrt, schemes=list(schemes), dtype=list(dtypes), h=np.logspace(-16, 0, 161))
    return StepSizeExplorer(sweep, h, sweep.dtypes[0])


class LearningRateExplorer(_Explorer):
    """Gradient descent on a line fit for one learning rate: its path on the loss contours and its loss.

    Attributes
    ----------
    path : GDPath
        The current run (``path.verdict``, ``path.outcome``).
    limit : float
        The largest stable learning rate, ``2 / λ_max`` of the loss's Hessian.
    figure : matplotlib.figure.Figure
    controls : dict
        ``{"lr": FloatLogSlider, "steps": IntSlider}`` (empty without ipywidgets).
    """

    def __init__(self, x: np.ndarray, y: np.ndarray, lr: float, steps: int, start: tuple[float, float]):
        self.x, self.y, self.start = x, y, start
        A = np.stack([x, np.ones_like(x)], axis=1)
        self.limit = float(2 / np.linalg.eigvalsh(2 / len(x) * A.T @ A).max())
        self.lr, self.steps = float(lr), int(steps)
        self._draw()
        self._build({
            "lr": lambda w: w.FloatLogSlider(value=self.lr, base=10, min=-4, max=math.log10(0.04), step=0.02,
                                             description="lr", readout_format=".4f", continuous_update=False),
            "steps": lambda w: w.IntSlider(value=self.steps, min=10, max=400, step=10, description="steps",
                                           continuous_update=False),
        })

    def _draw(self) -> None:
        from .plot._figure import MIN_FONT, new_figure, style
        from .plot.training import VERDICT_COLOURS, draw_landscape, draw_path, gd_paths, path_box

        (self.path,) = gd_paths(self.x, self.y, [self.lr], self.steps, self.start)
        with style():
            self.figure, (left, right) = new_figure(1, 2, height=3.6)
            box = path_box(self.x, self.y, self.start)
            draw_landscape(left, self.x, self.y, box)
            draw_path(left, self.path, box)
            left.set_xlabel("weight w")
            left.set_ylabel("bias b")
            left.set_title("path on the loss contours", fontsize=MIN_FONT + 1)
            losses = np.where(np.isfinite(self.path.losses), self.path.losses, np.nan)
            right.semilogy(np.arange(len(losses)), losses, color=VERDICT_COLOURS[self.path.verdict], lw=1.4)
            right.axhline(self.path.optimum, color="k", ls="--", lw=1, label="least-squares optimum")
            right.set_xlabel("step")
            right.set_ylabel("mean squared error")
            right.set_title("loss", fontsize=MIN_FONT + 1)
            right.legend(loc="upper center", bbox_to_anchor=(0.5, -0.22))
            self.figure.suptitle(f"lr = {self.lr:.4g}: {self.path.outcome}")

    def update(self, lr: float | None = None, steps: int | None = None) -> None:
        """Run again with another learning rate and/or number of steps, and redraw.

        Example
        -------
        >>> import diffkit as dk
        >>> ex = dk.widgets.learning_rate(lr=0.005)
        >>> ex.update(lr=0.031); ex.path.verdict
        'diverging'
        """
        if lr is not None:
            self.lr = float(lr)
        if steps is not None:
            self.steps = int(steps)
        self._draw()
        self._refresh()

    def readout(self) -> str:
        """What the run did, and where the stability limit is."""
        side = "below" if self.lr < self.limit else "above"
        return (f"lr = {self.lr:.4g}, {self.steps} steps: {self.path.outcome}\n"
                f"gradient descent is stable only below 2 / λ_max = {self.limit:.4g} (this lr is {side} it)")


def learning_rate(x: np.ndarray | None = None, y: np.ndarray | None = None, lr: float = 0.005, steps: int = 100,
                  start: tuple[float, float] = (0.0, 0.0)) -> LearningRateExplorer:
    """Sliders for the learning rate and the number of steps of gradient descent on ``y = w x + b``.

    The figure is :func:`diffkit.plot.lr_paths`'s panel for one run, beside its loss per step; the
    title says what the run measurably did (slow, good, oscillating, diverging).

    Parameters
    ----------
    x, y : arrays, optional
        The data (default :func:`diffkit.data.noisy_linear`).
    lr, steps, start
        The starting learning rate, number of steps and (w, b).

    Returns
    -------
    LearningRateExplorer
        Shows the sliders in Jupyter (the static figure without ipywidgets).

    Example
    -------
    >>> import diffkit as dk
    >>> ex = dk.widgets.learning_rate(lr=0.025)
    >>> ex.path.verdict, round(ex.limit, 4)
    ('good', 0.0298)
    """
    if x is None or y is None:
        from .data.datasets import noisy_linear

        x, y = noisy_linear()
    if not (isinstance(lr, (int, float)) and lr > 0) or not (isinstance(steps, int) and steps > 0):
        raise ArgumentError(f"lr={lr!r}, steps={steps!r}: the learning rate must be a positive number and "
                            "steps a positive integer")
    return LearningRateExplorer(np.asarray(x, dtype=float).ravel(), np.asarray(y, dtype=float).ravel(),
                                lr, steps, start)
