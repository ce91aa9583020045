"""TradingHoursSource: an account whose broker says when its instruments trade (or whose exchanges keep fixed hours).

IB answers from contract details (liquidHours in timeZoneId), Alpaca from its calendar, Kite from NSE's and BSE's
fixed hours, OANDA from forex's 24x5 week, easytrader from the A-share exchanges' fixed hours. An account without
it shows no hours (paper's simulated market, the e-mail desk).
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol, runtime_checkable

from core.domain import Instrument
from core.domain.trading_hours import TradingHours


@runtime_checkable
class TradingHoursSource(Protocol):
    """An account that knows its instruments' trading hours."""

    async def trading_hours(self, instrument: Instrument, now: datetime) -> TradingHours | None:
        """Return instrument's sessions from now's day for some days ahead, or None when the broker has none.

        Raise BrokerError when the broker cannot be asked (not connected, timed out)."""
        ...
