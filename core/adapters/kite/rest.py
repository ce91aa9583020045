"""KiteRestBase: one Kite account's state and the plumbing every part of KiteBroker uses (REST off the loop)."""

from __future__ import annotations

import asyncio
import contextvars
import logging
import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar

import requests
from kiteconnect import KiteConnect  # type: ignore[import-untyped]
from kiteconnect import exceptions as kite_errors

from core.adapters.kite.config import KiteConfig
from core.adapters.kite.credentials import KiteCredentials
from core.adapters.kite.depth import KiteMarketDepth
from core.adapters.kite.parsing import IST, TOKEN_EXPIRED, translate_error
from core.adapters.kite.redaction import install_redaction
from core.adapters.kite.search import KiteSearch
from core.adapters.kite.symbols import KiteSymbols
from core.adapters.kite.throttle import OrderThrottle
from core.adapters.kite.ticker import TickerBridge
from core.adapters.kite.tracker import OrderTracker
from core.domain import AccountId, ConnectionChanged, ConnectionState, Instrument
from core.ports.broker import EventSink, QuoteSink, quotes_one_by_one
from core.ports.errors import AuthenticationFailed, ConnectionLost, Timeout

log = logging.getLogger(__name__)
T = TypeVar("T")


class KiteRestBase:
    """The state of one Kite account and its REST, connection-state and task plumbing.

    KiteBroker is built from this and its parts (KiteMarketData, KiteOrderUpdates), which share this state.
    """

    def __init__(self, account_id: AccountId, config: KiteConfig, sink: EventSink,
                 credentials: KiteCredentials | None = None, now: Callable[[], datetime] | None = None, *,
                 quotes: QuoteSink | None = None) -> None:
        install_redaction()
        self.account_id = AccountId(account_id)
        self.config = config
        self.credentials = credentials
        self._sink = sink
        self._quotes = quotes or quotes_one_by_one(sink)
        self._now = now or (lambda: datetime.now(UTC))
        self._search = KiteSearch(self.account_id, self._fetch_instruments, config.instruments_cache_dir,
                                  lambda: self._now().astimezone(IST).strftime("%Y-%m-%d"), home=config.exchange,
                                  freezes=config.freeze_quantities)
        self._symbols = KiteSymbols(config.exchange, self._search.shared)
        """TradeTerm's symbol of each listing: "BSE:INFY" where INFY is also on NSE (symbols.py)."""
        self._tracker = OrderTracker(self.account_id, sink, self._symbols.symbol_of)
        self._throttle = OrderThrottle(config.orders_per_second)
        self._kite: Any = None
        self._ticker: TickerBridge | None = None
        self._poller: asyncio.Task[None] | None = None
        self._state = ConnectionState.DISCONNECTED
        self._catalog: dict[str, tuple[Instrument, int]] = {}
        self._catalog_day: str = ""
        self._symbols_by_token: dict[int, str] = {}
        self._subscribed: dict[str, Instrument] = {}
        self._market_depth = KiteMarketDepth(self.account_id)
        self._updates = asyncio.Lock()
        self._background: set[asyncio.Task[Any]] = set()
        self._in_flight: set[asyncio.Future[Any]] = set()
        """Calls given up on here whose threads still run: their requests may still reach Kite (_in_thread)."""
        self.login_required = False
        self.user_id = ""
        self.token_expires_at: datetime | None = None
        self._expiry_warning: asyncio.TimerHandle | None = None
        self._polling = False

    @property
    def is_connected(self) -> bool:
        return self._state is ConnectionState.CONNECTED

    async def _fetch_instruments(self, exchange: str) -> list[Mapping[str, Any]]:
        if self._kite is None:
            raise ConnectionLost(f"Kite account {self.account_id} is not logged in; log in, then search again.")
        return list(await self._rest(self._kite.instruments, exchange, halting=False))

    async def _stop_streams(self) -> None:
        ticker, self._ticker = self._ticker, None
        if ticker is not None:
            ticker.close()
        poller, self._poller = self._poller, None
        self._polling = False  # Python 3.11's wait_for can swallow a cancel: the loop also checks this flag
        if poller is not None and poller is not asyncio.current_task():
            poller.cancel()
            await asyncio.wait([poller], timeout=self.config.request_timeout_s + 2)
            if poller.done() and not poller.cancelled():
                poller.exception()

    def _halt_for_login(self, detail: str) -> None:
        """Kite ended the session: stop streams, report FAILED and wait for complete_login."""
        if self.login_required and self._state is ConnectionState.FAILED:
            return
        self.login_required = True
        self._spawn(self._stop_streams())
        self._publish(ConnectionState.FAILED, TOKEN_EXPIRED)
        log.info("Kite %s: session ended (%s)", self.account_id, detail)

    def _publish(self, state: ConnectionState, message: str) -> None:
        self._state = state
        self._sink(ConnectionChanged(self.account_id, state, message))

    def _require_connected(self, action: str) -> None:
        if self.login_required:
            raise AuthenticationFailed(f"{TOKEN_EXPIRED} Then {action} again.")
        if not self.is_connected or self._kite is None:
            raise ConnectionLost(f"Kite account {self.account_id} is not connected; connect, then {action} again.")

    def _api_key(self) -> str:
        key = self.credentials.api_key() if self.credentials is not None else None
        if not key:
            raise AuthenticationFailed("Enter the Kite API key in the Kite panel first.")
        return key

    def _client(self, access_token: str | None) -> Any:
        client = KiteConnect(self._api_key(), access_token=access_token, root=self.config.root, debug=False,
                             timeout=self.config.request_timeout_s)
        return client

    async def _in_thread(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a blocking kiteconnect call in a worker thread, giving up after the request timeout and a second.

        A call given up on here while its thread still runs is still in flight: its request may reach Kite after
        the Timeout was raised. It is kept in _in_flight until the thread ends, and snapshot() reads Kite's books
        only after it has (so "Kite has no such order" is never concluded while the place may be on its way). A
        call whose thread never started is withdrawn: it never reaches Kite.
        """
        started = threading.Event()

        def run() -> T:
            started.set()
            return function(*args, **kwargs)

        call = asyncio.get_running_loop().run_in_executor(None, contextvars.copy_context().run, run)
        call.add_done_callback(_consume)
        try:
            return await asyncio.wait_for(asyncio.shield(call), self.config.request_timeout_s + 1)
        except (TimeoutError, asyncio.CancelledError):
            if started.is_set() and not call.done():
                self._in_flight.add(call)
                call.add_done_callback(self._in_flight.discard)
            else:
                call.cancel()
            raise

    async def _calls_ended(self) -> None:
        """Wait (up to the request timeout) for calls given up on here whose requests may still reach Kite."""
        if self._in_flight:
            await asyncio.wait(set(self._in_flight), timeout=self.config.request_timeout_s)

    async def _offload(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a blocking kiteconnect call in a worker thread (_in_thread); translate its errors (no halting)."""
        try:
            return await self._in_thread(function, *args, **kwargs)
        except TimeoutError:
            raise Timeout(f"Kite did not answer within {self.config.request_timeout_s:g} s; check the network "
                          "and Kite's status page.") from None
        except kite_errors.KiteException as exc:
            raise translate_error(type(exc).__name__, str(exc), getattr(exc, "code", None)) from None
        except requests.Timeout:
            raise Timeout(f"Kite did not answer within {self.config.request_timeout_s:g} s.") from None
        except requests.RequestException as exc:
            raise ConnectionLost(f"Could not reach Kite ({type(exc).__name__}); check the network.") from None

    async def _rest(self, function: Callable[..., T], *args: Any, halting: bool = True, **kwargs: Any) -> T:
        """Like _offload; a TokenException also halts the account until the trader logs in again."""
        try:
            return await self._offload(function, *args, **kwargs)
        except AuthenticationFailed as exc:
            if "session has ended" in str(exc):
                if halting:
                    self._halt_for_login(str(exc))
                else:
                    self.login_required = True
            raise

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)


def _consume(call: asyncio.Future[Any]) -> None:
    """Retrieve the outcome of a call nobody may await any more (given up on), so it is not reported as lost."""
    if not call.cancelled():
        call.exception()
