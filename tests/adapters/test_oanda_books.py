"""OANDA's books and TradeTerm's stay equal where the chaos run found them apart (issue 26, seed 29).

- A resting order fills while the transaction stream lags, the answer to a later order (carrying newer
  transactions) overtakes it, then the stream breaks: the read-back after the break must still bring that fill.
- A change whose answer is lost (its connection dropped after OANDA did it) is not sent again by the HTTP
  client, and when the lagging stream brings it back after a newer change, the order keeps the newer one.
- A change lost on its way (it never reached OANDA), then the order fills as it was: the order is FILLED here
  at once, not left waiting for the change's answer.
- A changed order is cancelled and replaced under our id at OANDA: a reconnect must keep it working, not take
  the cancelled original for it.
- OANDA lists at most the newest 500 orders: a reconnect must keep an older order that still works.
- A fill that lands between a reconnect's reads must not show as a difference of the books and halt the account.

The simulator's market stands still here (no tick): every fill is made by the test, at the point it names.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest

from core.adapters.oanda.adapter import OandaBroker, create
from core.domain import (
    AccountId,
    OrderAccepted,
    OrderFilled,
    OrderModified,
    OrderRequest,
    OrderStatus,
    OrderSubmitted,
    OrderType,
    Price,
    Quantity,
    ReconciliationRequired,
    Side,
    TradingState,
)
from core.ports.errors import Timeout
from core.services.bus import EventBus
from core.services.session import TradingSession
from core.storage.journal import SqliteJournal
from tests.adapters.contract import EventRecorder
from tests.factories import make_order
from tests.sims.oanda.server import OandaSimulator
from tests.sims.oanda.testing import sim_fixture, sim_settings

sim = sim_fixture(tick_interval_s=3600.0)  # the market moves only when a test moves it
ACCOUNT = AccountId("OANDA-B")


def fill_resting_buys(sim: OandaSimulator, symbol: str = "EUR_USD") -> None:
    """At OANDA: the market falls through every resting buy limit of symbol, which fill."""
    sim.exchange.move(symbol, -1000)
    sim.exchange.step()


async def test_a_fill_the_broken_stream_still_owed_is_read_back_though_a_later_answer_came_first(
    sim: OandaSimulator,
) -> None:
    events = EventRecorder()
    broker: OandaBroker = create(ACCOUNT, sim_settings(sim, reconnect_initial_s=0.05), events)
    await broker.connect()
    try:
        await stream_flows(sim, events, "web")
        instrument = next(i for i in broker.instruments() if i.symbol == "EUR_USD")
        resting = make_order(instrument=instrument, quantity="10", order_type=OrderType.LIMIT,
                             limit_price="1.08000", account_id=ACCOUNT)
        resting.apply(OrderSubmitted(resting.client_order_id))
        await broker.submit(resting)
        await events.wait_for(OrderAccepted, lambda e: e.client_order_id == resting.client_order_id)

        sim.transactions_flow.clear()  # the stream lags
        fill_resting_buys(sim)  # the resting order fills at OANDA: the stream owes us this fill
        assert [o.state for o in sim.exchange.orders.values() if o.client_id == resting.client_order_id] == ["FILLED"]
        market = make_order(instrument=instrument, quantity="3", order_type=OrderType.MARKET, account_id=ACCOUNT)
        market.apply(OrderSubmitted(market.client_order_id))
        await broker.submit(market)  # its answer carries newer transactions than the owed fill
        await events.wait_for(OrderFilled, lambda e: e.client_order_id == market.client_order_id)
        await sim.drop_streams()  # the stream breaks, losing the fill it held; on reconnecting the gap is read back
        sim.transactions_flow.set()

        filled = await events.wait_for(OrderFilled, lambda e: e.client_order_id == resting.client_order_id)
        assert filled.fill.quantity.value == Decimal(10)
    finally:
        await broker.disconnect()


async def stream_flows(sim: OandaSimulator, events: EventRecorder, probe: str) -> None:
    """Return once the transaction stream has carried an order placed on OANDA's own platform (and, after a
    break, what was read back before it)."""
    sim.exchange.place({"type": "MARKET", "instrument": "EUR_USD", "units": "1", "clientExtensions": {"id": probe}})
    await events.wait_for(OrderFilled, lambda e: e.client_order_id == probe)


async def test_a_gap_of_more_than_a_thousand_transactions_is_read_back_to_its_end(sim: OandaSimulator) -> None:
    events = EventRecorder()
    broker: OandaBroker = create(ACCOUNT, sim_settings(sim, reconnect_initial_s=0.05), events)
    await broker.connect()
    try:
        await stream_flows(sim, events, "web")
        instrument = next(i for i in broker.instruments() if i.symbol == "EUR_USD")
        resting = make_order(instrument=instrument, quantity="10", order_type=OrderType.LIMIT,
                             limit_price="1.08000", account_id=ACCOUNT)
        resting.apply(OrderSubmitted(resting.client_order_id))
        await broker.submit(resting)

        sim.transactions_flow.clear()  # the stream lags while a busy account makes 1,200 transactions
        for _ in range(600):
            created = sim.exchange.place({"type": "LIMIT", "instrument": "EUR_USD", "units": "1", "price": "1.00000"})
            sim.exchange.cancel(created["orderCreateTransaction"]["id"])
        fill_resting_buys(sim)  # then our order fills
        await sim.drop_streams()
        sim.transactions_flow.set()

        filled = await events.wait_for(OrderFilled, lambda e: e.client_order_id == resting.client_order_id)
        assert filled.fill.quantity.value == Decimal(10)
    finally:
        await broker.disconnect()


async def test_a_change_whose_answer_was_lost_is_done_once_and_a_late_read_back_does_not_undo_a_newer_one(
    sim: OandaSimulator,
) -> None:
    events = EventRecorder()
    broker: OandaBroker = create(ACCOUNT, sim_settings(sim, reconnect_initial_s=0.05), events)
    await broker.connect()
    try:
        await stream_flows(sim, events, "web")
        instrument = next(i for i in broker.instruments() if i.symbol == "EUR_USD")
        order = make_order(instrument=instrument, quantity="10", order_type=OrderType.LIMIT,
                           limit_price="1.08000", account_id=ACCOUNT)
        order.apply(OrderSubmitted(order.client_order_id))
        await broker.submit(order)

        sim.transactions_flow.clear()  # the stream lags
        sim.cuts["modify"] = True  # OANDA changes the order, the connection drops before its answer
        with contextlib.suppress(Timeout):  # the change's answer is lost
            await broker.modify(order, Quantity(Decimal(12)), Price(Decimal("1.08010")), None)
        await broker.modify(order, Quantity(Decimal(14)), Price(Decimal("1.08020")), None)  # the trader's next change
        await sim.drop_streams()  # the stream breaks; the first change's transactions are read back after the second
        sim.transactions_flow.set()
        await stream_flows(sim, events, "web-2")

        replacements = [t for t in sim.exchange.transactions if t.get("reason") == "REPLACEMENT"]
        assert [t["units"] for t in replacements] == ["12", "14"], "each change reached OANDA once"
        changes = [e for e in events.of_type(OrderModified) if e.client_order_id == order.client_order_id]
        assert changes[-1].quantity.value == Decimal(14), [e.quantity.value for e in changes]
    finally:
        await broker.disconnect()


@dataclass
class Desk:
    session: TradingSession
    sim: OandaSimulator
    alarms: list[ReconciliationRequired]

    def quote(self) -> None:
        self.session.bus.publish(self.sim.exchange.market.quote("EUR_USD"))

    @staticmethod
    def resting_buy(price: str = "1.08000") -> OrderRequest:
        return OrderRequest(ACCOUNT, "EUR_USD", Side.BUY, "10", OrderType.LIMIT, price)

    async def reconnect(self) -> None:
        await self.session.disconnect(ACCOUNT)
        await self.session.connect(ACCOUNT)

    @property
    def trading(self) -> TradingState:
        return self.session.account(ACCOUNT).trading


@pytest.fixture
async def desk(sim: OandaSimulator, tmp_path: Path) -> AsyncIterator[Desk]:
    bus = EventBus()
    alarms: list[ReconciliationRequired] = []
    bus.subscribe(ReconciliationRequired, alarms.append)
    journal = SqliteJournal(tmp_path / "journal.sqlite")
    session = TradingSession(bus, journal)
    session.add_account(create(ACCOUNT, sim_settings(sim), bus.publish))
    await session.connect(ACCOUNT)
    desk = Desk(session, sim, alarms)
    desk.quote()
    try:
        yield desk
    finally:
        await session.close()
        journal.close()


async def test_a_changed_order_stays_working_after_a_reconnect(desk: Desk) -> None:
    order = await desk.session.submit(desk.resting_buy())
    assert order.status is OrderStatus.ACCEPTED
    await desk.session.modify(order.client_order_id, "12", "1.08010")
    assert (order.status, order.quantity.value) == (OrderStatus.ACCEPTED, Decimal(12))

    await desk.reconnect()

    assert order.status is OrderStatus.ACCEPTED, f"OANDA works it, here it is {order.status.value}: {order.reason}"
    assert (order.quantity.value, order.limit_price and order.limit_price.value) == (Decimal(12), Decimal("1.08010"))
    assert desk.alarms == [] and desk.trading is TradingState.ACTIVE


async def test_an_order_older_than_the_newest_500_stays_working_after_a_reconnect(desk: Desk) -> None:
    order = await desk.session.submit(desk.resting_buy())
    assert order.status is OrderStatus.ACCEPTED
    for _ in range(500):  # orders placed and cancelled on OANDA's own platform since
        created = desk.sim.exchange.place({"type": "LIMIT", "instrument": "EUR_USD", "units": "1",
                                           "price": "1.00000"})
        desk.sim.exchange.cancel(created["orderCreateTransaction"]["id"])

    await desk.reconnect()

    assert order.status is OrderStatus.ACCEPTED, f"OANDA works it, here it is {order.status.value}: {order.reason}"
    assert desk.alarms == [] and desk.trading is TradingState.ACTIVE


async def test_a_fill_between_the_reads_of_a_reconnect_is_booked_and_does_not_halt_the_account(desk: Desk) -> None:
    order = await desk.session.submit(desk.resting_buy())
    assert order.is_working
    desk.sim.after_positions = lambda: fill_resting_buys(desk.sim)  # just after OANDA read its positions

    await desk.reconnect()

    assert order.status is OrderStatus.FILLED and order.filled_qty == Decimal(10)
    assert desk.alarms == [], desk.alarms[0].differences
    assert desk.trading is TradingState.ACTIVE
    position = desk.session.portfolio.position(ACCOUNT, "EUR_USD")
    assert position is not None and position.quantity == desk.sim.exchange.positions["EUR_USD"].units == 10


async def test_a_change_lost_on_its_way_then_a_fill_of_the_order_as_it_was_leaves_it_filled(desk: Desk) -> None:
    order = await desk.session.submit(desk.resting_buy())
    assert order.is_working
    desk.sim.cuts["modify"] = False  # the connection drops before OANDA gets the change
    await desk.session.modify(order.client_order_id, "12", "1.08010")
    assert order.pending_replace is not None  # the change is unanswered
    fill_resting_buys(desk.sim)  # OANDA fills the order as it was, before anyone looks

    await until(lambda: order.status is not OrderStatus.PENDING_REPLACE, f"the order stays {order.status.value}")

    assert (order.status, order.filled_qty, order.quantity.value) == (OrderStatus.FILLED, Decimal(10), Decimal(10)), \
        order.reason
    assert desk.trading is TradingState.ACTIVE


async def until(condition: Callable[[], bool], what: str, timeout_s: float = 5.0) -> None:
    """Wait (polling) until condition holds; fail saying what did not happen."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, what
        await asyncio.sleep(0.02)
