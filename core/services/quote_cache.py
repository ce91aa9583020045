"""QuoteCache: the newest quote per symbol, merged from partial ticks, for the risk engine and others."""

from __future__ import annotations

from dataclasses import replace

from core.domain import Quote
from core.services.bus import EventBus

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
        bus.subscribe(Quote, self._on_quote)

    def latest(self, symbol: str, account: str | None = None) -> Quote | None:
        """Return the merged quote for symbol from account's feed if it has one, else from any feed."""
        if account is not None:
            own = self._by_feed.get((account, symbol))
            if own is not None:
                return own
        return self._any.get(symbol)

    def _on_quote(self, quote: Quote) -> None:
        key = (quote.source, quote.symbol)
        previous = self._by_feed.get(key)
        if previous is not None:
            kept = {name: getattr(previous, name) for name in _FIELDS if getattr(quote, name) is None}
            if kept:
                quote = replace(quote, **kept)
        self._by_feed[key] = quote
        self._any[quote.symbol] = quote
