"""easytrader's impolite answers (broker-protocols.md, "Real-world answers") against the real RemoteClient.

A success without an entrust number, a request that keeps driving the broker client after ours timed out,
a cancel that waits at the exchange (已报待撤) with the client's own words, and an order voided (废单) after
it was accepted.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from core.adapters.easytrader.adapter import EasytraderBroker
from core.adapters.easytrader.config import EasytraderConfig
from core.domain import AccountId, OrderAccepted, OrderCanceled, OrderRequest, OrderStatus, OrderType, Side
from core.ports.errors import OrderRejected, Timeout
from core.services.bus import EventBus
from core.services.session import TradingSession
from core.storage.journal import SqliteJournal
from tests.adapters.contract import EventRecorder
from tests.adapters.test_easytrader_adapter import SYMBOL, make_broker, marketable, order
from tests.sims.easytrader import EasytraderSimulator, Fault, FaultKind
from tests.sims.easytrader.exchange import EasytraderFaults
from tests.sims.easytrader.testing import sim_credentials, sim_settings


@pytest.fixture
def sim() -> Iterator[EasytraderSimulator]:
    with EasytraderSimulator() as sim:
        yield sim


@pytest.fixture
async def broker(sim: EasytraderSimulator, tmp_path: Path) -> AsyncIterator[tuple[EasytraderBroker, EventRecorder]]:
    events = EventRecorder()
    adapter = make_broker(sim, tmp_path, events, request_timeout_s=1.0)
    await adapter.connect()
    yield adapter, events
    await adapter.disconnect()


def resting(sim: EasytraderSimulator) -> Decimal:
    return sim.exchange.limits(SYMBOL)[0]


async def test_success_without_an_entrust_number_is_found_in_todays_entrusts_not_an_error(
    broker: tuple[EasytraderBroker, EventRecorder], sim: EasytraderSimulator
) -> None:
    adapter, events = broker
    sim.exchange.faults = EasytraderFaults(no_entrust_no=True, entrust_appears_after_s=0.3)
    late = order(Side.BUY, resting(sim))
    await adapter.submit(late)  # returns once the entrust shows: the order is working, not unknown
    accepted = events.of_type(OrderAccepted)
    assert [e.client_order_id for e in accepted] == [late.client_order_id]
    assert str(accepted[0].broker_order_id) == sim.exchange.orders[0].entrust_no
    assert sim.requests["/buy"] == 1


async def test_success_for_an_order_never_placed_is_unknown_never_resent_and_says_so(
    broker: tuple[EasytraderBroker, EventRecorder], sim: EasytraderSimulator
) -> None:
    adapter, events = broker
    sim.exchange.faults = EasytraderFaults(no_entrust_no=True, never_placed=True)
    ghost = order(Side.BUY, resting(sim))
    with pytest.raises(Timeout, match="'success' but no entrust number") as unknown:
        await adapter.submit(ghost)
    assert "will not resend" in str(unknown.value)
    assert sim.requests["/buy"] == 1 and sim.exchange.orders == []
    assert events.of_type(OrderAccepted) == []
    snapshot = await adapter.snapshot()
    assert snapshot.orders == (), "reconciliation sees no such order at the broker"


async def test_no_order_overlaps_a_request_still_driving_the_broker_client(
    sim: EasytraderSimulator, tmp_path: Path
) -> None:
    events = EventRecorder()
    adapter = make_broker(sim, tmp_path, events, request_timeout_s=0.3)
    await adapter.connect()
    try:
        sim.inject(Fault("/buy", FaultKind.STALL, after=False))  # the server is stuck before the client acts
        first = order(Side.BUY, resting(sim))
        with pytest.raises(Timeout):
            await adapter.submit(first)
        second = order(Side.BUY, resting(sim) + Decimal("0.01"))
        with pytest.raises(OrderRejected, match="may still be working on the 600000 buy order") as refused:
            await adapter.submit(second)
        assert "was not sent" in str(refused.value)
        assert sim.requests["/buy"] == 1, "the second order never reached the server while the first was stuck"
        sim.release()
        await events.wait_for(OrderAccepted, lambda e: e.client_order_id == first.client_order_id)
        third = order(Side.BUY, resting(sim) + Decimal("0.02"))
        await adapter.submit(third)
        assert sim.requests["/buy"] == 2 and len(sim.exchange.orders) == 2
    finally:
        await adapter.disconnect()


async def test_a_cancel_pending_at_the_exchange_stays_pending_then_cancels(
    sim: EasytraderSimulator, tmp_path: Path
) -> None:
    bus = EventBus()
    session = TradingSession(bus, SqliteJournal(tmp_path / "journal.sqlite"))
    settings = sim_settings(sim, order_map_path=str(tmp_path / "orders.json"), request_timeout_s=1.0)
    adapter = EasytraderBroker(AccountId("ET-1"), EasytraderConfig.from_mapping(settings), bus.publish,
                               sim_credentials(sim))
    session.add_account(adapter)
    await session.connect(adapter.account_id)
    bus.publish(sim.exchange.quote(SYMBOL))  # easytrader sends no prices: another feed's quote
    try:
        working = await session.submit(OrderRequest(adapter.account_id, SYMBOL, Side.BUY, "100", OrderType.LIMIT,
                                                    str(sim.exchange.quote(SYMBOL).bid - Decimal("0.20"))))
        assert working.status is OrderStatus.ACCEPTED
        sim.exchange.faults = EasytraderFaults(cancel_pending_s=0.6)
        await session.cancel(working.client_order_id)
        await asyncio.sleep(0.3)
        assert working.status is OrderStatus.PENDING_CANCEL, "已报待撤 is not yet canceled"
        for _ in range(60):
            if working.status is OrderStatus.CANCELED:
                break
            await asyncio.sleep(0.05)
        assert working.status is OrderStatus.CANCELED
        assert session.account(adapter.account_id).trading.value == "ACTIVE"
    finally:
        await session.close()


async def test_an_order_voided_after_it_was_accepted_ends_with_the_brokers_word(
    broker: tuple[EasytraderBroker, EventRecorder], sim: EasytraderSimulator
) -> None:
    adapter, events = broker
    sim.exchange.faults = EasytraderFaults(void_after_s=0.2)
    voided = order(Side.BUY, resting(sim))
    await adapter.submit(voided)
    canceled = await events.wait_for(OrderCanceled, lambda e: e.client_order_id == voided.client_order_id)
    assert "voided" in canceled.reason and "废单" in canceled.reason
    assert sim.exchange.frozen_cash == 0, "the broker released the voided order's cash"
    assert marketable(sim) > 0
