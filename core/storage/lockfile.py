"""ProcessLock: one TradeTerm at a time per data file, by an exclusive lock on `<file>.lock`."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from types import TracebackType


class LockHeld(Exception):
    """Another process (or another open in this one) holds the lock."""


class ProcessLock:
    """An exclusive, non-blocking lock on `<guarded>.lock`, released by release() or by the process dying.

    The lock file itself stays: deleting it would let two processes lock two different files.
    """

    def __init__(self, guarded: Path) -> None:
        self.path = guarded.with_name(guarded.name + ".lock")
        self._fd: int | None = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)  # OSError: cannot write there
        try:
            _lock(self._fd)
        except OSError:
            self.release()
            raise LockHeld(f"{self.path} is held by another process") from None

    def release(self) -> None:
        """Release the lock; releasing twice is harmless."""
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor releases the lock
            self._fd = None

    def __enter__(self) -> ProcessLock:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.release()


def _lock(fd: int) -> None:
    if sys.platform == "win32":
        import msvcrt

        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
    else:
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
