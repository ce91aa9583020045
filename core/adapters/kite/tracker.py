"""OrderTracker: Kite order states (postbacks and polling) and trades turned into our order events, once each.

Orders are matched by our ClientOrderId in Kite's `tag`; fills are deduplicated by trade_id, whichever of
postback-triggered fetch or polling brings them first.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from core.adapters.kite.parsing import (
    ACCEPTED_STATUSES,
    DECIDED_STATUSES,
    decimal_of,
    is_our_tag,
    parse_fill,
    translate_rejection,
)
from core.adapters.kite.symbols import SymbolOf, as_listed
from core.domain import (
    AccountId,
    BrokerOrderId,
    ClientOrderId,
    OrderAccepted,
    OrderCanceled,
    OrderFilled,
    OrderModified,
    OrderModifyRejected,
    Price,
    Quantity,
)
from core.domain import OrderRejected as OrderRejectedEvent
from core.ports.broker import EventSink

MODIFY_STATUSES = frozenset({"MODIFY VALIDATION PENDING", "MODIFY PENDING"})
MODIFY_NOT_APPLIED = ("Kite answered the change with OK, but its order system did not apply it: the order still "
                      "works at its previous price and quantity. Check the order, then modify again.")

ENDED_BEFORE_CHANGE = "The order ended at Kite before the change was applied: it kept its previous price and quantity."


@dataclass(slots=True)
class PendingModify:
    """A change Kite answered HTTP 200 to: it is done only when an order state shows the new values."""

    quantity: int
    price: Decimal | None
    trigger: Decimal | None
    history_from: int
    """How many order-history entries the order had before the change was sent."""
    seen_pending: bool = False
    resolved: bool = False
    answer_lost_at: float | None = None
    """When the HTTP answer to the change was lost (loop time), if it was: Kite may or may not have it."""

    def applied(self, order: Mapping[str, Any]) -> bool:
        return (int(decimal_of(order.get("quantity"))) == self.quantity
                and (self.price is None or decimal_of(order.get("price")) == self.price)
                and (self.trigger is None or decimal_of(order.get("trigger_price")) == self.trigger))


@dataclass(slots=True, eq=False)
class TrackedOrder:
    client_order_id: ClientOrderId
    variety: str
    broker_order_id: str | None = None
    status: str = ""
    accepted: bool = False
    ended: bool = False
    filled_seen: int = 0
    decided: asyncio.Future[Mapping[str, Any]] | None = field(default=None)
    modify: PendingModify | None = None


class OrderTracker:
    """Keep our orders at Kite and publish OrderAccepted, OrderFilled, OrderCanceled, OrderRejected once each.

    Events: OrderAccepted, OrderFilled (Fill.trade_id = Kite's trade_id), OrderCanceled, OrderRejected (only for
    a rejection that arrives after submit returned; submit raises the earlier ones); OrderModified when an order
    state shows a pending change's values, OrderModifyRejected when the order left Kite's MODIFY states without
    them (Kite's OMS refused a change it had answered with HTTP 200).
    """

    def __init__(self, account_id: AccountId, sink: EventSink, symbol_of: SymbolOf = as_listed) -> None:
        """symbol_of names a trade's listing in TradeTerm ("BSE:INFY" where INFY is on two exchanges)."""
        self._account_id = account_id
        self._symbol_of = symbol_of
        self._sink = sink
        self._by_coid: dict[ClientOrderId, TrackedOrder] = {}
        self._by_broker: dict[str, TrackedOrder] = {}
        self.seen_trades: set[str] = set()
        """The trades already told, by `trade_key` (a trade number alone repeats across exchanges and days)."""

    def expect(self, client_order_id: ClientOrderId, variety: str) -> TrackedOrder:
        """Register an order about to be placed; its future resolves with Kite's first decided state."""
        tracked = TrackedOrder(client_order_id, variety, decided=asyncio.get_running_loop().create_future())
        self._by_coid[client_order_id] = tracked
        return tracked

    def bind(self, tracked: TrackedOrder, broker_order_id: str) -> None:
        tracked.broker_order_id = broker_order_id
        self._by_broker[broker_order_id] = tracked

    def lost_answer(self, tracked: TrackedOrder) -> None:
        """Keep following an order whose place answer was lost: nobody waits for its verdict, so the order states
        that show it (matched by our tag) publish its acceptance, refusal and end as for any order."""
        if tracked.decided is not None and not tracked.decided.done():
            tracked.decided.cancel()
        tracked.decided = None

    def forget(self, client_order_id: ClientOrderId) -> None:
        tracked = self._by_coid.pop(client_order_id, None)
        if tracked is not None and tracked.broker_order_id is not None:
            self._by_broker.pop(tracked.broker_order_id, None)

    def find(self, client_order_id: ClientOrderId) -> TrackedOrder | None:
        return self._by_coid.get(client_order_id)

    def adopt(self, orders: Iterable[Mapping[str, Any]]) -> None:
        """Track our working orders found at Kite (placed before a restart); they count as accepted."""
        for order in orders:
            tag, status = order.get("tag"), str(order.get("status") or "")
            if is_our_tag(tag) and status in ACCEPTED_STATUSES and ClientOrderId(str(tag)) not in self._by_coid:
                tracked = TrackedOrder(ClientOrderId(str(tag)), str(order.get("variety") or "regular"),
                                       status=status, accepted=True,
                                       filled_seen=int(decimal_of(order.get("filled_quantity"))))
                self._by_coid[tracked.client_order_id] = tracked
                self.bind(tracked, str(order["order_id"]))

    def needs_trades(self, order: Mapping[str, Any]) -> bool:
        """True if this order state reports more filled quantity than the fills published so far."""
        tracked = self._lookup(order)
        return tracked is not None and int(decimal_of(order.get("filled_quantity"))) > tracked.filled_seen

    def on_trades(self, trades: Iterable[Mapping[str, Any]]) -> int:
        """Publish OrderFilled for each new trade of a tracked order; return how many were new."""
        new = 0
        for trade in trades:
            trade_id = str(trade.get("trade_id") or "")
            tracked = self._by_broker.get(str(trade.get("order_id")))
            key = trade_key(trade)
            if not trade_id or key in self.seen_trades or tracked is None:
                continue
            self.seen_trades.add(key)
            if not tracked.accepted:
                self._accept(tracked)
            fill = parse_fill(trade, self._account_id, tracked.client_order_id, self._symbol_of)
            tracked.filled_seen += int(fill.quantity.value)
            self._sink(OrderFilled(tracked.client_order_id, fill))
            new += 1
        return new

    def on_order(self, order: Mapping[str, Any]) -> None:
        """Apply one order state (postback, /orders or /orders/{id} entry); call after its trades are in."""
        tracked = self._lookup(order)
        if tracked is None:
            return
        status = str(order.get("status") or "")
        if status == "UPDATE":
            return  # a postback for a change that is not a new status; the values come with the next state
        tracked.status = status
        if tracked.modify is not None and not tracked.ended:
            self._check_modify(tracked, tracked.modify, order, status)
        if tracked.decided is not None and not tracked.decided.done() and status in DECIDED_STATUSES:
            tracked.decided.set_result(dict(order))
            if status == "REJECTED":
                tracked.ended = True
                return
        waiting = tracked.decided is not None and not tracked.decided.done()
        if tracked.ended or waiting:
            return
        if status in ACCEPTED_STATUSES or status == "COMPLETE":
            if not tracked.accepted:
                self._accept(tracked)
        elif status.startswith("CANCELLED"):
            if not tracked.accepted:
                self._accept(tracked)
            tracked.ended = True
            self._sink(OrderCanceled(tracked.client_order_id, str(order.get("status_message") or "")))
        elif status == "REJECTED":
            tracked.ended = True
            self._sink(OrderRejectedEvent(tracked.client_order_id, str(translate_rejection(
                order.get("status_message")))))

    def expect_modify(self, tracked: TrackedOrder, change: PendingModify) -> None:
        """Watch order states for the outcome of a change Kite answered with HTTP 200."""
        tracked.modify = change

    def pending_modifies(self) -> list[TrackedOrder]:
        return [t for t in self._by_coid.values() if t.modify is not None and not t.ended]

    def settle_change(self, order: Mapping[str, Any]) -> None:
        """Apply one order state to its order's pending change only; call before the order's new fills.

        An order that ends (fills, is cancelled) while a change is pending ends with the values Kite shows: the
        change is published as made or refused before the fills, so the fills complete the right quantity.
        """
        tracked = self._lookup(order)
        status = str(order.get("status") or "")
        if tracked is not None and tracked.modify is not None and not tracked.ended and status != "UPDATE":
            self._check_modify(tracked, tracked.modify, order, status, ending=True)

    def _ended_during_change(self, tracked: TrackedOrder, change: PendingModify, order: Mapping[str, Any]) -> None:
        if change.applied(order):
            self._sink(OrderModified(tracked.client_order_id, Quantity(change.quantity),
                                     None if change.price is None else Price(change.price),
                                     None if change.trigger is None else Price(change.trigger)))
        else:
            self._sink(OrderModifyRejected(tracked.client_order_id, ENDED_BEFORE_CHANGE))

    def give_up_change(self, tracked: TrackedOrder, reason: str) -> None:
        """Settle a pending change Kite never took: the order keeps its values; say why."""
        if tracked.modify is not None:
            tracked.modify.resolved = True
            tracked.modify = None
            self._sink(OrderModifyRejected(tracked.client_order_id, reason))

    def lookup(self, order: Mapping[str, Any]) -> TrackedOrder | None:
        """Return the tracked order an order state belongs to (by Kite order id, else by our tag)."""
        return self._lookup(order)

    def _check_modify(self, tracked: TrackedOrder, change: PendingModify, order: Mapping[str, Any],
                      status: str, ending: bool = False) -> None:
        if status in MODIFY_STATUSES:
            change.seen_pending = True
            return
        if status not in ACCEPTED_STATUSES:
            if status in DECIDED_STATUSES:  # it filled, was cancelled or rejected: that ends the change too
                if ending:  # say which values it ended with, before its fills are published
                    self._ended_during_change(tracked, change, order)
                change.resolved = True
                tracked.modify = None
            return
        if change.applied(order):
            self._sink(OrderModified(tracked.client_order_id, Quantity(change.quantity),
                                     None if change.price is None else Price(change.price),
                                     None if change.trigger is None else Price(change.trigger)))
        elif change.seen_pending:
            said = str(order.get("status_message") or "").strip()
            self._sink(OrderModifyRejected(tracked.client_order_id,
                                           MODIFY_NOT_APPLIED + (f" (Kite said: {said})" if said else "")))
        else:
            return  # a state from before Kite took the change up
        change.resolved = True
        tracked.modify = None

    def accept(self, tracked: TrackedOrder) -> None:
        """Publish OrderAccepted for an order whose placement Kite confirmed (idempotent)."""
        if not tracked.accepted:
            self._accept(tracked)

    def _accept(self, tracked: TrackedOrder) -> None:
        tracked.accepted = True
        assert tracked.broker_order_id is not None
        self._sink(OrderAccepted(tracked.client_order_id, BrokerOrderId(tracked.broker_order_id)))

    def _lookup(self, order: Mapping[str, Any]) -> TrackedOrder | None:
        tracked = self._by_broker.get(str(order.get("order_id")))
        if tracked is None:
            tag = order.get("tag")
            tracked = self._by_coid.get(ClientOrderId(str(tag))) if is_our_tag(tag) else None
            if tracked is not None and tracked.broker_order_id is None and order.get("order_id"):
                self.bind(tracked, str(order["order_id"]))
        return tracked


def trade_key(trade: Mapping[str, Any]) -> str:
    """Return what tells one of Kite's trades from another: its order and its trade number (the exchange's trade
    numbers start again each day, and NSE's and BSE's overlap)."""
    return f"{trade.get('order_id')}/{trade.get('trade_id')}"
