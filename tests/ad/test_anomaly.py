"""Anomaly detection against PyTorch's test/test_autograd.py (test_anomaly_detect_nan, test_anomaly_grad_warnings)."""

import warnings

import numpy as np
import pytest
from torch_peer import LIBS, use

import diffkit as dk


def _nan_function(lib, size):
    class MyFunc(lib.autograd.Function):
        @staticmethod
        def forward(ctx, inp1, inp2, fail_0th):
            ctx.fail_0th = fail_0th
            return inp1.sum(0, keepdim=True)

        @staticmethod
        def backward(ctx, g_o):
            g_i = g_o.clone().expand(size).clone()
            g_i[0] = 0
            g_i[0] /= 0  # a nan
            return (g_i, None, None) if ctx.fail_0th else (None, g_i, None)

    return MyFunc


@pytest.mark.parametrize("lib", LIBS)
def test_anomaly_detect_nan(lib):
    """test_autograd.py::TestAutograd::test_anomaly_detect_nan: off, the nan passes; on, it raises naming the
    rule and the output, and (here) shows the forward call."""
    name = lib
    lib = use(lib)
    size = 10
    my_func = _nan_function(lib, size)
    rng = np.random.default_rng(0)
    with np.errstate(invalid="ignore"):
        inp = lib.tensor(rng.random(size), requires_grad=True)
        my_func.apply(inp, inp, True).backward()  # not watching: no error
        for fail_0th, k in ((True, 0), (False, 1)):
            inp = lib.tensor(rng.random(size), requires_grad=True)
            with pytest.raises(RuntimeError, match=f"Function 'MyFuncBackward0?' returned nan values in its {k}th "
                                                   "output.") as err, warnings.catch_warnings(record=True):
                with lib.autograd.detect_anomaly():
                    out = my_func.apply(inp, inp, fail_0th)
                    out.backward()
            if name == "diffkit":
                assert "my_func.apply(inp, inp, fail_0th)" in str(err.value)


@pytest.mark.parametrize("lib", LIBS)
def test_anomaly_grad_errors_name_the_rule(lib):
    """test_autograd.py::TestAutograd::test_anomaly_grad_warnings: a version error in anomaly mode names the
    rule it happened in (torch warns, diffkit adds a note to the error)."""
    name = lib
    lib = use(lib)
    with pytest.raises(RuntimeError, match="in-?place") as err, warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        with lib.autograd.detect_anomaly():
            a = lib.tensor(np.random.default_rng(0).standard_normal(5), requires_grad=True)
            d1 = a + 1
            d2 = d1 ** 2
            d1 += 1
            lib.autograd.grad(d2.sum(), a)
    where = " ".join(getattr(err.value, "__notes__", [])) if name == "diffkit" else str(w[-1].message)
    assert "Error detected in PowBackward" in where and "d2 = d1 ** 2" in where or name == "torch"


def test_inf_is_an_anomaly_too_and_check_nan_false_lets_it_pass():
    x = dk.tensor([0.0, 4.0], dtype="float64", requires_grad=True)
    with dk.autograd.detect_anomaly(), np.errstate(divide="ignore"):
        y = x.sqrt()
        with pytest.raises(dk.autograd.AnomalyError, match=r"SqrtBackward' returned inf.*\n(.|\n)*y = x.sqrt\(\)"):
            y.sum().backward(retain_graph=True)
        with dk.autograd.set_detect_anomaly(True, check_nan=False):
            y.sum().backward()
    assert x.grad.tolist() == [np.inf, 0.25]


def test_anomaly_mode_costs_nothing_when_off():
    from diffkit.ad.tape import Node

    plain = Node.__init__
    with dk.autograd.detect_anomaly():
        assert Node.__init__ is not plain and dk.autograd.is_anomaly_enabled()
        traced = dk.tensor([1.0], requires_grad=True) * 2
    assert Node.__init__ is plain and not dk.autograd.is_anomaly_enabled()
    untraced = dk.tensor([1.0], requires_grad=True) * 2
    assert traced.grad_fn.trace and not hasattr(untraced.grad_fn, "trace")


def test_forward_made_outside_anomaly_mode_says_so():
    x = dk.tensor([0.0], dtype="float64", requires_grad=True)
    y = x.sqrt() * 0.0
    with dk.autograd.detect_anomaly(), np.errstate(invalid="ignore"):
        with pytest.raises(dk.autograd.AnomalyError, match="No forward pass information"):
            y.backward()


def test_detect_anomaly_as_a_decorator_restores_the_state():
    @dk.autograd.detect_anomaly()
    def inner():
        return dk.autograd.is_anomaly_enabled()

    assert inner() and not dk.autograd.is_anomaly_enabled()
