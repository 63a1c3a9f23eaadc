"""Every code block of the README runs as written and shows what it says.

* The ``python`` blocks run in order, in one namespace, in a scratch folder.
  An untagged block right after a ``python`` block is its printed output and
  must match (``...`` stands for any text, whitespace is normalised, as in
  doctests). A statement ending in a comment that starts like a value
  (``# ('x1', 'x2')``, ``# 11.652...; arrays broadcast``) must have that value:
  the comment up to its first ``;`` or ``:`` is matched against the value's repr or str.
* The ``bash`` blocks' ``diffkit ...`` commands run in a fresh Python process
  (one for all of them, see ``cli_driver.py``; optional ``[...]`` parts
  dropped), each within a timeout, and must exit with status 0 and print no
  traceback. ``tour`` and ``swell`` (a minute or more) are left
  to their own tests; ``check`` runs against a ``mynet.py`` and ``w1.npy``
  written here, since the README's are the reader's own.
"""

import ast
import contextlib
import doctest
import io
import re
import textwrap
from pathlib import Path

import numpy as np
import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
_FENCE = re.compile(r"^```([\w-]*)\n(.*?)^```\s*$", re.S | re.M)
_VALUE = re.compile(r"^([\[({'\"\-\d]|tensor\(|array\(|Expr\(|True\b|False\b|None\b)")
_CHECK = doctest.OutputChecker()
_FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def blocks() -> list[tuple[str, str, int]]:
    """(language, code, line number) of every fenced block, in order."""
    text = README.read_text()
    return [(m.group(1), m.group(2), text.count("\n", 0, m.start()) + 2) for m in _FENCE.finditer(text)]


def _matches(shown: str, got: str) -> bool:
    return _CHECK.check_output(shown.strip() + "\n", got.strip() + "\n", _FLAGS)


def _comments(code: str) -> dict[int, str]:
    """Line number -> the comment at the end of that line."""
    import tokenize

    out = {}
    for tok in tokenize.generate_tokens(io.StringIO(code).readline):
        if tok.type == tokenize.COMMENT:
            out[tok.start[0]] = tok.string[1:].strip()
    return out


def _shown_value(comment: str) -> str | None:
    """The value a comment shows (``11.652...`` of ``11.652...; arrays broadcast``), if it shows one."""
    if not _VALUE.match(comment):
        return None
    depth, cut = 0, len(comment)
    for i, ch in enumerate(comment):  # the value ends at the first ';' or ':' outside brackets and quotes
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch in ";:" and depth == 0:
            cut = i
            break
    return comment[:cut].strip()


def _run_python(code: str, line: int, namespace: dict) -> str:
    """Run one block statement by statement; check values its comments show; return what it printed."""
    tree = ast.parse(code)
    comments = _comments(code)
    last_on_line = {}
    for stmt in tree.body:
        last_on_line[stmt.end_lineno] = stmt
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        for stmt in tree.body:
            where = f"README.md line {line + stmt.lineno - 1}"
            shown = _shown_value(comments.get(stmt.end_lineno, ""))
            if isinstance(stmt, ast.Expr) and shown is not None and last_on_line[stmt.end_lineno] is stmt:
                value = eval(compile(ast.Expression(stmt.value), where, "eval"), namespace)
                assert _matches(shown, repr(value)) or _matches(shown, str(value)), \
                    f"{where}: shows {shown!r} but gives {value!r}"
            else:
                exec(compile(ast.Module([stmt], []), where, "exec"), namespace)
    return out.getvalue()


def test_readme_python_blocks_run_and_show_what_they_say(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # blocks write files (model.npz)
    namespace: dict = {"__name__": "readme"}
    found = blocks()
    ran = 0
    for k, (lang, code, line) in enumerate(found):
        if lang != "python":
            continue
        printed = _run_python(code, line, namespace)
        ran += 1
        after = found[k + 1] if k + 1 < len(found) else None
        if after is not None and after[0] == "" and _follows(code, line, after[2]):
            assert _matches(after[1], printed), \
                f"README.md line {after[2]}: the output shown differs from what line {line}'s block prints:\n" \
                + printed
    assert ran >= 5


def _follows(code: str, line: int, next_line: int) -> bool:
    """Whether the next block starts right after this one (an output block, not a later example)."""
    text = README.read_text().splitlines()
    end = line - 1 + code.count("\n")  # 0-based index of the closing fence
    return all(not s.strip() for s in text[end + 1:next_line - 2])


# ---------------------------------------------------------------------------------------- bash blocks
_SLOW = ("tour", "swell")  # minutes of work: covered by their own tests
_MYNET = textwrap.dedent('''\
    import numpy as np
    def loss(p):
        x = p if isinstance(p, np.ndarray) else p["W1"].sum() + p["b1"]
        return float(np.sum(np.sin(x) ** 2))
    def grad(p):
        if isinstance(p, np.ndarray):
            return 2 * np.sin(p) * np.cos(p)
        s = p["W1"].sum() + p["b1"]
        g = 2 * np.sin(s) * np.cos(s)
        return {"W1": np.full_like(p["W1"], g.sum()), "b1": g}
''')


def commands() -> list[str]:
    out = []
    for lang, code, _ in blocks():
        if lang != "bash":
            continue
        for cmd in code.splitlines():
            cmd = re.sub(r"\s*#.*$", "", re.sub(r"\s*\[[^\]]*\|[^\]]*\]|\s*\[-[^\]]*\]", "", cmd)).strip()
            if cmd.startswith(("diffkit ", "python -m diffkit ")) and cmd.split()[1 if cmd[0] == "d" else 3] \
                    not in _SLOW:
                out.append(cmd)
    return out


def test_readme_commands_are_found():
    cmds = commands()
    assert any(c.startswith("diffkit compare") for c in cmds) and any(c.startswith("diffkit check") for c in cmds)
    assert any(c.startswith("diffkit eval") for c in cmds)  # eval is documented


def test_readme_commands_run(tmp_path):
    import shlex

    from cli_driver import run_commands

    (tmp_path / "mynet.py").write_text(_MYNET)
    np.save(tmp_path / "w1.npy", np.array([[0.1, 0.2], [0.3, -0.4]]))
    cmds = commands()
    argvs = [shlex.split(c)[1 if c.startswith("diffkit") else 3:] for c in cmds]
    for cmd, res in zip(cmds, run_commands(argvs, cwd=tmp_path)):
        assert res["status"] == 0 and "Traceback" not in res["stderr"], f"{cmd}: {res['status']}\n{res['stderr']}"
        assert res["stdout"].strip(), f"{cmd} printed nothing"


@pytest.mark.parametrize("comment, value", [
    ("('x1', 'x2')", "('x1', 'x2')"), ("11.652...; arrays broadcast", "11.652..."), ("True: it fell", "True"),
    ("every method: errors", None), ("tensor([[3., 4.]])", "tensor([[3., 4.]])")])
def test_which_comments_show_values(comment, value):
    assert _shown_value(comment) == value
