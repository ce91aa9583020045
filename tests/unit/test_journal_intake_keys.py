"""A strategy's idempotency key lives in the journal, committed with the order it created; old journals open."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from core.domain import ClientOrderId
from core.ports.journal import DuplicateIntakeKey, IntakeKey, IntakeRecord
from core.storage import SqliteJournal
from core.storage.idempotency import IdempotencyStore
from core.storage.schema import SCHEMA_VERSION
from tests.factories import make_order

KEY = IntakeKey("momo", "intent-1", "hash-of-the-body")


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "journal.sqlite"


@pytest.fixture
def journal(path: Path) -> Iterator[SqliteJournal]:
    journal = SqliteJournal(path)
    yield journal
    journal.close()


def test_a_key_committed_with_its_order_is_found_after_a_restart(journal: SqliteJournal, path: Path) -> None:
    order = make_order(client_order_id="A1")
    journal.record_orders([order], {order.client_order_id: KEY})
    journal.close()
    with SqliteJournal(path) as again:
        assert again.find_intake("momo", "intent-1") == IntakeRecord(KEY, ClientOrderId("A1"))
        assert again.find_intake("other-strategy", "intent-1") is None, "a key belongs to its strategy"
        assert again.find_intake("momo", "intent-2") is None


def test_a_key_another_order_holds_is_refused_and_that_order_is_not_recorded(journal: SqliteJournal) -> None:
    first, second, bystander = (make_order(client_order_id=c) for c in ("A1", "A2", "A3"))
    journal.record_orders([first], {first.client_order_id: KEY})
    with pytest.raises(DuplicateIntakeKey) as refused:
        journal.record_orders([bystander, second], {second.client_order_id: IntakeKey("momo", "intent-1", "other")})
    assert refused.value.key.key == "intent-1"
    assert [o.client_order_id for o in journal.load().orders] == ["A1"], "nothing of the refused batch is journaled"
    assert journal.find_intake("momo", "intent-1") == IntakeRecord(KEY, ClientOrderId("A1"))


def test_one_key_twice_in_one_batch_records_neither(journal: SqliteJournal) -> None:
    one, two = make_order(client_order_id="B1"), make_order(client_order_id="B2")
    with pytest.raises(DuplicateIntakeKey):
        journal.record_orders([one, two], {one.client_order_id: KEY, two.client_order_id: KEY})
    assert journal.load().orders == ()
    assert journal.find_intake("momo", "intent-1") is None


def test_a_journal_of_the_first_format_opens_keeps_its_orders_and_takes_keys(path: Path) -> None:
    with SqliteJournal(path) as journal:
        journal.record_order(make_order(client_order_id="OLD1"))
    with closing(sqlite3.connect(path)) as conn:  # as TradeTerm wrote it before keys moved into the journal
        conn.execute("DROP TABLE intake_keys")
        conn.execute("ALTER TABLE orders DROP COLUMN expire_at")  # format 8's
        conn.execute("ALTER TABLE orders DROP COLUMN trail_limit_offset")  # format 7's
        conn.execute("ALTER TABLE orders DROP COLUMN trail")  # format 6's
        conn.execute("DROP TABLE held_orders")  # format 4's
        conn.execute("ALTER TABLE orders DROP COLUMN product")  # format 5's
        for index in ("orders_by_created", "orders_by_account_created", "orders_by_symbol_created",
                      "orders_by_status_created", "orders_by_strategy_created", "audit_by_ts"):  # format 3's
            conn.execute(f"DROP INDEX {index}")
        conn.execute("ALTER TABLE orders DROP COLUMN created_utc")
        conn.execute("PRAGMA user_version = 1")
        conn.commit()

    with SqliteJournal(path) as journal:
        assert journal.pragma("user_version") == SCHEMA_VERSION
        assert [o.client_order_id for o in journal.load().orders] == ["OLD1"]
        new = make_order(client_order_id="NEW1")
        journal.record_orders([new], {new.client_order_id: KEY})
        assert journal.find_intake("momo", "intent-1") == IntakeRecord(KEY, ClientOrderId("NEW1"))


def test_the_keys_an_older_tradeterm_kept_beside_the_journal_are_adopted(journal: SqliteJournal,
                                                                         tmp_path: Path) -> None:
    beside = tmp_path / "strategy_api.sqlite"
    with closing(sqlite3.connect(beside)) as conn:  # the file as the previous version wrote it
        conn.execute("CREATE TABLE idempotency_keys (strategy TEXT NOT NULL, key TEXT NOT NULL, body_hash TEXT NOT "
                     "NULL, client_order_id TEXT NOT NULL, created_at TEXT NOT NULL, PRIMARY KEY (strategy, key))")
        conn.executemany("INSERT INTO idempotency_keys VALUES (?, ?, ?, ?, '2026-12-01T10:00:00+00:00')",
                         [("momo", "old-1", "h1", "OLD1"), ("momo", "gone", "h2", "NOT-IN-THE-JOURNAL")])
        conn.commit()
    journal.record_order(make_order(client_order_id="OLD1"))
    store = IdempotencyStore(beside)
    try:
        assert journal.adopt_intake_keys(store.legacy_keys()) == 1
        assert journal.adopt_intake_keys(store.legacy_keys()) == 0, "adopting again changes nothing"
    finally:
        store.close()
    assert journal.find_intake("momo", "old-1") == IntakeRecord(IntakeKey("momo", "old-1", "h1"), ClientOrderId("OLD1"))
    assert journal.find_intake("momo", "gone") is None
