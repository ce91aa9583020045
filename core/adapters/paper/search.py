"""Symbol search over a paper account's instrument list (SymbolSearch), indexed once for fast prefix lookup."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from core.domain import AccountId, Instrument
from core.domain.symbol_index import SymbolIndex
from core.ports.errors import InvalidInstrument
from core.ports.symbol_search import InstrumentMatch, match_of


class InstrumentSearch:
    """Find a paper account's instruments by symbol or name; rebuild only when the list changes."""

    def __init__(self, account_id: AccountId, instruments: Iterable[Instrument]) -> None:
        self.account_id = account_id
        self._by_symbol = {i.symbol: i for i in instruments}
        self._index: SymbolIndex[Instrument] | None = None

    async def search(self, query: str, limit: int) -> list[InstrumentMatch]:
        if self._index is None:  # built once, off the loop's thread: 30,000 instruments take a few hundred ms
            self._index = await asyncio.to_thread(self._build)
        return [match_of(self.account_id, instrument) for _, instrument in self._index.find(query, limit)]

    def _build(self) -> SymbolIndex[Instrument]:
        return SymbolIndex((i.symbol, i.name, f"{i.symbol} {i.name} {i.venue} {i.currency} {i.asset_class}", i)
                           for i in self._by_symbol.values())

    def instrument_for(self, match: InstrumentMatch) -> Instrument:
        instrument = self._by_symbol.get(match.symbol)
        if instrument is None:
            raise InvalidInstrument(f"The paper account {self.account_id} lists no {match.symbol}.")
        return instrument
