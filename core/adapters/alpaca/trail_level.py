"""Where an Alpaca trailing stop stands: Alpaca moves a working trailing_stop order's stop_price as the market's
high (low) water mark, hwm, moves, and shows both on the order; no trade update announces it, so each poll reads it."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from core.domain import ClientOrderId, OrderTrailMoved, Price


def parse_trail_move(client_order_id: ClientOrderId, raw: Mapping[str, Any]) -> OrderTrailMoved | None:
    """Return where a trailing_stop order's stop stands (its stop_price), or None for any other order or one whose
    stop Alpaca has not set yet."""
    if raw.get("type") != "trailing_stop" or raw.get("stop_price") in (None, ""):
        return None
    try:
        stop = Decimal(str(raw["stop_price"]))
    except InvalidOperation:
        return None
    if not stop.is_finite() or stop <= 0:
        return None
    return OrderTrailMoved(client_order_id, Price(stop))
