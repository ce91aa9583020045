"""FrameFeed: the one way a view gets data — it names what it watches and receives the newest values once per frame.

No view subscribes to raw ticks or to the bus's per-event stream: a view calls `watch_quotes`,
`watch_positions`, `watch_orders`, `watch_fills`, `watch_depth` or `watch_bars` with a callback and
gets a handle (a FeedWatch) to change what it watches or to cancel. Between two frames every value
is conflated per key (the newest replaces the one before), and at the view's turn of the frame the
callback gets one mapping, key -> newest value, of what changed; nothing when nothing did.

A watch is flushed by the bridge's FrameFlusher. `paint_with=model` puts it in that model's turn,
just before the model's flush, so the rows it stages are painted in the same turn (the grids do
this); without it the watch takes a turn of its own (a chart or a ladder that paints itself).

Quotes are merged from partial ticks and their feed chosen in one place, core's QuoteCache (see
there): the callback gets merged quotes from the feed asked for, or each symbol's first feed.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from datetime import datetime, timedelta
from typing import Generic, TypeVar

from core.domain import AccountId, ClientOrderId, Fill, Order, Position, Quote, TradeId
from core.domain.bars import Bar
from core.domain.depth import DepthBook
from core.domain.events import FillRecorded, FillsRestored, OrderUpdated, PositionUpdated
from core.domain.tape import TradePrint
from core.services.bus import EventBus
from core.services.conflation import Conflated
from core.services.portfolio import Portfolio
from core.services.quote_cache import QuoteCache
from gui.models.flusher import Flushable, FrameFlusher
from gui.models.positions import PositionKey as PositionKey
from gui.models.positions import row_key

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

FillKey = tuple[AccountId, TradeId]


class FeedWatch(Generic[K, V]):
    """One view's standing request to the frame feed: a Flushable whose flush hands the view a frame's values.

    `cancel()` ends it: no callback after that, not even for values already waiting.
    """

    def __init__(
        self,
        on_frame: Callable[[Mapping[K, V]], None],
        release: Callable[[FeedWatch[K, V]], None],
        waiting: Callable[[Callable[[], None]], Conflated[K, V]] = Conflated,
    ) -> None:
        self._on_frame = on_frame
        self._release: Callable[[FeedWatch[K, V]], None] | None = release
        self._on_pending: Callable[[], None] | None = None
        self._waiting = waiting(self._wake)

    @property
    def is_active(self) -> bool:
        """True until `cancel()`."""
        return self._release is not None

    @property
    def has_pending(self) -> bool:
        """True when values wait for the next frame."""
        return self._waiting.waiting

    def flush(self) -> None:
        """Hand the view the newest value of every key that changed since the last frame."""
        values = self._take()
        if values:
            self._on_frame(values)

    def set_pending_callback(self, callback: Callable[[], None] | None) -> None:
        """Call callback whenever values start waiting (the flusher's wake)."""
        self._on_pending = callback
        if callback is not None and self.has_pending:
            callback()

    def cancel(self) -> None:
        """Stop watching: no more callbacks, and values already waiting are dropped."""
        release, self._release = self._release, None
        if release is not None:
            release(self)
        self._take()

    def _take(self) -> dict[K, V]:
        return self._waiting.take()

    def _put(self, key: K, value: V) -> None:
        self._waiting.put(key, value)

    def _wake(self) -> None:
        if self._on_pending is not None:
            self._on_pending()


FeedWatchT = TypeVar("FeedWatchT", bound=FeedWatch)  # type: ignore[type-arg]


class QuoteWatch(FeedWatch[str, Quote]):
    """Merged quotes of some symbols (or all) from one feed (or each symbol's first feed), by symbol."""

    def __init__(self, cache: QuoteCache, symbols: Iterable[str] | None, feed: str | None,
                 on_frame: Callable[[Mapping[str, Quote]], None],
                 release: Callable[[FeedWatch[str, Quote]], None]) -> None:
        super().__init__(on_frame, release, lambda wake: cache.conflate(wake, symbols=symbols, feed=feed))
        self._cache = cache

    def change(self, symbols: Iterable[str] | None, *, feed: str | None = None) -> None:
        """Watch these symbols (None: every symbol) from feed (None: each symbol's first) from now on."""
        if self.is_active:
            self._cache.reconflate(self._waiting, symbols=symbols, feed=feed)

    def cancel(self) -> None:
        """Stop watching: no more callbacks, and values already waiting are dropped."""
        self._cache.release(self._waiting)
        super().cancel()


class AccountWatch(FeedWatch[K, V]):
    """Values of one account (or of all), as the feed hands them over; `change(account)` switches."""

    def __init__(self, account: AccountId | None, on_frame: Callable[[Mapping[K, V]], None],
                 release: Callable[[FeedWatch[K, V]], None]) -> None:
        super().__init__(on_frame, release)
        self.account = account

    def change(self, account: AccountId | None) -> None:
        """Watch account's values (None: every account's) from now on."""
        self.account = account

    def offer(self, account: AccountId, key: K, value: V) -> None:
        """Keep value for the next frame if it belongs to the watched account."""
        watched = self.account
        if watched is None or watched == account:
            self._waiting.put(key, value)  # not through _put: every order comes this way, twice or more


class PositionWatch(AccountWatch[PositionKey, Position]):
    """Positions by (account, symbol): changed by fills (events) and re-marked by quotes (the portfolio's marks)."""

    def __init__(self, portfolio: Portfolio, account: AccountId | None,
                 on_frame: Callable[[Mapping[PositionKey, Position]], None],
                 release: Callable[[FeedWatch[PositionKey, Position]], None]) -> None:
        super().__init__(account, on_frame, release)
        self._portfolio = portfolio
        self._marks = portfolio.conflate_marks(self._wake)

    @property
    def has_pending(self) -> bool:
        """True when changed or re-marked positions wait for the next frame."""
        return self._waiting.waiting or self._marks.waiting

    def cancel(self) -> None:
        """Stop watching: no more callbacks, and values already waiting are dropped."""
        self._portfolio.release_marks(self._marks)
        self._marks.take()
        super().cancel()

    def _take(self) -> dict[PositionKey, Position]:
        values = self._waiting.take()
        marks = self._marks.take()
        if marks:
            account = self.account
            for position in marks:
                if account is None or position.account_id == account:
                    values[row_key(position)] = position
        return values


class DepthWatch(FeedWatch[str, DepthBook]):
    """Books of some symbols from one feed, by symbol."""

    def __init__(self, symbols: Iterable[str], feed: str, on_frame: Callable[[Mapping[str, DepthBook]], None],
                 release: Callable[[FeedWatch[str, DepthBook]], None]) -> None:
        super().__init__(on_frame, release)
        self.symbols = frozenset(symbols)
        self.feed = feed

    def change(self, symbols: Iterable[str]) -> None:
        """Watch these symbols' books from now on."""
        self.symbols = frozenset(symbols)

    def offer(self, book: DepthBook) -> None:
        """Keep book for the next frame if it is one this watch wants."""
        if book.source == self.feed and book.symbol in self.symbols:
            self._put(book.symbol, book)


class TradeWatch(FeedWatch[int, TradePrint]):
    """Every trade print of some symbols from one feed, keyed by arrival (none is conflated away: a tape)."""

    def __init__(self, symbols: Iterable[str], feed: str, on_frame: Callable[[Mapping[int, TradePrint]], None],
                 release: Callable[[FeedWatch[int, TradePrint]], None]) -> None:
        super().__init__(on_frame, release)
        self.symbols = frozenset(symbols)
        self.feed = feed
        self._seq = 0

    def offer(self, trade: TradePrint) -> None:
        """Keep trade for the next frame if it is one this watch wants."""
        if trade.source == self.feed and trade.symbol in self.symbols:
            self._seq += 1
            self._put(self._seq, trade)


class BarWatch(FeedWatch[datetime, Bar]):
    """Bars of one symbol and interval from one feed, by start time."""

    def __init__(self, symbol: str, interval: timedelta, feed: str, on_frame: Callable[[Mapping[datetime, Bar]], None],
                 release: Callable[[FeedWatch[datetime, Bar]], None]) -> None:
        super().__init__(on_frame, release)
        self.symbol = symbol
        self.interval = interval
        self.feed = feed

    def change(self, symbol: str, interval: timedelta) -> None:
        """Watch symbol's bars of interval from now on."""
        self.symbol, self.interval = symbol, interval

    def offer(self, bar: Bar) -> None:
        """Keep bar for the next frame if it is one this watch wants."""
        if bar.source == self.feed and bar.symbol == self.symbol and bar.interval == self.interval:
            self._put(bar.start, bar)


class FrameFeed:
    """Hand views, once per frame, the newest values they watch (see the module's docstring).

    Everything is delivered on the GUI thread, from the flusher's timer (or its `flush_now`).
    """

    def __init__(self, bus: EventBus, quotes: QuoteCache, portfolio: Portfolio, flusher: FrameFlusher) -> None:
        self._quotes = quotes
        self._portfolio = portfolio
        self._flusher = flusher
        self._watches: list[FeedWatch[object, object]] = []
        self._orders: list[AccountWatch[ClientOrderId, Order]] = []
        self._positions: list[PositionWatch] = []
        self._fills: list[AccountWatch[FillKey, Fill]] = []
        self._depth: list[DepthWatch] = []
        self._bars: list[BarWatch] = []
        self._trades: list[TradeWatch] = []
        self._unsubscribe = [
            bus.subscribe(OrderUpdated, self._on_order_updated),
            bus.subscribe(PositionUpdated, self._on_position_updated),
            bus.subscribe(FillRecorded, self._on_fill_recorded),
            bus.subscribe(FillsRestored, self._on_fills_restored),
            bus.subscribe(DepthBook, self._on_depth),
            bus.subscribe(Bar, self._on_bar),
            bus.subscribe(TradePrint, self._on_trade),
        ]

    def watch_quotes(
        self,
        symbols: Iterable[str] | None,
        on_frame: Callable[[Mapping[str, Quote]], None],
        *,
        feed: str | None = None,
        paint_with: Flushable | None = None,
    ) -> QuoteWatch:
        """Call on_frame once per frame with the newest merged quote of each watched symbol that changed.

        symbols: None watches every symbol any feed quotes. feed: the account whose market data
        to show; None shows each symbol from the first feed that quoted it.
        """
        watch = QuoteWatch(self._quotes, symbols, feed, on_frame, self._release)
        return self._start(watch, paint_with)

    def watch_positions(
        self,
        on_frame: Callable[[Mapping[PositionKey, Position]], None],
        *,
        account: AccountId | None = None,
        paint_with: Flushable | None = None,
    ) -> PositionWatch:
        """Call on_frame once per frame with each position (by account and symbol) a fill changed or a quote marked;
        where a broker keeps products apart (Kite) each product's position as well, by (account, symbol, product).

        The positions are the portfolio's own objects: read them, never change them.
        """
        watch = PositionWatch(self._portfolio, account, on_frame, self._release)
        self._positions.append(watch)
        return self._start(watch, paint_with)

    def watch_orders(
        self,
        on_frame: Callable[[Mapping[ClientOrderId, Order]], None],
        *,
        account: AccountId | None = None,
        paint_with: Flushable | None = None,
    ) -> AccountWatch[ClientOrderId, Order]:
        """Call on_frame once per frame with the newest state of each order (of account, or all) that changed."""
        watch: AccountWatch[ClientOrderId, Order] = AccountWatch(account, on_frame, self._release)
        self._orders.append(watch)
        return self._start(watch, paint_with)

    def watch_fills(
        self,
        on_frame: Callable[[Mapping[FillKey, Fill]], None],
        *,
        account: AccountId | None = None,
        paint_with: Flushable | None = None,
    ) -> AccountWatch[FillKey, Fill]:
        """Call on_frame once per frame with the fills (of account, or all) recorded or restored since the last."""
        watch: AccountWatch[FillKey, Fill] = AccountWatch(account, on_frame, self._release)
        self._fills.append(watch)
        return self._start(watch, paint_with)

    def watch_depth(
        self,
        symbols: Iterable[str],
        on_frame: Callable[[Mapping[str, DepthBook]], None],
        *,
        feed: str,
        paint_with: Flushable | None = None,
    ) -> DepthWatch:
        """Call on_frame once per frame with the newest book of each watched symbol from feed that changed.

        Books are the DepthBook events a depth producer publishes on the bus: an adapter with the DepthFeed
        capability (core/ports/depth_feed.py) once asked with subscribe_depth (the ladder does).
        """
        watch = DepthWatch(symbols, feed, on_frame, self._release)
        self._depth.append(watch)
        return self._start(watch, paint_with)

    def watch_trades(
        self,
        symbols: Iterable[str],
        on_frame: Callable[[Mapping[int, TradePrint]], None],
        *,
        feed: str,
        paint_with: Flushable | None = None,
    ) -> TradeWatch:
        """Call on_frame once per frame with every trade print of symbols from feed since the last (by arrival).

        Prints are the TradePrint events a TimeAndSales producer publishes (core/ports/time_and_sales.py).
        """
        watch = TradeWatch(symbols, feed, on_frame, self._release)
        self._trades.append(watch)
        return self._start(watch, paint_with)

    def watch_bars(
        self,
        symbol: str,
        interval: timedelta,
        on_frame: Callable[[Mapping[datetime, Bar]], None],
        *,
        feed: str,
        paint_with: Flushable | None = None,
    ) -> BarWatch:
        """Call on_frame once per frame with the newest state of each bar (by start) of symbol and interval from feed.

        Bars are the Bar events a bar producer publishes on the bus. No producer publishes them yet
        (the chart's issue adds history and the live bar), so until then this never calls on_frame.
        """
        watch = BarWatch(symbol, interval, feed, on_frame, self._release)
        self._bars.append(watch)
        return self._start(watch, paint_with)

    def close(self) -> None:
        """Cancel every watch and stop listening to the bus (the window is closing)."""
        for watch in list(self._watches):
            watch.cancel()
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe.clear()

    def _start(self, watch: FeedWatchT, paint_with: Flushable | None) -> FeedWatchT:
        self._watches.append(watch)
        self._flusher.register(watch, before=paint_with)
        return watch

    def _release(self, watch: FeedWatch[K, V]) -> None:
        self._flusher.unregister(watch)
        for watches in (self._watches, self._orders, self._positions, self._fills, self._depth, self._bars,
                        self._trades):
            if watch in watches:
                watches.remove(watch)  # type: ignore[arg-type]

    def _on_order_updated(self, event: OrderUpdated) -> None:
        order = event.order
        account, key = order.account_id, order.client_order_id
        for watch in self._orders:
            watch.offer(account, key, order)

    def _on_position_updated(self, event: PositionUpdated) -> None:
        position = event.position
        for watch in self._positions:
            watch.offer(position.account_id, row_key(position), position)

    def _on_fill_recorded(self, event: FillRecorded) -> None:
        fill = event.fill
        for watch in self._fills:
            watch.offer(fill.account_id, (fill.account_id, fill.trade_id), fill)

    def _on_fills_restored(self, event: FillsRestored) -> None:
        for fill in event.fills:
            for watch in self._fills:
                watch.offer(fill.account_id, (fill.account_id, fill.trade_id), fill)

    def _on_depth(self, book: DepthBook) -> None:
        for watch in self._depth:
            watch.offer(book)

    def _on_trade(self, trade: TradePrint) -> None:
        for watch in self._trades:
            watch.offer(trade)

    def _on_bar(self, bar: Bar) -> None:
        for watch in self._bars:
            watch.offer(bar)

