"""QuoteStream: Alpaca's market-data websocket (alpaca-py's StockDataStream) on TradeTerm's loop, quotes as Quotes.

alpaca-py's run() would start a second event loop, and its subscribe_* methods, once the socket runs, wait on a
future of the loop they are called from (a deadlock on that loop). So the stream's own coroutine runs as a task
here, and a symbol added later is put in its handler table and sent with the stream's own subscribe message.
The SDK reconnects and subscribes again by itself; the adapter polls quotes whenever the stream is silent.
"""

from __future__ import annotations

import asyncio
import warnings
from collections.abc import Callable, Iterable
from typing import Any

from core.adapters.alpaca.parsing import parse_quote
from core.domain import Quote

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "websockets.legacy is deprecated", DeprecationWarning)
    from alpaca.data.enums import DataFeed
    from alpaca.data.live.stock import StockDataStream

STREAMED_FEEDS = ("iex", "sip")
"""The feeds Alpaca streams (delayed_sip is REST only)."""


class QuoteStream:
    """The account's one market-data connection; every quote goes to `on_quotes` on the loop."""

    def __init__(self, key: str, secret: str, feed: str, url: str | None, source: str,
                 on_quotes: Callable[[list[Quote]], None]) -> None:
        self._stream: Any = StockDataStream(key, secret, raw_data=True, feed=DataFeed(feed), url_override=url)
        self._source = source
        self._on_quotes = on_quotes
        self._task: asyncio.Task[None] | None = None
        self.last_quote_at = float("-inf")
        """The loop time of the last streamed quote."""

    async def add(self, symbols: Iterable[str]) -> None:
        """Subscribe quotes of symbols; the first subscription opens the connection."""
        handlers = self._stream._handlers["quotes"]
        new = [s for s in symbols if s not in handlers]
        if not new:
            return
        for symbol in new:
            handlers[symbol] = self._on_quote
        if self._task is None:
            # The SDK's coroutine spins until something is subscribed: start it only now.
            self._task = asyncio.get_running_loop().create_task(self._stream._run_forever(), name="alpaca-quotes")
        elif self._stream._running:
            await self._stream._send_subscribe_msg()

    async def stop(self, patience_s: float) -> None:
        """Stop the stream and wait (at most patience_s) for its task to end."""
        task, self._task = self._task, None
        await self._stream.stop_ws()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + patience_s
        while task is not None and not task.done() and loop.time() < deadline:
            task.cancel()  # Python 3.11's wait_for can swallow a cancel: cancel until done
            await asyncio.wait([task], timeout=0.05)
        await self._stream.close()

    async def _on_quote(self, raw: dict[str, Any]) -> None:
        self.last_quote_at = asyncio.get_running_loop().time()
        self._on_quotes([parse_quote(str(raw["S"]), raw, self._source)])
