"""The strategy API on a real socket: every refusal, idempotency, and the stdlib client end to end."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from core.domain import OrderStatus, StrategyId
from core.services.strategies import StrategyConfig
from core.services.strategy_api import StrategyApiServer
from core.strategy_client import ApiRefused
from tests.adapters.strategy_api_world import TOKEN, ApiWorld, api_fixture, error_of

api = api_fixture()


async def test_health_needs_no_token_and_says_the_version(api: ApiWorld) -> None:
    status, body = await api.raw("GET", "/v1/health", headers={"Authorization": ""})
    assert status == 200 and body["status"] == "ok" and body["version"]


@pytest.mark.parametrize("authorization", ["", "Bearer wrong", f"Basic {TOKEN}", "Bearer "])
async def test_a_missing_or_wrong_token_is_401(api: ApiWorld, authorization: str) -> None:
    status, body = await api.raw("GET", "/v1/instruments", headers={"Authorization": authorization})
    assert status == 401 and error_of(body)["code"] == "unauthorized"


@pytest.mark.parametrize("host", ["evil.example:{port}", "127.0.0.1:1", "localhost", "192.168.1.5:{port}",
                                  "127.0.0.1.evil.example:{port}"])
async def test_a_foreign_host_header_is_403(api: ApiWorld, host: str) -> None:
    status, body = await api.raw("GET", "/v1/instruments", headers={"Host": host.format(port=api.port)})
    assert status == 403 and error_of(body)["code"] == "forbidden_host"


async def test_localhost_host_is_accepted_and_any_origin_is_403(api: ApiWorld) -> None:
    status, _ = await api.raw("GET", "/v1/instruments", headers={"Host": f"localhost:{api.port}"})
    assert status == 200
    status, body = await api.raw("GET", "/v1/instruments", headers={"Origin": "http://127.0.0.1:1234"})
    assert status == 403 and error_of(body)["code"] == "forbidden_origin"


async def test_a_non_json_content_type_is_415_and_a_large_body_413(api: ApiWorld) -> None:
    status, body = await api.raw("POST", "/v1/orders", b"{}", headers={"Content-Type": "text/plain"})
    assert status == 415 and error_of(body)["code"] == "unsupported_media_type"
    big = b'{"remark": "' + b"x" * (64 * 1024) + b'"}'
    status, body = await api.raw("POST", "/v1/orders", big)
    assert status == 413 and error_of(body)["code"] == "body_too_large"


@pytest.mark.parametrize(("changes", "field"), [
    ({"side": "buy!"}, "side"),
    ({"quantity": "-5"}, "quantity"),
    ({"quantity": True}, "quantity"),
    ({"limit_price": "189.505"}, "limit_price"),
    ({"symbol": "NOPE"}, "symbol"),
    ({"account": "IB-9"}, "account"),
    ({"signal_time": "2026-03-02T15:00:00"}, "signal_time"),
    ({"signal_time": None}, "signal_time"),
    ({"idempotency_key": None}, "idempotency_key"),
    ({"order_type": "MKT"}, "limit_price"),
    ({"colour": "red"}, "colour"),
    ({"quantity": "1e13"}, "quantity"),
    ({"tif": "OPG"}, "tif"),  # the paper account takes DAY, GTC and IOC only
    ({"order_type": "MIT", "stop_price": "180.00", "limit_price": None}, "order_type"),
])
async def test_a_bad_field_is_400_naming_it(api: ApiWorld, changes: dict[str, object], field: str) -> None:
    status, body = await api.raw("POST", "/v1/orders", api.order_body(**changes))
    assert status == 400 and error_of(body)["field"] == field, body
    assert api.world.session.oms.orders() == []


@pytest.mark.parametrize("raw", [b"", b"[1,2]", b"{", b"\xff\xfe", b'{"quantity": NaN}', b"[" * 5000, b"1" * 5000])
async def test_malformed_json_is_400_never_500(api: ApiWorld, raw: bytes) -> None:
    status, body = await api.raw("POST", "/v1/orders", raw)
    assert status == 400 and error_of(body)["code"] == "invalid_json"


async def test_the_same_key_and_body_give_the_same_order_and_another_body_409(api: ApiWorld) -> None:
    body = api.order_body()
    first = await api.raw("POST", "/v1/orders", body)
    again = await api.raw("POST", "/v1/orders", body)
    assert first[0] == again[0] == 202
    assert first[1]["client_order_id"] == again[1]["client_order_id"]
    assert first[1]["status"] == "PENDING_APPROVAL"
    assert len(api.world.session.oms.orders()) == 1
    status, conflict = await api.raw("POST", "/v1/orders", {**body, "quantity": "11"})
    assert status == 409 and error_of(conflict)["field"] == "idempotency_key"
    assert len(api.world.session.oms.orders()) == 1


async def test_a_stale_signal_is_422_naming_signal_time(api: ApiWorld) -> None:
    old = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()
    status, body = await api.raw("POST", "/v1/orders", api.order_body(signal_time=old))
    assert status == 422 and error_of(body)["code"] == "stale_signal" and error_of(body)["field"] == "signal_time"


async def test_each_strategy_is_rate_limited(api: ApiWorld) -> None:
    api.world.strategies.put(StrategyConfig(StrategyId("momo"), api.world.strategies.started_at, rate_per_minute=2))
    statuses = [(await api.raw("POST", "/v1/orders", api.order_body(idempotency_key=f"r{i}", quantity=str(i + 1))))[0]
                for i in range(3)]
    assert statuses == [202, 202, 429]


async def test_the_server_refuses_any_bind_address_but_loopback(api: ApiWorld) -> None:
    for host in ("0.0.0.0", "::", "192.168.1.5", "localhost"):
        with pytest.raises(ValueError, match=r"127\.0\.0\.1 only"):
            StrategyApiServer(api.world.queue, api.tokens, host=host)


async def test_client_submit_status_approve_fill_and_account(api: ApiWorld) -> None:
    client = api.client()
    queued = await asyncio.to_thread(client.submit, "AAPL", "BUY", 10, "LMT", limit_price=api.world.ask(),
                                     stop_loss="180", take_profit="200")
    assert queued["status"] == "PENDING_APPROVAL"
    coid = queued["client_order_id"]
    pending = await asyncio.to_thread(client.status, coid)
    assert pending["status"] == "PENDING_APPROVAL" and pending["expires_at"]
    outcome = await api.world.queue.approve(api.world.session.oms.orders()[0].client_order_id)
    assert outcome.approved
    filled = await asyncio.to_thread(client.status, coid)
    assert filled["status"] == "FILLED" and filled["filled_quantity"] == "10"
    account = await asyncio.to_thread(client.account_info)
    (position,) = account["positions"]
    assert position["code"] == "AAPL" and position["number"] == "10"
    assert position["stoploss"] == "180" and position["goal_price"] == "200"
    assert " " in account["datetime"] and "T" not in account["datetime"]
    listed = await asyncio.to_thread(client.status)
    assert [o["client_order_id"] for o in listed["orders"]] == [coid]


async def test_withdraw_while_pending_and_a_second_withdraw_is_409(api: ApiWorld) -> None:
    client = api.client()
    queued = await asyncio.to_thread(client.submit, "AAPL", "BUY", 1, "LMT", limit_price=api.world.ask())
    withdrawn = await asyncio.to_thread(client.withdraw, queued["client_order_id"])
    assert withdrawn["status"] == "CANCELED" and api.world.queue.pending() == []
    with pytest.raises(ApiRefused) as refused:
        await asyncio.to_thread(client.withdraw, queued["client_order_id"])
    assert refused.value.status == 409
    status, _ = await api.raw("DELETE", "/v1/orders/NOSUCH")
    assert status == 404


async def test_preview_gives_a_verdict_and_queues_nothing(api: ApiWorld) -> None:
    client = api.client()
    ok = await asyncio.to_thread(client.preview, "AAPL", "BUY", 10, "LMT", limit_price=api.world.ask())
    assert ok["verdict"] == "ok" and Decimal(ok["notional"]) == 10 * api.world.ask()
    far = await asyncio.to_thread(client.preview, "AAPL", "BUY", 10, "LMT", limit_price="100.00")
    assert far["verdict"] == "refused" and "collar" in far["reason"] and far["field"] == "limit_price"
    assert api.world.session.oms.orders() == []
    quote = await asyncio.to_thread(client.quote, "AAPL")
    assert Decimal(quote["ask"]) == api.world.ask()
    assert any(i["symbol"] == "600519" and i["market"] == "SH" for i in await asyncio.to_thread(client.instruments))


async def test_a_refused_post_is_recorded_and_shown_by_status(api: ApiWorld) -> None:
    client = api.client()
    with pytest.raises(ApiRefused) as refused:
        await asyncio.to_thread(client.submit, "AAPL", "BUY", 5000, "LMT", limit_price=api.world.ask())
    assert refused.value.status == 422 and "limit per order" in refused.value.message
    status = await asyncio.to_thread(client.status)
    (failure,) = status["failures"]
    assert failure["status"] == 422 and failure["request"]["quantity"] == "5000"
    denied = [o for o in api.world.session.oms.orders() if o.status is OrderStatus.DENIED]
    assert len(denied) == 1 and any(a[1] == "api_refused" for a in api.audit)


async def test_events_stream_carries_the_strategys_own_orders_only(api: ApiWorld) -> None:
    client, other = api.client(), api.client(strategy="other")
    stream = client.events(timeout=5)

    def first_two() -> list[tuple[str, dict[str, object]]]:
        return [next(stream), next(stream)]

    reader = asyncio.ensure_future(asyncio.to_thread(first_two))
    await asyncio.sleep(0.2)
    await asyncio.to_thread(other.submit, "AAPL", "BUY", 1, "LMT", limit_price=api.world.ask())
    mine = await asyncio.to_thread(client.submit, "AAPL", "BUY", 2, "LMT", limit_price=api.world.ask())
    await api.world.queue.approve(api.world.queue.pending()[-1].order.client_order_id)
    events = await asyncio.wait_for(reader, 10)
    assert [kind for kind, _ in events] == ["order", "order"]
    assert all(payload["client_order_id"] == mine["client_order_id"] for _, payload in events)
    assert [payload["status"] for _, payload in events] == ["PENDING_APPROVAL", "SUBMITTED"]
    stream.close()
