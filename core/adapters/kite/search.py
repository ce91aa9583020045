"""Kite symbol search: the instruments dump of each exchange (NSE, BSE, NFO, MCX, CDS), cached on disk per IST
day, indexed once per day for prefix lookup by tradingsymbol or name (lot size and tick size with each row)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from core.adapters.kite.instruments import InstrumentsFile
from core.adapters.kite.parsing import instrument_from_row
from core.adapters.kite.symbols import split_symbol, symbol_for
from core.domain import AccountId, AssetClass, Instrument
from core.domain.symbol_index import SymbolIndex
from core.ports.errors import BrokerError, InvalidInstrument
from core.ports.symbol_search import InstrumentMatch, match_of

log = logging.getLogger(__name__)
SEARCH_EXCHANGES = ("NSE", "BSE", "NFO", "MCX", "CDS")
RETRY_MISSING_S = 60.0
"""An exchange whose list could not be read is asked again after this long, not on every keystroke."""
Row = Mapping[str, Any]
_RIGHTS = {"CE": "C", "PE": "P"}


def expiry_of(raw: object) -> date | None:
    """Return a row's expiry: kiteconnect gives a date, the day's cache file an ISO string, stocks nothing."""
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    if isinstance(raw, str) and len(raw) >= 10:
        try:
            return date.fromisoformat(raw[:10])
        except ValueError:
            return None
    return None


def match_of_row(account_id: AccountId, row: Row, instrument: Instrument) -> InstrumentMatch:
    """Return the search match for one instruments-dump row."""
    kind = str(row.get("instrument_type") or "")
    strike: Decimal | None = None
    if instrument.asset_class is AssetClass.OPTION:
        try:
            strike = Decimal(str(row.get("strike"))).normalize()
        except InvalidOperation:
            strike = None
    derived = instrument.asset_class in (AssetClass.FUTURE, AssetClass.OPTION)
    tradingsymbol = split_symbol(instrument.symbol)[1]
    return match_of(account_id, instrument, root=instrument.name or tradingsymbol if derived else tradingsymbol,
                    expiry=expiry_of(row.get("expiry")) if derived else None, right=_RIGHTS.get(kind, ""),
                    strike=strike, contract_id=str(row.get("instrument_token") or ""))


def _positive(raw: object) -> bool:
    try:
        return Decimal(str(raw)) > 0
    except InvalidOperation:
        return False


class KiteSearch:
    """Search the day's instruments of every exchange; the lists load once a day (from disk when cached)."""

    def __init__(self, account_id: AccountId, fetch: Callable[[str], Awaitable[list[Row]]], cache_dir: str,
                 today: Callable[[], str], exchanges: tuple[str, ...] = SEARCH_EXCHANGES, home: str = "NSE",
                 freezes: Mapping[str, int] | None = None) -> None:
        """today() returns the IST day (YYYY-MM-DD) whose lists are current; home is the account's exchange, whose
        listings keep their bare tradingsymbol (see symbols.py)."""
        self.account_id = account_id
        self.home = home
        self._freezes = freezes
        self._today = today
        self._fetch = fetch
        self._cache_dir = cache_dir
        self.exchanges = exchanges
        self._day = ""
        self._index: SymbolIndex[Row] | None = None
        self._rows_by_key: dict[tuple[str, str], Row] = {}
        self._listed_on: dict[str, set[str]] = {}
        self._loading = asyncio.Lock()
        self._loaded_at = 0.0
        self.missing: tuple[str, ...] = ()
        """Exchanges whose list could not be read today (searched again at the next load)."""

    async def search(self, query: str, limit: int) -> list[InstrumentMatch]:
        index = await self._ensure(self._today())
        found = []
        for _, row in index.find(query, limit):
            instrument = instrument_from_row(row, self.symbol_of, self._freezes)
            if instrument is not None:
                found.append(match_of_row(self.account_id, row, instrument))
        return found

    async def entry_for(self, match: InstrumentMatch) -> tuple[Instrument, int]:
        """Return (instrument, instrument_token) of a match (loading today's lists if a restart left none);
        InvalidInstrument if today's list lacks it."""
        await self._ensure(self._today())
        row = self._rows_by_key.get((match.venue, split_symbol(match.symbol)[1]))
        instrument = instrument_from_row(row, self.symbol_of, self._freezes) if row is not None else None
        if row is None or instrument is None:
            raise InvalidInstrument(f"Kite's instruments list of today has no {match.symbol} on {match.venue}: "
                                    "it may have expired; search again.")
        return instrument, int(row["instrument_token"])

    def shared(self, tradingsymbol: str) -> bool:
        """True if today's lists (as far as loaded) show tradingsymbol on more than one exchange."""
        return len(self._listed_on.get(tradingsymbol, ())) > 1

    def symbol_of(self, exchange: str, tradingsymbol: str) -> str:
        """TradeTerm's symbol of a listing: "BSE:INFY" when INFY is also listed on the home exchange or another."""
        return symbol_for(exchange, tradingsymbol, self.home, self.shared(tradingsymbol))

    async def _ensure(self, day: str) -> SymbolIndex[Row]:
        async with self._loading:
            fresh = self._index is not None and self._day == day
            if fresh and (not self.missing or time.monotonic() - self._loaded_at < RETRY_MISSING_S):
                assert self._index is not None
                return self._index
            loaded = await asyncio.gather(*(self._rows(exchange, day) for exchange in self.exchanges),
                                          return_exceptions=True)
            missing: list[str] = []
            entries: list[tuple[str, str, str, Row]] = []
            self._rows_by_key = {}
            listed_on: dict[str, set[str]] = {}
            for exchange, rows in zip(self.exchanges, loaded, strict=True):
                if isinstance(rows, BaseException):
                    if not isinstance(rows, (BrokerError, OSError, ValueError)):
                        raise rows
                    log.warning("Kite %s: the %s instruments list could not be read: %s", self.account_id,
                                exchange, rows)
                    missing.append(exchange)
                    continue
                for row in rows:  # Instruments are made only for the rows a search shows: 100,000 rows load fast
                    symbol = str(row.get("tradingsymbol") or "").strip()
                    if not symbol or row.get("segment") == "INDICES" or not _positive(row.get("tick_size")):
                        continue
                    name = str(row.get("name") or "")
                    self._rows_by_key[(str(row.get("exchange") or exchange), symbol)] = row
                    listed_on.setdefault(symbol, set()).add(str(row.get("exchange") or exchange))
                    text = (f"{symbol} {name} {row.get('exchange')} {row.get('instrument_type')} "
                            f"{row.get('expiry') or ''} {row.get('strike') or ''}")
                    entries.append((symbol, name, text, row))
            index = await asyncio.to_thread(SymbolIndex, entries)  # off the loop's thread: the GUI keeps painting
            self._index, self._day, self.missing, self._listed_on = index, day, tuple(missing), listed_on
            self._loaded_at = time.monotonic()
            return self._index

    async def _rows(self, exchange: str, day: str) -> list[Row]:
        cache = InstrumentsFile(self._cache_dir, exchange, day)
        cached = cache.read()
        if cached is not None:
            return list(cached)
        rows = list(await self._fetch(exchange))
        cache.write(rows)
        return rows
