"""compare() with stand-in differentiators (the real methods are covered in test_compare_methods)."""

import math

import numpy as np
import pytest

import diffkit as dk


class Exact(dk.Differentiator):
    name = "exact"

    def _jacobian(self, f, values, wrt):
        x1, x2 = values["x1"], values["x2"]
        return f(**values), np.array([[1 / x1 + x2, x1 - np.cos(x2)]])


class Sloppy(Exact):
    name = "sloppy"

    def _jacobian(self, f, values, wrt):
        value, jac = super()._jacobian(f, values, wrt)
        return value, jac * (1 + 1e-6)


class Broken(dk.Differentiator):
    name = "broken"

    def _jacobian(self, f, values, wrt):
        raise NotImplementedError("can't do this one")


F = "log(x1) + x1*x2 - sin(x2)"
AT = {"x1": 2.0, "x2": 5.0}


def test_errors_against_reference_method():
    c = dk.compare(F, AT, methods=[Exact(), Sloppy(), Broken()], reference=Exact())
    assert len(c) == 3
    assert c.errors("exact") == (0.0, 0.0)
    abs_err, rel_err = c.errors("sloppy")
    assert rel_err == pytest.approx(1e-6, rel=1e-6)
    assert abs_err == pytest.approx(5.5e-6, rel=1e-6)
    rows = {r["method"]: r for r in c}
    assert rows["sloppy"]["rel error"] == pytest.approx(1e-6, rel=1e-6)
    assert "failed: NotImplementedError" in rows["broken"]["gradient"]
    with pytest.raises(NotImplementedError):
        c["broken"]


def test_renderings():
    c = dk.compare(F, AT, methods=[Exact()], reference=[5.5, 2 - math.cos(5)])
    text = str(c)
    assert "exact" in text and "5.5" in text and "1.716337815" in text
    assert c.to_markdown().count("|") > 10
    assert "<table" in c._repr_html_()
    csv = c.to_csv()
    assert csv.splitlines()[0].startswith("method,family,value,gradient")
    rec = c.to_records()[0]
    assert rec["method"] == "exact" and rec["gradient"] == [5.5, 2 - math.cos(5)]


def test_bad_method_names_are_refused():
    with pytest.raises(dk.DiffkitError, match="did you mean 'central'"):
        dk.compare(F, AT, methods=["centrl"])
    with pytest.raises(dk.DiffkitError, match="labels or Differentiators"):
        dk.compare(F, AT, methods=[42])


def test_bad_point_is_the_users_error():
    with pytest.raises(dk.ExpressionError, match="no value given"):
        dk.compare(F, {"x1": 2.0}, methods=[Exact()], reference=[0.0, 0.0])


def test_same_method_twice_keeps_both_rows():
    c = dk.compare(F, AT, methods=[Exact(), Exact()], reference=Exact())
    assert [r["method"] for r in c] == ["exact", "exact (2)"]


def test_relative_error_is_normwise():
    class OffAtZero(Exact):
        name = "off"

        def _jacobian(self, f, values, wrt):
            value, jac = super()._jacobian(f, values, wrt)
            return value, jac + np.array([[0.0, 1e-12]])

    c = dk.compare(F, AT, methods=[OffAtZero()], reference=[5.5, 0.0])  # one exact entry is 0
    abs_err, rel_err = c.errors("off")
    assert rel_err == pytest.approx(abs(2 - math.cos(5) + 1e-12) / 5.5)
    c0 = dk.compare(F, AT, methods=[Exact()], reference=[0.0, 0.0])
    assert math.isnan(c0.errors("exact")[1])


def test_one_method_may_be_named_without_a_list():
    assert list(dk.compare("x^2", at={"x": 1.0}, methods="reverse").results) == ["reverse"]
