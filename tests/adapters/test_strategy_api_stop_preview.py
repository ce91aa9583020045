"""The strategy API's preview of a stop order says what the real check says: valued and collared at the market."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import pytest

from core.domain import AccountId, OrderOrigin, OrderRequest, OrderType, Side, StrategyId
from core.services.risk import RiskConfig, RiskLimits
from core.services.session import OrderRefused
from tests.adapters.strategy_api_world import ApiWorld, start_api, stop_api


@pytest.fixture
async def api(tmp_path: Path) -> AsyncIterator[ApiWorld]:
    world = await start_api(tmp_path)
    yield world
    await stop_api(world)


@pytest.mark.parametrize("order_type", ["STP", "STP_LMT"])
async def test_the_preview_of_a_stop_far_below_the_market_is_the_checks_verdict(api: ApiWorld,
                                                                                 order_type: str) -> None:
    session = api.world.session
    session.risk.set_config(RiskConfig(RiskLimits(max_order_notional=Decimal(10_000))))
    ask = api.world.ask()
    qty = int(Decimal(10_000) / ask) + 1  # one share more than the limit allows at the ask
    limit = "1.00" if order_type == "STP_LMT" else None
    body = api.order_body(order_type=order_type, limit_price=limit, stop_price="1.00", quantity=str(qty))
    status, preview = await api.raw("POST", "/v1/orders/preview", body)
    assert status == 200 and preview["verdict"] == "refused"
    assert Decimal(preview["price"]) == ask and Decimal(preview["notional"]) == qty * ask
    request = OrderRequest(AccountId("PAPER-1"), "AAPL", Side.BUY, str(qty), OrderType(order_type), limit_price=limit,
                           stop_price="1.00", origin=OrderOrigin.STRATEGY, strategy_id=StrategyId("momo"))
    with pytest.raises(OrderRefused) as refused:
        await session.submit(request)
    assert preview["reason"] == str(refused.value) and "above the 10,000.00 USD limit" in preview["reason"]
