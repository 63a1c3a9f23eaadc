"""The tour (the main job): every study runs and the report has every figure."""

import re

import pytest

from diffkit.tour import NOTEBOOKS, SECTIONS, run_tour

FIGURES = ["graph.png", "error_vs_h.png", "swell.png", "op_counts.png", "loss.png", "lr_paths.png"]


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("tour")
    lines = []
    rep = run_tour(out, progress=False, echo=lines.append)
    return rep, out, "\n".join(lines)


def test_every_section_ran(report):
    rep, _, printed = report
    assert rep.failed == {}
    for section in SECTIONS:
        assert section.title in printed
    assert "Report:" in printed and "index.html" in printed


def test_report_has_every_figure(report):
    _, out, _ = report
    html = (out / "index.html").read_text()
    md = (out / "report.md").read_text()
    for name in FIGURES:
        assert (out / name).stat().st_size > 10_000, name
        assert f'src="{name}"' in html and f"({name})" in md
    assert html.count("<table") >= 6


def test_report_numbers(report):
    _, out, _ = report
    md = (out / "report.md").read_text()
    assert "| reverse | AD | 11.65207146 | [5.5, 1.716337815] | 0 | 0 |" in md
    assert re.search(r"v̄_0 .*\| 1\.716", md) or "1.716" in md


def test_report_links_the_notebooks(report):
    _, out, _ = report
    html = (out / "index.html").read_text()
    for name in NOTEBOOKS:
        assert name in html


def test_failing_section_is_reported_not_fatal(tmp_path):
    from diffkit.tour import Section

    def boom(out):
        raise RuntimeError("kaput")

    rep = run_tour(tmp_path, progress=False, sections=[Section("X. broken", boom)], echo=lambda s: None)
    assert "X. broken" in rep.failed and "kaput" in (tmp_path / "report.md").read_text()


def test_cli_tour_exit_status(tmp_path, monkeypatch):
    import diffkit.tour as tour
    from diffkit.cli import main

    monkeypatch.setattr(tour, "SECTIONS", [])
    assert main(["tour", "-o", str(tmp_path / "t"), "-q"]) == 0
    assert (tmp_path / "t" / "index.html").exists()
