"""IbBroker against the TWS simulator: what a trader notices on conflicts, rejects, cancels, drops and reconnects."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path

import pytest

from core.adapters.ib.parsing import ClientIdInUse
from core.domain import (
    ConnectionChanged,
    ConnectionState,
    LogMessage,
    OrderFilled,
    OrderModified,
    OrderStatus,
    Quote,
    TradingState,
)
from core.ports.errors import AuthenticationFailed, ConnectionLost, Timeout
from tests.adapters import ib_desk
from tests.adapters.contract import EventRecorder
from tests.adapters.ib_desk import ACCOUNT, Desk, broker, until
from tests.factories import make_order
from tests.sims.tws import TwsSimulator

decoder_guard = ib_desk.decoder_guard
sim = ib_desk.sim_fixture()
desk = ib_desk.desk_fixture()


# --- connecting ----------------------------------------------------------------------------------


async def test_client_id_in_use_says_so_and_offers_the_next_free_id(sim: TwsSimulator) -> None:
    first, second = EventRecorder(), EventRecorder()
    holder = broker(sim, first, client_id=5)
    await holder.connect()
    try:
        late = broker(sim, second, client_id=5)
        with pytest.raises(ClientIdInUse) as raised:
            await late.connect()
        assert isinstance(raised.value, AuthenticationFailed)
        assert raised.value.suggested_client_id == 6
        assert "Client id 5 is already in use" in str(raised.value) and "Client id 6 is free" in str(raised.value)
        failed = second.of_type(ConnectionChanged)[-1]
        assert failed.state is ConnectionState.FAILED and "Client id 6 is free" in failed.message
    finally:
        await holder.disconnect()
    await until(lambda: 5 not in sim.connections)  # the simulator releases the id when the socket closes
    again = broker(sim, second, client_id=5)
    await again.connect()
    await again.disconnect()


async def test_nothing_listening_is_explained_with_the_port_presets(sim: TwsSimulator) -> None:
    port = sim.port
    await sim.stop()
    events = EventRecorder()
    with pytest.raises(ConnectionLost, match=r"Nothing answers at 127\.0\.0\.1:") as raised:
        await broker(sim, events).connect()
    assert "7497 TWS paper" in str(raised.value)
    assert str(port) in str(raised.value)


async def test_an_account_tws_does_not_manage_is_refused_naming_the_ones_it_does(sim: TwsSimulator) -> None:
    with pytest.raises(AuthenticationFailed, match="does not manage account DU9999999; it manages DU1234567"):
        await broker(sim, EventRecorder(), account="DU9999999").connect()


async def test_managed_accounts_are_offered_after_connect(sim: TwsSimulator) -> None:
    adapter = broker(sim, EventRecorder())
    await adapter.connect()
    assert adapter.managed_accounts == ("DU1234567",)
    assert adapter.ib_account == "DU1234567"
    await adapter.disconnect()


# --- orders --------------------------------------------------------------------------------------


async def test_reject_201_is_shown_in_words_on_the_order(desk: Desk, sim: TwsSimulator) -> None:
    sim.faults.reject_next = "The order size exceeds the size limit of 500 shares set in TWS"
    order = await desk.session.submit(await desk.order(5))
    assert order.status is OrderStatus.REJECTED
    assert order.reason == "IB rejected the order: The order size exceeds the size limit of 500 shares set in TWS"
    assert not order.needs_reconciliation
    assert desk.trading() is TradingState.ACTIVE, "a rejected order does not halt the account"


async def test_margin_reject_is_insufficient_funds(desk: Desk, sim: TwsSimulator) -> None:
    sim.faults.reject_next = "YOUR ORDER IS NOT ACCEPTED. YOUR EQUITY WITH LOAN VALUE MUST EXCEED THE INITIAL MARGIN"
    order = await desk.session.submit(await desk.order(5))
    assert order.status is OrderStatus.REJECTED
    assert order.reason.startswith("Not enough margin or buying power:")


async def test_cancel_202_after_the_status_cancels_once_without_alarms(desk: Desk, sim: TwsSimulator) -> None:
    order = await desk.session.submit(await desk.order(-50))
    assert order.status is OrderStatus.ACCEPTED
    await desk.session.cancel(order.client_order_id)
    await until(lambda: order.status is OrderStatus.CANCELED)
    await asyncio.sleep(0.1)
    assert order.reason == "Canceled at your request."
    assert not order.needs_reconciliation
    assert not [e for e in desk.events.of_type(LogMessage) if "not expected" in e.text]
    assert sim.book.find_by_ref(str(order.client_order_id)).status == "Cancelled"  # type: ignore[union-attr]


async def test_partial_fills_arrive_as_separate_trades_with_commissions(desk: Desk, sim: TwsSimulator) -> None:
    sim.faults.partial_fills = 3
    order = await desk.session.submit(await desk.order(5, quantity="30"))
    await until(lambda: order.status is OrderStatus.FILLED)
    fills = [e.fill for e in desk.events.of_type(OrderFilled) if e.client_order_id == order.client_order_id]
    assert [f.quantity.value for f in fills] == [Decimal(10), Decimal(10), Decimal(10)]
    assert len({f.trade_id for f in fills}) == 3
    assert all(f.commission.amount == Decimal("1.00") and f.commission.currency == "USD" for f in fills)
    assert desk.session.portfolio.positions(ACCOUNT)[0].quantity == 30


async def test_modify_re_sends_the_same_order_id_with_the_new_price(desk: Desk, sim: TwsSimulator) -> None:
    order = await desk.session.submit(await desk.order(-50))
    assert order.limit_price is not None
    new_price = order.instrument.make_price(order.limit_price.value - Decimal("0.10"))
    await desk.adapter.modify(order, order.quantity, new_price, None)
    modified = await desk.events.wait_for(OrderModified, lambda e: e.client_order_id == order.client_order_id)
    assert modified.limit_price == new_price
    at_ib = sim.book.find_by_ref(str(order.client_order_id))
    assert at_ib is not None and at_ib.limit_price == new_price.value
    assert len([o for o in sim.book.orders.values() if o.order_ref == str(order.client_order_id)]) == 1


async def test_read_only_connection_refuses_orders_in_words(sim: TwsSimulator, tmp_path: Path) -> None:
    desk = Desk(sim, tmp_path, read_only=True)
    await desk.session.connect(ACCOUNT)
    try:
        order = await desk.session.submit(await desk.order(5))
        assert order.status is OrderStatus.REJECTED and "read-only" in order.reason
        assert sim.book.orders == {}
    finally:
        await desk.close()


async def test_order_ids_stay_above_the_high_water_mark_across_sessions(sim: TwsSimulator, tmp_path: Path) -> None:
    for round_ in range(2):
        desk = Desk(sim, tmp_path / str(round_))
        await desk.session.connect(ACCOUNT)
        try:
            order = await desk.session.submit(await desk.order(-50))
            assert order.status is OrderStatus.ACCEPTED, order.reason
        finally:
            await desk.close()
    ids = sorted(order_id for _, order_id in sim.book.orders)
    assert len(ids) == 2 and ids[0] < ids[1]


# --- drops and reconnects ------------------------------------------------------------------------


async def test_fill_while_disconnected_is_reconciled_exactly_once(desk: Desk, sim: TwsSimulator) -> None:
    order = await desk.session.submit(await desk.order(-50))
    assert order.status is OrderStatus.ACCEPTED
    sim.faults.refuse_connects = True
    sim.drop_client(1)
    await desk.events.wait_for(ConnectionChanged, lambda e: e.state is ConnectionState.RECONNECTING)
    assert desk.trading() is TradingState.HALTED
    at_ib = sim.book.find_by_ref(str(order.client_order_id))
    assert at_ib is not None
    (execution,) = sim.fill_order(at_ib)
    await asyncio.sleep(0.15)
    assert order.status is OrderStatus.ACCEPTED, "nothing can reach TradeTerm while the socket is down"
    sim.faults.refuse_connects = False
    await until(lambda: desk.trading() is TradingState.ACTIVE)
    assert order.status is OrderStatus.FILLED
    assert not order.needs_reconciliation
    for _ in range(2):  # a second drop and reconnect must not book it again
        sim.drop_client(1)
        await until(lambda: desk.trading() is TradingState.HALTED)
        await until(lambda: desk.trading() is TradingState.ACTIVE)
    journaled = [f for f in desk.journal.load().fills if f.trade_id == execution.exec_id]
    assert len(journaled) == 1
    assert journaled[0].commission.amount == execution.commission
    assert desk.session.portfolio.positions(ACCOUNT)[0].quantity == 10
    states = [e.state for e in desk.events.of_type(ConnectionChanged)]
    assert ConnectionState.RECONNECTING in states and states[-1] is ConnectionState.CONNECTED


async def test_drop_before_ack_makes_the_order_unknown_then_reconciles_it(desk: Desk, sim: TwsSimulator) -> None:
    sim.faults.drop_before_ack = True
    order = await desk.session.submit(await desk.order(5))
    assert order.status is OrderStatus.UNKNOWN, "the connection dropped before IB answered"
    await until(lambda: desk.trading() is TradingState.ACTIVE)
    await until(lambda: order.status is OrderStatus.FILLED)
    assert len([o for o in sim.book.orders.values() if o.order_ref == str(order.client_order_id)]) == 1, \
        "reconciled, never resent"
    assert len(desk.journal.load().fills) == 1


async def test_drop_between_partial_fills_books_every_fill_once(desk: Desk, sim: TwsSimulator) -> None:
    sim.faults.partial_fills = 2
    sim.faults.drop_between_partials = True
    order = await desk.session.submit(await desk.order(5, quantity="20"))
    await until(lambda: order.status is OrderStatus.FILLED and desk.trading() is TradingState.ACTIVE)
    fills = desk.journal.load().fills
    assert sorted(f.quantity.value for f in fills) == [Decimal(10), Decimal(10)]
    assert desk.session.portfolio.positions(ACCOUNT)[0].quantity == 20


async def test_market_data_resumes_after_a_reconnect(desk: Desk, sim: TwsSimulator) -> None:
    sim.drop_client(1)
    await desk.events.wait_for(ConnectionChanged, lambda e: e.state is ConnectionState.RECONNECTING)
    reconnected = await desk.events.wait_for(
        ConnectionChanged, lambda e: e.state is ConnectionState.CONNECTED and "Reconnected" in e.message)
    await desk.events.wait_for(Quote, lambda q: q.symbol == "AAPL" and q.ts > reconnected.ts)


async def test_pnl_follows_positions(desk: Desk, sim: TwsSimulator) -> None:
    order = await desk.session.submit(await desk.order(5))
    await until(lambda: order.status is OrderStatus.FILLED)
    await until(lambda: "AAPL" in desk.adapter.pnl_by_symbol and desk.adapter.pnl_by_symbol["AAPL"].position == 10)
    assert desk.adapter.pnl is not None and desk.adapter.pnl.account == "DU1234567"


async def test_a_slow_tws_times_out_in_words_and_the_order_is_not_resent(sim: TwsSimulator) -> None:
    events = EventRecorder()
    adapter = broker(sim, events, order_timeout_s=0.1)
    await adapter.connect()
    await adapter.subscribe([sim.market.listings["AAPL"].instrument()])
    try:
        quote = await events.wait_for(Quote, lambda q: q.bid is not None)
        assert quote.bid is not None
        order = make_order(quantity="1", limit_price=str(quote.bid - Decimal(5)), account_id=ACCOUNT)
        sim.faults.delay_s = 0.2
        with pytest.raises(Timeout, match=r"did not confirm the AAPL order within 0\.1 s; it may be working"):
            await adapter.submit(order)
        sim.faults.delay_s = 0.0
        snapshot = await adapter.snapshot()
        mine = [o for o in snapshot.orders if o.client_order_id == order.client_order_id]
        assert [o.status for o in mine] == [OrderStatus.ACCEPTED], "IB has it once; TradeTerm did not resend"
    finally:
        await adapter.disconnect()
