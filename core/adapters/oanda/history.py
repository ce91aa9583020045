"""OANDA's candles (GET /v3/instruments/{instrument}/candles, mid prices) as Bars. Pure helpers.

Daily candles are asked aligned to 00:00 UTC (OANDA's default is 17:00 New York), as the chart's bars are.
At most 5000 candles a request: a longer range is cut to its newest part. Candles still under way are left out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, Final

from core.adapters.oanda.parsing import parse_time
from core.domain.bars import Bar
from core.ports.bar_history import FIFTEEN_MINUTES, FIVE_MINUTES, ONE_DAY, ONE_HOUR, ONE_MINUTE

GRANULARITIES: Final = {ONE_MINUTE: "M1", FIVE_MINUTES: "M5", FIFTEEN_MINUTES: "M15", ONE_HOUR: "H1", ONE_DAY: "D"}
MAX_CANDLES: Final = 5000


def candle_params(interval: timedelta, start: datetime, end: datetime) -> dict[str, str]:
    start = max(start, end - interval * MAX_CANDLES)
    params = {"granularity": GRANULARITIES[interval], "price": "M", "from": _rfc3339(start), "to": _rfc3339(end)}
    if interval == ONE_DAY:
        params.update(dailyAlignment="0", alignmentTimezone="UTC")
    return params


def to_bars(candles: Iterable[Mapping[str, Any]], symbol: str, source: str, interval: timedelta, start: datetime,
            end: datetime) -> list[Bar]:
    bars = []
    for candle in candles:
        mid = candle.get("mid")
        if not candle.get("complete") or not isinstance(mid, Mapping):
            continue
        at = parse_time(candle.get("time"))
        if at < start or at + interval > end:
            continue
        bars.append(Bar(symbol=symbol, source=source, interval=interval, start=at, open=Decimal(str(mid["o"])),
                        high=Decimal(str(mid["h"])), low=Decimal(str(mid["l"])), close=Decimal(str(mid["c"])),
                        volume=Decimal(str(candle.get("volume") or 0)), ts=at + interval))
    return bars


def _rfc3339(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%Y-%m-%dT%H:%M:%S.%f}000Z"
