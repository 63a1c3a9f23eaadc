"""Accumulation into .grad from several threads: atomic, as PyTorch's.

Ports of test/test_autograd.py::TestMultithreadAutograd, run on diffkit and torch.
"""

import threading

import numpy as np
import pytest
from torch_peer import LIBS, arr, use

import diffkit as dk


def _run_threads(fn, args=(), num_threads=10):
    threads = [threading.Thread(target=fn, args=args) for _ in range(num_threads)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()


@pytest.mark.parametrize("lib", LIBS)
def test_eight_threads_into_one_leaf_lose_nothing(lib):
    """Issue 20: eight threads each run (x * 2.0).sum().backward() 200 times into one leaf: 3,200 exactly."""
    lib = use(lib)
    for _ in range(2):
        x = lib.ones(4, requires_grad=True)

        def work(x):
            for _ in range(200):
                (x * 2.0).sum().backward()

        _run_threads(work, (x,), num_threads=8)
        assert x.grad.tolist() == [3200.0] * 4


@pytest.mark.parametrize("lib", LIBS)
def test_simple_backward_same_input(lib):
    """test_autograd.py::TestMultithreadAutograd::test_simple_backward_same_input: .grad sums every thread's;
    autograd.grad in threads returns each thread's own."""
    lib = use(lib)
    errors = []

    def train_fn_backward(x):
        y = (x + 3) * (x + 4) * 0.5
        y.sum().backward()

    x = lib.ones(5, 5, requires_grad=True)
    _run_threads(train_fn_backward, (x,))
    np.testing.assert_array_equal(arr(x.grad), 10 * (arr(x) + 3.5))

    def train_fn_grad(x):
        y = (x + 3) * (x + 4) * 0.5
        grads = lib.autograd.grad(y.sum(), x)
        if len(grads) != 1 or arr(grads[0]).tolist() != (arr(x) + 3.5).tolist():
            errors.append(grads)

    _run_threads(train_fn_grad, (x,))
    assert not errors


@pytest.mark.parametrize("lib", LIBS)
def test_python_thread_in_middle(lib):
    """test_autograd.py::TestMultithreadAutograd::test_python_thread_in_middle: threads backward through one
    shared graph; with retain_graph every gradient arrives, without it each thread either succeeds or is told
    to pass retain_graph=True."""
    lib = use(lib)
    outcomes = []

    def no_retain(y):
        try:
            y.sum().backward()
            outcomes.append("ok")
        except RuntimeError as err:
            outcomes.append("retain" if "retain_graph=True" in str(err) else repr(err))

    x = lib.ones(5, 5, requires_grad=True)
    _run_threads(no_retain, (x + x ** 2,), num_threads=5)
    assert "ok" in outcomes and set(outcomes) <= {"ok", "retain"}

    def retain(y):
        y.sum().backward(retain_graph=True)

    x = lib.ones(5, 5, requires_grad=True)
    _run_threads(retain, (x + x ** 2,), num_threads=5)
    np.testing.assert_array_equal(arr(x.grad), 5 * (2 * arr(x) + 1))


def test_accumulating_keeps_the_grad_object_and_its_dtype():
    x = dk.tensor([1.0, 2.0], requires_grad=True)  # float32
    (x * dk.tensor([1.0, 1.0], dtype="float64")).sum().backward()
    g = x.grad
    (x * 2).sum().backward()
    assert x.grad is g and g.dtype == np.float32 and g.tolist() == [3.0, 3.0]
