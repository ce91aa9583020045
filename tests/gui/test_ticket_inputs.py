"""The order ticket as a trader types into it: bad input is explained next to its field and nothing is sent."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QPushButton
from pytestqt.qtbot import QtBot

from core.domain import OrderRequest, OrderType, Side
from gui.widgets.order_ticket import OrderTicketWidget
from tests.factories import make_instrument

INSTRUMENTS = {"AAPL": make_instrument("AAPL"), "600519": make_instrument("600519", currency="CNY", lot_size="100")}


@pytest.fixture
def ticket(qtbot: QtBot) -> Iterator[tuple[OrderTicketWidget, list[OrderRequest]]]:
    widget = OrderTicketWidget()
    qtbot.addWidget(widget)
    widget.set_instruments(INSTRUMENTS)
    widget.set_accounts(["PAPER-1"])
    widget.set_confirm_required(False)
    widget.show()
    sent: list[OrderRequest] = []
    widget.submit_requested.connect(sent.append)
    yield widget, sent


def edit(widget: OrderTicketWidget, name: str) -> QLineEdit:
    found = widget.findChild(QLineEdit, f"orderTicket.{name}")
    assert found is not None
    return found


def type_into(widget: OrderTicketWidget, name: str, text: str) -> None:
    field = edit(widget, name)
    field.clear()
    QTest.keyClicks(field, text)


def fill(widget: OrderTicketWidget, symbol: str = "AAPL", quantity: str = "100", limit: str = "189.50") -> None:
    type_into(widget, "symbolEdit", symbol)
    type_into(widget, "quantityEdit", quantity)
    type_into(widget, "limitPriceEdit", limit)


def error_text(widget: OrderTicketWidget, name: str) -> str:
    label = widget.findChild(QLabel, f"orderTicket.{name}")
    assert label is not None
    return label.text() if label.isVisible() else ""


@pytest.mark.parametrize(
    ("field", "text", "error_label", "says"),
    [
        ("quantityEdit", "0", "quantityError", "greater than zero"),
        ("limitPriceEdit", "189.503", "limitPriceError", "try 189.50"),
        ("limitPriceEdit", "0", "limitPriceError", "greater than zero"),
        ("symbolEdit", "ZZZZ", "symbolError", "Unknown symbol"),
    ],
)
def test_bad_input_is_explained_next_to_its_field_and_nothing_is_sent(
    ticket: tuple[OrderTicketWidget, list[OrderRequest]], field: str, text: str, error_label: str, says: str
) -> None:
    widget, sent = ticket
    fill(widget)
    type_into(widget, field, text)
    QTest.keyClick(edit(widget, field), Qt.Key.Key_Return)
    assert sent == []
    assert says in error_text(widget, error_label)


Ticket = tuple[OrderTicketWidget, list[OrderRequest]]


def test_off_lot_quantity_on_an_a_share_suggests_a_whole_lot(ticket: Ticket) -> None:
    widget, sent = ticket
    fill(widget, "600519", "150", "1700.00")
    QTest.keyClick(edit(widget, "quantityEdit"), Qt.Key.Key_Return)
    assert sent == []
    assert "lots of 100; try 100" in error_text(widget, "quantityError")


def test_enter_sends_one_typed_request_with_decimal_values(ticket: Ticket) -> None:
    widget, sent = ticket
    fill(widget)
    QTest.keyClick(edit(widget, "quantityEdit"), Qt.Key.Key_Return)
    assert len(sent) == 1
    request = sent[0]
    assert (request.symbol, request.side, request.order_type) == ("AAPL", Side.BUY, OrderType.LIMIT)
    assert request.quantity == Decimal(100) and request.limit_price == Decimal("189.50")
    assert str(request.account_id) == "PAPER-1"


def test_f2_sells_f1_buys_and_the_send_button_says_what_will_happen(
    ticket: tuple[OrderTicketWidget, list[OrderRequest]],
) -> None:
    widget, _sent = ticket
    fill(widget)
    QTest.keyClick(edit(widget, "quantityEdit"), Qt.Key.Key_F2)
    assert widget.findChild(QPushButton, "orderTicket.sellButton").isChecked()
    assert widget.findChild(QPushButton, "orderTicket.sendButton").text().startswith("Sell 100 AAPL")
    QTest.keyClick(edit(widget, "quantityEdit"), Qt.Key.Key_F1)
    assert widget.findChild(QPushButton, "orderTicket.buyButton").isChecked()


def test_up_arrow_moves_the_price_one_tick_and_the_quantity_one_lot(
    ticket: tuple[OrderTicketWidget, list[OrderRequest]],
) -> None:
    widget, _ = ticket
    fill(widget, "600519", "100", "1700.00")
    QTest.keyClick(edit(widget, "limitPriceEdit"), Qt.Key.Key_Up)
    QTest.keyClick(edit(widget, "quantityEdit"), Qt.Key.Key_Up)
    assert Decimal(edit(widget, "limitPriceEdit").text()) == Decimal("1700.01")
    assert Decimal(edit(widget, "quantityEdit").text().replace(",", "")) == Decimal(200)


def test_market_order_has_no_limit_price_and_escape_clears(ticket: Ticket) -> None:
    widget, _ = ticket
    fill(widget)
    widget.findChild(QComboBox, "orderTicket.typeCombo").setCurrentIndex(0)
    assert not edit(widget, "limitPriceEdit").isEnabled()
    QTest.keyClick(edit(widget, "quantityEdit"), Qt.Key.Key_Escape)
    assert edit(widget, "quantityEdit").text() == "" and edit(widget, "symbolEdit").text() == ""


def test_canceling_the_confirmation_sends_nothing_and_accepting_sends_once(
    ticket: tuple[OrderTicketWidget, list[OrderRequest]], qtbot: QtBot
) -> None:
    widget, sent = ticket
    widget.set_confirm_required(True)
    fill(widget)
    QTest.keyClick(edit(widget, "quantityEdit"), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: widget.confirm_dialog is not None)
    widget.confirm_dialog.reject()  # type: ignore[union-attr]
    qtbot.waitUntil(lambda: widget.confirm_dialog is None)
    assert sent == []
    QTest.keyClick(edit(widget, "quantityEdit"), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: widget.confirm_dialog is not None)
    widget.confirm_dialog.accept()  # type: ignore[union-attr]
    qtbot.waitUntil(lambda: len(sent) == 1)
