"""The A-share exchanges' fixed trading hours (easytrader's protocol has no hours call): continuous trading from
09:30 to 11:30 and from 13:00 to 15:00 Beijing time, Monday to Friday, on SSE, SZSE and BSE (Beijing). The opening
call auction (09:15-09:25) and exchange holidays are not known to TradeTerm.
"""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from core.domain import Instrument
from core.domain.trading_hours import TradingHours, weekly_sessions

ZONE = "Asia/Shanghai"
DAYS_AHEAD = 8
SESSIONS = ((time(9, 30), time(11, 30)), (time(13, 0), time(15, 0)))
"""The morning and the afternoon session; the market is closed over lunch."""
VENUES = frozenset({"SSE", "SZSE", "BSE"})
NOTE = "fixed exchange hours; the opening auction and holidays are not known to TradeTerm"


def a_share_hours(instrument: Instrument, now: datetime) -> TradingHours | None:
    """Return the A-share sessions for the days from now's day (Beijing time), or None for another venue."""
    venue = instrument.venue.upper()
    if venue not in VENUES:
        return None
    start = now.astimezone(ZoneInfo(ZONE)).date()
    sessions = [s for opens, closes in SESSIONS for s in weekly_sessions(ZONE, opens, closes, start, DAYS_AHEAD)]
    sessions.sort(key=lambda session: session.opens)
    return TradingHours(venue, ZONE, tuple(sessions), f"{venue}'s continuous trading hours", NOTE)
