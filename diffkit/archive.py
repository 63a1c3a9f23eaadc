"""The file under ``dk.save`` and ``dk.load``: an uncompressed ``.npz`` archive, read and written safely.

Reading (:class:`Archive`) trusts nothing in the file. It opens regular files
only (a FIFO or a device is refused before a byte is read, so nothing blocks
or reads without end), recognises what the file is before parsing it (a
pickle, a PyTorch file, a single ``.npy``, text), and reads each array from
its ``.npy`` header only after checking what the header declares -- dtype,
shape, the bytes that shape needs -- against the bytes the member really
holds, so a header claiming terabytes is refused before anything is
allocated. Members must be stored uncompressed, as ``dk.save`` writes them:
a compressed member could expand without bound (a "zip bomb"). Every way a
file can be malformed ends in :class:`~diffkit.StateFileError`.

Writing (:func:`replace_atomically`) writes next to the target under a
temporary name and renames it into place, so an interrupted save leaves the
old file intact; temporary files left by a save that was killed are removed
by the next save into the same folder (each is locked while in use, so a
save running at the same time keeps its own). A new file gets the usual
permissions (0666 less the umask, as ``open`` gives); a file that is
replaced keeps its permissions; a symbolic link is followed, so the file it
points to is replaced and the link stays.

Example
-------
>>> import os, tempfile
>>> import numpy as np
>>> from diffkit.archive import Archive, replace_atomically
>>> path = os.path.join(tempfile.mkdtemp(), "a.npz")
>>> replace_atomically(path, lambda fh: np.savez(fh, w=np.arange(3.0)))
>>> with Archive(path) as archive:
...     archive.array("w")
array([0., 1., 2.])
"""

from __future__ import annotations

import errno
import os
import secrets
import stat
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import numpy as np

from .errors import DiffkitError

__all__ = ["Archive", "StateFileError", "replace_atomically", "MAX_HEADER_BYTES"]

#: The largest JSON header (and any other metadata member) read: a state dict of 100,000 tensors needs a tenth of it.
MAX_HEADER_BYTES = 32 << 20

try:  # POSIX: temporary files are locked while a save uses them
    import fcntl
except ImportError:  # pragma: no cover - Windows: stale temporary files are left alone
    fcntl = None


class StateFileError(DiffkitError, ValueError):
    """A file that ``dk.load`` refuses: truncated, corrupt, not a diffkit file, or unsafe.

    Also raised by ``dk.save`` for values it cannot store without pickling
    (a Module, a function, an arbitrary object).

    Example
    -------
    >>> import diffkit as dk
    >>> issubclass(dk.StateFileError, dk.DiffkitError)
    True
    """


# ---------------------------------------------------------------------------- reading

def _open_regular(name: str) -> IO[bytes]:
    """The file at ``name``, opened for reading, if it is a regular file (never blocks on a FIFO)."""
    fd = os.open(name, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            what = ("a folder" if stat.S_ISDIR(mode) else "a FIFO (named pipe)" if stat.S_ISFIFO(mode)
                    else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "a socket" if stat.S_ISSOCK(mode)
                    else "not a regular file")
            raise StateFileError(f"{name} is {what}, not a diffkit save file; dk.load reads regular files only")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _describe(head: bytes) -> str:
    """What a file that is not a zip archive is, from its first bytes."""
    if not head:
        return "is empty (0 bytes), not a diffkit save file"
    if head.startswith(b"\x93NUMPY"):
        return "holds a single .npy array, not a diffkit save file; read it with np.load"
    if head[0] == 0x80 and len(head) > 1 and 2 <= head[1] <= 5:
        return ("is a pickle (pickle.dump, or torch.save's legacy format), not a diffkit save file; diffkit "
                "never unpickles data")
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is not None and all(c.isprintable() or c in "\t\r\n" for c in text):
        start = text.strip().splitlines()[0][:24] if text.strip() else ""
        return f"is a text file (it starts {start!r}), not a diffkit save file"
    return f"is not a diffkit save file (a zip archive written by dk.save); it starts with bytes {head[:8].hex(' ')}"


class Archive:
    """A diffkit save file opened for reading; every check is made before the bytes it guards are used.

    Parameters
    ----------
    name : str
        The path, as the user gave it (messages name it).

    Example
    -------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from diffkit.archive import Archive
    >>> path = os.path.join(tempfile.mkdtemp(), "b.npz")
    >>> np.savez(path, w=np.ones(2, dtype=np.float32))
    >>> with Archive(path) as archive:
    ...     archive.names, archive.array("w").dtype
    ({'w'}, dtype('float32'))
    """

    def __init__(self, name: str):
        self.name = name
        self._fh = _open_regular(name)
        try:
            self.size = os.fstat(self._fh.fileno()).st_size
            head = self._fh.read(64)
            if not head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
                raise StateFileError(f"{name} {_describe(head)}")
            self._fh.seek(0)
            try:
                self._zip = zipfile.ZipFile(self._fh)
            except Exception as err:  # noqa: BLE001 - the zip module has a dozen ways to say "corrupt"
                raise self.corrupt(f"{type(err).__name__}: {err}") from None
            members = self._zip.namelist()
        except BaseException:
            self._fh.close()
            raise
        npy = [m for m in members if m.endswith(".npy")]
        #: Names of the arrays (members ``<name>.npy``).
        self.names = {m[:-4] for m in npy}
        if any(m.endswith("data.pkl") for m in members):
            self.close()
            raise StateFileError(f"{name} is a PyTorch file (torch.save), not a diffkit save file; diffkit never "
                                 "unpickles data. Load it with torch.load(path, weights_only=True) and pass the "
                                 "result to model.load_state_dict, which takes torch tensors")
        #: What the archive is, for messages: an .npz archive (only .npy members) or some other zip archive.
        self.kind = "an .npz archive" if npy and len(npy) == len(members) else "a zip archive"

    def corrupt(self, why: str) -> StateFileError:
        return StateFileError(f"{self.name} is not a complete diffkit save file (truncated or corrupt?): {why}")

    def _member(self, name: str) -> zipfile.ZipInfo:
        try:
            info = self._zip.getinfo(name + ".npy")
        except KeyError:
            raise StateFileError(f"{self.name} is not a valid diffkit save file: it has no array {name!r}") from None
        if info.flag_bits & 0x1:
            raise StateFileError(f"{self.name} is not a valid diffkit save file: member {info.filename} is "
                                 "encrypted")
        if info.compress_type != zipfile.ZIP_STORED or info.compress_size != info.file_size:
            raise StateFileError(f"{self.name} is not a diffkit save file: member {info.filename} is compressed "
                                 "(dk.save stores arrays uncompressed; a compressed member could expand without "
                                 "bound, so it is refused). Read it with np.load, or save it again with dk.save")
        if info.header_offset + info.file_size > self.size:
            raise self.corrupt(f"member {info.filename} claims {info.file_size:,} bytes, more than the file holds")
        return info

    def array(self, name: str, max_bytes: int | None = None) -> np.ndarray:
        """The array ``name``, read after its declared dtype and size are checked against the file.

        Raises StateFileError for a pickled (object) or non-numeric dtype, a size that
        doesn't match the member's bytes (or is above ``max_bytes``), and any corruption.
        """
        info = self._member(name)
        try:
            with self._zip.open(info) as member:
                shape, fortran, dtype = self._npy_header(member, info)
                count = 1
                for k in shape:
                    count *= k
                need = count * dtype.itemsize
                have = info.file_size - member.tell()
                if need != have:
                    raise self.corrupt(f"array {name} declares shape {shape} of {dtype} ({need:,} bytes) "
                                       f"but holds {have:,} bytes")
                if max_bytes is not None and need > max_bytes:
                    raise StateFileError(f"{self.name} is not a valid diffkit save file: its {name} member holds "
                                         f"{need:,} bytes, more than the {max_bytes:,} it may")
                data = _read_exactly(member, need)
                if data is None or member.read(1):  # reading to the end also checks the member's CRC
                    raise self.corrupt(f"array {name} is cut short")
        except StateFileError:
            raise
        except Exception as err:  # noqa: BLE001 - a bad local header, a CRC mismatch, a read error...
            raise self.corrupt(f"array {name} can't be read ({type(err).__name__}: {err})") from None
        arr = np.frombuffer(data, dtype=dtype, count=count)
        return arr.reshape(shape, order="F" if fortran else "C")

    def _npy_header(self, member: IO[bytes], info: zipfile.ZipInfo) -> tuple[tuple[int, ...], bool, np.dtype]:
        fmt = np.lib.format
        try:
            version = fmt.read_magic(member)
            if version == (1, 0):
                shape, fortran, dtype = fmt.read_array_header_1_0(member)
            elif version in ((2, 0), (3, 0)):
                shape, fortran, dtype = fmt.read_array_header_2_0(member)
            else:
                raise ValueError(f"unknown .npy format version {version}")
        except Exception as err:  # noqa: BLE001 - NumPy's header parser raises what the text makes it raise
            raise self.corrupt(f"member {info.filename} has no valid .npy header ({type(err).__name__}: "
                               f"{str(err)[:120]})") from None
        if dtype.hasobject:
            raise StateFileError(f"{self.name} holds an array of Python objects ({info.filename}); diffkit never "
                                 "unpickles data, so this file is refused")
        if dtype.kind not in "biufc" or dtype.fields is not None or dtype.subdtype is not None:
            raise StateFileError(f"{self.name} is not a valid diffkit save file: array {info.filename[:-4]} has "
                                 f"dtype {dtype}; diffkit state holds only numbers and booleans")
        if any(k < 0 for k in shape):
            raise self.corrupt(f"array {info.filename[:-4]} declares a negative shape {shape}")
        return shape, fortran, dtype

    def close(self) -> None:
        self._zip.close() if hasattr(self, "_zip") else None
        self._fh.close()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def _read_exactly(member: IO[bytes], size: int, chunk: int = 16 << 20) -> bytearray | None:
    """``size`` bytes read into one buffer, a slice at a time (no second copy of a big array); None if fewer."""
    data = bytearray(size)
    view = memoryview(data)
    pos = 0
    while pos < size:
        piece = member.read(min(chunk, size - pos))
        if not piece:
            return None
        view[pos:pos + len(piece)] = piece
        pos += len(piece)
    return data


# ---------------------------------------------------------------------------- writing

def _temp_prefix(target: Path) -> str:
    return f".{target.name}."


def _remove_stale_temps(target: Path) -> None:
    """Temporary files of earlier saves to ``target`` that were killed mid-write: removed, unless in use."""
    if fcntl is None:  # pragma: no cover
        return
    prefix = _temp_prefix(target)
    try:
        entries = [e for e in os.scandir(target.parent) if e.name.startswith(prefix) and e.name.endswith(".tmp")]
    except OSError:
        return
    for entry in entries:
        try:
            fd = os.open(entry.path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError:
            continue
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                continue
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:  # a save in progress holds it
                continue
            os.unlink(entry.path)
        except OSError:
            pass
        finally:
            os.close(fd)


def _create_temp(target: Path) -> tuple[int, str]:
    """A new, locked temporary file next to ``target`` (permissions 0666 less the umask)."""
    for _ in range(100):
        tmp = str(target.parent / f"{_temp_prefix(target)}{secrets.token_hex(6)}.tmp")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
        except FileExistsError:
            continue
        if fcntl is None:  # pragma: no cover
            return fd, tmp
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:  # a cleaner that locked it before we did has removed it: start again
            if os.stat(tmp).st_ino == os.fstat(fd).st_ino:
                return fd, tmp
        except FileNotFoundError:
            pass
        os.close(fd)
    raise FileExistsError(errno.EEXIST, "could not create a temporary file", str(target.parent))


def replace_atomically(path: str | os.PathLike, write: Callable[[IO[bytes]], None]) -> None:
    """Write ``path`` through ``write(file)``: to a temporary file next to it, then renamed into place.

    A symbolic link at ``path`` is followed (the file it points to is replaced). A failed or
    interrupted write leaves any earlier file as it was; temporary files that killed saves left
    behind are removed first.

    Example
    -------
    >>> import os, tempfile
    >>> from diffkit.archive import replace_atomically
    >>> path = os.path.join(tempfile.mkdtemp(), "t.bin")
    >>> replace_atomically(path, lambda fh: fh.write(b"ok"))
    >>> open(path, "rb").read()
    b'ok'
    """
    target = Path(os.path.realpath(os.fspath(path)))
    if target.is_dir():
        raise IsADirectoryError(errno.EISDIR, f"{os.fspath(path)} is a folder; dk.save needs a file name")
    _remove_stale_temps(target)
    fd, tmp = _create_temp(target)
    try:
        with os.fdopen(fd, "wb") as fh:
            try:
                os.fchmod(fh.fileno(), stat.S_IMODE(os.stat(target).st_mode))  # a replaced file keeps its mode
            except (FileNotFoundError, AttributeError):
                pass
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
            os.replace(tmp, target)  # while still locked: no cleaner can take it before it is in place
        _sync_folder(target.parent)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _sync_folder(folder: Path) -> None:
    """The rename itself made durable (POSIX); a no-op where folders can't be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
