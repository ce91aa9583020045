"""The dialogs that set an alert: a price level on a symbol, or a day-P&L floor on an account."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QWidget,
)

from core.domain.numbers import NumberError, parse_number
from core.services.alerts import Direction


class _AlertDialog(QDialog):
    """A form with a level, an e-mail box, an error line and OK/Cancel; `level()` checks the number."""

    def __init__(self, name: str, title: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setObjectName(f"{name}Dialog")
        self.setWindowTitle(title)
        self._name = name
        self.form = QFormLayout(self)
        self.level_edit = QLineEdit(objectName=f"{name}.level")
        self.email_check = QCheckBox("Also send an e-mail (when e-mail is set up)", objectName=f"{name}.email")
        self.error_label = QLabel(objectName=f"{name}.error", styleSheet="color: #c62828;", wordWrap=True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.setObjectName(f"{name}.buttons")
        self.buttons.accepted.connect(self._on_ok)
        self.buttons.rejected.connect(self.reject)

    def finish_form(self) -> None:
        self.form.addRow("", self.email_check)
        self.form.addRow(self.error_label)
        self.form.addRow(self.buttons)
        self.level_edit.setFocus()

    def level(self, signed: bool = False) -> Decimal | None:
        """Return the typed level, or None after saying in the error line what is wrong with it."""
        try:
            return parse_number(self.level_edit.text(), "level", signed=signed)
        except NumberError as exc:
            self.error_label.setText(exc.problem)
            return None

    def _on_ok(self) -> None:
        raise NotImplementedError


class PriceAlertDialog(_AlertDialog):
    """Alert when symbol's price goes above or below a level. objectName 'priceAlertDialog'.

    Signals: alertSet(Direction, Decimal level, bool email).
    """

    alertSet = Signal(object, object, bool)

    def __init__(self, symbol: str, account: str, direction: Direction, last: Decimal | None,
                 parent: QWidget | None = None) -> None:
        super().__init__("priceAlert", f"Price alert on {symbol}", parent)
        self.direction_combo = QComboBox(objectName="priceAlert.direction")
        for choice in Direction:
            self.direction_combo.addItem(f"goes {choice.value}", choice)
        self.direction_combo.setCurrentIndex(self.direction_combo.findData(direction))
        if last is not None:
            self.level_edit.setText(f"{last:f}")
        self.form.addRow(QLabel(f"<b>{symbol}</b> on {account}'s feed (last trade, or mid while none)"))
        self.form.addRow("When the price", self.direction_combo)
        self.form.addRow("Level", self.level_edit)
        self.finish_form()

    def _on_ok(self) -> None:
        level = self.level()
        if level is None:
            return
        if level <= 0:
            self.error_label.setText("Type a price greater than zero.")
            return
        self.alertSet.emit(Direction(self.direction_combo.currentData()), level, self.email_check.isChecked())
        self.accept()


class PnlAlertDialog(_AlertDialog):
    """Alert when an account's day P&L falls to a level or under. objectName 'pnlAlertDialog'.

    Signals: alertSet(str account, Decimal level, bool email).
    """

    alertSet = Signal(str, object, bool)

    def __init__(self, accounts: Sequence[str], account: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__("pnlAlert", "Day P&L alert", parent)
        self.account_combo = QComboBox(objectName="pnlAlert.account")
        self.account_combo.addItems(list(accounts))
        if account is not None and account in accounts:
            self.account_combo.setCurrentText(account)
        self.level_edit.setPlaceholderText("e.g. -500 (a loss of 500)")
        self.form.addRow("Account", self.account_combo)
        self.form.addRow("Day P&L at or below", self.level_edit)
        self.finish_form()

    def _on_ok(self) -> None:
        level = self.level(signed=True)
        if level is None:
            return
        account = self.account_combo.currentText()
        if not account:
            self.error_label.setText("Choose an account.")
            return
        self.alertSet.emit(account, level, self.email_check.isChecked())
        self.accept()
