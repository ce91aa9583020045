"""KiteBroker against the Kite simulator over real HTTP, ticker off (ticker cases run in kite_ticker_cases.py)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import requests
from kiteconnect import KiteConnect
from kiteconnect import exceptions as kite_errors

from core.adapters.kite.adapter import KiteBroker
from core.adapters.kite.config import KiteConfig
from core.adapters.kite.parsing import IST
from core.domain import (
    AccountId,
    ConnectionChanged,
    ConnectionState,
    OrderAccepted,
    OrderRequest,
    OrderStatus,
    OrderType,
    Side,
    TradingState,
)
from core.ports.errors import AuthenticationFailed, InsufficientFunds, MarketClosed, Timeout
from core.services.bus import EventBus
from core.services.session import OrderRefused, TradingSession
from core.storage.journal import SqliteJournal
from tests.adapters.contract import BrokerContract, ContractSubject, EventRecorder
from tests.sims.kite import KiteSimulator
from tests.sims.kite.testing import sim_credentials, sim_fixture, sim_settings

sim = sim_fixture()


def broker(sim: KiteSimulator, sink, logged_in: bool = True, **overrides: object) -> KiteBroker:
    settings = sim_settings(sim, ticker=False, **overrides)
    return KiteBroker(AccountId("KITE-1"), KiteConfig.from_mapping(settings), sink, sim_credentials(sim, logged_in))


async def browser_login(adapter: KiteBroker) -> str:
    """Do what the trader's browser does with the login URL; return the address Kite redirects to."""
    answer = await asyncio.to_thread(requests.get, adapter.login_url(), allow_redirects=False, timeout=5)
    assert answer.status_code == 302
    return answer.headers["Location"]


async def test_login_stores_a_token_that_ends_at_six_ist_and_connects(sim: KiteSimulator) -> None:
    events = EventRecorder()
    adapter = broker(sim, events, logged_in=False)
    with pytest.raises(AuthenticationFailed, match="Log in"):
        await adapter.connect()
    assert events.of_type(ConnectionChanged)[-1].state is ConnectionState.FAILED
    redirect = await browser_login(adapter)
    assert "request_token=" in redirect and "status=success" in redirect
    token = await adapter.complete_login(redirect)
    assert token.user_id == "AB1234" and token.value in sim.access_tokens
    local = token.expires_at.astimezone(IST)
    assert (local.hour, local.minute) == (6, 0) and token.expires_at > datetime.now(UTC)
    assert adapter.credentials is not None and adapter.credentials.load_token() == token
    assert adapter.is_connected, "a login after a failed connect resumes the account"
    with pytest.raises(AuthenticationFailed, match="Log in again"):
        await adapter.complete_login(redirect)  # a request token works once
    await adapter.disconnect()


async def test_orders_market_closed_amo_and_insufficient_funds(sim: KiteSimulator) -> None:
    events = EventRecorder()
    adapter = broker(sim, events)
    await adapter.connect()
    subject = ContractSubject(adapter, events, sim.exchange.listings["TCS"].instrument())
    contract = BrokerContract()
    events(sim.exchange.market.quote("TCS"))
    huge = contract.order(subject, Decimal("3900"))
    huge.quantity = type(huge.quantity)(Decimal(1000))
    with pytest.raises(InsufficientFunds, match="Required margin"):
        await adapter.submit(huge)
    sim.exchange.market_open = False
    with pytest.raises(MarketClosed, match="Markets are closed"):
        await adapter.submit(contract.order(subject, Decimal("3900")))
    amo = broker(sim, events, variety="amo")
    await amo.connect()
    after_hours = contract.order(subject, Decimal("3900"))
    await amo.submit(after_hours)
    assert [type(e) for e in events.for_order(after_hours)] == [OrderAccepted]
    assert sim.exchange.order_list()[-1]["status"] == "AMO REQ RECEIVED"
    await amo.disconnect()
    await adapter.disconnect()


async def test_orders_are_spaced_to_kites_rate_limit_and_a_burst_is_translated(sim: KiteSimulator) -> None:
    events = EventRecorder()
    adapter = broker(sim, events)
    await adapter.connect()
    subject = ContractSubject(adapter, events, sim.exchange.listings["INFY"].instrument())
    events(sim.exchange.market.quote("INFY"))
    orders = [await BrokerContract().resting_buy(subject) for _ in range(12)]
    await asyncio.gather(*(adapter.submit(order) for order in orders))
    assert sim.rate_limited == 0
    assert len(events.of_type(OrderAccepted)) == 12
    times = sim.order_request_times
    assert all(times[i + 10] - times[i] >= 1.0 for i in range(len(times) - 10))
    raw = KiteConnect(sim.api_key, access_token=sim.issue_access_token(), root=sim.root)
    place = {"variety": "regular", "exchange": "NSE", "tradingsymbol": "INFY", "transaction_type": "BUY",
             "quantity": 1, "product": "CNC", "order_type": "LIMIT", "price": 1000}
    with pytest.raises(kite_errors.NetworkException, match="Too many requests") as refused:
        for _ in range(11):
            await asyncio.to_thread(raw.place_order, **place)
    assert refused.value.code == 429
    await adapter.disconnect()


async def test_instruments_are_cached_per_day(sim: KiteSimulator, tmp_path: Path) -> None:
    for _ in range(2):
        adapter = broker(sim, EventRecorder(), instruments_cache_dir=str(tmp_path))
        await adapter.connect()
        assert [i.symbol for i in adapter.instruments()] == ["INFY", "RELIANCE", "TCS", "NIFTY 50"]
        await adapter.disconnect()
    assert sim.requests["GET /instruments/NSE"] == 1
    assert len(list(tmp_path.glob("kite-instruments-NSE-*.json"))) == 1
    nifty = adapter.find_instrument("NIFTY 50")
    assert nifty is not None and nifty.asset_class.value == "IND" and nifty.tick_size == Decimal("0.05")


async def test_token_expiry_halts_the_account_and_login_resumes_it_with_nothing_lost(
    sim: KiteSimulator, tmp_path: Path
) -> None:
    bus = EventBus()
    journal = SqliteJournal(tmp_path / "journal.sqlite")
    session = TradingSession(bus, journal)
    adapter = broker(sim, bus.publish)
    session.add_account(adapter)
    await session.connect(adapter.account_id)
    assert session.account(adapter.account_id).trading is TradingState.ACTIVE
    bus.publish(sim.exchange.market.quote("INFY"))
    bid = sim.exchange.market.quote("INFY").bid
    assert bid is not None
    working = await session.submit(OrderRequest(adapter.account_id, "INFY", Side.BUY, "2", OrderType.LIMIT,
                                                str(bid - 5)))
    assert working.status is OrderStatus.ACCEPTED

    await sim.expire_tokens()  # 06:00 IST
    for _ in range(100):
        if session.account(adapter.account_id).trading is TradingState.HALTED:
            break
        await asyncio.sleep(0.05)
    slot = session.account(adapter.account_id)
    assert slot.trading is TradingState.HALTED and "Log in again" in slot.reason
    with pytest.raises(OrderRefused, match="not connected"):
        await session.submit(OrderRequest(adapter.account_id, "INFY", Side.BUY, "1", OrderType.LIMIT, str(bid)))
    sim.exchange.fill_now(str(working.broker_order_id))  # filled while we were logged out

    token = await adapter.complete_login(await browser_login(adapter))
    assert token.value in sim.access_tokens
    for _ in range(100):
        if session.account(adapter.account_id).trading is TradingState.ACTIVE and working.status is OrderStatus.FILLED:
            break
        await asyncio.sleep(0.05)
    assert session.account(adapter.account_id).trading is TradingState.ACTIVE
    assert working.status is OrderStatus.FILLED and working.filled_qty == 2
    position = session.portfolio.position(adapter.account_id, "INFY")
    assert position is not None and position.quantity == 2
    stored = journal.load()
    assert [o.status for o in stored.orders if o.client_order_id == working.client_order_id] == [OrderStatus.FILLED]
    assert sum(f.quantity.value for f in stored.fills) == 2
    await session.close()
    journal.close()


async def test_a_stalled_kite_is_reported_as_a_timeout_not_a_hang(sim: KiteSimulator) -> None:
    # 1 s, not less: the connect's own requests (the instrument list) must fit in it on a loaded 2-core machine (at
    # 0.3 s the connect itself timed out while another test suite ran beside this one).
    adapter = broker(sim, EventRecorder(), request_timeout_s=1.0)
    await adapter.connect()
    sim.stall(2.0)
    with pytest.raises(Timeout, match="did not answer"):
        await adapter.snapshot()
    await asyncio.sleep(1.1)
    assert (await adapter.snapshot()).cash, "Kite answers again once the stall ends"
    await adapter.disconnect()


async def test_the_trader_is_warned_half_an_hour_before_kite_ends_the_session(sim: KiteSimulator) -> None:
    from datetime import timedelta

    from core.adapters.kite.credentials import AccessToken, KiteCredentials
    from core.domain import BrokerTokenExpiring

    events = EventRecorder()
    soon = datetime.now(UTC) + timedelta(minutes=10)
    credentials = KiteCredentials.in_memory(
        sim.api_key, sim.api_secret, AccessToken(sim.issue_access_token(), soon, sim.exchange.user_id)
    )
    adapter = KiteBroker(AccountId("KITE-1"), KiteConfig.from_mapping(sim_settings(sim, ticker=False)), events,
                         credentials)
    await adapter.connect()
    try:
        for _ in range(100):
            if events.of_type(BrokerTokenExpiring):
                break
            await asyncio.sleep(0.01)
        (warning,) = events.of_type(BrokerTokenExpiring)
        assert warning.account_id == AccountId("KITE-1") and warning.expires_at == soon
    finally:
        await adapter.disconnect()

    later = EventRecorder()
    fresh = broker(sim, later)  # a session ending in 12 hours: no warning yet
    await fresh.connect()
    await asyncio.sleep(0.05)
    assert later.of_type(BrokerTokenExpiring) == []
    await fresh.disconnect()
