"""Symbol search on IB: reqMatchingSymbols for the rows, reqContractDetails for futures expiries, and the option
chain (reqSecDefOptParams) for options.

TWS answers a pattern with up to 16 contract descriptions (stocks with their derivative types, index rows
for futures roots, currency pairs). Futures are listed per expiry from the root's contract details. Options
show only when the query narrows them (a second word: right, strike or expiry, e.g. "AAPL C 200"): their rows
come from the underlying's option parameters (expirations x strikes x call/put on SMART, one request however
long the chain), and the contract the trader picks is loaded then (reqContractDetails by symbol, expiry,
strike and right). A future's local symbol (ESH7) is looked up under its root. Searches of one pattern are
remembered for a minute: IB asks for at most one symbol search a second, and typing "ES 2027" after "ES"
asks again for nothing.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable, Iterable
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from ib_async import IB, Contract, ContractDetails

from core.adapters.ib.parsing import instrument_from_details, symbol_of, to_decimal
from core.domain import AccountId, AssetClass, Instrument
from core.domain.symbol_index import normalize
from core.ports.errors import InvalidInstrument
from core.ports.symbol_search import InstrumentMatch

T = TypeVar("T")
Request = Callable[[Awaitable[Any], str], Awaitable[Any]]
SEARCH_SPACING_S = 1.0
CACHE_S = 60.0
_FUTURE_LOCAL = re.compile(r"([A-Z0-9]{1,5}?)[FGHJKMNQUVXZ][0-9]{1,2}")
"""A future's local symbol: root, month code, year (ESH7, CLZ26)."""
MAX_DETAILS = 8
"""Stock rows whose names are read from contract details (TWS below 176 sends no description)."""


def parse_expiry(text: str) -> date | None:
    """Return the date of IB's lastTradeDateOrContractMonth (YYYYMMDD; YYYYMM gives the 1st), or None."""
    digits = text.strip()[:8]
    try:
        if len(digits) == 8:
            return date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
        if len(digits) == 6:
            return date(int(digits[:4]), int(digits[4:6]), 1)
    except ValueError:
        return None
    return None


def match_from_details(account_id: AccountId, details: ContractDetails) -> InstrumentMatch | None:
    """Return the match for one contract-details answer (stock, future, option or pair), or None if unsupported."""
    try:
        instrument = instrument_from_details(details)
    except ValueError:
        return None
    contract = details.contract
    assert contract is not None
    strike = to_decimal(contract.strike) if contract.secType == "OPT" else None
    return InstrumentMatch(
        account_id, instrument.symbol, details.longName, instrument.venue, instrument.currency,
        instrument.asset_class, root=contract.symbol if contract.secType != "CASH" else instrument.symbol,
        expiry=parse_expiry(contract.lastTradeDateOrContractMonth) if contract.secType in ("FUT", "OPT") else None,
        right=contract.right if contract.secType == "OPT" else "", strike=strike,
        contract_id=str(contract.conId) if contract.conId else "", tick_size=instrument.tick_size,
        multiplier=instrument.multiplier,
    )


class IbSymbolSearch:
    """The IB account's SymbolSearch, over the adapter's IB client and its request helper (time limit, errors)."""

    def __init__(self, account_id: AccountId, ib: IB, request: Request) -> None:
        self.account_id = account_id
        self._ib = ib
        self._request = request
        self._last_search = 0.0
        self._cache: dict[str, tuple[float, list[InstrumentMatch]]] = {}
        self._pacing = asyncio.Lock()

    async def search(self, query: str, limit: int) -> list[InstrumentMatch]:
        head, rest = normalize(query)
        if not head:
            return []
        matches = await self._rows(head, bool(rest))
        local = _FUTURE_LOCAL.fullmatch(head)
        if not matches and local is not None:  # TWS searches roots, not local symbols: ESH7 is found under ES
            matches = [m for m in await self._rows(local.group(1), False) if m.symbol.startswith(head)]
        if rest:
            matches = [m for m in matches if all(_fits(m, word) for word in rest)]
        return matches[:limit]

    async def details_of(self, contract: Contract, what: str) -> list[ContractDetails]:
        """Return IB's contract details; raise InvalidInstrument with IB's own reason when it has none."""
        reasons: list[str] = []

        def on_error(req_id: int, code: int, message: str, about: object) -> None:
            if about is contract:
                reasons.append(f"{message} (IB error {code})")

        self._ib.errorEvent += on_error
        try:
            found: list[ContractDetails] = await self._request(self._ib.reqContractDetailsAsync(contract),
                                                               f"contract details of {what}")
        finally:
            self._ib.errorEvent -= on_error
        if not found:
            reason = reasons[0] if reasons else "IB sent no contract details"
            raise InvalidInstrument(f"IB cannot load {what}: {reason}. It was not added.")
        return found

    async def instrument_for(self, match: InstrumentMatch, remember: Callable[[Any], Contract]) -> Instrument:
        """Load the match's contract details (by conId where known) and remember the contract for orders."""
        contract = Contract(conId=int(match.contract_id)) if match.contract_id.isdigit() else _contract_of(match)
        found = await self.details_of(contract, match.symbol)
        if len(found) != 1:
            raise InvalidInstrument(f"IB has {len(found)} contracts for {match.symbol}; pick one with its "
                                    "exchange and currency.")
        remember(found[0])
        return instrument_from_details(found[0])

    # --- the rows of one pattern -----------------------------------------------------------------

    async def _rows(self, head: str, narrowed: bool) -> list[InstrumentMatch]:
        key = f"{head}|{int(narrowed)}"
        cached = self._cache.get(key)
        if cached is not None and time.monotonic() - cached[0] < CACHE_S:
            return cached[1]
        async with self._pacing:
            wait = self._last_search + SEARCH_SPACING_S - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            self._last_search = time.monotonic()
            descriptions = await self._request(self._ib.reqMatchingSymbolsAsync(head), f"symbol search for {head}")
        rows: list[InstrumentMatch] = []
        expand: list[Awaitable[list[InstrumentMatch]]] = []
        named = 0
        for description in descriptions or []:
            contract: Contract = description.contract
            derived = set(description.derivativeSecTypes or ())
            if contract.secType == "STK":
                if named < MAX_DETAILS:
                    named += 1
                    expand.append(self._listed(Contract(conId=contract.conId), _stock_row(self.account_id,
                                                                                           contract)))
                else:
                    rows.append(_stock_row(self.account_id, contract))
            elif contract.secType == "CASH":
                expand.append(self._listed(Contract(conId=contract.conId), _pair_row(self.account_id, contract)))
            if "FUT" in derived:
                expand.append(self._listed(Contract(secType="FUT", symbol=contract.symbol,
                                                    exchange=contract.primaryExchange if contract.secType == "IND"
                                                    else "", currency=contract.currency)))
            if "OPT" in derived and narrowed and contract.secType == "STK":
                expand.append(self._chain(contract))
        for found in await asyncio.gather(*expand):
            rows.extend(found)
        self._cache[key] = (time.monotonic(), rows)
        return rows

    async def _chain(self, underlying: Contract) -> list[InstrumentMatch]:
        """The underlying's options on SMART, one row per expiry, strike and right, from reqSecDefOptParams."""
        chains = await self._request(self._ib.reqSecDefOptParamsAsync(underlying.symbol, "", underlying.secType,
                                                                      underlying.conId),
                                     f"option chain of {underlying.symbol}")
        chain = next((c for c in chains or () if c.exchange == "SMART"), None) or next(iter(chains or ()), None)
        if chain is None:
            return []
        return option_rows(self.account_id, underlying, chain.exchange, chain.tradingClass, chain.multiplier,
                           chain.expirations, chain.strikes)

    async def _listed(self, contract: Contract, fallback: InstrumentMatch | None = None) -> list[InstrumentMatch]:
        """The contracts IB lists for contract, as matches; the fallback row alone when it lists none."""
        try:
            found = await self.details_of(contract, contract.symbol or str(contract.conId))
        except InvalidInstrument:
            return [fallback] if fallback is not None else []
        matches = [m for m in (match_from_details(self.account_id, d) for d in found) if m is not None]
        return sorted(matches, key=lambda m: (m.expiry or date.min, m.right, m.strike or Decimal(0), m.symbol))


def option_rows(account_id: AccountId, underlying: Contract, exchange: str, trading_class: str, multiplier: str,
                expirations: Iterable[str], strikes: Iterable[float]) -> list[InstrumentMatch]:
    """Return a chain's rows (expiry, then strike, then call before put), named by the OCC local symbol."""
    rows = []
    for expiry in sorted(d for d in (parse_expiry(e) for e in expirations) if d is not None):
        for strike in sorted(d for d in (to_decimal(s) for s in strikes) if d is not None):
            for right in ("C", "P"):
                rows.append(InstrumentMatch(
                    account_id, occ_symbol(trading_class or underlying.symbol, expiry, right, strike),
                    getattr(underlying, "description", "") or "", exchange, underlying.currency,
                    AssetClass.OPTION, root=underlying.symbol, expiry=expiry, right=right, strike=strike,
                    multiplier=to_decimal(multiplier) if multiplier else None))
    return rows


def occ_symbol(root: str, expiry: date, right: str, strike: Decimal) -> str:
    """Return the OCC local symbol of a US equity option, as IB names it: 'AAPL  261218C00200000'."""
    return f"{root:<6}{expiry:%y%m%d}{right}{int(strike * 1000):08d}"


def _stock_row(account_id: AccountId, contract: Contract) -> InstrumentMatch:
    return InstrumentMatch(account_id, contract.symbol, getattr(contract, "description", "") or "",
                           contract.primaryExchange, contract.currency, AssetClass.STOCK, root=contract.symbol,
                           contract_id=str(contract.conId) if contract.conId else "")


def _pair_row(account_id: AccountId, contract: Contract) -> InstrumentMatch:
    symbol = f"{contract.symbol}.{contract.currency}"
    return InstrumentMatch(account_id, symbol, getattr(contract, "description", "") or "", "IDEALPRO",
                           contract.currency, AssetClass.FOREX, root=symbol,
                           contract_id=str(contract.conId) if contract.conId else "")


def _contract_of(match: InstrumentMatch) -> Contract:
    if match.kind is AssetClass.FOREX:
        base, _, quote = match.symbol.partition(".")
        return Contract(secType="CASH", symbol=base, currency=quote or match.currency, exchange="IDEALPRO")
    if match.kind is AssetClass.OPTION and match.expiry is not None and match.strike is not None and match.right:
        return Contract(secType="OPT", symbol=match.root, lastTradeDateOrContractMonth=f"{match.expiry:%Y%m%d}",
                        strike=float(match.strike), right=match.right, exchange=match.venue or "SMART",
                        currency=match.currency, multiplier=f"{match.multiplier.normalize():f}"
                        if match.multiplier is not None else "")
    if match.kind in (AssetClass.FUTURE, AssetClass.OPTION):
        return Contract(secType=match.kind.value, localSymbol=match.symbol, exchange=match.venue,
                        currency=match.currency)
    return Contract(secType="STK", symbol=match.symbol, exchange="SMART", primaryExchange=match.venue,
                    currency=match.currency)


_RIGHTS = {"C": "C", "CALL": "C", "P": "P", "PUT": "P"}


def _fits(match: InstrumentMatch, word: str) -> bool:
    """True if a narrowing word fits the match: an option's right or strike exactly, else anywhere in its text."""
    if match.kind is AssetClass.OPTION:
        if word in _RIGHTS:
            return match.right == _RIGHTS[word]
        if match.strike is not None and word.replace(".", "", 1).isdigit() and len(word) <= 5 and not (
                len(word) == 4 and word.startswith("20")):  # 2027 is a year; 200 and 187.5 are strikes
            return Decimal(word) == match.strike
    return word in _text(match)


def _text(match: InstrumentMatch) -> str:
    expiry = match.expiry.strftime("%Y%m%d %Y-%m-%d %b").upper() if match.expiry else ""
    strike = f"{match.strike.normalize():f}" if match.strike is not None else ""
    return " ".join((match.symbol, match.name, match.venue, match.currency, match.kind.value, match.right,
                     strike, expiry)).upper()


__all__ = ["IbSymbolSearch", "match_from_details", "parse_expiry", "symbol_of"]
