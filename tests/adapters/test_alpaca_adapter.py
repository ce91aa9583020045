"""The Alpaca adapter against the simulator, through the real alpaca-py: what a trader notices beyond the contract."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from core.adapters.alpaca.adapter import AlpacaBroker, create
from core.adapters.paper.matching import MatchingEngine
from core.domain import (
    AccountId,
    ConnectionChanged,
    ConnectionState,
    Order,
    OrderAccepted,
    OrderCanceled,
    OrderFilled,
    OrderModified,
    OrderModifyRejected,
    OrderStatus,
    OrderSubmitted,
    OrderType,
    Price,
    Quantity,
    Side,
    TimeInForce,
)
from core.ports.account_funds import AccountFundsSource
from core.ports.bar_history import BarHistory, HistoryUnavailable
from core.ports.broker import OrderLookup
from core.ports.errors import AuthenticationFailed, InsufficientFunds, InvalidInstrument, OrderRejected, RateLimited
from tests.adapters.contract import EventRecorder
from tests.factories import make_order
from tests.sims.alpaca.server import AlpacaSimulator
from tests.sims.alpaca.testing import sim_fixture, sim_settings

sim = sim_fixture()
ACCOUNT = AccountId("ALPACA-T")


@pytest.fixture
async def broker(sim: AlpacaSimulator) -> AsyncIterator[tuple[AlpacaBroker, EventRecorder]]:
    events = EventRecorder()
    adapter = create(ACCOUNT, sim_settings(sim), events)
    await adapter.connect()
    yield adapter, events
    await adapter.disconnect()


def aapl(sim: AlpacaSimulator, limit: str | None, quantity: str = "1", side: Side = Side.BUY,
         order_type: OrderType = OrderType.LIMIT) -> Order:
    order = make_order(instrument=sim.exchange.by_symbol["AAPL"].instrument(), side=side, quantity=quantity,
                       order_type=order_type, limit_price=limit, account_id=ACCOUNT)
    order.apply(OrderSubmitted(order.client_order_id))
    return order


async def working(sim: AlpacaSimulator, order: Order) -> None:
    """Wait until the simulator's market took the order (Alpaca refuses to replace a pending_new order)."""
    for _ in range(500):
        if sim.exchange.by_client_order_id(str(order.client_order_id))["status"] == "new":
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the order never became new")


def posts(sim: AlpacaSimulator) -> int:
    return sim.requests.count(("POST", "/v2/orders"))


async def test_a_lost_answer_is_settled_by_our_client_order_id_and_never_resent(sim: AlpacaSimulator) -> None:
    events = EventRecorder()
    adapter = create(ACCOUNT, sim_settings(sim, order_timeout_s=0.3), events)
    await adapter.connect()
    try:
        sim.exchange.faults.answer_delay_s = 1.5  # Alpaca books the order, its answer comes too late
        order = aapl(sim, None, "2", order_type=OrderType.MARKET)
        await adapter.submit(order)
        accepted = events.of_type(OrderAccepted)
        assert [e.client_order_id for e in accepted] == [order.client_order_id]
        assert accepted[0].broker_order_id == sim.exchange.by_client[str(order.client_order_id)]
        await events.wait_for(OrderFilled, lambda e: e.client_order_id == order.client_order_id)
        events.apply_to(order)
        assert order.status is OrderStatus.FILLED
        assert posts(sim) == 1
        assert len(sim.exchange.orders) == 1
    finally:
        await adapter.disconnect()


async def test_refusals_are_typed_in_alpacas_words(broker: tuple[AlpacaBroker, EventRecorder],
                                                   sim: AlpacaSimulator) -> None:
    adapter, events = broker
    with pytest.raises(InsufficientFunds, match="insufficient buying power"):
        await adapter.submit(aapl(sim, "180.00", "100000"))
    with pytest.raises(OrderRejected, match="sub-penny"):
        await adapter.submit(aapl(sim, "180.005"))
    sim.exchange.faults.pdt = 1
    with pytest.raises(OrderRejected, match="pattern day trading"):
        await adapter.submit(aapl(sim, "180.00"))
    sim.exchange.faults.wash_trade = 1
    with pytest.raises(OrderRejected, match="wash trade"):
        await adapter.submit(aapl(sim, "180.00"))
    with pytest.raises(InvalidInstrument, match="HALT"):
        await adapter.submit(make_order(instrument=sim.exchange.by_symbol["HALT"].instrument(), limit_price="12.00",
                                        quantity="1", account_id=ACCOUNT))
    assert sim.exchange.orders == {} and events.of_type(OrderAccepted) == []


async def test_a_rate_limit_is_reported_at_once_not_retried_by_the_sdk(broker: tuple[AlpacaBroker, EventRecorder],
                                                                       sim: AlpacaSimulator) -> None:
    adapter, _ = broker
    sim.exchange.faults.rate_limited = 1
    with pytest.raises(RateLimited, match="rate limit"):
        await adapter.submit(aapl(sim, "180.00"))
    assert posts(sim) == 1 and sim.exchange.orders == {}


async def test_modify_replaces_the_order_and_it_stays_ours(broker: tuple[AlpacaBroker, EventRecorder],
                                                           sim: AlpacaSimulator) -> None:
    adapter, events = broker
    order = aapl(sim, "150.00", "3")
    await adapter.submit(order)
    await working(sim, order)
    await adapter.modify(order, Quantity(Decimal(4)), Price(Decimal("151.00")), None)
    changed = await events.wait_for(OrderModified, lambda e: e.client_order_id == order.client_order_id)
    assert changed.quantity.value == 4 and changed.limit_price == Price(Decimal("151.00"))
    old = sim.exchange.by_client_order_id(str(order.client_order_id))
    assert old["status"] == "replaced"
    await adapter.cancel(order)
    await events.wait_for(OrderCanceled, lambda e: e.client_order_id == order.client_order_id)
    assert sim.exchange.orders[old["replaced_by"]]["status"] == "canceled"
    snapshot = await adapter.snapshot()
    mine = [o for o in snapshot.orders if o.client_order_id == order.client_order_id]
    assert [(o.status, o.quantity, o.limit_price) for o in mine] == [(OrderStatus.CANCELED, 4, Decimal("151"))]
    await adapter.modify(order, Quantity(Decimal(5)), Price(Decimal("152.00")), None)
    assert events.of_type(OrderModifyRejected)


async def test_funds_and_lookup_after_a_restart(sim: AlpacaSimulator) -> None:
    events = EventRecorder()
    first = create(ACCOUNT, sim_settings(sim), events)
    await first.connect()
    funds_before = await first.account_funds()
    order = aapl(sim, None, "5", order_type=OrderType.MARKET)
    await first.submit(order)
    await events.wait_for(OrderFilled, lambda e: e.client_order_id == order.client_order_id)
    await first.disconnect()

    second = create(ACCOUNT, sim_settings(sim), EventRecorder())
    await second.connect()
    try:
        assert isinstance(second, OrderLookup) and isinstance(second, AccountFundsSource)
        found = await second.lookup_order(order)
        assert found is not None and found.state.status is OrderStatus.FILLED
        assert sum(f.quantity.value for f in found.fills) == 5
        funds = await second.account_funds()
        before, after = funds_before.lines[0], funds.lines[0]
        assert before.cash is not None and after.cash is not None
        assert after.cash == before.cash - sum(f.quantity.value * f.price.value for f in found.fills)
        assert after.buying_power is not None and after.equity is not None
        assert "pattern day trader" in funds.note
        stranger = aapl(sim, "100.00")
        assert await second.lookup_order(stranger) is None
    finally:
        await second.disconnect()


async def test_a_live_account_connects_only_when_confirmed(sim: AlpacaSimulator) -> None:
    events = EventRecorder()
    adapter = create(AccountId("ALPACA-LIVE"), sim_settings(sim, paper=False), events)
    with pytest.raises(AuthenticationFailed, match="LIVE"):
        await adapter.connect()
    assert events.of_type(ConnectionChanged)[-1].state is ConnectionState.FAILED
    assert sim.requests == []
    confirmed = create(AccountId("ALPACA-LIVE"), sim_settings(sim, paper=False, live_confirmed=True), events)
    await confirmed.connect()
    await confirmed.disconnect()


async def test_wrong_keys_fail_the_connect_with_what_to_do(sim: AlpacaSimulator) -> None:
    events = EventRecorder()
    adapter = create(ACCOUNT, sim_settings(sim, credentials=lambda: ("PKWRONG", "nope")), events)
    with pytest.raises(AuthenticationFailed, match="API key"):
        await adapter.connect()


async def test_a_504_after_booking_is_settled_by_our_id_not_resent(broker: tuple[AlpacaBroker, EventRecorder],
                                                                   sim: AlpacaSimulator) -> None:
    adapter, events = broker
    sim.exchange.faults.gateway_timeouts = 1
    order = aapl(sim, "150.00")
    await adapter.submit(order)
    assert [e.client_order_id for e in events.of_type(OrderAccepted)] == [order.client_order_id]
    assert posts(sim) == 1 and len(sim.exchange.orders) == 1


async def test_more_fills_than_one_page_all_arrive(broker: tuple[AlpacaBroker, EventRecorder],
                                                   sim: AlpacaSimulator) -> None:
    adapter, events = broker
    orders = [aapl(sim, None, "1", order_type=OrderType.MARKET) for _ in range(105)]
    for order in orders:
        await adapter.submit(order)
    for order in orders:
        await events.wait_for(OrderFilled, lambda e, o=order: e.client_order_id == o.client_order_id, timeout=20)
    assert len({e.fill.trade_id for e in events.of_type(OrderFilled)}) == 105


async def test_the_trade_updates_stream_brings_a_fill_before_the_next_poll(sim: AlpacaSimulator) -> None:
    events = EventRecorder()
    adapter = create(ACCOUNT, sim_settings(sim, poll_interval_s=60), events)  # no poll within the test
    await adapter.connect()
    try:
        for _ in range(500):
            if sim.trade_updates.listeners:
                break
            await asyncio.sleep(0.01)
        order = aapl(sim, None, "2", order_type=OrderType.MARKET)
        await adapter.submit(order)
        fill = await events.wait_for(OrderFilled, lambda e: e.client_order_id == order.client_order_id)
        assert fill.fill.quantity.value == 2
    finally:
        await adapter.disconnect()
    assert sim.trade_updates.listeners == [], "disconnect closes the stream"


async def test_an_ioc_fills_part_then_its_rest_is_canceled_in_that_order(sim: AlpacaSimulator) -> None:
    sim.exchange.engine = MatchingEngine(partial_fills=True)
    events = EventRecorder()
    adapter = create(ACCOUNT, sim_settings(sim), events)
    await adapter.connect()
    try:
        quote = sim.exchange.market.quote("AAPL")
        assert quote.ask is not None and quote.ask_size is not None
        # A few ticks through the ask: the market may move between this read and the order's arrival (a loaded
        # host), and an IOC that finds nothing at its price fills nothing; 400 is still more than those levels hold.
        order = make_order(instrument=sim.exchange.by_symbol["AAPL"].instrument(), quantity="400",
                           limit_price=str(quote.ask + Decimal("0.03")), tif=TimeInForce.IOC, account_id=ACCOUNT)
        order.apply(OrderSubmitted(order.client_order_id))
        await adapter.submit(order)
        await events.wait_for(OrderCanceled, lambda e: e.client_order_id == order.client_order_id)
        events.apply_to(order)  # the domain's transition table accepts the sequence
        assert order.status is OrderStatus.CANCELED
        kinds = [type(e) for e in events.for_order(order)]
        assert kinds[0] is OrderAccepted and kinds[-1] is OrderCanceled and OrderFilled in kinds
        sim_order = sim.exchange.by_client_order_id(str(order.client_order_id))
        assert 0 < order.filled_qty == Decimal(sim_order["filled_qty"]) < 400
    finally:
        await adapter.disconnect()


async def test_with_a_full_page_of_older_orders_the_newest_still_ends(broker: tuple[AlpacaBroker, EventRecorder],
                                                                      sim: AlpacaSimulator) -> None:
    adapter, events = broker
    for _ in range(500):  # a busy day: Alpaca lists at most 500 orders a request
        sim.exchange.submit({"symbol": "MSFT", "qty": 1, "side": "buy", "type": "limit", "time_in_force": "day",
                             "limit_price": 1})
    order = make_order(instrument=sim.exchange.by_symbol["AAPL"].instrument(), quantity="1", limit_price="1.00",
                       tif=TimeInForce.IOC, account_id=ACCOUNT)
    order.apply(OrderSubmitted(order.client_order_id))
    await adapter.submit(order)
    await events.wait_for(OrderCanceled, lambda e: e.client_order_id == order.client_order_id)


async def test_the_chart_gets_alpacas_bars_of_each_timeframe(broker: tuple[AlpacaBroker, EventRecorder]) -> None:
    adapter, _ = broker
    assert isinstance(adapter, BarHistory)
    end = datetime(2026, 12, 4, tzinfo=UTC)
    for interval in sorted(adapter.history_intervals()):
        start = end - interval * 30
        bars = await adapter.history("AAPL", interval, start, end)
        assert len(bars) == 30, interval
        assert [b.start for b in bars] == [start + interval * i for i in range(30)]
        assert all(b.low <= min(b.open, b.close) <= max(b.open, b.close) <= b.high for b in bars)
        assert {b.source for b in bars} == {ACCOUNT}
    minutes = await adapter.history("AAPL", timedelta(minutes=1), end - timedelta(days=10), end)
    assert len(minutes) == 14400, "every page of a long range (the SDK follows next_page_token)"
    with pytest.raises(HistoryUnavailable, match="NOSUCH"):
        await adapter.history("NOSUCH", timedelta(days=1), end - timedelta(days=5), end)
