"""QuantityValidator: the ticket's quantity is digits (and a point where the instrument trades fractions); anything
else stays as typed and is shown as wrong, never dropped.

Dropping the refused keystroke changed the number's size without a word: 1000.5 on a whole-unit pair became 10005,
1.5 became 15, 10k became 10 and 1e4 became 14; a trader sending at speed sent ten times what they meant. The
field now keeps the text, the ticket shows the parser's reason under it ("EUR_USD trades in lots of 1; try 1000."),
and nothing is sent until it is a number the instrument takes."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from PySide6.QtCore import QObject
from PySide6.QtGui import QValidator

from core.domain import AssetClass, Instrument
from core.domain.order_request import plain


def takes_fractions(instrument: Instrument | None) -> bool:
    """Return whether a quantity of instrument may have decimals (its lot is fractional); unknown: it may."""
    return instrument is None or instrument.lot_size != instrument.lot_size.to_integral_value()


def quantity_step(instrument: Instrument) -> Decimal:
    """The step of the quantity's arrow keys: one lot, or one share where a stock trades in fractions of a share
    (Alpaca's fractionable shares have a lot of 0.000000001, a step no trader means)."""
    lot = instrument.lot_size
    return Decimal(1) if instrument.asset_class is AssetClass.STOCK and lot < 1 else lot


def quantity_placeholder(instrument: Instrument | None) -> str:
    """What the empty quantity says it takes: 'lot 100', or 'lot 1 (fractions to 0.000000001)' for a stock that
    trades in fractions of a share on some orders."""
    if instrument is None:
        return ""
    step = quantity_step(instrument)
    if step != instrument.lot_size:
        return f"lot {plain(step)} (fractions to {plain(instrument.lot_size)})"
    return f"lot {plain(step)}"


def same_units(one: Instrument, other: Instrument) -> bool:
    """Return whether a quantity means the same of both: shares and shares, units of a pair and units of a pair,
    contracts of the same size. A quantity typed for one instrument is kept for the next only then: 5,000 EUR_USD
    units (about 5,400 USD) kept as 5,000 AAPL shares (about 950,000 USD) passes every default limit."""
    return (one.asset_class, one.multiplier) == (other.asset_class, other.multiplier)


class QuantityValidator(QValidator):
    """Call ASCII digits (and one point when `instrument()` trades fractions) acceptable and anything else
    intermediate: kept in the field as typed, its error shown by the ticket, never sent."""

    def __init__(self, instrument: Callable[[], Instrument | None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._instrument = instrument

    def validate(self, text: str, pos: int) -> QValidator.State:
        whole, point, fraction = text.partition(".")
        number = whole + fraction
        digits = not number or (number.isascii() and number.isdigit())
        if not digits or (point and not takes_fractions(self._instrument())):
            return QValidator.State.Intermediate
        return QValidator.State.Acceptable
