"""The journal's order rows: the SQL that writes an order and its events, and the values it writes.

An order row keeps the order's current state beside its events (the trail every restore replays); these are
the statements and encoders `SqliteJournal` writes them with, in one place so its file is the journal's life
cycle, transactions and reads.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from functools import lru_cache
from typing import Final

from core.domain import Instrument, Order, OrderEvent, Price
from core.storage import codec
from core.storage.order_replay import ORDER_COLUMNS

STATE_COLUMNS: Final = (
    "status", "quantity", "limit_price", "stop_price", "filled_qty", "avg_fill_price", "broker_order_id", "reason",
    "needs_reconciliation",
)


INSERT_ORDER: Final = (
    f"INSERT INTO orders ({ORDER_COLUMNS}, {', '.join(STATE_COLUMNS)}) "
    f"VALUES ({', '.join('?' * (ORDER_COLUMNS.count(',') + 1 + len(STATE_COLUMNS)))})"
)
INSERT_EVENT: Final = "INSERT INTO order_events (client_order_id, type, event, ts) VALUES (?, ?, ?, ?)"
IS_JOURNALED: Final = "SELECT 1 FROM orders WHERE client_order_id = ?"
INSERT_KEY: Final = "INSERT INTO intake_keys (strategy, key, body_hash, client_order_id) VALUES (?, ?, ?, ?)"
UPDATE_ORDER: Final = (
    f"UPDATE orders SET {', '.join(f'{column} = ?' for column in STATE_COLUMNS)} WHERE client_order_id = ?"
)


@lru_cache(maxsize=4096)
def instrument_json(instrument: Instrument) -> str:
    """Return the stored text of an instrument (the same for every order in it, so made once)."""
    return codec.to_json(codec.encode_instrument(instrument))


def append_event(
    conn: sqlite3.Connection, state: tuple[str | int | None, ...], client_order_id: str, row: tuple[str, str, str, str]
) -> bool:
    """Save an order's new state and append its event row; return False (writing nothing) if it is not journaled."""
    updated = conn.execute(UPDATE_ORDER, (*state, client_order_id))
    if updated.rowcount != 1:
        return False
    conn.execute(INSERT_EVENT, row)
    return True


def sort_ts(value: datetime) -> str:
    """Return value in UTC as fixed-width text, so that text order is time order; refuse a naive datetime."""
    if value.tzinfo is not UTC:
        if value.utcoffset() is None:
            codec.encode_datetime(value)  # raises the codec's error for a naive datetime
        value = value.astimezone(UTC)
    return value.isoformat(timespec="microseconds")[:-6] + "Z"  # '+00:00' -> 'Z', without a naive copy of value


def opt_decimal(value: Price | None) -> str | None:
    return None if value is None else codec.encode_decimal(value.value)


def event_values(order: Order, event: OrderEvent) -> tuple[str, str, str, str]:
    if event.client_order_id != order.client_order_id:
        raise ValueError(f"event for {event.client_order_id} recorded with order {order.client_order_id}")
    text = codec.to_json(codec.encode_event(event))
    return order.client_order_id, type(event).__name__, text, sort_ts(event.ts)

def state_values(order: Order) -> tuple[str | int | None, ...]:
    """Return the values of an order row's state columns (STATE_COLUMNS), as they are now."""
    avg = None if order.avg_fill_price is None else codec.encode_decimal(order.avg_fill_price)
    return (
        order.status.value, codec.encode_decimal(order.quantity.value), opt_decimal(order.limit_price),
        opt_decimal(order.stop_price), codec.encode_decimal(order.filled_qty), avg, order.broker_order_id,
        order.reason, int(order.needs_reconciliation),
    )


def order_values(order: Order) -> tuple[str | int | None, ...]:
    """Return the values of INSERT_ORDER for order: what it was created as, then its current state."""
    created = (
        order.client_order_id, order.account_id, order.symbol, instrument_json(order.instrument), order.side.value,
        codec.encode_decimal(order.quantity.value), order.order_type.value, opt_decimal(order.limit_price),
        opt_decimal(order.stop_price), order.tif.value, order.origin.value, order.strategy_id,
        codec.encode_datetime(order.created_at), None if order.product is None else order.product.value,
        None if order.trail is None else order.trail.text(),
        None if order.trail is None or order.trail.limit_offset is None
        else codec.encode_decimal(order.trail.limit_offset),
        None if order.expire_at is None else codec.encode_datetime(order.expire_at),
    )
    return created + state_values(order)
