"""KiteExchange: the simulator's books — orders with their status history, trades, positions, funds.

Pure (no I/O): the server calls it and turns `KiteError` into Kite's error envelope. Matching reuses the
paper broker's MatchingEngine and Market, as the TWS simulator does.
"""

from __future__ import annotations

import itertools
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Any

from core.adapters.paper.market import Market
from core.adapters.paper.matching import ChangeRefused, Closure, Execution, MatchingEngine, PaperOrder
from core.domain import BrokerOrderId, ClientOrderId, OrderStatus, OrderType, Quote, Side, TimeInForce
from tests.sims.kite.algo_rules import check_validity, market_protection
from tests.sims.kite.faults import KiteFaults
from tests.sims.kite.gtt import GttBook
from tests.sims.kite.listings import DEFAULT_LISTINGS, Listing

IST = timezone(timedelta(hours=5, minutes=30), "IST")
ORDER_TYPES = {"MARKET": OrderType.MARKET, "LIMIT": OrderType.LIMIT, "SL": OrderType.STOP_LIMIT,
               "SL-M": OrderType.STOP}
PRODUCTS = ("CNC", "MIS", "NRML")
VARIETIES = ("regular", "amo")
VALIDITIES = {"DAY": TimeInForce.DAY, "IOC": TimeInForce.IOC}
MARKET_CLOSED = "Markets are closed right now. Use GTT for placing long standing orders instead."
OPEN_STATES = ("OPEN", "TRIGGER PENDING", "AMO REQ RECEIVED")
PENDING_STATES = ("OPEN PENDING", "MODIFY PENDING", "MODIFY VALIDATION PENDING", "CANCEL PENDING")
MODIFY_REFUSED = "Order modification rejected by the OMS: the order stays at its previous price and quantity."


class KiteError(Exception):
    """An error Kite answers with: HTTP status, error_type and message."""

    def __init__(self, status: int, error_type: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.error_type = error_type
        self.message = message


def stamp(moment: datetime | None = None) -> str:
    """Return Kite's timestamp format (IST, seconds)."""
    return (moment or datetime.now(UTC)).astimezone(IST).strftime("%Y-%m-%d %H:%M:%S")


@dataclass(slots=True)
class SimOrder:
    order: dict[str, Any]
    history: list[dict[str, Any]] = field(default_factory=list)


@dataclass(slots=True)
class Holding:
    listing: Listing
    quantity: int
    average: Decimal


class KiteExchange:
    """One user's Kite account: place/modify/cancel, matching on every market step, portfolio and funds."""

    def __init__(self, listings: tuple[Listing, ...] = DEFAULT_LISTINGS, seed: int = 7,
                 cash: Decimal = Decimal("1000000"), user_id: str = "AB1234") -> None:
        self.symbols: dict[tuple[str, str], str] = {}
        """The market's symbol of each (exchange, tradingsymbol): the tradingsymbol, or "BSE:INFY" for a second
        exchange's listing of a tradingsymbol already listed (each exchange has its own prices)."""
        for item in listings:
            taken = item.tradingsymbol in self.symbols.values()
            self.symbols[(item.exchange, item.tradingsymbol)] = item.key if taken else item.tradingsymbol
        self.listings = {self.symbols[(item.exchange, item.tradingsymbol)]: item for item in listings}
        self.by_token = {item.token: item for item in listings}
        instruments = [item.instrument(symbol) for symbol, item in self.listings.items()]
        self.market = Market(instruments, {symbol: item.start for symbol, item in self.listings.items()}, seed=seed,
                             step_bps=Decimal(2))
        self.engine = MatchingEngine()
        self.user_id = user_id
        self.opening_cash = cash
        self.cash = cash
        self.market_open = True
        self.orders: dict[str, SimOrder] = {}
        self.trades: list[dict[str, Any]] = []
        self.positions: dict[tuple[str, str], dict[str, Any]] = {}
        self.holdings: dict[str, Holding] = {"INFY": Holding(self.listings["INFY"], 10, Decimal("1450.00"))}
        self.updates: list[dict[str, Any]] = []
        """Order dicts changed since the server last drained them (sent as postbacks)."""
        self._order_ids = itertools.count(int(f"{date.today():%y%m%d}000000001"))  # Kite's: the day, then a count
        self._trade_ids = itertools.count(10000001)  # the exchange's trade numbers: they start again each day
        self.day_high: dict[str, Decimal] = {}
        self.day_low: dict[str, Decimal] = {}
        self.faults = KiteFaults()
        self._rng = random.Random(seed)
        self._due: list[tuple[float, Callable[[], None]]] = []
        """Exchange answers held back by `faults.pending_s`, run by step() once due."""
        self.gtts = GttBook(self)
        """The user's GTTs (gtt.py), fired from each step's prices."""

    # --- orders -----------------------------------------------------------------------------------

    def place(self, variety: str, form: Mapping[str, str]) -> str:
        """Validate and book an order; return its order_id (business rejections come back as REJECTED)."""
        if variety not in VARIETIES:
            raise KiteError(400, "InputException", f"Invalid variety `{variety}`: use regular or amo.")
        listing = self._listing(form)
        side = _choice(form, "transaction_type", ("BUY", "SELL"))
        order_type = _choice(form, "order_type", tuple(ORDER_TYPES))
        product = _choice(form, "product", PRODUCTS)
        validity = form.get("validity") or "DAY"
        if validity not in VALIDITIES:
            raise KiteError(400, "InputException", f"Invalid `validity` {validity}: use DAY or IOC.")
        quantity = _int(form, "quantity")
        price = _decimal(form, "price") if order_type in ("LIMIT", "SL") else None
        trigger = _decimal(form, "trigger_price") if order_type in ("SL", "SL-M") else None
        _check_input(listing, quantity, price, trigger)
        protection = market_protection(order_type, form)
        check_validity(listing.exchange, validity)
        tag = form.get("tag") or None
        if tag is not None and (len(tag) > 20 or not tag.isalnum()):
            raise KiteError(400, "InputException", "Invalid `tag`: up to 20 alphanumeric characters.")
        if listing.index:
            raise KiteError(400, "InputException", f"{listing.tradingsymbol} is an index and cannot be traded.")
        if variety == "regular" and not self.market_open:
            raise KiteError(400, "InputException", MARKET_CLOSED)
        order_id = str(next(self._order_ids))
        now = stamp()
        order: dict[str, Any] = {
            "placed_by": self.user_id, "order_id": order_id, "exchange_order_id": None, "parent_order_id": None,
            "status": "PUT ORDER REQ RECEIVED", "status_message": None, "status_message_raw": None,
            "order_timestamp": now, "exchange_update_timestamp": None, "exchange_timestamp": None,
            "variety": variety, "modified": False, "exchange": listing.exchange,
            "tradingsymbol": listing.tradingsymbol, "instrument_token": listing.token, "order_type": order_type,
            "transaction_type": side, "validity": validity, "validity_ttl": 0, "product": product,
            "quantity": quantity, "disclosed_quantity": 0, "price": float(price or 0),
            "trigger_price": float(trigger or 0), "average_price": 0.0, "filled_quantity": 0,
            "pending_quantity": quantity, "cancelled_quantity": 0, "market_protection": protection, "meta": {},
            "tag": tag, "tags": [tag] if tag else None, "guid": f"sim{order_id}",
        }
        sim = SimOrder(order)
        self.orders[order_id] = sim
        self._set(sim, "PUT ORDER REQ RECEIVED")
        self._set(sim, "VALIDATION PENDING")
        problem = self._business_check(listing, side, quantity, price, trigger, order_type)
        if problem is not None:
            self._set(sim, "REJECTED", problem)
            return order_id
        if variety == "amo":
            self._set(sim, "AMO REQ RECEIVED")
            return order_id
        self._open(sim, listing, side, quantity, order_type, price, trigger, validity)
        return order_id

    def modify(self, variety: str, order_id: str, form: Mapping[str, str]) -> str:
        """Check a change and answer its order_id; the exchange applies it (or, with the faults, refuses it later)."""
        sim = self._order(order_id)
        order = sim.order
        if order["status"] not in OPEN_STATES:
            raise KiteError(400, "InputException", "Order cannot be modified as it is already in a closed state.")
        quantity = _int(form, "quantity") if form.get("quantity") else int(order["quantity"])
        price = _decimal(form, "price") if form.get("price") else _opt(order["price"])
        trigger = _decimal(form, "trigger_price") if form.get("trigger_price") else _opt(order["trigger_price"])
        order_type = _choice(form, "order_type", tuple(ORDER_TYPES)) if form.get("order_type") else order["order_type"]
        listing = self.listings[self.symbol_of(order)]
        _check_input(listing, quantity, price, trigger)
        market_protection(order_type, form, order)
        if quantity < int(order["filled_quantity"]):
            raise KiteError(400, "InputException", f"Invalid `quantity` {quantity}: below the filled quantity.")
        if order["status"] == "AMO REQ RECEIVED":
            self._change(order, quantity, price, trigger, order_type)
            self._set(sim, "AMO REQ RECEIVED")
            return order_id
        refused = self._rng.random() < self.faults.modify_refusals
        self._set(sim, "MODIFY VALIDATION PENDING")
        if refused:
            def refuse() -> None:
                if order["status"] in (*OPEN_STATES, *PENDING_STATES):  # not if it filled or was cancelled meanwhile
                    self._set(sim, _working(order), MODIFY_REFUSED)

            self._later(refuse)
            return order_id
        limit = price if order_type in ("LIMIT", "SL") else None
        stop = trigger if order_type in ("SL", "SL-M") else None

        def apply() -> None:
            if order["status"] not in (*OPEN_STATES, *PENDING_STATES):
                return  # it filled or was cancelled meanwhile
            try:
                outcomes = self.engine.modify(ClientOrderId(order_id), Decimal(quantity), limit, stop,
                                              self.market.quote(self.symbol_of(order)))
            except ChangeRefused as exc:
                if self.faults.pending_s <= 0:
                    self._set(sim, _working(order))
                    raise KiteError(400, "InputException", str(exc)) from None
                self._set(sim, _working(order), f"Order modification rejected: {exc}")
                return
            self._change(order, quantity, price, trigger, order_type)
            self._set(sim, _working(order))
            self._apply(outcomes)

        if self.faults.pending_s > 0:
            self._set(sim, "MODIFY PENDING")
        self._later(apply)
        return order_id

    @staticmethod
    def _change(order: dict[str, Any], quantity: int, price: Decimal | None, trigger: Decimal | None,
                order_type: str) -> None:
        order.update(quantity=quantity, price=float(price or 0), trigger_price=float(trigger or 0), modified=True,
                     order_type=order_type, pending_quantity=quantity - int(order["filled_quantity"]))

    def cancel(self, variety: str, order_id: str) -> str:
        sim = self._order(order_id)
        status = sim.order["status"]
        if status not in OPEN_STATES:
            raise KiteError(400, "InputException", f"Order cannot be cancelled as it is already {status.lower()}.")

        def apply() -> None:
            if sim.order["status"] not in (*OPEN_STATES, "CANCEL PENDING"):
                return  # it filled meanwhile
            if status != "AMO REQ RECEIVED":
                self.engine.cancel(ClientOrderId(order_id))
            self._close(sim, "CANCELLED", None)

        if self.faults.pending_s > 0 and status != "AMO REQ RECEIVED":
            self._set(sim, "CANCEL PENDING")
        self._later(apply)
        return order_id

    def _later(self, action: Callable[[], None]) -> None:
        """Run action now, or once `faults.pending_s` has passed (at a later step)."""
        if self.faults.pending_s <= 0:
            action()
        else:
            self._due.append((time.monotonic() + self.faults.pending_s, action))

    def new_day(self) -> None:
        """Start a new trading day: yesterday's orders, trades, updates and held-back answers leave the books.

        The matching engine forgets its per-symbol books too: a stale book once filled an order that
        /orders no longer listed (KeyError in the tick loop, which then stopped the market).
        """
        self.orders.clear()
        self.trades = []
        self.updates.clear()
        self.engine.clear()
        self._due.clear()

    def run_due(self) -> None:
        """Run the held-back exchange answers whose time has come."""
        if not self._due:
            return
        now = time.monotonic()
        due = [a for t, a in self._due if t <= now]
        self._due = [(t, a) for t, a in self._due if t > now]
        for action in due:
            action()

    def restart_trade_numbers(self) -> None:
        """Number the next trades from the start again, as the exchange does each day (and as BSE's numbers
        overlap NSE's): a trade id alone does not tell one trade from another."""
        self._trade_ids = itertools.count(10000001)

    def step(self) -> list[Quote]:
        """Advance the market one step and fill what the new quotes reach."""
        self.run_due()
        quotes = self.market.step()
        for quote in quotes:
            if quote.last is not None:
                self.day_high[quote.symbol] = max(self.day_high.get(quote.symbol, quote.last), quote.last)
                self.day_low[quote.symbol] = min(self.day_low.get(quote.symbol, quote.last), quote.last)
            self._apply(self.engine.match(quote))
            self.gtts.check(quote)
        return quotes

    def open_market(self) -> None:
        """Open the session: after-market orders go to the exchange."""
        self.market_open = True
        for sim in list(self.orders.values()):
            order = sim.order
            if order["status"] == "AMO REQ RECEIVED":
                listing = self.listings[self.symbol_of(order)]
                self._open(sim, listing, order["transaction_type"], int(order["quantity"]), order["order_type"],
                           _opt(order["price"]), _opt(order["trigger_price"]), order["validity"])

    def fill_now(self, order_id: str) -> None:
        """Fill a working order's remaining quantity at its limit price (a test's market move)."""
        sim = self._order(order_id)
        order = sim.order
        if order["status"] not in ("OPEN", "TRIGGER PENDING"):
            raise KiteError(400, "InputException", f"Order {order_id} is not working.")
        paper = self.engine.orders[ClientOrderId(order_id)]
        quantity = paper.leaves_qty
        paper.filled_qty = paper.quantity
        paper.status = OrderStatus.FILLED
        price = _opt(order["price"]) or self.market.quote(self.symbol_of(order)).last or Decimal(0)
        self._fill(sim, Execution(paper.client_order_id, paper.broker_order_id, paper.instrument, paper.side,
                                  quantity, price, Decimal(0)))

    # --- views -------------------------------------------------------------------------------------

    def order_list(self) -> list[dict[str, Any]]:
        return [dict(sim.order) for sim in self.orders.values()]

    def history(self, order_id: str) -> list[dict[str, Any]]:
        return [dict(state) for state in self._order(order_id).history]

    def order_trades(self, order_id: str) -> list[dict[str, Any]]:
        self._order(order_id)
        return [dict(t) for t in self.trades if t["order_id"] == order_id]

    def position_lists(self) -> dict[str, list[dict[str, Any]]]:
        net = []
        for (symbol, product), book in self.positions.items():
            last = self.market.quote(symbol).last or Decimal(0)
            qty = book["buy_quantity"] - book["sell_quantity"]
            buy_value, sell_value = book["buy_value"], book["sell_value"]
            average = (buy_value / book["buy_quantity"] if qty > 0 and book["buy_quantity"] else
                       sell_value / book["sell_quantity"] if qty < 0 and book["sell_quantity"] else Decimal(0))
            pnl = sell_value - buy_value + qty * last
            listing = self.listings[symbol]
            net.append({
                "tradingsymbol": listing.tradingsymbol, "exchange": listing.exchange, "instrument_token": listing.token,
                "product": product, "quantity": qty, "overnight_quantity": 0, "multiplier": 1,
                "average_price": float(average), "close_price": float(self.market.closes()[symbol]),
                "last_price": float(last), "value": float(sell_value - buy_value), "pnl": float(pnl),
                "m2m": float(pnl), "unrealised": float(pnl), "realised": 0,
                "buy_quantity": book["buy_quantity"], "buy_price": float(_avg(buy_value, book["buy_quantity"])),
                "buy_value": float(buy_value), "buy_m2m": float(buy_value),
                "sell_quantity": book["sell_quantity"], "sell_price": float(_avg(sell_value, book["sell_quantity"])),
                "sell_value": float(sell_value), "sell_m2m": float(sell_value),
                "day_buy_quantity": book["buy_quantity"], "day_buy_price": float(_avg(buy_value, book["buy_quantity"])),
                "day_buy_value": float(buy_value), "day_sell_quantity": book["sell_quantity"],
                "day_sell_price": float(_avg(sell_value, book["sell_quantity"])), "day_sell_value": float(sell_value),
            })
        return {"net": net, "day": [dict(p) for p in net]}

    def holding_list(self) -> list[dict[str, Any]]:
        out = []
        for symbol, holding in self.holdings.items():
            last = self.market.quote(symbol).last or Decimal(0)
            out.append({
                "tradingsymbol": symbol, "exchange": holding.listing.exchange,
                "instrument_token": holding.listing.token, "isin": "INE009A01021", "product": "CNC", "price": 0,
                "quantity": holding.quantity, "used_quantity": 0, "t1_quantity": 0,
                "realised_quantity": holding.quantity, "short_quantity": 0,
                "authorised_date": stamp()[:10] + " 00:00:00",
                "authorisation": {}, "mtf": {"quantity": 0, "used_quantity": 0, "average_price": 0, "value": 0,
                                             "initial_margin": 0},
                "authorised_quantity": 0, "opening_quantity": holding.quantity, "collateral_quantity": 0,
                "collateral_type": "", "discrepancy": False, "average_price": float(holding.average),
                "last_price": float(last), "close_price": float(self.market.closes()[symbol]),
                "pnl": float((last - holding.average) * holding.quantity), "day_change": 0.0,
                "day_change_percentage": 0.0,
            })
        return out

    def margins(self) -> dict[str, Any]:
        debits = self.opening_cash - self.cash
        equity = {
            "enabled": True, "net": float(self.cash),
            "available": {"adhoc_margin": 0, "cash": float(self.opening_cash),
                          "opening_balance": float(self.opening_cash),
                          "live_balance": float(self.cash), "collateral": 0, "intraday_payin": 0},
            "utilised": {"debits": float(debits), "exposure": 0, "m2m_realised": 0, "m2m_unrealised": 0,
                         "option_premium": 0, "payout": 0, "span": 0, "holding_sales": 0, "turnover": 0,
                         "liquid_collateral": 0, "stock_collateral": 0, "delivery": 0},
        }
        commodity = {"enabled": False, "net": 0,
                     "available": {key: 0 for key in equity["available"]},
                     "utilised": {key: 0 for key in equity["utilised"]}}
        return {"equity": equity, "commodity": commodity}

    def drain_updates(self) -> list[dict[str, Any]]:
        updates, self.updates = self.updates, []
        return updates

    # --- internals ---------------------------------------------------------------------------------

    def _listing(self, form: Mapping[str, str]) -> Listing:
        exchange, symbol = form.get("exchange"), form.get("tradingsymbol")
        if not exchange or not symbol:
            raise KiteError(400, "InputException", "Missing `exchange` or `tradingsymbol`.")
        known = self.symbols.get((exchange, symbol))
        listing = self.listings.get(known) if known is not None else None
        if listing is None or listing.exchange != exchange:
            raise KiteError(400, "InputException",
                            f"The instrument {exchange}:{symbol} you are placing an order for has either expired "
                            "or does not exist.")
        return listing

    def _business_check(self, listing: Listing, side: str, quantity: int, price: Decimal | None,
                        trigger: Decimal | None, order_type: str) -> str | None:
        if side == "BUY":
            reference = price if price is not None else (self.market.quote(self.market_symbol(listing)).ask
                                                         or Decimal(0))
            required = reference * quantity
            if required > self.cash:
                return (f"Insufficient funds. Required margin is {required:.2f} but available margin is "
                        f"{self.cash:.2f}.")
        return None

    def _open(self, sim: SimOrder, listing: Listing, side: str, quantity: int, order_type: str,
              price: Decimal | None, trigger: Decimal | None, validity: str) -> None:
        self._set(sim, "OPEN PENDING")
        self._later(lambda: self._reach_exchange(sim, listing, side, quantity, order_type, price, trigger, validity))

    def _reach_exchange(self, sim: SimOrder, listing: Listing, side: str, quantity: int, order_type: str,
                        price: Decimal | None, trigger: Decimal | None, validity: str) -> None:
        order_id = sim.order["order_id"]
        sim.order["exchange_order_id"] = f"1100000{order_id[-8:]}"
        sim.order["exchange_timestamp"] = stamp()
        self._set(sim, "TRIGGER PENDING" if order_type.startswith("SL") else "OPEN")
        paper = PaperOrder(
            client_order_id=ClientOrderId(order_id), broker_order_id=BrokerOrderId(order_id),
            instrument=listing.instrument(self.market_symbol(listing)), side=Side(side), quantity=Decimal(quantity),
            order_type=ORDER_TYPES[order_type], limit_price=price, stop_price=trigger, tif=VALIDITIES[validity],
        )
        self._apply(self.engine.add(paper, self.market.quote(self.market_symbol(listing))))

    def _apply(self, outcomes: list[Execution | Closure]) -> None:
        for outcome in outcomes:
            sim = self.orders[str(outcome.client_order_id)]
            if isinstance(outcome, Execution):
                self._fill(sim, outcome)
            elif outcome.status is OrderStatus.CANCELED:
                self._close(sim, "CANCELLED", None)

    def _fill(self, sim: SimOrder, execution: Execution) -> None:
        order = sim.order
        qty = int(execution.quantity)
        price = execution.price
        filled = int(order["filled_quantity"]) + qty
        previous = Decimal(str(order["average_price"])) * int(order["filled_quantity"])
        order["average_price"] = float((previous + price * qty) / filled)
        order["filled_quantity"] = filled
        order["pending_quantity"] = int(order["quantity"]) - filled
        now = stamp()
        self.trades.append({
            "trade_id": str(next(self._trade_ids)), "order_id": order["order_id"], "exchange": order["exchange"],
            "tradingsymbol": order["tradingsymbol"], "instrument_token": order["instrument_token"],
            "product": order["product"], "average_price": float(price), "quantity": qty,
            "exchange_order_id": order["exchange_order_id"], "transaction_type": order["transaction_type"],
            "fill_timestamp": now, "order_timestamp": now, "exchange_timestamp": now,
        })
        key = (self.symbol_of(order), order["product"])
        book = self.positions.setdefault(key, {"buy_quantity": 0, "buy_value": Decimal(0), "sell_quantity": 0,
                                               "sell_value": Decimal(0)})
        notional = price * qty
        if order["transaction_type"] == "BUY":
            book["buy_quantity"] += qty
            book["buy_value"] += notional
            self.cash -= notional
        else:
            book["sell_quantity"] += qty
            book["sell_value"] += notional
            self.cash += notional
        if order["pending_quantity"] == 0:
            self._set(sim, "COMPLETE")
        else:
            self._set(sim, order["status"])

    def _close(self, sim: SimOrder, status: str, message: str | None) -> None:
        sim.order["cancelled_quantity"] = int(sim.order["pending_quantity"])
        sim.order["pending_quantity"] = 0
        self._set(sim, status, message)

    def _set(self, sim: SimOrder, status: str, message: str | None = None) -> None:
        sim.order["status"] = status
        sim.order["exchange_update_timestamp"] = stamp()
        if message is not None:
            sim.order["status_message"] = message
            sim.order["status_message_raw"] = message
        sim.history.append(dict(sim.order))
        if status not in ("PUT ORDER REQ RECEIVED", "VALIDATION PENDING", "OPEN PENDING",
                          "MODIFY VALIDATION PENDING"):
            self.updates.append(dict(sim.order))

    def market_symbol(self, listing: Listing) -> str:
        """The market's symbol of a listing ("INFY", or "BSE:INFY" for a second exchange's INFY)."""
        return self.symbols[(listing.exchange, listing.tradingsymbol)]

    def symbol_of(self, order: Mapping[str, Any]) -> str:
        """The market's symbol of an order's or trade's (exchange, tradingsymbol)."""
        return self.symbols[(str(order["exchange"]), str(order["tradingsymbol"]))]

    def _order(self, order_id: str) -> SimOrder:
        sim = self.orders.get(order_id)
        if sim is None:
            raise KiteError(400, "InputException", f"Couldn't find that `order_id` ({order_id}).")
        return sim


def _working(order: Mapping[str, Any]) -> str:
    return "TRIGGER PENDING" if str(order["order_type"]).startswith("SL") else "OPEN"


def _check_input(listing: Listing, quantity: int, price: Decimal | None, trigger: Decimal | None) -> None:
    """Refuse what Kite refuses at the door (400 InputException): bad quantities and off-tick prices."""
    if quantity <= 0:
        raise KiteError(400, "InputException", f"Invalid `quantity` {quantity}: it must be a positive whole number.")
    if quantity % listing.lot:
        raise KiteError(400, "InputException", f"Quantity should be a multiple of the lot size {listing.lot}.")
    if listing.freeze and quantity > listing.freeze:
        raise KiteError(400, "InputException", f"Quantity {quantity} is above the freeze quantity {listing.freeze} "
                                               "for this instrument: split the order.")
    for value in (price, trigger):
        if value is not None and value % listing.tick:
            raise KiteError(400, "InputException",
                            f"Tick size for this script is {listing.tick}. Kindly enter the price in the multiple "
                            "of tick size for this script.")


def _choice(form: Mapping[str, str], name: str, allowed: tuple[str, ...]) -> str:
    value = form.get(name)
    if value not in allowed:
        raise KiteError(400, "InputException", f"Invalid `{name}` {value!r}: use one of {', '.join(allowed)}.")
    return value


def _int(form: Mapping[str, str], name: str) -> int:
    try:
        return int(form.get(name) or "")
    except ValueError:
        raise KiteError(400, "InputException", f"Invalid `{name}` {form.get(name)!r}.") from None


def _decimal(form: Mapping[str, str], name: str) -> Decimal:
    try:
        value = Decimal(form.get(name) or "")
    except InvalidOperation:
        raise KiteError(400, "InputException", f"Invalid `{name}` {form.get(name)!r}.") from None
    if not value.is_finite() or value <= 0:
        raise KiteError(400, "InputException", f"Invalid `{name}` {form.get(name)!r}.")
    return value


def _opt(value: object) -> Decimal | None:
    number = Decimal(str(value)) if value is not None else Decimal(0)
    return number if number > 0 else None


def _avg(value: Decimal, qty: int) -> Decimal:
    return value / qty if qty else Decimal(0)
