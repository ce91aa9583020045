"""A dialog's reasons are read whole: the dialog grows with them (sized while they were empty, an alert dialog showed
the middle of the decimal comma's two-line reason, and the modify dialog squeezed a field's reason into 9 pixels)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QLabel, QLineEdit
from pytestqt.qtbot import QtBot

from core.domain import FieldError, OrderStatus
from core.services.alerts import Direction
from gui.dialogs.alert_dialogs import PriceAlertDialog
from gui.dialogs.modify_order import ModifyOrderDialog
from tests.factories import make_order

COMMA = ("'188,5' has a comma: TradeTerm takes no thousands separators or decimal commas. Use digits with one decimal "
         "point, e.g. 1500 or 1.5; no commas, spaces inside or exponents.")


def test_a_decimal_comma_s_reason_shows_whole_and_the_dialog_stays_open(qtbot: QtBot) -> None:
    dialog = PriceAlertDialog("AAPL", "PAPER-1", Direction.ABOVE, Decimal("188.05"))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.findChild(QLineEdit, "priceAlert.level").setText("188,5")
    ok = dialog.findChild(QDialogButtonBox, "priceAlert.buttons").button(QDialogButtonBox.StandardButton.Ok)
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    error = dialog.findChild(QLabel, "priceAlert.error")
    assert "has a comma" in error.text() and dialog.isVisible()
    qtbot.waitUntil(lambda: error.height() >= error.heightForWidth(error.width()))
    assert dialog.rect().contains(error.geometry()), "the whole reason is inside the dialog"
    assert not error.geometry().intersects(ok.parentWidget().geometry()), "not under the buttons"


def test_the_modify_dialog_shows_a_fields_reason_and_the_status_whole(qtbot: QtBot) -> None:
    order = replace(make_order(limit_price="189.5"), status=OrderStatus.ACCEPTED)
    dialog = ModifyOrderDialog(order)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.show_errors([FieldError("limit_price", COMMA), FieldError("account", "PAPER-1 is halted: resume it first.")])
    for name in ("modifyOrder.limitPriceError", "modifyOrder.status"):
        label = dialog.findChild(QLabel, name)
        assert label.isVisible() and label.height() >= label.heightForWidth(label.width()), f"{name} is cut"
        assert dialog.rect().contains(label.geometry())


def test_a_click_into_the_modify_dialogs_quantity_then_a_number_replaces_it(qtbot: QtBot) -> None:
    order = replace(make_order(quantity="100", limit_price="189.5"), status=OrderStatus.ACCEPTED)
    dialog = ModifyOrderDialog(order)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    dialog.limit_price.setFocus()
    qtbot.waitUntil(dialog.limit_price.hasFocus)
    qtbot.mouseClick(dialog.quantity, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(dialog.quantity, "50")
    assert dialog.quantity.text() == "50", "not 10050 or 50100"
