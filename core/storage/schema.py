"""The journal file's format: its schema, versions and migrations, and the check that a file is one we can use."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import closing
from datetime import datetime
from pathlib import Path
from typing import Final

from core.ports.journal import JournalError
from core.storage.checkpoint_schema import positions_checkpoint_migration
from core.storage.expiry_schema import order_expiry_migration
from core.storage.held_schema import held_orders_migration
from core.storage.journal_integrity import CORRUPT_WHAT_TO_DO, OpenCheck, plan_open_check
from core.storage.meta_schema import journal_meta_migration
from core.storage.product_schema import order_product_migration
from core.storage.sequence_schema import numbering_migration
from core.storage.trail_limit_schema import order_trail_limit_migration
from core.storage.trail_schema import order_trail_migration

SCHEMA_VERSION: Final = 11
"""The newest format this code reads and writes, kept in PRAGMA user_version."""
APPLICATION_ID: Final = 0x54725464  # "TrdT" in PRAGMA application_id marks a TradeTerm journal
_SQLITE_HEADER: Final = b"SQLite format 3\x00"

Step = str | Callable[[sqlite3.Connection], None]
"""One step of a migration: a statement, or a function that runs its own on the migrating connection."""

MIGRATIONS: Final[dict[int, tuple[Step, ...]]] = {
    1: (
        """CREATE TABLE orders (
            client_order_id TEXT PRIMARY KEY,
            account_id TEXT NOT NULL,
            symbol TEXT NOT NULL,
            instrument TEXT NOT NULL,
            side TEXT NOT NULL,
            orig_quantity TEXT NOT NULL,
            order_type TEXT NOT NULL,
            orig_limit_price TEXT,
            orig_stop_price TEXT,
            tif TEXT NOT NULL,
            origin TEXT NOT NULL,
            strategy_id TEXT,
            created_at TEXT NOT NULL,
            status TEXT NOT NULL,
            quantity TEXT NOT NULL,
            limit_price TEXT,
            stop_price TEXT,
            filled_qty TEXT NOT NULL,
            avg_fill_price TEXT,
            broker_order_id TEXT,
            reason TEXT NOT NULL,
            needs_reconciliation INTEGER NOT NULL
        )""",
        "CREATE INDEX orders_by_account_status ON orders (account_id, status)",
        """CREATE TABLE order_events (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            client_order_id TEXT NOT NULL REFERENCES orders (client_order_id),
            type TEXT NOT NULL,
            event TEXT NOT NULL,
            ts TEXT NOT NULL
        )""",
        "CREATE INDEX order_events_by_order ON order_events (client_order_id, seq)",
        """CREATE TABLE fills (
            account_id TEXT NOT NULL,
            trade_id TEXT NOT NULL,
            client_order_id TEXT,
            fill TEXT NOT NULL,
            ts TEXT NOT NULL,
            PRIMARY KEY (account_id, trade_id)
        )""",
        "CREATE INDEX fills_by_account_ts ON fills (account_id, ts)",
        "CREATE INDEX fills_by_ts ON fills (ts)",
        """CREATE TABLE audit (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            ts TEXT NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            detail TEXT NOT NULL
        )""",
    ),
    2: (  # a strategy's idempotency key is committed with the order it created (a retry finds that order)
        """CREATE TABLE intake_keys (
            strategy TEXT NOT NULL,
            key TEXT NOT NULL,
            body_hash TEXT NOT NULL,
            client_order_id TEXT NOT NULL UNIQUE REFERENCES orders (client_order_id),
            PRIMARY KEY (strategy, key)
        )""",
    ),
    3: (  # the history view pages orders newest first under any filter (history_queries.py): indexed keys
        # created_at keeps each order's own UTC offset; this is the same instant as fixed-width UTC text (ms).
        "ALTER TABLE orders ADD COLUMN created_utc TEXT GENERATED ALWAYS AS "
        "(strftime('%Y-%m-%dT%H:%M:%f', created_at)) VIRTUAL",
        "CREATE INDEX orders_by_created ON orders (created_utc)",
        "CREATE INDEX orders_by_account_created ON orders (account_id, created_utc)",
        "CREATE INDEX orders_by_symbol_created ON orders (symbol, created_utc)",
        "CREATE INDEX orders_by_status_created ON orders (status, created_utc)",
        "CREATE INDEX orders_by_strategy_created ON orders (strategy_id, created_utc) WHERE strategy_id IS NOT NULL",
        "CREATE INDEX audit_by_ts ON audit (ts)",
    ),
    4: held_orders_migration(),  # the children TradeTerm holds for brackets (held_schema.py)
    5: order_product_migration(),  # an order's product: CNC, MIS, NRML (product_schema.py)
    6: order_trail_migration(),  # a trailing stop's trail (trail_schema.py)
    7: order_trail_limit_migration(),  # a trailing stop-limit's limit offset (trail_limit_schema.py)
    8: order_expiry_migration(),  # a GTD order's end (expiry_schema.py)
    9: positions_checkpoint_migration(),  # what a restart reads instead of every fill (checkpoint_schema.py)
    10: journal_meta_migration(),  # clean close and last full integrity check (meta_schema.py, journal_integrity.py)
    11: numbering_migration(),  # order events and audit lines numbered without AUTOINCREMENT (sequence_schema.py)
}
"""The statements that bring a journal from version n-1 to version n."""


def inspect_existing(path: Path, now: datetime) -> OpenCheck:
    """Refuse, without writing to it, a file that is not a sound TradeTerm journal this code can read.

    SQLite's full check (PRAGMA quick_check, which reads the whole file) runs here unless the journal's
    meta shows that it may wait until after the first paint (journal_integrity.plan_open_check); return
    whether it ran, and why.
    """
    corrupt = f"The journal {path} is corrupt. TradeTerm has not changed it. {CORRUPT_WHAT_TO_DO}"
    if not path.is_file():
        raise JournalError(f"The journal {path} is not a file. Move it away or choose another --data-dir.")
    try:
        with path.open("rb") as file:
            header = file.read(len(_SQLITE_HEADER))
    except OSError as exc:
        raise JournalError(f"Cannot read the journal {path} ({exc.strerror}). Check its permissions.") from None
    if header == b"":
        # SQLite leaves a file empty only between creating it and the first write, which TradeTerm
        # makes at once (write-ahead logging writes the header); a journal that held orders never
        # shrinks to nothing. So an empty one was most likely truncated (a failed copy or sync, a
        # full disk): starting afresh on it would hide the loss of every working order.
        companions = [p.name for p in (Path(f"{path}-wal"), Path(f"{path}-shm")) if p.exists()]
        raise JournalError(
            f"The journal {path} is empty (0 bytes): it was truncated, or a first start in this folder stopped "
            "before it wrote anything. TradeTerm has not changed it. Restore it from a backup; if no order was "
            "ever placed from this folder, move it away to start an empty journal"
            + (f" (and {' and '.join(companions)} with it)." if companions else ".")
        )
    if header != _SQLITE_HEADER:
        raise JournalError(corrupt)
    # Read-only; without a log left by a crash, also immutable, so that not even -wal/-shm files appear.
    mode = "?mode=ro" if Path(f"{path}-wal").exists() else "?mode=ro&immutable=1"
    try:
        with closing(sqlite3.connect(path.as_uri() + mode, uri=True)) as conn:
            plan = plan_open_check(conn, path, now)
            check = conn.execute("PRAGMA quick_check").fetchall() if plan.full else [("ok",)]
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            has_tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] > 0
    except sqlite3.DatabaseError:
        raise JournalError(corrupt) from None
    if check != [("ok",)]:
        raise JournalError(corrupt)
    if version > SCHEMA_VERSION:
        raise JournalError(
            f"The journal {path} was written by a newer TradeTerm (format {version}; this version reads up "
            f"to {SCHEMA_VERSION}). TradeTerm has not changed it. Install the newer TradeTerm again, "
            "or choose another --data-dir."
        )
    if app_id != APPLICATION_ID and (app_id != 0 or has_tables):
        raise JournalError(
            f"{path} is a database of another application, not a TradeTerm journal. TradeTerm has not changed "
            "it. Choose another --data-dir."
        )
    return plan


def migrate(conn: sqlite3.Connection, then: Callable[[sqlite3.Connection], None] | None = None) -> None:
    """Bring an open journal (autocommit connection) to SCHEMA_VERSION in one transaction.

    then: more writes for the same transaction, once the format is current (the open's integrity notes).
    """
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise JournalError(f"journal format {version} is newer than this TradeTerm's ({SCHEMA_VERSION})")
        for target in range(version + 1, SCHEMA_VERSION + 1):
            for step in MIGRATIONS[target]:
                if isinstance(step, str):
                    conn.execute(step)
                else:
                    step(conn)
            conn.execute(f"PRAGMA user_version = {target}")
        if version < SCHEMA_VERSION:
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        if then is not None:
            then(conn)
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
