"""Alpaca's bars (GET /v2/stocks/bars through alpaca-py's StockHistoricalDataClient) for the chart (BarHistory)."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "websockets.legacy is deprecated", DeprecationWarning)
    from alpaca.data.enums import DataFeed
    from alpaca.data.requests import StockBarsRequest
    from alpaca.data.timeframe import TimeFrame, TimeFrameUnit

from core.adapters.alpaca.parsing import alpaca_time
from core.domain.bars import Bar
from core.ports.bar_history import FIFTEEN_MINUTES, FIVE_MINUTES, ONE_DAY, ONE_HOUR, ONE_MINUTE

TIMEFRAMES = {
    ONE_MINUTE: TimeFrame(1, TimeFrameUnit.Minute), FIVE_MINUTES: TimeFrame(5, TimeFrameUnit.Minute),
    FIFTEEN_MINUTES: TimeFrame(15, TimeFrameUnit.Minute), ONE_HOUR: TimeFrame(1, TimeFrameUnit.Hour),
    ONE_DAY: TimeFrame(1, TimeFrameUnit.Day),
}


def bars_request(symbol: str, interval: timedelta, start: datetime, end: datetime, feed: str) -> StockBarsRequest:
    return StockBarsRequest(symbol_or_symbols=[symbol], timeframe=TIMEFRAMES[interval], start=start, end=end,
                            feed=DataFeed(feed))


def to_bars(raw: Mapping[str, Any] | None, symbol: str, source: str, interval: timedelta, start: datetime,
            end: datetime) -> list[Bar]:
    """Return the bars of symbol in [start, end), oldest first, from the SDK's raw answer {symbol: [{t,o,h,l,c,v}]}."""
    rows: Sequence[Mapping[str, Any]] = (raw or {}).get(symbol) or ()
    bars = []
    for row in rows:
        begins = alpaca_time(row.get("t"))
        if begins is None or not start <= begins < end:
            continue
        bars.append(Bar(symbol=symbol, source=source, interval=interval, start=begins,
                        open=Decimal(str(row["o"])), high=Decimal(str(row["h"])), low=Decimal(str(row["l"])),
                        close=Decimal(str(row["c"])), volume=Decimal(str(row.get("v") or 0))))
    return sorted(bars, key=lambda bar: bar.start)
