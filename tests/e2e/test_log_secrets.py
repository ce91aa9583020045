"""No secret in any log line: a canary API token, planted in the keyring, never reaches the app's log handler
or the window's log view, whichever path logs it (issue 19 item 15)."""

from __future__ import annotations

import asyncio
import io
import logging
import secrets
import socket
import warnings
from pathlib import Path

import pytest
from aiohttp import web

from core.domain import Order
from core.services.strategy_api import StrategyApiServer, StrategyTokens
from core.storage.memory_keyring import MemoryKeyring
from core.storage.secrets import SecretStore
from gui.app import configure_logging
from gui.bridge import CoreBridge
from gui.widgets.log_view import LogView
from tests.unit.approvals_world import LiveClock, World, make_world

CANARY = f"canary-{secrets.token_urlsafe(16)}"


async def send_bytes(port: int, data: bytes) -> bytes:
    def exchange() -> bytes:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
            conn.sendall(data)
            received = b""
            while chunk := conn.recv(65536):
                received += chunk
            return received

    return await asyncio.to_thread(exchange)


def get(port: int, path: str, *headers: str) -> bytes:
    lines = [f"GET {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", *headers, "Connection: close"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


async def drive_the_api(world: World, server: StrategyApiServer, monkeypatch: pytest.MonkeyPatch) -> None:
    port = server.port
    for malformed in (f"Authorization: Bearer {CANARY}\x01", f"Authorization Bearer {CANARY}",
                      f" Authorization: Bearer {CANARY}", f"Authorization: Bearer {CANARY}\n"):
        await send_bytes(port, get(port, "/v1/instruments", malformed))
    await send_bytes(port, get(port, "/v1/instruments", "Authorization: Bearer wrong-token"))

    def broken() -> object:
        raise RuntimeError(f"the catalog failed while {CANARY} was in use")

    with monkeypatch.context() as patch:
        patch.setattr(world.session.instruments, "listed", broken)
        answer = await send_bytes(port, get(port, "/v1/instruments", f"Authorization: Bearer {CANARY}"))
    assert answer.startswith(b"HTTP/1.1 500"), answer[:200]


async def drive_an_access_log(server: StrategyApiServer) -> None:
    """aiohttp's access log, as anyone enabling it might: with the request's Authorization header."""
    runner = web.AppRunner(server.build_app(), access_log=logging.getLogger("aiohttp.access"),
                           access_log_format='%a "%r" %s auth=%{Authorization}i')
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        port = int(runner.addresses[0][1])
        await send_bytes(port, f"GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
                               f"Authorization: Bearer {CANARY}\r\nConnection: close\r\n\r\n".encode())
    finally:
        await runner.cleanup()


async def drive_a_failed_approval(world: World) -> None:
    """The session's own warnings: an approval whose send fails with the token in the exception's text."""
    order = await world.queue.intake(world.request(), world.signal())

    async def failing(sent: Order) -> None:
        raise RuntimeError(f"the broker library choked on {CANARY}")

    world.broker.submit = failing  # type: ignore[method-assign]
    outcome = await world.queue.approve(order.client_order_id)
    # An adapter's own exception leaves the order's fate unknown: it is asked of the broker, never resent
    # (core/services/adapter_defects.py), and the defect is logged whole, traceback and all.
    assert outcome.approved and "the broker library choked on" in outcome.reason, outcome


def drive_a_python_warning() -> None:
    """A library's warning that quotes the token (a deprecation naming the URL it was called with, say)."""
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.warn(f"https://127.0.0.1/v1?token={CANARY} is deprecated", DeprecationWarning, stacklevel=1)


async def test_a_canary_token_never_appears_in_any_log_line(tmp_path: Path, qtbot: object,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    output = io.StringIO()
    handler = configure_logging(output)
    world = await make_world(tmp_path, clock=LiveClock())
    view = LogView()
    bridge = CoreBridge(world.bus, world.session.quotes, world.session.portfolio)
    bridge.on_log_line(view.add)
    keyring = SecretStore("tradeterm-test", backend=MemoryKeyring())
    keyring.set("api/strategy/momo", CANARY)
    tokens = StrategyTokens(keyring, environ={})
    tokens.load(["momo"])
    server = StrategyApiServer(world.queue, tokens)
    await server.start()
    try:
        await drive_the_api(world, server, monkeypatch)
        await drive_an_access_log(server)
        await drive_a_failed_approval(world)
        drive_a_python_warning()
    finally:
        logging.captureWarnings(False)
        await server.stop()
        bridge.detach()
        await world.close()
        logging.getLogger().removeHandler(handler)
    logged = output.getvalue()
    assert "strategy API: GET /v1/instruments failed" in logged and "RuntimeError" in logged, logged
    assert "aiohttp.access" in logged and "is deprecated" in logged, logged
    assert "failed inside TradeTerm's adapter" in logged and "Traceback" in logged, logged
    assert CANARY not in logged, [line for line in logged.splitlines() if CANARY in line]
    shown = "\n".join(view.lines())
    assert "choked on" in shown, shown
    assert CANARY not in shown
