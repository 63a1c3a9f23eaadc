"""no_grad, enable_grad, inference_mode: context managers, decorators, exceptions, threads."""

import threading

import pytest
from torch_peer import LIBS, use

import diffkit as dk
from diffkit.ad import is_grad_enabled, is_inference_mode_enabled, set_grad_enabled


def leaf():
    return dk.tensor([1.0, 2.0], requires_grad=True)


def test_no_grad_context_stops_recording():
    x = leaf()
    with dk.no_grad():
        y = x * 2
        assert not is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None and y.is_leaf
    assert is_grad_enabled() and (x * 2).requires_grad


def test_enable_grad_inside_no_grad():
    x = leaf()
    with dk.no_grad():
        with dk.enable_grad():
            y = x * 2
        z = x * 2
    assert y.requires_grad and not z.requires_grad


def test_inference_mode():
    x = leaf()
    with dk.inference_mode():
        assert is_inference_mode_enabled() and not is_grad_enabled()
        y = x.exp()
    assert not y.requires_grad and not is_inference_mode_enabled()
    with dk.inference_mode(False):
        assert is_grad_enabled()


def test_decorators_with_and_without_parentheses():
    x = leaf()

    @dk.no_grad()
    def f(t):
        return t * 2

    @dk.no_grad
    def g(t):
        return t * 2

    @dk.inference_mode()
    def h(t):
        return t * 2

    assert f.__name__ == "f"
    assert not f(x).requires_grad and not g(x).requires_grad and not h(x).requires_grad
    assert (x * 2).requires_grad

    @dk.enable_grad()
    def k(t):
        return t * 2

    with dk.no_grad():
        assert k(x).requires_grad


def test_state_is_restored_after_an_exception():
    with pytest.raises(ZeroDivisionError):
        with dk.no_grad():
            _ = 1 / 0
    assert is_grad_enabled()

    @dk.no_grad()
    def boom():
        raise ValueError("x")

    with pytest.raises(ValueError):
        boom()
    assert is_grad_enabled()
    with pytest.raises(KeyError):
        with dk.inference_mode():
            raise KeyError
    assert is_grad_enabled() and not is_inference_mode_enabled()


def test_nested_and_reused_context_object():
    ctx = dk.no_grad()
    with ctx:
        with ctx:
            assert not is_grad_enabled()
        assert not is_grad_enabled()
    assert is_grad_enabled()


def test_set_grad_enabled_call_and_context():
    with set_grad_enabled(False):
        assert not is_grad_enabled()
    assert is_grad_enabled()
    set_grad_enabled(False)
    try:
        assert not is_grad_enabled()
    finally:
        set_grad_enabled(True)
    assert is_grad_enabled()


def test_grad_mode_is_thread_local():
    x = leaf()
    inside = threading.Event()
    release = threading.Event()
    seen = {}

    def worker():
        with dk.no_grad():
            inside.set()
            release.wait(5)
            seen["worker"] = (x * 2).requires_grad

    t = threading.Thread(target=worker)
    t.start()
    inside.wait(5)
    seen["main"] = (x * 2).requires_grad  # the other thread's no_grad does not reach here
    release.set()
    t.join()
    assert seen == {"main": True, "worker": False}


def test_new_threads_start_with_grad_enabled():
    seen = []
    with dk.no_grad():
        t = threading.Thread(target=lambda: seen.append(is_grad_enabled()))
        t.start()
        t.join()
    assert seen == [True]


def test_decorated_function_in_many_threads():
    x = leaf()

    @dk.no_grad()
    def f():
        return (x * 2).requires_grad

    results = []
    threads = [threading.Thread(target=lambda: results.append(f())) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [False] * 8 and is_grad_enabled()


# ---------------------------------------------------------------- side by side with PyTorch


@pytest.mark.parametrize("lib", LIBS)
def test_set_grad_generator_functions(lib):
    """test_autograd.py::TestAutograd::test_set_grad_generator_functions (issue 15, item 7): a decorated
    generator runs its body in the mode, and the caller's mode holds between yields."""
    lib = use(lib)

    @lib.no_grad()
    def gen_no_grad():
        for i in range(10):
            assert not lib.is_grad_enabled()
            yield i

    with lib.enable_grad():
        for _ in gen_no_grad():
            assert lib.is_grad_enabled()

    @lib.enable_grad()
    def gen_enable_grad():
        for i in range(10):
            assert lib.is_grad_enabled()
            yield i

    with lib.no_grad():
        for _ in gen_enable_grad():
            assert not lib.is_grad_enabled()


@pytest.mark.parametrize("lib", LIBS)
def test_decorated_generator_send_throw_close_and_return(lib):
    lib = use(lib)
    log = []

    @lib.no_grad()
    def echo():
        try:
            got = yield 1
            while True:
                log.append((got, lib.is_grad_enabled()))
                got = yield got * 2
        except ValueError:
            log.append(("thrown", lib.is_grad_enabled()))
            yield -1
        finally:
            log.append(("closed", lib.is_grad_enabled()))

    g = echo()
    assert next(g) == 1 and g.send(5) == 10 and g.throw(ValueError()) == -1
    g.close()
    assert log == [(5, False), ("thrown", False), ("closed", False)] and lib.is_grad_enabled()

    @lib.inference_mode()
    def returns():
        yield lib.is_inference_mode_enabled()
        return "done"

    g = returns()
    assert next(g) is True
    with pytest.raises(StopIteration, match="done"):
        next(g)


@pytest.mark.parametrize("lib", LIBS)
def test_no_grad(lib):
    """test_autograd.py::TestAutograd::test_no_grad: context manager, decorator, and both nested."""
    lib = use(lib)
    x = lib.ones(5, 5, requires_grad=True)
    y = lib.ones(5, 5) * 4
    with lib.no_grad():
        w = x + y

    @lib.no_grad()
    def adder(x, y):
        return x + y

    z = adder(x, y)
    for v in (w, z):
        assert not v.requires_grad and v.grad_fn is None
        with pytest.raises(RuntimeError):
            v.backward(lib.ones(5, 5))
    with lib.no_grad():
        assert not lib.is_grad_enabled()
        adder(x, y)
        assert not lib.is_grad_enabled()


@pytest.mark.parametrize("lib", LIBS)
def test_set_grad_enabled(lib):
    """test_autograd.py::TestAutograd::test_set_grad_enabled, and as a decorator."""
    lib = use(lib)
    x = lib.tensor([1.0], requires_grad=True)
    with lib.set_grad_enabled(False):
        y = x * 2
    assert not y.requires_grad
    with lib.set_grad_enabled(True):
        y = x * 2
    assert y.requires_grad
    with lib.set_grad_enabled(False):
        lib.set_grad_enabled(True)
        y = x * 2
    assert y.requires_grad and lib.is_grad_enabled()

    @lib.set_grad_enabled(False)
    def off():
        return lib.is_grad_enabled()

    assert lib.is_grad_enabled() and off() is False and lib.is_grad_enabled()


@pytest.mark.parametrize("lib", LIBS)
def test_no_grad_python_function(lib):
    """test_autograd.py::TestAutograd::test_no_grad_python_function: Functions respect grad mode."""
    lib = use(lib)

    class MyOp(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x + 1

        @staticmethod
        def backward(ctx, dy):
            return dy

    x = lib.ones(5, 5, requires_grad=True)
    with lib.no_grad():
        y = MyOp.apply(x)
    assert not y.requires_grad
