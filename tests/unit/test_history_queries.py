"""The history reader: every order of any day, paged and filtered, read while the journal writes; fills; audit."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from core.domain import (
    AccountId,
    BrokerOrderId,
    Order,
    OrderAccepted,
    OrderCanceled,
    OrderOrigin,
    OrderPendingApproval,
    OrderPendingCancel,
    OrderRejected,
    OrderStatus,
    OrderSubmitted,
    Side,
    StrategyId,
)
from core.ports.history import AuditFilter, DateRangeError, FillFilter, OrderFilter, TimeRange
from core.storage import SqliteJournal, history_queries
from core.storage.history_queries import HistoryReader
from core.storage.schema import SCHEMA_VERSION
from tests.factories import make_fill, make_instrument, make_order

DAY1 = datetime(2026, 12, 4, 15, 0, tzinfo=UTC)
DAY2 = datetime(2026, 12, 5, 15, 0, tzinfo=UTC)


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "journal.sqlite"


@pytest.fixture
def journal(path: Path) -> Iterator[SqliteJournal]:
    with SqliteJournal(path) as journal:
        yield journal


def placed(coid: str, at: datetime, symbol: str = "AAPL", account: str = "PAPER-1", **changes: object) -> Order:
    order = make_order(make_instrument(symbol), client_order_id=coid, account_id=AccountId(account))
    order.created_at = at
    for name, value in changes.items():
        setattr(order, name, value)
    return order


def rejected(journal: SqliteJournal, coid: str, at: datetime, reason: str, **kw: object) -> Order:
    order = placed(coid, at, **kw)
    order.apply(OrderSubmitted(order.client_order_id, ts=at))
    journal.record_order(order)
    event = OrderRejected(order.client_order_id, reason, ts=at + timedelta(seconds=1))
    order.apply(event)
    journal.record_event(order, event)
    return order


def test_an_order_rejected_on_an_earlier_day_is_listed_with_its_reason_and_times(journal: SqliteJournal,
                                                                                 path: Path) -> None:
    rejected(journal, "OLD-1", DAY1, "Price outside the collar")
    working = placed("NEW-1", DAY2)
    working.apply(OrderSubmitted(working.client_order_id, ts=DAY2))
    journal.record_order(working)

    with HistoryReader(path) as reader:
        rows = reader.orders_page().rows
        assert [r.client_order_id for r in rows] == ["NEW-1", "OLD-1"], "newest first"
        old = rows[1]
        assert old.status is OrderStatus.REJECTED and old.reason == "Price outside the collar"
        assert old.created_at == DAY1 and old.updated_at == DAY1 + timedelta(seconds=1)
        assert old.origin_label == "ticket"
        hour = timedelta(hours=1)
        only_day1 = reader.orders_page(OrderFilter(range=TimeRange(DAY1 - hour, DAY1 + hour)))
        assert [r.client_order_id for r in only_day1.rows] == ["OLD-1"]
        assert [r.client_order_id for r in reader.orders_page(OrderFilter(statuses=(OrderStatus.REJECTED,))).rows] \
            == ["OLD-1"]
        assert [r.client_order_id for r in reader.orders_page(OrderFilter(text="collar")).rows] == ["OLD-1"]


def test_pages_follow_one_another_without_gaps_or_repeats_under_each_filter(journal: SqliteJournal, path: Path) -> None:
    orders = [placed(f"O{i:03d}", DAY1 + timedelta(minutes=i % 7, seconds=i), symbol=("AAPL", "MSFT")[i % 2],
                     account=("A", "B")[i % 3 == 0]) for i in range(57)]
    journal.record_orders(orders)
    with HistoryReader(path) as reader:
        for where in (OrderFilter(), OrderFilter(account="B"), OrderFilter(symbol="MSFT"),
                      OrderFilter(account="A", symbol="AAPL")):
            seen: list[str] = []
            page = reader.orders_page(where, limit=10)
            seen += [r.client_order_id for r in page.rows]
            while page.next is not None:
                page = reader.orders_page(where, page.next, limit=10)
                seen += [r.client_order_id for r in page.rows]
            expected = sorted((o for o in orders if (where.account in (None, o.account_id))
                               and (where.symbol in (None, o.symbol))),
                              key=lambda o: o.created_at, reverse=True)
            assert seen == [o.client_order_id for o in expected]
            assert reader.count_orders(where) == len(expected)


def test_origin_says_strategy_approval_and_kill_switch(path: Path) -> None:
    clock = [DAY2]
    with SqliteJournal(path, now=lambda: clock[0]) as journal:
        strategy = placed("S-1", DAY2, origin=OrderOrigin.STRATEGY, strategy_id=StrategyId("momo"))
        strategy.apply(OrderPendingApproval(strategy.client_order_id, ts=DAY2))
        journal.record_order(strategy)
        for event in (OrderSubmitted(strategy.client_order_id, ts=DAY2), OrderAccepted(
                strategy.client_order_id, BrokerOrderId("B1"), ts=DAY2)):
            strategy.apply(event)
            journal.record_event(strategy, event)
        clock[0] = DAY2 + timedelta(minutes=1)
        journal.record_audit("trader", "kill_switch", "halted all accounts; cancelling 1 working order(s)")
        for event in (OrderPendingCancel(strategy.client_order_id, ts=DAY2 + timedelta(minutes=1, seconds=1)),
                      OrderCanceled(strategy.client_order_id, ts=DAY2 + timedelta(minutes=1, seconds=2))):
            strategy.apply(event)
            journal.record_event(strategy, event)
    with HistoryReader(path) as reader:
        (row,) = reader.orders_page(OrderFilter(strategy="momo")).rows
    assert row.origin_label == "strategy momo, approved"
    assert row.status_label == "CANCELED (kill switch)"


def test_fills_across_days_and_commission_totals_per_day_and_account(journal: SqliteJournal, path: Path) -> None:
    for ts, account, commission in ((DAY1, "A", "1.25"), (DAY1, "A", "0.75"), (DAY2, "A", "2"), (DAY2, "B", "0.5")):
        journal.record_fill(make_fill(account_id=AccountId(account), commission=commission, ts=ts))
    with HistoryReader(path) as reader:
        assert len(reader.fills_page().rows) == 4
        assert [f.ts for f in reader.fills_page(FillFilter(account="A")).rows] == [DAY2, DAY1, DAY1]
        totals = reader.commission_totals(tz=UTC)
        assert reader.accounts() == ["A", "B"]
    assert [(t.day, t.account_id, t.total, t.fills) for t in totals] == [
        (date(2026, 12, 4), "A", Decimal("2.00"), 2), (date(2026, 12, 5), "A", Decimal("2"), 1),
        (date(2026, 12, 5), "B", Decimal("0.5"), 1)]


def test_the_audit_trail_reads_newest_first_and_filters_by_action(path: Path) -> None:
    with SqliteJournal(path, now=lambda: DAY2) as journal:
        journal.record_audit("ann", "kill_switch", "halted all accounts")
        journal.record_audit("ann", "resume", "ALL: now ACTIVE")
        journal.record_audit("bob", "approve", "S-1 BUY 10 AAPL")
    with HistoryReader(path) as reader:
        assert [e.action for e in reader.audit_page().rows] == ["approve", "resume", "kill_switch"]
        assert [e.actor for e in reader.audit_page(AuditFilter(actions=("resume", "kill_switch"))).rows] == ["ann"] * 2
        assert [e.action for e in reader.audit_page(AuditFilter(text="bob")).rows] == ["approve"]


def test_a_reversed_or_empty_range_is_refused_with_what_to_do() -> None:
    with pytest.raises(DateRangeError, match="reversed"):
        TimeRange.of_days(date(2026, 12, 5), date(2026, 12, 4))
    with pytest.raises(DateRangeError, match="empty"):
        TimeRange(DAY1, DAY1)
    one_day = TimeRange.of_days(date(2026, 12, 5), date(2026, 12, 5), timezone(timedelta(hours=5, minutes=30)))
    assert one_day.start == datetime(2026, 12, 4, 18, 30, tzinfo=UTC)
    assert one_day.end == datetime(2026, 12, 5, 18, 30, tzinfo=UTC)


def test_an_order_stored_with_another_utc_offset_sorts_by_its_instant(journal: SqliteJournal, path: Path) -> None:
    india = timezone(timedelta(hours=5, minutes=30))
    journal.record_orders([placed("UTC-LATER", datetime(2026, 12, 5, 10, 0, tzinfo=UTC)),
                           placed("IST-EARLIER", datetime(2026, 12, 5, 15, 0, tzinfo=india))])  # 09:30 UTC
    with HistoryReader(path) as reader:
        assert [r.client_order_id for r in reader.orders_page().rows] == ["UTC-LATER", "IST-EARLIER"]


def test_a_journal_of_the_previous_format_migrates_and_its_orders_are_in_history(path: Path) -> None:
    with SqliteJournal(path) as journal:
        rejected(journal, "OLD-1", DAY1, "no margin")
    with closing(sqlite3.connect(path)) as conn:  # as the previous TradeTerm left it
        conn.execute("ALTER TABLE orders DROP COLUMN expire_at")  # format 8's
        conn.execute("ALTER TABLE orders DROP COLUMN trail_limit_offset")  # format 7's
        conn.execute("ALTER TABLE orders DROP COLUMN trail")  # format 6's
        conn.execute("DROP TABLE held_orders")  # format 4's
        conn.execute("ALTER TABLE orders DROP COLUMN product")  # format 5's
        for index in ("orders_by_created", "orders_by_account_created", "orders_by_symbol_created",
                      "orders_by_status_created", "orders_by_strategy_created", "audit_by_ts"):
            conn.execute(f"DROP INDEX {index}")
        conn.execute("ALTER TABLE orders DROP COLUMN created_utc")
        conn.execute("PRAGMA user_version = 2")
        conn.commit()
    with HistoryReader(path) as reader:  # read as it is (the CLI may read a journal no newer TradeTerm opened)
        assert [r.client_order_id for r in reader.orders_page(OrderFilter(statuses=(OrderStatus.REJECTED,))).rows] \
            == ["OLD-1"]
    with SqliteJournal(path) as journal:
        assert journal.pragma("user_version") == SCHEMA_VERSION
        assert [o.client_order_id for o in journal.load().orders] == ["OLD-1"]
    with HistoryReader(path) as reader, closing(sqlite3.connect(path)) as conn:
        assert [r.reason for r in reader.orders_page().rows] == ["no margin"]
        plan = conn.execute("EXPLAIN QUERY PLAN SELECT rowid FROM orders WHERE account_id = 'A' "
                            "ORDER BY created_utc DESC, rowid DESC LIMIT 10").fetchall()
        assert "orders_by_account_created" in str(plan), plan


def test_the_reader_sees_what_the_journal_commits_while_both_are_open(journal: SqliteJournal, path: Path) -> None:
    with HistoryReader(path) as reader:
        assert reader.orders_page().rows == ()
        rejected(journal, "LIVE-1", DAY2, "halted", side=Side.SELL)
        assert [r.client_order_id for r in reader.orders_page().rows] == ["LIVE-1"]
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            reader._conn.execute("DELETE FROM orders")


def test_a_text_search_pages_through_a_bounded_scan_and_finds_every_match_in_order(
        journal: SqliteJournal, path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(history_queries, "SEARCH_SCAN", 10)  # a million orders' budget, at the scale of a test
    orders = [placed(f"O{i:03d}" + ("-margin" if i % 23 == 4 else ""), DAY1 + timedelta(minutes=i),
                     account=("A", "B")[i % 2]) for i in range(57)]
    journal.record_orders(orders)
    expected = [o.client_order_id for o in reversed(orders) if "margin" in o.client_order_id]
    with HistoryReader(path) as reader:
        found: list[str] = []
        page = reader.orders_page(OrderFilter(text="MARGIN"), limit=2)
        pages = [page]
        while page.next is not None:
            page = reader.orders_page(OrderFilter(text="MARGIN"), page.next, limit=2)
            pages.append(page)
        found = [r.client_order_id for p in pages for r in p.rows]
        assert found == expected
        assert any(p.searched_to is not None and not p.rows for p in pages), "some pages only searched further"
        assert reader.count_orders(OrderFilter(text="margin")) == len(expected)
        only_b = [r.client_order_id for r in reader.orders_page(OrderFilter(account="B", text="margin"),
                                                               limit=100).rows]
        assert set(only_b) <= set(expected) and all(int(c[1:4]) % 2 == 1 for c in only_b)
