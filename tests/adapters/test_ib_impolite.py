"""IB's impolite answers (issue 29), each from the TWS simulator to the real ib_async client over a socket.

What a trader must see: an informational code never ends an order (it shows as a note, and the
order fills later as a live order); a refused price, modify or cancel is refused at once and the
order keeps what IB keeps; a rejected order is rejected with IB's reason; an order id used elsewhere
costs one order, not every order after it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from core.domain import OrderCanceled, OrderModified, OrderStatus, TradingState
from tests.adapters.test_ib_adapter import ACCOUNT, Desk, until
from tests.sims.tws import TwsSimulator
from tests.sims.tws.faults import NOTICES
from tests.sims.tws.testing import no_decoder_errors


@pytest.fixture(autouse=True)
def decoder_guard() -> Iterator[None]:
    with no_decoder_errors():
        yield


@pytest.fixture
async def sim() -> AsyncIterator[TwsSimulator]:
    simulator = TwsSimulator(tick_interval_s=0.02)
    simulator.faults.rest_orders = True  # orders rest until a test fills them
    await simulator.start()
    yield simulator
    await simulator.stop()


@pytest.fixture
async def desk(sim: TwsSimulator, tmp_path: Path) -> AsyncIterator[Desk]:
    made = Desk(sim, tmp_path)
    await made.session.connect(ACCOUNT)
    yield made
    await made.close()


def at_ib(sim: TwsSimulator, coid: object):  # type: ignore[no-untyped-def]
    order = sim.book.find_by_ref(str(coid))
    assert order is not None
    return order


# --- informational codes never end an order -------------------------------------------------------


@pytest.mark.parametrize("before_ack", [True, False], ids=["before-ack", "after-ack"])
@pytest.mark.parametrize("code", sorted(NOTICES))
async def test_an_informational_code_leaves_the_order_working_until_it_fills(
    desk: Desk, sim: TwsSimulator, code: int, before_ack: bool
) -> None:
    sim.faults.notice_next, sim.faults.notice_before_ack = code, before_ack
    order = await desk.session.submit(await desk.order(-50))
    assert order.status is OrderStatus.ACCEPTED, order.reason
    await until(lambda: order.reason != "")
    assert order.reason, "IB's message is shown on the order"
    assert desk.trading() is TradingState.ACTIVE, "a notice does not halt the account"
    sim.fill_order(at_ib(sim, order.client_order_id))
    await until(lambda: order.status is OrderStatus.FILLED)
    assert not [e for e in desk.events.of_type(OrderCanceled) if e.client_order_id == order.client_order_id], \
        "never shown as canceled: a trader would resend and double the position"
    assert not order.needs_reconciliation
    assert desk.session.portfolio.positions(ACCOUNT)[0].quantity == 10


async def test_after_10349_the_order_can_still_be_changed_and_canceled(desk: Desk, sim: TwsSimulator) -> None:
    sim.faults.notice_next = 10349
    order = await desk.session.submit(await desk.order(-50))
    await until(lambda: "time in force to DAY" in order.reason)
    assert order.limit_price is not None
    lower = order.instrument.make_price(order.limit_price.value - Decimal("0.05"))
    await desk.session.modify(order.client_order_id, "10", str(lower.value))
    assert order.limit_price == lower and order.status is OrderStatus.ACCEPTED, order.reason
    assert at_ib(sim, order.client_order_id).limit_price == lower.value
    await desk.session.cancel(order.client_order_id)
    await until(lambda: order.status is OrderStatus.CANCELED)
    assert order.reason == "Canceled at your request."


async def test_realistic_mode_mixes_notices_in_and_no_order_is_lost(desk: Desk, sim: TwsSimulator) -> None:
    sim.faults.realistic = 1.0
    orders = [await desk.session.submit(await desk.order(-50 - k)) for k in range(5)]  # the default rate limit
    assert [o.status for o in orders] == [OrderStatus.ACCEPTED] * 5, [o.reason for o in orders]
    assert all(o.reason for o in orders), "each got a notice, shown on it"
    for order in orders:
        sim.fill_order(at_ib(sim, order.client_order_id))
    await until(lambda: all(o.status is OrderStatus.FILLED for o in orders))
    assert desk.trading() is TradingState.ACTIVE
    assert not desk.events.of_type(OrderCanceled)


# --- refused cancel, price, modify ----------------------------------------------------------------


async def test_161_refuses_the_cancel_and_the_order_keeps_working(desk: Desk, sim: TwsSimulator) -> None:
    order = await desk.session.submit(await desk.order(-50))
    sim.faults.cancel_refused_next = True
    await desk.session.cancel(order.client_order_id)
    await until(lambda: order.status is OrderStatus.ACCEPTED and "cannot cancel" in order.reason)
    assert at_ib(sim, order.client_order_id).is_working
    await desk.session.cancel(order.client_order_id)  # asking again works
    await until(lambda: order.status is OrderStatus.CANCELED)


async def test_110_on_a_new_order_rejects_it_at_once_and_the_account_trades_on(desk: Desk, sim: TwsSimulator) -> None:
    sim.faults.off_tick_next = True
    order = await desk.session.submit(await desk.order(-50))
    assert order.status is OrderStatus.REJECTED
    assert "minimum price variation" in order.reason
    assert desk.trading() is TradingState.ACTIVE, "a refused price is not a lost connection"
    again = await desk.session.submit(await desk.order(-51))
    assert again.status is OrderStatus.ACCEPTED, again.reason


async def test_110_on_a_modify_keeps_the_old_price_at_once_and_never_later(desk: Desk, sim: TwsSimulator) -> None:
    order = await desk.session.submit(await desk.order(-50))
    old = order.limit_price
    assert old is not None
    sim.faults.off_tick_next = True
    refused = order.instrument.make_price(old.value - Decimal("0.10"))
    await desk.session.modify(order.client_order_id, "10", str(refused.value))
    assert order.status is OrderStatus.ACCEPTED and order.limit_price == old
    assert "minimum price variation" in order.reason
    assert at_ib(sim, order.client_order_id).limit_price == old.value
    sim.fill_order(at_ib(sim, order.client_order_id))
    await until(lambda: order.status is OrderStatus.FILLED)
    assert order.limit_price == old, "no stale modify is published when a later status arrives"
    assert not [e for e in desk.events.of_type(OrderModified) if e.client_order_id == order.client_order_id]


async def test_135_on_a_modify_is_refused_at_once_and_the_next_change_works(desk: Desk, sim: TwsSimulator) -> None:
    order = await desk.session.submit(await desk.order(-50))
    old = order.limit_price
    assert old is not None
    sim.faults.not_found_on_modify_next = True
    await desk.session.modify(order.client_order_id, "12", str(old.value - Decimal("0.10")))
    assert order.status is OrderStatus.ACCEPTED and order.limit_price == old and order.quantity.value == 10
    assert "cannot find this order" in order.reason
    lower = order.instrument.make_price(old.value - Decimal("0.20"))
    await desk.session.modify(order.client_order_id, "10", str(lower.value))
    assert order.limit_price == lower, order.reason
    sim_order = at_ib(sim, order.client_order_id)
    assert (sim_order.limit_price, sim_order.quantity) == (lower.value, Decimal(10))


# --- rejections -----------------------------------------------------------------------------------


async def test_201_then_inactive_rejects_the_new_order_with_ibs_reason(desk: Desk, sim: TwsSimulator) -> None:
    sim.faults.reject_next = "Order size 10 exceeds the limit set in TWS"
    order = await desk.session.submit(await desk.order(-50))
    assert order.status is OrderStatus.REJECTED
    assert order.reason == "IB rejected the order: Order size 10 exceeds the limit set in TWS"
    assert at_ib(sim, order.client_order_id).status == "Inactive"
    assert desk.trading() is TradingState.ACTIVE


async def test_201_then_inactive_on_a_working_order_ends_it_with_ibs_reason(desk: Desk, sim: TwsSimulator) -> None:
    order = await desk.session.submit(await desk.order(-50))
    sim.inactivate(at_ib(sim, order.client_order_id), "YOUR ACCOUNT HAS BEEN RESTRICTED TO CLOSING TRADES")
    await until(lambda: not order.is_working)
    assert order.status is OrderStatus.CANCELED
    assert "RESTRICTED TO CLOSING TRADES" in order.reason
    assert desk.trading() is TradingState.ACTIVE


async def test_103_costs_one_order_and_the_next_goes_out_above_the_ids_used_elsewhere(
    desk: Desk, sim: TwsSimulator
) -> None:
    sim.use_ids_elsewhere(1, 50)
    first = await desk.session.submit(await desk.order(-50))
    assert first.status is OrderStatus.REJECTED and "send it again" in first.reason
    second = await desk.session.submit(await desk.order(-51))
    assert second.status is OrderStatus.ACCEPTED, second.reason
    assert desk.trading() is TradingState.ACTIVE


# --- slow cancels and IB's servers ----------------------------------------------------------------


async def test_an_order_filled_while_its_cancel_is_pending_counts_as_filled(desk: Desk, sim: TwsSimulator) -> None:
    order = await desk.session.submit(await desk.order(-50))
    sim.faults.slow_cancel_next = True
    await desk.session.cancel(order.client_order_id)
    assert order.status is OrderStatus.PENDING_CANCEL
    await until(lambda: at_ib(sim, order.client_order_id).status == "PendingCancel")
    sim.fill_order(at_ib(sim, order.client_order_id))
    await until(lambda: order.status is OrderStatus.FILLED)
    assert desk.session.portfolio.positions(ACCOUNT)[0].quantity == 10
    other = await desk.session.submit(await desk.order(-51))
    sim.faults.slow_cancel_next = True
    await desk.session.cancel(other.client_order_id)
    await until(lambda: at_ib(sim, other.client_order_id).status == "PendingCancel")
    sim.confirm_pending_cancels()
    await until(lambda: other.status is OrderStatus.CANCELED)


async def test_tws_losing_ibs_servers_halts_the_account_until_it_is_back_and_reconciled(
    desk: Desk, sim: TwsSimulator
) -> None:
    order = await desk.session.submit(await desk.order(-50))
    sim.servers_lost()
    await until(lambda: desk.trading() is TradingState.HALTED)
    assert "lost its connection to IB's servers" in desk.session.account(ACCOUNT).reason
    sim.fill_order(at_ib(sim, order.client_order_id))  # the exchange fills it while TWS is cut off
    sim.servers_restored(data_lost=True)
    await until(lambda: desk.trading() is TradingState.ACTIVE)
    await until(lambda: order.status is OrderStatus.FILLED)
    again = await desk.session.submit(await desk.order(-51))
    assert again.status is OrderStatus.ACCEPTED, again.reason


async def test_a_modify_tws_never_answers_is_not_published_by_a_later_status(
    sim: TwsSimulator, tmp_path: Path
) -> None:
    desk = Desk(sim, tmp_path, order_timeout_s=0.3)
    await desk.session.connect(ACCOUNT)
    try:
        order = await desk.session.submit(await desk.order(-50))
        old = order.limit_price
        assert old is not None
        sim.faults.ignore_modify_next = True
        await desk.session.modify(order.client_order_id, "10", str(old.value - Decimal("0.10")))
        assert order.status is OrderStatus.ACCEPTED and order.limit_price == old, "IB never confirmed the change"
        sim.fill_order(at_ib(sim, order.client_order_id))  # TWS reports the order as it was, filled
        await until(lambda: order.status is OrderStatus.FILLED)
        assert order.limit_price == old
        assert not [e for e in desk.events.of_type(OrderModified) if e.client_order_id == order.client_order_id]
    finally:
        await desk.close()
