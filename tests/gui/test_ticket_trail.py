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


def test_a_trail_in_ticks_goes_out_as_the_amount_those_ticks_make(ticket: Ticket) -> None:
    choose_trail(ticket, "5", "ticks")
    assert ticket.child(QPushButton, "sendButton").text() == "Sell 100 AAPL TRAIL 5 ticks (0.05)"
    ticket.press(Qt.Key.Key_Return)
    assert [(r.order_type, r.trail_amount, r.trail_percent) for r in ticket.sent] == [(OrderType.TRAIL, "0.05", None)]


def test_a_part_tick_trail_is_refused_under_the_trail(ticket: Ticket) -> None:
    choose_trail(ticket, "2.5", "ticks")
    ticket.press(Qt.Key.Key_Return)
    assert ticket.sent == []
    assert ticket.error("trailError") == "Give the trail in whole ticks (1, 2, 3 …), not '2.5'; or choose price."


def test_a_trailing_stop_limit_takes_its_limit_offset_in_the_limit_field_and_the_confirm_says_it(
    ticket: Ticket,
) -> None:
    ticket.widget.set_confirm_required(True)
    choose_trail(ticket, "0.50")
    combo = ticket.child(QComboBox, "typeCombo")
    combo.setCurrentIndex(combo.findText("Trail LMT"))
    assert ticket.edit("limitPriceEdit").isEnabled() and ticket.edit("trailEdit").isEnabled()
    ticket.type_into("limitPriceEdit", "0.05")
    assert ticket.child(QPushButton, "sendButton").text() == "Sell 100 AAPL TRAIL LMT 0.50 off 0.05"
    ticket.press(Qt.Key.Key_Return)
    dialog = ticket.widget.confirm_dialog
    assert isinstance(dialog, OrderConfirmDialog)
    texts = [label.text() for label in dialog.findChildren(QLabel)]
    assert "0.5 behind the market; when touched, a limit 0.05 beyond the stop" in texts
    assert not any(text.startswith("Limit price") for text in texts)
    dialog.accept()
    assert [(r.order_type, r.trail_amount, r.trail_limit_offset, r.limit_price) for r in ticket.sent] == [
        (OrderType.TRAIL_LIMIT, "0.50", "0.05", None)]


def test_a_trailing_stop_limit_without_its_offset_says_so_under_the_limit(ticket: Ticket) -> None:
    choose_trail(ticket, "0.50")
    combo = ticket.child(QComboBox, "typeCombo")
    combo.setCurrentIndex(combo.findText("Trail LMT"))
    ticket.edit("limitPriceEdit").clear()
    ticket.press(Qt.Key.Key_Return)
    assert ticket.sent == []
    assert "needs its limit offset" in ticket.error("limitPriceError")
