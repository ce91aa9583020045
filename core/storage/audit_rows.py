"""The audit trail's reads: entries of some actions (since a time, by its index), and the newest of one action."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime

from core.ports.journal import AuditEntry

_COLUMNS = "seq, ts, actor, action, detail"


def _audit_entry(row: tuple[int, str, str, str, str]) -> AuditEntry:
    return AuditEntry(row[0], datetime.fromisoformat(row[1].removesuffix("Z")).replace(tzinfo=UTC), *row[2:])


def read_audit(conn: sqlite3.Connection, actions: Sequence[str], since_ts: str | None) -> list[AuditEntry]:
    """Return every entry of these actions written at or after since_ts (fixed-width UTC text), oldest first."""
    marks = ", ".join("?" * len(actions))
    after = "" if since_ts is None else "ts >= ? AND "
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM audit WHERE {after}action IN ({marks}) ORDER BY seq",
        (*(() if since_ts is None else (since_ts,)), *actions),
    ).fetchall()
    return [_audit_entry(row) for row in rows]


def read_latest_audit(conn: sqlite3.Connection, action: str, detail_prefix: str) -> AuditEntry | None:
    """Return the newest entry of action whose detail starts with detail_prefix, or None."""
    row = conn.execute(
        f"SELECT {_COLUMNS} FROM audit WHERE action = ? AND substr(detail, 1, ?) = ? ORDER BY seq DESC LIMIT 1",
        (action, len(detail_prefix), detail_prefix),
    ).fetchone()
    return None if row is None else _audit_entry(row)
