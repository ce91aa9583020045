"""The broker-neutral core of the chaos runs for Kite, easytrader and paper (the IB run is ib_chaos_world.py).

A ChaosWorld drives seeded random order intents (market-like and resting limit orders, modifies, cancels and
"double clicks") through the real TradingSession and SqliteJournal with the default risk limits ON (duplicate
window, orders per second and per minute), while its broker drops the connection at planned points. A world
says how to build its broker and simulator, how to break the connection at each point, and what the broker's
own books hold; this core waits for the account to trade again, quiesces, and compares the books.

The risk engine's clock is a PacedClock: real time plus the pauses a trader would take between intents
(PACE), so the duplicate window and the order-rate limits judge a human-paced stream while the run itself goes
at machine speed. Their refusals (and a broker's refusals) are outcomes the trader sees: counted apart, never
"lost".
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from collections.abc import Awaitable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from pathlib import Path

from core.domain import (
    AccountId,
    ClientOrderId,
    ConnectionChanged,
    ConnectionState,
    Order,
    OrderReopened,
    OrderRequest,
    OrderStatus,
    OrderType,
    Quote,
    ReconciliationRequired,
    Side,
    TimeInForce,
    TradingState,
)
from core.ports import errors
from core.ports.broker import BrokerAdapter
from core.services.bus import EventBus
from core.services.risk import RiskConfig
from core.services.risk.limits import DEFAULT_LIMITS
from core.services.session import OrderRefused, TradingSession
from core.storage.journal import SqliteJournal
from tests.adapters.chaos_figures import ChaosFigures
from tests.adapters.chaos_pace import Pace, PacedClock

UNRESOLVED = frozenset({OrderStatus.INITIALIZED, OrderStatus.SUBMITTED, OrderStatus.UNKNOWN,
                        OrderStatus.PENDING_CANCEL, OrderStatus.PENDING_REPLACE})
NEVER_AT_BROKER = frozenset({OrderStatus.CANCELED, OrderStatus.REJECTED, OrderStatus.DENIED})
MAX_WORKING = 12
EOD_ROUNDS = 5
"""How many times the trader's end of day cancels what still works (a cancel the broker refuses is tried again)."""
HALTED_BEFORE_RECONNECT_S = 0.5
"""How long the driver lets an account sit halted while connected before it does what the trader is told to do
("reconnect to resume"): disconnect and connect, which reconciles."""


class ChaosStuck(AssertionError):
    """The account did not trade again, or orders stayed unresolved, in time."""


@dataclass(frozen=True, slots=True)
class RemoteOrder:
    """One order as the broker's own books hold it (the simulator's state, not what the adapter reported)."""

    broker_id: str
    filled: Decimal
    working: bool
    status: str
    quantity: Decimal | None = None
    price: Decimal | None = None


class ChaosWorld:
    """The driver and the books comparison; a subclass supplies the broker, its drops and its books."""

    broker = "?"
    account = AccountId("CHAOS")
    symbols: tuple[str, ...] = ()
    points: tuple[StrEnum, ...] = ()
    day_length = 500
    ready_timeout_s = 20.0
    quiesce_timeout_s = 60.0
    """Longer than the resolver needs to call an order never reached (three absent looks and ten seconds:
    15.7 s of looks) after a send that itself timed out; 20 s once ended a loaded run with one UNKNOWN."""

    def __init__(self, data_dir: Path, seed: int, intents: int, disconnects: int, day_length: int | None = None,
                 modify_share: float = 0.15, cancel_share: float = 0.2, double_click_share: float = 0.05) -> None:
        self.data_dir = data_dir
        self.seed = seed
        self.target = intents
        self.rng = random.Random(seed)
        self.day_length = day_length or self.day_length
        self.modify_share, self.cancel_share, self.double_click_share = modify_share, cancel_share, double_click_share
        self.figures = ChaosFigures(self.broker, seed)
        self.coids: list[ClientOrderId] = []
        self.attempts = 0
        self.resting: list[ClientOrderId] = []
        self.quotes: dict[str, Quote] = {}
        self.drops: Counter[str] = Counter()
        chosen = self.rng.sample(range(intents), disconnects)
        self.plan = {index: self.points[n % len(self.points)] for n, index in enumerate(chosen)}
        self.clock = PacedClock()
        self.pace = Pace(seed, avoid=self.plan)
        self.bus = EventBus()
        self.journal: SqliteJournal | None = None
        self.session: TradingSession | None = None
        self._halted_since: float | None = None
        self.failed_reconnects = 0

    # --- what a world supplies ---------------------------------------------------------------------

    async def start_broker(self) -> None:
        """Start the simulator (once per run)."""
        raise NotImplementedError

    async def stop_broker(self) -> None:
        raise NotImplementedError

    def make_adapter(self) -> BrokerAdapter:
        """Return a new adapter publishing to self.bus."""
        raise NotImplementedError

    async def intent(self, point: StrEnum | None) -> None:
        """Do one intent (self.place(...), maybe a modify or cancel), breaking the connection at point."""
        raise NotImplementedError

    def remote_orders(self) -> tuple[dict[str, list[RemoteOrder]], list[str]]:
        """Return the broker's orders by our client order id, and the broker ids of orders it cannot tie to one."""
        raise NotImplementedError

    def remote_positions(self) -> dict[str, Decimal]:
        raise NotImplementedError

    def remote_trade_ids(self) -> set[str]:
        """Return the broker's executions as the trade ids our fills carry."""
        raise NotImplementedError

    def journaled_trade_ids(self, ids: set[str]) -> set[str]:
        """Return the ids of ids that stand for executions at the broker (default: all)."""
        return ids

    async def new_day(self) -> None:
        """Start the broker's next trading day (every order is terminal by now); archive what the books need."""

    async def recover(self) -> None:
        """Bring a disconnected account back as its trader would (default: connect again, which reconciles)."""
        assert self.session is not None
        self.figures.trader_reconnects += 1
        await self.session.connect(self.account)

    def feed_quotes(self) -> None:
        """Publish quotes for brokers whose adapter sends none in this run (default: none to send)."""

    async def before_check(self) -> None:
        """Stop the broker's market (every order is settled by now), so the books are compared at rest."""

    # --- the run -----------------------------------------------------------------------------------

    def open_session(self) -> None:
        self.journal = SqliteJournal(self.data_dir / "journal.sqlite")
        self.session = TradingSession(self.bus, self.journal, clock=self.clock,
                                      risk=RiskConfig(global_limits=DEFAULT_LIMITS))
        self.session.restore()
        self.adapter = self.make_adapter()
        self.session.add_account(self.adapter)

    async def run(self) -> ChaosFigures:
        started = time.perf_counter()
        await self.start_broker()
        self.resubscribe()
        try:
            self.open_session()
            assert self.session is not None
            await self.session.connect(self.account)
            for step in range(self.target):
                if step and step % self.day_length == 0:
                    await self._end_of_day()
                await self.ready()
                gap = self.pace.next_gap(step)
                self.clock.advance(gap, hold=self.pace.in_burst)
                await self.intent(self.plan.get(step))
            await self._check()
        finally:
            self.figures.seconds = round(time.perf_counter() - started, 2)
            if self.session is not None:
                await self.session.close()
            if self.journal is not None:
                self.journal.close()
            await self.stop_broker()
        return self.figures

    def resubscribe(self) -> None:
        """Listen on self.bus (a restarted app has a new bus)."""
        self.bus.subscribe(Quote, self._on_quote)
        self.bus.subscribe(ConnectionChanged, self._on_connection)
        self.bus.subscribe(ReconciliationRequired, self._on_mismatch)

    def _on_quote(self, quote: Quote) -> None:
        if quote.bid is not None and quote.ask is not None:
            self.quotes[quote.symbol] = quote

    def _on_connection(self, event: ConnectionChanged) -> None:
        if event.state is ConnectionState.CONNECTED and self.session is not None:
            slot = self.session.account(self.account)
            if not slot.connecting:
                self.figures.reconnects += 1

    def _on_mismatch(self, event: ReconciliationRequired) -> None:
        self.figures.reconcile_alarms += 1
        self.figures.problems.append(f"after {self.attempts} intents: " + "; ".join(event.differences))

    async def ready(self) -> None:
        """Wait until the account trades again (connected, reconciled, quoted); reconnect as a trader would."""
        assert self.session is not None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.ready_timeout_s
        slot = self.session.account(self.account)
        while True:
            self.feed_quotes()
            if slot.trading is TradingState.ACTIVE and slot.connection is ConnectionState.CONNECTED \
                    and len(self.quotes) >= len(self.symbols):
                self._halted_since = None
                return
            if loop.time() > deadline:
                raise ChaosStuck(f"{self.broker} seed {self.seed}: after {self.attempts} intents the account is "
                                 f"{slot.trading.value} ({slot.reason}); connection {slot.connection.value}; "
                                 + self.books())
            if slot.connection in (ConnectionState.DISCONNECTED, ConnectionState.FAILED) and not slot.connecting:
                await self._try(self.recover())
            elif slot.connection is ConnectionState.CONNECTED and slot.trading is not TradingState.ACTIVE:
                if self._halted_since is None:
                    self._halted_since = loop.time()
                elif loop.time() - self._halted_since > HALTED_BEFORE_RECONNECT_S:
                    self._halted_since = None
                    self.figures.trader_reconnects += 1
                    await self._try(self._reconnect())
            await asyncio.sleep(0.005)

    async def _reconnect(self) -> None:
        assert self.session is not None
        await self.session.disconnect(self.account)
        await self.session.connect(self.account)

    async def _try(self, action: Awaitable[object]) -> None:
        """Reconnect once; a failure (the broker still down) is retried by the next ready() round."""
        try:
            await action
        except (errors.BrokerError, OSError):
            self.failed_reconnects += 1

    # --- one intent's parts ------------------------------------------------------------------------

    def tick(self, symbol: str) -> Decimal:
        assert self.session is not None
        instrument = self.session.instruments.find(symbol)
        assert instrument is not None, symbol
        return instrument.tick_size

    def market_request(self, quantity: int) -> OrderRequest:
        return OrderRequest(self.account, self.rng.choice(self.symbols), self.rng.choice((Side.BUY, Side.SELL)),
                            str(quantity), OrderType.MARKET)

    def limit_request(self, ticks_away: int, quantity: int, tif: TimeInForce = TimeInForce.DAY,
                      symbol: str | None = None, side: Side | None = None) -> OrderRequest:
        """A limit ticks_away from the touch on the passive side (negative: through the touch, marketable)."""
        symbol = symbol or self.rng.choice(self.symbols)
        side = side or self.rng.choice((Side.BUY, Side.SELL))
        quote = self.quotes[symbol]
        tick = self.tick(symbol)
        assert quote.bid is not None and quote.ask is not None
        if side is Side.BUY:
            price = (quote.bid if ticks_away >= 0 else quote.ask) - ticks_away * tick
        else:
            price = (quote.ask if ticks_away >= 0 else quote.bid) + ticks_away * tick
        price = (price / tick).to_integral_value() * tick
        return OrderRequest(self.account, symbol, side, str(quantity), OrderType.LIMIT, str(price), tif=tif)

    async def place(self, request: OrderRequest) -> Order | None:
        """Submit one intent; count a refusal by where it came from. Return the order if it was sent."""
        assert self.session is not None
        self.attempts += 1
        try:
            order = await self.session.submit(request)
        except OrderRefused as exc:
            check = refusal_kind(exc)
            slot = self.session.account(self.account)
            if slot.trading is not TradingState.ACTIVE or slot.connection is not ConnectionState.CONNECTED:
                self.figures.refused_while_down += 1
            else:
                self.figures.refused_by_risk += 1
                self.figures.refusals_by_check[check] = self.figures.refusals_by_check.get(check, 0) + 1
            return None
        self.coids.append(order.client_order_id)
        if order.status is OrderStatus.UNKNOWN:
            self.figures.went_unknown += 1
        elif order.status is OrderStatus.REJECTED:
            self.figures.refused_by_broker += 1
        if request.order_type is OrderType.LIMIT and request.tif is TimeInForce.DAY and order.is_working:
            self.resting.append(order.client_order_id)
        return order

    async def cancel(self, coid: ClientOrderId) -> None:
        assert self.session is not None
        self.figures.cancels += 1
        await self.session.cancel(coid)

    async def modify(self, coid: ClientOrderId) -> None:
        """Move a resting order's price a few ticks and change its quantity by a step (risk-checked)."""
        assert self.session is not None
        order = self.session.oms.get(coid)
        if order is None or order.limit_price is None or order.status not in (OrderStatus.ACCEPTED,
                                                                              OrderStatus.PARTIALLY_FILLED):
            return
        step = order.instrument.lot_size if order.instrument.lot_size > 1 else Decimal(1)
        quantity = max(order.filled_qty + step, order.quantity.value + step * self.rng.choice((-1, 1, 2)))
        tick = order.instrument.tick_size
        away = tick * self.rng.randint(1, 5)
        price = order.limit_price.value - away if order.side is Side.BUY else order.limit_price.value + away
        self.figures.modifies += 1
        try:
            after = await self.session.modify(coid, str(quantity), str(price))
        except OrderRefused as exc:
            check = refusal_kind(exc)
            self.figures.refused_by_risk += 1
            self.figures.refusals_by_check[f"modify {check}"] = \
                self.figures.refusals_by_check.get(f"modify {check}", 0) + 1
            return
        if after.quantity.value != quantity and after.status is not OrderStatus.PENDING_REPLACE:
            self.figures.modifies_refused += 1

    async def mix(self) -> None:
        """After a placed intent: now and then a modify or a cancel of a resting order; keep MAX_WORKING."""
        roll = self.rng.random()
        if roll < self.cancel_share and self.working_resting():
            await self.cancel(self.rng.choice(self.working_resting()))
        elif roll < self.cancel_share + self.modify_share and self.working_resting():
            await self.modify(self.rng.choice(self.working_resting()))
        for coid in self.working_resting()[:-MAX_WORKING]:
            if self._status(coid) is not OrderStatus.UNKNOWN:
                # an order of unknown fate cannot be pending cancel: asked again on every intent while it is
                # resolved (seconds), it made the run's cancel counts (Alpaca 327,569) a count of the same asks
                await self.cancel(coid)

    def _status(self, coid: ClientOrderId) -> OrderStatus | None:
        assert self.session is not None
        order = self.session.oms.get(coid)
        return order.status if order is not None else None

    def working_resting(self) -> list[ClientOrderId]:
        assert self.session is not None
        working = []
        for coid in self.resting:
            order = self.session.oms.get(coid)
            if order is not None and order.is_working and order.status not in (OrderStatus.PENDING_CANCEL,
                                                                                 OrderStatus.PENDING_REPLACE):
                working.append(coid)
        self.resting = working
        return list(working)

    def double_click(self) -> bool:
        return self.rng.random() < self.double_click_share

    def count_drop(self, point: StrEnum) -> None:
        self.drops[point.value] += 1

    # --- days and quiescing ------------------------------------------------------------------------

    async def _end_of_day(self) -> None:
        """The trader cancels every order still working; once every order is settled the broker starts a new day.

        Every working order of the account, not only this driver's resting list: that list drops an order while
        its change or cancel is on its way (it cannot be picked then), and an order reconciliation reopened was
        never on it. Either, left working, would pass into the broker's past orders still OPEN, and the next day's
        reconciliation would close it here as gone: a lost order the run made up, not one TradeTerm lost.
        """
        assert self.session is not None
        for _ in range(EOD_ROUNDS):
            await self.quiesce()  # changes and cancels on their way settle first, so each order can be canceled
            working = [o.client_order_id for o in self.session.oms.working(self.account)
                       if o.status not in (OrderStatus.PENDING_CANCEL, OrderStatus.PENDING_REPLACE)]
            if not working:
                break
            for coid in working:
                await self.cancel(coid)
        await self.quiesce()
        self.figures.days += 1
        await self.new_day()

    async def quiesce(self) -> None:
        assert self.session is not None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.quiesce_timeout_s
        while True:
            await self.ready()
            pending = [c for c in self.coids if (o := self.session.oms.get(c)) is not None and o.status in UNRESOLVED]
            if not pending:
                break
            if loop.time() > deadline:
                raise ChaosStuck(f"{self.broker} seed {self.seed}: {len(pending)} order(s) stay unresolved, e.g. "
                                 + self.describe(pending[0]))
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.3)  # fills of the last orders on their way

    def describe(self, coid: ClientOrderId) -> str:
        assert self.session is not None
        order = self.session.oms.get(coid)
        events = [type(e).__name__ for e in order.events] if order is not None else []
        remote, _ = self.remote_orders()
        status = order.status.value if order is not None else "missing"
        return f"{coid}: {status} after {events}; at the broker {remote.get(str(coid), [])}"

    def books(self) -> str:
        assert self.session is not None
        theirs = self.remote_positions()
        lines = []
        for symbol in self.symbols:
            position = self.session.portfolio.position(self.account, symbol)
            lines.append(f"{symbol}: {position.quantity if position else 0} here / {theirs.get(symbol, 0)} there")
        return "; ".join(lines) + f"; problems {self.figures.problems[-3:]}"

    # --- the books ---------------------------------------------------------------------------------

    async def _check(self) -> None:
        assert self.session is not None and self.journal is not None
        for coid in self.working_resting():  # the trader's end of day
            await self.cancel(coid)
        await self.quiesce()
        await self.before_check()  # the market stops: no fill may land between the two books' reads
        await self.quiesce()
        report = await self.session.connect(self.account)  # the final reconciliation
        figures = self.figures
        figures.intents = self.attempts
        figures.drops_by_point = dict(sorted(self.drops.items()))
        figures.disconnects = sum(self.drops.values())
        at_broker, strays = self.remote_orders()
        figures.duplicates = sum(len(v) - 1 for v in at_broker.values()) + len(strays)
        figures.problems += [f"{ref}: {len(v)} broker orders" for ref, v in at_broker.items() if len(v) > 1]
        figures.problems += [f"broker order {b}: no intent of ours" for b in strays]
        durable = {o.client_order_id: o for o in self.journal.load().orders}  # read back from SQLite
        ours = set(map(str, durable))
        figures.duplicates += len(set(at_broker) - ours)
        figures.problems += [f"{ref}: at the broker, never an intent" for ref in set(at_broker) - ours]
        statuses: Counter[str] = Counter()
        denied = 0
        for coid, saved in durable.items():
            order = self.session.oms.get(coid)
            statuses[order.status.value if order is not None else "MISSING"] += 1
            denied += order is not None and order.status is OrderStatus.DENIED
            problem = self._lost(coid, at_broker.get(str(coid), []), saved)
            if problem is not None:
                figures.lost += 1
                figures.problems.append(f"{coid}: {problem}")
        figures.lost += len(set(self.coids) - set(durable))
        figures.final_status = dict(sorted(statuses.items()))
        figures.reopened = sum(any(isinstance(e, OrderReopened) for e in o.events) for o in self.session.oms.orders())
        figures.mismatches += len(report.differences) + self._position_mismatches()
        figures.problems += report.differences
        self._compare_fills()

    def _lost(self, coid: ClientOrderId, remote: Sequence[RemoteOrder], saved: Order) -> str | None:
        assert self.session is not None
        order = self.session.oms.get(coid)
        if order is None:
            return "not in the order manager"
        if (saved.status, saved.filled_qty) != (order.status, order.filled_qty):
            return f"journal disagrees: {saved.status.value} vs {order.status.value}"
        if order.status in UNRESOLVED:
            return f"unresolved: {order.status.value}"
        if not remote:
            if order.status not in NEVER_AT_BROKER or order.filled_qty != 0:
                return f"the broker never had it, yet it is {order.status.value} with {order.filled_qty} filled"
            return None
        there = remote[0]
        if order.filled_qty != there.filled:
            return (f"filled {order.filled_qty} here, {there.filled} at the broker "
                    f"({order.status.value} / {there.status})")
        if order.is_working != there.working:
            return f"{order.status.value} here, {there.status} at the broker"
        if there.quantity is not None and order.quantity.value != there.quantity:
            self.figures.mismatches += 1
            self.figures.problems.append(f"{coid}: quantity {order.quantity.value} here, {there.quantity} there")
        if there.price is not None and order.limit_price is not None and order.limit_price.value != there.price:
            self.figures.mismatches += 1
            self.figures.problems.append(f"{coid}: price {order.limit_price.value} here, {there.price} there")
        return None

    def _position_mismatches(self) -> int:
        assert self.session is not None
        theirs = self.remote_positions()
        count = 0
        for symbol in sorted(set(self.symbols) | set(theirs)):
            position = self.session.portfolio.position(self.account, symbol)
            ours = position.quantity if position is not None else Decimal(0)
            if ours != theirs.get(symbol, Decimal(0)):
                count += 1
                self.figures.problems.append(f"{symbol}: position {ours} here, {theirs.get(symbol, 0)} there")
        return count

    def _compare_fills(self) -> None:
        assert self.journal is not None
        journaled = Counter(t for f in self.journal.load().fills if (t := str(f.trade_id)) in
                            self.journaled_trade_ids({t}))
        there = self.remote_trade_ids()
        self.figures.fills = len(there)
        missing = there - set(journaled)
        extra = set(journaled) - there
        doubled = [t for t, n in journaled.items() if n > 1]
        self.figures.fill_mismatches = len(missing) + len(extra) + len(doubled)
        self.figures.problems += [f"fill {t} missing here" for t in sorted(missing)[:5]]
        self.figures.problems += [f"fill {t} unknown at the broker" for t in sorted(extra)[:5]]
        self.figures.problems += [f"fill {t} booked {journaled[t]} times" for t in doubled[:5]]


def refusal_kind(refused: OrderRefused) -> str:
    """Name the check that refused an order, for the figures."""
    text = str(refused).lower()
    for words, kind in (("duplicate window", "duplicate_window"), ("rate limit", "order_rate"),
                        ("collar", "price_collar"), ("working orders", "max_working_orders")):
        if words in text:
            return kind
    return refused.errors[0].field if refused.errors else "?"


def positions_of(quantities: Mapping[str, Decimal]) -> dict[str, Decimal]:
    """Drop the flat ones: a broker may list a closed position at 0 or not at all."""
    return {symbol: qty for symbol, qty in quantities.items() if qty != 0}


async def run_short(world: ChaosWorld, seed: int, points: Iterable[str], intents: int,
                    disconnects: int, rate_refusals: bool = True) -> tuple[ChaosFigures, str]:
    """Run a short seeded chaos world and check what every broker's run must show; return (figures, context).

    No order lost or sent twice, the books equal, every planned break point reached, the risk limits on
    (duplicate window and order rate refusals counted). The caller checks what is its broker's own.
    """
    rerun = f"chaos seed {seed} (rerun with CHAOS_SEED={seed})"
    try:
        figures = await world.run()
    except AssertionError as exc:
        raise AssertionError(f"{rerun}: {exc}") from exc
    context = f"{rerun}: {figures.line()}"
    assert figures.intents >= intents and figures.disconnects >= disconnects, context
    assert set(points) <= set(figures.drops_by_point), context
    assert figures.lost == 0, context
    assert figures.duplicates == 0, context
    assert figures.mismatches == 0, context
    assert figures.fill_mismatches == 0, context
    assert figures.went_unknown > 0 and figures.fills > 0 and figures.cancels > 0, context
    assert figures.refusals_by_check.get("duplicate_window", 0) > 0, context  # the limits were on
    if rate_refusals:
        assert figures.refusals_by_check.get("order_rate", 0) > 0, context
    return figures, context
