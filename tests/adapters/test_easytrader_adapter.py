"""EasytraderBroker against the simulator: A-share rules in words, lost answers, restarts, login and faults."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from core.adapters.easytrader.adapter import EasytraderBroker
from core.adapters.easytrader.config import EasytraderConfig
from core.adapters.easytrader.parsing import instrument_for
from core.domain import (
    AccountId,
    ConnectionChanged,
    ConnectionState,
    Event,
    LogMessage,
    Order,
    OrderAccepted,
    OrderCanceled,
    OrderFilled,
    OrderModifyRejected,
    OrderStatus,
    OrderSubmitted,
    OrderType,
    Quantity,
    Side,
)
from core.ports.errors import AuthenticationFailed, ConnectionLost, InsufficientFunds, OrderRejected, Timeout
from core.ports.trading_hours import TradingHoursSource
from tests.adapters.contract import EventRecorder
from tests.factories import make_order
from tests.sims.easytrader import EasytraderSimulator, Fault, FaultKind
from tests.sims.easytrader.testing import sim_credentials, sim_settings

SYMBOL = "600000"


@pytest.fixture
def sim() -> Iterator[EasytraderSimulator]:
    with EasytraderSimulator() as sim:
        yield sim


def make_broker(
    sim: EasytraderSimulator, tmp_path: Path, events: EventRecorder, **overrides: object
) -> EasytraderBroker:
    settings = sim_settings(sim, order_map_path=str(tmp_path / "orders.json"), **overrides)
    return EasytraderBroker(AccountId("ET-1"), EasytraderConfig.from_mapping(settings), events, sim_credentials(sim))


@pytest.fixture
async def broker(sim: EasytraderSimulator, tmp_path: Path) -> AsyncIterator[tuple[EasytraderBroker, EventRecorder]]:
    events = EventRecorder()
    adapter = make_broker(sim, tmp_path, events, request_timeout_s=0.5)
    await adapter.connect()
    yield adapter, events
    await adapter.disconnect()


def order(side: Side, price: Decimal, quantity: str = "100", symbol: str = SYMBOL) -> Order:
    placed = make_order(instrument=instrument_for(symbol), side=side, quantity=quantity, order_type=OrderType.LIMIT,
                        limit_price=str(price), account_id=AccountId("ET-1"))
    placed.apply(OrderSubmitted(placed.client_order_id))
    return placed


async def until(events: EventRecorder, placed: Order, status: OrderStatus) -> None:
    def reached(_: object) -> bool:
        events.apply_to(placed)
        return placed.status is status

    await events.wait_for(Event, reached)


def marketable(sim: EasytraderSimulator, side: Side = Side.BUY) -> Decimal:
    quote = sim.exchange.quote(SYMBOL)
    assert quote.ask is not None and quote.bid is not None
    return quote.ask + Decimal("0.05") if side is Side.BUY else quote.bid - Decimal("0.05")


async def test_selling_shares_bought_today_is_refused_in_words_with_the_t1_rule(
    broker: tuple[EasytraderBroker, EventRecorder], sim: EasytraderSimulator
) -> None:
    adapter, events = broker
    bought = order(Side.BUY, marketable(sim))
    await adapter.submit(bought)
    await until(events, bought, OrderStatus.FILLED)
    with pytest.raises(OrderRejected) as refusal:
        await adapter.submit(order(Side.SELL, marketable(sim, Side.SELL)))
    text = str(refusal.value)
    assert "only 0 of the 100 shares held can be sold today" in text
    assert "next trading day (T+1)" in text
    holding = next(h for h in adapter.holdings if h.symbol == SYMBOL)
    assert (holding.total, holding.available) == (100, 0)


async def test_shares_from_earlier_days_are_sellable_and_today_buys_are_not(
    broker: tuple[EasytraderBroker, EventRecorder], sim: EasytraderSimulator
) -> None:
    adapter, events = broker
    sim.exchange.hold(SYMBOL, 300, Decimal("7.50"))
    bought = order(Side.BUY, marketable(sim))
    await adapter.submit(bought)
    await until(events, bought, OrderStatus.FILLED)
    sold = order(Side.SELL, marketable(sim, Side.SELL), quantity="200")
    await adapter.submit(sold)
    await until(events, sold, OrderStatus.FILLED)
    snapshot = await adapter.snapshot()
    assert [(p.symbol, p.quantity) for p in snapshot.positions] == [(SYMBOL, Decimal(200))]
    holding = next(h for h in adapter.holdings if h.symbol == SYMBOL)
    assert (holding.total, holding.available) == (200, 100)
    sim.exchange.roll_day()
    await adapter.snapshot()
    holding = next(h for h in adapter.holdings if h.symbol == SYMBOL)
    assert (holding.total, holding.available) == (200, 200)


async def test_a_price_outside_the_day_limits_is_refused_in_words(
    broker: tuple[EasytraderBroker, EventRecorder], sim: EasytraderSimulator
) -> None:
    adapter, _ = broker
    low, high = sim.exchange.limits(SYMBOL)
    with pytest.raises(OrderRejected, match="outside today's price limits") as refusal:
        await adapter.submit(order(Side.BUY, high + Decimal("0.01")))
    assert f"{low}-{high}" in str(refusal.value)


async def test_odd_lot_buys_and_off_tick_prices_are_refused_before_sending(
    broker: tuple[EasytraderBroker, EventRecorder], sim: EasytraderSimulator
) -> None:
    adapter, _ = broker
    with pytest.raises(OrderRejected, match="whole lots of 100"):
        await adapter.submit(order(Side.BUY, marketable(sim), quantity="150"))
    off_tick = make_order(instrument=instrument_for(SYMBOL, ""), quantity="100", limit_price="7.855",
                          account_id=AccountId("ET-1"))
    with pytest.raises(OrderRejected, match=r"multiple of 0\.01"):
        await adapter.submit(off_tick)
    assert sim.requests.get("/buy", 0) == 0


async def test_a_buy_beyond_the_cash_is_refused_as_insufficient_funds(
    broker: tuple[EasytraderBroker, EventRecorder], sim: EasytraderSimulator
) -> None:
    adapter, _ = broker
    with pytest.raises(InsufficientFunds, match="Not enough available cash"):
        await adapter.submit(order(Side.BUY, marketable(sim), quantity="1000000"))


async def test_a_stalled_order_times_out_clearly_is_never_resent_and_is_found_afterwards(
    broker: tuple[EasytraderBroker, EventRecorder], sim: EasytraderSimulator
) -> None:
    adapter, events = broker
    sim.inject(Fault("/buy", FaultKind.STALL, after=True))
    stalled = order(Side.BUY, marketable(sim))
    with pytest.raises(Timeout) as timeout:
        await adapter.submit(stalled)
    text = str(timeout.value)
    assert "did not answer the 600000 buy order within 0.5 s" in text and "will not resend" in text
    sim.release()
    accepted = await events.wait_for(OrderAccepted, lambda e: e.client_order_id == stalled.client_order_id)
    await events.wait_for(OrderFilled, lambda e: e.client_order_id == stalled.client_order_id)
    assert sim.requests["/buy"] == 1
    assert [o.entrust_no for o in sim.exchange.orders] == [str(accepted.broker_order_id)]
    assert any("whose answer was lost" in m.text for m in events.of_type(LogMessage))
    snapshot = await adapter.snapshot()
    assert [o.client_order_id for o in snapshot.orders] == [stalled.client_order_id]


async def test_a_dropped_connection_while_selling_leaves_the_order_to_be_matched_not_resent(
    broker: tuple[EasytraderBroker, EventRecorder], sim: EasytraderSimulator
) -> None:
    adapter, events = broker
    sim.exchange.hold(SYMBOL, 100, Decimal("7.00"))
    sim.inject(Fault("/sell", FaultKind.DROP, after=True))
    dropped = order(Side.SELL, sim.exchange.limits(SYMBOL)[1])
    with pytest.raises(ConnectionLost, match="dropped during the 600000 sell order"):
        await adapter.submit(dropped)
    await events.wait_for(OrderAccepted, lambda e: e.client_order_id == dropped.client_order_id)
    assert sim.requests["/sell"] == 1 and len(sim.exchange.orders) == 1


async def test_a_server_error_before_the_client_acts_is_a_rejection_with_the_broker_words(
    broker: tuple[EasytraderBroker, EventRecorder], sim: EasytraderSimulator
) -> None:
    adapter, _ = broker
    sim.inject(Fault("/buy", FaultKind.ERROR))
    with pytest.raises(OrderRejected, match="系统繁忙"):
        await adapter.submit(order(Side.BUY, marketable(sim)))
    assert sim.exchange.orders == []


async def test_after_a_restart_orders_are_found_by_entrust_number_and_can_be_canceled(
    sim: EasytraderSimulator, tmp_path: Path
) -> None:
    events = EventRecorder()
    first = make_broker(sim, tmp_path, events)
    await first.connect()
    filled = order(Side.BUY, marketable(sim))
    resting = order(Side.BUY, sim.exchange.limits(SYMBOL)[0])
    withdrawn = order(Side.BUY, sim.exchange.limits(SYMBOL)[0])
    for placed in (filled, resting, withdrawn):
        await first.submit(placed)
    await first.cancel(withdrawn)
    await events.wait_for(OrderCanceled, lambda e: e.client_order_id == withdrawn.client_order_id)
    await until(events, filled, OrderStatus.FILLED)
    first_fills = {e.fill.trade_id for e in events.of_type(OrderFilled)}
    await first.disconnect()

    later = EventRecorder()
    second = make_broker(sim, tmp_path, later)
    await second.connect()
    snapshot = await second.snapshot()
    by_coid = {o.client_order_id: o for o in snapshot.orders}
    assert by_coid[filled.client_order_id].status is OrderStatus.FILLED
    assert by_coid[resting.client_order_id].status is OrderStatus.ACCEPTED
    assert {f.trade_id for f in snapshot.fills if f.client_order_id == filled.client_order_id} == first_fills
    assert {e.fill.trade_id for e in later.of_type(OrderFilled)} == first_fills  # same ids: the journal dedupes
    assert later.of_type(OrderCanceled) == []  # the cancel published before the restart is not published again
    assert by_coid[withdrawn.client_order_id].status is OrderStatus.CANCELED
    await second.cancel(resting)
    canceled = await later.wait_for(OrderCanceled, lambda e: e.client_order_id == resting.client_order_id)
    assert "已撤" in canceled.reason
    await second.disconnect()


async def test_partial_fills_are_published_once_per_trade_number(
    broker: tuple[EasytraderBroker, EventRecorder], sim: EasytraderSimulator
) -> None:
    adapter, events = broker
    sim.exchange.max_fill_lots = 1
    big = order(Side.BUY, marketable(sim), quantity="300")
    await adapter.submit(big)
    await until(events, big, OrderStatus.FILLED)
    await asyncio.sleep(0.15)  # a few more polls see the same trades again
    fills = [e.fill for e in events.of_type(OrderFilled)]
    assert [f.quantity for f in fills] == [Quantity(100)] * 3
    assert len({f.trade_id for f in fills}) == 3
    assert {str(f.trade_id).split("-")[1] for f in fills} == {t.trade_no for t in sim.exchange.trades}


async def test_modify_is_refused_with_what_to_do_instead(broker: tuple[EasytraderBroker, EventRecorder]) -> None:
    adapter, events = broker
    placed = order(Side.BUY, Decimal("7.50"))
    await adapter.modify(placed, Quantity(200), None, None)
    assert "cancel it and send a new one" in events.of_type(OrderModifyRejected)[0].reason


async def test_prepare_reports_progress_and_a_wrong_password_is_an_authentication_failure(
    sim: EasytraderSimulator, tmp_path: Path
) -> None:
    events = EventRecorder()
    settings = EasytraderConfig.from_mapping(sim_settings(sim))
    adapter = EasytraderBroker(AccountId("ET-1"), settings, events, lambda: ("wrong", None))
    with pytest.raises(AuthenticationFailed, match="check the user, password, communication password"):
        await adapter.connect()
    states = events.of_type(ConnectionChanged)
    assert states[0].message.startswith("Step 1 of 3: logging in to 通用同花顺客户端")
    assert states[-1].state is ConnectionState.FAILED
    assert sim.logins[-1]["exe_path"] == r"C:\ths\xiadan.exe"

    good = EventRecorder()
    adapter = make_broker(sim, tmp_path, good)
    await adapter.connect()
    assert [s.message[:11] for s in good.of_type(ConnectionChanged)][:3] == ["Step 1 of 3", "Step 2 of 3",
                                                                             "Step 3 of 3"]
    assert adapter.funds is not None and adapter.funds.cash == Decimal("1000000.00")
    await adapter.disconnect()


async def test_no_password_in_the_keyring_is_said_before_calling_the_server(sim: EasytraderSimulator) -> None:
    adapter = EasytraderBroker(AccountId("ET-1"), EasytraderConfig.from_mapping(sim_settings(sim)), EventRecorder(),
                               lambda: (None, None))
    with pytest.raises(AuthenticationFailed, match="No password for 880012345678 in the keyring"):
        await adapter.connect()
    assert sim.logins == []


async def test_no_server_at_the_address_says_to_start_it() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = EasytraderConfig(port=port, user="u", connect_timeout_s=0.5, request_timeout_s=0.5)
    adapter = EasytraderBroker(AccountId("ET-1"), config, EventRecorder(), lambda: ("p", None))
    with pytest.raises(ConnectionLost, match=f"No easytrader server answers at 127.0.0.1:{port}"):
        await adapter.connect()


async def test_a_server_that_lost_its_login_is_reported_and_recovers(
    broker: tuple[EasytraderBroker, EventRecorder], sim: EasytraderSimulator
) -> None:
    adapter, events = broker
    sim.restart_session()
    lost = await events.wait_for(ConnectionChanged, lambda e: e.state is ConnectionState.RECONNECTING)
    assert "press Prepare" in lost.message
    with pytest.raises(ConnectionLost, match="press Prepare"):
        await adapter.snapshot()
    await adapter.disconnect()
    await adapter.connect()
    assert events.of_type(ConnectionChanged)[-1].state is ConnectionState.CONNECTED


async def test_the_account_says_the_a_share_hours_so_the_ticket_warns_at_lunch_and_after_the_close(
    broker: tuple[EasytraderBroker, EventRecorder]
) -> None:
    adapter, _ = broker
    assert isinstance(adapter, TradingHoursSource)
    lunch = datetime(2026, 12, 7, 12, tzinfo=ZoneInfo("Asia/Shanghai"))
    hours = await adapter.trading_hours(instrument_for("600000"), lunch)
    assert hours is not None and hours.summary(lunch) == "SSE closed · opens 13:00 CST"
