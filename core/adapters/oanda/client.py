"""OandaClient: the v20 REST calls and the two newline-delimited JSON streams, over aiohttp on the caller's loop.

Why not a library: the official `v20` bindings (last release 2018) and `oandapyV20` (2021) are
synchronous (a thread per call and per stream) and unmaintained; the endpoints TradeTerm needs are a
dozen documented JSON calls, and aiohttp is already a dependency.
Every error is a BrokerError: 401/403 AuthenticationFailed, 429 RateLimited, transport ConnectionLost,
no answer in time Timeout. Other statuses come back with their body for the caller to read.
Reads and writes go on two sessions: aiohttp sends an "idempotent" request (GET, PUT) again, once, when the
server drops its connection, which is right for a read, but OANDA's PUTs replace and cancel orders: one whose
answer was lost may have been done, and must not be done twice. The writes' session never sends again.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any

import aiohttp

from core.ports.errors import AuthenticationFailed, ConnectionLost, RateLimited, Timeout

TokenSource = Callable[[], str | None]


class OandaClient:
    def __init__(self, rest_root: str, stream_root: str, account: str, token: TokenSource,
                 request_timeout_s: float) -> None:
        self._rest = f"{rest_root}/v3/accounts/{account}"
        self._stream = f"{stream_root}/v3/accounts/{account}"
        self._token = token
        self._timeout = request_timeout_s
        self._session: aiohttp.ClientSession | None = None
        self._writes: aiohttp.ClientSession | None = None

    async def open(self) -> None:
        token = self._token()
        if not token:
            raise AuthenticationFailed("No OANDA access token is stored for this account: enter the personal access "
                                       "token from OANDA's 'Manage API Access' page in the connection panel.")
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json",
                   "Accept-Datetime-Format": "RFC3339"}
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(headers=headers)
        if self._writes is None or self._writes.closed:
            self._writes = aiohttp.ClientSession(headers=headers)
            self._writes._retry_connection = False  # no public setting; aiohttp's own test client sets it so

    async def close(self) -> None:
        for session in (self._session, self._writes):
            if session is not None:
                await session.close()
        self._session = self._writes = None

    async def request(self, method: str, path: str, body: Mapping[str, Any] | None = None,
                      params: Mapping[str, str] | None = None, timeout: float | None = None) -> tuple[int, Any]:
        """Send one request (path under the account, or a full URL OANDA gave); return (status, JSON body) for
        2xx/4xx/5xx other than 401/403/429."""
        session = self._live(write=method != "GET")
        url = path if path.startswith(("http://", "https://")) else self._rest + path
        try:
            async with asyncio.timeout(timeout or self._timeout):
                async with session.request(method, url, json=body, params=params) as response:
                    status = response.status
                    text = await response.text()
        except TimeoutError:
            raise Timeout(f"OANDA did not answer {method} {path} within {timeout or self._timeout:g} s.") from None
        except aiohttp.ClientError as exc:
            raise ConnectionLost(f"Lost the connection to OANDA: {exc}") from None
        payload = _json(text)
        _raise_for_access(status, payload)
        return status, payload

    async def lines(self, path: str, params: Mapping[str, str], idle_s: float,
                    opened: Callable[[], Awaitable[None]] | None = None) -> AsyncIterator[dict[str, Any]]:
        """Yield the JSON objects of a stream; ConnectionLost when it ends or nothing (not even a heartbeat)
        arrives for idle_s. `opened` is awaited once OANDA has accepted the stream, before its first line is read:
        what it reads back overlaps the stream instead of leaving a gap before it."""
        session = self._live()
        try:
            async with session.get(self._stream + path, params=params,
                                   timeout=aiohttp.ClientTimeout(total=None, sock_read=idle_s)) as response:
                if response.status != 200:
                    payload = _json(await response.text())
                    _raise_for_access(response.status, payload)
                    raise ConnectionLost(f"OANDA refused the stream {path}: {payload.get('errorMessage', '')}")
                if opened is not None:
                    await opened()
                async for raw in response.content:
                    if raw.strip():
                        yield json.loads(raw)
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise ConnectionLost(f"The OANDA stream {path} broke off: {exc or 'no heartbeat'}") from None
        raise ConnectionLost(f"OANDA closed the stream {path}.")

    def _live(self, write: bool = False) -> aiohttp.ClientSession:
        session = self._writes if write else self._session
        if session is None or session.closed:
            raise ConnectionLost("Not connected to OANDA: connect the account first.")
        return session


def _json(text: str) -> Any:
    try:
        return json.loads(text) if text else {}
    except json.JSONDecodeError:
        return {"errorMessage": text[:200]}


def _raise_for_access(status: int, payload: Any) -> None:
    message = payload.get("errorMessage", "") if isinstance(payload, Mapping) else ""
    if status in (401, 403):
        raise AuthenticationFailed(f"OANDA refused the access token ({status}: {message}). Generate a new personal "
                                   "access token on OANDA's 'Manage API Access' page and check the account number "
                                   "and environment (practice or live).")
    if status == 429:
        raise RateLimited(f"OANDA: too many requests ({message or 'over 120 per second'}).")
