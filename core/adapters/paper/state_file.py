"""The paper broker's state file: its books, orders and market levels as JSON, written atomically."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from core.adapters.paper.books import Books, Holding
from core.adapters.paper.matching import PaperOrder
from core.domain import (
    AccountId,
    BrokerOrderId,
    ClientOrderId,
    Fill,
    Instrument,
    Money,
    OrderStatus,
    OrderType,
    Price,
    Quantity,
    Side,
    TimeInForce,
    TradeId,
)

VERSION = 1


@dataclass(slots=True)
class PaperState:
    """Everything the paper broker remembers between runs."""

    trading_day: date
    books: Books
    orders: list[PaperOrder] = field(default_factory=list)
    mids: dict[str, Decimal] = field(default_factory=dict)
    closes: dict[str, Decimal] = field(default_factory=dict)


def write_state(path: str, state: PaperState) -> None:
    """Write state to path atomically: a temporary file, flushed and fsynced, then renamed over."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".tmp")
    text = json.dumps(_encode(state), indent=1, sort_keys=True)
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, target)


def read_state(
    path: str, account_id: AccountId, instruments: Mapping[str, Instrument], books: Books
) -> PaperState | None:
    """Load the state at path into books (None if there is no file); ValueError names an unusable file."""
    target = Path(path)
    if not target.exists():
        return None
    try:
        data = json.loads(target.read_text(encoding="utf-8"))
        if data.get("version") != VERSION:
            raise ValueError(f"version {data.get('version')!r}, expected {VERSION}")
        if data["account_id"] != account_id:
            raise ValueError(f"it belongs to paper account {data['account_id']!r}, not {account_id!r}")
        return _decode(data, instruments, books)
    except (OSError, ValueError, ArithmeticError, KeyError, TypeError, AttributeError) as error:
        raise ValueError(
            f"The paper account's state file {target} cannot be used ({error}). "
            "Move it aside to start the paper account afresh."
        ) from error


def _encode(state: PaperState) -> dict[str, Any]:
    books = state.books
    return {
        "version": VERSION,
        "account_id": str(books.account_id),
        "trading_day": state.trading_day.isoformat(),
        "cash": {currency: str(amount) for currency, amount in books.cash.items()},
        "positions": {
            symbol: {"quantity": str(h.quantity), "avg_cost": str(h.avg_cost)} for symbol, h in books.holdings.items()
        },
        "trade_seq": books.trade_seq,
        "order_seq": books.order_seq,
        "orders": [_encode_order(order) for order in state.orders],
        "fills": [_encode_fill(fill) for fill in books.fills],
        "mids": {symbol: str(price) for symbol, price in state.mids.items()},
        "closes": {symbol: str(price) for symbol, price in state.closes.items()},
    }


def _decode(data: dict[str, Any], instruments: Mapping[str, Instrument], books: Books) -> PaperState:
    books.cash = {currency: Decimal(amount) for currency, amount in data["cash"].items()}
    books.holdings = {
        symbol: Holding(Decimal(h["quantity"]), Decimal(h["avg_cost"])) for symbol, h in data["positions"].items()
    }
    books.trade_seq = int(data["trade_seq"])
    books.order_seq = int(data["order_seq"])
    books.fills = [_decode_fill(raw, books.account_id) for raw in data["fills"]]
    return PaperState(
        trading_day=date.fromisoformat(data["trading_day"]),
        books=books,
        orders=[_decode_order(raw, instruments) for raw in data["orders"]],
        mids={symbol: Decimal(price) for symbol, price in data["mids"].items()},
        closes={symbol: Decimal(price) for symbol, price in data["closes"].items()},
    )


def _optional(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _decimal_or_none(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _encode_order(order: PaperOrder) -> dict[str, Any]:
    return {
        "client_order_id": str(order.client_order_id),
        "broker_order_id": str(order.broker_order_id),
        "symbol": order.symbol,
        "side": order.side.value,
        "quantity": str(order.quantity),
        "order_type": order.order_type.value,
        "limit_price": _optional(order.limit_price),
        "stop_price": _optional(order.stop_price),
        "tif": order.tif.value,
        "status": order.status.value,
        "filled_qty": str(order.filled_qty),
        "triggered": order.triggered,
        "resting": order.resting,
        "reason": order.reason,
        "created_at": order.created_at.isoformat(),
        "updated_at": order.updated_at.isoformat(),
    }


def _decode_order(raw: dict[str, Any], instruments: Mapping[str, Instrument]) -> PaperOrder:
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
        tif=TimeInForce(raw["tif"]),
        status=OrderStatus(raw["status"]),
        filled_qty=Decimal(raw["filled_qty"]),
        triggered=bool(raw["triggered"]),
        resting=bool(raw["resting"]),
        reason=str(raw["reason"]),
        created_at=datetime.fromisoformat(raw["created_at"]),
        updated_at=datetime.fromisoformat(raw["updated_at"]),
    )


def _encode_fill(fill: Fill) -> dict[str, Any]:
    return {
        "trade_id": str(fill.trade_id),
        "client_order_id": None if fill.client_order_id is None else str(fill.client_order_id),
        "broker_order_id": None if fill.broker_order_id is None else str(fill.broker_order_id),
        "symbol": fill.symbol,
        "side": fill.side.value,
        "quantity": str(fill.quantity.value),
        "price": str(fill.price.value),
        "commission": str(fill.commission.amount),
        "currency": fill.commission.currency,
        "ts": fill.ts.isoformat(),
    }


def _decode_fill(raw: dict[str, Any], account_id: AccountId) -> Fill:
    return Fill(
        trade_id=TradeId(raw["trade_id"]),
        client_order_id=None if raw["client_order_id"] is None else ClientOrderId(raw["client_order_id"]),
        account_id=account_id,
        symbol=raw["symbol"],
        side=Side(raw["side"]),
        quantity=Quantity(Decimal(raw["quantity"])),
        price=Price(Decimal(raw["price"])),
        commission=Money(Decimal(raw["commission"]), raw["currency"]),
        broker_order_id=None if raw["broker_order_id"] is None else BrokerOrderId(raw["broker_order_id"]),
        ts=datetime.fromisoformat(raw["ts"]),
    )
