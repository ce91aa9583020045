"""Good-till-date orders at the simulated TWS: placeOrder's goodTillDate (field 38 of a non-combo order) as TWS
reads it ("20261207-15:30:00" in UTC, or "20261207 15:30:00 US/Eastern"); an order of tif GTD without one is
refused, and a working one is ended when its time passes (TWS reports it Cancelled, as for an expired order)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from core.adapters.paper.matching import Closure, MatchingEngine
from core.domain import OrderStatus
from tests.sims.tws.orders import SimReject

GOOD_TILL_INDEX = 38


def good_till_field(f: list[str]) -> str:
    """Return a placeOrder message's goodTillDate text ("" when none)."""
    return f[GOOD_TILL_INDEX] if len(f) > GOOD_TILL_INDEX else ""


def parse_good_till(text: str, tif: str) -> datetime | None:
    """Return the order's end (None for a tif other than GTD); SimReject as TWS refuses a GTD without a good date."""
    if tif != "GTD":
        return None
    text = text.strip()
    if not text:
        raise SimReject(201, "Order rejected - reason:A GTD order requires a Good Till Date.")
    try:
        if "-" in text:
            return datetime.strptime(text, "%Y%m%d-%H:%M:%S").replace(tzinfo=UTC)
        day, clock, *zone = text.split(" ")
        local = datetime.strptime(f"{day} {clock}", "%Y%m%d %H:%M:%S")
        return local.replace(tzinfo=ZoneInfo(zone[0]) if zone else UTC)
    except (ValueError, ZoneInfoNotFoundError):
        raise SimReject(201, f"Order rejected - reason:Invalid Good Till Date {text!r}: use "
                             "yyyymmdd-hh:mm:ss (UTC) or yyyymmdd hh:mm:ss timezone.") from None


def expire_due(engine: MatchingEngine, ends: dict[str, datetime], now: datetime) -> list[Closure]:
    """End every working order whose good-till time has passed (ends: the engine's order key -> its end)."""
    closures = []
    for coid, end in list(ends.items()):
        order = engine.orders.get(coid)  # type: ignore[call-overload]
        if order is None or not order.is_working:
            ends.pop(coid, None)
        elif end <= now:
            order.status = OrderStatus.EXPIRED
            order.reason = "GTD order expired at its good-till date"
            closures.append(Closure(order.client_order_id, OrderStatus.EXPIRED, order.reason))
            ends.pop(coid)
    return closures
