"""Kite's historical candles (GET /instruments/historical/{token}/{interval}) as Bars. Pure helpers.

Kite serves minute, 5minute, 15minute, 60minute and day candles among others, at most so many days
a request (minute 60, 5minute 100, 15minute 200, 60minute 400, day 2000): a longer range is cut to
its newest part. kiteconnect hands back rows with a tz-aware `date` and float prices.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, Final

from core.domain.bars import Bar
from core.ports.bar_history import FIFTEEN_MINUTES, FIVE_MINUTES, ONE_DAY, ONE_HOUR, ONE_MINUTE

KITE_INTERVALS: Final = {ONE_MINUTE: "minute", FIVE_MINUTES: "5minute", FIFTEEN_MINUTES: "15minute",
                         ONE_HOUR: "60minute", ONE_DAY: "day"}
MAX_DAYS: Final = {ONE_MINUTE: 60, FIVE_MINUTES: 100, FIFTEEN_MINUTES: 200, ONE_HOUR: 400, ONE_DAY: 2000}


def request_range(interval: timedelta, start: datetime, end: datetime, tz: Any) -> tuple[str, str]:
    """Return Kite's from and to (local exchange time, 'YYYY-mm-dd HH:MM:SS'), cut to the most days Kite serves."""
    start = max(start, end - timedelta(days=MAX_DAYS[interval]))
    pattern = "%Y-%m-%d %H:%M:%S"
    return start.astimezone(tz).strftime(pattern), end.astimezone(tz).strftime(pattern)


def to_bars(rows: Iterable[Mapping[str, Any]], symbol: str, source: str, interval: timedelta, start: datetime,
            end: datetime) -> list[Bar]:
    """Return Kite's rows as Bars from start to end (a candle still under way is left out)."""
    bars: list[Bar] = []
    for row in rows:
        moment = row.get("date")
        if isinstance(moment, datetime):
            at = (moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)).astimezone(UTC)
        elif isinstance(moment, date):
            at = datetime(moment.year, moment.month, moment.day, tzinfo=UTC)
        else:
            continue
        if at < start or at + interval > end:
            continue
        bars.append(Bar(symbol=symbol, source=source, interval=interval, start=at, open=_dec(row["open"]),
                        high=_dec(row["high"]), low=_dec(row["low"]), close=_dec(row["close"]),
                        volume=_dec(row.get("volume") or 0), ts=at + interval))
    return bars


def _dec(value: object) -> Decimal:
    return Decimal(repr(float(value))) if isinstance(value, float) else Decimal(str(value))
