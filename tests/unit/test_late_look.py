"""An order closed as never reached that reaches the broker late (a stalled request) is found by a later look:
it works here again, the account is halted with the order listed, and its fill is booked on it.

Found by the Kite chaos run: a place request stalled on its way was closed as never reached, then Kite took it,
and TradeTerm showed it CANCELED while Kite worked it. The real session, journal and paper account; the paper
account here holds the stalled request until the test lets it arrive.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import pytest

from core.adapters.paper.adapter import PaperBroker
from core.adapters.paper.config import PaperConfig
from core.domain import (
    AccountId,
    LogMessage,
    Order,
    OrderRequest,
    OrderStatus,
    OrderType,
    ReconciliationRequired,
    Side,
    TradingState,
)
from core.ports.broker import FoundOrder
from core.ports.errors import Timeout
from core.services.bus import EventBus
from core.services.order_resolver import NEVER_REACHED, OrderResolver
from core.services.session import TradingSession
from core.storage.journal import SqliteJournal

ACCOUNT = AccountId("PAPER-1")


class StalledPaper(PaperBroker):
    """A paper account whose next order request stalls on its way: the client gives up, the order arrives later."""

    stall_next = False
    stalled: Order | None = None

    async def submit(self, order: Order) -> None:
        if self.stall_next:
            self.stall_next, self.stalled = False, order
            raise Timeout("The broker did not confirm the order in time; it may be working.")
        await super().submit(order)

    looks = 0

    async def lookup_order(self, order: Order) -> FoundOrder | None:
        self.looks += 1
        return await super().lookup_order(order)

    async def arrive(self) -> None:
        assert self.stalled is not None
        await super().submit(self.stalled)


class Desk:
    def __init__(self, tmp_path: Path) -> None:
        self.arrived = asyncio.Event()
        self.bus = EventBus()
        self.session = TradingSession(self.bus, SqliteJournal(tmp_path / "journal.sqlite"))
        self.session._resolver = OrderResolver(self.session.oms, delays=(0, 0, 0), sleep=self._sleep,
                                               absent_after_s=0)
        config = PaperConfig.from_mapping({"state_path": str(tmp_path / "paper.json"), "tick_interval_s": 60})
        self.broker = StalledPaper(ACCOUNT, config, self.bus.publish)
        self.session.add_account(self.broker)
        self.required: list[ReconciliationRequired] = []
        self.bus.subscribe(ReconciliationRequired, self.required.append)
        self.logged: list[LogMessage] = []
        self.bus.subscribe(LogMessage, self.logged.append)

    async def _sleep(self, seconds: float) -> None:
        if seconds >= 1:  # the late looks wait until the test lets the stalled request arrive
            await self.arrived.wait()

    async def settle(self, looks: int = 5) -> None:
        """Let the resolver's three looks and the two late looks run (bounded by turns of the loop, not timed)."""
        for _ in range(1000):
            if self.broker.looks >= looks:
                for _ in range(20):  # the last look's answer is applied
                    await asyncio.sleep(0.005)
                return
            await asyncio.sleep(0.005)
        raise AssertionError(f"only {self.broker.looks} looks at the broker")


def status(order: Order) -> OrderStatus:
    """Return the order's status now (it changes while the test awaits)."""
    return order.status


@pytest.fixture
async def desk(tmp_path: Path) -> AsyncIterator[Desk]:
    made = Desk(tmp_path)
    made.session.restore()
    await made.session.connect(ACCOUNT)
    yield made
    await made.session.close()
    made.session.journal.close()


async def test_an_order_closed_as_never_reached_that_arrives_late_is_reopened_and_halts_the_account(
    desk: Desk,
) -> None:
    session = desk.session
    quote = session.quotes.latest("AAPL", str(ACCOUNT))
    assert quote is not None and quote.bid is not None
    desk.broker.stall_next = True
    order = await session.submit(OrderRequest(ACCOUNT, "AAPL", Side.BUY, "5", OrderType.LIMIT,
                                              str(quote.bid - Decimal(2))))
    for _ in range(100):
        if order.reason == NEVER_REACHED:
            break
        await asyncio.sleep(0)
    assert order.status is OrderStatus.CANCELED and order.reason == NEVER_REACHED
    assert session.account(ACCOUNT).trading is TradingState.ACTIVE

    await desk.broker.arrive()  # the stalled request reaches the broker; its late acknowledgement cannot revive it
    assert status(order) is OrderStatus.CANCELED
    desk.arrived.set()
    await desk.settle(looks=4)  # the resolver's three, then the first late look finds it

    assert status(order) is OrderStatus.ACCEPTED, "the broker works it: it is working here again"
    assert order in session.oms.working(ACCOUNT)
    assert session.account(ACCOUNT).trading is TradingState.HALTED
    (required,) = desk.required
    assert str(order.client_order_id) in required.differences[0]
    assert any(m.level == "ERROR" and "never reached" in m.text for m in desk.logged)

    await session.cancel(order.client_order_id)
    assert session.oms.working(ACCOUNT) == [], "the trader could cancel it"
    await session.accept_broker_state(ACCOUNT, "trader")
    assert session.account(ACCOUNT).trading is TradingState.ACTIVE


async def test_an_order_that_never_arrives_stays_closed_and_the_account_trades_on(desk: Desk) -> None:
    session = desk.session
    quote = session.quotes.latest("AAPL", str(ACCOUNT))
    assert quote is not None and quote.bid is not None
    desk.broker.stall_next = True
    order = await session.submit(OrderRequest(ACCOUNT, "AAPL", Side.BUY, "5", OrderType.LIMIT,
                                              str(quote.bid - Decimal(2))))
    desk.arrived.set()
    await desk.settle()
    assert order.status is OrderStatus.CANCELED and order.reason == NEVER_REACHED
    assert session.account(ACCOUNT).trading is TradingState.ACTIVE
    assert not desk.required
