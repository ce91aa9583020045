"""BrokerAdapter: the port every broker (paper, IB, Kite, easytrader, e-mail desk) implements.

Checklist for implementers:
- `connect` publishes ConnectionChanged(CONNECTING -> CONNECTED | FAILED); raise a BrokerError
  subclass whose message tells the trader what to do (AuthenticationFailed, ConnectionLost, Timeout).
- `submit` sends at most once. It returns once the broker has the order or raises: OrderRejected
  (and subclasses) when the broker refused it, ConnectionLost/Timeout when its fate is unknown.
  Never resend on your own.
- Publish order events keyed by our ClientOrderId (carried in the broker's reference field):
  OrderAccepted, OrderRejected, OrderCanceled, OrderExpired, OrderCancelRejected, OrderModified,
  OrderFilled (with a Fill whose trade_id is the broker's execution id).
- Publish Quote for subscribed instruments and AccountUpdated when cash changes. Hand the quotes of
  one read of the feed to the QuoteSink in one call when you were given one.
- `snapshot` answers what the broker knows now, for reconciliation.
- Translate broker types to domain types at the edge (parsing.py), nowhere else.

Events: ConnectionChanged, Quote, AccountUpdated, OrderEvent subclasses.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Protocol, runtime_checkable

from core.domain import (
    AccountId,
    BrokerOrderId,
    ClientOrderId,
    Event,
    Fill,
    Instrument,
    Money,
    Order,
    OrderStatus,
    Price,
    Quantity,
    Quote,
    Side,
)
from core.domain.product import Product

EventSink = Callable[[Event], None]
QuoteSink = Callable[[Sequence[Quote]], None]
"""Where an adapter hands the quotes of one read of its feed, in order (the app's: EventBus.publish_quotes)."""


def quotes_one_by_one(sink: EventSink) -> QuoteSink:
    """Return a QuoteSink that hands each quote to sink: what an adapter built without a QuoteSink uses."""

    def hand_over(quotes: Sequence[Quote]) -> None:
        for quote in quotes:
            sink(quote)

    return hand_over


@dataclass(frozen=True, slots=True)
class BrokerPosition:
    symbol: str
    quantity: Decimal
    avg_cost: Decimal
    product: Product | None = None
    """The product of a broker that keeps positions apart per product (Kite: CNC, MIS, NRML); None elsewhere."""


@dataclass(frozen=True, slots=True)
class BrokerOrderState:
    """An order as the broker sees it now."""

    client_order_id: ClientOrderId | None
    broker_order_id: BrokerOrderId
    symbol: str
    side: Side
    quantity: Decimal
    filled_qty: Decimal
    status: OrderStatus
    reason: str = ""
    limit_price: Decimal | None = None
    """The order's limit price as the broker works it; None if it has none or the broker does not report it."""
    stop_price: Decimal | None = None
    """The order's stop (trigger) price as the broker works it; None if it has none or is not reported."""


@dataclass(frozen=True, slots=True)
class BrokerSnapshot:
    """What the broker knows: cash per currency, positions, today's orders (open and done), fills."""

    account_id: AccountId
    cash: tuple[Money, ...] = ()
    positions: tuple[BrokerPosition, ...] = ()
    orders: tuple[BrokerOrderState, ...] = ()
    fills: tuple[Fill, ...] = field(default=())


@runtime_checkable
class BrokerAdapter(Protocol):
    """One broker account. See the module docstring for the implementer's checklist."""

    account_id: AccountId
    kind: str

    def instruments(self) -> Sequence[Instrument]:
        """Return the instruments this account can trade (may grow after connect)."""
        ...

    async def connect(self) -> None: ...

    async def disconnect(self) -> None: ...

    async def submit(self, order: Order) -> None: ...

    async def cancel(self, order: Order) -> None: ...

    async def modify(
        self, order: Order, quantity: Quantity, limit_price: Price | None, stop_price: Price | None
    ) -> None: ...

    async def subscribe(self, instruments: Sequence[Instrument]) -> None: ...

    async def snapshot(self, fills_since: datetime | None = None) -> BrokerSnapshot: ...


NEVER_REACHED = (
    "The broker has no such order: it never reached the broker. It was not resent: place it again if you "
    "still want it."
)
"""The reason of an order closed (OrderCanceled) because the broker, asked by our client order id, has no such
order: by the order resolver, or by an adapter asked to cancel an order whose send went unanswered. The session
looks such an order up again later (it may still arrive: a stalled request)."""


@dataclass(frozen=True, slots=True)
class FoundOrder:
    """One of our orders as the broker has it now, with its fills (the answer of OrderLookup)."""

    state: BrokerOrderState
    fills: tuple[Fill, ...] = ()


@runtime_checkable
class OrderLookup(Protocol):
    """Optional capability: find one order at the broker by our client order id (IB orderRef, Kite tag).

    Cheaper than a snapshot; the order resolver uses it for an order whose status is late.
    """

    async def lookup_order(self, order: Order) -> FoundOrder | None:
        """Return the broker's state of order and its fills, or None if the broker has no such order.

        Raise a BrokerError (ConnectionLost, Timeout) if the broker cannot be asked: the order's fate
        then stays unknown.
        """
        ...


@runtime_checkable
class CancelMany(Protocol):
    """Optional capability: cancel several orders in one request, answered together.

    The paper broker records the whole request with one disk sync instead of one per cancel (or two per
    slice of a cancel-all); its answers are reported only once that sync covers them, as cancel's are.
    """

    async def cancel_orders(self, orders: Sequence[Order]) -> None:
        """Cancel each order as cancel() does: each is reported OrderCanceled, or OrderCancelRejected when it
        is no longer working. Raise a BrokerError, having cancelled none, if the broker cannot be asked."""
        ...


@runtime_checkable
class BulkCancel(Protocol):
    """Optional capability: cancel every working order in one request (IB reqGlobalCancel).

    The broker then reports each order canceled (OrderCanceled events); the caller verifies that
    none is left working. Beware: IB's global cancel also cancels orders TradeTerm did not place.
    """

    async def cancel_all_orders(self, orders: Sequence[Order]) -> None:
        """Send one cancel-everything request; `orders` are ours that it is meant to cancel."""
        ...


class AdapterFactory(Protocol):
    """A broker kind's `create(account_id, settings, sink, quotes=...)`, as the registry calls it."""

    def __call__(
        self, account_id: AccountId, settings: dict[str, object], sink: EventSink, *, quotes: QuoteSink | None = None
    ) -> BrokerAdapter: ...
