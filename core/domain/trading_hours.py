"""TradingHours: when an instrument trades, as its broker says (or as its exchange's fixed hours are), in the
exchange's own time zone: open or closed now, and the next open and close.

Brokers give hours differently: IB lists each day's sessions (contract details' liquidHours, in timeZoneId),
Alpaca a calendar of days, Kite nothing (NSE and BSE keep fixed hours), OANDA nothing (FX trades 24x5). Each is
turned into one list of sessions here, so a view or a check reads them one way.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

WEEKDAYS = (0, 1, 2, 3, 4)
"""Monday to Friday (datetime.weekday numbers)."""


@dataclass(frozen=True, slots=True)
class TradingSession:
    """One stretch of trading: opens <= t < closes (timezone-aware)."""

    opens: datetime
    closes: datetime


@dataclass(frozen=True, slots=True)
class MarketState:
    """Whether the market is open at a moment, and when it next opens and closes (None: not in the known hours)."""

    is_open: bool
    next_open: datetime | None
    next_close: datetime | None


@dataclass(frozen=True, slots=True)
class TradingHours:
    """The regular sessions of one instrument over the coming days, in its exchange's zone.

    zone: the exchange's time zone (an IANA or IB name that zoneinfo knows, e.g. "Asia/Kolkata", "US/Eastern").
    source: where the hours come from, as the trader reads it ("IB contract details", "NSE's fixed hours").
    note: what the hours do not know (e.g. "exchange holidays are not known"), or "".
    """

    venue: str
    zone: str
    sessions: tuple[TradingSession, ...]
    source: str
    note: str = ""

    def state_at(self, now: datetime) -> MarketState:
        """Return whether the market is open at now, and its next open and close."""
        for session in self.sessions:
            if session.opens <= now < session.closes:
                return MarketState(True, self._next_open_after(session.closes), session.closes)
            if now < session.opens:
                return MarketState(False, session.opens, session.closes)
        return MarketState(False, None, None)

    def local(self, moment: datetime) -> datetime:
        """Return moment in the exchange's zone."""
        return moment.astimezone(ZoneInfo(self.zone))

    def summary(self, now: datetime) -> str:
        """Return the state in a line: 'NSE open · closes 15:30 IST', 'NSE closed · opens Mon 09:15 IST'."""
        state = self.state_at(now)
        if state.is_open:
            return f"{self.venue} open · closes {self.when(state.next_close, now)}"
        if state.next_open is None:
            return f"{self.venue} closed · next open not known"
        return f"{self.venue} closed · opens {self.when(state.next_open, now)}"

    def when(self, moment: datetime | None, now: datetime) -> str:
        """Return moment in the exchange's zone as a trader reads it: '15:30 IST' today, else 'Mon 14 Dec 09:15 IST'."""
        if moment is None:
            return "—"
        local, today = self.local(moment), self.local(now).date()
        day = "" if local.date() == today else f"{local:%a %d %b} "
        return f"{day}{local:%H:%M} {local.tzname()}"

    def _next_open_after(self, moment: datetime) -> datetime | None:
        """Return the first open at or after moment (a session that starts as another ends continues it)."""
        for session in self.sessions:
            if session.opens >= moment:
                return session.opens
        return None


def weekly_sessions(zone: str, opens: time, closes: time, start: date, days: int,
                    weekdays: Iterable[int] = WEEKDAYS) -> tuple[TradingSession, ...]:
    """Return the sessions of fixed daily hours (opens to closes, local) on weekdays from start for days days.

    A close at or before the open ends on the next day (an evening session that runs past midnight).
    """
    tz, trading_days = ZoneInfo(zone), frozenset(weekdays)
    made = []
    for offset in range(days):
        day = start + timedelta(days=offset)
        if day.weekday() not in trading_days:
            continue
        begin = datetime.combine(day, opens, tz)
        end = datetime.combine(day + timedelta(days=1) if closes <= opens else day, closes, tz)
        made.append(TradingSession(begin, end))
    return tuple(made)


def weekly_span(zone: str, opens_on: int, opens: time, closes_on: int, closes: time, start: date,
                weeks: int) -> tuple[TradingSession, ...]:
    """Return one session a week from (opens_on, opens) to (closes_on, closes) local, for weeks weeks from the week
    before start's (so that a session running at start is included): forex's Sunday 17:00 to Friday 17:00 New York."""
    tz = ZoneInfo(zone)
    monday = start - timedelta(days=start.weekday() + 7)
    made = []
    for week in range(weeks + 1):
        base = monday + timedelta(weeks=week)
        begin = datetime.combine(base + timedelta(days=opens_on - (7 if opens_on > closes_on else 0)), opens, tz)
        end = datetime.combine(base + timedelta(days=closes_on), closes, tz)
        made.append(TradingSession(begin, end))
    return tuple(made)
