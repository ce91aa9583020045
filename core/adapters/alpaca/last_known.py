"""LastKnown: fill each partial Alpaca quote with its symbol's last known fields before it leaves the adapter.

Alpaca sends a symbol's figures in pieces: a quote frame (bid, ask), a trade frame (last), a snapshot (previous close,
day's volume). The quote cache merges partial quotes, but other readers of the bus take each quote as it comes: the
portfolio marks a position at `last`, else the mid (a trade alone, then a quote alone, would mark it at the last
trade, then the mid, then the last...), a held stop triggers on the bid (a long's exit), else on `last` (a trade
without the bid would trigger it on the print), live bars price at `last`, else the mid. Whole quotes, as IB's are,
keep every reader as it was with a full feed.
"""

from __future__ import annotations

from collections.abc import Sequence

from core.domain import Quote
from core.ports.broker import QuoteSink

_FIELDS = ("bid", "ask", "last", "close", "volume", "bid_size", "ask_size")


class LastKnown:
    """A QuoteSink that fills each quote's missing fields from the symbol's previous quote, then hands it on."""

    def __init__(self, sink: QuoteSink) -> None:
        self._sink = sink
        self._known: dict[str, Quote] = {}

    def __call__(self, quotes: Sequence[Quote]) -> None:
        known = self._known
        whole = []
        for quote in quotes:
            before = known.get(quote.symbol)
            if before is not None:
                kept = {name: value for name in _FIELDS
                        if getattr(quote, name) is None and (value := getattr(before, name)) is not None}
                if kept:
                    quote = quote.replace(**kept)
            known[quote.symbol] = quote
            whole.append(quote)
        self._sink(whole)
