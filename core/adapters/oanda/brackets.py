"""OANDA's own brackets for TradeTerm's native brackets: takeProfitOnFill / stopLossOnFill on the entry.

OANDA holds a bracket's children as details of the entry order until it fills; at the fill it creates a
TAKE_PROFIT and/or STOP_LOSS order on the new trade (transactions TAKE_PROFIT_ORDER / STOP_LOSS_ORDER with the
tradeID, reason ON_FILL), and when one of them fills the trade is closed and OANDA cancels the other
(LINKED_TRADE_CLOSED), whether TradeTerm runs or not (core/ports/native_protection.py).

Each detail carries the child's client order id in its clientExtensions, so the order OANDA creates from it is the
child under our id: its create, fill and cancel reach the child through the adapter's ordinary transaction
handling. Before the fill a child exists only on its entry: `OnFillChildren` remembers which entry holds which
children (from the entry's create transaction), so that an entry cancelled (or refused at its fill, as OANDA does
with TAKE_PROFIT_ON_FILL_LOSS) ends its children too, and a change to the entry keeps them on it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from core.domain import BrokerOrderId, ClientOrderId, Order, OrderStatus, OrderType, Side
from core.domain.protection import ProtectionLeg, child_order_id
from core.ports.broker import BrokerOrderState
from core.ports.errors import OrderRejected

DETAIL_KEYS = ("takeProfitOnFill", "stopLossOnFill", "trailingStopLossOnFill")
DEPENDENT = frozenset({"TAKE_PROFIT", "STOP_LOSS", "TRAILING_STOP_LOSS"})
"""OANDA's orders on a trade (they carry its tradeID, no units)."""
ON_FILL_LOSS = {
    "TAKE_PROFIT_ON_FILL_LOSS": "OANDA cancelled the entry as it filled: its take-profit would have closed the trade "
                                "at once at a loss. Put the take-profit beyond the fill price and send it again.",
    "STOP_LOSS_ON_FILL_LOSS": "OANDA cancelled the entry as it filled: its stop-loss would have closed the trade at "
                              "once. Put the stop-loss beyond the fill price and send it again.",
    "LINKED_TRADE_CLOSED": "the other side of the bracket closed the trade at OANDA",
}


def on_fill_details(children: Sequence[Order]) -> dict[str, Any]:
    """Return the entry body's takeProfitOnFill / stopLossOnFill, each with its child's id in clientExtensions."""
    out: dict[str, Any] = {}
    for child in children:
        tag = {"id": str(child.client_order_id), "tag": "tradeterm"}
        if child.order_type is OrderType.LIMIT and child.limit_price is not None:
            out["takeProfitOnFill"] = {"price": _plain(child.limit_price.value), "timeInForce": "GTC",
                                       "clientExtensions": tag}
        elif child.stop_price is not None:
            out["stopLossOnFill"] = {"price": _plain(child.stop_price.value), "timeInForce": "GTC",
                                     "clientExtensions": tag}
    return out


def refusal(entry: Order, children: Sequence[Order]) -> list[BaseException | None] | None:
    """Return every leg's refusal when OANDA cannot hold these children on entry (before anything is sent)."""
    kinds = [c.order_type for c in children]
    problem = None
    if len(set(kinds)) != len(kinds) or any(k not in (OrderType.LIMIT, OrderType.STOP) for k in kinds):
        problem = "An OANDA bracket has one take-profit and/or one stop-loss."
    elif any(c.quantity != entry.quantity for c in children):
        problem = "OANDA's take-profit and stop-loss close the whole trade the entry opens."
    return None if problem is None else [OrderRejected(problem)] * (1 + len(children))


def waiting_children(wire: Mapping[str, Any]) -> Iterator[BrokerOrderState]:
    """Yield the children a pending entry (an OANDA order as listed) still holds as details, as working orders."""
    if wire.get("state") != "PENDING":
        return
    units = Decimal(str(wire.get("units", "0")))
    for key in DETAIL_KEYS:
        details = wire.get(key) or {}
        child = (details.get("clientExtensions") or {}).get("id")
        if not child:
            continue
        price = Decimal(str(details["price"])) if details.get("price") is not None else None
        take = key == "takeProfitOnFill"
        yield BrokerOrderState(ClientOrderId(str(child)), BrokerOrderId(str(wire["id"])),
                               str(wire.get("instrument", "")), Side.SELL if units > 0 else Side.BUY, abs(units),
                               Decimal(0), OrderStatus.ACCEPTED, limit_price=price if take else None,
                               stop_price=None if take else price)


def entry_id_of(child: ClientOrderId) -> ClientOrderId | None:
    """Return the entry's id a native child's id derives from (`child_order_id`), or None if it is not one."""
    entry = ClientOrderId("T" + str(child)[1:])
    legs = (ProtectionLeg.TAKE_PROFIT, ProtectionLeg.STOP_LOSS)
    return entry if any(child_order_id(entry, leg) == child for leg in legs) else None


@dataclass
class OnFillChildren:
    """Which of our entries hold which children as on-fill details, and the details to keep on a change."""

    held: dict[ClientOrderId, dict[str, Any]] = field(default_factory=dict)
    """Entry id -> its on-fill details (each naming its child in clientExtensions)."""
    created: set[ClientOrderId] = field(default_factory=set)
    """Children OANDA has made orders of (the entry filled)."""
    on_trade: dict[ClientOrderId, tuple[str, str]] = field(default_factory=dict)
    """Child made an order -> (TAKE_PROFIT | STOP_LOSS | TRAILING_STOP_LOSS, the trade's id)."""
    units: dict[ClientOrderId, Decimal] = field(default_factory=dict)
    """Child -> the units it closes (its entry's; OANDA's orders on a trade carry none)."""

    def note(self, tx: Mapping[str, Any], coid: ClientOrderId) -> list[tuple[ClientOrderId, bool, Decimal]]:
        """Note an order of ours (its create transaction, or its listing): an entry's details, or a child made an
        order on the trade. Return the children whose detail this entry now holds at another price than it did
        (child, is the take-profit, its new price): moved by a replace of the entry (waiting_move.py)."""
        details = {k: tx[k] for k in DETAIL_KEYS if isinstance(tx.get(k), Mapping) and
                   (tx[k].get("clientExtensions") or {}).get("id")}
        moved: list[tuple[ClientOrderId, bool, Decimal]] = []
        before = self.held.get(coid, {})
        for key, detail in details.items():
            was, now = _price(before.get(key)), _price(detail)
            if was is not None and now is not None and was != now:
                moved.append((ClientOrderId(str(detail["clientExtensions"]["id"])), key == "takeProfitOnFill", now))
        if details:
            self.held[coid] = details
            units = abs(Decimal(str(tx.get("units") or "0")))
            for detail in details.values():
                self.units[ClientOrderId(str(detail["clientExtensions"]["id"]))] = units
        kind = str(tx.get("type", "")).removesuffix("_ORDER")
        if kind in DEPENDENT and tx.get("tradeID"):
            self.created.add(coid)
            self.on_trade[coid] = (kind, str(tx["tradeID"]))
        return moved

    def replacement(self, coid: ClientOrderId, changed: Order) -> dict[str, Any] | None:
        """The body that replaces a child OANDA has made an order on its trade (the same type on the same trade,
        at the changed price), or None when coid is no such child."""
        known = self.on_trade.get(coid)
        if known is None:
            return None
        kind, trade = known
        price = changed.limit_price if kind == "TAKE_PROFIT" else changed.stop_price
        if price is None:
            return None
        return {"type": kind, "tradeID": trade, "price": _plain(price.value), "timeInForce": "GTC",
                "clientExtensions": {"id": str(coid), "tag": "tradeterm"}}

    def learn(self, orders: Sequence[Mapping[str, Any]]) -> tuple[BrokerOrderState, ...]:
        """Learn from OANDA's order list which entries hold which children (after a restart the create transactions
        are not read again); return those children still held, as working orders."""
        for wire in orders:
            client = (wire.get("clientExtensions") or {}).get("id")
            if client:
                self.note(wire, ClientOrderId(str(client)))
        return tuple(state for wire in orders for state in waiting_children(wire))

    def waiting_entry(self, child: ClientOrderId) -> ClientOrderId | None:
        """Return the entry that still holds child as a detail (OANDA has made no order of it yet), or None."""
        if child in self.created:
            return None
        for entry, details in self.held.items():
            if any(str(d["clientExtensions"]["id"]) == str(child) for d in details.values()):
                return entry
        return None

    def details_of(self, entry: ClientOrderId) -> dict[str, Any]:
        """The on-fill details to send again with a change to entry (a replace without them would drop them)."""
        return dict(self.held.get(entry, {}))

    def orphaned(self, entry: ClientOrderId) -> list[ClientOrderId]:
        """Return the children that end with entry (cancelled before its fill): those OANDA never made orders of."""
        details = self.held.pop(entry, {})
        children = [ClientOrderId(str(d["clientExtensions"]["id"])) for d in details.values()]
        return [c for c in children if c not in self.created]


ENTRY_KEYS = ("type", "instrument", "units", "price", "timeInForce", "gtdTime", "positionFill", "clientExtensions",
              "tradeClientExtensions", "priceBound", "triggerCondition", *DETAIL_KEYS)


def entry_body(wire: Mapping[str, Any], child: ClientOrderId) -> dict[str, Any]:
    """The replacement of a pending entry (as OANDA lists it) without child's detail (the child cancelled)."""
    body = {k: wire[k] for k in ENTRY_KEYS if k in wire}
    for key in DETAIL_KEYS:
        detail = body.get(key)
        if isinstance(detail, Mapping) and str((detail.get("clientExtensions") or {}).get("id")) == str(child):
            del body[key]
    return body


def cancel_words(reason: str) -> str | None:
    """The trader's words for OANDA's cancel reasons about brackets, or None for the others."""
    return ON_FILL_LOSS.get(reason)


def _price(detail: object) -> Decimal | None:
    if not isinstance(detail, Mapping) or detail.get("price") is None:
        return None
    return Decimal(str(detail["price"]))


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f")
