"""A strategy's own working-order sums (per account and strategy) against a from-scratch recount.

Orders of two strategies and of a person ("manual") are placed, rejected, partly filled, modified (the change
confirmed, refused or left pending), cancelled, and the OMS restarted from its SQLite journal, all in seeded
random order. After every step the sums the strategy's checks read must equal what walking every working order
gives, a pending change counting as the larger of its old and new quantity (as the account's sums count it).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path

import pytest

from core.domain import (
    AccountId,
    BrokerOrderId,
    Instrument,
    Order,
    OrderAccepted,
    OrderCanceled,
    OrderCancelRejected,
    OrderFilled,
    OrderModified,
    OrderModifyRejected,
    OrderPendingCancel,
    OrderPendingReplace,
    OrderRejected,
    OrderStatus,
    OrderSubmitted,
    OrderType,
    Price,
    Quantity,
    Quote,
    Side,
    StrategyId,
)
from core.services.bus import EventBus
from core.services.instruments import InstrumentCatalog
from core.services.oms import OrderManager
from core.services.portfolio import Portfolio
from core.services.quote_cache import QuoteCache
from core.services.risk import HoldCause, RiskConfig, RiskEngine, RiskLimits
from core.services.risk.book import AccountBook
from core.services.risk.strategy_book import MANUAL, strategy_of
from core.services.working_orders import WorkingOrders, fixed_price
from core.storage.journal import SqliteJournal
from tests.factories import make_fill, make_instrument, make_order
from tests.unit.risk_harness import FakeClock

A, B = AccountId("PAPER-1"), AccountId("IB-2")
ALPHA, BETA = StrategyId("alpha"), StrategyId("beta")
STRATEGIES = (ALPHA, BETA, MANUAL)
INSTRUMENTS = [make_instrument("AAPL"), make_instrument("ESZ6", tick_size="0.25", multiplier="50"),
               make_instrument("INFY", currency="INR", tick_size="0.05")]
OPEN = {"max_position": "1000000", "max_gross_exposure": "1000000000", "fx_rates": {"INR": "0.012"}}
CONFIG = RiskConfig(RiskLimits(fx_rates={"INR": "0.012"}),
                    strategies={"alpha": OPEN, "beta": OPEN, "manual": OPEN})


# --- the recount: every working order of the strategy walked, as the checks did before the sums -----------


def counted_leaves(order: Order) -> Decimal:
    """The unfilled quantity risk counts: while a change is pending, the larger of the old and the new."""
    pending = order.pending_replace
    if order.status is OrderStatus.PENDING_REPLACE and pending is not None and pending.quantity is not None:
        return max(order.leaves_qty, pending.quantity.value - order.filled_qty)
    return order.leaves_qty


def dearest(order: Order) -> Decimal | None:
    prices = [fixed_price(order)]
    pending = order.pending_replace
    if order.status is OrderStatus.PENDING_REPLACE and pending is not None and pending.quantity is not None:
        prices += [p.value for p in (pending.limit_price, pending.stop_price) if p is not None]
    known = [abs(p) for p in prices if p is not None]
    return max(known) if known else None


@dataclass
class Recount:
    buys: Decimal = Decimal(0)
    sells: Decimal = Decimal(0)
    count: int = 0
    dearest: Decimal | None = None


def recount(working: list[Order]) -> dict[str, Recount]:
    found: dict[str, Recount] = {}
    for order in working:
        sums = found.setdefault(order.symbol, Recount())
        sums.count += 1
        if order.side is Side.BUY:
            sums.buys += counted_leaves(order)
        else:
            sums.sells += counted_leaves(order)
        price = dearest(order)
        if price is not None and (sums.dearest is None or price > sums.dearest):
            sums.dearest = price
    return found


# --- the random day ---------------------------------------------------------------------------------------


class World:
    """Bus, OMS on a real journal, portfolio, quotes and risk, driven by one seeded RNG; `restart` reloads."""

    def __init__(self, seed: int, journal: SqliteJournal) -> None:
        self.rng = random.Random(seed)
        self.journal = journal
        self.clock = FakeClock()
        self.mids = {i.symbol: Decimal(100) for i in INSTRUMENTS}
        self.trades = 0
        self.start()

    def start(self) -> None:
        """Start a session on the journal: the OMS takes its orders back, the strategies' positions their fills."""
        self.bus = EventBus()
        catalog = InstrumentCatalog()
        catalog.add(INSTRUMENTS)
        self.quotes = QuoteCache(self.bus)
        self.portfolio = Portfolio(self.bus, catalog, self.clock)
        self.oms = OrderManager(self.bus, self.journal)
        self.engine = RiskEngine(self.bus, self.clock, self.quotes, self.portfolio, self.oms, CONFIG)
        for account in (A, B):
            self.engine.register_account(account)
            self.engine.release(account, HoldCause.CONNECTION)
        state = self.journal.load()
        self.oms.restore(state.orders)
        self.engine.strategy_positions.restore(state.fills, self.engine.today())
        for instrument in INSTRUMENTS:
            self.quote(instrument.symbol)

    def quote(self, symbol: str) -> None:
        mid = self.mids[symbol] = max(Decimal(5), self.mids[symbol] + Decimal(self.rng.randint(-250, 250)) / 100)
        self.bus.publish(Quote(symbol, mid - Decimal("0.01"), mid + Decimal("0.01"), mid, ts=self.clock.now()))

    def new_order(self, account: AccountId) -> Order:
        rng = self.rng
        instrument = rng.choice(INSTRUMENTS)
        kind = rng.choice([OrderType.LIMIT, OrderType.LIMIT, OrderType.MARKET, OrderType.STOP, OrderType.STOP_LIMIT])
        price = max(Decimal(2), self.mids[instrument.symbol] + Decimal(rng.randint(-800, 800)) / 100)
        order = make_order(instrument, side=rng.choice([Side.BUY, Side.SELL]), quantity=str(rng.randint(1, 150)),
                           order_type=kind, limit_price=f"{price:.2f}",
                           stop_price=f"{price - 1:.2f}" if kind.needs_stop else None, account_id=account)
        order.strategy_id = rng.choice([ALPHA, BETA, None])
        return order

    def price_like(self, price: Price | None, symbol: str) -> Price | None:
        if price is None:
            return None
        return Price(f"{max(Decimal(1), self.mids[symbol] + Decimal(self.rng.randint(-800, 800)) / 100):.2f}")

    def step(self) -> str:
        rng = self.rng
        account = rng.choice([A, B])
        working = self.oms.working(account)
        settled = [o for o in working if o.status in (OrderStatus.ACCEPTED, OrderStatus.PARTIALLY_FILLED)]
        action = rng.choices(["place", "fill", "cancel", "modify", "settle", "quote", "restart"],
                             [6, 3, 2, 3, 2, 3, 1])[0]
        if action == "place" or (action in ("fill", "cancel", "modify", "settle") and not working):
            order = self.new_order(account)
            order.apply(OrderSubmitted(order.client_order_id))
            self.oms.create(order)
            roll = rng.random()
            if roll < 0.75:
                self.oms.apply(OrderAccepted(order.client_order_id, BrokerOrderId(f"B-{order.client_order_id}")))
            elif roll < 0.85:
                self.oms.apply(OrderRejected(order.client_order_id, "no margin"))
            return "place"
        if action == "fill":
            order = rng.choice(working)
            qty = min(order.leaves_qty, Decimal(rng.randint(1, 80))) if order.leaves_qty > 0 else Decimal(1)
            self.trades += 1
            fill = make_fill(order, quantity=str(qty), price=f"{self.mids[order.symbol]:.2f}", side=order.side,
                             symbol=order.symbol, account_id=account, trade_id=f"X-{self.trades}",
                             ts=self.clock.now())
            self.oms.apply(OrderFilled(order.client_order_id, fill))
        elif action == "cancel" and settled:
            order = rng.choice(settled)
            self.oms.apply(OrderPendingCancel(order.client_order_id))
            if rng.random() < 0.7:
                self.oms.apply(OrderCanceled(order.client_order_id) if rng.random() < 0.8
                               else OrderCancelRejected(order.client_order_id, "too late"))
        elif action == "modify" and settled:
            order = rng.choice(settled)
            self.oms.apply(OrderPendingReplace(order.client_order_id, Quantity(order.filled_qty + rng.randint(1, 150)),
                                               self.price_like(order.limit_price, order.symbol),
                                               self.price_like(order.stop_price, order.symbol)))
            if rng.random() < 0.4:
                self.settle(order)  # else the change stays pending (a restart may find it so)
        elif action == "settle":
            pending = [o for o in working if o.status is OrderStatus.PENDING_REPLACE]
            if pending:
                self.settle(rng.choice(pending))
        elif action == "quote":
            self.quote(rng.choice(INSTRUMENTS).symbol)
        elif action == "restart":
            self.start()
        return action

    def settle(self, order: Order) -> None:
        """The broker answers a pending change: confirmed, or refused (the old order works on)."""
        pending = order.pending_replace
        assert pending is not None and pending.quantity is not None
        if self.rng.random() < 0.7:
            self.oms.apply(OrderModified(order.client_order_id, pending.quantity, pending.limit_price,
                                         pending.stop_price))
        else:
            self.oms.apply(OrderModifyRejected(order.client_order_id, "no"))

    def quote_of(self, account: AccountId) -> Callable[[str], Quote | None]:
        return lambda symbol: self.quotes.latest(symbol, account)

    def candidates(self, account: AccountId, strategy: StrategyId) -> list[Order]:
        """A new order of the strategy, and a change of one of its working orders (same id, as a modify is checked)."""
        order = self.new_order(account)
        order.strategy_id = None if strategy == MANUAL else strategy
        found = [order]
        mine = [o for o in self.oms.working(account) if strategy_of(o) == strategy]
        if mine:
            changed = self.rng.choice(mine)
            found.append(replace(changed, quantity=Quantity(changed.filled_qty + self.rng.randint(1, 150)), events=[]))
        return found


def check_against_recount(world: World) -> None:
    index = world.oms.working_index
    for account in (A, B):
        quote_of = world.quote_of(account)
        fx_rate = world.engine.limits_for(account).fx_rate
        for strategy in STRATEGIES:
            working = [o for o in world.oms.working(account) if strategy_of(o) == strategy]
            sums = index.strategy(account, strategy)
            expected = recount(working)
            assert sums.count == len(working) == world.engine.strategies.working_count(account, strategy)
            assert set(sums.symbols) == set(expected)
            for symbol, book in sums.symbols.items():
                assert (book.buys, book.sells, book.count, book.dearest()) == (
                    expected[symbol].buys, expected[symbol].sells, expected[symbol].count, expected[symbol].dearest)
            for candidate in world.candidates(account, strategy):
                others = [o for o in working if o.client_order_id != candidate.client_order_id]
                view = world.engine.strategies.view(candidate, quote_of)
                assert view is not None and view.strategy_id == strategy
                assert view.working_count == len(others)
                left = recount(others)
                for instrument in INSTRUMENTS:
                    sums_of = left.get(instrument.symbol, Recount())
                    assert view.working_leaves(instrument.symbol, Side.BUY) == sums_of.buys
                    assert view.working_leaves(instrument.symbol, Side.SELL) == sums_of.sells
                scratch = AccountBook(world.engine.strategy_positions.held(account, strategy),
                                      WorkingOrders.of(others).account(account), quote_of)
                assert view.book.exposure(fx_rate, candidate) == scratch.exposure(fx_rate, candidate)


@pytest.mark.parametrize("seed", range(6))
def test_a_strategys_sums_equal_a_recount_after_any_sequence_of_order_events(seed: int, tmp_path: Path) -> None:
    with SqliteJournal(tmp_path / "journal.sqlite") as journal:
        world = World(seed, journal)
        seen: set[str] = set()
        for _ in range(150):
            seen.add(world.step())
            check_against_recount(world)
        assert {"place", "fill", "cancel", "modify", "restart"} <= seen
        assert any(o.status is OrderStatus.PENDING_REPLACE for o in world.oms.working()), "a change left pending"


# --- what a trader sees -------------------------------------------------------------------------------------


class Desk:
    """One account on a real OMS and journal, with alpha's own limits; orders are sent and acknowledged."""

    def __init__(self, journal: SqliteJournal, alpha: dict[str, object], account: RiskLimits | None = None) -> None:
        self.bus = EventBus()
        self.clock = FakeClock()
        catalog = InstrumentCatalog()
        catalog.add(INSTRUMENTS)
        self.quotes = QuoteCache(self.bus)
        self.portfolio = Portfolio(self.bus, catalog, self.clock)
        self.oms = OrderManager(self.bus, journal)
        self.engine = RiskEngine(self.bus, self.clock, self.quotes, self.portfolio, self.oms,
                                 RiskConfig(account or RiskLimits(), strategies={"alpha": alpha}))
        self.engine.register_account(A)
        self.engine.release(A, HoldCause.CONNECTION)
        self.bus.publish(Quote("AAPL", Decimal("99.99"), Decimal("100.00"), Decimal("100.00"), ts=self.clock.now()))

    def order(self, qty: str, price: str = "100.00", strategy: StrategyId | None = ALPHA,
              instrument: Instrument = INSTRUMENTS[0]) -> Order:
        order = make_order(instrument, side=Side.BUY, quantity=qty, limit_price=price, account_id=A)
        order.strategy_id = strategy
        return order

    def work(self, order: Order) -> Order:
        assert self.engine.check(order) is None
        order.apply(OrderSubmitted(order.client_order_id))
        self.oms.create(order)
        self.oms.apply(OrderAccepted(order.client_order_id, BrokerOrderId(f"B-{order.client_order_id}")))
        return order


def test_a_strategy_order_past_its_caps_is_refused_as_before_among_a_thousand_working_orders(tmp_path: Path) -> None:
    with SqliteJournal(tmp_path / "journal.sqlite") as journal:
        desk = Desk(journal, {"max_gross_exposure": "100000", "max_position": "2000"})
        for k in range(400):  # alpha's resting buys of 2 at 90.00–93.99: 800 AAPL, valued at the 100.00 ask
            desk.work(desk.order("2", f"{90 + k / 100:.2f}"))
        for k in range(600):  # a person's orders on the same account: not alpha's
            desk.work(desk.order("5", f"{80 + k / 100:.2f}", strategy=None))
        assert desk.engine.strategies.working_count(A, ALPHA) == 400
        assert desk.engine.check(desk.order("200")) is None  # 1,000 × 100.00
        assert desk.engine.check(desk.order("201")) == (
            "Strategy alpha's gross exposure would reach 100,100.00 USD, above its 100,000.00 USD limit: reduce the "
            "quantity or close its positions.")
        assert desk.engine.check(desk.order("1201")) == (
            "Strategy alpha could reach 2,001 long AAPL with its working orders, above its 2,000 position limit: "
            "reduce the quantity.")
        assert desk.engine.check(desk.order("1000", strategy=None)) is None, "a person's order: not alpha's caps"


def test_a_pending_change_counts_as_the_larger_of_its_old_and_new_quantity_for_the_strategy(tmp_path: Path) -> None:
    """Alpha's buy of 10 is being raised to 45: until the broker confirms, either may fill, so 45 counts."""
    with SqliteJournal(tmp_path / "journal.sqlite") as journal:
        desk = Desk(journal, {"max_position": "50"})
        raised = desk.work(desk.order("10"))
        desk.oms.apply(OrderPendingReplace(raised.client_order_id, Quantity("45"), Price("100.00")))
        assert desk.engine.check(desk.order("5", "99.00")) is None  # 45 + 5
        assert desk.engine.check(desk.order("10", "99.00")) == (
            "Strategy alpha could reach 55 long AAPL with its working orders, above its 50 position limit: "
            "reduce the quantity.")
        desk.oms.apply(OrderModifyRejected(raised.client_order_id, "no"))  # the old 10 works on
        assert desk.engine.check(desk.order("40", "99.00")) is None

        lowered = desk.work(desk.order("40", "98.00"))  # 10 + 40 working
        desk.oms.apply(OrderPendingReplace(lowered.client_order_id, Quantity("5"), Price("98.00")))
        assert "could reach 51 long" in (desk.engine.check(desk.order("1", "97.00")) or ""), "the old 40 still counts"
        desk.oms.apply(OrderModified(lowered.client_order_id, Quantity("5"), Price("98.00")))
        assert desk.engine.check(desk.order("35", "97.00")) is None  # 10 + 5 + 35


@pytest.mark.parametrize("scope", ["account", "strategy"])
def test_the_account_and_the_strategy_count_a_pending_change_alike(scope: str, tmp_path: Path) -> None:
    """The same book under the account's cap of 50, or under alpha's: both refuse from the same quantity."""
    with SqliteJournal(tmp_path / "journal.sqlite") as journal:
        if scope == "account":
            desk = Desk(journal, {}, RiskLimits(max_position=Decimal(50)))
        else:
            desk = Desk(journal, {"max_position": "50"})
        raised = desk.work(desk.order("10"))
        desk.oms.apply(OrderPendingReplace(raised.client_order_id, Quantity("30"), Price("100.00")))
        assert desk.engine.check(desk.order("20", "99.00")) is None
        assert "could reach 51 long" in (desk.engine.check(desk.order("21", "99.00")) or "")


def test_a_pending_change_restored_from_the_journal_still_counts_as_the_larger(tmp_path: Path) -> None:
    with SqliteJournal(tmp_path / "journal.sqlite") as journal:
        desk = Desk(journal, {"max_position": "50"})
        raised = desk.work(desk.order("10"))
        desk.oms.apply(OrderFilled(raised.client_order_id, make_fill(raised, quantity="4", account_id=A)))
        desk.oms.apply(OrderPendingReplace(raised.client_order_id, Quantity("45"), Price("100.00")))
    with SqliteJournal(tmp_path / "journal.sqlite") as journal:
        again = Desk(journal, {"max_position": "50"})
        state = journal.load()
        again.oms.restore(state.orders)
        again.engine.strategy_positions.restore(state.fills, again.engine.today())
        assert again.engine.strategies.working_count(A, ALPHA) == 1
        assert again.engine.check(again.order("10", "99.00")) == (  # 4 filled + 41 left of the 45 + 10
            "Strategy alpha could reach 55 long AAPL with its working orders, above its 50 position limit: "
            "reduce the quantity.")
