"""IdempotencyStore: the strategy API's own small SQLite file — each strategy order's signal.

`strategy_api.sqlite` in the data dir keeps the strategy's side of each order (signal time, price, stop
loss, take profit, remark, replacement). The idempotency keys are not here: each is committed in the
journal, in the transaction of the order it created (SqliteJournal.find_intake), so that no crash can
separate a key from its order. Files written by older versions hold the keys of their time in an
`idempotency_keys` table, which the journal adopts at start (`legacy_keys`, SqliteJournal.adopt_intake_keys).
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from pathlib import Path
from typing import Any

from core.domain import ClientOrderId
from core.ports.journal import IntakeKey, IntakeRecord
from core.storage.sqlite_file import unsound_reason

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS signals (
        client_order_id TEXT PRIMARY KEY,
        record TEXT NOT NULL,
        replaced_by TEXT
    )""",
)


class IdempotencyError(Exception):
    """The store's file cannot be used; the message names it."""


class IdempotencyStore:
    """Strategy order signals in one SQLite file (":memory:" for tests); every write commits."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = str(path)
        self._mutex = threading.Lock()
        if self.path != ":memory:":
            reason = unsound_reason(Path(self.path))
            if reason is not None:
                raise IdempotencyError(
                    f"The strategy API's store {self.path} is corrupt ({reason}). TradeTerm has not changed it. "
                    "Restore it from a backup, or move it away to start an empty one: orders waiting for approval "
                    "then lose their signal details (stop loss, take profit, remark)."
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

    def legacy_keys(self) -> list[IntakeRecord]:
        """Return the idempotency keys an older TradeTerm kept here, for the journal to adopt; [] if none."""
        with self._mutex:
            if self._conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'idempotency_keys'"
                                  ).fetchone() is None:
                return []
            rows = self._conn.execute("SELECT strategy, key, body_hash, client_order_id FROM idempotency_keys"
                                      ).fetchall()
        return [IntakeRecord(IntakeKey(strategy, key, body_hash), ClientOrderId(coid))
                for strategy, key, body_hash, coid in rows]

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
