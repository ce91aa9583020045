"""QuoteCache: the newest quote per symbol, merged from partial ticks, for the risk engine and others."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from core.domain import Quote
from core.services.bus import EventBus
from core.services.conflation import Conflated, ConflatedSources

ConflatedQuotes = Conflated[tuple[str, str], Quote]
"""The merged quote of every (feed, symbol) that changed since the last drain (see Conflated)."""

_FIELDS = ("bid", "ask", "last", "close", "volume", "bid_size", "ask_size")


class QuoteCache:
    """Keep the latest value of every quote field per feed and symbol; `ts` is the time of the newest tick.

    Two accounts may quote the same symbol (a paper account and a broker): an order or position of
    an account is checked against that account's own feed, and against another feed only when its
    own has not quoted the symbol.
    """

    def __init__(self, bus: EventBus) -> None:
        self._by_feed: dict[tuple[str, str], Quote] = {}
        self._any: dict[str, Quote] = {}
        self._sources: ConflatedSources[tuple[str, str], Quote] = ConflatedSources()
        bus.subscribe_quotes(self._on_quotes)

    def latest(self, symbol: str, account: str | None = None) -> Quote | None:
        """Return the merged quote for symbol from account's feed if it has one, else from any feed."""
        if account is not None:
            own = self._by_feed.get((account, symbol))
            if own is not None:
                return own
        return self._any.get(symbol)

    def conflate(self, wake: Callable[[], None]) -> ConflatedQuotes:
        """Return a view of the newest merged quote per (feed, symbol) since its last drain (see Conflated)."""
        return self._sources.conflate(wake)

    def release(self, view: ConflatedQuotes) -> None:
        """Stop feeding a view returned by `conflate`."""
        self._sources.release(view)

    def _on_quotes(self, quotes: Sequence[Quote]) -> None:
        by_feed, any_feed, views = self._by_feed, self._any, self._sources.views
        for quote in quotes:
            symbol, bid, ask, last, close, volume, bid_size, ask_size, source, _ = quote  # one step for a tuple
            key = (source, symbol)
            if (bid is None or ask is None or last is None or close is None or volume is None or bid_size is None
                    or ask_size is None):
                previous = by_feed.get(key)
                if previous is not None:
                    kept = {name: getattr(previous, name) for name in _FIELDS if getattr(quote, name) is None}
                    if kept:
                        quote = quote.replace(**kept)
            by_feed[key] = quote
            any_feed[symbol] = quote
            for view in views:
                view.put(key, quote)
