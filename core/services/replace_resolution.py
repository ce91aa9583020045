"""Settle a change (modify) whose answer was lost, by comparing the broker's order with what was asked.

A process that dies, or loses its connection, between journaling OrderPendingReplace and the broker's
answer leaves the order PENDING_REPLACE. On the next reconciliation the broker's open order tells:
the new quantity and prices -> the change was applied (OrderModified, with the broker's values); the
old ones -> it was not (OrderModifyRejected, saying to modify again); neither -> the broker's values
are taken; nothing that tells them apart (the broker does not report the price that was changed) ->
the order stays PENDING_REPLACE, flagged with a reason the trader sees (OrderModifyUnresolved), counted
by risk at the larger of old and new, and open to another change or a cancel.
"""

from __future__ import annotations

from decimal import Decimal

from core.domain import (
    Order,
    OrderEvent,
    OrderModified,
    OrderModifyRejected,
    OrderModifyUnresolved,
    OrderStatus,
    Price,
    Quantity,
)
from core.ports.broker import BrokerOrderState

MODIFY_NOT_APPLIED = (
    "TradeTerm stopped before the broker answered this change, and the broker still works the order as it "
    "was: modify it again if you still want the change."
)
MODIFY_UNTOLD = (
    "TradeTerm stopped before the broker answered a change to {fields}, and the broker's order list does not "
    "show {fields}: check the order at the broker, then modify it again (or cancel it) to be sure."
)
MODIFY_STILL_PENDING = (
    "The broker is still applying a change to this order; it is checked again on the next reconnect."
)

_Values = tuple[Decimal, Decimal | None, Decimal | None]
_NAMES = ("quantity", "limit price", "stop price")


def _value(price: Price | None) -> Decimal | None:
    return None if price is None else price.value


def resolve_replace(order: Order, remote: BrokerOrderState) -> OrderEvent | None:
    """Return the event that settles an order left PENDING_REPLACE, from the broker's working order remote."""
    if remote.status is OrderStatus.PENDING_REPLACE:
        return OrderModifyUnresolved(order.client_order_id, MODIFY_STILL_PENDING)
    had: _Values = (order.quantity.value, _value(order.limit_price), _value(order.stop_price))
    pending = order.pending_replace
    asked: _Values | None = None
    if pending is not None and pending.quantity is not None:
        asked = (pending.quantity.value, _value(pending.limit_price), _value(pending.stop_price))
    theirs: tuple[Decimal | None, ...] = (
        remote.quantity,
        remote.limit_price if order.order_type.needs_limit else None,
        remote.stop_price if order.order_type.needs_stop else None,
    )
    used = (True, order.order_type.needs_limit, order.order_type.needs_stop)
    known = [i for i in range(3) if used[i] and theirs[i] is not None]
    changed = [i for i in range(3) if used[i] and (asked is None or asked[i] != had[i])]
    told = any(i in known for i in changed)  # a field that was changed is one the broker reports
    untold = [i for i in changed if i not in known]
    as_asked = asked is not None and all(theirs[i] == asked[i] for i in known)
    as_was = all(theirs[i] == had[i] for i in known)
    coid = order.client_order_id
    if asked is not None and as_asked and (told or not untold):
        return OrderModified(coid, Quantity(asked[0]), _price(asked[1]), _price(asked[2]))
    if as_was and (told or not untold):
        return OrderModifyRejected(coid, MODIFY_NOT_APPLIED)
    if as_was:
        fields = " and ".join(_NAMES[i] for i in untold)
        return OrderModifyUnresolved(coid, MODIFY_UNTOLD.format(fields=fields))
    # The broker works neither the old order nor the new one: its word (where it gives one) is the truth.
    best = [theirs[i] if i in known else had[i] for i in range(3)]
    return OrderModified(coid, Quantity(best[0] or had[0]), _price(best[1]), _price(best[2]))


def _price(value: Decimal | None) -> Price | None:
    return None if value is None else Price(value)
