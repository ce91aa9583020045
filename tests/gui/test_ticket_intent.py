"""What the ticket holds between clicks and sends: a position's close, a new symbol's own prices, one send."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLabel, QPushButton
from pytestqt.qtbot import QtBot

from core.domain import AccountId, FieldError, OrderOrigin, Quote, Side, TimeInForce
from gui.widgets.order_ticket import OrderTicketWidget
from tests.gui.test_order_ticket import INSTRUMENTS, Ticket

IB = "IB-DU1234567"
QUOTES = {
    ("PAPER-1", "AAPL"): Quote("AAPL", Decimal("189.49"), Decimal("189.51"), source="PAPER-1"),
    (IB, "AAPL"): Quote("AAPL", Decimal("150.10"), Decimal("150.12"), source=IB),
    ("PAPER-1", "600519"): Quote("600519", Decimal("1699.99"), Decimal("1700.004"), source="PAPER-1"),
}


def quote_of(symbol: str, account: str) -> Quote | None:
    """Like QuoteCache.latest: the account's own feed, else any feed that quotes the symbol."""
    own = QUOTES.get((account, symbol))
    return own or next((quote for (_, known), quote in QUOTES.items() if known == symbol), None)


@pytest.fixture
def ticket(qtbot: QtBot) -> Iterator[Ticket]:
    widget = OrderTicketWidget()
    qtbot.addWidget(widget)
    widget.set_instruments(INSTRUMENTS)
    widget.set_accounts(["PAPER-1", IB])
    widget.set_confirm_required(False)
    widget.resize(360, 480)
    widget.show()
    qtbot.waitExposed(widget)
    widget.activateWindow()
    qtbot.waitUntil(widget.isActiveWindow)
    sent: list = []
    widget.submit_requested.connect(sent.append)
    yield Ticket(widget, sent, qtbot)


def intent(ticket: Ticket) -> str:
    label = ticket.child(QLabel, "intentLabel")
    return label.text() if label.isVisible() else ""


def test_enter_again_after_a_send_sends_nothing_until_the_trader_types(ticket: Ticket) -> None:
    ticket.widget.prefill("AAPL", Side.SELL, quantity=Decimal(100), price=Decimal("189.49"))
    ticket.press(Qt.Key.Key_Return)
    ticket.press(Qt.Key.Key_Return)
    ticket.press(Qt.Key.Key_Enter, on="sendButton")
    assert len(ticket.sent) == 1, "one Enter, one order"
    ticket.type_into("quantityEdit", "50")
    ticket.press(Qt.Key.Key_Return)
    assert [request.quantity for request in ticket.sent] == [Decimal(100), Decimal(50)]
    ticket.widget.show_field_errors([FieldError("account_id", "PAPER-1 is not connected: connect it first.")])
    ticket.press(Qt.Key.Key_Return)
    assert len(ticket.sent) == 3, "refused, so nothing went out: Enter may send it again"


def test_a_close_shows_what_it_closes_goes_to_the_rows_account_as_a_close_and_is_gone_once_sent(
    ticket: Ticket,
) -> None:
    ticket.widget.set_quote_source(quote_of)
    assert ticket.child(QComboBox, "accountCombo").currentText() == "PAPER-1"
    ticket.widget.prefill_close(IB, "AAPL", Decimal(100), Decimal("150.10"))
    assert ticket.child(QComboBox, "accountCombo").currentText() == IB
    assert intent(ticket) == f"Close long 100 AAPL on {IB}"
    assert ticket.child(QPushButton, "sendButton").text() == "Sell 100 AAPL LMT 150.10"
    ticket.press(Qt.Key.Key_Return)
    (request,) = ticket.sent
    assert (request.account_id, request.side, request.quantity, request.origin) == (
        AccountId(IB), Side.SELL, Decimal(100), OrderOrigin.CLOSE)

    ticket.widget.order_sent()
    assert ticket.edit("quantityEdit").text() == "" and intent(ticket) == ""
    assert ticket.edit("quantityEdit").hasFocus(), "the focus stays where the trader was"
    ticket.press(Qt.Key.Key_Return)
    assert len(ticket.sent) == 1
    ticket.type_into("quantityEdit", "100")
    ticket.press(Qt.Key.Key_Return)
    assert ticket.sent[-1].origin is OrderOrigin.MANUAL, "typed again: an ordinary order, not the old close"


def test_a_short_is_closed_by_a_buy_and_a_partial_close_says_how_much(ticket: Ticket) -> None:
    ticket.widget.prefill_close("PAPER-1", "AAPL", Decimal(-300), Decimal("189.51"))
    assert ticket.child(QPushButton, "buyButton").isChecked()
    ticket.type_into("quantityEdit", "100")
    assert intent(ticket) == "Close 100 of short 300 AAPL on PAPER-1"
    ticket.press(Qt.Key.Key_Return)
    assert [r.origin for r in ticket.sent] == [OrderOrigin.CLOSE]


@pytest.mark.parametrize("edit", ["side", "symbol", "account"])
def test_changing_side_symbol_or_account_turns_a_close_into_an_ordinary_order(ticket: Ticket, edit: str) -> None:
    ticket.widget.prefill_close("PAPER-1", "AAPL", Decimal(100), Decimal("189.49"))
    if edit == "side":
        ticket.press(Qt.Key.Key_F1)
    elif edit == "symbol":
        ticket.type_into("symbolEdit", "600519")
        ticket.type_into("limitPriceEdit", "1700.00")
    else:
        ticket.child(QComboBox, "accountCombo").setCurrentText(IB)
    assert intent(ticket) == ""
    ticket.press(Qt.Key.Key_Return)
    assert [r.origin for r in ticket.sent] == [OrderOrigin.MANUAL]


def test_another_symbol_starts_from_its_own_touch_on_the_tick_and_the_default_tif(ticket: Ticket) -> None:
    ticket.widget.set_quote("600519", Decimal("1699.99"), Decimal("1700.004"))
    ticket.fill("AAPL", "100", "180.00")
    ticket.child(QComboBox, "tifCombo").setCurrentText("GTC")
    ticket.type_into("symbolEdit", "600519")
    assert ticket.edit("limitPriceEdit").text() == "1700.00", "600519's ask, on its tick; not AAPL's 180.00"
    assert ticket.child(QComboBox, "tifCombo").currentText() == TimeInForce.DAY.value
    ticket.widget.prefill("AAPL", Side.SELL)
    assert ticket.edit("limitPriceEdit").text() == "", "no AAPL quote: empty, never 600519's price"


def test_the_quote_line_and_prices_come_from_the_tickets_account_and_say_when_from_another_feed(
    ticket: Ticket,
) -> None:
    ticket.widget.set_quote_source(quote_of)
    ticket.type_into("symbolEdit", "AAPL")
    assert "189.51" in ticket.child(QLabel, "quoteLabel").text()
    assert ticket.edit("limitPriceEdit").text() == "189.51"
    ticket.child(QComboBox, "accountCombo").setCurrentText(IB)
    shown = ticket.child(QLabel, "quoteLabel").text()
    assert "150.10" in shown and "150.12" in shown and "feed" not in shown
    ticket.type_into("symbolEdit", "600519")
    assert "prices from PAPER-1" in ticket.child(QLabel, "quoteLabel").text(), "a reference feed's price is labelled"


def test_an_account_that_goes_away_is_never_replaced_by_another(ticket: Ticket) -> None:
    ticket.child(QComboBox, "accountCombo").setCurrentText(IB)
    ticket.widget.prefill("AAPL", Side.SELL, quantity=Decimal(100), price=Decimal("150.10"))
    ticket.widget.set_accounts(["PAPER-1"])
    assert ticket.child(QComboBox, "accountCombo").currentText() == ""
    ticket.press(Qt.Key.Key_Return)
    assert ticket.sent == [] and ticket.shown_errors() == {"accountError": "Choose an account."}


def test_a_click_on_another_account_prices_from_that_accounts_feed(ticket: Ticket) -> None:
    ticket.widget.set_quote_source(quote_of)
    ticket.type_into("symbolEdit", "AAPL")
    assert ticket.edit("limitPriceEdit").text() == "189.51"
    ticket.widget.prefill("AAPL", Side.BUY, account=IB)
    assert ticket.edit("limitPriceEdit").text() == "150.12", f"{IB}'s ask, not PAPER-1's"


def test_choosing_another_account_reprices_the_tickets_own_limit_but_never_a_typed_one(ticket: Ticket) -> None:
    """A click on PAPER-1's ask, then IB chosen by hand: the limit is IB's ask, not PAPER-1's price from
    another market. A limit the trader typed stays as typed when the account changes."""
    ticket.widget.set_quote_source(quote_of)
    ticket.widget.prefill("AAPL", Side.BUY, price=Decimal("189.51"), account="PAPER-1")
    ticket.child(QComboBox, "accountCombo").setCurrentText(IB)
    assert ticket.edit("limitPriceEdit").text() == "150.12", f"{IB}'s ask, not PAPER-1's 189.51"
    ticket.type_into("limitPriceEdit", "149.00")
    ticket.child(QComboBox, "accountCombo").setCurrentText("PAPER-1")
    assert ticket.edit("limitPriceEdit").text() == "149.00", "the trader's own limit is never replaced"


def test_a_close_without_a_quote_leaves_the_price_to_the_trader_never_an_older_one(ticket: Ticket) -> None:
    ticket.widget.set_quote_source(lambda symbol, account: None)
    ticket.fill("AAPL", "100", "180.00")
    ticket.widget.prefill_close("PAPER-1", "AAPL", Decimal(100), None)
    assert ticket.edit("limitPriceEdit").text() == ""
    ticket.press(Qt.Key.Key_Return)
    assert ticket.sent == [] and ticket.shown_errors() == {"limitPriceError": "Enter a value."}
