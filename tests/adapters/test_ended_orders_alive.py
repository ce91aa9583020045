"""An order TradeTerm had closed that Kite or IB still works: after the reconnect it works here again, the account
is halted with the order listed, and when the broker fills it the fill is booked on it.

The real session, journal and adapters against the Kite and TWS simulators. The wrong end is the one the Kite
chaos run produced (a late order closed here as "never reached" while the broker went on to work it), applied
as the resolver applied it. Before the reconciler compared our ended orders with the broker's list, the order
stayed CANCELED here and the account traded on, while the broker could fill it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from decimal import Decimal
from pathlib import Path

import pytest

from core.adapters.kite.adapter import KiteBroker
from core.adapters.kite.config import KiteConfig
from core.domain import (
    AccountId,
    Order,
    OrderCanceled,
    OrderRequest,
    OrderStatus,
    OrderType,
    ReconciliationRequired,
    Side,
    TradingState,
)
from core.services.bus import EventBus
from core.services.order_resolver import NEVER_REACHED
from core.services.session import TradingSession
from core.storage.journal import SqliteJournal
from tests.adapters import ib_desk
from tests.adapters.ib_desk import Desk, at_ib, until
from tests.sims.kite.server import KiteSimulator
from tests.sims.kite.testing import sim_credentials, sim_settings
from tests.sims.tws import TwsSimulator

KITE = AccountId("KITE-1")
decoder_guard = ib_desk.decoder_guard
sim = ib_desk.sim_fixture(rest_orders=True)
desk = ib_desk.desk_fixture()


@pytest.fixture
async def kite() -> AsyncIterator[KiteSimulator]:
    simulator = KiteSimulator(tick_interval_s=0.05)
    await simulator.start()
    yield simulator
    await simulator.stop()


async def settle(condition: Callable[[], bool], what: str) -> None:
    """Let the adapters' polling and reconnects run until condition holds (bounded by turns, not timed)."""
    for _ in range(500):
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"never happened: {what}")


def wrongly_closed(session: TradingSession, order: Order) -> None:
    session.oms.apply(OrderCanceled(order.client_order_id, NEVER_REACHED))
    assert order.status is OrderStatus.CANCELED


async def test_kite_an_order_closed_here_that_kite_works_is_reopened_halts_and_its_fill_is_booked(
    kite: KiteSimulator, tmp_path: Path
) -> None:
    bus = EventBus()
    said: list[ReconciliationRequired] = []
    bus.subscribe(ReconciliationRequired, said.append)
    session = TradingSession(bus, SqliteJournal(tmp_path / "journal.sqlite"))
    session.add_account(KiteBroker(KITE, KiteConfig.from_mapping(sim_settings(kite, ticker=False)), bus.publish,
                                   sim_credentials(kite)))
    try:
        await session.connect(KITE)
        bus.publish(kite.exchange.market.quote("INFY"))
        bid = kite.exchange.market.quote("INFY").bid
        assert bid is not None
        order = await session.submit(OrderRequest(KITE, "INFY", Side.BUY, "2", OrderType.LIMIT, str(bid - 20)))
        assert order.status is OrderStatus.ACCEPTED and order.broker_order_id is not None
        wrongly_closed(session, order)

        await session.disconnect(KITE)
        await session.connect(KITE)

        assert order.status is OrderStatus.ACCEPTED, "Kite works it: it is working here again"
        assert session.account(KITE).trading is TradingState.HALTED
        assert [str(order.client_order_id) in d for r in said for d in r.differences] == [True]

        kite.exchange.fill_now(str(order.broker_order_id))
        await settle(lambda: order.status is OrderStatus.FILLED, "Kite's fill booked on the reopened order")
        position = session.portfolio.position(KITE, "INFY")
        assert position is not None and position.quantity == Decimal(2)
    finally:
        await session.close()
        session.journal.close()


async def test_ib_an_order_closed_here_that_ib_works_is_reopened_halts_and_its_fill_is_booked(
    desk: Desk, sim: TwsSimulator
) -> None:
    order = await desk.session.submit(await desk.order(-50))
    assert order.status is OrderStatus.ACCEPTED
    wrongly_closed(desk.session, order)

    sim.drop_all()  # the connection breaks; the adapter reconnects and the session reconciles
    await until(lambda: bool(desk.events.of_type(ReconciliationRequired)))

    assert order.status is OrderStatus.ACCEPTED, "IB works it: it is working here again"
    assert desk.trading() is TradingState.HALTED
    (required,) = desk.events.of_type(ReconciliationRequired)
    assert any(str(order.client_order_id) in d and "still works it" in d for d in required.differences)

    sim.fill_order(at_ib(sim, order.client_order_id))
    await until(lambda: order.status is OrderStatus.FILLED)
    position = desk.session.portfolio.position(ib_desk.ACCOUNT, "AAPL")
    assert position is not None and position.quantity == Decimal(10)
    await desk.session.accept_broker_state(ib_desk.ACCOUNT, "trader")
    assert desk.trading() is TradingState.ACTIVE, "reviewed, and the books agree: the account trades again"
