"""Closing a position the Alpaca way (DELETE /v2/positions/{symbol}?qty=): which orders go there, what Alpaca must
hold first, and how the close is recognised when its answer is lost. Pure: no I/O.

Alpaca's close sells (or buys back) only what is held, never through zero, whatever else is working. The call takes
no client_order_id, so the closing order carries Alpaca's own; it is ours by its Alpaca id.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from core.domain import Order, OrderOrigin, OrderType, Side

LOOKBACK = timedelta(seconds=5)
"""A lost close is looked for among the orders made from this long before it was sent (clocks differ)."""


def closes_at_market(order: Order) -> bool:
    """True for the orders sent as Alpaca's close: a market Close or Flatten."""
    return order.origin in (OrderOrigin.CLOSE, OrderOrigin.FLATTEN) and order.order_type is OrderType.MARKET


def held_problem(held: Mapping[str, Any], order: Order) -> str | None:
    """Why Alpaca's position (GET /v2/positions/{symbol}, {} for none) is not what order closes; None if it is."""
    closing = Side.SELL if held.get("side") == "long" else Side.BUY
    if held and closing is order.side:
        return None
    shown = f"{held.get('side')} {held.get('qty')}" if held else "no position"
    return (f"Alpaca shows {shown} in {order.symbol}, not what this order closes: reconcile the account, then close "
            "what Alpaca holds.")


def since(started: datetime) -> datetime:
    return started - LOOKBACK


def the_close(listed: Sequence[Mapping[str, Any]], order: Order, known_ids: Collection[str],
              known_client_ids: Collection[str]) -> tuple[Mapping[str, Any] | None, int]:
    """Return the one order of listed that is order's close (and how many could be), None unless exactly one:
    a market order of the symbol for this side and quantity that is none of the orders we know."""
    candidates = [o for o in listed if o.get("symbol") == order.symbol and str(o["id"]) not in known_ids
                  and str(o.get("client_order_id")) not in known_client_ids
                  and o.get("side") == order.side.value.lower() and o.get("type") == "market"
                  and _decimal(o.get("qty")) == order.quantity.value]
    return (candidates[0] if len(candidates) == 1 else None), len(candidates)


def _decimal(raw: object) -> Decimal | None:
    try:
        return Decimal(str(raw)) if raw is not None else None
    except InvalidOperation:
        return None
