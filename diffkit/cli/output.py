"""What the ``diffkit`` command prints around a command's own output.

* :func:`emit` writes to standard output and survives a reader that goes away
  (``diffkit ... | head``): the rest of the output is dropped, no
  ``BrokenPipeError`` traceback, and the exit status stays the command's.
* :class:`Warnings` collects the warnings a command raises (NumPy's
  ``RuntimeWarning`` at a pole, diffkit's ``NumericWarning``) and summarises
  them in one line on standard error; ``--warnings`` lists each kind once,
  never with diffkit's source lines.
* :func:`error` prints the one line a failure gets.

Example
-------
>>> import warnings
>>> from diffkit.cli.output import Warnings
>>> with Warnings() as caught:
...     warnings.warn("divide by zero encountered in divide", RuntimeWarning)
>>> caught.summary()
'diffkit: note: 1 warning: RuntimeWarning: divide by zero encountered in divide (--warnings lists each)'
"""

from __future__ import annotations

import os
import sys
import warnings
from collections import Counter

from .arguments import printable

__all__ = ["emit", "error", "Warnings"]


def _silence_stdout() -> None:
    """Point standard output at /dev/null, so that nothing (not even the final flush) writes to the closed pipe."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # a captured stream without a file descriptor
        pass


def emit(text: str = "") -> None:
    """Print ``text`` to standard output; if the reader has gone (``| head``), stop printing quietly.

    Example
    -------
    >>> from diffkit.cli.output import emit
    >>> emit("v_1 = x^2")
    v_1 = x^2
    """
    try:
        print(text, flush=True)
    except BrokenPipeError:
        _silence_stdout()


def error(message: str) -> None:
    """Print ``diffkit: error: message`` on one line of standard error.

    Example
    -------
    >>> import contextlib, io
    >>> from diffkit.cli.output import error
    >>> err = io.StringIO()
    >>> with contextlib.redirect_stderr(err):
    ...     error("no value given for 'x'\\n    x^2")
    >>> err.getvalue()
    "diffkit: error: no value given for 'x'\\n"
    """
    lines = str(message).strip().splitlines() or [""]
    print(f"diffkit: error: {printable(lines[0])}", file=sys.stderr, flush=True)


class Warnings(warnings.catch_warnings):
    """Record the warnings of a command (each place once) instead of printing them as they come.

    Example
    -------
    >>> import warnings
    >>> from diffkit.cli.output import Warnings
    >>> with Warnings() as caught:
    ...     warnings.warn("overflow encountered in exp", RuntimeWarning)
    >>> caught.kinds()
    [('RuntimeWarning: overflow encountered in exp', 1)]
    """

    def __init__(self) -> None:
        super().__init__(record=True)

    def __enter__(self) -> Warnings:
        self.caught = super().__enter__()
        warnings.simplefilter("default")  # each warning once per place in the code, as Python shows them
        return self

    def kinds(self) -> list[tuple[str, int]]:
        """``("Category: message", count)`` for each distinct warning; diffkit's own warnings first."""
        counts = Counter((w.category, (str(w.message).strip().splitlines() or [""])[0]) for w in self.caught)
        order = sorted(counts.items(), key=lambda kv: (not kv[0][0].__module__.startswith("diffkit"), -kv[1]))
        return [(f"{category.__name__}: {message}", n) for (category, message), n in order]

    def summary(self) -> str | None:
        """One line saying how many warnings came, and the first kind; ``None`` when there were none."""
        kinds = self.kinds()
        if not kinds:
            return None
        n = len(self.caught)
        more = f" (and {len(kinds) - 1} other kind{'s' if len(kinds) > 2 else ''})" if len(kinds) > 1 else ""
        return (f"diffkit: note: {n} warning{'s' if n > 1 else ''}: {printable(kinds[0][0])}{more} "
                "(--warnings lists each)")

    def report(self, every: bool) -> None:
        """Print the summary line, or with ``every`` each kind of warning on a line of its own."""
        if every:
            for text, count in self.kinds():
                times = f" ({count} places)" if count > 1 else ""
                print(f"diffkit: warning: {printable(text)}{times}", file=sys.stderr)
        else:
            line = self.summary()
            if line:
                print(line, file=sys.stderr)
