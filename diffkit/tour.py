"""``diffkit tour``: every study on the built-in examples, written up as a small report.

The tour runs one function through every method, the step-size study, the
swell study, the forward-vs-reverse cost study and a small training run,
prints a summary and writes a folder with the figures (PNG, and SVG at full
size), ``index.html``, ``report.md`` and a copy of the coursework notebooks a
student can open.

Example
-------
>>> from diffkit.tour import SECTIONS
>>> [s.title for s in SECTIONS][:2]
['1. One function, every method', '2. Forward and reverse mode, step by step']
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .tour_report import Formula, Part, copy_notebooks, html_page, markdown_page, terminal

__all__ = ["run_tour", "TourReport", "Section", "SECTIONS", "NOTEBOOKS", "Part"]

#: The coursework notebooks the report points to, with what each teaches.
NOTEBOOKS = {
    "01_three_ways.ipynb": "the same function differentiated three ways, and where each fails",
    "02_step_size.ipynb": "truncation against rounding error; choosing h",
    "03_expression_swell.ipynb": "the logistic map, and why CSE and AD avoid swell",
    "04_forward_vs_reverse.ipynb": "traces, and Jacobians by n forward or m reverse passes",
    "05_computational_graphs.ipynb": "a program's graph, depends_on / leads_to, backprop as messages",
    "06_autograd_tensors.ipynb": "requires_grad, backward, zero_grad, no_grad, a custom Function",
    "07_training.ipynb": "a cubic fit of sin(x), the learning-rate study, a digits MLP",
    "08_gradient_checking.ipynb": "checking a hand-written backprop and finding a planted bug",
    "09_convolution.ipynb": "the convolution's backward pass derived and checked three ways; a CNN on real digits",
}
#: Every figure is saved twice: PNG for the page, SVG for the full-size link.
FIGURE_FORMATS = ("png", "svg")
EXAMPLE = "f(x1, x2) = ln x1 + x1·x2 − sin x2 at (x1, x2) = (2, 5)"


@dataclass
class Section:
    """One study of the tour: a title and a function that fills a list of parts."""

    title: str
    run: Callable[[Path], list[Part]]
    summary: list[str] = field(default_factory=list)


def _save(fig: Any, out: Path, stem: str) -> str:
    for ext in FIGURE_FORMATS:
        fig.savefig(out / f"{stem}.{ext}", dpi=200)
    return stem


def _restyled(table: Any, notes: list[str] | None = None, digits: int | None = None) -> Any:
    """The same table with other notes (the tour explains in its own words), numbers to ``digits`` figures."""
    from .table import Table, fmt

    formatter = table.formatter if digits is None else (lambda v: fmt(v, digits))
    return Table(table.columns, table.rows, title=table.title, notes=notes or [], formatter=formatter)


def _timed_comparison(f_make: Callable[[], Any], at: dict, repeats: int = 3) -> Any:
    """The comparison table with the first call's time and the best of ``repeats`` later calls apart.

    A method's first call pays one-time costs (SymPy building and caching the derivative, NumPy
    warming up); the later calls show what the method itself costs.
    """
    from . import compare
    from .table import Table

    first = compare(f_make(), at=at)
    warm = [compare(f_make(), at=at) for _ in range(repeats)]
    table = first.table()
    j = table.columns.index("time ms")
    rows = []
    for row in table.rows:
        label = row[0]
        best = min(c[label].seconds for c in warm)
        rows.append(row[:j] + [float(f"{first[label].seconds * 1e3:.3g}"), float(f"{best * 1e3:.3g}")] + row[j + 1:])
    columns = table.columns[:j] + ["first call ms", f"warm ms (best of {repeats})"] + table.columns[j + 1:]
    notes = table.notes + ["first call: includes one-time costs (SymPy differentiating and caching, compiling "
                           f"the derivative); warm: the best of {repeats} later runs on a fresh copy of f"]
    return Table(columns, rows, title=table.title, notes=notes, formatter=table.formatter)


def _one_function(out: Path) -> list[Part]:
    from . import examples
    from .plot import graph

    table = _timed_comparison(examples.lecture, examples.LECTURE_POINT)
    fig = graph(examples.lecture(), at=examples.LECTURE_POINT, adjoints=True)
    return [
        Part("text", f"The running example is {EXAMPLE}. Every method below computes its gradient "
                     "(exactly 1/x1 + x2 = 5.5 and x1 − cos x2 ≈ 1.7163); errors are measured against "
                     "the symbolic one."),
        Part("table", table),
        Part("figure", _save(fig, out, "graph"),
             "The computational graph of f with each node's value and adjoint v̄ = ∂f/∂v."),
    ]


def _traces(out: Path) -> list[Part]:
    from . import examples
    from .ad import forward_trace, reverse_trace

    f = examples.lecture()
    return [
        Part("text", "Forward mode carries a tangent with every value (seeded with ẋ1 = 1, ẋ2 = 0, so the "
                     "tangents are ∂/∂x1); reverse mode runs the program once, then sends adjoints back, "
                     "summing them where a value fans out."),
        Part("table", forward_trace(f, at=examples.LECTURE_POINT, seed={"x1": 1.0, "x2": 0.0})),
        Part("table", _restyled(reverse_trace(f, at=examples.LECTURE_POINT),
                                     ["Adjoint rows are listed in the order the backward sweep runs them: "
                                      "from the output back to the inputs."])),
    ]


def _abs(inner: str) -> str:
    """|inner| in MathML: the bars as fences of their own row, so they hug what they enclose."""
    return f"<mrow><mo>|</mo>{inner}<mo>|</mo></mrow>"


_THIN = '<mspace width="0.17em"/>'
_F = "<mi>f</mi><mo>(</mo><mi>x</mi><mo>)</mo>"
_DF = ("<msup><mi>f</mi><mrow><mo>(</mo><mi>k</mi><mo>+</mo><mi>p</mi><mo>)</mo></mrow></msup>"
       "<mo>(</mo><mi>x</mi><mo>)</mo>")
_ROUNDING = (f"<mi>ε</mi>{_THIN}{_abs(_F)}<munder><mo>∑</mo><mi>i</mi></munder>"
             f"{_abs('<msub><mi>w</mi><mi>i</mi></msub>')}")
#: The step-size model and its optimum, typeset three ways.
MODEL = Formula(
    "E(h) = |C|·|f⁽ᵏ⁺ᵖ⁾(x)|·hᵖ + ε·|f(x)|·Σᵢ|wᵢ| / hᵏ",
    r"E(h) = |C|\,\bigl|f^{(k+p)}(x)\bigr|\,h^{p} + \frac{\varepsilon\,|f(x)|\,\sum_i |w_i|}{h^{k}}",
    f"<mrow><mi>E</mi><mo>(</mo><mi>h</mi><mo>)</mo><mo>=</mo>{_abs('<mi>C</mi>')}{_THIN}{_abs(_DF)}"
    f"<msup><mi>h</mi><mi>p</mi></msup><mo>+</mo><mfrac><mrow>{_ROUNDING}</mrow>"
    "<msup><mi>h</mi><mi>k</mi></msup></mfrac></mrow>")
OPTIMUM = Formula(
    "h* = ( k·ε·|f(x)|·Σᵢ|wᵢ| / (p·|C|·|f⁽ᵏ⁺ᵖ⁾(x)|) )^(1/(k+p))",
    r"h^{*} = \left(\frac{k\,\varepsilon\,|f(x)|\,\sum_i |w_i|}{p\,|C|\,|f^{(k+p)}(x)|}\right)^{1/(k+p)}",
    # written on one line (a slash, not a built-up fraction): big brackets and roots need a math font
    f"<mrow><msup><mi>h</mi><mo>*</mo></msup><mo>=</mo><msup><mrow><mo>(</mo><mi>k</mi>{_ROUNDING}"
    f"<mo>/</mo><mo>(</mo><mi>p</mi>{_abs('<mi>C</mi>')}{_THIN}{_abs(_DF)}<mo>)</mo><mo>)</mo></mrow>"
    "<mrow><mn>1</mn><mo>/</mo><mo>(</mo><mi>k</mi><mo>+</mo><mi>p</mi><mo>)</mo></mrow></msup></mrow>")


def _symbols(schemes: list[str], dtypes: list[str]) -> list[tuple[str, str]]:
    """What every symbol of the model means, with the values of the schemes and dtypes shown."""
    from .numeric.stencils import default_accuracy, stencil
    from .numeric.theory import machine_eps

    st = {s: stencil(s, 1, default_accuracy(s)) for s in schemes}

    def each(what: Callable[[Any], str]) -> str:
        return ", ".join(f"{s} {what(v)}" for s, v in st.items())

    def weights(v: Any) -> str:
        return "(" + ", ".join(str(w) for w in v.weights) + ")"

    return [
        ("h", "the step."),
        ("k", "the order of the derivative being estimated (here 1: a first derivative)."),
        ("p", "the scheme's order of accuracy: its truncation error shrinks like h^p "
              f"({each(lambda v: v.error_order)})."),
        ("C", f"the scheme's error constant, the coefficient of its leading truncation term "
              f"({each(lambda v: v.error_coefficient)})."),
        ("f⁽ᵏ⁺ᵖ⁾(x)", "the (k+p)-th derivative of f at the point, which that truncation term multiplies."),
        ("ε", "machine epsilon, the relative rounding error of one evaluation of f ("
              + ", ".join(f"{d} {machine_eps(d):.2g}" for d in dtypes) + ")."),
        ("wᵢ", f"the scheme's weights, the multipliers of f(x + oᵢh) in the difference ({each(weights)}): "
               "each evaluation's rounding error is multiplied by its weight, so they add up to at most "
               "ε·|f(x)|·Σᵢ|wᵢ|, and dividing by hᵏ magnifies them."),
        ("h*", "where E(h) is smallest: E'(h) = 0."),
    ]


def _step_size(out: Path) -> list[Part]:
    import numpy as np

    from . import examples
    from .numeric import step_sweep
    from .plot import error_vs_h

    schemes, dtypes = ["forward", "central"], ["float64", "float32"]
    sweep = step_sweep(examples.lecture(), at=examples.LECTURE_POINT, wrt="x1", schemes=schemes,
                       h=np.logspace(-16, 0, 161), dtype=dtypes)
    fig = error_vs_h(sweep)
    return [
        Part("text", "Finite differences trade truncation error (the formula's, which falls as h shrinks) "
                     "against rounding error (the arithmetic's, which grows as h shrinks). The sweep measures "
                     "the error of ∂f/∂x1 for every step; a model of both errors predicts the best step:"),
        Part("formula", MODEL),
        Part("formula", OPTIMUM),
        Part("items", _symbols(schemes, dtypes)),
        Part("table", _restyled(sweep.best(), sweep.best().notes, digits=3)),
        Part("table", _restyled(sweep.theory(), digits=3)),
        Part("figure", _save(fig, out, "error_vs_h"),
             "Error of ∂f/∂x1 against the step h, in float64 and float32."),
    ]


def _swell(out: Path) -> list[Part]:
    from . import examples
    from .plot import swell as swell_plot
    from .symbolic import swell

    table = swell(examples.logistic_map, n=range(1, 9))
    fig = swell_plot(table)
    return [
        Part("text", "The logistic map l₁ = x, lₙ₊₁ = 4 lₙ (1 − lₙ) uses lₙ twice per step. Written out as a "
                     "tree, the symbolic derivative grows exponentially with n, while the derivative with "
                     "common subexpressions shared (a DAG) and the AD trace grow linearly. The expanded "
                     "polynomial also loses every correct digit in float64."),
        Part("table", table),
        Part("figure", _save(fig, out, "swell"), "Sizes of lₙ and its derivative against n, and the digits "
                                                 "each form of the derivative gets right."),
    ]


def _ratio_grid(study: Any) -> Any:
    """The study as an n x m grid of forward / reverse op ratios, to 3 significant figures."""
    from .table import Table, fmt

    ns = sorted({r["n"] for r in study})
    ms = sorted({r["m"] for r in study})
    ratio = {(r["n"], r["m"]): r["ratio"] for r in study}
    return Table(["n \\ m"] + [str(m) for m in ms], [[n] + [ratio.get((n, m)) for m in ms] for n in ns],
                 title="forward-mode ops / reverse-mode ops for the full Jacobian (n inputs, m outputs)",
                 notes=["above 1: reverse mode is cheaper (few outputs); below 1: forward mode is "
                        "(few inputs). Every count: dk.op_count_study()"],
                 formatter=lambda v: fmt(v, 3))


def _op_counts(out: Path) -> list[Part]:
    from .compare.op_counts import op_count_study
    from .plot import op_counts

    study = op_count_study(ns=[1, 2, 4, 8, 16, 32], ms=[1, 2, 4, 8, 16, 32])
    fig = op_counts(study)
    return [
        Part("text", "A full Jacobian of F: ℝⁿ → ℝᵐ costs n forward passes (one per input) or m reverse "
                     "passes (one per output); the ratios below come from the operations the engines "
                     "counted as they ran."),
        Part("table", _ratio_grid(study)),
        Part("figure", _save(fig, out, "op_counts"), "Counted cost of a Jacobian by forward and reverse mode."),
    ]


def _training(out: Path) -> list[Part]:
    from . import data, manual_seed, nn, optim
    from .plot import loss_curve, lr_paths

    x, y = data.gaussian_classes(400, seed=0)
    x_train, x_test, y_train, y_test = data.train_test_split(x, y, seed=0)
    train = data.DataLoader(data.TensorDataset(x_train, y_train), batch_size=32, shuffle=True, seed=0)
    test = data.DataLoader(data.TensorDataset(x_test, y_test), batch_size=200)
    manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 2))
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    history = nn.fit(model, train, nn.CrossEntropyLoss(), opt, epochs=15, progress=False, eval_loader=test,
                     metrics={"accuracy": nn.accuracy})
    loss_fig = loss_curve(history, loss="cross-entropy")
    lr_fig = lr_paths()
    h = history.history
    return [
        Part("text", f"A 2-16-2 network (tanh) classifies points from two Gaussian blobs, trained for "
                     f"{len(history)} epochs with SGD and momentum through diffkit's reverse mode: final "
                     f"cross-entropy {h['loss'][-1]:.3g} on the training points and {h['val_loss'][-1]:.3g} "
                     f"on held-out points, which it classifies with {h['val_accuracy'][-1]:.1%} accuracy."),
        Part("figure", _save(loss_fig, out, "loss"), "Cross-entropy loss and accuracy per epoch."),
        Part("text", "Learning rate decides whether gradient descent works: on the mean squared error of a "
                     "straight-line fit, each panel runs 100 steps from (w, b) = (0, 0) and says what the "
                     "run measurably did."),
        Part("figure", _save(lr_fig, out, "lr_paths"),
             "Gradient-descent paths on the loss contours: too slow, right, oscillating, diverging."),
    ]


SECTIONS = [
    Section("1. One function, every method", _one_function),
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
    present = copy_notebooks(list(NOTEBOOKS), folder / "notebooks")
    return [(f"notebooks/{name}", f"{name}: {NOTEBOOKS[name]}") for name in present]


def run_tour(folder: str | Path = "diffkit-tour", progress: bool = True, sections=None,
             echo: Callable[[str], None] = print) -> TourReport:
    """Run every study and write ``index.html``, ``report.md``, the figures and the notebooks into ``folder``.

    Notebooks already in ``folder/notebooks`` are kept as they are (they may hold a student's answers).

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

    Example
    -------
    >>> import tempfile
    >>> from diffkit.tour import run_tour
    >>> report = run_tour(tempfile.mkdtemp(), progress=False, sections=[], echo=lambda s: None)
    >>> report.index.exists(), report.failed
    (True, {})
    """
    from tqdm.auto import tqdm

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    sections = SECTIONS if sections is None else sections
    t0 = time.perf_counter()
    done: list[tuple[str, list[Part] | str]] = []
    failed: dict[str, str] = {}
    bar = tqdm(sections, desc="diffkit tour", unit="study", disable=not progress, leave=False)
    for section in bar:
        bar.set_postfix_str(section.title.split(". ", 1)[-1][:30])
        try:
            done.append((section.title, section.run(folder)))
        except Exception:
            failed[section.title] = traceback.format_exc(limit=3)
            done.append((section.title, failed[section.title]))
    seconds = time.perf_counter() - t0
    links = _notebook_links(folder)
    title = "diffkit tour"
    intro = (f"Symbolic, numeric and automatic differentiation side by side, on {EXAMPLE} and other "
             f"built-in examples (written in {seconds:.0f} s). Click a figure for its full-size version.")
    (folder / "report.md").write_text(markdown_page(title, intro, done, links), encoding="utf-8")
    (folder / "index.html").write_text(html_page(title, intro, done, links), encoding="utf-8")
    for name, parts in done:
        if isinstance(parts, str):
            echo(f"\n{name}: FAILED\n{parts}")
        else:
            echo(f"\n{name}\n{terminal(parts)}")
    if links:
        echo(f"\nNotebooks to go further: {(folder / 'notebooks').resolve()}")
    echo(f"\nReport: {(folder / 'index.html').resolve()} (and report.md), {seconds:.0f} s")
    return TourReport(folder, seconds, failed)
