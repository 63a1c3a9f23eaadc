"""diffkit.exercises: a wrong notebook answer says what was expected, what came, the tolerance and a hint."""

import math

import numpy as np
import pytest

from diffkit import exercises as check
from diffkit.exercises import AnswerError


def _message(fn, *args, **kw) -> str:
    with pytest.raises(AnswerError) as info:
        fn(*args, **kw)
    return str(info.value)


def test_the_old_bare_failure_now_explains_itself():
    """Notebook 02's check used to fail with a bare AssertionError: (6.05e-06, 8.73e-06)."""
    msg = _message(check.close, "my_h_star", 6.05e-06, 8.73e-06, rtol=1e-6, hint="set E'(h) = 0")
    assert msg.splitlines() == ["my_h_star is not right yet.",
                                "  expected: 8.73e-06 (to a relative tolerance of 1e-06)",
                                "  got:      6.05e-06 (off by 31%)",
                                "  hint: set E'(h) = 0"]


def test_close_passes_within_tolerance_and_only_there():
    check.close("x", 1.0 + 1e-10, 1.0)
    check.close("x", 3.6, 4, atol=0.5)
    with pytest.raises(AnswerError, match="off by 1e-08"):
        check.close("x", 1.0 + 1e-8, 1.0)
    assert "an absolute tolerance of 0.5" in _message(check.close, "x", 3.4, 4, rtol=0, atol=0.5)
    assert "(exactly)" in _message(check.close, "d0", 1e-300, 0.0, rtol=0)


def test_close_on_arrays_names_the_worst_entry():
    msg = _message(check.close, "J", np.array([[1.0, 2.0], [3.0, 4.5]]), np.array([[1.0, 2.0], [3.0, 4.0]]))
    assert "off by 0.5 at index (1, 1)" in msg
    assert "shape (3,)" in _message(check.close, "g", [1.0, 2.0, 3.0], [1.0, 2.0])


def test_close_explains_what_is_not_a_number():
    assert "a number like 5.5" in _message(check.close, "d", "5.5x", 5.5)
    assert "not a finite number" in _message(check.close, "d", math.nan, 0.0)


def test_equal_and_that():
    check.equal("busiest", "xx", "xx")
    check.equal("evals", np.array([1, 2]), np.array([1, 2]))
    msg = _message(check.equal, "busiest", "xy", "xx", hint="count the consumers")
    assert "expected: 'xx'" in msg and "got:      'xy'" in msg and "hint: count the consumers" in msg
    check.that(True, "anything")
    assert "expected: below the limit" in _message(check.that, False, "below the limit", got=0.03, name="lr")


def test_stubs_are_recognised_and_named():
    def todo(p):
        ...

    def done(p):
        return p

    class Todo:
        @staticmethod
        def forward(ctx, x):
            ...

    class Done:
        @staticmethod
        def forward(ctx, x):
            return x

    assert [check.is_stub(v) for v in (..., todo, done, Todo, Done, None, 0)] == [
        True, True, False, True, False, False, False]
    msg = _message(check.answered, a=1, b=..., f=todo)
    assert msg.startswith("b, f are still the stub `...`: replace them in the exercise cell above")
    check.answered(a=1, f=done, k=Done)
    assert "still the stub" in _message(check.close, "x", ..., 1.0)


def test_succeeds_reports_what_the_code_raised():
    assert check.succeeds(lambda: 42, "the answer") == 42
    msg = _message(check.succeeds, lambda: [][1], "reading the list", name="xs", hint="it is empty")
    assert "got:      IndexError: list index out of range" in msg and "hint: it is empty" in msg


def test_passed_prints_the_confirmation(capsys):
    check.passed()
    check.passed("h* = 8.7e-06")
    assert capsys.readouterr().out == "correct!\ncorrect! h* = 8.7e-06\n"


def test_answer_error_is_an_assertion_error():
    """pytest and nbclient treat a failed check like any failed assertion."""
    assert issubclass(AnswerError, AssertionError)
