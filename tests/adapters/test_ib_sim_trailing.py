"""The TWS simulator's TRAIL orders, driven by the real ib_async client: the stop follows the market by an amount
or a percent, never back, and goes out at market when touched; no offset is error 158 as in TWS."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from decimal import Decimal

import pytest
from ib_async import IB, Order, Stock, Trade

from core.domain import Quote
from tests.sims.tws import TwsSimulator
from tests.sims.tws.orders import SimOrder
from tests.sims.tws.testing import no_decoder_errors
from tests.sims.tws.trailing import NO_OFFSET, trade_at


@pytest.fixture
async def sim() -> AsyncIterator[TwsSimulator]:
    simulator = TwsSimulator(tick_interval_s=3600)  # the market moves only when a test prints a price
    await simulator.start()
    yield simulator
    await simulator.stop()


@pytest.fixture
async def ib(sim: TwsSimulator) -> AsyncIterator[IB]:
    client = IB()
    with no_decoder_errors():
        await client.connectAsync("127.0.0.1", sim.port, clientId=5, timeout=5)
        yield client
        client.disconnect()


async def until(condition: Callable[[], bool]) -> None:
    for _ in range(500):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition not reached in time")


def at_sim(sim: TwsSimulator, trade: Trade) -> SimOrder:
    return sim.book.orders[(5, trade.order.orderId)]


async def place_trail(ib: IB, sim: TwsSimulator, amount: float | None = None, percent: float | None = None
                      ) -> tuple[Trade, SimOrder]:
    order = Order(action="SELL", totalQuantity=10, orderType="TRAIL")
    if amount is not None:
        order.auxPrice = amount
    if percent is not None:
        order.trailingPercent = percent
    trade = ib.placeOrder(Stock("AAPL", "SMART", "USD"), order)
    await until(lambda: trade.orderStatus.status == "PreSubmitted")
    return trade, at_sim(sim, trade)


def print_bid(sim: TwsSimulator, bid: Decimal) -> None:
    trade_at(sim, Quote("AAPL", bid=bid, ask=bid + Decimal("0.01")))


async def test_a_trail_by_amount_follows_the_bid_up_never_down_and_fills_when_touched(
    ib: IB, sim: TwsSimulator
) -> None:
    bid = sim.market.quote("AAPL").bid
    assert bid is not None
    trade, order = await place_trail(ib, sim, amount=1.0)
    assert sim.book.trailing.stop_of(order, sim.book.engine) == bid - 1
    print_bid(sim, bid + 3)
    assert sim.book.trailing.stop_of(order, sim.book.engine) == bid + 2, "the stop rose with the bid"
    print_bid(sim, bid + Decimal("2.50"))
    assert sim.book.trailing.stop_of(order, sim.book.engine) == bid + 2, "and does not fall back"
    assert trade.orderStatus.status == "PreSubmitted"
    print_bid(sim, bid + Decimal("1.90"))
    await until(lambda: trade.orderStatus.status == "Filled")
    assert Decimal(str(trade.orderStatus.avgFillPrice)) == bid + Decimal("1.90"), "out at market when touched"


async def test_a_trail_by_percent_keeps_its_distance_on_tick(ib: IB, sim: TwsSimulator) -> None:
    _, order = await place_trail(ib, sim, percent=1.0)
    print_bid(sim, Decimal("200.00"))
    assert sim.book.trailing.stop_of(order, sim.book.engine) == Decimal("198.00")
    print_bid(sim, Decimal("201.55"))
    assert sim.book.trailing.stop_of(order, sim.book.engine) == Decimal("199.53"), "1% below, floored to the tick"


async def test_a_trail_without_an_offset_is_refused_with_158(ib: IB, sim: TwsSimulator) -> None:
    trade = ib.placeOrder(Stock("AAPL", "SMART", "USD"), Order(action="SELL", totalQuantity=10, orderType="TRAIL"))
    await until(lambda: trade.orderStatus.status == "Cancelled")
    assert any(entry.errorCode == 158 and NO_OFFSET in entry.message for entry in trade.log)
