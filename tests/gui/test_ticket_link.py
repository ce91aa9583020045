"""The ticket's Link row: an OCO partner or an OTO exit set from the keyboard, said on the send button and in the
confirm dialog (both orders, and what happens when one fills), refused on the ticket when it cannot go."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLabel, QPushButton

from core.domain import Side
from gui.widgets.linked_order_row import LinkedOrder, LinkMode
from tests.gui.test_order_ticket import Ticket, ticket  # noqa: F401  (the fixture)


def hint(t: Ticket) -> str:
    label = t.child(QLabel, "linkHintLabel")
    return label.text() if label.isVisible() else ""


def choose_stop(t: Ticket) -> None:
    combo = t.child(QComboBox, "linkTypeCombo")
    combo.setFocus()
    t.qtbot.keyClick(combo, Qt.Key.Key_Down)  # LMT -> STP, from the keyboard


def test_ctrl_l_links_an_oco_stop_to_a_sell_limit_and_enter_hands_up_both(ticket: Ticket) -> None:  # noqa: F811
    ticket.fill("AAPL", "100", "195.00")
    ticket.press(Qt.Key.Key_F2)
    ticket.press(Qt.Key.Key_L, ctrl=True)
    assert ticket.child(QComboBox, "linkModeCombo").currentData() == LinkMode.OCO
    assert ticket.edit("linkPriceEdit").hasFocus(), "the cursor goes to the second order's price"
    assert "when either fills, the other is cancelled" in hint(ticket)
    ticket.qtbot.keyClicks(ticket.edit("linkPriceEdit"), "180")
    choose_stop(ticket)
    assert ticket.child(QPushButton, "sendButton").text() == "Sell 100 AAPL LMT 195.00 OCO STP 180.00"
    assert hint(ticket) == ("OCO — second order: Sell 100 AAPL STP 180.00. When either fills (even in part), "
                            "the other is cancelled.")
    ticket.press(Qt.Key.Key_Return)
    (request,) = ticket.sent
    link = ticket.widget.sent_link()
    assert link == LinkedOrder(LinkMode.OCO, True, Decimal("180"))
    partner = link.oco_partner(request)
    assert (partner.side, partner.quantity, partner.stop_price, partner.limit_price) == (
        Side.SELL, Decimal(100), Decimal("180"), None)


def test_the_confirm_dialog_describes_both_legs_of_an_oto(ticket: Ticket) -> None:  # noqa: F811
    ticket.widget.set_confirm_required(True)
    ticket.fill("AAPL", "100", "189.50")
    ticket.press(Qt.Key.Key_L, ctrl=True)
    ticket.press(Qt.Key.Key_L, ctrl=True, on="linkPriceEdit")
    assert ticket.child(QComboBox, "linkModeCombo").currentData() == LinkMode.OTO
    ticket.qtbot.keyClicks(ticket.edit("linkPriceEdit"), "195")
    ticket.press(Qt.Key.Key_Return, on="linkPriceEdit")
    dialog = ticket.widget.confirm_dialog
    assert dialog is not None
    linked = dialog.findChild(QLabel, "orderTicket.confirmDialog.linked")
    assert linked is not None
    assert linked.text() == ("OTO — once this order fills, Sell AAPL LMT 195.00 is sent for what filled. "
                             "Cancel this order unfilled and nothing more is sent.")
    summary = dialog.findChild(QLabel, "orderTicket.confirmDialog.summary")
    assert summary is not None and summary.text() == "Buy 100 AAPL LMT 189.50"
    send = dialog.findChild(QPushButton, "orderTicket.confirmDialog.sendButton")
    assert send is not None and send.text() == "Send OTO (Buy first)"
    dialog.accept()
    assert len(ticket.sent) == 1
    assert ticket.widget.sent_link() == LinkedOrder(LinkMode.OTO, False, Decimal("195"))


def test_an_oto_exit_on_the_wrong_side_is_refused_on_the_ticket_and_nothing_sent(ticket: Ticket) -> None:  # noqa: F811
    ticket.fill("AAPL", "100", "189.50")
    ticket.press(Qt.Key.Key_L, ctrl=True)
    ticket.press(Qt.Key.Key_L, ctrl=True, on="linkPriceEdit")
    ticket.qtbot.keyClicks(ticket.edit("linkPriceEdit"), "185")
    assert "OTO limit 185 must be above the entry price 189.50" in hint(ticket)
    ticket.press(Qt.Key.Key_Return)
    assert ticket.sent == []
    assert "must be above the entry price" in ticket.child(QLabel, "statusLabel").text()


def test_an_oco_price_off_the_tick_is_refused_on_the_ticket(ticket: Ticket) -> None:  # noqa: F811
    ticket.fill("AAPL", "100", "195.00")
    ticket.press(Qt.Key.Key_L, ctrl=True)
    ticket.qtbot.keyClicks(ticket.edit("linkPriceEdit"), "180.005")
    ticket.press(Qt.Key.Key_Return)
    assert ticket.sent == []
    assert "The OCO's second order:" in ticket.child(QLabel, "statusLabel").text()


def test_a_bracket_and_a_linked_order_do_not_go_together(ticket: Ticket) -> None:  # noqa: F811
    ticket.fill("AAPL", "100", "189.50")
    ticket.type_into("stopLossEdit", "187")
    ticket.press(Qt.Key.Key_L, ctrl=True)
    ticket.qtbot.keyClicks(ticket.edit("linkPriceEdit"), "180")
    ticket.press(Qt.Key.Key_Return)
    assert ticket.sent == []
    assert "cannot go together" in ticket.child(QLabel, "statusLabel").text()


def test_clear_and_a_third_ctrl_l_drop_the_link(ticket: Ticket) -> None:  # noqa: F811
    ticket.fill("AAPL", "100", "189.50")
    for _ in range(3):
        ticket.press(Qt.Key.Key_L, ctrl=True)
    assert ticket.child(QComboBox, "linkModeCombo").currentData() == LinkMode.NONE
    assert not ticket.edit("linkPriceEdit").isEnabled()
    ticket.press(Qt.Key.Key_L, ctrl=True)
    ticket.qtbot.keyClicks(ticket.edit("linkPriceEdit"), "180")
    ticket.press(Qt.Key.Key_Escape, on="linkPriceEdit")
    assert ticket.child(QComboBox, "linkModeCombo").currentData() == LinkMode.NONE
    assert ticket.edit("linkPriceEdit").text() == ""
    ticket.fill("AAPL", "100", "189.50")
    ticket.press(Qt.Key.Key_Return)
    assert len(ticket.sent) == 1 and ticket.widget.sent_link() is None


def test_the_charts_price_becomes_an_oto_stop_below_a_buy_or_an_oco_limit_above_a_sell(ticket: Ticket) -> None:  # noqa: F811
    ticket.fill("AAPL", "100", "189.50")
    ticket.widget.link_at(LinkMode.OTO, Decimal("185"))  # the exit of a buy, below its entry: a sell stop
    assert ticket.child(QComboBox, "linkModeCombo").currentData() == LinkMode.OTO
    assert ticket.child(QPushButton, "sendButton").text() == "Buy 100 AAPL LMT 189.50 → then STP 185.00"
    assert ticket.edit("linkPriceEdit").hasFocus()
    ticket.press(Qt.Key.Key_F2, on="linkPriceEdit")
    ticket.widget.set_quote("AAPL", Decimal("189.49"), Decimal("189.51"))
    ticket.widget.link_at(LinkMode.OCO, Decimal("195"))  # a second sell above the market: a limit
    assert ticket.child(QPushButton, "sendButton").text() == "Sell 100 AAPL LMT 189.50 OCO LMT 195.00"
    ticket.press(Qt.Key.Key_Return, on="linkPriceEdit")
    assert ticket.widget.sent_link() == LinkedOrder(LinkMode.OCO, False, Decimal("195"))
