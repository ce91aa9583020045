"""Kite's impolite answers (broker-protocols.md, "Real-world answers"): the simulator gives them, the adapter survives.

The real kiteconnect client talks to the simulator over HTTP; ticker-borne postbacks (UPDATE, duplicates, out of
order) are in kite_ticker_cases.py, which runs in its own process.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import requests
from kiteconnect import KiteConnect
from kiteconnect import exceptions as kite_errors

from core.adapters.kite.adapter import KiteBroker
from core.adapters.kite.config import KiteConfig
from core.domain import (
    AccountId,
    OrderAccepted,
    OrderCanceled,
    OrderModified,
    OrderModifyRejected,
    OrderRequest,
    OrderStatus,
    OrderType,
    Side,
)
from core.ports.errors import OrderRejected
from core.services.bus import EventBus
from core.services.session import TradingSession
from core.storage.journal import SqliteJournal
from tests.adapters.contract import BrokerContract, ContractSubject, EventRecorder
from tests.sims.kite import KiteSimulator
from tests.sims.kite.faults import KiteFaults
from tests.sims.kite.testing import sim_credentials, sim_settings


@pytest.fixture
async def sim() -> AsyncIterator[KiteSimulator]:
    simulator = KiteSimulator(tick_interval_s=0.05)
    await simulator.start()
    yield simulator
    await simulator.stop()


def raw_client(sim: KiteSimulator) -> Any:
    return KiteConnect(sim.api_key, access_token=sim.issue_access_token(), root=sim.root)


PLACE = {"variety": "regular", "exchange": "NSE", "tradingsymbol": "INFY", "transaction_type": "BUY",
         "product": "CNC", "order_type": "LIMIT"}


@pytest.mark.parametrize(("quantity", "price", "says"), [
    (-5, "1000", "quantity"), (0, "1000", "quantity"), ("1.5", "1000", "quantity"),
    (1, "1000.03", "Tick size"), (1, "-1", "price"),
])
async def test_kite_refuses_bad_quantities_and_off_tick_prices_at_the_door(
    sim: KiteSimulator, quantity: object, price: str, says: str
) -> None:
    raw = raw_client(sim)
    with pytest.raises(kite_errors.InputException, match=says) as refused:
        await asyncio.to_thread(raw.place_order, **PLACE, quantity=quantity, price=price)
    assert refused.value.code == 400
    assert sim.exchange.order_list() == [], "a refused request books no order"


async def test_kite_refuses_an_order_above_the_freeze_quantity(sim: KiteSimulator) -> None:
    from dataclasses import replace

    sim.exchange.listings["TCS"] = replace(sim.exchange.listings["TCS"], freeze=500)
    raw = raw_client(sim)
    with pytest.raises(kite_errors.InputException, match="freeze quantity 500"):
        await asyncio.to_thread(raw.place_order, **{**PLACE, "tradingsymbol": "TCS"}, quantity=501, price="3900")
    order_id = await asyncio.to_thread(raw.place_order, **{**PLACE, "tradingsymbol": "TCS"}, quantity=500,
                                       price="1000")
    assert sim.exchange.history(order_id)[-1]["status"] == "OPEN"


async def test_unknown_routes_answer_with_kites_json_envelope(sim: KiteSimulator) -> None:
    headers = {"X-Kite-Version": "3", "Authorization": f"token {sim.api_key}:{sim.issue_access_token()}"}
    answer = await asyncio.to_thread(requests.get, f"{sim.root}/no/such/route", timeout=5, headers=headers)
    assert answer.status_code == 404 and answer.headers["Content-Type"].startswith("application/json")
    assert answer.json() == {"status": "error", "message": "Route not found", "data": None,
                             "error_type": "GeneralException"}
    raw = raw_client(sim)
    raw._routes = {**raw._routes, "bogus": "/no/such/route"}
    with pytest.raises(kite_errors.GeneralException, match="Route not found"):
        await asyncio.to_thread(raw._get, "bogus")  # not a DataException or KeyError from a text/plain body


async def test_kite_limits_order_requests_per_minute_and_per_day(sim: KiteSimulator) -> None:
    sim.orders_per_second = 100
    sim.orders_per_minute = 5
    raw = raw_client(sim)
    for _ in range(5):
        await asyncio.to_thread(raw.place_order, **PLACE, quantity=1, price="1000")
    with pytest.raises(kite_errors.NetworkException, match="per minute") as refused:
        await asyncio.to_thread(raw.place_order, **PLACE, quantity=1, price="1000")
    assert refused.value.code == 429
    sim.orders_per_minute, sim.orders_per_day = 1000, 6
    await asyncio.to_thread(raw.place_order, **PLACE, quantity=1, price="1000")
    with pytest.raises(kite_errors.NetworkException, match="per day"):
        await asyncio.to_thread(raw.place_order, **PLACE, quantity=1, price="1000")
    assert len(sim.exchange.order_list()) == 6


def broker(sim: KiteSimulator, sink: Any, **overrides: object) -> KiteBroker:
    settings = sim_settings(sim, ticker=False, **overrides)
    return KiteBroker(AccountId("KITE-1"), KiteConfig.from_mapping(settings), sink, sim_credentials(sim))


async def session_on(sim: KiteSimulator, tmp_path: Path, **overrides: object) -> tuple[TradingSession, KiteBroker]:
    bus = EventBus()
    session = TradingSession(bus, SqliteJournal(tmp_path / "journal.sqlite"))
    adapter = broker(sim, bus.publish, **overrides)
    session.add_account(adapter)
    await session.connect(adapter.account_id)
    bus.publish(sim.exchange.market.quote("INFY"))
    return session, adapter


async def resting_buy(session: TradingSession, sim: KiteSimulator, adapter: KiteBroker, quantity: str = "2"):
    bid = sim.exchange.market.quote("INFY").bid
    assert bid is not None
    order = await session.submit(OrderRequest(adapter.account_id, "INFY", Side.BUY, quantity, OrderType.LIMIT,
                                              str(bid - 20)))
    assert order.status is OrderStatus.ACCEPTED
    return order


async def test_a_modify_kite_answers_ok_and_then_refuses_keeps_the_old_price_and_says_so(
    sim: KiteSimulator, tmp_path: Path
) -> None:
    session, adapter = await session_on(sim, tmp_path)
    try:
        order = await resting_buy(session, sim, adapter)
        old_price, old_qty = order.limit_price, order.quantity
        assert old_price is not None
        sim.faults = KiteFaults(modify_refusals=1.0)
        await session.modify(order.client_order_id, "3", str(old_price.value - 1))
        assert order.status is OrderStatus.ACCEPTED
        assert (order.quantity, order.limit_price) == (old_qty, old_price), "Kite's OMS did not apply the change"
        assert "did not apply it" in order.reason and "rejected by the OMS" in order.reason
        at_kite = sim.exchange.order_list()[-1]
        assert (at_kite["quantity"], Decimal(str(at_kite["price"]))) == (2, old_price.value)

        sim.faults = KiteFaults()
        await session.modify(order.client_order_id, "3", str(old_price.value - 1))
        assert (order.quantity.value, order.limit_price) == (3, type(old_price)(old_price.value - 1))
        assert [type(e) for e in order.events].count(OrderModified) == 1
        assert [type(e) for e in order.events].count(OrderModifyRejected) == 1
    finally:
        await session.close()


async def test_orders_that_linger_in_kites_pending_states_end_where_kite_says(
    sim: KiteSimulator, tmp_path: Path
) -> None:
    sim.faults = KiteFaults(pending_s=0.5)
    session, adapter = await session_on(sim, tmp_path, order_timeout_s=3.0)
    try:
        order = await resting_buy(session, sim, adapter)  # waits through OPEN PENDING
        assert [s["status"] for s in sim.exchange.history(str(order.broker_order_id))][-2:] == ["OPEN PENDING",
                                                                                                "OPEN"]
        assert order.limit_price is not None
        await session.modify(order.client_order_id, "4", str(order.limit_price.value - 1))
        assert order.status is OrderStatus.ACCEPTED and order.quantity.value == 4, "MODIFY PENDING, then applied"
        await session.cancel(order.client_order_id)
        assert order.status is OrderStatus.PENDING_CANCEL, "Kite still shows CANCEL PENDING"
        for _ in range(60):
            if order.status is OrderStatus.CANCELED:
                break
            await asyncio.sleep(0.05)
        assert order.status is OrderStatus.CANCELED
    finally:
        await session.close()


async def test_a_modify_still_pending_after_the_timeout_is_settled_by_polling(sim: KiteSimulator) -> None:
    events = EventRecorder()
    adapter = broker(sim, events, order_timeout_s=0.3)
    await adapter.connect()
    try:
        contract = BrokerContract()
        subject = ContractSubject(adapter, events, sim.exchange.listings["INFY"].instrument())
        events(sim.exchange.market.quote("INFY"))
        order = await contract.resting_buy(subject)
        await adapter.submit(order)
        await events.wait_for(OrderAccepted, lambda e: e.client_order_id == order.client_order_id)
        sim.faults = KiteFaults(pending_s=0.8)
        assert order.limit_price is not None
        await adapter.modify(order, type(order.quantity)(Decimal(2)), order.limit_price, None)
        assert events.of_type(OrderModified) == [] and events.of_type(OrderModifyRejected) == []
        modified = await events.wait_for(OrderModified, timeout=5)
        assert modified.quantity.value == 2
    finally:
        await adapter.disconnect()


async def test_kites_refusal_of_a_bad_order_is_an_order_rejected_with_kites_words(sim: KiteSimulator) -> None:
    events = EventRecorder()
    adapter = broker(sim, events)
    await adapter.connect()
    try:
        raw = raw_client(sim)
        with pytest.raises(kite_errors.InputException):
            await asyncio.to_thread(raw.modify_order, "regular", "nope", quantity=-1)
        assert not events.of_type(OrderCanceled)
        with pytest.raises(OrderRejected, match="Tick size"):
            await adapter._rest(adapter._kite.place_order, **PLACE, quantity=1, price="1000.03")
    finally:
        await adapter.disconnect()


async def test_answers_carry_the_fields_kite_documents(sim: KiteSimulator) -> None:
    """The shapes pykiteconnect's integration tests check against Kite's published mock responses."""
    raw = raw_client(sim)
    holdings = await asyncio.to_thread(raw.holdings)
    assert {"authorised_date", "authorisation", "short_quantity", "mtf", "t1_quantity"} <= set(holdings[0])
    margins = await asyncio.to_thread(raw.margins)
    assert set(margins["commodity"]["available"]) == set(margins["equity"]["available"])
    assert set(margins["commodity"]["utilised"]) == set(margins["equity"]["utilised"])
    profile = await asyncio.to_thread(raw.profile)
    assert {"user_type", "user_shortname", "order_types", "avatar_url", "meta"} <= set(profile)
    quote = (await asyncio.to_thread(raw.quote, "NSE:INFY"))["NSE:INFY"]
    assert {"oi_day_high", "oi_day_low", "lower_circuit_limit", "upper_circuit_limit", "depth"} <= set(quote)
    assert quote["lower_circuit_limit"] < quote["last_price"] < quote["upper_circuit_limit"]
    assert await asyncio.to_thread(raw.get_auction_instruments) == []


async def test_an_order_pending_longer_than_the_timeout_is_unknown_alone_and_resolved_without_a_halt(
    sim: KiteSimulator, tmp_path: Path
) -> None:
    sim.faults = KiteFaults(pending_s=1.2)
    session, adapter = await session_on(sim, tmp_path, order_timeout_s=0.4)
    try:
        bid = sim.exchange.market.quote("INFY").bid
        assert bid is not None
        late = await session.submit(OrderRequest(adapter.account_id, "INFY", Side.BUY, "2", OrderType.LIMIT,
                                                 str(bid - 20)))
        assert late.status is OrderStatus.UNKNOWN, "Kite still says OPEN PENDING when our wait ends"
        assert session.account(adapter.account_id).trading.value == "ACTIVE", "one late order halts nothing"
        for _ in range(80):
            if late.status is OrderStatus.ACCEPTED:
                break
            await asyncio.sleep(0.05)
        assert late.status is OrderStatus.ACCEPTED and late.broker_order_id is not None
        assert sim.requests["POST /orders/regular"] == 1, "never resent"
    finally:
        await session.close()
