"""Alpaca's snapshots (GET /v2/stocks/snapshots) as Quotes: the last trade, the previous close and the day's volume
beside the bid and ask. Pure, but for building the SDK's request.

The answer is an object keyed by symbol (alpaca-py's get_stock_snapshot with raw_data; a {"snapshots": {...}} wrapper
is read too), each {latestTrade {t,x,p,s,c,i,z}, latestQuote {t,ax,ap,as,bx,bp,bs,c,z}, minuteBar, dailyBar,
prevDailyBar} with bars {t,o,h,l,c,v,n,vw} (../shared/reference/alpaca-oanda.md A7; alpaca-py data/models/snapshots.py).
Any part may be null or absent: its fields stay None, and the quote cache keeps what it had for them.
"""

from __future__ import annotations

import warnings
from collections.abc import Collection, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "websockets.legacy is deprecated", DeprecationWarning)
    from alpaca.data.enums import DataFeed
    from alpaca.data.requests import StockSnapshotRequest

from core.adapters.alpaca.parsing import alpaca_time, decimal_of, parse_quote, parse_trade
from core.domain import Quote

SESSION_ZONE = ZoneInfo("America/New_York")
"""Alpaca's daily bars are stamped at midnight New York time of their session."""


class Newest:
    """The exchange time (µs since the epoch) of the newest streamed trade and quote of each symbol: a snapshot's
    trade or quote no newer than those is older news, and leaves `last` (or the bid and ask) to the stream."""

    __slots__ = ("quote", "trade")

    def __init__(self) -> None:
        self.trade: dict[str, int] = {}
        self.quote: dict[str, int] = {}


def snapshot_request(symbols: Collection[str], feed: str) -> StockSnapshotRequest:
    return StockSnapshotRequest(symbol_or_symbols=sorted(symbols), feed=DataFeed(feed))


def parse_snapshots(raw: object, wanted: Collection[str], source: str, newest: Newest | None = None) -> list[Quote]:
    """Return one Quote per wanted symbol the answer has a snapshot of (none from an empty or unreadable answer)."""
    if not isinstance(raw, Mapping):
        return []
    wrapped = raw.get("snapshots")
    by_symbol: Mapping[str, Any] = wrapped if isinstance(wrapped, Mapping) else raw
    quotes = []
    for symbol in wanted:
        snapshot = by_symbol.get(symbol)
        if isinstance(snapshot, Mapping):
            quotes.append(parse_snapshot(symbol, snapshot, source, newest))
    return quotes


def parse_snapshot(symbol: str, snapshot: Mapping[str, Any], source: str, newest: Newest | None = None) -> Quote:
    """One symbol's snapshot: bid and ask from latestQuote, last from latestTrade, close from prevDailyBar (the close
    of the session before dailyBar's) and volume from dailyBar (the session's volume so far on the account's feed).

    When the latest trade is of a later session than dailyBar (a new session's first trades before its bar), dailyBar
    is the previous session: its close is the close and the new session's volume is not known yet.
    """
    quote = _part(snapshot, "latestQuote")
    trade = _part(snapshot, "latestTrade")
    from_quote = parse_quote(symbol, quote, source) if quote is not None else None
    from_trade = parse_trade(symbol, trade, source) if trade is not None else None
    traded_at = from_trade.ts if from_trade is not None else None
    if newest is not None:
        if from_quote is not None and from_quote.epoch_us <= newest.quote.get(symbol, -1):
            from_quote = None
        if from_trade is not None and from_trade.epoch_us <= newest.trade.get(symbol, -1):
            from_trade = None
    close, volume = _close_and_volume(_part(snapshot, "dailyBar"), _part(snapshot, "prevDailyBar"), traded_at)
    moments = [q.epoch_us for q in (from_quote, from_trade) if q is not None]
    base = from_quote or Quote(symbol, source=source)
    fields: dict[str, Any] = {"close": close, "volume": volume}
    if from_trade is not None:
        fields["last"] = from_trade.last
    if moments:
        fields["epoch_us"] = max(moments)
    return base.replace(**fields)


def _close_and_volume(daily: Mapping[str, Any] | None, previous: Mapping[str, Any] | None,
                      traded_at: datetime | None) -> tuple[Decimal | None, Decimal | None]:
    close = decimal_of(previous.get("c")) if previous is not None else None
    volume = decimal_of(daily.get("v")) if daily is not None else None
    if daily is None or traded_at is None:
        return close, volume
    daily_at = alpaca_time(daily.get("t"))
    if daily_at is not None and daily_at.astimezone(SESSION_ZONE).date() < traded_at.astimezone(SESSION_ZONE).date():
        return decimal_of(daily.get("c")), None
    return close, volume


def _part(snapshot: Mapping[str, Any], name: str) -> Mapping[str, Any] | None:
    part = snapshot.get(name)
    return part if isinstance(part, Mapping) else None
