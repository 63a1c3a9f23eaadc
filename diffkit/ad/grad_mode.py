"""Grad modes: whether Tensor ops record onto the tape, per thread.

``no_grad()`` switches recording off (evaluation, optimizer updates),
``enable_grad()`` switches it back on inside a ``no_grad`` block, and
``inference_mode()`` is ``no_grad`` that also marks the block as pure
inference. Each is a context manager and a decorator, and each restores the
previous state on exit, also when the block raises. The state is per thread,
as in PyTorch: a ``no_grad`` block in one thread does not affect another.

Example
-------
>>> import diffkit as dk
>>> x = dk.tensor([1.0, 2.0], requires_grad=True)
>>> with dk.no_grad():
...     y = x * 2
>>> y.requires_grad
False
>>> (x * 2).requires_grad
True
"""

from __future__ import annotations

import functools
import inspect
import threading
from collections.abc import Callable
from typing import Any

__all__ = [
    "no_grad", "enable_grad", "inference_mode", "set_grad_enabled",
    "is_grad_enabled", "is_inference_mode_enabled",
]


class _State(threading.local):
    """Per-thread switches; the class attributes are each new thread's defaults."""

    enabled = True
    inference = False


STATE = _State()


def is_grad_enabled() -> bool:
    """Whether Tensor ops in this thread record onto the tape.

    Example
    -------
    >>> import diffkit as dk
    >>> from diffkit.ad import is_grad_enabled
    >>> with dk.no_grad():
    ...     is_grad_enabled()
    False
    """
    return STATE.enabled


def is_inference_mode_enabled() -> bool:
    """Whether this thread is inside ``inference_mode()``.

    Example
    -------
    >>> import diffkit as dk
    >>> from diffkit.ad import is_inference_mode_enabled
    >>> with dk.inference_mode():
    ...     is_inference_mode_enabled()
    True
    """
    return STATE.inference


class _GradMode:
    """Base of the grad-mode switches: context manager and decorator.

    Subclasses set ``_target()``, the ``(enabled, inference)`` pair inside the
    block. Used bare as a decorator (``@dk.no_grad``) the class returns the
    wrapped function directly.
    """

    def __new__(cls, *args: Any, **kwargs: Any):
        if len(args) == 1 and not kwargs and callable(args[0]) and not isinstance(args[0], bool):
            return cls()(args[0])
        return super().__new__(cls)

    def __init__(self) -> None:
        self._saved: list[tuple[bool, bool]] = []

    def _target(self) -> tuple[bool, bool]:
        raise NotImplementedError

    def __enter__(self) -> _GradMode:
        self._saved.append((STATE.enabled, STATE.inference))
        STATE.enabled, STATE.inference = self._target()
        return self

    def __exit__(self, *exc: Any) -> None:
        STATE.enabled, STATE.inference = self._saved.pop()

    def _fresh(self) -> _GradMode:
        return type(self)()

    def __call__(self, fn: Callable) -> Callable:
        if inspect.isgeneratorfunction(fn):
            return self._wrap_generator(fn)

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self._fresh():  # a fresh switch per call: safe under recursion and threads
                return fn(*args, **kwargs)

        return wrapper

    def _wrap_generator(self, fn: Callable) -> Callable:
        """A generator function whose body runs in this mode, and only its body: between two ``yield``s
        the caller's own mode holds (PyTorch's decorators do the same)."""

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self._fresh():
                gen = fn(*args, **kwargs)
            try:
                with self._fresh():
                    item = gen.send(None)
                while True:
                    try:
                        sent = yield item
                    except GeneratorExit:
                        with self._fresh():
                            gen.close()
                        raise
                    except BaseException as err:  # thrown in by the caller: into the body, in this mode
                        with self._fresh():
                            item = gen.throw(err)
                    else:
                        with self._fresh():
                            item = gen.send(sent)
            except StopIteration as stop:
                return stop.value

        return wrapper

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class no_grad(_GradMode):  # noqa: N801 - PyTorch's name
    """Context manager and decorator: Tensor ops inside do not record a tape.

    Results of ops inside have ``requires_grad=False``. Use it for
    evaluation and for optimizer updates of parameters.

    Example
    -------
    >>> import diffkit as dk
    >>> w = dk.tensor([1.0], requires_grad=True)
    >>> @dk.no_grad()
    ... def double(t):
    ...     return t * 2
    >>> double(w).requires_grad
    False
    """

    def _target(self) -> tuple[bool, bool]:
        return False, STATE.inference


class enable_grad(_GradMode):  # noqa: N801
    """Context manager and decorator: switch recording back on (inside ``no_grad``).

    Example
    -------
    >>> import diffkit as dk
    >>> w = dk.tensor([1.0], requires_grad=True)
    >>> with dk.no_grad():
    ...     with dk.enable_grad():
    ...         y = w * 2
    >>> y.requires_grad
    True
    """

    def _target(self) -> tuple[bool, bool]:
        return True, False


class inference_mode(_GradMode):  # noqa: N801
    """Context manager and decorator for pure inference: no tape, flagged as inference.

    Parameters
    ----------
    mode : bool, default True
        ``False`` makes it a no-op (PyTorch's signature).

    Example
    -------
    >>> import diffkit as dk
    >>> w = dk.tensor([1.0], requires_grad=True)
    >>> with dk.inference_mode():
    ...     y = w * 2
    >>> y.requires_grad
    False
    """

    def __init__(self, mode: bool = True) -> None:
        super().__init__()
        self.mode = bool(mode)

    def _target(self) -> tuple[bool, bool]:
        if not self.mode:
            return STATE.enabled, STATE.inference
        return False, True

    def _fresh(self) -> _GradMode:
        return type(self)(self.mode)


class set_grad_enabled(_GradMode):  # noqa: N801
    """Set grad mode on or off: takes effect at once, and as a context manager restores on exit.

    Example
    -------
    >>> from diffkit.ad import set_grad_enabled, is_grad_enabled
    >>> with set_grad_enabled(False):
    ...     is_grad_enabled()
    False
    >>> is_grad_enabled()
    True
    """

    def __init__(self, mode: bool) -> None:
        super().__init__()
        self.mode = bool(mode)
        # Like PyTorch, a plain call switches the mode immediately.
        self._before = (STATE.enabled, STATE.inference)
        STATE.enabled = self.mode

    def __enter__(self) -> _GradMode:
        self._saved.append(self._before)
        STATE.enabled = self.mode
        return self

    def _target(self) -> tuple[bool, bool]:
        return self.mode, STATE.inference

    def _fresh(self) -> _GradMode:
        return type(self)(self.mode)

    def __call__(self, fn: Callable) -> Callable:
        # Used as a decorator, the immediate switch made by __init__ is undone.
        STATE.enabled, STATE.inference = self._before
        return super().__call__(fn)
