"""Tick-by-tick trades as TWS serves them: reqTickByTickData (97) "Last"/"AllLast" answered with msg 99, cancel (98).

Each market step that prints a trade (the session volume grows) sends every subscription of that listing one
tick: [99, reqId, tickType (1 Last, 2 AllLast), time (s), price, size, mask, exchange, specialConditions].
"BidAsk" and "MidPoint" are still refused with TWS's error 10189. A mixin of TwsSimulator.
"""

from __future__ import annotations

import time
from decimal import Decimal
from typing import TYPE_CHECKING

from core.domain import Quote
from tests.sims.tws.impolite import NO_TICK_BY_TICK
from tests.sims.tws.market import SimMarket

if TYPE_CHECKING:
    from tests.sims.tws.server import ClientConnection

TRADE_TYPES = {"Last": 1, "AllLast": 2}


class TapeRequests:
    """Serve tick-by-tick trades; `send_prints(quote)` after each market step."""

    market: SimMarket
    _sockets: set[ClientConnection]

    def _find(self, contract: list[str]) -> list:  # type: ignore[type-arg]  # provided by TwsSimulator
        raise NotImplementedError

    def _req_tick_by_tick(self, conn: ClientConnection, f: list[str]) -> None:
        req_id = int(f[1])
        kind = TRADE_TYPES.get(f[14])
        found = self._find(f[2:14])
        if kind is None:
            conn.send(conn.encoder.error(req_id, 10189, NO_TICK_BY_TICK))
            return
        if len(found) != 1:
            conn.send(conn.encoder.error(req_id, 200, "No security definition has been found for the request"))
            return
        conn.tape[req_id] = (found[0].key, kind)

    def _cancel_tick_by_tick(self, conn: ClientConnection, f: list[str]) -> None:
        conn.tape.pop(int(f[1]), None)

    def send_prints(self, quote: Quote) -> None:
        """Send a trade tick to every subscription of quote's listing when this step printed a trade."""
        volumes: dict[str, Decimal] = self.__dict__.setdefault("_tape_volumes", {})
        before = volumes.get(quote.symbol)
        volumes[quote.symbol] = quote.volume or Decimal(0)
        if before is None or quote.volume is None or quote.volume <= before or quote.last is None:
            return
        exchange = self.market.listings[quote.symbol].primary_exchange or self.market.listings[quote.symbol].exchange
        now = int(time.time())
        for conn in list(self._sockets):
            for req_id, (key, kind) in list(conn.tape.items()):
                if key == quote.symbol:
                    conn.send([99, req_id, kind, now, quote.last, quote.volume - before, 0, exchange, ""])
