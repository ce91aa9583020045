"""One late IB order must not halt the account (issue 29): it is UNKNOWN on its own, resolved by its orderRef.

The real ib_async client against the TWS simulator: TWS books the order but answers late (after
the adapter's order timeout); the account keeps trading other orders while TradeTerm asks IB about
the late one; only a TWS that cannot be read halts the account.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from core.domain import OrderStatus, TradingState
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
    made = Desk(sim, tmp_path, order_timeout_s=0.3, request_timeout_s=0.5)
    await made.session.connect(ACCOUNT)
    yield made
    await made.close()


async def test_a_late_order_is_resolved_by_its_order_ref_while_the_account_trades_on(
    desk: Desk, sim: TwsSimulator
) -> None:
    sim.faults.silent_next = True
    late = await desk.session.submit(await desk.order(-50))
    assert late.status is OrderStatus.UNKNOWN, "IB did not answer in time: its fate is unknown"
    assert desk.trading() is TradingState.ACTIVE, "one late order does not halt the account"
    other = await desk.session.submit(await desk.order(-60))
    assert other.status is OrderStatus.ACCEPTED, other.reason
    await until(lambda: late.status is OrderStatus.ACCEPTED)
    await until(lambda: late.reason == "The broker confirmed it late: it is working.")
    assert len([o for o in sim.book.orders.values() if o.order_ref == str(late.client_order_id)]) == 1, \
        "asked about, never resent"
    assert desk.trading() is TradingState.ACTIVE


async def test_an_unknown_order_shows_it_is_being_resolved(desk: Desk, sim: TwsSimulator) -> None:
    sim.faults.silent_next = True
    sim.faults.delay_s = 0.2  # TWS is slow to answer the look-ups too, so the resolving state is seen
    late = await desk.session.submit(await desk.order(-50))
    await until(lambda: late.reason.startswith("Resolving: asking the broker"))
    assert late.status is OrderStatus.UNKNOWN
    sim.faults.delay_s = 0.0
    await until(lambda: late.status is OrderStatus.ACCEPTED)


async def test_the_account_halts_only_when_tws_cannot_be_read(desk: Desk, sim: TwsSimulator) -> None:
    sim.faults.silent_next = True
    sim.faults.delay_s = 1.0  # every request now outlasts the adapter's request timeout
    late = await desk.session.submit(await desk.order(-50))
    assert late.status is OrderStatus.UNKNOWN
    await until(lambda: desk.trading() is TradingState.HALTED)
    reason = desk.session.account(ACCOUNT).reason
    assert "Cannot read the broker's orders" in reason and "reconnect" in reason


async def test_a_late_rejection_of_an_unknown_order_shows_ibs_reason(desk: Desk, sim: TwsSimulator) -> None:
    sim.faults.silent_next = True
    late = await desk.session.submit(await desk.order(-50))
    assert late.status is OrderStatus.UNKNOWN
    at_ib = sim.book.find_by_ref(str(late.client_order_id))
    assert at_ib is not None
    sim.inactivate(at_ib, "The order size exceeds the size limit set in TWS")
    await until(lambda: late.status is OrderStatus.REJECTED)
    assert late.reason == "IB rejected the order: The order size exceeds the size limit set in TWS"
    assert desk.trading() is TradingState.ACTIVE
