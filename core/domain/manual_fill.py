"""Whether an execution reported by hand fits its order: within the open quantity, and at or inside its limit."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from core.domain.enums import OrderType, Side
from core.domain.order import Order

OVERRIDE_HINT = (
    "Check the price the desk reported. If the desk really executed there, tick \"Record beyond the limit\" "
    "and say why: the override is kept in the audit trail."
)


@dataclass(frozen=True, slots=True)
class FillMismatch:
    """Why an execution does not fit its order; `field` names the entry to change.

    A price beyond the limit may be booked with an audited override (`overridable`); a quantity beyond
    what is open never is, since the order cannot have executed more than it asked for.
    """

    field: str
    message: str
    overridable: bool


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f")


def fill_mismatch(order: Order, quantity: Decimal, price: Decimal) -> FillMismatch | None:
    """Return why an execution of quantity at price does not fit the order, or None if it fits.

    A BUY may not fill above its limit, a SELL not below it; a stop-limit order is held to its limit
    too (it can only have executed once triggered, and then as a limit order).
    """
    if quantity > order.leaves_qty:
        return FillMismatch("quantity", f"Only {_plain(order.leaves_qty)} of {order.symbol} remain open on this "
                                        "order; record at most that (a larger execution belongs to another order).",
                            overridable=False)
    limit = order.limit_price
    if limit is None or order.order_type not in (OrderType.LIMIT, OrderType.STOP_LIMIT):
        return None
    kind = "limit" if order.order_type is OrderType.LIMIT else "stop-limit"
    if order.side is Side.BUY and price > limit.value:
        beyond = "above"
    elif order.side is Side.SELL and price < limit.value:
        beyond = "below"
    else:
        return None
    return FillMismatch("price", f"{price} is {beyond} the {order.side.value} {kind} order's limit of "
                                 f"{limit.value}: it cannot have executed there. {OVERRIDE_HINT}",
                        overridable=True)
