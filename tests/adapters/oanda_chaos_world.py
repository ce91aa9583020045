"""The OANDA chaos run: the shared chaos driver (chaos_core.py) against OandaBroker (aiohttp, v20 REST and
streams) and the OANDA simulator.

Drops: the connection of a place, cancel or modify is cut before OANDA acts (it never happened) or after (done at
OANDA, the answer lost: the adapter finds a place by our id); a place's answer comes after the client's timeout;
both streams break (and are refused for a moment), so transactions are missed and must be read back.
"""

from __future__ import annotations

import logging
from decimal import Decimal
from enum import StrEnum

from core.adapters.oanda.adapter import OandaBroker, create
from core.domain import AccountId, ClientOrderId, OrderRequest, TimeInForce
from core.ports.broker import BrokerAdapter
from tests.adapters.chaos_core import ChaosWorld, RemoteOrder, positions_of
from tests.sims.oanda.server import OandaSimulator
from tests.sims.oanda.testing import sim_settings

ORDER_TIMEOUT_S = 0.4


class OandaDrop(StrEnum):
    PLACE_LOST = "cut_place_before_oanda"
    PLACE_ANSWER_LOST = "cut_place_answer"
    PLACE_LATE = "place_answer_after_timeout"
    CANCEL_LOST = "cut_cancel_before_oanda"
    CANCEL_ANSWER_LOST = "cut_cancel_answer"
    MODIFY_LOST = "cut_modify_before_oanda"
    MODIFY_ANSWER_LOST = "cut_modify_answer"
    STREAMS_BROKEN = "streams_broken"


_CUTS = {OandaDrop.PLACE_LOST: ("place", False), OandaDrop.PLACE_ANSWER_LOST: ("place", True),
         OandaDrop.CANCEL_LOST: ("cancel", False), OandaDrop.CANCEL_ANSWER_LOST: ("cancel", True),
         OandaDrop.MODIFY_LOST: ("modify", False), OandaDrop.MODIFY_ANSWER_LOST: ("modify", True)}


class OandaChaos(ChaosWorld):
    broker = "oanda"
    account = AccountId("OANDA-CHAOS")
    symbols = ("EUR_USD", "GBP_USD")
    points = tuple(OandaDrop)
    day_length = 10**9

    async def start_broker(self) -> None:
        logging.getLogger("aiohttp.server").setLevel(logging.CRITICAL)  # a cut request's traceback, by design
        logging.getLogger("core.adapters.oanda.adapter").setLevel(logging.ERROR)
        self.sim = OandaSimulator(tick_interval_s=0.02)
        self.sim.exchange.fifo = False
        await self.sim.start()

    async def stop_broker(self) -> None:
        await self.sim.stop()

    def make_adapter(self) -> BrokerAdapter:
        settings = sim_settings(self.sim, symbols=list(self.symbols), request_timeout_s=1.0,
                                order_timeout_s=ORDER_TIMEOUT_S, reconnect_initial_s=0.05)
        self.oanda: OandaBroker = create(self.account, settings, self.bus.publish)
        return self.oanda

    def feed_quotes(self) -> None:
        for symbol in self.symbols:
            self.bus.publish(self.sim.exchange.market.quote(symbol))

    # --- one intent ------------------------------------------------------------------------------

    async def intent(self, point: StrEnum | None) -> None:
        changing = point in (OandaDrop.CANCEL_LOST, OandaDrop.CANCEL_ANSWER_LOST, OandaDrop.MODIFY_LOST,
                             OandaDrop.MODIFY_ANSWER_LOST)
        if changing and not self.working_resting():
            await self.place(self._limit(self.rng.randint(20, 60)))
            await self.ready()
        request = self._request()
        cuts_before = sum(self.sim.cut_done.values())
        if point in (OandaDrop.PLACE_LOST, OandaDrop.PLACE_ANSWER_LOST):
            kind, after = _CUTS[point]  # type: ignore[index]
            self.sim.cuts[kind] = after
        elif point is OandaDrop.PLACE_LATE:
            self.count_drop(point)
            self.sim.late_order_answer_s = ORDER_TIMEOUT_S + 0.2
        elif point is OandaDrop.STREAMS_BROKEN:
            self.count_drop(point)
            await self.sim.drop_streams(refuse_s=0.1)
        await self.place(request)
        self.sim.cuts.pop("place", None)
        self.sim.late_order_answer_s = 0.0
        if self.double_click():
            await self.place(request)
        if changing:
            assert point is not None
            kind, after = _CUTS[point]  # type: ignore[index]
            await self.ready()
            resting = self.working_resting()
            if resting:
                self.sim.cuts[kind] = after
                if kind == "modify":
                    await self.modify(self.rng.choice(resting))
                else:
                    await self.cancel(self.rng.choice(resting))
                self.sim.cuts.pop(kind, None)
        if point in _CUTS and sum(self.sim.cut_done.values()) > cuts_before:
            self.count_drop(point)
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
        return self._limit(self.rng.randint(20, 60))

    def _limit(self, ticks_away: int) -> OrderRequest:
        return self.limit_request(ticks_away, self.rng.randint(1, 20))

    async def before_check(self) -> None:
        ticker = self.sim._ticker
        if ticker is not None:
            ticker.cancel()  # the simulator's market stops (stop() awaits the cancelled task)
            await __import__("asyncio").gather(ticker, return_exceptions=True)

    # --- the broker's books -------------------------------------------------------------------------

    def remote_orders(self) -> tuple[dict[str, list[RemoteOrder]], list[str]]:
        """OANDA's orders by our id; an order replaced by a modify lives on in its replacement (same id)."""
        orders: dict[str, list[RemoteOrder]] = {}
        strays = []
        for sim in self.sim.exchange.orders.values():
            wire = sim.wire
            if wire.get("replacedByOrderID"):
                continue
            if not sim.client_id:
                strays.append(sim.id)
                continue
            fill = next((t for t in self.sim.exchange.transactions if t["type"] == "ORDER_FILL"
                         and t["orderID"] == sim.id), None)
            filled = abs(Decimal(fill["units"])) if fill else Decimal(0)
            price = Decimal(wire["price"]) if wire.get("type") in ("LIMIT", "STOP") else None
            orders.setdefault(sim.client_id, []).append(RemoteOrder(
                sim.id, filled, sim.state == "PENDING", sim.state, abs(Decimal(wire["units"])), price))
        return orders, strays

    def remote_positions(self) -> dict[str, Decimal]:
        return positions_of({name: held.units for name, held in self.sim.exchange.positions.items()})

    def remote_trade_ids(self) -> set[str]:
        return {f"OANDA-{t['id']}" for t in self.sim.exchange.transactions if t["type"] == "ORDER_FILL"}

    def coid_of(self, value: str) -> ClientOrderId:
        return ClientOrderId(value)
