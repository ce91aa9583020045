"""The Alpaca simulator's tape: the trades its market prints, and what the data API says of them.

GET /v2/stocks/snapshots answers an object keyed by symbol, each {latestTrade, latestQuote, minuteBar, dailyBar,
prevDailyBar} (null where there is none), and GET /v2/stocks/trades/latest {"trades": {SYMBOL: {t,x,p,s,c,i,z}}}, as
the data API does (../shared/reference/alpaca-oanda.md A7; alpaca-py data/historical/stock.py). The previous close
is the market's (stable for the day); the day's bar is built from the trades printed since the simulator started,
its volume the market's; the market stream sends each print to "trades" subscribers.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from core.adapters.paper.market import Market
from tests.sims.alpaca.bars import made_up_bar
from tests.sims.alpaca.exchange import AlpacaError, AlpacaExchange, stamp

NEW_YORK = ZoneInfo("America/New_York")
PARTS = ("latestTrade", "latestQuote", "minuteBar", "dailyBar", "prevDailyBar")
KEPT_PRINTS = 10_000


@dataclass
class SnapshotFaults:
    """Faults of the data API's snapshots: parts left out (null), empty answers, 429 refusals."""

    left_out: set[str] = field(default_factory=set)
    """Snapshot parts (PARTS) answered as null, for every symbol."""
    empty: int = 0
    """The next n snapshot answers are {} (Alpaca has no data for the symbols)."""
    rate_limited: int = 0
    """The next n snapshot requests are refused with 429."""


@dataclass
class _Bar:
    """A bar being built from prints: {t,o,h,l,c,v,n,vw} once it has one."""

    start: datetime
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal = Decimal(0)
    trades: int = 0
    notional: Decimal = Decimal(0)

    def add(self, price: Decimal, size: Decimal) -> None:
        self.high, self.low, self.close = max(self.high, price), min(self.low, price), price
        self.volume += size
        self.trades += 1
        self.notional += price * size

    def answer(self, volume: Decimal | None = None) -> dict[str, Any]:
        shown = self.volume if volume is None else volume
        vwap = self.notional / self.volume if self.volume else self.close
        return {"t": stamp(self.start), "o": float(self.open), "h": float(self.high), "l": float(self.low),
                "c": float(self.close), "v": int(shown), "n": self.trades, "vw": float(round(vwap, 4))}


class Tape:
    """Record the market's prints after each step (`record`) and answer the data API's snapshots and latest trades."""

    def __init__(self, exchange: AlpacaExchange) -> None:
        self._exchange = exchange
        self._market: Market = exchange.market
        self._volumes = {symbol: self._market.quote(symbol).volume or Decimal(0) for symbol in exchange.by_symbol}
        self._trades: dict[str, dict[str, Any]] = {}
        self._days: dict[str, _Bar] = {}
        self._minutes: dict[str, _Bar] = {}
        self._ids = 0
        self.faults = SnapshotFaults()
        self.prints: deque[dict[str, Any]] = deque(maxlen=KEPT_PRINTS)
        """The newest prints, oldest first (a test checks that what it was shown was printed)."""

    def record(self, now: datetime | None = None) -> list[dict[str, Any]]:
        """Return the trades the market printed since the last call ({S,i,x,p,s,t,c,z}, t a datetime), one per
        symbol that traded; its size is what the market's volume grew by."""
        moment = now or datetime.now(UTC)
        prints = []
        for symbol in self._exchange.by_symbol:
            quote = self._market.quote(symbol)
            volume = quote.volume or Decimal(0)
            size = volume - self._volumes[symbol]
            if size <= 0 or quote.last is None:
                continue
            self._volumes[symbol] = volume
            self._ids += 1
            trade = {"S": symbol, "i": self._ids, "x": "V", "p": float(quote.last), "s": int(size), "t": moment,
                     "c": ["@"], "z": "C"}
            self._trades[symbol] = trade
            self._add(self._days, symbol, _session_start(moment), quote.last, size)
            self._add(self._minutes, symbol, moment.replace(second=0, microsecond=0), quote.last, size)
            prints.append(trade)
        self.prints.extend(prints)
        return prints

    def snapshots(self, query: dict[str, str]) -> dict[str, Any]:
        """GET /v2/stocks/snapshots?symbols=A,B&feed=: an object keyed by symbol (unknown symbols left out)."""
        faults = self.faults
        if faults.rate_limited > 0:
            faults.rate_limited -= 1
            raise AlpacaError(429, None, "too many requests.")
        if faults.empty > 0:
            faults.empty -= 1
            return {}
        answer = {}
        for symbol in _symbols(query):
            if symbol in self._exchange.by_symbol:
                parts = self._snapshot(symbol)
                answer[symbol] = {name: None if name in faults.left_out else parts[name] for name in PARTS}
        return answer

    def latest_trades(self, query: dict[str, str]) -> dict[str, Any]:
        """GET /v2/stocks/trades/latest?symbols=: {"trades": {SYMBOL: {t,x,p,s,c,i,z}}} of the symbols that traded."""
        return {"trades": {s: _rest_trade(self._trades[s]) for s in _symbols(query) if s in self._trades}}

    def _snapshot(self, symbol: str) -> dict[str, Any]:
        trade, day, minute = self._trades.get(symbol), self._days.get(symbol), self._minutes.get(symbol)
        return {
            "latestTrade": _rest_trade(trade) if trade is not None else None,
            "latestQuote": self._exchange.latest_quotes([symbol])["quotes"][symbol],
            "minuteBar": minute.answer() if minute is not None else None,
            "dailyBar": day.answer(self._volumes[symbol]) if day is not None else None,
            "prevDailyBar": self._previous_day(symbol),
        }

    def _previous_day(self, symbol: str) -> dict[str, Any]:
        """The last session's bar: repeatable (bars.py) but closing at the market's previous close."""
        start = _session_start(datetime.now(UTC)) - timedelta(days=1)
        while start.astimezone(NEW_YORK).weekday() >= 5:
            start -= timedelta(days=1)
        bar = made_up_bar(self._exchange.by_symbol[symbol], start, timedelta(days=1))
        close = float(self._market.closes()[symbol])
        return bar | {"c": close, "h": max(bar["h"], close), "l": min(bar["l"], close)}

    @staticmethod
    def _add(bars: dict[str, _Bar], symbol: str, start: datetime, price: Decimal, size: Decimal) -> None:
        bar = bars.get(symbol)
        if bar is None or bar.start != start:
            bar = bars[symbol] = _Bar(start, price, price, price, price)
        bar.add(price, size)


def _session_start(moment: datetime) -> datetime:
    """Midnight New York time of moment's day, in UTC: how Alpaca stamps a daily bar."""
    local = moment.astimezone(NEW_YORK)
    return datetime(local.year, local.month, local.day, tzinfo=NEW_YORK).astimezone(UTC)


def _rest_trade(trade: dict[str, Any]) -> dict[str, Any]:
    return {key: stamp(value) if key == "t" else value for key, value in trade.items() if key != "S"}


def _symbols(query: dict[str, str]) -> list[str]:
    symbols = [s for s in query.get("symbols", "").split(",") if s]
    if not symbols:
        raise AlpacaError(400, None, "missing symbols")
    return symbols
