"""An Alpaca-quoted symbol shows its last trade, change from the previous close and the day's volume, not only its
bid and ask: trades from the market-data stream, the previous close and the volume from Alpaca's snapshots (and
every field from them when the stream is off), read through the real QuoteCache as the watchlist reads them."""

from __future__ import annotations

import asyncio
import contextlib
import warnings
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "websockets.legacy is deprecated", DeprecationWarning)
    from alpaca.data.enums import DataFeed
    from alpaca.data.historical.stock import StockHistoricalDataClient
    from alpaca.data.requests import StockLatestTradeRequest, StockSnapshotRequest

from core.adapters.alpaca.adapter import AlpacaBroker, create
from core.adapters.alpaca.snapshots import Newest, parse_snapshots
from core.domain import AccountId, Quote
from core.services.bus import EventBus
from core.services.quote_cache import QuoteCache
from tests.adapters.contract import EventRecorder
from tests.adapters.test_alpaca_quote_stream import until
from tests.sims.alpaca.server import AlpacaSimulator
from tests.sims.alpaca.testing import sim_fixture, sim_settings

sim = sim_fixture()
ACCOUNT = AccountId("ALPACA-T")
SNAPSHOTS = ("GET", "/v2/stocks/snapshots")


class Watched:
    """An Alpaca account feeding the app's quote cache, as the session wires it."""

    def __init__(self, simulator: AlpacaSimulator, **settings: object) -> None:
        self.events = EventRecorder()
        bus = EventBus()
        self.cache = QuoteCache(bus)
        self.ticks: list[Quote] = []
        """Every quote the account sent, as sent (a streamed trade sets only `last`)."""
        bus.subscribe_quotes(self.ticks.extend)
        self.adapter: AlpacaBroker = create(ACCOUNT, sim_settings(simulator, **settings), self.events,
                                            quotes=bus.publish_quotes)

    def shown(self, symbol: str) -> Quote:
        """The merged quote a watchlist row shows."""
        quote = self.cache.latest(symbol, str(ACCOUNT))
        assert quote is not None, f"no {symbol} quote yet"
        return quote

    def has(self, symbol: str, *fields: str) -> bool:
        quote = self.cache.latest(symbol, str(ACCOUNT))
        return quote is not None and all(getattr(quote, name) is not None for name in fields)


@contextlib.asynccontextmanager
async def watching(simulator: AlpacaSimulator, *symbols: str, **settings: object) -> AsyncIterator[Watched]:
    watched = Watched(simulator, **settings)
    await watched.adapter.connect()
    try:
        await watched.adapter.subscribe([simulator.exchange.by_symbol[s].instrument() for s in symbols])
        yield watched
    finally:
        await watched.adapter.disconnect()


def printed(simulator: AlpacaSimulator, symbol: str) -> set[tuple[Decimal, datetime]]:
    """The (price, time) of every print of symbol the simulator's market made."""
    return {(Decimal(str(p["p"])), p["t"]) for p in simulator.tape.prints if p["S"] == symbol}


async def test_a_streamed_symbol_shows_last_close_and_volume_and_its_last_follows_the_trades(
        sim: AlpacaSimulator) -> None:
    async with watching(sim, "AAPL", "MSFT", poll_interval_s=60.0) as watched:  # the stream is the default
        await until(lambda: watched.has("AAPL", "bid", "ask", "last", "close", "volume"), "AAPL's full row")
        assert sim.market_stream.subscribed["trades"] == {"AAPL", "MSFT"}, "trades are subscribed with quotes"
        shown = watched.shown("AAPL")
        assert shown.close == sim.exchange.market.closes()["AAPL"], "the close is the previous session's"
        assert shown.volume is not None and shown.volume > 0

        def lasts() -> set[Decimal]:
            return {q.last for q in watched.ticks if q.symbol == "AAPL" and q.last is not None}

        await until(lambda: len(lasts()) >= 4, "AAPL's last at four prices")
        prices = {price for price, _ in printed(sim, "AAPL")}
        assert lasts() <= prices, "each last is a print of the market"
        ticks = [q for q in watched.ticks if q.symbol == "AAPL"]
        whole = ticks[next(i for i, q in enumerate(ticks) if None not in (q.bid, q.last, q.close)):]
        assert all(None not in (q.bid, q.ask, q.last, q.close) for q in whole), \
            "once known, every quote carries bid, ask, last and close (a position is marked at one of them, not both)"
        trades = [q for q in ticks if (q.last, q.ts) in printed(sim, "AAPL")]
        assert len(trades) >= 3, "the stream's trades, stamped with their print's time"
        assert sim.requests.count(SNAPSHOTS) <= 2, "while prices stream, snapshots are read on subscribing only"


async def test_a_polled_account_gets_last_close_and_a_volume_that_grows_with_the_trades(
        sim: AlpacaSimulator) -> None:
    async with watching(sim, "SPY", quote_stream=False, poll_interval_s=0.05) as watched:
        await until(lambda: watched.has("SPY", "bid", "ask", "last", "close", "volume"), "SPY's full row")
        first = watched.shown("SPY")
        assert first.close == sim.exchange.market.closes()["SPY"]
        assert first.volume is not None
        await until(lambda: (watched.shown("SPY").volume or 0) > (first.volume or 0), "SPY's volume to grow")
        later = watched.shown("SPY")
        assert later.volume is not None and later.volume <= sim.exchange.market.volumes()["SPY"]
        assert later.last is not None and later.last in {price for price, _ in printed(sim, "SPY")}
        assert sim.market_stream.subscribed["trades"] == set(), "no stream: everything came from the snapshots"


async def test_snapshots_with_parts_missing_empty_or_refused_keep_bid_and_ask_then_fill_in(
        sim: AlpacaSimulator) -> None:
    faults = sim.tape.faults
    faults.left_out = {"latestTrade", "minuteBar", "dailyBar", "prevDailyBar"}
    faults.empty, faults.rate_limited = 2, 2
    async with watching(sim, "MSFT", quote_stream=False, poll_interval_s=0.05) as watched:
        await until(lambda: watched.has("MSFT", "bid", "ask"), "MSFT's bid and ask")
        shown = watched.shown("MSFT")
        assert shown.last is None and shown.close is None and shown.volume is None, "a missing part shows a dash"
        assert faults.empty == 0 and faults.rate_limited == 0, "empty answers and 429s came first"
        faults.left_out = set()
        await until(lambda: watched.has("MSFT", "last", "close", "volume"), "MSFT's last, close and volume")
        assert watched.shown("MSFT").bid is not None


async def test_a_refused_first_snapshot_is_asked_again_while_prices_stream(sim: AlpacaSimulator) -> None:
    sim.tape.faults.rate_limited = 1
    async with watching(sim, "AAPL", poll_interval_s=0.2) as watched:
        await until(lambda: watched.has("AAPL", "close"), "AAPL's previous close after the 429")
        assert sim.tape.faults.rate_limited == 0
        assert watched.shown("AAPL").close == sim.exchange.market.closes()["AAPL"]


async def test_the_simulators_snapshots_and_latest_trades_are_what_alpaca_pys_models_read(
        sim: AlpacaSimulator) -> None:
    await until(lambda: {"AAPL", "SPY"} <= {p["S"] for p in sim.tape.prints}, "AAPL and SPY prints")
    client = StockHistoricalDataClient(sim.api_key, sim.api_secret, url_override=sim.root)  # parsed, not raw
    request = StockSnapshotRequest(symbol_or_symbols=["AAPL", "SPY"], feed=DataFeed.IEX)
    snapshots: Any = await asyncio.to_thread(client.get_stock_snapshot, request)
    for symbol in ("AAPL", "SPY"):
        snapshot = snapshots[symbol]
        assert snapshot.previous_daily_bar.close == float(sim.exchange.market.closes()[symbol])
        assert snapshot.daily_bar.volume > 0 and snapshot.minute_bar.volume > 0
        assert snapshot.latest_trade.price > 0 and snapshot.latest_trade.size > 0
        assert snapshot.latest_quote.bid_price < snapshot.latest_quote.ask_price
    latest: Any = await asyncio.to_thread(client.get_stock_latest_trade,
                                          StockLatestTradeRequest(symbol_or_symbols=["AAPL"], feed=DataFeed.IEX))
    assert (Decimal(str(latest["AAPL"].price)), latest["AAPL"].timestamp) in printed(sim, "AAPL")


# --- parsing (pure) -------------------------------------------------------------------------------

TRADE_AT = "2026-12-07T15:30:01.123456789Z"
SNAPSHOT: dict[str, Any] = {
    "latestTrade": {"t": TRADE_AT, "x": "V", "p": 191.25, "s": 100, "c": ["@"], "i": 52983525029461, "z": "C"},
    "latestQuote": {"t": "2026-12-07T15:30:01.5Z", "ax": "V", "ap": 191.27, "as": 3, "bx": "V", "bp": 191.24,
                    "bs": 2, "c": ["R"], "z": "C"},
    "minuteBar": {"t": "2026-12-07T15:30:00Z", "o": 191.2, "h": 191.3, "l": 191.1, "c": 191.25, "v": 2410,
                  "n": 41, "vw": 191.22},
    "dailyBar": {"t": "2026-12-07T05:00:00Z", "o": 190.5, "h": 191.9, "l": 190.1, "c": 191.25, "v": 1520331,
                 "n": 20190, "vw": 191.0},
    "prevDailyBar": {"t": "2026-12-04T05:00:00Z", "o": 189.0, "h": 190.6, "l": 188.7, "c": 190.4, "v": 2991020,
                     "n": 35110, "vw": 189.9},
}


def test_a_snapshot_gives_every_field_keyed_by_symbol_or_wrapped() -> None:
    for answer in ({"AAPL": SNAPSHOT}, {"snapshots": {"AAPL": SNAPSHOT}}):
        [quote] = parse_snapshots(answer, ["AAPL"], "ALPACA-T")
        assert (quote.bid, quote.ask, quote.last) == (Decimal("191.24"), Decimal("191.27"), Decimal("191.25"))
        assert (quote.close, quote.volume) == (Decimal("190.4"), Decimal(1520331))
        assert quote.ts == datetime(2026, 12, 7, 15, 30, 1, 500000, tzinfo=UTC)


@pytest.mark.parametrize("answer", [{}, {"AAPL": None}, None, {"snapshots": {}}, {"MSFT": SNAPSHOT}])
def test_an_empty_answer_gives_no_quote(answer: object) -> None:
    assert parse_snapshots(answer, ["AAPL"], "ALPACA-T") == []


def test_null_parts_leave_their_fields_none() -> None:
    bare = SNAPSHOT | {"latestTrade": None, "prevDailyBar": None, "dailyBar": None}
    [quote] = parse_snapshots({"AAPL": bare}, ["AAPL"], "ALPACA-T")
    assert quote.bid == Decimal("191.24") and (quote.last, quote.close, quote.volume) == (None, None, None)
    [quote] = parse_snapshots({"AAPL": {"latestTrade": SNAPSHOT["latestTrade"]}}, ["AAPL"], "ALPACA-T")
    assert (quote.bid, quote.ask, quote.last, quote.close) == (None, None, Decimal("191.25"), None)


def test_a_snapshot_older_than_the_streamed_trade_and_quote_leaves_them_be() -> None:
    newest = Newest()
    [fresh] = parse_snapshots({"AAPL": SNAPSHOT}, ["AAPL"], "ALPACA-T", newest)
    newest.trade["AAPL"] = fresh.epoch_us  # the stream has a trade as new as the quote
    newest.quote["AAPL"] = fresh.epoch_us
    [stale] = parse_snapshots({"AAPL": SNAPSHOT}, ["AAPL"], "ALPACA-T", newest)
    assert (stale.bid, stale.ask, stale.last) == (None, None, None)
    assert (stale.close, stale.volume) == (Decimal("190.4"), Decimal(1520331)), "close and volume still come"


def test_a_new_sessions_first_trade_before_its_daily_bar_is_changed_from_the_last_sessions_close() -> None:
    monday_premarket = SNAPSHOT | {"latestTrade": SNAPSHOT["latestTrade"] | {"t": "2026-12-08T09:01:00Z"}}
    [quote] = parse_snapshots({"AAPL": monday_premarket}, ["AAPL"], "ALPACA-T")
    assert quote.close == Decimal("191.25"), "the daily bar is the last session: its close is the previous close"
    assert quote.volume is None, "the new session's volume is not known yet"
    newest = Newest()
    newest.trade["AAPL"] = quote.epoch_us  # the stream had that trade already
    [streamed] = parse_snapshots({"AAPL": monday_premarket}, ["AAPL"], "ALPACA-T", newest)
    assert streamed.last is None and streamed.close == Decimal("191.25")
