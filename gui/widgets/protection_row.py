"""ProtectionRowWidget: the ticket's compact row for a stop-loss and a take-profit, as prices or ticks away,
with the risk of the trade in currency shown before sending."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLineEdit, QVBoxLayout, QWidget

from core.domain import FieldError, Instrument, Side
from core.domain.order_request import plain
from core.domain.protection import Bracket, ProtectionLeg, level_from_ticks, trade_risk
from gui.widgets.message_line import MessageLine

_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
PRICE, TICKS = "price", "ticks"


class ProtectionRowWidget(QWidget):
    """Stop-loss and target fields (empty: none) in price or ticks, and a line saying what the trade risks.

    Events:
        changed(): a field or the unit changed.
    """

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="orderTicket.protectionRow")
        self.stop_edit = QLineEdit(objectName="orderTicket.stopLossEdit", placeholderText="Stop-loss",
                                   alignment=_RIGHT, toolTip="Stop-loss: sent at market when touched (empty: none)")
        self.target_edit = QLineEdit(objectName="orderTicket.takeProfitEdit", placeholderText="Target",
                                     alignment=_RIGHT, toolTip="Take-profit: a limit at this price when touched")
        self.unit_combo = QComboBox(objectName="orderTicket.protectionUnitCombo")
        self.unit_combo.addItem("price", PRICE)
        self.unit_combo.addItem("ticks", TICKS)
        # One line, always there (a longer text elided, the whole of it in the tooltip): a line that appeared, or
        # wrapped, would make the ticket taller and move every field and the send button under the pointer.
        self.risk_label = MessageLine("orderTicket.tradeRiskLabel")
        fields = QHBoxLayout(spacing=6)
        fields.setContentsMargins(0, 0, 0, 0)
        for widget, stretch in ((self.stop_edit, 1), (self.target_edit, 1), (self.unit_combo, 0)):
            fields.addWidget(widget, stretch)
        column = QVBoxLayout(self, spacing=2)
        column.setContentsMargins(0, 0, 0, 0)
        column.addLayout(fields)
        column.addWidget(self.risk_label)
        for edit in (self.stop_edit, self.target_edit):
            edit.textChanged.connect(self.changed)
        self.unit_combo.currentIndexChanged.connect(self.changed)
        self.holds_natively: Callable[[str], bool] = lambda _account: False
        """Whether an account's broker holds a bracket's children itself (the window sets the session's answer)."""

    def holder(self, account: str) -> str:
        """Who holds the stop-loss and target of an order on account, and what that means for the trader."""
        return ("Held at the broker (works while TradeTerm is closed)." if self.holds_natively(account)
                else "Held by TradeTerm (works only while it runs).")

    def describe(self, bracket: Bracket, side: Side, quantity: Decimal, account: str) -> str:
        """What goes with the entry, for the confirm: e.g. 'With it: a stop-loss SELL 10 at 188.50 and a take-profit
        SELL 10 at 191.00, sent as the entry fills. Held by TradeTerm (works only while it runs).'"""
        exit_side = (Side.SELL if side is Side.BUY else Side.BUY).value
        legs = [f"a {leg} {exit_side} {plain(quantity)} at {price}" for leg, price in
                (("stop-loss", bracket.stop_loss), ("take-profit", bracket.take_profit)) if price is not None]
        return f"With it: {' and '.join(legs)}, armed as the entry fills. {self.holder(account)}"

    def clear(self) -> None:
        for edit in (self.stop_edit, self.target_edit):
            if edit.text():  # every order sent clears them: an empty one is left alone, not cleared through Qt again
                edit.clear()
        self.risk_label.clear()

    def clear_prices(self) -> None:
        """Clear levels given as prices (another symbol's prices mean nothing here); ticks away stay."""
        if self.unit_combo.currentData() == PRICE:
            self.clear()

    def bracket(self, side: Side, entry_price: Decimal | None, instrument: Instrument | None
                ) -> tuple[Bracket | None, list[FieldError]]:
        """Return the bracket the fields ask for (None when both are empty), or what is wrong with them."""
        levels: dict[ProtectionLeg, Decimal | None] = {}
        errors: list[FieldError] = []
        for leg, edit, field in ((ProtectionLeg.STOP_LOSS, self.stop_edit, "stop_loss"),
                                 (ProtectionLeg.TAKE_PROFIT, self.target_edit, "take_profit")):
            text = edit.text().strip()
            if not text:
                levels[leg] = None
                continue
            try:
                value = Decimal(text)
            except InvalidOperation:
                value = Decimal(-1)
            if not value.is_finite() or value <= 0:
                errors.append(FieldError(field, f"{leg.label.capitalize()} must be a positive number, not {text!r}."))
                continue
            if self.unit_combo.currentData() == TICKS:
                if entry_price is None or instrument is None:
                    errors.append(FieldError(field, f"{leg.label.capitalize()} in ticks needs the entry price: "
                                                    "enter a limit price, or use price."))
                    continue
                value = level_from_ticks(entry_price, value, instrument.tick_size, side, leg)
            levels[leg] = value
        if errors:
            return None, errors
        try:
            bracket = Bracket(levels.get(ProtectionLeg.STOP_LOSS), levels.get(ProtectionLeg.TAKE_PROFIT))
        except ValueError as exc:
            return None, [FieldError("stop_loss", f"{exc}.")]
        if bracket.is_empty:
            return None, []
        problems = bracket.problems(side, entry_price)
        return (None, [FieldError(f, m) for f, m in problems]) if problems else (bracket, [])

    def show_risk(self, side: Side, quantity: Decimal | None, entry_price: Decimal | None,
                  instrument: Instrument | None, account: str = "") -> None:
        """Say what the trade risks if stopped out (or why it cannot tell), and that the children are held."""
        bracket, errors = self.bracket(side, entry_price, instrument)
        if errors:
            text = " ".join(e.message for e in errors)
        elif bracket is None:
            text = ""
        elif bracket.stop_loss is None:
            text = f"No stop-loss: the risk is not limited. {self.holder(account)}"
        elif quantity is None or entry_price is None or instrument is None:
            text = "Risk if stopped: enter quantity and price."
        else:
            risk = trade_risk(entry_price, bracket.stop_loss, quantity, instrument.multiplier)
            text = (f"Risk if stopped: {risk.quantize(Decimal('0.01'))} {instrument.currency} "
                    f"(stop {bracket.stop_loss}). {self.holder(account)}")
        self.risk_label.setText(text)


def positive_number(text: str) -> Decimal | None:
    """Return text as a positive finite Decimal, or None (the ticket's own checks say what is wrong)."""
    try:
        value = Decimal(text.strip())
    except ArithmeticError:
        return None
    return value if value.is_finite() and value > 0 else None
