"""OrderTracker: which Alpaca orders are ours, and the order events their polled states and fills make. No I/O.

A replace gives an order a new Alpaca id; the tracker keeps every id of one of our orders under our ClientOrderId.
Polled orders and FILL activities are applied in one order: acceptances, then fills, then how orders ended, each
published once (trade ids already seen are dropped).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from core.adapters.alpaca.parsing import ENDED, alpaca_time, parse_fill
from core.adapters.alpaca.trail_level import parse_trail_move
from core.domain import (
    AccountId,
    BrokerOrderId,
    ClientOrderId,
    OrderAccepted,
    OrderCanceled,
    OrderExpired,
    OrderFilled,
    OrderTrailMoved,
)
from core.domain import OrderRejected as OrderRejectedEvent
from core.ports.broker import EventSink

FILL_OVERLAP = timedelta(seconds=5)
"""Each poll asks for fills from this long before the newest one seen; seen trade ids drop the repeats."""


@dataclass(slots=True)
class Tracked:
    """One of our orders at Alpaca: its current Alpaca id (a replace makes a new one) and what was published."""

    client_order_id: ClientOrderId
    broker_order_id: str | None = None
    accepted: bool = False
    ended: bool = False
    ids: set[str] = field(default_factory=set)
    trail_stop: OrderTrailMoved | None = None
    """A trailing stop's level as last published (trail_level.py)."""


class OrderTracker:
    """Our orders at Alpaca by client order id and by every Alpaca id they had; publishes their events to sink."""

    def __init__(self, account_id: AccountId, sink: EventSink) -> None:
        self.account_id = account_id
        self._sink = sink
        self.tracked: dict[ClientOrderId, Tracked] = {}
        self.by_broker_id: dict[str, Tracked] = {}
        self.seen_fills: set[str] = set()
        self.fills_after: datetime | None = None
        """Where the next poll of fills starts (None: the last day)."""

    def bind(self, tracked: Tracked, broker_order_id: str) -> None:
        tracked.broker_order_id = broker_order_id
        tracked.ids.add(broker_order_id)
        self.by_broker_id[broker_order_id] = tracked

    def forget(self, tracked: Tracked) -> None:
        if not tracked.accepted:
            self.tracked.pop(tracked.client_order_id, None)

    def coid_of(self, broker_order_id: str) -> ClientOrderId | None:
        tracked = self.by_broker_id.get(broker_order_id)
        return tracked.client_order_id if tracked is not None else None

    def adopt(self, raw: Mapping[str, Any]) -> Tracked:
        """Return the tracked order raw belongs to: by its id, the order it replaces, or its client_order_id."""
        order_id = str(raw["id"])
        tracked = self.by_broker_id.get(order_id) or self.by_broker_id.get(str(raw.get("replaces") or ""))
        if tracked is None:
            coid = ClientOrderId(str(raw["client_order_id"]))
            tracked = self.tracked.setdefault(coid, Tracked(coid))
        if order_id not in tracked.ids and (tracked.broker_order_id is None or raw.get("replaces")):
            self.bind(tracked, order_id)
        return tracked

    def accept(self, tracked: Tracked, raw: Mapping[str, Any]) -> None:
        if tracked.broker_order_id is None:
            self.bind(tracked, str(raw["id"]))
        if not tracked.accepted:
            tracked.accepted = True
            self._sink(OrderAccepted(tracked.client_order_id, BrokerOrderId(str(raw["id"]))))

    def on_order(self, raw: Mapping[str, Any]) -> None:
        """Apply one polled order state: acceptance of an order whose answer was lost, and how it ended."""
        coid = ClientOrderId(str(raw["client_order_id"]))
        tracked = self.by_broker_id.get(str(raw["id"])) or self.tracked.get(coid)
        if tracked is None or tracked.ended:
            return
        if raw.get("replaces") and str(raw["id"]) not in tracked.ids:
            self.bind(tracked, str(raw["id"]))
        if str(raw["id"]) != tracked.broker_order_id and tracked.broker_order_id is not None:
            return  # an order this one replaced: the replacement speaks for it
        status = str(raw.get("status"))
        if not tracked.accepted:
            if status == "rejected":
                tracked.ended = True
                self._sink(OrderRejectedEvent(coid, "Alpaca rejected the order."))
                return
            self.accept(tracked, raw)
        if status not in ENDED:
            self._trail_moved(tracked, raw)
        if status == "canceled":
            tracked.ended = True
            self._sink(OrderCanceled(tracked.client_order_id, "canceled at Alpaca"))
        elif status in ("expired", "done_for_day"):
            tracked.ended = True
            self._sink(OrderExpired(tracked.client_order_id, f"{status.replace('_', ' ')} at Alpaca"))
        elif status == "rejected":
            tracked.ended = True
            self._sink(OrderRejectedEvent(tracked.client_order_id, "Alpaca rejected the order."))
        elif status == "filled":
            tracked.ended = True

    def _trail_moved(self, tracked: Tracked, raw: Mapping[str, Any]) -> None:
        move = parse_trail_move(tracked.client_order_id, raw)
        last = tracked.trail_stop
        if move is not None and (last is None or last.stop_price != move.stop_price):
            tracked.trail_stop = move
            self._sink(move)

    def on_fill(self, activity: Mapping[str, Any]) -> bool:
        trade_id = str(activity["id"])
        if trade_id in self.seen_fills:
            return False
        tracked = self.by_broker_id.get(str(activity["order_id"]))
        if tracked is None or not tracked.accepted:
            return False  # not ours yet (its acceptance comes first); seen again on the next poll
        self.seen_fills.add(trade_id)
        self._sink(OrderFilled(tracked.client_order_id, parse_fill(activity, self.account_id,
                                                                   tracked.client_order_id)))
        return True

    def apply(self, orders: list[Mapping[str, Any]], fills: list[Mapping[str, Any]]) -> bool:
        """Apply polled orders and fills: acceptances first, then fills, then how orders ended."""
        ended = [o for o in orders if o.get("status") in ENDED]
        for raw in orders:
            if raw.get("status") not in ENDED:
                self.on_order(raw)
        for raw in ended:  # accept any that ended before we saw them working, but end them after their fills
            tracked = self.by_broker_id.get(str(raw["id"])) or self.tracked.get(
                ClientOrderId(str(raw["client_order_id"])))
            if tracked is not None and not tracked.accepted and raw.get("status") != "rejected":
                self.accept(tracked, raw)
        new = [a for a in fills if self.on_fill(a)]
        times = [t for a in fills if (t := alpaca_time(a.get("transaction_time"))) is not None]
        if times:
            self.fills_after = max([*times, *([self.fills_after] if self.fills_after else [])]) - FILL_OVERLAP
        for raw in ended:
            self.on_order(raw)
        return bool(new)
