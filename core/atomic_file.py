"""Write a file so that a crash or power cut leaves either its old contents or its new ones, never a torn mix.

The one way TradeTerm writes a file it reads back (settings, a broker's own books, the easytrader order
map, the secrets vault): a temporary file beside the target, written and fsynced, renamed over the
target, then the folder fsynced so that the rename itself survives a power cut.

Stdlib only, so that storage and adapters may both use it (an import-linter contract keeps it so).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO


def write_atomically(path: str | os.PathLike[str], data: bytes | str) -> None:
    """Replace the file at path with data (a str is written as UTF-8), creating its folder if missing.

    The temporary file is private to its writer (a unique name, mode 0600), so two writers never
    mix their bytes. Raise OSError if the data cannot be written; the file at path is then unchanged
    and the temporary file removed. A crash before the rename leaves the old file whole (and the
    temporary file, named `.<name>.<random>.tmp`, beside it).
    """
    target = Path(path)
    encoded = data.encode("utf-8") if isinstance(data, str) else data
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        try:
            view = memoryview(encoded)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_directory(target.parent)


def _fsync_directory(directory: str | os.PathLike[str]) -> None:
    """Make a rename in directory durable (POSIX); a no-op where directories cannot be opened or synced."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_text_writer(path: str | os.PathLike[str]) -> Iterator[TextIO]:
    """Yield a text file (UTF-8, newline='') that replaces the file at path only when the block ends without error.

    For files too long to hold in memory (an export): written to a private temporary file beside the
    target (mode 0600), fsynced, renamed over it, the folder fsynced. Its folder must exist. On any
    error, or an exception raised in the block, the temporary file is removed and path is unchanged.
    """
    target = Path(path)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as file:
            yield file
            file.flush()
            os.fsync(file.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_directory(target.parent)
