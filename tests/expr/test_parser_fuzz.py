"""Parser fuzzing: random and adversarial text never executes, never hangs, and only
ever raises ExpressionError with a position."""

import builtins
import random
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

import diffkit as dk

FRAGMENTS = [
    "x", "y1", "_z", "2", "1e308", "1e-320", "9" * 400, "0x1F", "1_000", ".5", "3.", "+", "-", "*", "/", "**", "^",
    "(", ")", ",", " ", "sin", "cos", "log", "exp", "sqrt", "maximum", "relu", "(x)", "sin(", "__import__",
    "'os'", '"a"', ".real", ".__class__", "[0]", "[", "]", "{", "}", ":", "lambda", "lambda x: x", "for", "in",
    "if", "else", "and", "or", "not", "==", "<", ">=", "@", "//", "%", "&", "|", "~", "<<", ">>", "=", ":=",
    "await", "yield", "async", "é", "π", "\u200b", "\x00", "\n", "\t", "\\", "#", "...", "None", "True", "pi",
    "exec", "eval", "open", "globals", "getattr", "().__class__.__bases__", "__builtins__", "f'{x}'", "b'x'",
    "*x", "**x", "x=1", ";", "import os", "del x",
]


def _check(text):
    t0 = time.perf_counter()
    try:
        f = dk.expr(text)
    except dk.ExpressionError as err:
        assert err.column is not None or err.statement is not None or "empty" in str(err) or "limit" in str(err) \
            or "can't be parsed" in str(err), (text, str(err))
    else:
        assert isinstance(f, dk.Expr)
    assert time.perf_counter() - t0 < 2.0, text


@pytest.fixture
def no_side_effects(monkeypatch):
    """Fail the test if parsing ever reaches open, exec or eval (ast.parse itself only
    compiles to an AST, with the PyCF_ONLY_AST flag, which executes nothing)."""
    def boom(*a, **k):
        raise AssertionError("the parser executed something")

    for name in ("open", "exec", "eval"):
        monkeypatch.setattr(builtins, name, boom)
    yield


def test_ten_thousand_adversarial_inputs_run_clean(no_side_effects):
    rng = random.Random(1234)
    t0 = time.perf_counter()
    for _ in range(10_000):
        text = "".join(rng.choice(FRAGMENTS) for _ in range(rng.randint(1, 12)))
        _check(text)
    assert time.perf_counter() - t0 < 60


@given(st.text(max_size=200))
def test_random_unicode_text(text):
    _check(text)


@given(st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=30))
def test_random_token_soup(tokens):
    _check(" ".join(tokens))


@pytest.mark.parametrize("text", [
    "(" * 10_000 + "x" + ")" * 10_000,
    "-" * 50_000 + "x",
    "x" + "+x" * 50_000,
    "sin(" * 1000 + "x" + ")" * 1000,
    "x" * 100_001,
    "9" * 99_999,
    "1" + "e9" * 20,
    "x**" * 3000 + "2",
], ids=["parens", "minus", "plus", "sin", "long-name", "long-int", "e9", "pow"])
def test_pathological_inputs_are_bounded(text):
    _check(text)


def test_programs_fuzz():
    rng = random.Random(99)
    for _ in range(2_000):
        stmts = []
        for _ in range(rng.randint(1, 4)):
            lhs = rng.choice(["a", "b", "c", "x", "__x", "1", "a.b", "sin"])
            rhs = "".join(rng.choice(FRAGMENTS[:30]) for _ in range(rng.randint(1, 6)))
            stmts.append(f"{lhs} = {rhs}" if rng.random() < 0.8 else rhs)
        try:
            dk.expr(stmts)
        except dk.ExpressionError as err:
            assert err.statement is not None or "output" in str(err) or "cycle" in str(err), (stmts, str(err))


def test_malicious_string_cannot_reach_os(tmp_path, monkeypatch):
    import os
    import subprocess

    calls = []
    monkeypatch.setattr(os, "system", lambda *a: calls.append(a))
    monkeypatch.setattr(subprocess, "Popen", lambda *a, **k: calls.append(a))
    marker = tmp_path / "marker"
    for text in [f"__import__('os').system('touch {marker}')",
                 "[c for c in ().__class__.__base__.__subclasses__() if c.__name__ == 'Popen'][0]('ls')",
                 f"open('{marker}', 'w').write('x')", "(lambda: exec('import os'))()",
                 "getattr(__builtins__, '__import__')('os')"]:
        with pytest.raises(dk.ExpressionError):
            dk.expr(text)
        with pytest.raises(dk.ExpressionError):
            dk.expr([f"y = {text}"])
    assert not calls and not marker.exists()
