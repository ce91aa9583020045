"""Fills a broker reports in one turn of the loop share one journal commit, and nothing sees one before it."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Sequence
from contextlib import closing
from decimal import Decimal
from pathlib import Path

import pytest

from core.adapters.paper.adapter import PaperBroker
from core.adapters.paper.config import PaperConfig
from core.domain import (
    AccountId,
    BrokerOrderId,
    Fill,
    FillRecorded,
    Order,
    OrderAccepted,
    OrderEvent,
    OrderFilled,
    OrderPendingCancel,
    OrderRequest,
    OrderStatus,
    OrderSubmitted,
    OrderType,
    Side,
)
from core.services.bus import EventBus
from core.services.oms import OrderManager
from core.services.risk import RiskConfig, RiskLimits
from core.services.session import TradingSession
from core.storage.journal import SqliteJournal
from tests.factories import make_fill, make_order

A1 = AccountId("PAPER-1")


class FillCountingJournal(SqliteJournal):
    """The real journal, keeping how many fills each of its fill transactions wrote."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.fill_commits: list[int] = []

    def record_fill(self, fill: Fill, order: Order | None = None, event: OrderEvent | None = None) -> bool:
        self.fill_commits.append(1)
        return super().record_fill(fill, order, event)

    def record_fills(self, fills: Sequence[tuple[Fill, Order | None, OrderEvent | None]]) -> list[bool]:
        self.fill_commits.append(len(fills))
        return super().record_fills(fills)


def fills_on_disk(path: Path) -> set[str]:
    """Read the trade ids another process would find in the journal now."""
    with closing(sqlite3.connect(path)) as other_process:
        return {row[0] for row in other_process.execute("SELECT trade_id FROM fills")}


@pytest.fixture
async def journal(tmp_path: Path) -> AsyncIterator[FillCountingJournal]:
    journal = FillCountingJournal(tmp_path / "journal.sqlite")
    yield journal
    journal.close()


def accepted(oms: OrderManager, quantity: str = "10") -> Order:
    order = make_order(quantity=quantity)
    order.apply(OrderSubmitted(order.client_order_id))
    oms.create(order)
    oms.apply(OrderAccepted(order.client_order_id, BrokerOrderId(f"B-{order.client_order_id}")))
    return order


async def test_fills_reported_in_one_turn_after_the_first_are_seen_only_once_one_commit_holds_them(
    journal: FillCountingJournal,
) -> None:
    bus = EventBus()
    oms = OrderManager(bus, journal)
    seen: list[str] = []
    bus.subscribe(FillRecorded, lambda event: seen.append(event.fill.trade_id))
    orders = [accepted(oms) for _ in range(3)]
    for k, order in enumerate(orders):  # as a broker reports them, one after another in one turn
        bus.publish(OrderFilled(order.client_order_id, make_fill(order,
                                                                 trade_id=f"T{k}", quantity="10")))
    assert seen == ["T0"], "the first fill of the turn is committed and shown at once"
    assert [o.status for o in orders] == [OrderStatus.FILLED, OrderStatus.ACCEPTED, OrderStatus.ACCEPTED]
    assert fills_on_disk(journal.path) == {"T0"}
    await asyncio.sleep(0)  # the end of the turn
    assert seen == ["T0", "T1", "T2"] and all(o.status is OrderStatus.FILLED for o in orders)
    assert fills_on_disk(journal.path) == {"T0", "T1", "T2"}
    assert journal.fill_commits == [1, 2]


async def test_a_cancel_of_an_order_whose_fill_is_held_is_journaled_after_that_fill(
    journal: FillCountingJournal,
) -> None:
    bus = EventBus()
    oms = OrderManager(bus, journal)
    first, partly = accepted(oms), accepted(oms)
    bus.publish(OrderFilled(first.client_order_id, make_fill(first, trade_id="T1",
                                                             quantity="10")))
    bus.publish(OrderFilled(partly.client_order_id, make_fill(partly,
                                                              trade_id="T2", quantity="4")))
    oms.apply(OrderPendingCancel(partly.client_order_id))  # the trader cancels what is left, in the same turn
    assert partly.status is OrderStatus.PENDING_CANCEL and partly.filled_qty == Decimal(4)
    assert fills_on_disk(journal.path) == {"T1", "T2"}
    restored = {o.client_order_id: o for o in journal.load().orders}[partly.client_order_id]
    assert (restored.status, restored.filled_qty) == (OrderStatus.PENDING_CANCEL, Decimal(4))


async def test_market_orders_sent_together_come_back_filled_and_their_fills_share_commits(tmp_path: Path) -> None:
    bus = EventBus()
    journal = FillCountingJournal(tmp_path / "journal.sqlite")
    session = TradingSession(bus, journal, risk=RiskConfig(RiskLimits(max_orders_per_second=100)))
    config = PaperConfig(tick_interval_s=60, state_path=str(tmp_path / "paper.json"), latency_s=0.01)
    session.add_account(PaperBroker(A1, config, bus.publish))
    await session.connect(A1)
    try:
        orders = await asyncio.gather(*(session.submit(OrderRequest(A1, "AAPL", Side.BUY, str(k), OrderType.MARKET))
                                        for k in range(1, 11)))
        assert [o.status for o in orders] == [OrderStatus.FILLED] * 10, "each submit returns once its fill is in"
        assert session.portfolio.position(A1, "AAPL").quantity == Decimal(55)
        assert sum(journal.fill_commits) == 10 and len(journal.fill_commits) < 10
    finally:
        await session.close()
        journal.close()
    with SqliteJournal(tmp_path / "journal.sqlite") as again:
        assert sum(f.quantity.value for f in again.load().fills) == Decimal(55)

