"""The coursework notebooks: their structure, their exercises, and every one executed top to bottom.

Each notebook runs in a fresh kernel of *this* interpreter (a kernel spec is written to a temporary
folder pointing at ``sys.executable``, with this checkout first on ``PYTHONPATH``), so the test
exercises the code in the tree whatever kernels the machine has registered. Each exercise runs twice
in that one kernel: its stub as the student finds it, whose check must fail with a helpful
``AnswerError``, then the reference solution from ``notebooks/solutions/``, whose check must pass.
"""

from __future__ import annotations

import copy
import json
import os
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FOLDER = ROOT / "notebooks"
SOLUTIONS = FOLDER / "solutions"
NAMES = sorted(p.name for p in FOLDER.glob("*.ipynb"))
#: Seconds allowed per cell (each notebook is meant to run in well under a minute).
CELL_TIMEOUT = 120

FIGURE_CALL = re.compile(r"\bdk\.(plot|widgets)\.\w+\(|\bplt\.(show|subplots|figure)\(|\.plot\(")


def _load(name: str) -> dict:
    return json.loads((FOLDER / name).read_text(encoding="utf-8"))


def _source(cell: dict) -> str:
    src = cell["source"]
    return "".join(src) if isinstance(src, list) else src


def _role(cell: dict) -> str | None:
    return cell.get("metadata", {}).get("diffkit", {}).get("role")


def _exercises(cells: list) -> list[tuple[int, int]]:
    """(exercise number, index of its answer cell), in order."""
    return [(c["metadata"]["diffkit"]["exercise"], i) for i, c in enumerate(cells) if _role(c) == "answer"]


def _solutions(name: str) -> dict[int, str]:
    text = (SOLUTIONS / name.replace(".ipynb", ".py")).read_text(encoding="utf-8")
    blocks = re.split(r"^# %% Exercise (\d+)\b.*$", text, flags=re.M)
    return {int(n): body.strip("\n") for n, body in zip(blocks[1::2], blocks[2::2])}


def _builder():
    sys.path.insert(0, str(FOLDER))
    try:
        import make_notebooks
    finally:
        sys.path.remove(str(FOLDER))
    return make_notebooks


def test_the_notebooks_exist_and_match_the_tour():
    from diffkit.tour import NOTEBOOKS

    assert NAMES == sorted(NOTEBOOKS), "notebooks/ and diffkit.tour.NOTEBOOKS must list the same files"
    assert len(NAMES) >= 8


def test_notebooks_and_solutions_are_what_make_notebooks_writes():
    """The stored files are the builder's output: edit the nb*.py modules and rerun make_notebooks.py."""
    mk = _builder()
    assert sorted(mk.NOTEBOOKS) == NAMES
    for name, entry in mk.NOTEBOOKS.items():
        cells = mk.cells(entry)
        built = mk.build(name, cells)
        stored = _load(name)
        assert [(c["cell_type"], c["source"], c["metadata"]) for c in built.cells] == [
            (c["cell_type"], _source(c), c["metadata"]) for c in stored["cells"]], f"{name} is stale: rerun it"
        assert (SOLUTIONS / name.replace(".ipynb", ".py")).read_text(encoding="utf-8") == mk.solutions(name, cells)


def test_builder_keeps_the_helpers_notebook_modules_use(tmp_path, monkeypatch):
    import inspect

    mk = _builder()
    # a notebook module written against the helpers registers with one line: its name, or its cells
    (tmp_path / "nb99_demo.py").write_text("from make_notebooks import md\nNB99 = [md('# 99. Demo')]\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert mk.cells("nb99_demo")[0]["source"] == "# 99. Demo"
    assert mk.cells([mk.md("# x")])[0]["source"] == "# x"
    assert list(inspect.signature(mk.exercise).parameters)[:5] == ["number", "title", "text", "solution", "check"]
    cells = mk.exercise(9, "t", "store it in `answer`", "answer = 42", "check.equal('answer', answer, 42)")
    assert [c["cell_type"] for c in cells] == ["markdown", "code", "code"]
    assert cells[1]["source"].endswith("answer = ...") and "42" not in cells[1]["source"]
    assert cells[2]["source"].startswith("# Check (run me)\ncheck.answered(answer=answer)")
    assert mk.md("# x")["cell_type"] == "markdown" and mk.code("1")["cell_type"] == "code"


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
    assert cells[0]["cell_type"] == "markdown"
    assert "learning goals" in _source(cells[0]).lower(), f"{name} must open with its learning goals"
    code = [_source(c) for c in cells if c["cell_type"] == "code"]
    assert any(FIGURE_CALL.search(src) for src in code), f"{name} draws no figure"
    exercises = _exercises(cells)
    assert len(exercises) >= 2, f"{name} has {len(exercises)} exercises; at least two are needed"
    for number, i in exercises:
        question, answer, checker = cells[i - 1], cells[i], cells[i + 1]
        assert re.match(rf"### Exercise {number}: ", _source(question))
        assert "..." in _source(answer), f"{name} exercise {number}: the answer cell must be a stub to fill in"
        assert _role(checker) == "check" and "check" in checker["metadata"]["tags"]
        src = _source(checker)
        assert "check.passed(" in src and "check.answered(" in src
        assert not re.search(r"^\s*assert\b", src, re.M), f"{name} exercise {number}: use diffkit.exercises, " \
            "whose failures say what was expected, what came and why"


@pytest.mark.parametrize("name", NAMES)
def test_reference_solutions_live_apart(name):
    cells = _load(name)["cells"]
    solutions = _solutions(name)
    numbers = [n for n, _ in _exercises(cells)]
    assert sorted(solutions) == numbers, f"{name}: solutions/ has {sorted(solutions)}, the notebook {numbers}"
    code = "\n".join(_source(c) for c in cells if c["cell_type"] == "code")
    for number, i in _exercises(cells):
        stub = _source(cells[i])
        answers = re.findall(r"^(\w+) = \.\.\.$", stub, re.M)
        for line in solutions[number].splitlines():
            m = re.match(r"^(\w+) = (.+)$", line)
            if m and m.group(1) in answers:
                assert line not in code, f"{name} exercise {number}: its answer {line!r} is in the notebook"


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


def _with_stubs_then_solutions(nb, solutions: dict[int, str]):
    """Each exercise as: the stub, its check (expected to fail), the reference solution, its check again."""
    cells = []
    for i, cell in enumerate(nb.cells):
        if _role(nb.cells[i - 1]) == "answer" and _role(cell) == "check":
            failing = copy.deepcopy(cell)
            failing.metadata["run"] = "stub check"
            solved = copy.deepcopy(nb.cells[i - 1])
            solved.source = solutions[solved.metadata["diffkit"]["exercise"]]
            cells += [failing, solved, cell]
        else:
            cells.append(cell)
    nb.cells = cells
    return nb


def _errors(cell) -> list:
    return [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]


@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs_with_solutions_and_each_stub_fails_helpfully(name, kernel_dirs):
    import nbformat
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient

    nb = _with_stubs_then_solutions(nbformat.read(FOLDER / name, as_version=4), _solutions(name))
    km = KernelManager(kernel_name="python3", kernel_spec_manager=KernelSpecManager(kernel_dirs=kernel_dirs))
    client = NotebookClient(nb, km=km, timeout=CELL_TIMEOUT, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(FOLDER)}})
    client.execute()

    stub_checks = [c for c in nb.cells if c.metadata.get("run") == "stub check"]
    assert len(stub_checks) == len(_exercises(_load(name)["cells"]))
    for cell in nb.cells:
        if cell.metadata.get("run") == "stub check":
            (err,) = _errors(cell)
            assert err["ename"] == "AnswerError", f"{name}: a stub's check failed unhelpfully: {err['ename']}"
            msg = err["evalue"]
            assert "still the stub `...`: replace" in msg or ("expected:" in msg and "got:" in msg), msg
            assert not any("exercises.py" in line for line in err["traceback"]), "only the student's cell is shown"
        elif cell.cell_type == "code":
            assert not _errors(cell), f"{name}: cell failed: {cell.source[:80]!r}\n{_errors(cell)[0]['evalue']}"
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert any("image/png" in o.get("data", {}) for o in outputs), f"{name} displayed no figure"
    checks = [c for c in nb.cells if "check" in c.metadata.get("tags", []) and not c.metadata.get("run")]
    assert len(checks) >= 2
    for c in checks:
        printed = "".join(o.get("text", "") for o in c.outputs if o.get("output_type") == "stream")
        assert printed.startswith("correct!"), f"{name}: a check cell ran but did not confirm: {printed!r}"
    for c in nb.cells:
        if "dk.widgets." in c.source:  # the sliders (ipywidgets is a test dependency) or the static figure
            kinds = {k for o in c.outputs for k in o.get("data", {})}
            assert "application/vnd.jupyter.widget-view+json" in kinds or "image/png" in kinds, kinds


def test_widgets_are_used_in_the_step_size_and_training_notebooks():
    for name, call in (("02_step_size.ipynb", "dk.widgets.step_size("),
                       ("07_training.ipynb", "dk.widgets.learning_rate(")):
        assert any(call in _source(c) for c in _load(name)["cells"] if c["cell_type"] == "code"), name
