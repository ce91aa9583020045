"""The IB chaos run: seeded random order intents through the real TradingSession, SqliteJournal and IbBroker
while the TWS simulator drops the connection at chosen points; then the books are compared.

Shared by tests/adapters/test_ib_chaos.py (short) and bench/chaos_ib.py (>= 10,000 intents, >= 1,000 drops).
The risk engine runs with the default limits, the duplicate window and the order-rate limits included, on the
shared chaos core's paced clock (chaos_core.PacedClock): it judges a human-paced stream of intents while the run
goes at machine speed. Its refusals are counted apart (refused_by_risk), never "lost".
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from pathlib import Path

from core.adapters.ib.adapter import IbBroker
from core.adapters.ib.config import IbConfig
from core.domain import (
    AccountId,
    ClientOrderId,
    ConnectionChanged,
    ConnectionState,
    Order,
    OrderRequest,
    OrderStatus,
    OrderType,
    Quote,
    ReconciliationRequired,
    Side,
    TimeInForce,
    TradingState,
)
from core.services.bus import EventBus
from core.services.risk import RiskConfig
from core.services.risk.limits import DEFAULT_LIMITS
from core.services.session import OrderRefused, TradingSession
from core.storage.journal import SqliteJournal
from tests.adapters.chaos_core import (
    NEVER_AT_BROKER,
    UNRESOLVED,
    ChaosStuck,
    refusal_kind,
)
from tests.adapters.chaos_figures import JsonLine
from tests.adapters.chaos_pace import Pace, PacedClock
from tests.sims.tws import TwsSimulator
from tests.sims.tws.orders import SimOrder
from tests.sims.tws.testing import sim_settings

ACCOUNT = AccountId("IB-CHAOS")
IB_ACCOUNT = "DU1234567"
SYMBOLS = ("AAPL", "MSFT")
TICK = Decimal("0.01")

MAX_WORKING = 12
DAY_LENGTH = 500
"""Intents per simulated trading day: TWS's nightly restart then drops the client and forgets the day's
completed orders and executions, as IB's API does (keeps each reconnect's replay to one day's orders)."""


class DropPoint(StrEnum):
    """Where in the order path the simulator drops the connection (the values are the simulator's causes)."""

    ON_RECEIVE = "drop_on_receive"  # the order never reaches IB
    BEFORE_ACK = "drop_before_ack"  # IB books it, the client hears nothing
    AFTER_ACK = "drop_after_ack"  # acknowledged, fills not reported
    BETWEEN_PARTIALS = "drop_between_partials"  # the first of several executions reported, the rest not
    BEFORE_CANCEL = "drop_before_cancel"  # the cancel never reaches IB
    AFTER_CANCEL = "drop_after_cancel"  # the cancel done at IB, not confirmed
    RANDOM = "drop_client"  # at a random instant while an order is on its way


@dataclass(slots=True)
class ChaosFigures(JsonLine):
    seed: int
    intents: int = 0
    disconnects: int = 0
    lost: int = 0
    duplicates: int = 0
    mismatches: int = 0
    seconds: float = 0.0
    reconnects: int = 0
    fills: int = 0
    fill_mismatches: int = 0
    went_unknown: int = 0
    never_reached_ib: int = 0
    refused_while_down: int = 0
    refused_by_risk: int = 0
    cancels: int = 0
    modifies: int = 0
    days: int = 1
    drops_by_point: dict[str, int] = field(default_factory=dict)
    refusals_by_check: dict[str, int] = field(default_factory=dict)
    final_status: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


class ChaosRun:
    """Drive `intents` orders through a session against a TwsSimulator with `disconnects` drops; check the books."""

    def __init__(self, data_dir: Path, seed: int, intents: int, disconnects: int, ready_timeout_s: float = 15.0,
                 day_length: int = DAY_LENGTH, realistic: float = 0.0) -> None:
        self.data_dir = data_dir
        self.seed = seed
        self.target = intents
        self.rng = random.Random(seed)
        self.ready_timeout_s = ready_timeout_s
        self.day_length = day_length
        self.figures = ChaosFigures(seed)
        self.coids: list[ClientOrderId] = []
        self.resting: list[ClientOrderId] = []
        self.plan = self._plan(intents, disconnects)
        self.quotes: dict[str, Quote] = {}
        self.sim = TwsSimulator(seed=seed, tick_interval_s=0.02)
        self.clock = PacedClock()
        self.pace = Pace(seed, avoid=self.plan)
        self.sim.faults.realistic = realistic  # IB's informational codes mixed in (404, 10349, 399, ...)

    def _plan(self, intents: int, disconnects: int) -> dict[int, DropPoint]:
        points = list(DropPoint)
        chosen = self.rng.sample(range(intents), disconnects)  # in random order: the points rotate over random intents
        return {index: points[n % len(points)] for n, index in enumerate(chosen)}

    # --- the run ---------------------------------------------------------------------------------

    async def run(self) -> ChaosFigures:
        started = time.perf_counter()
        await self.sim.start()
        self.bus = EventBus()
        self.journal = SqliteJournal(self.data_dir / "journal.sqlite")
        self.session = TradingSession(self.bus, self.journal, clock=self.clock,
                                      risk=RiskConfig(global_limits=DEFAULT_LIMITS))
        settings = sim_settings(self.sim.port, symbols=list(SYMBOLS), reconnect_initial_s=0.01, reconnect_max_s=0.05,
                                commission_wait_s=0.2, order_timeout_s=2.0, request_timeout_s=5.0)
        self.adapter = IbBroker(ACCOUNT, IbConfig.from_mapping(settings), self.bus.publish)
        self.session.add_account(self.adapter)
        self.bus.subscribe(Quote, self._on_quote)
        self.bus.subscribe(ConnectionChanged, self._on_connection)
        self.bus.subscribe(ReconciliationRequired, self._on_mismatch)
        try:
            await self.session.connect(ACCOUNT)
            while len(self.coids) < self.target:
                index = len(self.coids)
                if index and index % self.day_length == 0 and self.figures.days <= index // self.day_length:
                    await self._nightly_restart()
                await self._ready()
                gap = self.pace.next_gap(index)
                self.clock.advance(gap, hold=self.pace.in_burst)
                await self._intent(self.plan.get(index))
            await self._check()
        finally:
            self.figures.seconds = round(time.perf_counter() - started, 2)
            await self.session.close()
            self.journal.close()
            await self.sim.stop()
        return self.figures

    def _on_quote(self, quote: Quote) -> None:
        if quote.bid is not None and quote.ask is not None:
            self.quotes[quote.symbol] = quote

    def _on_connection(self, event: ConnectionChanged) -> None:
        if event.state is ConnectionState.CONNECTED and event.message.startswith("Reconnected"):
            self.figures.reconnects += 1

    def _on_mismatch(self, event: ReconciliationRequired) -> None:
        self.figures.problems.append(f"after {len(self.coids)} intents: " + "; ".join(event.differences))

    def books(self) -> str:
        """Return, per symbol, our position and fills against IB's, for a failure message."""
        fills = self.journal.load().fills
        lines = []
        for symbol in SYMBOLS:
            position = self.session.portfolio.position(ACCOUNT, symbol)
            holding = self.sim.book.holdings.get((IB_ACCOUNT, symbol))
            ours = sum((f.quantity.value * f.side.sign for f in fills if f.symbol == symbol), Decimal(0))
            theirs = sum((e.shares * (1 if e.order.action == "BUY" else -1) for e in self.sim.book.every_execution()
                          if e.order.listing.key == symbol), Decimal(0))
            missing = {e.exec_id for e in self.sim.book.every_execution() if e.order.listing.key == symbol} - {
                str(f.trade_id) for f in fills}
            lines.append(f"{symbol}: position {position.quantity if position else 0} here / "
                         f"{holding.quantity if holding else 0} at IB; fills {ours} here / {theirs} at IB; "
                         f"missing here {sorted(missing)[:3]}")
        return "; ".join(lines) + f"; problems {self.figures.problems[-3:]}"

    async def _ready(self) -> None:
        """Wait until the account trades again: connected, reconciled, quoted."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.ready_timeout_s
        slot = self.session.account(ACCOUNT)
        while slot.trading is not TradingState.ACTIVE or len(self.quotes) < len(SYMBOLS):
            if loop.time() > deadline:
                raise ChaosStuck(f"seed {self.seed}: after {len(self.coids)} intents the account is "
                                 f"{slot.trading.value} ({slot.reason}); connection {slot.connection.value}; "
                                 + self.books())
            await asyncio.sleep(0.002)

    # --- one intent ------------------------------------------------------------------------------

    async def _intent(self, point: DropPoint | None) -> None:
        faults = self.sim.faults
        drops_before = sum(faults.drops.values())
        cancel_point = point in (DropPoint.BEFORE_CANCEL, DropPoint.AFTER_CANCEL)
        if cancel_point and not self._working_resting():
            await self._place(self._resting_request())  # something to cancel
            await self._ready()
        request = self._request(point)
        if point is not None and not cancel_point and point is not DropPoint.RANDOM:
            setattr(faults, point.value, True)
            if point is DropPoint.BETWEEN_PARTIALS:
                faults.partial_fills = self.rng.choice((2, 3))
        if point is DropPoint.RANDOM:
            asyncio.get_running_loop().call_later(self.rng.uniform(0, 0.004), self.sim.drop_client, 1)
        await self._place(request)
        if cancel_point and self._working_resting():
            assert point is not None
            setattr(faults, point.value, True)
            await self._cancel(self.rng.choice(self._working_resting()))
        elif (roll := self.rng.random()) < 0.25 and self._working_resting():
            await self._cancel(self.rng.choice(self._working_resting()))
        elif roll < 0.40 and self._working_resting():
            await self._modify(self.rng.choice(self._working_resting()))
        for coid in self._working_resting()[:-MAX_WORKING]:  # once each: a cancel refused while down stays working
            await self._cancel(coid)
        if point is not None:
            await self._dropped_since(drops_before)
        faults.clear_one_shots()

    async def _dropped_since(self, drops_before: int) -> None:
        """Make sure the planned drop happened (a fault whose moment never came is replaced by a plain drop)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 0.3
        while sum(self.sim.faults.drops.values()) == drops_before:
            if loop.time() > deadline:
                self.sim.faults.clear_one_shots()
                self.sim.drop_client(1)
                deadline = loop.time() + 0.3
            await asyncio.sleep(0.002)

    def _request(self, point: DropPoint | None) -> OrderRequest:
        if point is DropPoint.BETWEEN_PARTIALS:
            return self._market_request(minimum=4)
        roll = self.rng.random()
        if roll < 0.45:
            return self._market_request()
        if roll < 0.65:
            return self._limit_request(-self.rng.randint(1, 5))  # marketable
        if roll < 0.70:
            return self._limit_request(self.rng.randint(20, 60), TimeInForce.IOC)  # canceled by IB at once
        return self._resting_request()

    def _market_request(self, minimum: int = 1) -> OrderRequest:
        return OrderRequest(ACCOUNT, self.rng.choice(SYMBOLS), self.rng.choice((Side.BUY, Side.SELL)),
                            str(self.rng.randint(minimum, 20)), OrderType.MARKET)

    def _resting_request(self) -> OrderRequest:
        return self._limit_request(self.rng.randint(20, 60))

    def _limit_request(self, ticks_away: int, tif: TimeInForce = TimeInForce.DAY) -> OrderRequest:
        """A limit ticks_away from the touch on the passive side (negative: through the touch, marketable)."""
        symbol = self.rng.choice(SYMBOLS)
        side = self.rng.choice((Side.BUY, Side.SELL))
        quote = self.quotes[symbol]
        assert quote.bid is not None and quote.ask is not None
        if side is Side.BUY:
            price = (quote.bid if ticks_away >= 0 else quote.ask) - ticks_away * TICK
        else:
            price = (quote.ask if ticks_away >= 0 else quote.bid) + ticks_away * TICK
        return OrderRequest(ACCOUNT, symbol, side, str(self.rng.randint(1, 20)), OrderType.LIMIT, str(price), tif=tif)

    async def _place(self, request: OrderRequest) -> None:
        try:
            order = await self.session.submit(request)
        except OrderRefused as refused:  # the trader sees the refusal; nothing is lost
            slot = self.session.account(ACCOUNT)
            if slot.trading is not TradingState.ACTIVE or slot.connection is not ConnectionState.CONNECTED:
                self.figures.refused_while_down += 1
            else:
                self.figures.refused_by_risk += 1
                kind = refusal_kind(refused)
                self.figures.refusals_by_check[kind] = self.figures.refusals_by_check.get(kind, 0) + 1
            return
        self.coids.append(order.client_order_id)
        if order.status is OrderStatus.UNKNOWN:
            self.figures.went_unknown += 1
        if request.order_type is OrderType.LIMIT and request.tif is TimeInForce.DAY and order.is_working:
            self.resting.append(order.client_order_id)

    async def _modify(self, coid: ClientOrderId) -> None:
        """Move a resting order a few ticks further from the touch and change its size (risk-checked)."""
        order = self.session.oms.get(coid)
        if order is None or order.limit_price is None:
            return
        quantity = max(order.filled_qty + 1, order.quantity.value + self.rng.choice((-1, 1, 2)))
        away = TICK * self.rng.randint(1, 5)
        price = order.limit_price.value - away if order.side is Side.BUY else order.limit_price.value + away
        self.figures.modifies += 1
        try:
            await self.session.modify(coid, str(quantity), str(price))
        except OrderRefused as refused:
            self.figures.refused_by_risk += 1
            kind = "modify " + refusal_kind(refused)
            self.figures.refusals_by_check[kind] = self.figures.refusals_by_check.get(kind, 0) + 1

    async def _cancel(self, coid: ClientOrderId) -> None:
        self.figures.cancels += 1
        await self.session.cancel(coid)

    def _working_resting(self) -> list[ClientOrderId]:
        working = []
        for coid in self.resting:
            order = self.session.oms.get(coid)
            if order is not None and order.is_working and order.status not in (OrderStatus.PENDING_CANCEL,
                                                                                 OrderStatus.PENDING_REPLACE):
                working.append(coid)
        self.resting = working
        return list(working)

    async def _nightly_restart(self) -> None:
        """Quiesce (every order resolved, fills booked), then let TWS restart into a new day."""
        await self._quiesce()
        self.figures.days += 1
        self.sim.nightly_restart()
        await asyncio.sleep(0.01)

    async def _quiesce(self) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.ready_timeout_s
        while True:
            await self._ready()
            pending = [c for c in self.coids if (o := self.session.oms.get(c)) is not None and o.status in UNRESOLVED]
            if not pending:
                break
            if loop.time() > deadline:
                raise ChaosStuck(f"seed {self.seed}: {len(pending)} order(s) stay unresolved, e.g. "
                                 + self.describe(pending[0]))
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.3)  # commissions and pushed fills of the last orders

    def describe(self, coid: ClientOrderId) -> str:
        """Return an order's story here and at IB, for a failure message."""
        order = self.session.oms.get(coid)
        events = [type(e).__name__ for e in order.events] if order is not None else []
        remote = [(o.status, o.filled, o.quantity) for o in self.sim.book.every_order() if o.order_ref == str(coid)]
        status = order.status.value if order is not None else "missing"
        return f"{coid}: {status} after {events}; at IB {remote}"

    # --- the books -------------------------------------------------------------------------------

    async def _check(self) -> None:
        self.sim.faults.clear_one_shots()
        self.sim.faults.rest_orders = True  # the market stops filling: the books can settle
        await self._quiesce()
        report = await self.session.connect(ACCOUNT)  # the final reconciliation
        figures = self.figures
        figures.intents = len(self.coids)
        figures.drops_by_point = dict(sorted(self.sim.faults.drops.items()))
        figures.disconnects = sum(self.sim.faults.drops.values())
        at_ib: dict[str, list[SimOrder]] = {}
        for sim_order in self.sim.book.every_order():
            at_ib.setdefault(sim_order.order_ref, []).append(sim_order)
        ours = set(map(str, self.coids))
        figures.duplicates = sum(len(v) - 1 for v in at_ib.values()) + len(set(at_ib) - ours)
        figures.problems += [f"{ref}: {len(v)} broker orders" for ref, v in at_ib.items() if len(v) > 1]
        figures.problems += [f"{ref}: at IB, never an intent" for ref in set(at_ib) - ours]
        durable = {o.client_order_id: o for o in self.journal.load().orders}  # read back from SQLite
        statuses: Counter[str] = Counter()
        for coid in self.coids:
            problem = self._lost(coid, at_ib.get(str(coid), []), durable)
            order = self.session.oms.get(coid)
            statuses[order.status.value if order is not None else "MISSING"] += 1
            if order is not None and order.status is OrderStatus.CANCELED and not at_ib.get(str(coid)):
                figures.never_reached_ib += 1
            if problem is not None:
                figures.lost += 1
                figures.problems.append(f"{coid}: {problem}")
        figures.final_status = dict(sorted(statuses.items()))
        figures.mismatches += len(report.differences) + self._position_mismatches()
        figures.problems += report.differences
        self._compare_fills()

    def _lost(self, coid: ClientOrderId, at_ib: list[SimOrder], durable: dict[ClientOrderId, Order]) -> str | None:
        order = self.session.oms.get(coid)
        if order is None:
            return "not in the order manager"
        saved = durable.get(coid)
        if saved is None or (saved.status, saved.filled_qty) != (order.status, order.filled_qty):
            return f"journal disagrees: {saved.status.value if saved else 'missing'} vs {order.status.value}"
        if order.status in UNRESOLVED:
            return f"unresolved: {order.status.value}"
        if not at_ib:
            if order.status not in NEVER_AT_BROKER or order.filled_qty != 0:
                return f"IB never had it, yet it is {order.status.value} with {order.filled_qty} filled"
            return None
        remote = at_ib[0]
        if order.filled_qty != remote.filled:
            return f"filled {order.filled_qty} here, {remote.filled} at IB ({order.status.value} / {remote.status})"
        if order.is_working != remote.is_working:
            return f"{order.status.value} here, {remote.status} at IB"
        if order.quantity.value != remote.quantity or (order.limit_price is not None
                                                       and order.limit_price.value != remote.limit_price):
            self.figures.mismatches += 1
            self.figures.problems.append(f"{coid}: {order.quantity.value} at {order.limit_price} here, "
                                         f"{remote.quantity} at {remote.limit_price} at IB")
        return None

    def _position_mismatches(self) -> int:
        count = 0
        for symbol in SYMBOLS:
            position = self.session.portfolio.position(ACCOUNT, symbol)
            ours = position.quantity if position is not None else Decimal(0)
            holding = self.sim.book.holdings.get((IB_ACCOUNT, symbol))
            theirs = holding.quantity if holding is not None else Decimal(0)
            if ours != theirs:
                count += 1
                self.figures.problems.append(f"{symbol}: position {ours} here, {theirs} at IB")
        return count

    def _compare_fills(self) -> None:
        journaled = Counter(str(f.trade_id) for f in self.journal.load().fills)
        at_ib = {e.exec_id for e in self.sim.book.every_execution()}
        self.figures.fills = len(at_ib)
        missing = at_ib - set(journaled)
        extra = set(journaled) - at_ib
        doubled = [t for t, n in journaled.items() if n > 1]
        self.figures.fill_mismatches = len(missing) + len(extra) + len(doubled)
        self.figures.problems += [f"fill {t} missing here" for t in sorted(missing)[:5]]
        self.figures.problems += [f"fill {t} unknown at IB" for t in sorted(extra)[:5]]
