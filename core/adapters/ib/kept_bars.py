"""IbKeptBars: IB's keepUpToDate subscriptions, one per charted (symbol, interval), published as Bar events.

TWS answers a keepUpToDate request with the bars and then message 90 each time the bar under way
changes; ib_async replaces the list's last bar (or appends a new one when the next bar begins) and
fires the list's updateEvent. Each firing here publishes that newest bar on the adapter's sink, with
the account as source, so the chart's live bar is IB's own. Holds are counted (two charts of one pair
share one subscription); the last release cancels it at TWS. A new connection renews every kept
subscription (ib_async forgets them when the socket drops).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from ib_async import IB

from core.adapters.ib.history import bar_of, bar_time
from core.domain import AccountId
from core.ports.bar_history import HistoryUnavailable
from core.ports.broker import EventSink
from core.ports.errors import BrokerError


@dataclass(slots=True)
class _Kept:
    bars: Any
    """ib_async's BarDataList, kept up to date by TWS."""
    holds: int
    on_update: Callable[[Any, bool], None]


class IbKeptBars:
    """The keepUpToDate subscriptions of one IB account; see the module docstring."""

    def __init__(self, account_id: AccountId, ib: IB, sink: EventSink) -> None:
        self._account_id = account_id
        self._ib = ib
        self._sink = sink
        self._kept: dict[tuple[str, timedelta], _Kept] = {}

    def keeps(self, symbol: str, interval: timedelta) -> bool:
        return (symbol, interval) in self._kept

    def held(self, symbol: str, interval: timedelta, start: datetime) -> Any | None:
        """Return the kept list when it reaches back to start (one more hold), else None (ask TWS)."""
        kept = self._kept.get((symbol, interval))
        if kept is None or not kept.bars:
            return None
        first = bar_time(kept.bars[0])
        if first is None or first > start + interval:
            return None
        kept.holds += 1
        return kept.bars

    def keep(self, symbol: str, interval: timedelta, bars: Any) -> None:
        """Keep bars (just answered with keepUpToDate) up to date for the chart; one hold."""
        if not bars:
            return
        old = self._kept.pop((symbol, interval), None)
        holds = 1
        if old is not None:
            holds += old.holds
            self._stop(old)

        def on_update(updated: Any, _new_bar: bool) -> None:
            self._publish(symbol, interval, updated[-1])

        bars.updateEvent += on_update
        self._kept[(symbol, interval)] = _Kept(bars, holds, on_update)
        self._publish(symbol, interval, bars[-1])  # the bar under way, as TWS last sent it

    def release(self, symbol: str, interval: timedelta) -> None:
        kept = self._kept.get((symbol, interval))
        if kept is None:
            return
        kept.holds -= 1
        if kept.holds <= 0:
            del self._kept[(symbol, interval)]
            self._stop(kept)

    async def renew(self, request: Callable[[str, timedelta], Awaitable[Any]]) -> None:
        """Ask TWS again for every kept pair (after a reconnect: the old lists get no more updates)."""
        for (symbol, interval), kept in list(self._kept.items()):
            kept.bars.updateEvent -= kept.on_update
            del self._kept[(symbol, interval)]
            try:
                bars = await request(symbol, interval)
            except (HistoryUnavailable, BrokerError):  # keeps() says False from now on
                continue
            self.keep(symbol, interval, bars)
            renewed = self._kept.get((symbol, interval))
            if renewed is not None:
                renewed.holds = kept.holds

    def _stop(self, kept: _Kept) -> None:
        kept.bars.updateEvent -= kept.on_update
        if self._ib.isConnected():
            self._ib.cancelHistoricalData(kept.bars)
        else:
            self._ib.wrapper.endSubscription(kept.bars)  # type: ignore[no-untyped-call]

    def _publish(self, symbol: str, interval: timedelta, item: Any) -> None:
        at = bar_time(item)
        if at is not None:
            self._sink(bar_of(item, at, symbol, self._account_id, interval, datetime.now(UTC)))

