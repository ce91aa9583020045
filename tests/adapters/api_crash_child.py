"""Child process for the API intake crash tests: a real session serves the strategy API and dies by SIGKILL at a
labelled point of a POST /v1/orders.

Usage: python -m tests.adapters.api_crash_child DATA_DIR POINT AUTO
POINT is an IntakePoint value; AUTO is "on" (the strategy is auto-approved: its order is sent at once) or "off".
The child prints one JSON line {"port", "ask"} once it listens, then serves until the point kills it. The parent
test plays the strategy: it posts, sees the answer lost, restarts TradeTerm on the same data dir and retries.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from collections.abc import Sequence
from enum import StrEnum
from pathlib import Path
from typing import Any

from aiohttp import web

from core.domain import Order, OrderOrigin
from core.services.strategy_api import StrategyApiServer
from tests.adapters.strategy_api_world import api_tokens, strategy_config
from tests.unit.approvals_world import LiveClock, make_world

NOT_KILLED = 17


class IntakePoint(StrEnum):
    BEFORE_COMMIT = "before_commit"  # the request is checked; the order and its key are not yet committed
    AFTER_COMMIT = "after_commit"  # the order and its key are committed; nothing else happened yet
    AFTER_SEND = "after_send"  # auto-approve: the order reached the broker; no answer was written
    BEFORE_ANSWER = "before_answer"  # the intake finished (and, auto-approved, sent); the HTTP answer is not written


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


async def main(data_dir: Path, point: IntakePoint, auto: bool) -> None:
    world = await make_world(data_dir, clock=LiveClock(), restore=True, configs=[strategy_config(auto)])
    record_orders = world.journal.record_orders

    def record_then_die(orders: Sequence[Order], *args: Any, **kwargs: Any) -> None:
        intake = any(order.origin is OrderOrigin.STRATEGY for order in orders)
        if intake and point is IntakePoint.BEFORE_COMMIT:
            die()
        record_orders(orders, *args, **kwargs)
        if intake and point is IntakePoint.AFTER_COMMIT:
            die()

    send = world.broker.submit

    async def send_then_die(order: Order) -> None:
        await send(order)
        if point is IntakePoint.AFTER_SEND:
            die()

    world.journal.record_orders = record_then_die  # type: ignore[method-assign]
    world.broker.submit = send_then_die  # type: ignore[method-assign]
    server = StrategyApiServer(world.queue, api_tokens())
    submit = server.handlers.submit

    async def answer_then_die(request: web.Request) -> web.Response:
        response = await submit(request)
        if point is IntakePoint.BEFORE_ANSWER:
            die()
        return response

    server.handlers.submit = answer_then_die  # type: ignore[method-assign]
    await server.start()
    print(json.dumps({"port": server.port, "ask": str(world.ask())}), flush=True)
    await asyncio.Event().wait()
    sys.exit(NOT_KILLED)


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]), IntakePoint(sys.argv[2]), sys.argv[3] == "on"))
