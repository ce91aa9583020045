"""The paper broker's snapshot: its books, orders and market levels as one JSON document, written atomically.

Version 2 names the change log that continues it (see state_log.py); version 1 (one file, no
log) still loads.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from core.adapters.paper.books import Books, Holding
from core.adapters.paper.matching import PaperOrder
from core.adapters.state_json import decode_fill, encode_fill, read_books, write_json_atomically
from core.domain import (
    AccountId,
    BrokerOrderId,
    ClientOrderId,
    Instrument,
    OrderStatus,
    OrderType,
    Side,
    TimeInForce,
)
from core.domain.trailing import Trail

VERSION = 2
OLDER_VERSIONS = (1,)


@dataclass(slots=True)
class PaperState:
    """Everything the paper broker remembers between runs."""

    trading_day: date
    books: Books
    orders: list[PaperOrder] = field(default_factory=list)
    mids: dict[str, Decimal] = field(default_factory=dict)
    closes: dict[str, Decimal] = field(default_factory=dict)
    volumes: dict[str, Decimal] = field(default_factory=dict)
    """Each instrument's session volume at the last whole save (absent in older files: zero)."""


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A loaded snapshot and the id of the change log that continues it (None: no log continues it)."""

    state: PaperState
    log_id: str | None


def write_state(
    path: str,
    state: PaperState,
    log_id: str,
    orders: list[dict[str, Any]] | None = None,
    fills: list[dict[str, Any]] | None = None,
) -> None:
    """Write state to path atomically (see core.adapters.state_json), continued by the log log_id.

    orders and fills, when given, are state's orders and books' fills already encoded, in order.
    """
    write_json_atomically(path, _encode(state, log_id, orders, fills))


def read_state(
    path: str, account_id: AccountId, instruments: Mapping[str, Instrument], books: Books
) -> Snapshot | None:
    """Load the snapshot at path into books (None if there is no file); ValueError names an unusable file."""
    return read_books(path, account_id, VERSION, lambda data: _decode(data, instruments, books),
                      "The paper account's", "Move it aside to start the paper account afresh.",
                      older_versions=OLDER_VERSIONS)


def _encode(
    state: PaperState, log_id: str, orders: list[dict[str, Any]] | None, fills: list[dict[str, Any]] | None
) -> dict[str, Any]:
    books = state.books
    return {
        "version": VERSION,
        "account_id": str(books.account_id),
        "log_id": log_id,
        "trading_day": state.trading_day.isoformat(),
        "cash": {currency: str(amount) for currency, amount in books.cash.items()},
        "positions": {symbol: encode_holding(h) for symbol, h in books.holdings.items()},
        "trade_seq": books.trade_seq,
        "order_seq": books.order_seq,
        "orders": [encode_order(order) for order in state.orders] if orders is None else orders,
        "fills": [encode_fill(fill) for fill in books.fills] if fills is None else fills,
        "mids": {symbol: str(price) for symbol, price in state.mids.items()},
        "closes": {symbol: str(price) for symbol, price in state.closes.items()},
        "volumes": {symbol: str(volume) for symbol, volume in state.volumes.items()},
    }


def _decode(data: dict[str, Any], instruments: Mapping[str, Instrument], books: Books) -> Snapshot:
    books.cash = {currency: Decimal(amount) for currency, amount in data["cash"].items()}
    books.holdings = {symbol: decode_holding(h) for symbol, h in data["positions"].items()}
    books.trade_seq = int(data["trade_seq"])
    books.order_seq = int(data["order_seq"])
    books.fills = [decode_fill(raw, books.account_id) for raw in data["fills"]]
    state = PaperState(
        trading_day=date.fromisoformat(data["trading_day"]),
        books=books,
        orders=[decode_order(raw, instruments) for raw in data["orders"]],
        mids={symbol: Decimal(price) for symbol, price in data["mids"].items()},
        closes={symbol: Decimal(price) for symbol, price in data["closes"].items()},
        volumes={symbol: Decimal(volume) for symbol, volume in data.get("volumes", {}).items()},
    )
    log_id = data.get("log_id")
    return Snapshot(state, None if log_id is None else str(log_id))


def encode_holding(holding: Holding) -> dict[str, str]:
    """Return holding as JSON (Decimals as strings)."""
    return {"quantity": str(holding.quantity), "avg_cost": str(holding.avg_cost)}


def decode_holding(raw: dict[str, str]) -> Holding:
    """Return the Holding that encode_holding wrote."""
    return Holding(Decimal(raw["quantity"]), Decimal(raw["avg_cost"]))


def _optional(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _decimal_or_none(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def encode_order(order: PaperOrder) -> dict[str, Any]:
    """Return order as JSON (Decimals as strings, times in ISO 8601)."""
    return {
        "client_order_id": str(order.client_order_id),
        "broker_order_id": str(order.broker_order_id),
        "symbol": order.symbol,
        "side": order.side.value,
        "quantity": str(order.quantity),
        "order_type": order.order_type.value,
        "limit_price": _optional(order.limit_price),
        "stop_price": _optional(order.stop_price),
        "trail": None if order.trail is None else order.trail.text(),
        "trail_limit_offset": None if order.trail is None else _optional(order.trail.limit_offset),
        "tif": order.tif.value,
        "status": order.status.value,
        "filled_qty": str(order.filled_qty),
        "triggered": order.triggered,
        "resting": order.resting,
        "reason": order.reason,
        "created_at": order.created_at.isoformat(),
        "updated_at": order.updated_at.isoformat(),
    }


def decode_order(raw: dict[str, Any], instruments: Mapping[str, Instrument]) -> PaperOrder:
    """Return the PaperOrder that encode_order wrote; ValueError if its instrument is no longer listed."""
    instrument = instruments.get(raw["symbol"])
    if instrument is None:
        raise ValueError(f"it holds an order for {raw['symbol']}, which this paper account no longer lists")
    return PaperOrder(
        client_order_id=ClientOrderId(raw["client_order_id"]),
        broker_order_id=BrokerOrderId(raw["broker_order_id"]),
        instrument=instrument,
        side=Side(raw["side"]),
        quantity=Decimal(raw["quantity"]),
        order_type=OrderType(raw["order_type"]),
        limit_price=_decimal_or_none(raw["limit_price"]),
        stop_price=_decimal_or_none(raw["stop_price"]),
        trail=None if raw.get("trail") is None else replace(
            Trail.from_text(str(raw["trail"])), limit_offset=_decimal_or_none(raw.get("trail_limit_offset"))),
        tif=TimeInForce(raw["tif"]),
        status=OrderStatus(raw["status"]),
        filled_qty=Decimal(raw["filled_qty"]),
        triggered=bool(raw["triggered"]),
        resting=bool(raw["resting"]),
        reason=str(raw["reason"]),
        created_at=datetime.fromisoformat(raw["created_at"]),
        updated_at=datetime.fromisoformat(raw["updated_at"]),
    )
