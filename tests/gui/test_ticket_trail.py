"""A trailing stop from the order ticket: the Trail type, its distance in price or %, and what is wrong with it."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLabel, QPushButton

from core.domain import OrderType, Side
from gui.widgets.order_confirm import OrderConfirmDialog
from tests.gui.test_order_ticket import Ticket, ticket

__all__ = ["ticket"]


def choose_trail(ticket: Ticket, trail: str, unit: str = "price") -> None:
    ticket.type_into("symbolEdit", "AAPL")
    ticket.type_into("quantityEdit", "100")
    ticket.child(QPushButton, "sellButton").click()
    combo = ticket.child(QComboBox, "typeCombo")
    combo.setCurrentIndex(combo.findText("Trail"))
    units = ticket.child(QComboBox, "trailUnitCombo")
    units.setCurrentIndex(units.findText(unit))
    ticket.type_into("trailEdit", trail)


def test_a_trail_by_price_goes_out_as_a_trail_amount_and_says_so_on_the_send_button(ticket: Ticket) -> None:
    choose_trail(ticket, "0.50")
    assert ticket.child(QPushButton, "sendButton").text() == "Sell 100 AAPL TRAIL 0.50"
    ticket.press(Qt.Key.Key_Return)
    assert [(r.side, r.order_type, r.trail_amount, r.trail_percent, r.limit_price, r.stop_price)
            for r in ticket.sent] == [(Side.SELL, OrderType.TRAIL, "0.50", None, None, None)]


def test_a_trail_in_percent_goes_out_as_a_trail_percent(ticket: Ticket) -> None:
    choose_trail(ticket, "1.5", "%")
    assert ticket.child(QPushButton, "sendButton").text() == "Sell 100 AAPL TRAIL 1.5%"
    ticket.press(Qt.Key.Key_Return)
    assert [(r.trail_amount, r.trail_percent) for r in ticket.sent] == [(None, "1.5")]


def test_a_trail_off_the_tick_is_shown_under_the_trail_and_nothing_is_sent(ticket: Ticket) -> None:
    choose_trail(ticket, "0.505")
    ticket.press(Qt.Key.Key_Return)
    assert ticket.sent == []
    assert ticket.error("trailError") == "AAPL ticks in 0.01; try a trail of 0.50."
    assert ticket.edit("trailEdit").hasFocus()


def test_the_confirm_dialog_names_the_trail(ticket: Ticket) -> None:
    ticket.widget.set_confirm_required(True)
    choose_trail(ticket, "2", "%")
    ticket.press(Qt.Key.Key_Return)
    dialog = ticket.widget.confirm_dialog
    assert isinstance(dialog, OrderConfirmDialog)
    summary = dialog.findChild(QLabel, "orderTicket.confirmDialog.summary")
    assert summary is not None and summary.text() == "Sell 100 AAPL TRAIL 2%"
    texts = [label.text() for label in dialog.findChildren(QLabel)]
    assert "2% behind the market; at market when touched" in texts
    dialog.reject()
