"""Two accounts quoting one symbol: each account's orders and positions use its own feed."""

from __future__ import annotations

from decimal import Decimal

from core.domain import AccountId, Position, Quote
from core.services.bus import EventBus
from core.services.clock import SystemClock
from core.services.instruments import InstrumentCatalog
from core.services.portfolio import Portfolio
from core.services.quote_cache import QuoteCache
from tests.factories import make_fill, make_instrument

PAPER, IB = AccountId("PAPER-1"), AccountId("IB-1")
D = Decimal


def test_an_account_sees_its_own_feed_and_falls_back_to_another_only_without_one() -> None:
    bus = EventBus()
    cache = QuoteCache(bus)
    bus.publish(Quote("AAPL", bid=D("189.50"), ask=D("189.52"), source=str(PAPER)))
    assert cache.latest("AAPL", str(IB)).bid == D("189.50"), "no IB feed yet: any feed will do"  # type: ignore[union-attr]
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
