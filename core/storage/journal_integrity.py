"""When the journal's full integrity check runs: at open, or after the first paint on a connection of its own.

SQLite's full check (PRAGMA quick_check) reads the whole file: 7-10 s for a journal of a million orders. It
runs at open, before anything is written, when any of these holds:

- the previous session did not close cleanly: a clean close, after its final checkpoint, notes the file's
  size and modification time in the meta (`clean_close`); every open deletes that note in its first write
  transaction, so kill -9, a crash or a power cut always leads to the full check at the next open;
- the last full check is more than FULL_CHECK_EVERY old (or its time is unknown, or in the future);
- the file's size or modification time is not what the clean close noted (something outside TradeTerm wrote
  it, copied it or restored it), or a write-ahead log with content was left beside it.

Otherwise the journal opens at once and the check runs after the first paint, in a worker thread on a
read-only connection (write-ahead logging lets it read while the session writes). If that check fails,
trading halts on every account, the trader is told what to do, and nothing more is written to the journal
(services/journal_check.py). Every full check that passes notes its time (`last_full_check`); every open
notes whether it ran the check or deferred it, and why (`last_open`).
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Final

from core.ports.journal import JournalError

_log = logging.getLogger(__name__)

FULL_CHECK_EVERY: Final = timedelta(days=7)
"""The longest a journal goes without a full check at open."""
CLEAN_CLOSE: Final = "clean_close"
LAST_FULL_CHECK: Final = "last_full_check"
LAST_OPEN: Final = "last_open"
AFTER_FIRST_PAINT: Final = "after the first paint"
CORRUPT_WHAT_TO_DO: Final = (
    "Restore it from a backup, or move it away to start an empty journal (the broker's records remain the reference)."
)
"""What a trader does with a corrupt journal: said when one is refused at open, and when the check after start fails."""
_UPSERT: Final = (
    "INSERT INTO journal_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value"
)


@dataclass(frozen=True, slots=True)
class OpenCheck:
    """Whether the full integrity check ran at open (else it runs after the first paint), and why."""

    full: bool
    why: str


def read_meta(conn: sqlite3.Connection) -> dict[str, dict[str, object]]:
    """Return the journal's meta notes ({} for a journal older than format 10, or a note that is not readable)."""
    try:
        rows = conn.execute("SELECT key, value FROM journal_meta").fetchall()
    except sqlite3.OperationalError:  # no such table: an older format
        return {}
    meta: dict[str, dict[str, object]] = {}
    for key, value in rows:
        try:
            note = json.loads(value)
        except ValueError:
            continue
        if isinstance(note, dict):
            meta[key] = note
    return meta


def plan_open_check(conn: sqlite3.Connection, path: Path, now: datetime) -> OpenCheck:
    """Decide from the meta (read on a read-only connection) whether the full check must run at open."""
    meta = read_meta(conn)
    clean = meta.get(CLEAN_CLOSE)
    if clean is None:
        return OpenCheck(True, "the previous session did not close cleanly")
    last = _when(meta.get(LAST_FULL_CHECK))
    if last is None or not now - FULL_CHECK_EVERY <= last <= now + timedelta(minutes=5):
        return OpenCheck(True, f"the last full check is older than {FULL_CHECK_EVERY.days} days (or not known)")
    stat = path.stat()
    if (stat.st_size, stat.st_mtime_ns) != (clean.get("size"), clean.get("mtime_ns")):
        return OpenCheck(True, "the file's size or modification time changed since TradeTerm closed it")
    wal = Path(f"{path}-wal")
    if wal.exists() and wal.stat().st_size > 0:  # a reader may leave an empty one; a writer leaves frames
        return OpenCheck(True, "a write-ahead log was left beside it")
    return OpenCheck(False, f"closed cleanly at {clean.get('at')}; last full check at {last.isoformat()}")


def _when(note: dict[str, object] | None) -> datetime | None:
    try:
        return None if note is None else datetime.fromisoformat(str(note["at"]))
    except (KeyError, ValueError):
        return None


def note_open(conn: sqlite3.Connection, check: OpenCheck, now: datetime) -> None:
    """In the open's first write transaction: delete the clean-close note; note the check (and its time, if it ran)."""
    conn.execute("DELETE FROM journal_meta WHERE key = ?", (CLEAN_CLOSE,))
    conn.execute(_UPSERT, (LAST_OPEN, json.dumps({"at": now.isoformat(), "full_check": check.full, "why": check.why})))
    if check.full:
        note_full_check(conn, now, "at open")


def note_full_check(conn: sqlite3.Connection, now: datetime, where: str) -> None:
    """Note the time of a full check that passed."""
    conn.execute(_UPSERT, (LAST_FULL_CHECK, json.dumps({"at": now.isoformat(), "result": "ok", "where": where})))


def note_clean_close(conn: sqlite3.Connection, now: datetime) -> int | None:
    """After the session's last write: checkpoint, note the clean close, checkpoint again; return the mtime to set.

    Return None (nothing noted: the next open runs the full check) if the log cannot be emptied.
    The caller closes the connection, then stamps the file with the returned modification time (ns).
    """
    if conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0] != 0:
        return None  # a reader (the check after the first paint) holds the log
    mtime_ns = time.time_ns()
    conn.execute("BEGIN IMMEDIATE")
    try:
        note = {"at": now.isoformat(), "size": 0, "mtime_ns": mtime_ns}
        conn.execute(_UPSERT, (CLEAN_CLOSE, json.dumps(note)))
        note["size"] = conn.execute("PRAGMA page_count").fetchone()[0] * conn.execute("PRAGMA page_size").fetchone()[0]
        conn.execute(_UPSERT, (CLEAN_CLOSE, json.dumps(note)))
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    busy, logged, copied = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    return mtime_ns if busy == 0 and logged == copied else None


def close_writer(conn: sqlite3.Connection, path: Path, now: datetime, refusing: bool) -> None:
    """Close the journal's connection: after noting a clean close, or, refusing writes, without any checkpoint."""
    if refusing:  # a reader's lock keeps SQLite from checkpointing into the file as the writer closes
        guard = sqlite3.connect(path.as_uri() + "?mode=ro", uri=True)
        guard.execute("PRAGMA user_version").fetchone()
        conn.close()
        guard.close()  # read-only: it cannot checkpoint either; the log stays beside the file
        return
    try:
        mtime_ns = note_clean_close(conn, now)
    except sqlite3.Error as exc:
        _log.warning("journal %s: clean close not noted (%s); the next open runs the full check", path, exc)
        mtime_ns = None
    conn.close()
    if mtime_ns is not None:
        stamp(path, mtime_ns)


def stamp(path: Path, mtime_ns: int) -> None:
    """Give the closed file the modification time its clean-close note names (a failure only costs a full check)."""
    try:
        os.utime(path, ns=(path.stat().st_atime_ns, mtime_ns))
    except OSError as exc:
        _log.warning("journal %s: cannot set its modification time (%s); the next open runs the full check",
                     path, exc.strerror)


def damaged_message(path: Path, detail: str) -> str:
    """Say that the check after the start found the journal damaged, what TradeTerm did, and what to do."""
    return (
        f"The journal {path} is corrupt: SQLite's integrity check, run after the start, says: {detail}. "
        "Trading is halted on every account and TradeTerm writes nothing more to the journal; orders already at a "
        f"broker stay there (see them in the broker's own platform). Close TradeTerm, then: {CORRUPT_WHAT_TO_DO}"
    )


class BackgroundCheck:
    """The full check on a read-only connection of its own, run in a worker thread; close() interrupts it."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._mutex = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        self._closed = False
        self._idle = threading.Event()
        self._idle.set()

    def run(self) -> str | None:
        """Run the check (blocking: call it from a worker thread); return what is damaged, or None if it is sound.

        Raises JournalError if the journal was closed before or during the check.
        """
        with self._mutex:
            if self._closed:
                raise JournalError(f"The journal {self._path} is closed; its check did not run.")
            self._idle.clear()
            try:
                conn = sqlite3.connect(self._path.as_uri() + "?mode=ro", uri=True, check_same_thread=False)
            except sqlite3.Error as exc:
                self._idle.set()
                return f"it cannot be read ({exc})"
            self._conn = conn
        try:
            rows = conn.execute("PRAGMA quick_check").fetchall()
        except sqlite3.OperationalError as exc:
            if self._closed:
                raise JournalError(f"The journal {self._path} was closed during its check.") from None
            return str(exc)
        except sqlite3.DatabaseError as exc:
            return str(exc)
        finally:
            with self._mutex:
                self._conn = None
                conn.close()
                self._idle.set()
        if rows == [("ok",)]:
            return None
        problems = [line for row in rows for line in str(row[0]).splitlines() if not line.startswith("***")]
        more = f" (and {len(problems) - 1} more problem(s))" if len(problems) > 1 else ""
        return (problems[0] if problems else "not ok") + more

    def close(self) -> None:
        """Stop a running check and wait until its connection is closed (before the journal's last checkpoint)."""
        with self._mutex:
            self._closed = True
            if self._conn is not None:
                self._conn.interrupt()
        self._idle.wait(10)
