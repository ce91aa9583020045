"""Forex's week at OANDA: from Sunday 17:00 to Friday 17:00 New York time, without a daily break (24x5).

OANDA's instruments carry no hours; its prices say `tradeable: false` while the market is shut, which the
pricing stream shows. A few minutes around 17:00 New York each day are thin (spreads widen); that is not a close.
"""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from core.domain import Instrument
from core.domain.trading_hours import TradingHours, weekly_span

ZONE = "America/New_York"
WEEKS = 2


def fx_hours(instrument: Instrument, now: datetime) -> TradingHours:
    """Return forex's sessions (one a week) around now."""
    start = now.astimezone(ZoneInfo(ZONE)).date()
    sessions = weekly_span(ZONE, 6, time(17), 4, time(17), start, WEEKS)
    return TradingHours("FX", ZONE, sessions, "forex's 24x5 week (Sunday 17:00 to Friday 17:00 New York)",
                        "holidays (e.g. 1 January) are not known to TradeTerm")
