"""Market depth as TWS serves it: reqMktDepth (10) answered with updateMktDepth (12) rows, cancel (11), error 309.

The book is the paper market's (core/adapters/paper/depth.py): synthesized levels around the simulator's
touch plus every client's resting limit orders. Each tick the simulator sends only what changed, the way
a careful TWS does (broker-protocols A2): rows are updated in place (1), new rows inserted at the bottom
(0), surplus rows deleted from the bottom (2), so a client that treats insert as "overwrite" (ib_async)
and one that treats it as "shift down" both end with the same book. A mixin of TwsSimulator.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from core.adapters.paper.depth import synthesize_book
from core.domain import Side, utc_now
from core.domain.depth import DepthBook
from tests.sims.tws.market import Listing, SimMarket
from tests.sims.tws.orders import OrderBook

if TYPE_CHECKING:
    from tests.sims.tws.server import ClientConnection

MAX_DEPTH_REQUESTS = 3
TOO_MANY = "Max number (3) of market depth requests has been reached."
MAX_ROWS = 10
INSERT, UPDATE, DELETE = 0, 1, 2
ASK, BID = 0, 1


@dataclass(slots=True)
class DepthSubscription:
    """One reqMktDepth of one client, and the rows it was last sent (per side)."""

    req_id: int
    listing: Listing
    rows: int
    sent: dict[int, list[tuple[Decimal, Decimal]]] = field(default_factory=lambda: {ASK: [], BID: []})


class DepthRequests:
    """Serve reqMktDepth/cancelMktDepth; `send_depth()` each tick; `depth_book(key)` is what clients are sent."""

    market: SimMarket
    book: OrderBook
    _sockets: set[ClientConnection]

    def _find(self, contract: list[str]) -> list:  # type: ignore[type-arg]  # provided by TwsSimulator
        raise NotImplementedError

    def _req_mkt_depth(self, conn: ClientConnection, f: list[str]) -> None:
        req_id = int(f[2])
        found = self._find(f[3:15])
        if len(found) != 1:
            conn.send(conn.encoder.error(req_id, 200, "No security definition has been found for the request"))
            return
        if len(conn.depth) >= MAX_DEPTH_REQUESTS:
            conn.send(conn.encoder.error(req_id, 309, TOO_MANY))
            return
        sub = DepthSubscription(req_id, found[0], max(1, min(int(f[15] or MAX_ROWS), MAX_ROWS)))
        conn.depth[req_id] = sub
        self._send_book(conn, sub)

    def _cancel_mkt_depth(self, conn: ClientConnection, f: list[str]) -> None:
        conn.depth.pop(int(f[2]), None)

    def depth_book(self, key: str, rows: int = MAX_ROWS) -> DepthBook | None:
        """Return the book of the listing keyed key (localSymbol), as clients are sent it now."""
        listing = self.market.listings[key]
        resting = [(Side.BUY if o.action == "BUY" else Side.SELL, o.limit_price, o.remaining)
                   for o in self.book.orders.values()
                   if o.is_working and o.listing.key == key and o.limit_price is not None and "LMT" in o.order_type]
        return synthesize_book(self.market.quote(key), listing.instrument(), resting, rows, "", utc_now())

    def send_depth(self) -> None:
        """Send every subscription the rows of its book that changed since it was last sent."""
        for conn in list(self._sockets):
            for sub in list(conn.depth.values()):
                self._send_book(conn, sub)

    def _send_book(self, conn: ClientConnection, sub: DepthSubscription) -> None:
        book = self.depth_book(sub.listing.key, sub.rows)
        if book is None:
            return
        for side, levels in ((BID, book.bids), (ASK, book.asks)):
            rows = [(level.price, level.size) for level in levels[:sub.rows]]
            old = sub.sent[side]
            for position, row in enumerate(rows):
                if position >= len(old):
                    conn.send([12, 1, sub.req_id, position, INSERT, side, row[0], row[1]])
                elif old[position] != row:
                    conn.send([12, 1, sub.req_id, position, UPDATE, side, row[0], row[1]])
            for position in reversed(range(len(rows), len(old))):
                price, _ = old[position]
                conn.send([12, 1, sub.req_id, position, DELETE, side, price, 0])
            sub.sent[side] = rows
