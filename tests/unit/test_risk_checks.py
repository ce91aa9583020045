"""Each limit, one unit or tick either side: accepted just inside, refused just outside, with a reason."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.domain import OrderType, Side
from core.services.risk import RiskLimits
from tests.unit.risk_harness import ES, INFY, Harness


def test_max_order_quantity() -> None:
    h = Harness(RiskLimits(max_order_qty=Decimal(100)))
    assert h.check(h.order(qty="100")) is None
    reason = h.check(h.order(qty="101"))
    assert reason is not None and "101" in reason and "100 limit" in reason
    assert "raise Max order quantity in Risk limits (for PAPER-1 alone" in reason, \
        "an OANDA trader refused a standard lot (100,000 units) is told where the limit is, not only to split it"


def test_max_order_notional_uses_price_and_multiplier() -> None:
    h = Harness(RiskLimits(max_order_notional=Decimal(10_000)))
    assert h.check(h.order(qty="100", price="100.00")) is None
    assert h.check(h.order(qty="100", price="100.01")) is not None
    futures = Harness(RiskLimits(max_order_notional=Decimal(250_000)))
    assert futures.check(futures.order(qty="1", price="5000.00", instrument=ES)) is None
    assert futures.check(futures.order(qty="1", price="5000.25", instrument=ES)) is not None


def test_a_market_order_is_valued_at_the_quote_it_would_meet() -> None:
    h = Harness(RiskLimits(max_order_notional=Decimal(10_000)))
    h.quote(bid="99.99", ask="100.00")
    assert h.check(h.order(qty="100", price=None, order_type=OrderType.MARKET)) is None
    h.quote(bid="99.99", ask="100.01")
    assert "Order value" in (h.check(h.order(qty="100", price=None, order_type=OrderType.MARKET)) or "")
    assert h.check(h.order(Side.SELL, qty="100", price=None, order_type=OrderType.MARKET)) is None  # at the bid


def test_notional_in_another_currency_is_converted_or_refused_without_a_rate() -> None:
    limits = RiskLimits(max_order_notional=Decimal(1200), fx_rates=(("INR", Decimal("0.012")),))
    h = Harness(limits)
    assert h.check(h.order(qty="100", price="1000.00", instrument=INFY)) is None  # 100,000 INR = 1,200 USD
    assert h.check(h.order(qty="100", price="1000.05", instrument=INFY)) is not None
    bare = Harness(RiskLimits(max_order_notional=Decimal(1_000_000)))
    reason = bare.check(bare.order(qty="1", price="1000.00", instrument=INFY))
    assert reason is not None and "exchange rate from INR" in reason


@pytest.mark.parametrize(("side", "inside", "outside"), [(Side.BUY, "100.05", "100.06"), (Side.SELL, "99.94", "99.93")])
def test_price_collar_in_ticks(side: Side, inside: str, outside: str) -> None:
    h = Harness(RiskLimits(collar_ticks=5))
    h.quote(bid="99.99", ask="100.00")
    assert h.check(h.order(side, price=inside)) is None
    reason = h.check(h.order(side, price=outside))
    assert reason is not None and "price collar" in reason


@pytest.mark.parametrize(("side", "inside", "outside"), [(Side.BUY, "101.00", "101.01"), (Side.SELL, "99.00", "98.99")])
def test_price_collar_in_percent(side: Side, inside: str, outside: str) -> None:
    h = Harness(RiskLimits(collar_pct=Decimal(1)))
    h.quote(bid="100.00", ask="100.00")
    assert h.check(h.order(side, price=inside)) is None
    assert h.check(h.order(side, price=outside)) is not None


def test_the_collar_refuses_a_limit_order_without_any_quote() -> None:
    h = Harness(RiskLimits(collar_pct=Decimal(5)))
    assert "No quote" in (h.check(h.order()) or "")


def test_a_market_order_needs_a_quote_younger_than_the_limit() -> None:
    h = Harness(RiskLimits(max_quote_age_s=Decimal(5)))
    market = OrderType.MARKET
    assert "No quote" in (h.check(h.order(price=None, order_type=market)) or "")
    h.quote(age=4.999)
    assert h.check(h.order(price=None, order_type=market)) is None
    h.quote(age=5.001)
    assert "s old" in (h.check(h.order(price=None, order_type=market)) or "")
    assert h.check(h.order(price="100.00")) is None  # a limit order does not need a fresh quote


def test_max_position_counts_working_orders() -> None:
    h = Harness(RiskLimits(max_position=Decimal(300)))
    h.fill(Side.BUY, "100", "100.00")
    h.work(h.order(qty="100"))
    assert h.check(h.order(qty="100")) is None
    assert "position limit" in (h.check(h.order(qty="101")) or "")
    # selling is measured on the short side: from +100 with no working sells, 400 reaches -300
    assert h.check(h.order(Side.SELL, qty="400")) is None
    assert h.check(h.order(Side.SELL, qty="401")) is not None


def test_max_gross_exposure_counts_positions_and_working_orders() -> None:
    h = Harness(RiskLimits(max_gross_exposure=Decimal(50_000)))
    h.quote(bid="99.99", ask="100.00", last="100.00")
    h.fill(Side.BUY, "200", "100.00")
    h.work(h.order(qty="100", price="100.00"))
    assert h.check(h.order(qty="200", price="100.00")) is None  # 500 × 100 = 50,000
    reason = h.check(h.order(qty="201", price="100.00"))
    assert reason is not None and "50,100.00 USD" in reason
    assert h.check(h.order(Side.SELL, qty="200", price="100.00")) is None  # reducing does not add exposure


def test_max_working_orders() -> None:
    h = Harness(RiskLimits(max_working_orders=3))
    for price in ("99.00", "98.00"):
        h.work(h.order(price=price))
    h.work(h.order(price="97.00"))  # the third is still allowed
    assert "3 working orders" in (h.check(h.order(price="96.00")) or "")


def test_duplicate_window() -> None:
    h = Harness(RiskLimits(duplicate_window_s=Decimal(2)))
    assert h.check(h.order()) is None
    h.clock.advance(1.999)
    assert "same order" in (h.check(h.order()) or "").lower()
    assert h.check(h.order(qty="101")) is None  # a different quantity is a different order
    h.clock.advance(0.002)  # 2.001 s after the first
    assert h.check(h.order()) is None


def test_the_same_order_checked_again_is_not_its_own_duplicate() -> None:
    h = Harness(RiskLimits(duplicate_window_s=Decimal(2), max_orders_per_second=1))
    order = h.order()
    assert h.check(order) is None
    assert h.check(order) is None  # e.g. re-checked at approval


def test_order_rate_per_second_and_per_minute() -> None:
    h = Harness(RiskLimits(max_orders_per_second=3, max_orders_per_minute=5))
    for qty in ("1", "2", "3"):
        assert h.check(h.order(qty=qty)) is None
    assert "last second" in (h.check(h.order(qty="4")) or "")
    h.clock.advance(1.0)
    assert h.check(h.order(qty="5")) is None
    assert h.check(h.order(qty="6")) is None
    assert "last minute" in (h.check(h.order(qty="7")) or "")
    h.clock.advance(59.0)
    assert h.check(h.order(qty="8")) is None


def test_allow_and_block_lists() -> None:
    h = Harness(RiskLimits(allowed_symbols=frozenset({"AAPL", "ESZ6"}), blocked_symbols=frozenset({"ESZ6"})))
    assert h.check(h.order()) is None
    assert "block list" in (h.check(h.order(qty="1", price="5000.00", instrument=ES)) or "")
    assert "allow list" in (h.check(h.order(qty="1", price="1000.00", instrument=INFY)) or "")


def test_refusals_name_the_ticket_field_they_concern() -> None:
    h = Harness(RiskLimits(max_order_qty=Decimal(10), collar_ticks=1, blocked_symbols=frozenset({"ESZ6"})))
    h.quote()
    assert (refusal := h.engine.evaluate(h.order(qty="11"))) is not None and refusal.field == "quantity"
    assert (refusal := h.engine.evaluate(h.order(qty="1", price="90.00"))) is not None
    assert refusal.field == "limit_price"
    assert (refusal := h.engine.evaluate(h.order(qty="1", price="5000.00", instrument=ES))) is not None
    assert refusal.field == "symbol"
