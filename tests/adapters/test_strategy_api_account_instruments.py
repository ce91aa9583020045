"""The strategy API answers per account: INFY is the NSE share on PAPER-1 and the NYSE ADR on a second account.

A strategy reading /v1/instruments sees both listings, each with its account and currency; /v1/quotes for an
account that does not list a symbol says so instead of answering with another account's market.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import pytest

from core.adapters.paper.adapter import PaperBroker
from core.adapters.paper.config import PaperConfig
from core.domain import AccountId, Instrument
from core.strategy_client import ApiRefused, TradeTermOrderBroker
from tests.adapters.strategy_api_world import TOKENS, ApiWorld, error_of, start_api, stop_api

US = AccountId("US-2")
ADR = Instrument("INFY", "NYSE", "USD", Decimal("0.0001"), name="Infosys ADR")


@pytest.fixture(name="api")
async def two_accounts(tmp_path: Path) -> AsyncIterator[ApiWorld]:
    served = await start_api(tmp_path)
    session = served.world.session
    session.add_account(PaperBroker(US, PaperConfig(tick_interval_s=60), session.bus.publish, instruments=[ADR],
                                    start_prices={"INFY": Decimal("17.0000")}))
    await session.connect(US)
    yield served
    await stop_api(served)


async def test_the_instruments_list_each_accounts_own_infy(api: ApiWorld) -> None:
    listed = await asyncio.to_thread(api.client().instruments)
    infy = sorted((i["account"], i["venue"], i["currency"], i["tick_size"]) for i in listed if i["symbol"] == "INFY")
    assert infy == [("PAPER-1", "NSE", "INR", "0.05"), ("US-2", "NYSE", "USD", "0.0001")]
    own = await asyncio.to_thread(api.client().instruments, "US-2")
    assert [(i["symbol"], i["currency"]) for i in own] == [("INFY", "USD")]


async def test_a_quote_is_refused_for_a_symbol_the_account_does_not_list(api: ApiWorld) -> None:
    with pytest.raises(ApiRefused) as refused:
        await asyncio.to_thread(api.client().quote, "MSFT", "US-2")
    assert refused.value.status == 400 and refused.value.field == "symbol"
    assert "US-2 does not list 'MSFT' (listed by PAPER-1)" in str(refused.value)
    status, body = await api.raw("GET", "/v1/quotes?symbol=AAPL&account=NOPE-1")
    assert status == 400 and error_of(body)["field"] == "account"


async def test_a_quote_answers_on_the_accounts_own_feed_in_the_instruments_spelling(api: ApiWorld) -> None:
    quote = await asyncio.to_thread(api.client().quote, "infy", "US-2")
    assert quote["symbol"] == "INFY" and quote["feed"] == "US-2"
    assert Decimal(quote["bid"]) < 100  # the ADR near $17, never the NSE share near ₹1,520


async def test_a_hikyuu_system_prices_on_its_own_accounts_tick(api: ApiWorld) -> None:
    """Its account is PAPER-1 (the NSE share, tick 0.05), though US-2's ADR (tick 0.0001) was listed last."""
    broker = TradeTermOrderBroker(api.server.url, TOKENS["momo"], account="PAPER-1")
    coid = await asyncio.to_thread(broker.buy, "", "INFY", 1520.03, 10, 0, 0, None)
    order = api.world.session.oms.get(coid)
    assert order is not None and order.limit_price is not None
    assert order.limit_price.value in (Decimal("1520.00"), Decimal("1520.05")), "on the NSE tick, not 1520.03"
