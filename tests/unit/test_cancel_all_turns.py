"""Cancel all over several slices: a turn of the event loop (a frame of the window) journals one slice's cancels or
sends one slice's cancels to the broker, not both for two slices; with the real paper broker and SQLite journal."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

from core.adapters.paper.adapter import PaperBroker
from core.adapters.paper.config import PaperConfig
from core.domain import AccountId, Order, OrderEvent, OrderRequest, OrderStatus, OrderType, Side
from core.services.bus import EventBus
from core.services.cancel_all import CANCEL_SLICE
from core.services.risk import RiskConfig, RiskLimits
from core.services.session import TradingSession
from core.storage.journal import SqliteJournal

A1 = AccountId("PAPER-1")
ORDERS = 2 * CANCEL_SLICE + 5


class TurnCounter:
    """Stands for Qt: one step per turn of the event loop."""

    def __init__(self) -> None:
        self.turn = 0

    async def run(self) -> None:
        while True:
            self.turn += 1
            await asyncio.sleep(0)


class WatchedJournal(SqliteJournal):
    """The real journal, noting the turn in which each cancel intent (PENDING_CANCEL) is journaled."""

    counter: TurnCounter
    intents: list[tuple[int, str]]

    def record_events(self, changes: Sequence[tuple[Order, OrderEvent]]) -> None:
        self.intents += [(self.counter.turn, str(order.client_order_id)) for order, _ in changes
                         if order.status is OrderStatus.PENDING_CANCEL]
        super().record_events(changes)


class WatchedPaperBroker(PaperBroker):
    """The real paper broker, noting the turn in which each cancel reaches it."""

    counter: TurnCounter
    cancels: list[tuple[int, str]]

    async def cancel_orders(self, orders: Sequence[Order]) -> None:
        self.cancels += [(self.counter.turn, str(order.client_order_id)) for order in orders]
        await super().cancel_orders(orders)


async def test_cancel_all_journals_and_sends_the_cancels_of_one_slice_a_turn_so_no_frame_waits_for_two(
        tmp_path: Path) -> None:
    counter = TurnCounter()
    bus = EventBus()
    journal = WatchedJournal(tmp_path / "journal.sqlite")
    journal.counter, journal.intents = counter, []
    session = TradingSession(bus, journal, risk=RiskConfig(RiskLimits()))  # no rate limit: the orders rest at once
    broker = WatchedPaperBroker(A1, PaperConfig(tick_interval_s=60, state_path=str(tmp_path / "paper.json")),
                                bus.publish)
    broker.counter, broker.cancels = counter, []
    session.add_account(broker)
    try:
        await session.connect(A1)
        quote = session.quotes.latest("AAPL", A1)
        assert quote is not None and quote.bid is not None
        below = (quote.bid * Decimal("0.97")).quantize(Decimal("0.01"))  # resting, inside the price collar
        resting = [await session.submit(OrderRequest(A1, "AAPL", Side.BUY, "1", OrderType.LIMIT,
                                                     below - Decimal("0.01") * k)) for k in range(ORDERS)]
        assert all(order.status is OrderStatus.ACCEPTED for order in resting)
        window = asyncio.ensure_future(counter.run())
        try:
            assert await session.cancel_all(A1) == ORDERS
        finally:
            window.cancel()
        assert all(order.status is OrderStatus.CANCELED for order in resting)
        assert sorted(c for _, c in journal.intents) == sorted(c for _, c in broker.cancels), "each journaled, sent"
        slice_of = {str(order.client_order_id): k // CANCEL_SLICE for k, order in enumerate(resting)}
        slices_in_turn: dict[int, set[int]] = {}
        for turn, coid in [*journal.intents, *broker.cancels]:
            slices_in_turn.setdefault(turn, set()).add(slice_of[coid])
        crowded = {turn: sorted(slices) for turn, slices in slices_in_turn.items() if len(slices) > 1}
        assert not crowded, f"turns that journaled or sent the cancels of more than one slice: {crowded}"
    finally:
        await session.close()
        journal.close()
