"""The coursework notebooks: their structure, and every one executed top to bottom.

Each notebook runs in a fresh kernel of *this* interpreter (a kernel spec is
written to a temporary folder pointing at ``sys.executable``, with this
checkout first on ``PYTHONPATH``), so the test exercises the code in the tree
whatever kernels the machine has registered.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FOLDER = ROOT / "notebooks"
NAMES = sorted(p.name for p in FOLDER.glob("*.ipynb"))
#: Seconds allowed per cell (each notebook is meant to run in well under a minute).
CELL_TIMEOUT = 120

FIGURE_CALL = re.compile(r"\bdk\.plot\.\w+\(|\bplt\.(show|subplots|figure)\(|\.plot\(")


def _load(name: str) -> dict:
    return json.loads((FOLDER / name).read_text(encoding="utf-8"))


def _source(cell: dict) -> str:
    src = cell["source"]
    return "".join(src) if isinstance(src, list) else src


def test_the_nine_notebooks_exist_and_match_the_tour():
    from diffkit.tour import NOTEBOOKS

    assert NAMES == sorted(NOTEBOOKS), "notebooks/ and diffkit.tour.NOTEBOOKS must list the same files"
    assert len(NAMES) == 9


@pytest.mark.parametrize("name", NAMES)
def test_notebook_is_stored_without_outputs(name):
    nb = _load(name)
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [], f"{name} cell {i} has stored outputs: strip them"
            assert cell["execution_count"] is None, f"{name} cell {i} has an execution count: strip it"


@pytest.mark.parametrize("name", NAMES)
def test_notebook_teaches_shows_and_checks(name):
    cells = _load(name)["cells"]
    first = cells[0]
    assert first["cell_type"] == "markdown"
    assert "learning goals" in _source(first).lower(), f"{name} must open with its learning goals"
    code = [_source(c) for c in cells if c["cell_type"] == "code"]
    assert any(FIGURE_CALL.search(src) for src in code), f"{name} draws no figure"
    # a check cell: a code cell with an assert that follows an exercise's text
    checks, in_exercise = 0, False
    for cell in cells:
        src = _source(cell)
        if cell["cell_type"] == "markdown":
            in_exercise = in_exercise or bool(re.search(r"^#+ Exercise \d", src, re.M))
        elif in_exercise and re.search(r"^\s*assert\b", src, re.M):
            checks += 1
    assert checks >= 2, f"{name} has {checks} exercise check cells; at least two are needed"


@pytest.fixture(scope="module")
def kernel_dirs(tmp_path_factory) -> list[str]:
    """A kernel spec named python3 that runs this interpreter with this checkout importable."""
    base = tmp_path_factory.mktemp("kernels")
    spec = base / "python3"
    spec.mkdir()
    path = os.pathsep.join([str(ROOT)] + [p for p in [os.environ.get("PYTHONPATH")] if p])
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (diffkit tests)",
        "language": "python",
        "env": {"PYTHONPATH": path, "MPLBACKEND": "Agg"},
    }))
    return [str(base)]


@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs_top_to_bottom(name, kernel_dirs):
    import nbformat
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient

    nb = nbformat.read(FOLDER / name, as_version=4)
    km = KernelManager(kernel_name="python3", kernel_spec_manager=KernelSpecManager(kernel_dirs=kernel_dirs))
    client = NotebookClient(nb, km=km, timeout=CELL_TIMEOUT, kernel_name="python3",
                            resources={"metadata": {"path": str(FOLDER)}})
    client.execute()  # raises CellExecutionError, naming the cell, if any cell fails

    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    assert any("image/png" in o.get("data", {}) for o in outputs), f"{name} displayed no figure"
    checks = [c for c in nb.cells if "check" in c.metadata.get("tags", [])]
    assert len(checks) >= 2
    for c in checks:
        printed = "".join(o.get("text", "") for o in c.outputs if o.get("output_type") == "stream")
        assert "correct" in printed, f"{name}: a check cell ran but did not confirm: {printed!r}"
