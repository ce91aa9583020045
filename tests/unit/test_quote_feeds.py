"""Two accounts quoting one symbol: each account's orders and positions use its own feed."""

from __future__ import annotations

from decimal import Decimal

from core.domain import AccountId, Position, Quote
from core.services.bus import EventBus
from core.services.clock import SystemClock
from core.services.instruments import InstrumentCatalog
from core.services.portfolio import Portfolio
from core.services.quote_cache import QuoteCache
from core.services.reference_feeds import ReferenceFeeds
from tests.factories import make_fill, make_instrument

PAPER, IB = AccountId("PAPER-1"), AccountId("IB-1")
D = Decimal


def test_an_account_sees_only_its_own_feed_never_another_accounts() -> None:
    bus = EventBus()
    cache = QuoteCache(bus)
    bus.publish(Quote("AAPL", bid=D("189.50"), ask=D("189.52"), source=str(PAPER)))
    assert cache.latest("AAPL", str(IB)) is None, "no IB quote yet: no price, never the paper market's"
    bus.publish(Quote("AAPL", bid=D("150.00"), ask=D("150.02"), source=str(IB)))
    bus.publish(Quote("AAPL", bid=D("189.60"), ask=D("189.62"), source=str(PAPER)))
    assert cache.latest("AAPL", str(IB)).bid == D("150.00")  # type: ignore[union-attr]
    assert cache.latest("AAPL", str(PAPER)).bid == D("189.60")  # type: ignore[union-attr]


def test_a_partial_tick_keeps_the_other_fields_of_the_same_feed() -> None:
    bus = EventBus()
    cache = QuoteCache(bus)
    bus.publish(Quote("AAPL", bid=D("1"), ask=D("2"), last=D("1.5"), source="A"))
    bus.publish(Quote("AAPL", last=D("1.6"), source="A"))
    quote = cache.latest("AAPL", "A")
    assert quote is not None and (quote.bid, quote.ask, quote.last) == (D("1"), D("2"), D("1.6"))


def test_positions_are_marked_with_their_own_accounts_prices() -> None:
    bus = EventBus()
    catalog = InstrumentCatalog()
    catalog.add([make_instrument()])
    portfolio = Portfolio(bus, catalog, SystemClock())
    marks: dict[str, list[Decimal | None]] = {str(PAPER): [], str(IB): []}
    for account in (PAPER, IB):
        portfolio.restore([make_fill(account_id=account, quantity="10", price="100")])
    bus.publish(Quote("AAPL", last=D("189.00"), source=str(PAPER)))
    bus.publish(Quote("AAPL", last=D("150.00"), source=str(IB)))
    bus.publish(Quote("AAPL", last=D("189.10"), source=str(PAPER)))
    for account in (PAPER, IB):
        position = portfolio.position(account, "AAPL")
        assert isinstance(position, Position)
        marks[str(account)].append(position.last_price)
    assert marks == {str(PAPER): [D("189.10")], str(IB): [D("150.00")]}


def test_an_account_without_market_data_is_priced_from_the_reference_feed_the_trader_chose() -> None:
    bus = EventBus()
    cache = QuoteCache(bus)
    desk = "DESK-1"
    bus.publish(Quote("AAPL", bid=D("189.50"), ask=D("189.52"), source=str(PAPER)))
    bus.publish(Quote("AAPL", bid=D("150.00"), ask=D("150.02"), source=str(IB)))
    assert cache.latest("AAPL", desk) is None, "no choice made: no price"
    cache.references.choose(desk, str(PAPER))
    quote = cache.latest("AAPL", desk)
    assert quote is not None and quote.source == str(PAPER) and quote.bid == D("189.50"), "labelled by its source"
    cache.references.choose(desk, None)
    assert cache.latest("AAPL", desk) is None


def test_a_position_is_never_marked_from_another_accounts_feed_only_from_its_chosen_reference() -> None:
    bus = EventBus()
    catalog = InstrumentCatalog()
    catalog.add([make_instrument()])
    portfolio = Portfolio(bus, catalog, SystemClock())
    desk = AccountId("DESK-1")
    portfolio.restore([make_fill(account_id=account, quantity="10", price="100") for account in (IB, desk)])
    bus.publish(Quote("AAPL", last=D("189.00"), source=str(PAPER)))
    ib, desk_position = portfolio.position(IB, "AAPL"), portfolio.position(desk, "AAPL")
    assert ib is not None and ib.last_price is None, "IB's position waits for IB's own price"
    assert desk_position is not None and desk_position.last_price is None


def test_a_position_of_an_account_without_market_data_is_marked_from_its_chosen_reference_feed() -> None:
    bus = EventBus()
    catalog = InstrumentCatalog()
    catalog.add([make_instrument()])
    references = ReferenceFeeds({"DESK-1": str(PAPER)})
    portfolio = Portfolio(bus, catalog, SystemClock(), references)
    desk = AccountId("DESK-1")
    portfolio.restore([make_fill(account_id=desk, quantity="10", price="100")])
    bus.publish(Quote("AAPL", last=D("150.00"), source=str(IB)))
    bus.publish(Quote("AAPL", last=D("189.00"), source=str(PAPER)))
    position = portfolio.position(desk, "AAPL")
    assert position is not None and position.last_price == D("189.00"), "PAPER-1's, as chosen; never IB's"
