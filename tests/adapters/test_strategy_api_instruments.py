"""GET /v1/accounts and GET /v1/instruments/search through the real Python client, over a paper session."""

from __future__ import annotations

import asyncio

import pytest

from core.strategy_client import ApiRefused
from tests.adapters import strategy_api_world
from tests.adapters.strategy_api_world import ApiWorld, error_of

api = strategy_api_world.api_fixture()


async def test_accounts_list_ids_broker_currency_and_state(api: ApiWorld) -> None:
    (paper,) = await asyncio.to_thread(api.client().accounts)
    assert paper["account"] == "PAPER-1" and paper["broker"] == "paper"
    assert paper["connection"] == "CONNECTED" and paper["trading"] == "ACTIVE"
    assert paper["currency"] is None and paper["currencies"] == ["CNY", "INR", "USD"]  # paper holds three


async def test_search_gives_the_windows_results_best_first(api: ApiWorld) -> None:
    found = await asyncio.to_thread(api.client().search_instruments, "MSFT")
    (msft,) = found["matches"]
    assert {k: msft[k] for k in ("account", "symbol", "name", "venue", "currency", "type", "tick_size")} == {
        "account": "PAPER-1", "symbol": "MSFT", "name": "Microsoft Corp.", "venue": "NASDAQ", "currency": "USD",
        "type": "Stock", "tick_size": "0.01"}
    by_name = await asyncio.to_thread(api.client().search_instruments, "infosys")
    assert [m["symbol"] for m in by_name["matches"]] == ["INFY"]


async def test_nothing_found_and_a_missing_query_are_said_plainly(api: ApiWorld) -> None:
    empty = await asyncio.to_thread(api.client().search_instruments, "ZZQX")
    assert empty["matches"] == [] and empty["message"].startswith("Nothing matches 'ZZQX' on PAPER-1")
    with pytest.raises(ApiRefused) as refused:
        await asyncio.to_thread(api.client().search_instruments, "  ")
    assert refused.value.status == 400 and refused.value.field == "q"
    status, body = await api.raw("GET", "/v1/instruments/search?q=AAPL&limit=0")
    assert status == 400 and error_of(body)["field"] == "limit"


async def test_openapi_lists_both_endpoints(api: ApiWorld) -> None:
    status, body = await api.raw("GET", "/v1/openapi.json")
    assert status == 200 and {"/v1/accounts", "/v1/instruments/search"} <= set(body["paths"])
