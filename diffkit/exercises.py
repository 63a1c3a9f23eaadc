"""Answer checks for the coursework notebooks: a wrong answer says what was expected, what came, the
tolerance, and a hint.

A notebook's check cell reads ``check.close("my_h_star", my_h_star, predicted, rtol=1e-6, hint=...)``
(with ``from diffkit import exercises as check``). A right answer passes silently and the cell ends
with :func:`passed`; a wrong one raises :class:`AnswerError`, an ``AssertionError`` whose message is
the whole story; an answer cell left as its stub (``answer = ...``) gets told so. Imported in IPython
or Jupyter, the module shows an :class:`AnswerError` as the student's cell and the message, without
its own frames.

Example
-------
>>> from diffkit import exercises as check
>>> check.close("h", 6.06e-06, 8.73e-06, rtol=1e-6, hint="solve E'(h) = 0 for h")
Traceback (most recent call last):
    ...
diffkit.exercises.AnswerError: h is not right yet.
  expected: 8.73e-06 (to a relative tolerance of 1e-06)
  got:      6.06e-06 (off by 31%)
  hint: solve E'(h) = 0 for h
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["AnswerError", "answered", "close", "equal", "that", "succeeds", "passed", "is_stub"]


class AnswerError(AssertionError):
    """A notebook exercise's answer is missing or wrong; the message says what was expected and why.

    Example
    -------
    >>> from diffkit.exercises import AnswerError
    >>> issubclass(AnswerError, AssertionError)
    True
    """


def _trivial(fn: Callable) -> bool:
    """A function whose body is only ``...``, ``pass`` and a docstring: a stub not filled in yet."""
    code = getattr(fn, "__code__", None)
    if code is None:
        return False
    empty = (lambda: None).__code__
    return code.co_code == empty.co_code and not code.co_names


def is_stub(value: Any) -> bool:
    """Whether ``value`` is still an exercise's stub: ``...``, or a function or class with empty bodies.

    Example
    -------
    >>> from diffkit.exercises import is_stub
    >>> def todo(p):
    ...     ...
    >>> is_stub(...), is_stub(todo), is_stub(lambda p: p), is_stub(0.0)
    (True, True, False, False)
    """
    if value is Ellipsis:
        return True
    if inspect.isclass(value):
        own = [v.__func__ if isinstance(v, (staticmethod, classmethod)) else v for v in vars(value).values()]
        methods = [v for v in own if inspect.isfunction(v)]
        return bool(methods) and all(_trivial(m) for m in methods)
    return inspect.isfunction(value) and _trivial(value)


def _show(v: Any) -> str:
    if isinstance(v, (float, np.floating)):
        return f"{float(v):.6g}"
    if isinstance(v, np.ndarray) or hasattr(v, "__array__") and not isinstance(v, (str, bytes, dict)):
        try:
            return np.array2string(np.asarray(v), precision=6, threshold=12)
        except (TypeError, ValueError):
            pass
    text = repr(v)
    return text if len(text) <= 120 else text[:117] + "..."


def _fail(name: str, expected: str, got: str, hint: str, extra: str = "") -> AnswerError:
    lines = [f"{name} is not right yet.", f"  expected: {expected}", f"  got:      {got}"]
    if extra:
        lines.append(f"  {extra}")
    if hint:
        lines.append(f"  hint: {hint}")
    return AnswerError("\n".join(lines))


def answered(**answers: Any) -> None:
    """Raise :class:`AnswerError` naming every answer still left as its stub (``...`` or an empty body).

    Example
    -------
    >>> from diffkit import exercises as check
    >>> check.answered(ratio=0.5, slope=...)
    Traceback (most recent call last):
        ...
    diffkit.exercises.AnswerError: slope is still the stub `...`: replace it in the exercise cell above ...
    """
    __tracebackhide__ = True
    missing = [n for n, v in answers.items() if is_stub(v)]
    if missing:
        names = ", ".join(missing)
        raise AnswerError(f"{names} {'is' if len(missing) == 1 else 'are'} still the stub `...`: replace "
                          f"{'it' if len(missing) == 1 else 'them'} in the exercise cell above with your answer, "
                          "run that cell, then run this check again.")


def close(name: str, got: Any, expected: Any, *, rtol: float = 1e-9, atol: float = 0.0, hint: str = "") -> None:
    """Check a number (or array) against ``expected``: ``|got - expected| <= atol + rtol |expected|``.

    Example
    -------
    >>> from diffkit import exercises as check
    >>> check.close("slope", 3.97, 4, atol=0.5)
    >>> check.close("grad", [1.0, 2.0], [1.0, 2.5], hint="d/dy of y^2 is 2y")
    Traceback (most recent call last):
        ...
    diffkit.exercises.AnswerError: grad is not right yet.
      expected: [1.0, 2.5] (to a relative tolerance of 1e-09)
      got:      [1.0, 2.0] (off by 0.5 at index (1,))
      hint: d/dy of y^2 is 2y
    """
    __tracebackhide__ = True
    answered(**{name: got})
    want = np.asarray(expected, dtype=float)
    try:
        have = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        raise _fail(name, f"a number like {_show(expected)}", f"{_show(got)} ({type(got).__name__})", hint) from None
    tol = " and ".join(t for t in (f"a relative tolerance of {rtol:g}" if rtol else "",
                                   f"an absolute tolerance of {atol:g}" if atol else "") if t) or "exactly"
    expected_text = f"{_show(expected if want.ndim else float(want))} ({'to ' + tol if tol != 'exactly' else tol})"
    if have.shape != want.shape:
        raise _fail(name, f"{expected_text}, shape {want.shape}", f"{_show(got)}, shape {have.shape}", hint)
    if np.allclose(have, want, rtol=rtol, atol=atol, equal_nan=False):
        return
    diff = np.abs(have - want)
    if want.ndim == 0:
        scale = abs(float(want))
        off = f"off by {diff / scale:.2g}" if scale and diff / scale < 0.01 else (
            f"off by {diff / scale:.0%}" if scale else f"off by {float(diff):.3g}")
        if not np.isfinite(have):
            off = "not a finite number"
        raise _fail(name, expected_text, f"{_show(float(have))} ({off})", hint)
    worst = np.unravel_index(int(np.nanargmax(np.where(np.isnan(diff), np.inf, diff))), diff.shape)
    where = tuple(int(i) for i in worst)
    raise _fail(name, expected_text, f"{_show(got)} (off by {diff[worst]:.3g} at index {where})", hint)


def equal(name: str, got: Any, expected: Any, *, hint: str = "") -> None:
    """Check an exact answer (a name, a count, a list, a dict).

    Example
    -------
    >>> from diffkit import exercises as check
    >>> check.equal("busiest", "xy", "xx", hint="count each variable's consumers in leads_to")
    Traceback (most recent call last):
        ...
    diffkit.exercises.AnswerError: busiest is not right yet.
      expected: 'xx'
      got:      'xy'
      hint: count each variable's consumers in leads_to
    """
    __tracebackhide__ = True
    answered(**{name: got})
    same = got == expected
    if not isinstance(same, (bool, np.bool_)):  # arrays compare elementwise
        same = bool(np.all(same))
    if not same:
        raise _fail(name, _show(expected), _show(got), hint)


def that(condition: Any, what: str, *, got: Any = None, hint: str = "", name: str = "your answer") -> None:
    """Check a property that is not one number: ``what`` says what should hold.

    Example
    -------
    >>> from diffkit import exercises as check
    >>> check.that(0.03 < 0.0298, "a step size below the stability limit 0.0298", got=0.03, name="lr")
    Traceback (most recent call last):
        ...
    diffkit.exercises.AnswerError: lr is not right yet.
      expected: a step size below the stability limit 0.0298
      got:      0.03
    """
    __tracebackhide__ = True
    if not condition:
        raise _fail(name, what, _show(got), hint)


def succeeds(run: Callable[[], Any], what: str, *, hint: str = "", name: str = "your answer") -> Any:
    """Run ``run()``; if it raises, say what was being checked and what went wrong (its message), then the hint.

    Example
    -------
    >>> from diffkit import exercises as check
    >>> check.succeeds(lambda: 1 / 0, "dividing by the step", name="slope", hint="h must not be 0")
    Traceback (most recent call last):
        ...
    diffkit.exercises.AnswerError: slope is not right yet.
      expected: dividing by the step
      got:      ZeroDivisionError: division by zero
      hint: h must not be 0
    """
    __tracebackhide__ = True
    try:
        return run()
    except Exception as err:  # the student's code failing is the finding, whatever it raised
        raise _fail(name, what, f"{type(err).__name__}: {err}", hint) from None


def _without_our_frames(shell: Any, etype: type, value: BaseException, tb: Any, tb_offset: int | None = None):
    """IPython shows an AnswerError as the student's cell and the message, without this module's frames."""
    keep = None
    t = tb
    while t is not None:
        if t.tb_frame.f_code.co_filename != __file__:
            keep = t
        t = t.tb_next
    if keep is not None:
        keep.tb_next = None
    stb = shell.InteractiveTB.structured_traceback(etype, value, tb, tb_offset=tb_offset)
    shell._showtraceback(etype, value, stb)  # a custom handler shows its traceback itself (the kernel sends it)
    return stb


def _in_ipython() -> None:
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is not None:
        shell.set_custom_exc((AnswerError,), _without_our_frames)


def passed(message: str = "") -> None:
    """Print the confirmation that ends a check cell.

    Example
    -------
    >>> from diffkit import exercises as check
    >>> check.passed("h* = 8.7e-06")
    correct! h* = 8.7e-06
    """
    print("correct!" + (f" {message}" if message else ""))


_in_ipython()
