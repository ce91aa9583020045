"""KiteMarketData: KiteBroker's instruments, quotes, chart history, depth and time-and-sales from Kite."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from core.adapters.kite.depth import no_depth_note
from core.adapters.kite.history import KITE_INTERVALS, request_range, to_bars
from core.adapters.kite.instruments import InstrumentsFile, catalog_of
from core.adapters.kite.parsing import IST, KiteMode, parse_tick
from core.adapters.kite.rest import KiteRestBase
from core.domain import Instrument, utc_now
from core.domain.bars import Bar
from core.domain.depth import DepthBook
from core.ports.bar_history import HistoryUnavailable
from core.ports.depth_feed import DEFAULT_DEPTH_ROWS
from core.ports.errors import BrokerError, InvalidInstrument
from core.ports.symbol_search import InstrumentMatch


class KiteMarketData(KiteRestBase):
    """The market-data half of KiteBroker: SymbolSearch, BarHistory, DepthFeed, TimeAndSales and quote ticks."""

    def instruments(self) -> Sequence[Instrument]:
        """Return the watchlist instruments found in today's instruments list (empty before connect)."""
        return tuple(self._catalog[s][0] for s in self.config.symbols if s in self._catalog)

    async def search_symbols(self, query: str, limit: int) -> list[InstrumentMatch]:
        """Find instruments on NSE, BSE, NFO, MCX and CDS in today's lists (SymbolSearch; loaded once a day)."""
        return await self._search.search(query, limit)

    async def instrument_for(self, match: InstrumentMatch) -> Instrument:
        """Return a found instrument (lot and tick from the list) and make it tradeable on this account."""
        instrument, token = await self._search.entry_for(match)
        self._catalog.setdefault(instrument.symbol, (instrument, token))
        self._symbols_by_token.setdefault(token, instrument.symbol)
        self._symbols.remember(instrument.symbol, instrument.venue)
        return instrument

    def find_instrument(self, symbol: str) -> Instrument | None:
        found = self._catalog.get(symbol)
        return found[0] if found is not None else None

    async def _load_instruments(self) -> None:
        """Load today's instruments of the exchange, from the day's cache file if there is one."""
        day = self._now().astimezone(IST).strftime("%Y-%m-%d")
        if self._catalog and self._catalog_day == day:
            return
        cache = InstrumentsFile(self.config.instruments_cache_dir, self.config.exchange, day)
        rows = cache.read()
        if rows is None:
            rows = list(await self._rest(self._kite.instruments, self.config.exchange, halting=False))
            cache.write(rows)
        self._catalog, self._catalog_day = catalog_of(rows, self.config.freeze_quantities), day
        self._symbols_by_token = {token: symbol for symbol, (_, token) in self._catalog.items()}
        for symbol, (instrument, _) in self._catalog.items():
            self._symbols.remember(symbol, instrument.venue)

    async def subscribe(self, instruments: Sequence[Instrument]) -> None:
        """Stream quotes for these instruments; raise InvalidInstrument naming any Kite does not list."""
        unknown = [i.symbol for i in instruments if self._catalog and i.symbol not in self._catalog]
        for instrument in instruments:
            if instrument.symbol not in unknown:
                self._subscribed[instrument.symbol] = instrument
        if self._ticker is not None:
            self._ticker.subscribe(self._catalog[s][1] for s in self._subscribed if s in self._catalog)
        if unknown:
            raise InvalidInstrument(f"Kite lists no {', '.join(unknown)} on {self.config.exchange}.")

    def history_intervals(self) -> frozenset[timedelta]:
        """The chart timeframes Kite serves as historical candles (BarHistory)."""
        return frozenset(KITE_INTERVALS)

    async def history(self, symbol: str, interval: timedelta, start: datetime, end: datetime) -> list[Bar]:
        """Return Kite's candles of symbol; raise HistoryUnavailable saying why Kite refused."""
        self._require_connected("load the chart")
        if symbol not in self._catalog:
            raise HistoryUnavailable(f"Kite {self.account_id} does not list {symbol}.")
        since, until = request_range(interval, start, end, IST)
        try:
            rows = await self._rest(self._kite.historical_data, self._catalog[symbol][1], since, until,
                                    KITE_INTERVALS[interval])
        except BrokerError as exc:
            raise HistoryUnavailable(f"Kite refused the {symbol} history: {exc}") from None
        return to_bars(rows, symbol, self.account_id, interval, start, end)

    async def subscribe_depth(self, instrument: Instrument, rows: int = DEFAULT_DEPTH_ROWS) -> None:
        """Publish the 5-level book of each full-mode tick of instrument (DepthFeed); a note in other modes."""
        if self.config.ticker_mode is not KiteMode.FULL:
            self._sink(DepthBook(instrument.symbol, self.account_id, note=no_depth_note(self.config.ticker_mode.value)))
            return
        if instrument.symbol not in self._subscribed:
            await self.subscribe([instrument])
        self._market_depth.depth.add(instrument.symbol)

    async def unsubscribe_depth(self, symbol: str) -> None:
        """Stop publishing symbol's book (its quotes stream on) (DepthFeed)."""
        self._market_depth.depth.discard(symbol)

    async def subscribe_tape(self, instrument: Instrument) -> None:
        """Publish a TradePrint for each tick of instrument whose volume grew (TimeAndSales)."""
        if instrument.symbol not in self._subscribed:
            await self.subscribe([instrument])
        self._market_depth.tape.setdefault(instrument.symbol, None)

    async def unsubscribe_tape(self, symbol: str) -> None:
        """Stop publishing symbol's trades (TimeAndSales)."""
        self._market_depth.tape.pop(symbol, None)

    def _on_ticks(self, ticks: list[dict[str, Any]]) -> None:
        quotes = []
        for tick in ticks:
            symbol = self._symbols_by_token.get(int(tick.get("instrument_token", 0)))
            if symbol is not None and symbol in self._subscribed:
                quotes.append(parse_tick(tick, symbol, self.account_id))
                for event in self._market_depth.on_tick(tick, symbol, utc_now()):
                    self._sink(event)
        if quotes:
            self._quotes(quotes)
