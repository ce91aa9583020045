"""The e-mail desk's own books: its orders, recorded fills and positions, kept in a JSON file written atomically."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from core.adapters.state_json import decode_fill, encode_fill, read_books, write_json_atomically
from core.domain import (
    AccountId,
    BrokerOrderId,
    ClientOrderId,
    Fill,
    OrderStatus,
    Side,
)

VERSION = 1
ZERO = Decimal(0)


@dataclass(slots=True)
class DeskOrder:
    """An order as the desk knows it: what was mailed, and what the trader has recorded since."""

    client_order_id: ClientOrderId
    broker_order_id: BrokerOrderId
    symbol: str
    currency: str
    side: Side
    quantity: Decimal
    tick_size: Decimal
    lot_size: Decimal
    created_at: datetime
    status: OrderStatus = OrderStatus.SUBMITTED
    filled_qty: Decimal = ZERO
    reason: str = ""
    limit_price: Decimal | None = None
    stop_price: Decimal | None = None
    """The prices mailed (the desk never changes them); absent in files written before they were kept."""

    @property
    def leaves_qty(self) -> Decimal:
        return max(ZERO, self.quantity - self.filled_qty)


@dataclass(slots=True)
class Holding:
    quantity: Decimal = ZERO
    avg_cost: Decimal = ZERO

    def add(self, signed: Decimal, price: Decimal) -> None:
        """Add a signed execution: average in when growing, keep the cost when reducing, reset when flipping."""
        qty = self.quantity
        if qty == 0 or (qty > 0) == (signed > 0):
            self.avg_cost = (self.avg_cost * abs(qty) + price * abs(signed)) / (abs(qty) + abs(signed))
        else:
            remaining = qty + signed
            if remaining == 0:
                self.avg_cost = ZERO
            elif (remaining > 0) != (qty > 0):
                self.avg_cost = price
        self.quantity = qty + signed


@dataclass(slots=True)
class DeskState:
    """Everything the desk account remembers between runs."""

    account_id: AccountId
    order_seq: int = 0
    orders: dict[ClientOrderId, DeskOrder] = field(default_factory=dict)
    fills: list[Fill] = field(default_factory=list)
    holdings: dict[str, Holding] = field(default_factory=dict)

    def next_broker_order_id(self) -> BrokerOrderId:
        self.order_seq += 1
        return BrokerOrderId(f"{self.account_id}-{self.order_seq:06d}")

    def book(self, fill: Fill) -> None:
        """Add fill to the order, the fills and the holding of its symbol."""
        self.fills.append(fill)
        self.holdings.setdefault(fill.symbol, Holding()).add(fill.signed_qty, fill.price.value)
        if fill.client_order_id is not None and fill.client_order_id in self.orders:
            order = self.orders[fill.client_order_id]
            order.filled_qty += fill.quantity.value
            done = order.filled_qty >= order.quantity
            if order.status is not OrderStatus.CANCELED or done:
                order.status = OrderStatus.FILLED if done else OrderStatus.PARTIALLY_FILLED


def write_state(path: str, state: DeskState) -> None:
    """Write state to path atomically (see core.adapters.state_json)."""
    write_json_atomically(path, _encode(state))


def read_state(path: str, account_id: AccountId) -> DeskState | None:
    """Load the desk's state (None if there is no file); ValueError names a file that cannot be used."""
    return read_books(path, account_id, VERSION, lambda data: _decode(data, account_id), "The e-mail desk's",
                      "Move it aside to start the desk account afresh, then reconcile its positions.")


def _encode(state: DeskState) -> dict[str, Any]:
    return {
        "version": VERSION,
        "account_id": str(state.account_id),
        "order_seq": state.order_seq,
        "orders": [_encode_order(o) for o in state.orders.values()],
        "fills": [encode_fill(f) for f in state.fills],
        "holdings": {s: {"quantity": str(h.quantity), "avg_cost": str(h.avg_cost)} for s, h in state.holdings.items()},
    }


def _decode(data: dict[str, Any], account_id: AccountId) -> DeskState:
    orders = [_decode_order(raw) for raw in data["orders"]]
    return DeskState(
        account_id=account_id,
        order_seq=int(data["order_seq"]),
        orders={o.client_order_id: o for o in orders},
        fills=[decode_fill(raw, account_id) for raw in data["fills"]],
        holdings={s: Holding(Decimal(h["quantity"]), Decimal(h["avg_cost"])) for s, h in data["holdings"].items()},
    )


def _encode_order(order: DeskOrder) -> dict[str, Any]:
    return {
        "client_order_id": str(order.client_order_id),
        "broker_order_id": str(order.broker_order_id),
        "symbol": order.symbol,
        "currency": order.currency,
        "side": order.side.value,
        "quantity": str(order.quantity),
        "tick_size": str(order.tick_size),
        "lot_size": str(order.lot_size),
        "created_at": order.created_at.isoformat(),
        "status": order.status.value,
        "filled_qty": str(order.filled_qty),
        "reason": order.reason,
        **({"limit_price": str(order.limit_price)} if order.limit_price is not None else {}),
        **({"stop_price": str(order.stop_price)} if order.stop_price is not None else {}),
    }


def _decode_order(raw: dict[str, Any]) -> DeskOrder:
    return DeskOrder(
        client_order_id=ClientOrderId(raw["client_order_id"]),
        broker_order_id=BrokerOrderId(raw["broker_order_id"]),
        symbol=str(raw["symbol"]),
        currency=str(raw["currency"]),
        side=Side(raw["side"]),
        quantity=Decimal(raw["quantity"]),
        tick_size=Decimal(raw["tick_size"]),
        lot_size=Decimal(raw["lot_size"]),
        created_at=datetime.fromisoformat(raw["created_at"]),
        status=OrderStatus(raw["status"]),
        filled_qty=Decimal(raw["filled_qty"]),
        reason=str(raw["reason"]),
        limit_price=Decimal(raw["limit_price"]) if raw.get("limit_price") is not None else None,
        stop_price=Decimal(raw["stop_price"]) if raw.get("stop_price") is not None else None,
    )
