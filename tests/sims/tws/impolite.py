"""What a polite simulator used to leave unanswered: whatIf previews, and the data requests it does not serve.

TWS answers every request, with data or with an error carrying the request's id; ib_async waits
without a timeout for several of them (reqAllOpenOrders, reqExecutions, reqAccountSummary), so silence
hangs the client. A mixin of TwsSimulator, which provides the books and the connections.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from tests.sims.tws.market import SimMarket
from tests.sims.tws.orders import OrderBook
from tests.sims.tws.symbols import DELISTED, descriptions, symbol_samples

if TYPE_CHECKING:
    from tests.sims.tws.accounts import AccountView
    from tests.sims.tws.server import ClientConnection

WHAT_IF_INDEX_BEFORE_177 = 85
"""placeOrder's whatIf field (84 from server 177 on, where faProfile is gone)."""
NO_HISTORY = "Historical Market Data Service error message:HMDS query returned no data: {symbol}@{exchange} Trades"
NO_DEPTH = "Deep market data is not supported for this combination of security/exchange"
NO_TICK_BY_TICK = "Failed to request tick-by-tick data:the simulated TWS serves no tick-by-tick data"
INITIAL_MARGIN = {"STK": Decimal("0.25"), "FUT": Decimal("0.08"), "OPT": Decimal(1), "CASH": Decimal("0.03")}


def is_what_if(f: list[str], server_version: int) -> bool:
    """Return True if a placeOrder (msg 3) only asks for a margin preview."""
    index = WHAT_IF_INDEX_BEFORE_177 - (1 if server_version >= 177 else 0)
    return len(f) > index and f[index] == "1"


@dataclass(frozen=True, slots=True)
class WhatIfFigures:
    """The OrderState a whatIf preview carries (strings on the wire, as TWS sends them)."""

    init_before: Decimal
    maint_before: Decimal
    equity_before: Decimal
    init_change: Decimal
    maint_change: Decimal
    commission: Decimal
    currency: str


class ImpoliteRequests:
    """Answer whatIf and the data requests as TWS does, or with TWS's error for the request's id."""

    accounts: tuple[str, ...]
    book: OrderBook
    market: SimMarket
    accounts_view: AccountView
    server_version: int

    def _find(self, contract: list[str]) -> list:  # type: ignore[type-arg]  # provided by TwsSimulator
        raise NotImplementedError

    # --- whatIf ----------------------------------------------------------------------------------

    def _what_if(self, conn: ClientConnection, order_id: int, f: list[str], fields: dict[str, str]) -> None:
        """Answer a preview with openOrder(whatIf=1, margins, commission) only: never booked, never worked."""
        found = self._find(f[2:14])
        if len(found) != 1:
            conn.send(conn.encoder.error(order_id, 200, "No security definition has been found for the request"))
            return
        listing = found[0]
        self.book.high_water[conn.client_id] = max(order_id, self.book.high_water.get(conn.client_id, 0))
        preview = self.book.preview(conn.client_id, order_id, listing, fields)
        price = preview.limit_price or self.market.mark(listing.key)
        notional = preview.quantity * price * listing.contract_multiplier
        account = preview.account
        equity = Decimal(next(v for k, v, _ in self.accounts_view.values(account) if k == "NetLiquidation"))
        held = sum((abs(h.quantity) * self.market.mark(k) * self.market.listings[k].contract_multiplier
                    for a, k, h in self.book.positions(account)), Decimal(0))
        rate = INITIAL_MARGIN.get(listing.sec_type, Decimal("0.25"))
        figures = WhatIfFigures(
            init_before=(held * rate).quantize(Decimal("0.01")), maint_before=(held * rate).quantize(Decimal("0.01")),
            equity_before=equity.quantize(Decimal("0.01")), init_change=(notional * rate).quantize(Decimal("0.01")),
            maint_change=(notional * rate).quantize(Decimal("0.01")),
            commission=listing.commission(preview.quantity, price), currency=listing.currency,
        )
        conn.send(conn.encoder.open_order(preview, figures))

    # --- data requests ---------------------------------------------------------------------------

    def _req_historical_data(self, conn: ClientConnection, f: list[str]) -> None:
        req_id = int(f[1])
        conn.send(conn.encoder.error(req_id, 162, NO_HISTORY.format(symbol=f[3] or f[12], exchange=f[9])))

    def _req_head_timestamp(self, conn: ClientConnection, f: list[str]) -> None:
        req_id = int(f[1])
        conn.send(conn.encoder.error(req_id, 162, NO_HISTORY.format(symbol=f[3] or f[12], exchange=f[9])))

    def _req_mkt_depth(self, conn: ClientConnection, f: list[str]) -> None:
        conn.send(conn.encoder.error(int(f[2]), 10092, NO_DEPTH))

    def _req_mkt_depth_exchanges(self, conn: ClientConnection, f: list[str]) -> None:
        conn.send([80, 0])

    def _req_tick_by_tick(self, conn: ClientConnection, f: list[str]) -> None:
        conn.send(conn.encoder.error(int(f[1]), 10189, NO_TICK_BY_TICK))

    def _req_matching_symbols(self, conn: ClientConnection, f: list[str]) -> None:
        """Answer symbol search (79): see tests/sims/tws/symbols.py (delisted rows included, no details)."""
        rows = descriptions(self.market.listings.values()) + list(DELISTED)
        conn.send(symbol_samples(int(f[1]), f[2], rows, self.server_version))  # type: ignore[arg-type]

    def _req_all_open_orders(self, conn: ClientConnection, f: list[str]) -> None:
        """Every working order of every client (reqAllOpenOrders), then openOrderEnd."""
        for order in [o for o in self.book.orders.values() if o.is_working]:
            conn.send(conn.encoder.open_order(order))
            conn.send(conn.encoder.order_status(order))
        conn.send(conn.encoder.open_order_end())
