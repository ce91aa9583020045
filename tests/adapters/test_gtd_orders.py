"""Good-till-date orders end to end: a strategy's GTD order reaches OANDA with its end, the journal keeps the end
across a restart, an end in the past is refused before anything is journaled, and an account without GTD says so.

Through the real session, the strategy API and its Python client, and the OANDA v20 simulator.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, closing
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from core.adapters.oanda.adapter import create
from core.domain import AccountId, OrderRequest, OrderStatus, OrderType, Side, TimeInForce
from core.services.approvals import ApprovalQueue
from core.services.bus import EventBus
from core.services.risk import RiskConfig
from core.services.session import OrderRefused, TradingSession
from core.services.strategies import StrategyRegistry
from core.services.strategy_api import StrategyApiServer
from core.storage.idempotency import IdempotencyStore
from core.storage.journal import SqliteJournal
from core.strategy_client import ApiRefused, TradeTermClient
from tests.adapters.strategy_api_world import TOKENS, api_tokens, strategy_config
from tests.sims.oanda.server import OandaSimulator
from tests.sims.oanda.testing import sim_settings

OANDA = AccountId("OANDA-1")
WIRE_TIME = "%Y-%m-%dT%H:%M:%S.%f000Z"


@dataclass
class OandaApi:
    sim: OandaSimulator
    session: TradingSession
    server: StrategyApiServer
    journal_path: Path

    def client(self) -> TradeTermClient:
        return TradeTermClient(self.server.url, TOKENS["momo"], account=str(OANDA))

    def bid(self) -> Decimal:
        quote = self.sim.exchange.market.quote("EUR_USD")
        assert quote.bid is not None
        return quote.bid

    def wires(self) -> list[dict[str, object]]:
        return [order.wire for order in self.sim.exchange.orders.values()]


@asynccontextmanager
async def oanda_api(tmp_path: Path) -> AsyncIterator[OandaApi]:
    """The API over a session whose OANDA account trades on the simulator; strategy orders approved at once."""
    sim = OandaSimulator(tick_interval_s=0.05)
    await sim.start()
    bus = EventBus()
    journal = SqliteJournal(tmp_path / "journal.sqlite")
    session = TradingSession(bus, journal, risk=RiskConfig(accounts={str(OANDA): {"collar_pct": None}}))
    session.add_account(create(OANDA, sim_settings(sim), bus.publish))
    session.restore()
    strategies = StrategyRegistry(started_at=datetime.now(UTC) - timedelta(hours=1))
    strategies.put(strategy_config(auto_approve=True))
    store = IdempotencyStore(tmp_path / "strategy_api.sqlite")
    queue = ApprovalQueue(session, strategies, store)
    server = StrategyApiServer(queue, api_tokens(), audit=lambda *entry: None)
    try:
        await session.connect(OANDA)
        await server.start()
        yield OandaApi(sim, session, server, tmp_path / "journal.sqlite")
    finally:
        await server.stop()
        await queue.stop()
        await session.close()
        journal.close()
        store.close()
        await sim.stop()


async def test_a_strategys_gtd_order_reaches_oanda_with_its_end_and_the_journal_keeps_it(tmp_path: Path) -> None:
    ends = (datetime.now(UTC) + timedelta(hours=3)).replace(microsecond=0)
    async with oanda_api(tmp_path) as api:
        price = api.bid() - Decimal("0.01000")
        queued = await asyncio.to_thread(api.client().submit, "EUR_USD", "BUY", 1000, "LMT", limit_price=price,
                                         tif="GTD", expire_at=ends)
        order = api.session.oms.get(queued["client_order_id"])
        assert order is not None and order.status is not OrderStatus.PENDING_APPROVAL
        (wire,) = api.wires()
        assert (wire["timeInForce"], wire["gtdTime"]) == ("GTD", ends.strftime(WIRE_TIME))
        shown = await asyncio.to_thread(api.client().status, queued["client_order_id"])
        assert (shown["tif"], shown["expire_at"]) == ("GTD", ends.isoformat())
    with SqliteJournal(api.journal_path) as journal:  # as a restarted TradeTerm reads it
        (kept,) = journal.load().orders
        assert (kept.tif, kept.expire_at) == (TimeInForce.GTD, ends)


async def test_a_gtd_end_in_the_past_or_missing_is_refused_before_anything_is_sent(tmp_path: Path) -> None:
    async with oanda_api(tmp_path) as api:
        price = api.bid() - Decimal("0.01000")
        with pytest.raises(ApiRefused) as past:
            await asyncio.to_thread(api.client().submit, "EUR_USD", "BUY", 1000, "LMT", limit_price=price,
                                    tif="GTD", expire_at=datetime.now(UTC) - timedelta(minutes=5))
        assert past.value.field == "expire_at" and "has passed" in past.value.message
        with pytest.raises(ApiRefused) as missing:
            await asyncio.to_thread(api.client().submit, "EUR_USD", "BUY", 1000, "LMT", limit_price=price,
                                    tif="GTD")
        assert missing.value.field == "expire_at" and "needs expire_at" in missing.value.message
        with pytest.raises(OrderRefused) as manual:
            await api.session.submit(OrderRequest(OANDA, "EUR_USD", Side.BUY, "1000", OrderType.LIMIT, price,
                                                  tif=TimeInForce.GTD,
                                                  expire_at=datetime.now(UTC) - timedelta(seconds=1)))
        assert [e.field for e in manual.value.errors] == ["expire_at"]
        assert api.wires() == [] and api.session.journal.load().orders == ()


def test_a_journal_of_format_7_opens_and_its_orders_have_no_end(tmp_path: Path) -> None:
    from core.storage.schema import SCHEMA_VERSION
    from tests.factories import make_order

    path = tmp_path / "j.sqlite"
    with SqliteJournal(path) as journal:
        journal.record_order(make_order(client_order_id="OLD1"))
    with closing(sqlite3.connect(path)) as conn:  # as the trailing stop-limits' TradeTerm left it
        conn.execute("ALTER TABLE orders DROP COLUMN expire_at")
        conn.execute("PRAGMA user_version = 7")
        conn.commit()
    with SqliteJournal(path) as journal:
        assert journal.pragma("user_version") == SCHEMA_VERSION
        (old,) = journal.load().orders
        assert (old.client_order_id, old.expire_at) == ("OLD1", None)
