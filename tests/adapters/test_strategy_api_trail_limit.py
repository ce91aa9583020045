"""A strategy's trailing stop-limit (TRAIL_LMT) through the real API server, the Python client, the approval queue
and the one order path to the paper broker: it waits for approval with its limit offset shown, goes out as a
trailing stop-limit once approved, and a missing or misplaced trail_limit_offset is refused in words."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path

from core.domain import AccountId, OrderStatus, OrderType
from core.domain.trailing import Trail
from core.services.strategy_api.openapi import OPENAPI
from tests.adapters.strategy_api_world import error_of, start_api, stop_api


async def test_a_trailing_stop_limit_waits_for_approval_then_works_on_paper(tmp_path: Path) -> None:
    api = await start_api(tmp_path)
    try:
        client = api.client()
        queued = await asyncio.to_thread(client.submit, "AAPL", "SELL", 10, "TRAIL_LMT", trail_amount="0.25",
                                         trail_limit_offset="0.05")
        order = api.world.session.oms.get(queued["client_order_id"])
        assert order is not None and order.status is OrderStatus.PENDING_APPROVAL
        assert order.order_type is OrderType.TRAIL_LIMIT
        assert order.trail == Trail(Decimal("0.25"), limit_offset=Decimal("0.05"))
        (row,) = api.world.queue.rows()
        assert row.trail == "0.25, limit 0.05 beyond the stop", "the queue says the limit offset"
        outcome = await api.world.queue.approve(order.client_order_id)
        assert outcome.approved, outcome
        assert order.status is OrderStatus.ACCEPTED
        found = await api.world.broker.lookup_order(order)
        assert found is not None and found.state.stop_price is not None
        assert found.state.limit_price == found.state.stop_price - Decimal("0.05"), "its limit follows its stop"
        shown = await asyncio.to_thread(client.status, queued["client_order_id"])
        assert (shown["order_type"], shown["trail_amount"], shown["trail_limit_offset"]) == (
            "TRAIL_LMT", "0.25", "0.05")
    finally:
        await stop_api(api)


async def test_a_trail_limit_offset_is_required_on_trail_lmt_and_refused_elsewhere(tmp_path: Path) -> None:
    api = await start_api(tmp_path)
    try:
        cases = {
            "no offset": ({"order_type": "TRAIL_LMT", "limit_price": None, "trail_amount": "0.25"},
                          "trail_limit_offset", "required"),
            "on a trail": ({"order_type": "TRAIL", "limit_price": None, "trail_amount": "0.25",
                            "trail_limit_offset": "0.05"}, "trail_limit_offset", "TRAIL_LMT"),
        }
        for name, (changes, field, words) in cases.items():
            status, body = await api.raw("POST", "/v1/orders", api.order_body(side="SELL", **changes))
            error = error_of(body)
            assert (status, error["field"]) == (400, field), (name, body)
            assert words in str(error["message"]), (name, error)
        assert api.world.journal.load().orders == ()
        schema = OPENAPI["components"]["schemas"]["OrderBody"]["properties"]
        assert "TRAIL_LMT" in schema["order_type"]["enum"] and "trail_limit_offset" in schema
        assert AccountId("PAPER-1") in api.world.session.account_ids()
    finally:
        await stop_api(api)
