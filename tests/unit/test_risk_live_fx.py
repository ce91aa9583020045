"""Risk converts a currency that Risk limits has no rate for with the live mid of a pair a feed quotes."""

from __future__ import annotations

from decimal import Decimal

from core.domain import AssetClass, Side
from core.services.risk import RiskLimits
from tests.factories import make_instrument
from tests.unit.risk_harness import Harness

USD_JPY = make_instrument("USD_JPY", currency="JPY", tick_size="0.001", asset_class=AssetClass.FOREX)
EUR_GBP = make_instrument("EUR_GBP", currency="GBP", tick_size="0.00001", asset_class=AssetClass.FOREX)
CAPPED = RiskLimits(currency="USD", max_order_notional=Decimal(2000), collar_pct=None)


def test_a_usd_jpy_order_is_valued_in_usd_from_usd_jpys_own_price() -> None:
    """Under Xvfb an OANDA USD account could not trade USD_JPY at all until a JPY rate was typed in."""
    h = Harness(CAPPED, instruments=[USD_JPY])
    h.quote("USD_JPY", bid="149.990", ask="150.010", last=None)
    assert h.check(h.order(Side.BUY, qty="1000", price="150.000", instrument=USD_JPY)) is None  # 1,000 USD
    refusal = h.check(h.order(Side.BUY, qty="3000", price="150.000", instrument=USD_JPY))
    assert refusal is not None and "Order value 3,000.00 USD is above the 2,000.00 USD limit" in refusal


def test_the_pair_is_found_in_either_direction_and_a_fixed_rate_still_wins() -> None:
    h = Harness(CAPPED, instruments=[EUR_GBP])
    h.quote("GBP_USD", bid="1.24990", ask="1.25010", last=None)  # 1 GBP = 1.25 USD
    refusal = h.check(h.order(Side.BUY, qty="2000", price="0.85000", instrument=EUR_GBP))  # 1,700 GBP
    assert refusal is not None and "Order value 2,125.00 USD" in refusal
    fixed = Harness(CAPPED.merged({"fx_rates": "GBP=1.10"}), instruments=[EUR_GBP])
    fixed.quote("GBP_USD", bid="1.24990", ask="1.25010", last=None)
    assert fixed.check(fixed.order(Side.BUY, qty="2000", price="0.85000", instrument=EUR_GBP)) is None  # 1,870


def test_without_a_fixed_rate_or_a_pair_the_refusal_says_both_ways_to_get_one() -> None:
    h = Harness(CAPPED, instruments=[USD_JPY])
    refusal = h.check(h.order(Side.BUY, qty="1000", price="150.000", instrument=USD_JPY))
    assert refusal == ("No exchange rate from JPY to USD: add one under FX rates in Risk limits, or watch a JPY "
                       "pair (such as USD_JPY) so its price gives one.")


def test_the_live_rate_is_never_saved_with_the_limits() -> None:
    h = Harness(CAPPED, instruments=[USD_JPY])
    limits = h.engine.limits_for(None)
    assert limits.live_fx is not None and "live_fx" not in limits.to_dict()
    assert limits == CAPPED
