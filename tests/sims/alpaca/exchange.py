"""AlpacaExchange: one Alpaca account's orders, fills, positions and cash, matched by the paper MatchingEngine.

Orders, assets, positions and the account are kept in Alpaca's JSON shapes (alpaca-py's models accept them;
see ../shared/reference/alpaca-oanda.md A3-A5, A9). A refusal raises AlpacaError with Alpaca's HTTP status and
error body; an accepted order answers `pending_new` and is taken by the market on its next step, as Alpaca's
order is accepted first and filled later.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from core.adapters.paper.market import Market
from core.adapters.paper.matching import ChangeRefused, Closure, Execution, MatchingEngine, PaperOrder
from core.domain import BrokerOrderId, ClientOrderId, Instrument, OrderStatus, OrderType, Quote, Side, TimeInForce
from core.domain.trailing import Trail, TrailUnit
from tests.sims.alpaca.brackets import MultiLegBook, asked_legs
from tests.sims.alpaca.stream import trade_update

TYPES = {"market": OrderType.MARKET, "limit": OrderType.LIMIT, "stop": OrderType.STOP,
         "stop_limit": OrderType.STOP_LIMIT, "trailing_stop": OrderType.TRAIL}
TIFS = {"day": TimeInForce.DAY, "gtc": TimeInForce.GTC, "ioc": TimeInForce.IOC, "fok": TimeInForce.IOC,
        "opg": TimeInForce.IOC, "cls": TimeInForce.IOC}
"""FOK is matched as IOC once the displayed size covers it all (see AlpacaExchange._take); OPG and CLS orders
as IOC at their auction."""
AUCTIONS = ("opg", "cls")
OPEN = ("pending_new", "new", "accepted", "partially_filled", "pending_cancel", "pending_replace", "held")


class AlpacaError(Exception):
    """A refusal as Alpaca answers it: HTTP status and the body {"code": …, "message": …}."""

    def __init__(self, status: int, code: int | None, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.body: dict[str, Any] = ({"code": code} if code is not None else {}) | {"message": message} | extra


def not_found(what: str = "order") -> AlpacaError:
    return AlpacaError(404, 40410000, f"{what} not found")


@dataclass(frozen=True, slots=True)
class Listing:
    symbol: str
    start: Decimal
    exchange: str = "NASDAQ"
    fractionable: bool = True
    shortable: bool = True
    tradable: bool = True

    def instrument(self) -> Instrument:
        return Instrument(symbol=self.symbol, venue=self.exchange, currency="USD", tick_size=Decimal("0.01"))


DEFAULT_LISTINGS = (
    Listing("AAPL", Decimal("190.00")),
    Listing("MSFT", Decimal("410.00")),
    Listing("SPY", Decimal("500.00"), exchange="ARCA"),
    Listing("HALT", Decimal("12.00"), exchange="NYSE", tradable=False, fractionable=False),
)


@dataclass
class AlpacaFaults:
    """Faults to inject: the next n order requests get a 429, a PDT or a wash-trade refusal; answers held back."""

    rate_limited: int = 0
    pdt: int = 0
    wash_trade: int = 0
    cut_before: int = 0
    """The next n POST /v2/orders have their connection aborted before Alpaca books them (they never happened)."""
    cut_after: int = 0
    """The next n POST /v2/orders are booked, then their connection is aborted (the answer is lost)."""
    gateway_timeouts: int = 0
    """The next n orders are booked, then answered 504 (alpaca-py would resend them on its own)."""
    answer_delay_s: float = 0.0
    """POST /v2/orders books the order, then answers this late (a lost or late acknowledgement)."""
    arrive_late_s: float = 0.0
    """POST /v2/orders is held up this long on its way before Alpaca books it (the client may give up first)."""


@dataclass
class Holding:
    qty: Decimal = Decimal(0)
    avg: Decimal = Decimal(0)


def stamp(moment: datetime | None = None) -> str:
    return (moment or datetime.now(UTC)).isoformat().replace("+00:00", "Z")


@dataclass
class AlpacaExchange:
    listings: tuple[Listing, ...] = DEFAULT_LISTINGS
    cash: Decimal = Decimal("100000")
    seed: int = 11
    account_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    faults: AlpacaFaults = field(default_factory=AlpacaFaults)
    market_open: bool = True
    """False: the pre-market or after-hours session, where only extended-hours orders trade."""
    pattern_day_trader: bool = False
    daytrade_count: int = 0
    partial_fills: bool = False
    """Fill no more than the displayed size per quote (an IOC then fills part and cancels the rest)."""
    fractional_types: tuple[str, ...] = ("market",)
    """Order types a fractional or notional order may have (Alpaca's docs: market; its 2024-08-20 changelog adds
    limit, stop and stop_limit; its refusal then names them all)."""

    def __post_init__(self) -> None:
        self.by_symbol = {item.symbol: item for item in self.listings}
        self.asset_ids = {item.symbol: str(uuid.uuid5(uuid.NAMESPACE_URL, item.symbol)) for item in self.listings}
        instruments = [item.instrument() for item in self.listings]
        self.market = Market(instruments, {item.symbol: item.start for item in self.listings}, seed=self.seed,
                             step_bps=Decimal(2))
        self.engine = MatchingEngine(partial_fills=self.partial_fills)
        self.orders: dict[str, dict[str, Any]] = {}
        self.by_client: dict[str, str] = {}
        self.activities: list[dict[str, Any]] = []
        self.holdings: dict[str, Holding] = {}
        self._incoming: list[str] = []
        self.auction_orders: list[str] = []
        """OPG and CLS orders held for the next opening or closing auction (see `auction`)."""
        self.updates: list[dict[str, Any]] = []
        """Order changes not yet sent on the trading stream (the server drains them)."""
        self.multi_leg = MultiLegBook(self)
        """Bracket, OTO and OCO legs (brackets.py)."""

    # --- orders ------------------------------------------------------------------------------------

    def submit(self, body: dict[str, Any]) -> dict[str, Any]:
        """Validate and book an order body; return the order (pending_new) or raise AlpacaError."""
        listing = self._listing(body.get("symbol"))
        side = _choice(body, "side", ("buy", "sell"))
        kind = _choice(body, "type", tuple(TYPES))
        tif = _choice(body, "time_in_force", ("day", "gtc", "opg", "cls", "ioc", "fok"))
        trail = _trail(body) if kind == "trailing_stop" else None
        if trail is not None and tif not in ("day", "gtc"):
            raise AlpacaError(422, 42210000, "trailing stop orders must be day or gtc")
        quote = self.market.quote(listing.symbol)
        qty = self._quantity(body, listing, kind, tif, side, quote.ask or listing.start)
        limit = _decimal(body, "limit_price") if kind in ("limit", "stop_limit") else None
        stop = _decimal(body, "stop_price") if kind in ("stop", "stop_limit") else None
        if kind in ("limit", "stop_limit") and limit is None:
            raise AlpacaError(422, 40010001, "limit_price is required")
        if kind in ("stop", "stop_limit") and stop is None:
            raise AlpacaError(422, 40010001, "stop_price is required")
        for name, price in (("limit_price", limit), ("stop_price", stop)):
            if price is not None:
                _check_penny(name, price)
        check_terms(kind, tif, bool(body.get("extended_hours")))
        touch = (quote.ask if side == "buy" else quote.bid) or listing.start
        base = touch if body.get("order_class") == "oco" else limit or stop or touch
        order_class, legs = asked_legs(body, side, kind, tif, bool(body.get("extended_hours")), base)
        coid = str(body.get("client_order_id") or uuid.uuid4())
        if len(coid) > 48:
            raise AlpacaError(422, 40010001, "client_order_id must be no more than 48 characters")
        if coid in self.by_client:
            raise AlpacaError(422, 40010001, "client_order_id must be unique")
        self._faults()
        if side == "buy":
            cost = qty * (limit or stop or quote.ask or listing.start)
            power = self.buying_power()
            if cost > power:
                raise AlpacaError(403, 40310000, "insufficient buying power",
                                  buying_power=str(power), cost_basis=str(cost))
        else:
            held = self.holdings.get(listing.symbol, Holding()).qty
            if qty > held and not listing.shortable:
                raise AlpacaError(403, 40310000, "account is not allowed to short")
        now = stamp()
        order_id = str(uuid.uuid4())
        order = {
            "id": order_id, "client_order_id": coid, "created_at": now, "updated_at": now, "submitted_at": now,
            "filled_at": None, "expired_at": None, "canceled_at": None, "failed_at": None, "replaced_at": None,
            "replaced_by": None, "replaces": None, "asset_id": self.asset_ids[listing.symbol],
            "symbol": listing.symbol, "asset_class": "us_equity", "notional": _text(_decimal(body, "notional")),
            "qty": str(qty),
            "filled_qty": "0", "filled_avg_price": None, "order_class": "", "order_type": kind, "type": kind,
            "side": side, "time_in_force": tif, "limit_price": _text(limit), "stop_price": _text(stop),
            "status": "pending_new", "extended_hours": bool(body.get("extended_hours")), "legs": None,
            "trail_percent": _text(trail.offset) if trail is not None and trail.is_percent else None,
            "trail_price": _text(trail.offset) if trail is not None and not trail.is_percent else None,
            "hwm": None, "position_intent": None,
        }
        self.orders[order_id] = order
        self.by_client[coid] = order_id
        self.multi_leg.book(order, order_class, legs)
        if tif in AUCTIONS:
            self.auction_orders.append(order_id)  # Alpaca holds it for the auction: accepted, not yet new
            order["status"] = "accepted"
        else:
            self._incoming.append(order_id)
        self.updates.append(trade_update(order["status"], order, now, None))
        return self.multi_leg.with_legs(order)

    def _quantity(self, body: dict[str, Any], listing: Listing, kind: str, tif: str, side: str,
                  price: Decimal) -> Decimal:
        """The order's share quantity: its qty, or its notional in shares; Alpaca's fractional rules (A9)."""
        notional = _decimal(body, "notional")
        if body.get("qty") is not None and notional is not None:
            raise AlpacaError(400, 40010000, "only one of qty or notional may be specified")
        if notional is not None:
            if notional < 1:
                raise AlpacaError(422, 40010001, "notional must be >= 1.00")
            qty = (notional / price).quantize(Decimal("0.000000001"))
        else:
            qty = _decimal(body, "qty")
            if qty is None or qty <= 0:
                raise AlpacaError(422, 40010001, "qty must be > 0")
        if notional is not None or qty != qty.to_integral_value():
            if not listing.fractionable:
                raise AlpacaError(422, 40010001, "requested asset is not fractionable")
            if tif != "day":
                raise AlpacaError(422, 42210000, "fractional orders must be DAY orders")
            if kind not in self.fractional_types:
                raise AlpacaError(422, 42210000, f"fractional orders must be {_listed(self.fractional_types)} orders")
            if side == "sell" and qty > self.holdings.get(listing.symbol, Holding()).qty:
                raise AlpacaError(403, 40310000, "fractional orders cannot be sold short")
        return qty

    def _faults(self) -> None:
        faults = self.faults
        if faults.pdt > 0:
            faults.pdt -= 1
            raise AlpacaError(403, 40310100, "trade denied due to pattern day trading protection")
        if faults.wash_trade > 0:
            faults.wash_trade -= 1
            raise AlpacaError(403, 40310000, "potential wash trade detected. use complex orders")

    def order(self, order_id: str) -> dict[str, Any]:
        order = self.orders.get(order_id)
        if order is None:
            raise not_found()
        return order

    def by_client_order_id(self, coid: str) -> dict[str, Any]:
        """GET /v2/orders:by_client_order_id: the order, or Alpaca's 404 naming the id it does not know."""
        order_id = self.by_client.get(coid)
        if order_id is None:
            raise AlpacaError(404, 40410000, f"order not found for {coid}")
        return self.orders[order_id]

    def cancel(self, order_id: str) -> None:
        order = self.order(order_id)
        if order["status"] not in OPEN:
            raise AlpacaError(422, 42210000, f'order is already in "{order["status"]}" state')
        if order_id in self._incoming:
            self._incoming.remove(order_id)
        elif order["status"] == "held":
            pass  # a leg waiting for its entry is not working yet
        elif order_id in self.auction_orders:
            self.auction_orders.remove(order_id)
        else:
            self.engine.cancel(ClientOrderId(order_id))
        self._set(order, "canceled", canceled_at=stamp())

    def replace(self, order_id: str, body: dict[str, Any]) -> dict[str, Any]:
        """Replace a working order by a new one (new id); the old one becomes `replaced`."""
        old = self.order(order_id)
        if old["status"] not in ("new", "accepted", "partially_filled"):
            raise AlpacaError(422, 42210000, f'order is not replaceable in "{old["status"]}" state')
        if Decimal(old["filled_qty"]) > 0:
            raise AlpacaError(422, 42210000, "the simulator replaces only orders with no fill yet")
        qty = _decimal(body, "qty") or Decimal(old["qty"])
        limit = _decimal(body, "limit_price") if body.get("limit_price") is not None else _opt(old["limit_price"])
        stop = _decimal(body, "stop_price") if body.get("stop_price") is not None else _opt(old["stop_price"])
        for name, price in (("limit_price", limit), ("stop_price", stop)):
            if price is not None:
                _check_penny(name, price)
        quote = self.market.quote(old["symbol"])
        try:
            outcomes = self.engine.modify(ClientOrderId(order_id), qty, limit, stop, quote)
        except ChangeRefused as exc:
            raise AlpacaError(422, 42210000, str(exc)) from None
        now = stamp()
        new_id = str(uuid.uuid4())
        coid = str(body.get("client_order_id") or uuid.uuid4())
        new = dict(old, id=new_id, client_order_id=coid, created_at=now, updated_at=now, submitted_at=now,
                   qty=str(qty), limit_price=_text(limit), stop_price=_text(stop), status="new", replaces=order_id,
                   time_in_force=body.get("time_in_force") or old["time_in_force"])
        self.multi_leg.replaced(order_id, new_id)
        self._set(old, "replaced", replaced_at=now, replaced_by=new_id)
        self.orders[new_id] = new
        self.by_client[coid] = new_id
        paper = self.engine.orders.pop(ClientOrderId(order_id))
        paper.client_order_id = ClientOrderId(new_id)
        paper.broker_order_id = BrokerOrderId(new_id)
        self.engine.orders[ClientOrderId(new_id)] = paper
        self._reindex()
        self._apply(outcomes, rename={order_id: new_id})
        return dict(new)

    def _reindex(self) -> None:
        orders = list(self.engine.orders.values())
        self.engine.clear()
        for paper in orders:
            self.engine.restore(paper)

    def list_orders(self, status: str = "open", limit: int = 50, after: str | None = None,
                    direction: str = "desc", nested: bool = False) -> list[dict[str, Any]]:
        chosen = list(self.orders.values())
        if nested:  # legs rolled up under their entry (and not listed on their own)
            chosen = [shown for o in chosen if (shown := self.multi_leg.nested(o)) is not None]
        if status == "open":
            chosen = [o for o in chosen if o["status"] in OPEN]
        elif status == "closed":
            chosen = [o for o in chosen if o["status"] not in OPEN]
        if after:
            chosen = [o for o in chosen if o["submitted_at"] > after]
        chosen.sort(key=lambda o: o["submitted_at"], reverse=direction != "asc")
        return chosen[:limit]

    # --- market ------------------------------------------------------------------------------------

    def step(self) -> None:
        """Move the market one tick: take the orders that arrived, then match the working ones."""
        waiting = []
        for order_id in self._incoming:
            order = self.orders[order_id]
            if self.market_open or order["extended_hours"]:
                self._take(order)
            else:  # outside the regular session only extended-hours orders trade; the rest wait for the open
                waiting.append(order_id)
                if order["status"] == "pending_new":
                    self._set(order, "accepted")
        self._incoming = waiting
        for quote in self.market.step():
            self._apply(self.engine.match(quote))
            for order in self.orders.values():
                if order["type"] == "trailing_stop" and order["symbol"] == quote.symbol:
                    self._show_trail(order, quote)

    def _show_trail(self, order: dict[str, Any], quote: Quote) -> None:
        """Show a trailing stop's stop where the engine has moved it, and the high (low) water mark it follows."""
        paper = self.engine.orders.get(ClientOrderId(order["id"]))
        if paper is None or paper.stop_price is None or order["status"] not in OPEN:
            return
        order["stop_price"] = _text(paper.stop_price)
        touch = quote.bid if order["side"] == "sell" else quote.ask
        mark = _opt(order["hwm"])
        if touch is not None:
            better = mark is None or (touch > mark if order["side"] == "sell" else touch < mark)
            order["hwm"] = _text(touch) if better else order["hwm"]

    def auction(self, which: str) -> None:
        """Run the opening ("opg") or closing ("cls") auction: its orders trade at the touch or not at all.

        An auction order that does not trade (a limit beyond the auction price) expires, as Alpaca's does.
        """
        waiting = [i for i in self.auction_orders if self.orders[i]["time_in_force"] == which]
        self.auction_orders = [i for i in self.auction_orders if i not in waiting]
        for order_id in waiting:
            order = self.orders[order_id]
            if order["status"] == "accepted":
                self._take(order, TimeInForce.IOC, expire=True)

    def _take(self, order: dict[str, Any], tif: TimeInForce | None = None, expire: bool = False) -> None:
        quote = self.market.quote(order["symbol"])
        self._set(order, "new")
        if order["time_in_force"] == "fok" and self.partial_fills:
            size = quote.ask_size if order["side"] == "buy" else quote.bid_size
            if size is not None and size < Decimal(order["qty"]):  # FOK: all of it at once, or nothing
                self._set(order, "canceled", canceled_at=stamp())
                return
        paper = PaperOrder(
            client_order_id=ClientOrderId(order["id"]), broker_order_id=BrokerOrderId(order["id"]),
            instrument=self.by_symbol[order["symbol"]].instrument(), side=Side(order["side"].upper()),
            quantity=Decimal(order["qty"]), order_type=TYPES[order["type"]],
            limit_price=_opt(order["limit_price"]), stop_price=_opt(order["stop_price"]),
            tif=tif or TIFS[order["time_in_force"]], trail=_trail_of(order),
        )
        outcomes = self.engine.add(paper, quote)
        if expire:
            outcomes = [Closure(o.client_order_id, OrderStatus.EXPIRED, "auction") if isinstance(o, Closure) else o
                        for o in outcomes]
        self._apply(outcomes)
        self._show_trail(order, quote)

    def close_position(self, symbol: str, qty: Decimal | None, percentage: Decimal | None) -> dict[str, Any]:
        """DELETE /v2/positions/{symbol}: a market order for the opposite side of (part of) the position."""
        holding = self.holdings.get(symbol.upper())
        if holding is None:
            raise AlpacaError(404, 40410000, "position does not exist")
        held_for_orders = sum((Decimal(o["qty"]) - Decimal(o["filled_qty"]) for o in self.orders.values()
                               if o["symbol"] == symbol.upper() and o["status"] in OPEN
                               and (o["side"] == "sell") == (holding.qty > 0)), Decimal(0))
        available = abs(holding.qty) - held_for_orders
        wanted = qty if qty is not None else abs(holding.qty) * (percentage or Decimal(100)) / 100
        if wanted <= 0 or wanted > available:
            raise AlpacaError(403, 40310000, f"insufficient qty available for order (requested: {wanted}, "
                                             f"available: {available})", available=str(available),
                              existing_qty=str(abs(holding.qty)), held_for_orders=str(held_for_orders))
        return self.submit({"symbol": symbol.upper(), "qty": str(wanted), "side": "sell" if holding.qty > 0 else "buy",
                            "type": "market", "time_in_force": "day"})

    def _apply(self, outcomes: list[Execution | Closure], rename: dict[str, str] | None = None) -> None:
        for outcome in outcomes:
            order = self.orders[(rename or {}).get(outcome.client_order_id, outcome.client_order_id)]
            if isinstance(outcome, Closure):
                status = "expired" if outcome.status is OrderStatus.EXPIRED else "canceled"
                self._set(order, status, **{f"{status}_at": stamp()})
                continue
            self._fill(order, outcome)

    def _fill(self, order: dict[str, Any], execution: Execution) -> None:
        filled = Decimal(order["filled_qty"])
        average = Decimal(order["filled_avg_price"] or 0)
        cum = filled + execution.quantity
        order["filled_avg_price"] = str(((average * filled + execution.price * execution.quantity) / cum)
                                        .quantize(Decimal("0.0001")))
        order["filled_qty"] = str(cum)
        leaves = Decimal(order["qty"]) - cum
        now = datetime.now(UTC)
        self.activities.append({
            "activity_type": "FILL", "id": f"{now.strftime('%Y%m%d%H%M%S%f')}::{uuid.uuid4()}",
            "order_id": order["id"], "symbol": order["symbol"], "side": order["side"], "qty": str(execution.quantity),
            "price": str(execution.price), "cum_qty": str(cum), "leaves_qty": str(leaves),
            "transaction_time": stamp(now), "type": "fill" if leaves == 0 else "partial_fill",
            "order_status": "filled" if leaves == 0 else "partially_filled",
        })
        sign = Decimal(1) if order["side"] == "buy" else Decimal(-1)
        self.cash -= sign * execution.quantity * execution.price
        holding = self.holdings.setdefault(order["symbol"], Holding())
        new_qty = holding.qty + sign * execution.quantity
        if holding.qty == 0 or (holding.qty > 0) == (sign > 0):
            holding.avg = (holding.avg * abs(holding.qty) + execution.price * execution.quantity) / abs(new_qty)
        holding.qty = new_qty
        if new_qty == 0:
            del self.holdings[order["symbol"]]
        if leaves == 0:
            self._set(order, "filled", self.activities[-1], filled_at=stamp(now))
        else:
            self._set(order, "partially_filled", self.activities[-1])

    def _set(self, order: dict[str, Any], status: str, fill: dict[str, Any] | None = None, **changes: Any) -> None:
        now = stamp()
        order.update(changes, status=status, updated_at=now)
        self.updates.append(trade_update(status, order, now, fill))
        self.multi_leg.after_set(order)

    def set_status(self, order: dict[str, Any], status: str) -> None:
        """Change an order's status as Alpaca reports it (its time stamp, a trade update)."""
        self._set(order, status, **({f"{status}_at": stamp()} if status in ("canceled", "expired") else {}))

    def incoming(self, order_id: str) -> None:
        """Hand an order to the market: it is taken on the next step (a bracket's leg once its entry filled)."""
        self._incoming.append(order_id)

    # --- account -----------------------------------------------------------------------------------

    def buying_power(self) -> Decimal:
        held = Decimal(0)
        for order in self.orders.values():
            if order["status"] in OPEN and order["side"] == "buy":
                price = _opt(order["limit_price"]) or _opt(order["stop_price"]) or self._mid(order["symbol"])
                held += (Decimal(order["qty"]) - Decimal(order["filled_qty"])) * price
        return self.cash - held

    def _mid(self, symbol: str) -> Decimal:
        return self.market.mids()[symbol]

    def account(self) -> dict[str, Any]:
        long_value = sum((h.qty * self._mid(s) for s, h in self.holdings.items() if h.qty > 0), Decimal(0))
        short_value = sum((h.qty * self._mid(s) for s, h in self.holdings.items() if h.qty < 0), Decimal(0))
        equity = self.cash + long_value + short_value
        power = self.buying_power()
        return {
            "id": self.account_id, "account_number": "PA3SIM0001", "status": "ACTIVE", "crypto_status": "ACTIVE",
            "currency": "USD", "cash": str(self.cash), "buying_power": str(power),
            "regt_buying_power": str(power), "daytrading_buying_power": "0", "non_marginable_buying_power": str(power),
            "portfolio_value": str(equity), "equity": str(equity), "last_equity": str(equity),
            "long_market_value": str(long_value), "short_market_value": str(short_value),
            "initial_margin": "0", "maintenance_margin": "0", "last_maintenance_margin": "0", "sma": "0",
            "multiplier": "1", "pattern_day_trader": self.pattern_day_trader, "daytrade_count": self.daytrade_count,
            "trading_blocked": False, "transfers_blocked": False, "account_blocked": False,
            "trade_suspended_by_user": False, "shorting_enabled": True, "created_at": "2026-01-02T14:00:00Z",
        }

    def positions(self) -> list[dict[str, Any]]:
        return [self.position(symbol) for symbol in self.holdings]

    def position(self, symbol: str) -> dict[str, Any]:
        holding = self.holdings.get(symbol)
        if holding is None:
            raise AlpacaError(404, 40410000, "position does not exist")
        price = self._mid(symbol)
        return {
            "asset_id": self.asset_ids[symbol], "symbol": symbol, "exchange": self.by_symbol[symbol].exchange,
            "asset_class": "us_equity", "asset_marginable": True, "avg_entry_price": str(holding.avg),
            "qty": str(holding.qty), "qty_available": str(holding.qty), "side": "long" if holding.qty > 0 else "short",
            "market_value": str(holding.qty * price), "cost_basis": str(holding.qty * holding.avg),
            "unrealized_pl": str(holding.qty * (price - holding.avg)), "current_price": str(price),
        }

    def asset(self, symbol: str) -> dict[str, Any]:
        listing = self.by_symbol.get(symbol.upper())
        if listing is None:
            raise AlpacaError(404, 40410000, "asset not found")
        return {
            "id": self.asset_ids[listing.symbol], "class": "us_equity", "exchange": listing.exchange,
            "symbol": listing.symbol, "name": f"{listing.symbol} simulated", "status": "active",
            "tradable": listing.tradable, "marginable": True, "shortable": listing.shortable,
            "easy_to_borrow": listing.shortable, "fractionable": listing.fractionable,
            "min_order_size": "1" if not listing.fractionable else "0.000000001",
            "min_trade_increment": "1" if not listing.fractionable else "0.000000001", "price_increment": "0.01",
            "maintenance_margin_requirement": 30, "attributes": [],
        }

    def clock(self) -> dict[str, Any]:
        now = datetime.now(UTC)
        return {"timestamp": stamp(now), "is_open": self.market_open,
                "next_open": stamp(now + timedelta(hours=16)), "next_close": stamp(now + timedelta(hours=2))}

    def latest_quotes(self, symbols: list[str]) -> dict[str, Any]:
        out = {}
        for symbol in symbols:
            if symbol in self.by_symbol:
                q = self.market.quote(symbol)
                out[symbol] = {"t": stamp(), "ax": "V", "ap": float(q.ask or 0), "as": int(q.ask_size or 1),
                               "bx": "V", "bp": float(q.bid or 0), "bs": int(q.bid_size or 1), "c": ["R"], "z": "C"}
        return {"quotes": out}

    def _listing(self, symbol: object) -> Listing:
        listing = self.by_symbol.get(str(symbol or "").upper())
        if listing is None:
            raise AlpacaError(422, 40010001, f'asset "{symbol}" not found')
        if not listing.tradable:
            raise AlpacaError(422, 40010001, f"asset {listing.symbol} is not tradable")
        return listing


def check_terms(kind: str, tif: str, extended_hours: bool) -> None:
    """Alpaca's rules binding order type, time in force and extended hours together (A9), in its words."""
    if tif in AUCTIONS and kind not in ("market", "limit"):
        raise AlpacaError(422, 42210000, f"{tif} orders must be market or limit orders")  # wording UNVERIFIED
    if extended_hours and (kind != "limit" or tif != "day"):
        raise AlpacaError(422, 42210000, "extended hours order must be DAY limit orders")


def _listed(names: tuple[str, ...]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])}, or {names[-1]}"


def _choice(body: dict[str, Any], name: str, allowed: tuple[str, ...]) -> str:
    value = str(body.get(name) or "")
    if value not in allowed:
        raise AlpacaError(422, 40010001, f"invalid {name} {value!r}: use one of {', '.join(allowed)}")
    return value


def _decimal(body: dict[str, Any], name: str) -> Decimal | None:
    raw = body.get(name)
    if raw is None:
        return None
    try:
        value = Decimal(str(raw))
    except InvalidOperation:
        raise AlpacaError(422, 40010001, f"invalid {name} {raw!r}") from None
    # alpaca-py sends floats (1.0); Alpaca answers the decimal as a string without the float's trailing zero.
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


def _trail(body: dict[str, Any]) -> Trail:
    """Return a trailing stop's trail: exactly one of trail_price and trail_percent, as Alpaca wants."""
    price, percent = _decimal(body, "trail_price"), _decimal(body, "trail_percent")
    if (price is None) == (percent is None):
        raise AlpacaError(422, 40010001, "one of trail_price or trail_percent is required")
    try:
        return Trail(price, TrailUnit.AMOUNT) if price is not None else Trail(percent, TrailUnit.PERCENT)  # type: ignore[arg-type]
    except ValueError:
        raise AlpacaError(422, 40010001, "trail_price or trail_percent must be > 0") from None


def _trail_of(order: dict[str, Any]) -> Trail | None:
    if order["type"] != "trailing_stop":
        return None
    percent = _opt(order["trail_percent"])
    return Trail(percent, TrailUnit.PERCENT) if percent is not None else Trail(Decimal(order["trail_price"]))


def _check_penny(name: str, price: Decimal) -> None:
    places = 2 if price >= 1 else 4
    if price != price.quantize(Decimal(1).scaleb(-places)):
        raise AlpacaError(422, 42210000, f"invalid {name} {price}. sub-penny increment does not fulfill minimum "
                                         "pricing criteria")


def _opt(text: str | None) -> Decimal | None:
    return Decimal(text) if text is not None else None


def _text(value: Decimal | None) -> str | None:
    return str(value) if value is not None else None
