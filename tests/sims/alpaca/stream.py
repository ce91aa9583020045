"""The trading stream (`/stream`, trade_updates) of the Alpaca simulator: JSON in binary frames, as Alpaca sends it.

The client sends {"action":"authenticate","data":{"key_id","secret_key"}} and reads exactly one answer; then
{"action":"listen","data":{"streams":["trade_updates"]}}. Each order change is then sent as
{"stream":"trade_updates","data":{"event","timestamp","order",…}} (../shared/reference/alpaca-oanda.md A6).
No replay: a client that reconnects reconciles through REST.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from aiohttp import WSMsgType, web

EVENTS = {"pending_new": "pending_new", "new": "new", "partially_filled": "partial_fill", "filled": "fill",
          "canceled": "canceled", "expired": "expired", "replaced": "replaced", "rejected": "rejected",
          "pending_cancel": "pending_cancel", "pending_replace": "pending_replace", "done_for_day": "done_for_day"}


class TradeUpdates:
    """The listening sockets of one account; `publish` sends one order change to each of them."""

    def __init__(self, authorized: Callable[[str, str], bool]) -> None:
        self._authorized = authorized
        self.listeners: list[web.WebSocketResponse] = []
        self.refuse_next = 0
        """Fault: the next n connections are answered 'unauthorized' (the SDK then reconnects with backoff)."""

    async def handle(self, request: web.Request) -> web.StreamResponse:
        if self.listeners:  # one connection per account (alpaca-py#740)
            return web.json_response({"code": 42910000, "message": "connection limit exceeded"}, status=429)
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        try:
            auth = await ws.receive()
            data = _frame(auth).get("data") or {}
            if self.refuse_next > 0 or not self._authorized(str(data.get("key_id")), str(data.get("secret_key"))):
                self.refuse_next = max(0, self.refuse_next - 1)
                await _send(ws, {"stream": "authorization", "data": {"status": "unauthorized",
                                                                     "action": "authenticate"}})
                await ws.close()
                return ws
            await _send(ws, {"stream": "authorization", "data": {"status": "authorized", "action": "authenticate"}})
            async for message in ws:
                frame = _frame(message)
                if frame.get("action") == "listen":
                    streams = list((frame.get("data") or {}).get("streams") or [])
                    await _send(ws, {"stream": "listening", "data": {"streams": streams}})
                    if "trade_updates" in streams and ws not in self.listeners:
                        self.listeners.append(ws)
        finally:
            if ws in self.listeners:
                self.listeners.remove(ws)
        return ws

    async def publish(self, updates: list[dict[str, Any]]) -> None:
        for update in updates:
            for ws in list(self.listeners):
                if not ws.closed:
                    try:
                        await _send(ws, {"stream": "trade_updates", "data": update})
                    except ConnectionResetError:  # the client died (kill -9) before its socket closed
                        if ws in self.listeners:
                            self.listeners.remove(ws)

    async def drop(self) -> None:
        """Fault: close every listening socket (the SDK reconnects; nothing missed is replayed)."""
        for ws in list(self.listeners):
            await ws.close()


def trade_update(status: str, order: dict[str, Any], timestamp: str, fill: dict[str, Any] | None) -> dict[str, Any]:
    update: dict[str, Any] = {"event": EVENTS.get(status, status), "timestamp": timestamp, "order": dict(order)}
    if fill is not None:
        # the FILL activity id is "<time>::<execution id>"; the update carries the execution id, a UUID
        update.update(execution_id=str(fill["id"]).rpartition("::")[2], price=fill["price"], qty=fill["qty"])
    return update


def _frame(message: Any) -> dict[str, Any]:
    if message.type not in (WSMsgType.TEXT, WSMsgType.BINARY):
        return {}
    try:
        data = json.loads(message.data)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


async def _send(ws: web.WebSocketResponse, data: dict[str, Any]) -> None:
    await ws.send_bytes(json.dumps(data).encode())
