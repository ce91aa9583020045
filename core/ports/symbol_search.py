"""SymbolSearch: an account whose broker can find instruments by symbol or name (an optional capability).

A search returns InstrumentMatch values, cheap to list; `instrument_for(match)` then loads the one the
trader picks (IB: its contract details) and returns the Instrument the account can trade, or raises
InvalidInstrument with the broker's reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Protocol, runtime_checkable

from core.domain import AccountId, AssetClass, Instrument


@dataclass(frozen=True, slots=True)
class InstrumentMatch:
    """One instrument a search found, and the account that can trade it.

    `symbol` is TradeTerm's key for it once added (IB: ESZ6 for a future, EUR.USD for forex); `root` is the
    underlying's symbol (ES for ESZ6, AAPL for an AAPL option; the symbol itself for stocks and forex).
    `expiry`, `right` ('C'/'P') and `strike` are set for futures and options; `contract_id` is the
    broker's own id where it has one (IB conId, Kite instrument_token).
    """

    account_id: AccountId
    symbol: str
    name: str
    venue: str
    currency: str
    kind: AssetClass
    root: str = ""
    expiry: date | None = None
    right: str = ""
    strike: Decimal | None = None
    contract_id: str = ""
    tick_size: Decimal | None = None
    lot_size: Decimal | None = None
    multiplier: Decimal | None = None

    @property
    def kind_text(self) -> str:
        """The type as a trader reads it: 'Stock', 'Future 2026-12-18', 'Option C 200 2026-12-18', 'Forex'."""
        label = _KIND_LABELS.get(self.kind, self.kind.value)
        if self.kind is AssetClass.OPTION:
            strike = "" if self.strike is None else f" {self.strike.normalize():f}"
            label = f"{label} {self.right}{strike}".rstrip()
        if self.expiry is not None and self.kind in (AssetClass.FUTURE, AssetClass.OPTION):
            label = f"{label} {self.expiry.isoformat()}"
        return label


_KIND_LABELS = {
    AssetClass.STOCK: "Stock", AssetClass.FUTURE: "Future", AssetClass.OPTION: "Option",
    AssetClass.FOREX: "Forex", AssetClass.INDEX: "Index",
}


@runtime_checkable
class SymbolSearch(Protocol):
    """An account that can search its broker's instruments. Checked with isinstance on the adapter.

    Implementers: `search_symbols` returns at most `limit` matches for a query of a symbol or name prefix
    (an empty list when nothing matches; never raises for "not found"), and raises a BrokerError only when
    the broker cannot be asked (not connected, timed out). `instrument_for` returns the Instrument for a
    match this adapter returned, ready to subscribe and trade on this account, or raises
    InvalidInstrument carrying the broker's reason (IB: error 200 "No security definition...").
    """

    async def search_symbols(self, query: str, limit: int) -> list[InstrumentMatch]:
        """Return up to limit instruments whose symbol or name matches query."""
        ...

    async def instrument_for(self, match: InstrumentMatch) -> Instrument:
        """Load the instrument a search found (contract details where the broker has them)."""
        ...




def match_of(account_id: AccountId, instrument: Instrument, **details: object) -> InstrumentMatch:
    """Return the InstrumentMatch describing an instrument an account already knows (paper, Kite's list)."""
    fields: dict[str, object] = {
        "root": instrument.symbol, "tick_size": instrument.tick_size, "lot_size": instrument.lot_size,
        "multiplier": instrument.multiplier,
    }
    fields.update(details)
    return InstrumentMatch(account_id, instrument.symbol, instrument.name, instrument.venue, instrument.currency,
                           instrument.asset_class, **fields)  # type: ignore[arg-type]
