"""SqliteOutbox: notifications and the mails that carry them, in `outbox.sqlite` beside the journal.

WAL with synchronous=FULL: a notification or mail committed here survives a crash and is sent after
the restart. One process at a time (an exclusive lock on `<file>.lock`), so no mail is sent twice
by two TradeTerms. A mail is marked sent the moment the server accepts it.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Final

from core.ports.mailer import MailMessage, PendingNotification, QueuedMail
from core.storage.lockfile import LockHeld, ProcessLock

OUTBOX_FILE: Final = "outbox.sqlite"
_APPLICATION_ID: Final = 0x54544F42  # "TTOB"
_VERSION: Final = 1
_KEEP_SENT: Final = timedelta(days=30)

_SCHEMA: Final = """
CREATE TABLE mails (
    id INTEGER PRIMARY KEY,
    message_id TEXT NOT NULL UNIQUE,
    recipients TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    sent_at TEXT,
    last_error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX mails_unsent ON mails(next_attempt_at) WHERE sent_at IS NULL;
CREATE TABLE notifications (
    id INTEGER PRIMARY KEY,
    dedup_key TEXT NOT NULL,
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL,
    dedup_until TEXT NOT NULL,
    mail_id INTEGER REFERENCES mails(id)
);
CREATE INDEX notifications_key ON notifications(dedup_key, dedup_until);
CREATE INDEX notifications_pending ON notifications(id) WHERE mail_id IS NULL;
"""


class OutboxError(Exception):
    """The outbox file cannot be used; the message names it and says what to do."""


def _ts(value: datetime) -> str:
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r}: pass a timezone-aware time")
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text.removesuffix("Z")).replace(tzinfo=UTC)


class SqliteOutbox:
    """The Outbox port over one SQLite file; every write commits before it returns."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path).expanduser().absolute()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._lock = ProcessLock(self.path)
        except LockHeld:
            raise OutboxError(f"The mail outbox {self.path} is in use by another TradeTerm; close it first.") from None
        except OSError as exc:
            raise OutboxError(f"Cannot create the mail outbox {self.path} ({exc.strerror}).") from None
        try:
            self._db = sqlite3.connect(self.path, isolation_level=None)
            self._prepare()
        except sqlite3.DatabaseError as exc:
            self._lock.release()
            raise OutboxError(
                f"The mail outbox {self.path} cannot be used ({exc}). Move it aside; unsent notifications in it "
                "will be lost."
            ) from None

    def _prepare(self) -> None:
        db = self._db
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        db.execute("PRAGMA foreign_keys=ON")
        app_id = db.execute("PRAGMA application_id").fetchone()[0]
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version == 0 and app_id == 0:
            db.execute("BEGIN IMMEDIATE")
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    db.execute(statement)
            db.execute(f"PRAGMA application_id={_APPLICATION_ID}")
            db.execute(f"PRAGMA user_version={_VERSION}")
            db.execute("COMMIT")
        elif app_id != _APPLICATION_ID:
            raise sqlite3.DatabaseError("it is not a TradeTerm mail outbox")
        elif version > _VERSION:
            raise sqlite3.DatabaseError(f"it was written by a newer TradeTerm (version {version})")

    def add_notifications(self, items: Sequence[tuple[str, str, str, str, datetime]], now: datetime) -> int:
        """Store (dedup_key, kind, subject, body, dedup_until) items whose key is not live; return how many."""
        stored = 0
        stamp = _ts(now)
        with self._transaction() as db:
            for key, kind, subject, body, until in items:
                live = db.execute(
                    "SELECT 1 FROM notifications WHERE dedup_key = ? AND dedup_until > ? LIMIT 1", (key, stamp)
                ).fetchone()
                if live is not None:
                    continue
                db.execute(
                    "INSERT INTO notifications (dedup_key, kind, subject, body, created_at, dedup_until) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (key, kind, subject, body, stamp, _ts(until)),
                )
                stored += 1
        return stored

    def pending_notifications(self) -> list[PendingNotification]:
        rows = self._db.execute(
            "SELECT id, kind, subject, body, created_at FROM notifications WHERE mail_id IS NULL ORDER BY id"
        ).fetchall()
        return [PendingNotification(r[0], r[1], r[2], r[3], _parse(r[4])) for r in rows]

    def batch(self, notification_ids: Sequence[int], message: MailMessage, now: datetime) -> int:
        """Queue message as a mail and mark the notifications batched, in one transaction; return the mail id."""
        if message.message_id is None:
            raise ValueError("a queued mail needs a message_id, so that a retry is recognisably the same mail")
        with self._transaction() as db:
            cursor = db.execute(
                "INSERT INTO mails (message_id, recipients, subject, body, created_at, next_attempt_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (message.message_id, json.dumps(list(message.to)), message.subject, message.body, _ts(now), _ts(now)),
            )
            mail_id = int(cursor.lastrowid or 0)
            db.executemany(
                "UPDATE notifications SET mail_id = ? WHERE id = ? AND mail_id IS NULL",
                [(mail_id, nid) for nid in notification_ids],
            )
        return mail_id

    def due_mails(self, now: datetime) -> list[QueuedMail]:
        rows = self._db.execute(
            "SELECT id, message_id, recipients, subject, body, attempts, next_attempt_at, last_error FROM mails "
            "WHERE sent_at IS NULL AND next_attempt_at <= ? ORDER BY id",
            (_ts(now),),
        ).fetchall()
        return [
            QueuedMail(r[0], MailMessage(r[3], r[4], tuple(json.loads(r[2])), r[1]), r[5], _parse(r[6]), r[7])
            for r in rows
        ]

    def next_due(self) -> datetime | None:
        row = self._db.execute("SELECT MIN(next_attempt_at) FROM mails WHERE sent_at IS NULL").fetchone()
        return None if row[0] is None else _parse(row[0])

    def mark_sent(self, mail_id: int, now: datetime) -> None:
        with self._transaction() as db:
            db.execute("UPDATE mails SET sent_at = ?, attempts = attempts + 1, last_error = '' WHERE id = ?",
                       (_ts(now), mail_id))

    def mark_failed(self, mail_id: int, error: str, next_attempt_at: datetime) -> None:
        with self._transaction() as db:
            db.execute("UPDATE mails SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? WHERE id = ?",
                       (error, _ts(next_attempt_at), mail_id))

    def unsent_count(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM mails WHERE sent_at IS NULL").fetchone()[0])

    def sent_count(self) -> int:
        """Return how many mails have been sent (kept for 30 days)."""
        return int(self._db.execute("SELECT COUNT(*) FROM mails WHERE sent_at IS NOT NULL").fetchone()[0])

    def prune(self, now: datetime) -> None:
        """Forget notifications and mails sent more than 30 days ago whose dedup window has passed."""
        cutoff, stamp = _ts(now - _KEEP_SENT), _ts(now)
        with self._transaction() as db:
            db.execute(
                "DELETE FROM notifications WHERE dedup_until < ? AND mail_id IN "
                "(SELECT id FROM mails WHERE sent_at IS NOT NULL AND sent_at < ?)",
                (stamp, cutoff),
            )
            db.execute(
                "DELETE FROM mails WHERE sent_at IS NOT NULL AND sent_at < ? AND id NOT IN "
                "(SELECT mail_id FROM notifications WHERE mail_id IS NOT NULL)",
                (cutoff,),
            )

    def close(self) -> None:
        self._db.close()
        self._lock.release()

    def _transaction(self) -> _Transaction:
        return _Transaction(self._db)


class _Transaction:
    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> sqlite3.Connection:
        self._db.execute("BEGIN IMMEDIATE")
        return self._db

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        self._db.execute("COMMIT" if exc_type is None else "ROLLBACK")
