"""Numbers typed into the ticket, the manual fill and the risk limits dialogs: what they look like or a message.

Each refusal is the field's own message, shown next to it; nothing is sent or saved, and no slot raises
(pytest-qt fails a test on an exception out of a Qt slot, as 1e1000000 raised decimal.Overflow before).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QLabel, QLineEdit, QPushButton
from pytestqt.qtbot import QtBot

from core.domain import OrderAccepted, OrderRequest, OrderSubmitted
from core.domain.identifiers import BrokerOrderId
from core.services.risk import RiskConfig, RiskLimits
from gui.dialogs.manual_fill import ManualFillDialog
from gui.dialogs.risk_limits import RiskLimitsDialog
from gui.widgets.order_ticket import OrderTicketWidget
from tests.factories import make_instrument, make_order

HOW = "Use digits with one decimal point, e.g. 1500 or 1.5; no commas, spaces inside or exponents."
TRAPS = ["1,5", "61,0000", "١٢٣", "１２３", "1_000", "1E-999999999", "1e1000000", "1e3", "+5", "NaN"]


class Ticket:
    def __init__(self, widget: OrderTicketWidget, qtbot: QtBot) -> None:
        self.widget, self.qtbot = widget, qtbot
        self.sent: list[OrderRequest] = []
        widget.submit_requested.connect(self.sent.append)

    def edit(self, name: str) -> QLineEdit:
        found = self.widget.findChild(QLineEdit, f"orderTicket.{name}")
        assert found is not None
        return found

    def type_into(self, name: str, text: str) -> None:
        field = self.edit(name)
        field.setFocus()
        field.selectAll()
        self.qtbot.keyClick(field, Qt.Key.Key_Delete)
        if text.isascii():
            self.qtbot.keyClicks(field, text)
        else:
            field.insert(text)  # pasted: QTest cannot type keys outside Latin-1 on the offscreen platform

    def error(self, name: str) -> str:
        label = self.widget.findChild(QLabel, f"orderTicket.{name}")
        assert label is not None
        return label.text() if label.isVisible() else ""


@pytest.fixture
def ticket(qtbot: QtBot) -> Iterator[Ticket]:
    widget = OrderTicketWidget()
    qtbot.addWidget(widget)
    widget.set_instruments({"AAPL": make_instrument("AAPL")})
    widget.set_accounts(["PAPER-1"])
    widget.set_confirm_required(False)
    widget.show()
    yield Ticket(widget, qtbot)


@pytest.mark.parametrize("text", TRAPS)
def test_the_quantity_keeps_each_such_text_as_typed_never_a_number_of_another_size(ticket: Ticket, text: str) -> None:
    """The quantity once dropped the keys it refused: 1,5 became 15 and 1e3 became 13, sent at a glance."""
    ticket.type_into("symbolEdit", "AAPL")
    ticket.type_into("quantityEdit", text)
    assert ticket.edit("quantityEdit").text() == text


@pytest.mark.parametrize("text", TRAPS)
@pytest.mark.parametrize(("edit", "label"), [("limitPriceEdit", "limitPriceError"), ("quantityEdit", "quantityError")])
def test_the_ticket_shows_the_fields_message_and_sends_nothing(ticket: Ticket, edit: str, label: str,
                                                               text: str) -> None:
    ticket.type_into("symbolEdit", "AAPL")
    ticket.type_into("quantityEdit", "100")
    ticket.type_into("limitPriceEdit", "189.50")
    ticket.type_into(edit, text)
    ticket.qtbot.waitUntil(lambda: ticket.error(label) != "", timeout=2000)  # shown while typing, too
    ticket.qtbot.keyClick(ticket.edit(edit), Qt.Key.Key_Return)
    assert ticket.sent == []
    message = ticket.error(label)
    assert message.startswith(repr(text)), message
    assert HOW in message or "sign" in message or "exponent notation: type 1000" in message


def test_the_arrow_keys_leave_a_number_they_cannot_read_alone(ticket: Ticket) -> None:
    ticket.type_into("symbolEdit", "AAPL")
    for text in ("1e1000000", "1,5", "١٢٣"):
        ticket.type_into("limitPriceEdit", text)
        ticket.qtbot.keyClick(ticket.edit("limitPriceEdit"), Qt.Key.Key_Up)
        assert ticket.edit("limitPriceEdit").text() == text
    ticket.type_into("quantityEdit", "99")
    ticket.qtbot.keyClick(ticket.edit("quantityEdit"), Qt.Key.Key_Up)
    assert ticket.edit("quantityEdit").text() == "100"


def test_the_ticket_still_sends_plain_digits(ticket: Ticket) -> None:
    ticket.type_into("symbolEdit", "AAPL")
    ticket.type_into("quantityEdit", " 1500 ")
    ticket.type_into("limitPriceEdit", "189.5")
    ticket.qtbot.keyClick(ticket.edit("quantityEdit"), Qt.Key.Key_Return)
    (request,) = ticket.sent
    assert request.quantity == Decimal(1500) and request.limit_price == Decimal("189.5")


@pytest.mark.parametrize(("field", "text"), [("quantity", "1,5"), ("quantity", "1e1000000"), ("price", "１８９.５"),
                                             ("price", "1E-999999999"), ("price", "189,50")])
def test_the_manual_fill_dialog_refuses_such_numbers_with_the_fields_message(qtbot: QtBot, field: str,
                                                                             text: str) -> None:
    order = make_order(instrument=make_instrument("AAPL"), quantity="300", limit_price="189.50")
    order.created_at = datetime.now(UTC) - timedelta(minutes=5)
    order.apply(OrderSubmitted(order.client_order_id))
    order.apply(OrderAccepted(order.client_order_id, BrokerOrderId("DESK-1-000001")))
    dialog = ManualFillDialog(order)
    qtbot.addWidget(dialog)
    emitted: list[object] = []
    dialog.fillEntered.connect(lambda *args: emitted.append(args))
    getattr(dialog, field).setText(text)
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert emitted == []
    assert dialog.error.text().startswith(repr(text)), dialog.error.text()


def _risk_dialog(qtbot: QtBot, config: RiskConfig | None = None) -> tuple[RiskLimitsDialog, list[RiskConfig]]:
    saved: list[RiskConfig] = []
    dialog = RiskLimitsDialog(config or RiskConfig(), ["PAPER-1"], saved.append)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog, saved


def _retype(qtbot: QtBot, dialog: RiskLimitsDialog, name: str, text: str) -> None:
    edit = dialog.findChild(QLineEdit, f"riskLimits.{name}")
    assert edit is not None
    edit.selectAll()
    qtbot.keyClick(edit, Qt.Key.Key_Backspace)
    qtbot.keyClicks(edit, text)


def _save(qtbot: QtBot, dialog: RiskLimitsDialog) -> None:
    button = dialog.findChild(QPushButton, "riskLimits.saveButton")
    assert button is not None
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


@pytest.mark.parametrize(("name", "text"), [("max_order_qty", "1e999"), ("max_order_notional", "1,000,000"),
                                            ("collar_pct", "1E-999999999"), ("max_working_orders", "1e1000000"),
                                            ("fx_rates", "INR=1e-2")])
def test_the_risk_limits_dialog_refuses_a_number_it_could_not_load_back(qtbot: QtBot, name: str, text: str) -> None:
    dialog, saved = _risk_dialog(qtbot)
    _retype(qtbot, dialog, name, text)
    error = dialog.findChild(QLabel, f"riskLimits.{name}.error")
    assert error is not None and error.isVisible() and repr(text.partition("=")[2] or text) in error.text()
    _save(qtbot, dialog)
    assert saved == [] and dialog.isVisible()


def test_what_the_risk_limits_dialog_saves_opens_it_again_with_the_same_values(qtbot: QtBot) -> None:
    dialog, saved = _risk_dialog(qtbot)
    _retype(qtbot, dialog, "max_order_qty", "999999999999")
    _retype(qtbot, dialog, "fx_rates", "JPY=0.0000067")
    _retype(qtbot, dialog, "collar_pct", "0.0000001")
    with qtbot.waitSignal(dialog.saved):
        _save(qtbot, dialog)
    (config,) = saved
    reloaded = RiskConfig.from_dict(config.to_dict())
    assert reloaded == config and reloaded.global_limits == RiskLimits.from_dict(
        {"max_order_qty": "999999999999", "fx_rates": "JPY=0.0000067", "collar_pct": "0.0000001"},
        RiskConfig().global_limits)
    again, _ = _risk_dialog(qtbot, reloaded)
    qty = again.findChild(QLineEdit, "riskLimits.max_order_qty")
    collar = again.findChild(QLineEdit, "riskLimits.collar_pct")
    assert qty is not None and qty.text() == "999999999999"
    assert collar is not None and collar.text() == "0.0000001"
