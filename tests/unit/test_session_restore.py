"""A restart restores only the live journal, yet the trader sees what a restart that read every order saw.

The journal holds many finished orders over several days, a few working ones, a strategy's orders, a Kite-style
product split, a manual close that splits over strategies, a fill of an order TradeTerm did not place and a late
fill of an order cancelled days ago. Each restart is compared, figure by figure, with the restore that loaded
the whole journal (`full_restore`, the code this replaces), and the checkpoint is shown to spare the history.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from core.domain import (
    AccountId,
    BrokerOrderId,
    ClientOrderId,
    Fill,
    FillsRestored,
    Money,
    Order,
    OrderAccepted,
    OrderCanceled,
    OrderDenied,
    OrderEvent,
    OrderFilled,
    OrderOrigin,
    OrderPendingApproval,
    OrderStatus,
    OrderSubmitted,
    OrderType,
    OrderUnknown,
    Price,
    Quantity,
    Quote,
    Side,
    StrategyId,
    TimeInForce,
    TradeId,
)
from core.domain.product import Product
from core.services.bus import EventBus
from core.services.risk import RiskConfig, RiskLimits
from core.services.risk.standing_holds import restore_standing_holds
from core.services.session import IN_FLIGHT_AT_RESTART, TradingSession
from core.storage.journal import SqliteJournal
from core.storage.schema import SCHEMA_VERSION
from tests.factories import make_instrument

A1, A2 = AccountId("IB-1"), AccountId("KITE-1")
AAPL, ES = make_instrument("AAPL"), make_instrument("ESZ6", tick_size="0.25", multiplier="50")
INFY = make_instrument("INFY", currency="INR", tick_size="0.05")
MOMO = StrategyId("momo")
DAY0 = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
LIMITS = RiskConfig(RiskLimits(daily_loss_limit=Decimal(2_000), daily_loss_halt=Decimal(4_000)))


@dataclass
class Clock:
    at: datetime

    def now(self) -> datetime:
        return self.at

    def monotonic(self) -> float:
        return (self.at - DAY0).total_seconds()


@dataclass
class Book:
    """Writes orders and fills into a journal through its own API, as sessions did over several days."""

    journal: SqliteJournal
    seq: int = 0
    ids: dict[str, Order] = field(default_factory=dict)

    def order(self, name: str, account: AccountId, instrument: object, side: Side, qty: str, at: datetime, *,
              price: str = "100", origin: OrderOrigin = OrderOrigin.MANUAL, strategy: StrategyId | None = None,
              product: Product | None = None, tif: TimeInForce = TimeInForce.DAY, letter: str = "T") -> Order:
        self.seq += 1
        number = self.seq if letter == "T" else self.seq - 1  # an OCO partner shares its pair's number
        order = Order(client_order_id=ClientOrderId(f"{letter}{number:06d}{name}"), account_id=account,
                      instrument=instrument, side=side, quantity=Quantity(qty),  # type: ignore[arg-type]
                      order_type=OrderType.LIMIT, limit_price=Price(price), tif=tif, origin=origin,
                      strategy_id=strategy, created_at=at, product=product)
        if origin is OrderOrigin.STRATEGY:
            order.apply(OrderPendingApproval(order.client_order_id, ts=at))
            self.journal.record_order(order)
            if name.startswith("pending"):
                return self._keep(name, order)
            self.event(order, OrderSubmitted(order.client_order_id, ts=at))
        else:
            order.apply(OrderSubmitted(order.client_order_id, ts=at))
            self.journal.record_order(order)
        if not name.startswith("inflight"):
            self.event(order, OrderAccepted(order.client_order_id, BrokerOrderId(f"B{self.seq}"), ts=at))
        return self._keep(name, order)

    def denied(self, name: str, at: datetime) -> Order:
        self.seq += 1
        order = Order(client_order_id=ClientOrderId(f"T{self.seq:06d}{name}"), account_id=A1, instrument=AAPL,
                      side=Side.BUY, quantity=Quantity("5"), order_type=OrderType.LIMIT, limit_price=Price("100"),
                      created_at=at)
        order.apply(OrderDenied(order.client_order_id, "too big", ts=at))
        self.journal.record_order(order)
        return self._keep(name, order)

    def _keep(self, name: str, order: Order) -> Order:
        self.ids[name] = order
        return order

    def event(self, order: Order, event: OrderEvent) -> None:
        order.apply(event)
        self.journal.record_event(order, event)

    def fill(self, order: Order, qty: str, price: str, at: datetime, fee: str = "1.25") -> Fill:
        self.seq += 1
        fill = Fill(TradeId(f"X{self.seq}"), order.client_order_id, order.account_id, order.symbol, order.side,
                    Quantity(qty), Price(price), Money(Decimal(fee), order.instrument.currency), ts=at)
        event = OrderFilled(order.client_order_id, fill, ts=at)
        order.apply(event)
        assert self.journal.record_fill(fill, order, event)
        return fill

    def foreign_fill(self, account: AccountId, symbol: str, side: Side, qty: str, price: str, at: datetime) -> None:
        self.seq += 1
        assert self.journal.record_fill(Fill(TradeId(f"F{self.seq}"), None, account, symbol, side, Quantity(qty),
                                             Price(price), Money(Decimal("0.5"), "USD"), ts=at))

    def trade_day(self, day: datetime, count: int) -> None:
        """A day of finished business: filled, cancelled, expired and denied orders on both accounts."""
        for n in range(count):
            at = day + timedelta(minutes=5 * n)
            side = Side.BUY if n % 3 else Side.SELL
            price = str(100 + (n * 7) % 13)
            if n % 5 == 4:
                canceled = self.order(f"c{n}", A1, AAPL, side, "10", at)
                self.event(canceled, OrderCanceled(canceled.client_order_id, ts=at))
                continue
            if n % 11 == 10:
                self.denied(f"d{n}", at)
                continue
            strategy = MOMO if n % 4 == 1 else None
            origin = OrderOrigin.STRATEGY if strategy else OrderOrigin.MANUAL
            es = self.order(f"e{n}", A1, ES, side, "2", at, price=f"{4000 + n}.25", strategy=strategy, origin=origin)
            self.fill(es, "1", f"{4000 + n}.25", at + timedelta(seconds=1))
            self.fill(es, "1", f"{4000 + n}.50", at + timedelta(seconds=2))
            aapl = self.order(f"a{n}", A1, AAPL, side, "30", at, price=price, strategy=strategy, origin=origin)
            self.fill(aapl, "30", price, at + timedelta(seconds=3))
            infy = self.order(f"i{n}", A2, INFY, side, "4", at, product=Product.MIS if n % 2 else Product.CNC)
            self.fill(infy, "4", f"{1500 + n}.05", at + timedelta(seconds=4))


def full_restore(session: TradingSession) -> None:
    """The restore this change replaces: every order and every fill of the journal, then the same steps."""
    state = session.journal.load()
    for order in state.orders:
        session.instruments.add([order.instrument], order.account_id)
    session.oms.restore(state.orders)
    session.portfolio.restore(state.fills)
    session.risk.strategy_positions.restore(state.fills, session.risk.today())
    session.risk.window.restore(state.orders, session.clock.now())
    today = session.clock.now().astimezone().date()
    session.bus.publish(FillsRestored(tuple(f for f in state.fills if f.ts.astimezone().date() == today)))
    for order in state.orders:
        if order.status in (OrderStatus.INITIALIZED, OrderStatus.SUBMITTED):
            session.oms.apply(OrderUnknown(order.client_order_id, IN_FLIGHT_AT_RESTART))
        elif order.status is OrderStatus.PENDING_CANCEL:
            session._unanswered_cancels.add(order.client_order_id)
    restore_standing_holds(session.journal, session.risk, session.bus)
    session.protection.restore()


class CountingJournal(SqliteJournal):
    """The real journal, counting the orders it rebuilds from their events."""

    replayed = 0

    def _replay(self, row: tuple[str, ...], events: list[tuple[int, str]]) -> Order:
        CountingJournal.replayed += 1
        return super()._replay(row, events)


def _position_row(p: object) -> tuple[object, ...]:
    names = ("account_id", "symbol", "product", "quantity", "avg_cost", "realized_pnl", "fees", "sod_quantity",
             "sod_avg_cost", "day_trade_cash", "day_fees", "last_price", "prev_close", "daily_pnl", "unrealized_pnl")
    return tuple(getattr(p, name) for name in names)


def seen(path: Path, at: datetime, full: bool) -> dict[str, Any]:
    """Restart on path at `at` (the new restore, or the full one); return what the trader sees and risk holds."""
    bus = EventBus()
    restored: list[Fill] = []
    bus.subscribe(FillsRestored, lambda event: restored.extend(event.fills))
    with CountingJournal(path) as journal:
        session = TradingSession(bus, journal, Clock(at), LIMITS)
        if full:
            full_restore(session)
        else:
            session.restore()
        bus.publish_quotes([Quote("AAPL", last=Decimal("104.5"), close=Decimal("103")),
                            Quote("ESZ6", last=Decimal("4010.25"), close=Decimal("4002")),
                            Quote("INFY", last=Decimal("1510.10"), close=Decimal("1507"))])
        positions = sorted((_position_row(p) for p in session.portfolio.positions()), key=str)
        splits = sorted((_position_row(p) for a, s in ((A2, "INFY"), (A1, "AAPL"))
                         for p in session.portfolio.products(a, s)), key=str)
        figures: dict[str, Any] = {
            "positions": positions,
            "products": splits,
            "totals": {a: session.portfolio.totals(a) for a in (A1, A2)},
            "strategies": session.risk.strategy_positions.snapshot(session.portfolio.position),
            "momo_day": session.risk.strategy_positions.daily_pnl(A1, MOMO, session.portfolio.held(A1),
                                                                  lambda _: Decimal(1)),
            "risk": {a: session.risk.state(a) for a in (A1, A2)},
            "working": sorted((str(o.client_order_id), o.status.value, o.filled_qty) for o in session.oms.working()),
            "pending": sorted(str(o.client_order_id) for o in session.oms.orders()
                              if o.status is OrderStatus.PENDING_APPROVAL),
            "window": {(a, h): session.risk.window.count_within(a, at, Decimal(h)) for a in (A1, A2)
                       for h in (1, 24, 168)},
            "strategy_window": {(s, h): session.risk.window.strategy_count_within(s, at, Decimal(h))
                                for s in (MOMO, StrategyId("manual")) for h in (1, 24, 168)},
            "fills_today": restored,
            "instruments": {(a, s): session.instruments.find(s, a) for a in (A1, A2) for s in ("AAPL", "ESZ6", "INFY")},
            "replayed": CountingJournal.replayed,
        }
        CountingJournal.replayed = 0
    return figures


@contextmanager
def writing(path: Path) -> Iterator[Book]:
    with SqliteJournal(path) as journal, closing(sqlite3.connect(path)) as conn:
        written = conn.execute("SELECT (SELECT count(*) FROM orders) + (SELECT count(*) FROM fills)").fetchone()[0]
        yield Book(journal, seq=written)


def same(path: Path, at: datetime) -> dict[str, Any]:
    """Return what the new restore shows at `at`, after checking it against the full restore's figures."""
    ours = seen(path, at, full=False)
    theirs = seen(path, at, full=True)
    replayed = ours.pop("replayed"), theirs.pop("replayed")
    for key in theirs:
        assert ours[key] == theirs[key], key
    ours["replayed"] = replayed
    return ours


def test_restarts_over_days_show_what_reading_every_order_showed_and_rebuild_only_the_live_orders(
        tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite"
    day = [DAY0 + timedelta(days=d) for d in range(5)]
    with writing(path) as book:
        for d in range(3):
            book.trade_day(day[d], 40)
        gtc = book.order("gtc", A1, AAPL, Side.BUY, "50", day[0] + timedelta(hours=9), price="99", tif=TimeInForce.GTC)
        book.fill(gtc, "20", "99", day[1] + timedelta(hours=1))
        book.order("pending", A1, AAPL, Side.BUY, "10", day[2] + timedelta(hours=5), origin=OrderOrigin.STRATEGY,
                   strategy=MOMO)
        book.order("inflight", A1, ES, Side.SELL, "1", day[2] + timedelta(hours=6))
        close = book.order("close", A1, AAPL, Side.SELL, "45", day[2] + timedelta(hours=7), origin=OrderOrigin.CLOSE)
        book.fill(close, "45", "104", day[2] + timedelta(hours=7, seconds=1))
        book.foreign_fill(A1, "AAPL", Side.BUY, "3", "101", day[2] + timedelta(hours=8))
        book.foreign_fill(A1, "MSFT", Side.BUY, "3", "300", day[2] + timedelta(hours=8))  # no instrument: no position
        assert book.journal.record_fill(Fill(TradeId("KITE-OWN"), None, A2, "INFY", Side.BUY, Quantity("2"),
                                             Price("1501.05"), Money(Decimal(0), "INR"), ts=day[2],
                                             product=Product.NRML))  # booked by the broker in its own product
        canceled_long_ago = book.ids["c4"]
    history = seen(path, day[2] + timedelta(hours=9), full=True)["replayed"]

    first = same(path, day[2] + timedelta(hours=9))  # no checkpoint yet: every fill is folded, once
    assert first["replayed"][1] == history <= first["replayed"][0]
    assert first["working"] and first["pending"] and first["fills_today"]

    with writing(path) as book:  # the next day: more business, and a late fill of an order cancelled on day 0
        book.trade_day(day[3], 12)
        book.fill(canceled_long_ago, "10", "101.5", day[3] + timedelta(hours=2))
    ours = same(path, day[3] + timedelta(hours=3))  # yesterday's checkpoint rolls into today's start
    live = len(ours["working"]) + len(ours["pending"])
    replayed, everything = ours["replayed"]
    assert everything > history > 5 * replayed, "a restart rebuilds the live and today's orders, not the history"
    assert replayed >= live

    with writing(path) as book:  # the same day again
        book.trade_day(day[3] + timedelta(hours=4), 6)
    later = same(path, day[3] + timedelta(hours=6))
    assert later["fills_today"] != ours["fills_today"]
    assert later["replayed"][0] < ours["replayed"][0] + 30

    with writing(path) as book:  # a fill journaled late with an earlier time than one the checkpoint folded
        book.fill(book_order(path, "gtc", book), "5", "98", day[3] + timedelta(hours=1))
    same(path, day[3] + timedelta(hours=7))  # folded from the first fill again, so still the same
    with writing(path) as book:  # MSFT becomes known: the foreign fill no position took now makes one
        book.order("msft", A1, make_instrument("MSFT"), Side.SELL, "1", day[3] + timedelta(hours=7))
    assert (A1, "MSFT") in {row[:2] for row in same(path, day[3] + timedelta(hours=8))["positions"]}
    assert same(path, day[4] + timedelta(hours=1))["replayed"][0] < history / 10


def book_order(path: Path, name: str, book: Book) -> Order:
    """Return the journaled order whose id ends in name, rebuilt from the journal."""
    with closing(sqlite3.connect(path)) as conn:
        (coid,) = conn.execute("SELECT client_order_id FROM orders WHERE client_order_id LIKE ?",
                               (f"%{name}",)).fetchone()
    order = book.journal.load_order(ClientOrderId(coid))
    assert order is not None
    return order


def test_a_late_fill_of_an_order_finished_days_ago_books_to_that_order_after_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite"
    with writing(path) as book:
        book.trade_day(DAY0, 10)
        canceled = book.ids["c4"]
    bus = EventBus()
    at = DAY0 + timedelta(days=2)
    with SqliteJournal(path) as journal:
        session = TradingSession(bus, journal, Clock(at), LIMITS)
        session.restore()
        assert canceled.client_order_id not in {o.client_order_id for o in session.oms.orders()}
        fill = Fill(TradeId("LATE"), canceled.client_order_id, A1, "AAPL", canceled.side, Quantity("10"),
                    Price("101"), Money(Decimal(0), "USD"), ts=at)
        before = session.portfolio.position(A1, "AAPL")
        held = Decimal(0) if before is None else before.quantity
        bus.publish(OrderFilled(canceled.client_order_id, fill, ts=at))
        order = session.oms.get(canceled.client_order_id)
        assert order is not None and order.status is OrderStatus.FILLED and order.filled_qty == 10
        position = session.portfolio.position(A1, "AAPL")
        assert position is not None and position.quantity == held + 10 * canceled.side.sign
    with SqliteJournal(path) as journal:
        stored = journal.load_order(canceled.client_order_id)
        assert stored is not None and stored.status is OrderStatus.FILLED


def test_a_journal_of_format_8_opens_restores_its_positions_and_keeps_a_checkpoint(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite"
    with writing(path) as book:
        book.trade_day(DAY0, 10)
    with closing(sqlite3.connect(path)) as conn:  # as the GTD orders' TradeTerm left it
        conn.execute("DROP TABLE positions_checkpoint")
        conn.execute("PRAGMA user_version = 8")
        conn.commit()
    at = DAY0 + timedelta(days=1)
    first = same(path, at)
    with closing(sqlite3.connect(path)) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION  # 9 or newer
        assert conn.execute("SELECT count(*) FROM positions_checkpoint").fetchone()[0] == 1
    again = same(path, at)
    assert again["positions"] == first["positions"] and again["replayed"][0] == 0


async def test_an_oco_order_whose_partner_filled_days_before_a_restart_is_cancelled_on_resume(
        tmp_path: Path) -> None:
    from core.adapters.paper.adapter import PaperBroker
    from core.adapters.paper.config import PaperConfig
    from core.domain import LogMessage, OrderPendingCancel

    path = tmp_path / "journal.sqlite"
    with writing(path) as book:
        book.trade_day(DAY0, 5)
        filled = book.order("pair", A1, AAPL, Side.SELL, "10", DAY0 + timedelta(hours=8), tif=TimeInForce.GTC)
        partner = book.order("pair", A1, AAPL, Side.SELL, "10", DAY0 + timedelta(hours=8), tif=TimeInForce.GTC,
                             letter="O")  # the pair's ids differ only in their first letter
        book.fill(filled, "10", "101", DAY0 + timedelta(hours=9))
    bus = EventBus()
    said: list[str] = []
    bus.subscribe(LogMessage, lambda event: said.append(event.text))
    with SqliteJournal(path) as journal:
        session = TradingSession(bus, journal, Clock(DAY0 + timedelta(days=2)), LIMITS)
        session.add_account(PaperBroker(A1, PaperConfig(tick_interval_s=60, state_path=str(tmp_path / "p.json")),
                                        bus.publish))
        session.restore()
        assert filled.client_order_id not in {o.client_order_id for o in session.oms.orders()}
        session.protection.resume(A1)
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        other = session.oms.get(partner.client_order_id)
        assert other is not None and any(isinstance(e, OrderPendingCancel) for e in other.events)
        assert any("one cancels the other" in text for text in said)
        await session.close()


def restart_steps(path: Path, at: datetime) -> int:
    """Restart on path at `at`; return the SQLite instructions (in tens) its reads of the journal ran."""
    steps = [0]

    def count() -> int:
        steps[0] += 1
        return 0

    with SqliteJournal(path) as journal:
        assert journal._conn is not None
        journal._conn.set_progress_handler(count, 10)
        TradingSession(EventBus(), journal, Clock(at), LIMITS).restore()
    return steps[0]


def test_a_restart_reads_as_much_of_the_journal_after_a_year_of_fills_as_after_a_day(tmp_path: Path) -> None:
    at = DAY0 + timedelta(days=3)
    steps = {}
    for days in (1, 30):
        path = tmp_path / f"{days}.sqlite"
        with writing(path) as book:
            for day in range(days):  # the same three positions, ever more fills behind them
                book.trade_day(DAY0 - timedelta(days=day), 8)
        restart_steps(path, at)  # the first restart writes the checkpoint
        steps[days] = restart_steps(path, at)
    assert steps[30] <= steps[1] + 5, steps
