"""The buying power limit: off by default; an order opening more than the allowed share is refused, a close is not."""

from __future__ import annotations

from decimal import Decimal

from core.domain import AssetClass, Instrument, Side
from core.services.risk import RiskLimits
from core.services.risk.limits import DEFAULT_LIMITS
from tests.unit.risk_harness import Harness


def with_buying_power(h: Harness, amount: str | None) -> None:
    h.engine.buying_power_of = lambda account, currency: None if amount is None else Decimal(amount)


def test_off_by_default_even_without_any_funds() -> None:
    assert RiskLimits().max_buying_power_pct is None and DEFAULT_LIMITS.max_buying_power_pct is None
    h = Harness(RiskLimits())
    assert h.check(h.order(qty="100000", price="100.00")) is None


def test_an_opening_order_may_use_the_share_and_not_a_cent_more() -> None:
    h = Harness(RiskLimits(max_buying_power_pct=Decimal(50)))
    with_buying_power(h, "20000")
    assert h.check(h.order(qty="100", price="100.00")) is None  # 10,000 = 50%
    reason = h.check(h.order(qty="100", price="100.01"))
    assert reason is not None and "50% of PAPER-1's buying power (20,000.00 USD)" in reason


def test_closing_needs_no_buying_power_and_unknown_funds_are_said() -> None:
    h = Harness(RiskLimits(max_buying_power_pct=Decimal(10)))
    with_buying_power(h, None)
    reason = h.check(h.order(qty="1", price="100.00"))
    assert reason is not None and "not known yet" in reason
    h.fill(Side.BUY, "100", "100.00")
    assert h.check(h.order(Side.SELL, qty="100", price="100.00")) is None, "a close opens nothing"


def test_a_margined_pair_uses_its_margin_not_its_value() -> None:
    """OANDA's buying power is its margin available: on 100,000 USD at 20:1, a 1,000,000 EUR_USD order (54,000 USD
    of margin) was refused as if it cost 1,080,000 USD, though OANDA takes it."""
    eur_usd = Instrument("EUR_USD", "OANDA", "USD", Decimal("0.00001"), asset_class=AssetClass.FOREX,
                         margin_rate=Decimal("0.05"))
    h = Harness(RiskLimits(max_buying_power_pct=Decimal(100)), instruments=[eur_usd])
    with_buying_power(h, "100000")
    assert h.check(h.order(qty="1000000", price="1.08000", instrument=eur_usd)) is None
    reason = h.check(h.order(qty="2000000", price="1.08000", instrument=eur_usd))
    assert reason == ("The margin this order needs, 108,000.00 USD (5% of 2,160,000.00 USD), is above 100% of "
                      "PAPER-1's margin available (100,000.00 USD): reduce the quantity.")


def test_a_margin_rate_outside_zero_to_one_is_refused_where_the_instrument_is_made() -> None:
    for rate in ("0", "1.5", "-0.05"):
        try:
            Instrument("EUR_USD", "OANDA", "USD", Decimal("0.00001"), margin_rate=Decimal(rate))
        except ValueError as exc:
            assert "margin_rate must be above 0 and at most 1" in str(exc)
        else:
            raise AssertionError(f"margin rate {rate} accepted")
