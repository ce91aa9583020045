"""QuoteStream: Alpaca's market-data websocket (v2, msgpack) read on TradeTerm's loop with aiohttp; quotes and trades
as Quotes (a trade sets only `last`).

Why not alpaca-py's StockDataStream: its task cannot be stopped by a cancel alone. Its receive is
`asyncio.wait_for(ws.recv(), 5)`, and Python 3.11's wait_for returns the frame instead of raising when the frame
arrived in the same loop turn as the cancel (CPython gh-86296, rewritten on asyncio.timeout in 3.12); the legacy
websockets close() it calls also catches CancelledError. A lost cancel leaves `_run_forever` reading (and, on any
error, reconnecting) for ever, and its stop flag is reset when the task starts, so a loop teardown that cancels once
(asyncio.run, pytest-asyncio, qasync at exit) waited for it for ever: about one shutdown in ten on a busy stream.
It also answers Alpaca's refusals (406 connection limit exceeded, 402 auth failed) by reconnecting for ever with
a logged traceback and no way to tell the trader. Here aiohttp (whose receive re-raises every cancel) reads the
frames and msgpack decodes them as the SDK does; a refusal is reported and prices are polled meanwhile.
(../shared/reference/alpaca-oanda.md A8)
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterable
from typing import Any

import aiohttp
import msgpack  # type: ignore[import-untyped]

from core.adapters.alpaca.parsing import parse_quote, parse_trade
from core.adapters.alpaca.snapshots import Newest
from core.adapters.alpaca.stream_task import stop_task
from core.domain import Quote

log = logging.getLogger(__name__)

STREAMED_FEEDS = ("iex", "sip")
"""The feeds Alpaca streams (delayed_sip is REST only)."""
ALPACA_DATA_STREAM = "wss://stream.data.alpaca.markets/v2/{feed}"
RETRY_REFUSED_S = 60.0
"""How long a stream refused for its connection limit (406) waits before it asks again."""
MAX_BACKOFF_S = 30.0
FATAL = {401: "check the API key id and secret in the Alpaca panel",
         402: "check the API key id and secret in the Alpaca panel",
         409: "the account's market-data plan does not include this feed: set feed to iex"}
"""Refusals that asking again cannot cure, with what the trader can do about each."""


class StreamRefused(Exception):
    """Alpaca answered the stream's handshake with an error frame {"T":"error","code","msg"}."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"{message} ({code})")
        self.code = code


class QuoteStream:
    """The account's one market-data connection, subscribed to the quotes and trades of its symbols; every quote and
    trade goes to `on_quotes`, every change of its fate to `on_note(level, text)` in the trader's words.

    Events (through the callbacks): lists of Quote (a trade as a Quote with only `last` set); notes when Alpaca
    refuses the stream (quotes are then polled), when it drops, and when it streams again after a refusal or drop.
    """

    def __init__(self, key: str, secret: str, feed: str, url: str | None, source: str,
                 on_quotes: Callable[[list[Quote]], None], on_note: Callable[[str, str], None], *,
                 timeout_s: float = 10.0, retry_refused_s: float = RETRY_REFUSED_S) -> None:
        self._key, self._secret = key, secret
        self._url = url or ALPACA_DATA_STREAM.format(feed=feed)
        self._feed = feed
        self._source = source
        self._on_quotes = on_quotes
        self._on_note = on_note
        self._timeout_s = timeout_s
        self._retry_refused_s = retry_refused_s
        self._symbols: set[str] = set()
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._task: asyncio.Task[None] | None = None
        self._answered: asyncio.Future[str | None] | None = None
        self.last_quote_at = float("-inf")
        """The loop time of the last streamed quote or trade."""
        self.newest = Newest()
        """The exchange time of the newest streamed trade and quote per symbol (older snapshots leave them be)."""
        self.refused: str | None = None
        """Why quotes are polled instead of streamed (Alpaca's refusal, in the trader's words), else None."""

    async def start(self, name: str, patience_s: float) -> str | None:
        """Open the stream; return None once Alpaca has authenticated it, else why quotes are polled for now
        (a refusal, or no answer within patience_s while it keeps trying)."""
        loop = asyncio.get_running_loop()
        self._answered = loop.create_future()
        self._task = loop.create_task(self._run(), name=name)
        either: list[asyncio.Future[Any]] = [self._answered, self._task]
        await asyncio.wait(either, timeout=patience_s, return_when=asyncio.FIRST_COMPLETED)
        if self._answered.done():
            return self._answered.result()
        return f"Alpaca's price stream has not answered yet (within {patience_s:g} s); prices are polled meanwhile"

    async def add(self, symbols: Iterable[str]) -> None:
        """Subscribe the quotes and trades of symbols (sent at once when the stream is up, else when it is)."""
        new = sorted(set(symbols) - self._symbols)
        if not new:
            return
        self._symbols.update(new)
        ws = self._ws
        if ws is not None and not ws.closed:
            with contextlib.suppress(ConnectionError, aiohttp.ClientError):
                await ws.send_bytes(msgpack.packb(_subscribe(new)))

    async def stop(self, patience_s: float) -> None:
        """Close the stream and wait (at most patience_s) for its task to end; no task is left behind."""
        task, self._task = self._task, None
        await stop_task(task, patience_s, f"Alpaca price stream {self._source}")

    # --- the connection ------------------------------------------------------------------------

    async def _run(self) -> None:
        backoff = 1.0
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=None, sock_connect=self._timeout_s)) \
                as session:
            while True:
                try:
                    await self._session(session)
                    backoff = 1.0  # it streamed, then dropped: ask again at once
                    self._note("WARNING", "Alpaca's price stream dropped; reconnecting (prices are polled meanwhile).")
                except StreamRefused as refused:
                    why = self._refusal_text(refused)
                    self._answer(why)
                    if why != self.refused:  # a 406 asked again each minute is told once
                        self._note("WARNING", why)
                    self.refused = why
                    if refused.code != 406:
                        return
                    await asyncio.sleep(self._retry_refused_s)
                    continue
                except (aiohttp.ClientError, OSError, TimeoutError, ValueError) as exc:
                    self._note("WARNING", f"Alpaca's price stream is unreachable ({type(exc).__name__}: {exc}); "
                                          f"prices are polled; it is tried again in {backoff:g} s.")
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF_S)

    async def _session(self, session: aiohttp.ClientSession) -> None:
        """Connect, authenticate, subscribe, then read quotes and trades until the connection ends."""
        async with session.ws_connect(self._url, headers={"Content-Type": "application/msgpack"}, heartbeat=10,
                                      autoclose=True) as ws:
            first = await self._frames(ws)
            if not first or first[0].get("T") != "success" or first[0].get("msg") != "connected":
                raise ValueError(f"unexpected greeting {first!r}")
            await ws.send_bytes(msgpack.packb({"action": "auth", "key": self._key, "secret": self._secret}))
            answer = await self._frames(ws)
            if answer and answer[0].get("T") == "error":
                raise StreamRefused(int(answer[0].get("code") or 0), str(answer[0].get("msg") or "refused"))
            if not answer or answer[0].get("msg") != "authenticated":
                raise ValueError(f"unexpected answer to auth {answer!r}")
            if self.refused is not None:
                self._note("INFO", "Alpaca's price stream is streaming again.")
            self.refused = None
            self._answer(None)
            self._ws = ws
            try:
                if self._symbols:
                    await ws.send_bytes(msgpack.packb(_subscribe(sorted(self._symbols))))
                async for message in ws:
                    if message.type in (aiohttp.WSMsgType.BINARY, aiohttp.WSMsgType.TEXT):
                        self._dispatch(_decode(message.data))
            finally:
                self._ws = None

    async def _frames(self, ws: aiohttp.ClientWebSocketResponse) -> list[dict[str, Any]]:
        message = await ws.receive(timeout=self._timeout_s)
        if message.type not in (aiohttp.WSMsgType.BINARY, aiohttp.WSMsgType.TEXT):
            raise ValueError(f"the connection closed during the handshake ({message.type.name})")
        return _decode(message.data)

    def _dispatch(self, frames: list[dict[str, Any]]) -> None:
        quotes = []
        newest = self.newest
        for frame in frames:
            kind, symbol = frame.get("T"), frame.get("S")
            if kind in ("q", "t") and symbol in self._symbols:
                try:
                    quote = (parse_quote if kind == "q" else parse_trade)(str(symbol), frame, self._source)
                except (ArithmeticError, ValueError, TypeError, AttributeError) as exc:
                    log.warning("Alpaca price stream %s: skipped a %s it could not read (%s)", self._source,
                                "quote" if kind == "q" else "trade", exc)
                    continue
                if kind == "t" and quote.last is None:
                    continue
                seen = newest.quote if kind == "q" else newest.trade
                seen[quote.symbol] = max(seen.get(quote.symbol, quote.epoch_us), quote.epoch_us)
                quotes.append(quote)
            elif kind == "error":
                log.warning("Alpaca price stream %s: %s (%s)", self._source, frame.get("msg"), frame.get("code"))
        if quotes:
            self.last_quote_at = asyncio.get_running_loop().time()
            self._on_quotes(quotes)

    def _answer(self, why: str | None) -> None:
        if self._answered is not None and not self._answered.done():
            self._answered.set_result(why)

    def _note(self, level: str, text: str) -> None:
        log.log(logging.WARNING if level == "WARNING" else logging.INFO, "Alpaca %s: %s", self._source, text)
        self._on_note(level, text)

    def _refusal_text(self, refused: StreamRefused) -> str:
        what = f"Alpaca refused the {self._feed} price stream: {refused}"
        if refused.code == 406:
            return (f"{what}: another program or session holds this API key's one market-data connection. Prices are "
                    f"polled instead, and the stream is asked for again every {self._retry_refused_s:g} s.")
        return f"{what}: {FATAL.get(refused.code, 'see the Alpaca dashboard')}. Prices are polled instead."


def _subscribe(symbols: list[str]) -> dict[str, Any]:
    """Subscribe symbols' quotes (bid and ask) and trades (last): Alpaca streams a channel only when asked."""
    return {"action": "subscribe", "trades": symbols, "quotes": symbols}


def _decode(data: bytes | str) -> list[dict[str, Any]]:
    """Alpaca's frames: a msgpack array of objects (the SDK's own decoding, msgpack.unpackb)."""
    try:
        unpacked = msgpack.unpackb(data if isinstance(data, bytes) else data.encode())
    except (ValueError, msgpack.ExtraData, msgpack.FormatError, msgpack.StackError):
        return []
    items = unpacked if isinstance(unpacked, list) else [unpacked]
    return [item for item in items if isinstance(item, dict)]
