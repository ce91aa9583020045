"""The ticket's market hours line: is the instrument's market open now, and when it next closes or opens, in the
exchange's zone; and the confirm's warning for a DAY order sent while the market is closed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta

from PySide6.QtWidgets import QLabel

from core.domain import Instrument, TimeInForce
from core.domain.trading_hours import TradingHours
from gui.widgets.tone import Tone, show_tone

HoursSource = Callable[[str, Instrument], TradingHours | None]
"""(account, instrument) -> the hours the account's broker gives for it (None: none known, or not yet)."""


class TicketHoursLabel(QLabel):
    """objectName 'orderTicket.hoursLabel': 'NSE open · closes 15:30 IST' (green) or 'NSE closed · opens Mon 09:15
    IST' (amber, by its tone under the ticket's style sheet); empty when the account's broker gives no hours. Its
    tooltip says where the hours come from."""

    def __init__(self) -> None:
        super().__init__(objectName="orderTicket.hoursLabel")
        self.setFixedHeight(self.fontMetrics().lineSpacing() + 2)
        self._shown: tuple[TradingHours, datetime, datetime] | None = None
        """The hours shown, the moment they were shown at, and when that line next changes (their next open or
        close, or midnight)."""

    def show_hours(self, hours: TradingHours | None, now: datetime) -> None:
        """Show hours' state at now (nothing for None).

        The ticket asks on every change of a field (twice an order); the line is worked out again only when the
        hours are others, or now has reached the next open, close or day in the exchange's zone.
        """
        shown = self._shown
        if hours is not None and shown is not None and shown[0] is hours and shown[1] <= now < shown[2]:
            return
        self._shown = None if hours is None else (hours, now, _next_change(hours, now))
        if hours is None:
            self.setText("")
            if self.toolTip():
                self.setToolTip("")
            return
        state = hours.state_at(now)
        self.setText(hours.summary(now))
        show_tone(self, Tone.GOOD if state.is_open else Tone.WARN)
        tip = f"From {hours.source}" + (f"; {hours.note}" if hours.note else "") + "."
        if tip != self.toolTip():
            self.setToolTip(tip)


def _next_change(hours: TradingHours, now: datetime) -> datetime:
    """Return when hours' line as shown at now next reads otherwise: its next open or close, or the next day in its
    zone (a time shown with its weekday becomes today's)."""
    state = hours.state_at(now)
    local = hours.local(now)
    midnight = datetime.combine(local.date() + timedelta(days=1), time(0), local.tzinfo)
    edges = [moment for moment in (state.next_open, state.next_close) if moment is not None and moment > now]
    return min([midnight, *edges])


def closed_market_warning(hours: TradingHours | None, tif: TimeInForce, now: datetime, takes_gtc: bool = True) -> str:
    """Return the confirm's warning for a DAY order while the market is closed, or "" (open, unknown, other TIF).

    GTC is suggested only where the account takes it (not Kite, whose long-standing orders are GTTs)."""
    if hours is None or tif is not TimeInForce.DAY:
        return ""
    state = hours.state_at(now)
    if state.is_open:
        return ""
    opens = "its next open is not known" if state.next_open is None else f"it opens {hours.when(state.next_open, now)}"
    gtc = "; choose GTC to keep it working past one session" if takes_gtc else ""
    return (f"{hours.venue} is closed now ({opens}). This DAY order waits for the open where the broker queues "
            f"orders, or the broker refuses it{gtc}.")
