"""The paper chaos run: the shared chaos driver (chaos_core.py) against PaperBroker with its books on disk.

Paper has no network to lose, so its "disconnects" are the two ways its link to the app ends:
- the account is disconnected while an order, a cancel or a modify is on its way (the adapter's simulated
  latency is the wire): the call then fails with ConnectionLost, or has been booked and is reported on the
  way out; the trader connects again and the session reconciles;
- the app dies (CRASH) with an order on its way: the process's session, journal connection and PaperBroker are
  abandoned mid-call (nothing they do afterwards is heard), and a new session restores the journal and a new
  PaperBroker reads the paper books back from the same state file, as after a SIGKILL and a restart
  (tests/adapters/paper_crash_child.py kills a real process at fixed points; this does it at random ones).
"""

from __future__ import annotations

import asyncio
from decimal import Decimal
from enum import StrEnum

from core.adapters.paper.adapter import PaperBroker
from core.adapters.paper.config import PaperConfig
from core.domain import AccountId, ClientOrderId, Event, TimeInForce
from core.ports.broker import BrokerAdapter
from core.services.bus import EventBus
from tests.adapters.chaos_core import ChaosWorld, RemoteOrder, positions_of

LATENCY_S = 0.004


class PaperDrop(StrEnum):
    ON_SEND = "disconnect_while_sending"  # within the submit's latency: never booked
    AFTER_BOOKING = "disconnect_after_booking"  # booked, its report on the way
    ON_CANCEL = "disconnect_while_canceling"
    ON_MODIFY = "disconnect_while_modifying"
    RANDOM = "disconnect_at_random"
    CRASH = "crash_and_restart"  # the app dies with an order on its way


class _Gate:
    """The dead process's ears: once closed, nothing an abandoned adapter publishes reaches anyone."""

    def __init__(self, bus: EventBus) -> None:
        self.bus = bus
        self.open = True

    def __call__(self, event: Event) -> None:
        if self.open:
            self.bus.publish(event)


class PaperChaos(ChaosWorld):
    broker = "paper"
    account = AccountId("PAPER-CHAOS")
    symbols = ("AAPL", "MSFT")
    points = tuple(PaperDrop)
    day_length = 10**9  # paper's day is the UTC date: one day per run

    async def start_broker(self) -> None:
        self.state_path = self.data_dir / "paper-books.json"
        self.gate: _Gate | None = None
        self._drops: set[asyncio.Future[None]] = set()

    async def stop_broker(self) -> None:
        if self.gate is not None:
            self.gate.open = False

    def make_adapter(self) -> BrokerAdapter:
        self.gate = _Gate(self.bus)
        config = PaperConfig(seed=self.seed, tick_interval_s=0.02, latency_s=LATENCY_S, partial_fills=True,
                             fee_bps=Decimal("0.5"), state_path=str(self.state_path))
        self.paper = PaperBroker(self.account, config, self.gate)
        return self.paper

    # --- one intent ------------------------------------------------------------------------------

    async def intent(self, point: StrEnum | None) -> None:
        if point in (PaperDrop.ON_CANCEL, PaperDrop.ON_MODIFY) and not self.working_resting():
            await self.place(self.limit_request(self.rng.randint(20, 60), self.rng.randint(1, 20)))
            await self.ready()
        request = self._request()
        if point is PaperDrop.CRASH:
            await self._crash_during(request)
            return
        if point in (PaperDrop.ON_SEND, PaperDrop.AFTER_BOOKING, PaperDrop.RANDOM):
            delay = {PaperDrop.ON_SEND: LATENCY_S / 2, PaperDrop.AFTER_BOOKING: LATENCY_S * 1.05}.get(
                point, self.rng.uniform(0, LATENCY_S * 2))  # type: ignore[call-overload]
            self._drop_later(point, delay)
        await self.place(request)
        if self.double_click():
            await self.place(request)  # the trader clicks again: the duplicate window refuses it
        resting = self.working_resting()
        if point is PaperDrop.ON_CANCEL and resting:
            self._drop_later(point, LATENCY_S / 2)
            await self.cancel(self.rng.choice(resting))
        elif point is PaperDrop.ON_MODIFY and resting:
            self._drop_later(point, LATENCY_S / 2)
            await self.modify(self.rng.choice(resting))
        elif point in (PaperDrop.ON_CANCEL, PaperDrop.ON_MODIFY):
            self._drop_later(point, 0)
        await self.ready()
        await self.mix()

    def _request(self):  # type: ignore[no-untyped-def]
        roll = self.rng.random()
        quantity = self.rng.randint(1, 20)
        if roll < 0.45:
            return self.market_request(quantity)
        if roll < 0.65:
            return self.limit_request(-self.rng.randint(1, 5), quantity)  # marketable
        if roll < 0.70:
            return self.limit_request(self.rng.randint(20, 60), quantity, TimeInForce.IOC)  # canceled at once
        return self.limit_request(self.rng.randint(20, 60), quantity)

    def _drop_later(self, point: StrEnum, delay: float) -> None:
        adapter = self.paper
        self.count_drop(point)

        def drop() -> None:
            task = asyncio.ensure_future(adapter.disconnect())
            self._drops.add(task)
            task.add_done_callback(self._drops.discard)

        asyncio.get_running_loop().call_later(delay, drop)

    async def _crash_during(self, request) -> None:  # type: ignore[no-untyped-def]
        """Send request and let the app die at a random instant of its way; restart from the files."""
        assert self.session is not None and self.journal is not None and self.gate is not None
        self.count_drop(PaperDrop.CRASH)
        before = len(self.coids)
        sending = asyncio.ensure_future(self.place(request))
        await asyncio.sleep(self.rng.uniform(0, LATENCY_S * 2))
        self.gate.open = False  # the process is gone: nothing it does from now on is heard
        old_paper, old_session, old_journal = self.paper, self.session, self.journal
        if old_paper._task is not None:
            old_paper._task.cancel()  # its market stops with it
        sending.cancel()
        await asyncio.gather(sending, return_exceptions=True)
        for task in list(old_session._tasks):
            task.cancel()
        old_journal.close()
        del self.coids[before:]  # the dead app's answer is not known; the journal says what became of it
        self.bus = EventBus()
        self.resubscribe()
        self.open_session()
        assert self.session is not None
        known = set(self.coids)
        self.coids += [o.client_order_id for o in self.session.oms.orders() if o.client_order_id not in known
                       and o.account_id == self.account]
        self.figures.trader_reconnects += 1
        await self.session.connect(self.account)

    async def before_check(self) -> None:
        task = self.paper._task
        if task is not None:
            task.cancel()  # the paper market stops ticking (disconnect() tolerates the cancelled task)
            await asyncio.gather(task, return_exceptions=True)

    # --- the broker's books -------------------------------------------------------------------------

    def remote_orders(self) -> tuple[dict[str, list[RemoteOrder]], list[str]]:
        orders: dict[str, list[RemoteOrder]] = {}
        for order in self.paper._engine.orders.values():
            orders.setdefault(str(order.client_order_id), []).append(RemoteOrder(
                str(order.broker_order_id), order.filled_qty, order.is_working, order.status.value, order.quantity,
                order.limit_price))
        return orders, []

    def remote_positions(self) -> dict[str, Decimal]:
        return positions_of({s: h.quantity for s, h in self.paper._books.holdings.items()})

    def remote_trade_ids(self) -> set[str]:
        return {str(f.trade_id) for f in self.paper._books.fills}

    def coid_of(self, value: str) -> ClientOrderId:
        return ClientOrderId(value)
