"""A Kite place whose answer timed out here, taken by Kite afterwards: TradeTerm follows the order Kite works.

Real Kite can act on a request after the client gave up waiting (tests/sims/kite/late_place.py). The order goes
UNKNOWN here and the resolver finds it at Kite; found by the Kite chaos run's stalls. Before the fix the adapter
forgot an order whose place answer was lost, so once Kite worked it, its fills were never booked until the
trader reconnected: TradeTerm showed it working while it had filled at Kite. And the books the resolver and
reconciliation read were read while a place given up on here could still be on its way, so they could prove an
order absent a moment before Kite took it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from core.adapters.kite.adapter import KiteBroker
from core.adapters.kite.config import KiteConfig
from core.domain import AccountId, Order, OrderAccepted, OrderRequest, OrderStatus, OrderType, Side, TradingState
from core.ports.errors import Timeout
from core.services.bus import EventBus
from core.services.session import TradingSession
from core.storage.journal import SqliteJournal
from tests.adapters.contract import BrokerContract, ContractSubject, EventRecorder
from tests.sims.kite.late_place import LatePlaceKiteSimulator
from tests.sims.kite.testing import sim_credentials, sim_settings

ACCOUNT = AccountId("KITE-1")
TIMEOUT_S = 0.5
LATE_S = 1.5
"""Kite takes the place this long after it arrived: past the client's timeout, before the resolver gives up."""
WAIT_S = 30.0
SLOW_TIMEOUT_S = 1.0
"""The client gives up on a call after this and a second (2 s); the slow place below is still running then."""


@pytest.fixture
async def sim() -> AsyncIterator[LatePlaceKiteSimulator]:
    simulator = LatePlaceKiteSimulator(tick_interval_s=0.05)
    await simulator.start()
    yield simulator
    await simulator.stop()


async def session_on(sim: LatePlaceKiteSimulator, tmp_path: Path) -> TradingSession:
    bus = EventBus()
    session = TradingSession(bus, SqliteJournal(tmp_path / "journal.sqlite"))
    settings = sim_settings(sim, ticker=False, request_timeout_s=TIMEOUT_S, order_timeout_s=1.0, poll_interval_s=0.1)
    session.add_account(KiteBroker(ACCOUNT, KiteConfig.from_mapping(settings), bus.publish, sim_credentials(sim)))
    await session.connect(ACCOUNT)
    bus.publish(sim.exchange.market.quote("INFY"))
    return session


async def until(condition: object, what: str) -> None:
    assert callable(condition)
    deadline = asyncio.get_running_loop().time() + WAIT_S
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, what
        await asyncio.sleep(0.05)


def status(order: Order) -> OrderStatus:
    """The order's status now (it changes while the test waits)."""
    return order.status


def kite_order(sim: LatePlaceKiteSimulator, order: Order) -> dict[str, object]:
    return next(o for o in sim.exchange.order_list() if o["tag"] == str(order.client_order_id))


async def test_an_order_kite_takes_after_its_place_timed_out_is_followed_to_its_fills(
        sim: LatePlaceKiteSimulator, tmp_path: Path) -> None:
    session = await session_on(sim, tmp_path)
    bid = sim.exchange.market.quote("INFY").bid
    assert bid is not None
    sim.late_place_s = LATE_S
    order = await session.submit(OrderRequest(ACCOUNT, "INFY", Side.BUY, "3", OrderType.LIMIT, str(bid - 20)))
    assert order.status is OrderStatus.UNKNOWN, order.reason  # the answer timed out here
    await until(lambda: sim.late_places_taken == 1 and status(order) is OrderStatus.ACCEPTED,
                f"Kite took the order late; TradeTerm shows it {order.status.value} ({order.reason})")
    assert kite_order(sim, order)["status"] == "OPEN"

    sim.exchange.fill_now(str(kite_order(sim, order)["order_id"]))  # the market reaches it at Kite

    await until(lambda: status(order) is OrderStatus.FILLED,
                f"Kite filled the order; TradeTerm shows it {order.status.value} with {order.filled_qty} filled")
    position = session.portfolio.position(ACCOUNT, "INFY")
    assert position is not None and position.quantity == 3
    assert session.account(ACCOUNT).trading is TradingState.ACTIVE  # no halt, no reconnect needed
    await session.close()


async def test_the_books_are_read_after_a_place_given_up_on_has_ended(sim: LatePlaceKiteSimulator) -> None:
    events = EventRecorder()
    settings = sim_settings(sim, ticker=False, request_timeout_s=SLOW_TIMEOUT_S, order_timeout_s=1.0)
    adapter = KiteBroker(ACCOUNT, KiteConfig.from_mapping(settings), events, sim_credentials(sim))
    await adapter.connect()
    quote = sim.exchange.market.quote("INFY")
    events(quote)
    assert quote.bid is not None
    order = BrokerContract().order(ContractSubject(adapter, events, sim.exchange.listings["INFY"].instrument()),
                                   quote.bid - 20)
    sim.slow_place = (2.5, 2.6)  # its answer dribbles in; Kite acts half a second after TradeTerm gave up
    with pytest.raises(Timeout):
        await adapter.submit(order)
    assert sim.late_places_taken == 0  # Kite has not acted yet: the request is still on its way

    snapshot = await adapter.snapshot()  # what the resolver and reconciliation read to judge the order

    assert sim.late_places_taken == 1
    assert [o.client_order_id for o in snapshot.orders] == [order.client_order_id], \
        "the books were read before Kite acted on a request still on its way: the order looked absent"
    await until(lambda: OrderAccepted in [type(e) for e in events.for_order(order)],
                "Kite works the order; the adapter never said so")
    await adapter.disconnect()
