"""Sizing by risk on Alpaca, whose fractionable shares trade in fractions on market DAY orders only: a limit order
is sized in whole shares, so the size it gives is one Alpaca takes (it gave 261.780104712 AAPL for a limit order,
which the ticket then refused: "Alpaca takes a fractional quantity only on a market DAY order")."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import pytest

from core.domain import OrderRequest, OrderType, Quote, TimeInForce
from core.domain.order_request import validate_request
from core.services.risk import RiskLimits
from core.services.risk.limits import RiskConfig
from core.services.sizing_order import SizingSpec
from tests.adapters.test_alpaca_brackets import ACCOUNT, Desk
from tests.sims.alpaca.server import AlpacaSimulator
from tests.sims.alpaca.testing import sim_fixture

sim = sim_fixture()


@pytest.fixture
async def desk(sim: AlpacaSimulator, tmp_path: Path) -> AsyncIterator[Desk]:
    made = Desk(sim, tmp_path)
    await made.session.connect(ACCOUNT)
    made.session.set_risk_config(RiskConfig(RiskLimits()))
    yield made
    await made.close()


async def sized(desk: Desk, order_type: OrderType, stop_below: Decimal) -> Decimal:
    quote = await desk.events.wait_for(Quote, lambda q: q.symbol == "AAPL" and q.ask is not None)
    assert quote.ask is not None
    instrument = desk.session.view.instrument("AAPL", ACCOUNT)
    assert instrument is not None and instrument.lot_size < 1, "AAPL is fractionable at Alpaca"
    limit = str(quote.ask) if order_type is OrderType.LIMIT else None
    request = OrderRequest(ACCOUNT, "AAPL", "BUY", "1", order_type, limit, tif=TimeInForce.DAY)
    valid, errors = validate_request(request, instrument)
    assert valid is not None, errors
    size, _currency = desk.session.view.size_by_risk(valid, SizingSpec(risk_amount=Decimal(500),
                                                                        stop=quote.ask - stop_below))
    return size.quantity


async def test_a_limit_order_is_sized_in_whole_shares_and_a_market_day_order_may_take_a_fraction(desk: Desk) -> None:
    limit = await sized(desk, OrderType.LIMIT, Decimal("1.91"))
    assert limit == limit.to_integral_value() and limit > 0, limit
    market = await sized(desk, OrderType.MARKET, Decimal("1.91"))
    assert market != market.to_integral_value(), "a market DAY order keeps Alpaca's fraction"
