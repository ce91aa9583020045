"""Alpaca's multi-leg orders in the simulator: order_class bracket, oto and oco, as Alpaca books and works them.

POST /v2/orders with `order_class` and `take_profit{limit_price}` / `stop_loss{stop_price, limit_price?}` books the
entry and its exit legs at once; the answer carries the legs under `legs`, each with its own Alpaca id and its own
client_order_id (Alpaca's, not ours). The legs wait `held` until the entry has filled, then work (`new`); when one
leg fills the other is canceled by Alpaca; cancelling the entry (or its expiry) cancels the held legs. GET
/v2/orders lists every order flat unless `nested=true`, which rolls the legs up under their entry.

Refusals, in Alpaca's words where they are known (../shared/reference/alpaca-oanda.md A9; the base-price one is
the 422 that traders meet, e.g. forum.alpaca.markets "take_profit.limit_price must be >= base_price + 0.01"):
the take-profit must be a cent beyond the base price (the entry's limit, its stop, else the market) on the
profit side, the stop-loss a cent beyond it on the loss side; a bracket needs both legs and day or gtc; no
extended hours; an OCO is a limit; an OTO has one leg.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.sims.alpaca.exchange import AlpacaExchange

CLASSES = ("", "simple", "bracket", "oco", "oto")
CENT = Decimal("0.01")


def _error(status: int, code: int, message: str) -> Exception:
    from tests.sims.alpaca.exchange import AlpacaError

    return AlpacaError(status, code, message)


@dataclass(frozen=True, slots=True)
class LegAsk:
    """One exit leg a request asks for."""

    type: str
    limit_price: Decimal | None
    stop_price: Decimal | None


def asked_legs(body: dict[str, Any], side: str, kind: str, tif: str, extended_hours: bool,
               base_price: Decimal) -> tuple[str, list[LegAsk]]:
    """Return the request's order class and the legs it asks for (none for a simple order); AlpacaError if refused."""
    from tests.sims.alpaca.exchange import _check_penny, _decimal

    order_class = str(body.get("order_class") or "")
    if order_class not in CLASSES:
        raise _error(422, 40010001, f"invalid order_class {order_class!r}: use one of simple, bracket, oco, oto")
    take_profit, stop_loss = body.get("take_profit") or {}, body.get("stop_loss") or {}
    if order_class in ("", "simple"):
        return "simple", []
    if not isinstance(take_profit, dict) or not isinstance(stop_loss, dict):
        raise _error(422, 40010001, "take_profit and stop_loss must be objects")
    target = _decimal(take_profit, "limit_price")
    stop = _decimal(stop_loss, "stop_price")
    stop_limit = _decimal(stop_loss, "limit_price")
    if order_class in ("bracket", "oco") and (target is None or stop is None):
        raise _error(422, 40010001, f"{order_class} orders require take_profit.limit_price and stop_loss.stop_price")
    if order_class == "oto" and (target is None) == (stop is None):
        raise _error(422, 40010001, "oto orders require exactly one of take_profit or stop_loss")
    if tif not in ("day", "gtc"):
        raise _error(422, 42210000, f"{order_class} orders must be day or gtc")  # wording UNVERIFIED
    if extended_hours:
        raise _error(422, 42210000, f"{order_class} orders cannot be extended hours orders")  # wording UNVERIFIED
    if order_class == "oco" and kind != "limit":
        raise _error(422, 42210000, "oco orders must be limit orders")  # wording UNVERIFIED
    for name, price in (("take_profit.limit_price", target), ("stop_loss.stop_price", stop),
                        ("stop_loss.limit_price", stop_limit)):
        if price is not None:
            _check_penny(name, price)
    buy = side == "buy" if order_class != "oco" else side == "sell"  # an OCO's legs exit a position: no entry
    if target is not None:
        if buy and target < base_price + CENT:
            raise _error(422, 42210000, "take_profit.limit_price must be >= base_price + 0.01")
        if not buy and target > base_price - CENT:
            raise _error(422, 42210000, "take_profit.limit_price must be <= base_price - 0.01")
    if stop is not None:
        if buy and stop > base_price - CENT:
            raise _error(422, 42210000, "stop_loss.stop_price must be <= base_price - 0.01")
        if not buy and stop < base_price + CENT:
            raise _error(422, 42210000, "stop_loss.stop_price must be >= base_price + 0.01")
    legs = []
    if target is not None and order_class != "oco":
        legs.append(LegAsk("limit", target, None))
    if stop is not None:
        legs.append(LegAsk("stop_limit" if stop_limit is not None else "stop", stop_limit, stop))
    return order_class, legs


@dataclass
class MultiLegBook:
    """Which orders are legs of which entry; starts and ends legs as their entry and siblings change."""

    exchange: AlpacaExchange
    legs_of: dict[str, list[str]] = field(default_factory=dict)
    parent_of: dict[str, str] = field(default_factory=dict)

    def book(self, parent: dict[str, Any], order_class: str, legs: list[LegAsk]) -> None:
        """Book the legs of a just-booked entry (held until it fills; an OCO's stop works with it at once)."""
        if not legs:
            return
        parent["order_class"] = order_class
        ids = []
        for ask in legs:
            leg_id = str(uuid.uuid4())
            kind = ask.type
            exit_side = "sell" if parent["side"] == "buy" else "buy"
            leg = dict(parent, id=leg_id, client_order_id=str(uuid.uuid4()), order_type=kind, type=kind,
                       side=parent["side"] if order_class == "oco" else exit_side,
                       limit_price=_text(ask.limit_price), stop_price=_text(ask.stop_price), status="held",
                       notional=None, trail_percent=None, trail_price=None, legs=None)
            self.exchange.orders[leg_id] = leg
            self.exchange.by_client[leg["client_order_id"]] = leg_id
            self.parent_of[leg_id] = parent["id"]
            ids.append(leg_id)
        self.legs_of[parent["id"]] = ids
        if order_class == "oco":
            for leg_id in ids:
                self._start(leg_id)

    def after_set(self, order: dict[str, Any]) -> None:
        """Follow an order's new status: a filled entry starts its legs, an ended one cancels them; a filled leg
        cancels its siblings."""
        status = order["status"]
        order_id = order["id"]
        if order_id in self.legs_of:
            if status == "filled":
                for leg_id in self.legs_of[order_id]:
                    if self.exchange.orders[leg_id]["status"] == "held":
                        self._start(leg_id)
            elif status in ("canceled", "expired", "rejected", "done_for_day"):
                for leg_id in self.legs_of[order_id]:
                    self._end(leg_id)
        parent = self.parent_of.get(order_id)
        if parent is not None and status == "filled":
            for sibling in self.legs_of[parent]:
                if sibling != order_id:
                    self._end(sibling)

    def replaced(self, old_id: str, new_id: str) -> None:
        """A leg (or an entry) replaced by a new order: the new one takes its place in the group."""
        parent = self.parent_of.pop(old_id, None)
        if parent is not None:
            self.parent_of[new_id] = parent
            self.legs_of[parent] = [new_id if i == old_id else i for i in self.legs_of[parent]]
        legs = self.legs_of.pop(old_id, None)
        if legs is not None:
            self.legs_of[new_id] = legs
            for leg in legs:
                self.parent_of[leg] = new_id

    def nested(self, order: dict[str, Any]) -> dict[str, Any] | None:
        """Return order as GET …?nested=true shows it (legs rolled up under the entry); None for a leg."""
        if order["id"] in self.parent_of:
            return None
        return self.with_legs(order)

    def with_legs(self, order: dict[str, Any]) -> dict[str, Any]:
        ids = self.legs_of.get(order["id"])
        return dict(order, legs=[dict(self.exchange.orders[i]) for i in ids]) if ids else dict(order)

    def _start(self, leg_id: str) -> None:
        self.exchange.orders[leg_id]["status"] = "accepted"
        self.exchange.incoming(leg_id)

    def _end(self, leg_id: str) -> None:
        leg = self.exchange.orders[leg_id]
        if leg["status"] == "held":
            self.exchange.set_status(leg, "canceled")
        elif leg["status"] not in ("filled", "canceled", "expired", "rejected", "replaced"):
            self.exchange.cancel(leg_id)


def _text(value: Decimal | None) -> str | None:
    return str(value) if value is not None else None


def fill_now(exchange: AlpacaExchange, order_id: str, price: Decimal) -> None:
    """Test helper: fill a working order's rest at price now, as the market would (its trade update, its FILL)."""
    from core.adapters.paper.matching import Execution
    from core.domain import BrokerOrderId, ClientOrderId, Side

    order = exchange.orders[order_id]
    if order_id in exchange._incoming:
        exchange._incoming.remove(order_id)
    paper = exchange.engine.orders.get(ClientOrderId(order_id))
    if paper is not None and paper.is_working:
        exchange.engine.cancel(ClientOrderId(order_id))  # the engine lets go of it; the fill below ends it
    rest = Decimal(order["qty"]) - Decimal(order["filled_qty"])
    instrument = exchange.by_symbol[order["symbol"]].instrument()
    exchange._fill(order, Execution(ClientOrderId(order_id), BrokerOrderId(order_id), instrument,
                                    Side(order["side"].upper()), rest, price, Decimal(0)))
