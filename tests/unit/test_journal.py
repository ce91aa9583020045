"""SqliteJournal: what was committed comes back exactly after a restart or a crash; bad files are refused untouched."""

from __future__ import annotations

import logging
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from core.domain import (
    AccountId,
    BrokerOrderId,
    ClientOrderId,
    Order,
    OrderAccepted,
    OrderCanceled,
    OrderEvent,
    OrderFilled,
    OrderModified,
    OrderPendingApproval,
    OrderPendingCancel,
    OrderStatus,
    OrderSubmitted,
    Price,
    Quantity,
)
from core.ports.journal import Journal, JournalError, JournalState
from core.storage import SqliteJournal
from core.storage.schema import SCHEMA_VERSION
from tests.factories import make_fill, make_order

REPO = Path(__file__).resolve().parents[2]
T0 = datetime(2024, 6, 3, 14, 30, tzinfo=UTC)


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "journal.sqlite"


@pytest.fixture
def journal(path: Path) -> Iterator[SqliteJournal]:
    journal = SqliteJournal(path)
    yield journal
    journal.close()


def restart(journal: SqliteJournal) -> JournalState:
    """Close the journal, open the file again as a restarted TradeTerm would, and load it."""
    journal.close()
    with SqliteJournal(journal.path) as again:
        return again.load()


def step(journal: SqliteJournal, order: Order, event: OrderEvent) -> None:
    order.apply(event)
    journal.record_event(order, event)


def assert_same_order(restored: Order, original: Order) -> None:
    for name in ("client_order_id", "account_id", "instrument", "side", "quantity", "order_type", "limit_price",
                 "stop_price", "tif", "origin", "strategy_id", "created_at", "status", "filled_qty",
                 "avg_fill_price", "broker_order_id", "reason", "needs_reconciliation", "events"):
        assert getattr(restored, name) == getattr(original, name), name


def file_bytes(path: Path) -> bytes:
    return path.read_bytes()


def test_the_journal_satisfies_the_port(journal: SqliteJournal) -> None:
    port: Journal = journal
    assert port is journal


# --- round trips ---------------------------------------------------------------------------------


def test_an_order_with_a_partial_fill_and_a_cancel_restores_identically(journal: SqliteJournal) -> None:
    order = make_order(quantity="100", limit_price="10.00")
    journal.record_order(order)
    step(journal, order, OrderSubmitted(order.client_order_id))
    step(journal, order, OrderAccepted(order.client_order_id, BrokerOrderId("B-77")))
    fill = make_fill(order, quantity="30", price="9.99", commission="1.25")
    assert journal.record_fill(fill)
    step(journal, order, OrderFilled(order.client_order_id, fill))
    step(journal, order, OrderPendingCancel(order.client_order_id))
    step(journal, order, OrderCanceled(order.client_order_id, reason="trader canceled"))

    state = restart(journal)

    (restored,) = state.orders
    assert_same_order(restored, order)
    assert restored.status is OrderStatus.CANCELED
    assert restored.filled_qty == Decimal("30")
    assert restored.avg_fill_price == Decimal("9.99")
    assert restored.broker_order_id == "B-77"
    assert restored.reason == "trader canceled"
    assert [type(e).__name__ for e in restored.events] == [
        "OrderSubmitted", "OrderAccepted", "OrderFilled", "OrderPendingCancel", "OrderCanceled"]
    assert state.fills == (fill,)


def test_events_present_at_creation_are_committed_with_the_order(journal: SqliteJournal) -> None:
    order = make_order()
    order.apply(OrderPendingApproval(order.client_order_id))
    journal.record_order(order)

    (restored,) = restart(journal).orders

    assert restored.status is OrderStatus.PENDING_APPROVAL
    assert restored.events == order.events


def test_a_modified_order_restores_from_its_original_size_plus_the_modify_event(journal: SqliteJournal) -> None:
    order = make_order(quantity="100", limit_price="50.00")
    journal.record_order(order)
    step(journal, order, OrderSubmitted(order.client_order_id))
    step(journal, order, OrderAccepted(order.client_order_id, BrokerOrderId("B-1")))
    step(journal, order, OrderModified(order.client_order_id, Quantity("60"), limit_price=Price("49.50")))

    (restored,) = restart(journal).orders

    assert_same_order(restored, order)
    assert restored.quantity == Quantity("60")
    assert restored.limit_price == Price("49.50")


def test_an_unexpected_event_is_replayed_into_the_same_needs_reconciliation_flag(journal: SqliteJournal) -> None:
    order = make_order()
    journal.record_order(order)
    step(journal, order, OrderAccepted(order.client_order_id, BrokerOrderId("B-1")))  # skipped SUBMITTED
    assert order.needs_reconciliation

    (restored,) = restart(journal).orders

    assert_same_order(restored, order)


def test_orders_come_back_in_the_order_they_were_created(journal: SqliteJournal) -> None:
    orders = [make_order(client_order_id=f"ORD{i}") for i in range(5)]
    for order in orders:
        journal.record_order(order)
    assert [o.client_order_id for o in restart(journal).orders] == ["ORD0", "ORD1", "ORD2", "ORD3", "ORD4"]


def test_the_orders_row_shows_the_current_state_for_queries(journal: SqliteJournal, path: Path) -> None:
    order = make_order(quantity="10")
    journal.record_order(order)
    step(journal, order, OrderSubmitted(order.client_order_id))
    step(journal, order, OrderAccepted(order.client_order_id, BrokerOrderId("B-9")))
    step(journal, order, OrderFilled(order.client_order_id, make_fill(order, quantity="4", price="100.50")))
    with closing(sqlite3.connect(path)) as conn:
        row = conn.execute(
            "SELECT status, orig_quantity, filled_qty, avg_fill_price, broker_order_id FROM orders"
        ).fetchone()
    assert row == ("PARTIALLY_FILLED", "10", "4", "100.50", "B-9")


# --- fills, watermark, audit ---------------------------------------------------------------------


def test_a_duplicate_fill_is_refused_and_changes_nothing(journal: SqliteJournal) -> None:
    first = make_fill(trade_id="EXEC-1", price="10")
    again = make_fill(trade_id="EXEC-1", price="11")
    other_account = make_fill(trade_id="EXEC-1", account_id=AccountId("IB-1"))

    assert journal.record_fill(first) is True
    assert journal.record_fill(again) is False
    assert journal.record_fill(other_account) is True

    assert restart(journal).fills == (first, other_account)


def test_a_trade_id_another_orders_fill_had_is_a_new_fill_and_each_is_found_again(journal: SqliteJournal) -> None:
    """Kite's trade ids are the exchange's trade numbers: they start again each day and per exchange."""
    yesterday = make_fill(make_order(client_order_id="T-YESTERDAY"), trade_id="10000001", price="1515")
    today = make_fill(make_order(client_order_id="T-TODAY"), trade_id="10000001", price="1521")
    also_bse = make_fill(make_order(client_order_id="T-BSE"), trade_id="10000001", price="1522")
    assert journal.record_fill(yesterday) is True
    assert journal.has_fill(today) is False, "another order's fill under the same trade number is not a duplicate"
    assert journal.record_fills([(today, None, None), (also_bse, None, None)]) == [True, True]
    for fill in (yesterday, today, also_bse):
        assert journal.has_fill(fill) and journal.record_fill(fill) is False, "each is found the next time it comes"
    assert restart(journal).fills == (yesterday, today, also_bse), "each keeps Kite's own trade id"


def test_fills_load_oldest_first_whatever_the_order_they_arrived_in(journal: SqliteJournal) -> None:
    late = make_fill(trade_id="B", ts=T0 + timedelta(minutes=5))
    early = make_fill(trade_id="A", ts=(T0 + timedelta(minutes=1)).astimezone(datetime.now().astimezone().tzinfo))
    journal.record_fill(late)
    journal.record_fill(early)
    assert [f.trade_id for f in restart(journal).fills] == ["A", "B"]


def test_watermark_is_the_time_of_the_newest_fill_of_that_account(journal: SqliteJournal) -> None:
    account = AccountId("KITE-1")
    assert journal.watermark(account) is None
    journal.record_fill(make_fill(account_id=account, ts=T0 + timedelta(hours=2)))
    journal.record_fill(make_fill(account_id=account, ts=T0))  # arrives later, happened earlier
    journal.record_fill(make_fill(account_id=AccountId("IB-1"), ts=T0 + timedelta(hours=9)))
    assert journal.watermark(account) == T0 + timedelta(hours=2)


def test_audit_entries_are_committed(journal: SqliteJournal, path: Path) -> None:
    stamp = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
    journal.close()
    with SqliteJournal(path, now=lambda: stamp) as audited:
        audited.record_audit("trader", "kill_switch", "canceled 3 orders")
    with closing(sqlite3.connect(path)) as conn:
        rows = conn.execute("SELECT ts, actor, action, detail FROM audit").fetchall()
    assert rows == [("2024-01-02T03:04:05.000000Z", "trader", "kill_switch", "canceled 3 orders")]


def test_the_newest_audit_entry_of_an_action_is_found_by_the_start_of_its_detail(journal: SqliteJournal) -> None:
    assert journal.latest_audit("resume") is None
    journal.record_audit("ana", "resume", "all accounts: now ACTIVE")
    journal.record_audit("bob", "resume", "PAPER-1: now ACTIVE")
    journal.record_audit("cy", "kill_switch", "halted all accounts")
    newest = journal.latest_audit("resume")
    assert newest is not None and (newest.actor, newest.detail) == ("bob", "PAPER-1: now ACTIVE")
    everyone = journal.latest_audit("resume", "all accounts:")
    assert everyone is not None and everyone.actor == "ana" and everyone.seq < newest.seq
    assert everyone.ts.tzinfo is not None
    assert journal.latest_audit("resume", "IB-1:") is None


def test_recording_an_order_twice_or_an_event_of_an_unknown_order_is_refused(journal: SqliteJournal) -> None:
    order = make_order()
    journal.record_order(order)
    with pytest.raises(ValueError, match="already journaled"):
        journal.record_order(order)
    stranger = make_order()
    with pytest.raises(ValueError, match="not journaled"):
        journal.record_event(stranger, OrderSubmitted(stranger.client_order_id))
    (restored,) = restart(journal).orders
    assert restored.events == []


# --- durability ----------------------------------------------------------------------------------


def test_wal_and_synchronous_full_are_in_force(journal: SqliteJournal, path: Path) -> None:
    assert journal.pragma("journal_mode") == "wal"
    assert journal.pragma("synchronous") == 2  # FULL
    assert journal.pragma("foreign_keys") == 1
    assert journal.pragma("user_version") == SCHEMA_VERSION
    with closing(sqlite3.connect(path)) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)  # persistent in the file


def test_a_broker_report_skips_the_disk_flush_but_the_next_intent_is_flushed_again(journal: SqliteJournal) -> None:
    order = make_order(client_order_id="ACK1")
    order.apply(OrderSubmitted(order.client_order_id))
    journal.record_order(order)
    accepted = OrderAccepted(order.client_order_id, BrokerOrderId("B-1"))
    order.apply(accepted)
    journal.record_event(order, accepted)
    assert journal.pragma("synchronous") == 2  # back to FULL for the next intent or fill
    with pytest.raises(ValueError, match="not journaled"):
        stray = make_order(client_order_id="NOPE")
        journal.record_event(stray, OrderAccepted(ClientOrderId("NOPE"), BrokerOrderId("B")))
    assert journal.pragma("synchronous") == 2  # a failed report restores it too
    assert [type(e).__name__ for e in journal.load().orders[0].events] == ["OrderSubmitted", "OrderAccepted"]


def stored_statuses(path: Path) -> dict[str, str]:
    """Read the orders' statuses as another process would see the file now."""
    with closing(sqlite3.connect(path)) as conn:
        return dict(conn.execute("SELECT client_order_id, status FROM orders").fetchall())


def test_deferred_broker_reports_are_committed_in_order_with_the_next_transaction(journal: SqliteJournal) -> None:
    first, second = make_order(client_order_id="DEF1"), make_order(client_order_id="DEF2")
    for order in (first, second):
        order.apply(OrderSubmitted(order.client_order_id))
    journal.record_order(first)
    reports = [OrderAccepted(first.client_order_id, BrokerOrderId("B-1")), OrderPendingCancel(first.client_order_id),
               OrderCanceled(first.client_order_id, "canceled by the trader")]
    first.apply(reports[0])
    journal.record_event(first, reports[0], defer=True)
    assert stored_statuses(journal.path) == {"DEF1": "SUBMITTED"}  # kept for the next transaction
    first.apply(reports[1])
    journal.record_event(first, reports[1], defer=True)  # an intent: committed at once, the report before it
    assert stored_statuses(journal.path) == {"DEF1": "PENDING_CANCEL"}
    first.apply(reports[2])
    journal.record_event(first, reports[2], defer=True)
    journal.record_order(second)  # another order's intent carries the deferred report with it
    assert stored_statuses(journal.path) == {"DEF1": "CANCELED", "DEF2": "SUBMITTED"}
    (again, _) = restart(journal).orders
    assert [type(e).__name__ for e in again.events] == [
        "OrderSubmitted", "OrderAccepted", "OrderPendingCancel", "OrderCanceled"]


def test_write_deferred_and_close_commit_what_waits(path: Path) -> None:
    journal = SqliteJournal(path)
    orders = [make_order(client_order_id=f"W{k}") for k in range(3)]
    for order in orders:
        order.apply(OrderSubmitted(order.client_order_id))
    journal.record_orders(orders)
    for order in orders[:2]:
        accepted = OrderAccepted(order.client_order_id, BrokerOrderId(f"B-{order.client_order_id}"))
        order.apply(accepted)
        journal.record_event(order, accepted, defer=True)
    journal.write_deferred()
    assert stored_statuses(path) == {"W0": "ACCEPTED", "W1": "ACCEPTED", "W2": "SUBMITTED"}
    accepted = OrderAccepted(orders[2].client_order_id, BrokerOrderId("B-W2"))
    orders[2].apply(accepted)
    journal.record_event(orders[2], accepted, defer=True)
    journal.close()
    assert stored_statuses(path) == {"W0": "ACCEPTED", "W1": "ACCEPTED", "W2": "ACCEPTED"}


def test_the_log_is_checkpointed_after_the_orders_went_out_not_inside_an_orders_commit(journal: SqliteJournal) -> None:
    empty = journal.path.stat().st_size
    for k in range(200):  # about 1,400 pages of log: SQLite alone would checkpoint inside one of these commits
        order = make_order(client_order_id=f"CK{k}")
        order.apply(OrderSubmitted(order.client_order_id))
        journal.record_order(order)
    assert journal.path.stat().st_size == empty, "an order's commit copied the log into the database"
    journal.write_deferred()  # the end of the loop's turn, after the orders went out
    assert journal.path.stat().st_size > empty + 200 * 200  # the orders are in the database file now
    assert len(restart(journal).orders) == 200


def test_after_a_checkpoint_the_log_starts_over_with_the_broker_reports_not_in_the_next_orders_commit(
        journal: SqliteJournal) -> None:
    """A log that starts over flushes its new header to disk before its first frame: a second disk flush in that
    transaction. It belongs after the orders went out (write_deferred), not in a click's commit."""
    wal = Path(f"{journal.path}-wal")

    def generation() -> int:  # the write-ahead log header's checkpoint sequence: +1 each time the log starts over
        return int.from_bytes(wal.read_bytes()[12:16], "big")

    started_over_in_an_order = 0
    before = generation() if wal.exists() and wal.stat().st_size else None
    for k in range(250):  # 500 transactions: a checkpoint is due several times
        order = make_order(client_order_id=f"GEN{k}")
        order.apply(OrderSubmitted(order.client_order_id))
        seen = generation() if wal.stat().st_size else None
        journal.record_order(order)  # a click's durable commit
        started_over_in_an_order += seen is not None and generation() != seen
        accepted = OrderAccepted(order.client_order_id, BrokerOrderId(f"B-{k}"))
        order.apply(accepted)
        journal.record_event(order, accepted, defer=True)
        journal.write_deferred()  # the end of the loop's turn, after the order went out
    assert generation() > (before or 0) + 1, "the log started over after its checkpoints"
    assert started_over_in_an_order == 0, "no order's commit started the log over"
    assert len(restart(journal).orders) == 250


def test_record_events_commits_all_of_them_or_none(journal: SqliteJournal) -> None:
    orders = [make_order(client_order_id=f"EV{k}") for k in range(3)]
    for order in orders:
        order.apply(OrderSubmitted(order.client_order_id))
    journal.record_orders(orders[:2])  # the third is not journaled
    changes = []
    for order in orders:
        event = OrderPendingCancel(order.client_order_id)
        order.apply(event)
        changes.append((order, event))
    with pytest.raises(ValueError, match="EV2 is not journaled"):
        journal.record_events(changes)
    assert stored_statuses(journal.path) == {"EV0": "SUBMITTED", "EV1": "SUBMITTED"}
    journal.record_events(changes[:2])
    assert stored_statuses(journal.path) == {"EV0": "PENDING_CANCEL", "EV1": "PENDING_CANCEL"}


def test_a_missing_file_is_created_with_its_folder(tmp_path: Path) -> None:
    path = tmp_path / "new" / "deeper" / "journal.sqlite"
    with SqliteJournal(path) as journal:
        assert journal.load() == JournalState(orders=(), fills=())
    assert path.is_file()


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_a_killed_process_loses_nothing_it_committed(path: Path) -> None:
    script = textwrap.dedent(
        """
        import os, signal, sys
        from core.domain import BrokerOrderId, OrderAccepted, OrderFilled, OrderSubmitted
        from core.storage import SqliteJournal
        from tests.factories import make_fill, make_order

        journal = SqliteJournal(sys.argv[1])
        order = make_order(client_order_id="CRASH1", quantity="100")
        order.apply(OrderSubmitted(order.client_order_id))
        journal.record_order(order)
        for event in (
            OrderAccepted(order.client_order_id, BrokerOrderId("B-1")),
            OrderFilled(order.client_order_id, make_fill(order, quantity="40", price="10.5", trade_id="E-1")),
        ):
            order.apply(event)
            if isinstance(event, OrderFilled):
                journal.record_fill(event.fill)
            journal.record_event(order, event)
        print("committed", flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(path)], cwd=REPO, capture_output=True, text=True, timeout=60,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert done.returncode == -signal.SIGKILL, done.stderr
    assert done.stdout.strip() == "committed"
    assert Path(f"{path}-wal").stat().st_size > 0  # the commits are still in the un-checkpointed log

    with SqliteJournal(path) as journal:  # the dead process's lock is gone
        state = journal.load()

    (order,) = state.orders
    assert order.client_order_id == "CRASH1"
    assert [type(e).__name__ for e in order.events] == ["OrderSubmitted", "OrderAccepted", "OrderFilled"]
    assert order.status is OrderStatus.PARTIALLY_FILLED
    assert order.filled_qty == Decimal("40")
    assert [f.trade_id for f in state.fills] == ["E-1"]


# --- files that must be refused and left alone ---------------------------------------------------


def test_a_file_that_is_not_sqlite_is_refused_as_corrupt_and_left_byte_identical(path: Path) -> None:
    path.parent.mkdir(parents=True)
    path.write_bytes(b"this is not a database\x00" * 100)
    before = file_bytes(path)
    with pytest.raises(JournalError, match="corrupt") as refused:
        SqliteJournal(path)
    assert str(path) in str(refused.value)
    assert file_bytes(path) == before
    assert not Path(f"{path}-wal").exists()


def test_a_damaged_database_fails_quick_check_and_is_left_byte_identical(path: Path) -> None:
    with SqliteJournal(path) as journal:
        for i in range(200):
            journal.record_audit("test", "fill the pages", "x" * 200 + str(i))
    data = bytearray(path.read_bytes())
    page_size = int.from_bytes(data[16:18], "big")
    for page in range(1, len(data) // page_size):
        start = page * page_size
        data[start:start + 8] = b"\xff" * 8  # wreck every b-tree page header
    path.write_bytes(bytes(data))

    with pytest.raises(JournalError, match="corrupt"):
        SqliteJournal(path)
    assert file_bytes(path) == bytes(data)


def test_a_journal_from_a_newer_tradeterm_is_refused_and_left_byte_identical(path: Path) -> None:
    with SqliteJournal(path):
        pass
    with closing(sqlite3.connect(path)) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
        conn.commit()
    before = file_bytes(path)
    with pytest.raises(JournalError, match="written by a newer TradeTerm"):
        SqliteJournal(path)
    assert file_bytes(path) == before
    assert not Path(f"{path}-wal").exists() and not Path(f"{path}-shm").exists()


def test_another_applications_database_is_refused(path: Path) -> None:
    path.parent.mkdir(parents=True)
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("CREATE TABLE photos (id INTEGER)")
        conn.commit()
    before = file_bytes(path)
    with pytest.raises(JournalError, match="not a TradeTerm journal"):
        SqliteJournal(path)
    assert file_bytes(path) == before


def test_a_second_opener_is_refused_until_the_first_closes(journal: SqliteJournal, path: Path) -> None:
    with pytest.raises(JournalError, match="already open in another TradeTerm"):
        SqliteJournal(path)
    journal.close()
    with SqliteJournal(path) as again:
        assert again.load().orders == ()


def test_an_unwritable_location_is_refused_with_what_to_do(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the data folder should be")
    with pytest.raises(JournalError, match="--data-dir") as refused:
        SqliteJournal(blocker / "journal.sqlite")
    assert str(blocker) in str(refused.value)


def test_an_unreadable_event_names_the_file_and_the_event_type(journal: SqliteJournal, path: Path) -> None:
    order = make_order(client_order_id="ODD1")
    journal.record_order(order)
    journal.close()
    with closing(sqlite3.connect(path)) as conn:
        conn.execute(
            "INSERT INTO order_events (client_order_id, type, event, ts) VALUES (?, ?, ?, ?)",
            ("ODD1", "OrderTeleported", '{"type": "OrderTeleported", "client_order_id": "ODD1"}', "x"),
        )
        conn.commit()
    with SqliteJournal(path) as again, pytest.raises(JournalError, match="OrderTeleported") as refused:
        again.load()
    assert str(path) in str(refused.value)
    assert "ODD1" in str(refused.value)


def test_a_closed_journal_refuses_writes_clearly(journal: SqliteJournal) -> None:
    journal.close()
    journal.close()  # harmless
    with pytest.raises(JournalError, match="closed"):
        journal.record_fill(make_fill())


def test_a_batch_with_an_order_already_journaled_names_it_and_records_none(journal: SqliteJournal) -> None:
    old = make_order(client_order_id="DUP1")
    journal.record_order(old)
    batch = [make_order(client_order_id=f"NEW{k}") for k in range(3)]
    for order in batch:
        order.apply(OrderSubmitted(order.client_order_id))
    with pytest.raises(ValueError, match="order DUP1 is already journaled"):
        journal.record_orders([batch[0], batch[1], old, batch[2]])
    with pytest.raises(ValueError, match="order NEW1 is already journaled"):
        journal.record_orders([batch[0], batch[1], batch[2], batch[1]])  # twice in one batch
    assert stored_statuses(journal.path) == {"DUP1": "INITIALIZED"}
    journal.record_orders(batch)
    restored = {order.client_order_id: order for order in restart(journal).orders}
    assert [type(e).__name__ for e in restored["NEW2"].events] == ["OrderSubmitted"]
    assert sorted(restored) == ["DUP1", "NEW0", "NEW1", "NEW2"]


def test_deferred_reports_of_an_order_it_does_not_hold_are_dropped_and_the_others_kept(
    journal: SqliteJournal, caplog: pytest.LogCaptureFixture
) -> None:
    held = [make_order(client_order_id=f"H{k}") for k in range(2)]
    for order in held:
        order.apply(OrderSubmitted(order.client_order_id))
    journal.record_orders(held)
    stranger = make_order(client_order_id="STRANGER")
    stranger.apply(OrderSubmitted(stranger.client_order_id))
    for order in (held[0], stranger, held[1]):
        accepted = OrderAccepted(order.client_order_id, BrokerOrderId(f"B-{order.client_order_id}"))
        order.apply(accepted)
        journal.record_event(order, accepted, defer=True)
    with caplog.at_level(logging.ERROR):
        journal.write_deferred()
    assert "order STRANGER, which it does not hold, was dropped" in caplog.text
    assert stored_statuses(journal.path) == {"H0": "ACCEPTED", "H1": "ACCEPTED"}
    restored = {order.client_order_id: order for order in restart(journal).orders}
    assert [[type(e).__name__ for e in restored[k].events] for k in ("H0", "H1")] == [
        ["OrderSubmitted", "OrderAccepted"]] * 2


def test_an_empty_journal_with_a_write_ahead_log_beside_it_is_refused_naming_both(tmp_path: Path) -> None:
    """Its orders may be in the log: moving the journal away without it would let a new journal meet an old log."""
    path = tmp_path / "journal.sqlite"
    path.write_bytes(b"")
    wal = tmp_path / "journal.sqlite-wal"
    wal.write_bytes(b"frames of a journal" * 50)
    with pytest.raises(JournalError, match=r"is empty \(0 bytes\).*journal\.sqlite-wal with it"):
        SqliteJournal(path)
    assert (path.read_bytes(), wal.read_bytes()) == (b"", b"frames of a journal" * 50)
    assert not (tmp_path / "journal.sqlite-shm").exists()


def test_audit_entries_since_a_time_leave_out_the_older_ones(path: Path) -> None:
    now = [datetime(2026, 3, 1, 12, tzinfo=UTC)]
    journal = SqliteJournal(path, now=lambda: now[0])
    for day in range(5):
        now[0] = datetime(2026, 3, 1 + day, 12, tzinfo=UTC)
        journal.record_audit("risk engine", "drawdown_day", f"day {day + 1}")
    journal.record_audit("trader", "resume", "not asked for")
    since = datetime(2026, 3, 4, tzinfo=UTC)
    assert [e.detail for e in journal.audit_entries(("drawdown_day",), since)] == ["day 4", "day 5"]
    assert len(journal.audit_entries(("drawdown_day",))) == 5
    journal.close()
