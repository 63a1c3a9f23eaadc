"""Limits that hold: time limits on symbolic work, cost estimates checked before a call runs.

Two ways a call can be stopped on purpose, each a :class:`LimitError`:

* :class:`TimeLimitError` -- the work ran past its time limit and was stopped
  (``dk.Symbolic(time_limit=10)``, each row of ``dk.symbolic.swell``).
  :func:`within` stops work in this process: when the time is up it
  interrupts the working thread at its next Python instruction, wherever that
  is inside SymPy (one long C call, such as a single multiplication of two
  enormous integers, finishes first). Work that may run in C for long runs in
  a worker process instead, which is killed (the swell study).
* :class:`CostLimitError` -- a call whose estimated cost is above a method's
  ``max_cost`` is refused before it starts, with the estimate.

Example
-------
>>> import sympy as sp
>>> from diffkit.limits import TimeLimitError, within
>>> def expand(clock):
...     clock.stage = "expanding"
...     return sp.expand((sp.Symbol("x") + 1) ** 100000)
>>> try:
...     within(0.1, "this example", expand)
... except TimeLimitError as err:
...     print(err)
this example gave up after 0.1 s (while expanding)
"""

from __future__ import annotations

import ctypes
import math
import numbers
import os
import sys
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from .errors import ArgumentError, DiffkitError

__all__ = ["LimitError", "TimeLimitError", "CostLimitError", "within", "Clock", "check_time_limit",
           "die_with_parent"]

T = TypeVar("T")


class LimitError(DiffkitError):
    """A call stopped, or refused, by a limit it would have run past (time or estimated cost).

    ``summary`` is the reason in a few words (what ``dk.compare`` shows in the method's row).

    Example
    -------
    >>> import diffkit as dk
    >>> issubclass(dk.TimeLimitError, dk.LimitError) and issubclass(dk.LimitError, dk.DiffkitError)
    True
    """

    summary: str = "stopped by a limit"


class TimeLimitError(LimitError, TimeoutError):
    """Work that ran past its time limit and was stopped.

    Attributes
    ----------
    seconds : float
        The limit.
    stage : str or None
        What the work was doing when the time ran out ("differentiating", ...).

    Example
    -------
    >>> import diffkit as dk
    >>> issubclass(dk.TimeLimitError, TimeoutError)
    True
    """

    def __init__(self, message: str = "gave up: the time limit ran out", *, seconds: float | None = None,
                 stage: str | None = None, summary: str | None = None):
        super().__init__(message)
        self.seconds = seconds
        self.stage = stage
        if summary is not None:
            self.summary = summary
        elif seconds is not None:
            self.summary = f"gave up after {_seconds(seconds)} s" + (f" (while {stage})" if stage else "")


class CostLimitError(LimitError, RuntimeError):
    """A call refused before it ran: its estimated cost is above the method's ``max_cost``.

    Attributes
    ----------
    estimate : float
        The estimated cost (op applications: passes through the function times its ops).
    limit : float
        The limit it is above.

    Example
    -------
    >>> import diffkit as dk
    >>> issubclass(dk.CostLimitError, dk.LimitError)
    True
    """

    def __init__(self, message: str, *, estimate: float, limit: float):
        super().__init__(message)
        self.estimate = estimate
        self.limit = limit
        self.summary = f"refused: about {estimate:.3g} op applications, above max_cost = {limit:.3g}"


def _seconds(s: float) -> str:
    return f"{s:g}"


def check_time_limit(seconds: Any, *, none_ok: bool = True) -> float | None:
    """A time limit as a float: positive and finite, or ``None`` (no limit) where ``none_ok``.

    Example
    -------
    >>> from diffkit.limits import check_time_limit
    >>> check_time_limit(10), check_time_limit(None)
    (10.0, None)
    """
    if seconds is None and none_ok:
        return None
    if isinstance(seconds, bool) or not isinstance(seconds, numbers.Real) or not 0 < seconds < math.inf:
        alternative = "; pass None for no limit" if none_ok else ""
        raise ArgumentError(f"time_limit must be a positive, finite number of seconds, got {seconds!r}"
                            + alternative)
    return float(seconds)


class Clock:
    """What :func:`within` hands the work: set ``stage`` as the work goes on (the error names it).

    Example
    -------
    >>> from diffkit.limits import Clock
    >>> Clock().stage is None
    True
    """

    __slots__ = ("stage", "started")

    def __init__(self) -> None:
        self.stage: str | None = None
        self.started = time.perf_counter()

    def elapsed(self) -> float:
        return time.perf_counter() - self.started


class _Interrupt(BaseException):
    """Raised in the working thread when its time is up; not an ``Exception``, so that SymPy's own
    ``except Exception`` handlers can't swallow it (as KeyboardInterrupt). :func:`within` turns it
    into a :class:`TimeLimitError`."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*(args or ("the time limit ran out",)))


def _raise_in(thread_id: int, exc: type[BaseException] | None) -> None:
    # CPython's way of raising in another thread (what KeyboardInterrupt does in the main one); None cancels
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread_id),
                                               ctypes.py_object(exc) if exc is not None else None)


def within(seconds: float | None, who: str, work: Callable[[Clock], T], *, hint: str = "") -> T:
    """``work(clock)``, stopped with :class:`TimeLimitError` once ``seconds`` have passed.

    Works in any thread. When the time is up the work is interrupted at its
    next Python instruction, as Ctrl-C would interrupt it (the interrupt is not
    an ``Exception``, so ``except Exception`` in the work can't swallow it); a
    single call into C code (a big-integer multiplication, a NumPy kernel)
    finishes first. ``None`` means no limit.

    Parameters
    ----------
    seconds : float or None
    who : str
        Whose work it is, for the message ("Symbolic()").
    work : callable
        Called with a :class:`Clock`; set ``clock.stage`` as the work goes on, the
        error names it.
    hint : str
        How to raise the limit, appended to the message.

    Example
    -------
    >>> from diffkit.limits import within
    >>> def spin(clock):
    ...     clock.stage = "spinning"
    ...     while True:
    ...         pass
    >>> within(0.05, "a loop", spin)
    Traceback (most recent call last):
    ...
    diffkit.limits.TimeLimitError: a loop gave up after 0.05 s (while spinning)
    >>> within(5, "a sum", lambda clock: sum(range(10)))
    45
    """
    clock = Clock()
    if seconds is None:
        return work(clock)

    class Expired(_Interrupt):  # one class per call: a nested call's expiry is not taken for ours
        pass

    target = threading.get_ident()
    lock = threading.Lock()
    done = threading.Event()
    state = {"active": True, "fired": False}

    def watch() -> None:
        if done.wait(seconds):
            return
        with lock:
            if state["active"]:
                state["fired"] = True
                _raise_in(target, Expired)

    # Everything, arming and disarming included, happens inside one try of this frame: the
    # interrupt is caught wherever it arrives (once; nothing can be left pending afterwards).
    try:
        try:
            threading.Thread(target=watch, name="diffkit-time-limit", daemon=True).start()
            return work(clock)
        finally:
            done.set()
            with lock:  # the watcher raises only while holding it: after this block nothing is pending
                state["active"] = False
                if state["fired"]:
                    _raise_in(target, None)
    except Expired:
        raise TimeLimitError(f"{who} gave up after {_seconds(seconds)} s"
                             + (f" (while {clock.stage})" if clock.stage else "") + hint,
                             seconds=seconds, stage=clock.stage) from None


def die_with_parent(parent: int) -> None:
    """Call first thing in a forked worker: it is killed when its parent process dies.

    On Linux the kernel sends SIGKILL (``PR_SET_PDEATHSIG``); elsewhere a
    daemon thread watches the parent's pid. Either way a worker never
    outlives the process that waits for it.

    Example
    -------
    >>> from diffkit.limits import die_with_parent
    >>> callable(die_with_parent)
    True
    """
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            if libc.prctl(1, 9, 0, 0, 0) == 0:  # PR_SET_PDEATHSIG, SIGKILL
                if os.getppid() != parent:  # the parent died before the prctl
                    os._exit(1)
                return
        except (OSError, AttributeError):  # pragma: no cover - no prctl: watch instead
            pass

    def watch() -> None:  # pragma: no cover - platforms without prctl
        while os.getppid() == parent:
            time.sleep(0.2)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()
