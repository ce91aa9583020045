"""The paper broker's change log: one compact JSON line per change, appended after a header, fdatasynced in groups.

The header line names the log (`log_id`); a snapshot continued by this log carries the same id,
so a log left behind by a crash during compaction (the new snapshot written, the old log not
yet replaced) is recognised as already in the snapshot and replayed not at all. Each change
line carries its sequence number in the log ("seq", from 1). The writer collects lines and
writes them, then makes them durable, at `LogWriter.sync` (one write and one fdatasync for every
line appended since the last), so a burst of changes costs one of each; a change may be reported
once a sync after its line has returned. A complete line may therefore be on disk unreported (a crash before its sync);
a last line without a newline was cut short by a crash (and never reported), so reading ignores
it; any other line that cannot be read refuses the whole log.

The writer keeps the log open between syncs (an order sent one at a time syncs once, and an open and a
close cost more than a look at the open file's link count) and closes it before the log is replaced
(`start`) and on `close`.
"""

from __future__ import annotations

import json
import logging
import os
import weakref
from pathlib import Path
from typing import Any

from core.atomic_file import write_atomically

_log = logging.getLogger(__name__)
_COMPACT = (",", ":")
_ENCODE = json.JSONEncoder(separators=_COMPACT).encode
"""Made once: json.dumps with separators builds an encoder at every call, and every change is a line."""
_BINARY = getattr(os, "O_BINARY", 0)
_datasync = getattr(os, "fdatasync", os.fsync)


class CorruptLog(ValueError):
    """A complete line of the log that cannot be used; `line` is its number in the file, from 1."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(f"line {line}: {reason}")
        self.line = line


def read_log(path: Path, log_id: str | None, version: int) -> list[dict[str, Any]]:
    """Return the changes of the log at path if it continues the snapshot log_id (else none).

    Raise CorruptLog for a complete line that is not a change of this log.
    """
    if log_id is None or not path.exists():
        return []
    lines = path.read_bytes().split(b"\n")
    torn = lines.pop()
    if not lines:
        return []
    header = _decode(lines[0], 1)
    if header.get("log_id") != log_id:
        _log.info("paper state log %s: it is not the snapshot's log (its changes are in the snapshot); ignored", path)
        return []
    if torn:
        _log.warning(
            "paper state log %s: ignored its last line (%d bytes, no newline): a change cut short by a crash, "
            "never reported to the app", path, len(torn),
        )
    if header.get("version") != version:
        raise CorruptLog(1, f"version {header.get('version')!r}, expected {version}")
    changes = []
    for number, raw in enumerate(lines[1:], start=2):
        change = _decode(raw, number)
        if change.get("seq") != number - 1:
            raise CorruptLog(number, f"change number {change.get('seq')!r} where {number - 1} was expected")
        changes.append(change)
    return changes


def _decode(raw: bytes, number: int) -> dict[str, Any]:
    try:
        decoded = json.loads(raw)
    except ValueError as error:
        raise CorruptLog(number, f"not JSON ({error})") from error
    if not isinstance(decoded, dict):
        raise CorruptLog(number, "not a JSON object")
    return decoded


class LogWriter:
    """Append changes to the log at path and make them durable (sync); start a new log after each snapshot."""

    def __init__(self, path: Path, lines: int = 0) -> None:
        self.path = path
        self.lines = lines
        """Changes in the log now."""
        self.unsynced = 0
        """Lines appended since the last successful sync (or start): not yet known to survive a crash."""
        self._pending: list[str] = []
        """Lines appended and not yet written: the next sync writes them."""
        self._fd: int | None = None
        """The log, open for appending since the first sync after `start` (None: opened by the next sync)."""
        self._closer: weakref.finalize[[int], LogWriter] | None = None

    def close(self) -> None:
        """Close the log file if the writer holds it open (the next sync opens it again); twice is harmless."""
        fd, self._fd = self._fd, None
        if self._closer is not None:
            self._closer.detach()
            self._closer = None
        if fd is not None:
            os.close(fd)

    def start(self, log_id: str, version: int) -> None:
        """Replace the log with an empty one named log_id (written atomically: core.atomic_file)."""
        self._pending.clear()  # the snapshot being continued holds those changes
        self.close()  # the open one is the log being replaced (and a file open elsewhere cannot be replaced)
        header = json.dumps({"version": version, "log_id": log_id}, separators=_COMPACT) + "\n"
        write_atomically(self.path, header.encode("utf-8"))
        self.lines = 0
        self.unsynced = 0

    def append(self, change: dict[str, Any]) -> None:
        """Take change as the next line; it is written by the next sync, and survives a crash once that returns."""
        self._pending.append(_ENCODE({"seq": self.lines + 1, **change}) + "\n")
        self.lines += 1
        self.unsynced += 1

    def sync(self) -> None:
        """Write every line appended since the last sync, then make them durable with one fdatasync.

        A burst of changes costs one write and one fdatasync (and a look at the open log), not a write per change.
        Raise OSError if they cannot be written (the log is cut back to where it was, so no partial
        line stays in it) or the disk cannot confirm them: they may then be lost in a crash.
        """
        if self.unsynced == 0:
            return
        fd, end = self._open()
        try:
            if self._pending:
                try:
                    _write_all(fd, "".join(self._pending).encode("utf-8"))
                except OSError:
                    os.ftruncate(fd, end)
                    raise
                self._pending.clear()
            _datasync(fd)
        except OSError:
            self.close()  # the next sync opens the log afresh
            raise
        self.unsynced = 0

    def _open(self) -> tuple[int, int]:
        """Return the log open for appending, and its size; a log removed or replaced meanwhile is opened afresh by its
        path (and is refused if it is gone: writing on to the one held open would report changes no file keeps)."""
        fd = self._fd
        if fd is not None:
            found = os.fstat(fd)
            if found.st_nlink > 0:
                return fd, found.st_size
            self.close()
        fd = self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | _BINARY)
        self._closer = weakref.finalize(self, os.close, fd)  # a writer dropped unclosed closes its file
        return fd, os.fstat(fd).st_size


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]
