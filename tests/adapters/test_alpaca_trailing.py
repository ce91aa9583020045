"""Trailing stops on Alpaca through a real TradingSession and alpaca-py against the Alpaca simulator: the order
goes out as Alpaca's trailing_stop (trail_price or trail_percent), its stop follows the bid up, never down, and
it sells at market when touched."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from decimal import Decimal
from pathlib import Path

import pytest

from core.adapters.alpaca.adapter import AlpacaBroker, create
from core.domain import AccountId, OrderRequest, OrderStatus, OrderType, Quote, Side
from core.domain.trailing import Trail
from core.services.bus import EventBus
from core.services.session import OrderRefused, TradingSession
from core.storage.journal import SqliteJournal
from tests.sims.alpaca.server import AlpacaSimulator
from tests.sims.alpaca.testing import sim_fixture, sim_settings

sim = sim_fixture(tick_interval_s=3600)  # the market moves only when a test steps it
ACCOUNT = AccountId("ALPACA-T")


@pytest.fixture
async def desk(sim: AlpacaSimulator, tmp_path: Path) -> AsyncIterator[tuple[TradingSession, AlpacaBroker]]:
    bus = EventBus()
    session = TradingSession(bus, SqliteJournal(tmp_path / "journal.sqlite"))
    adapter = create(ACCOUNT, sim_settings(sim), bus.publish)
    session.add_account(adapter)
    await session.connect(ACCOUNT)
    yield session, adapter
    await session.close()
    await adapter.disconnect()
    session.journal.close()


async def until(condition: Callable[[], bool], what: str) -> None:
    for _ in range(500):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(what)


async def test_a_sell_trail_rides_the_bid_up_at_alpaca_never_down_and_sells_when_touched(
    sim: AlpacaSimulator, desk: tuple[TradingSession, AlpacaBroker]
) -> None:
    session, _ = desk
    exchange = sim.exchange
    session.bus.publish_quotes([Quote("AAPL", bid=exchange.market.quote("AAPL").bid,
                                      ask=exchange.market.quote("AAPL").ask, source=str(ACCOUNT))])
    order = await session.submit(OrderRequest(ACCOUNT, "AAPL", Side.SELL, "1", OrderType.TRAIL, trail_amount="0.30"))
    assert order.trail == Trail(Decimal("0.30"))
    at_alpaca = exchange.by_client_order_id(str(order.client_order_id))
    assert (at_alpaca["type"], at_alpaca["trail_price"], at_alpaca["trail_percent"]) == ("trailing_stop", "0.3", None)
    exchange.step()
    stop = Decimal(at_alpaca["stop_price"])
    rises = holds = 0
    for _ in range(5000):  # the simulator's own market, a step at a time
        exchange.step()
        if at_alpaca["status"] == "filled":
            break
        now = Decimal(at_alpaca["stop_price"])
        assert now >= stop, "the stop never comes down"
        bid = exchange.market.quote("AAPL").bid
        assert bid is not None
        rises += now > stop
        holds += now == stop and bid - Decimal("0.30") < stop
        stop = now
    else:
        raise AssertionError("the market never came back to the stop")
    assert rises >= 1 and holds >= 1, "the market went up and down while it worked"
    assert Decimal(at_alpaca["filled_avg_price"]) <= stop, "out at market once touched"
    await until(lambda: order.status is OrderStatus.FILLED, "our books follow Alpaca's fill")


async def test_a_trailing_stop_limit_is_refused_for_alpaca_which_has_trailing_stops_only(
    sim: AlpacaSimulator, desk: tuple[TradingSession, AlpacaBroker]
) -> None:
    session, _adapter = desk
    request = OrderRequest(ACCOUNT, "AAPL", Side.SELL, "1", OrderType.TRAIL_LIMIT, trail_amount="1",
                           trail_limit_offset="0.10")
    with pytest.raises(OrderRefused, match=r"ALPACA-T cannot take a trailing stop-limit.*Use a trailing stop") as no:
        await session.submit(request)
    assert no.value.errors[0].field == "order_type"
    assert session.journal.load().orders == ()


async def test_the_order_learns_where_alpacas_trailing_stop_stands_up_with_the_bid_never_down(
    sim: AlpacaSimulator, desk: tuple[TradingSession, AlpacaBroker]
) -> None:
    session, _ = desk
    clock = iter(range(1, 1_000_000))
    session.oms.trail_moves.now = lambda: float(next(clock))  # each move a second after the last: none waits
    exchange = sim.exchange
    session.bus.publish_quotes([Quote("AAPL", bid=exchange.market.quote("AAPL").bid,
                                      ask=exchange.market.quote("AAPL").ask, source=str(ACCOUNT))])
    order = await session.submit(OrderRequest(ACCOUNT, "AAPL", Side.SELL, "1", OrderType.TRAIL, trail_amount="0.30"))
    at_alpaca = exchange.by_client_order_id(str(order.client_order_id))
    exchange.step()  # Alpaca takes it on: new, its stop a trail from the bid
    await until(lambda: order.trail_stop is not None and str(order.trail_stop.value) == at_alpaca["stop_price"],
                "the stop Alpaca shows on the order")
    seen = [order.trail_stop.value]
    for _ in range(5000):
        exchange.step()
        if at_alpaca["status"] != "new":
            break
        shown = Decimal(at_alpaca["stop_price"])
        if shown != seen[-1]:
            await until(lambda shown=shown: order.trail_stop is not None and order.trail_stop.value == shown,
                        "the moved stop on our order")
            assert shown > seen[-1], "a sell trail's stop only rises"
            seen.append(shown)
    assert len(seen) >= 2, "the stop moved while it worked"
    assert at_alpaca["hwm"] is not None and Decimal(at_alpaca["hwm"]) - Decimal("0.30") <= seen[-1]
