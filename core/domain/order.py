"""Order: the one mutable record of an order's life, changed only through `apply(event)`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from core.domain.enums import OrderOrigin, OrderStatus, OrderType, Side, TimeInForce
from core.domain.events import (
    OrderAccepted,
    OrderCanceled,
    OrderCancelRejected,
    OrderDenied,
    OrderEvent,
    OrderExpired,
    OrderFilled,
    OrderModified,
    OrderModifyRejected,
    OrderNote,
    OrderPendingApproval,
    OrderPendingCancel,
    OrderPendingReplace,
    OrderRejected,
    OrderSubmitted,
    OrderUnknown,
    utc_now,
)
from core.domain.identifiers import AccountId, BrokerOrderId, ClientOrderId, StrategyId
from core.domain.instrument import Instrument
from core.domain.transitions import can_transition
from core.domain.values import Price, Quantity

_FIXED_TARGET: dict[type[OrderEvent], OrderStatus] = {
    OrderPendingApproval: OrderStatus.PENDING_APPROVAL,
    OrderSubmitted: OrderStatus.SUBMITTED,
    OrderDenied: OrderStatus.DENIED,
    OrderAccepted: OrderStatus.ACCEPTED,
    OrderRejected: OrderStatus.REJECTED,
    OrderPendingCancel: OrderStatus.PENDING_CANCEL,
    OrderPendingReplace: OrderStatus.PENDING_REPLACE,
    OrderCanceled: OrderStatus.CANCELED,
    OrderExpired: OrderStatus.EXPIRED,
    OrderUnknown: OrderStatus.UNKNOWN,
}

_REASONED = (
    OrderDenied, OrderRejected, OrderUnknown, OrderCanceled, OrderExpired, OrderCancelRejected, OrderModifyRejected,
)


@dataclass(slots=True, eq=False)
class Order:
    """An order from intent to final state; `events` is its audit trail."""

    client_order_id: ClientOrderId
    account_id: AccountId
    instrument: Instrument
    side: Side
    quantity: Quantity
    order_type: OrderType
    limit_price: Price | None = None
    stop_price: Price | None = None
    tif: TimeInForce = TimeInForce.DAY
    origin: OrderOrigin = OrderOrigin.MANUAL
    strategy_id: StrategyId | None = None
    created_at: datetime = field(default_factory=utc_now)
    status: OrderStatus = OrderStatus.INITIALIZED
    filled_qty: Decimal = Decimal(0)
    avg_fill_price: Decimal | None = None
    broker_order_id: BrokerOrderId | None = None
    reason: str = ""
    needs_reconciliation: bool = False
    events: list[OrderEvent] = field(default_factory=list)
    _status_before_pending: OrderStatus | None = None

    def __post_init__(self) -> None:
        if self.quantity.value <= 0:
            raise ValueError(f"{self.client_order_id}: quantity must be positive")
        if self.order_type.needs_limit and self.limit_price is None:
            raise ValueError(f"{self.client_order_id}: a {self.order_type.value} order needs a limit price")
        if self.order_type.needs_stop and self.stop_price is None:
            raise ValueError(f"{self.client_order_id}: a {self.order_type.value} order needs a stop price")

    @property
    def symbol(self) -> str:
        return self.instrument.symbol

    @property
    def leaves_qty(self) -> Decimal:
        return max(Decimal(0), self.quantity.value - self.filled_qty)

    @property
    def is_working(self) -> bool:
        return self.status.is_working

    def target_status(self, event: OrderEvent) -> OrderStatus:
        """Return the status that `event` would move this order to."""
        fixed = _FIXED_TARGET.get(type(event))
        if fixed is not None:
            return fixed
        if isinstance(event, OrderNote):
            return self.status
        if isinstance(event, OrderFilled):
            total = self.filled_qty + event.fill.quantity.value
            return OrderStatus.FILLED if total >= self.quantity.value else OrderStatus.PARTIALLY_FILLED
        if isinstance(event, OrderCancelRejected | OrderModifyRejected):
            return self._status_before_pending or self._working_status()
        if isinstance(event, OrderModified):
            return self._working_status()
        raise TypeError(f"unknown order event {type(event).__name__}")

    def _working_status(self) -> OrderStatus:
        return OrderStatus.PARTIALLY_FILLED if self.filled_qty > 0 else OrderStatus.ACCEPTED

    def apply(self, event: OrderEvent) -> bool:
        """Apply event; return False (and flag the order for reconciliation) if the table forbids it.

        Fills are facts: a fill the table does not expect still counts toward the filled quantity.
        """
        if event.client_order_id != self.client_order_id:
            raise ValueError(f"event for {event.client_order_id} applied to {self.client_order_id}")
        if isinstance(event, OrderNote):  # in any status: it changes what is shown, never the status
            self.events.append(event)
            self.reason = event.text
            return True
        target = self.target_status(event)
        allowed = can_transition(self.status, target)
        self.events.append(event)
        if isinstance(event, OrderFilled):
            self._add_fill(event)
        if not allowed:
            self.needs_reconciliation = True
            return False
        self._apply_allowed(event, target)
        return True

    def _apply_allowed(self, event: OrderEvent, target: OrderStatus) -> None:
        if target in (OrderStatus.PENDING_CANCEL, OrderStatus.PENDING_REPLACE):
            self._status_before_pending = self.status
        elif self.status not in (OrderStatus.PENDING_CANCEL, OrderStatus.PENDING_REPLACE):
            self._status_before_pending = None
        if isinstance(event, OrderAccepted):
            self.broker_order_id = event.broker_order_id
        elif isinstance(event, _REASONED):
            self.reason = event.reason
        elif isinstance(event, OrderModified):
            self.quantity = event.quantity
            self.limit_price = event.limit_price
            self.stop_price = event.stop_price
        if self.status is OrderStatus.UNKNOWN:
            self.needs_reconciliation = False  # the broker has told us what became of it
        self.status = target

    def _add_fill(self, event: OrderFilled) -> None:
        if self.broker_order_id is None and event.fill.broker_order_id is not None:
            self.broker_order_id = event.fill.broker_order_id  # the fill can overtake the acknowledgement
        qty = event.fill.quantity.value
        price = event.fill.price.value
        previous_cost = (self.avg_fill_price or Decimal(0)) * self.filled_qty
        self.filled_qty += qty
        self.avg_fill_price = (previous_cost + price * qty) / self.filled_qty
