"""GET /v1/events: server-sent events of the token's strategy's own order updates and fills."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable
from typing import Any

from aiohttp import web

from core.domain import FillRecorded, OrderUpdated
from core.services.approvals import ApprovalQueue
from core.services.strategy_api.identity import strategy_of
from core.services.strategy_api.shapes import fill_json, order_json

KEEPALIVE_S = 15.0
BACKLOG = 1000
_KEEPALIVE: tuple[str, dict[str, Any]] = ("keepalive", {})


class EventStreams:
    """Open SSE streams; `close_all` ends them (the server is stopping).

    `authorized(request)` is asked again before each event and keepalive: a stream whose token was
    revoked since it opened ends instead of carrying the strategy's events on.
    """

    def __init__(self, queue: ApprovalQueue, authorized: Callable[[web.Request], bool] = lambda _: True) -> None:
        self._approvals = queue
        self._authorized = authorized
        self._streams: set[asyncio.Queue[tuple[str, dict[str, Any]] | None]] = set()

    def close_all(self) -> None:
        for stream in self._streams:
            with contextlib.suppress(asyncio.QueueFull):
                stream.put_nowait(None)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        strategy = strategy_of(request, request.query.get("strategy") or None)  # the token's own, only
        session = self._approvals.session
        stream: asyncio.Queue[tuple[str, dict[str, Any]] | None] = asyncio.Queue(BACKLOG)

        def push(kind: str, payload: dict[str, Any]) -> None:
            with contextlib.suppress(asyncio.QueueFull):  # a reader that stopped reading loses events, not memory
                stream.put_nowait((kind, payload))

        def on_order(event: OrderUpdated) -> None:
            order = event.order
            if order.strategy_id == strategy:
                push("order", order_json(order, self._approvals.get(order.client_order_id),
                                         self._approvals.store.replaced_by(order.client_order_id)))

        def on_fill(event: FillRecorded) -> None:
            coid = event.fill.client_order_id
            order = session.oms.get(coid) if coid is not None else None
            if order is not None and order.strategy_id == strategy:
                push("fill", fill_json(event.fill))

        response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
        await response.prepare(request)
        unsubscribe = [session.bus.subscribe(OrderUpdated, on_order), session.bus.subscribe(FillRecorded, on_fill)]
        self._streams.add(stream)
        try:
            await response.write(b": connected\n\n")
            while True:
                try:
                    item = await asyncio.wait_for(stream.get(), KEEPALIVE_S)
                except TimeoutError:
                    item = _KEEPALIVE
                if item is None or not self._authorized(request):
                    break  # the server is stopping, or the strategy's token was revoked
                if item is _KEEPALIVE:
                    await response.write(b": keepalive\n\n")
                    continue
                kind, payload = item
                await response.write(f"event: {kind}\ndata: {json.dumps(payload)}\n\n".encode())
        except ConnectionResetError:
            pass  # the strategy went away
        finally:
            self._streams.discard(stream)
            for unsub in unsubscribe:
                unsub()
        return response
