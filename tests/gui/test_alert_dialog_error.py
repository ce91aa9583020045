"""An alert dialog's error line is read whole: the dialog grows with it (it was sized while the line was empty, and a
two-line reason such as the decimal comma's showed only its middle)."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QLabel, QLineEdit
from pytestqt.qtbot import QtBot

from core.services.alerts import Direction
from gui.dialogs.alert_dialogs import PriceAlertDialog


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
