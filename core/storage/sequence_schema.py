"""Journal format 11: order events and audit lines are numbered without AUTOINCREMENT.

AUTOINCREMENT made every insert into order_events or audit also read and rewrite that table's row in
sqlite_sequence: one more page in the write-ahead log of every new order's durable commit and of every broker
report's, and the CPU to find and update it. Its one guarantee over a plain INTEGER PRIMARY KEY, that a
number is never used again after the newest row is deleted, these tables do not need: TradeTerm never deletes
from them, so the next number is the newest one plus one either way and the numbering goes on unchanged.

The tables' b-trees are the same with or without the keyword (an INTEGER PRIMARY KEY is the rowid), so this
is SQLite's documented procedure for a change that leaves the stored content alone: rewrite the CREATE TABLE
text in the schema table (PRAGMA writable_schema) and bump the schema version, in the migration's
transaction. A journal of a million orders migrates in milliseconds, not by copying its events. Where SQLite
refuses to write its schema table (a build in defensive mode), the tables keep AUTOINCREMENT, which reads
and numbers the same.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from typing import Final

_log = logging.getLogger(__name__)
NUMBERED_TABLES: Final = ("order_events", "audit")
"""The journal's tables whose seq is an INTEGER PRIMARY KEY that format 1 declared AUTOINCREMENT."""


def drop_autoincrement(conn: sqlite3.Connection) -> None:
    """Declare the numbered tables' seq without AUTOINCREMENT and forget their sqlite_sequence rows.

    Runs inside the migration's transaction (schema.migrate), so a crash leaves the journal at format 10.
    """
    marks = ", ".join("?" * len(NUMBERED_TABLES))
    version = conn.execute("PRAGMA schema_version").fetchone()[0]
    conn.execute("SAVEPOINT numbering")
    try:
        conn.execute("PRAGMA writable_schema = ON")
        try:
            conn.execute(
                "UPDATE sqlite_master SET sql = replace(sql, 'INTEGER PRIMARY KEY AUTOINCREMENT', "
                f"'INTEGER PRIMARY KEY') WHERE type = 'table' AND name IN ({marks})", NUMBERED_TABLES)
            conn.execute(f"PRAGMA schema_version = {int(version) + 1}")  # this connection reads the schema again
        finally:
            conn.execute("PRAGMA writable_schema = OFF")
    except sqlite3.DatabaseError as exc:  # undone alone: the migration's transaction goes on, the tables as they were
        conn.execute("ROLLBACK TO numbering")
        conn.execute("RELEASE numbering")
        _log.info("journal tables keep AUTOINCREMENT: SQLite would not rewrite its schema (%s)", exc)
        return
    conn.execute("RELEASE numbering")
    conn.execute(f"DELETE FROM sqlite_sequence WHERE name IN ({marks})", NUMBERED_TABLES)


def numbering_migration() -> tuple[Callable[[sqlite3.Connection], None], ...]:
    """Return the steps of format 11 (for schema.MIGRATIONS)."""
    return (drop_autoincrement,)
