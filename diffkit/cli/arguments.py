"""What the ``diffkit`` command reads from its arguments, checked before any work starts.

Points (``--at x1=2 x2=5``), ranges (``--n 1..10``), expressions (inline,
``@FILE`` or ``-f FILE``), the arrays of ``diffkit check`` (numbers, lists,
``.npy``/``.npz``/``.txt`` files) and output paths (``-o``). Each refusal is a
:class:`~diffkit.DiffkitError` whose message names the argument and says what
would be right; the command prints it on one line and exits with status 2.

Example
-------
>>> from diffkit.cli.arguments import parse_at, parse_arrays
>>> parse_at(["x1=2", "x2=5"])
{'x1': 2.0, 'x2': 5.0}
>>> parse_arrays(["W=[[1, 2], [3, 4]]", "b=0.5"])["W"].shape
(2, 2)
"""

from __future__ import annotations

import ast
import math
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..errors import DiffkitError

__all__ = ["parse_at", "parse_range", "parse_arrays", "read_expression", "echo_text", "printable",
           "figure_path", "report_folder", "FIGURE_SUFFIXES", "MAX_ENTRIES"]

#: The figure formats ``-o`` writes (matplotlib picks the format from the suffix).
FIGURE_SUFFIXES = (".png", ".svg", ".pdf")

#: The largest point ``diffkit check`` builds (8 bytes an entry: 1 GiB).
MAX_ENTRIES = 2**27


def parse_at(items: Sequence[str]) -> dict[str, float]:
    """``["x1=2", "x2=5"]`` -> ``{"x1": 2.0, "x2": 5.0}``, refusing anything else.

    Pairs may also be joined by commas (``x=1,y=2``). Values must be finite.

    Example
    -------
    >>> from diffkit.cli import parse_at
    >>> parse_at(["x=1", "y=-2.5"])
    {'x': 1.0, 'y': -2.5}
    >>> parse_at(["x=1,y=2"])
    {'x': 1.0, 'y': 2.0}
    """
    out: dict[str, float] = {}
    for item in items:
        for part in item.split(","):
            if not part.strip():
                continue
            name, sep, value = part.partition("=")
            name = name.strip()
            if not sep or not name:
                raise DiffkitError(f"--at expects NAME=VALUE pairs such as x=1.5, got {printable(part)!r}")
            try:
                number = float(value)
            except ValueError:
                raise DiffkitError(f"--at {printable(part)!r}: {printable(value)!r} is not a number") from None
            if not math.isfinite(number):
                raise DiffkitError(f"--at {printable(part)!r}: the point must be finite")
            if name in out:
                raise DiffkitError(f"--at gives {printable(name)!r} twice")
            out[name] = number
    return out


def parse_range(text: str, limit: int = 10_000) -> range:
    """``"1..10"`` -> ``range(1, 11)`` (inclusive); ``"5"`` -> ``range(1, 6)``.

    Example
    -------
    >>> from diffkit.cli import parse_range
    >>> list(parse_range("2..4"))
    [2, 3, 4]
    """
    try:
        if ".." in text:
            a, b = text.split("..", 1)
            lo, hi = int(a), int(b)
        else:
            lo, hi = 1, int(text)
    except ValueError:
        raise DiffkitError(f"--n {printable(text)!r}: use a range such as 1..10") from None
    if lo < 1 or hi < lo:
        raise DiffkitError(f"--n {printable(text)!r}: need 1 <= start <= end")
    if hi - lo >= limit:
        raise DiffkitError(f"--n {text}: {hi - lo + 1} rows; at most {limit} in one run")
    return range(lo, hi + 1)


# ------------------------------------------------------------------------------ expressions

def read_expression(text: str | None, file: str | None) -> str | list[str]:
    """The expression a command works on: ``text``, or the contents of ``@FILE`` / ``-f FILE``.

    A file holding one line is one expression; several non-blank lines are a
    program (``name = expression`` statements). ``-`` reads standard input.
    Files lift the operating system's limit on the length of a command line.

    Example
    -------
    >>> from diffkit.cli.arguments import read_expression
    >>> read_expression("sin(x)", None)
    'sin(x)'
    """
    if text is not None and file is not None:
        raise DiffkitError("give the expression inline or with -f FILE, not both")
    if file is None and text is not None and text.startswith("@"):
        file = text[1:]
    if file is None:
        if text is None:
            raise DiffkitError("no expression: give one, e.g. \"sin(x)*y\", or -f FILE")
        return text
    import sys

    try:
        if file == "-":
            content = sys.stdin.read()
        else:
            with open(file, encoding="utf-8") as fh:
                content = fh.read(10_000_001)
    except (OSError, UnicodeDecodeError) as err:
        raise DiffkitError(f"can't read the expression file {printable(file)!r}: "
                           f"{getattr(err, 'strerror', None) or err}") from None
    lines = [line.strip() for line in content.splitlines() if line.strip()]
    if not lines:
        raise DiffkitError(f"the expression file {printable(file)!r} is empty")
    return lines[0] if len(lines) == 1 else lines


def printable(text: str) -> str:
    """``text`` with control characters (terminal escapes, ...) written as ``\\x1b`` escapes.

    Example
    -------
    >>> from diffkit.cli.arguments import printable
    >>> printable("x\\x1b[31m")
    'x\\\\x1b[31m'
    """
    return "".join(ch if ch.isprintable() or ch == " " else ch.encode("unicode_escape").decode("ascii")
                   for ch in str(text))


def echo_text(source: str | list[str]) -> str | list[str]:
    """What the command may echo of an expression: its code without ``#`` comments, and printable.

    Expressions hold no strings, so a ``#`` always starts a comment; comments
    are free text (HTML, terminal escapes) and never reach a title.

    Example
    -------
    >>> from diffkit.cli.arguments import echo_text
    >>> echo_text("x^2  # <img src=x>")
    'x^2'
    """
    if isinstance(source, list):
        return [echo_text(s) for s in source]
    return printable(" ".join(line.split("#", 1)[0].strip() for line in source.splitlines()).strip())


# ------------------------------------------------------------------------------ arrays for `check`

def _split_top(text: str) -> list[str]:
    """Split at commas outside brackets: ``"x=[1,2],y=3"`` -> ``["x=[1,2]", "y=3"]``."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in "[(":
            depth += 1
        elif ch in "])":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return [p.strip() for p in parts if p.strip()]


def _load_file(path: str, where: str) -> dict[str, np.ndarray] | np.ndarray:
    suffix = Path(path).suffix.lower()
    try:
        if suffix in (".npy", ".npz"):
            data = np.load(path, allow_pickle=False)
            if suffix == ".npz":
                with data:
                    return {k: np.asarray(data[k]) for k in data.files}
            return np.asarray(data)
        return np.loadtxt(path, delimiter="," if suffix == ".csv" else None, ndmin=1)
    except (OSError, ValueError, EOFError) as err:
        why = getattr(err, "strerror", None) or str(err).splitlines()[0]
        raise DiffkitError(f"{where}: can't read {printable(path)!r}: {printable(why)}") from None


def _as_floats(value: object, where: str) -> np.ndarray:
    try:
        arr = np.array(value, dtype=float)
    except (TypeError, ValueError):
        raise DiffkitError(f"{where}: not an array of numbers") from None
    if not np.all(np.isfinite(arr)):
        raise DiffkitError(f"{where}: the point must be finite (it holds nan or inf)")
    return arr


def _value(name: str, text: str) -> np.ndarray:
    where = f"--at {printable(name)}={printable(text)}"[:80]
    if Path(text).suffix.lower() in (".npy", ".npz", ".txt", ".csv"):
        data = _load_file(text, where)
        if isinstance(data, dict):
            if len(data) != 1:
                raise DiffkitError(f"{where}: the archive holds {', '.join(data) or 'nothing'}; give the file "
                                   "alone (--at FILE.npz) to use each array under its own name")
            data = next(iter(data.values()))
        return _as_floats(data, where)
    try:
        value = ast.literal_eval(text.strip())
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        raise DiffkitError(f"{where}: give a number, a list such as [1, 2, 3], or a .npy/.npz/.txt file") from None
    return _as_floats(value, where)


def parse_arrays(items: Sequence[str]) -> dict[str, np.ndarray]:
    """The named arrays of ``diffkit check --at``: ``NAME=1.5``, ``NAME=[1, 2]``, ``NAME=file.npy``, ``FILE.npz``.

    A bare ``.npz`` file contributes every array it holds, under its own
    name. Pairs may be joined by commas outside brackets (``x=1,y=[2,3]``).

    Example
    -------
    >>> from diffkit.cli.arguments import parse_arrays
    >>> {k: v.tolist() for k, v in parse_arrays(["x=[0.5, -1]", "s=2"]).items()}
    {'x': [0.5, -1.0], 's': 2.0}
    """
    out: dict[str, np.ndarray] = {}

    def put(name: str, arr: np.ndarray) -> None:
        if not name.isidentifier():
            raise DiffkitError(f"--at {printable(name)!r}: a name must be an identifier such as W1")
        if name in out:
            raise DiffkitError(f"--at gives {name!r} twice")
        out[name] = arr

    for item in items:
        for part in _split_top(item):
            name, sep, text = part.partition("=")
            if sep:
                put(name.strip(), _value(name.strip(), text))
            elif part.lower().endswith(".npz"):
                data = _load_file(part, f"--at {printable(part)}")
                if not data:
                    raise DiffkitError(f"--at {printable(part)}: the archive holds no arrays")
                for k, v in data.items():
                    put(k, _as_floats(v, f"--at {printable(part)}: array {k!r}"))
            else:
                raise DiffkitError(f"--at {printable(part)!r}: use NAME=VALUE (a number, a list such as "
                                   "x=[1,2,3], or a .npy file) or FILE.npz")
    total = sum(a.size for a in out.values())
    if total > MAX_ENTRIES:
        raise DiffkitError(f"--at: {total} entries is more than {MAX_ENTRIES} (1 GiB of float64)")
    return out


# ------------------------------------------------------------------------------ outputs

def _probe_folder(folder: Path, what: str) -> None:
    """Make ``folder`` (and its parents) and prove a file can be written there, or refuse."""
    for parent in (folder, *folder.parents):
        if parent.exists():
            if not parent.is_dir():
                raise DiffkitError(f"{what}: {printable(str(parent))} is a file, not a folder")
            break
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as err:
        raise DiffkitError(f"{what}: can't write into {printable(str(folder))} "
                           f"({err.strerror or type(err).__name__})") from None


def figure_path(text: str, option: str = "-o") -> Path:
    """Check a figure's output path before any work: a known suffix, not a folder, a writable place.

    Missing folders are created (as the figures' ``save=`` does).

    Example
    -------
    >>> from diffkit.cli.arguments import figure_path
    >>> try:
    ...     figure_path("out.jpg")
    ... except Exception as err:
    ...     print(err)
    -o out.jpg: use a .png, .svg or .pdf file name
    """
    path = Path(text)
    what = f"{option} {printable(text)}"
    if path.is_dir():
        raise DiffkitError(f"{what} is a folder; give a file name such as {printable(str(path / 'figure.png'))}")
    if path.suffix.lower() not in FIGURE_SUFFIXES:
        raise DiffkitError(f"{what}: use a .png, .svg or .pdf file name")
    _probe_folder(path.parent if str(path.parent) else Path("."), what)
    if path.exists() and not os.access(path, os.W_OK):
        raise DiffkitError(f"{what}: the file exists and can't be overwritten")
    return path


def report_folder(text: str, option: str = "-o") -> Path:
    """Check (and create) the folder a report is written into: not a file, writable.

    Example
    -------
    >>> import tempfile, pathlib
    >>> from diffkit.cli.arguments import report_folder
    >>> report_folder(str(pathlib.Path(tempfile.mkdtemp()) / "tour")).is_dir()
    True
    """
    path = Path(text)
    if path.exists() and not path.is_dir():
        raise DiffkitError(f"{option} {printable(text)} is a file; give a folder for the report")
    _probe_folder(path, f"{option} {printable(text)}")
    return path
