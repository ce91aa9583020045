"""The order ticket: a keyboard-first form that turns what the trader types into an OrderRequest."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from PySide6.QtCore import QSignalBlocker, QStringListModel, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QCompleter,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from core.domain import (
    AccountId,
    FieldError,
    Instrument,
    OrderOrigin,
    OrderRequest,
    OrderType,
    Side,
    TimeInForce,
    ValidatedRequest,
    to_decimal,
    validate_request,
)
from gui.widgets.order_confirm import TYPE_LABELS, OrderConfirmDialog, format_price, format_quantity, order_summary

_ERROR_NAMES = {
    "symbol": "symbolError", "quantity": "quantityError", "limit_price": "limitPriceError",
    "stop_price": "stopPriceError", "account_id": "accountError",
}
_FIELDS = tuple(_ERROR_NAMES)
_NO_ACCOUNT = AccountId("-")
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
_STYLE = """
QPushButton[side] { border: 1px solid #9e9e9e; border-radius: 3px; padding: 5px 12px; font-weight: 600; }
QPushButton[side="BUY"] { color: #1565c0; }
QPushButton[side="SELL"] { color: #c62828; }
QPushButton[side="BUY"]:checked, QPushButton[role="send"][side="BUY"] {
    background: #1565c0; border-color: #0d47a1; color: white; }
QPushButton[side="SELL"]:checked, QPushButton[role="send"][side="SELL"] {
    background: #c62828; border-color: #8e0000; color: white; }
QPushButton[side]:focus { border: 2px solid #ffb300; }
QPushButton[role="send"] { padding: 7px 12px; }
QLabel[role="error"] { color: #d32f2f; }
QLineEdit[error="true"] { border: 1px solid #d32f2f; border-radius: 2px; padding: 2px; }
"""


class _StepLineEdit(QLineEdit):
    """A line edit that asks to be stepped by Up/Down instead of moving the cursor."""

    step_requested = Signal(int)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down) and not event.modifiers():
            self.step_requested.emit(1 if event.key() == Qt.Key.Key_Up else -1)
            event.accept()
            return
        super().keyPressEvent(event)


class OrderTicketWidget(QWidget):
    """Collect one manual order, check it with validate_request, and hand it up; holds no trading logic.

    Events:
        submit_requested(OrderRequest): a valid manual order the trader sent (and confirmed, if asked);
            quantity and prices are Decimals, the symbol is the instrument's key.
    """

    submit_requested = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("orderTicket")
        self._instruments: dict[str, Instrument] = {}
        self._quotes: dict[str, tuple[Decimal | None, Decimal | None]] = {}
        self._confirm: OrderConfirmDialog | None = None
        self._pending: OrderRequest | None = None
        self._live_timer = QTimer(self, singleShot=True, interval=250)
        self._live_timer.timeout.connect(self._on_live_timer)
        self._build()
        self.setStyleSheet(_STYLE)
        self._refresh()

    def _build(self) -> None:
        self._symbol_edit = QLineEdit(objectName="orderTicket.symbolEdit", placeholderText="Symbol")
        self._completer = QCompleter(QStringListModel(self), self)
        self._completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self._symbol_edit.setCompleter(self._completer)
        self._quote_label = QLabel(objectName="orderTicket.quoteLabel")
        self._buy_button = self._side_button(Side.BUY, "buyButton", "F1 or Ctrl+B")
        self._sell_button = self._side_button(Side.SELL, "sellButton", "F2 or Ctrl+S")
        self._side_group = QButtonGroup(self)
        self._side_group.addButton(self._buy_button)
        self._side_group.addButton(self._sell_button)
        self._buy_button.setChecked(True)
        self._quantity_edit = self._number_edit("quantityEdit")
        self._type_combo = self._combo("typeCombo", [(label, order_type) for order_type, label in TYPE_LABELS.items()])
        self._limit_edit = self._number_edit("limitPriceEdit")
        self._stop_edit = self._number_edit("stopPriceEdit")
        self._tif_combo = self._combo("tifCombo", [(tif.value, tif) for tif in TimeInForce])
        self._account_combo = self._combo("accountCombo", [])
        self._account_combo.setPlaceholderText("No account connected")
        self._confirm_check = QCheckBox("Confirm before sending", objectName="orderTicket.confirmCheck", checked=True)
        self._send_button = QPushButton(objectName="orderTicket.sendButton", autoDefault=True, toolTip="Send (Enter)")
        self._send_button.setProperty("role", "send")
        self._clear_button = QPushButton("Clear", objectName="orderTicket.clearButton", toolTip="Clear (Esc)")
        self._clear_button.setAutoDefault(True)
        self._status_label = QLabel(objectName="orderTicket.statusLabel", wordWrap=True)
        self._edits = {"symbol": self._symbol_edit, "quantity": self._quantity_edit,
                       "limit_price": self._limit_edit, "stop_price": self._stop_edit}
        self._errors = {
            field: QLabel(objectName=f"orderTicket.{name}", wordWrap=True, visible=False)
            for field, name in _ERROR_NAMES.items()
        }
        for label in self._errors.values():
            label.setProperty("role", "error")
        self._set_order_type(OrderType.LIMIT)
        self._layout()
        self._connect()

    def _layout(self) -> None:
        grid = QGridLayout(self)
        grid.setContentsMargins(10, 10, 10, 10)
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(4)
        grid.setColumnStretch(1, 1)
        sides = QHBoxLayout(spacing=6)
        sides.addWidget(self._buy_button)
        sides.addWidget(self._sell_button)
        actions = QHBoxLayout()
        actions.addWidget(self._send_button, 1)
        actions.addWidget(self._clear_button)
        rows: list[tuple[str, QWidget | QHBoxLayout]] = [
            ("Symbol", self._symbol_edit), ("", self._errors["symbol"]), ("", self._quote_label),
            ("Side", sides), ("Quantity", self._quantity_edit), ("", self._errors["quantity"]),
            ("Type", self._type_combo), ("Limit", self._limit_edit), ("", self._errors["limit_price"]),
            ("Stop", self._stop_edit), ("", self._errors["stop_price"]), ("TIF", self._tif_combo),
            ("Account", self._account_combo), ("", self._errors["account_id"]),
            ("", self._confirm_check), ("", actions), ("", self._status_label),
        ]
        for row, (caption, field) in enumerate(rows):
            if caption:
                label = QLabel(caption, alignment=_RIGHT)
                if isinstance(field, QWidget):
                    label.setBuddy(field)
                grid.addWidget(label, row, 0)
            if isinstance(field, QWidget):
                grid.addWidget(field, row, 1)
            else:
                grid.addLayout(field, row, 1)
        grid.setRowStretch(len(rows), 1)
        self.setMinimumWidth(260)
        chain = [
            self._symbol_edit, self._buy_button, self._sell_button, self._quantity_edit, self._type_combo,
            self._limit_edit, self._stop_edit, self._tif_combo, self._account_combo, self._send_button,
            self._clear_button, self._confirm_check,
        ]
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)

    def _connect(self) -> None:
        for edit in self._edits.values():
            edit.textChanged.connect(self._on_field_edited)
        self._account_combo.currentIndexChanged.connect(self._on_field_edited)
        self._quantity_edit.step_requested.connect(self._on_quantity_step)
        self._limit_edit.step_requested.connect(lambda direction: self._on_price_step(self._limit_edit, direction))
        self._stop_edit.step_requested.connect(lambda direction: self._on_price_step(self._stop_edit, direction))
        self._side_group.buttonToggled.connect(self._on_side_toggled)
        self._type_combo.currentIndexChanged.connect(self._on_type_changed)
        self._send_button.clicked.connect(self._on_send_clicked)
        self._clear_button.clicked.connect(self.clear)
        for keys, side in (("F1", Side.BUY), ("Ctrl+B", Side.BUY), ("F2", Side.SELL), ("Ctrl+S", Side.SELL)):
            shortcut = QShortcut(QKeySequence(keys), self, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(lambda side=side: self._set_side(side))

    def _side_button(self, side: Side, name: str, keys: str) -> QPushButton:
        text = side.value.capitalize()
        button = QPushButton(text, objectName=f"orderTicket.{name}", checkable=True, toolTip=f"{text} ({keys})")
        button.setProperty("side", side.value)
        return button

    def _number_edit(self, name: str) -> _StepLineEdit:
        return _StepLineEdit(objectName=f"orderTicket.{name}", alignment=_RIGHT)

    def _combo(self, name: str, items: list[tuple[str, object]]) -> QComboBox:
        combo = QComboBox(objectName=f"orderTicket.{name}")
        for text, data in items:
            combo.addItem(text, data)
        return combo

    def set_instruments(self, instruments: Mapping[str, Instrument]) -> None:
        """Offer these instruments in the symbol completer and validate against them."""
        self._instruments = dict(instruments)
        model = self._completer.model()
        assert isinstance(model, QStringListModel)
        model.setStringList(sorted(self._instruments))
        self._refresh()

    def set_accounts(self, account_ids: Sequence[str]) -> None:
        """List these accounts, keeping the current choice when it is still there."""
        current = self._account_combo.currentText()
        with QSignalBlocker(self._account_combo):
            self._account_combo.clear()
            self._account_combo.addItems([str(account) for account in account_ids])
            index = self._account_combo.findText(current)
            self._account_combo.setCurrentIndex(index if index >= 0 else (0 if account_ids else -1))
        self._refresh()

    def set_quote(self, symbol: str, bid: Decimal | None, ask: Decimal | None) -> None:
        """Remember the latest bid/ask of symbol and show it when that symbol is on the ticket."""
        self._quotes[symbol] = (bid, ask)
        if symbol == self._lookup()[0]:
            self._show_quote()

    def prefill(
        self, symbol: str, side: Side, quantity: Decimal | None = None, price: Decimal | None = None,
        order_type: OrderType = OrderType.LIMIT,
    ) -> None:
        """Fill the ticket from a watchlist or position click; quantity and price are kept when not given."""
        self._symbol_edit.setText(symbol)
        self._set_side(side)
        self._set_order_type(order_type)
        if quantity is not None:
            self._quantity_edit.setText(format_quantity(quantity))
        if price is not None:
            text = format_price(price, self._lookup()[1])
            if order_type.needs_limit:
                self._limit_edit.setText(text)
            if order_type.needs_stop:
                self._stop_edit.setText(text)
        self._quantity_edit.setFocus()
        self._quantity_edit.selectAll()
        self._on_live_timer()

    def current_symbol(self) -> str:
        """Return the symbol on the ticket in its canonical spelling, or "" when none is typed."""
        return self._lookup()[0]

    def set_confirm_required(self, required: bool) -> None:
        """Turn the confirm-before-sending step on or off."""
        self._confirm_check.setChecked(required)

    def show_result(self, text: str, ok: bool) -> None:
        """Show what the session answered to the last send."""
        self._status_label.setText(text)
        self._status_label.setStyleSheet(f"color: {'#2e7d32' if ok else '#d32f2f'};")

    def show_field_errors(self, errors: list[FieldError]) -> None:
        """Show each error next to its field; errors about other fields go to the status line."""
        self._render_errors(errors, _FIELDS)

    def clear(self) -> None:
        """Empty the ticket and reset side, type and TIF; keep the account and the confirm setting."""
        if self._confirm is not None:
            self._confirm.reject()
        for edit in (self._symbol_edit, self._quantity_edit, self._limit_edit, self._stop_edit):
            edit.clear()
        self._set_side(Side.BUY)
        self._set_order_type(OrderType.LIMIT)
        self._tif_combo.setCurrentIndex(0)
        self._live_timer.stop()
        self._render_errors([], _FIELDS)
        self._status_label.clear()
        self._symbol_edit.setFocus()

    @property
    def confirm_dialog(self) -> OrderConfirmDialog | None:
        """Return the open confirmation dialog, if any (a test hook: call accept() or reject() on it)."""
        return self._confirm

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self._on_send_clicked()
        elif event.key() == Qt.Key.Key_Escape:
            self.clear()
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    def _side(self) -> Side:
        return Side.SELL if self._sell_button.isChecked() else Side.BUY

    def _order_type(self) -> OrderType:
        return OrderType(self._type_combo.currentData())

    def _set_side(self, side: Side) -> None:
        (self._buy_button if side is Side.BUY else self._sell_button).setChecked(True)

    def _set_order_type(self, order_type: OrderType) -> None:
        self._type_combo.setCurrentIndex(self._type_combo.findData(order_type))
        self._limit_edit.setEnabled(order_type.needs_limit)
        self._stop_edit.setEnabled(order_type.needs_stop)

    def _lookup(self) -> tuple[str, Instrument | None]:
        """Return the typed symbol in its canonical spelling, with its instrument if known."""
        text = self._symbol_edit.text().strip()
        for key, instrument in self._instruments.items():
            if key.casefold() == text.casefold():
                return key, instrument
        return text, None

    def _validate(self) -> tuple[ValidatedRequest | None, list[FieldError]]:
        symbol, instrument = self._lookup()
        account, order_type = self._account_combo.currentText().strip(), self._order_type()
        request = OrderRequest(
            AccountId(account) if account else _NO_ACCOUNT, symbol, self._side(), self._quantity_edit.text(),
            order_type, limit_price=self._limit_edit.text() if order_type.needs_limit else None,
            stop_price=self._stop_edit.text() if order_type.needs_stop else None,
            tif=TimeInForce(self._tif_combo.currentData()), origin=OrderOrigin.MANUAL,
        )
        validated: ValidatedRequest | None = None
        if not symbol:
            errors = [FieldError("symbol", "Enter a symbol.")]
        else:
            try:
                validated, errors = validate_request(request, instrument)
            except ArithmeticError:
                errors = _too_large(request)
        if not account:
            validated, errors = None, [*errors, FieldError("account_id", "Choose an account.")]
        return validated, errors

    def _render_errors(self, errors: Sequence[FieldError], fields: Sequence[str]) -> None:
        """Show errors next to their fields and clear the other labels among `fields`."""
        by_field = {error.field: error.message for error in errors}
        for field in fields:
            message = by_field.get(field, "")
            self._errors[field].setText(message)
            self._errors[field].setVisible(bool(message))
            edit = self._edits.get(field)
            if edit is not None and edit.property("error") != bool(message):
                edit.setProperty("error", bool(message))
                _repolish(edit)
        others = [error.message for error in errors if error.field not in _FIELDS]
        if others:
            self.show_result(" ".join(others), ok=False)

    def _refresh(self) -> None:
        """Bring the send button, quote line and placeholders up to date with the fields."""
        symbol, instrument = self._lookup()
        side, order_type = self._side(), self._order_type()
        texts = [edit.text().strip() for edit in (self._quantity_edit, self._limit_edit, self._stop_edit)]
        self._send_button.setText(order_summary(side, texts[0], symbol, order_type, texts[1], texts[2]))
        self._send_button.setProperty("side", side.value)
        _repolish(self._send_button)
        self._quantity_edit.setPlaceholderText(f"lot {format_quantity(instrument.lot_size)}" if instrument else "")
        for edit in (self._limit_edit, self._stop_edit):
            edit.setPlaceholderText(f"tick {format_quantity(instrument.tick_size)}" if instrument else "")
        self._show_quote()

    def _show_quote(self) -> None:
        symbol, instrument = self._lookup()
        bid, ask = (
            "—" if value is None else format_price(value, instrument)
            for value in self._quotes.get(symbol, (None, None))
        )
        self._quote_label.setText(f"Bid <b>{bid}</b> &nbsp;·&nbsp; Ask <b>{ask}</b>" if symbol else "")

    def _on_field_edited(self, *_args: object) -> None:
        self._refresh()
        self._live_timer.start()

    def _on_side_toggled(self, *_args: object) -> None:
        self._refresh()

    def _on_type_changed(self, _index: int) -> None:
        self._set_order_type(self._order_type())
        self._on_field_edited()

    def _on_live_timer(self) -> None:
        """Show errors for the fields the trader has filled in; empty fields wait for send."""
        self._live_timer.stop()
        self._refresh()
        errors = self._validate()[1]
        typed = self._symbol_edit.text().strip().casefold()
        still_typing = any(key.casefold().startswith(typed) for key in self._instruments)
        texts = {field: edit.text().strip() for field, edit in self._edits.items()}
        if still_typing:
            texts["symbol"] = ""
        self._render_errors([error for error in errors if texts.get(error.field)], list(texts))

    def _on_quantity_step(self, direction: int) -> None:
        instrument = self._lookup()[1]
        if instrument is not None:
            _step(self._quantity_edit, instrument.lot_size, direction, format_quantity)

    def _on_price_step(self, edit: QLineEdit, direction: int) -> None:
        instrument = self._lookup()[1]
        if instrument is not None:
            _step(edit, instrument.tick_size, direction, lambda value: format_price(value, instrument))

    def _on_send_clicked(self) -> None:
        if self._confirm is not None:
            return
        self._live_timer.stop()
        validated, errors = self._validate()
        self._render_errors(errors, _FIELDS)
        if validated is None or errors:
            return
        request = replace(validated.request, quantity=validated.quantity,
                          limit_price=validated.limit_price, stop_price=validated.stop_price)
        self._status_label.clear()
        if not self._confirm_check.isChecked():
            self.submit_requested.emit(request)
            return
        self._pending = request
        self._confirm = OrderConfirmDialog(validated, self._quotes.get(request.symbol, (None, None)), self)
        self._confirm.finished.connect(self._on_confirm_finished)
        self._confirm.open()

    def _on_confirm_finished(self, result: int) -> None:
        dialog, request = self._confirm, self._pending
        self._confirm = self._pending = None
        if dialog is not None:
            dialog.deleteLater()
        if result == QDialog.DialogCode.Accepted and request is not None:
            self.submit_requested.emit(request)
        self._send_button.setFocus()


def _repolish(widget: QWidget) -> None:
    widget.style().unpolish(widget)
    widget.style().polish(widget)


def _step(edit: QLineEdit, step: Decimal, direction: int, render: Callable[[Decimal], str]) -> None:
    """Move the number in edit to the next multiple of step up or down, never below one step."""
    text = edit.text().strip()
    try:
        current = to_decimal(text) if text else Decimal(0)
        steps = (current / step).quantize(Decimal(1), rounding=ROUND_FLOOR if direction > 0 else ROUND_CEILING)
    except (ArithmeticError, TypeError, ValueError):
        return
    edit.setText(render(max((steps + direction) * step, step)))


def _too_large(request: OrderRequest) -> list[FieldError]:
    """Name the fields too large for Decimal arithmetic, on which validate_request raises instead of answering."""
    errors = []
    for field in ("quantity", "limit_price", "stop_price"):
        raw = getattr(request, field)
        try:
            if to_decimal(raw, field).adjusted() >= 18:
                errors.append(FieldError(field, f"{raw!r} is too large."))
        except (TypeError, ValueError):
            continue
    return errors or [FieldError("quantity", "This number is too large.")]
