"""Book an execution a person reports by hand: held to its order's limit unless overridden, and audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.domain import LogMessage, Order, to_decimal
from core.domain.manual_fill import FillMismatch, fill_mismatch
from core.ports.journal import Journal
from core.ports.manual_fills import MANUAL_FILL_OVERRIDE_AUDIT, ManualFillOverride, ManualFillRefused, ManualFills
from core.services.bus import EventBus


@dataclass(frozen=True, slots=True)
class ManualFillEntry:
    """What a person typed: the execution's quantity, price and time, and an override if they gave one."""

    quantity: object
    price: object
    ts: datetime
    override: ManualFillOverride | None = None


def book_manual_fill(order: Order, desk: ManualFills, journal: Journal, bus: EventBus, entry: ManualFillEntry) -> None:
    """Check the entry against order, have desk book it, and audit an override.

    Raises ManualFillRefused naming the field: a price beyond the limit without an override (or with one
    that gives no reason), a quantity beyond what is open (never overridable), or what desk refuses.

    Events: LogMessage (WARNING) when an execution is booked beyond the limit.
    """
    mismatch = _mismatch(order, entry.quantity, entry.price)
    override = entry.override
    if mismatch is None:
        desk.record_fill(order.client_order_id, entry.quantity, entry.price, entry.ts)
        return
    if not mismatch.overridable or override is None:
        raise ManualFillRefused(mismatch.field, mismatch.message)
    if not override.reason.strip():
        raise ManualFillRefused("reason", "Say why this execution is booked beyond the order's limit: "
                                          "the reason is kept in the audit trail.")
    fill = desk.record_fill(order.client_order_id, entry.quantity, entry.price, entry.ts)
    journal.record_audit(
        override.actor, MANUAL_FILL_OVERRIDE_AUDIT,
        f"{order.account_id} {order.client_order_id}: {fill.side.value} {fill.quantity} {fill.symbol} at "
        f"{fill.price} (trade {fill.trade_id}); limit {order.limit_price}. Reason: {override.reason.strip()}",
    )
    bus.publish(LogMessage("WARNING", f"{fill.symbol}: execution at {fill.price} booked beyond the limit "
                                      f"{order.limit_price} by {override.actor}."))


def _mismatch(order: Order, quantity: object, price: object) -> FillMismatch | None:
    """Return how the entry misses its order; a number that does not parse, or a price off the tick, is left
    to the desk's own message."""
    try:
        qty, px = to_decimal(quantity, "quantity"), to_decimal(price, "price")
    except (TypeError, ValueError):
        return None
    mismatch = fill_mismatch(order, qty, px)
    if mismatch is not None and mismatch.field == "price" and not order.instrument.is_on_tick(px):
        return None
    return mismatch
