"""TickerBridge: KiteTicker on Twisted's reactor thread, its callbacks handed to the asyncio loop.

Twisted's reactor is global and cannot be restarted, so the first ticker of the process starts it with
`connect(threaded=True)` and every later one connects through `reactor.callFromThread`; nothing ever stops
it (KiteTicker.stop would). Every KiteTicker call is made on the reactor thread; every callback enters the
loop with `loop.call_soon_threadsafe`.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from kiteconnect import KiteTicker  # type: ignore[import-untyped]
from twisted.internet import reactor

log = logging.getLogger(__name__)
_reactor_lock = threading.Lock()
_reactor_started = False


class TickerStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    RECONNECTING = "reconnecting"
    FORBIDDEN = "forbidden"  # 403 at the upgrade: the access token is no longer valid
    GAVE_UP = "gave_up"


@dataclass(frozen=True, slots=True)
class TickerEvent:
    status: TickerStatus
    detail: str = ""


class _Ticker(KiteTicker):  # type: ignore[misc]
    """KiteTicker whose first reconnect comes after `initial_delay` seconds rather than Twisted's 1 s × e."""

    initial_delay = 1.0

    def _create_connection(self, url: str, **kwargs: Any) -> None:
        super()._create_connection(url, **kwargs)
        self.factory.initialDelay = self.factory.delay = self.initial_delay


def _call_in_reactor(function: Callable[..., object], *args: object) -> None:
    reactor.callFromThread(function, *args)


class TickerBridge:
    """One KiteTicker connection: subscribe tokens in a mode; ticks, postbacks and status reach the loop.

    Events (callbacks run on the asyncio loop):
        on_ticks(list[dict]): kiteconnect's parsed ticks.
        on_order(dict): an order postback.
        on_status(TickerEvent): OPEN (also after a reconnect), CLOSED, RECONNECTING, FORBIDDEN, GAVE_UP.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop, api_key: str, access_token: str, ws_root: str, mode: str,
                 on_ticks: Callable[[list[dict[str, Any]]], None], on_order: Callable[[dict[str, Any]], None],
                 on_status: Callable[[TickerEvent], None], reconnect_initial_s: float = 1.0) -> None:
        self._loop = loop
        self._mode = mode
        self._on_ticks = on_ticks
        self._on_order = on_order
        self._on_status = on_status
        self._wanted: set[int] = set()
        self._closed = False
        ticker = _Ticker(api_key, access_token, root=ws_root, debug=False, reconnect_max_delay=5)
        ticker.initial_delay = reconnect_initial_s
        ticker.on_ticks = self._ticks
        ticker.on_order_update = self._order
        ticker.on_open = self._opened
        ticker.on_close = self._closed_cb
        ticker.on_error = self._error
        ticker.on_reconnect = self._reconnecting
        ticker.on_noreconnect = self._gave_up
        self._ticker = ticker

    def start(self) -> None:
        """Connect; the first ticker in the process starts the reactor thread."""
        global _reactor_started
        with _reactor_lock:
            if not _reactor_started:
                _reactor_started = True
                self._ticker.connect(threaded=True)
                return
        _call_in_reactor(self._ticker.connect, True)

    def close(self) -> None:
        """Stop reconnecting and close the socket (the reactor keeps running for the next ticker)."""
        self._closed = True
        _call_in_reactor(self._close_in_reactor)

    def subscribe(self, tokens: Iterable[int]) -> None:
        """Stream these instrument tokens in the bridge's mode (now if connected, else once open)."""
        new = sorted(set(tokens) - self._wanted)
        self._wanted.update(new)
        if new:
            _call_in_reactor(self._send_subscribe, new)

    @property
    def subscribed(self) -> dict[int, str]:
        return dict(self._ticker.subscribed_tokens)

    # --- reactor thread ------------------------------------------------------------------------------

    def _close_in_reactor(self) -> None:
        if getattr(self._ticker, "factory", None) is not None:
            self._ticker.stop_retry()
        if self._ticker.ws is not None:
            self._ticker._close(1000, "closed by TradeTerm")

    def _send_subscribe(self, tokens: list[int]) -> None:
        if self._closed or not self._ticker.is_connected():
            return  # sent by _opened once the socket is open
        self._ticker.subscribe(tokens)
        self._ticker.set_mode(self._mode, tokens)

    def _opened(self, ticker: KiteTicker) -> None:
        if self._closed:  # closed while the socket was still opening
            self._close_in_reactor()
            return
        missing = sorted(self._wanted - set(ticker.subscribed_tokens))
        if missing:
            ticker.subscribe(missing)
            ticker.set_mode(self._mode, missing)
        self._hand(self._on_status, TickerEvent(TickerStatus.OPEN))

    def _ticks(self, ticker: KiteTicker, ticks: list[dict[str, Any]]) -> None:
        self._hand(self._on_ticks, ticks)

    def _order(self, ticker: KiteTicker, data: dict[str, Any]) -> None:
        self._hand(self._on_order, data)

    def _closed_cb(self, ticker: KiteTicker, code: int | None, reason: object) -> None:
        self._hand(self._on_status, TickerEvent(TickerStatus.CLOSED, f"{code} {reason}"))

    def _error(self, ticker: KiteTicker, code: int | None, reason: object) -> None:
        if "403" in str(reason):
            self._ticker.stop_retry()
            self._hand(self._on_status, TickerEvent(TickerStatus.FORBIDDEN, str(reason)))

    def _reconnecting(self, ticker: KiteTicker, attempts: int) -> None:
        if not self._closed:
            self._hand(self._on_status, TickerEvent(TickerStatus.RECONNECTING, str(attempts)))

    def _gave_up(self, ticker: KiteTicker) -> None:
        self._hand(self._on_status, TickerEvent(TickerStatus.GAVE_UP))

    def _hand(self, callback: Callable[[Any], None], value: object) -> None:
        try:
            self._loop.call_soon_threadsafe(callback, value)
        except RuntimeError:  # the loop has closed: the app is exiting
            log.debug("ticker event after the loop closed")
