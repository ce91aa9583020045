"""Numbers a strategy sends, over the real socket: plain digits or an exact JSON number, else a 400 naming the field."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import pytest

from core.strategy_client import ApiRefused, TradeTermOrderBroker
from tests.adapters.strategy_api_world import TOKENS, ApiWorld, start_api, stop_api

TEXTS = ["1,5", "61,0000", "١٢٣", "１２３", "1_000", "1E-999999999", "1e1000000", "1e3", "+5", " 1 0 ", "NaN",
         "Infinity", "0.00000000001", "1000000000000"]
JSON_NUMBERS = ["1e1000000", "1E-999999999", "1e99999999999999999999", "-1e-99999999999999999999",
                "1000000000000", "1" + "0" * 5000, "0.00000000001", "1e3000"]


@pytest.fixture
async def api(tmp_path: Path) -> AsyncIterator[ApiWorld]:
    served = await start_api(tmp_path)
    yield served
    await stop_api(served)


def with_number(body: dict[str, object], field: str, literal: str) -> bytes:
    """Return body as JSON with field's value a raw JSON number literal (json.dumps cannot write 1e1000000)."""
    return json.dumps({**body, field: "@NUMBER@"}).replace('"@NUMBER@"', literal).encode()


def refused_field(status: int, body: object) -> str:
    assert status == 400, (status, body)
    assert isinstance(body, dict) and isinstance(body.get("error"), dict), body
    error = body["error"]
    assert error["code"] == "invalid_field" and error["message"].startswith(error["field"]), error
    return str(error["field"])


@pytest.mark.parametrize("path", ["/v1/orders", "/v1/orders/preview"])
@pytest.mark.parametrize("field", ["quantity", "limit_price"])
@pytest.mark.parametrize("text", TEXTS)
async def test_a_number_string_a_careful_reader_would_refuse_is_400_naming_the_field(
    api: ApiWorld, path: str, field: str, text: str
) -> None:
    status, body = await api.raw("POST", path, api.order_body(**{field: text}))
    assert refused_field(status, body) == field
    assert api.world.session.oms.orders() == []


@pytest.mark.parametrize("field", ["quantity", "limit_price", "stop_loss", "take_profit", "signal_price"])
@pytest.mark.parametrize("literal", JSON_NUMBERS)
async def test_a_json_number_beyond_the_bounds_is_400_naming_the_field_never_500(
    api: ApiWorld, field: str, literal: str
) -> None:
    status, body = await api.raw("POST", "/v1/orders", with_number(api.order_body(), field, literal))
    assert refused_field(status, body) == field
    assert api.world.session.oms.orders() == []


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
async def test_nan_and_infinity_are_not_json_numbers(api: ApiWorld, literal: str) -> None:
    status, body = await api.raw("POST", "/v1/orders", with_number(api.order_body(), "quantity", literal))
    assert status == 400 and body["error"]["code"] == "invalid_json" and literal in body["error"]["message"]


async def test_a_json_number_is_read_exactly_and_a_bool_is_no_number(api: ApiWorld) -> None:
    ask = api.world.ask()
    raw = with_number(api.order_body(quantity=None), "quantity", "10").replace(
        f'"limit_price": "{ask}"'.encode(), f'"limit_price": {ask}'.encode())
    status, body = await api.raw("POST", "/v1/orders", raw)
    assert status == 202, body
    (order,) = api.world.session.oms.orders()
    assert order.quantity.value == 10 and order.limit_price is not None and order.limit_price.value == ask
    status, body = await api.raw("POST", "/v1/orders", api.order_body(quantity=True, idempotency_key="k-2"))
    assert refused_field(status, body) == "quantity"


async def test_the_python_client_sends_floats_and_decimals_as_plain_digits(api: ApiWorld) -> None:
    client = api.client()
    ask = api.world.ask()
    queued = await asyncio.to_thread(lambda: client.submit("AAPL", "BUY", 10.0, "LMT", limit_price=float(ask),
                                                  stop_loss=Decimal("1.5E+2"), idempotency_key="c-1"))
    assert queued["status"] == "PENDING_APPROVAL"
    with pytest.raises(ApiRefused) as caught:
        await asyncio.to_thread(lambda: client.submit("AAPL", "BUY", 10, "LMT", limit_price=0.1 + 0.2,
                                             idempotency_key="c-2"))
    assert caught.value.field == "limit_price" and "more than 10 digits after the decimal point" in caught.value.message


async def test_the_hikyuu_bridge_puts_a_computed_float_stop_loss_on_the_tick(api: ApiWorld) -> None:
    broker = TradeTermOrderBroker(api.server.url, TOKENS["hku-ma"], strategy="hku-ma", account="PAPER-1")
    ask = api.world.ask("600519")
    stoploss, goal = float(ask) * 0.95 + 1e-9, 10.07 * 1.1 * 200  # floats with 13+ decimals, as hikyuu computes
    await asyncio.to_thread(broker.buy, "SH", "600519", float(ask), 200.0, stoploss, goal, "SIGNAL", "")
    (pending,) = api.world.queue.pending()
    assert pending.signal.stop_loss == (Decimal(repr(stoploss)) / Decimal("0.01")).quantize(Decimal(1)) / 100
    assert pending.signal.take_profit == Decimal("2215.40")
