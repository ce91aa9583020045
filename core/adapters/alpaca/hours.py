"""Alpaca's market calendar (GET /v2/calendar) as trading hours: one regular session per market day, in New York
time, early closes (13:00 on the eve of a holiday) and holidays (no row) included as Alpaca lists them.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from core.domain.trading_hours import TradingHours, TradingSession

with warnings.catch_warnings():  # alpaca-py imports websockets.legacy (see adapter.py)
    warnings.filterwarnings("ignore", "websockets.legacy is deprecated", DeprecationWarning)
    from alpaca.trading.requests import GetCalendarRequest

ZONE = "America/New_York"
DAYS_AHEAD = 10


def parse_calendar(venue: str, rows: Sequence[Mapping[str, Any]]) -> TradingHours:
    """Return the regular sessions of calendar rows {"date": "2026-12-07", "open": "09:30", "close": "16:00"}."""
    tz = ZoneInfo(ZONE)
    sessions = []
    for row in rows:
        try:
            day = date.fromisoformat(str(row["date"]))
            opens, closes = time.fromisoformat(str(row["open"])), time.fromisoformat(str(row["close"]))
        except (KeyError, ValueError):
            continue
        sessions.append(TradingSession(datetime.combine(day, opens, tz), datetime.combine(day, closes, tz)))
    return TradingHours(venue or "US", ZONE, tuple(sorted(sessions, key=lambda s: s.opens)),
                        "Alpaca's market calendar")


def calendar_request(now: datetime) -> GetCalendarRequest:
    """Return the calendar request for the market days from now's day (New York) for DAYS_AHEAD days."""
    start = now.astimezone(ZoneInfo(ZONE)).date()
    return GetCalendarRequest(start=start, end=start + timedelta(days=DAYS_AHEAD))
