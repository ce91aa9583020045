"""IbMarketData: IbBroker's market data: symbol search, quotes, depth, tape and historical bars."""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, TypeVar

from ib_async import IB, Contract, Ticker

from core.adapters.ib.depth import IbDepth
from core.adapters.ib.history import BAR_SIZES, ends_now, request_history, to_bars
from core.adapters.ib.kept_bars import IbKeptBars
from core.adapters.ib.parsing import parse_quote
from core.adapters.ib.search import IbSymbolSearch
from core.adapters.ib.tape import IbTape
from core.domain import AccountId, Instrument
from core.domain.bars import Bar
from core.ports.bar_history import HistoryUnavailable
from core.ports.broker import QuoteSink
from core.ports.depth_feed import DEFAULT_DEPTH_ROWS
from core.ports.errors import InvalidInstrument
from core.ports.symbol_search import InstrumentMatch

T = TypeVar("T")


class _Broker(Protocol):
    """What the market-data methods use of IbBroker (adapter.py)."""

    account_id: AccountId
    _ib: IB
    _quotes: QuoteSink
    _instruments: dict[str, Instrument]
    _symbols_by_con_id: dict[int, str]
    _subscribed: dict[str, Instrument]
    _search: IbSymbolSearch
    _depth: IbDepth
    _depth_wanted: dict[str, tuple[Instrument, int]]
    _tape: IbTape
    _tape_wanted: dict[str, Instrument]
    _kept_bars: IbKeptBars

    @property
    def is_connected(self) -> bool: ...
    def _require_connected(self, action: str) -> None: ...
    async def _request(self, awaitable: Awaitable[T], what: str) -> T: ...
    async def _qualify(self, instrument: Instrument) -> Contract: ...
    def _remember(self, details: Any) -> Contract: ...


class IbMarketData:
    """Mixin of IbBroker: SymbolSearch, quotes (subscribe), BarHistory, DepthFeed and TimeAndSales.

    Depth and tape wanted here are asked again after a reconnect (IbBroker._open).
    """

    async def search_symbols(self: _Broker, query: str, limit: int) -> list[InstrumentMatch]:
        """Find IB contracts by symbol or name: stocks, futures by expiry, pairs; options when narrowed."""
        self._require_connected("search")
        return await self._search.search(query, limit)

    async def instrument_for(self: _Broker, match: InstrumentMatch) -> Instrument:
        """Load a found contract's details; raise InvalidInstrument with IB's reason when it has none."""
        self._require_connected("add the instrument")
        return await self._search.instrument_for(match, self._remember)

    async def subscribe(self: _Broker, instruments: Sequence[Instrument]) -> None:
        """Stream quotes for these instruments (qualified first); raise InvalidInstrument naming any IB lacks."""
        unknown: list[str] = []
        for instrument in instruments:
            try:
                contract = await self._qualify(instrument) if self.is_connected else None
            except InvalidInstrument:
                unknown.append(instrument.symbol)
                continue
            self._subscribed[instrument.symbol] = instrument
            if contract is not None:
                self._ib.reqMktData(contract)
        if unknown:
            raise InvalidInstrument(
                f"IB has no contract for {', '.join(unknown)}: check symbol, exchange and currency."
            )

    def history_intervals(self) -> frozenset[timedelta]:
        """The chart timeframes IB serves as historical bars (BarHistory)."""
        return frozenset(BAR_SIZES)

    async def history(self: _Broker, symbol: str, interval: timedelta, start: datetime, end: datetime) -> list[Bar]:
        """Return IB's TRADES bars of symbol; raise HistoryUnavailable with IB's reason (162 pacing, no data).

        Bars up to now are asked with keepUpToDate and kept (KeptBars): the bar under way is then
        published as a Bar each time TWS updates it, until release_bars. A second chart of the same
        pair reads the kept bars instead of asking TWS again (which would be a pacing violation).
        """
        self._require_connected("load the chart")
        instrument = self._instruments.get(symbol) or self._subscribed.get(symbol)
        if instrument is None:
            raise HistoryUnavailable(f"IB account {self.account_id} does not list {symbol}.")
        live = ends_now(end)
        kept = self._kept_bars.held(symbol, interval, start) if live else None
        if kept is not None:
            return to_bars(kept, symbol, self.account_id, interval, start, end)
        contract = await self._qualify(instrument)
        items = await request_history(self._ib, contract, self._request, symbol, interval, start, end, keep_up=live)
        if live:
            self._kept_bars.keep(symbol, interval, items)
        return to_bars(items, symbol, self.account_id, interval, start, end)

    def keeps_bars(self: _Broker, symbol: str, interval: timedelta) -> bool:
        """Whether TWS keeps symbol's bar of interval up to date for the chart now (KeptBars)."""
        return self._kept_bars.keeps(symbol, interval)

    def release_bars(self: _Broker, symbol: str, interval: timedelta) -> None:
        """Let go of one chart's hold on symbol's kept bars; the last one cancels the subscription (KeptBars)."""
        self._kept_bars.release(symbol, interval)

    async def _renew_kept_bars(self: _Broker) -> None:
        """Ask TWS again for the kept bars after a reconnect (ib_async dropped the old subscriptions)."""

        async def again(symbol: str, interval: timedelta) -> object:
            instrument = self._instruments.get(symbol) or self._subscribed.get(symbol)
            if instrument is None:
                return []
            now = datetime.now(UTC)
            contract = await self._qualify(instrument)
            return await request_history(self._ib, contract, self._request, symbol, interval,
                                         now - interval * 2, now, keep_up=True)

        await self._kept_bars.renew(again)

    async def subscribe_depth(self: _Broker, instrument: Instrument, rows: int = DEFAULT_DEPTH_ROWS) -> None:
        """Ask TWS for instrument's market depth (reqMktDepth); asked again after a reconnect (DepthFeed)."""
        self._depth_wanted[instrument.symbol] = (instrument, rows)
        if self.is_connected:
            self._depth.subscribe(instrument.symbol, await self._qualify(instrument), rows)

    async def unsubscribe_depth(self: _Broker, symbol: str) -> None:
        """Cancel symbol's market depth (DepthFeed)."""
        self._depth_wanted.pop(symbol, None)
        self._depth.unsubscribe(symbol)

    async def subscribe_tape(self: _Broker, instrument: Instrument) -> None:
        """Ask TWS for instrument's tick-by-tick trades (AllLast); asked again after a reconnect (TimeAndSales)."""
        self._tape_wanted[instrument.symbol] = instrument
        if self.is_connected:
            self._tape.subscribe(instrument.symbol, await self._qualify(instrument))

    async def unsubscribe_tape(self: _Broker, symbol: str) -> None:
        """Cancel symbol's tick-by-tick trades (TimeAndSales)."""
        self._tape_wanted.pop(symbol, None)
        self._tape.unsubscribe(symbol)

    def _on_tickers(self: _Broker, tickers: set[Ticker]) -> None:
        self._depth.on_tickers(tickers)
        self._tape.on_tickers(tickers)
        quotes = []
        for ticker in tickers:
            symbol = self._symbols_by_con_id.get(ticker.contract.conId) if ticker.contract else None
            if symbol is None or symbol not in self._subscribed:
                continue
            quote = parse_quote(symbol, ticker, source=self.account_id)
            if quote is not None:
                quotes.append(quote)
        if quotes:
            self._quotes(quotes)
