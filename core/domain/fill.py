"""Fill: one execution, identified by the broker's trade id."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from core.domain.enums import Side
from core.domain.events import utc_now
from core.domain.identifiers import AccountId, BrokerOrderId, ClientOrderId, TradeId
from core.domain.values import Money, Price, Quantity


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

    @property
    def signed_qty(self) -> Decimal:
        return self.quantity.value * self.side.sign
