"""OrderResolver: find out what became of one order whose status is late, without halting its account.

A submit that timed out (or failed in transport while the connection stayed up) leaves the order
UNKNOWN: the broker may have it. It is never resent. The resolver asks the broker about that one
order by our client order id (the OrderLookup capability, or a snapshot), a few times with growing
pauses, and applies what the broker says (fills, then acceptance or the end of the order). Meanwhile
the order counts as working for risk (UNKNOWN is a working status), and the account trades on.
Only when the broker cannot be asked at all does the resolver give up with a BrokerError: the
caller halts the account then.

An order closed as never reached may still reach the broker (a request stalled on its way longer than the
resolver waited: Kite's chaos run found one). `look_again` looks it up later (LATE_LOOKS_S); one the broker
works is reopened (ended_orders.py) and the caller treats it as a reconciliation mismatch. That look is
asked after the order ended here, so one sighting is proof; a look that fails is left to the next reconnect's
reconciliation, which compares every ended order with the broker's list.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta

from core.domain import (
    Order,
    OrderAccepted,
    OrderCanceled,
    OrderEvent,
    OrderExpired,
    OrderFilled,
    OrderModifyUnresolved,
    OrderNote,
    OrderRejected,
    OrderStatus,
)
from core.ports.broker import NEVER_REACHED as NEVER_REACHED  # the resolver's word, shared with adapters
from core.ports.broker import BrokerAdapter, FoundOrder, OrderLookup
from core.services.ended_orders import ALIVE, reopen
from core.services.oms import OrderManager
from core.services.replace_resolution import MODIFY_STILL_PENDING, resolve_replace

POLL_DELAYS_S: tuple[float, ...] = (0.2, 0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0)
"""Pauses before each look at the broker: quick first (most late answers are just late), then slower."""
ABSENT_LOOKS = 3
"""The broker answering this many times in a row that it has no such order: it never reached it (see ABSENT_AFTER_S)."""
ABSENT_AFTER_S = 10.0
"""...and only once this long has been waited: a request stalled on its way can still reach the broker after the
client gave up on it (Kite's chaos run closed such an order as never reached while Kite went on to work it)."""
FILLS_MARGIN = timedelta(seconds=5)
LATE_LOOKS_S: tuple[float, ...] = (30.0, 120.0)
"""After an order is closed as never reached, look it up again this long after the close (each from the close)."""

RESOLVING = "Resolving: asking the broker what became of it (look {attempt} of {looks})."
RESOLVED = "The broker confirmed it late: it is working."
UNRESOLVED = (
    "Still unresolved after {looks} looks at the broker. It counts as working; check it at the broker. "
    "TradeTerm checks it again on the next connect."
)

Sleep = Callable[[float], Awaitable[None]]


class OrderResolver:
    """Resolve UNKNOWN orders one by one, each by asking the broker about it by our client order id.

    Events (through the OMS): OrderNote while resolving (the order's reason says so), then the fills
    and the event the broker's state calls for: OrderAccepted, OrderCanceled, OrderRejected, OrderExpired.
    """

    def __init__(
        self, oms: OrderManager, delays: Sequence[float] = POLL_DELAYS_S, sleep: Sleep = asyncio.sleep,
        absent_after_s: float = ABSENT_AFTER_S, late_looks: Sequence[float] = LATE_LOOKS_S,
    ) -> None:
        self._oms = oms
        self._delays = tuple(delays)
        self._sleep = sleep
        self._absent_after_s = absent_after_s
        self._late_looks = tuple(late_looks)

    async def resolve(self, adapter: BrokerAdapter, order: Order) -> bool:
        """Ask the broker about order until its state is known; return False if it is still unknown at the end.

        Raises the BrokerError (or OSError) of a look that failed: the broker's state cannot be read.
        """
        looks = len(self._delays)
        absent = 0
        waited = 0.0
        for attempt, delay in enumerate(self._delays, 1):
            if not _unknown(order):
                return self._resolved(order)  # the broker's own events resolved it meanwhile
            self._oms.apply(OrderNote(order.client_order_id, RESOLVING.format(attempt=attempt, looks=looks)))
            await self._sleep(delay)
            waited += delay
            if not _unknown(order):
                return self._resolved(order)
            found = await _look(adapter, order)
            if found is None:
                absent += 1
                if absent >= ABSENT_LOOKS and waited >= self._absent_after_s:
                    self._oms.apply(OrderCanceled(order.client_order_id, NEVER_REACHED))
                    return True
                continue
            absent = 0
            if self._apply(order, found):
                return self._resolved(order)
        if _unknown(order):
            self._oms.apply(OrderNote(order.client_order_id, UNRESOLVED.format(looks=looks)))
            return False
        return self._resolved(order)

    async def resolve_replace(self, adapter: BrokerAdapter, order: Order) -> bool:
        """Ask the broker about an order whose change went unanswered on a live connection; return whether settled.

        The broker's working order tells whether the change was applied (OrderModified) or not
        (OrderModifyRejected), and so does its filled one (its quantity is the old one or the new: a change lost
        on its way, then the order filled as it was, must not leave ours waiting for a fill that never comes);
        an ended order ends ours; a broker still applying it is asked again. Nothing is resent. Raises the
        BrokerError (or OSError) of a look that failed.
        """
        for delay in self._delays:
            if not _replacing(order):
                return True  # the broker's own events settled it meanwhile
            await self._sleep(delay)
            if not _replacing(order):
                return True
            found = await _look(adapter, order)
            if found is None:
                continue
            for fill in found.fills:
                if fill.client_order_id == order.client_order_id:
                    self._oms.apply(OrderFilled(order.client_order_id, fill))
            if not _replacing(order):
                return True
            if not found.state.status.is_working and found.state.status is not OrderStatus.FILLED:
                ended = _event_for(order, found)
                if ended is not None and not isinstance(ended, OrderAccepted):
                    self._oms.apply(ended)
                    return True
                continue
            event = resolve_replace(order, found.state, live=True)
            if event is None or (isinstance(event, OrderModifyUnresolved) and event.reason == MODIFY_STILL_PENDING):
                continue
            self._oms.apply(event)
            return not _replacing(order)
        return False

    async def look_again(self, adapter: BrokerAdapter, order: Order) -> str | None:
        """Look up an order closed as never reached again, later; return the difference to list if the broker works it.

        Its fills are booked whatever the broker's state; an order the broker works is reopened (OrderReopened).
        Returns None if the broker still has no such order, or had it and ended it (its fills are booked then),
        or if something else settled the order meanwhile. Raises the BrokerError (or OSError) of a failed look.
        """
        waited = 0.0
        for at in self._late_looks:
            await self._sleep(max(0.0, at - waited))
            waited = at
            if order.status is not OrderStatus.CANCELED or order.reason != NEVER_REACHED:
                return None  # the broker's own events (or a reconciliation) settled it meanwhile
            found = await _look(adapter, order)
            if found is None:
                continue
            for fill in found.fills:
                if fill.client_order_id == order.client_order_id:
                    self._oms.apply(OrderFilled(order.client_order_id, fill))
            if found.state.status in ALIVE and order.status is OrderStatus.CANCELED:
                return reopen(self._oms, order, found.state)
            return None
        return None

    def _resolved(self, order: Order) -> bool:
        """Replace the "resolving" note of an order the broker turned out to work (an ended order has its reason)."""
        if order.is_working and not _unknown(order):
            self._oms.apply(OrderNote(order.client_order_id, RESOLVED))
        return True

    def _apply(self, order: Order, found: FoundOrder) -> bool:
        """Apply the broker's fills and state; return True once the order is no longer UNKNOWN."""
        for fill in found.fills:
            if fill.client_order_id == order.client_order_id:
                self._oms.apply(OrderFilled(order.client_order_id, fill))
        if not _unknown(order):
            return True
        event = _event_for(order, found)
        if event is None:
            return False
        self._oms.apply(event)
        return not _unknown(order)


def _replacing(order: Order) -> bool:
    """Whether a change to the order is still unanswered (the order changes while the resolver waits)."""
    return order.status is OrderStatus.PENDING_REPLACE


def _unknown(order: Order) -> bool:
    """Whether the order's fate is still unknown (the order changes while the resolver waits)."""
    return order.status is OrderStatus.UNKNOWN


def _event_for(order: Order, found: FoundOrder) -> OrderEvent | None:
    state = found.state
    coid = order.client_order_id
    if state.status is OrderStatus.CANCELED:
        return OrderCanceled(coid, state.reason or "Canceled at the broker.")
    if state.status is OrderStatus.REJECTED:
        return OrderRejected(coid, state.reason or "Rejected by the broker.")
    if state.status is OrderStatus.EXPIRED:
        return OrderExpired(coid, state.reason or "Expired at the broker.")
    if state.status is OrderStatus.FILLED or (
            state.status.is_working and state.status not in (OrderStatus.UNKNOWN, OrderStatus.SUBMITTED)):
        return OrderAccepted(coid, state.broker_order_id)  # fills the broker has not listed yet follow live
    return None  # the broker is still taking it in: look again


async def _look(adapter: BrokerAdapter, order: Order) -> FoundOrder | None:
    """Ask the broker about one order: by OrderLookup where the adapter has it, else from a snapshot."""
    if isinstance(adapter, OrderLookup):
        return await adapter.lookup_order(order)
    snapshot = await adapter.snapshot(order.created_at - FILLS_MARGIN)
    state = next((o for o in snapshot.orders if o.client_order_id == order.client_order_id), None)
    if state is None:
        return None
    return FoundOrder(state, tuple(f for f in snapshot.fills if f.client_order_id == order.client_order_id))
