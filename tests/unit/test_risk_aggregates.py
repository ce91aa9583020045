"""The risk engine's running sums against a brute-force recount, over seeded random trading days.

Orders are placed, partly filled, cancelled and modified through the real OMS (SQLite journal),
positions come from fills and a restored yesterday, quotes move the marks. After every step the
running sums (working orders per symbol, daily P&L per currency) and every figure the checks read
must equal what walking every order and position gives — the brute-force code below is how the
engine computed them before it kept sums — and the engine must refuse and halt exactly as that
brute force says. The remembered orders behind the rate and duplicate checks get the same treatment.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import MAX_EMAX, MAX_PREC, MIN_EMIN, Context, Decimal
from pathlib import Path

import pytest

from core.domain import (
    AccountId,
    BrokerOrderId,
    ClientOrderId,
    Fill,
    FillRecorded,
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
    OrderStatus,
    OrderSubmitted,
    OrderType,
    Position,
    Price,
    Quantity,
    Quote,
    Side,
    TradingState,
)
from core.services.bus import EventBus
from core.services.instruments import InstrumentCatalog
from core.services.oms import OrderManager
from core.services.portfolio import Portfolio
from core.services.quote_cache import QuoteCache
from core.services.risk import HoldCause, RiskConfig, RiskEngine, RiskLimits
from core.services.risk.book import AccountBook, Exposure
from core.services.risk.checks import money, num
from core.services.risk.prices import order_price, quote_price
from core.services.risk.recent import RecentOrder, RecentOrders
from core.services.working_orders import SymbolOrders
from core.storage.journal import SqliteJournal
from tests.factories import make_fill, make_instrument, make_order
from tests.unit.risk_harness import FakeClock

A, B = AccountId("PAPER-1"), AccountId("IB-2")
INSTRUMENTS = [
    make_instrument("AAPL"),
    make_instrument("ESZ6", tick_size="0.25", multiplier="50"),
    make_instrument("INFY", currency="INR", tick_size="0.05"),
    make_instrument("SAP", currency="EUR"),  # no FX rate: exposure cannot be converted
    make_instrument("SONY", currency="JPY"),  # no FX rate either
    make_instrument("NOQ"),  # rarely quoted: its positions have no mark for a while
]
PLAIN = INSTRUMENTS[:3] + INSTRUMENTS[5:]  # every currency convertible: the daily loss is known once all are marked
LIMITS = RiskLimits(max_position=Decimal(400), max_gross_exposure=Decimal(80_000), max_working_orders=20,
                    daily_loss_limit=Decimal(300), daily_loss_halt=Decimal(1_500), fx_rates={"INR": "0.012"})
CONFIG = RiskConfig(LIMITS, accounts={str(B): {"daily_loss_limit": "800", "daily_loss_halt": None}})
EXACT = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN)


# --- the brute force: how the engine computed these before it kept running sums ----------------


@dataclass
class _Book:
    currency: str
    multiplier: Decimal
    position: Decimal = Decimal(0)
    buys: Decimal = Decimal(0)
    sells: Decimal = Decimal(0)
    price: Decimal = Decimal(0)

    def add_price(self, price: Decimal | None) -> None:
        if price is not None and abs(price) > self.price:
            self.price = abs(price)


def brute_gross_exposure(
    positions: Iterable[Position],
    working: Iterable[Order],
    quote_of: Callable[[str], Quote | None],
    fx_rate: Callable[[str], Decimal | None],
    extra: Order | None = None,
) -> Exposure:
    books: dict[str, _Book] = {}
    for position in positions:
        if position.quantity != 0:
            instrument = position.instrument
            book = books.setdefault(position.symbol, _Book(instrument.currency, instrument.multiplier))
            book.position += position.quantity
            book.add_price(position.last_price if position.last_price is not None else position.avg_cost)
    for order in [*working, *([extra] if extra is not None else [])]:
        book = books.setdefault(order.symbol, _Book(order.instrument.currency, order.instrument.multiplier))
        if order.side is Side.BUY:
            book.buys += order.leaves_qty
        else:
            book.sells += order.leaves_qty
        book.add_price(order_price(order, quote_of(order.symbol)))
    total = Decimal(0)
    for symbol, book in books.items():
        book.add_price(quote_price(quote_of(symbol)))
        worst = max(abs(book.position + book.buys), abs(book.position - book.sells))
        if worst == 0:
            continue
        rate = fx_rate(book.currency)
        if rate is None:
            return Exposure(total, book.currency)
        total += worst * book.price * book.multiplier * rate
    return Exposure(total)


def brute_position_qty(positions: Sequence[Position], symbol: str) -> Decimal:
    return sum((p.quantity for p in positions if p.symbol == symbol), Decimal(0))


def brute_working_leaves(working: Sequence[Order], symbol: str, side: Side) -> Decimal:
    return sum((o.leaves_qty for o in working if o.symbol == symbol and o.side is side), Decimal(0))


def brute_daily_loss(positions: Sequence[Position], limits: RiskLimits) -> Decimal | None:
    groups: dict[str, list[Position]] = {}
    for position in positions:
        groups.setdefault(position.currency, []).append(position)
    total = Decimal(0)
    for currency, group in sorted(groups.items()):
        daily = Decimal(0)
        for position in group:
            if position.daily_pnl is None:
                return None
            daily += position.daily_pnl
        rate = limits.fx_rate(currency)
        if rate is None:
            return None
        total += daily * rate
    return -total


def brute_refusal(order: Order, limits: RiskLimits, state: tuple[TradingState, str], positions: Sequence[Position],
                  working: Sequence[Order], quote_of: Callable[[str], Quote | None]) -> str | None:
    """The trading-state, working-order, position and exposure checks as they read before (other checks off)."""
    position = brute_position_qty(positions, order.symbol)
    if state[0] is TradingState.HALTED:
        return f"{order.account_id} is halted: {state[1]} No new orders until trading is resumed."
    if state[0] is TradingState.REDUCING:
        reduces = position != 0 and (position > 0) != (order.side is Side.BUY) and (
            brute_working_leaves(working, order.symbol, order.side) + order.quantity.value <= abs(position))
        if not reduces:
            return (f"{order.account_id} may only reduce positions ({state[1]}); "
                    f"this {order.side.value.lower()} would open or add to {order.symbol}.")
    assert limits.max_working_orders is not None and limits.max_position is not None
    if len(working) + 1 > limits.max_working_orders:
        return (f"{order.account_id} already has {len(working)} working orders "
                f"(limit {limits.max_working_orders}): cancel some first.")
    if order.side is Side.BUY:
        worst = position + brute_working_leaves(working, order.symbol, Side.BUY) + order.quantity.value
    else:
        worst = -(position - brute_working_leaves(working, order.symbol, Side.SELL) - order.quantity.value)
    if worst > limits.max_position:
        side = "long" if order.side is Side.BUY else "short"
        return (f"{order.symbol} could reach {num(worst)} {side} with working orders, above the "
                f"{num(limits.max_position)} position limit: reduce the quantity.")
    exposure = brute_gross_exposure(positions, working, quote_of, limits.fx_rate, extra=order)
    if exposure.missing_rate is not None:
        return (f"No exchange rate from {exposure.missing_rate} to {limits.currency}: add one under FX rates in "
                f"Risk limits, or watch a {exposure.missing_rate} pair (such as "
                f"{limits.currency}_{exposure.missing_rate}) so its price gives one.")
    assert limits.max_gross_exposure is not None
    if exposure.amount > limits.max_gross_exposure:
        return (f"Gross exposure would reach {money(exposure.amount, limits.currency)}, above the "
                f"{money(limits.max_gross_exposure, limits.currency)} limit: reduce the quantity or close positions.")
    return None


def brute_hold(loss: Decimal | None, limits: RiskLimits,
               current: tuple[TradingState, str] | None) -> tuple[TradingState, str] | None:
    """The daily-loss hold after a watch, as the engine decided it on every position update."""
    if loss is None:
        return current
    lost = money(loss, limits.currency)
    if limits.daily_loss_halt is not None and loss > limits.daily_loss_halt:
        target = (TradingState.HALTED,
                  f"Daily loss {lost} is beyond the {money(limits.daily_loss_halt, limits.currency)} halt level.")
    elif limits.daily_loss_limit is not None and loss > limits.daily_loss_limit:
        target = (TradingState.REDUCING,
                  f"Daily loss {lost} is beyond the {money(limits.daily_loss_limit, limits.currency)} limit.")
    else:
        return current
    severity = {TradingState.REDUCING: 1, TradingState.HALTED: 2}
    return target if current is None or severity[target[0]] > severity[current[0]] else current


# --- the random trading day -------------------------------------------------------------------


class Day:
    """A session's core (bus, OMS on a real journal, portfolio, quotes, risk) driven by one seeded RNG."""

    def __init__(self, seed: int, journal: SqliteJournal, instruments: Sequence[Instrument] = PLAIN) -> None:
        self.rng = random.Random(seed)
        self.instruments = instruments
        self.bus = EventBus()
        self.clock = FakeClock()
        catalog = InstrumentCatalog()
        catalog.add(INSTRUMENTS)
        self.quotes = QuoteCache(self.bus)
        self.portfolio = Portfolio(self.bus, catalog, self.clock)
        self.oms = OrderManager(self.bus, journal)
        self.engine = RiskEngine(self.bus, self.clock, self.quotes, self.portfolio, self.oms, CONFIG)
        self.holds: dict[AccountId, tuple[TradingState, str] | None] = {A: None, B: None}
        self.mids = {i.symbol: Decimal(100) for i in INSTRUMENTS}
        self.trades = 0
        for account in (A, B):
            self.engine.register_account(account)
            self.engine.release(account, HoldCause.CONNECTION)
        yesterday = self.clock.now() - timedelta(days=1)
        self.portfolio.restore([self.fill(account, side, ts=yesterday)
                                for account in (A, B) for side in (Side.BUY, Side.BUY, Side.SELL)])
        self.watch()

    def fill(self, account: AccountId, side: Side, order: Order | None = None, qty: Decimal | None = None,
             ts: datetime | None = None) -> Fill:
        symbol = order.symbol if order is not None else self.pick().symbol
        price = self.mids[symbol] + Decimal(self.rng.randint(-300, 300)) / 100
        quantity = qty if qty is not None else Decimal(self.rng.randint(1, 60))
        self.trades += 1
        return make_fill(order, quantity=str(quantity), price=f"{price:.2f}", side=side, symbol=symbol,
                         account_id=account, trade_id=f"X-{self.trades}", commission=f"{self.rng.randint(0, 3)}",
                         ts=ts if ts is not None else self.clock.now())

    def new_order(self, account: AccountId) -> Order:
        rng = self.rng
        instrument = self.pick()
        kind = rng.choice([OrderType.LIMIT, OrderType.LIMIT, OrderType.MARKET, OrderType.STOP, OrderType.STOP_LIMIT])
        price = max(Decimal(2), self.mids[instrument.symbol] + Decimal(rng.randint(-800, 800)) / 100)
        return make_order(instrument, side=rng.choice([Side.BUY, Side.SELL]), quantity=str(rng.randint(1, 150)),
                          order_type=kind, limit_price=f"{price:.2f}", stop_price=f"{price - 1:.2f}"
                          if kind.needs_stop else None, account_id=account)

    def step(self) -> None:
        rng = self.rng
        account = rng.choice([A, B])
        working = self.oms.working(account)
        action = rng.choices(["place", "fill", "cancel", "modify", "quote", "outside", "resume"],
                             [5, 3, 3, 2, 10, 1, 1])[0]
        if action == "place" or (action in ("fill", "cancel", "modify") and not working):
            order = self.new_order(account)
            order.apply(OrderSubmitted(order.client_order_id))
            self.oms.create(order)
            if rng.random() < 0.8:
                self.oms.apply(OrderAccepted(order.client_order_id, BrokerOrderId(f"B-{order.client_order_id}")))
        elif action == "fill":
            order = rng.choice(working)
            qty = min(order.leaves_qty, Decimal(rng.randint(1, 80))) if order.leaves_qty > 0 else Decimal(1)
            self.oms.apply(OrderFilled(order.client_order_id, self.fill(account, order.side, order, qty)))
        elif action == "cancel":
            order = rng.choice(working)
            self.oms.apply(OrderPendingCancel(order.client_order_id))
            done = OrderCanceled(order.client_order_id) if rng.random() < 0.8 else OrderCancelRejected(
                order.client_order_id, "too late")
            self.oms.apply(done)
        elif action == "modify":
            order = rng.choice(working)
            self.oms.apply(OrderPendingReplace(order.client_order_id))
            if rng.random() < 0.8:
                quantity = Quantity(order.filled_qty + rng.randint(1, 150))
                self.oms.apply(OrderModified(order.client_order_id, quantity, self.price_like(order.limit_price,
                               order.symbol), self.price_like(order.stop_price, order.symbol)))
            else:
                self.oms.apply(OrderModifyRejected(order.client_order_id, "no"))
        elif action == "quote":
            self.quote()
        elif action == "outside":
            self.bus.publish(FillRecorded(self.fill(account, rng.choice([Side.BUY, Side.SELL]))))
        else:
            self.engine.resume(account)
            self.holds[account] = None
        self.watch()

    def quote(self) -> None:
        rng = self.rng
        symbol = self.pick().symbol
        if symbol == "NOQ" and rng.random() < 0.7:
            return
        mid = self.mids[symbol] = max(Decimal(5), self.mids[symbol] + Decimal(rng.randint(-250, 250)) / 100)
        half = Decimal(rng.randint(1, 5)) / 100
        bid, ask = (None, None) if rng.random() < 0.1 else (mid - half, mid + half)
        last = mid if rng.random() < 0.6 else None
        close = Decimal(100) if rng.random() < 0.05 else None
        self.bus.publish(Quote(symbol, bid, ask, last, close, ts=self.clock.now(),
                               source=rng.choice(["", str(A), str(B)])))

    def pick(self) -> Instrument:
        """Return a random instrument; the unquoted and unconvertible ones come up less often."""
        weights = [1 if i.symbol in ("NOQ", "SAP", "SONY") else 4 for i in self.instruments]
        return self.rng.choices(self.instruments, weights)[0]

    def watch(self) -> None:
        for account in (A, B):
            loss = brute_daily_loss(self.portfolio.positions(account), self.engine.limits_for(account))
            self.holds[account] = brute_hold(loss, self.engine.limits_for(account), self.holds[account])

    def quote_of(self, account: AccountId) -> Callable[[str], Quote | None]:
        return lambda symbol: self.quotes.latest(symbol, account)

    def candidates(self, account: AccountId) -> list[Order]:
        """A new order, and a modify of a working order (a copy with the same id, as the session checks it)."""
        found = [self.new_order(account)]
        changeable = [o for o in self.oms.working(account)
                      if o.status in (OrderStatus.ACCEPTED, OrderStatus.PARTIALLY_FILLED)]
        if changeable:
            order = self.rng.choice(changeable)
            quantity = Quantity(order.filled_qty + self.rng.randint(1, 150))
            found.append(replace(order, quantity=quantity, limit_price=self.price_like(order.limit_price, order.symbol),
                                 stop_price=self.price_like(order.stop_price, order.symbol), events=[]))
        return found

    def price_like(self, price: Price | None, symbol: str) -> Price | None:
        """Return a new random price near the market where the order has one, else None."""
        if price is None:
            return None
        return Price(f"{max(Decimal(1), self.mids[symbol] + Decimal(self.rng.randint(-800, 800)) / 100):.2f}")


def check_against_brute_force(day: Day) -> None:
    index = day.oms.working_index
    for account in (A, B):
        positions = day.portfolio.positions(account)
        working = day.oms.working(account)
        limits = day.engine.limits_for(account)
        quote_of = day.quote_of(account)
        assert day.engine.working_count(account) == len(working)
        usage = brute_gross_exposure(positions, working, quote_of, limits.fx_rate)
        assert day.engine.exposure(account) == (None if usage.missing_rate is not None else usage.amount)
        sums = day.portfolio.daily_sums(account)
        for currency in {p.currency for p in positions} | set(sums):
            group = [p for p in positions if p.currency == currency]
            known = [p.daily_pnl for p in group if p.daily_pnl is not None]
            assert sums[currency].unknown == len(group) - len(known)
            assert sums[currency].total == _exact_sum(known)
        expected = day.holds[account] or (TradingState.ACTIVE, "Trading normally.")
        assert day.engine.state(account) == expected
        for candidate in day.candidates(account):
            others = [o for o in working if o.client_order_id != candidate.client_order_id]
            book = AccountBook(day.portfolio.held(account), index.account(account), quote_of,
                               index.share(candidate.client_order_id))
            for instrument in INSTRUMENTS:
                assert book.position_qty(instrument.symbol) == brute_position_qty(positions, instrument.symbol)
                for side in Side:
                    assert book.working_leaves(instrument.symbol, side) == brute_working_leaves(
                        others, instrument.symbol, side)
            assert book.working_count == len(others)
            assert book.exposure(limits.fx_rate, candidate) == brute_gross_exposure(
                positions, others, quote_of, limits.fx_rate, candidate)
            if candidate.order_type is OrderType.LIMIT or (  # the others need a quote, which brute force skips
                    candidate.order_type is not OrderType.MARKET
                    and quote_price(quote_of(candidate.symbol), candidate.side) is not None):
                refusal = day.engine.evaluate(candidate)
                assert (None if refusal is None else refusal.reason) == brute_refusal(
                    candidate, limits, day.engine.state(account), positions, others, quote_of)


def _exact_sum(values: list[Decimal]) -> Decimal:
    total = Decimal(0)
    for value in values:
        total = EXACT.add(total, value)
    return total


@pytest.mark.parametrize("seed", range(8))
def test_running_sums_match_a_brute_force_recount(seed: int, tmp_path: Path) -> None:
    with SqliteJournal(tmp_path / "journal.sqlite") as journal:
        day = Day(seed, journal, INSTRUMENTS if seed >= 6 else PLAIN)
        for _ in range(160):
            day.step()
            check_against_brute_force(day)
        assert day.oms.orders(), "the day traded"


def test_the_dearest_working_price_follows_fills_cancels_and_modifies(tmp_path: Path) -> None:
    with SqliteJournal(tmp_path / "journal.sqlite") as journal:
        day = Day(99, journal)
        aapl = INSTRUMENTS[0]
        dear = make_order(aapl, side=Side.BUY, quantity="10", limit_price="150.00", account_id=A)
        cheap = make_order(aapl, side=Side.BUY, quantity="10", limit_price="101.00", account_id=A)
        for order in (dear, cheap):
            order.apply(OrderSubmitted(order.client_order_id))
            day.oms.create(order)
        index = day.oms.working_index

        def book() -> SymbolOrders:
            return index.account(A).symbols["AAPL"]

        assert book().dearest() == Decimal(150) and book().dearest(index.share(dear.client_order_id)) == Decimal(101)
        day.oms.apply(OrderFilled(dear.client_order_id, day.fill(A, Side.BUY, dear, Decimal(10))))
        assert book().dearest() == Decimal(101) and book().count == 1
        day.oms.apply(OrderAccepted(cheap.client_order_id, BrokerOrderId("B-1")))
        day.oms.apply(OrderPendingReplace(cheap.client_order_id))
        day.oms.apply(OrderModified(cheap.client_order_id, Quantity("12"), Price("120.00")))
        assert book().dearest() == Decimal(120) and book().buys == Decimal(12)
        day.oms.apply(OrderPendingCancel(cheap.client_order_id))
        day.oms.apply(OrderCanceled(cheap.client_order_id))
        assert "AAPL" not in day.oms.working_index.account(A).symbols


@pytest.mark.parametrize("seed", range(3))
def test_recent_orders_count_and_find_duplicates_as_a_walk_over_them_does(seed: int) -> None:
    rng = random.Random(seed)
    recent, walked = RecentOrders(), []  # walked: the list the checks used to walk, oldest first
    now = 0.0
    for n in range(4_000):
        now += rng.choice([0.0, 0.001, 0.01, 0.3])
        keep = rng.choice([60.0, 2.0])
        recent.forget_older(now, keep)
        walked = [r for r in walked if not now - r.at > keep]
        key = (rng.randint(0, 5),)
        mine = ClientOrderId(f"C{rng.randint(0, n)}")
        others = [r for r in walked if r.client_order_id != mine]
        for span in (1, 60):
            assert recent.count_within(now, span, without=mine) == sum(1 for r in others if now - r.at < span)
        same = [r for r in others if r.key == key]
        assert recent.latest_same(key, without=mine) == (same[-1] if same else None)
        entry = RecentOrder(now, ClientOrderId(f"C{n}" if rng.random() < 0.9 else str(mine)), key)
        recent.remember(entry)
        if all(r.client_order_id != entry.client_order_id for r in walked):
            walked.append(entry)
        assert len(recent) == len(walked)
