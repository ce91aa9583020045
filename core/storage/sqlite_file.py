"""Check, without writing a byte, that an existing file is a sound SQLite database before opening it to write.

Opening a damaged file for writing lets SQLite change it (a schema statement, the switch to
write-ahead logging, a rollback): the evidence a trader needs to recover would be gone.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Final

SQLITE_HEADER: Final = b"SQLite format 3\x00"


def unsound_reason(path: Path) -> str | None:
    """Return why the file at path is not a sound SQLite database (None if it is, is empty, or is absent)."""
    try:
        with path.open("rb") as file:
            header = file.read(len(SQLITE_HEADER))
    except FileNotFoundError:
        return None
    except OSError as exc:
        return f"it cannot be read: {exc.strerror}"
    if header == b"":
        return None
    if header != SQLITE_HEADER:
        return "it is not an SQLite database"
    # Read-only; without a log left by a crash, also immutable, so that not even -wal/-shm files appear.
    mode = "?mode=ro" if Path(f"{path}-wal").exists() else "?mode=ro&immutable=1"
    try:
        with closing(sqlite3.connect(path.as_uri() + mode, uri=True)) as conn:
            check = conn.execute("PRAGMA quick_check").fetchall()
    except sqlite3.DatabaseError as exc:
        return f"SQLite says: {exc}"
    if check != [("ok",)]:
        return f"SQLite's check says: {check[0][0]}"
    return None
