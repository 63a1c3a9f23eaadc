"""Saving and loading state safely: ``dk.save(obj, path)`` and ``dk.load(path)``.

The file is a NumPy ``.npz`` archive: every array is stored as its own
``.npy`` member, and a small JSON header describes how the arrays and plain
Python values (dicts, lists, tuples, numbers, strings, ``None``) fit
together. Nothing is pickled, and loading uses ``allow_pickle=False``, so a
file cannot run code when it is opened, whoever wrote it. That covers a
model's ``state_dict()`` (names to Tensors) and an optimizer's
``state_dict()`` (nested dicts of arrays and hyperparameters). Values come
back bit for bit, with their dtypes; Tensors come back as Tensors.

The file is written to a temporary name next to ``path`` and moved into
place when complete, so an interrupted save never leaves a half-written file
where a good one was (see :mod:`diffkit.archive` for what saving and loading
check: regular files only, every declared size against the bytes really
there before anything is allocated, temporary files of killed saves cleaned
up, permissions and symbolic links kept).

Example
-------
>>> import os, tempfile
>>> import numpy as np
>>> import diffkit as dk
>>> from diffkit import nn
>>> model = nn.Linear(2, 3)
>>> path = os.path.join(tempfile.mkdtemp(), "model.npz")
>>> dk.save(model.state_dict(), path)
>>> other = nn.Linear(2, 3)
>>> other.load_state_dict(dk.load(path))
<All keys matched successfully>
>>> bool(np.array_equal(other.weight.numpy(), model.weight.numpy()))
True
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any

import numpy as np

from .archive import MAX_HEADER_BYTES, Archive, StateFileError, replace_atomically
from .errors import ArgumentError

__all__ = ["save", "load", "StateFileError", "FORMAT", "VERSION", "MAX_DEPTH"]

#: Name of the format, written into every header.
FORMAT = "diffkit-state"
#: Version of the header layout this module writes and reads.
VERSION = 1
#: Deepest nesting of dicts, lists and tuples a state file may hold (a state dict needs three or four).
MAX_DEPTH = 100
_HEADER = "__diffkit_header__"


# ---------------------------------------------------------------------------- save

def _float(x: float) -> str:
    return float.hex(float(x))  # exact, and covers nan and +-inf


class _Writer:
    """Turns a value into a JSON-able tree, collecting its arrays."""

    def __init__(self) -> None:
        self.arrays: dict[str, np.ndarray] = {}

    def _array(self, arr: Any) -> tuple[str, str]:
        from .ad.backend import device_of, to_numpy

        device = device_of(arr)
        host = np.asarray(to_numpy(arr))
        if host.dtype.kind not in "biufc":
            raise StateFileError(f"can't save an array of dtype {host.dtype}: diffkit state files hold numeric "
                                 "and boolean arrays only (objects would need pickling)")
        name = f"a{len(self.arrays)}"
        self.arrays[name] = np.asarray(host, order="C")  # ascontiguousarray would make 0-d 1-d
        return name, device

    def tree(self, v: Any, where: str, depth: int = 0) -> Any:
        from .ad.tensor import Tensor

        if depth > MAX_DEPTH:
            raise StateFileError(f"can't save {where}: nested deeper than {MAX_DEPTH} levels")
        if v is None:
            return {"t": "none"}
        if isinstance(v, bool):
            return {"t": "bool", "v": v}
        if isinstance(v, int):  # as text: JSON readers may round big ints; hex past what str() may print
            return {"t": "int", "v": str(v) if v.bit_length() < 10_000 else hex(v)}
        if isinstance(v, float):
            return {"t": "float", "v": _float(v)}
        if isinstance(v, complex):
            return {"t": "complex", "re": _float(v.real), "im": _float(v.imag)}
        if isinstance(v, str):
            return {"t": "str", "v": v}
        if isinstance(v, Tensor):
            ref, device = self._array(v._data)
            return {"t": "tensor", "ref": ref, "requires_grad": bool(v.requires_grad), "device": device}
        if isinstance(v, np.generic):
            ref, _ = self._array(np.asarray(v))
            return {"t": "scalar", "ref": ref}
        if hasattr(v, "__array_namespace__") or isinstance(v, np.ndarray):
            ref, device = self._array(v)
            return {"t": "array", "ref": ref, "device": device}
        if isinstance(v, Mapping):
            items = []
            for k, item in v.items():
                if isinstance(k, bool) or not isinstance(k, (str, int)):
                    raise StateFileError(f"can't save {where}: dict key {k!r} is a {type(k).__name__}; "
                                         "keys must be strings or integers")
                items.append([k, self.tree(item, f"{where}[{k!r}]", depth + 1)])
            return {"t": "dict", "items": items}
        if isinstance(v, (list, tuple)):
            return {"t": type(v).__name__,
                    "items": [self.tree(x, f"{where}[{i}]", depth + 1) for i, x in enumerate(v)]}
        hint = ""
        if hasattr(v, "state_dict"):
            who = "model" if hasattr(v, "forward") else "optimizer" if hasattr(v, "param_groups") else "obj"
            hint = f"; save its state instead: dk.save({who}.state_dict(), path)"
        raise StateFileError(f"can't save {where}: a value of type {type(v).__name__} can't be stored without "
                             f"pickling{hint} (dk.save stores Tensors, arrays, numbers, strings, None, and "
                             "dicts/lists/tuples of them)")


def save(obj: Any, path: str | os.PathLike) -> None:
    """Save a state dict (or any nesting of Tensors, arrays and plain values) to ``path``.

    The file is an ``.npz`` archive with a JSON header; nothing is pickled.
    ``path`` is used exactly as given (no ``.npz`` is appended). The file is
    replaced atomically: a failed or killed save leaves any earlier file intact,
    and the next save removes the temporary file a killed one left. A new file
    gets permissions 0666 less the umask (as ``np.savez`` gives), a replaced one
    keeps its own, and a symbolic link is followed: the file it points to is
    replaced, the link stays.

    Parameters
    ----------
    obj : Tensor, array, number, str, None, or dict/list/tuple of them
        Typically ``model.state_dict()`` or ``optimizer.state_dict()``.
        Dict keys must be strings or integers.
    path : str or path-like

    Raises
    ------
    StateFileError
        For values that can't be stored without pickling (the message says
        which entry, and suggests ``.state_dict()`` for a Module or optimizer).

    Example
    -------
    >>> import os, tempfile
    >>> import diffkit as dk
    >>> path = os.path.join(tempfile.mkdtemp(), "w.npz")
    >>> dk.save({"w": dk.tensor([1.0, 2.0]), "step": 3}, path)
    >>> dk.load(path)
    {'w': tensor([1., 2.]), 'step': 3}
    """
    writer = _Writer()
    tree = writer.tree(obj, "the object")
    header = json.dumps({"format": FORMAT, "version": VERSION, "tree": tree}, allow_nan=False)
    arrays = {_HEADER: np.frombuffer(header.encode("utf-8"), dtype=np.uint8), **writer.arrays}
    replace_atomically(path, lambda fh: np.savez(fh, **arrays))


# ---------------------------------------------------------------------------- load

class _Reader:
    """Rebuilds a value from the header tree, reading each array from the archive once, when named."""

    def __init__(self, archive: Archive, device: Any) -> None:
        self.archive = archive
        self.path = archive.name
        self.device = device
        self.read: set[str] = set()

    def _fail(self, why: str) -> StateFileError:
        return StateFileError(f"{self.path} is not a valid diffkit save file: {why}")

    def _array(self, node: dict) -> np.ndarray:
        ref = node.get("ref")
        if not isinstance(ref, str) or ref not in self.archive.names or ref == _HEADER:
            raise self._fail(f"its header names an array {_clip(ref)} that the archive does not hold")
        if ref in self.read:  # dk.save names each array once; a header naming one again would multiply it
            raise self._fail(f"its header names array {ref!r} twice")
        self.read.add(ref)
        return self.archive.array(ref)

    def _number(self, text: Any) -> float:
        if not isinstance(text, str):
            raise self._fail(f"a float is stored as {_clip(text)}, not as hex text")
        try:
            return float.fromhex(text)
        except (ValueError, OverflowError):
            raise self._fail(f"{_clip(text)} is not a float64") from None

    def tree(self, node: Any, depth: int = 0) -> Any:
        if depth > MAX_DEPTH:
            raise self._fail(f"its values are nested deeper than {MAX_DEPTH} levels")
        if not isinstance(node, dict) or not isinstance(node.get("t"), str):
            raise self._fail(f"unexpected header entry {_clip(node, 80)}")
        t = node["t"]
        if t == "none":
            return None
        if t == "bool" and isinstance(node.get("v"), bool):
            return node["v"]
        if t == "int" and isinstance(node.get("v"), str):
            try:
                return int(node["v"], 16) if node["v"].lstrip("-").startswith("0x") else int(node["v"])
            except ValueError:
                raise self._fail(f"{_clip(node['v'])} is not an integer") from None
        if t == "float":
            return self._number(node.get("v"))
        if t == "complex":
            return complex(self._number(node.get("re")), self._number(node.get("im")))
        if t == "str" and isinstance(node.get("v"), str):
            return node["v"]
        if t == "scalar":
            arr = self._array(node)
            if arr.ndim != 0:
                raise self._fail("a scalar entry holds an array")
            return arr[()]
        if t in ("array", "tensor"):
            arr = self._array(node)
            if t == "array":
                return self._place(arr)
            from .ad.tensor import Tensor

            rg = bool(node.get("requires_grad", False)) and arr.dtype.kind in "fc"
            return Tensor(self._place(arr), requires_grad=rg)
        if t in ("list", "tuple") and isinstance(node.get("items"), list):
            items = [self.tree(x, depth + 1) for x in node["items"]]
            return items if t == "list" else tuple(items)
        if t == "dict" and isinstance(node.get("items"), list):
            out = {}
            for pair in node["items"]:
                if (not isinstance(pair, list) or len(pair) != 2 or isinstance(pair[0], bool)
                        or not isinstance(pair[0], (str, int))):
                    raise self._fail(f"malformed dict entry {_clip(pair, 80)}")
                out[pair[0]] = self.tree(pair[1], depth + 1)
            return out
        raise self._fail(f"unexpected header entry {_clip(node, 80)}")

    def _place(self, arr: np.ndarray) -> Any:
        if self.device is None:
            return arr
        from .ad.backend import to_device

        return to_device(arr, self.device)


def load(path: str | os.PathLike, *, device: Any = None) -> Any:
    """Load what :func:`save` wrote; never unpickles anything.

    Parameters
    ----------
    path : str or path-like
    device : {"cpu", "cuda"}, optional
        Where arrays and Tensors are placed (default: CPU, NumPy arrays).
        ``model.load_state_dict`` moves values to each parameter's device anyway.

    Returns
    -------
    The saved value: dicts, lists, tuples, numbers, strings, ``None``,
    NumPy arrays and :class:`~diffkit.Tensor` objects, with the saved dtypes.

    Raises
    ------
    StateFileError
        A truncated or corrupt file, a file that is not a diffkit save file
        (the message says what it is: a pickle, a PyTorch file, text...), one
        holding object (pickled) arrays, one that is not a regular file (a
        FIFO, a device), or one whose declared sizes don't match its bytes --
        decided before anything large is allocated.
    FileNotFoundError, PermissionError
        No file at ``path``, or one that can't be read.

    Example
    -------
    >>> import os, tempfile
    >>> import numpy as np
    >>> import diffkit as dk
    >>> path = os.path.join(tempfile.mkdtemp(), "s.npz")
    >>> dk.save({"m": np.float32([1.5, -2.0]), "lr": 0.1, "betas": (0.9, 0.999)}, path)
    >>> state = dk.load(path)
    >>> state["m"].dtype, state["lr"], state["betas"]
    (dtype('float32'), 0.1, (0.9, 0.999))
    """
    if device is not None:
        from .ad.backend import get_namespace

        get_namespace(device)  # a BackendError now, not halfway through the file
    name = os.fspath(path)
    with Archive(name) as archive:
        if _HEADER not in archive.names:
            raise StateFileError(f"{name} is {archive.kind} but not a diffkit save file (no {_HEADER} entry); "
                                 "read it with np.load")
        raw = _read_header(archive)
        reader = _Reader(archive, device)
        if not isinstance(raw, dict) or raw.get("format") != FORMAT or "tree" not in raw:
            raise reader._fail("its header is not a diffkit header")
        if raw.get("version") != VERSION:
            raise StateFileError(f"{name} was written by format version {_clip(raw.get('version'), 20)}; this diffkit "
                                 f"reads version {VERSION}")
        return reader.tree(raw["tree"])


def _read_header(archive: Archive) -> Any:
    raw = archive.array(_HEADER, max_bytes=MAX_HEADER_BYTES)
    if raw.dtype != np.uint8 or raw.ndim != 1:
        raise StateFileError(f"{archive.name} is not a valid diffkit save file: its header has dtype {raw.dtype}")
    try:
        return json.loads(raw.tobytes().decode("utf-8"), parse_constant=_no_constant)
    except RecursionError:
        raise StateFileError(f"{archive.name} is not a valid diffkit save file: its header is nested too "
                             "deeply to read") from None
    except (UnicodeDecodeError, ValueError) as err:
        raise StateFileError(f"{archive.name} is not a valid diffkit save file: its header is not JSON "
                             f"({str(err)[:80]})") from None


def _clip(value: Any, width: int = 40) -> str:
    """``repr(value)``, cut to ``width`` characters with an ellipsis (a header may hold anything)."""
    text = repr(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def _no_constant(name: str) -> float:
    raise ArgumentError(f"unexpected constant {name}")
