"""OANDA holds a share of a position's value as margin (marginRate 0.05 is 20:1), and its buying power is the
margin available: a standard lot on a small account is the everyday FX trade, and one OANDA cannot cover is
canceled by OANDA as it would fill (INSUFFICIENT_MARGIN), in the trader's words."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from core.domain import OrderRequest, OrderStatus, OrderType, Side
from core.services.refusals import OrderRefused
from core.services.risk import RiskLimits
from core.services.risk.limits import RiskConfig
from tests.adapters.oanda_desk import ACCOUNT, Desk, desk_fixture, until
from tests.sims.oanda.server import OandaSimulator
from tests.sims.oanda.testing import sim_fixture

sim = sim_fixture()
desk = desk_fixture()


async def with_buying_power_limit(desk: Desk, share: str) -> None:
    desk.session.set_risk_config(RiskConfig(RiskLimits(max_buying_power_pct=Decimal(share))))
    await until(lambda: desk.session.funds.latest(ACCOUNT) is not None)


async def test_the_pairs_carry_oandas_margin_rate(desk: Desk) -> None:
    rates = {i.symbol: i.margin_rate for i in desk.adapter.instruments()}
    assert rates == {"EUR_USD": Decimal("0.05"), "USD_JPY": Decimal("0.05"), "GBP_USD": Decimal("0.05")}


async def test_two_standard_lots_on_100000_usd_pass_the_buying_power_limit_and_fill(desk: Desk) -> None:
    """200,000 EUR_USD is worth about 217,000 USD and holds about 10,850 USD of margin: it was refused as "Order
    value 217,000.00 USD is above 100% of the buying power (100,000.00 USD)"."""
    await with_buying_power_limit(desk, "100")
    order = await desk.session.submit(OrderRequest(ACCOUNT, "EUR_USD", Side.BUY, "200000", OrderType.MARKET))
    await until(lambda: order.status is OrderStatus.FILLED)
    assert desk.sim.exchange.positions["EUR_USD"].units == 200000


async def test_more_than_the_margin_available_is_refused_before_it_is_sent_with_the_margin_it_needs(desk: Desk) -> None:
    await with_buying_power_limit(desk, "100")
    with pytest.raises(OrderRefused) as refused:
        await desk.session.submit(OrderRequest(ACCOUNT, "EUR_USD", Side.BUY, "2000000", OrderType.MARKET))
    assert "The margin this order needs" in str(refused.value) and "margin available (100,000.00 USD)" in str(
        refused.value)
    assert not [t for t in desk.sim.exchange.transactions if t["type"] == "MARKET_ORDER"], "nothing reached OANDA"


async def test_oanda_cancels_what_its_margin_cannot_cover_and_the_trader_is_told_why(desk: Desk) -> None:
    """With TradeTerm's buying power and size limits off, OANDA's own check is the one that answers."""
    desk.session.set_risk_config(RiskConfig(RiskLimits()))
    order = await desk.session.submit(OrderRequest(ACCOUNT, "EUR_USD", Side.BUY, "3000000", OrderType.MARKET))
    await until(lambda: order.status is OrderStatus.CANCELED)
    assert "lack of margin (INSUFFICIENT_MARGIN)" in order.reason and "reduce the size" in order.reason
    assert "EUR_USD" not in desk.sim.exchange.positions or desk.sim.exchange.positions["EUR_USD"].units == 0


async def test_an_account_set_to_less_leverage_than_the_pair_allows_is_held_to_its_own_rate(
        sim: OandaSimulator, tmp_path: Path) -> None:
    """OANDA holds the higher of the pair's marginRate and the account's (the leverage the trader chose): a 10:1
    account's 200,000 EUR_USD needs about 21,700 USD of margin, not the pair's 5%."""
    sim.exchange.account_margin_rate = Decimal("0.1")
    made = Desk(sim, tmp_path)
    await made.connect()
    try:
        assert {i.margin_rate for i in made.adapter.instruments()} == {Decimal("0.1")}
        made.session.set_risk_config(RiskConfig(RiskLimits(max_buying_power_pct=Decimal(10))))
        await until(lambda: made.session.funds.latest(ACCOUNT) is not None)
        with pytest.raises(OrderRefused) as refused:
            await made.session.submit(OrderRequest(ACCOUNT, "EUR_USD", Side.BUY, "200000", OrderType.MARKET))
        assert "(10% of " in str(refused.value), "refused at the account's own rate, as OANDA would hold it"
    finally:
        await made.close()
