"""PaperBroker: a simulated broker account that behaves, through the BrokerAdapter port, like a real one."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from core.adapters.paper.books import Books
from core.adapters.paper.checks import check_buying_power, check_order, find_instrument
from core.adapters.paper.config import PaperConfig
from core.adapters.paper.depth import synthesize_book
from core.adapters.paper.funds import paper_funds
from core.adapters.paper.history import PAPER_INTERVALS, paper_history
from core.adapters.paper.instruments import DEFAULT_INSTRUMENTS, START_PRICES
from core.adapters.paper.market import Market
from core.adapters.paper.matching import ChangeRefused, Execution, MatchingEngine, Outcome, PaperOrder, trail_moved
from core.adapters.paper.report_queue import ReportQueue
from core.adapters.paper.search import InstrumentSearch
from core.adapters.paper.state_file import PaperState
from core.adapters.paper.state_store import PaperStore
from core.adapters.state_json import unwritable
from core.domain import (
    AccountId,
    AccountUpdated,
    ClientOrderId,
    ConnectionChanged,
    ConnectionState,
    Event,
    Instrument,
    Order,
    OrderAccepted,
    OrderCanceled,
    OrderCancelRejected,
    OrderExpired,
    OrderFilled,
    OrderModified,
    OrderModifyRejected,
    OrderStatus,
    Price,
    Quantity,
    Quote,
    Side,
)
from core.domain.bars import Bar
from core.domain.funds import AccountFunds
from core.domain.tape import TradePrint
from core.domain.trailing import TrailUnit
from core.ports.bar_history import HistoryUnavailable
from core.ports.broker import (
    BrokerOrderState,
    BrokerPosition,
    BrokerSnapshot,
    EventSink,
    FoundOrder,
    QuoteSink,
    quotes_one_by_one,
)
from core.ports.clock import Clock
from core.ports.depth_feed import DEFAULT_DEPTH_ROWS
from core.ports.errors import ConnectionLost, InvalidInstrument
from core.ports.symbol_search import InstrumentMatch

_log = logging.getLogger(__name__)
FILL_RETENTION = timedelta(days=7)
TICK_SLICE = 125
"""Instruments stepped in one turn of the loop: a tick of an account listing 1,010 (8-12 ms of the GUI thread's CPU
with the quotes' marks) comes in nine slices, one turn apart; the default 10 in one. A slice of 250 took 2-3.5 ms, and
in the kill switch over 5,000 orders with 1,000 positions open it made the longest stretches beside a turn's cancels
and a frame's flush (16.2-18.5 ms; 14.0-14.8 ms with 125, bench/bulk_actions)."""


class _SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()


class PaperBroker:
    """A paper account: a seeded simulated market, a matching engine, and books kept on disk.

    The books (cash, positions, today's orders, recent fills, id sequences, market levels) are
    kept at `config.state_path` (see PaperStore): every change is on disk before it is reported,
    and they are read back on construction, so a restarted TradeTerm finds the paper broker as it
    would find a real one. The trading day is the UTC date; when it changes, working DAY orders expire.

    Group commit (report_queue.py): each change is recorded by the sync that reports it (the changes of
    one turn in one log line) and reported only after an fdatasync covers it; submit, cancel,
    cancel_orders and modify return once their events are reported.
    cancel_orders (CancelMany) records a cancel-all's slice as one change and one fdatasync. A change
    alone is synced at once; changes made back to back (a basket, a strategy, cancel-all) wait for
    the end of the event loop's turn and share one fdatasync. If it fails, none of their events is
    reported and each waiting call raises the OSError.

    Events:
        ConnectionChanged(account_id, state, message): CONNECTING then CONNECTED on connect;
            DISCONNECTED on disconnect.
        Quote(symbol, bid, ask, last, close, volume, bid_size, ask_size): every tick for each
            subscribed instrument, and at once on subscribe while connected.
        OrderAccepted(client_order_id, broker_order_id): the order is on the paper book.
        OrderFilled(client_order_id, fill): one execution; fill.trade_id is unique forever here.
        OrderCanceled(client_order_id, reason): canceled by the trader, or an IOC remainder.
        OrderExpired(client_order_id, reason): a working DAY order when the trading day ends.
        OrderModified(client_order_id, quantity, limit_price, stop_price): the change is on the book.
        OrderTrailMoved(client_order_id, stop_price, limit_price): where a trailing order's stop (and a trailing
            stop-limit's limit) stands: when placed, and on each tick that moved it.
        OrderCancelRejected(client_order_id, reason), OrderModifyRejected(client_order_id, reason):
            the order is no longer working, or the change is invalid.
        AccountUpdated(account_id, cash): after fills, and once on connect.
        TradePrint(symbol, source, price, size, aggressor): each trade the market prints in a symbol asked for
            (TimeAndSales); the aggressor is the side whose touch it printed at.
        DepthBook(symbol, source, bids, asks): the paper book of each symbol with depth subscribed (DepthFeed),
            every tick and after each of the account's own orders changes it (see depth.py).
    """

    kind: str = "paper"
    simulated_market: bool = True
    """core.ports.capabilities.SimulatedMarket: a broker's own feed of a symbol is preferred on auto rows."""
    trail_units: frozenset[TrailUnit] = frozenset(TrailUnit)
    """The paper engine works trailing stops by an amount or a percent (core.ports.trailing_stops)."""
    trails_with_limit: bool = True
    """And trailing stop-limits, whose limit follows the stop (core.ports.trailing_stop_limits)."""

    def __init__(
        self,
        account_id: AccountId,
        config: PaperConfig,
        sink: EventSink,
        *,
        instruments: Sequence[Instrument] | None = None,
        start_prices: Mapping[str, Decimal] | None = None,
        clock: Clock | None = None,
        quotes: QuoteSink | None = None,
    ) -> None:
        self.account_id = AccountId(account_id)
        self._config = config
        self._sink = sink
        self._quotes = quotes or quotes_one_by_one(sink)
        self._clock: Clock = clock or _SystemClock()
        listed = tuple(instruments if instruments is not None else DEFAULT_INSTRUMENTS)
        self._instruments = {instrument.symbol: instrument for instrument in listed}
        self._books = Books(self.account_id, config.starting_cash, config.leverage)
        self._engine = MatchingEngine(config.slippage_bps, config.fee_bps, config.partial_fills)
        prices = dict(start_prices if start_prices is not None else START_PRICES)
        closes: dict[str, Decimal] | None = None
        volumes: dict[str, Decimal] | None = None
        self._trading_day = self._clock.now().date()
        self._store = None if config.state_path is None else PaperStore(
            config.state_path, self.account_id, self._instruments
        )
        self._changed: dict[ClientOrderId, None] = {}
        self._unsaved = False
        """A change was committed and is saved by the next sync (see `_commit`)."""
        self._reports = ReportQueue(self.account_id, self._sync, sink)
        state = None if self._store is None else self._store.load(self._books)
        if state is not None:
            for order in state.orders:
                self._engine.restore(order)
            prices.update(state.mids)
            closes = state.closes
            volumes = state.volumes
            self._trading_day = state.trading_day
        self._market = Market(listed, prices, config.seed, closes=closes, source=self.account_id, volumes=volumes)
        self._subscribed: set[str] = set()
        self._depth: dict[str, int] = {}
        self._tape: dict[str, Decimal | None] = {}
        """Symbols whose trades are published, with the session volume last seen (a trade adds to it)."""
        self._search = InstrumentSearch(self.account_id, listed)
        self._connected = False
        self._task: asyncio.Task[None] | None = None
        try:
            self._save(whole=True)
        except OSError as exc:
            raise unwritable("The paper account's", str(config.state_path), exc) from None

    def instruments(self) -> Sequence[Instrument]:
        """Return the instruments this paper account trades."""
        return tuple(self._instruments.values())

    def history_intervals(self) -> frozenset[timedelta]:
        """Every chart timeframe: the paper market makes up its past (BarHistory)."""
        return PAPER_INTERVALS

    async def history(self, symbol: str, interval: timedelta, start: datetime, end: datetime) -> list[Bar]:
        """Return the simulated past of symbol, ending where the live walk stands (see paper/history.py)."""
        instrument = self._instruments.get(symbol)
        if instrument is None:
            raise HistoryUnavailable(f"The paper account does not list {symbol}: no history.")
        return paper_history(instrument, self._market.mids()[symbol], seed=self._config.seed, source=self.account_id,
                             interval=interval, start=start, end=end, now=self._clock.now(),
                             tick_interval_s=self._config.tick_interval_s)

    async def search_symbols(self, query: str, limit: int) -> list[InstrumentMatch]:
        """Find this paper account's instruments by symbol or name (SymbolSearch)."""
        return await self._search.search(query, limit)

    async def instrument_for(self, match: InstrumentMatch) -> Instrument:
        """Return the listed instrument a search found (SymbolSearch)."""
        return self._search.instrument_for(match)

    @property
    def is_connected(self) -> bool:
        return self._connected

    async def connect(self) -> None:
        """Open the simulated market: expire DAY orders of a past day, then quote and match every tick."""
        if self._connected:
            return
        self._sink(ConnectionChanged(self.account_id, ConnectionState.CONNECTING))
        self._connected = True
        self._roll_day_if_needed()
        self._reports.flush_now()
        self._sink(ConnectionChanged(self.account_id, ConnectionState.CONNECTED, "Paper trading: simulated market"))
        self._sink(AccountUpdated(self.account_id, self._books.cash_balances()))
        for symbol in sorted(self._subscribed):
            self._sink(self._market.quote_now(symbol))
        for symbol in self._depth:
            self._publish_depth(symbol)
        self._task = asyncio.get_running_loop().create_task(self._run(), name=f"paper-market-{self.account_id}")

    async def disconnect(self) -> None:
        """Stop the market task, save the books, report what is still queued, then DISCONNECTED."""
        if not self._connected:
            return
        self._connected = False
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        try:
            self._save(whole=True)
        finally:
            self._reports.flush_now()
        self._sink(ConnectionChanged(self.account_id, ConnectionState.DISCONNECTED))

    async def subscribe(self, instruments: Sequence[Instrument]) -> None:
        """Quote these instruments every tick; raise InvalidInstrument for any the paper account does not list."""
        unknown = sorted(i.symbol for i in instruments if i.symbol not in self._instruments)
        if unknown:
            raise InvalidInstrument(f"The paper account does not list {', '.join(unknown)}.")
        new = [i.symbol for i in instruments if i.symbol not in self._subscribed]
        self._subscribed.update(new)
        if self._connected:
            for symbol in new:
                self._sink(self._market.quote_now(symbol))

    async def subscribe_depth(self, instrument: Instrument, rows: int = DEFAULT_DEPTH_ROWS) -> None:
        """Publish the paper book of instrument every tick (DepthFeed); at once when connected."""
        if instrument.symbol not in self._instruments:
            raise InvalidInstrument(f"The paper account does not list {instrument.symbol}.")
        self._depth[instrument.symbol] = max(1, rows)
        if self._connected:
            self._publish_depth(instrument.symbol)

    async def unsubscribe_depth(self, symbol: str) -> None:
        """Stop publishing symbol's paper book (DepthFeed)."""
        self._depth.pop(symbol, None)

    async def subscribe_tape(self, instrument: Instrument) -> None:
        """Publish a TradePrint for each trade the paper market prints in instrument (TimeAndSales)."""
        if instrument.symbol not in self._instruments:
            raise InvalidInstrument(f"The paper account does not list {instrument.symbol}.")
        self._tape.setdefault(instrument.symbol, self._market.quote(instrument.symbol).volume)

    async def unsubscribe_tape(self, symbol: str) -> None:
        """Stop publishing symbol's trades (TimeAndSales)."""
        self._tape.pop(symbol, None)

    def _publish_prints(self, quotes: Sequence[Quote]) -> None:
        tape = self._tape
        for quote in quotes:
            if quote.symbol not in tape:
                continue
            before, after = tape[quote.symbol], quote.volume
            tape[quote.symbol] = after
            if before is None or after is None or after <= before or quote.last is None:
                continue
            aggressor = Side.BUY if quote.last == quote.ask else Side.SELL if quote.last == quote.bid else None
            self._sink(TradePrint(quote.symbol, self.account_id, quote.last, after - before, aggressor,
                                  ts=self._clock.now()))

    def _publish_depth(self, symbol: str) -> None:
        rows = self._depth.get(symbol)
        if rows is None:
            return
        resting = [(o.side, o.limit_price, o.leaves_qty) for o in self._engine.working()
                   if o.symbol == symbol and o.is_active and o.limit_price is not None]
        book = synthesize_book(self._market.quote(symbol), self._instruments[symbol], resting, rows,
                               self.account_id, self._clock.now())
        if book is not None:
            self._sink(book)

    async def account_funds(self) -> AccountFunds:
        """Return cash, equity, margin and buying power per currency by the paper margin model (see funds.py)."""
        return paper_funds(self._books, self._instruments, self._market.mids(), self._clock.now())

    async def submit(self, order: Order) -> None:
        """Put order on the paper book and match it at once; raise a BrokerError if the broker refuses it."""
        self._require_connected("send the order")
        instrument = find_instrument(order, self._instruments)
        check_order(order, instrument, self._engine)
        check_buying_power(
            order, instrument, self._market.quote(order.symbol), self._books, self._engine,
            self._instruments, self._market.mids(),
        )
        await self._latency()
        self._require_connected("send the order")
        now = self._clock.now()
        paper = PaperOrder(
            client_order_id=order.client_order_id,
            broker_order_id=self._books.next_broker_order_id(),
            instrument=instrument,
            side=order.side,
            quantity=order.quantity.value,
            order_type=order.order_type,
            limit_price=None if order.limit_price is None else order.limit_price.value,
            stop_price=None if order.stop_price is None else order.stop_price.value,
            tif=order.tif,
            trail=order.trail,
            created_at=now,
            updated_at=now,
        )
        outcomes = self._engine.add(paper, self._market.quote(order.symbol))
        self._changed[paper.client_order_id] = None
        accepted = OrderAccepted(order.client_order_id, paper.broker_order_id)
        placed = [trail_moved(paper)] if paper.trail is not None and paper.stop_price is not None else []
        self._commit([accepted, *placed, *self._settle(outcomes)])
        await self._reports.reported()
        self._publish_depth(order.symbol)

    async def cancel(self, order: Order) -> None:
        """Cancel a working order: OrderCanceled, or OrderCancelRejected if it is no longer working."""
        self._require_connected("cancel the order")
        await self._latency()
        coid = order.client_order_id
        try:
            closure = self._engine.cancel(coid)
        except ChangeRefused as refusal:
            self._reports.add([OrderCancelRejected(coid, str(refusal))])  # after any event of the order still queued
            await self._reports.reported()
            return
        self._touch(coid)
        self._commit([OrderCanceled(coid, closure.reason)])
        await self._reports.reported()
        self._publish_depth(order.symbol)

    async def cancel_orders(self, orders: Sequence[Order]) -> None:
        """Cancel several working orders as cancel() does each, recorded and synced together (CancelMany):
        a cancel-all's slice costs one fdatasync, where its cancels one by one cost two."""
        self._require_connected("cancel the orders")
        await self._latency()
        events: list[Event] = []
        symbols: dict[str, None] = {}
        for order in orders:
            coid = order.client_order_id
            try:
                closure = self._engine.cancel(coid)
            except ChangeRefused as refusal:
                events.append(OrderCancelRejected(coid, str(refusal)))
                continue
            self._touch(coid)
            events.append(OrderCanceled(coid, closure.reason))
            symbols[order.symbol] = None
        if symbols:
            self._save()  # every cancel on disk (synced below) before any is reported
        self._reports.add(events)
        await self._reports.reported()
        for symbol in symbols:
            self._publish_depth(symbol)

    async def modify(
        self, order: Order, quantity: Quantity, limit_price: Price | None, stop_price: Price | None
    ) -> None:
        """Change a working order: OrderModified (then any fill), or OrderModifyRejected."""
        self._require_connected("modify the order")
        await self._latency()
        coid = order.client_order_id
        limit = None if limit_price is None else limit_price.value
        stop = None if stop_price is None else stop_price.value
        try:
            outcomes = self._engine.modify(coid, quantity.value, limit, stop, self._market.quote(order.symbol))
        except ChangeRefused as refusal:
            self._reports.add([OrderModifyRejected(coid, str(refusal))])
            await self._reports.reported()
            return
        self._touch(coid)
        self._commit([OrderModified(coid, quantity, limit_price, stop_price), *self._settle(outcomes)])
        await self._reports.reported()

    async def lookup_order(self, order: Order) -> FoundOrder | None:
        """Return the paper book's state of order and its fills (OrderLookup), or None if it is not on the book."""
        self._require_connected("look the order up")
        if self._reports.pending:
            with contextlib.suppress(OSError):
                await self._reports.reported()
        paper = self._engine.orders.get(order.client_order_id)
        if paper is None:
            return None
        state = BrokerOrderState(paper.client_order_id, paper.broker_order_id, paper.symbol, paper.side,
                                 paper.quantity, paper.filled_qty, paper.status, paper.reason,
                                 paper.limit_price, paper.stop_price)
        fills = tuple(f for f in self._books.fills if f.client_order_id == order.client_order_id)
        return FoundOrder(state, fills)

    async def snapshot(self, fills_since: datetime | None = None) -> BrokerSnapshot:
        """Return cash, open positions, today's orders and the fills at or after fills_since.

        Fills stamped exactly at fills_since are included (several fills can share a stamp); the
        receiver deduplicates them by trade id.
        """
        self._require_connected("reconcile")
        if self._reports.pending:  # show nothing the app has not been told yet (unless its sync failed)
            with contextlib.suppress(OSError):
                await self._reports.reported()
        books = self._books
        positions = tuple(
            BrokerPosition(symbol, holding.quantity, holding.avg_cost)
            for symbol, holding in sorted(books.holdings.items())
            if holding.quantity != 0
        )
        orders = tuple(
            BrokerOrderState(
                client_order_id=o.client_order_id,
                broker_order_id=o.broker_order_id,
                symbol=o.symbol,
                side=o.side,
                quantity=o.quantity,
                filled_qty=o.filled_qty,
                status=o.status,
                reason=o.reason,
                limit_price=o.limit_price,
                stop_price=o.stop_price,
            )
            for o in self._engine.orders.values()
        )
        fills = tuple(f for f in books.fills if fills_since is None or f.ts >= fills_since)
        return BrokerSnapshot(self.account_id, books.cash_balances(), positions, orders, fills)

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._config.tick_interval_s)
            listed = len(self._market.symbols)
            for start in range(0, listed, TICK_SLICE):
                if start:
                    await asyncio.sleep(0)  # the next slice after a turn of the loop: paints and input come between
                try:
                    self._tick(start, start + TICK_SLICE if listed > TICK_SLICE else None)
                except Exception:
                    _log.exception("paper account %s: a market tick failed", self.account_id)

    def _tick(self, first: int = 0, end: int | None = None) -> None:
        """Step the market (the instruments listed from first to end, or all) and match the orders on their quotes."""
        if not first:
            self._roll_day_if_needed()
        quotes = self._market.step(first, end)
        waiting = [(order, order.stop_price) for order in self._engine.untriggered()]
        outcomes: list[Outcome] = []
        for quote in quotes:
            outcomes.extend(self._engine.match(quote))
        moved: list[Event] = []
        for order, stop in waiting:
            if order.is_active or order.stop_price != stop:  # a stop triggered without filling (it rests now, and
                self._changed[order.client_order_id] = None  # must stay triggered), or a trail moved its stop
            if order.trail is not None and order.stop_price != stop and order.stop_price is not None:
                moved.append(trail_moved(order))
        subscribed = self._subscribed
        self._quotes([quote for quote in quotes if quote.symbol in subscribed])
        if end is None or end >= len(self._market.symbols):  # the books once a tick, when every quote moved
            for symbol in self._depth:
                self._publish_depth(symbol)
        if self._tape:
            self._publish_prints(quotes)
        if outcomes or self._changed:
            self._commit([*moved, *self._settle(outcomes)])

    def _roll_day_if_needed(self) -> None:
        now = self._clock.now()
        if now.date() <= self._trading_day:
            return
        events = self._settle(self._engine.expire_day_orders())
        self._market.roll_day()
        self._trading_day = now.date()
        self._engine.drop_done_before(datetime.combine(now.date(), datetime.min.time(), tzinfo=UTC))
        self._books.prune_fills(now - FILL_RETENTION)
        self._commit(events, whole=True)

    def _settle(self, outcomes: Sequence[Outcome]) -> list[Event]:
        """Book outcomes (fills move cash and positions); return the events that report them."""
        now = self._clock.now()
        events: list[Event] = []
        for outcome in outcomes:
            self._touch(outcome.client_order_id, now)
            if isinstance(outcome, Execution):
                events.append(OrderFilled(outcome.client_order_id, self._books.book(outcome, now)))
            elif outcome.status is OrderStatus.EXPIRED:
                events.append(OrderExpired(outcome.client_order_id, outcome.reason))
            else:
                events.append(OrderCanceled(outcome.client_order_id, outcome.reason))
        if any(isinstance(outcome, Execution) for outcome in outcomes):
            events.append(AccountUpdated(self.account_id, self._books.cash_balances()))
        return events

    def _commit(self, events: Sequence[Event], *, whole: bool = False) -> None:
        """Hold events until the books are saved and synced: a broker reports only what it has recorded.

        The change is saved at the sync that reports it (`_sync`), so the changes of a turn (a basket's orders)
        make one log line, not one each; the whole books (whole) are written at once.
        """
        if whole:
            self._save(whole=True)
        else:
            self._unsaved = True
        self._reports.add(events)

    def _sync(self) -> None:
        """Save what changed since the last save, then make it durable (the report queue's sync, before it reports)."""
        if self._unsaved:
            self._save()
        if self._store is not None:
            self._store.sync()

    def _touch(self, coid: ClientOrderId, when: datetime | None = None) -> None:
        order = self._engine.orders.get(coid)
        if order is not None:
            order.updated_at = when or self._clock.now()
            self._changed[coid] = None

    def _save(self, *, whole: bool = False) -> None:
        """Record what changed since the last save; the whole books when whole or when the log is due for it."""
        self._unsaved = False
        store = self._store
        if store is not None:
            orders = self._engine.orders
            changed = [orders[coid] for coid in self._changed if coid in orders]
            mids = self._market.mids()
            closes = self._market.closes()
            if whole or not store.record(self._trading_day, self._books, changed, len(orders), mids, closes):
                state = PaperState(self._trading_day, self._books, list(orders.values()), dict(mids), dict(closes),
                                   self._market.volumes())
                store.compact(state, None if whole else self._changed)
        self._changed.clear()

    async def _latency(self) -> None:
        if self._config.latency_s > 0:
            await asyncio.sleep(self._config.latency_s)

    def _require_connected(self, action: str) -> None:
        if not self._connected:
            raise ConnectionLost(f"Paper account {self.account_id} is not connected; connect it, then {action} again.")


def create(account_id: AccountId, settings: dict[str, object], sink: EventSink, *,
           quotes: QuoteSink | None = None) -> PaperBroker:
    """Build a paper account from its settings (see PaperConfig.from_mapping); the registry's factory."""
    return PaperBroker(account_id, PaperConfig.from_mapping(settings), sink, quotes=quotes)
