"""What the strategy API answers: orders, fills, instruments, quotes and the hikyuu asset-info shape, as JSON."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from core.domain import Fill, Instrument, Money, Order, Position, Quote
from core.services.approvals import PendingOrder

VENUE_TO_MARKET = {"SSE": "SH", "SZSE": "SZ", "BSE": "BJ"}
"""hikyuu's market codes for the Chinese exchanges; other venues are passed through."""


def dec(value: Decimal | None) -> str | None:
    """Return a decimal as plain text ("189.5"), never a float."""
    return None if value is None else format(value.normalize(), "f")


def iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def order_json(order: Order, pending: PendingOrder | None = None, replaced_by: str | None = None) -> dict[str, Any]:
    return {
        "client_order_id": str(order.client_order_id),
        "strategy": None if order.strategy_id is None else str(order.strategy_id),
        "account": str(order.account_id),
        "symbol": order.symbol,
        "side": order.side.value,
        "quantity": dec(order.quantity.value),
        "order_type": order.order_type.value,
        "limit_price": None if order.limit_price is None else dec(order.limit_price.value),
        "stop_price": None if order.stop_price is None else dec(order.stop_price.value),
        "tif": order.tif.value,
        "expire_at": None if order.expire_at is None else iso(order.expire_at),
        "product": None if order.product is None else order.product.value,
        "trail_amount": None if order.trail is None or order.trail.is_percent else dec(order.trail.offset),
        "trail_percent": None if order.trail is None or not order.trail.is_percent else dec(order.trail.offset),
        "trail_limit_offset": None if order.trail is None or order.trail.limit_offset is None
        else dec(order.trail.limit_offset),
        "status": order.status.value,
        "filled_quantity": dec(order.filled_qty),
        "avg_fill_price": dec(order.avg_fill_price),
        "reason": order.reason,
        "created_at": iso(order.created_at),
        "expires_at": None if pending is None else iso(pending.expires_at),
        "approval_note": "" if pending is None else pending.last_attempt,
        "replaced_by": replaced_by,
    }


def fill_json(fill: Fill) -> dict[str, Any]:
    return {
        "trade_id": str(fill.trade_id),
        "client_order_id": None if fill.client_order_id is None else str(fill.client_order_id),
        "account": str(fill.account_id),
        "symbol": fill.symbol,
        "side": fill.side.value,
        "quantity": dec(fill.quantity.value),
        "price": dec(fill.price.value),
        "time": iso(fill.ts),
    }


def instrument_json(instrument: Instrument) -> dict[str, Any]:
    return {
        "symbol": instrument.symbol, "venue": instrument.venue,
        "market": VENUE_TO_MARKET.get(instrument.venue, instrument.venue), "currency": instrument.currency,
        "tick_size": dec(instrument.tick_size), "lot_size": dec(instrument.lot_size),
        "multiplier": dec(instrument.multiplier), "asset_class": instrument.asset_class.value, "name": instrument.name,
    }


def quote_json(symbol: str, quote: Quote | None) -> dict[str, Any]:
    if quote is None:
        return {"symbol": symbol, "bid": None, "ask": None, "last": None, "time": None, "feed": None}
    return {"symbol": symbol, "bid": dec(quote.bid), "ask": dec(quote.ask), "last": dec(quote.last),
            "time": iso(quote.ts), "feed": quote.source or None}


def hikyuu_datetime(now: datetime) -> str:
    """Return local time as hikyuu parses it: 'YYYY-MM-DD HH:MM:SS.ffffff' (a 'T' breaks its sync)."""
    return now.astimezone().replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def account_json(now: datetime, cash: tuple[Money, ...], positions: list[Position], currency: str | None,
                 stops: dict[str, tuple[Decimal | None, Decimal | None]]) -> dict[str, Any]:
    """Return hikyuu's asset-info shape: datetime, cash (in one currency) and positions.

    `stops` gives each symbol's latest stop_loss and take_profit from the strategy's orders (0 when none).
    """
    by_currency = {m.currency: m.amount for m in cash}
    chosen = currency or (next(iter(by_currency)) if by_currency else None)
    rows = []
    for position in positions:
        if position.is_flat:
            continue
        instrument = position.instrument
        stop, goal = stops.get(position.symbol, (None, None))
        rows.append({
            "market": VENUE_TO_MARKET.get(instrument.venue, instrument.venue),
            "code": instrument.symbol,
            "number": dec(position.quantity),
            "stoploss": dec(stop) or "0",
            "goal_price": dec(goal) or "0",
            "cost_price": dec(position.avg_cost),
        })
    return {
        "datetime": hikyuu_datetime(now),
        "currency": chosen,
        "cash": dec(by_currency.get(chosen, Decimal(0))) if chosen is not None else "0",
        "cash_by_currency": {c: dec(a) for c, a in by_currency.items()},
        "positions": rows,
    }
