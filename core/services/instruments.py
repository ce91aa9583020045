"""InstrumentCatalog: every instrument the connected accounts can trade, by symbol and by the account that lists it.

Two accounts may list the same symbol as different instruments (INFY: the NYSE ADR in USD on IB, the NSE share
in INR on Kite). The catalog keeps each account's own listing besides the global map (where the last one added
wins), so an order, a fill or a position of an account is read with that account's tick, lot and currency.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from core.domain import Instrument


class InstrumentCatalog(Mapping[str, Instrument]):
    """A read-mostly map symbol -> Instrument; symbols are case-insensitive on lookup.

    As a Mapping it is the global view (the instrument last added under each symbol); `find(symbol, account)`
    prefers the instrument that account itself lists.
    """

    def __init__(self) -> None:
        self._by_symbol: dict[str, Instrument] = {}
        self._by_account: dict[str, dict[str, Instrument]] = {}

    def add(self, instruments: Iterable[Instrument], account: str | None = None) -> None:
        """Add instruments; account: the account that lists (or traded) them, whose own lookups then find them."""
        own = self._by_account.setdefault(str(account), {}) if account is not None else None
        for instrument in instruments:
            self._by_symbol[instrument.symbol] = instrument
            if own is not None:
                own[instrument.symbol] = instrument

    def find(self, symbol: str, account: str | None = None) -> Instrument | None:
        """Return the instrument for symbol (exact, then case-insensitive), or None.

        With account: that account's own instrument when it lists the symbol, else the global one (a symbol
        only a feed or a search added).
        """
        text = symbol.strip()
        if account is not None:
            own = self._by_account.get(str(account))
            found = None if own is None else _lookup(own, text)
            if found is not None:
                return found
        return _lookup(self._by_symbol, text)

    def listed(self, account: str) -> Mapping[str, Instrument]:
        """Return the instruments account itself lists (or traded or found by a search), by symbol; no fallback."""
        return dict(self._by_account.get(str(account), {}))

    def listed_by(self, symbol: str, account: str) -> Instrument | None:
        """Return account's own instrument for symbol (exact, then case-insensitive), or None: it does not list it."""
        own = self._by_account.get(str(account))
        return None if own is None else _lookup(own, symbol.strip())

    def lists_any(self, account: str) -> bool:
        """Return whether account lists any instrument itself (an account that lists none may trade anything)."""
        return bool(self._by_account.get(str(account)))

    def accounts_listing(self, symbol: str) -> list[str]:
        """Return the accounts that list symbol themselves, in the order they were added."""
        text = symbol.strip()
        return [account for account, own in self._by_account.items() if _lookup(own, text) is not None]

    def __getitem__(self, symbol: str) -> Instrument:
        return self._by_symbol[symbol]

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_symbol)

    def __len__(self) -> int:
        return len(self._by_symbol)


def instrument_for(instruments: Mapping[str, Instrument], symbol: str, account: str | None) -> Instrument | None:
    """Return account's instrument for symbol from a catalog (see find), or the plain mapping's entry."""
    if isinstance(instruments, InstrumentCatalog):
        return instruments.find(symbol, account)
    return instruments.get(symbol)


def _lookup(by_symbol: Mapping[str, Instrument], text: str) -> Instrument | None:
    found = by_symbol.get(text)
    if found is None:
        found = by_symbol.get(text.upper())
    return found
