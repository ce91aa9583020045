"""The easytrader chaos run: the shared chaos driver (chaos_core.py) against EasytraderBroker and the simulator.

Disconnects are the simulator's dropped connections (Fault(route, DROP)): a /buy or /sell dropped before the
broker client acts (never placed) or after (placed, answer lost), the same for /cancel_entrust, and a poll of
today's entrusts dropped (the adapter reports RECONNECTING, then CONNECTED, and the session reconciles). Mixed
in are easytrader's impolite answers (EasytraderFaults): cancels answered with the client's own text and shown
已报待撤 before 已撤, and now and then a /buy or /sell answered "success" without an entrust number.

easytrader sends limit orders only, in lots of 100, and gives no prices: the world feeds the simulator's quotes
to the session as a separate market-data feed would. It cannot modify an order: each modify is refused by the
adapter (counted in modifies_refused, an expected outcome). The account starts with holdings the trader adopts
at the first connect (Accept broker state), so sells are possible on day one (A-shares are T+1).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import date
from decimal import Decimal
from enum import StrEnum

from core.adapters.easytrader.adapter import create
from core.adapters.easytrader.parsing import CHINA, trade_id
from core.domain import AccountId, OrderRequest, Side
from core.ports.broker import BrokerAdapter
from tests.adapters.chaos_core import ChaosWorld, RemoteOrder, positions_of
from tests.sims.easytrader.exchange import EasytraderFaults, SimExchange, SimOrder, SimTrade
from tests.sims.easytrader.server import EasytraderSimulator, Fault, FaultKind
from tests.sims.easytrader.testing import sim_credentials, sim_settings

STARTING_HOLDING = 10_000_000
LOT = 100
NO_ENTRUST_NO_SHARE = 0.03


class EasytraderDrop(StrEnum):
    ORDER_LOST_ON_THE_WAY = "drop_order_before_client"  # never placed
    ORDER_ANSWER_LOST = "drop_order_answer"  # placed, answer lost
    CANCEL_LOST_ON_THE_WAY = "drop_cancel_before_client"
    CANCEL_ANSWER_LOST = "drop_cancel_answer"
    POLL_DROPPED = "drop_poll"  # the adapter loses the server, then finds it again


class EasytraderChaos(ChaosWorld):
    broker = "easytrader"
    account = AccountId("ET-CHAOS")
    symbols = ("600000", "000001")
    points = tuple(EasytraderDrop)
    day_length = 500

    async def start_broker(self) -> None:
        exchange = SimExchange(cash=Decimal("100000000.00"), seed=self.seed,
                               faults=EasytraderFaults(cancel_pending_s=0.05))
        for symbol in self.symbols:
            exchange.hold(symbol, STARTING_HOLDING, exchange.quote(symbol).last or Decimal(1))
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one access-log line per request otherwise
        self.sim = EasytraderSimulator(tick_interval_s=0.02, stall_guard_s=5.0, exchange=exchange)
        self.sim.start()
        self.past_orders: list[SimOrder] = []
        self.past_trades: list[SimTrade] = []
        self.adopted = False

    async def stop_broker(self) -> None:
        await asyncio.to_thread(self.sim.stop)

    def make_adapter(self) -> BrokerAdapter:
        settings = sim_settings(self.sim, symbols=list(self.symbols), request_timeout_s=1.0, connect_timeout_s=0.5)
        return create(self.account, {**settings, "credentials": sim_credentials(self.sim)}, self.bus.publish)

    def feed_quotes(self) -> None:
        for symbol in self.symbols:
            self.bus.publish(self.sim.exchange.quote(symbol))

    async def ready(self) -> None:
        if not self.adopted and self.session is not None:
            self.adopted = True  # the trader's holdings from before TradeTerm: adopted once, journaled
            await self.session.accept_broker_state(self.account, "chaos trader")
            self.figures.problems.clear()  # the holdings' difference before they were adopted, expected
            self.figures.reconcile_alarms = 0
        await super().ready()

    # --- one intent ------------------------------------------------------------------------------

    async def intent(self, point: StrEnum | None) -> None:
        cancel_point = point in (EasytraderDrop.CANCEL_LOST_ON_THE_WAY, EasytraderDrop.CANCEL_ANSWER_LOST)
        if cancel_point and not self.working_resting():
            await self.place(self._limit(self.rng.randint(3, 20)))
            await self.ready()
        request = self._request()
        route = "/buy" if request.side is Side.BUY else "/sell"
        faults = self.sim.exchange.faults
        if point in (EasytraderDrop.ORDER_LOST_ON_THE_WAY, EasytraderDrop.ORDER_ANSWER_LOST):
            self.sim.inject(Fault(route, FaultKind.DROP, after=point is EasytraderDrop.ORDER_ANSWER_LOST))
            self.count_drop(point)
        elif point is EasytraderDrop.POLL_DROPPED:
            self.sim.inject(Fault("/today_entrusts", FaultKind.DROP))
            self.count_drop(point)
        elif point is None and self.rng.random() < NO_ENTRUST_NO_SHARE:
            faults.no_entrust_no, faults.entrust_appears_after_s = True, self.rng.uniform(0.0, 0.3)
            self.figures.impolite_answers += 1
        try:
            await self.place(request)
        finally:
            faults.no_entrust_no = False
        if self.double_click():
            await self.place(request)
        resting = self.working_resting()
        if cancel_point:
            assert point is not None
            self.sim.inject(Fault("/cancel_entrust", FaultKind.DROP, after=point is EasytraderDrop.CANCEL_ANSWER_LOST))
            self.count_drop(point)
            if resting:
                await self.cancel(self.rng.choice(resting))
        if point is not None:
            await self._dropped(point)
        await self.ready()
        await self.mix()

    async def _dropped(self, point: StrEnum) -> None:
        """Make sure the planned drop happened: a fault whose request never came is spent on a poll instead."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 2.0
        while any(f.times > 0 for f in self.sim._faults):
            if loop.time() > deadline:
                for fault in self.sim._faults:
                    fault.route = "/today_entrusts"
            await asyncio.sleep(0.01)
        self.sim._faults.clear()

    def _request(self) -> OrderRequest:
        roll = self.rng.random()
        if roll < 0.6:
            return self._limit(-self.rng.randint(1, 5))  # marketable (easytrader has no market orders)
        return self._limit(self.rng.randint(3, 20))

    def _limit(self, ticks_away: int) -> OrderRequest:
        return self.limit_request(ticks_away, LOT * self.rng.randint(1, 5))

    async def before_check(self) -> None:
        self.sim._stop.set()  # the simulator's market thread ends after its current tick
        await asyncio.to_thread(self.sim._threads[1].join, 5)

    # --- days ------------------------------------------------------------------------------------

    async def new_day(self) -> None:
        exchange = self.sim.exchange
        with exchange.lock:
            self.past_orders += exchange.orders
            self.past_trades += exchange.trades
            exchange.roll_day()

    # --- the broker's books -------------------------------------------------------------------------

    def remote_orders(self) -> tuple[dict[str, list[RemoteOrder]], list[str]]:
        assert self.session is not None
        ours = {str(o.broker_order_id): str(o.client_order_id) for o in self.session.oms.orders(self.account)
                if o.broker_order_id is not None}
        orders: dict[str, list[RemoteOrder]] = {}
        strays = []
        with self.sim.exchange.lock:
            everything = self.past_orders + list(self.sim.exchange.orders)
        for sim_order in everything:
            coid = ours.get(sim_order.entrust_no)
            if coid is None:
                strays.append(sim_order.entrust_no)
                continue
            orders.setdefault(coid, []).append(RemoteOrder(
                sim_order.entrust_no, Decimal(sim_order.filled), sim_order.working, sim_order.status,
                Decimal(sim_order.quantity), sim_order.price))
        return orders, strays

    def remote_positions(self) -> dict[str, Decimal]:
        with self.sim.exchange.lock:
            return positions_of({s: Decimal(h.total) for s, h in self.sim.exchange.holdings.items()})

    def remote_trade_ids(self) -> set[str]:
        with self.sim.exchange.lock:
            trades = self.past_trades + list(self.sim.exchange.trades)
        return {trade_id(_day(t), t.trade_no) for t in trades}

    def journaled_trade_ids(self, ids: set[str]) -> set[str]:
        return {t for t in ids if not t.startswith("ADJ-")}


def _day(trade: SimTrade) -> date:
    return trade.time.astimezone(CHINA).date()
