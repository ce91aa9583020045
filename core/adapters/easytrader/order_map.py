"""OrderMap: our ClientOrderId -> the broker's entrust number (合同编号), kept in a small JSON file.

easytrader's protocol has no client reference field, so the map is the only link between an order
TradeTerm journaled and the entrust the broker client shows. An order is written here *before* it is
sent (without an entrust number); the number is added when the server answers. When the answer never
comes (a stall or a dropped connection), the order stays unresolved and is claimed later by the first
unclaimed entrust of today with the same code, side, quantity and price: it is never sent again.

Entrust numbers restart every trading day, so the file keeps only today's orders (China time).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from core.adapters.easytrader.parsing import Entrust
from core.atomic_file import write_atomically
from core.domain import ClientOrderId, Side
from core.ports.errors import AccountStateError

VERSION = 1


@dataclass(slots=True)
class MappedOrder:
    """One of our orders: what was sent, and its entrust number once the broker answered (None: unknown)."""

    client_order_id: ClientOrderId
    symbol: str
    side: Side
    quantity: Decimal
    price: Decimal
    sent_at: datetime
    entrust_no: str | None = None
    closed: bool = False
    """True once its cancellation (or voiding) was published, so a restart does not publish it again."""

    def matches(self, entrust: Entrust) -> bool:
        return (entrust.symbol, entrust.side, entrust.quantity, entrust.price) == (
            self.symbol, self.side, self.quantity, self.price)


class OrderMap:
    """The persisted ClientOrderId <-> entrust number map of one trading day (memory only when path is None)."""

    def __init__(self, path: str | None, day: date) -> None:
        self.path = path
        self.day = day
        self._orders: dict[ClientOrderId, MappedOrder] = {}
        self._by_entrust: dict[str, ClientOrderId] = {}
        if path is not None:
            self._load(Path(path))

    # --- queries ---------------------------------------------------------------------------------

    def get(self, client_order_id: ClientOrderId) -> MappedOrder | None:
        return self._orders.get(client_order_id)

    def coid_for(self, entrust_no: str) -> ClientOrderId | None:
        return self._by_entrust.get(entrust_no)

    def unresolved(self) -> list[MappedOrder]:
        """Return the orders sent whose entrust number we never learnt, oldest first."""
        return sorted((o for o in self._orders.values() if o.entrust_no is None), key=lambda o: o.sent_at)

    def __len__(self) -> int:
        return len(self._orders)

    # --- changes (each one written to disk before returning) ---------------------------------------

    def roll(self, day: date) -> None:
        """Forget every order of an earlier trading day (their entrust numbers mean nothing today)."""
        if day != self.day:
            self.day = day
            self._orders.clear()
            self._by_entrust.clear()
            self._save()

    def sending(self, order: MappedOrder) -> None:
        """Record an order about to be sent, so that a crash or stall cannot lose it."""
        self._orders[order.client_order_id] = order
        self._save()

    def resolve(self, client_order_id: ClientOrderId, entrust_no: str) -> None:
        """Record the entrust number the broker gave one of our orders."""
        order = self._orders[client_order_id]
        order.entrust_no = entrust_no
        self._by_entrust[entrust_no] = client_order_id
        self._save()

    def close(self, client_order_id: ClientOrderId) -> None:
        """Record that the order's end (canceled or voided) was published."""
        self._orders[client_order_id].closed = True
        self._save()

    def drop(self, client_order_id: ClientOrderId) -> None:
        """Forget an order the broker refused (it has no entrust)."""
        order = self._orders.pop(client_order_id, None)
        if order is not None and order.entrust_no is not None:
            self._by_entrust.pop(order.entrust_no, None)
        self._save()

    def claim(self, entrusts: Iterable[Entrust]) -> list[tuple[MappedOrder, Entrust]]:
        """Match unresolved orders to unclaimed entrusts with the same code, side, quantity and price; return them."""
        pending = self.unresolved()
        if not pending:
            return []
        claimed = []
        for entrust in sorted(entrusts, key=lambda e: (e.time_text, e.entrust_no)):
            if entrust.entrust_no in self._by_entrust:
                continue
            order = next((o for o in pending if o.matches(entrust)), None)
            if order is None:
                continue
            pending.remove(order)
            order.entrust_no = entrust.entrust_no
            self._by_entrust[entrust.entrust_no] = order.client_order_id
            claimed.append((order, entrust))
        if claimed:
            self._save()
        return claimed

    # --- file ------------------------------------------------------------------------------------

    def _load(self, path: Path) -> None:
        if not path.exists():
            return
        try:
            self._read(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, ArithmeticError, KeyError, TypeError, AttributeError) as exc:
            raise AccountStateError(f"The easytrader order map {path} cannot be read ({exc!r}); move it aside and "
                                    "reconcile the day's orders with the broker client by hand.") from None

    def _read(self, data: object) -> None:
        if not isinstance(data, dict) or data.get("day") != self.day.isoformat():
            return
        for item in data.get("orders", []):
            order = MappedOrder(
                client_order_id=ClientOrderId(item["client_order_id"]),
                symbol=item["symbol"],
                side=Side(item["side"]),
                quantity=Decimal(item["quantity"]),
                price=Decimal(item["price"]),
                sent_at=datetime.fromisoformat(item["sent_at"]),
                entrust_no=item.get("entrust_no"),
                closed=bool(item.get("closed", False)),
            )
            self._orders[order.client_order_id] = order
            if order.entrust_no is not None:
                self._by_entrust[order.entrust_no] = order.client_order_id

    def _save(self) -> None:
        if self.path is None:
            return
        data = {
            "version": VERSION,
            "day": self.day.isoformat(),
            "orders": [
                {
                    "client_order_id": str(o.client_order_id), "symbol": o.symbol, "side": o.side.value,
                    "quantity": str(o.quantity), "price": str(o.price), "sent_at": o.sent_at.isoformat(),
                    "entrust_no": o.entrust_no, "closed": o.closed,
                }
                for o in self._orders.values()
            ],
        }
        write_atomically(self.path, json.dumps(data, indent=1, ensure_ascii=False))
