"""Bars: the paper market's past, the live bar built from quotes, and the on-disk cache of history."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import pairwise
from pathlib import Path

from core.adapters.paper.adapter import PaperBroker
from core.adapters.paper.config import PaperConfig
from core.domain import AccountId, Quote
from core.domain.bars import Bar
from core.ports.bar_history import ONE_MINUTE, BarHistory, bar_start
from core.services.bar_builder import BarBuilder
from core.services.bar_cache import BarCache, cached_history
from core.services.bus import EventBus

NOW = datetime(2026, 12, 4, 15, 30, 20, tzinfo=UTC)


class _Clock:
    def now(self) -> datetime:
        return NOW

    def monotonic(self) -> float:
        return 0.0


def _paper() -> PaperBroker:
    return PaperBroker(AccountId("P"), PaperConfig(seed=7), lambda event: None, clock=_Clock())


async def test_paper_history_is_repeatable_on_tick_and_ends_where_the_live_walk_stands() -> None:
    broker = _paper()
    assert isinstance(broker, BarHistory)
    bars = await broker.history("AAPL", ONE_MINUTE, NOW - timedelta(hours=1), NOW)
    again = await _paper().history("AAPL", ONE_MINUTE, NOW - timedelta(hours=1), NOW)
    assert bars == again
    assert len(bars) == 59, "from 14:31 (the first bar to start in the range) to 15:29"
    assert bars[-1].start == datetime(2026, 12, 4, 15, 29, tzinfo=UTC), "the bar under way is not history"
    assert bars[-1].close == broker._market.mids()["AAPL"]
    for before, after in pairwise(bars):
        assert after.start - before.start == ONE_MINUTE
        assert after.open == before.close
    for bar in bars:
        assert bar.low <= min(bar.open, bar.close) <= max(bar.open, bar.close) <= bar.high
        assert (bar.high / Decimal("0.01")) % 1 == 0


def _quote(symbol: str, last: str, volume: str, at: datetime) -> Quote:
    return Quote(symbol, bid=Decimal(last) - 1, ask=Decimal(last) + 1, last=Decimal(last), volume=Decimal(volume),
                 source="P", ts=at)


def test_the_live_bar_follows_the_quotes_of_a_watched_symbol_only() -> None:
    bus = EventBus()
    seen: list[Bar] = []
    bus.subscribe(Bar, seen.append)
    builder = BarBuilder(bus)
    unwatch = builder.watch("P", "AAPL", ONE_MINUTE)
    minute = bar_start(NOW, ONE_MINUTE)
    bus.publish_quotes([_quote("AAPL", "100", "1000", minute), _quote("MSFT", "50", "10", minute),
                        _quote("AAPL", "103", "1010", minute + timedelta(seconds=5)),
                        _quote("AAPL", "99", "1015", minute + timedelta(seconds=30))])
    bar = seen[-1]
    assert (bar.start, bar.open, bar.high, bar.low, bar.close, bar.volume) == (
        minute, Decimal(100), Decimal(103), Decimal(99), Decimal(99), Decimal(15))
    assert {b.symbol for b in seen} == {"AAPL"}
    bus.publish_quotes([_quote("AAPL", "101", "1020", minute + ONE_MINUTE)])
    assert seen[-1].start == minute + ONE_MINUTE and seen[-1].open == Decimal(101) and seen[-1].volume == 5
    unwatch()
    count = len(seen)
    bus.publish_quotes([_quote("AAPL", "102", "1030", minute + ONE_MINUTE)])
    assert len(seen) == count


class _Counting:
    def __init__(self, broker: PaperBroker) -> None:
        self.broker = broker
        self.asked: list[tuple[datetime, datetime]] = []

    def history_intervals(self) -> frozenset[timedelta]:
        return self.broker.history_intervals()

    async def history(self, symbol: str, interval: timedelta, start: datetime, end: datetime) -> Sequence[Bar]:
        self.asked.append((start, end))
        return await self.broker.history(symbol, interval, start, end)


async def test_a_restart_reads_history_from_the_cache_and_fetches_only_what_is_newer(tmp_path: Path) -> None:
    source = _Counting(_paper())
    start = NOW - timedelta(hours=2)
    first = await cached_history(source, BarCache(tmp_path), "P", "AAPL", ONE_MINUTE, start, NOW)
    assert len(first) == 119 and source.asked == [(start, NOW)]
    second = await cached_history(source, BarCache(tmp_path), "P", "AAPL", ONE_MINUTE, start, NOW)
    assert second == first
    assert source.asked[1][0] == first[-1].start + ONE_MINUTE, "only the bars after the cached ones are asked for"
