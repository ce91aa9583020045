"""The kill switch on IB: one reqGlobalCancel instead of one paced cancel per order, then every order verified gone."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from core.domain import LogMessage, OrderStatus, TradingState
from core.services.bulk_cancel import BulkCanceller
from tests.adapters.test_ib_adapter import ACCOUNT, Desk, until
from tests.sims.tws import TwsSimulator
from tests.sims.tws.testing import no_decoder_errors


@pytest.fixture(autouse=True)
def decoder_guard() -> Iterator[None]:
    with no_decoder_errors():
        yield


@pytest.fixture
async def sim() -> AsyncIterator[TwsSimulator]:
    simulator = TwsSimulator(tick_interval_s=0.02)
    simulator.faults.rest_orders = True
    await simulator.start()
    yield simulator
    await simulator.stop()


@pytest.fixture
async def desk(sim: TwsSimulator, tmp_path: Path) -> AsyncIterator[Desk]:
    made = Desk(sim, tmp_path)
    await made.session.connect(ACCOUNT)
    yield made
    await made.close()


def sent(sim: TwsSimulator, msg_id: str) -> int:
    return sum(1 for _, fields in sim.requests if fields[0] == msg_id)


async def test_the_kill_switch_sends_one_global_cancel_and_every_order_is_canceled(
    desk: Desk, sim: TwsSimulator
) -> None:
    orders = [await desk.session.submit(await desk.order(-50 - k)) for k in range(4)]
    assert all(o.status is OrderStatus.ACCEPTED for o in orders)
    asked = await desk.session.kill_switch("test")
    assert asked == 4
    assert all(o.status is OrderStatus.CANCELED for o in orders), [o.status for o in orders]
    assert all(o.reason == "Canceled at your request." for o in orders)
    assert (sent(sim, "58"), sent(sim, "4")) == (1, 0), "one message, not one paced cancel per order"
    assert not [o for o in sim.book.orders.values() if o.is_working]
    assert desk.trading() is TradingState.HALTED


async def test_an_order_the_global_cancel_missed_is_canceled_on_its_own(desk: Desk, sim: TwsSimulator) -> None:
    desk.session._bulk = BulkCanceller(desk.bus, desk.session.oms, verify_s=0.3)
    orders = [await desk.session.submit(await desk.order(-50 - k)) for k in range(3)]
    sim.faults.global_cancel_misses = 1
    await desk.session.kill_switch("test")
    await until(lambda: all(o.status is OrderStatus.CANCELED for o in orders))
    assert (sent(sim, "58"), sent(sim, "4")) == (1, 1)
    assert any("still working" in e.text for e in desk.events.of_type(LogMessage))
    assert not [o for o in sim.book.orders.values() if o.is_working]


async def test_cancel_all_of_one_account_still_cancels_order_by_order(desk: Desk, sim: TwsSimulator) -> None:
    orders = [await desk.session.submit(await desk.order(-50 - k)) for k in range(2)]
    await desk.session.cancel_all(ACCOUNT)
    await until(lambda: all(o.status is OrderStatus.CANCELED for o in orders))
    assert (sent(sim, "58"), sent(sim, "4")) == (0, 2), "a global cancel would also hit orders outside TradeTerm"
