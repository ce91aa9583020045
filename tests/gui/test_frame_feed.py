"""FrameFeed: a view names what it watches and gets, once per frame, only the newest values — never a tick."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from core.domain import AccountId, OrderUpdated, Quote, Side
from core.domain.bars import Bar
from core.domain.depth import BookLevel, DepthBook
from core.services.bus import EventBus
from core.services.clock import SystemClock
from core.services.instruments import InstrumentCatalog
from core.services.portfolio import Portfolio
from core.services.quote_cache import QuoteCache
from gui.bridge import CoreBridge
from gui.frame_feed import FrameFeed
from gui.models.flusher import FrameFlusher
from gui.models.quotes import QuotesTableModel
from tests.factories import make_fill, make_instrument, make_order

D = Decimal
PAPER = AccountId("PAPER-1")
IB = AccountId("IB-7")


class World:
    """A bus, the core services that conflate, a flusher and the feed, as the bridge builds them."""

    def __init__(self) -> None:
        self.bus = EventBus()
        self.cache = QuoteCache(self.bus)
        catalog = InstrumentCatalog()
        catalog.add([make_instrument("AAPL"), make_instrument("MSFT")])
        self.portfolio = Portfolio(self.bus, catalog, SystemClock())
        self.flusher = FrameFlusher(hz=30)
        self.feed = FrameFeed(self.bus, self.cache, self.portfolio, self.flusher)


def recorder() -> tuple[list[dict[object, object]], Callable[[Mapping[object, object]], None]]:
    frames: list[dict[object, object]] = []
    return frames, lambda values: frames.append(dict(values))


def prices(frame: Mapping[object, object]) -> dict[object, tuple[object, ...]]:
    return {symbol: (q.source, q.bid, q.ask, q.last) for symbol, q in frame.items()}  # type: ignore[attr-defined]


async def frames_pass(flusher: FrameFlusher, count: int = 3) -> None:
    """Let the real frame timer run until it has stopped (or count frames have gone by)."""
    deadline = time.monotonic() + 5
    await asyncio.sleep(flusher.interval_ms * count / 1000)
    while flusher.is_ticking and time.monotonic() < deadline:
        await asyncio.sleep(0.01)


async def test_a_view_watching_two_symbols_gets_one_callback_per_frame_with_only_their_newest_quotes() -> None:
    world = World()
    frames, on_frame = recorder()
    world.feed.watch_quotes(["AAPL", "MSFT"], on_frame)
    for step in range(200):  # a storm between two frames, with a symbol the view does not watch
        world.bus.publish_quotes([
            Quote("AAPL", bid=D(100 + step), ask=D(101 + step), last=D(100 + step), source=PAPER),
            Quote("MSFT", bid=D(300 + step), ask=D(301 + step), source=PAPER),
            Quote("IBM", bid=D(step), source=PAPER),
        ])
    assert frames == [], "nothing per tick: values wait for the frame"
    assert world.flusher.is_ticking, "the first quote woke the frame timer"
    await frames_pass(world.flusher)
    assert [prices(frame) for frame in frames] == [{
        "AAPL": (PAPER, D(299), D(300), D(299)),
        "MSFT": (PAPER, D(499), D(500), None),
    }]
    assert not world.flusher.is_ticking, "an idle feed stops the frame timer"
    world.bus.publish(Quote("MSFT", bid=D("499.5"), source=PAPER))
    await frames_pass(world.flusher)
    assert [prices(frame) for frame in frames[1:]] == [{"MSFT": (PAPER, D("499.5"), D(500), None)}]


def test_unwatching_stops_the_callbacks_and_drops_what_was_waiting() -> None:
    world = World()
    frames, on_frame = recorder()
    watch = world.feed.watch_quotes(["AAPL"], on_frame)
    world.bus.publish(Quote("AAPL", bid=D(1), source=PAPER))
    watch.cancel()
    world.bus.publish(Quote("AAPL", bid=D(2), source=PAPER))
    world.flusher.flush_now()
    assert frames == []
    assert not watch.is_active and not world.flusher.is_ticking
    watch.change(["AAPL", "MSFT"])  # a cancelled watch stays cancelled
    world.bus.publish(Quote("MSFT", bid=D(3), source=PAPER))
    world.flusher.flush_now()
    assert frames == []


def test_changing_a_watch_switches_its_symbols_and_feed_from_the_next_tick() -> None:
    world = World()
    frames, on_frame = recorder()
    watch = world.feed.watch_quotes(["AAPL"], on_frame, feed=IB)
    world.bus.publish_quotes([Quote("AAPL", bid=D(1), source=PAPER), Quote("AAPL", bid=D(2), source=IB)])
    world.flusher.flush_now()
    watch.change(["MSFT"], feed=PAPER)
    world.bus.publish_quotes([Quote("AAPL", bid=D(3), source=IB), Quote("MSFT", bid=D(4), source=PAPER)])
    world.flusher.flush_now()
    assert [prices(frame) for frame in frames] == [
        {"AAPL": (IB, D(2), None, None)},
        {"MSFT": (PAPER, D(4), None, None)},
    ]


def test_a_partial_quote_merges_with_the_last_full_one_in_the_quote_cache_and_every_view_sees_that_merge() -> None:
    world = World()
    frames, on_frame = recorder()
    world.feed.watch_quotes(["AAPL"], on_frame)
    grid = QuotesTableModel()
    world.flusher.register(grid)
    world.feed.watch_quotes(None, grid.show_quotes, paint_with=grid)
    world.bus.publish(Quote("AAPL", bid=D(10), ask=D(11), last=D("10.5"), close=D(9), source=PAPER))
    world.flusher.flush_now()
    world.bus.publish(Quote("AAPL", last=D("10.75"), source=PAPER))  # only the last price changed
    world.flusher.flush_now()
    merged = world.cache.latest("AAPL", PAPER)
    assert merged is not None
    assert (merged.bid, merged.ask, merged.last, merged.close) == (D(10), D(11), D("10.75"), D(9))
    assert frames[-1]["AAPL"] is merged, "the view gets the cache's one merged quote, not a merge of its own"
    row = grid.get("AAPL")
    assert (row.bid, row.ask, row.last, row.close) == (D(10), D(11), D("10.75"), D(9))  # type: ignore[union-attr]
    grid.show_quote(Quote("AAPL", last=D(12), source=PAPER))  # the grid merges nothing: it shows what it is given
    grid.flush()
    assert (row.bid, row.last) == (None, D(12))  # type: ignore[union-attr]


def test_without_a_feed_each_symbol_shows_the_first_feed_that_quoted_it_and_a_named_feed_only_its_own() -> None:
    world = World()
    first, on_first = recorder()
    ib, on_ib = recorder()
    world.feed.watch_quotes(["AAPL"], on_first)
    world.feed.watch_quotes(["AAPL"], on_ib, feed=IB)
    world.bus.publish_quotes([Quote("AAPL", bid=D(1), source=PAPER), Quote("AAPL", bid=D(2), source=IB),
                              Quote("AAPL", bid=D(3), source=PAPER)])
    world.flusher.flush_now()
    assert [prices(frame) for frame in first] == [{"AAPL": (PAPER, D(3), None, None)}]
    assert [prices(frame) for frame in ib] == [{"AAPL": (IB, D(2), None, None)}]
    assert world.cache.first_feed("AAPL") == PAPER


def test_orders_of_an_account_arrive_once_per_frame_in_their_newest_state() -> None:
    world = World()
    frames, on_frame = recorder()
    world.feed.watch_orders(on_frame, account=PAPER)
    first = make_order(client_order_id="TFEED1", quantity="100", account_id=PAPER)
    later = make_order(client_order_id="TFEED1", quantity="300", account_id=PAPER)
    world.bus.publish(OrderUpdated(first))
    world.bus.publish(OrderUpdated(make_order(client_order_id="TOTHER", account_id=IB)))
    world.bus.publish(OrderUpdated(later))
    assert frames == []
    world.flusher.flush_now()
    assert frames == [{first.client_order_id: later}]


def test_positions_arrive_once_per_frame_changed_by_fills_and_marked_by_quotes() -> None:
    world = World()
    frames, on_frame = recorder()
    world.feed.watch_positions(on_frame, account=PAPER)
    world.portfolio.restore([make_fill(symbol="AAPL", quantity="100", price="150.00", side=Side.BUY, account_id=PAPER),
                             make_fill(symbol="MSFT", quantity="10", price="300.00", side=Side.BUY, account_id=IB)])
    for step in range(20):
        world.bus.publish(Quote("AAPL", bid=D(150 + step), ask=D(151 + step), last=D(150 + step), source=PAPER))
    world.flusher.flush_now()
    ((key, position),) = frames[0].items()
    assert key == (PAPER, "AAPL") and len(frames) == 1
    assert position.unrealized_pnl == D(1900)  # type: ignore[attr-defined]  # (169 - 150) x 100: the newest mark


def test_depth_and_bars_reach_only_the_views_that_watch_their_feed_symbol_and_interval() -> None:
    world = World()
    books, on_books = recorder()
    bars, on_bars = recorder()
    world.feed.watch_depth(["AAPL"], on_books, feed=IB)
    minute = timedelta(minutes=1)
    world.feed.watch_bars("AAPL", minute, on_bars, feed=IB)
    old = DepthBook("AAPL", IB, bids=(BookLevel(D(10), D(5)),))
    new = DepthBook("AAPL", IB, bids=(BookLevel(D(10), D(7), 2),), asks=(BookLevel(D("10.01"), D(3)),))
    for book in (old, DepthBook("AAPL", PAPER), DepthBook("MSFT", IB), new):
        world.bus.publish(book)
    start = datetime(2026, 12, 6, 9, 30, tzinfo=UTC)
    bar = Bar("AAPL", IB, minute, start, D(10), D(11), D(9), D("10.5"), D(100))
    for item in (bar, bar.__class__("AAPL", IB, timedelta(hours=1), start, D(1), D(1), D(1), D(1), D(1)),
                 Bar("AAPL", IB, minute, start, D(10), D(12), D(9), D(12), D(150))):
        world.bus.publish(item)
    world.flusher.flush_now()
    assert books == [{"AAPL": new}]
    assert [{start: (b.high, b.close)} for frame in bars for b in frame.values()] == [{start: (D(12), D(12))}]  # type: ignore[attr-defined]


def test_the_flusher_drives_any_flushable_and_a_watch_joins_its_views_turn() -> None:
    class ChartView:
        """A view that is not a grid: it keeps what it was handed and paints it at its flush."""

        def __init__(self) -> None:
            self.staged: dict[str, Quote] = {}
            self.painted: list[dict[str, Quote]] = []
            self._wake: Callable[[], None] | None = None

        @property
        def has_pending(self) -> bool:
            return bool(self.staged)

        def flush(self) -> None:
            self.painted.append(self.staged)
            self.staged = {}

        def set_pending_callback(self, callback: Callable[[], None] | None) -> None:
            self._wake = callback

        def take(self, quotes: Mapping[str, Quote]) -> None:
            self.staged.update(quotes)
            if self._wake is not None:
                self._wake()

    world = World()
    chart = ChartView()
    world.flusher.register(chart)
    world.feed.watch_quotes(["AAPL"], chart.take, paint_with=chart)
    flushed: list[int] = []
    world.flusher.flushed.connect(flushed.append)
    world.bus.publish(Quote("AAPL", bid=D(1), source=PAPER))
    world.bus.publish(Quote("AAPL", bid=D(2), source=PAPER))
    world.flusher.flush_now()
    assert [{s: q.bid for s, q in frame.items()} for frame in chart.painted] == [{"AAPL": D(2)}]
    assert flushed == [2], "the watch and then the view, in one turn"


def test_the_bridge_offers_its_feed_to_new_views_beside_the_watchlist(qtbot: object) -> None:
    world = World()
    bridge = CoreBridge(world.bus, world.cache, world.portfolio)
    frames, on_frame = recorder()
    watch = bridge.feed.watch_quotes(["AAPL"], on_frame, feed=IB)  # a ladder on the IB account
    world.bus.publish_quotes([Quote("AAPL", bid=D(1), ask=D(2), source=PAPER), Quote("AAPL", bid=D(5), source=IB)])
    bridge.flusher.flush_now()
    assert [prices(frame) for frame in frames] == [{"AAPL": (IB, D(5), None, None)}]
    assert bridge.bid_ask("AAPL") == (D(1), D(2))  # the watchlist's market: the first feed
    assert bridge.quotes.feed_of("AAPL") == PAPER
    bridge.detach()
    assert not watch.is_active
    world.bus.publish(Quote("AAPL", bid=D(6), source=IB))
    bridge.flusher.flush_now()
    assert len(frames) == 1
