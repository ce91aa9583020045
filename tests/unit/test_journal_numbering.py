"""Order events and audit lines keep their numbers across the format 11 migration; a commit no longer writes
sqlite_sequence (one page less in the log of every order's durable commit and every broker report's)."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from core.domain import BrokerOrderId, OrderAccepted, OrderCanceled, OrderSubmitted
from core.storage import SqliteJournal
from core.storage import order_rows as order_sql
from core.storage.schema import APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION
from tests.factories import make_order


def _format_10_journal(path: Path) -> None:
    """Write a journal as TradeTerm of format 10 left it: two orders with their events, two audit lines."""
    first, second = make_order(client_order_id="OLD-1"), make_order(client_order_id="OLD-2")
    for order in (first, second):
        order.apply(OrderSubmitted(order.client_order_id))
    second.apply(OrderCanceled(second.client_order_id))
    with closing(sqlite3.connect(path, isolation_level=None)) as conn:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("BEGIN")
        for version in range(1, 11):
            for step in MIGRATIONS[version]:
                assert isinstance(step, str)
                conn.execute(step)
        conn.execute("PRAGMA user_version = 10")
        conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        for order in (first, second):
            conn.execute(order_sql.INSERT_ORDER, order_sql.order_values(order))
            conn.executemany(order_sql.INSERT_EVENT, [order_sql.event_values(order, e) for e in order.events])
        conn.executemany("INSERT INTO audit (ts, actor, action, detail) VALUES (?, ?, ?, ?)",
                         [("2026-12-01T10:00:00.000000Z", "trader", "approve", "one"),
                          ("2026-12-01T10:00:01.000000Z", "trader", "approve", "two")])
        conn.execute("COMMIT")


def _sequence_rows(path: Path) -> list[tuple[str, int]]:
    with closing(sqlite3.connect(path)) as conn:
        return conn.execute("SELECT name, seq FROM sqlite_sequence ORDER BY name").fetchall()


def test_an_old_journal_keeps_its_numbers_and_new_entries_come_after_them(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite"
    _format_10_journal(path)
    with SqliteJournal(path) as journal:
        assert journal.pragma("user_version") == SCHEMA_VERSION
        third = make_order(client_order_id="NEW-3")
        third.apply(OrderSubmitted(third.client_order_id))
        journal.record_orders((third,))
        journal.record_event(third, OrderAccepted(third.client_order_id, broker_order_id=BrokerOrderId("B3")))
        journal.record_audit("trader", "approve", "three")
        orders = {o.client_order_id: o for o in journal.load().orders}
        assert [type(e).__name__ for e in orders["OLD-2"].events] == ["OrderSubmitted", "OrderCanceled"]
        assert [type(e).__name__ for e in orders["NEW-3"].events] == ["OrderSubmitted", "OrderAccepted"]
        assert [(a.seq, a.detail) for a in journal.audit_entries(["approve"])] == [(1, "one"), (2, "two"),
                                                                                   (3, "three")]
    with closing(sqlite3.connect(path)) as conn:
        assert conn.execute("SELECT client_order_id, seq FROM order_events ORDER BY seq").fetchall() == [
            ("OLD-1", 1), ("OLD-2", 2), ("OLD-2", 3), ("NEW-3", 4), ("NEW-3", 5)]
        assert conn.execute("PRAGMA quick_check").fetchall() == [("ok",)]


def test_a_commit_writes_no_sqlite_sequence_row(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite"
    _format_10_journal(path)
    assert _sequence_rows(path) == [("audit", 2), ("order_events", 3)]
    with SqliteJournal(path) as journal:
        order = make_order()
        order.apply(OrderSubmitted(order.client_order_id))
        journal.record_orders((order,))
        accepted = OrderAccepted(order.client_order_id, broker_order_id=BrokerOrderId("B1"))
        journal.record_event(order, accepted, defer=True)
        journal.write_deferred()
        journal.record_audit("trader", "approve", "again")
    assert _sequence_rows(path) == []
    with SqliteJournal(tmp_path / "new.sqlite") as journal:  # a new journal is made at format 1, then migrated
        order = make_order()
        order.apply(OrderSubmitted(order.client_order_id))
        journal.record_orders((order,))
        journal.record_audit("trader", "approve", "first")
    assert _sequence_rows(tmp_path / "new.sqlite") == []
