"""TradeTerm killed at each labelled point of an API order's intake: the strategy's retry finds the first order.

The strategy posts with the stdlib client, loses the answer (TradeTerm died), and posts the same request again
(same idempotency key) to the restarted TradeTerm: it gets the first order back, and the journal and the
broker each hold that one order — with and without auto-approve.
"""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from core.domain import OrderStatus
from core.strategy_client import ApiUnavailable, TradeTermClient
from tests.adapters.api_crash_child import IntakePoint
from tests.adapters.strategy_api_world import TOKEN, start_api, stop_api, strategy_config

ROOT = Path(__file__).resolve().parents[2]
KEY = "intent-7"

CASES = [
    (IntakePoint.BEFORE_COMMIT, False),
    (IntakePoint.AFTER_COMMIT, False),
    (IntakePoint.BEFORE_ANSWER, False),
    (IntakePoint.BEFORE_COMMIT, True),
    (IntakePoint.AFTER_COMMIT, True),
    (IntakePoint.AFTER_SEND, True),
    (IntakePoint.BEFORE_ANSWER, True),
]


def post(port: int, ask: str, signal_time: datetime) -> dict[str, Any]:
    """Submit the strategy's one intent, as its code would (the client retries a lost answer once by itself)."""
    client = TradeTermClient(f"http://127.0.0.1:{port}", TOKEN, strategy="momo", account="PAPER-1")
    return client.submit("AAPL", "BUY", "10", "LMT", limit_price=ask, signal_time=signal_time, idempotency_key=KEY)


async def killed_during_intake(data_dir: Path, point: IntakePoint, auto: bool) -> tuple[str, datetime]:
    """Run TradeTerm in a child, post the intent, and return (limit price, signal time) once the child is dead."""
    with subprocess.Popen(
        [sys.executable, "-m", "tests.adapters.api_crash_child", str(data_dir), point.value, "on" if auto else "off"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    ) as child:
        try:
            assert child.stdout is not None and child.stderr is not None
            ready = await asyncio.to_thread(child.stdout.readline)
            assert ready, child.stderr.read()
            started = json.loads(ready)
            signal_time = datetime.now(UTC)
            with pytest.raises(ApiUnavailable):
                await asyncio.to_thread(post, started["port"], started["ask"], signal_time)
            returncode = await asyncio.to_thread(child.wait, 60)
            assert returncode == -signal.SIGKILL, child.stderr.read()
            return started["ask"], signal_time
        finally:
            if child.poll() is None:
                child.kill()


@pytest.mark.slow
@pytest.mark.parametrize(("point", "auto"), CASES, ids=[f"{p.value}-auto-{'on' if a else 'off'}" for p, a in CASES])
async def test_the_retry_after_a_crash_returns_the_first_order_and_nothing_is_doubled(
    tmp_path: Path, point: IntakePoint, auto: bool
) -> None:
    ask, signal_time = await killed_during_intake(tmp_path, point, auto)
    api = await start_api(tmp_path, restore=True, configs=[strategy_config(auto)])
    try:
        journaled_before_retry = len(api.world.journal.load().orders)
        assert journaled_before_retry == (0 if point is IntakePoint.BEFORE_COMMIT else 1)
        answer = await asyncio.to_thread(post, api.port, ask, signal_time)

        (order,) = api.world.journal.load().orders
        assert answer["client_order_id"] == order.client_order_id, "the retry got the first order, not a new one"
        assert answer.get("replayed", False) is (point is not IntakePoint.BEFORE_COMMIT)
        shown = api.world.session.oms.get(order.client_order_id)
        assert shown is not None and answer["status"] == shown.status.value
        sent = (await api.world.broker.snapshot()).orders
        if auto and point is not IntakePoint.AFTER_COMMIT:
            assert len(sent) == 1, "the broker got the order exactly once"
            assert shown.status is not OrderStatus.PENDING_APPROVAL
        else:  # not approved (after a crash, an order journaled but not yet sent waits for a person)
            assert sent == () and shown.status is OrderStatus.PENDING_APPROVAL
    finally:
        await stop_api(api)
