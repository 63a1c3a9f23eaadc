"""Every row of the bad-input table (docs/bad_input.md) is a test: the call raises (or warns) as documented."""

import re
from pathlib import Path

import numpy as np
import pytest
from bad_input_cases import CASES, Returns, render, run

import diffkit as dk

DOC = Path(__file__).resolve().parents[2] / "docs" / "bad_input.md"


def test_case_ids_are_unique():
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids)), [i for i in ids if ids.count(i) > 1]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input(case):
    kind, message = run(case)
    assert issubclass(kind, case.expect), f"{case.code}: {kind.__name__}: {message}"
    if case.match:
        assert re.search(case.match, message), f"{case.code}: message {message!r} lacks {case.match!r}"
    if case.expect is not Returns and not issubclass(kind, (Warning, SystemExit)):
        assert message.strip(), f"{case.code}: an error without a message"
        # raised on purpose, so catchable as one (a ValueError where PyTorch has one is also a DiffkitError);
        # Python's own protocols keep their builtins: files (OSError), an index past the end (IndexError,
        # which ends iteration) and an abstract method left undefined (NotImplementedError)
        if not issubclass(kind, (OSError, NotImplementedError)) and "-index-" not in case.id:
            assert issubclass(kind, dk.DiffkitError), f"{case.code}: {kind.__name__} is not a DiffkitError"
        # never a bare NumPy/Python internals message: the text names the entry point's terms
        assert not message.startswith(("setting an array element", "cannot reshape array", "'NoneType' object")), \
            message


def test_the_doc_is_generated_from_these_cases():
    assert DOC.exists(), "generate it: python tests/reliability/bad_input_cases.py > docs/bad_input.md"
    assert DOC.read_text() == render(), \
        "docs/bad_input.md is out of date: python tests/reliability/bad_input_cases.py > docs/bad_input.md"


def test_bad_calls_do_not_mutate_their_inputs():
    x = np.array([1.0, -2.0, 3.0])
    keep = x.copy()
    at = {"x": x, "y": 2.0}
    for method in (dk.Symbolic(), dk.FiniteDiff(), dk.ComplexStep(), dk.ForwardMode(), dk.ReverseMode()):
        method.gradient("x*y + sin(x)", at=at)
        with pytest.raises(dk.DiffkitError):
            method.gradient("x*y + sin(x)", at=at, wrt="q")
    dk.numeric.gradient(lambda v: (v**2).sum(), x)
    dk.check_grad(lambda v: (v**2).sum(), lambda v: 2 * v, x)
    t = dk.tensor(x, requires_grad=True, dtype="float64")
    with pytest.raises(dk.GradientError):
        (t * 2).backward()
    assert np.array_equal(x, keep) and at == {"x": x, "y": 2.0}
    assert np.array_equal(t.numpy(), keep) and t.grad is None
