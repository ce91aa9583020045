"""Flatten of many positions: each close and each cancel is in the journal before the broker sees it, and the
event loop (the window) turns between the slices of closes; with the real paper broker and SQLite journal."""

from __future__ import annotations

import asyncio
import itertools
import sqlite3
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager, closing
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from core.adapters.paper.adapter import PaperBroker
from core.adapters.paper.config import PaperConfig
from core.domain import AccountId, Order, OrderRequest, OrderStatus, OrderType, Side
from core.domain.events import FillRecorded
from core.services.bus import EventBus
from core.services.flatten import CLOSE_SLICE, FlattenResult
from core.services.risk import RiskConfig, RiskLimits
from core.services.session import TradingSession
from core.storage.journal import SqliteJournal
from tests.factories import make_instrument

A1 = AccountId("PAPER-1")
SYMBOLS = [f"S{k:03d}" for k in range(2 * CLOSE_SLICE + 5)]


class WatchedPaperBroker(PaperBroker):
    """The paper broker, reading the journal (as another process would) when each order or cancel reaches it."""

    journal_path: Path
    seen_submits: list[str | None]
    seen_cancels: list[str | None]

    def _stored(self, order: Order) -> str | None:
        with closing(sqlite3.connect(self.journal_path)) as other_process:
            row = other_process.execute("SELECT status FROM orders WHERE client_order_id = ?",
                                        (str(order.client_order_id),)).fetchone()
        return None if row is None else str(row[0])

    async def submit(self, order: Order) -> None:
        self.seen_submits.append(self._stored(order))
        await super().submit(order)

    async def cancel(self, order: Order) -> None:
        self.seen_cancels.append(self._stored(order))
        await super().cancel(order)

    async def cancel_orders(self, orders: Sequence[Order]) -> None:
        self.seen_cancels += [self._stored(order) for order in orders]
        await super().cancel_orders(orders)


@dataclass
class Watched:
    """What a flatten of SYMBOLS did, watched turn by turn (a turn stands for a frame of the window)."""

    session: TradingSession
    broker: WatchedPaperBroker
    result: FlattenResult
    turns_at_submit: list[int] = field(default_factory=list)
    """The turn of the loop in which each close reached the broker, in the order they reached it."""
    fills: list[tuple[int, str]] = field(default_factory=list)
    """Each fill committed to the journal (FillRecorded): the turn of the loop it was in, and its symbol."""


@asynccontextmanager
async def flattened(tmp_path: Path) -> AsyncIterator[Watched]:
    """Open a position and rest an order in each of SYMBOLS, then flatten them all, counting the loop's turns."""
    bus = EventBus()
    journal = SqliteJournal(tmp_path / "journal.sqlite")
    session = TradingSession(bus, journal, risk=RiskConfig(RiskLimits(max_gross_exposure=Decimal(10_000_000))))
    broker = WatchedPaperBroker(A1, PaperConfig(tick_interval_s=60, state_path=str(tmp_path / "paper.json")),
                                bus.publish, instruments=[make_instrument(s) for s in SYMBOLS],
                                start_prices={s: Decimal("50.00") for s in SYMBOLS})
    broker.journal_path, broker.seen_submits, broker.seen_cancels = journal.path, [], []
    session.add_account(broker)
    try:
        await session.connect(A1)
        for symbol in SYMBOLS:
            quote = session.quotes.latest(symbol, A1)
            assert quote is not None and quote.ask is not None and quote.bid is not None
            bought = await session.submit(OrderRequest(A1, symbol, Side.BUY, "3", OrderType.LIMIT, quote.ask))
            resting = await session.submit(OrderRequest(A1, symbol, Side.BUY, "1", OrderType.LIMIT,
                                                        quote.bid - Decimal("5.00")))
            assert (bought.status, resting.status) == (OrderStatus.FILLED, OrderStatus.ACCEPTED)
        broker.seen_submits.clear()
        turns = 0
        turns_at_submit: list[int] = []
        fills: list[tuple[int, str]] = []
        submit = broker.submit

        async def counted(order: Order) -> None:
            turns_at_submit.append(turns)
            await submit(order)

        broker.submit = counted  # type: ignore[method-assign]
        bus.subscribe(FillRecorded, lambda event: fills.append((turns, event.fill.symbol)))

        async def window() -> None:  # stands for Qt: one step per turn of the event loop
            nonlocal turns
            while True:
                turns += 1
                await asyncio.sleep(0)

        painting = asyncio.ensure_future(window())
        try:
            result = await session.flatten(A1)
        finally:
            painting.cancel()
        yield Watched(session, broker, result, turns_at_submit, fills)
    finally:
        await session.close()
        journal.close()


async def test_flatten_of_many_positions_journals_each_close_and_cancel_first_and_lets_the_loop_turn(
        tmp_path: Path) -> None:
    async with flattened(tmp_path) as watched:
        session, broker, result = watched.session, watched.broker, watched.result
        assert len(result.sent) == len(SYMBOLS) and not result.not_sent
        assert all(o.status is OrderStatus.FILLED for o in result.sent)
        assert all(session.portfolio.position(A1, s).quantity == 0 for s in SYMBOLS)  # type: ignore[union-attr]
        assert broker.seen_cancels == ["PENDING_CANCEL"] * len(SYMBOLS), "each cancel journaled before it went out"
        assert broker.seen_submits == ["SUBMITTED"] * len(SYMBOLS), "each close journaled before it went out"
        assert not session.oms.working(A1)
        turns_at_submit = watched.turns_at_submit
        chunks = [turns_at_submit[k:k + CLOSE_SLICE] for k in range(0, len(SYMBOLS), CLOSE_SLICE)]
        assert len(chunks) == 3 and all(a[-1] < b[0] for a, b in itertools.pairwise(chunks)), (
            f"slices of {CLOSE_SLICE} closes, the loop turning between them: {chunks}")


async def test_flatten_sends_closes_and_commits_fills_of_one_slice_a_turn_so_no_frame_waits_for_several(
        tmp_path: Path) -> None:
    """A turn of the loop that sent a slice of closes and committed another slice's fills (and started a third,
    and flushed the broker's reports of a fourth) kept the window from painting for all of them at once."""
    async with flattened(tmp_path) as watched:
        sent = [order.symbol for order in watched.result.sent]
        assert len(sent) == len(SYMBOLS) and len(watched.fills) == len(SYMBOLS)
        slice_of = {symbol: k // CLOSE_SLICE for k, symbol in enumerate(sent)}
        slices_in_turn: dict[int, set[int]] = {}
        for turn, symbol in [*zip(watched.turns_at_submit, sent, strict=True), *watched.fills]:
            slices_in_turn.setdefault(turn, set()).add(slice_of[symbol])
        crowded = {turn: sorted(slices) for turn, slices in slices_in_turn.items() if len(slices) > 1}
        assert not crowded, f"turns that sent or committed the closes of more than one slice: {crowded}"
