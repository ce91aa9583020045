"""A protective child whose entry has not filled yet: found by its id, and its new price checked against the entry.

Such a child (held by TradeTerm as PENDING, or a native child waiting at the broker) protects nothing yet, so the
checks that weigh it against the position (reduce-only) do not apply to moving it; what does is where its price
sits: a stop-loss below a buy's entry price (above a sell's), a take-profit beyond it, the stop short of the target.
"""

from __future__ import annotations

from decimal import Decimal

from core.domain import ClientOrderId, Order, OrderOrigin, OrderStatus
from core.domain.protection import Bracket, Oto, ProtectionLeg, same_bracket

_ENDED = frozenset({OrderStatus.FILLED, OrderStatus.CANCELED, OrderStatus.REJECTED, OrderStatus.DENIED,
                    OrderStatus.EXPIRED})


def entry_id_of(child: ClientOrderId) -> ClientOrderId:
    """Return the id of the entry a child's id derives from (`child_order_id`: the entry's with 'T' first)."""
    return ClientOrderId("T" + str(child)[1:])


def waits_for_entry(entry: Order | None) -> bool:
    """Return True while an entry has filled nothing and may still fill (its children protect nothing yet)."""
    return entry is not None and entry.filled_qty == 0 and entry.status not in _ENDED


def native_leg(order: Order) -> ProtectionLeg:
    """Return which leg a native child order is: a stop (STP) is the stop-loss, a limit the take-profit."""
    return ProtectionLeg.STOP_LOSS if order.order_type.needs_stop or order.order_type.is_trailing \
        else ProtectionLeg.TAKE_PROFIT


def is_native_child(order: Order, entry: Order | None) -> bool:
    """Return True if order is a protective child attached to entry at the broker (ids derived from the entry's)."""
    return (entry is not None and order.origin is OrderOrigin.PROTECTIVE
            and order.client_order_id != entry.client_order_id
            and same_bracket(order.client_order_id, entry.client_order_id))


def moved_child_problem(leg: ProtectionLeg, price: Decimal, entry: Order,
                        sibling: tuple[ProtectionLeg, Decimal] | None = None) -> str | None:
    """Return why a waiting child may not move to price (the wrong side of its entry's price or its sibling's),
    saying where it may go; None when it may. A market entry has no price yet: only the sibling is checked."""
    reference = entry.limit_price or entry.stop_price
    at = None if reference is None else reference.value
    if leg.fires_on_fill:
        problems = Oto(price, stop=leg.is_stop).problems(entry.side, at)
    else:
        prices = {leg: price}
        if sibling is not None and sibling[0] is not leg:
            prices[sibling[0]] = sibling[1]
        problems = Bracket(prices.get(ProtectionLeg.STOP_LOSS), prices.get(ProtectionLeg.TAKE_PROFIT)).problems(
            entry.side, at)
    return None if not problems else f"{problems[0][1]} Move it there, or cancel the entry."
