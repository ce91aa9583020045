"""The order ticket's form: its fields, buttons and messages, how they are laid out, and reading and writing them.

OrderTicketWidget (order_ticket.py) builds on this and adds what the ticket does: validating, pricing, sending.
Every objectName here is part of the ticket's interface (docs/ui-objects.md); none changes.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence

from PySide6.QtCore import QSignalBlocker, QStringListModel, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from core.domain import FieldError, OrderType, Side, TimeInForce
from gui.widgets.account_combo import keep_narrow
from gui.widgets.linked_order_row import LinkedOrderRowWidget
from gui.widgets.message_line import MessageLine
from gui.widgets.product_choice import ProductChoiceWidget
from gui.widgets.protection_row import ProtectionRowWidget
from gui.widgets.quote_line import QuoteLine
from gui.widgets.risk_sizing import RiskSizingWidget
from gui.widgets.select_on_click import select_all_on_click
from gui.widgets.send_button import SendButton
from gui.widgets.ticket_expiry import TicketExpiryWidget
from gui.widgets.ticket_hours import TicketHoursLabel
from gui.widgets.ticket_trail import TRAIL_UNITS
from gui.widgets.tone import AMBER, RED, Tone, repolish, show_tone

ERROR_NAMES = {
    "symbol": "symbolError", "quantity": "quantityError", "limit_price": "limitPriceError",
    "stop_price": "stopPriceError", "trail": "trailError", "account_id": "accountError",
}
FIELDS = tuple(ERROR_NAMES)
"""The request fields that have their own error line under their field; other errors go to the status line."""
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
_ANY_CASE = Qt.CaseSensitivity.CaseInsensitive


class TicketForm(QWidget):
    """The ticket's widgets and layout, and the plain reads and writes of its fields; holds no ticket logic.

    A subclass calls `_build_form` once from its __init__, then connects the signals it handles.
    """

    def _build_form(self) -> None:
        """Make every field, button and message of the ticket and lay them out (no signal is connected here)."""
        self._tifs_of: Callable[[str], frozenset[TimeInForce]] | None = None
        self._symbol_edit = QLineEdit(objectName="orderTicket.symbolEdit", placeholderText="Symbol")
        self._symbols = QStringListModel(self)
        self._symbol_edit.setCompleter(QCompleter(self._symbols, self, caseSensitivity=_ANY_CASE))
        self._quote_label = QuoteLine("orderTicket.quoteLabel")  # moves once a frame: repaints, never re-lays out
        self._search_button = QPushButton(objectName="orderTicket.searchButton", visible=False, flat=True,
                                          styleSheet="text-align: left; text-decoration: underline;")
        self._buy_button = self._side_button(Side.BUY, "buyButton", "F1 or Ctrl+B")
        self._sell_button = self._side_button(Side.SELL, "sellButton", "F2 or Ctrl+S")
        self._buy_button.setChecked(True)
        self._quantity_edit = self._number_edit("quantityEdit")
        self._type_combo = self._combo("typeCombo", [(_type_label(kind), kind) for kind in OrderType])
        self._limit_edit = self._number_edit("limitPriceEdit")
        self._stop_edit = self._number_edit("stopPriceEdit")
        self._trail_edit = self._number_edit("trailEdit")
        select_all_on_click(self._quantity_edit, self._limit_edit, self._stop_edit, self._trail_edit)
        self._trail_edit.setToolTip("How far a trailing stop keeps behind the market: an amount of price, a %, or a "
                                    "number of ticks")
        self._trail_unit_combo = self._combo("trailUnitCombo", TRAIL_UNITS)
        self._tif_combo = self._combo("tifCombo", [(tif.value, tif) for tif in TimeInForce])
        self._account_combo = keep_narrow(self._combo("accountCombo", []))
        self._account_combo.setPlaceholderText("No account connected")
        self._product_choice = ProductChoiceWidget(self)
        self._confirm_check = QCheckBox("Confirm before sending", objectName="orderTicket.confirmCheck", checked=True)
        self._send_button = SendButton()  # its text, the order it sends, only repaints it
        self._send_button.setObjectName("orderTicket.sendButton")
        self._send_button.setAutoDefault(True)
        self._send_button.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self._send_button.setProperty("role", "send")
        self._clear_button = QPushButton("Clear", objectName="orderTicket.clearButton", toolTip="Clear (Esc)")
        self._clear_button.setAutoDefault(True)
        # Every message keeps its room whether shown or not: nothing moves under the trader's cursor.
        self._status_label = MessageLine("orderTicket.statusLabel")
        self._refused = False
        self._intent_label = MessageLine("orderTicket.intentLabel")
        self._intent_label.setStyleSheet(f"color: {AMBER}; font-weight: 600;")
        self._intent_label.setVisible(False)
        self._risk_label = MessageLine("orderTicket.riskLabel", lines=2)
        self._protection = ProtectionRowWidget(self)
        self._link = LinkedOrderRowWidget(self)
        self._sizing = RiskSizingWidget(self)
        select_all_on_click(self._protection.stop_edit, self._protection.target_edit, self._link.price_edit)
        self._expiry = TicketExpiryWidget(self)  # a GTD order's end, under Type (hidden for other TIFs)
        self._hours_label = TicketHoursLabel()  # the market open or closed now, under Side
        self._edits = {"symbol": self._symbol_edit, "quantity": self._quantity_edit,
                       "limit_price": self._limit_edit, "stop_price": self._stop_edit, "trail": self._trail_edit}
        self._errors = {field: MessageLine(f"orderTicket.{name}") for field, name in ERROR_NAMES.items()}
        for label in self._errors.values():
            label.setStyleSheet(f"color: {RED};")
            label.setVisible(False)
        self._errors_clear = False
        """Every field's error line is empty and hidden, its field unmarked, the quote line shown (the last
        `_render_errors` showed none): showing none again changes nothing."""
        self._set_order_type(OrderType.LIMIT)
        self._layout()

    def _layout(self) -> None:
        """Fields in a grid, each error in the line right under its field (kept when empty: nothing moves).

        Risk's verdict (two lines) and the last result (one) sit under the send button (the whole text in the
        tooltip).
        """
        grid = QGridLayout(self, horizontalSpacing=10, verticalSpacing=3)
        grid.setContentsMargins(10, 10, 10, 10)
        grid.setColumnStretch(1, 1)
        sides = QHBoxLayout(spacing=6)
        sides.addWidget(self._buy_button)
        sides.addWidget(self._sell_button)
        kind = QHBoxLayout(spacing=6)  # type and time in force share a line: the ticket stays short
        kind.addWidget(self._type_combo, 1)
        tif_caption = QLabel("TIF", alignment=_RIGHT)
        tif_caption.setBuddy(self._tif_combo)
        kind.addWidget(tif_caption)
        kind.addWidget(self._tif_combo, 1)
        trail = QHBoxLayout(spacing=6)  # the trail and what it is measured in share a line
        trail.addWidget(self._trail_edit, 3)
        trail.addWidget(self._trail_unit_combo, 1)
        account = QHBoxLayout(spacing=6)  # a Kite account's product sits beside it (hidden for other accounts)
        account.addWidget(self._account_combo, 1)
        account.addWidget(self._product_choice, 1)
        options = QHBoxLayout()
        options.addWidget(self._confirm_check, 1)
        options.addWidget(self._clear_button)
        under_symbol = QHBoxLayout(spacing=0)  # the quote, or why the symbol is not one: the same line
        under_symbol.addWidget(self._errors["symbol"])
        under_symbol.addWidget(self._quote_label)
        under_symbol.addWidget(self._search_button)
        policy = self._errors["symbol"].sizePolicy()
        policy.setRetainSizeWhenHidden(False)  # it takes the quote's place, which is hidden meanwhile
        self._errors["symbol"].setSizePolicy(policy)
        rows: list[tuple[str, QWidget | QHBoxLayout, QWidget | QHBoxLayout | None]] = [
            ("Symbol", self._symbol_edit, under_symbol), ("Side", sides, self._hours_label),
            ("Quantity", self._quantity_edit, self._errors["quantity"]), ("Type", kind, self._expiry),
            ("Limit", self._limit_edit, self._errors["limit_price"]),
            ("Stop", self._stop_edit, self._errors["stop_price"]),
            ("Trail", trail, self._errors["trail"]),
            ("Account", account, self._errors["account_id"]),
            ("Protect", self._protection, None), ("Link", self._link, None), ("Size", self._sizing, None),
            ("", options, None),
        ]
        for row, (caption, field, under) in enumerate(rows):
            cell = QVBoxLayout(spacing=0)
            for part in (field, under):
                if isinstance(part, QWidget):
                    cell.addWidget(part)
                elif part is not None:
                    cell.addLayout(part)
            if caption:
                label = QLabel(caption, alignment=_RIGHT)
                label.setFixedHeight((field if isinstance(field, QWidget) else self._symbol_edit).sizeHint().height())
                if isinstance(field, QWidget):
                    label.setBuddy(field)
                grid.addWidget(label, row, 0, Qt.AlignmentFlag.AlignTop)
            grid.addLayout(cell, row, 1)
        grid.addWidget(self._intent_label, len(rows), 0, 1, 2)
        grid.addWidget(self._send_button, len(rows) + 1, 0, 1, 2)
        grid.addWidget(self._risk_label, len(rows) + 2, 0, 1, 2)
        grid.addWidget(self._status_label, len(rows) + 3, 0, 1, 2)
        grid.setRowStretch(len(rows) + 4, 1)
        self.setMinimumWidth(260)
        chain = [
            self._symbol_edit, self._quantity_edit, self._type_combo,
            self._limit_edit, self._stop_edit, self._trail_edit, self._trail_unit_combo, self._tif_combo,
            self._account_combo, self._product_choice.combo, self._protection.stop_edit,
            self._protection.target_edit, self._protection.unit_combo, self._link.mode_combo,
            self._link.type_combo, self._link.price_edit, self._send_button,
            self._clear_button, self._confirm_check,
        ]
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)

    def _side_button(self, side: Side, name: str, keys: str) -> QPushButton:
        text = side.value.capitalize()
        button = QPushButton(text, objectName=f"orderTicket.{name}", toolTip=f"{text} ({keys})", checkable=True)
        button.setAutoExclusive(True)
        # Not in the Tab chain, and a click keeps the keys where they were: the side has its keys (F1/F2), and Tab
        # from the symbol went to Buy, where the quantity typed next was lost.
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        button.setProperty("side", side.value)
        return button

    def _number_edit(self, name: str) -> QLineEdit:
        return QLineEdit(objectName=f"orderTicket.{name}", alignment=_RIGHT)

    def _combo(self, name: str, items: list[tuple[str, object]]) -> QComboBox:
        combo = QComboBox(objectName=f"orderTicket.{name}")
        for text, data in items:
            combo.addItem(text, data)
        return combo

    def _forget_price_levels(self) -> None:
        """Clear the stop-loss, target and linked order's second price given as prices (they were another order's or
        another symbol's); levels in ticks are offsets and stay."""
        self._protection.clear_prices()
        if self._link.price_edit.text():
            self._link.price_edit.clear()

    def current_account(self) -> str:
        """Return the account the ticket sends to, or "" when none is chosen."""
        return self._account_combo.currentText().strip()

    def set_tif_source(self, source: Callable[[str], frozenset[TimeInForce]] | None) -> None:
        """Ask source(account) which times in force the account takes: the TIF choice lists only those (Kite: DAY
        and IOC; a GTC chosen on it would only have been refused)."""
        self._tifs_of = source
        self._offer_tifs()

    def _offer_tifs(self, *_args: object) -> None:
        """List the current account's times in force in their usual order; keep the chosen one if listed, else DAY."""
        source, account = self._tifs_of, self.current_account()
        taken = source(account) if source is not None and account else frozenset(TimeInForce)
        offered = [tif for tif in TimeInForce if tif in taken]
        combo = self._tif_combo
        if [combo.itemData(i) for i in range(combo.count())] == offered:
            return
        chosen = combo.currentData()
        with QSignalBlocker(combo):
            combo.clear()
            for tif in offered:
                combo.addItem(tif.value, tif)
            index = combo.findData(chosen)
            combo.setCurrentIndex(index if index >= 0 else max(combo.findData(TimeInForce.DAY), 0))
        self._expiry.set_active(combo.currentData() == TimeInForce.GTD)

    def takes_tif(self, tif: TimeInForce) -> bool:
        """True when the ticket's account takes tif (it is offered)."""
        return self._tif_combo.findData(tif) >= 0

    def show_result(self, text: str, ok: bool) -> None:
        """Show what the session answered to the last send."""
        self._status_label.setText(text)
        show_tone(self._status_label, Tone.GOOD if ok else Tone.BAD)
        self._refused = not ok

    def result_text(self) -> str:
        """Return what the line under Send says now ("" when nothing)."""
        return self._status_label.text()

    def clear_refusal(self) -> None:
        """The trader changed the ticket after a send was refused: the refusal was about the ticket as it was."""
        if self._refused:
            self._status_label.setText("")
            show_tone(self._status_label, Tone.PLAIN)
            self._refused = False

    def clear_hold_refusal(self) -> None:
        """Clear a refusal because trading was held (on its field or in the status line): the account trades again."""
        def about_the_hold(text: str) -> bool:
            return any(word in text.casefold() for word in ("halted", "reducing", "held", "kill switch"))

        if self._refused and about_the_hold(self._status_label.text()):
            self._status_label.setText("")
            show_tone(self._status_label, Tone.PLAIN)
            self._refused = False
        for field, label in self._errors.items():
            if about_the_hold(label.text()):
                label.setText("")
                label.setVisible(False)
                edit = self._edits.get(field)
                if edit is not None and edit.property("error"):
                    edit.setProperty("error", False)
                    repolish(edit)

    def _side(self) -> Side:
        return Side.SELL if self._sell_button.isChecked() else Side.BUY

    def _order_type(self) -> OrderType:
        return OrderType(self._type_combo.currentData())

    def _set_side(self, side: Side) -> None:
        (self._buy_button if side is Side.BUY else self._sell_button).setChecked(True)

    def _set_order_type(self, order_type: OrderType) -> None:
        self._type_combo.setCurrentIndex(self._type_combo.findData(order_type))
        self._limit_edit.setEnabled(order_type.needs_limit or order_type is OrderType.TRAIL_LIMIT)
        trail_limit = order_type is OrderType.TRAIL_LIMIT
        tip = "A trailing stop-limit's limit: how far beyond the stop, in price" if trail_limit else ""
        if self._limit_edit.toolTip() != tip:  # every prefill sets the type: a tooltip set again is an event
            self._limit_edit.setToolTip(tip)
        self._stop_edit.setEnabled(order_type.needs_stop)
        self._trail_edit.setEnabled(order_type.is_trailing)
        self._trail_unit_combo.setEnabled(order_type.is_trailing)

    def _set_account(self, account: str) -> None:
        """Choose account; an account the ticket does not list leaves none chosen (never another one)."""
        self._account_combo.setCurrentIndex(self._account_combo.findText(account))

    def _render_errors(self, errors: Sequence[FieldError], fields: Sequence[str]) -> None:
        """Show errors next to their fields and clear the other labels among `fields`."""
        if not errors and self._errors_clear:  # every send of a valid order: nothing shown, nothing to show
            return
        by_field = {error.field: error.message for error in errors}
        for field in fields:
            message = by_field.get(field, "")
            self._errors[field].setText(message)
            self._errors[field].setVisible(bool(message))
            if field == "symbol":
                self._quote_label.setVisible(not message)
            edit = self._edits.get(field)
            if edit is not None and edit.property("error") != bool(message):
                edit.setProperty("error", bool(message))
                repolish(edit)
        self._errors_clear = not errors and (fields is FIELDS or set(FIELDS) <= set(fields))
        others = [error.message for error in errors if error.field not in FIELDS]
        if others:
            self.show_result(" ".join(others), ok=False)


def _type_label(kind: OrderType) -> str:
    """Return the order type as the type list shows it: 'LMT', 'STP LMT', 'Trail', 'Trail LMT'."""
    return {OrderType.TRAIL: "Trail", OrderType.TRAIL_LIMIT: "Trail LMT"}.get(kind, kind.value.replace("_", " "))

