"""The Indian exchanges' fixed trading hours (Kite Connect has no hours or holiday call): normal market sessions,
Monday to Friday, in IST. Exchange holidays and special (Muhurat) sessions are not known to TradeTerm.
"""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from core.domain import Instrument
from core.domain.trading_hours import TradingHours, weekly_sessions

ZONE = "Asia/Kolkata"
DAYS_AHEAD = 8
EXCHANGE_HOURS: dict[str, tuple[time, time]] = {
    "NSE": (time(9, 15), time(15, 30)), "BSE": (time(9, 15), time(15, 30)),
    "NFO": (time(9, 15), time(15, 30)), "BFO": (time(9, 15), time(15, 30)),
    "CDS": (time(9, 0), time(17, 0)), "BCD": (time(9, 0), time(17, 0)),
    "MCX": (time(9, 0), time(23, 30)),
}
"""Each exchange's normal session (MCX's evening close is 23:30 in winter, 23:55 when US markets keep summer time)."""
NOTE = "fixed exchange hours; holidays are not known to TradeTerm"


def kite_hours(instrument: Instrument, now: datetime) -> TradingHours | None:
    """Return instrument's exchange's fixed hours for the days from now's day (IST), or None for an unknown one."""
    venue = instrument.venue.upper()
    hours = EXCHANGE_HOURS.get(venue)
    if hours is None:
        return None
    start = now.astimezone(ZoneInfo(ZONE)).date()
    return TradingHours(venue, ZONE, weekly_sessions(ZONE, *hours, start, DAYS_AHEAD),
                        f"{venue}'s normal market hours", NOTE)

