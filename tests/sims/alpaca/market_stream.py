"""The market-data stream (`/v2/iex`, `/v2/sip`) of the Alpaca simulator: msgpack frames, as Alpaca's v2 stream.

On connect the server sends [{"T":"success","msg":"connected"}]; the client sends {"action":"auth","key","secret"}
and reads one answer ([{"T":"success","msg":"authenticated"}] or [{"T":"error","code":402,"msg":"auth failed"}]);
then {"action":"subscribe","quotes":[…],"trades":[…]} (alpaca-py may fragment it), acknowledged with the full
lists. Each market step then sends the subscribed symbols' quotes (T "q") and the trades it printed (T "t", from the
tape: tape.py), their `t` a msgpack Timestamp (alpaca-py calls t.to_datetime()). One connection per key: another
gets error 406.
(../shared/reference/alpaca-oanda.md A8)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import msgpack
from aiohttp import WSMsgType, web

from core.domain import Quote

CHANNELS = ("trades", "quotes", "bars")


class MarketStream:
    """The one data connection of the account's key; `publish` sends it the quotes of a market step."""

    def __init__(self, authorized: Callable[[str, str], bool]) -> None:
        self._authorized = authorized
        self.socket: web.WebSocketResponse | None = None
        self.subscribed: dict[str, set[str]] = {channel: set() for channel in CHANNELS}
        self.connections = 0
        """How many connections were authenticated (a test counts reconnects)."""

    async def handle(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await _send(ws, [{"T": "success", "msg": "connected"}])
        auth = _frame(await ws.receive())
        if self.socket is not None and not self.socket.closed:
            await _send(ws, [{"T": "error", "code": 406, "msg": "connection limit exceeded"}])
            await ws.close()
            return ws
        if auth.get("action") != "auth" or not self._authorized(str(auth.get("key")), str(auth.get("secret"))):
            await _send(ws, [{"T": "error", "code": 402, "msg": "auth failed"}])
            await ws.close()
            return ws
        await _send(ws, [{"T": "success", "msg": "authenticated"}])
        self.socket, self.connections = ws, self.connections + 1
        self.subscribed = {channel: set() for channel in CHANNELS}
        try:
            async for message in ws:
                frame = _frame(message)
                action = frame.get("action")
                if action in ("subscribe", "unsubscribe"):
                    for channel in CHANNELS:
                        change = set(frame.get(channel) or [])
                        if action == "subscribe":
                            self.subscribed[channel] |= change
                        else:
                            self.subscribed[channel] -= change
                    await _send(ws, [{"T": "subscription", **{c: sorted(s) for c, s in self.subscribed.items()}}])
        finally:
            if self.socket is ws:
                self.socket = None
        return ws

    async def publish(self, quotes: list[Quote], trades: Sequence[dict[str, Any]] = ()) -> None:
        """Send the quotes of a market step and its prints ({S,i,x,p,s,t,c,z}) to their subscribers."""
        ws = self.socket
        if ws is None or ws.closed:
            return
        now = datetime.now(UTC)
        frames: list[dict[str, Any]] = []
        for quote in quotes:
            if quote.symbol in self.subscribed["quotes"]:
                frames.append({"T": "q", "S": quote.symbol, "bx": "V", "bp": float(quote.bid or 0),
                               "bs": int(quote.bid_size or 1), "ax": "V", "ap": float(quote.ask or 0),
                               "as": int(quote.ask_size or 1), "t": now, "c": ["R"], "z": "C"})
        frames.extend({"T": "t", **trade} for trade in trades if trade["S"] in self.subscribed["trades"])
        if frames:
            try:
                await _send(ws, frames)
            except ConnectionResetError:  # the client died (kill -9) before its socket closed: forget it
                if self.socket is ws:
                    self.socket = None

    async def drop(self) -> None:
        """Fault: close the data connection (alpaca-py reconnects and subscribes again)."""
        if self.socket is not None:
            await self.socket.close()


def _frame(message: Any) -> dict[str, Any]:
    if message.type not in (WSMsgType.TEXT, WSMsgType.BINARY):
        return {}
    try:
        data = msgpack.unpackb(message.data if isinstance(message.data, bytes) else message.data.encode())
    except (ValueError, msgpack.ExtraData, msgpack.FormatError, msgpack.StackError):
        return {}
    return data if isinstance(data, dict) else {}


async def _send(ws: web.WebSocketResponse, frames: list[dict[str, Any]]) -> None:
    await ws.send_bytes(msgpack.packb(frames, datetime=True))
