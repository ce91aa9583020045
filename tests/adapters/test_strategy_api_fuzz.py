"""10,000 generated bad payloads against the real API server: none is accepted, none gets a 5xx."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.domain import OrderStatus, StrategyId
from core.services.strategies import StrategyConfig
from tests.adapters.strategy_api_world import TOKENS, ApiWorld, start_api, stop_api

VALID = {
    "side": {"BUY", "SELL"}, "order_type": {"MKT", "LMT", "STP", "STP_LMT"}, "tif": {"DAY", "GTC", "IOC"},
}
json_leaf = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=30),
                      st.floats(allow_nan=False, allow_infinity=False))
json_any = st.one_of(json_leaf, st.lists(json_leaf, max_size=3),
                     st.dictionaries(st.text(max_size=5), json_leaf, max_size=3))
json_not_str = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False),
                         st.lists(json_leaf, max_size=3), st.dictionaries(st.text(max_size=5), json_leaf, max_size=2))
bad_number = st.one_of(
    st.integers(max_value=0), st.decimals(max_value=Decimal(0), allow_nan=False, places=2).map(str),
    st.just(True), st.just(False), st.text(alphabet="abcxyz!@# ", max_size=10), st.just("NaN"), st.just("Infinity"),
    st.just("1e12"), st.integers(min_value=10**12, max_value=10**30), st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2), st.just(""),
    st.integers(min_value=1, max_value=10**6).map(lambda n: f"{n}.005"),  # off the 0.01 tick
)
bad_quantity = st.one_of(bad_number, st.integers(min_value=0, max_value=10**6).map(lambda n: f"{n}.5"))
bad_enum = st.one_of(json_any, st.text(max_size=12)).filter(lambda v: not (isinstance(v, str) and v in
                                                                           VALID["side"] | VALID["order_type"] |
                                                                           VALID["tif"]))
bad_time = st.one_of(
    json_not_str,
    st.text(max_size=25).filter(lambda v: not _is_aware_iso(v)),
    st.datetimes().map(lambda d: d.isoformat()),  # naive
    st.integers(min_value=60, max_value=10**7).map(
        lambda s: (datetime.now(UTC) - timedelta(seconds=s)).isoformat()),  # stale
    st.integers(min_value=60, max_value=10**7).map(
        lambda s: (datetime.now(UTC) + timedelta(seconds=s)).isoformat()),  # in the future
)
bad_name = st.one_of(json_not_str, st.just(""), st.text(min_size=65),
                     st.text(alphabet=" /\\\"'<>\n\t{}", min_size=1, max_size=10))


def _is_aware_iso(text: str) -> bool:
    try:
        return datetime.fromisoformat(text).tzinfo is not None
    except ValueError:
        return False


FIELD_BREAKERS: dict[str, st.SearchStrategy[Any]] = {
    "strategy": bad_name.filter(lambda v: v is not None),  # null: the token's strategy, a valid body
    "account": st.one_of(bad_name, st.text(alphabet="ABCXYZ-9", min_size=1, max_size=8)),
    "symbol": st.one_of(bad_name, st.text(alphabet="QWZ", min_size=1, max_size=6)),
    "side": bad_enum, "order_type": bad_enum, "tif": bad_enum.filter(lambda v: v is not None),
    "quantity": bad_quantity, "limit_price": bad_number, "signal_time": bad_time,
    "idempotency_key": st.one_of(json_not_str, st.just(""),
                                 st.text(alphabet=" \n\t\u00e9", min_size=1, max_size=5), st.text(min_size=129)),
    "remark": st.one_of(json_not_str, st.text(min_size=257),
                        st.just("line\nbreak")),
    "stop_loss": st.one_of(st.decimals(max_value=Decimal("-0.01"), allow_nan=False, places=2).map(str),
                           st.text(alphabet="abc!", min_size=1, max_size=5), st.just(True)),
}
PREVIEW_BREAKERS = sorted(set(FIELD_BREAKERS) - {"signal_time", "idempotency_key"})
REQUIRED = ["account", "symbol", "side", "quantity", "order_type", "signal_time", "idempotency_key"]
"""Fields a body cannot leave out (strategy can: the token fixes it)."""


@st.composite
def broken_order(draw: st.DrawFn, preview: bool = False) -> dict[str, Any]:
    """A valid order with one to three fields broken, removed, or an unknown field added."""
    body: dict[str, Any] = {
        "strategy": "momo", "account": "PAPER-1", "symbol": "AAPL", "side": "BUY", "quantity": "1",
        "order_type": "LMT", "limit_price": "189.50", "tif": "DAY",
        "signal_time": datetime.now(UTC).isoformat(), "idempotency_key": "fuzz-key",
    }
    breakers = PREVIEW_BREAKERS if preview else sorted(FIELD_BREAKERS)
    for name in draw(st.lists(st.sampled_from(breakers), min_size=1, max_size=3, unique=True)):
        body[name] = draw(FIELD_BREAKERS[name])
    how = draw(st.sampled_from(["broken", "drop", "extra"]))
    if how == "drop":
        body.pop(draw(st.sampled_from(REQUIRED[:5] if preview else REQUIRED)), None)
    elif how == "extra":
        body[draw(st.text(min_size=1, max_size=12).filter(lambda k: k not in body and k not in {
            "stop_price", "stop_loss", "take_profit", "remark", "signal_price"}))] = draw(json_leaf)
    return body


Request = tuple[str, str, bytes, dict[str, str]]
payload = st.one_of(
    broken_order().map(lambda b: ("POST", "/v1/orders", json.dumps(b).encode(), {})),
    broken_order(preview=True).map(lambda b: ("POST", "/v1/orders/preview", json.dumps(b).encode(), {})),
    st.one_of(json_leaf, st.lists(json_leaf, max_size=3)).map(lambda v: ("POST", "/v1/orders", json.dumps(v).encode(),
                                                                      {})),
    st.binary(max_size=200).map(lambda b: ("POST", "/v1/orders", b, {})),
    st.builds(lambda b, ct: ("POST", "/v1/orders", json.dumps(b).encode(), {"Content-Type": ct}),
              broken_order(), st.sampled_from(["text/plain", "application/x-www-form-urlencoded", "multipart/form-data",
                                               "application/json; charset=latin-1", "text/json"])),
    st.builds(lambda t: ("POST", "/v1/orders", b"{}", {"Authorization": f"Bearer {t}"}),
              st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_", max_size=30)
              .filter(lambda t: t not in TOKENS.values())),
    st.builds(lambda o: ("POST", "/v1/orders", b"{}", {"Origin": o}), st.sampled_from(
        ["null", "http://evil.example", "http://127.0.0.1", "file://"])),
    st.builds(lambda p: ("GET", p, b"", {}), st.sampled_from(
        ["/v1/quotes", "/v1/quotes?symbol=", "/v1/quotes?symbol=NOPE", "/v1/account", "/v1/account?account=X",
         "/v1/orders?strategy=other", "/v1/orders/NOPE", "/v1/nothing", "/v1/events?strategy=other"])),
    st.builds(lambda i: ("DELETE", f"/v1/orders/{i}", b"", {}), st.text(alphabet="ABC123T", min_size=1, max_size=20)),
)


class RawConnection:
    """One keep-alive HTTP/1.1 connection over asyncio streams: the cheapest real client for many requests."""

    def __init__(self, port: int) -> None:
        self.port = port
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        if self._writer is None or self._writer.is_closing():
            self._reader, self._writer = await asyncio.open_connection("127.0.0.1", self.port)
        assert self._reader is not None
        lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{self.port}", f"Content-Length: {len(body)}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        self._writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        status_line = await self._reader.readline()
        status = int(status_line.split()[1])
        length, close = 0, False
        while (line := await self._reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            if name.lower() == "content-length":
                length = int(value)
            elif name.lower() == "connection" and value.strip().lower() == "close":
                close = True
        payload = await self._reader.readexactly(length)
        if close:
            self.close()
        return status, payload

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[asyncio.AbstractEventLoop, ApiWorld,
                                                                         RawConnection]]:
    loop = asyncio.new_event_loop()
    api = loop.run_until_complete(start_api(Path(tmp_path_factory.mktemp("fuzz"))))
    api.world.strategies.put(StrategyConfig(StrategyId("momo"), api.world.strategies.started_at,
                                            rate_per_minute=10**9))
    connection = RawConnection(api.port)
    yield loop, api, connection
    connection.close()
    loop.run_until_complete(stop_api(api))
    loop.close()


@pytest.mark.slow
@settings(max_examples=10_000, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                 HealthCheck.filter_too_much, HealthCheck.data_too_large])
@given(request=payload)
def test_no_bad_payload_is_accepted_and_none_gets_a_5xx(
    served: tuple[asyncio.AbstractEventLoop, ApiWorld, RawConnection], request: Request
) -> None:
    loop, api, connection = served
    method, path, body, extra = request
    headers = {"Authorization": f"Bearer {TOKENS['momo']}", "Content-Type": "application/json", **extra}
    status, raw = loop.run_until_complete(connection.request(method, path, body, headers))
    assert 400 <= status < 500, (status, raw[:300], request)
    error = json.loads(raw)["error"]
    assert error["code"] and error["message"]
    pending = [o for o in api.world.session.oms.orders() if o.status is OrderStatus.PENDING_APPROVAL]
    assert pending == []
