"""Checks of what a reader sees in a figure, measured on the drawn figure (shared by the plot, tour and
widget tests): text sizes at page width, legends and labels clear of the data, the palette."""

from __future__ import annotations

import numpy as np
from matplotlib.colors import to_hex
from matplotlib.legend import Legend
from matplotlib.lines import Line2D
from matplotlib.text import Text

from diffkit.plot._figure import MIN_FONT, PAGE_WIDTH, PALETTE


def drawn(fig):
    """Draw ``fig`` (so tick labels exist) and return its renderer."""
    fig.canvas.draw()
    return fig.canvas.get_renderer()


def visible_texts(fig) -> list[Text]:
    drawn(fig)
    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip() and t.get_figure() is not None
            and (t.axes is None or t.axes.get_visible())]


def smallest_font_at_page_width(fig) -> float:
    """The smallest text size (points) when the figure is scaled to PAGE_WIDTH inches wide."""
    scale = PAGE_WIDTH / fig.get_figwidth()
    return min(t.get_fontsize() for t in visible_texts(fig)) * scale


def data_points(ax) -> np.ndarray:
    """Display coordinates of every plotted vertex of the axes' lines (markers and line vertices)."""
    pts = []
    for line in ax.lines:
        if not line.get_visible() or len(line.get_xdata()) == 0:
            continue
        xy = np.column_stack([np.asarray(line.get_xdata(), float), np.asarray(line.get_ydata(), float)])
        xy = xy[np.all(np.isfinite(xy), axis=1)]
        if len(xy):
            pts.append(line.get_transform().transform(xy))
    return np.concatenate(pts) if pts else np.zeros((0, 2))


def data_axes(fig):
    return [ax for ax in fig.axes if ax.get_visible() and ax.axison and len(data_points(ax))]


def legends(fig) -> list[Legend]:
    found = list(fig.legends) + [ax.get_legend() for ax in fig.axes if ax.get_legend() is not None]
    return [lg for lg in found if lg.get_visible()]


def legend_overlaps(fig) -> list[str]:
    """Legends whose box overlaps the plotting area of any axes that shows data (should be none)."""
    renderer = drawn(fig)
    bad = []
    for lg in legends(fig):
        box = lg.get_window_extent(renderer)
        for ax in data_axes(fig):
            if box.overlaps(ax.get_window_extent(renderer)):
                bad.append(f"legend {[t.get_text() for t in lg.get_texts()][:3]} over axes {ax.get_title()!r}")
    return bad


def points_under(text: Text, ax) -> int:
    """How many of the axes' data points the text's box covers."""
    box = text.get_window_extent(drawn(text.get_figure()))
    pts = data_points(ax)
    inside = (pts[:, 0] >= box.x0) & (pts[:, 0] <= box.x1) & (pts[:, 1] >= box.y0) & (pts[:, 1] <= box.y1)
    return int(inside.sum())


def off_palette_colours(fig) -> set[str]:
    """Colours of data lines that are neither from the palette nor a grey (should be none)."""
    out = set()
    for ax in fig.axes:
        for line in ax.get_lines():
            if not isinstance(line, Line2D) or not len(line.get_xdata()):
                continue
            c = to_hex(line.get_color())
            r, g, b = int(c[1:3], 16), int(c[3:5], 16), int(c[5:7], 16)
            if c not in {p.lower() for p in PALETTE} and not (r == g == b):
                out.add(c)
    return out


def assert_house_style(fig) -> None:
    """Text >= MIN_FONT at page width, no legend over data, palette colours only."""
    assert fig.get_figwidth() >= PAGE_WIDTH - 1e-9
    assert smallest_font_at_page_width(fig) >= MIN_FONT - 1e-9, [
        (t.get_text()[:30], t.get_fontsize()) for t in visible_texts(fig) if t.get_fontsize() < MIN_FONT]
    assert legend_overlaps(fig) == []
    assert off_palette_colours(fig) == set()
