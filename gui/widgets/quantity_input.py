"""QuantityValidator: the ticket's quantity takes digits (and a point where the instrument trades fractions) only."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from PySide6.QtCore import QObject
from PySide6.QtGui import QValidator

from core.domain import Instrument
from core.domain.order_request import plain


def takes_fractions(instrument: Instrument | None) -> bool:
    """Return whether a quantity of instrument may have decimals (its lot is fractional); unknown: it may."""
    return instrument is None or instrument.lot_size != instrument.lot_size.to_integral_value()


def quantity_hint(instrument: Instrument | None) -> str:
    """Say what the quantity field takes, for the moment a keystroke was refused."""
    if takes_fractions(instrument):
        return "Quantity takes digits and one decimal point only."
    assert instrument is not None
    lot = instrument.lot_size
    lots = "whole units" if lot == Decimal(1) else f"lots of {plain(lot)}"
    return f"Quantity takes digits only: {instrument.symbol} trades in {lots}."


class QuantityValidator(QValidator):
    """Refuse, at the keystroke, anything but ASCII digits (and one point when `instrument()` trades fractions)."""

    def __init__(self, instrument: Callable[[], Instrument | None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._instrument = instrument

    def validate(self, text: str, pos: int) -> QValidator.State:
        whole, point, fraction = text.partition(".")
        number = whole + fraction
        digits = not number or (number.isascii() and number.isdigit())
        if not digits or (point and not takes_fractions(self._instrument())):
            return QValidator.State.Invalid
        return QValidator.State.Acceptable
