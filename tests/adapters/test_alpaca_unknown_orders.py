"""Alpaca orders whose send went unanswered (UNKNOWN: no Alpaca id yet), through the real alpaca-py against the
simulator: a cancel finds them by our client_order_id (GET /v2/orders:by_client_order_id), Alpaca's 404 closes them
as never reached, and a reconnect's reconciliation asks the same question before it calls one never sent."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from core.adapters.alpaca.adapter import create
from core.domain import (
    AccountId,
    Event,
    LogMessage,
    OrderAccepted,
    OrderCanceled,
    OrderCancelRejected,
    OrderRequest,
    OrderStatus,
    OrderSubmitted,
    OrderType,
    OrderUnknown,
    Quote,
    Side,
    TimeInForce,
)
from core.ports.broker import NEVER_REACHED
from core.ports.errors import Timeout
from core.services.bus import EventBus
from core.services.session import TradingSession
from core.storage.journal import SqliteJournal
from tests.adapters.contract import EventRecorder
from tests.factories import make_order
from tests.sims.alpaca.brackets import fill_now
from tests.sims.alpaca.exchange import stamp
from tests.sims.alpaca.server import AlpacaSimulator
from tests.sims.alpaca.testing import sim_fixture, sim_settings

sim = sim_fixture()
ACCOUNT = AccountId("ALPACA-U")
POST = ("POST", "/v2/orders")
QUIET = {"order_timeout_s": 0.3, "stream": False, "poll_interval_s": 60.0}
"""The adapter gives up on an order's answer after 0.3 s, and nothing but the action under test reads Alpaca's
orders (no trade-updates stream, no poll within the test)."""


async def until(condition: Callable[[], bool], what: str) -> None:
    for _ in range(1000):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"{what} did not happen")


class Desk:
    """A real TradingSession with a SqliteJournal, wired to an AlpacaBroker, as the app composes them."""

    def __init__(self, sim: AlpacaSimulator, path: Path, **settings: object) -> None:
        self.journal = SqliteJournal(path / "journal.sqlite")
        self.session = TradingSession(EventBus(), self.journal)
        self.events = EventRecorder()
        self.session.bus.subscribe(Event, self.events)
        self.adapter = create(ACCOUNT, sim_settings(sim, **settings), self.session.bus.publish)
        self.session.add_account(self.adapter)

    async def close(self) -> None:
        await self.session.close()
        await self.adapter.disconnect()
        self.journal.close()


async def resting_buy(desk: Desk, tif: TimeInForce = TimeInForce.DAY) -> OrderRequest:
    """A buy limit under the market (within risk's price collar): it rests at Alpaca, unfilled."""
    quote = await desk.events.wait_for(Quote, lambda q: q.symbol == "AAPL" and q.bid is not None)
    assert quote.bid is not None
    return OrderRequest(ACCOUNT, "AAPL", Side.BUY, "3", OrderType.LIMIT, str(quote.bid - 5), tif=tif)


async def test_cancelling_an_unanswered_order_finds_it_by_our_id_and_cancels_it_at_alpaca(
        sim: AlpacaSimulator) -> None:
    events = EventRecorder()
    adapter = create(ACCOUNT, sim_settings(sim, **QUIET), events)
    await adapter.connect()
    try:
        sim.exchange.faults.arrive_late_s = 0.8  # held up on its way: the adapter gives up and looks first
        order = make_order(instrument=sim.exchange.by_symbol["AAPL"].instrument(), quantity="3",
                           limit_price="100.00", account_id=ACCOUNT)
        order.apply(OrderSubmitted(order.client_order_id))
        with pytest.raises(Timeout):
            await adapter.submit(order)
        order.apply(OrderUnknown(order.client_order_id, "no answer"))  # what the session makes of that Timeout
        await until(lambda: str(order.client_order_id) in sim.exchange.by_client, "Alpaca booking the order")
        booked = sim.exchange.by_client_order_id(str(order.client_order_id))

        await adapter.cancel(order)

        await events.wait_for(OrderCanceled, lambda e: e.client_order_id == order.client_order_id)
        assert events.of_type(OrderCancelRejected) == []
        kinds = [type(e) for e in events.for_order(order)]
        assert kinds == [OrderAccepted, OrderCanceled], "found under its Alpaca id, then canceled"
        assert events.of_type(OrderAccepted)[0].broker_order_id == booked["id"]
        events.apply_to(order)
        assert order.status is OrderStatus.CANCELED
        assert booked["status"] == "canceled", "canceled at Alpaca"
        assert sim.requests.count(POST) == 1, "never sent again"
    finally:
        await adapter.disconnect()


@pytest.fixture
async def desk(sim: AlpacaSimulator, tmp_path: Path) -> AsyncIterator[Desk]:
    made = Desk(sim, tmp_path, **QUIET)
    await made.session.connect(ACCOUNT)
    yield made
    await made.close()


async def test_cancelling_an_order_alpaca_never_got_closes_it_as_never_reached_not_resent(
        desk: Desk, sim: AlpacaSimulator) -> None:
    sim.exchange.faults.cut_before = 1  # the connection drops before Alpaca books it
    order = await desk.session.submit(await resting_buy(desk))
    assert order.status is OrderStatus.UNKNOWN

    await desk.session.cancel(order.client_order_id)

    assert order.status is OrderStatus.CANCELED and order.reason == NEVER_REACHED
    assert not order.needs_reconciliation
    warnings = [m.text for m in desk.events.of_type(LogMessage) if m.level == "WARNING"]
    assert not [w for w in warnings if "reconciliation" in w], warnings
    assert desk.session.oms.working(ACCOUNT) == [], "nothing of it left working or unknown"
    assert ("GET", "/v2/orders:by_client_order_id") in sim.requests, "asked Alpaca by our id"
    assert sim.requests.count(POST) == 1 and sim.exchange.orders == {}, "never sent again"


async def test_a_restart_finds_an_unanswered_order_alpaca_still_works_days_later(
        sim: AlpacaSimulator, tmp_path: Path) -> None:
    first = Desk(sim, tmp_path, **QUIET)
    await first.session.connect(ACCOUNT)
    sim.exchange.faults.arrive_late_s = 0.8  # booked after the adapter gave up on it
    order = await first.session.submit(await resting_buy(first, TimeInForce.GTC))
    assert order.status is OrderStatus.UNKNOWN
    await first.close()  # TradeTerm stops with the order UNKNOWN in its journal
    await until(lambda: str(order.client_order_id) in sim.exchange.by_client, "Alpaca booking the order")
    booked = sim.exchange.by_client_order_id(str(order.client_order_id))
    friday = stamp(datetime.now(UTC) - timedelta(days=3))
    booked.update(created_at=friday, submitted_at=friday, updated_at=friday)  # restarted on Monday

    back = Desk(sim, tmp_path, order_timeout_s=0.3)  # polled, with its trade-updates stream
    try:
        back.session.restore()
        again = back.session.oms.get(order.client_order_id)
        assert again is not None and again.status is OrderStatus.UNKNOWN
        report = await back.session.connect(ACCOUNT)
        assert report.ok, report
        assert again.status is OrderStatus.ACCEPTED, again.reason
        assert again.broker_order_id == booked["id"]
        assert again.limit_price is not None
        fill_now(sim.exchange, booked["id"], again.limit_price.value)  # the market comes down to it
        await until(lambda: again.status is OrderStatus.FILLED, "the fill of the order found by our id")
        assert again.filled_qty == 3 and sim.requests.count(POST) == 1
    finally:
        await back.close()


async def test_an_order_older_than_a_day_is_still_followed_when_alpaca_ends_it(
        sim: AlpacaSimulator, tmp_path: Path) -> None:
    desk = Desk(sim, tmp_path, poll_interval_s=0.05)
    await desk.session.connect(ACCOUNT)
    try:
        order = await desk.session.submit(await resting_buy(desk, TimeInForce.GTC))
        await until(lambda: order.status is OrderStatus.ACCEPTED, "Alpaca's acceptance")
        booked = sim.exchange.by_client_order_id(str(order.client_order_id))
        await until(lambda: booked["status"] == "new", "the order working at Alpaca")
        friday = stamp(datetime.now(UTC) - timedelta(days=3))
        booked.update(created_at=friday, submitted_at=friday, updated_at=friday)  # a GTC order sent on Friday
        sim.exchange.cancel(booked["id"])  # canceled on Alpaca's dashboard on Monday
        await until(lambda: order.status is OrderStatus.CANCELED, "our books to follow Alpaca's cancel")
    finally:
        await desk.close()
