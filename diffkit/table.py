"""One small table type that every report in diffkit renders through.

Traces, comparison tables, swell tables and step sweeps are all rows of
values under named columns; :class:`Table` prints them aligned as text, as
Markdown, as HTML in Jupyter and as CSV, so each report only says *what* its
rows are.

Example
-------
>>> from diffkit.table import Table
>>> t = Table(["n", "size"], [[1, 3], [2, 11]], title="growth")
>>> print(t)
growth
n  size
-  ----
1     3
2    11
>>> print(t.to_markdown())
**growth**
<BLANKLINE>
| n | size |
|--:|-----:|
| 1 | 3 |
| 2 | 11 |
"""

from __future__ import annotations

import csv
import html
import io
import math
import numbers
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from .errors import ArgumentError

__all__ = ["Table", "fmt"]


def fmt(value: Any, digits: int = 6) -> str:
    """Format one cell: numbers compactly, ``None`` as blank, the rest with ``str``.

    Example
    -------
    >>> from diffkit.table import fmt
    >>> fmt(11.652071455223084), fmt(2.0), fmt(1.5e-17), fmt(None)
    ('11.6521', '2', '1.5e-17', '')
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        v = float(value)
        if math.isnan(v) or math.isinf(v):
            return str(v)
        if v == int(v) and abs(v) < 1e15:
            return str(int(v))
        return f"{v:.{digits}g}"
    if isinstance(value, numbers.Complex):
        return f"{complex(value):.{digits}g}"
    shape = getattr(value, "shape", None)
    if shape is not None:
        if shape == ():
            return fmt(value.item(), digits)
        size = getattr(value, "size", 0)
        if size <= 4:
            return "[" + ", ".join(fmt(v, digits) for v in value.ravel().tolist()) + "]"
        return f"array{tuple(shape)}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(fmt(v, digits) for v in value) + "]"
    return str(value)


def _width(text: str) -> int:
    """Columns ``text`` takes on screen: combining accents (the bar of v̄) take none."""
    return sum(not unicodedata.combining(ch) for ch in text)


def _csv_cell(v: Any) -> str:
    """Full precision for floats (round-trips through ``float()``), compact otherwise."""
    if isinstance(v, numbers.Real) and not isinstance(v, (bool, numbers.Integral)):
        return repr(float(v))
    return "" if v is None else fmt(v, 17)


class Table:
    """Rows of values under named columns, rendered as text, Markdown, HTML or CSV.

    Parameters
    ----------
    columns : sequence of str
        Column headers.
    rows : iterable of sequences
        One sequence of cell values per row (same length as ``columns``).
    title : str, optional
        A line printed above the table.
    notes : sequence of str, optional
        Lines printed below it (legends, caveats).
    formatter : callable, optional
        Turns one cell value into text (default :func:`fmt`).

    Example
    -------
    >>> from diffkit.table import Table
    >>> t = Table(["method", "error"], [["central", 1.2e-10]])
    >>> t.to_records()
    [{'method': 'central', 'error': 1.2e-10}]
    >>> t.column("error")
    [1.2e-10]
    """

    def __init__(
        self,
        columns: Sequence[str],
        rows: Iterable[Sequence[Any]],
        *,
        title: str | None = None,
        notes: Sequence[str] = (),
        formatter: Callable[[Any], str] = fmt,
    ):
        self.columns = list(columns)
        self.rows = [list(r) for r in rows]
        for r in self.rows:
            if len(r) != len(self.columns):
                raise ArgumentError(f"row {r!r} has {len(r)} cells for {len(self.columns)} columns")
        self.title = title
        self.notes = list(notes)
        self.formatter = formatter

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, i: int) -> dict[str, Any]:
        return dict(zip(self.columns, self.rows[i]))

    def __iter__(self):
        return (dict(zip(self.columns, r)) for r in self.rows)

    def column(self, name: str) -> list[Any]:
        """The values of one column, top to bottom."""
        j = self.columns.index(name)
        return [r[j] for r in self.rows]

    def to_records(self) -> list[dict[str, Any]]:
        """The rows as a list of dicts (column name to raw value)."""
        return list(self)

    def _cells(self) -> list[list[str]]:
        return [[self.formatter(v) for v in r] for r in self.rows]

    @staticmethod
    def _numeric(cell: str) -> bool:
        try:
            float(cell)
        except ValueError:
            return False
        return True

    def _right(self, cells: list[list[str]]) -> list[bool]:
        """Right-align a column when all of its non-blank cells are numbers."""
        return [
            all(self._numeric(r[j]) for r in cells if r[j]) and any(r[j] for r in cells)
            for j in range(len(self.columns))
        ]

    def __str__(self) -> str:
        cells = self._cells()
        right = self._right(cells)
        widths = [max([_width(c)] + [_width(r[j]) for r in cells]) for j, c in enumerate(self.columns)]

        def line(values):
            pads = [" " * (w - _width(v)) for v, w in zip(values, widths)]
            out = [p + v if rj else v + p for v, p, rj in zip(values, pads, right)]
            return "  ".join(out).rstrip()

        lines = [self.title] if self.title else []
        lines.append(line(self.columns))
        lines.append("  ".join("-" * w for w in widths))
        lines.extend(line(r) for r in cells)
        lines.extend(self.notes)
        return "\n".join(lines)

    def __repr__(self) -> str:
        return str(self)

    def to_text(self) -> str:
        """The aligned plain-text rendering (same as ``str(table)``)."""
        return str(self)

    def to_markdown(self) -> str:
        """A GitHub-flavoured Markdown table (title and notes as paragraphs)."""
        cells = self._cells()
        right = self._right(cells)
        esc = lambda s: s.replace("|", "\\|")  # noqa: E731
        lines = [f"**{self.title}**", ""] if self.title else []
        lines.append("| " + " | ".join(esc(c) for c in self.columns) + " |")
        lines.append("|" + "|".join(("-" * (len(c) + 1) + ":") if rj else ("-" * (len(c) + 2))
                                    for c, rj in zip(self.columns, right)) + "|")
        lines.extend("| " + " | ".join(esc(v) for v in r) + " |" for r in cells)
        if self.notes:
            lines.append("")
            lines.extend(self.notes)
        return "\n".join(lines)

    def to_html(self) -> str:
        """An HTML table (what Jupyter shows)."""
        cells = self._cells()
        right = self._right(cells)
        style = lambda rj: ' style="text-align:right"' if rj else ' style="text-align:left"'  # noqa: E731
        parts = ['<table class="diffkit">']
        if self.title:
            parts.append(f"<caption>{html.escape(self.title)}</caption>")
        parts.append("<thead><tr>" + "".join(
            f"<th{style(rj)}>{html.escape(c)}</th>" for c, rj in zip(self.columns, right)) + "</tr></thead>")
        parts.append("<tbody>")
        for r in cells:
            parts.append("<tr>" + "".join(
                f"<td{style(rj)}><code>{html.escape(v)}</code></td>" for v, rj in zip(r, right)) + "</tr>")
        parts.append("</tbody></table>")
        if self.notes:
            parts.append("".join(f"<p>{html.escape(n)}</p>" for n in self.notes))
        return "".join(parts)

    def _repr_html_(self) -> str:
        return self.to_html()

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def to_csv(self, path: str | None = None) -> str:
        """CSV text of the raw values (full precision); also written to ``path`` if given."""
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(self.columns)
        for r in self.rows:
            writer.writerow([_csv_cell(v) for v in r])
        text = buf.getvalue()
        if path is not None:
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(text)
        return text

    def render(self, format: str = "text") -> str:  # noqa: A002
        """Render as ``"text"``, ``"md"``/``"markdown"``, ``"html"`` or ``"csv"``."""
        renderers = {"text": self.to_text, "md": self.to_markdown, "markdown": self.to_markdown,
                     "html": self.to_html, "csv": self.to_csv}
        if format not in renderers:
            raise ArgumentError(f"unknown table format {format!r}; use one of {sorted(renderers)}")
        return renderers[format]()
