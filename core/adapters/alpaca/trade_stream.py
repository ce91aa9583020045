"""TradeStream: Alpaca's trade_updates websocket read on TradeTerm's loop with aiohttp; each update wakes the poll.

Why not alpaca-py's TradingStream: its task loses cancels, and on a busy stream it loses nearly all of them. Its
receive is `asyncio.wait_for(ws.recv(), 5)`. When frames are queued (a burst of order updates: a cancel-all, a
flatten, a kill switch), recv() returns at its first step, in the same loop turn as the cancel, and Python 3.11's
wait_for then returns the frame instead of raising (CPython gh-86296, rewritten on asyncio.timeout in 3.12); the
legacy websockets close() it calls catches CancelledError too; and `_run_forever` resets its stop flag when it
starts. So a loop teardown that cancels each task once (asyncio.run, pytest-asyncio, qasync at exit) waited for it
for ever, and disconnect had to stop it by flag and cancel it again and again for up to a timeout. Here aiohttp,
whose receive re-raises every cancel, reads the frames (JSON, as the SDK reads them), as quote_stream.py does for
prices. (../shared/reference/alpaca-oanda.md A6)

Alpaca replays nothing: an update only says "read the orders now"; the poll reads orders and fills in order, so
a dropped or refused stream loses nothing, and listening again after trouble wakes the poll once.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from typing import Any

import aiohttp

from core.adapters.alpaca.stream_task import stop_task

log = logging.getLogger(__name__)

ALPACA_TRADE_STREAM = {True: "wss://paper-api.alpaca.markets/stream", False: "wss://api.alpaca.markets/stream"}
"""Alpaca's own trading streams, paper and live."""
MAX_BACKOFF_S = 30.0


class TradeStream:
    """The account's one trade_updates connection; `on_update()` for each update and on listening again,
    `on_note(level, text)` when it cannot listen (orders are then read by the poll alone) and when it listens again.

    Events (through the callbacks): wake-ups; notes when Alpaca refuses or drops the stream and when it is back.
    """

    def __init__(self, key: str, secret: str, url: str, on_update: Callable[[], None],
                 on_note: Callable[[str, str], None], *, timeout_s: float = 10.0) -> None:
        self._key, self._secret = key, secret
        self._url = url
        self._on_update = on_update
        self._on_note = on_note
        self._timeout_s = timeout_s
        self._task: asyncio.Task[None] | None = None
        self.listening = False
        """Whether Alpaca has acknowledged the listen (updates arrive now)."""
        self._trouble: str | None = None

    def start(self, name: str) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name=name)

    async def stop(self, patience_s: float) -> None:
        """Close the stream and wait (at most patience_s) for its task to end: one cancel ends it."""
        task, self._task = self._task, None
        await stop_task(task, patience_s, "Alpaca trade-updates stream")

    async def _run(self) -> None:
        backoff = 1.0
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=None, sock_connect=self._timeout_s)) \
                as session:
            while True:
                try:
                    await self._listen(session)
                    backoff = 1.0  # it listened, then dropped: ask again at once
                    self._told("Alpaca's trade-updates stream dropped; reconnecting (orders are polled meanwhile).")
                except (aiohttp.ClientError, OSError, TimeoutError, ValueError) as exc:
                    self._told(f"Alpaca's trade-updates stream is unavailable ({type(exc).__name__}: {exc}); orders "
                               f"are polled; it is tried again in {backoff:g} s.")
                finally:
                    self.listening = False
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF_S)

    async def _listen(self, session: aiohttp.ClientSession) -> None:
        """Connect, authenticate (Alpaca answers exactly one frame), listen, then wake the poll on each update."""
        async with session.ws_connect(self._url, heartbeat=10, autoclose=True) as ws:
            await ws.send_str(json.dumps({"action": "authenticate",
                                          "data": {"key_id": self._key, "secret_key": self._secret}}))
            answer = await self._frame(ws)
            if (answer.get("data") or {}).get("status") != "authorized":
                raise ValueError(f"Alpaca did not authorize the stream: {answer.get('data')!r}")
            await ws.send_str(json.dumps({"action": "listen", "data": {"streams": ["trade_updates"]}}))
            async for message in ws:
                if message.type not in (aiohttp.WSMsgType.BINARY, aiohttp.WSMsgType.TEXT):
                    continue
                stream = _decode(message.data).get("stream")
                if stream == "listening":
                    if self._trouble is not None:
                        self._note("INFO", "Alpaca's trade-updates stream is listening again.")
                        self._on_update()  # what changed while it was not listening is read now
                    self.listening = True
                    self._trouble = None
                elif stream == "trade_updates":
                    self._on_update()

    async def _frame(self, ws: aiohttp.ClientWebSocketResponse) -> dict[str, Any]:
        message = await ws.receive(timeout=self._timeout_s)
        if message.type not in (aiohttp.WSMsgType.BINARY, aiohttp.WSMsgType.TEXT):
            raise ValueError(f"the connection closed during the handshake ({message.type.name})")
        return _decode(message.data)

    def _told(self, text: str) -> None:
        """Note trouble once, not at every retry of the same trouble."""
        if text.split(";")[0] != (self._trouble or "").split(";")[0]:
            self._note("WARNING", text)
        self._trouble = text

    def _note(self, level: str, text: str) -> None:
        log.log(logging.WARNING if level == "WARNING" else logging.INFO, "%s", text)
        self._on_note(level, text)


def _decode(data: bytes | str) -> dict[str, Any]:
    """One frame: a JSON object, in a binary frame from Alpaca (text accepted too, as the SDK does)."""
    try:
        frame = json.loads(data)
    except ValueError:
        return {}
    return frame if isinstance(frame, dict) else {}
