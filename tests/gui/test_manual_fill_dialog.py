"""The manual fill dialog: an execution is checked against its order before it is emitted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from PySide6.QtCore import QDateTime
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QWidget,
)
from pytestqt.qtbot import QtBot

from core.domain import Order, OrderAccepted, OrderFilled, OrderSubmitted
from core.domain.identifiers import BrokerOrderId
from gui.dialogs.manual_fill import ManualFillDialog
from tests.factories import make_fill, make_instrument, make_order


def working_order(filled: str | None = None, lot: str = "1") -> Order:
    order = make_order(instrument=make_instrument("AAPL", lot_size=lot), quantity="300", limit_price="189.50")
    order.created_at = datetime.now(UTC) - timedelta(minutes=5)
    order.apply(OrderSubmitted(order.client_order_id))
    order.apply(OrderAccepted(order.client_order_id, BrokerOrderId("DESK-1-000001")))
    if filled is not None:
        order.apply(OrderFilled(order.client_order_id, make_fill(order, quantity=filled, price="189.50")))
    return order


def test_the_dialog_names_the_rows_account_the_fill_is_booked_on(qtbot: QtBot) -> None:
    order = working_order(filled="100")
    dialog = ManualFillDialog(order)
    qtbot.addWidget(dialog)
    headline = dialog.findChild(QLabel, "manualFill.headline").text()
    assert f"200 open on {order.account_id}" in headline, headline


def ok(dialog: ManualFillDialog) -> None:
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()


def test_defaults_to_the_open_quantity_and_limit_price_and_emits_them(qtbot: QtBot) -> None:
    dialog = ManualFillDialog(working_order(filled="100"))
    qtbot.addWidget(dialog)
    assert dialog.objectName() == "manualFillDialog"
    assert dialog.quantity.text() == "200"
    assert dialog.price.text() == "189.50"
    dialog.price.setText("189.45")
    with qtbot.waitSignal(dialog.fillEntered) as signal:
        ok(dialog)
    qty, price, ts, override = signal.args
    assert override is None
    assert (qty, price) == (Decimal(200), Decimal("189.45"))
    assert ts.tzinfo is not None and abs(ts - datetime.now(UTC)) < timedelta(minutes=1)
    assert dialog.result() == QDialog.DialogCode.Accepted


@pytest.mark.parametrize(
    ("field", "text", "message"),
    [
        ("quantity", "201", "Only 200 remain on this order."),
        ("quantity", "0", "greater than zero"),
        ("quantity", "abc", "is not a number"),
        ("price", "189.505", "ticks in 0.01; try 189.50"),
        ("price", "-1", "greater than zero"),
    ],
)
def test_an_entry_that_does_not_fit_is_refused_with_the_reason(
    qtbot: QtBot, field: str, text: str, message: str
) -> None:
    dialog = ManualFillDialog(working_order(filled="100"))
    qtbot.addWidget(dialog)
    emitted: list[object] = []
    dialog.fillEntered.connect(lambda *args: emitted.append(args))
    getattr(dialog, field).setText(text)
    ok(dialog)
    assert message in dialog.error.text()
    assert "c62828" in getattr(dialog, field).styleSheet()
    assert emitted == []
    assert dialog.result() != QDialog.DialogCode.Accepted


def test_quantity_must_be_whole_lots(qtbot: QtBot) -> None:
    dialog = ManualFillDialog(working_order(lot="100"))
    qtbot.addWidget(dialog)
    dialog.quantity.setText("150")
    ok(dialog)
    assert "trades in lots of 100" in dialog.error.text()


def test_a_time_in_the_future_or_before_the_order_is_refused(qtbot: QtBot) -> None:
    dialog = ManualFillDialog(working_order())
    qtbot.addWidget(dialog)
    dialog.time.setDateTime(QDateTime.currentDateTime().addSecs(3600))
    ok(dialog)
    assert "in the future" in dialog.error.text()
    dialog.time.setDateTime(QDateTime.currentDateTime().addSecs(-3600))
    ok(dialog)
    assert "before the order was placed" in dialog.error.text()


def test_a_price_beyond_the_limit_needs_the_override_and_a_reason(qtbot: QtBot) -> None:
    dialog = ManualFillDialog(working_order())
    qtbot.addWidget(dialog)
    emitted: list[tuple[object, ...]] = []
    dialog.fillEntered.connect(lambda *args: emitted.append(args))
    assert dialog.override.isVisibleTo(dialog) and not dialog.override.isChecked()
    assert not dialog.reason.isEnabled()
    dialog.price.setText("189.51")  # one tick above the BUY limit of 189.50
    ok(dialog)
    assert "above the BUY limit order's limit of 189.50" in dialog.error.text()
    assert "Record beyond the limit" in dialog.error.text()
    assert "c62828" in dialog.price.styleSheet() and emitted == []
    dialog.override.setChecked(True)
    assert dialog.reason.isEnabled()
    ok(dialog)
    assert "Say why" in dialog.error.text() and "c62828" in dialog.reason.styleSheet() and emitted == []
    dialog.reason.setText("desk confirmed by phone")
    ok(dialog)
    [(qty, price, _, reason)] = emitted
    assert (qty, price, reason) == (Decimal(300), Decimal("189.51"), "desk confirmed by phone")
    assert dialog.result() == QDialog.DialogCode.Accepted


def unnamed_controls(dialog: QWidget) -> list[str]:
    """Return the interactive widgets without an objectName (a spin box's own editor is part of the spin box)."""
    controls = [*dialog.findChildren(QAbstractButton), *dialog.findChildren(QLineEdit),
                *dialog.findChildren(QAbstractSpinBox), *dialog.findChildren(QComboBox)]
    return [type(c).__name__ for c in controls
            if not c.objectName() and not isinstance(c.parent(), QAbstractSpinBox | QComboBox)]


def test_every_control_has_a_stable_name(qtbot: QtBot) -> None:
    dialog = ManualFillDialog(working_order())
    qtbot.addWidget(dialog)
    assert unnamed_controls(dialog) == []
