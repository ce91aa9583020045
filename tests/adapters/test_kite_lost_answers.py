"""A Kite modify whose HTTP answer is lost, or whose order ends while it is pending: the order ends with what Kite
holds, not with a guess.

The connection is cut under PUT /orders (tests/sims/kite/cuts.py): after Kite took the change (the answer is
lost), or before it (Kite never had it). Found by the Kite chaos run (kite_chaos_world.py): a lost answer was
taken for a refusal, so TradeTerm kept the old quantity while Kite worked the new one, and later showed the
order FILLED while it was still OPEN at Kite.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import pytest

from core.adapters.kite.adapter import KiteBroker
from core.adapters.kite.config import KiteConfig
from core.domain import AccountId, Order, OrderRequest, OrderStatus, OrderType, Side
from core.services.bus import EventBus
from core.services.session import TradingSession
from core.storage.journal import SqliteJournal
from tests.sims.kite.cuts import ChaosKiteSimulator
from tests.sims.kite.faults import KiteFaults
from tests.sims.kite.testing import sim_credentials, sim_settings


@pytest.fixture
async def sim() -> AsyncIterator[ChaosKiteSimulator]:
    simulator = ChaosKiteSimulator(tick_interval_s=0.05)
    await simulator.start()
    yield simulator
    await simulator.stop()


async def session_on(sim: ChaosKiteSimulator, tmp_path: Path, **overrides: object) -> TradingSession:
    bus = EventBus()
    session = TradingSession(bus, SqliteJournal(tmp_path / "journal.sqlite"))
    settings = sim_settings(sim, ticker=False, **overrides)
    session.add_account(KiteBroker(AccountId("KITE-1"), KiteConfig.from_mapping(settings), bus.publish,
                                   sim_credentials(sim)))
    await session.connect(AccountId("KITE-1"))
    bus.publish(sim.exchange.market.quote("INFY"))
    return session


async def resting_buy(session: TradingSession, sim: ChaosKiteSimulator) -> Order:
    bid = sim.exchange.market.quote("INFY").bid
    assert bid is not None
    order = await session.submit(OrderRequest(AccountId("KITE-1"), "INFY", Side.BUY, "2", OrderType.LIMIT,
                                              str(bid - 20)))
    assert order.status is OrderStatus.ACCEPTED
    return order


def at_kite(sim: ChaosKiteSimulator, order: Order) -> tuple[int, Decimal]:
    entry = next(o for o in sim.exchange.order_list() if o["tag"] == str(order.client_order_id))
    return int(entry["quantity"]), Decimal(str(entry["price"]))


async def test_a_modify_kite_took_whose_answer_was_lost_shows_the_new_quantity_and_price(
    sim: ChaosKiteSimulator, tmp_path: Path
) -> None:
    session = await session_on(sim, tmp_path)
    try:
        order = await resting_buy(session, sim)
        assert order.limit_price is not None
        new_price = order.limit_price.value - 1
        sim.cuts["modify"] = True  # Kite applies the change; its answer never arrives
        await session.modify(order.client_order_id, "3", str(new_price))
        assert sim.cut_done["modify"] == 1
        assert at_kite(sim, order) == (3, new_price)
        assert order.status is OrderStatus.ACCEPTED
        assert (order.quantity.value, order.limit_price.value) == (3, new_price), order.reason
    finally:
        await session.close()


async def test_a_modify_cut_before_kite_keeps_the_old_values_and_says_why(
    sim: ChaosKiteSimulator, tmp_path: Path
) -> None:
    session = await session_on(sim, tmp_path, order_timeout_s=0.3)
    try:
        order = await resting_buy(session, sim)
        assert order.limit_price is not None
        old_price = order.limit_price.value
        sim.cuts["modify"] = False  # the request never reaches Kite
        await session.modify(order.client_order_id, "3", str(old_price - 1))
        assert sim.cut_done["modify"] == 1
        await settled(session, order, 0)  # no trace of it in Kite's history for order_timeout_s
        assert at_kite(sim, order) == (2, old_price)
        assert order.status is OrderStatus.ACCEPTED
        assert (order.quantity.value, order.limit_price.value) == (2, old_price)
        assert "never arrived" in order.reason
    finally:
        await session.close()


async def settled(session: TradingSession, order: Order, filled: int) -> None:
    """Let polling run until the order has its fills and is out of PENDING_REPLACE (bounded, not timed)."""
    for _ in range(400):
        if order.filled_qty >= filled and order.status is not OrderStatus.PENDING_REPLACE:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"the order never settled: {order.status.value}, {order.filled_qty} filled, {order.reason}")


@pytest.mark.parametrize("new_quantity", [1, 3])
async def test_an_order_that_fills_at_kite_while_its_change_is_pending_ends_with_kites_quantity(
    sim: ChaosKiteSimulator, tmp_path: Path, new_quantity: int
) -> None:
    session = await session_on(sim, tmp_path, order_timeout_s=0.3)
    try:
        order = await resting_buy(session, sim)
        assert order.limit_price is not None
        sim.faults = KiteFaults(pending_s=0.5)  # Kite takes the change up after TradeTerm stops waiting for it
        await session.modify(order.client_order_id, str(new_quantity), str(order.limit_price.value))
        assert order.status is OrderStatus.PENDING_REPLACE  # "still pending at Kite"
        while at_kite(sim, order)[0] != new_quantity:  # the exchange applies it on a market step
            await asyncio.sleep(0.02)
        sim.exchange.fill_now(str(order.broker_order_id))  # and the order fills before TradeTerm hears of the change
        await settled(session, order, new_quantity)
        assert order.status is OrderStatus.FILLED, order.reason
        assert (order.quantity.value, order.filled_qty) == (new_quantity, new_quantity)
        assert not order.is_working, "Kite shows it COMPLETE"
    finally:
        await session.close()


async def test_a_modify_whose_answer_and_history_were_lost_and_that_never_arrived_is_settled_by_polling(
    sim: ChaosKiteSimulator, tmp_path: Path
) -> None:
    session = await session_on(sim, tmp_path, order_timeout_s=0.3)
    try:
        order = await resting_buy(session, sim)
        assert order.limit_price is not None
        old_price = order.limit_price.value
        sim.cuts["modify"] = False  # the change never reaches Kite
        sim.cuts["history"], sim.spare["history"] = False, 1  # and the history read after it is cut too
        await session.modify(order.client_order_id, "3", str(old_price - 1))
        assert sim.cut_done["modify"] == 1 and sim.cut_done["history"] == 1
        assert order.status is OrderStatus.PENDING_REPLACE  # nobody can tell yet whether Kite has the change
        await settled(session, order, 0)
        assert order.status is OrderStatus.ACCEPTED
        assert (order.quantity.value, order.limit_price.value) == (2, old_price) == at_kite(sim, order)
        assert "never arrived" in order.reason
    finally:
        await session.close()
