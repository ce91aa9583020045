"""Fill: one execution, identified by the broker's trade id."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from core.domain.enums import Side
from core.domain.events import utc_now
from core.domain.identifiers import AccountId, BrokerOrderId, ClientOrderId, TradeId
from core.domain.product import Product
from core.domain.values import Money, Price, Quantity

ADJUSTMENT_PREFIX = "ADJ-"
"""The trade id of an adjustment: the trader adopted the broker's position; nothing was executed."""


@dataclass(frozen=True, slots=True)
class Fill:
    trade_id: TradeId
    client_order_id: ClientOrderId | None
    account_id: AccountId
    symbol: str
    side: Side
    quantity: Quantity
    price: Price
    commission: Money
    broker_order_id: BrokerOrderId | None = None
    ts: datetime = field(default_factory=utc_now)
    product: Product | None = None
    """The product the broker booked the execution in (Kite CNC/MIS/NRML), None where the broker has none.

    It places a fill of an order placed outside TradeTerm (no order of ours says the product) on its product's
    position, so such a symbol is compared with the broker's per product, not only by its net."""

    @property
    def is_adjustment(self) -> bool:
        """True for a booking that adopted the broker's position (position_adoption.py), not an execution."""
        return self.client_order_id is None and self.trade_id.startswith(ADJUSTMENT_PREFIX)

    @property
    def signed_qty(self) -> Decimal:
        return self.quantity.value * self.side.sign


def order_key(fill: Fill) -> str:
    """Return the order a fill belongs to, as fills are told apart (our id, unique for ever, else the broker's, else
    ""): a broker's trade id names a fill within its order (Kite's trade numbers start again each day and per
    exchange)."""
    return str(fill.client_order_id or fill.broker_order_id or "")
