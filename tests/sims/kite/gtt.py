"""GTT (good-till-triggered) as Kite works it: /gtt/triggers, and the triggers fired from the simulator's prices.

Kite's contract (pykiteconnect connect.py, ../shared/reference/ib-kite-next.md B5): POST /gtt/triggers takes the
form fields type (single | two-leg), condition (JSON: exchange, tradingsymbol, trigger_values, last_price) and
orders (JSON: one LIMIT order per trigger value: exchange, tradingsymbol, transaction_type, quantity, order_type,
product, price) and answers {"trigger_id": n}; GET /gtt/triggers lists them, GET/PUT/DELETE
/gtt/triggers/{id} read, replace (every field again) and delete one, each answering {"trigger_id": n}.
A single GTT fires when the last price crosses its value (from the side it was placed on); a two-leg GTT (an OCO)
fires its first order when the price falls to the lower value and its second when it rises to the upper one.
A fired GTT places its order as a regular order and becomes `triggered`, the order's id in its result.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from aiohttp import web

from core.domain import Quote

if TYPE_CHECKING:
    from tests.sims.kite.exchange import KiteExchange

TYPES = {"single": 1, "two-leg": 2}
ACTIVE, TRIGGERED, DELETED = "active", "triggered", "deleted"
TOO_CLOSE = "Trigger price was too close to the last price."


def _input(message: str) -> Exception:
    from tests.sims.kite.exchange import KiteError

    return KiteError(400, "InputException", message)


class GttBook:
    """One user's GTTs, kept by the exchange; `check` fires them from each new quote."""

    def __init__(self, exchange: KiteExchange) -> None:
        self._exchange = exchange
        self.triggers: dict[int, dict[str, Any]] = {}
        self._ids = itertools.count(101)

    # --- requests --------------------------------------------------------------------------------

    def place(self, form: Mapping[str, str]) -> int:
        """Validate and keep a new GTT; return its id."""
        record = self._record(form)
        trigger_id = next(self._ids)
        now = self._now()
        record.update(id=trigger_id, user_id=self._exchange.user_id, parent_trigger=None, created_at=now,
                      updated_at=now, expires_at=self._now(days=365), status=ACTIVE, meta={})
        self.triggers[trigger_id] = record
        return trigger_id

    def modify(self, trigger_id: int, form: Mapping[str, str]) -> int:
        """Replace an active GTT's condition and orders (Kite wants every field again)."""
        record = self._active(trigger_id)
        record.update(self._record(form), updated_at=self._now())
        return trigger_id

    def delete(self, trigger_id: int) -> int:
        record = self._active(trigger_id)
        record.update(status=DELETED, updated_at=self._now())
        return trigger_id

    def get(self, trigger_id: int) -> dict[str, Any]:
        record = self.triggers.get(trigger_id)
        if record is None or record["status"] == DELETED:
            raise _input(f"Invalid trigger ID: {trigger_id}.")
        return json.loads(json.dumps(record))

    def listed(self) -> list[dict[str, Any]]:
        return [json.loads(json.dumps(r)) for r in self.triggers.values() if r["status"] != DELETED]

    # --- firing ----------------------------------------------------------------------------------

    def check(self, quote: Quote) -> None:
        """Fire every active GTT of quote's symbol whose trigger the last price has reached."""
        last = quote.last
        if last is None:
            return
        for record in list(self.triggers.values()):
            condition = record["condition"]
            if record["status"] != ACTIVE or condition["tradingsymbol"] != quote.symbol:
                continue
            leg = _leg_reached(record["type"], condition, last)
            if leg is not None:
                self._fire(record, leg, last)

    def _fire(self, record: dict[str, Any], leg: int, last: Decimal) -> None:
        order = record["orders"][leg]
        form = {"exchange": order["exchange"], "tradingsymbol": order["tradingsymbol"],
                "transaction_type": order["transaction_type"], "quantity": str(order["quantity"]),
                "order_type": order["order_type"], "product": order["product"], "price": str(order["price"])}
        from tests.sims.kite.exchange import KiteError

        now = self._now()
        try:
            order_id = self._exchange.place("regular", form)
            status = self._exchange.orders[order_id].order["status"]
            outcome = {"status": "failed" if status == "REJECTED" else "success", "order_id": order_id,
                       "rejection_reason": self._exchange.orders[order_id].order["status_message"] or ""}
        except KiteError as exc:
            outcome = {"status": "failed", "order_id": "", "rejection_reason": exc.message}
        order["result"] = {"account_id": self._exchange.user_id, "exchange": order["exchange"],
                           "tradingsymbol": order["tradingsymbol"], "validity": "DAY", "product": order["product"],
                           "order_type": order["order_type"], "transaction_type": order["transaction_type"],
                           "quantity": order["quantity"], "price": order["price"], "meta":
                           json.dumps({"app_id": 12617, "gtt": record["id"]}), "timestamp": now,
                           "triggered_at": float(last), "order_result": outcome}
        record.update(status=TRIGGERED, updated_at=now)

    # --- parsing ---------------------------------------------------------------------------------

    def _record(self, form: Mapping[str, str]) -> dict[str, Any]:
        kind = form.get("type", "")
        if kind not in TYPES:
            raise _input("Invalid `type`: use single or two-leg.")
        try:
            condition = json.loads(form.get("condition", ""))
            orders = json.loads(form.get("orders", ""))
        except json.JSONDecodeError:
            raise _input("Invalid `condition` or `orders`: send them as JSON.") from None
        if not isinstance(condition, dict) or not isinstance(orders, list):
            raise _input("Invalid `condition` or `orders`.")
        values = [_price(v, "trigger_values") for v in condition.get("trigger_values") or []]
        if len(values) != TYPES[kind] or len(orders) != TYPES[kind]:
            raise _input(f"A {kind} GTT takes {TYPES[kind]} trigger value(s) and as many orders.")
        symbol = str(condition.get("tradingsymbol", ""))
        listing = self._exchange.listings.get(symbol)
        if listing is None or condition.get("exchange") != listing.exchange:
            raise _input(f"Invalid instrument {condition.get('exchange')}:{symbol}.")
        last = _price(condition.get("last_price"), "last_price")
        if kind == "two-leg" and not values[0] < last < values[1]:
            raise _input("For a two-leg GTT the lower trigger must be below the last price and the upper above it.")
        if any(abs(v - last) / last < Decimal("0.0025") for v in values):
            raise _input(TOO_CLOSE)
        for order in orders:
            if order.get("order_type") != "LIMIT" or order.get("product") not in ("CNC", "MIS", "NRML"):
                raise _input("GTT orders are LIMIT orders with a product of CNC, MIS or NRML.")
            if order.get("tradingsymbol") != symbol or int(order.get("quantity") or 0) <= 0:
                raise _input("Each GTT order is for the condition's instrument and a positive quantity.")
            _price(order.get("price"), "price")
        condition = {**condition, "trigger_values": [float(v) for v in values], "last_price": float(last),
                     "instrument_token": listing.token}
        return {"type": kind, "condition": condition,
                "orders": [{**order, "result": None} for order in orders]}

    def _active(self, trigger_id: int) -> dict[str, Any]:
        record = self.triggers.get(trigger_id)
        if record is None or record["status"] == DELETED:
            raise _input(f"Invalid trigger ID: {trigger_id}.")
        if record["status"] != ACTIVE:
            raise _input(f"The GTT {trigger_id} is {record['status']} and can no longer be changed.")
        return record

    @staticmethod
    def _now(days: int = 0) -> str:
        from tests.sims.kite.exchange import IST, stamp

        return stamp(datetime.now(IST) + timedelta(days=days))


def _price(raw: object, name: str) -> Decimal:
    try:
        value = Decimal(str(raw))
    except (InvalidOperation, ValueError):
        raise _input(f"Invalid `{name}`.") from None
    if not value.is_finite() or value <= 0:
        raise _input(f"Invalid `{name}`.")
    return value


def _leg_reached(kind: str, condition: Mapping[str, Any], last: Decimal) -> int | None:
    values = [Decimal(str(v)) for v in condition["trigger_values"]]
    if kind == "two-leg":
        return 0 if last <= values[0] else 1 if last >= values[1] else None
    placed_at = Decimal(str(condition["last_price"]))
    below = values[0] < placed_at
    return 0 if (last <= values[0] if below else last >= values[0]) else None


def routes(book: Callable[[], GttBook], ok: Callable[[Any], web.Response]) -> list[web.RouteDef]:
    """Return the /gtt/triggers routes of the simulator's server (book: the current exchange's GttBook)."""

    async def place(request: web.Request) -> web.Response:
        form = {k: str(v) for k, v in (await request.post()).items()}
        return ok({"trigger_id": book().place(form)})

    async def listed(request: web.Request) -> web.Response:
        return ok(book().listed())

    async def one(request: web.Request) -> web.Response:
        return ok(book().get(_trigger_id(request)))

    async def modify(request: web.Request) -> web.Response:
        form = {k: str(v) for k, v in (await request.post()).items()}
        return ok({"trigger_id": book().modify(_trigger_id(request), form)})

    async def delete(request: web.Request) -> web.Response:
        return ok({"trigger_id": book().delete(_trigger_id(request))})

    return [web.post("/gtt/triggers", place), web.get("/gtt/triggers", listed),
            web.get("/gtt/triggers/{trigger_id}", one), web.put("/gtt/triggers/{trigger_id}", modify),
            web.delete("/gtt/triggers/{trigger_id}", delete)]


def _trigger_id(request: web.Request) -> int:
    raw = request.match_info["trigger_id"]
    if not raw.isdigit():
        raise _input(f"Invalid trigger ID: {raw}.")
    return int(raw)
