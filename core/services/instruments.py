"""InstrumentCatalog: every instrument the connected accounts can trade, by symbol."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from core.domain import Instrument


class InstrumentCatalog(Mapping[str, Instrument]):
    """A read-mostly map symbol -> Instrument; symbols are case-insensitive on lookup."""

    def __init__(self) -> None:
        self._by_symbol: dict[str, Instrument] = {}

    def add(self, instruments: Iterable[Instrument]) -> None:
        for instrument in instruments:
            self._by_symbol[instrument.symbol] = instrument

    def find(self, symbol: str) -> Instrument | None:
        """Return the instrument for symbol (exact, then case-insensitive), or None."""
        text = symbol.strip()
        found = self._by_symbol.get(text)
        if found is None:
            found = self._by_symbol.get(text.upper())
        return found

    def __getitem__(self, symbol: str) -> Instrument:
        return self._by_symbol[symbol]

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_symbol)

    def __len__(self) -> int:
        return len(self._by_symbol)
