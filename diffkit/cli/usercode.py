"""The user's own code, as ``diffkit check`` runs it: loaded by ``MODULE:FUNCTION``, failures attributed.

Whatever the user's module or function raises -- a syntax error, an
exception at import, an exception inside ``fun(x)`` -- becomes a
:class:`UserCodeError`: the command prints it on one line, naming the file and
line where it happened, and exits with status 3 (``--traceback`` prints the
whole story). A spec that names no such file, module or function is bad input
(status 2).

Example
-------
>>> from diffkit.cli.usercode import load
>>> load("math:hypot")(3.0, 4.0)
5.0
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import DiffkitError
from .arguments import printable

__all__ = ["UserCodeError", "load", "guarded"]


class UserCodeError(Exception):
    """The user's code raised; ``original`` is what it raised, ``where`` names the code.

    Example
    -------
    >>> from diffkit.cli.usercode import UserCodeError
    >>> err = UserCodeError("loss", ValueError("bad"))
    >>> str(err)
    'loss raised ValueError: bad'
    """

    def __init__(self, where: str, original: BaseException):
        self.where, self.original = where, original
        super().__init__(f"{where} raised {type(original).__name__}: {original}")

    def one_line(self) -> str:
        """The message with the file and line where the user's code failed, on one line."""
        err = self.original
        if isinstance(err, SyntaxError):
            text = f"{self.where}: syntax error in {err.filename}, line {err.lineno}: {err.msg}"
        else:
            message = str(err).strip().splitlines()
            text = f"{self.where} raised {type(err).__name__}" + (f": {message[0]}" if message else "")
            frame = _user_frame(err)
            if frame is not None:
                text += f" ({frame.filename}, line {frame.lineno})"
        return printable(text)

    def details(self) -> str:
        """The full traceback of what the user's code raised."""
        return "".join(traceback.format_exception(self.original))


def _user_frame(err: BaseException) -> Any:
    """The innermost traceback frame outside diffkit itself: where the user's code was when it failed."""
    package = str(Path(__file__).resolve().parents[1])
    frames = [f for f in traceback.extract_tb(err.__traceback__) if not str(Path(f.filename).resolve())
              .startswith(package) and not f.filename.startswith("<frozen")]
    return frames[-1] if frames else None


def _import(mod: str) -> Any:
    if mod.endswith(".py"):
        path = Path(mod)
        if not path.is_file():
            raise DiffkitError(f"{printable(mod)}: no such file")
        spec = importlib.util.spec_from_file_location(path.stem, path)
        if spec is None or spec.loader is None:
            raise DiffkitError(f"{printable(mod)}: not a Python file diffkit can import")
        module = importlib.util.module_from_spec(spec)
        try:
            spec.loader.exec_module(module)
        except Exception as err:
            raise UserCodeError(printable(mod), err) from None
        return module
    if not all(part.isidentifier() for part in mod.split(".")):
        raise DiffkitError(f"{printable(mod)!r} is neither a module name nor a .py file")
    if str(Path.cwd()) not in sys.path:  # `diffkit check mynet:loss` finds mynet.py here, as `python -m` would
        sys.path.insert(0, str(Path.cwd()))
    try:
        return importlib.import_module(mod)
    except ModuleNotFoundError as err:
        if err.name and (mod == err.name or mod.startswith(err.name + ".")):
            raise DiffkitError(f"can't import {printable(mod)!r}: no such module (looked in the current folder "
                               "and the installed packages; give path/to/file.py:FUNCTION for a file)") from None
        raise UserCodeError(printable(mod), err) from None
    except Exception as err:  # the module itself raised while it was imported
        raise UserCodeError(printable(mod), err) from None


def load(spec: str, n_args: int = 1) -> Callable[..., Any]:
    """``module:function`` (or ``path/to/file.py:function``) -> the function, called with ``n_args`` values.

    Raises
    ------
    DiffkitError
        No such file, module or function, or a function that can't take ``n_args`` arguments.
    UserCodeError
        The module raised while it was imported (a syntax error included).

    Example
    -------
    >>> from diffkit.cli.usercode import load
    >>> load("os.path:basename")("/tmp/loss.py")
    'loss.py'
    """
    mod, sep, name = spec.rpartition(":")
    if not sep or not mod or not name:
        raise DiffkitError(f"{printable(spec)!r}: use MODULE:FUNCTION or FILE.py:FUNCTION, e.g. mynet.py:loss")
    module = _import(mod)
    fn = getattr(module, name, None)
    if fn is None:
        raise DiffkitError(f"{printable(mod)!r} has no function {printable(name)!r}")
    if not callable(fn):
        raise DiffkitError(f"{printable(spec)} is a {type(fn).__name__}, not a function")
    try:
        inspect.signature(fn).bind(*range(n_args))
    except TypeError:
        raise DiffkitError(f"{printable(spec)} can't be called with {n_args} argument(s) "
                           f"(its signature is {printable(name)}{inspect.signature(fn)})") from None
    except ValueError:  # a builtin without a signature: find out when it is called
        pass
    return fn


def guarded(fn: Callable[..., Any], where: str) -> Callable[..., Any]:
    """``fn`` whose exceptions become :class:`UserCodeError` naming ``where``.

    Example
    -------
    >>> from diffkit.cli.usercode import guarded, UserCodeError
    >>> try:
    ...     guarded(lambda x: 1 / x, "f")(0)
    ... except UserCodeError as err:
    ...     print(err.where, type(err.original).__name__)
    f ZeroDivisionError
    """
    def call(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except Exception as err:
            raise UserCodeError(where, err) from None

    return call
