"""QuoteCache: the newest quote per feed and symbol, merged from partial ticks, and the one choice of feed."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from core.domain import Quote
from core.services.bus import EventBus
from core.services.conflation import Conflated
from core.services.reference_feeds import ReferenceFeeds

ConflatedQuotes = Conflated[str, Quote]
"""The merged quote of every watched symbol that changed since the last drain, by symbol (see Conflated)."""

_FIELDS = ("bid", "ask", "last", "close", "volume", "bid_size", "ask_size")


class _Watch:
    """What one conflated view asked for: some symbols (or all) from one feed (or each symbol's first)."""

    __slots__ = ("feed", "symbols", "view")

    def __init__(self, view: ConflatedQuotes, symbols: frozenset[str] | None, feed: str | None) -> None:
        self.view = view
        self.symbols = symbols
        self.feed = feed


class _Slot:
    """The merged quote of one (feed, symbol) and the views its quotes go to."""

    __slots__ = ("quote", "views")

    def __init__(self, views: tuple[ConflatedQuotes, ...]) -> None:
        self.quote: Quote | None = None
        self.views = views


class QuoteCache:
    """Merge partial ticks per feed and symbol and choose the feed each reader sees: the one place for both.

    A tick carries only the fields that changed; the cache keeps the latest value of every field per
    feed (the account whose market-data connection sent it) and symbol, and `ts` is the time of the
    newest tick. Every reader gets merged quotes, never raw ticks.

    The choice of feed: two accounts may quote the same symbol (a paper account and a broker).
    - `latest(symbol, account)`: the account's own feed, else the reference feed the trader chose for
      it (`references`, for accounts without market data), else None: never silently another
      account's market (an IB order is never priced or collared from the paper market). A quote
      without a source (one fed by hand or by a test) belongs to no account and stands in for any.
    - `latest(symbol)` (no account): the newest of any feed, for figures that belong to no account.
    - `quote_of(symbol, feed)`: that feed only.
    - `conflate(wake, feed=account)`: that feed only.
    - `conflate(wake)` (no feed): each symbol from the first feed that quoted it (`first_feed`), so a
      watchlist row shows one market, not two interleaved. A broker's feed takes the place of a simulated
      one (`simulated`, the paper market's) when it first quotes the symbol: a Kite trader's INFY row on
      auto shows NSE's price, not the paper market's, whichever account connected first.
    """

    def __init__(self, bus: EventBus, references: ReferenceFeeds | None = None) -> None:
        self.references = references if references is not None else ReferenceFeeds()
        """The reference feed chosen for each account without market data of its own."""
        self._slots: dict[tuple[str, str], _Slot] = {}
        self._any: dict[str, Quote] = {}
        self._first: dict[str, str] = {}
        self._simulated: frozenset[str] = frozenset()
        self._watches: tuple[_Watch, ...] = ()
        self._everywhere_first: tuple[ConflatedQuotes, ...] = ()
        self._everywhere_feed: dict[str, tuple[ConflatedQuotes, ...]] = {}
        self._by_symbol: dict[str, tuple[_Watch, ...]] = {}
        bus.subscribe_quotes(self._on_quotes)

    def latest(self, symbol: str, account: str | None = None) -> Quote | None:
        """Return symbol's merged quote on account's own feed, else on its chosen reference feed, else None.

        Without an account: the newest quote of any feed. `Quote.source` says which feed it is.
        """
        if account is None:
            return self._any.get(symbol)
        own = self._slots.get((account, symbol))
        if own is not None and own.quote is not None:
            return own.quote
        reference = self.references.of(account)
        if reference is not None:
            return self.quote_of(symbol, reference)
        return self.quote_of(symbol, "")

    def advice(self, account: str) -> str:
        """What to do when account has no quote (ReferenceFeeds.advice)."""
        return self.references.advice(account)

    def feeds_for(self, account: str) -> tuple[str, str]:
        """Return the feeds `latest(symbol, account)` reads, in order: account's own, then its reference feed (or
        the quotes of no feed). A view that shows `latest` for account watches both."""
        return account, self.references.of(account) or ""

    def quote_of(self, symbol: str, feed: str) -> Quote | None:
        """Return symbol's merged quote on exactly this feed, or None before its first quote there."""
        slot = self._slots.get((feed, symbol))
        return None if slot is None else slot.quote

    def simulated(self, feed: str) -> None:
        """Say that feed's market is simulated (core.ports.capabilities.SimulatedMarket): a broker's feed that
        quotes one of its symbols becomes that symbol's first feed."""
        self._simulated = self._simulated | {feed}

    def first_feed(self, symbol: str) -> str | None:
        """Return the feed that quoted symbol first (what `conflate` without a feed shows), or None."""
        return self._first.get(symbol)

    def conflate(
        self, wake: Callable[[], None], *, symbols: Iterable[str] | None = None, feed: str | None = None
    ) -> ConflatedQuotes:
        """Return a view of the newest merged quote per symbol since its last drain (see Conflated).

        symbols: the symbols it wants (None: every symbol quoted). feed: the account whose feed it
        wants (None: each symbol's first feed). The view keeps what it asked for until `reconflate`.
        """
        view: ConflatedQuotes = Conflated(wake)
        self._watches = (*self._watches, _Watch(view, None if symbols is None else frozenset(symbols), feed))
        self._reroute()
        return view

    def reconflate(self, view: ConflatedQuotes, *, symbols: Iterable[str] | None = None,
                   feed: str | None = None) -> None:
        """Change what view asked for; values already waiting in it stay if it still asks for them."""
        wanted = None if symbols is None else frozenset(symbols)
        for watch in self._watches:
            if watch.view is view:
                watch.symbols = wanted
                watch.feed = feed
        self._reroute()
        first = self._first
        for symbol, quote in view.take().items():
            if (wanted is None or symbol in wanted) and quote.source == (feed or first.get(symbol)):
                view.put(symbol, quote)

    def release(self, view: ConflatedQuotes) -> None:
        """Stop feeding a view returned by `conflate`."""
        self._watches = tuple(watch for watch in self._watches if watch.view is not view)
        self._reroute()

    def _reroute(self) -> None:
        """Sort the views by what they asked for, then re-route every (feed, symbol) already quoted."""
        everywhere_first: list[ConflatedQuotes] = []
        everywhere_feed: dict[str, tuple[ConflatedQuotes, ...]] = {}
        by_symbol: dict[str, tuple[_Watch, ...]] = {}
        for watch in self._watches:
            if watch.symbols is not None:
                for symbol in watch.symbols:
                    by_symbol[symbol] = (*by_symbol.get(symbol, ()), watch)
            elif watch.feed is None:
                everywhere_first.append(watch.view)
            else:
                everywhere_feed[watch.feed] = (*everywhere_feed.get(watch.feed, ()), watch.view)
        self._everywhere_first = tuple(everywhere_first)
        self._everywhere_feed = everywhere_feed
        self._by_symbol = by_symbol
        for key, slot in self._slots.items():
            slot.views = self._views_for(key)

    def _views_for(self, key: tuple[str, str]) -> tuple[ConflatedQuotes, ...]:
        """Return the views a quote of (feed, symbol) goes to (once per new pair: keep it cheap)."""
        source, symbol = key
        first = self._first.get(symbol)
        if first is None:
            first = self._first[symbol] = source
        views = self._everywhere_first if first == source else ()
        if self._everywhere_feed:
            views += self._everywhere_feed.get(source, ())
        watches = self._by_symbol.get(symbol) if self._by_symbol else None
        if watches:
            views += tuple(watch.view for watch in watches
                           if (watch.feed == source if watch.feed is not None else first == source))
        return views

    def _prefer(self, source: str, symbol: str) -> None:
        """Make a broker's feed symbol's first feed in place of a simulated one (the simulation's quotes stop
        going to the views that show each symbol's first feed)."""
        first = self._first.get(symbol)
        if first is None or first not in self._simulated:
            return
        self._first[symbol] = source
        slot = self._slots.get((first, symbol))
        if slot is not None:
            slot.views = self._views_for((first, symbol))

    def _on_quotes(self, quotes: Sequence[Quote]) -> None:
        slots, any_feed = self._slots, self._any
        for quote in quotes:
            symbol, bid, ask, last, close, volume, bid_size, ask_size, source, _ = quote  # one step for a tuple
            key = (source, symbol)
            slot = slots.get(key)
            if slot is None:  # the first quote of this (feed, symbol)
                if self._simulated and source and source not in self._simulated:
                    self._prefer(source, symbol)
                slot = slots[key] = _Slot(self._views_for(key))
            elif (bid is None or ask is None or last is None or close is None or volume is None or bid_size is None
                    or ask_size is None):
                previous = slot.quote
                if previous is not None:
                    kept = {name: getattr(previous, name) for name in _FIELDS if getattr(quote, name) is None}
                    if kept:
                        quote = quote.replace(**kept)
            slot.quote = quote
            any_feed[symbol] = quote
            for view in slot.views:
                view.put(symbol, quote)
