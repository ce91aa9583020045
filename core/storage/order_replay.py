"""Rebuild an order from its journaled row and events: the row as first created, then each event through apply."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import lru_cache
from typing import Final

from core.domain import (
    AccountId,
    ClientOrderId,
    Instrument,
    Order,
    OrderOrigin,
    OrderType,
    Price,
    Quantity,
    Side,
    StrategyId,
    TimeInForce,
)
from core.domain.product import Product
from core.domain.trailing import Trail
from core.ports.journal import JournalError
from core.storage import codec

ORDER_COLUMNS: Final = (
    "client_order_id, account_id, symbol, instrument, side, orig_quantity, order_type, orig_limit_price, "
    "orig_stop_price, tif, origin, strategy_id, created_at, product, trail, trail_limit_offset, expire_at"
)
"""The orders table's columns an order is rebuilt from (as first created), in the order replay_order reads them."""
Damaged = Callable[[str, Exception], JournalError]
"""Make the error that names the journal, where in it (order, event) and what was wrong."""


@lru_cache(maxsize=4096)
def instrument_of(text: str) -> Instrument:
    """Return the instrument stored as text (decoded once: every order in it stores the same text)."""
    return codec.decode_instrument(codec.from_json(text))


def replay_order(row: tuple[str, ...], events: list[tuple[int, str]], damaged: Damaged) -> Order:
    """Return the order of row (the orders table's ORDER_COLUMNS) after events ((seq, event text), in order)."""
    (order_id, account, _symbol, instrument, side, qty, order_type, limit, stop, tif, origin, strategy,
     created, product, trail, limit_offset, expire_at) = row
    where = f"order {order_id}"
    try:
        order = Order(
            client_order_id=ClientOrderId(order_id),
            account_id=AccountId(account),
            instrument=instrument_of(instrument),
            side=Side(side),
            quantity=Quantity(codec.decode_decimal(qty, "quantity")),
            order_type=OrderType(order_type),
            limit_price=None if limit is None else Price(codec.decode_decimal(limit, "limit price")),
            stop_price=None if stop is None else Price(codec.decode_decimal(stop, "stop price")),
            tif=TimeInForce(tif),
            origin=OrderOrigin(origin),
            strategy_id=None if strategy is None else StrategyId(strategy),
            created_at=codec.decode_datetime(created, "created_at"),
            product=None if product is None else Product(product),
            trail=None if trail is None else replace(
                Trail.from_text(trail),
                limit_offset=None if limit_offset is None else codec.decode_decimal(limit_offset, "limit offset")),
            expire_at=None if expire_at is None else codec.decode_datetime(expire_at, "expire_at"),
        )
        for seq, text in events:
            where = f"order {order_id}, event #{seq}"
            order.apply(codec.decode_event(codec.from_json(text)))
    except (JournalError, ValueError, TypeError) as exc:
        raise damaged(where, exc) from None
    return order

