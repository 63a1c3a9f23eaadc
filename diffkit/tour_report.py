"""How the tour's report is written: the parts a section produces, as HTML, Markdown and terminal text.

A section of :mod:`diffkit.tour` returns a list of :class:`Part` (text,
tables, formulas, figures); this module renders them three ways. Formulas
carry three spellings (Unicode text for the terminal, LaTeX for Markdown,
MathML for the browser, which every current browser typesets without a
script or a network connection).

Example
-------
>>> from diffkit.tour_report import Formula, Part, terminal
>>> print(terminal([Part("formula", Formula("a² + b²", "a^2 + b^2", "<mi>a</mi>"))]))
    a² + b²
"""

from __future__ import annotations

import html
import shutil
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["Part", "Formula", "terminal", "markdown_page", "html_page", "copy_notebooks"]


@dataclass
class Formula:
    """One formula, spelled for a terminal (Unicode), for Markdown (LaTeX) and for a browser (MathML body)."""

    text: str
    latex: str
    mathml: str


@dataclass
class Part:
    """What a section produced, in order.

    ``kind`` is ``"text"`` (a paragraph), ``"items"`` (a list of ``(term, meaning)``),
    ``"formula"`` (a :class:`Formula`), ``"table"`` (a :class:`~diffkit.table.Table`)
    or ``"figure"`` (the stem of ``stem.png`` and ``stem.svg`` in the report folder).
    """

    kind: str
    content: Any
    caption: str = ""


def terminal(parts: list[Part], width: int = 100) -> str:
    """The parts as terminal text: paragraphs wrapped, tables aligned, formulas indented, figures named.

    Example
    -------
    >>> from diffkit.tour_report import Part, terminal
    >>> print(terminal([Part("figure", "loss", "Training loss.")]))
    [figure] Training loss. -> loss.png
    """
    out = []
    for part in parts:
        if part.kind == "text":
            out.append(textwrap.fill(part.content, width))
        elif part.kind == "items":
            out.extend(textwrap.fill(f"{term}: {meaning}", width, initial_indent="  ", subsequent_indent="    ")
                       for term, meaning in part.content)
        elif part.kind == "formula":
            out.append("    " + part.content.text)
        elif part.kind == "table":
            out.append(str(part.content))
        else:
            out.append(f"[figure] {part.caption} -> {part.content}.png")
    return "\n".join(out)


def _markdown(part: Part) -> list[str]:
    if part.kind == "text":
        return [part.content, ""]
    if part.kind == "items":
        return [f"- {term}: {meaning}" for term, meaning in part.content] + [""]
    if part.kind == "formula":
        return ["$$", part.content.latex, "$$", ""]
    if part.kind == "table":
        return [part.content.to_markdown(), ""]
    stem = part.content
    return [f"[![{part.caption}]({stem}.png)]({stem}.svg)", "", f"*{part.caption}* ([full size]({stem}.svg))", ""]


def _html(part: Part) -> str:
    if part.kind == "text":
        return f"<p>{html.escape(part.content)}</p>"
    if part.kind == "items":
        return "<dl>" + "".join(f"<dt>{html.escape(t)}</dt><dd>{html.escape(m)}</dd>" for t, m in part.content) \
            + "</dl>"
    if part.kind == "formula":
        return (f'<math display="block" alttext="{html.escape(part.content.text)}">'
                f"{part.content.mathml}</math>")
    if part.kind == "table":
        return f'<div class="scroll">{part.content.to_html()}</div>'
    stem, cap = part.content, html.escape(part.caption)
    return (f'<figure><a href="{stem}.svg"><img src="{stem}.png" alt="{cap}"></a>'
            f'<figcaption>{cap} <a href="{stem}.svg">Full size (SVG)</a></figcaption></figure>')


def _failure(trace: str) -> tuple[list[str], str]:
    return (["This section failed:", "", "```", trace, "```", ""],
            f"<p>This section failed:</p><pre>{html.escape(trace)}</pre>")


def markdown_page(title: str, intro: str, sections: list[tuple[str, list[Part] | str]],
                  links: list[tuple[str, str]]) -> str:
    """The report as Markdown (``report.md``); a failed section shows its traceback."""
    md = [f"# {title}", "", intro, ""]
    for name, parts in sections:
        md += [f"## {name}", ""]
        if isinstance(parts, str):
            md += _failure(parts)[0]
            continue
        for part in parts:
            md += _markdown(part)
    md += ["## Go further: the notebooks", ""]
    md += [f"- [{text}]({href})" for href, text in links] if links else [_NO_NOTEBOOKS]
    return "\n".join(md) + "\n"


#: Narrow windows scroll wide tables sideways instead of running off the page; figures fill the column
#: (they are drawn 6.5 in wide with 9 pt text, so at this width text never falls under 9 pt).
STYLE = """
body{font-family:system-ui,sans-serif;max-width:940px;margin:1.5em auto;padding:0 1em;line-height:1.45;color:#222}
h1{font-size:1.7em}h2{font-size:1.3em;margin-top:1.8em;border-bottom:1px solid #ddd}
.scroll{overflow-x:auto;margin:1em 0}
table.diffkit{border-collapse:collapse;font-size:0.85em}
table.diffkit td,table.diffkit th{border-bottom:1px solid #ddd;padding:3px 8px;white-space:nowrap}
table.diffkit code{font-family:ui-monospace,Menlo,Consolas,"DejaVu Sans Mono",monospace;font-size:1em}
caption{font-weight:bold;text-align:left;padding:4px 0}
figure{margin:1.2em 0}figure img{width:100%;height:auto;display:block}
figcaption{font-style:italic;margin-top:0.3em}
math{font-family:"STIX Two Math","Cambria Math","Latin Modern Math",math}
math[display=block]{font-size:1.2em;margin:0.8em 0}
dl{display:grid;grid-template-columns:max-content auto;gap:0.25em 1em}dt{font-weight:bold}dd{margin:0}
"""
_NO_NOTEBOOKS = "The notebooks were not found in this installation."


def html_page(title: str, intro: str, sections: list[tuple[str, list[Part] | str]],
              links: list[tuple[str, str]]) -> str:
    """The report as one HTML page (``index.html``), readable from 800 px wide."""
    body = [f"<h1>{html.escape(title)}</h1>", f"<p>{html.escape(intro)}</p>"]
    for name, parts in sections:
        body.append(f"<h2>{html.escape(name)}</h2>")
        if isinstance(parts, str):
            body.append(_failure(parts)[1])
            continue
        body.extend(_html(part) for part in parts)
    body.append("<h2>Go further: the notebooks</h2>")
    if links:
        body.append("<ul>" + "".join(f'<li><a href="{href}">{html.escape(text)}</a></li>' for href, text in links)
                    + "</ul>")
    else:
        body.append(f"<p>{_NO_NOTEBOOKS}</p>")
    return ("<!doctype html><html lang='en'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<title>{html.escape(title)}</title><style>{STYLE}</style></head><body>{''.join(body)}</body></html>\n")


def _shipped_notebooks() -> Path | None:
    """Where the coursework notebooks are: inside an installed package, or beside it in a checkout."""
    package = Path(__file__).resolve().parent
    for folder in (package / "notebooks", package.parent / "notebooks"):
        if any(folder.glob("*.ipynb")):
            return folder
    return None


def copy_notebooks(names: list[str], into: Path) -> list[str]:
    """Copy the named notebooks into ``into`` (never over a copy that is already there: it may hold a
    student's answers); return the names now present there.

    Example
    -------
    >>> import tempfile, pathlib
    >>> from diffkit.tour_report import copy_notebooks
    >>> copy_notebooks(["01_three_ways.ipynb"], pathlib.Path(tempfile.mkdtemp()))
    ['01_three_ways.ipynb']
    """
    source = _shipped_notebooks()
    if source is None:
        return []
    into.mkdir(parents=True, exist_ok=True)
    present = []
    for name in names:
        target = into / name
        if not target.exists() and (source / name).exists():
            shutil.copyfile(source / name, target)
        if target.exists():
            present.append(name)
    return present
