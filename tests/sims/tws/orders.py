"""The simulated TWS's order book and account books: orders keyed by (clientId, orderId), executions, positions, cash.

Matching is the paper broker's `MatchingEngine` (core/adapters/paper/matching.py); this module adds
what TWS does around it: order-id rules (103), validation (201), permIds, execIds, commissions,
the per-order status strings of the API, and the books a reconnecting client is replayed from.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from core.adapters.paper.matching import ChangeRefused, Closure, Execution, MatchingEngine, Outcome, PaperOrder
from core.domain import BrokerOrderId, ClientOrderId, OrderStatus, OrderType, Quote, Side, TimeInForce
from tests.sims.tws.attached import AttachedOrders
from tests.sims.tws.attached_change import change_waiting
from tests.sims.tws.market import Listing
from tests.sims.tws.trailing import TrailingStops

_ORDER_TYPES = {"MKT": OrderType.MARKET, "LMT": OrderType.LIMIT, "STP": OrderType.STOP, "STP LMT": OrderType.STOP_LIMIT,
                "TRAIL": OrderType.STOP,  # a TRAIL is a stop whose price trailing.py moves
                "TRAIL LIMIT": OrderType.STOP_LIMIT}  # and a TRAIL LIMIT a stop-limit whose prices it moves
_TIFS = {"DAY": TimeInForce.DAY, "GTC": TimeInForce.GTC, "IOC": TimeInForce.IOC, "GTD": TimeInForce.GTD,
         "": TimeInForce.DAY}  # a GTD order's end: good_till.py
WORKING = ("PreSubmitted", "Submitted", "PendingCancel")
_FLOAT_NOISE = Decimal("1e-9")
PRICE_VARIATION = "The price does not conform to the minimum price variation for this contract."
STARTING_CASH = Decimal(1_000_000)


def now_utc() -> datetime:
    return datetime.now(UTC)


class SimReject(Exception):
    """TWS refuses a request: `code` and `message` go to the client in an error message (4)."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


@dataclass(slots=True, eq=False)
class SimOrder:
    """An order as TWS shows it through openOrder, orderStatus and completedOrder."""

    order_id: int
    client_id: int
    perm_id: int
    listing: Listing
    action: str
    quantity: Decimal
    order_type: str
    limit_price: Decimal | None
    aux_price: Decimal | None
    tif: str
    account: str
    order_ref: str
    outside_rth: bool = False
    parent_id: int = 0
    oca_group: str = ""
    oca_type: int = 0
    status: str = "Submitted"
    filled: Decimal = Decimal(0)
    avg_fill_price: Decimal | None = None
    last_fill_price: Decimal | None = None
    completed_status: str = ""
    updated_at: datetime = field(default_factory=now_utc)
    trail_stop: Decimal | None = None
    """A TRAIL order's stop where the trail has brought it (openOrder's trailStopPrice), moved by trailing.py."""
    limit_offset: Decimal | None = None
    """A TRAIL LIMIT's lmtPriceOffset: its limit's distance beyond the stop."""

    @property
    def key(self) -> tuple[int, int]:
        return self.client_id, self.order_id

    @property
    def remaining(self) -> Decimal:
        return max(Decimal(0), self.quantity - self.filled) if self.status in WORKING else Decimal(0)

    @property
    def is_working(self) -> bool:
        return self.status in WORKING

    @property
    def coid(self) -> ClientOrderId:
        """The matching engine's key for this order."""
        return ClientOrderId(f"C{self.client_id}O{self.order_id}")


@dataclass(frozen=True, slots=True)
class SimExecution:
    exec_id: str
    order: SimOrder
    shares: Decimal
    price: Decimal
    time: datetime
    cum_qty: Decimal
    avg_price: Decimal
    commission: Decimal


@dataclass(slots=True)
class Holding:
    """A position as IB reports it: avg_price includes commission (avgCost / multiplier), realized is net of it."""

    quantity: Decimal = Decimal(0)
    avg_price: Decimal = Decimal(0)
    realized: Decimal = Decimal(0)
    gross_avg: Decimal = Decimal(0)
    """The average fill price without commission (a future's close moves cash by it)."""


class OrderBook:
    """All orders, executions, positions and cash of the simulated TWS (every account, every client)."""

    def __init__(self, accounts: Iterable[str], partial_fills: bool = False) -> None:
        self.accounts = tuple(accounts)
        self.engine = MatchingEngine(partial_fills=partial_fills)
        self.orders: dict[tuple[int, int], SimOrder] = {}
        self.executions: list[SimExecution] = []
        self.past_orders: list[SimOrder] = []
        self.past_executions: list[SimExecution] = []
        self.holdings: dict[tuple[str, str], Holding] = {}
        self.cash: dict[str, dict[str, Decimal]] = {a: {"USD": STARTING_CASH} for a in self.accounts}
        self.high_water: dict[int, int] = {}
        self._perm_ids = itertools.count(1_000_001)
        self._exec_seq = itertools.count(1)
        self._by_coid: dict[ClientOrderId, SimOrder] = {}
        self.attached = AttachedOrders()
        self.trailing = TrailingStops()

    # --- requests --------------------------------------------------------------------------------

    def next_valid_id(self, client_id: int) -> int:
        """Return the first order id the client may use: above every id it used before."""
        return self.high_water.get(client_id, 0) + 1

    def place(self, client_id: int, order_id: int, listing: Listing, fields: dict[str, str], quote: Quote,
              ) -> tuple[SimOrder, list[Outcome]]:
        """Validate and book a new order; return it (Submitted) and what matching did at once."""
        if order_id <= self.high_water.get(client_id, 0):
            raise SimReject(103, f"Duplicate order id {order_id}: the next valid id is {self.next_valid_id(client_id)}")
        self.high_water[client_id] = order_id
        order = self._validated(client_id, order_id, listing, fields)
        paper = PaperOrder(
            client_order_id=order.coid, broker_order_id=BrokerOrderId(str(order.perm_id)),
            instrument=listing.instrument(), side=Side.BUY if order.action == "BUY" else Side.SELL,
            quantity=order.quantity, order_type=_ORDER_TYPES[order.order_type],
            limit_price=order.limit_price if order.order_type in ("LMT", "STP LMT") else None,
            stop_price=order.aux_price if order.order_type in ("STP", "STP LMT") else None,
            tif=_TIFS[order.tif],
        )
        self.trailing.start(order, paper, fields, quote)
        if paper.order_type.needs_stop:
            order.status = "PreSubmitted"
        self.orders[order.key] = order
        self._by_coid[order.coid] = order
        if self.attached.park(order, paper, self.orders.get((client_id, order.parent_id))):
            return order, []  # a child waits for its parent's fill (attached.py)
        return order, self.engine.add(paper, quote)

    def modify(self, order: SimOrder, fields: dict[str, str], quote: Quote) -> list[Outcome]:
        """Apply a re-sent placeOrder (same id) to a working order and match it again."""
        if not order.is_working:
            raise SimReject(104, f"Can't modify a {order.status.lower()} order.")
        quantity = _decimal(fields["quantity"], "quantity")
        limit = _optional(fields["limit"])
        aux = _optional(fields["aux"])
        for price in (limit, aux):
            if price is not None and price % order.listing.min_tick != 0:
                raise SimReject(110, PRICE_VARIATION)
        if change_waiting(self.attached, order, quantity, limit, aux):  # a child waiting for its parent's fill
            order.quantity, order.limit_price, order.aux_price = quantity, limit, aux
            order.updated_at = now_utc()
            return []
        try:
            outcomes = self.engine.modify(
                order.coid, quantity,
                limit if order.order_type in ("LMT", "STP LMT") else None,
                aux if order.order_type in ("STP", "STP LMT") else None,
                quote,
            )
        except ChangeRefused as refusal:
            raise SimReject(10326, f"Order modification refused: {refusal}") from None
        order.quantity, order.limit_price, order.aux_price = quantity, limit, aux
        order.updated_at = now_utc()
        return outcomes

    def book_inactive(self, client_id: int, order_id: int, listing: Listing, fields: dict[str, str]) -> SimOrder:
        """Book a new order that IB refuses after validation: it exists, Inactive, and never works."""
        if order_id <= self.high_water.get(client_id, 0):
            raise SimReject(103, f"Duplicate order id {order_id}: the next valid id is {self.next_valid_id(client_id)}")
        self.high_water[client_id] = order_id
        order = self._validated(client_id, order_id, listing, fields)
        self._close(order, "Inactive", "Rejected")
        self.orders[order.key] = order
        self._by_coid[order.coid] = order
        return order

    def preview(self, client_id: int, order_id: int, listing: Listing, fields: dict[str, str]) -> SimOrder:
        """Validate an order for a whatIf preview; it is not booked and never works."""
        order = self._validated(client_id, order_id, listing, fields)
        order.status = "PreSubmitted"
        return order

    def inactivate(self, order: SimOrder) -> None:
        """Take a working order out of the market as IB does when it refuses it later (status Inactive)."""
        self.engine.cancel(order.coid)
        self._close(order, "Inactive", "Rejected")

    def cancel(self, client_id: int, order_id: int) -> SimOrder:
        """Cancel a working order of this client; 10147 if unknown, 10148 if it can no longer be cancelled."""
        order = self.orders.get((client_id, order_id))
        if order is None:
            raise SimReject(10147, f"OrderId {order_id} that needs to be cancelled is not found.")
        if not order.is_working:
            raise SimReject(10148, f"OrderId {order_id} that needs to be cancelled cannot be cancelled, "
                                   f"state: {order.status}.")
        if not self.attached.forget(order):
            self.engine.cancel(order.coid)
        self._close(order, "Cancelled", "Cancelled by Trader")
        return order

    def match(self, quote: Quote) -> list[Outcome]:
        """Move the trails after quote (their moves wait in trailing.moved, for the server to report), then match."""
        self.trailing.follow(self.engine, quote)
        return self.engine.match(quote)

    def moved_trails(self) -> list[SimOrder]:
        """Return (and forget) the orders whose trailing stop moved since last asked, to report as TWS does."""
        moved, self.trailing.moved = self.trailing.moved, []
        return [self._by_coid[coid] for coid in dict.fromkeys(moved) if coid in self._by_coid]

    def fill_now(self, order: SimOrder, price: Decimal) -> Execution:
        """Fill what is left of a working order at price, as if the market had traded through it."""
        paper = self.engine.orders[order.coid]
        quantity = paper.leaves_qty
        paper.filled_qty += quantity
        paper.status = OrderStatus.FILLED
        return Execution(paper.client_order_id, paper.broker_order_id, paper.instrument, paper.side,
                         quantity, price, Decimal(0))

    # --- settlement ------------------------------------------------------------------------------

    def settle(self, outcome: Outcome, parts: int = 1) -> tuple[SimOrder, list[SimExecution]]:
        """Book an engine outcome on the order and the account; a fill may be split into `parts` executions."""
        order = self._by_coid[outcome.client_order_id]
        if isinstance(outcome, Closure):
            status = "Cancelled"
            self._close(order, status, "Cancelled" if outcome.status is OrderStatus.CANCELED else "Expired")
            return order, []
        executions = [self._execute(order, share, outcome.price) for share in _split(outcome.quantity, parts)]
        return order, executions

    def _execute(self, order: SimOrder, shares: Decimal, price: Decimal) -> SimExecution:
        listing = order.listing
        previous = (order.avg_fill_price or Decimal(0)) * order.filled
        order.filled += shares
        order.avg_fill_price = (previous + shares * price) / order.filled
        order.last_fill_price = price
        order.updated_at = now_utc()
        if order.filled >= order.quantity:
            self._close(order, "Filled", "Filled")
        sign = Decimal(1) if order.action == "BUY" else Decimal(-1)
        commission = listing.commission(shares, price)
        gross_realized = self._book_position(order.account, listing, sign * shares, price, commission)
        self._book_cash(order.account, listing, sign * shares, price, commission, gross_realized)
        seq = next(self._exec_seq)
        execution = SimExecution(
            exec_id=f"0000e0d5.{order.perm_id:08x}.{seq:02d}.01", order=order, shares=shares, price=price,
            time=order.updated_at, cum_qty=order.filled, avg_price=order.avg_fill_price, commission=commission,
        )
        self.executions.append(execution)
        return execution

    def _book_position(self, account: str, listing: Listing, signed: Decimal, price: Decimal,
                       commission: Decimal = Decimal(0)) -> Decimal:
        """Book a fill on the position as IB does: avgCost includes commission, realized P&L is net of it.

        Returns the realized P&L before commissions (what a future's close moves into cash).
        """
        holding = self.holdings.setdefault((account, listing.key), Holding())
        before = holding.quantity
        after = before + signed
        per_unit = commission / (abs(signed) * listing.contract_multiplier)
        direction_of_trade = Decimal(1) if signed > 0 else Decimal(-1)
        gross = Decimal(0)
        if before == 0 or (before > 0) == (signed > 0):
            cost = price + direction_of_trade * per_unit  # a buy costs more, a short sale brings in less
            holding.avg_price = (holding.avg_price * abs(before) + cost * abs(signed)) / abs(after)
            holding.gross_avg = (holding.gross_avg * abs(before) + price * abs(signed)) / abs(after)
        else:
            closed = min(abs(before), abs(signed))
            direction = Decimal(1) if before > 0 else Decimal(-1)
            multiplier = listing.contract_multiplier
            gross = (price - holding.gross_avg) * closed * direction * multiplier
            holding.realized += (price - holding.avg_price) * closed * direction * multiplier - per_unit * closed * \
                multiplier
            if after != 0 and (after > 0) != (before > 0):
                holding.avg_price = price + direction_of_trade * per_unit
                holding.gross_avg = price
        holding.quantity = after
        if after == 0:
            holding.avg_price = holding.gross_avg = Decimal(0)
        return gross

    def _book_cash(self, account: str, listing: Listing, signed: Decimal, price: Decimal, commission: Decimal,
                   gross_realized: Decimal) -> None:
        """Move cash as IB does: a stock trade pays its notional; a forex trade exchanges one currency for the
        other (the bought currency gets a balance); a future moves no notional (its margin is a requirement,
        not a debit), only the realized P&L of a close. Commission is always paid."""
        cash = self.cash.setdefault(account, {"USD": STARTING_CASH})
        currency = listing.currency
        if listing.sec_type == "CASH":
            cash[listing.symbol] = cash.get(listing.symbol, Decimal(0)) + signed
            cash[currency] = cash.get(currency, Decimal(0)) - signed * price - commission
        elif listing.sec_type == "FUT":
            cash[currency] = cash.get(currency, Decimal(0)) + gross_realized - commission
        else:
            cash[currency] = cash.get(currency, Decimal(0)) - signed * price * listing.contract_multiplier - commission

    def _close(self, order: SimOrder, status: str, completed: str) -> None:
        order.status = status
        order.completed_status = completed
        order.updated_at = now_utc()

    def new_day(self) -> None:
        """Start a new trading day: completed orders and executions of earlier days are no longer reported.

        They move to past_orders / past_executions (the simulator's full history); working orders stay.
        """
        for key in [key for key, order in self.orders.items() if not order.is_working]:
            self.past_orders.append(self.orders.pop(key))
        self.past_executions += self.executions
        self.executions = []

    # --- queries ---------------------------------------------------------------------------------

    def every_order(self) -> list[SimOrder]:
        """Return every order ever placed, today's and earlier days'."""
        return self.past_orders + list(self.orders.values())

    def every_execution(self) -> list[SimExecution]:
        """Return every execution ever booked, today's and earlier days'."""
        return self.past_executions + self.executions

    def working_of(self, client_id: int) -> list[SimOrder]:
        return [o for o in self.orders.values() if o.client_id == client_id and o.is_working]

    def completed(self) -> list[SimOrder]:
        return [o for o in self.orders.values() if not o.is_working]

    def find_by_ref(self, order_ref: str) -> SimOrder | None:
        return next((o for o in self.orders.values() if o.order_ref == order_ref), None)

    def positions(self, account: str | None = None) -> list[tuple[str, str, Holding]]:
        return [
            (acct, key, holding) for (acct, key), holding in self.holdings.items()
            if account is None or acct == account
        ]

    def executions_since(self, since: datetime | None, account: str, client_id: int, symbol: str = "",
                         sec_type: str = "", side: str = "") -> list[SimExecution]:
        """Executions matching an ExecutionFilter: empty fields match all; side is BUY/SELL (or BOT/SLD)."""
        action = {"BOT": "BUY", "SLD": "SELL"}.get(side.upper(), side.upper())
        return [
            e for e in self.executions
            if (since is None or e.time >= since)
            and (not account or e.order.account == account)
            and (client_id == 0 or e.order.client_id == client_id)
            and (not symbol or e.order.listing.symbol == symbol or e.order.listing.local_symbol == symbol)
            and (not sec_type or e.order.listing.sec_type == sec_type)
            and (not action or e.order.action == action)
        ]

    def _validated(self, client_id: int, order_id: int, listing: Listing, fields: dict[str, str]) -> SimOrder:
        order_type = fields["order_type"].upper()
        if order_type not in _ORDER_TYPES:
            raise SimReject(201, f"Order rejected - reason:Order type {order_type!r} is not supported.")
        if fields["tif"].upper() not in _TIFS:
            raise SimReject(201, f"Order rejected - reason:Time in force {fields['tif']!r} is not supported.")
        if fields["action"] not in ("BUY", "SELL"):
            raise SimReject(201, f"Order rejected - reason:Action {fields['action']!r} must be BUY or SELL.")
        account = fields["account"] or (self.accounts[0] if len(self.accounts) == 1 else "")
        if account not in self.accounts:
            raise SimReject(201, f"Order rejected - reason:Account {account or '(none)'} is not managed by this "
                                 "login; pick one of " + ", ".join(self.accounts) + ".")
        quantity = _decimal(fields["quantity"], "quantity")
        if quantity <= 0 or quantity != quantity.to_integral_value():
            raise SimReject(201, f"Order rejected - reason:The order size {quantity} must be a positive whole number.")
        limit, aux = _optional(fields["limit"]), _optional(fields["aux"])
        for name, price, needed in (("limit", limit, order_type in ("LMT", "STP LMT")),
                                    ("stop", aux, order_type in ("STP", "STP LMT"))):
            if needed and price is None:
                raise SimReject(201, f"Order rejected - reason:A {order_type} order needs a {name} price.")
            if needed and price is not None and price <= 0:
                raise SimReject(201, f"Order rejected - reason:The {name} price {price} must be positive.")
            if needed and price is not None and price % listing.min_tick != 0:
                raise SimReject(110, PRICE_VARIATION)
        return SimOrder(
            order_id=order_id, client_id=client_id, perm_id=next(self._perm_ids), listing=listing,
            action=fields["action"], quantity=quantity, order_type=order_type, limit_price=limit, aux_price=aux,
            tif=fields["tif"].upper() or "DAY", account=account, order_ref=fields["order_ref"],
            outside_rth=fields["outside_rth"] == "1", parent_id=int(fields.get("parent_id") or 0),
            oca_group=fields.get("oca_group", ""), oca_type=int(fields.get("oca_type") or 0),
        )


def _decimal(raw: str, what: str) -> Decimal:
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise SimReject(201, f"Order rejected - reason:The {what} {raw!r} is not a number.") from None
    if not value.is_finite():
        raise SimReject(201, f"Order rejected - reason:The {what} {raw!r} is not a number.")
    return value


def _optional(raw: str) -> Decimal | None:
    if raw in ("", "1.7976931348623157E308", "1.7976931348623157e+308"):
        return None
    return _decimal(raw, "price").quantize(_FLOAT_NOISE).normalize()  # the client sends floats


def _split(quantity: Decimal, parts: int) -> list[Decimal]:
    parts = max(1, min(parts, int(quantity)))
    base = (quantity / parts).to_integral_value(rounding="ROUND_FLOOR")
    shares = [base] * parts
    shares[-1] += quantity - base * parts
    return [s for s in shares if s > 0]


optional_price = _optional
"""A price field of a request: None when empty or UNSET."""
