"""POST /v1/orders/preview with `sizing`: the API chooses the quantity from the risk per trade and the stop."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import ROUND_CEILING, ROUND_DOWN, Decimal
from itertools import pairwise
from pathlib import Path

import pytest

from core.ports.bar_history import ONE_DAY
from core.services.risk import RiskConfig, RiskLimits
from tests.adapters.strategy_api_world import ApiWorld, start_api, stop_api


@pytest.fixture
async def api(tmp_path: Path) -> AsyncIterator[ApiWorld]:
    world = await start_api(tmp_path)
    world.world.session.risk.set_config(RiskConfig(RiskLimits()))
    yield world
    await stop_api(world)


async def test_the_preview_returns_the_quantity_risking_the_amount_to_the_stop(api: ApiWorld) -> None:
    ask = api.world.ask()
    stop = ask - Decimal("1.50")
    body = api.order_body(quantity=None, limit_price=str(ask),
                          sizing={"risk_amount": "1000", "stop": str(stop)})
    status, preview = await api.raw("POST", "/v1/orders/preview", body)
    assert status == 200, preview
    assert preview["verdict"] == "ok" and Decimal(preview["quantity"]) == 666  # 1,000 / 1.50, rounded down
    sizing = preview["sizing"]
    assert Decimal(sizing["at_risk"]) == Decimal("999.00") and Decimal(sizing["stop"]) == stop
    assert sizing["currency"] == "USD" and sizing["capped_by"] is None


async def test_a_risk_limit_caps_the_previewed_quantity(api: ApiWorld) -> None:
    api.world.session.risk.set_config(RiskConfig(RiskLimits(max_order_qty=Decimal(100))))
    ask = api.world.ask()
    body = api.order_body(limit_price=str(ask), sizing={"risk_amount": "1000", "stop_ticks": 10})
    status, preview = await api.raw("POST", "/v1/orders/preview", body)
    assert status == 200, preview
    assert Decimal(preview["quantity"]) == 100
    assert "above the 100 limit per order" in preview["sizing"]["capped_by"]


async def test_a_volatility_stop_is_k_times_the_atr_of_the_brokers_daily_bars(api: ApiWorld) -> None:
    entry = api.world.ask()
    body = api.order_body(quantity=None, limit_price=str(entry),
                          sizing={"risk_amount": "5000", "atr_k": "2", "atr_n": 14})
    status, preview = await api.raw("POST", "/v1/orders/preview", body)
    assert status == 200, preview
    session = api.world.session
    bars = await session.sizing_bars.daily("PAPER-1", "AAPL", 14, session.clock.now())  # the ones it was sized on
    assert len(bars) >= 15 and {(b.source, b.interval) for b in bars} == {("PAPER-1", ONE_DAY)}
    last = bars[-15:]
    ranges = [max(b.high - b.low, abs(b.high - a.close), abs(b.low - a.close)) for a, b in pairwise(last)]
    atr = sum(ranges, Decimal(0)) / 14
    tick = session.instruments.find("AAPL").tick_size  # type: ignore[union-attr]
    distance = (2 * atr / tick).to_integral_value(rounding=ROUND_CEILING) * tick
    assert Decimal(preview["sizing"]["stop"]) == entry - distance
    assert Decimal(preview["quantity"]) == (Decimal(5000) / distance).to_integral_value(rounding=ROUND_DOWN)


async def test_a_percent_risk_without_equity_says_so(api: ApiWorld) -> None:
    api.world.session.risk.equity_of = lambda account, currency: None
    body = api.order_body(sizing={"risk_pct": "1", "stop_ticks": 5})
    status, refused = await api.raw("POST", "/v1/orders/preview", body)
    assert status == 422 and "equity in USD is not known yet" in refused["error"]["message"]


async def test_the_python_client_sends_sizing_with_its_preview(api: ApiWorld) -> None:
    ask = api.world.ask()
    preview = await asyncio.to_thread(api.client().preview, "AAPL", "BUY", 1, "LMT", limit_price=ask,
                                      sizing={"risk_amount": "300", "stop": str(ask - 3)})
    assert Decimal(preview["quantity"]) == 100 and Decimal(preview["sizing"]["at_risk"]) == 300
