"""The Kite chaos run: the shared chaos driver (chaos_core.py) against KiteBroker (real kiteconnect over HTTP)
and the Kite simulator.

Kite is REST: a "disconnect" is a connection cut under a call. The simulator (tests/sims/kite/cuts.py)
aborts the HTTP connection of a place, modify or cancel before Kite acts (it never happened) or after (done at
Kite, the answer lost), and of the order-history poll that follows a place; it also ends the session at a random
instant (expire_tokens: every call answers TokenException until the trader logs in again) and stalls past the
client's timeout (the call times out here, Kite acts afterwards). Kite's impolite answers are on (KiteFaults:
30% of modifies answered 200 then refused by the OMS, answers held in OPEN / MODIFY / CANCEL PENDING).

The ticker is off (KiteTicker is Twisted and one per process): orders are followed by polling, and the world
feeds the simulator's quotes to the session as the ticker would. Kite's 10 orders/s limit stays on (the
adapter's throttle keeps to it); its 200 a minute and 3,000 a day are per real minute and day, which the
compressed chaos day would exceed by design, so they are lifted here (test_kite_realism.py covers them).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from core.adapters.kite.adapter import KiteBroker
from core.adapters.kite.config import KiteConfig
from core.adapters.kite.credentials import AccessToken
from core.domain import AccountId, OrderRequest, TimeInForce
from core.ports.broker import BrokerAdapter
from tests.adapters.chaos_core import ChaosWorld, RemoteOrder, positions_of
from tests.sims.kite.cuts import ChaosKiteSimulator
from tests.sims.kite.exchange import OPEN_STATES, PENDING_STATES
from tests.sims.kite.faults import KiteFaults
from tests.sims.kite.testing import sim_credentials, sim_settings

WORKING = frozenset((*OPEN_STATES, *PENDING_STATES, "PUT ORDER REQ RECEIVED", "VALIDATION PENDING"))
REQUEST_TIMEOUT_S = 0.6


class KiteDrop(StrEnum):
    PLACE_LOST = "cut_place_before_kite"
    PLACE_ANSWER_LOST = "cut_place_answer"
    HISTORY_CUT = "cut_order_history"  # the poll for the new order's verdict
    MODIFY_LOST = "cut_modify_before_kite"
    MODIFY_ANSWER_LOST = "cut_modify_answer"
    CANCEL_LOST = "cut_cancel_before_kite"
    CANCEL_ANSWER_LOST = "cut_cancel_answer"
    SESSION_ENDED = "session_ended"  # expire_tokens at a random instant of a place
    STALL = "stall_past_timeout"


_CUTS = {KiteDrop.PLACE_LOST: ("place", False), KiteDrop.PLACE_ANSWER_LOST: ("place", True),
         KiteDrop.HISTORY_CUT: ("history", False), KiteDrop.MODIFY_LOST: ("modify", False),
         KiteDrop.MODIFY_ANSWER_LOST: ("modify", True), KiteDrop.CANCEL_LOST: ("cancel", False),
         KiteDrop.CANCEL_ANSWER_LOST: ("cancel", True)}


class KiteChaos(ChaosWorld):
    broker = "kite"
    account = AccountId("KITE-CHAOS")
    symbols = ("INFY", "TCS")
    points = tuple(KiteDrop)
    day_length = 500

    async def start_broker(self) -> None:
        logging.getLogger("aiohttp.server").setLevel(logging.CRITICAL)  # a cut request's traceback, by design
        self.sim = ChaosKiteSimulator(tick_interval_s=0.02)
        self.sim.faults = KiteFaults(modify_refusals=0.3, pending_s=0.05)
        self.sim.orders_per_minute = 10**9
        self.sim.orders_per_day = 10**9
        self.sim.exchange.cash = self.sim.exchange.opening_cash = Decimal(10**9)
        await self.sim.start()
        self.past_orders: list[dict[str, Any]] = []
        self.past_trades: list[dict[str, Any]] = []

    async def stop_broker(self) -> None:
        await self.sim.stop()

    def make_adapter(self) -> BrokerAdapter:
        settings = sim_settings(self.sim, ticker=False, symbols=list(self.symbols), poll_interval_s=0.1,
                                request_timeout_s=REQUEST_TIMEOUT_S, order_timeout_s=1.0,
                                instruments_cache_dir=str(self.data_dir / "kite-instruments"))
        self.credentials = sim_credentials(self.sim)
        self.kite = KiteBroker(self.account, KiteConfig.from_mapping(settings), self.bus.publish, self.credentials)
        return self.kite

    def feed_quotes(self) -> None:
        for symbol in self.symbols:
            self.bus.publish(self.sim.exchange.market.quote(symbol))

    async def recover(self) -> None:
        """Kite ended the session: the trader logs in again (a fresh access token), then connects."""
        if self.kite.login_required:
            token = AccessToken(self.sim.issue_access_token(), datetime.now(UTC) + timedelta(hours=12),
                                self.sim.exchange.user_id)
            self.credentials.save_token(token)
        await super().recover()

    # --- one intent ------------------------------------------------------------------------------

    async def intent(self, point: StrEnum | None) -> None:
        changing = point in (KiteDrop.MODIFY_LOST, KiteDrop.MODIFY_ANSWER_LOST, KiteDrop.CANCEL_LOST,
                             KiteDrop.CANCEL_ANSWER_LOST)
        if changing and not self.working_resting():
            await self.place(self._limit(self.rng.randint(20, 60)))
            await self.ready()
        request = self._request()
        cuts_before = sum(self.sim.cut_done.values())
        if point in (KiteDrop.PLACE_LOST, KiteDrop.PLACE_ANSWER_LOST, KiteDrop.HISTORY_CUT):
            kind, after = _CUTS[point]  # type: ignore[index]
            self.sim.cuts[kind] = after
        elif point is KiteDrop.SESSION_ENDED:
            self.count_drop(point)
            asyncio.get_running_loop().call_later(self.rng.uniform(0, 0.02), self._end_session)
        elif point is KiteDrop.STALL:
            self.count_drop(point)
            self.sim.stall(REQUEST_TIMEOUT_S + 0.4)
        await self.place(request)
        self.sim.cuts.pop("place", None)
        self.sim.cuts.pop("history", None)
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
            self.count_drop(point)  # a cut whose call never came (refused before it was sent) is not counted
        await self.ready()
        await self.mix()

    def _end_session(self) -> None:
        task = asyncio.ensure_future(self.sim.expire_tokens())
        self._ending = task

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
        ticks = self.sim._ticks
        if ticks is not None:
            ticks.cancel()  # the simulator's market stops (stop() awaits the cancelled task)
            await asyncio.gather(ticks, return_exceptions=True)

    # --- days ------------------------------------------------------------------------------------

    async def new_day(self) -> None:
        """Kite's order book is per day: yesterday's orders and trades leave /orders and /trades."""
        exchange = self.sim.exchange
        self.past_orders += [dict(sim.order) for sim in exchange.orders.values()]
        self.past_trades += exchange.trades
        exchange.new_day()
        self.sim.orders_today = 0

    # --- the broker's books -------------------------------------------------------------------------

    def remote_orders(self) -> tuple[dict[str, list[RemoteOrder]], list[str]]:
        orders: dict[str, list[RemoteOrder]] = {}
        strays = []
        for order in self.past_orders + [dict(sim.order) for sim in self.sim.exchange.orders.values()]:
            if not order.get("tag"):
                strays.append(str(order["order_id"]))
                continue
            price = Decimal(str(order["price"])) if order["order_type"] in ("LIMIT", "SL") else None
            orders.setdefault(str(order["tag"]), []).append(RemoteOrder(
                str(order["order_id"]), Decimal(order["filled_quantity"]), order["status"] in WORKING,
                order["status"], Decimal(order["quantity"]), price))
        return orders, strays

    def remote_positions(self) -> dict[str, Decimal]:
        net: dict[str, Decimal] = {}
        for row in self.sim.exchange.position_lists()["net"]:
            net[row["tradingsymbol"]] = net.get(row["tradingsymbol"], Decimal(0)) + Decimal(row["quantity"])
        return positions_of(net)

    def remote_trade_ids(self) -> set[str]:
        return {str(t["trade_id"]) for t in self.past_trades + self.sim.exchange.trades}
