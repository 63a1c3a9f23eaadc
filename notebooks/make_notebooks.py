"""Write the coursework notebooks, without outputs, and their reference solutions.

Each notebook's cells live in a module of their own (``nb01_three_ways.py``, ...), written with the
helpers below; :data:`NOTEBOOKS` lists them. Generating the notebooks keeps them consistent (learning
goals first, exercises last, no stored outputs, stable cell ids) and lets them diff cleanly. Edit the
text in the modules and rerun::

    python notebooks/make_notebooks.py

An exercise's answer cell is a stub for the student (``answer = ...``); its reference solution goes to
``solutions/<notebook>.py`` instead, and ``tests/test_notebooks.py`` runs every notebook with the
solutions substituted, and checks that every stub left as it is fails with a helpful message.
"""

from __future__ import annotations

import ast
import copy
import importlib
import re
import sys
import textwrap
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

# Run as a script, this module is __main__; the notebook modules import it by name: give them this one.
sys.modules.setdefault("make_notebooks", sys.modules[__name__])

HERE = Path(__file__).resolve().parent
SOLUTIONS = HERE / "solutions"

SETUP = """
%matplotlib inline
import numpy as np
import matplotlib.pyplot as plt
import diffkit as dk
from diffkit import exercises as check
"""

#: File name -> the module holding its cells (as ``CELLS``), or the list of cells itself.
NOTEBOOKS: dict[str, str | list] = {
    "01_three_ways.ipynb": "nb01_three_ways",
    "02_step_size.ipynb": "nb02_step_size",
    "03_expression_swell.ipynb": "nb03_expression_swell",
    "04_forward_vs_reverse.ipynb": "nb04_forward_vs_reverse",
    "05_computational_graphs.ipynb": "nb05_computational_graphs",
    "06_autograd_tensors.ipynb": "nb06_autograd_tensors",
    "07_training.ipynb": "nb07_training",
    "08_gradient_checking.ipynb": "nb08_gradient_checking",
    "09_convolution.ipynb": "nb09_convolution",
}


def md(text: str):
    """A Markdown cell (the text dedented)."""
    return new_markdown_cell(textwrap.dedent(text).strip("\n"))


def code(text: str):
    """A code cell (the text dedented)."""
    return new_code_cell(textwrap.dedent(text).strip("\n"))


def _defines(source: str) -> list[str]:
    """Names a piece of code binds at top level: assignments, functions, classes, in order."""
    names: list[str] = []
    for node in ast.parse(source).body:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(
            node, (ast.AnnAssign, ast.AugAssign)) else []
        for t in targets:
            names += [n.id for n in ast.walk(t) if isinstance(n, ast.Name)]
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.append(node.name)
    return list(dict.fromkeys(names))


def _emptied(node: ast.stmt) -> ast.stmt:
    """A function (or a class's methods) with ``...`` for a body: the signature stays, the work goes."""
    node = copy.deepcopy(node)
    if isinstance(node, ast.FunctionDef):
        node.body = [ast.Expr(ast.Constant(Ellipsis))]
    else:
        node.body = [_emptied(n) for n in node.body if isinstance(n, ast.FunctionDef)] or [
            ast.Expr(ast.Constant(Ellipsis))]
    return node


def _asked_for(text: str, check: str) -> set[str]:
    """Names the question shows in `code` spans, and names the check's code reads."""
    spans = " ".join(re.findall(r"`([^`]*)`", text))
    return set(re.findall(r"[A-Za-z_]\w*", spans)) | {
        n.id for n in ast.walk(ast.parse(check)) if isinstance(n, ast.Name)}


def stub_of(solution: str, text: str, check: str = "") -> str:
    """The answer cell a student starts from: ``name = ...`` for each name of the solution that the
    question shows (in backticks) or its check reads, and those functions and classes with empty bodies.

    Example
    -------
    >>> print(stub_of("a = 2\\nanswer = a + 1\\ndef f(x):\\n    return x", "store it in `answer`; write `f`"))
    answer = ...
    <BLANKLINE>
    def f(x):
        ...
    """
    mentioned = _asked_for(text, check)
    parts: list[str] = []
    for node in ast.parse(solution).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name in mentioned:
            parts += ([""] if parts else []) + [ast.unparse(_emptied(node)), ""]
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for name in [n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)]:
                line = f"{name} = ..."
                if name in mentioned and not name.startswith("_") and line not in parts:
                    parts.append(line)
    return "\n".join(parts).strip("\n")


def exercise(number: int, title: str, text: str, solution: str, check: str, stub: str | None = None) -> list:
    """An exercise: the question, an answer cell for the student, and a check cell.

    The answer cell holds ``stub`` (default: :func:`stub_of` the solution); the reference ``solution``
    stays out of the notebook (:func:`build` writes it to ``solutions/``). The check cell first makes
    sure every name the stub defines has been answered, then runs ``check``, which should use
    ``diffkit.exercises`` (imported as ``check`` by :data:`SETUP`) so that a wrong answer says what was
    expected, what came, the tolerance and a hint, and end with ``check.passed(...)``.
    """
    text, solution, check = (textwrap.dedent(s).strip("\n") for s in (text, solution, check))
    stub = textwrap.dedent(stub).strip("\n") if stub is not None else stub_of(solution, text, check)
    names = _defines(stub)
    answer = code(f"# Exercise {number}: your answer (replace each ...)\n{stub}")
    answer.metadata["diffkit"] = {"exercise": number, "role": "answer"}
    answer["_solution"] = (title, solution)  # taken out again by build()
    first = f"check.answered({', '.join(f'{n}={n}' for n in names)})\n" if names else ""
    checker = code(f"# Check (run me)\n{first}{check}")
    checker.metadata["tags"] = ["check"]
    checker.metadata["diffkit"] = {"exercise": number, "role": "check"}
    return [md(f"### Exercise {number}: {title}\n\n{text}\n\n*Write your answer in the cell below, "
               "replacing each `...`, run it, then run the check under it.*"), answer, checker]


def cells(entry: str | list) -> list:
    """The cells of a :data:`NOTEBOOKS` entry: a list of cells, or a module name (its ``CELLS``, or its one
    ``NBxx`` list)."""
    if not isinstance(entry, str):
        return entry
    if str(HERE) not in sys.path:
        sys.path.insert(0, str(HERE))
    module = importlib.import_module(entry)
    if hasattr(module, "CELLS"):
        return module.CELLS
    (found,) = [v for k, v in vars(module).items() if re.fullmatch(r"NB\d+", k)]
    return found


def build(name: str, cell_list: list) -> nbformat.NotebookNode:
    """A notebook with stable cell ids, no outputs, no solutions and the python3 kernel."""
    nb = new_notebook(metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"},
    })
    stem = name.split("_", 1)[0]
    for i, cell in enumerate(cell_list):
        cell = nbformat.from_dict({k: copy.deepcopy(v) for k, v in cell.items() if k != "_solution"})
        cell["id"] = f"nb{stem}-{i:02d}"
        if cell["cell_type"] == "code" and cell["source"].startswith("# Check"):
            cell["metadata"].setdefault("tags", ["check"])
        nb.cells.append(cell)
    nbformat.validate(nb)
    return nb


def solutions(name: str, cell_list: list) -> str:
    """The reference solutions of one notebook, one ``# %% Exercise N`` block each."""
    out = [f'"""Reference solutions of notebooks/{name} (generated by make_notebooks.py: edit them there).',
           "", "Each block replaces the answer cell of its exercise; tests/test_notebooks.py runs the notebook",
           'with them and checks that every check cell then passes."""', ""]
    for cell in cell_list:
        if "_solution" in cell:
            title, solution = cell["_solution"]
            out += [f"# %% Exercise {cell['metadata']['diffkit']['exercise']}: {title}", solution, ""]
    return "\n".join(out)


def main() -> None:
    SOLUTIONS.mkdir(exist_ok=True)
    for name, entry in NOTEBOOKS.items():
        cell_list = cells(entry)
        nbformat.write(build(name, cell_list), HERE / name)
        (SOLUTIONS / name.replace(".ipynb", ".py")).write_text(solutions(name, cell_list), encoding="utf-8")
        print("wrote", HERE / name, "and its solutions")


if __name__ == "__main__":
    main()
