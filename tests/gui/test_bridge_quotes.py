"""CoreBridge and the watchlist: quotes are taken once per frame, the newest per symbol, from one feed per symbol."""

from __future__ import annotations

from decimal import Decimal

from core.domain import AccountId, Quote, Side
from core.services.bus import EventBus
from core.services.clock import SystemClock
from core.services.instruments import InstrumentCatalog
from core.services.portfolio import Portfolio
from core.services.quote_cache import QuoteCache
from gui.bridge import CoreBridge
from gui.models.table_model import RawRole
from tests.factories import make_fill, make_instrument

D = Decimal


def portfolio_on(bus: EventBus) -> Portfolio:
    catalog = InstrumentCatalog()
    catalog.add([make_instrument("AAPL")])
    return Portfolio(bus, catalog, SystemClock())


def row_of(bridge: CoreBridge, symbol: str) -> object:
    position = bridge.quotes.row_of(symbol)
    assert position is not None, f"{symbol} has no row"
    return bridge.quotes.data(bridge.quotes.index(position, 0), RawRole)


def test_a_storm_between_two_frames_shows_the_newest_prices_of_the_first_feed(qtbot: object) -> None:
    bus = EventBus()
    cache = QuoteCache(bus)
    bridge = CoreBridge(bus, cache, portfolio_on(bus))
    for step in range(50):
        bus.publish(Quote("AAPL", bid=D(100 + step), ask=D(101 + step), last=D(100 + step), source="PAPER-1"))
    bus.publish(Quote("AAPL", bid=D("1"), ask=D("2"), source="IB-7"))  # another feed: not what the row shows
    assert bridge.quotes.rowCount() == 0  # nothing reaches the grid until the frame
    assert bridge.flusher.is_ticking  # the first quote woke the frame timer
    bridge.flusher.flush_now()
    row = row_of(bridge, "AAPL")
    assert (row.bid, row.ask, row.last) == (D(149), D(150), D(149))  # type: ignore[attr-defined]
    assert bridge.bid_ask("AAPL") == (D(149), D(150))  # the ticket prices from the market the row shows
    bus.publish(Quote("AAPL", last=D("149.5"), source="PAPER-1"))  # a partial tick keeps bid and ask
    bridge.flusher.flush_now()
    row = row_of(bridge, "AAPL")
    assert (row.bid, row.ask, row.last) == (D(149), D(150), D("149.5"))  # type: ignore[attr-defined]


def test_a_detached_bridge_takes_no_more_quotes(qtbot: object) -> None:
    bus = EventBus()
    cache = QuoteCache(bus)
    bridge = CoreBridge(bus, cache, portfolio_on(bus))
    bridge.detach()
    bus.publish(Quote("AAPL", bid=D("1"), ask=D("2"), source="PAPER-1"))
    bridge.flusher.flush_now()
    assert bridge.quotes.rowCount() == 0


def test_held_positions_are_re_marked_once_per_frame_with_the_newest_price(qtbot: object) -> None:
    bus = EventBus()
    cache = QuoteCache(bus)
    portfolio = portfolio_on(bus)
    bridge = CoreBridge(bus, cache, portfolio)
    portfolio.restore([make_fill(symbol="AAPL", quantity="100", price="150.00", side=Side.BUY,
                                 account_id=AccountId("PAPER-1"))])
    bridge.flusher.flush_now()
    (key,) = bridge.positions.row_keys()
    for step in range(30):
        bus.publish(Quote("AAPL", bid=D(150 + step), ask=D(151 + step), last=D(150 + step), source="PAPER-1"))
    assert bridge.flusher.is_ticking  # the first mark woke the frame timer; no event per tick
    bridge.flusher.flush_now()
    row = bridge.positions.row_of(key)
    assert row is not None
    assert bridge.positions.cell(row, 4)[0] == "179.00"  # Last
    assert bridge.positions.cell(row, 6)[0] == "+2,900.00"  # Unrealized: (179 - 150) x 100
