"""LiveFx: an exchange rate from the currency pair a feed quotes: for risk's conversions that Risk limits has no
fixed rate for, and for the Funds dock's grand total.

An OANDA account in USD trading USD_JPY was refused every order ("No exchange rate from JPY to USD in Risk
limits") while the window showed USD_JPY's price: the rate was there, one click away. A fixed rate in Risk
limits still wins (the trader chose it); otherwise the newest mid of the pair on any feed is used, in either
direction: 1 JPY = 1 / mid(USD_JPY) USD, 1 EUR = mid(EUR_USD) USD.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from core.domain import Quote

_SEPARATORS = ("_", ".", "/", "")
"""How brokers spell a pair: OANDA USD_JPY, IB USD.JPY, USD/JPY, USDJPY."""


class LiveFx:
    """rate(currency, home): the value of one unit of currency in home, from a pair's live mid, or None."""

    def __init__(self, latest: Callable[[str], Quote | None]) -> None:
        self._latest = latest
        self._spellings: dict[tuple[str, str], tuple[tuple[str, bool], ...]] = {}

    def __call__(self, currency: str, home: str) -> Decimal | None:
        spellings = self._spellings.get((currency, home))
        if spellings is None:
            spellings = self._spellings[(currency, home)] = tuple(
                [(f"{currency}{s}{home}", False) for s in _SEPARATORS]
                + [(f"{home}{s}{currency}", True) for s in _SEPARATORS])
        for symbol, inverse in spellings:
            mid = _mid(self._latest(symbol))
            if mid is not None:
                return 1 / mid if inverse else mid
        return None


def _mid(quote: Quote | None) -> Decimal | None:
    if quote is None:
        return None
    if quote.bid is not None and quote.ask is not None and quote.bid > 0 and quote.ask > 0:
        return (quote.bid + quote.ask) / 2
    return quote.last if quote.last is not None and quote.last > 0 else None
