"""Market data and contract look-up as TWS serves them: reqContractDetails (9), reqMktData (1), cancel (2).

A listing is found by the contract fields ib_async sends (conId, symbol, type, exchange or primary exchange,
currency, local symbol, expiry); market data answers at once with the current quote and, unless a snapshot was
asked for, keeps ticking on every market step. `max_tickers` limits the lines per client (IB's error 101).
A mixin of TwsSimulator.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from tests.sims.tws.market import Listing, SimMarket
from tests.sims.tws.messages import ASK, BID, CLOSE, LAST, VOLUME

if TYPE_CHECKING:
    from tests.sims.tws.server import ClientConnection


@dataclass(slots=True)
class MarketSubscription:
    req_id: int
    listing: Listing


class MarketRequests:
    """Serve contract details and streaming market data; `_find` turns request contract fields into listings."""

    market: SimMarket
    max_tickers: int | None

    def _req_contract_details(self, conn: ClientConnection, f: list[str]) -> None:
        req_id = int(f[2])
        found = self._find(f[3:15])
        if not found:
            conn.send(conn.encoder.error(req_id, 200, "No security definition has been found for the request"))
            return
        for listing in found:
            conn.send(conn.encoder.contract_details(req_id, listing))
        conn.send(conn.encoder.contract_details_end(req_id))

    def _req_mkt_data(self, conn: ClientConnection, f: list[str]) -> None:
        req_id = int(f[2])
        found = self._find(f[3:15])
        if len(found) != 1:
            conn.send(conn.encoder.error(req_id, 200, "No security definition has been found for the request"))
            return
        listing = found[0]
        snapshot = f[-3] == "1"
        if self.max_tickers is not None and not snapshot and len(conn.market_data) >= self.max_tickers:
            conn.send(conn.encoder.error(req_id, 101, "Max number of tickers has been reached"))
            return
        self._send_ticks(conn, req_id, listing, first=True)
        if snapshot:
            conn.send(conn.encoder.tick_snapshot_end(req_id))
        else:
            conn.market_data[req_id] = MarketSubscription(req_id, listing)

    def _cancel_mkt_data(self, conn: ClientConnection, f: list[str]) -> None:
        conn.market_data.pop(int(f[2]), None)

    def _send_ticks(self, conn: ClientConnection, req_id: int, listing: Listing, first: bool = False) -> None:
        quote = self.market.quote(listing.key)
        enc = conn.encoder
        if quote.bid is not None:
            conn.send(enc.tick_price(req_id, BID, quote.bid, quote.bid_size or 1))
        if quote.ask is not None:
            conn.send(enc.tick_price(req_id, ASK, quote.ask, quote.ask_size or 1))
        if quote.last is not None:
            conn.send(enc.tick_price(req_id, LAST, quote.last, 1))
        if first and quote.close is not None:
            conn.send(enc.tick_price(req_id, CLOSE, quote.close, 0))
        if quote.volume is not None:
            conn.send(enc.tick_size(req_id, VOLUME, quote.volume))

    def _find(self, contract: list[str]) -> list[Listing]:
        con_id, symbol, sec_type, last_trade, strike, right, _mult, exchange, primary, currency, local, _tc = (
            contract
        )
        found = self.market.find(int(con_id or 0), symbol, sec_type, currency, local, exchange, last_trade)
        if not found and primary:
            found = self.market.find(int(con_id or 0), symbol, sec_type, currency, local, primary, last_trade)
        if con_id and int(con_id):
            return found
        wanted_strike = Decimal(strike) if strike and strike not in ("?", "") else Decimal(0)
        wanted_right = {"CALL": "C", "PUT": "P"}.get(right.upper(), right.upper()) if right not in ("?", "") else ""
        return [listing for listing in found  # an option is chosen by its strike and right too, as TWS does
                if (not wanted_strike or Decimal(listing.strike or 0) == wanted_strike)
                and (not wanted_right or listing.right == wanted_right)]
