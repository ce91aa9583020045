"""BarHistory: a broker's past bars of one symbol (an optional capability, checked with isinstance).

An adapter that can serve history implements `history_intervals()` (the bar lengths it serves) and
`history(symbol, interval, start, end)`. A broker without history (easytrader) does not implement it:
the chart then builds its bars from live quotes only and says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Final, Protocol, runtime_checkable

from core.domain.bars import Bar

ONE_MINUTE: Final = timedelta(minutes=1)
FIVE_MINUTES: Final = timedelta(minutes=5)
FIFTEEN_MINUTES: Final = timedelta(minutes=15)
ONE_HOUR: Final = timedelta(hours=1)
ONE_DAY: Final = timedelta(days=1)
CHART_INTERVALS: Final = (ONE_MINUTE, FIVE_MINUTES, FIFTEEN_MINUTES, ONE_HOUR, ONE_DAY)
"""The timeframes the chart offers, shortest first."""

INTERVAL_LABELS: Final = {ONE_MINUTE: "1m", FIVE_MINUTES: "5m", FIFTEEN_MINUTES: "15m", ONE_HOUR: "1h", ONE_DAY: "1D"}


class HistoryUnavailable(Exception):
    """The broker has no history to give (unknown symbol, refused, pacing); the message says why and what to do."""


@runtime_checkable
class BarHistory(Protocol):
    """Serve past bars of one symbol; raise HistoryUnavailable when the broker refuses."""

    def history_intervals(self) -> frozenset[timedelta]:
        """Return the bar lengths this broker serves."""
        ...

    async def history(self, symbol: str, interval: timedelta, start: datetime, end: datetime) -> Sequence[Bar]:
        """Return the bars of symbol from start (inclusive) to end (exclusive), oldest first."""
        ...


def bar_start(moment: datetime, interval: timedelta) -> datetime:
    """Return the start of the bar of `interval` that holds moment (aligned to the POSIX epoch, UTC)."""
    seconds = int(interval.total_seconds())
    epoch = int(moment.timestamp())
    return datetime.fromtimestamp(epoch - epoch % seconds, UTC)
