"""A burst of orders re-uses what risk worked out for the one before (the collar of the same quote, the checks an
order runs): the very next order must still see a limit change, a new quote and a strategy's own limits."""

from __future__ import annotations

import math
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from core.domain import ClientOrderId, OrderOrigin, Side
from core.services.risk import RiskConfig, RiskLimits
from core.services.risk.recent import RecentOrder, RecentOrders
from tests.unit.risk_harness import ACCOUNT, Harness


def test_a_collar_change_is_seen_by_the_very_next_order_on_the_same_quote() -> None:
    h = Harness(RiskLimits(collar_pct=Decimal(1)))
    h.quote(bid="100.00", ask="100.00")
    assert h.check(h.order(Side.BUY, price="100.90")) is None  # inside 1 %
    h.engine.set_config(RiskConfig(RiskLimits(collar_pct=Decimal("0.5"))))
    reason = h.check(h.order(Side.BUY, price="100.90", qty="101"))  # the same quote, the collar halved
    assert reason is not None and "price collar 99.50–100.50" in reason
    h.engine.set_config(RiskConfig(RiskLimits(collar_pct=Decimal(1))))
    assert h.check(h.order(Side.BUY, price="100.90", qty="102")) is None


def test_a_new_quote_moves_the_collar_for_the_very_next_order() -> None:
    h = Harness(RiskLimits(collar_pct=Decimal(1)))
    h.quote(bid="100.00", ask="100.00")
    assert h.check(h.order(Side.BUY, price="100.90")) is None
    h.quote(bid="90.00", ask="90.00")
    reason = h.check(h.order(Side.BUY, price="100.90", qty="101"))
    assert reason is not None and "around bid 90.00 / ask 90.00" in reason


def test_a_protective_child_after_an_order_gets_its_own_wider_collar() -> None:
    h = Harness(RiskLimits(collar_pct=Decimal(1)))
    h.quote(bid="100.00", ask="100.00")
    assert h.check(h.order(Side.SELL, price="98.00")) is not None  # 2 % away: outside 1 %
    h.work(h.order(Side.BUY, qty="10", price="100.00"))
    h.fill(Side.BUY, "10", "100.00")
    child = h.order(Side.SELL, qty="10", price="98.00", origin=OrderOrigin.PROTECTIVE)
    assert h.check(child) is None  # within 3 × 1 %


def test_a_strategy_given_limits_of_its_own_is_checked_by_its_very_next_order() -> None:
    h = Harness(RiskLimits())
    h.quote()
    assert h.check(h.order(qty="50", strategy="alpha")) is None
    h.engine.set_config(RiskConfig(RiskLimits(), strategies={"alpha": {"max_position": "40"}}))
    reason = h.check(h.order(qty="51", strategy="alpha"))
    assert reason is not None and "Strategy alpha could reach 51 long" in reason
    assert h.check(h.order(qty="52", strategy="beta")) is None  # no limits of its own: the account's only


def _near(edge: float, ulps: int) -> float:
    for _ in range(abs(ulps)):
        edge = math.nextafter(edge, math.inf if ulps > 0 else -math.inf)
    return edge


@given(st.floats(1, 2e6, allow_nan=False), st.sampled_from([1, 60, 0.5, 0.1, 1e-6]),
       st.lists(st.integers(-4, 4), max_size=12), st.lists(st.floats(0, 2e6, allow_nan=False), max_size=12),
       st.integers(0, 24))
def test_the_rate_window_counts_exactly_what_the_plain_rule_counts(now: float, span: float, ulps: list[int],
                                                                   others: list[float], forgotten: int) -> None:
    """An order counts when `now - at < span`, as it reads, however float rounding falls at the window's edge."""
    times = sorted([_near(now - span, k) for k in ulps] + others)
    recent = RecentOrders()
    for k, at in enumerate(times):
        recent.remember(RecentOrder(at, ClientOrderId(f"C{k}"), (ACCOUNT, k)))
    if forgotten and times:
        cut = times[min(forgotten, len(times)) - 1]
        recent.forget_older(cut, 0)  # forgets those strictly before cut
        times = [at for at in times if not cut - at > 0]
    assert recent.count_within(now, span) == sum(1 for at in times if now - at < span)


def test_a_strategy_exposure_cap_set_later_counts_its_working_orders_on_the_very_next_order() -> None:
    h = Harness(RiskConfig(RiskLimits(), strategies={"alpha": {"max_position": "1000"}}))
    h.quote()
    h.work(h.order(qty="60", price="100.00", strategy="alpha"))  # 6,000 USD working, unchecked so far
    assert h.check(h.order(qty="50", price="100.00", strategy="alpha")) is None
    h.engine.set_config(RiskConfig(RiskLimits(), strategies={"alpha": {"max_position": "1000",
                                                                       "max_gross_exposure": "10000"}}))
    reason = h.check(h.order(qty="51", price="100.00", strategy="alpha"))  # 6,000 + 5,100 > 10,000
    assert reason is not None and "Strategy alpha's gross exposure would reach 11,100.00 USD" in reason
