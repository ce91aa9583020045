"""QuoteCache: the newest quote per symbol, merged from partial ticks, for the risk engine and others."""

from __future__ import annotations

from dataclasses import replace

from core.domain import Quote
from core.services.bus import EventBus

_FIELDS = ("bid", "ask", "last", "close", "volume", "bid_size", "ask_size")


class QuoteCache:
    """Keep the latest value of every quote field per symbol; `ts` is the time of the newest tick."""

    def __init__(self, bus: EventBus) -> None:
        self._latest: dict[str, Quote] = {}
        bus.subscribe(Quote, self._on_quote)

    def latest(self, symbol: str) -> Quote | None:
        """Return the merged quote for symbol, or None if none has arrived."""
        return self._latest.get(symbol)

    def _on_quote(self, quote: Quote) -> None:
        previous = self._latest.get(quote.symbol)
        if previous is None:
            self._latest[quote.symbol] = quote
            return
        kept = {name: getattr(previous, name) for name in _FIELDS if getattr(quote, name) is None}
        self._latest[quote.symbol] = replace(quote, **kept) if kept else quote
