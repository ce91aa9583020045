"""SizingBars: the daily bars a volatility stop (k × ATR(n)) is measured on, read from the account's own broker.

The same history the chart shows (the BarHistory capability): each account's broker serves the past of
its symbols, and sizing asks it for enough daily bars to cover n true ranges (weekends and holidays
leave calendar days without a bar, so it looks back further than n + 1 days). A broker that serves no
daily history, or refuses, is said as such; with fewer bars than ATR(n) needs, `atr` refuses rather
than guessing. The bars are kept per account, symbol and day, so a strategy that previews many orders
does not ask the broker every time (IB paces historical requests).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Final

from core.domain.bars import Bar
from core.ports.bar_history import ONE_DAY, BarHistory, HistoryUnavailable
from core.ports.broker import BrokerAdapter
from core.ports.errors import BrokerError
from core.services.sizing import SizingError

SIZING_INTERVAL: Final = ONE_DAY
"""ATR for sizing is measured on daily bars."""
CALENDAR_SLACK: Final = 2
"""Calendar days asked for per trading day wanted (weekends, holidays), plus a fortnight."""

BrokerOf = Callable[[str], BrokerAdapter]
"""The adapter of an account id (KeyError: no such account)."""


def lookback(n: int) -> timedelta:
    """Return how far back to ask for daily bars so that n + 1 of them are there on a normal calendar."""
    return ONE_DAY * ((n + 1) * CALENDAR_SLACK + 14)


class SizingBars:
    """Read and keep (for the day) the daily bars of each account's symbols for volatility stops."""

    def __init__(self, broker_of: BrokerOf) -> None:
        self._broker_of = broker_of
        self._kept: dict[tuple[str, str, int, date], list[Bar]] = {}

    async def daily(self, account: str, symbol: str, n: int, now: datetime) -> list[Bar]:
        """Return the complete daily bars of symbol on account's broker, enough for ATR(n) if it has them.

        Raise SizingError("stop", ...) when the broker serves no daily history or refuses, saying why.
        """
        key = (account, symbol, n, now.date())
        kept = self._kept.get(key)
        if kept is not None:
            return kept
        adapter = self._broker_of(account)
        kind = adapter.kind
        if not isinstance(adapter, BarHistory):
            raise SizingError("stop", f"{kind} accounts serve no bar history, so a volatility stop (ATR) cannot be "
                                      f"measured for {symbol}: use a stop price or stop_ticks instead.")
        if SIZING_INTERVAL not in adapter.history_intervals():
            raise SizingError("stop", f"{kind} does not serve daily bars, which ATR sizing is measured on: use a "
                                      "stop price or stop_ticks instead.")
        try:
            bars = list(await adapter.history(symbol, SIZING_INTERVAL, now - lookback(n), now))
        except (HistoryUnavailable, BrokerError) as exc:
            raise SizingError("stop", f"No daily bars of {symbol} from {account} for a volatility stop: {exc} "
                                      "Use a stop price or stop_ticks instead, or try again later.") from None
        self._kept = {k: v for k, v in self._kept.items() if k[3] == key[3]}  # yesterday's bars are stale
        self._kept[key] = bars
        return bars
