"""The order ticket driven as a trader drives it: keys and clicks in, one OrderRequest (or an explanation) out."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import TypeVar

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QDialog, QLabel, QLineEdit, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from core.domain import (
    AccountId,
    AssetClass,
    FieldError,
    OrderOrigin,
    OrderRequest,
    OrderType,
    Side,
    TimeInForce,
    validate_request,
)
from core.services.instruments import InstrumentCatalog
from gui.widgets.order_confirm import OrderConfirmDialog
from gui.widgets.order_ticket import OrderTicketWidget
from tests.factories import make_instrument
from tests.layout_requests import LayoutRequests

AAPL = make_instrument("AAPL")
MOUTAI = make_instrument("600519", currency="CNY", lot_size="100", venue="SSE")
INSTRUMENTS = {"AAPL": AAPL, "600519": MOUTAI}
RED = "#e53935"
W = TypeVar("W", bound=QWidget)


class Ticket:
    """The live widget plus what it emitted, with the lookups a test needs."""

    def __init__(self, widget: OrderTicketWidget, sent: list[OrderRequest], qtbot: QtBot) -> None:
        self.widget, self.sent, self.qtbot = widget, sent, qtbot

    def child(self, kind: type[W], name: str) -> W:
        found = self.widget.findChild(kind, f"orderTicket.{name}")
        assert found is not None, name
        return found

    def edit(self, name: str) -> QLineEdit:
        return self.child(QLineEdit, name)

    def type_into(self, name: str, text: str) -> None:
        field = self.edit(name)
        field.setFocus()
        field.selectAll()
        self.qtbot.keyClick(field, Qt.Key.Key_Delete)
        self.qtbot.keyClicks(field, text)

    def fill(self, symbol: str = "AAPL", quantity: str = "100", limit: str = "189.50") -> None:
        self.type_into("symbolEdit", symbol)
        self.type_into("quantityEdit", quantity)
        self.type_into("limitPriceEdit", limit)

    def press(self, key: Qt.Key, on: str = "quantityEdit", ctrl: bool = False) -> None:
        modifier = Qt.KeyboardModifier.ControlModifier if ctrl else Qt.KeyboardModifier.NoModifier
        self.qtbot.keyClick(self.child(QWidget, on), key, modifier)

    def error(self, name: str) -> str:
        label = self.child(QLabel, name)
        return label.text() if label.isVisible() else ""

    def shown_errors(self) -> dict[str, str]:
        names = ("symbolError", "quantityError", "limitPriceError", "stopPriceError", "accountError")
        return {name: self.error(name) for name in names if self.error(name)}


@pytest.fixture
def ticket(qtbot: QtBot) -> Iterator[Ticket]:
    widget = OrderTicketWidget()
    qtbot.addWidget(widget)
    widget.set_instruments(INSTRUMENTS)
    widget.set_accounts(["PAPER-1", "IB-DU1234567"])
    widget.set_confirm_required(False)
    widget.resize(360, 420)
    widget.show()
    qtbot.waitExposed(widget)
    widget.activateWindow()
    qtbot.waitUntil(widget.isActiveWindow)
    sent: list[OrderRequest] = []
    widget.submit_requested.connect(sent.append)
    yield Ticket(widget, sent, qtbot)


def core_message(field: str, request: OrderRequest) -> str:
    """Return what validate_request itself says about field: the ticket must show exactly that."""
    _, errors = validate_request(request, INSTRUMENTS.get(request.symbol))
    return next(error.message for error in errors if error.field == field)


def test_clicking_a_bid_prefills_a_sell_at_that_price_and_shows_the_quote(ticket: Ticket) -> None:
    ticket.widget.set_quote("AAPL", Decimal("189.49"), Decimal("189.51"))
    ticket.widget.prefill("AAPL", Side.SELL, quantity=Decimal(100), price=Decimal("189.49"))
    assert ticket.child(QPushButton, "sellButton").isChecked()
    assert not ticket.child(QPushButton, "buyButton").isChecked()
    assert ticket.edit("limitPriceEdit").text() == "189.49"
    assert ticket.child(QPushButton, "sendButton").text() == "Sell 100 AAPL LMT 189.49"
    quote = ticket.child(QLabel, "quoteLabel").text()
    assert "189.49" in quote and "189.51" in quote
    assert ticket.edit("quantityEdit").hasFocus()


def test_closing_a_position_prefills_quantity_and_keeps_a_stop_in_the_stop_field(ticket: Ticket) -> None:
    ticket.widget.prefill("aapl", Side.SELL, quantity=Decimal("300"), price=Decimal("180"), order_type=OrderType.STOP)
    assert ticket.edit("stopPriceEdit").text() == "180.00" and ticket.edit("stopPriceEdit").isEnabled()
    assert not ticket.edit("limitPriceEdit").isEnabled()
    assert ticket.child(QPushButton, "sendButton").text() == "Sell 300 AAPL STP 180.00", "spelled as the instrument"
    ticket.press(Qt.Key.Key_Return)
    assert [(r.symbol, r.side, r.quantity, r.stop_price) for r in ticket.sent] == [
        ("AAPL", Side.SELL, Decimal(300), Decimal("180.00"))
    ]


@pytest.mark.parametrize("focus", ["symbolEdit", "quantityEdit", "typeCombo", "accountCombo", "buyButton"])
def test_f1_and_f2_and_ctrl_b_and_ctrl_s_pick_the_side_wherever_the_focus_is(ticket: Ticket, focus: str) -> None:
    ticket.fill()
    ticket.widget.findChild(QWidget, f"orderTicket.{focus}").setFocus()
    ticket.press(Qt.Key.Key_F2, on=focus)
    assert ticket.child(QPushButton, "sellButton").isChecked()
    assert ticket.child(QPushButton, "sendButton").text() == "Sell 100 AAPL LMT 189.50"
    ticket.press(Qt.Key.Key_F1, on=focus)
    assert ticket.child(QPushButton, "buyButton").isChecked()
    ticket.press(Qt.Key.Key_S, on=focus, ctrl=True)
    assert ticket.child(QPushButton, "sellButton").isChecked()
    ticket.press(Qt.Key.Key_B, on=focus, ctrl=True)
    assert ticket.child(QPushButton, "buyButton").isChecked()
    assert ticket.sent == []


def test_enter_sends_exactly_one_manual_request_with_decimal_fields(ticket: Ticket) -> None:
    ticket.fill()
    ticket.child(QComboBox, "tifCombo").setCurrentIndex(1)
    assert ticket.child(QPushButton, "sendButton").text() == "Buy 100 AAPL LMT 189.50"
    with ticket.qtbot.waitSignal(ticket.widget.submit_requested, timeout=1000) as blocker:
        ticket.press(Qt.Key.Key_Return, on="limitPriceEdit")
    request = blocker.args[0]
    assert ticket.sent == [request]
    assert request == OrderRequest(
        AccountId("PAPER-1"), "AAPL", Side.BUY, Decimal(100), OrderType.LIMIT, Decimal("189.50"), None,
        TimeInForce.GTC, OrderOrigin.MANUAL,
    )
    assert isinstance(request.quantity, Decimal) and isinstance(request.limit_price, Decimal)
    assert validate_request(request, AAPL)[1] == []


@pytest.mark.parametrize("way", ["enter on the type", "return on the sell button", "click on send"])
def test_enter_on_a_combo_or_side_button_sends_too_and_the_send_button_clicks(ticket: Ticket, way: str) -> None:
    ticket.fill()

    def send() -> None:
        if way == "click on send":
            ticket.qtbot.mouseClick(ticket.child(QPushButton, "sendButton"), Qt.MouseButton.LeftButton)
        else:
            ticket.press(Qt.Key.Key_Enter, on="typeCombo" if way == "enter on the type" else "sellButton")

    send()
    send()
    assert [request.side for request in ticket.sent] == [Side.BUY], "a second press sends nothing until an edit"
    ticket.type_into("quantityEdit", "200")
    send()
    assert [request.quantity for request in ticket.sent] == [Decimal(100), Decimal(200)]


@pytest.mark.parametrize(
    ("field", "text", "label", "says"),
    [
        ("quantityEdit", "0", "quantityError", "greater than zero"),
        ("limitPriceEdit", "189.503", "limitPriceError", "ticks in 0.01; try 189.50"),
        ("limitPriceEdit", "-1", "limitPriceError", "greater than zero"),
        ("limitPriceEdit", "nan", "limitPriceError", "'nan' is not a number"),
        ("limitPriceEdit", "1e999", "limitPriceError", "'1e999'"),
        ("symbolEdit", "ZZZZ", "symbolError", "Unknown symbol 'ZZZZ'"),
    ],
)
def test_each_bad_input_is_explained_next_to_its_field_and_nothing_is_sent(
    ticket: Ticket, field: str, text: str, label: str, says: str
) -> None:
    ticket.fill()
    ticket.type_into(field, text)
    ticket.press(Qt.Key.Key_Return, on=field)
    assert ticket.sent == []
    request_field = {"quantityEdit": "quantity", "limitPriceEdit": "limit_price", "symbolEdit": "symbol"}[field]
    typed = {"symbol": "AAPL", "quantity": "100", "limit_price": "189.50", request_field: text}
    expected = core_message(request_field, OrderRequest(AccountId("PAPER-1"), typed["symbol"], Side.BUY,
                                                        typed["quantity"], limit_price=typed["limit_price"]))
    assert says in expected
    assert ticket.shown_errors() == {label: expected}
    error, edit = ticket.child(QLabel, label), ticket.edit(field)
    assert error.x() == edit.x() and 0 <= error.y() - edit.geometry().bottom() <= 12, "the error sits under its field"
    assert error.palette().color(error.foregroundRole()).name() == RED


def test_an_off_lot_quantity_is_refused_with_the_whole_lot_to_try(ticket: Ticket) -> None:
    ticket.fill("600519", "150", "1700.00")
    ticket.press(Qt.Key.Key_Return)
    assert ticket.sent == []
    assert ticket.shown_errors() == {"quantityError": "600519 trades in lots of 100; try 100."}


def test_an_empty_ticket_says_what_is_missing_and_fixing_it_clears_the_message(ticket: Ticket) -> None:
    ticket.press(Qt.Key.Key_Return, on="symbolEdit")
    assert ticket.shown_errors() == {"symbolError": "Enter a symbol."}
    ticket.type_into("symbolEdit", "AAPL")
    ticket.press(Qt.Key.Key_Return, on="symbolEdit")
    assert ticket.shown_errors() == {"quantityError": "Enter a value.", "limitPriceError": "Enter a value."}
    assert ticket.edit("quantityEdit").hasFocus(), "the cursor goes to the first field to fix"
    ticket.type_into("quantityEdit", "100")
    ticket.type_into("limitPriceEdit", "189.5")
    ticket.press(Qt.Key.Key_Return)
    assert ticket.shown_errors() == {} and len(ticket.sent) == 1


def test_errors_appear_while_typing_before_any_send(ticket: Ticket) -> None:
    ticket.fill()
    ticket.type_into("limitPriceEdit", "12x")
    ticket.qtbot.waitUntil(lambda: ticket.error("limitPriceError").startswith("'12x' is not a number."), timeout=2000)
    ticket.type_into("limitPriceEdit", "12")
    ticket.qtbot.waitUntil(lambda: ticket.error("limitPriceError") == "", timeout=2000)
    ticket.type_into("symbolEdit", "AA")
    ticket.qtbot.wait(400)
    assert ticket.error("symbolError") == "", "a prefix of a known symbol is not yet an error"
    assert ticket.sent == []


def test_without_an_account_nothing_is_sent_and_the_trader_is_told_why(ticket: Ticket) -> None:
    ticket.widget.set_accounts([])
    ticket.fill()
    ticket.press(Qt.Key.Key_Return)
    assert ticket.sent == []
    assert ticket.shown_errors() == {"accountError": "Choose an account."}


def test_escape_clears_the_fields_but_keeps_the_account(ticket: Ticket) -> None:
    ticket.child(QComboBox, "accountCombo").setCurrentIndex(1)
    ticket.fill(quantity="0")
    ticket.press(Qt.Key.Key_F2)
    ticket.press(Qt.Key.Key_Return)
    assert ticket.error("quantityError")
    ticket.press(Qt.Key.Key_Escape, on="limitPriceEdit")
    assert [ticket.edit(name).text() for name in ("symbolEdit", "quantityEdit", "limitPriceEdit")] == ["", "", ""]
    assert ticket.child(QComboBox, "accountCombo").currentText() == "IB-DU1234567"
    assert ticket.child(QPushButton, "buyButton").isChecked() and ticket.shown_errors() == {}
    assert ticket.edit("symbolEdit").hasFocus()


def test_price_fields_are_enabled_only_when_the_order_type_needs_them(ticket: Ticket) -> None:
    combo = ticket.child(QComboBox, "typeCombo")
    assert [combo.itemText(i) for i in range(combo.count())] == ["MKT", "LMT", "STP", "STP LMT", "Trail", "Trail LMT",
                                                                  "MIT"]
    enabled = {}
    for index in range(combo.count()):
        combo.setCurrentIndex(index)
        limit, stop, trail = ticket.edit("limitPriceEdit"), ticket.edit("stopPriceEdit"), ticket.edit("trailEdit")
        enabled[combo.currentText()] = (limit.isEnabled(), stop.isEnabled(), trail.isEnabled())
    assert enabled == {"MKT": (False, False, False), "LMT": (True, False, False), "STP": (False, True, False),
                       "STP LMT": (True, True, False), "Trail": (False, False, True),
                       "Trail LMT": (True, False, True), "MIT": (False, True, False)}


def test_a_market_order_carries_no_limit_price_even_if_one_was_typed(ticket: Ticket) -> None:
    ticket.fill(limit="189.503")
    ticket.child(QComboBox, "typeCombo").setCurrentIndex(0)
    assert ticket.child(QPushButton, "sendButton").text() == "Buy 100 AAPL MKT"
    ticket.press(Qt.Key.Key_Return)
    assert [(r.order_type, r.limit_price, r.stop_price) for r in ticket.sent] == [(OrderType.MARKET, None, None)]


def test_up_and_down_step_prices_by_one_tick_and_quantities_by_one_lot(ticket: Ticket) -> None:
    ticket.fill("600519", "100", "1700.00")
    ticket.press(Qt.Key.Key_Up, on="limitPriceEdit")
    assert ticket.edit("limitPriceEdit").text() == "1700.01"
    ticket.press(Qt.Key.Key_Down, on="limitPriceEdit")
    ticket.press(Qt.Key.Key_Down, on="limitPriceEdit")
    assert ticket.edit("limitPriceEdit").text() == "1699.99"
    ticket.press(Qt.Key.Key_Up, on="quantityEdit")
    assert ticket.edit("quantityEdit").text() == "200"
    ticket.press(Qt.Key.Key_Down, on="quantityEdit")
    ticket.press(Qt.Key.Key_Down, on="quantityEdit")
    assert ticket.edit("quantityEdit").text() == "100", "never below one lot"
    ticket.type_into("limitPriceEdit", "189.503")
    ticket.press(Qt.Key.Key_Up, on="limitPriceEdit")
    assert ticket.edit("limitPriceEdit").text() == "189.51", "an off-tick price steps onto the next tick"


def test_confirm_escape_cancels_and_sends_nothing_enter_confirms_and_sends_once(ticket: Ticket) -> None:
    ticket.widget.set_confirm_required(True)
    assert ticket.child(QCheckBox, "confirmCheck").isChecked()
    ticket.widget.set_quote("AAPL", Decimal("189.49"), Decimal("189.51"))
    ticket.fill()
    ticket.press(Qt.Key.Key_Return)
    dialog = ticket.widget.confirm_dialog
    assert isinstance(dialog, OrderConfirmDialog) and dialog.objectName() == "orderTicket.confirmDialog"
    ticket.qtbot.waitExposed(dialog)
    summary = " ".join(label.text() for label in dialog.findChildren(QLabel))
    for part in ("Buy 100 AAPL LMT 189.50", "BUY", "189.50", "18,950.00 USD", "PAPER-1", "DAY"):
        assert part in summary
    ticket.press(Qt.Key.Key_Return)
    assert ticket.widget.findChildren(QDialog, "orderTicket.confirmDialog") == [dialog], "one dialog at a time"
    ticket.qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    ticket.qtbot.waitUntil(lambda: ticket.widget.confirm_dialog is None)
    assert ticket.sent == []

    ticket.press(Qt.Key.Key_Return)
    dialog = ticket.widget.confirm_dialog
    assert dialog is not None
    ticket.qtbot.waitExposed(dialog)
    with ticket.qtbot.waitSignal(ticket.widget.submit_requested, timeout=1000):
        ticket.qtbot.keyClick(dialog, Qt.Key.Key_Return)
    assert len(ticket.sent) == 1 and ticket.widget.confirm_dialog is None


def test_enter_on_the_focused_cancel_button_cancels_rather_than_sends(ticket: Ticket) -> None:
    ticket.widget.set_confirm_required(True)
    ticket.fill()
    ticket.press(Qt.Key.Key_Return)
    dialog = ticket.widget.confirm_dialog
    assert dialog is not None
    ticket.qtbot.waitExposed(dialog)
    cancel = dialog.findChild(QPushButton, "orderTicket.confirmDialog.cancelButton")
    cancel.setFocus()
    ticket.qtbot.keyClick(cancel, Qt.Key.Key_Return)
    ticket.qtbot.waitUntil(lambda: ticket.widget.confirm_dialog is None)
    assert ticket.sent == []


def test_the_confirm_step_of_a_market_order_shows_notional_at_the_touch(ticket: Ticket) -> None:
    ticket.widget.set_confirm_required(True)
    ticket.widget.set_quote("AAPL", Decimal("189.49"), Decimal("189.51"))
    ticket.fill()
    ticket.child(QComboBox, "typeCombo").setCurrentIndex(0)
    ticket.press(Qt.Key.Key_F2)
    ticket.press(Qt.Key.Key_Return)
    dialog = ticket.widget.confirm_dialog
    assert dialog is not None
    summary = " ".join(label.text() for label in dialog.findChildren(QLabel))
    assert "Sell 100 AAPL MKT" in summary and "≈ 18,949.00 USD" in summary
    dialog.reject()
    ticket.qtbot.waitUntil(lambda: ticket.widget.confirm_dialog is None)
    assert ticket.sent == []


def test_the_session_answer_and_its_field_errors_show_on_the_ticket(ticket: Ticket) -> None:
    errors = [FieldError("quantity", "Above the 1,000 share limit."), FieldError("risk", "Halted.")]
    ticket.widget.show_field_errors(errors)
    assert ticket.shown_errors() == {"quantityError": "Above the 1,000 share limit."}
    assert ticket.child(QLabel, "statusLabel").text() == "Halted."
    ticket.widget.show_result("Sent: Buy 100 AAPL LMT 189.50", ok=True)
    assert ticket.child(QLabel, "statusLabel").text() == "Sent: Buy 100 AAPL LMT 189.50"


def test_tab_walks_symbol_quantity_type_limit_stop_trail_tif_account_protection_link_send(ticket: Ticket) -> None:
    """The side is not on the way: it has its keys (F1/F2, Ctrl+B/Ctrl+S), and Tab from the symbol goes to the
    quantity (see test_symbol_tab_quantity_enter_sends_what_was_typed)."""
    order = ["symbolEdit", "quantityEdit", "typeCombo", "limitPriceEdit",
             "stopPriceEdit", "trailEdit", "trailUnitCombo", "tifCombo", "accountCombo", "stopLossEdit",
             "takeProfitEdit", "protectionUnitCombo", "linkModeCombo", "linkTypeCombo", "linkPriceEdit",
             "sendButton"]
    widget: QWidget = ticket.child(QLineEdit, "symbolEdit")
    walked = [widget.objectName().removeprefix("orderTicket.")]
    while len(walked) < len(order):
        widget = widget.nextInFocusChain()
        if (widget.focusPolicy() & Qt.FocusPolicy.TabFocus and widget.objectName().startswith("orderTicket.")
                and widget.isVisible()):  # Tab skips what is hidden (the product of a Kite account)
            walked.append(widget.objectName().removeprefix("orderTicket."))
    assert walked == order


def test_the_ticket_renders_as_a_readable_trading_ticket(ticket: Ticket, tmp_path: Path) -> None:
    ticket.widget.set_quote("AAPL", Decimal("189.49"), Decimal("189.51"))
    ticket.widget.prefill("AAPL", Side.BUY, quantity=Decimal(100), price=Decimal("189.50"))
    ticket.type_into("quantityEdit", "150x")
    ticket.press(Qt.Key.Key_Return)
    path = tmp_path / "ticket.png"
    assert ticket.widget.grab().save(str(path))
    assert path.stat().st_size > 2000
    send = ticket.child(QPushButton, "sendButton")
    assert send.width() >= send.sizeHint().width(), "the send button has room for what it says"


@pytest.mark.parametrize(("typed", "said"), [
    ("1.5", "AAPL trades in lots of 1; try 1."), ("1000.5", "AAPL trades in lots of 1; try 1000."),
    ("10k", "'10k' is not a number."), ("1e4", "'1e4' uses exponent notation: type 10000 instead."),
    ("-5", "'-5' is negative"), ("1,000", "'1,000' has a comma")])
def test_a_quantity_it_cannot_take_stays_as_typed_says_why_and_sends_nothing(
        ticket: Ticket, typed: str, said: str) -> None:
    """Refused keys were dropped: 1.5 became 15, 1000.5 became 10005, 10k became 10, and Enter sent them."""
    ticket.fill(quantity=typed)
    assert ticket.edit("quantityEdit").text() == typed
    ticket.press(Qt.Key.Key_Return)
    assert ticket.sent == []
    assert ticket.error("quantityError").startswith(said), ticket.error("quantityError")


def test_a_fractional_instrument_takes_one_decimal_point_in_the_quantity(ticket: Ticket) -> None:
    ticket.widget.set_instruments({**INSTRUMENTS, "BTCUSD": make_instrument("BTCUSD", lot_size="0.001")})
    ticket.fill("BTCUSD", "0.25", "189.50")
    ticket.press(Qt.Key.Key_Return)
    assert [r.quantity for r in ticket.sent] == [Decimal("0.25")]
    ticket.fill("BTCUSD", "0.25.1", "189.50")
    assert ticket.edit("quantityEdit").text() == "0.25.1"
    ticket.press(Qt.Key.Key_Return)
    assert len(ticket.sent) == 1 and ticket.error("quantityError").startswith("'0.25.1'")


def test_a_stock_in_fractions_of_a_share_steps_by_whole_shares_and_says_both(ticket: Ticket) -> None:
    """An Alpaca fractionable share's lot is 0.000000001: the placeholder said "lot 0.000000001" and Up added that."""
    ticket.widget.set_instruments({**INSTRUMENTS, "AAPL": make_instrument("AAPL", lot_size="0.000000001")})
    ticket.fill("AAPL", "", "189.50")
    assert ticket.edit("quantityEdit").placeholderText() == "lot 1 (fractions to 0.000000001)"
    ticket.press(Qt.Key.Key_Up)
    ticket.press(Qt.Key.Key_Up)
    assert ticket.edit("quantityEdit").text() == "2"
    ticket.type_into("quantityEdit", "2.5")
    ticket.press(Qt.Key.Key_Up)
    assert ticket.edit("quantityEdit").text() == "3", "a fraction typed still steps to the next whole share"


def test_messages_keep_their_room_so_no_field_moves_while_the_trader_types(ticket: Ticket) -> None:
    names = ("symbolEdit", "quantityEdit", "limitPriceEdit", "stopPriceEdit", "accountCombo", "sendButton")
    where = {name: ticket.child(QWidget, name).geometry() for name in names}
    ticket.fill(quantity="0", limit="189.503")
    ticket.press(Qt.Key.Key_Return)
    assert ticket.error("quantityError") and ticket.error("limitPriceError")
    ticket.widget.show_result("Refused by risk: the order's notional 1,000,000.00 USD is above the limit of "
                              "250,000.00 USD for PAPER-1; lower the quantity or raise the limit.", ok=False)
    ticket.widget.prefill_close("PAPER-1", "AAPL", Decimal(100), Decimal("189.49"))
    assert {name: ticket.child(QWidget, name).geometry() for name in names} == where


def test_the_ticket_checks_the_price_on_the_chosen_accounts_own_instrument(ticket: Ticket) -> None:
    """INFY is an NSE share (tick 0.05) on PAPER-1 and the NYSE ADR (tick 0.01) on IB: each account's own tick."""
    catalog = InstrumentCatalog()
    catalog.add([make_instrument("INFY", currency="INR", tick_size="0.05", venue="NSE")], "PAPER-1")
    catalog.add([make_instrument("INFY", currency="USD", tick_size="0.01", venue="NYSE")], "IB-DU1234567")
    ticket.widget.set_instruments(catalog)
    ticket.fill("INFY", "10", "17.01")
    ticket.press(Qt.Key.Key_Return)
    assert ticket.sent == [] and "ticks in 0.05" in ticket.error("limitPriceError")
    ticket.child(QComboBox, "accountCombo").setCurrentIndex(1)
    ticket.press(Qt.Key.Key_Return)
    assert ticket.shown_errors() == {} and [r.account_id for r in ticket.sent] == ["IB-DU1234567"]


def test_a_new_order_on_the_send_button_lays_out_nothing_again(ticket: Ticket) -> None:
    """The send button says the order it sends, so its text changes with every order and every key typed: as a
    QPushButton's text, each change laid out the ticket again, then the dock and the whole window around it."""
    ticket.fill()
    ticket.widget.prefill("AAPL", Side.SELL, quantity=Decimal(100), price=Decimal("189.50"), focus=False)
    ticket.qtbot.wait(10)  # a sell from now on: the button's colour changes once (re-polished), then only its text
    send = ticket.child(QPushButton, "sendButton")
    where = send.geometry()
    requests = LayoutRequests()
    ticket.widget.installEventFilter(requests)
    for quantity, price in (("200", Decimal("189.40")), ("300", Decimal("189.30"))):
        ticket.widget.prefill("AAPL", Side.SELL, quantity=Decimal(quantity), price=price, focus=False)
        ticket.qtbot.wait(10)
        assert send.text() == f"Sell {quantity} AAPL LMT {price}"
        ticket.widget.order_sent()
        ticket.qtbot.wait(10)
        assert send.text() == f"Sell AAPL LMT {price}"
    assert requests.count == 0
    assert send.geometry() == where


def test_a_symbol_with_an_ampersand_makes_no_hotkey_that_sends(ticket: Ticket) -> None:
    """The send button says the order, 'Buy 5 M&M LMT 1234.50': as a QPushButton's text, '&M' bound Alt+M to
    the button (a mnemonic), a key that clicked Send."""
    ticket.widget.set_instruments({**INSTRUMENTS, "M&M": make_instrument("M&M")})
    ticket.widget.prefill("M&M", Side.BUY, quantity=Decimal(5), price=Decimal("1234.50"))
    send = ticket.child(QPushButton, "sendButton")
    assert send.text() == "Buy 5 M&M LMT 1234.50"
    assert send.shortcut().isEmpty(), send.shortcut().toString()


def test_a_quantity_typed_for_a_pair_is_not_kept_as_shares_when_a_stock_is_clicked(ticket: Ticket) -> None:
    """5,000 EUR_USD units (about 5,400 USD) kept as 5,000 AAPL shares would be about 950,000 USD: under every
    default limit. A quantity stays for the next symbol only when it counts the same units."""
    pair = make_instrument("EUR_USD", tick_size="0.00001", asset_class=AssetClass.FOREX)
    ticket.widget.set_instruments({**INSTRUMENTS, "EUR_USD": pair, "MSFT": make_instrument("MSFT")})
    ticket.fill("EUR_USD", "5000", "1.08500")
    ticket.widget.prefill("AAPL", Side.BUY, focus=False)  # a click on AAPL's row
    assert ticket.edit("quantityEdit").text() == ""
    ticket.press(Qt.Key.Key_Return)
    assert ticket.sent == [] and ticket.error("quantityError"), "nothing sent until the trader types AAPL's size"
    ticket.type_into("quantityEdit", "300")
    ticket.widget.prefill("MSFT", Side.BUY, focus=False)
    assert ticket.edit("quantityEdit").text() == "300", "shares stay shares"


def test_a_send_clears_the_last_result_but_keeps_a_refusal_said_while_sending(ticket: Ticket) -> None:
    status = ticket.child(QLabel, "statusLabel")
    ticket.widget.show_result("Refused by risk: Halted.", ok=False)
    ticket.fill()
    ticket.press(Qt.Key.Key_Return, on="limitPriceEdit")
    assert len(ticket.sent) == 1
    assert status.text() == ""  # the last send's result is gone once the new order is out

    refusal = "Refused by risk: Halted."  # the same words as the line said before this send
    ticket.widget.submit_requested.connect(lambda _: ticket.widget.show_result(refusal, ok=False))
    ticket.widget.show_result(refusal, ok=False)
    ticket.type_into("quantityEdit", "200")
    ticket.press(Qt.Key.Key_Return, on="limitPriceEdit")
    assert len(ticket.sent) == 2
    assert status.text() == refusal  # said by the session while the order was being sent: it stays


def test_symbol_tab_quantity_enter_sends_what_was_typed(ticket: Ticket) -> None:
    """Keyboard first: Tab from the symbol went to the Buy button, where the quantity typed next was lost, and Enter
    then said 'Enter a value'. The side has its keys (F1/F2, Ctrl+B/Ctrl+S); Tab goes on to the quantity, and a
    click on Sell leaves the keyboard in the field being typed in."""
    ticket.widget.set_quote("AAPL", Decimal("189.49"), Decimal("189.51"))
    symbol = ticket.edit("symbolEdit")
    symbol.setFocus()
    ticket.qtbot.keyClicks(symbol, "AAPL")
    ticket.qtbot.keyClick(symbol, Qt.Key.Key_Tab)
    quantity = ticket.edit("quantityEdit")
    assert quantity.hasFocus()
    ticket.qtbot.keyClicks(quantity, "5")
    ticket.qtbot.mouseClick(ticket.child(QPushButton, "sellButton"), Qt.MouseButton.LeftButton)
    assert quantity.hasFocus(), "choosing the side with the mouse keeps the keys in the quantity"
    ticket.qtbot.keyClicks(quantity, "0")
    ticket.qtbot.keyClick(quantity, Qt.Key.Key_Return)
    assert [(r.side, r.quantity) for r in ticket.sent] == [(Side.SELL, Decimal(50))]


def test_a_click_into_the_quantity_then_a_digit_replaces_the_kept_number(ticket: Ticket) -> None:
    """A 5 kept from the last symbol and a click into the field's left, then 7: the order was for 75. A click that
    gives a number field the keyboard selects it, as Tab does; a second click places the cursor."""
    ticket.widget.prefill("AAPL", Side.BUY, quantity=Decimal(5), price=Decimal("189.50"), focus=False)
    ticket.edit("symbolEdit").setFocus()
    quantity = ticket.edit("quantityEdit")
    ticket.qtbot.mouseClick(quantity, Qt.MouseButton.LeftButton, pos=quantity.rect().center() - QPoint(60, 0))
    ticket.qtbot.waitUntil(lambda: quantity.selectedText() == "5")
    ticket.qtbot.keyClicks(quantity, "7")
    assert quantity.text() == "7"
    ticket.qtbot.mouseClick(quantity, Qt.MouseButton.LeftButton, pos=quantity.rect().center())
    ticket.qtbot.wait(20)
    ticket.qtbot.keyClicks(quantity, "0")
    assert quantity.text() in ("70", "07"), "a second click edits in place"
