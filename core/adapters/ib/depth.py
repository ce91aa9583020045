"""IB market depth: reqMktDepth rows applied to our own book, published as whole DepthBook events.

TWS sends each side as positions 0..n-1 with insert (0), update (1) and delete (2) operations
(msg 12, or 13 with a market maker). TWS's meaning is a list: insert at a position shifts the rows below
down, delete shifts them up, update overwrites. ib_async's own domBids/domAsks keep insertion order
instead (broker-protocols A2), so the adapter applies the raw MktDepthData ticks (ticker.domTicks) to a
DomSide here. Errors 309 (too many depth requests), 10092 (no deep data), 316 (halted) and 317 (reset)
are turned into a book with a note, so the ladder says it shows top of book only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from core.domain import AccountId, utc_now
from core.domain.depth import BookLevel, DepthBook

INSERT, UPDATE, DELETE = 0, 1, 2
ASK, BID = 0, 1
REFUSED = frozenset({309, 310, 316, 10092})
"""Depth errors after which the request is gone: the ladder falls back to top of book."""
RESET = 317


class DomSide:
    """One side of a TWS depth book: rows by position, changed by insert, update and delete."""

    def __init__(self) -> None:
        self.rows: list[tuple[Decimal, Decimal]] = []

    def apply(self, position: int, operation: int, price: Decimal, size: Decimal) -> None:
        """Apply one depth row operation as TWS means it (an out-of-range delete is ignored)."""
        rows = self.rows
        if operation == INSERT:
            rows.insert(min(position, len(rows)), (price, size))
        elif operation == UPDATE:
            if position < len(rows):
                rows[position] = (price, size)
            else:
                rows.append((price, size))
        elif operation == DELETE and position < len(rows):
            del rows[position]

    def levels(self) -> tuple[BookLevel, ...]:
        return tuple(BookLevel(price, size) for price, size in self.rows)


@dataclass(slots=True)
class _Subscription:
    symbol: str
    ticker: Any
    req_id: int
    bids: DomSide = field(default_factory=DomSide)
    asks: DomSide = field(default_factory=DomSide)


def _decimal(value: float) -> Decimal:
    return Decimal(str(value))


class IbDepth:
    """The depth requests of one IB account: reqMktDepth per symbol, their books, their errors.

    Events:
        DepthBook(symbol, source=account, bids, asks): after every batch of depth rows TWS sends;
            with empty sides and a note when TWS refuses or stops the request.
    """

    def __init__(self, account_id: AccountId, ib: Any, sink: Callable[[DepthBook], None]) -> None:
        self._account_id = account_id
        self._ib = ib
        self._sink = sink
        self._by_symbol: dict[str, _Subscription] = {}
        self._by_ticker: dict[int, _Subscription] = {}
        self._by_req_id: dict[int, _Subscription] = {}

    def subscribe(self, symbol: str, contract: Any, rows: int) -> None:
        """Ask TWS for symbol's depth (nothing when already asked)."""
        if symbol in self._by_symbol:
            return
        ticker = self._ib.reqMktDepth(contract, numRows=rows)
        req_id = self._ib.wrapper.ticker2ReqId["mktDepth"].get(ticker, 0)
        sub = _Subscription(symbol, ticker, req_id)
        self._by_symbol[symbol] = sub
        self._by_ticker[id(ticker)] = sub
        self._by_req_id[req_id] = sub

    def unsubscribe(self, symbol: str) -> None:
        """Cancel symbol's depth request."""
        sub = self._forget(symbol)
        if sub is not None and self._ib.isConnected():
            self._ib.cancelMktDepth(sub.ticker.contract)

    def symbols(self) -> list[str]:
        return list(self._by_symbol)

    def drop_all(self) -> list[str]:
        """Forget every request (the connection is gone); return their symbols to ask again after reconnect."""
        symbols = list(self._by_symbol)
        self._by_symbol.clear()
        self._by_ticker.clear()
        self._by_req_id.clear()
        return symbols

    def on_tickers(self, tickers: Iterable[Any]) -> None:
        """Apply the depth rows each ticker received in this batch; publish each changed book once."""
        for ticker in tickers:
            sub = self._by_ticker.get(id(ticker))
            if sub is None or not ticker.domTicks:
                continue
            for tick in ticker.domTicks:
                side = sub.bids if tick.side == BID else sub.asks
                side.apply(tick.position, tick.operation, _decimal(tick.price), _decimal(tick.size))
            self._sink(DepthBook(sub.symbol, self._account_id, sub.bids.levels(), sub.asks.levels(), ts=utc_now()))

    def on_error(self, req_id: int, code: int, message: str) -> bool:
        """Handle a depth request's error; return True if req_id was one of ours."""
        sub = self._by_req_id.get(req_id)
        if sub is None:
            return False
        if code == RESET:
            sub.bids.rows.clear()
            sub.asks.rows.clear()
            return True
        if code in REFUSED:
            self._forget(sub.symbol)
            self._ib.wrapper.endTicker(sub.ticker, "mktDepth")
            note = f"IB refused market depth for {sub.symbol} (error {code}: {message}) — top of book only."
            self._sink(DepthBook(sub.symbol, self._account_id, note=note, ts=utc_now()))
            return True
        return False

    def _forget(self, symbol: str) -> _Subscription | None:
        sub = self._by_symbol.pop(symbol, None)
        if sub is not None:
            self._by_ticker.pop(id(sub.ticker), None)
            self._by_req_id.pop(sub.req_id, None)
        return sub
