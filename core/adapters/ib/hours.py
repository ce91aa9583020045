"""IB's trading hours: contract details' liquidHours (regular hours) and tradingHours, in its timeZoneId.

IB writes each day's sessions separated by ';': "20261207:0930-20261207:1600;20261205:CLOSED" (API 9.72 and
later), or the older "20261207:0930-1600,1700-1800" with times of the day only. Both are read here (pure).
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from core.domain.trading_hours import TradingHours, TradingSession


def parse_ib_sessions(text: str, zone: str) -> tuple[TradingSession, ...]:
    """Return the sessions of an IB hours string in zone (CLOSED days and unreadable parts left out), in order."""
    tz = ZoneInfo(zone)
    sessions: list[TradingSession] = []
    for day_part in filter(None, (part.strip() for part in text.split(";"))):
        head, _, rest = day_part.partition(":")
        if rest == "CLOSED" or not rest:
            continue
        day = _day(head)
        if day is None:
            continue
        for span in rest.split(","):
            begin_text, _, end_text = span.partition("-")
            begin, end = _moment(begin_text, day, tz), _moment(end_text, day, tz)
            if begin is not None and end is not None and begin < end:
                sessions.append(TradingSession(begin, end))
    return tuple(sorted(sessions, key=lambda s: s.opens))


def hours_from_details(venue: str, details: Any) -> TradingHours | None:
    """Return the regular hours in IB's contract details (liquidHours, else tradingHours), or None without any."""
    zone = str(getattr(details, "timeZoneId", "") or "")
    regular = str(getattr(details, "liquidHours", "") or "")
    text = regular or str(getattr(details, "tradingHours", "") or "")
    if not zone or not text:
        return None
    try:
        sessions = parse_ib_sessions(text, zone)
    except ZoneInfoNotFoundError:
        return None
    what = "liquid hours" if regular else "trading hours"
    return TradingHours(venue, zone, sessions, f"IB contract details ({what})")


def _day(text: str) -> date | None:
    try:
        return datetime.strptime(text.strip(), "%Y%m%d").date()
    except ValueError:
        return None


def _moment(text: str, day: date, tz: ZoneInfo) -> datetime | None:
    """Return 'YYYYMMDD:HHMM' or 'HHMM' (on day) as a time in tz."""
    text = text.strip()
    if ":" in text:
        head, _, clock = text.partition(":")
        other = _day(head)
        if other is None:
            return None
        day, text = other, clock
    try:
        at = time(int(text[:2]), int(text[2:4]))
    except (ValueError, IndexError):
        return None
    return datetime.combine(day, at, tz)
