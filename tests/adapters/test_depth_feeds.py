"""Market depth from the paper market and from IB (ib_async against the TWS simulator): whole books on the bus,
own resting orders on their level, IB's insert/update/delete rows, and error 309 turned into a note."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import pytest

from core.adapters.ib.depth import DELETE, INSERT, UPDATE, DomSide
from core.adapters.paper.adapter import PaperBroker
from core.adapters.paper.config import PaperConfig
from core.domain import AccountId, Order, OrderType, Side
from core.domain.depth import DepthBook
from core.domain.tape import TradePrint
from core.ports.depth_feed import DepthFeed
from core.ports.time_and_sales import TimeAndSales
from core.services.bus import EventBus
from tests.adapters import ib_desk
from tests.adapters.ib_desk import ACCOUNT, Desk
from tests.factories import make_order
from tests.sims.tws.server import TwsSimulator

decoder_guard = ib_desk.decoder_guard


def test_tws_rows_are_a_list_insert_shifts_down_delete_shifts_up() -> None:
    side = DomSide()
    side.apply(0, INSERT, Decimal("10.00"), Decimal(5))
    side.apply(1, INSERT, Decimal("9.99"), Decimal(7))
    side.apply(0, INSERT, Decimal("10.01"), Decimal(1))  # a better bid arrives: the others move down
    assert [(str(p), int(s)) for p, s in side.rows] == [("10.01", 1), ("10.00", 5), ("9.99", 7)]
    side.apply(1, UPDATE, Decimal("10.00"), Decimal(8))
    side.apply(0, DELETE, Decimal("10.01"), Decimal(0))
    assert [(str(p), int(s)) for p, s in side.rows] == [("10.00", 8), ("9.99", 7)]
    side.apply(5, DELETE, Decimal(1), Decimal(0))  # a row it never had: ignored
    assert len(side.rows) == 2


async def test_paper_book_has_the_touch_on_top_and_a_resting_order_on_its_level(tmp_path: Path) -> None:
    bus = EventBus()
    books: list[DepthBook] = []
    bus.subscribe(DepthBook, books.append)
    broker = PaperBroker(AccountId("PAPER-1"), PaperConfig(state_path=None, tick_interval_s=60), bus.publish)
    assert isinstance(broker, DepthFeed)
    (aapl,) = [i for i in broker.instruments() if i.symbol == "AAPL"]
    await broker.subscribe([aapl])
    await broker.subscribe_depth(aapl, rows=5)
    await broker.connect()
    try:
        book = books[-1]
        quote = broker._market.quote("AAPL")
        assert (book.bids[0].price, book.bids[0].size) == (quote.bid, quote.bid_size)
        assert (book.asks[0].price, book.asks[0].size) == (quote.ask, quote.ask_size)
        assert [level.price for level in book.bids] == [quote.bid - i * aapl.tick_size for i in range(5)]
        level = quote.bid - 3 * aapl.tick_size
        before = next(lv.size for lv in book.bids if lv.price == level)
        order: Order = make_order(aapl, Side.BUY, "7", OrderType.LIMIT, str(level), account_id=AccountId("PAPER-1"))
        await broker.submit(order)
        after = next(lv.size for lv in books[-1].bids if lv.price == level)
        assert after == before + 7
    finally:
        await broker.disconnect()


@pytest.fixture(name="sim")
async def fixture_sim() -> AsyncIterator[TwsSimulator]:
    simulator = TwsSimulator(tick_interval_s=60)  # a still market: the book stays as first sent
    await simulator.start()
    yield simulator
    await simulator.stop()


async def test_ib_depth_matches_the_simulators_book_and_a_fourth_request_gets_error_309(
        sim: TwsSimulator, tmp_path: Path) -> None:
    desk = Desk(sim, tmp_path, symbols=["AAPL", "MSFT", "SPY", "EUR.USD"])
    await desk.session.connect(ACCOUNT)
    try:
        adapter = desk.adapter
        assert isinstance(adapter, DepthFeed)
        instruments = {i.symbol: i for i in adapter.instruments()}
        for symbol in ("AAPL", "MSFT", "SPY"):
            await adapter.subscribe_depth(instruments[symbol])
        book = await desk.events.wait_for(DepthBook, lambda b: b.symbol == "AAPL" and len(b.bids) == len(b.asks) == 10)
        expected = sim.depth_book("AAPL")
        assert expected is not None
        assert (book.bids, book.asks) == (expected.bids, expected.asks)
        await adapter.subscribe_depth(instruments["EUR.USD"])
        refused = await desk.events.wait_for(DepthBook, lambda b: b.symbol == "EUR.USD" and b.note != "")
        assert "309" in refused.note and "top of book only" in refused.note
        assert refused.bids == () and refused.asks == ()
    finally:
        await desk.close()



async def test_ib_time_and_sales_publishes_each_trade_the_simulator_prints(tmp_path: Path) -> None:
    simulator = TwsSimulator(tick_interval_s=0.05)
    await simulator.start()
    desk = Desk(simulator, tmp_path, symbols=["AAPL"])
    await desk.session.connect(ACCOUNT)
    try:
        adapter = desk.adapter
        assert isinstance(adapter, TimeAndSales)
        (aapl,) = adapter.instruments()
        await adapter.subscribe_tape(aapl)
        first = await desk.events.wait_for(TradePrint, lambda t: t.symbol == "AAPL")
        assert first.source == ACCOUNT and first.size > 0 and first.price > 0
        assert [m for m in simulator.requests if m[1][0] == "97" and m[1][14] == "AllLast"]
    finally:
        await desk.close()
        await simulator.stop()
