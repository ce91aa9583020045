"""TradeTerm's symbol for a Kite listing: the tradingsymbol, or "EXCH:TRADINGSYMBOL" where it is needed.

NSE and BSE list the same companies under the same tradingsymbol (INFY on both). TradeTerm keys instruments,
quotes, orders and positions by one symbol, so a listing on another exchange than the account's home exchange
(KiteConfig.exchange) whose tradingsymbol is also listed elsewhere is named in Kite's own notation, "BSE:INFY":
its orders go to BSE and its prices come from BSE's ticks. Every other listing keeps its bare tradingsymbol
(INFY on the home exchange, HDFCBANK listed on BSE only, NIFTY26DECFUT on NFO), so existing symbols do not change.
"""

from __future__ import annotations

from collections.abc import Callable

SEPARATOR = ":"
SymbolOf = Callable[[str, str], str]
"""(exchange, tradingsymbol) -> TradeTerm's symbol."""


def qualified(exchange: str, tradingsymbol: str) -> str:
    """Return Kite's "EXCH:TRADINGSYMBOL" notation."""
    return f"{exchange}{SEPARATOR}{tradingsymbol}"


def split_symbol(symbol: str) -> tuple[str | None, str]:
    """Return (exchange, tradingsymbol) of "BSE:INFY", or (None, symbol) for a bare tradingsymbol."""
    head, sep, tail = symbol.partition(SEPARATOR)
    if sep and head.isalpha() and head.isupper() and tail:
        return head, tail
    return None, symbol


def symbol_for(exchange: str, tradingsymbol: str, home: str, listed_elsewhere: bool) -> str:
    """Return TradeTerm's symbol for a listing: qualified only off the home exchange and when it would collide."""
    if not exchange or exchange == home or not listed_elsewhere:
        return tradingsymbol
    return qualified(exchange, tradingsymbol)


class KiteSymbols:
    """The symbols one Kite account has handed out, both ways: symbol <-> (exchange, tradingsymbol).

    `shared(tradingsymbol)` says whether the day's instruments lists show it on more than one exchange; it names
    listings this account has not handed out yet (a fill of an order placed on Kite's own site).
    """

    def __init__(self, home: str, shared: Callable[[str], bool]) -> None:
        self.home = home
        self._shared = shared
        self._by_listing: dict[tuple[str, str], str] = {}
        self._exchanges: dict[str, set[str]] = {}

    def remember(self, symbol: str, exchange: str) -> None:
        """Record that symbol names exchange's listing (done for every instrument the account can trade)."""
        tradingsymbol = split_symbol(symbol)[1]
        self._by_listing[(exchange, tradingsymbol)] = symbol
        self._exchanges.setdefault(tradingsymbol, set()).add(exchange)

    def symbol_of(self, exchange: str, tradingsymbol: str) -> str:
        """Return TradeTerm's symbol for a listing Kite reports (an order, a trade, a position)."""
        known = self._by_listing.get((exchange, tradingsymbol))
        if known is not None:
            return known
        elsewhere = bool(self._exchanges.get(tradingsymbol, set()) - {exchange}) or self._shared(tradingsymbol)
        return symbol_for(exchange, tradingsymbol, self.home, elsewhere)

    def listing_of(self, symbol: str, venue: str) -> tuple[str, str]:
        """Return (exchange, tradingsymbol) to send for an instrument of this account."""
        exchange, tradingsymbol = split_symbol(symbol)
        return exchange or venue, tradingsymbol


def as_listed(exchange: str, tradingsymbol: str) -> str:
    """The resolver that keeps Kite's tradingsymbol (for a single-exchange account or a test without one)."""
    del exchange
    return tradingsymbol
