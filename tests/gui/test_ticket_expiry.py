"""The ticket's GTD end: it appears only for GTD, goes out with the order, and an end that has passed is refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from PySide6.QtCore import QDateTime, Qt
from PySide6.QtWidgets import QComboBox, QDateTimeEdit, QLabel, QWidget

from core.domain import TimeInForce
from tests.gui.test_order_ticket import Ticket, ticket  # noqa: F401  (the fixture)


def choose_tif(form: Ticket, tif: TimeInForce) -> None:
    combo = form.child(QComboBox, "tifCombo")
    combo.setCurrentIndex(combo.findData(tif))


def set_end(form: Ticket, when: datetime) -> None:
    edit = form.child(QDateTimeEdit, "expiryEdit")
    edit.setDateTime(QDateTime.fromSecsSinceEpoch(int(when.timestamp())))


def test_the_end_shows_only_for_gtd_and_goes_out_with_the_order(ticket: Ticket) -> None:  # noqa: F811
    row = ticket.child(QWidget, "expiryRow")
    assert not row.isVisible()
    choose_tif(ticket, TimeInForce.GTD)
    assert row.isVisible() and ticket.child(QLabel, "expiryZone").text().strip()
    ends = (datetime.now(UTC) + timedelta(hours=5)).replace(second=0, microsecond=0)
    set_end(ticket, ends)
    ticket.fill("AAPL", "100", "189.50")
    ticket.press(Qt.Key.Key_Return)
    assert [(r.tif, r.expire_at) for r in ticket.sent] == [(TimeInForce.GTD, ends)]


def test_an_end_that_has_passed_is_refused_and_nothing_is_sent(ticket: Ticket) -> None:  # noqa: F811
    choose_tif(ticket, TimeInForce.GTD)
    set_end(ticket, datetime.now(UTC) - timedelta(hours=1))
    ticket.fill("AAPL", "100", "189.50")
    ticket.press(Qt.Key.Key_Return)
    assert ticket.sent == []
    assert "has passed: choose a date and time in the future" in ticket.child(QLabel, "statusLabel").text()


def test_another_tif_hides_the_end_and_sends_none(ticket: Ticket) -> None:  # noqa: F811
    choose_tif(ticket, TimeInForce.GTD)
    choose_tif(ticket, TimeInForce.GTC)
    assert not ticket.child(QWidget, "expiryRow").isVisible()
    ticket.fill("AAPL", "100", "189.50")
    ticket.press(Qt.Key.Key_Return)
    assert [(r.tif, r.expire_at) for r in ticket.sent] == [(TimeInForce.GTC, None)]


def test_the_confirm_says_until_when_a_gtd_order_lasts(ticket: Ticket) -> None:  # noqa: F811
    ticket.widget.set_confirm_required(True)
    choose_tif(ticket, TimeInForce.GTD)
    ends = (datetime.now(UTC) + timedelta(days=2)).replace(second=0, microsecond=0)
    set_end(ticket, ends)
    ticket.fill("AAPL", "100", "189.50")
    ticket.press(Qt.Key.Key_Return)
    dialog = ticket.widget.confirm_dialog
    assert dialog is not None
    shown = [label.text() for label in dialog.findChildren(QLabel)]
    assert f"GTD until {ends.astimezone():%Y-%m-%d %H:%M}" in " ".join(shown)
    dialog.reject()
