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
    OrderModifyUnresolved,
    OrderNote,
    OrderPendingApproval,
    OrderPendingCancel,
    OrderPendingReplace,
    OrderRejected,
    OrderReopened,
    OrderSubmitted,
    OrderTrailMoved,
    OrderUnknown,
    utc_now,
)
from core.domain.identifiers import MANUAL, AccountId, BrokerOrderId, ClientOrderId, StrategyId
from core.domain.instrument import Instrument
from core.domain.product import Product
from core.domain.trailing import Trail
from core.domain.transitions import REOPENABLE, can_transition
from core.domain.values import Price, Quantity

_FIXED_TARGET: dict[type[OrderEvent], OrderStatus] = {
    OrderPendingApproval: OrderStatus.PENDING_APPROVAL,
    OrderSubmitted: OrderStatus.SUBMITTED,
    OrderDenied: OrderStatus.DENIED,
    OrderAccepted: OrderStatus.ACCEPTED,
    OrderRejected: OrderStatus.REJECTED,
    OrderPendingCancel: OrderStatus.PENDING_CANCEL,
    OrderPendingReplace: OrderStatus.PENDING_REPLACE,
    OrderModifyUnresolved: OrderStatus.PENDING_REPLACE,
    OrderCanceled: OrderStatus.CANCELED,
    OrderExpired: OrderStatus.EXPIRED,
    OrderUnknown: OrderStatus.UNKNOWN,
}

_REASONED = (
    OrderDenied, OrderRejected, OrderUnknown, OrderCanceled, OrderExpired, OrderCancelRejected, OrderModifyRejected,
    OrderModifyUnresolved, OrderReopened,
)
_PENDING = (OrderStatus.PENDING_CANCEL, OrderStatus.PENDING_REPLACE)


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
    product: Product | None = None
    """CNC, MIS or NRML as the trader chose it (Kite); None: the account's default, or a broker without products."""
    trail: Trail | None = None
    """A TRAIL order's distance from the market (None for every other type)."""
    trail_stop: Price | None = None
    """Where a trailing order's stop stands now, as its broker last reported it (None until it has)."""
    trail_limit: Price | None = None
    """A trailing stop-limit's limit, which follows its stop (None for a trailing stop, or until reported)."""
    status: OrderStatus = OrderStatus.INITIALIZED
    filled_qty: Decimal = Decimal(0)
    avg_fill_price: Decimal | None = None
    broker_order_id: BrokerOrderId | None = None
    reason: str = ""
    needs_reconciliation: bool = False
    expire_at: datetime | None = None
    """When a GTD order ends at the broker."""
    events: list[OrderEvent] = field(default_factory=list)
    pending_replace: OrderPendingReplace | None = None
    """While PENDING_REPLACE: the change asked of the broker (its new quantity and prices)."""
    _status_before_pending: OrderStatus | None = None
    _change_untold: bool = False
    """Flagged by OrderModifyUnresolved: the broker's answer to the change clears the flag."""

    def __post_init__(self) -> None:
        if self.quantity.value <= 0:
            raise ValueError(f"{self.client_order_id}: quantity must be positive")
        if self.order_type.needs_limit and self.limit_price is None:
            raise ValueError(f"{self.client_order_id}: a {self.order_type.value} order needs a limit price")
        if self.order_type.needs_stop and self.stop_price is None:
            raise ValueError(f"{self.client_order_id}: a {self.order_type.value} order needs a stop price")
        if self.order_type.is_trailing != (self.trail is not None):
            raise ValueError(f"{self.client_order_id}: a trail goes with a TRAIL order, and only with one")
        if self.trail is not None and (self.order_type is OrderType.TRAIL_LIMIT) != (
                self.trail.limit_offset is not None):
            raise ValueError(f"{self.client_order_id}: a limit offset goes with a trailing stop-limit, and only "
                             "with one")

    @property
    def symbol(self) -> str:
        return self.instrument.symbol

    @property
    def leaves_qty(self) -> Decimal:
        return max(Decimal(0), self.quantity.value - self.filled_qty)

    @property
    def is_working(self) -> bool:
        return self.status.is_working

    @property
    def working_stop(self) -> Price | None:
        """Return where the order's stop stands: its stop_price, or where a trailing order's stop has been brought."""
        return self.trail_stop if self.order_type.is_trailing else self.stop_price

    def target_status(self, event: OrderEvent) -> OrderStatus:
        """Return the status that `event` would move this order to.

        While a change is pending, only the broker's answer to it (or the order's end) settles it: an
        acknowledgement or a partial fill leaves it PENDING_REPLACE, and the order is FILLED only once
        the larger of its old and new quantity has filled.
        """
        replacing = self.status is OrderStatus.PENDING_REPLACE
        if replacing and isinstance(event, OrderAccepted):
            return OrderStatus.PENDING_REPLACE
        fixed = _FIXED_TARGET.get(type(event))
        if fixed is not None:
            return fixed
        if isinstance(event, OrderNote | OrderTrailMoved):
            return self.status
        if isinstance(event, OrderReopened):
            return self._working_status()
        if isinstance(event, OrderFilled):
            total = self.filled_qty + event.fill.quantity.value
            if total >= self._replace_ceiling():
                return OrderStatus.FILLED
            return OrderStatus.PENDING_REPLACE if replacing else OrderStatus.PARTIALLY_FILLED
        if isinstance(event, OrderModifyRejected):
            return self._settled_status(self.quantity.value)
        if isinstance(event, OrderCancelRejected):
            if self.status is not OrderStatus.PENDING_CANCEL:
                return self.status  # no cancel was pending: an order of unknown fate stays unknown, never "working"
            return self._status_before_pending or self._working_status()
        if isinstance(event, OrderModified):
            return self._settled_status(event.quantity.value)
        raise TypeError(f"unknown order event {type(event).__name__}")

    def _replace_ceiling(self) -> Decimal:
        """Return the quantity the order may fill up to: the larger of old and new while a change is pending."""
        pending = self.pending_replace
        if self.status is OrderStatus.PENDING_REPLACE and pending is not None and pending.quantity is not None:
            return max(self.quantity.value, pending.quantity.value)
        return self.quantity.value

    def _settled_status(self, quantity: Decimal) -> OrderStatus:
        return OrderStatus.FILLED if self.filled_qty >= quantity else self._working_status()

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
        if isinstance(event, OrderTrailMoved):  # where the broker's trail has brought the stop; never the status
            self.events.append(event)
            self.trail_stop, self.trail_limit = event.stop_price, event.limit_price
            return True
        target = self.target_status(event)
        reopen = isinstance(event, OrderReopened)
        allowed = self.status in REOPENABLE if reopen else can_transition(self.status, target)
        self.events.append(event)
        if isinstance(event, OrderFilled):
            self._add_fill(event)
        if not allowed:
            self.needs_reconciliation = True
            return False
        self._apply_allowed(event, target)
        return True

    def _apply_allowed(self, event: OrderEvent, target: OrderStatus) -> None:
        if self.status is OrderStatus.UNKNOWN:
            self.needs_reconciliation = False  # the broker has told us what became of it (checks below may flag it)
        if target in _PENDING and self.status not in _PENDING:
            self._status_before_pending = self.status
        elif self.status not in _PENDING:
            self._status_before_pending = None
        if isinstance(event, OrderFilled) and self.filled_qty > self.quantity.value:
            self._over_filled()
        if isinstance(event, OrderPendingReplace):
            self.pending_replace = event
        elif target is not OrderStatus.PENDING_REPLACE:
            self.pending_replace = None
        if isinstance(event, OrderAccepted | OrderReopened):
            self.broker_order_id = event.broker_order_id
        if isinstance(event, _REASONED):
            self.reason = event.reason
            if isinstance(event, OrderModifyUnresolved):
                self.needs_reconciliation = self._change_untold = True
        if self._change_untold and isinstance(event, OrderModified | OrderModifyRejected):
            self.needs_reconciliation = self._change_untold = False  # the broker has answered the change
        if isinstance(event, OrderModified):
            self.quantity = event.quantity
            self.limit_price = event.limit_price
            self.stop_price = event.stop_price
            self.reason = ""
            if self.filled_qty > self.quantity.value:  # a change below what has filled: the books disagree
                self.needs_reconciliation = True
        self.status = target

    def _over_filled(self) -> None:
        """More has filled than the order's quantity: executions beyond the old quantity of a pending change
        prove the broker applied it (its quantity and prices are taken); anything else needs reconciliation."""
        pending = self.pending_replace
        if pending is not None and pending.quantity is not None and self.filled_qty <= pending.quantity.value:
            self.quantity = pending.quantity
            self.limit_price = pending.limit_price
            self.stop_price = pending.stop_price
        else:
            self.needs_reconciliation = True

    def _add_fill(self, event: OrderFilled) -> None:
        if self.broker_order_id is None and event.fill.broker_order_id is not None:
            self.broker_order_id = event.fill.broker_order_id  # the fill can overtake the acknowledgement
        qty = event.fill.quantity.value
        price = event.fill.price.value
        previous_cost = (self.avg_fill_price or Decimal(0)) * self.filled_qty
        self.filled_qty += qty
        self.avg_fill_price = (previous_cost + price * qty) / self.filled_qty


def strategy_of(order: Order | None) -> StrategyId:
    """Return the strategy an order (and a fill of it) belongs to: its own, or MANUAL for a person's or none."""
    return MANUAL if order is None or order.strategy_id is None else order.strategy_id
