"""The dialogs that set an alert: a price level or a % move on a symbol, or a day-P&L floor on an account."""

from __future__ import annotations

from collections.abc import Callable, Sequence
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
from core.services.alerts import Direction, Reference
from gui.widgets.fit_reasons import fit_reasons


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

    def show_error(self, text: str) -> None:
        """Say what is wrong in the error line; the dialog grows to show all of it (sized while the line was empty,
        it showed the middle of a two-line reason such as the decimal comma's)."""
        self.error_label.setText(text)
        fit_reasons(self, self.error_label)

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
            self.show_error(exc.problem)
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
            self.show_error("Type a price greater than zero.")
            return
        self.alertSet.emit(Direction(self.direction_combo.currentData()), level, self.email_check.isChecked())
        self.accept()


Prices = Callable[[str], tuple[Decimal | None, Decimal | None]]
"""A symbol's price now and its previous close on the feed the alert watches (None: not known)."""


class MoveAlertDialog(_AlertDialog):
    """Alert when a symbol moves a percentage, either way, from its previous close or the price now.

    objectName 'moveAlertDialog'; children moveAlert.symbol, moveAlert.level, moveAlert.reference,
    moveAlert.prices, moveAlert.email, moveAlert.error.

    Signals: alertSet(str symbol, Decimal percent, Reference, Decimal | None base, bool email), where base is
    the price now when the reference is Reference.SET. Whoever opens it calls `show_prices` as quotes come
    (the alerts controller does, from the frame feed), so the price shown follows the feed.
    """

    alertSet = Signal(str, object, object, object, bool)

    def __init__(self, symbols: Sequence[str], symbol: str | None, prices: Prices,
                 parent: QWidget | None = None) -> None:
        super().__init__("moveAlert", "% move alert", parent)
        self._prices = prices
        self.symbol_combo = QComboBox(objectName="moveAlert.symbol")
        self.symbol_combo.addItems(list(symbols))
        if symbol is not None and symbol in symbols:
            self.symbol_combo.setCurrentText(symbol)
        self.reference_combo = QComboBox(objectName="moveAlert.reference")
        self.reference_combo.addItem("the previous close", Reference.CLOSE)
        self.reference_combo.addItem("the price now", Reference.SET)
        self.prices_label = QLabel(objectName="moveAlert.prices")
        self.level_edit.setPlaceholderText("e.g. 5 (up or down 5%)")
        self.form.addRow("Symbol", self.symbol_combo)
        self.form.addRow("", self.prices_label)
        self.form.addRow("Moves by (%)", self.level_edit)
        self.form.addRow("From", self.reference_combo)
        self.finish_form()
        self.symbol_combo.currentTextChanged.connect(self.show_prices)
        self.show_prices()

    def show_prices(self) -> None:
        """Show the chosen symbol's price now and its previous close (called again on each frame of its quotes)."""
        now, close = self._prices(self.symbol_combo.currentText())
        self.prices_label.setText(f"Now {'—' if now is None else f'{now:f}'} · previous close "
                                  f"{'—' if close is None else f'{close:f}'}")

    def _on_ok(self) -> None:
        symbol = self.symbol_combo.currentText()
        if not symbol:
            self.show_error("Add the symbol to the watchlist first, then set its alert.")
            return
        self.level_edit.setText(self.level_edit.text().strip().removesuffix("%").strip())
        percent = self.level()
        if percent is None:
            return
        if not 0 < percent < 1000:
            self.show_error("Type a move above 0 and below 1000, in percent (e.g. 5).")
            return
        reference = Reference(self.reference_combo.currentData())
        now, close = self._prices(symbol)
        if reference is Reference.CLOSE and close is None:
            self.show_error(f"{symbol}'s feed has not sent a previous close: choose 'the price now'.")
            return
        if reference is Reference.SET and now is None:
            self.show_error(f"{symbol} has no price yet on its feed: wait for one, or choose the close.")
            return
        self.alertSet.emit(symbol, percent, reference, now if reference is Reference.SET else None,
                           self.email_check.isChecked())
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
            self.show_error("Choose an account.")
            return
        self.alertSet.emit(account, level, self.email_check.isChecked())
        self.accept()
