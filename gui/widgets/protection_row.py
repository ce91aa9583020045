"""ProtectionRowWidget: the ticket's compact row for a stop-loss and a take-profit, as prices or ticks away,
with the risk of the trade in currency shown before sending."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from core.domain import FieldError, Instrument, Side
from core.domain.protection import HELD_BADGE, Bracket, ProtectionLeg, level_from_ticks, trade_risk

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
        self.risk_label = QLabel(objectName="orderTicket.tradeRiskLabel", wordWrap=True, visible=False,
                                 toolTip=HELD_BADGE)
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

    def clear(self) -> None:
        self.stop_edit.clear()
        self.target_edit.clear()
        self.risk_label.clear()
        self.risk_label.setVisible(False)

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
                  instrument: Instrument | None) -> None:
        """Say what the trade risks if stopped out (or why it cannot tell), and that the children are held."""
        bracket, errors = self.bracket(side, entry_price, instrument)
        if errors:
            text = " ".join(e.message for e in errors)
        elif bracket is None:
            text = ""
        elif bracket.stop_loss is None:
            text = "No stop-loss: the risk is not limited. Held by TradeTerm (works only while it runs)."
        elif quantity is None or entry_price is None or instrument is None:
            text = "Risk if stopped: enter quantity and price."
        else:
            risk = trade_risk(entry_price, bracket.stop_loss, quantity, instrument.multiplier)
            text = (f"Risk if stopped: {risk.quantize(Decimal('0.01'))} {instrument.currency} "
                    f"(stop {bracket.stop_loss}). Held by TradeTerm (works only while it runs).")
        self.risk_label.setText(text)
        self.risk_label.setVisible(bool(text))


def positive_number(text: str) -> Decimal | None:
    """Return text as a positive finite Decimal, or None (the ticket's own checks say what is wrong)."""
    try:
        value = Decimal(text.strip())
    except ArithmeticError:
        return None
    return value if value.is_finite() and value > 0 else None
