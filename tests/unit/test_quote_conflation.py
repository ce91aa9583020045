"""QuoteCache.conflate: a slow consumer (the watchlist, 30 frames a second) sees each symbol once per drain, newest."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from core.domain import Quote
from core.services.bus import EventBus
from core.services.quote_cache import QuoteCache

D = Decimal


def test_many_ticks_between_two_drains_arrive_as_the_newest_merged_quote_per_symbol_of_the_feed_asked_for() -> None:
    bus = EventBus()
    cache = QuoteCache(bus)
    wakes: list[str] = []
    view = cache.conflate(lambda: wakes.append("wake"))  # each symbol from its first feed
    ib_aapl = cache.conflate(lambda: None, symbols=["AAPL"], feed="IB")
    bus.publish(Quote("AAPL", bid=D("1"), ask=D("2"), source="P"))
    bus.publish(Quote("MSFT", bid=D("5"), ask=D("6"), source="P"))
    bus.publish(Quote("AAPL", last=D("1.5"), source="P"))  # a partial tick: bid/ask kept from before
    bus.publish(Quote("AAPL", bid=D("9"), ask=D("9.5"), source="IB"))
    bus.publish(Quote("MSFT", bid=D("7"), source="IB"))
    assert wakes == ["wake"]  # one wake until the consumer drains
    drained = {q.symbol: (q.source, q.bid, q.ask, q.last) for q in view.drain()}
    assert drained == {"AAPL": ("P", D("1"), D("2"), D("1.5")), "MSFT": ("P", D("5"), D("6"), None)}
    assert cache.first_feed("AAPL") == "P"
    assert [(q.source, q.symbol, q.bid) for q in ib_aapl.drain()] == [("IB", "AAPL", D("9"))]
    assert view.drain() == []
    bus.publish(Quote("MSFT", bid=D("5.1"), source="P"))
    assert wakes == ["wake", "wake"]
    (quote,) = view.drain()
    assert (quote.bid, quote.ask) == (D("5.1"), D("6"))
    cache.reconflate(ib_aapl, symbols=["MSFT"], feed="IB")
    bus.publish_quotes([Quote("AAPL", bid=D("9.1"), source="IB"), Quote("MSFT", ask=D("7.5"), source="IB")])
    assert [(q.symbol, q.bid, q.ask) for q in ib_aapl.drain()] == [("MSFT", D("7"), D("7.5"))]


def test_a_released_view_gets_nothing_more() -> None:
    bus = EventBus()
    cache = QuoteCache(bus)
    view = cache.conflate(lambda: None)
    cache.release(view)
    bus.publish(Quote("AAPL", bid=D("1"), source="P"))
    assert view.drain() == []
    assert cache.latest("AAPL") is not None


def test_a_quote_is_immutable_and_keeps_every_field_it_was_given() -> None:
    quote = Quote("AAPL", D("1"), D("2"), D("1.5"), D("1.4"), D("100"), D("3"), D("4"), "P")
    assert (quote.symbol, quote.bid, quote.ask, quote.last, quote.close, quote.volume, quote.bid_size,
            quote.ask_size, quote.source) == ("AAPL", D("1"), D("2"), D("1.5"), D("1.4"), D("100"), D("3"), D("4"), "P")
    assert quote.ts.tzinfo is not None
    assert abs((datetime.now(UTC) - quote.ts).total_seconds()) < 60  # built now, read as an aware datetime
    assert quote.replace(bid=D("0.9")) == Quote(
        "AAPL", D("0.9"), D("2"), D("1.5"), D("1.4"), D("100"), D("3"), D("4"), "P", ts=quote.ts)
    assert quote.replace(bid=D("0.9")).ts == quote.ts
    with pytest.raises(AttributeError):
        quote.bid = D("3")  # type: ignore[misc]
    assert Quote("X").bid is None and Quote("X").source == ""
    given = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert Quote("X", ts=given).ts == given
    assert pickle.loads(pickle.dumps(quote)) == quote
    ticked = Quote.tick("AAPL", D("1"), D("2"), D("1.5"), D("1.4"), D("100"), D("3"), D("4"), "P")
    assert type(ticked) is Quote and ticked.replace(ts=quote.ts) == quote  # a feed's way to build the same quote
    assert abs((ticked.ts - quote.ts).total_seconds()) < 60
    assert "bid=Decimal('1')" in repr(quote) and "ts=datetime" in repr(quote)


def test_a_partial_quote_in_a_batch_keeps_the_fields_an_earlier_quote_of_the_same_batch_sent() -> None:
    bus = EventBus()
    cache = QuoteCache(bus)
    view = cache.conflate(lambda: None)
    bus.publish_quotes([
        Quote("AAPL", D("1"), D("2"), D("1.5"), D("1.4"), D("100"), D("3"), D("4"), "P"),
        Quote("MSFT", D("9"), source="P"),
        Quote("AAPL", bid=D("1.1"), source="P"),  # only the bid changed
    ])
    merged = cache.latest("AAPL", "P")
    assert merged is not None
    assert (merged.bid, merged.ask, merged.last, merged.volume) == (D("1.1"), D("2"), D("1.5"), D("100"))
    assert [(q.symbol, q.bid) for q in view.drain()] == [("AAPL", D("1.1")), ("MSFT", D("9"))]
