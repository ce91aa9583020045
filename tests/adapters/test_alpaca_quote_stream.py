"""Alpaca's quotes from the market-data websocket (alpaca-py's StockDataStream on TradeTerm's loop) of the simulator."""

from __future__ import annotations

import asyncio

from core.adapters.alpaca.adapter import create
from core.domain import AccountId, Quote
from tests.adapters.contract import EventRecorder
from tests.sims.alpaca.server import AlpacaSimulator
from tests.sims.alpaca.testing import sim_fixture, sim_settings

sim = sim_fixture()
ACCOUNT = AccountId("ALPACA-T")
LATEST = ("GET", "/v2/stocks/quotes/latest")


async def quotes_of(events: EventRecorder, symbol: str, count: int) -> list[Quote]:
    for _ in range(1000):
        got = [q for q in events.of_type(Quote) if q.symbol == symbol]
        if len(got) >= count:
            return got
        await asyncio.sleep(0.01)
    raise AssertionError(f"fewer than {count} {symbol} quotes arrived")


async def test_quotes_stream_in_without_polling_and_come_back_after_a_drop(sim: AlpacaSimulator) -> None:
    events = EventRecorder()
    adapter = create(ACCOUNT, sim_settings(sim, poll_interval_s=60.0, quote_stream=True), events)
    await adapter.connect()
    try:
        await adapter.subscribe([sim.exchange.by_symbol["MSFT"].instrument()])
        first = await quotes_of(events, "MSFT", 3)
        assert first[-1].source == ACCOUNT and first[-1].bid is not None and first[-1].ask is not None
        assert first[-1].bid < first[-1].ask
        assert first[-1].ts is not None
        assert sim.market_stream.subscribed["quotes"] == {"MSFT"}
        assert LATEST not in sim.requests  # every quote came on the stream
        await adapter.subscribe([sim.exchange.by_symbol["SPY"].instrument()])
        await quotes_of(events, "SPY", 2)
        assert sim.market_stream.subscribed["quotes"] == {"MSFT", "SPY"}
        seen = len(events.of_type(Quote))
        await sim.market_stream.drop()
        await quotes_of(events, "SPY", len([q for q in events.of_type(Quote) if q.symbol == "SPY"]) + 3)
        assert sim.market_stream.connections == 2 and len(events.of_type(Quote)) > seen
        assert sim.market_stream.subscribed["quotes"] == {"MSFT", "SPY"}
    finally:
        await adapter.disconnect()
    assert sim.market_stream.socket is None
