"""Open the API connection to TWS with ib_async and turn every way it can fail into a BrokerError in words.

ib_async's connectAsync only fails after its timeout when TWS closes the socket (326, wrong version);
here the error event and the client's apiError end the wait at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from ib_async import IB

from core.adapters.ib.config import IbConfig
from core.adapters.ib.parsing import ClientIdInUse, client_id_in_use_message
from core.ports.errors import AuthenticationFailed, BrokerError, ConnectionLost, Timeout

log = logging.getLogger(__name__)
PROBE_IDS = 10
PROBE_TIMEOUT_S = 2.0


class _HandshakeWatch:
    """Listen to an IB instance while it connects: 326, or TWS closing the socket, ends the wait."""

    def __init__(self, ib: IB) -> None:
        self._ib = ib
        self.failed: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self.code = 0
        self.listening = True

    def __enter__(self) -> _HandshakeWatch:
        self._ib.errorEvent += self._on_error
        self._ib.client.apiError += self._on_api_error
        self._ib.client.conn.disconnected += self._on_socket_closed
        return self

    def __exit__(self, *_: object) -> None:
        self._ib.errorEvent -= self._on_error
        self._ib.client.apiError -= self._on_api_error
        self._ib.client.conn.disconnected -= self._on_socket_closed

    def _fail(self, message: str, code: int = 0) -> None:
        if self.listening and not self.failed.done():
            self.code = code
            self.failed.set_result(message)

    def _on_error(self, req_id: int, code: int, message: str, contract: object) -> None:
        if code in (326, 502, 507):
            self._fail(message, code)

    def _on_api_error(self, message: str) -> None:
        self._fail(message)

    def _on_socket_closed(self, message: str) -> None:
        self._fail(message or "TWS closed the socket before the API handshake completed")


async def _race(ib: IB, connect: asyncio.Future[Any], watch: _HandshakeWatch, timeout: float) -> None:
    waiting: set[asyncio.Future[Any]] = {connect, watch.failed}
    done, _ = await asyncio.wait(waiting, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    if connect in done:
        connect.result()
        return
    watch.listening = False
    connect.cancel()
    with contextlib.suppress(BaseException):
        await connect
    ib.disconnect()
    if not done:
        raise TimeoutError(f"no answer within {timeout:g} s")


async def open_connection(ib: IB, config: IbConfig) -> None:
    """Connect and synchronize ib (positions, orders, executions, account); raise a BrokerError in words."""
    where = f"{config.host}:{config.port}"
    with _HandshakeWatch(ib) as watch:
        connect = asyncio.ensure_future(ib.connectAsync(
            config.host, config.port, clientId=config.client_id, timeout=config.connect_timeout_s,
            readonly=config.read_only, account=config.account,
        ))
        try:
            await _race(ib, connect, watch, config.connect_timeout_s * 2 + 1)
        except ConnectionRefusedError:
            raise ConnectionLost(
                f"Nothing answers at {where}: start TWS or IB Gateway, enable API socket clients "
                "(Global Configuration > API > Settings) and check the port: 7497 TWS paper, 7496 TWS live, "
                "4002 Gateway paper, 4001 Gateway live."
            ) from None
        except TimeoutError:
            if not watch.failed.done():
                raise Timeout(
                    f"TWS at {where} did not complete the API handshake within {config.connect_timeout_s:g} s: "
                    "check that the API is enabled and that TWS is not waiting on a dialog, then connect again."
                ) from None
        except OSError as exc:
            reason = exc.strerror or exc
            raise ConnectionLost(f"Could not reach TWS at {where}: {reason}. Check host and port.") from None
        except ConnectionError as exc:
            raise ConnectionLost(f"TWS at {where} closed the connection while synchronizing: {exc}.") from None
    if watch.failed.done():
        await _raise_handshake_failure(watch, config, where)


async def _raise_handshake_failure(watch: _HandshakeWatch, config: IbConfig, where: str) -> None:
    message = watch.failed.result()
    if watch.code == 326:
        free = await find_free_client_id(config)
        raise ClientIdInUse(client_id_in_use_message(config.client_id, config.host, config.port, free),
                            config.client_id, free)
    if "version" in message.lower():
        raise AuthenticationFailed(
            f"TWS at {where} is too old for TradeTerm ({message}): update TWS or IB Gateway to version 972 or later."
        )
    raise ConnectionLost(f"TWS at {where} closed the connection during the handshake ({message}). "
                         "Check that API socket clients are enabled and this computer is a trusted IP.")


async def find_free_client_id(config: IbConfig) -> int | None:
    """Return the first client id after config.client_id that TWS accepts, trying a few; None if none did."""
    for candidate in range(config.client_id + 1, config.client_id + 1 + PROBE_IDS):
        probe = IB()
        with _HandshakeWatch(probe) as watch:
            connect = asyncio.ensure_future(
                probe.client.connectAsync(  # type: ignore[no-untyped-call]
                    config.host, config.port, candidate, PROBE_TIMEOUT_S
                )
            )
            try:
                await _race(probe, connect, watch, PROBE_TIMEOUT_S + 1)
            except (OSError, TimeoutError, ConnectionError):
                return None
            finally:
                probe.client.disconnect()  # type: ignore[no-untyped-call]
            if not watch.failed.done():
                return candidate
    return None


def describe(error: BaseException) -> str:
    """Return the trader's words for a connection error."""
    return str(error) if isinstance(error, BrokerError) else f"{type(error).__name__}: {error}"
