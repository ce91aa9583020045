"""The Alpaca chaos run: the shared chaos driver (chaos_core.py) against AlpacaBroker (the real alpaca-py over HTTP)
and the Alpaca simulator, with its trade-updates stream.

Alpaca is REST: a "disconnect" is an order call whose connection is cut before Alpaca books the order (it never
happened: the order's fate is unknown until reconciled) or after (booked, the answer lost: found by our
client_order_id), a 504 from the gateway after booking, an answer later than the adapter waits, a 429, or the
trade-updates stream dropped (the SDK reconnects; the poll reads what it missed).
"""

from __future__ import annotations

import asyncio
import logging
from decimal import Decimal
from enum import StrEnum

from core.adapters.alpaca.adapter import AlpacaBroker, create
from core.domain import AccountId, OrderRequest, TimeInForce
from core.ports.broker import BrokerAdapter
from tests.adapters.chaos_core import ChaosWorld, RemoteOrder, positions_of
from tests.sims.alpaca.exchange import OPEN
from tests.sims.alpaca.server import AlpacaSimulator
from tests.sims.alpaca.testing import sim_settings

ORDER_TIMEOUT_S = 0.5


class AlpacaDrop(StrEnum):
    CUT_BEFORE_BOOKING = "cut_before_booking"
    CUT_AFTER_BOOKING = "cut_after_booking"
    GATEWAY_TIMEOUT = "gateway_timeout_after_booking"
    LATE_ANSWER = "answer_later_than_the_timeout"
    RATE_LIMITED = "rate_limited"
    STREAM_DROPPED = "trade_updates_dropped"


class AlpacaChaos(ChaosWorld):
    broker = "alpaca"
    account = AccountId("ALPACA-CHAOS")
    symbols = ("AAPL", "MSFT")
    points = tuple(AlpacaDrop)

    async def start_broker(self) -> None:
        logging.getLogger("aiohttp.server").setLevel(logging.CRITICAL)  # a cut request's traceback, by design
        logging.getLogger("alpaca.trading.stream").setLevel(logging.CRITICAL)  # the dropped stream's reconnects
        self.sim = AlpacaSimulator(tick_interval_s=0.02)
        self.sim.exchange.cash = Decimal(10**9)
        await self.sim.start()

    async def stop_broker(self) -> None:
        await self.sim.stop()

    def make_adapter(self) -> BrokerAdapter:
        settings = sim_settings(self.sim, symbols=list(self.symbols), poll_interval_s=0.1,
                                order_timeout_s=ORDER_TIMEOUT_S, request_timeout_s=2.0)
        self.alpaca: AlpacaBroker = create(self.account, settings, self.bus.publish)
        return self.alpaca

    async def intent(self, point: StrEnum | None) -> None:
        faults = self.sim.exchange.faults
        if point is AlpacaDrop.CUT_BEFORE_BOOKING:
            faults.cut_before = 1
        elif point is AlpacaDrop.CUT_AFTER_BOOKING:
            faults.cut_after = 1
        elif point is AlpacaDrop.GATEWAY_TIMEOUT:
            faults.gateway_timeouts = 1
        elif point is AlpacaDrop.LATE_ANSWER:
            faults.answer_delay_s = ORDER_TIMEOUT_S + 0.3
        elif point is AlpacaDrop.RATE_LIMITED:
            faults.rate_limited = 1
        elif point is AlpacaDrop.STREAM_DROPPED:
            await self.sim.trade_updates.drop()
        if point is not None:
            self.count_drop(point)
        request = self._request()
        await self.place(request)
        faults.cut_before = faults.cut_after = faults.gateway_timeouts = faults.rate_limited = 0
        faults.answer_delay_s = 0.0
        if self.double_click():
            await self.place(request)
        await self.ready()
        await self.mix()

    def _request(self) -> OrderRequest:
        roll = self.rng.random()
        quantity = self.rng.randint(1, 20)
        if roll < 0.45:
            return self.market_request(quantity)
        if roll < 0.65:
            return self.limit_request(-self.rng.randint(1, 5), quantity)  # marketable
        if roll < 0.70:
            return self.limit_request(self.rng.randint(20, 60), quantity, TimeInForce.IOC)
        return self.limit_request(self.rng.randint(20, 60), quantity)

    async def before_check(self) -> None:
        ticker = self.sim._ticker
        if ticker is not None:
            ticker.cancel()  # the simulator's market stops
            await asyncio.gather(ticker, return_exceptions=True)

    # --- the broker's books -------------------------------------------------------------------------

    def remote_orders(self) -> tuple[dict[str, list[RemoteOrder]], list[str]]:
        """Alpaca's orders under our client order id: a replaced order is the chain's last, with its first id."""
        orders = self.sim.exchange.orders
        result: dict[str, list[RemoteOrder]] = {}
        for order in orders.values():
            if order["status"] == "replaced":
                continue
            root = order
            while root.get("replaces"):
                root = orders[root["replaces"]]
            price = Decimal(order["limit_price"]) if order["limit_price"] is not None else None
            result.setdefault(str(root["client_order_id"]), []).append(RemoteOrder(
                str(root["id"]), Decimal(order["filled_qty"]), order["status"] in OPEN, order["status"],
                Decimal(order["qty"]), price))
        return result, []

    def remote_positions(self) -> dict[str, Decimal]:
        return positions_of({symbol: holding.qty for symbol, holding in self.sim.exchange.holdings.items()})

    def remote_trade_ids(self) -> set[str]:
        return {str(a["id"]) for a in self.sim.exchange.activities}
