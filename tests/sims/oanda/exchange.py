"""One OANDA v20 account: orders as transactions, matched by the paper broker's MatchingEngine on a Market.

Shapes follow the v20 spec (oanda/v20-openapi): decimals as strings, numeric string ids that grow
within the account, every change a transaction (ORDER create, ORDER_FILL, ORDER_CANCEL) that the
transaction stream carries. FIFO (US accounts): a trade with a take-profit, stop-loss or trailing stop
must have a size no open trade of the pair has; otherwise FIFO_VIOLATION_SAFEGUARD_VIOLATION.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from core.adapters.paper.market import Market
from core.adapters.paper.matching import Closure, Execution, MatchingEngine, PaperOrder
from core.domain import AssetClass, BrokerOrderId, ClientOrderId, Instrument, OrderStatus, OrderType, Side, TimeInForce
from tests.sims.oanda.on_fill import DEPENDENT, OnFillOrders

_TYPES = {"MARKET": OrderType.MARKET, "LIMIT": OrderType.LIMIT, "STOP": OrderType.STOP,
          "MARKET_IF_TOUCHED": OrderType.MARKET}
"""A MARKET_IF_TOUCHED order waits here (OandaExchange.touch_orders) until the market crosses its price from the
side of its initialMarketPrice; then it is a market order."""
_TIFS = {"MARKET": ("FOK", "IOC"), "LIMIT": ("GTC", "GTD", "GFD", "FOK", "IOC"),
         "STOP": ("GTC", "GTD", "GFD", "FOK", "IOC"), "MARKET_IF_TOUCHED": ("GTC", "GTD", "GFD")}


@dataclass(frozen=True, slots=True)
class Listing:
    name: str
    pip_location: int
    display_precision: int
    start: Decimal
    minimum_trade_size: Decimal = Decimal(1)
    trade_units_precision: int = 0

    def instrument(self) -> Instrument:
        return Instrument(self.name, "OANDA", self.name.split("_")[1], Decimal(10) ** -self.display_precision,
                          asset_class=AssetClass.FOREX)

    def wire(self) -> dict[str, Any]:
        return {"name": self.name, "type": "CURRENCY", "displayName": self.name.replace("_", "/"),
                "pipLocation": self.pip_location, "displayPrecision": self.display_precision,
                "tradeUnitsPrecision": self.trade_units_precision, "minimumTradeSize": str(self.minimum_trade_size),
                "maximumOrderUnits": "100000000", "marginRate": str(MARGIN_RATE)}


MARGIN_RATE = Decimal("0.05")
"""The margin rate of every listing and of the account (20:1)."""

LISTINGS = (Listing("EUR_USD", -4, 5, Decimal("1.08500")), Listing("USD_JPY", -2, 3, Decimal("151.250")),
            Listing("GBP_USD", -4, 5, Decimal("1.27100")))


class Refusal(Exception):
    """A 400/404 answer: `body` is OANDA's error body."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(body.get("errorMessage", ""))
        self.status = status
        self.body = body


def stamp() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f000Z")


@dataclass(slots=True)
class SimOrder:
    id: str
    wire: dict[str, Any]
    client_id: str
    state: str = "PENDING"


@dataclass(slots=True)
class Position:
    units: Decimal = Decimal(0)
    average: Decimal = Decimal(0)
    trade_sizes: list[Decimal] = field(default_factory=list)


class OandaExchange:
    """The account's book: place, cancel, match on every market step, positions, summary, transactions."""

    def __init__(self, account_id: str = "101-004-1234567-001", listings: tuple[Listing, ...] = LISTINGS,
                 balance: Decimal = Decimal(100000), fifo: bool = True, seed: int = 11) -> None:
        self.account_id = account_id
        self.started = datetime.now(UTC).timestamp()
        """When the live prices start at each listing's `start`: the history's candles reach that price then."""
        self.listings = {item.name: item for item in listings}
        self.market = Market([item.instrument() for item in listings], {i.name: i.start for i in listings},
                             seed=seed, step_bps=Decimal("0.5"))
        self.engine = MatchingEngine()
        self.balance = balance
        self.fifo = fifo
        self.account_margin_rate: Decimal | None = None
        """The trader's leverage setting (the summary's marginRate); margin is held at the higher of it and the
        listing's MARGIN_RATE. None: no override, the summary says MARGIN_RATE."""
        self.orders: dict[str, SimOrder] = {}
        self.transactions: list[dict[str, Any]] = []
        self.positions: dict[str, Position] = {}
        self.listeners: list[Callable[[dict[str, Any]], None]] = []
        self.touch_orders: dict[str, tuple[Decimal, Decimal]] = {}
        self.protected_touch: dict[str, bool] = {}
        """Pending MARKET_IF_TOUCHED orders: id -> (price, initialMarketPrice)."""
        self.expiries: dict[str, datetime] = {}
        """Pending GTD orders: id -> gtdTime."""
        self._response: list[dict[str, Any]] | None = None
        self.on_fill = OnFillOrders(self)
        """The take-profit / stop-loss / trailing stop orders created on a trade when its entry fills (on_fill.py)."""

    # --- transactions ------------------------------------------------------------------------------

    @property
    def last_id(self) -> str:
        return str(len(self.transactions))

    def _record(self, body: dict[str, Any]) -> dict[str, Any]:
        body = {"id": str(len(self.transactions) + 1), "time": stamp(), "accountID": self.account_id,
                "batchID": str(len(self.transactions) + 1), **body}
        self.transactions.append(body)
        if self._response is not None:
            self._response.append(body)
        for listener in list(self.listeners):
            listener(body)
        return body

    def since(self, last: int) -> list[dict[str, Any]]:
        return self.transactions[last:]

    # --- orders --------------------------------------------------------------------------------------

    def place(self, request: Mapping[str, Any], replacing: SimOrder | None = None) -> dict[str, Any]:
        """Handle POST /orders (or, with replacing, PUT /orders/{spec}); return the 201 body or raise Refusal."""
        kind = str(request.get("type", "MARKET"))
        reject_type = f"{kind}_ORDER_REJECT"

        def refuse(reason: str, message: str, status: int = 400) -> Refusal:
            replaces = {"intendedReplacesOrderID": replacing.id} if replacing is not None else {}
            reject = self._record({"type": reject_type, "rejectReason": reason, **_echo(request), **replaces})
            return Refusal(status, {"orderRejectTransaction": reject, "errorCode": reason, "errorMessage": message,
                                    "lastTransactionID": self.last_id})

        if kind not in _TYPES:
            raise refuse("ORDER_TYPE_INVALID" if kind else "ORDER_TYPE_MISSING", f"Invalid order type {kind}")
        listing = self.listings.get(str(request.get("instrument", "")))
        if listing is None:
            raise refuse("INSTRUMENT_UNKNOWN", "Invalid value specified for 'instrument'")
        units = _decimal(request.get("units"))
        if units is None or units == 0:
            raise refuse("UNITS_INVALID", "Invalid value specified for 'units'")
        if units != units.quantize(Decimal(10) ** -listing.trade_units_precision):
            raise refuse("UNITS_PRECISION_EXCEEDED", "The order units specified exceeds the precision allowed")
        if abs(units) < listing.minimum_trade_size:
            raise refuse("UNITS_MIMIMUM_NOT_MET", "The order size does not meet the minimum")
        tif = str(request.get("timeInForce") or ("FOK" if kind == "MARKET" else "GTC"))
        if tif not in _TIFS[kind]:
            raise refuse("TIME_IN_FORCE_INVALID", f"The time in force {tif} is invalid for a {kind} order")
        gtd_time = None
        if tif == "GTD":
            if not request.get("gtdTime"):
                raise refuse("TIME_IN_FORCE_GTD_TIMESTAMP_MISSING",
                             "The TimeInForce is GTD but no GTD timestamp is provided")
            gtd_time = _moment(request["gtdTime"])
            if gtd_time is None:
                raise refuse("INVALID_REQUEST", "Invalid value specified for 'gtdTime'")  # wording UNVERIFIED
            if gtd_time <= datetime.now(UTC):
                raise refuse("TIME_IN_FORCE_GTD_TIMESTAMP_IN_PAST",
                             "The TimeInForce is GTD but the GTD timestamp is in the past")
        price = None
        if kind != "MARKET":
            price = _decimal(request.get("price"))
            if price is None or price <= 0:
                raise refuse("PRICE_MISSING", "The order price is missing")
            if price != price.quantize(Decimal(10) ** -listing.display_precision):
                raise refuse("PRICE_PRECISION_EXCEEDED", "The order price specified exceeds the precision allowed")
            loss = self.on_fill.pending_loss(request, units, price)
            if loss is not None:
                raise refuse(*loss)
        client = request.get("clientExtensions") or {}
        client_id = str(client.get("id", "")) if isinstance(client, Mapping) else ""
        if client_id and any(o.client_id == client_id and o.state == "PENDING" and o is not replacing
                             for o in self.orders.values()):
            raise refuse("CLIENT_ORDER_ID_ALREADY_EXISTS",
                         "The client Order ID specified is already assigned to another pending Order")
        protected = any(request.get(k) for k in ("takeProfitOnFill", "stopLossOnFill", "trailingStopLossOnFill"))
        held = self.positions.get(listing.name)
        if self.fifo and protected and held is not None and abs(units) in held.trade_sizes:
            raise refuse("FIFO_VIOLATION_SAFEGUARD_VIOLATION",
                         "The order would violate FIFO: an open trade of the same instrument has the same size")
        self._response = []
        try:
            extra: dict[str, Any] = {"reason": "CLIENT_ORDER"}
            if replacing is not None:
                self._forget(replacing)
                self._close(replacing, "CLIENT_REQUEST_REPLACED", replacedByOrderID=str(len(self.transactions) + 2))
                extra = {"reason": "REPLACEMENT", "replacesOrderID": replacing.id}
            create = self._record({"type": f"{kind}_ORDER", **_echo(request), "timeInForce": tif, **extra})
            sim = SimOrder(create["id"], {"id": create["id"], "createTime": create["time"], "state": "PENDING",
                                          "type": kind, **_echo(request), "timeInForce": tif}, client_id)
            self.orders[sim.id] = sim
            if gtd_time is not None:
                self.expiries[sim.id] = gtd_time
            if kind == "MARKET_IF_TOUCHED" and price is not None:
                initial = self.market.quote(listing.name).last or listing.start
                sim.wire["initialMarketPrice"] = str(initial)
                self.touch_orders[sim.id] = (price, initial)
                self.protected_touch[sim.id] = protected
                return self._answer(create)
            paper = PaperOrder(
                client_order_id=ClientOrderId(sim.id), broker_order_id=BrokerOrderId(sim.id),
                instrument=listing.instrument(), side=Side.BUY if units > 0 else Side.SELL, quantity=abs(units),
                order_type=_TYPES[kind], limit_price=price if kind in ("LIMIT", "MARKET_IF_TOUCHED") else None,
                stop_price=price if kind == "STOP" else None,
                tif=TimeInForce.IOC if tif in ("FOK", "IOC") else TimeInForce.GTC)
            self._apply(self.engine.add(paper, self.market.quote(listing.name)), protected)
            return self._answer(create)
        finally:
            self._response = None

    def _answer(self, create: dict[str, Any]) -> dict[str, Any]:
        """The 201 body: the create transaction and those it caused (fill, cancel, the replaced order's cancel)."""
        related = self._response or []
        answer: dict[str, Any] = {"orderCreateTransaction": create}
        for body in related:
            key = {"ORDER_FILL": "orderFillTransaction", "ORDER_CANCEL": "orderCancelTransaction"}.get(body["type"])
            if key and body["id"] != create["id"]:
                answer["replacingOrderCancelTransaction" if body.get("replacedByOrderID") else key] = body
        answer["relatedTransactionIDs"] = [t["id"] for t in related]
        answer["lastTransactionID"] = self.last_id
        return answer

    def find(self, spec: str) -> SimOrder:
        if spec.startswith("@"):
            found = [o for o in self.orders.values() if o.client_id == spec[1:]]
            sim = found[-1] if found else None
        else:
            sim = self.orders.get(spec)
        if sim is None:
            raise Refusal(404, {"errorCode": "NO_SUCH_ORDER", "errorMessage": "The order ID specified does not exist",
                                "lastTransactionID": self.last_id})
        return sim

    def replace(self, spec: str, request: Mapping[str, Any]) -> dict[str, Any]:
        """Handle PUT /orders/{spec}: cancel the pending order and create its replacement, keeping its client id."""
        sim = self.find(spec)
        if sim.state != "PENDING":
            reject = self._record({"type": "ORDER_CANCEL_REJECT", "orderID": sim.id, "clientOrderID": sim.client_id,
                                   "rejectReason": "ORDER_DOESNT_EXIST"})
            raise Refusal(404, {"orderCancelRejectTransaction": reject, "errorCode": "ORDER_DOESNT_EXIST",
                                "errorMessage": "The Order specified does not exist",
                                "lastTransactionID": self.last_id})
        body = dict(request)
        body.setdefault("clientExtensions", sim.wire.get("clientExtensions"))
        if sim.wire.get("type") in DEPENDENT:  # a take-profit or stop-loss on a trade: its own rules (on_fill.py)
            return self.on_fill.replace(sim, body)
        return self.place(body, replacing=sim)

    def cancel(self, spec: str) -> dict[str, Any]:
        try:
            sim = self.find(spec)
        except Refusal as refusal:
            reject = self._record({"type": "ORDER_CANCEL_REJECT", "rejectReason": "ORDER_DOESNT_EXIST"})
            refusal.body["orderCancelRejectTransaction"] = reject
            raise
        if sim.state != "PENDING":
            reject = self._record({"type": "ORDER_CANCEL_REJECT", "orderID": sim.id, "clientOrderID": sim.client_id,
                                   "rejectReason": "ORDER_DOESNT_EXIST"})
            raise Refusal(404, {"orderCancelRejectTransaction": reject, "errorCode": "ORDER_DOESNT_EXIST",
                                "errorMessage": "The Order specified does not exist",
                                "lastTransactionID": self.last_id})
        self._forget(sim)
        body = self._close(sim, "CLIENT_REQUEST")
        return {"orderCancelTransaction": body, "relatedTransactionIDs": [body["id"]],
                "lastTransactionID": self.last_id}

    def step(self) -> list[dict[str, Any]]:
        """Move the market one step, match the working orders; return the PRICE lines of the step."""
        prices = []
        now = datetime.now(UTC)
        for order_id, ends in list(self.expiries.items()):
            if ends <= now and self.orders[order_id].state == "PENDING":
                self._forget(self.orders[order_id])
                self._close(self.orders[order_id], "TIME_IN_FORCE_EXPIRED")
        for quote in self.market.step():
            self._apply(self.engine.match(quote), False)
            self._touch(quote.symbol)
            prices.append(self.price(quote.symbol))
        return prices

    def _touch(self, name: str) -> None:
        """Trigger the MARKET_IF_TOUCHED orders of name whose price the market crossed (from their initial side)."""
        quote = self.market.quote(name)
        for order_id, (price, initial) in list(self.touch_orders.items()):
            sim = self.orders[order_id]
            if sim.wire["instrument"] != name:
                continue
            units = Decimal(str(sim.wire["units"]))
            touch = quote.ask if units > 0 else quote.bid
            if touch is None or not (touch >= price if price >= initial else touch <= price):
                continue
            del self.touch_orders[order_id]
            self.expiries.pop(order_id, None)
            paper = PaperOrder(
                client_order_id=ClientOrderId(order_id), broker_order_id=BrokerOrderId(order_id),
                instrument=self.listings[name].instrument(), side=Side.BUY if units > 0 else Side.SELL,
                quantity=abs(units), order_type=OrderType.MARKET, tif=TimeInForce.IOC)
            self._apply(self.engine.add(paper, quote), self.protected_touch.pop(order_id, False))

    def _forget(self, sim: SimOrder) -> None:
        """Take a pending order off the market (a cancel, a replace, an expiry)."""
        self.expiries.pop(sim.id, None)
        if self.touch_orders.pop(sim.id, None) is None:
            self.engine.cancel(ClientOrderId(sim.id))
    def move(self, name: str, ticks: int) -> None:
        """Shift the market of name by ticks at once (a news spike), for tests of orders that wait for a price."""
        self.market.shift(name, ticks)

    def price(self, name: str) -> dict[str, Any]:
        quote = self.market.quote(name)
        places = self.listings[name].display_precision
        bid, ask = f"{quote.bid:.{places}f}", f"{quote.ask:.{places}f}"
        return {"type": "PRICE", "instrument": name, "time": stamp(), "tradeable": True,
                "bids": [{"price": bid, "liquidity": 10000000}], "asks": [{"price": ask, "liquidity": 10000000}],
                "closeoutBid": bid, "closeoutAsk": ask, "status": "tradeable"}

    # --- positions and account -----------------------------------------------------------------------

    def close_position(self, name: str, long_units: str, short_units: str) -> dict[str, Any]:
        held = self.positions.get(name)
        if held is None or held.units == 0 or (held.units > 0 and long_units == "NONE") or (
                held.units < 0 and short_units == "NONE"):
            raise Refusal(400, {"errorCode": "CLOSEOUT_POSITION_DOESNT_EXIST",
                                "errorMessage": "The Position requested to be closed out does not exist",
                                "lastTransactionID": self.last_id})
        side = "long" if held.units > 0 else "short"
        answer = self.place({"type": "MARKET", "instrument": name, "units": str(-held.units), "timeInForce": "FOK",
                             "positionFill": "REDUCE_ONLY"})
        out = {f"{side}OrderCreateTransaction": answer["orderCreateTransaction"],
               "relatedTransactionIDs": answer["relatedTransactionIDs"], "lastTransactionID": self.last_id}
        if "orderFillTransaction" in answer:
            out[f"{side}OrderFillTransaction"] = answer["orderFillTransaction"]
        return out

    def open_positions(self) -> list[dict[str, Any]]:
        out = []
        for name, held in self.positions.items():
            if held.units == 0:
                continue
            side = {"units": str(held.units), "averagePrice": str(held.average), "tradeIDs": [],
                    "unrealizedPL": str(self._unrealized(name, held))}
            flat = {"units": "0", "unrealizedPL": "0.0000"}
            out.append({"instrument": name, "unrealizedPL": side["unrealizedPL"], "pl": "0.0000",
                        "long": side if held.units > 0 else flat, "short": side if held.units < 0 else flat})
        return out

    def summary(self) -> dict[str, Any]:
        unrealized = sum((self._unrealized(n, p) for n, p in self.positions.items()), Decimal(0))
        used = sum((self._margin_usd(n, abs(p.units)) for n, p in self.positions.items()), Decimal(0))
        nav = self.balance + unrealized
        return {"id": self.account_id, "alias": "Primary", "currency": "USD", "balance": _money(self.balance),
                "NAV": _money(nav), "unrealizedPL": _money(unrealized), "marginUsed": _money(used),
                "marginAvailable": _money(nav - used), "marginRate": str(self.account_margin_rate or MARGIN_RATE),
                "openPositionCount": sum(1 for p in self.positions.values() if p.units),
                "pendingOrderCount": sum(1 for o in self.orders.values() if o.state == "PENDING"),
                "hedgingEnabled": False, "lastTransactionID": self.last_id}

    # --- internals -----------------------------------------------------------------------------------

    def _apply(self, outcomes: list[Execution | Closure], protected: bool) -> None:
        for outcome in outcomes:
            sim = self.orders[str(outcome.client_order_id)]
            if isinstance(outcome, Execution):
                refusal = self.on_fill.refusal(sim, outcome) or self._margin_refusal(outcome)
                if refusal is not None:  # OANDA cancels the entry as it would fill: no trade
                    self._close(sim, refusal)
                    continue
                self._fill(sim, outcome, protected)
            elif outcome.status is OrderStatus.CANCELED:
                self._close(sim, "MARKET_HALTED" if sim.wire.get("type") == "MARKET" else "TIME_IN_FORCE_EXPIRED")

    def _fill(self, sim: SimOrder, execution: Execution, protected: bool) -> None:
        units = execution.quantity if execution.side is Side.BUY else -execution.quantity
        held = self.positions.setdefault(execution.instrument.symbol, Position())
        before = held.units
        pl = Decimal(0)
        if before == 0 or (before > 0) == (units > 0):
            held.average = (held.average * abs(before) + execution.price * abs(units)) / (abs(before) + abs(units))
        else:
            closed = min(abs(before), abs(units))
            pl = (execution.price - held.average) * closed * (1 if before > 0 else -1)
            if abs(units) > abs(before):
                held.average = execution.price
        held.units = before + units
        if protected:
            held.trade_sizes.append(abs(units))
        self.balance += pl
        sim.state = "FILLED"
        sim.wire.update(state="FILLED", filledTime=stamp())
        body = self._record({"type": "ORDER_FILL", "orderID": sim.id, "clientOrderID": sim.client_id,
                             "instrument": execution.instrument.symbol, "units": str(units),
                             "price": str(execution.price), "pl": _money(pl), "financing": "0.0000",
                             "commission": "0.0000", "accountBalance": _money(self.balance), "reason": "MARKET_ORDER"
                             if sim.wire.get("type") == "MARKET" else f"{sim.wire.get('type')}_ORDER",
                             **self.on_fill.trade_part(sim, units, str(len(self.transactions) + 1),
                                                       execution.price)})
        sim.wire["fillingTransactionID"] = body["id"]
        self.on_fill.after_fill(sim, body)

    def _close(self, sim: SimOrder, reason: str, **extra: str) -> dict[str, Any]:
        sim.state = "CANCELLED"
        sim.wire.update(state="CANCELLED", cancelledTime=stamp(), **extra)
        return self._record({"type": "ORDER_CANCEL", "orderID": sim.id, "clientOrderID": sim.client_id,
                             "reason": reason, **extra})

    def _margin_usd(self, name: str, units: Decimal, price: Decimal | None = None) -> Decimal:
        """The margin (USD) OANDA holds for units of name: their value in USD × the margin rate. A pair without USD
        is valued through its base's USD pair when listed (else it holds none here)."""
        base, quote = name.split("_")
        if base == "USD":
            value = units
        elif quote == "USD":
            value = units * (price if price is not None else self.market.quote(name).last or Decimal(0))
        elif f"{base}_USD" in self.listings:
            value = units * (self.market.quote(f"{base}_USD").last or Decimal(0))
        else:
            value = Decimal(0)
        return value * max(MARGIN_RATE, self.account_margin_rate or MARGIN_RATE)

    def _margin_refusal(self, execution: Execution) -> str | None:
        """OANDA's answer to a fill that would open more than the margin available covers: the order is canceled
        as it would fill (ORDER_CANCEL reason INSUFFICIENT_MARGIN), nothing trades. A fill that only reduces a
        position needs none."""
        name = execution.instrument.symbol
        units = execution.quantity if execution.side is Side.BUY else -execution.quantity
        held = self.positions.get(name)
        before = held.units if held is not None else Decimal(0)
        same_way = before == 0 or (before > 0) == (units > 0)
        opening = abs(units) if same_way else max(Decimal(0), abs(units) - abs(before))
        if opening == 0:
            return None
        available = Decimal(self.summary()["marginAvailable"])
        return "INSUFFICIENT_MARGIN" if self._margin_usd(name, opening, execution.price) > available else None

    def _unrealized(self, name: str, held: Position) -> Decimal:
        quote = self.market.quote(name)
        mark = quote.bid if held.units > 0 else quote.ask
        return ((mark or held.average) - held.average) * held.units


def _echo(request: Mapping[str, Any]) -> dict[str, Any]:
    keys = ("instrument", "units", "price", "timeInForce", "gtdTime", "positionFill", "clientExtensions",
            "tradeClientExtensions", "takeProfitOnFill", "stopLossOnFill", "trailingStopLossOnFill", "priceBound")
    return {k: request[k] for k in keys if k in request}


def _moment(raw: object) -> datetime | None:
    text = str(raw).replace("Z", "+00:00")
    head, dot, tail = text.partition(".")
    if dot:  # RFC3339 with nanoseconds: datetime takes six digits
        digits = "".join(c for c in tail if c.isdigit())
        text = f"{head}.{digits[:6]}{tail[len(digits):]}"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _decimal(raw: object) -> Decimal | None:
    try:
        return Decimal(str(raw)) if raw is not None else None
    except InvalidOperation:
        return None


def _money(value: Decimal) -> str:
    return f"{value:.4f}"
