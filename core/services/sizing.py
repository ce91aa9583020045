"""Size by risk: the quantity whose loss at the stop is the chosen risk per trade, within every risk limit.

Pure and Decimal. The risk per trade is a currency amount, or a % of the account's equity; the stop is
a price, a distance in ticks from the entry, or k × ATR(n) from bars (refused, never guessed, with too
few bars). The quantity is rounded down to the instrument's lot, then capped: `allowed(qty)` (the risk
engine's preview) says why a quantity would be refused, and the largest number of lots it lets through
is taken, so every limit (order size and value, position, exposure, buying power, a strategy's own
limits) caps the size as it would cap the order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_DOWN, Decimal
from itertools import pairwise

from core.domain import Instrument, Side
from core.domain.bars import Bar

ZERO = Decimal(0)
HUNDRED = Decimal(100)


class SizingError(ValueError):
    """Sizing is not possible; `field` names the input to change and the message says what to do."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True, slots=True)
class Sized:
    """The size chosen: quantity, the money lost if the stop is hit, the stop, and what capped it (if anything)."""

    quantity: Decimal
    at_risk: Decimal
    stop: Decimal
    per_unit: Decimal
    """The loss of one unit (× multiplier) between the entry and the stop, in the budget's currency."""
    capped_by: str | None = None
    """Why a larger quantity would be refused (the risk check's reason), when a limit made it smaller."""


def atr(bars: Sequence[Bar], n: int) -> Decimal:
    """Return the average true range of the last n bars (oldest first); needs n + 1 bars for n true ranges.

    Raise SizingError("stop", ...) with too little history: a volatility stop is never guessed.
    """
    if n < 1:
        raise SizingError("stop", f"ATR needs a period of at least 1 bar, got {n}.")
    if len(bars) < n + 1:
        symbol = bars[0].symbol if bars else "this symbol"
        raise SizingError("stop", f"Too little history for a volatility stop: ATR({n}) needs {n + 1} bars of "
                                  f"{symbol}, there are {len(bars)}. Use a stop price or ticks instead.")
    last = bars[-(n + 1):]
    ranges = [max(bar.high - bar.low, abs(bar.high - before.close), abs(bar.low - before.close))
              for before, bar in pairwise(last)]
    return sum(ranges, ZERO) / n


def stop_from_ticks(instrument: Instrument, side: Side, entry: Decimal, ticks: int) -> Decimal:
    """Return the stop `ticks` ticks from entry on the losing side (below a buy, above a sell)."""
    if ticks < 1:
        raise SizingError("stop", f"The stop distance must be at least 1 tick, got {ticks}.")
    return entry - side.sign * ticks * instrument.tick_size


def stop_from_atr(instrument: Instrument, side: Side, entry: Decimal, bars: Sequence[Bar], k: Decimal, n: int
                  ) -> Decimal:
    """Return the stop k × ATR(n) from entry on the losing side, rounded away from entry to the tick."""
    if k <= 0:
        raise SizingError("stop", f"The ATR multiple must be greater than zero, got {k}.")
    distance = k * atr(bars, n)
    ticks = (distance / instrument.tick_size).to_integral_value(rounding=ROUND_CEILING)
    return stop_from_ticks(instrument, side, entry, max(int(ticks), 1))


def risk_budget(risk_amount: Decimal | None, risk_pct: Decimal | None, equity: Decimal | None, currency: str
                ) -> Decimal:
    """Return the money to risk: the amount, or risk_pct % of equity (which must be known)."""
    if (risk_amount is None) == (risk_pct is None):
        raise SizingError("risk", "Give the risk per trade either as an amount or as a % of equity, not both.")
    if risk_amount is not None:
        if risk_amount <= 0:
            raise SizingError("risk", f"The risk per trade must be greater than zero, got {risk_amount}.")
        return risk_amount
    assert risk_pct is not None
    if not ZERO < risk_pct <= HUNDRED:
        raise SizingError("risk", f"The risk per trade is a % of equity: above 0 and at most 100, got {risk_pct}.")
    if equity is None or equity <= 0:
        raise SizingError("risk", f"The account's equity in {currency} is not known yet: wait for its funds, "
                                  "or give the risk as an amount.")
    return equity * risk_pct / HUNDRED


def size_by_risk(
    instrument: Instrument,
    side: Side,
    entry: Decimal,
    stop: Decimal,
    budget: Decimal,
    *,
    rate: Decimal = Decimal(1),
    allowed: Callable[[Decimal], str | None] = lambda quantity: None,
    lot: Decimal | None = None,
) -> Sized:
    """Return the largest whole number of lots whose loss at stop is at most budget, capped by `allowed`.

    lot: the step to size in, when it is not the instrument's own (whole shares where the account takes a
    fraction on some orders only).

    rate: the value of one unit of the instrument's currency in the budget's currency. allowed(qty):
    None when an order of qty passes every risk limit, else the reason; larger quantities are assumed
    to be refused whenever a smaller one is (true of every size limit).
    """
    if side.sign * (entry - stop) <= 0:
        where = "below" if side is Side.BUY else "above"
        raise SizingError("stop", f"The stop {stop} must be {where} the entry {entry} for a {side.value.lower()}.")
    per_unit = abs(entry - stop) * instrument.multiplier * rate
    lot = instrument.lot_size if lot is None else lot
    lots = int((budget / (per_unit * lot)).to_integral_value(rounding=ROUND_DOWN))
    if lots < 1:
        raise SizingError("risk", f"One lot ({lot.normalize():f}) would lose {per_unit * lot:.2f} at the stop, more "
                                  f"than the {budget:.2f} risk per trade: widen the risk or move the stop closer.")
    capped_by = allowed(lots * lot)
    if capped_by is not None:
        first = allowed(lot)
        if first is not None:
            raise SizingError("quantity", f"Not even one lot passes the risk limits: {first}")
        good, bad = 1, lots  # good passes, bad is refused
        while bad - good > 1:
            middle = (good + bad) // 2
            reason = allowed(middle * lot)
            if reason is None:
                good = middle
            else:
                bad, capped_by = middle, reason
        lots = good
    quantity = lots * lot
    return Sized(quantity, quantity * per_unit, stop, per_unit, capped_by)
