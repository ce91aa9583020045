"""GET /v2/calendar as Alpaca answers it: one row per market day between start and end (default: today to 10 days
on), with the regular open and close ("09:30", "16:00"), the extended session ("0400", "2000") and the settlement
date; NYSE holidays have no row, and the eve of one closes early (13:00), as Alpaca lists them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

HOLIDAYS = frozenset({date(2026, 11, 26), date(2026, 12, 25), date(2027, 1, 1), date(2027, 1, 18)})
EARLY_CLOSES = frozenset({date(2026, 11, 27), date(2026, 12, 24)})


def calendar_answer(query: Mapping[str, str]) -> list[dict[str, Any]]:
    """Return the calendar rows for the query's start and end (YYYY-MM-DD)."""
    today = datetime.now(UTC).astimezone(ZoneInfo("America/New_York")).date()
    start = date.fromisoformat(query["start"][:10]) if query.get("start") else today
    end = date.fromisoformat(query["end"][:10]) if query.get("end") else today + timedelta(days=10)
    rows = []
    day = start
    while day <= end:
        if day.weekday() < 5 and day not in HOLIDAYS:
            rows.append({"date": day.isoformat(), "open": "09:30", "close": "13:00" if day in EARLY_CLOSES else "16:00",
                         "session_open": "0400", "session_close": "2000",
                         "settlement_date": (day + timedelta(days=1)).isoformat()})
        day += timedelta(days=1)
    return rows
