"""``diffkit tour``: every study on the built-in examples, written up as a small report.

The tour runs the lecture example through every method, the step-size study,
the swell study, the forward-vs-reverse cost study and a small training run,
prints a summary and writes a folder with the figures, ``index.html`` and
``report.md`` a student can open.

Example
-------
>>> from diffkit.tour import SECTIONS
>>> [s.title for s in SECTIONS][:2]
['1. One function, every method', '2. Forward and reverse mode, step by step']
"""

from __future__ import annotations

import html
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["run_tour", "TourReport", "Section", "SECTIONS", "NOTEBOOKS"]

#: The coursework notebooks the report points to, with what each teaches.
NOTEBOOKS = {
    "01_three_ways.ipynb": "the same function differentiated three ways, and where each fails",
    "02_step_size.ipynb": "truncation against rounding error; choosing h",
    "03_expression_swell.ipynb": "the logistic map, and why CSE and AD avoid swell",
    "04_forward_vs_reverse.ipynb": "traces, and Jacobians by n forward or m reverse passes",
    "05_computational_graphs.ipynb": "the primer's programs, depends_on / leads_to, backprop as messages",
    "06_autograd_tensors.ipynb": "requires_grad, backward, zero_grad, no_grad, a custom Function",
    "07_training.ipynb": "a cubic fit of sin(x), the learning-rate study, a digits MLP",
    "08_gradient_checking.ipynb": "checking a hand-written backprop and finding a planted bug",
    "09_convolution.ipynb": "the convolution's backward pass derived and checked three ways; a CNN on real digits",
}


@dataclass
class Part:
    """What a section produced: text blocks, tables and figures, in order."""

    kind: str  # "text", "table" or "figure"
    content: Any
    caption: str = ""


@dataclass
class Section:
    """One study of the tour: a title and a function that fills a list of parts."""

    title: str
    run: Callable[[Path], list[Part]]
    summary: list[str] = field(default_factory=list)


def _lecture_methods(out: Path) -> list[Part]:
    from . import compare, examples
    from .plot import graph

    f = examples.lecture()
    table = compare(f, at=examples.LECTURE_POINT)
    graph(f, at=examples.LECTURE_POINT, adjoints=True, save=out / "graph.png")
    return [
        Part("text", f"f(x1, x2) = {examples.LECTURE} at x1 = 2, x2 = 5, the lecture's example. "
                     "Every method below computes the gradient; errors are against the symbolic one."),
        Part("table", table.table()),
        Part("figure", "graph.png", "The computational graph with each node's value and adjoint."),
    ]


def _traces(out: Path) -> list[Part]:
    from . import examples
    from .ad import forward_trace, reverse_trace

    f = examples.lecture()
    return [
        Part("text", "Forward mode carries a tangent with every value (seeded with dx1 = 1); reverse mode "
                     "runs the program once, then sends adjoints back, summing them where a value fans out."),
        Part("table", forward_trace(f, at=examples.LECTURE_POINT, seed={"x1": 1.0, "x2": 0.0})),
        Part("table", reverse_trace(f, at=examples.LECTURE_POINT)),
    ]


def _step_size(out: Path) -> list[Part]:
    import numpy as np

    from . import examples
    from .numeric import step_sweep
    from .plot import error_vs_h

    sweep = step_sweep(examples.lecture(), at=examples.LECTURE_POINT, wrt="x1",
                       schemes=["forward", "central"], h=np.logspace(-16, 0, 161),
                       dtype=["float64", "float32"])
    error_vs_h(sweep, save=out / "error_vs_h.png")
    return [
        Part("text", "Finite differences trade truncation error (falls with h) against rounding error "
                     "(grows as h shrinks). The model predicts the best h; the sweep finds it."),
        Part("table", sweep.best()),
        Part("table", sweep.theory()),
        Part("figure", "error_vs_h.png", "Error of d f/d x1 against the step h, float64 and float32."),
    ]


def _swell(out: Path) -> list[Part]:
    from . import examples
    from .plot import swell as swell_plot
    from .symbolic import swell

    table = swell(examples.logistic_map, n=range(1, 9))
    swell_plot(table, save=out / "swell.png")
    return [
        Part("text", "The logistic map l_{n+1} = 4 l_n (1 - l_n): the symbolic derivative's tree grows "
                     "exponentially, while the CSE'd DAG and the AD trace grow linearly. The expanded "
                     "polynomial also loses all accuracy in float64."),
        Part("table", table),
        Part("figure", "swell.png", "Sizes of l_n and its derivative against n."),
    ]


def _op_counts(out: Path) -> list[Part]:
    from .compare.op_counts import op_count_study
    from .plot import op_counts

    study = op_count_study(ns=[1, 2, 4, 8, 16, 32], ms=[1, 2, 4, 8, 16, 32])
    op_counts(study, save=out / "op_counts.png")
    return [
        Part("text", "A full Jacobian of F: R^n -> R^m costs n forward passes or m reverse passes; "
                     "the counts below are what the engines spent."),
        Part("table", study),
        Part("figure", "op_counts.png", "Counted cost of a Jacobian by forward and reverse mode."),
    ]


def _training(out: Path) -> list[Part]:
    from . import data, nn, optim
    from .plot import loss_curve, lr_paths

    x, y = data.gaussian_classes(400, seed=0)
    loader = data.DataLoader(data.TensorDataset(x, y), batch_size=32, shuffle=True, seed=0)
    model = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 2))
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    history = nn.fit(model, loader, nn.CrossEntropyLoss(), opt, epochs=15, progress=False)
    loss_curve(history, save=out / "loss.png")
    lr_paths(save=out / "lr_paths.png")
    return [
        Part("text", f"A 2-16-2 network on two Gaussian classes, trained with SGD + momentum through "
                     f"diffkit's reverse mode: final training loss {history.history['loss'][-1]:.3g}."),
        Part("figure", "loss.png", "Training loss per epoch."),
        Part("figure", "lr_paths.png", "The lecture's learning-rate study: slow, good, oscillating, diverging."),
    ]


SECTIONS = [
    Section("1. One function, every method", _lecture_methods),
    Section("2. Forward and reverse mode, step by step", _traces),
    Section("3. Choosing the step size h", _step_size),
    Section("4. Expression swell", _swell),
    Section("5. Forward against reverse: what a Jacobian costs", _op_counts),
    Section("6. Training with the reverse-mode engine", _training),
]


@dataclass
class TourReport:
    """Where the tour wrote its report, and which sections failed (if any)."""

    folder: Path
    seconds: float
    failed: dict[str, str]

    @property
    def index(self) -> Path:
        return self.folder / "index.html"


def _notebook_links(folder: Path) -> list[tuple[str, str]]:
    repo = Path(__file__).resolve().parents[1] / "notebooks"
    links = []
    for name, what in NOTEBOOKS.items():
        target = repo / name
        href = target.as_uri() if target.exists() else f"notebooks/{name}"
        links.append((href, f"{name}: {what}"))
    return links


def _write(folder: Path, done: list[tuple[Section, list[Part] | str]], seconds: float) -> None:
    md = ["# diffkit tour", "", f"Symbolic, numeric and automatic differentiation side by side "
          f"(written in {seconds:.0f} s).", ""]
    body = ["<h1>diffkit tour</h1>", f"<p>Symbolic, numeric and automatic differentiation side by side "
            f"(written in {seconds:.0f} s).</p>"]
    for section, parts in done:
        md += [f"## {section.title}", ""]
        body.append(f"<h2>{html.escape(section.title)}</h2>")
        if isinstance(parts, str):
            md += ["This section failed:", "", "```", parts, "```", ""]
            body.append(f"<p>This section failed:</p><pre>{html.escape(parts)}</pre>")
            continue
        for part in parts:
            if part.kind == "text":
                md += [part.content, ""]
                body.append(f"<p>{html.escape(part.content)}</p>")
            elif part.kind == "table":
                md += [part.content.to_markdown(), ""]
                body.append(part.content.to_html())
            else:
                md += [f"![{part.caption}]({part.content})", "", f"*{part.caption}*", ""]
                body.append(f'<figure><img src="{part.content}" style="max-width:100%">'
                            f"<figcaption>{html.escape(part.caption)}</figcaption></figure>")
    md += ["## Go further: the notebooks", ""]
    body.append("<h2>Go further: the notebooks</h2><ul>")
    for href, text in _notebook_links(folder):
        md.append(f"- [{text}]({href})")
        body.append(f'<li><a href="{href}">{html.escape(text)}</a></li>')
    body.append("</ul>")
    (folder / "report.md").write_text("\n".join(md) + "\n", encoding="utf-8")
    style = ("body{font-family:sans-serif;max-width:1100px;margin:2em auto;line-height:1.4}"
             "table.diffkit{border-collapse:collapse;font-size:0.85em;margin:1em 0}"
             "table.diffkit td,table.diffkit th{border-bottom:1px solid #ddd;padding:3px 8px}"
             "caption{font-weight:bold;text-align:left;padding:4px 0}")
    (folder / "index.html").write_text(
        f"<!doctype html><html><head><meta charset='utf-8'><title>diffkit tour</title>"
        f"<style>{style}</style></head><body>{''.join(body)}</body></html>\n", encoding="utf-8")


def run_tour(folder: str | Path = "diffkit-tour", progress: bool = True, sections=None,
             echo: Callable[[str], None] = print) -> TourReport:
    """Run every study and write ``index.html``, ``report.md`` and the figures into ``folder``.

    Parameters
    ----------
    folder : path
        Created if needed.
    progress : bool
        Show a progress bar over the sections.
    sections : list of Section, optional
        Which studies to run (default :data:`SECTIONS`).
    echo : callable
        Where the printed summary goes.

    Returns
    -------
    TourReport
    """
    from tqdm.auto import tqdm

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    sections = SECTIONS if sections is None else sections
    t0 = time.perf_counter()
    done: list[tuple[Section, list[Part] | str]] = []
    failed: dict[str, str] = {}
    bar = tqdm(sections, desc="diffkit tour", unit="study", disable=not progress, leave=False)
    for section in bar:
        bar.set_postfix_str(section.title.split(". ", 1)[-1][:30])
        try:
            parts = section.run(folder)
        except Exception:
            failed[section.title] = traceback.format_exc(limit=3)
            done.append((section, failed[section.title]))
            continue
        done.append((section, parts))
    seconds = time.perf_counter() - t0
    _write(folder, done, seconds)
    for section, parts in done:
        if isinstance(parts, str):
            echo(f"{section.title}: FAILED\n{parts}")
            continue
        echo(f"\n{section.title}")
        for part in parts:
            if part.kind == "table":
                echo(str(part.content))
    echo(f"\nReport: {(folder / 'index.html').resolve()} (and report.md), {seconds:.0f} s")
    return TourReport(folder, seconds, failed)
