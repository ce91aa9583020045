"""BarBuilder: the live bar of each watched (feed, symbol, interval), built from the quotes the grids show.

It takes the bus's quote batches (the same ticks QuoteCache merges) and, for a watched symbol only,
updates the bar under way: the price is the trade (`last`) when the quote carries one, else the mid;
volume is what the day's cumulative volume grew by. Each change is published as a `Bar` on the bus,
where the frame feed conflates it to one update a frame. An unwatched symbol costs one dict lookup a tick.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from core.domain import Quote
from core.domain.bars import Bar
from core.services.bus import EventBus

_TWO = Decimal(2)


@dataclass(slots=True)
class _Building:
    interval: timedelta
    seconds: int
    watchers: int = 1
    bar: Bar | None = None


class BarBuilder:
    """Build live bars from quotes for the (feed, symbol, interval)s someone watches; publish them on the bus."""

    def __init__(self, bus: EventBus) -> None:
        self._bus = bus
        self._building: dict[tuple[str, str], dict[timedelta, _Building]] = {}
        self._volume: dict[tuple[str, str], Decimal] = {}
        self._unsubscribe = bus.subscribe_quotes(self._on_quotes)

    def watch(self, feed: str, symbol: str, interval: timedelta) -> Callable[[], None]:
        """Build symbol's bars of interval from feed's quotes until the returned function is called."""
        key = (feed, symbol)
        per_interval = self._building.setdefault(key, {})
        building = per_interval.get(interval)
        if building is None:
            per_interval[interval] = _Building(interval, int(interval.total_seconds()))
        else:
            building.watchers += 1
        released = False

        def unwatch() -> None:
            nonlocal released
            if released:
                return
            released = True
            current = self._building.get(key, {}).get(interval)
            if current is None:
                return
            current.watchers -= 1
            if current.watchers <= 0:
                del self._building[key][interval]
                if not self._building[key]:
                    del self._building[key]
                    self._volume.pop(key, None)

        return unwatch

    def current(self, feed: str, symbol: str, interval: timedelta) -> Bar | None:
        """Return the bar under way (None before the first quote)."""
        building = self._building.get((feed, symbol), {}).get(interval)
        return None if building is None else building.bar

    def close(self) -> None:
        self._unsubscribe()

    def _on_quotes(self, quotes: Sequence[Quote]) -> None:
        building = self._building
        for quote in quotes:
            key = (quote.source, quote.symbol)
            watched = building.get(key)
            if watched is not None:
                self._update(key, quote, watched)

    def _update(self, key: tuple[str, str], quote: Quote, watched: dict[timedelta, _Building]) -> None:
        price = quote.last
        if price is None:
            if quote.bid is None or quote.ask is None:
                return
            price = (quote.bid + quote.ask) / _TWO
        added = Decimal(0)
        if quote.volume is not None:
            before = self._volume.get(key)
            self._volume[key] = quote.volume
            if before is not None and quote.volume > before:
                added = quote.volume - before
        seconds_now = quote.epoch_us // 1_000_000
        for building in watched.values():
            begins = seconds_now - seconds_now % building.seconds
            bar = building.bar
            if bar is None or int(bar.start.timestamp()) != begins:
                start = datetime.fromtimestamp(begins, UTC)
                bar = Bar(symbol=quote.symbol, source=quote.source, interval=building.interval, start=start,
                          open=price, high=price, low=price, close=price, volume=added)
            else:
                bar = Bar(symbol=bar.symbol, source=bar.source, interval=bar.interval, start=bar.start,
                          open=bar.open, high=max(bar.high, price), low=min(bar.low, price), close=price,
                          volume=bar.volume + added)
            building.bar = bar
            self._bus.publish(bar)
