"""IdempotencyStore: the strategy API's own small SQLite file — idempotency keys and each order's signal.

Kept apart from the journal (whose schema others own): `strategy_api.sqlite` in the data dir. A key is
scoped to its strategy and remembers a hash of the request body and the order it created, so the same
key with the same body returns that order again and with another body is refused.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from core.storage.sqlite_file import unsound_reason

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS idempotency_keys (
        strategy TEXT NOT NULL,
        key TEXT NOT NULL,
        body_hash TEXT NOT NULL,
        client_order_id TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (strategy, key)
    )""",
    """CREATE TABLE IF NOT EXISTS signals (
        client_order_id TEXT PRIMARY KEY,
        record TEXT NOT NULL,
        replaced_by TEXT
    )""",
)


class IdempotencyError(Exception):
    """The store's file cannot be used; the message names it."""


class IdempotencyStore:
    """Idempotency keys and order signals in one SQLite file (":memory:" for tests); every write commits."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = str(path)
        self._mutex = threading.Lock()
        if self.path != ":memory:":
            reason = unsound_reason(Path(self.path))
            if reason is not None:
                raise IdempotencyError(
                    f"The strategy API's store {self.path} is corrupt ({reason}). TradeTerm has not changed it. "
                    "Restore it from a backup, or move it away to start an empty one: orders waiting for approval "
                    "then lose their signal details, and a strategy's retry of an earlier request counts as new."
                )
        try:
            if self.path != ":memory:":
                Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            if self.path != ":memory:":
                self._conn.execute("PRAGMA journal_mode = WAL")
                self._conn.execute("PRAGMA synchronous = FULL")
            for statement in _SCHEMA:
                self._conn.execute(statement)
        except (OSError, sqlite3.Error) as exc:
            raise IdempotencyError(f"Cannot open {self.path} for the strategy API ({exc}). "
                                   "Check the data folder's permissions, or choose another --data-dir.") from None

    def close(self) -> None:
        with self._mutex:
            self._conn.close()

    # --- idempotency keys -----------------------------------------------------------------------

    def lookup(self, strategy: str, key: str) -> tuple[str, str] | None:
        """Return (body_hash, client_order_id) recorded for the strategy's key, or None."""
        with self._mutex:
            row = self._conn.execute(
                "SELECT body_hash, client_order_id FROM idempotency_keys WHERE strategy = ? AND key = ?",
                (strategy, key),
            ).fetchone()
        return None if row is None else (row[0], row[1])

    def remember(self, strategy: str, key: str, body_hash: str, client_order_id: str) -> None:
        """Record that the strategy's key (with this body) created client_order_id; commit."""
        now = datetime.now(UTC).isoformat()
        with self._mutex:
            self._conn.execute(
                "INSERT OR IGNORE INTO idempotency_keys VALUES (?, ?, ?, ?, ?)",
                (strategy, key, body_hash, client_order_id, now),
            )

    # --- signals (the approval queue's SignalStore) ---------------------------------------------

    def save_signal(self, client_order_id: str, record: dict[str, str | None]) -> None:
        with self._mutex:
            self._conn.execute(
                "INSERT INTO signals (client_order_id, record) VALUES (?, ?) "
                "ON CONFLICT (client_order_id) DO UPDATE SET record = excluded.record",
                (client_order_id, json.dumps(record, sort_keys=True)),
            )

    def load_signal(self, client_order_id: str) -> dict[str, Any] | None:
        with self._mutex:
            row = self._conn.execute("SELECT record FROM signals WHERE client_order_id = ?",
                                     (client_order_id,)).fetchone()
        if row is None:
            return None
        record = json.loads(row[0])
        return record if isinstance(record, dict) else None

    def set_replaced(self, client_order_id: str, replacement: str) -> None:
        with self._mutex:
            self._conn.execute(
                "INSERT INTO signals (client_order_id, record, replaced_by) VALUES (?, '{}', ?) "
                "ON CONFLICT (client_order_id) DO UPDATE SET replaced_by = excluded.replaced_by",
                (client_order_id, replacement),
            )

    def replaced_by(self, client_order_id: str) -> str | None:
        with self._mutex:
            row = self._conn.execute("SELECT replaced_by FROM signals WHERE client_order_id = ?",
                                     (client_order_id,)).fetchone()
        return None if row is None else row[0]
