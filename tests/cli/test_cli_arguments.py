"""What the command reads from its arguments (diffkit/cli/arguments.py), the user's code it loads
(usercode.py) and what it prints around a command (output.py)."""

import io
import warnings

import numpy as np
import pytest

from diffkit import DiffkitError
from diffkit.cli.arguments import (
    echo_text,
    figure_path,
    parse_arrays,
    parse_at,
    parse_range,
    printable,
    read_expression,
    report_folder,
)
from diffkit.cli.output import Warnings, emit
from diffkit.cli.usercode import UserCodeError, guarded, load


@pytest.mark.parametrize("bad, says", [(["x=nan"], "finite"), (["x=1", "x=2"], "twice"), (["x"], "NAME=VALUE")])
def test_parse_at_refuses(bad, says):
    with pytest.raises(DiffkitError, match=says):
        parse_at(bad)


def test_parse_range_bounds():
    with pytest.raises(DiffkitError, match="at most"):
        parse_range("1..100000")  # issue 20: --n 1..100000 ran for minutes
    with pytest.raises(DiffkitError, match="1 <= start <= end"):
        parse_range("5..2")


def test_parse_arrays_reads_every_form(tmp_path):
    np.save(tmp_path / "w.npy", np.arange(6.0).reshape(2, 3))
    np.savez(tmp_path / "p.npz", a=np.ones(2), b=np.zeros((1, 2)))
    np.savez(tmp_path / "one.npz", only=np.array([4.0, 5.0]))
    (tmp_path / "v.csv").write_text("1,2,3\n")
    got = parse_arrays([f"w={tmp_path / 'w.npy'}", "s=2.5", "t=[[1, 2], [3, 4]]",
                        str(tmp_path / "p.npz"), f"o={tmp_path / 'one.npz'}", f"c={tmp_path / 'v.csv'}"])
    assert list(got) == ["w", "s", "t", "a", "b", "o", "c"]
    np.testing.assert_array_equal(got["w"], np.arange(6.0).reshape(2, 3))
    assert got["s"].shape == () and got["s"] == 2.5
    np.testing.assert_array_equal(got["t"], [[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_array_equal(got["o"], [4.0, 5.0])
    np.testing.assert_array_equal(got["c"], [1.0, 2.0, 3.0])
    assert parse_arrays(["x=[1,2],y=3"])["x"].tolist() == [1.0, 2.0]  # commas inside brackets stay


@pytest.mark.parametrize("item, says", [
    ("x=[1, 1e999]", "finite"), ("x=__import__('os')", "give a number"), ("x=1,2", "NAME=VALUE"),
    ("1x=2", "identifier"), ("x=missing.npy", "can't read"), ("x=[1, 'a']", "not an array of numbers")])
def test_parse_arrays_refuses(item, says):
    with pytest.raises(DiffkitError, match=says):
        parse_arrays([item])


def test_parse_arrays_refuses_an_archive_of_several_under_one_name(tmp_path):
    np.savez(tmp_path / "p.npz", a=np.ones(2), b=np.zeros(2))
    with pytest.raises(DiffkitError, match="holds a, b"):
        parse_arrays([f"x={tmp_path / 'p.npz'}"])


def test_read_expression(tmp_path, monkeypatch):
    (tmp_path / "one.txt").write_text("\n  sin(x)  \n\n")
    (tmp_path / "prog.txt").write_text("s = x*y\nt = s + 1\n")
    (tmp_path / "empty.txt").write_text("\n")
    assert read_expression("@" + str(tmp_path / "one.txt"), None) == "sin(x)"
    assert read_expression(None, str(tmp_path / "prog.txt")) == ["s = x*y", "t = s + 1"]
    monkeypatch.setattr("sys.stdin", io.StringIO("x^2\n"))
    assert read_expression(None, "-") == "x^2"
    with pytest.raises(DiffkitError, match="is empty"):
        read_expression(None, str(tmp_path / "empty.txt"))
    with pytest.raises(DiffkitError, match="no expression"):
        read_expression(None, None)


def test_echoes_are_safe():
    assert echo_text("x*y # <script>alert(1)</script>") == "x*y"
    assert echo_text(["a = x  # one", "b = a^2"]) == ["a = x", "b = a^2"]
    assert printable("x\x1b[2Jy\x07") == "x\\x1b[2Jy\\x07" and printable("ẋ v̄") == "ẋ v̄"


def test_output_paths(tmp_path):
    (tmp_path / "file").write_text("")
    assert figure_path(str(tmp_path / "a" / "b" / "f.PNG")).name == "f.PNG"
    assert (tmp_path / "a" / "b").is_dir()  # created, as the figures' save= does
    for bad, says in [("f.jpg", r"\.png, \.svg or \.pdf"), (str(tmp_path), "is a folder"),
                      (str(tmp_path / "file" / "f.png"), "is a file, not a folder")]:
        with pytest.raises(DiffkitError, match=says):
            figure_path(bad)
    with pytest.raises(DiffkitError, match="is a file; give a folder"):
        report_folder(str(tmp_path / "file"))
    assert report_folder(str(tmp_path / "tour")).is_dir()


def test_load_user_code(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mod_ok.py").write_text("VALUE = 3\ndef f(x): return x + 1\ndef two(a, b): return a\n")
    assert load("mod_ok:f")(1) == 2 and load("mod_ok.py:f")(2) == 3
    for spec, says in [("mod_ok", "MODULE:FUNCTION"), ("mod_ok:g", "has no function 'g'"),
                       ("mod_ok:VALUE", "is a int, not a function"), ("mod_ok:two", "can't be called with 1"),
                       ("nope.py:f", "no such file"), ("a b:f", "neither a module name")]:
        with pytest.raises(DiffkitError, match=says):
            load(spec)
    (tmp_path / "imports_missing.py").write_text("import no_such_package_here\n")
    with pytest.raises(UserCodeError, match="ModuleNotFoundError"):  # the user's module raised: status 3, not 2
        load("imports_missing:f")


def test_user_code_errors_name_the_place(tmp_path):
    (tmp_path / "m.py").write_text("def f(x):\n    return x['missing']\n")
    f = guarded(load(str(tmp_path / "m.py") + ":f"), "m.py:f")
    with pytest.raises(UserCodeError) as info:
        f({})
    assert info.value.one_line() == f"m.py:f raised KeyError: 'missing' ({tmp_path / 'm.py'}, line 2)"
    assert "return x['missing']" in info.value.details()


def test_warnings_summary_counts_kinds():
    with Warnings() as caught:
        for _ in range(3):
            warnings.warn("overflow", RuntimeWarning, stacklevel=1)
        warnings.warn("second", UserWarning, stacklevel=1)
    assert caught.kinds() == [("RuntimeWarning: overflow", 1), ("UserWarning: second", 1)]  # once per place
    assert caught.summary() == ("diffkit: note: 2 warnings: RuntimeWarning: overflow (and 1 other kind) "
                                "(--warnings lists each)")
    with Warnings() as none:
        pass
    assert none.summary() is None


def test_emit_survives_a_closed_pipe(monkeypatch):
    class Closed(io.StringIO):
        def write(self, s):
            raise BrokenPipeError

    monkeypatch.setattr("sys.stdout", Closed())
    emit("lost")  # no exception: the reader went away
