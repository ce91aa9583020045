"""IB time and sales: reqTickByTickData "AllLast" ticks published as TradePrint events.

AllLast carries no aggressor; a print at the ticker's ask is taken as a buy, at its bid as a sell (else None).
Error 10189 (tick-by-tick refused) and 10190 (too many tick-by-tick requests) end the request with a log line.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from core.domain import AccountId, Event, LogMessage, Side, utc_now
from core.domain.tape import TradePrint

REFUSED = frozenset({10189, 10190})


def _decimal(value: float) -> Decimal:
    return Decimal(str(value))


def _finite(value: Any) -> bool:
    return isinstance(value, float | int) and value == value and value > 0


class IbTape:
    """The tick-by-tick trade requests of one IB account.

    Events:
        TradePrint(symbol, source=account, price, size, aggressor): each AllLast tick.
        LogMessage(WARNING, text): when TWS refuses the request.
    """

    def __init__(self, account_id: AccountId, ib: Any, sink: Callable[[Event], None]) -> None:
        self._account_id = account_id
        self._ib = ib
        self._sink = sink
        self._by_symbol: dict[str, Any] = {}
        self._by_ticker: dict[int, str] = {}
        self._by_req_id: dict[int, str] = {}

    def subscribe(self, symbol: str, contract: Any) -> None:
        if symbol in self._by_symbol:
            return
        ticker = self._ib.reqTickByTickData(contract, "AllLast")
        req_id = self._ib.wrapper.ticker2ReqId["AllLast"].get(ticker, 0)
        self._by_symbol[symbol] = ticker
        self._by_ticker[id(ticker)] = symbol
        self._by_req_id[req_id] = symbol

    def unsubscribe(self, symbol: str) -> None:
        ticker = self._by_symbol.pop(symbol, None)
        if ticker is None:
            return
        self._by_ticker.pop(id(ticker), None)
        self._by_req_id = {r: s for r, s in self._by_req_id.items() if s != symbol}
        if self._ib.isConnected():
            self._ib.cancelTickByTickData(ticker.contract, "AllLast")

    def drop_all(self) -> list[str]:
        symbols = list(self._by_symbol)
        self._by_symbol.clear()
        self._by_ticker.clear()
        self._by_req_id.clear()
        return symbols

    def on_tickers(self, tickers: Iterable[Any]) -> None:
        for ticker in tickers:
            symbol = self._by_ticker.get(id(ticker))
            if symbol is None or not ticker.tickByTicks:
                continue
            for tick in ticker.tickByTicks:
                price: Any = getattr(tick, "price", None)
                size: Any = getattr(tick, "size", None)
                if not (_finite(price) and _finite(size)):
                    continue
                aggressor = (Side.BUY if _finite(ticker.ask) and price == ticker.ask
                             else Side.SELL if _finite(ticker.bid) and price == ticker.bid else None)
                self._sink(TradePrint(symbol, self._account_id, _decimal(price), _decimal(size), aggressor,
                                      ts=utc_now()))

    def on_error(self, req_id: int, code: int, message: str) -> bool:
        symbol = self._by_req_id.get(req_id)
        if symbol is None or code not in REFUSED:
            return False
        self.unsubscribe(symbol)
        self._sink(LogMessage("WARNING", f"IB {self._account_id}: no time and sales for {symbol} "
                                         f"(error {code}: {message})."))
        return True
