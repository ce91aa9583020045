"""Instrument: what is traded, with the tick, lot, multiplier and currency that govern every price and size."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Decimal

from core.domain.enums import AssetClass
from core.domain.values import DecimalLike, Price, Quantity, to_decimal


@dataclass(frozen=True, slots=True)
class Instrument:
    """A tradable instrument. `symbol` is its key in TradeTerm (e.g. 'AAPL', 'INFY', '600519')."""

    symbol: str
    venue: str
    currency: str
    tick_size: Decimal
    lot_size: Decimal = Decimal(1)
    multiplier: Decimal = Decimal(1)
    asset_class: AssetClass = AssetClass.STOCK
    name: str = ""
    max_order_qty: Decimal | None = None
    """The exchange's freeze quantity: the most one order may carry (a larger one must be split); None: no limit."""
    margin_rate: Decimal | None = None
    """The share of a position's notional the broker holds as margin, where the account's buying power is its
    margin available (OANDA's marginRate: 0.05 is 20:1); None where buying power is counted in notional already
    (a cash account, IB's BuyingPower, which includes the account's leverage)."""

    def __post_init__(self) -> None:
        for field in ("tick_size", "lot_size", "multiplier"):
            value = to_decimal(getattr(self, field), field)
            if value <= 0:
                raise ValueError(f"{self.symbol}: {field} must be positive, got {value}")
            object.__setattr__(self, field, value)
        if self.max_order_qty is not None:
            limit = to_decimal(self.max_order_qty, "max_order_qty")
            if limit <= 0:
                raise ValueError(f"{self.symbol}: max_order_qty must be positive, got {limit}")
            object.__setattr__(self, "max_order_qty", limit)
        if self.margin_rate is not None:
            rate = to_decimal(self.margin_rate, "margin_rate")
            if not 0 < rate <= 1:
                raise ValueError(f"{self.symbol}: margin_rate must be above 0 and at most 1, got {rate}")
            object.__setattr__(self, "margin_rate", rate)

    def make_price(self, value: DecimalLike) -> Price:
        """Round value to the nearest tick (half-even)."""
        number = to_decimal(value, "price")
        ticks = (number / self.tick_size).quantize(Decimal(1), rounding=ROUND_HALF_EVEN)
        return Price(ticks * self.tick_size)

    def make_qty(self, value: DecimalLike) -> Quantity:
        """Round value down to a whole number of lots."""
        number = to_decimal(value, "quantity")
        lots = (number / self.lot_size).quantize(Decimal(1), rounding=ROUND_DOWN)
        return Quantity(lots * self.lot_size)

    def is_on_tick(self, value: Decimal) -> bool:
        return value % self.tick_size == 0

    def is_on_lot(self, value: Decimal) -> bool:
        return value % self.lot_size == 0

    def notional(self, quantity: Decimal, price: Decimal) -> Decimal:
        """Return quantity × price × multiplier, in the instrument's currency."""
        return quantity * price * self.multiplier

    def buying_power_use(self, quantity: Decimal, price: Decimal) -> Decimal:
        """Return what opening quantity at price uses of the account's buying power, in the instrument's currency:
        its notional, or the margin the broker holds for it (notional × margin_rate) where it has a margin rate."""
        value = abs(self.notional(quantity, price))
        return value if self.margin_rate is None else value * self.margin_rate

    @property
    def price_places(self) -> int:
        """Decimal places needed to show a price on this instrument's tick."""
        exponent = self.tick_size.normalize().as_tuple().exponent
        return max(0, -exponent) if isinstance(exponent, int) else 2
