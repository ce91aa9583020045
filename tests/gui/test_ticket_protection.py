"""The ticket's stop-loss/target row: the risk of the trade in currency before sending, ticks turned into
prices, a wrong-side stop refused on the ticket, and the bracket handed up with the order."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLabel, QPushButton

from core.domain.protection import Bracket
from tests.gui.test_order_ticket import Ticket, ticket  # noqa: F401  (the fixture)


def risk_text(t: Ticket) -> str:
    label = t.child(QLabel, "tradeRiskLabel")
    return label.text() if label.isVisible() else ""


def test_a_stop_shows_the_risk_of_the_trade_in_currency_and_goes_with_the_order(ticket: Ticket) -> None:  # noqa: F811
    ticket.fill("AAPL", "100", "189.50")
    assert risk_text(ticket) == ""
    ticket.type_into("stopLossEdit", "187.50")
    assert risk_text(ticket).startswith("Risk if stopped: 200.00 USD (stop 187.50).")
    assert "Held by TradeTerm" in risk_text(ticket)
    ticket.type_into("takeProfitEdit", "195")
    ticket.press(Qt.Key.Key_Return)
    assert len(ticket.sent) == 1
    assert ticket.widget.sent_bracket() == Bracket(Decimal("187.50"), Decimal("195"))


def test_ticks_count_from_the_limit_price_on_each_legs_side(ticket: Ticket) -> None:  # noqa: F811
    ticket.fill("AAPL", "10", "189.50")
    combo = ticket.child(QComboBox, "protectionUnitCombo")
    combo.setCurrentIndex(combo.findData("ticks"))
    ticket.type_into("stopLossEdit", "50")
    ticket.type_into("takeProfitEdit", "100")
    assert risk_text(ticket).startswith("Risk if stopped: 5.00 USD (stop 189.00).")
    ticket.press(Qt.Key.Key_Return)
    assert ticket.widget.sent_bracket() == Bracket(Decimal("189.00"), Decimal("190.50"))


def test_a_stop_above_a_buys_price_is_refused_on_the_ticket_and_nothing_is_sent(ticket: Ticket) -> None:  # noqa: F811
    ticket.fill("AAPL", "100", "189.50")
    ticket.type_into("stopLossEdit", "190")
    assert "must be below the entry price" in risk_text(ticket)
    ticket.press(Qt.Key.Key_Return)
    assert ticket.sent == []
    assert "must be below the entry price" in ticket.child(QLabel, "statusLabel").text()


def test_fixing_the_refused_stop_clears_the_refusal_under_the_send_button(ticket: Ticket) -> None:  # noqa: F811
    ticket.fill("AAPL", "100", "189.50")
    ticket.type_into("stopLossEdit", "190")
    ticket.press(Qt.Key.Key_Return)
    status = ticket.child(QLabel, "statusLabel")
    assert "must be below the entry price" in status.text()
    ticket.type_into("stopLossEdit", "187.50")
    assert status.text() == "", "the refusal was about the stop as it was: it no longer stands under Send"
    ticket.press(Qt.Key.Key_Return)
    assert ticket.widget.sent_bracket() == Bracket(Decimal("187.50"), None)


def test_the_risk_line_says_who_holds_the_stop_by_the_accounts_answer(ticket: Ticket) -> None:  # noqa: F811
    ticket.widget.set_bracket_holder(lambda account: True)
    ticket.fill("AAPL", "100", "189.50")
    ticket.type_into("stopLossEdit", "187.50")
    assert risk_text(ticket).endswith("Held at the broker (works while TradeTerm is closed).")


def test_the_fields_under_protect_hold_still_as_its_risk_line_comes_and_goes(ticket: Ticket) -> None:  # noqa: F811
    """Seen under Xvfb: the risk line under Protect appeared (and wrapped to two lines) as the stop was typed, the
    ticket grew, and Link, Size and the send button moved while the trader aimed at them."""
    ticket.fill("AAPL", "100", "189.50")
    send = ticket.child(QPushButton, "sendButton")
    link = ticket.child(QComboBox, "linkModeCombo")

    def where() -> tuple[int, int, int]:
        top = ticket.widget
        return (send.mapTo(top, send.rect().topLeft()).y(), link.mapTo(top, link.rect().topLeft()).y(),
                top.minimumSizeHint().height())

    before = where()
    ticket.type_into("stopLossEdit", "187.50")
    assert risk_text(ticket).startswith("Risk if stopped")
    assert where() == before, "the risk line moved the rows under it"
    ticket.type_into("stopLossEdit", "abc")
    assert "must be a positive number" in risk_text(ticket)
    assert where() == before, "the error moved the rows under it"
    ticket.type_into("stopLossEdit", "")
    assert where() == before


def test_an_order_without_stop_or_target_hands_up_no_bracket(ticket: Ticket) -> None:  # noqa: F811
    ticket.fill("AAPL", "100", "189.50")
    ticket.press(Qt.Key.Key_Return)
    assert len(ticket.sent) == 1 and ticket.widget.sent_bracket() is None


def test_another_symbol_starts_without_the_last_ones_stop_loss_and_target_prices(ticket: Ticket) -> None:  # noqa: F811
    """After an INFY buy with a stop at 1500 and a target at 1560, a click on TCS (3,918) kept both: the stop would
    have gone with a TCS order 60% away. Levels in ticks are offsets, not another symbol's prices: they stay."""
    ticket.fill("AAPL", "100", "189.50")
    ticket.type_into("stopLossEdit", "187.50")
    ticket.type_into("takeProfitEdit", "195")
    ticket.type_into("symbolEdit", "600519")
    assert (ticket.edit("stopLossEdit").text(), ticket.edit("takeProfitEdit").text()) == ("", "")
    combo = ticket.child(QComboBox, "protectionUnitCombo")
    combo.setCurrentIndex(combo.findData("ticks"))
    ticket.type_into("stopLossEdit", "50")
    ticket.type_into("symbolEdit", "AAPL")
    assert ticket.edit("stopLossEdit").text() == "50"


def test_a_close_clears_the_stop_loss_and_target_left_from_the_entry(ticket: Ticket) -> None:  # noqa: F811
    """After buying INFY with a stop and a target, a double-click on the position put a SELL close on the ticket
    with the entry's stop and target still there, and a red line saying the stop was on the wrong side."""
    ticket.fill("AAPL", "100", "189.50")
    ticket.type_into("stopLossEdit", "187.50")
    ticket.type_into("takeProfitEdit", "195")
    ticket.widget.prefill_close("PAPER-1", "AAPL", Decimal(100), Decimal("189.40"))
    assert (ticket.edit("stopLossEdit").text(), ticket.edit("takeProfitEdit").text()) == ("", "")
    assert "stop-loss" not in risk_text(ticket)


def test_a_sent_orders_stop_loss_and_target_prices_do_not_stay_for_the_next_order(ticket: Ticket) -> None:  # noqa: F811
    """After a buy with a stop at 410 and a target at 420, a click on Sell kept both: the ticket refused the sell
    ("the stop-loss must be above the take-profit") until the trader cleared them. Ticks away stay."""
    ticket.fill("AAPL", "100", "189.50")
    ticket.type_into("stopLossEdit", "187.50")
    ticket.type_into("takeProfitEdit", "195")
    ticket.press(Qt.Key.Key_Return)
    assert len(ticket.sent) == 1
    ticket.widget.order_sent()
    assert (ticket.edit("stopLossEdit").text(), ticket.edit("takeProfitEdit").text()) == ("", "")
    combo = ticket.child(QComboBox, "protectionUnitCombo")
    combo.setCurrentIndex(combo.findData("ticks"))
    ticket.type_into("stopLossEdit", "50")
    ticket.type_into("quantityEdit", "100")
    ticket.press(Qt.Key.Key_Return)
    ticket.widget.order_sent()
    assert ticket.edit("stopLossEdit").text() == "50"
