"""pykiteconnect's own tests as acceptance tests of the Kite simulator: its answers have the shapes of Kite's.

pykiteconnect's integration tests (tests/integration, against a Kite at --root-url) compare each answer with Kite's
published samples (zerodha/kiteconnect-mocks). This module replays their requests, on the routes the client itself
names (KiteConnect._routes), against the simulator without internet, and compares the raw JSON with the samples'
shapes in tests/fixtures/kite_mock_shapes.json (every key the samples always have, and its value type; see
tests/adapters/json_shapes.py). pykiteconnect checks only the first item of a list; every item is checked here.

What of pykiteconnect's suite cannot apply (run by hand on 2026-12-06, see README): mutual funds, the trigger
range and cover orders (routes and a variety TradeTerm does not use), the intervals test's limits (it expects the
old 30/90/180/365-day limits and an `hour` interval; Kite documents 60/100/200/400 days and no `hour`),
`test_request_pool` (it calls api.kite.trade), and its MARKET and SL-M orders, placed without the market protection
Kite now requires (test_kite_algo_rules.py).
"""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import requests
from kiteconnect import KiteConnect

from core.domain import Quote
from tests.adapters.json_shapes import differences, shape_of
from tests.sims.kite import KiteSimulator
from tests.sims.kite.testing import sim_fixture

sim = sim_fixture()
MOCKS = json.loads((Path(__file__).parents[1] / "fixtures" / "kite_mock_shapes.json").read_text())
ROUTES: dict[str, str] = KiteConnect._routes
BUY = {"exchange": "NSE", "tradingsymbol": "INFY", "transaction_type": "BUY", "quantity": "1", "product": "CNC",
       "validity": "DAY"}


class Kite:
    """Kite's HTTP API as pykiteconnect calls it (its headers and routes), answering the raw JSON."""

    def __init__(self, sim: KiteSimulator) -> None:
        self.root = sim.root
        self.headers = {"X-Kite-Version": "3", "Authorization": f"token {sim.api_key}:{sim.issue_access_token()}"}

    async def call(self, method: str, route: str, params: dict[str, Any] | None = None,
                   form: dict[str, Any] | None = None, **path: object) -> Any:
        url = self.root + ROUTES[route].format(**path)
        answer = await asyncio.to_thread(requests.request, method, url, headers=self.headers, params=params,
                                         data=form, timeout=10)
        return answer.json()

    async def place(self, **fields: str) -> str:
        answer = await self.call("POST", "order.place", form={**BUY, **fields}, variety="regular")
        assert answer["status"] == "success", answer
        return str(answer["data"]["order_id"])


def mismatches(answer: Any, mock: str) -> list[str]:
    assert answer.get("status") == "success", answer
    return differences(answer, MOCKS["shapes"][mock])


async def trading_day(kite: Kite) -> tuple[str, str]:
    """Place a filled market order and a resting limit order; return their ids."""
    filled = await kite.place(order_type="MARKET", market_protection="-1")
    resting = await kite.place(order_type="LIMIT", price="1000", product="MIS")
    return filled, resting


@pytest.mark.parametrize(("method", "route", "path", "params", "mock"), [
    ("GET", "user.profile", {}, None, "profile.json"),
    ("GET", "user.margins", {}, None, "margins.json"),
    ("GET", "user.margins.segment", {"segment": "equity"}, None, "margins_equity.json"),
    ("GET", "user.margins.segment", {"segment": "commodity"}, None, "margin_commodity.json"),
    ("GET", "portfolio.positions", {}, None, "positions.json"),
    ("GET", "portfolio.holdings", {}, None, "holdings.json"),
    ("GET", "orders", {}, None, "orders.json"),
    ("GET", "trades", {}, None, "trades.json"),
    ("GET", "market.quote", {}, {"i": "NSE:INFY"}, "quote.json"),
    ("GET", "market.quote.ohlc", {}, {"i": "NSE:INFY"}, "ohlc.json"),
    ("GET", "market.quote.ltp", {}, {"i": "NSE:INFY"}, "ltp.json"),
], ids=lambda value: value if isinstance(value, str) and value.endswith(".json") else "")
async def test_account_and_market_answers_have_the_shape_of_kites(
    sim: KiteSimulator, method: str, route: str, path: dict[str, str], params: dict[str, str] | None, mock: str
) -> None:
    kite = Kite(sim)
    await trading_day(kite)
    answer = await kite.call(method, route, params, **path)
    assert answer["data"], f"{route} answered nothing to compare"
    assert mismatches(answer, mock) == []


async def test_an_orders_history_and_trades_have_the_shape_of_kites(sim: KiteSimulator) -> None:
    kite = Kite(sim)
    filled, resting = await trading_day(kite)
    for order_id in (filled, resting):
        history = await kite.call("GET", "order.info", order_id=order_id)
        assert len(history["data"]) >= 2, "Kite's history lists each state the order went through"
        assert mismatches(history, "order_info.json") == []
    trades = await kite.call("GET", "order.trades", order_id=filled)
    assert trades["data"]
    assert mismatches(trades, "order_trades.json") == []


async def test_place_modify_and_cancel_answer_like_kite(sim: KiteSimulator) -> None:
    kite = Kite(sim)
    placed = await kite.call("POST", "order.place", form={**BUY, "order_type": "LIMIT", "price": "1000"},
                             variety="regular")
    assert mismatches(placed, "order_response.json") == []
    order_id = placed["data"]["order_id"]
    modified = await kite.call("PUT", "order.modify", form={"quantity": "2"}, variety="regular", order_id=order_id)
    assert mismatches(modified, "order_modify.json") == []
    cancelled = await kite.call("DELETE", "order.cancel", variety="regular", order_id=order_id)
    assert mismatches(cancelled, "order_cancel.json") == []


async def test_historical_candles_have_the_shape_of_kites(sim: KiteSimulator) -> None:
    kite = Kite(sim)
    answer = await kite.call("GET", "market.historical", {"from": "2026-12-04 09:15:00", "to": "2026-12-04 10:15:00",
                                                          "interval": "minute"},
                             instrument_token=408065, interval="minute")
    assert answer["data"]["candles"]
    assert mismatches(answer, "historical_minute.json") == []


async def test_gtt_answers_have_the_shape_of_kites(sim: KiteSimulator) -> None:
    kite = Kite(sim)
    last = float(sim.exchange.market.quote("INFY").bid or 0)
    form = {"type": "single",
            "condition": json.dumps({"exchange": "NSE", "tradingsymbol": "INFY", "trigger_values": [last - 100],
                                     "last_price": last}),
            "orders": json.dumps([{"exchange": "NSE", "tradingsymbol": "INFY", "transaction_type": "BUY",
                                   "quantity": 1, "order_type": "LIMIT", "product": "CNC", "price": last - 100}])}
    placed = await kite.call("POST", "gtt.place", form=form)
    assert mismatches(placed, "gtt_place_order.json") == []
    trigger_id = placed["data"]["trigger_id"]
    listed = await kite.call("GET", "gtt")
    assert listed["data"]
    assert mismatches(listed, "gtt_get_orders.json") == []
    assert mismatches(await kite.call("GET", "gtt.info", trigger_id=trigger_id), "gtt_get_order.json") == []
    modified = await kite.call("PUT", "gtt.modify", form=form, trigger_id=trigger_id)
    assert mismatches(modified, "gtt_modify_order.json") == []
    assert mismatches(await kite.call("DELETE", "gtt.delete", trigger_id=trigger_id), "gtt_delete_order.json") == []


async def test_a_triggered_gtt_has_the_shape_of_kites(sim: KiteSimulator) -> None:
    """A fired GTT carries its order's result (the order placed, or why it failed), as the mock's triggered GTT."""
    kite = Kite(sim)
    last = float(sim.exchange.market.quote("INFY").bid or 0)
    trigger = round(last - 100)
    form = {"type": "single",
            "condition": json.dumps({"exchange": "NSE", "tradingsymbol": "INFY", "trigger_values": [trigger],
                                     "last_price": last}),
            "orders": json.dumps([{"exchange": "NSE", "tradingsymbol": "INFY", "transaction_type": "BUY",
                                   "quantity": 1, "order_type": "LIMIT", "product": "CNC", "price": trigger}])}
    trigger_id = (await kite.call("POST", "gtt.place", form=form))["data"]["trigger_id"]
    sim.exchange.gtts.check(Quote("INFY", last=Decimal(trigger - 1)))
    fired = await kite.call("GET", "gtt.info", trigger_id=trigger_id)
    assert fired["data"]["status"] == "triggered" and fired["data"]["orders"][0]["result"] is not None
    assert mismatches(fired, "gtt_get_order.json") == []


async def test_the_instruments_dump_has_kites_columns(sim: KiteSimulator) -> None:
    answer = await asyncio.to_thread(requests.get, sim.root + ROUTES["market.instruments.all"],
                                     headers=Kite(sim).headers, timeout=10)
    assert answer.text.splitlines()[0] == MOCKS["instruments_csv_header"]


async def test_an_order_postback_on_the_ticker_has_the_shape_of_kites(sim: KiteSimulator) -> None:
    kite = Kite(sim)
    token = kite.headers["Authorization"].rsplit(":", 1)[1]
    async with aiohttp.ClientSession() as session, session.ws_connect(
        f"{sim.ws_root}?api_key={sim.api_key}&access_token={token}"
    ) as ws:
        await kite.place(order_type="MARKET", market_protection="-1")
        while True:
            message = await asyncio.wait_for(ws.receive(), 10)
            if message.type is aiohttp.WSMsgType.TEXT and json.loads(message.data).get("type") == "order":
                break
    postback = json.loads(message.data)["data"]
    assert differences(postback, MOCKS["shapes"]["postback.json"]) == []


def test_a_shape_difference_is_found() -> None:
    """The comparison fails on what an adapter would trip over: a missing field, a price sent as a string."""
    sample = {"data": [{"order_id": "1", "price": 10.5, "tag": None}]}
    shape = shape_of([sample])
    assert differences({"data": [{"order_id": "2", "price": 11, "tag": "x"}]}, shape) == []
    assert differences({"data": [{"order_id": "2", "price": "11", "tag": None}]}, shape) == [
        ".data[0].price: string '11', the samples have number"]
    assert differences({"data": [{"price": 11, "tag": None}]}, shape) == [".data[0].order_id: missing"]
    assert differences({"data": {"order_id": "2"}}, shape) == [".data: not a list"]
