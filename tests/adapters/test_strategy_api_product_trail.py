"""A strategy's product and trailing stop through the real API server, the approval queue and the one order path:
an MIS order reaches the Kite simulator as MIS (also after edit-and-approve), a trailing stop works on paper (its
stop ratchets), a bad product and a trail on Kite are refused in words a strategy author acts on, and one
idempotency key cannot carry two products."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from core.adapters.kite.adapter import KiteBroker
from core.adapters.kite.config import KiteConfig
from core.domain import AccountId, ClientOrderId, OrderStatus
from core.domain.product import Product
from core.domain.trailing import Trail
from core.services.approvals import ApprovalQueue, OrderEdit
from core.services.bus import EventBus
from core.services.risk import RiskConfig
from core.services.session import TradingSession
from core.services.strategies import StrategyRegistry
from core.services.strategy_api import StrategyApiServer
from core.services.strategy_api.payload import ORDER_FIELDS
from core.storage.idempotency import IdempotencyStore
from core.storage.journal import SqliteJournal
from core.strategy_client import ApiRefused, TradeTermClient, TradeTermOrderBroker
from tests.adapters.strategy_api_world import (
    TOKENS,
    api_tokens,
    error_of,
    start_api,
    stop_api,
    strategy_config,
)
from tests.sims.kite import KiteSimulator
from tests.sims.kite.testing import sim_credentials, sim_settings

KITE = AccountId("KITE-1")


@dataclass
class KiteApi:
    sim: KiteSimulator
    session: TradingSession
    queue: ApprovalQueue
    server: StrategyApiServer

    def client(self) -> TradeTermClient:
        return TradeTermClient(self.server.url, TOKENS["momo"], account=str(KITE))

    def placed(self) -> list[dict[str, Any]]:
        return [dict(sim.order) for sim in self.sim.exchange.orders.values()]


@asynccontextmanager
async def kite_api(tmp_path: Path, *, auto_approve: bool) -> AsyncIterator[KiteApi]:
    """The API served over a session whose Kite account (default product CNC) trades on the simulator."""
    sim = KiteSimulator(tick_interval_s=0.05)
    await sim.start()
    bus = EventBus()
    journal = SqliteJournal(tmp_path / "journal.sqlite")
    session = TradingSession(bus, journal, risk=RiskConfig(accounts={str(KITE): {"collar_pct": None}}))
    settings = sim_settings(sim, ticker=False, instruments_cache_dir=str(tmp_path))
    session.add_account(KiteBroker(KITE, KiteConfig.from_mapping(settings), bus.publish, sim_credentials(sim)))
    session.restore()
    strategies = StrategyRegistry(started_at=datetime.now(UTC) - timedelta(hours=1))
    strategies.put(strategy_config(auto_approve))
    store = IdempotencyStore(tmp_path / "strategy_api.sqlite")
    queue = ApprovalQueue(session, strategies, store)
    server = StrategyApiServer(queue, api_tokens(), audit=lambda *entry: None)
    try:
        await session.connect(KITE)
        await server.start()
        yield KiteApi(sim, session, queue, server)
    finally:
        await server.stop()
        await queue.stop()
        await session.close()
        journal.close()
        store.close()
        await sim.stop()


async def refused(call: Any, *args: Any, **kwargs: Any) -> ApiRefused:
    with pytest.raises(ApiRefused) as caught:
        await asyncio.to_thread(call, *args, **kwargs)
    return caught.value


async def test_an_mis_order_posted_by_a_strategy_reaches_kite_as_mis(tmp_path: Path) -> None:
    async with kite_api(tmp_path, auto_approve=True) as api:
        queued = await asyncio.to_thread(api.client().submit, "INFY", "BUY", 2, "LMT", limit_price="1500.00",
                                         product="mis")
        order = api.session.oms.get(queued["client_order_id"])
        assert order is not None and order.status is not OrderStatus.PENDING_APPROVAL
        (placed,) = api.placed()
        assert (placed["tradingsymbol"], placed["product"], placed["quantity"]) == ("INFY", "MIS", 2), \
            "the account's default is CNC: the strategy's MIS must reach the broker"
        shown = await asyncio.to_thread(api.client().status, queued["client_order_id"])
        assert shown["product"] == "MIS"


async def test_a_waiting_mis_order_shows_its_product_and_keeps_it_when_edited_and_approved(tmp_path: Path) -> None:
    async with kite_api(tmp_path, auto_approve=False) as api:
        queued = await asyncio.to_thread(api.client().submit, "INFY", "BUY", 2, "LMT", limit_price="1500.00",
                                         product="MIS")
        (row,) = api.queue.rows()
        assert row.product == "MIS", "the trader approving sees the product the strategy chose"
        assert api.placed() == [], "nothing goes out before approval"
        outcome = await api.queue.edit_and_approve(ClientOrderId(queued["client_order_id"]), OrderEdit(quantity="3"))
        assert outcome.approved, outcome.reason
        (placed,) = api.placed()
        assert (placed["product"], placed["quantity"]) == ("MIS", 3)
        assert outcome.order is not None and outcome.order.product is Product.MIS


async def test_a_trailing_stop_on_kite_is_refused_before_anything_is_journaled(tmp_path: Path) -> None:
    async with kite_api(tmp_path, auto_approve=True) as api:
        error = await refused(api.client().submit, "INFY", "SELL", 2, "TRAIL", trail_amount="5")
        assert error.status == 422
        assert "KITE-1 cannot take a trailing stop" in error.message and "stop order" in error.message
        assert api.session.journal.load().orders == () and api.placed() == []
        preview = await asyncio.to_thread(api.client().preview, "INFY", "SELL", 2, "TRAIL", trail_percent="1")
        assert (preview["verdict"], preview["field"]) == ("refused", "order_type"), "preview says what submit would"
        assert "cannot take a trailing stop" in preview["reason"]


async def test_one_idempotency_key_cannot_carry_two_products(tmp_path: Path) -> None:
    async with kite_api(tmp_path, auto_approve=False) as api:
        client, signal = api.client(), datetime.now(UTC) - timedelta(seconds=1)
        first = await asyncio.to_thread(client.submit, "INFY", "BUY", 2, "LMT", limit_price="1500.00",
                                        product="MIS", idempotency_key="intent-7", signal_time=signal)
        again = await asyncio.to_thread(client.submit, "INFY", "BUY", 2, "LMT", limit_price="1500.00",
                                        product="mis", idempotency_key="intent-7", signal_time=signal)
        assert again["client_order_id"] == first["client_order_id"] and again.get("replayed") is True
        error = await refused(client.submit, "INFY", "BUY", 2, "LMT", limit_price="1500.00", product="CNC",
                              idempotency_key="intent-7", signal_time=signal)
        assert (error.status, error.code) == (409, "idempotency_conflict")
        assert len(api.session.journal.load().orders) == 1 and len(api.queue.rows()) == 1


async def test_an_unknown_product_is_refused_naming_the_products(tmp_path: Path) -> None:
    api = await start_api(tmp_path)
    try:
        status, body = await api.raw("POST", "/v1/orders", api.order_body(product="INTRADAY"))
        error = error_of(body)
        assert status == 400 and error["field"] == "product"
        assert all(name in str(error["message"]) for name in ("CNC", "MIS", "NRML")), error
        assert api.world.journal.load().orders == ()
    finally:
        await stop_api(api)


async def test_a_trail_is_refused_as_the_ticket_refuses_it(tmp_path: Path) -> None:
    api = await start_api(tmp_path)
    try:
        cases = {
            "neither": ({"order_type": "TRAIL", "limit_price": None}, "trail_amount", "one of trail_amount"),
            "both": ({"order_type": "TRAIL", "limit_price": None, "trail_amount": "0.25", "trail_percent": "1"},
                     "trail_percent", "not both"),
            "off tick": ({"order_type": "TRAIL", "limit_price": None, "trail_amount": "0.253"}, "trail_amount",
                         "ticks in 0.01"),
            "100%": ({"order_type": "TRAIL", "limit_price": None, "trail_percent": "100"}, "trail_percent",
                     "below 100"),
            "on a limit": ({"trail_amount": "0.25"}, "trail_amount", "has no trail"),
        }
        for name, (changes, field, words) in cases.items():
            status, body = await api.raw("POST", "/v1/orders", api.order_body(side="SELL", **changes))
            error = error_of(body)
            assert (status, error["field"]) == (400, field), (name, body)
            assert words in str(error["message"]), (name, error)
        assert api.world.journal.load().orders == ()
    finally:
        await stop_api(api)


async def test_a_trailing_stop_posted_by_a_strategy_ratchets_on_paper(tmp_path: Path) -> None:
    api = await start_api(tmp_path, configs=[strategy_config(auto_approve=True)])
    try:
        client = api.client()
        await asyncio.to_thread(client.submit, "AAPL", "BUY", 10, "MKT")
        assert api.world.session.portfolio.position(AccountId("PAPER-1"), "AAPL").quantity == 10
        queued = await asyncio.to_thread(client.submit, "AAPL", "SELL", 10, "TRAIL", trail_amount="0.25")
        order = api.world.session.oms.get(queued["client_order_id"])
        assert order is not None and order.status is OrderStatus.ACCEPTED and order.trail == Trail(Decimal("0.25"))
        shown = await asyncio.to_thread(client.status, queued["client_order_id"])
        assert (shown["order_type"], shown["trail_amount"], shown["trail_percent"]) == ("TRAIL", "0.25", None)

        async def stop() -> Decimal:
            found = await api.world.broker.lookup_order(order)
            assert found is not None and found.state.stop_price is not None
            return found.state.stop_price

        first = last = await stop()
        for _ in range(3000):  # the paper market's own seeded walk
            if order.status is not OrderStatus.ACCEPTED:
                break
            api.world.broker._tick()
            if order.status is OrderStatus.ACCEPTED:
                now = await stop()
                assert now >= last, "a sell trail's stop never comes down"
                last = now
        assert last > first, "the stop followed the market up"
    finally:
        await stop_api(api)


async def test_a_hikyuu_system_set_to_mis_sends_its_orders_to_kite_as_mis(tmp_path: Path) -> None:
    async with kite_api(tmp_path, auto_approve=True) as api:
        broker = TradeTermOrderBroker(api.server.url, TOKENS["momo"], account=str(KITE), product="MIS")
        await asyncio.to_thread(broker.buy, "NSE", "INFY", 1500.0, 2.0, 0.0, 0.0, "SIGNAL", "")
        assert broker.get_last_error() == ""
        (placed,) = api.placed()
        assert (placed["tradingsymbol"], placed["product"]) == ("INFY", "MIS")


async def test_the_openapi_document_describes_every_order_field_the_api_reads(tmp_path: Path) -> None:
    api = await start_api(tmp_path)
    try:
        status, document = await api.raw("GET", "/v1/openapi.json")
        body = document["components"]["schemas"]["OrderBody"]["properties"]
        assert status == 200 and set(body) == set(ORDER_FIELDS)
        assert body["product"]["enum"] == ["CNC", "MIS", "NRML"] and "TRAIL" in body["order_type"]["enum"]
    finally:
        await stop_api(api)
