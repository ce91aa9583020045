"""Position: signed quantity, average cost and P&L of one instrument in one account."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from core.domain.fill import Fill
from core.domain.identifiers import AccountId
from core.domain.instrument import Instrument
from core.domain.product import Product

ZERO = Decimal(0)


@dataclass(slots=True, eq=False)
class Position:
    """Changed only by `apply(fill)`, `mark(...)` and `roll_day()`.

    Daily P&L = market value now - market value at the start of the day (at the previous close)
    - cash paid for today's trades - today's fees. Realized P&L is net of commissions.
    """

    account_id: AccountId
    instrument: Instrument
    quantity: Decimal = ZERO
    avg_cost: Decimal = ZERO
    realized_pnl: Decimal = ZERO
    fees: Decimal = ZERO
    last_price: Decimal | None = None
    prev_close: Decimal | None = None
    sod_quantity: Decimal = ZERO
    sod_avg_cost: Decimal = ZERO
    day_trade_cash: Decimal = ZERO
    day_fees: Decimal = ZERO
    product: Product | None = None
    """The product (Kite: CNC, MIS, NRML) of a position the broker keeps apart per product; None: the net of all."""

    @property
    def symbol(self) -> str:
        return self.instrument.symbol

    @property
    def currency(self) -> str:
        return self.instrument.currency

    @property
    def is_flat(self) -> bool:
        return self.quantity == 0

    def apply(self, fill: Fill, today: bool = True) -> None:
        """Add a fill. `today=False` folds it into the start-of-day position (a restart's replay)."""
        if fill.symbol != self.symbol or fill.account_id != self.account_id:
            raise ValueError(f"fill {fill.trade_id} is for {fill.account_id}/{fill.symbol}, not this position")
        mult = self.instrument.multiplier
        qty = self.quantity
        signed = fill.signed_qty
        price = fill.price.value
        fee = fill.commission.amount
        if qty == 0 or (qty > 0) == (signed > 0):
            self.avg_cost = (self.avg_cost * abs(qty) + price * abs(signed)) / (abs(qty) + abs(signed))
        else:
            closing = min(abs(signed), abs(qty))
            direction = Decimal(1) if qty > 0 else Decimal(-1)
            self.realized_pnl += (price - self.avg_cost) * closing * direction * mult
            remaining = qty + signed
            if remaining == 0:
                self.avg_cost = ZERO
            elif (remaining > 0) != (qty > 0):
                self.avg_cost = price
        self.quantity = qty + signed
        self.realized_pnl -= fee
        self.fees += fee
        if today:
            self.day_trade_cash += signed * price * mult
            self.day_fees += fee
        else:
            self.sod_quantity = self.quantity
            self.sod_avg_cost = self.avg_cost

    def mark(self, last: Decimal | None, prev_close: Decimal | None = None) -> None:
        if last is not None:
            self.last_price = last
        if prev_close is not None:
            self.prev_close = prev_close

    def roll_day(self) -> None:
        """Start a new trading day: today's position becomes the start-of-day position."""
        self.sod_quantity = self.quantity
        self.sod_avg_cost = self.avg_cost
        self.prev_close = self.last_price
        self.day_trade_cash = ZERO
        self.day_fees = ZERO

    @property
    def market_value(self) -> Decimal | None:
        if self.last_price is None:
            return None
        return self.quantity * self.last_price * self.instrument.multiplier

    @property
    def unrealized_pnl(self) -> Decimal | None:
        if self.last_price is None:
            return None if self.quantity else ZERO
        return (self.last_price - self.avg_cost) * self.quantity * self.instrument.multiplier

    @property
    def daily_pnl(self) -> Decimal | None:
        value_now = self.market_value
        if value_now is None:
            if self.quantity or self.sod_quantity:
                return None
            return -self.day_trade_cash - self.day_fees  # flat at the start and now: today's trades are all of it
        reference = self.prev_close if self.prev_close is not None else self.sod_avg_cost
        value_sod = self.sod_quantity * reference * self.instrument.multiplier
        return value_now - value_sod - self.day_trade_cash - self.day_fees
