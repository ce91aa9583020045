"""The ticket says whether its instrument's market is open, from its account's broker's hours, and the confirm
warns a DAY order sent while that market is closed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLabel

from core.domain import Instrument, TimeInForce
from core.domain.trading_hours import TradingHours, TradingSession
from tests.gui.test_order_ticket import Ticket, ticket  # noqa: F401  (the fixture)

ZONE = "America/New_York"


def hours_from(opens_in: timedelta, lasts: timedelta = timedelta(hours=6)) -> TradingHours:
    """NASDAQ hours whose one session opens opens_in from now (negative: it is open now)."""
    opens = datetime.now(UTC).replace(second=0, microsecond=0) + opens_in
    return TradingHours("NASDAQ", ZONE, (TradingSession(opens, opens + lasts),), "a test's calendar")


def served(form: Ticket, hours: TradingHours, account: str = "PAPER-1") -> list[tuple[str, Instrument]]:
    asked: list[tuple[str, Instrument]] = []

    def source(on: str, instrument: Instrument) -> TradingHours | None:
        asked.append((on, instrument))
        return hours if on == account else None

    form.widget.set_hours_source(source)
    return asked


def confirm_texts(form: Ticket, tif: TimeInForce) -> dict[str, str]:
    form.widget.set_confirm_required(True)
    combo = form.child(QComboBox, "tifCombo")
    combo.setCurrentIndex(combo.findData(tif))
    form.fill("AAPL", "100", "189.50")
    form.press(Qt.Key.Key_Return)
    dialog = form.widget.confirm_dialog
    assert dialog is not None
    texts = {label.objectName(): label.text() for label in dialog.findChildren(QLabel) if label.objectName()}
    dialog.reject()
    return texts


def test_the_ticket_says_the_market_is_open_and_when_it_closes_on_its_accounts_hours(ticket: Ticket) -> None:  # noqa: F811
    hours = hours_from(-timedelta(hours=1))
    asked = served(ticket, hours)
    ticket.fill("AAPL", "100", "189.50")
    label = ticket.child(QLabel, "hoursLabel")
    closes = hours.local(hours.sessions[0].closes)
    assert label.text().startswith("NASDAQ open · closes") and f"{closes:%H:%M}" in label.text()
    assert "a test's calendar" in label.toolTip()
    assert asked[-1][0] == "PAPER-1" and asked[-1][1].symbol == "AAPL"
    ticket.child(QComboBox, "accountCombo").setCurrentIndex(1)  # IB-DU1234567: its broker gives none here
    assert label.text() == ""


def test_a_day_order_to_a_closed_market_is_warned_in_the_confirm(ticket: Ticket) -> None:  # noqa: F811
    served(ticket, hours_from(timedelta(hours=3)))
    ticket.fill("AAPL", "100", "189.50")
    assert ticket.child(QLabel, "hoursLabel").text().startswith("NASDAQ closed · opens")
    warning = confirm_texts(ticket, TimeInForce.DAY).get("orderTicket.confirmDialog.marketClosed", "")
    assert warning.startswith("NASDAQ is closed now (it opens ") and "DAY order waits for the open" in warning


def test_no_warning_for_gtc_or_an_open_market(ticket: Ticket) -> None:  # noqa: F811
    served(ticket, hours_from(timedelta(hours=3)))
    assert "orderTicket.confirmDialog.marketClosed" not in confirm_texts(ticket, TimeInForce.GTC)
    served(ticket, hours_from(-timedelta(hours=1)))
    assert "orderTicket.confirmDialog.marketClosed" not in confirm_texts(ticket, TimeInForce.DAY)


def test_an_account_without_gtc_is_offered_only_its_own_times_in_force_and_never_told_to_choose_gtc(
    ticket: Ticket,  # noqa: F811
) -> None:
    """A Kite account takes DAY or IOC: its ticket lists those two, a GTC chosen on another account becomes DAY,
    and the closed-market warning does not advise GTC, which Kite would refuse."""
    tifs = {"PAPER-1": frozenset({TimeInForce.DAY, TimeInForce.GTC, TimeInForce.IOC}),
            "IB-DU1234567": frozenset({TimeInForce.DAY, TimeInForce.IOC})}
    ticket.widget.set_tif_source(lambda account: tifs[account])
    combo = ticket.child(QComboBox, "tifCombo")
    assert [combo.itemText(i) for i in range(combo.count())] == ["DAY", "GTC", "IOC"]
    combo.setCurrentIndex(combo.findData(TimeInForce.GTC))
    served(ticket, hours_from(timedelta(hours=3)), account="IB-DU1234567")
    ticket.child(QComboBox, "accountCombo").setCurrentIndex(1)
    assert [combo.itemText(i) for i in range(combo.count())] == ["DAY", "IOC"]
    assert combo.currentData() == TimeInForce.DAY
    warning = confirm_texts(ticket, TimeInForce.DAY).get("orderTicket.confirmDialog.marketClosed", "")
    assert "DAY order waits for the open" in warning and "GTC" not in warning


def test_the_line_turns_at_the_close_and_at_midnight_with_the_same_hours(qtbot: object) -> None:
    """The line is worked out again only when it can read otherwise (ticket_hours.py): the close still turns it."""
    from gui.widgets.ticket_hours import TicketHoursLabel

    tz = ZoneInfo(ZONE)
    opens = datetime(2026, 12, 7, 9, 30, tzinfo=tz)  # a Monday; Tuesday's session too
    sessions = tuple(TradingSession(opens + timedelta(days=d), opens + timedelta(days=d, hours=6, minutes=30))
                     for d in (0, 1))
    hours = TradingHours("NASDAQ", ZONE, sessions, "a test's calendar")
    label = TicketHoursLabel()
    shown = []
    for moment in (datetime(2026, 12, 7, 15, 59, tzinfo=tz), datetime(2026, 12, 7, 16, 0, tzinfo=tz),
                   datetime(2026, 12, 7, 23, 59, tzinfo=tz), datetime(2026, 12, 8, 0, 1, tzinfo=tz),
                   datetime(2026, 12, 7, 10, 0, tzinfo=tz)):  # a clock put back reads it anew too
        label.show_hours(hours, moment.astimezone(UTC))
        shown.append(label.text())
    assert shown == ["NASDAQ open · closes 16:00 EST", "NASDAQ closed · opens Tue 08 Dec 09:30 EST",
                     "NASDAQ closed · opens Tue 08 Dec 09:30 EST", "NASDAQ closed · opens 09:30 EST",
                     "NASDAQ open · closes 16:00 EST"]
