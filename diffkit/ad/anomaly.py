"""Anomaly detection: the first NaN or inf a backward pass produces raises, saying where it came from.

``with dk.autograd.detect_anomaly():`` (or ``set_detect_anomaly(True)``)
does two things, as in PyTorch:

* every op recorded while it is on keeps the stack of the Python code that
  ran it (the *forward traceback*);
* backward checks every cotangent a rule returns, and the first one holding
  a NaN (or an inf) raises :class:`AnomalyError`, naming the rule
  (``MulBackward``), the argument, and showing where the forward op was
  called. Any other error backward raises gets the same traceback attached.

Off (the default) it costs nothing: the recording is switched on by replacing
the tape node's constructor, not by a test in every op.

Example
-------
>>> import diffkit as dk, numpy as np
>>> x = dk.tensor([0.0, 1.0], requires_grad=True)
>>> with dk.autograd.detect_anomaly(), np.errstate(invalid="ignore"):
...     y = x.sqrt() * 0.0       # sqrt's rule at 0: 0 / (2 * 0) = nan
...     try:
...         y.sum().backward()
...     except dk.autograd.AnomalyError as err:
...         print(str(err).splitlines()[0])
Function 'SqrtBackward' returned nan values in its 0th output.
"""

from __future__ import annotations

import functools
import os
import traceback
from collections.abc import Callable
from typing import Any

from ..errors import GradientError

__all__ = ["AnomalyError", "detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled", "is_anomaly_check_nan_enabled",
           "watch", "check_finite", "annotate"]


class AnomalyError(GradientError):
    """A backward rule produced NaN or inf values while anomaly detection was on.

    Example
    -------
    >>> import diffkit as dk
    >>> issubclass(dk.autograd.AnomalyError, dk.GradientError)
    True
    """


class _State:
    __slots__ = ("enabled", "check_nan")

    def __init__(self) -> None:
        self.enabled = False
        self.check_nan = True


#: The process-wide switch (PyTorch's is process-wide too).
ANOMALY = _State()
_WATCHED: list[type] = []
_PLAIN: dict[type, Callable] = {}
# the engine's own frames say nothing about the user's code
_ENGINE = tuple(os.path.join(os.path.dirname(os.path.dirname(__file__)), d) for d in ("ad", "expr"))


def _forward_trace() -> list:
    frames = traceback.extract_stack()[:-2]
    return [f for f in frames if not f.filename.startswith(_ENGINE)] or frames


def watch(node_type: type) -> None:
    """Let anomaly mode record the forward traceback of every ``node_type`` made (the tape's Node)."""
    plain = node_type.__init__
    _PLAIN[node_type] = plain

    def init_with_trace(self: Any, *args: Any, **kwargs: Any) -> None:
        plain(self, *args, **kwargs)
        self.trace = _forward_trace()

    node_type._init_with_trace = init_with_trace
    _WATCHED.append(node_type)
    if ANOMALY.enabled:
        node_type.__init__ = init_with_trace


def _switch(enabled: bool, check_nan: bool) -> None:
    ANOMALY.enabled, ANOMALY.check_nan = bool(enabled), bool(check_nan)
    for t in _WATCHED:
        t.__init__ = t._init_with_trace if enabled else _PLAIN[t]


def is_anomaly_enabled() -> bool:
    """Whether anomaly detection is on.

    Example
    -------
    >>> import diffkit as dk
    >>> dk.autograd.is_anomaly_enabled()
    False
    """
    return ANOMALY.enabled


def is_anomaly_check_nan_enabled() -> bool:
    """Whether anomaly detection checks backward's results for NaN and inf.

    Example
    -------
    >>> import diffkit as dk
    >>> with dk.autograd.detect_anomaly(check_nan=False):
    ...     dk.autograd.is_anomaly_check_nan_enabled()
    False
    """
    return ANOMALY.enabled and ANOMALY.check_nan


class detect_anomaly:  # noqa: N801 - PyTorch's name
    """Context manager and decorator: anomaly detection on inside, restored after.

    Parameters
    ----------
    check_nan : bool, default True
        Raise on the first NaN or inf a backward rule returns. ``False`` only
        records forward tracebacks (shown with any other backward error).

    Example
    -------
    >>> import diffkit as dk
    >>> @dk.autograd.detect_anomaly()
    ... def step(x):
    ...     return dk.autograd.is_anomaly_enabled()
    >>> step(1.0), dk.autograd.is_anomaly_enabled()
    (True, False)
    """

    def __init__(self, check_nan: bool = True) -> None:
        self.check_nan = check_nan
        self._saved: list[tuple[bool, bool]] = []

    def __enter__(self) -> detect_anomaly:
        self._saved.append((ANOMALY.enabled, ANOMALY.check_nan))
        _switch(True, self.check_nan)
        return self

    def __exit__(self, *exc: Any) -> None:
        _switch(*self._saved.pop())

    def __call__(self, fn: Callable) -> Callable:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with detect_anomaly(self.check_nan):
                return fn(*args, **kwargs)

        return wrapper


class set_detect_anomaly:  # noqa: N801
    """Switch anomaly detection on or off now; as a context manager, restore the old state on exit.

    Example
    -------
    >>> import diffkit as dk
    >>> _ = dk.autograd.set_detect_anomaly(True)
    >>> dk.autograd.is_anomaly_enabled()
    True
    >>> _ = dk.autograd.set_detect_anomaly(False)
    >>> with dk.autograd.set_detect_anomaly(True):
    ...     dk.autograd.is_anomaly_enabled()
    True
    >>> dk.autograd.is_anomaly_enabled()
    False
    """

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        self._before = (ANOMALY.enabled, ANOMALY.check_nan)
        _switch(mode, check_nan)

    def __enter__(self) -> set_detect_anomaly:
        return self

    def __exit__(self, *exc: Any) -> None:
        _switch(*self._before)


def _where(node: Any) -> str:
    trace = getattr(node, "trace", None)
    if trace is None:
        return ("No forward pass information available: turn on detect_anomaly during the forward pass as well "
                "to see where this op was called.")
    return "The forward op was called from (most recent call last):\n" + "".join(traceback.format_list(trace))


def check_finite(node: Any, cots: list, xp_of: Callable[[Any], Any]) -> None:
    """Raise :class:`AnomalyError` if a cotangent ``node``'s rule returned holds NaN or inf."""
    for i, c in enumerate(cots):
        if c is None:
            continue
        arr = getattr(c, "_data", c)
        if getattr(arr, "dtype", None) is None or arr.dtype.kind not in "fc":
            continue
        xp = xp_of(arr)
        if bool(xp.all(xp.isfinite(arr))):
            continue
        what = "nan" if bool(xp.any(xp.isnan(arr))) else "inf"
        raise AnomalyError(f"Function '{node.name}' returned {what} values in its {i}th output.\n\n{_where(node)}")


def annotate(err: BaseException, node: Any) -> None:
    """Attach ``node``'s forward traceback to an error raised while backward ran it."""
    if isinstance(err, AnomalyError) or not hasattr(err, "add_note"):
        return
    err.add_note(f"Error detected in {node.name}. {_where(node)}")
