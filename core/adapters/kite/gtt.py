"""Kite GTT for a delivery position's stop-loss and target: the pure translation to and from kiteconnect's
place_gtt/modify_gtt arguments and get_gtts records (core/ports/position_protection.py).

A stop-loss alone is a single GTT, a target alone too, both a two-leg GTT (Kite's OCO: the lower value fires the
first order, the upper the second). GTT orders are LIMIT orders: the target's at its price, the stop-loss's
STOP_SLACK below its trigger (on tick), so that it still fills when the price falls through the trigger.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from core.ports.position_protection import BrokerProtection

STOP_SLACK = Decimal("0.01")
"""How far below its trigger a stop-loss's limit sits (1 %): room to fill in a falling market."""


def gtt_args(symbol: str, exchange: str, product: str, quantity: Decimal, stop_loss: Decimal | None,
             take_profit: Decimal | None, last_price: Decimal, tick: Decimal) -> dict[str, Any]:
    """Return place_gtt's keyword arguments for a long position's protection (SELL orders)."""
    legs: list[tuple[Decimal, Decimal]] = []
    if stop_loss is not None:
        limit = (stop_loss * (1 - STOP_SLACK) / tick).to_integral_value(ROUND_FLOOR) * tick
        legs.append((stop_loss, limit))
    if take_profit is not None:
        legs.append((take_profit, take_profit))
    if not legs:
        raise ValueError("a protection needs a stop-loss or a target")
    orders = [{"transaction_type": "SELL", "quantity": int(quantity), "order_type": "LIMIT", "product": product,
               "price": float(limit)} for _trigger, limit in legs]
    return {"trigger_type": "two-leg" if len(legs) == 2 else "single", "tradingsymbol": symbol,
            "exchange": exchange, "trigger_values": [float(trigger) for trigger, _ in legs],
            "last_price": float(last_price), "orders": orders}


def parse_gtt(record: Mapping[str, Any]) -> BrokerProtection:
    """Return the protection a get_gtts record describes (a single GTT below the price at placing is a stop)."""
    condition = record.get("condition") or {}
    values = [Decimal(str(v)) for v in condition.get("trigger_values") or []]
    orders = record.get("orders") or [{}]
    last = Decimal(str(condition.get("last_price") or 0))
    stop = target = None
    if len(values) == 2:
        stop, target = values
    elif values and values[0] < last:
        stop = values[0]
    elif values:
        target = values[0]
    return BrokerProtection(str(record.get("id")), str(condition.get("tradingsymbol", "")),
                            Decimal(str(orders[0].get("quantity") or 0)), stop, target, str(record.get("status", "")))
