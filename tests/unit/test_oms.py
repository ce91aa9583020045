"""OrderManager against the real SQLite journal: dedupe, atomic fill journaling, foreign fills, bad events."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

from core.domain import (
    AccountId,
    BrokerOrderId,
    Event,
    FillRecorded,
    LogMessage,
    OrderAccepted,
    OrderCanceled,
    OrderFilled,
    OrderOrigin,
    OrderStatus,
    OrderSubmitted,
    OrderType,
    Side,
)
from core.services.bus import EventBus
from core.services.oms import OrderManager
from core.storage.journal import SqliteJournal
from tests.factories import make_fill, make_order


@pytest.fixture
def journal(tmp_path: Path):  # type: ignore[no-untyped-def]
    with SqliteJournal(tmp_path / "journal.sqlite") as j:
        yield j


def started(oms: OrderManager):  # type: ignore[no-untyped-def]
    order = make_order(quantity="100")
    order.apply(OrderSubmitted(order.client_order_id))
    oms.create(order)
    oms.apply(OrderAccepted(order.client_order_id, BrokerOrderId("B1")))
    return order


def test_the_same_fill_delivered_twice_counts_once(journal: SqliteJournal) -> None:
    bus, seen = EventBus(), []
    bus.subscribe(FillRecorded, seen.append)
    oms = OrderManager(bus, journal)
    order = started(oms)
    fill = make_fill(order, quantity="40", trade_id="E-1")
    oms.apply(OrderFilled(order.client_order_id, fill))
    oms.apply(OrderFilled(order.client_order_id, fill))
    assert order.filled_qty == Decimal(40) and order.status is OrderStatus.PARTIALLY_FILLED
    assert len(seen) == 1
    restored = {o.client_order_id: o for o in journal.load().orders}[order.client_order_id]
    assert restored.filled_qty == Decimal(40) and len(journal.load().fills) == 1


def test_a_fill_and_its_order_event_commit_together_or_not_at_all(journal: SqliteJournal) -> None:
    unjournaled = make_order()
    fill = make_fill(unjournaled, trade_id="E-9")
    with pytest.raises(ValueError, match="not journaled"):
        journal.record_fill(fill, unjournaled, OrderFilled(unjournaled.client_order_id, fill))
    assert not journal.has_fill(fill), "the fill rolled back with the failed order update"


def test_a_fill_of_an_order_placed_elsewhere_still_reaches_the_positions(journal: SqliteJournal) -> None:
    bus, seen = EventBus(), []
    bus.subscribe(Event, seen.append)
    oms = OrderManager(bus, journal)
    fill = make_fill(symbol="MSFT", trade_id="X-1")
    assert oms.record_external_fill(fill)
    assert not oms.record_external_fill(fill)
    assert [type(e) for e in seen] == [FillRecorded, LogMessage]
    assert "did not place" in seen[1].text


def test_an_event_the_table_forbids_is_journaled_flagged_and_reported(journal: SqliteJournal) -> None:
    bus, logs = EventBus(), []
    bus.subscribe(LogMessage, logs.append)
    oms = OrderManager(bus, journal)
    order = started(oms)
    oms.apply(OrderSubmitted(order.client_order_id))
    assert order.status is OrderStatus.ACCEPTED and order.needs_reconciliation
    assert "needs reconciliation" in logs[-1].text
    restored = journal.load().orders[0]
    assert restored.needs_reconciliation and restored.status is OrderStatus.ACCEPTED


def test_the_working_protective_orders_are_the_stops_and_targets_still_working_among_thousands_resting(
        journal: SqliteJournal) -> None:
    """What the positions grid's Protection column reads for each row it paints: not a walk of every resting order."""
    oms = OrderManager(EventBus(), journal)
    resting = [started(oms) for _ in range(50)]
    stop = make_order(order_type=OrderType.STOP, stop_price="90.00", side=Side.SELL)
    stop = replace(stop, origin=OrderOrigin.PROTECTIVE)
    stop.apply(OrderSubmitted(stop.client_order_id))
    oms.create(stop)
    oms.apply(OrderAccepted(stop.client_order_id, BrokerOrderId("B-stop")))
    assert oms.working_protective(stop.account_id) == [stop]
    assert oms.working_protective(AccountId("OTHER")) == []
    oms.apply(OrderCanceled(stop.client_order_id))
    assert oms.working_protective(stop.account_id) == [], "a canceled stop protects nothing"
    assert len(oms.working(stop.account_id)) == len(resting)
