"""TradeTerm killed (SIGKILL) while queuing a strategy's OCO pair: after the restart the retry (same idempotency key)
finds the pair or queues it anew, never one order of it alone, and the approval queue shows it as one unit."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from core.domain import OrderStatus
from core.strategy_client import ApiUnavailable, TradeTermClient
from tests.adapters.api_crash_child import IntakePoint
from tests.adapters.strategy_api_world import TOKEN, start_api, stop_api

ROOT = Path(__file__).resolve().parents[2]
KEY = "oco-intent-3"


def post_oco(port: int, ask: str, signal_time: datetime) -> dict[str, Any]:
    client = TradeTermClient(f"http://127.0.0.1:{port}", TOKEN, strategy="momo", account="PAPER-1")
    leg = {"symbol": "AAPL", "side": "BUY", "quantity": "10", "order_type": "LMT"}
    return client.submit_oco({**leg, "limit_price": Decimal(ask) - Decimal("0.5")},
                             {**leg, "limit_price": Decimal(ask) - 1}, signal_time=signal_time, idempotency_key=KEY)


@pytest.mark.slow
@pytest.mark.parametrize("point", [IntakePoint.BEFORE_COMMIT, IntakePoint.AFTER_COMMIT])
async def test_a_kill_while_an_oco_is_queued_leaves_both_orders_or_neither(tmp_path: Path,
                                                                           point: IntakePoint) -> None:
    with subprocess.Popen([sys.executable, "-m", "tests.adapters.api_crash_child", str(tmp_path), point.value, "off"],
                          cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as child:
        try:
            assert child.stdout is not None and child.stderr is not None
            ready = await asyncio.to_thread(child.stdout.readline)
            assert ready, child.stderr.read()
            started = json.loads(ready)
            signal_time = datetime.now(UTC)
            with pytest.raises(ApiUnavailable):
                await asyncio.to_thread(post_oco, started["port"], started["ask"], signal_time)
            assert await asyncio.to_thread(child.wait, 60) == -signal.SIGKILL, child.stderr.read()
        finally:
            if child.poll() is None:
                child.kill()
    api = await start_api(tmp_path, restore=True)
    try:
        journaled = api.world.journal.load().orders
        assert len(journaled) == (0 if point is IntakePoint.BEFORE_COMMIT else 2), "both orders of the pair, or none"
        answer = await asyncio.to_thread(post_oco, api.port, started["ask"], signal_time)
        first, second = api.world.journal.load().orders
        assert answer["link"]["orders"] == [str(first.client_order_id), str(second.client_order_id)]
        assert answer.get("replayed", False) is (point is IntakePoint.AFTER_COMMIT)
        (row,) = api.world.queue.rows()
        assert row.client_order_id == first.client_order_id and str(second.client_order_id) in row.link
        assert {o.status for o in api.world.session.oms.orders()} == {OrderStatus.PENDING_APPROVAL}
        assert (await api.world.broker.snapshot()).orders == (), "nothing reached the broker unapproved"
    finally:
        await stop_api(api)
