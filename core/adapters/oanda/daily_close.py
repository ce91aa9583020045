"""A pair's previous close from OANDA's daily candles, and when the FX day rolls. Pure helpers.

OANDA's prices carry no previous close, and FX has no last trade. The FX day ends at 17:00 New York: OANDA's
daily candles (granularity D, dailyAlignment=17, alignmentTimezone=America/New_York, as its own platform draws
them) each cover one FX day, stamped with their start; `complete` once their end has passed; with price=M their
`mid.c` is the day's last mid. The previous close is the mid close of the candle before the FX day under way.

Over the weekend (Friday 17:00 to Sunday 17:00 New York: no prices, no candles) the FX day shown is Friday's, so
the previous close is Thursday's and the change is Friday's, as a stock's on a Saturday is.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from typing import Any, Final
from zoneinfo import ZoneInfo

from core.adapters.oanda.parsing import decimal_of, parse_time

ZONE: Final = ZoneInfo("America/New_York")
ROLL: Final = time(17)
"""When the FX day ends and the next begins, New York time."""
_FRIDAY, _SATURDAY = 4, 5
CANDLES_ASKED: Final = 3
"""Daily candles asked: the day under way (once it has a price), the day before it, and one more for a day the
FX week's clock and OANDA's candles see differently (a holiday, a simulator that prices the weekend)."""


def candle_params() -> dict[str, str]:
    """The query of GET /v3/instruments/{instrument}/candles for the newest daily mid candles."""
    return {"granularity": "D", "count": str(CANDLES_ASKED), "price": "M", "dailyAlignment": str(ROLL.hour),
            "alignmentTimezone": ZONE.key}


def fx_day_start(now: datetime) -> datetime:
    """Return when the FX day shown at `now` began (UTC): the last 17:00 New York at or before now; from Friday
    17:00 to Sunday 17:00 (the market shut) Friday's day, which began on Thursday at 17:00."""
    local = now.astimezone(ZONE)
    day = local.date() if local.time() >= ROLL else local.date() - timedelta(days=1)
    while day.weekday() in (_FRIDAY, _SATURDAY):
        day -= timedelta(days=1)
    return datetime.combine(day, ROLL, ZONE).astimezone(UTC)


def next_roll(now: datetime) -> datetime:
    """Return the first 17:00 New York after `now` (UTC)."""
    local = now.astimezone(ZONE)
    day = local.date() if local.time() < ROLL else local.date() + timedelta(days=1)
    return datetime.combine(day, ROLL, ZONE).astimezone(UTC)


def previous_close(candles: Iterable[Mapping[str, Any]], day_start: datetime) -> Decimal | None:
    """Return the mid close of the newest candle that began before `day_start`, or None when there is none or it
    is not complete yet (OANDA's clock just short of the roll) or has no mid close."""
    before = [(parse_time(c.get("time")), c) for c in candles
              if isinstance(c, Mapping) and c.get("time") and parse_time(c.get("time")) < day_start]
    if not before:
        return None
    _, newest = max(before, key=lambda item: item[0])
    mid = newest.get("mid")
    if newest.get("complete") is not True or not isinstance(mid, Mapping):
        return None
    return decimal_of(mid.get("c"))
