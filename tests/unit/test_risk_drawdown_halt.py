"""The drawdown over days has the daily loss's two levels: one cent past its limit REDUCING, one cent past its halt
level HALTED, per account and per strategy, in currency and %; a strategy's % drawdown counts its account's equity."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from core.domain import FillRecorded, OrderFilled, Side, StrategyId, TradingState
from core.services.risk import LimitError, RiskConfig, RiskLimits
from core.services.risk.usage import usage_texts
from tests.factories import make_fill
from tests.unit.risk_harness import ACCOUNT, Harness
from tests.unit.test_risk_rolling_drawdown import mark, three_days


def halts(amount: str | None = "1500", pct: str | None = None) -> RiskLimits:
    return RiskLimits(rolling_drawdown_days=5, rolling_drawdown_limit=Decimal(1000), rolling_drawdown_halt=amount,
                      rolling_drawdown_halt_pct=pct, collar_pct=Decimal(50))


def test_the_account_is_halted_one_cent_past_the_halt_level_of_its_drawdown_over_days_across_a_restart(
        tmp_path: Path) -> None:
    days = three_days(tmp_path, halts())  # the window's peak: +1,000 on day 1; today opens at +400
    h = days.h
    mark(h, "100.00", "104.00")  # 1,000 below the peak
    assert h.state() is TradingState.ACTIVE
    mark(h, "99.99", "104.00")
    assert h.state() is TradingState.REDUCING
    mark(h, "95.00", "104.00")  # 1,500 below: at the halt level, not beyond
    assert h.state() is TradingState.REDUCING
    assert usage_texts(h.engine, "account", str(ACCOUNT))["rolling_drawdown_halt"] == "1,500 / 1,500 USD"
    mark(h, "94.99", "104.00")
    assert h.state() is TradingState.HALTED
    reason = h.engine.state(ACCOUNT)[1]
    assert reason == ("Drawdown 1,501.00 USD from the equity peak of the last 5 days (peak on 2026-03-02) is beyond "
                      "the 1,500.00 USD halt level: no new orders. Reset the drawdown in Risk limits once checked.")
    assert h.states[-1].state is TradingState.HALTED and h.states[-1].reason == reason  # the indicator and the log
    assert "PAPER-1 is halted" in (h.check(h.order(Side.BUY, qty="1", price="94.99")) or "")
    h = days.next_day()  # a restart: the window's days come back from the journal, and with them the halt
    mark(h, "94.99", "94.99")
    assert h.state() is TradingState.HALTED
    assert "Drawdown 1,501.00 USD from the equity peak of the last 5 days" in h.engine.state(ACCOUNT)[1]
    h.engine.reset_drawdown(ACCOUNT)
    assert h.state() is TradingState.ACTIVE
    days.close()


def test_a_percent_halt_level_over_days_counts_from_the_equity_at_the_peak(tmp_path: Path) -> None:
    days = three_days(tmp_path, halts(amount=None, pct="15"))
    h = days.h
    day_pnl = h.engine.drawdowns.day_pnl
    h.engine.equity_of = lambda account, currency: Decimal(9400) + (day_pnl(ACCOUNT, h.engine.limits_for(ACCOUNT))
                                                                    or Decimal(0))  # 10,000 at day 1's peak
    mark(h, "95.00", "104.00")  # 1,500 below 10,000: 15.00%
    assert h.state() is TradingState.REDUCING
    mark(h, "94.99", "104.00")
    assert h.state() is TradingState.HALTED
    assert "beyond the 15% halt level (15.01% of the peak equity): no new orders" in h.engine.state(ACCOUNT)[1]
    days.close()


def test_the_halt_level_over_days_may_not_be_below_its_limit() -> None:
    with pytest.raises(LimitError, match=r"rolling_drawdown_halt: .* \(rolling_drawdown_limit = 1000\), got 999"):
        RiskLimits(rolling_drawdown_limit=Decimal(1000), rolling_drawdown_halt=Decimal(999))
    with pytest.raises(LimitError, match=r"rolling_drawdown_halt_pct: is the second threshold"):
        RiskLimits(rolling_drawdown_limit_pct=Decimal(10), rolling_drawdown_halt_pct=Decimal(5))
    saved = RiskConfig(strategies={"alpha": {"rolling_drawdown_halt": "80"}}).to_dict()
    assert RiskConfig.from_dict(saved).strategies["alpha"]["rolling_drawdown_halt"] == Decimal(80)  # persists


def alpha_long_10(h: Harness) -> None:
    order = h.work(h.order(Side.BUY, qty="10", strategy="alpha"))
    fill = make_fill(order, quantity="10", price="100.00", account_id=ACCOUNT, ts=h.clock.now())
    order.apply(OrderFilled(order.client_order_id, fill))
    h.bus.publish(FillRecorded(fill))


def test_a_strategy_is_halted_one_cent_past_the_halt_level_of_its_own_drawdown_over_days() -> None:
    h = Harness(RiskConfig(RiskLimits(), strategies={"alpha": {
        "rolling_drawdown_days": "5", "rolling_drawdown_limit": "50", "rolling_drawdown_halt": "80"}}))
    alpha_long_10(h)
    mark(h, "105.00", None)  # alpha's peak: +50
    mark(h, "97.00", None)  # 80 below: at the halt level, not beyond
    assert h.check(h.order(Side.SELL, qty="1", strategy="alpha", price="97.00")) is None  # reducing its own: allowed
    assert "may only reduce its own positions" in (h.check(h.order(Side.BUY, qty="1", strategy="alpha",
                                                                    price="97.00")) or "")
    mark(h, "96.99", None)
    assert h.check(h.order(Side.SELL, qty="1", strategy="alpha", price="96.99")) == (
        "Strategy alpha is halted on PAPER-1: its drawdown 80.10 USD from its peak of the last 5 days is beyond its "
        "80.00 USD halt level.")
    assert h.check(h.order(Side.BUY, qty="1", price="96.99")) is None  # the account trades on
    assert h.state() is TradingState.ACTIVE
    assert usage_texts(h.engine, "strategy", "alpha")["rolling_drawdown_halt"] == "80.10 / 80 USD"


def test_a_strategys_percent_drawdown_counts_from_its_accounts_equity_at_its_peak() -> None:
    h = Harness(RiskConfig(RiskLimits(), strategies={"alpha": {
        "drawdown_limit_pct": "0.5", "drawdown_halt_pct": "1"}}))
    pnl = h.engine.strategies.daily_pnl
    h.engine.equity_of = lambda account, currency: Decimal(9950) + (pnl(ACCOUNT, StrategyId("alpha")) or Decimal(0))
    alpha_long_10(h)
    mark(h, "105.00", None)  # alpha's peak +50: the account's equity 10,000
    mark(h, "100.00", None)  # 50 below: 0.50% of 10,000
    assert h.check(h.order(Side.BUY, qty="1", strategy="alpha", price="100.00")) is None
    mark(h, "99.99", None)  # 50.10: 0.501%
    assert h.check(h.order(Side.BUY, qty="1", strategy="alpha", price="99.99")) == (
        "Strategy alpha may only reduce its own positions on PAPER-1: its drawdown 50.10 USD (0.5% of the account's "
        "equity) from today's peak is beyond its 0.5% limit.")
    mark(h, "95.00", None)  # 100 below: 1.00%
    assert h.check(h.order(Side.SELL, qty="1", strategy="alpha", price="95.00")) is None
    mark(h, "94.99", None)
    assert "Strategy alpha is halted on PAPER-1: its drawdown 100.10 USD (1% of the account's equity)" in (
        h.check(h.order(Side.SELL, qty="1", strategy="alpha", price="94.99")) or "")
    texts = usage_texts(h.engine, "strategy", "alpha")
    assert texts["drawdown_halt_pct"].endswith("/ 1 %")
