"""LinkedOrderRowWidget: the ticket's row that links a second order to the one being sent, as an OCO (one cancels
the other) or an OTO (one triggers the other), and the LinkedOrder value it hands up with the order.

The ticket's order is the first leg; this row gives the second: a limit or a stop at a price. An OCO's second
order has the first's account, symbol, side, quantity and time in force (a target and a stop for one position,
say); an OTO's is the exit the entry sends once it has filled, on the other side, for what filled. Both go through
the session's own commands (TradingSession.submit_oco / submit_oto): nothing here sends anything.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from enum import StrEnum

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from core.domain import FieldError, Instrument, OrderRequest, OrderType, Side, validate_request
from core.domain.order_request import plain
from core.domain.protection import Oto
from gui.widgets.protection_row import positive_number
from gui.widgets.tone import Tone, show_tone

_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


class LinkMode(StrEnum):
    """What the second order does: nothing (no second order), OCO or OTO."""

    NONE = "NONE"
    OCO = "OCO"
    OTO = "OTO"


_MODE_TEXT = {LinkMode.NONE: "No linked order", LinkMode.OCO: "OCO: + 2nd order",
              LinkMode.OTO: "OTO: then exit"}

_WAITING = {LinkMode.OCO: "OCO: a second order goes with this one; when either fills, the other is cancelled. "
                          "Give its type and price.",
            LinkMode.OTO: "OTO: once this order fills, an exit goes for what filled. Give its type and price."}


@dataclass(frozen=True, slots=True)
class LinkedOrder:
    """The second leg the ticket sends with its order: an OCO partner or an OTO exit, a limit or a stop at price."""

    mode: LinkMode
    stop: bool
    price: Decimal

    @property
    def type_word(self) -> str:
        return "STP" if self.stop else "LMT"

    def oco_partner(self, first: OrderRequest) -> OrderRequest:
        """Return the OCO's second order: the first's account, symbol, side, quantity and TIF, at this row's price."""
        order_type = OrderType.STOP if self.stop else OrderType.LIMIT
        return replace(first, order_type=order_type, limit_price=None if self.stop else self.price,
                       stop_price=self.price if self.stop else None, trail_amount=None, trail_percent=None)

    @property
    def oto(self) -> Oto:
        return Oto(self.price, stop=self.stop)

    def describe(self, side: Side, quantity: str, symbol: str, price_text: str) -> str:
        """Say what the second order is and what happens when one fills (the confirm and the row's hint)."""
        if self.mode is LinkMode.OCO:
            return (f"OCO — second order: {side.value.capitalize()} {quantity} {symbol} {self.type_word} "
                    f"{price_text}. When either fills (even in part), the other is cancelled.")
        exit_side = Side.SELL if side is Side.BUY else Side.BUY
        return (f"OTO — once this order fills, {exit_side.value.capitalize()} {symbol} {self.type_word} {price_text} "
                f"is sent for what filled. Cancel this order unfilled and nothing more is sent.")

    def suffix(self, price_text: str) -> str:
        """Return what the send button adds after the first order: ' OCO STP 180' or ' → then LMT 195'."""
        head = " OCO " if self.mode is LinkMode.OCO else " → then "
        return f"{head}{self.type_word} {price_text}".rstrip()


class LinkedOrderRowWidget(QWidget):
    """The mode (none, OCO, OTO), the second order's type (LMT or STP) and price, and a line saying what it does.

    Keyboard first: the ticket's Ctrl+L calls `cycle`, which steps the mode and puts the cursor in the price.

    Events:
        changed(): the mode, the type or the price changed.
    """

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="orderTicket.linkRow")
        self.mode_combo = QComboBox(objectName="orderTicket.linkModeCombo",
                                    toolTip="Link a second order: OCO (one cancels the other) or OTO (this one, "
                                            "once filled, sends the other) (Ctrl+L)")
        for mode in LinkMode:
            self.mode_combo.addItem(_MODE_TEXT[mode], mode)
        self.type_combo = QComboBox(objectName="orderTicket.linkTypeCombo")
        self.type_combo.addItem("LMT", False)
        self.type_combo.addItem("STP", True)
        self.price_edit = QLineEdit(objectName="orderTicket.linkPriceEdit", placeholderText="2nd price",
                                    alignment=_RIGHT)
        self.hint_label = QLabel(objectName="orderTicket.linkHintLabel", wordWrap=True, visible=False)
        fields = QHBoxLayout(spacing=6)
        fields.setContentsMargins(0, 0, 0, 0)
        for widget, stretch in ((self.mode_combo, 2), (self.type_combo, 0), (self.price_edit, 1)):
            fields.addWidget(widget, stretch)
        column = QVBoxLayout(self, spacing=2)
        column.setContentsMargins(0, 0, 0, 0)
        column.addLayout(fields)
        column.addWidget(self.hint_label)
        self.mode_combo.currentIndexChanged.connect(self._on_mode_changed)
        self.type_combo.currentIndexChanged.connect(self.changed)
        self.price_edit.textChanged.connect(self.changed)
        self._on_mode_changed()

    def mode(self) -> LinkMode:
        return LinkMode(self.mode_combo.currentData())

    def cycle(self) -> None:
        """Step to the next mode (none -> OCO -> OTO -> none); the cursor goes to the price when a mode is on."""
        self.mode_combo.setCurrentIndex((self.mode_combo.currentIndex() + 1) % self.mode_combo.count())
        if self.mode() is not LinkMode.NONE:
            self.price_edit.setFocus()
            self.price_edit.selectAll()

    def place(self, mode: LinkMode, side: Side, price: Decimal, price_text: str, reference: Decimal | None) -> None:
        """Set the row to a second order at price (the chart's right-click): a stop where the market must move
        against its side to reach price, a limit otherwise (a sell below the reference, a buy above it, is a stop).

        side is the ticket's order's: an OCO's second order has it, an OTO's exit the other one.
        """
        leg_side = side if mode is LinkMode.OCO else side.opposite
        stop = reference is not None and ((price < reference) if leg_side is Side.SELL else (price > reference))
        self.mode_combo.setCurrentIndex(self.mode_combo.findData(mode))
        self.type_combo.setCurrentIndex(self.type_combo.findData(stop))
        self.price_edit.setText(price_text)
        self.price_edit.setFocus()

    def clear(self) -> None:
        self.mode_combo.setCurrentIndex(0)
        self.type_combo.setCurrentIndex(0)
        self.price_edit.clear()

    def linked(self, first: OrderRequest, side: Side, entry_price: Decimal | None, instrument: Instrument | None
               ) -> tuple[LinkedOrder | None, list[FieldError]]:
        """Return the second order the row asks for with `first` (None: no link), or what is wrong with it."""
        mode = self.mode()
        if mode is LinkMode.NONE:
            return None, []
        text = self.price_edit.text().strip()
        price = positive_number(text)
        if price is None:
            what = "Enter the second order's price" if not text else f"The second order's price {text!r} is not a " \
                                                                     "positive number"
            return None, [FieldError("link", f"{what} (or choose 'No linked order').")]
        link = LinkedOrder(mode, bool(self.type_combo.currentData()), price)
        if mode is LinkMode.OTO:
            return (None, [FieldError("link", m) for _f, m in link.oto.problems(side, entry_price)]) \
                if link.oto.problems(side, entry_price) else (link, [])
        _valid, errors = validate_request(link.oco_partner(first), instrument)
        errors = [e for e in errors if e.field in ("limit_price", "stop_price")]  # the rest are the first's own
        if errors:
            return None, [FieldError("link", f"The OCO's second order: {e.message}") for e in errors]
        return link, []

    def show_hint(self, link: LinkedOrder | None, errors: list[FieldError], side: Side, quantity: str, symbol: str,
                  price_text: str) -> None:
        """Say what the second order does, or what is wrong with it (empty when there is no link)."""
        mode = self.mode()
        waiting = mode is not LinkMode.NONE and not self.price_edit.text().strip()
        if waiting:
            text = _WAITING[mode]
        else:
            text = " ".join(e.message for e in errors) if errors else "" if link is None else link.describe(
                side, quantity or "?", symbol, price_text)
        self.hint_label.setText(text)
        show_tone(self.hint_label, Tone.BAD if errors and not waiting else Tone.PLAIN)
        self.hint_label.setVisible(bool(text))

    def _on_mode_changed(self, *_args: object) -> None:
        on = self.mode() is not LinkMode.NONE
        self.type_combo.setEnabled(on)
        self.price_edit.setEnabled(on)
        self.changed.emit()


def price_words(price: Decimal, instrument: Instrument | None) -> str:
    """Return price with the instrument's decimal places (as typed when the symbol is unknown)."""
    if instrument is None:
        return plain(price)
    return format(price.quantize(Decimal(1).scaleb(-instrument.price_places)), "f")
