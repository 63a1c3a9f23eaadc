"""The tour (the main job): every study runs, and the report is one a student can read and click through."""

import html as htmllib
import os
import re
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from diffkit.tour import NOTEBOOKS, SECTIONS, run_tour

ROOT = Path(__file__).resolve().parents[1]
FIGURES = ["graph", "error_vs_h", "swell", "op_counts", "loss", "lr_paths"]


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("tour")
    lines = []
    rep = run_tour(out, progress=False, echo=lines.append)
    return rep, out, "\n".join(lines)


def _links(out: Path) -> list[str]:
    page = (out / "index.html").read_text()
    md = (out / "report.md").read_text()
    targets = re.findall(r'(?:href|src)="([^"]+)"', page) + re.findall(r"\]\(([^)\s]+)\)", md)
    return [htmllib.unescape(t) for t in targets]


def test_every_section_ran_and_prints_more_than_its_heading(report):
    rep, _, printed = report
    assert rep.failed == {}
    blocks = re.split(r"\n(?=\d\. )", printed)
    for section in SECTIONS:
        block = next(b for b in blocks if b.startswith(section.title))
        assert len(block.splitlines()) > 3, f"{section.title} printed only {block!r}"
    training = next(b for b in blocks if b.startswith("6."))
    assert "cross-entropy" in training and "lr_paths.png" in training
    assert "Report:" in printed and "index.html" in printed


def test_report_has_every_figure_at_page_width_with_a_full_size_link(report):
    from PIL import Image

    _, out, _ = report
    page = (out / "index.html").read_text()
    md = (out / "report.md").read_text()
    for stem in FIGURES:
        png, svg = out / f"{stem}.png", out / f"{stem}.svg"
        assert svg.read_text().startswith("<?xml")
        assert Image.open(png).size[0] == 1300  # every figure 6.5 in wide, at 200 dpi
        assert f'<a href="{stem}.svg"><img src="{stem}.png"' in page
        assert "[![" in md and f"]({stem}.png)]({stem}.svg)" in md
    # figures fill the text column (max 940 px): a 6.5 in figure is shown at least at its natural
    # 624 px, so 9 pt text stays 9 pt; wide tables scroll inside the column
    assert "figure img{width:100%" in page and "max-width:940px" in page
    assert page.count('<div class="scroll"><table') == page.count("<table") >= 7


def test_every_link_resolves(report):
    _, out, _ = report
    targets = _links(out)
    assert len([t for t in targets if t.startswith("notebooks/")]) == 2 * len(NOTEBOOKS)
    for target in targets:
        assert (out / target).is_file(), target


def test_report_numbers(report):
    _, out, printed = report
    md = (out / "report.md").read_text()
    assert "| reverse | AD | 11.65207146 | [5.5, 1.716337815] | 0 | 0 |" in md
    assert re.search(r"\| v̄_0 \| v̄_0 \+ v̄_2 ∂v_2/∂v_0 \| v̄_0 \+ v̄_2 \* v_-1 \| 1\.716 \|", md)
    header = next(line for line in printed.splitlines() if line.startswith("method "))
    assert "first call ms" in header and "warm ms (best of 3)" in header and "time ms" not in header


def test_jacobian_table_is_a_compact_grid_to_three_figures(report):
    from diffkit import op_count_study

    _, out, _ = report
    md = (out / "report.md").read_text()
    grid = md.split("forward-mode ops / reverse-mode ops")[1].split("\n\n", 2)[1].splitlines()
    assert grid[0] == r"| n \ m | 1 | 2 | 4 | 8 | 16 | 32 |" and len(grid) == 2 + 6
    study = {(r["n"], r["m"]): r["ratio"] for r in op_count_study(ns=[1, 2, 4, 8, 16, 32], ms=[1, 2, 4, 8, 16, 32])}
    for line in grid[2:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        n = int(cells[0])
        for m, cell in zip([1, 2, 4, 8, 16, 32], cells[1:]):
            assert len(re.sub(r"^0\.0*|\.|-", "", cell)) <= 3, cell  # at most 3 significant figures
            assert float(cell) == pytest.approx(study[n, m], rel=5e-3)


def test_step_size_model_is_typeset_and_every_symbol_defined(report):
    _, out, printed = report
    page = (out / "index.html").read_text()
    md = (out / "report.md").read_text()
    assert page.count('<math display="block"') == 2 and "<mfrac>" in page
    assert r"\frac{\varepsilon\,|f(x)|\,\sum_i |w_i|}{h^{k}}" in md and md.count("$$") == 4
    assert "E(h) = |C|·|f⁽ᵏ⁺ᵖ⁾(x)|·hᵖ + ε·|f(x)|·Σᵢ|wᵢ| / hᵏ" in printed
    defined = re.findall(r"<dt>(.*?)</dt>", page)
    assert defined == ["h", "k", "p", "C", "f⁽ᵏ⁺ᵖ⁾(x)", "ε", "wᵢ", "h*"]
    assert "E(h) = |C| |f^(k+p)|" not in page + md  # the old ASCII note with undefined symbols
    # the definitions carry the schemes' numbers, read from the stencils
    assert "forward 1/2, central 1/6" in page and "forward (-1, 1), central (-1/2, 1/2)" in page


def test_no_course_only_wording(report):
    _, out, printed = report
    for text in ((out / "index.html").read_text(), (out / "report.md").read_text(), printed):
        assert "lecture" not in text.lower()
    assert "f(x1, x2) = ln x1 + x1·x2 − sin x2 at (x1, x2) = (2, 5)" in printed


def _display_width(s: str) -> int:
    wcwidth = pytest.importorskip("wcwidth")
    return wcwidth.wcswidth(s)


def test_terminal_tables_align_by_display_width(report):
    """v̇ and v̄ carry combining accents: columns line up on screen, not by character count."""
    _, _, printed = report
    lines = printed.splitlines()
    for title in ("Forward mode trace", "Reverse mode trace"):
        start = next(i for i, line in enumerate(lines) if line.startswith(title))
        rule = lines[start + 2]
        body = []
        for ln in lines[start + 3:]:
            if not re.match(r"^(v|y|x|ẏ)\S*_?\S*\s", ln):
                break
            body.append(ln)
        assert len(body) >= 16 and any(unicodedata.combining(c) for ln in body for c in ln)
        for ln in body:
            # the value column is right-aligned: every row ends at the rule's end, on screen
            assert _display_width(ln) == len(rule), ln


def test_failing_section_is_reported_not_fatal(tmp_path):
    from diffkit.tour import Section

    def boom(out):
        raise RuntimeError("kaput")

    rep = run_tour(tmp_path, progress=False, sections=[Section("X. broken", boom)], echo=lambda s: None)
    assert "X. broken" in rep.failed and "kaput" in (tmp_path / "report.md").read_text()


def test_rerunning_keeps_a_students_notebooks(tmp_path):
    run_tour(tmp_path, progress=False, sections=[], echo=lambda s: None)
    mine = tmp_path / "notebooks" / "01_three_ways.ipynb"
    mine.write_text("my answers")
    run_tour(tmp_path, progress=False, sections=[], echo=lambda s: None)
    assert mine.read_text() == "my answers"


def test_cli_tour_exit_status(tmp_path, monkeypatch):
    import diffkit.tour as tour
    from diffkit.cli import main

    monkeypatch.setattr(tour, "SECTIONS", [])
    assert main(["tour", "-o", str(tmp_path / "t"), "-q"]) == 0
    assert (tmp_path / "t" / "index.html").exists()


@pytest.mark.slow
def test_links_resolve_in_an_installed_copy(tmp_path):
    """pip-install the package (not the checkout) and run the tour from an empty folder: the notebooks
    ship inside the package and land beside the report, so every link works there too."""
    src = tmp_path / "src"
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(".git", ".venv*", "build", "*.egg-info", "__pycache__",
                                                            "diffkit-tour", ".pytest_cache", ".ruff_cache"))
    site = tmp_path / "site"
    pip = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
           "--no-index", "--target", str(site), str(src)]
    subprocess.run(pip, check=True, capture_output=True, timeout=240)
    assert sorted(p.name for p in (site / "diffkit" / "notebooks").glob("*.ipynb")) == sorted(NOTEBOOKS)
    clean = tmp_path / "clean"
    clean.mkdir()
    code = ("import diffkit, diffkit.tour as t; print(diffkit.__file__); "
            "t.run_tour('out', progress=False, sections=[])")
    env = {**os.environ, "PYTHONPATH": str(site)}
    done = subprocess.run([sys.executable, "-c", code], cwd=clean, env=env, capture_output=True, text=True,
                          timeout=120, check=True)
    assert done.stdout.startswith(str(site))  # the installed copy ran, not this checkout
    targets = _links(clean / "out")
    assert len(targets) == 2 * len(NOTEBOOKS)
    for target in targets:
        assert (clean / "out" / target).is_file(), target
