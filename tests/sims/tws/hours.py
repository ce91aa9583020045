"""The hours the simulated TWS reports in contract details, as TWS writes them (API 9.72+ layout), in the listing's
timeZoneId: "20261207:0930-20261207:1600;20261205:CLOSED;...", one entry per day for a week from today.

US stocks trade 04:00-20:00 with regular (liquid) hours 09:30-16:00; CME futures 17:00 (the evening before) to
16:00 with liquid hours 08:30-15:00; Xetra 08:00-22:00 / 09:00-17:30; Tokyo 09:00-11:30 and 12:30-15:30 (a lunch
break: two sessions a day); IDEALPRO forex 17:15 to 17:00 the next day, Sunday to Thursday.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from tests.sims.tws.market import Listing

DAYS = 7
Spans = tuple[tuple[str, str], ...]
_BY_EXCHANGE: dict[str, tuple[Spans, Spans]] = {  # (trading, liquid), local HHMM
    "IBIS": ((("0800", "2200"),), (("0900", "1730"),)),
    "TSEJ": ((("0900", "1130"), ("1230", "1530")), (("0900", "1130"), ("1230", "1530"))),
    "CME": ((("1700", "1600"),), (("0830", "1500"),)),
    "IDEALPRO": ((("1715", "1700"),), (("1715", "1700"),)),
}
_US_STOCK: tuple[Spans, Spans] = ((("0400", "2000"),), (("0930", "1600"),))


def listing_hours(listing: Listing, now: datetime | None = None) -> tuple[str, str]:
    """Return (tradingHours, liquidHours) of listing for the week from now's day in its zone."""
    exchange = listing.primary_exchange or listing.exchange
    trading, liquid = _BY_EXCHANGE.get(exchange) or _BY_EXCHANGE.get(listing.exchange) or _US_STOCK
    if listing.sec_type == "CASH":
        trading, liquid = _BY_EXCHANGE["IDEALPRO"]
    today = (now or datetime.now(UTC)).astimezone(ZoneInfo(listing.time_zone)).date()
    days = [today + timedelta(days=n) for n in range(DAYS)]
    overnight_week = listing.sec_type == "CASH" or exchange == "CME"
    return (_text(days, trading, overnight_week), _text(days, liquid, overnight_week and liquid == trading))


def _text(days: list[date], spans: Spans, sunday_to_thursday: bool) -> str:
    parts = []
    for day in days:
        open_days = (6, 0, 1, 2, 3) if sunday_to_thursday else (0, 1, 2, 3, 4)
        if day.weekday() not in open_days:
            parts.append(f"{day:%Y%m%d}:CLOSED")
            continue
        for begin, end in spans:
            ends_on = day + timedelta(days=1) if end <= begin else day
            parts.append(f"{day:%Y%m%d}:{begin}-{ends_on:%Y%m%d}:{end}")
    return ";".join(parts)
