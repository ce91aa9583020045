"""Every error the strategy API answers is its JSON error shape, aiohttp's own refusals included.

(413, 415 and 500 are covered in test_strategy_api.py and test_log_redaction.py.)
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.adapters.strategy_api_world import TOKEN, ApiWorld, start_api, stop_api


@pytest.fixture
async def api(tmp_path: Path) -> AsyncIterator[ApiWorld]:
    served = await start_api(tmp_path)
    yield served
    await stop_api(served)


async def send_bytes(port: int, data: bytes) -> tuple[int, dict[str, str], bytes]:
    """Write exactly these bytes to the API and return (status, headers, body) of its answer."""
    def exchange() -> bytes:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
            conn.sendall(data)
            received = b""
            while chunk := conn.recv(65536):
                received += chunk
            return received

    raw = await asyncio.to_thread(exchange)
    head, _, body = raw.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {name.lower(): value.strip() for name, _, value in (line.partition(":") for line in lines)}
    return int(status_line.split()[1]), headers, body


def json_error(headers: dict[str, str], body: bytes) -> dict[str, Any]:
    assert headers.get("content-type", "").startswith("application/json"), (headers, body)
    document = json.loads(body)
    assert set(document) == {"error"} and set(document["error"]) == {"code", "message", "field"}, document
    error: dict[str, Any] = document["error"]
    return error


def request(method: str, path: str, *headers: str, body: bytes = b"", version: str = "HTTP/1.1") -> bytes:
    lines = [f"{method} {path} {version}", *headers, "Connection: close"]
    if body:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


@pytest.mark.parametrize("version", ["HTTP/1.1", "HTTP/1.0"])
async def test_a_request_without_a_host_header_is_a_json_400(api: ApiWorld, version: str) -> None:
    status, headers, body = await send_bytes(
        api.port, request("GET", "/v1/instruments", f"Authorization: Bearer {TOKEN}", version=version))
    assert status == 400 and json_error(headers, body)["code"] == "missing_host"


@pytest.mark.parametrize("host", ["127.0.0.1:{port} extra", "127.0.0.1:{port}@evil", "", "[::1",
                                  "127.0.0.1:{port}.evil.example"])
async def test_a_malformed_host_header_is_a_json_400(api: ApiWorld, host: str) -> None:
    status, headers, body = await send_bytes(api.port, request(
        "GET", "/v1/instruments", f"Host: {host.format(port=api.port)}", f"Authorization: Bearer {TOKEN}"))
    assert status == 400 and json_error(headers, body)["code"] in {"bad_host", "missing_host"}


async def test_two_host_headers_are_a_json_400(api: ApiWorld) -> None:
    hosts = (f"Host: 127.0.0.1:{api.port}", "Host: evil.example")
    status, headers, body = await send_bytes(api.port, request("GET", "/v1/instruments", *hosts,
                                                               f"Authorization: Bearer {TOKEN}"))
    assert status == 400 and json_error(headers, body)["code"] == "bad_host"


@pytest.mark.parametrize("line", [f"Authorization: Bearer {TOKEN}\x01", f"Authorization Bearer {TOKEN}",
                                  f" Authorization: Bearer {TOKEN}"])
async def test_a_malformed_header_line_is_a_json_400_that_does_not_echo_the_line(api: ApiWorld, line: str) -> None:
    status, headers, body = await send_bytes(api.port, request("GET", "/v1/instruments", f"Host: 127.0.0.1:{api.port}",
                                                               line))
    error = json_error(headers, body)
    assert status == 400 and error["code"] == "bad_request"
    assert TOKEN not in body.decode("utf-8", "replace")


async def test_a_bad_method_token_is_a_json_400(api: ApiWorld) -> None:
    status, headers, body = await send_bytes(api.port, request("G(T", "/v1/health", f"Host: 127.0.0.1:{api.port}"))
    assert status == 400 and json_error(headers, body)["code"] == "bad_request"


async def test_an_unknown_route_is_a_json_404_and_a_wrong_method_a_json_405(api: ApiWorld) -> None:
    auth = (f"Host: 127.0.0.1:{api.port}", f"Authorization: Bearer {TOKEN}")
    status, headers, body = await send_bytes(api.port, request("GET", "/v1/nothing-here", *auth))
    assert status == 404 and json_error(headers, body)["code"] == "not_found"
    status, headers, body = await send_bytes(api.port, request("PUT", "/v1/orders", *auth))
    assert status == 405 and json_error(headers, body)["code"] == "method_not_allowed"
    assert "GET" in headers["allow"] and "POST" in headers["allow"]
