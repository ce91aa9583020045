"""Drawdown: peak-to-trough of the day's equity; REDUCING, then HALTED, one cent past each threshold; restarts."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from core.domain import Fill, FillRecorded, OrderFilled, Side, TradingState
from core.services.risk import LimitError, RiskConfig, RiskLimits
from core.services.risk.standing_holds import journal_peaks, restore_standing_holds
from core.services.risk.usage import usage_texts
from core.storage.journal import SqliteJournal
from tests.factories import make_fill
from tests.unit.risk_harness import ACCOUNT, Harness

TICK = Decimal("0.01")
LIMITS = RiskLimits(drawdown_limit=Decimal(500), drawdown_halt=Decimal(1000))


def mark(h: Harness, last: str) -> None:
    """Mark AAPL at last: a long 100 bought at 100.00 is worth (last - 100) x 100 today."""
    h.quote(bid=str(Decimal(last) - TICK), ask=last, last=last)


def long_100(h: Harness, commission: str = "0") -> None:
    h.bus.publish(FillRecorded(make_fill(quantity="100", price="100.00", side=Side.BUY, commission=commission,
                                         ts=h.clock.now())))


def test_reducing_one_cent_past_the_drawdown_limit_and_halted_one_cent_past_the_halt() -> None:
    h = Harness(LIMITS)
    long_100(h)
    mark(h, "110.00")  # the day's peak: +1,000
    mark(h, "105.00")  # 500 below it: not beyond
    assert h.state() is TradingState.ACTIVE
    assert h.check(h.order(Side.BUY, qty="1", price="105.00")) is None
    mark(h, "104.99")  # 501
    assert h.state() is TradingState.REDUCING
    reason = h.engine.state(ACCOUNT)[1]
    assert "Drawdown 501.00 USD from today's peak is beyond the 500.00 USD drawdown limit" in reason
    assert "may only reduce positions" in (h.check(h.order(Side.BUY, qty="1", price="104.99")) or "")
    mark(h, "100.00")  # 1,000 below the peak, although the day is flat: still reducing
    assert h.state() is TradingState.REDUCING
    mark(h, "99.99")  # 1,001
    assert h.state() is TradingState.HALTED
    assert "1,000.00 USD drawdown halt level" in h.engine.state(ACCOUNT)[1]


@pytest.mark.parametrize(("commission", "state"), [("500", TradingState.ACTIVE), ("500.01", TradingState.REDUCING)])
def test_the_drawdown_is_net_of_commissions(commission: str, state: TradingState) -> None:
    h = Harness(RiskLimits(drawdown_limit=Decimal(500)))
    long_100(h)
    mark(h, "110.00")  # peak +1,000
    h.bus.publish(FillRecorded(make_fill(quantity="100", price="110.00", side=Side.SELL, commission=commission,
                                         ts=h.clock.now())))  # sold at the peak: only the commission is lost
    assert h.state() is state


def test_percent_thresholds_count_from_the_equity_at_the_peak() -> None:
    h = Harness(RiskLimits(drawdown_limit_pct=Decimal(5), drawdown_halt_pct=Decimal(10)))
    long_100(h)

    def equity(account: object, currency: str) -> Decimal | None:  # 9,000 at the start of the day, plus the P&L
        pnl = h.engine.drawdowns.day_pnl(ACCOUNT, h.engine.limits_for(ACCOUNT))
        return None if pnl is None else Decimal(9000) + pnl

    h.engine.equity_of = equity
    mark(h, "110.00")  # equity 10,000 at the peak
    mark(h, "105.00")  # 500 = 5.00%
    assert h.state() is TradingState.ACTIVE
    mark(h, "104.99")  # 5.01%
    assert h.state() is TradingState.REDUCING
    assert "(5.01%) is beyond the 5% drawdown limit" in h.engine.state(ACCOUNT)[1]
    mark(h, "100.00")  # 10.00%
    assert h.state() is TradingState.REDUCING
    mark(h, "99.99")
    assert h.state() is TradingState.HALTED


def test_the_dialog_shows_the_drawdown_beside_its_limits() -> None:
    h = Harness(LIMITS)
    long_100(h)
    mark(h, "110.00")
    mark(h, "107.50")
    texts = usage_texts(h.engine, "account", str(ACCOUNT))
    assert texts["drawdown_limit"] == "250 / 500 USD"
    assert texts["drawdown_halt"] == "250 / 1,000 USD"


def test_a_reset_starts_the_drawdown_from_now_and_lifts_the_hold() -> None:
    h = Harness(LIMITS)
    long_100(h)
    mark(h, "110.00")
    mark(h, "104.00")
    assert h.state() is TradingState.REDUCING
    h.engine.reset_drawdown(ACCOUNT)
    assert h.state() is TradingState.ACTIVE
    mark(h, "99.00")  # 500 below the reset point
    assert h.state() is TradingState.ACTIVE
    mark(h, "98.99")
    assert h.state() is TradingState.REDUCING


def test_the_halt_threshold_may_not_be_below_the_limit() -> None:
    with pytest.raises(LimitError, match=r"drawdown_halt: .* \(drawdown_limit = 500\), got 499"):
        RiskLimits(drawdown_limit=Decimal(500), drawdown_halt=Decimal(499))
    with pytest.raises(LimitError, match="drawdown_limit_pct: is a percentage"):
        RiskLimits(drawdown_limit_pct=Decimal(101))


def test_the_peak_survives_a_restart_that_sees_only_the_prices_after_it(tmp_path: Path) -> None:
    journal = SqliteJournal(tmp_path / "journal.sqlite")
    h = Harness(LIMITS)
    journal_peaks(journal, h.engine)
    fill = make_fill(quantity="100", price="100.00", side=Side.BUY, ts=h.clock.now())
    h.bus.publish(FillRecorded(fill))
    mark(h, "110.00")  # peak +1,000, journaled
    mark(h, "106.00")
    assert h.state() is TradingState.ACTIVE
    journal.close()

    journal = SqliteJournal(tmp_path / "journal.sqlite")
    again = Harness(LIMITS)  # the restarted process: the same fill, and prices from 106.00 on only
    again.portfolio.restore([fill])
    restore_standing_holds(journal, again.engine, again.bus)
    mark(again, "106.00")
    assert again.state() is TradingState.ACTIVE
    mark(again, "104.99")  # 501 below the peak before the restart (only 101 below anything it saw)
    assert again.state() is TradingState.REDUCING
    journal.close()


ALPHA = RiskConfig(RiskLimits(), strategies={"alpha": {"drawdown_limit": "50", "drawdown_halt": "100"}})


def alpha_long_10(h: Harness) -> Fill:
    order = h.work(h.order(Side.BUY, qty="10", strategy="alpha"))
    fill = make_fill(order, quantity="10", price="100.00", account_id=ACCOUNT, ts=h.clock.now())
    order.apply(OrderFilled(order.client_order_id, fill))
    h.bus.publish(FillRecorded(fill))
    return fill


def test_a_strategys_own_drawdown_holds_it_one_cent_past_its_limit_and_halt() -> None:
    h = Harness(ALPHA)
    alpha_long_10(h)
    mark(h, "110.00")  # alpha's peak: +100
    mark(h, "105.00")  # 50 below: not beyond
    assert h.check(h.order(Side.BUY, qty="1", strategy="alpha", price="105.00")) is None
    mark(h, "104.99")
    assert h.check(h.order(Side.BUY, qty="1", strategy="alpha", price="104.99")) == (
        "Strategy alpha may only reduce its own positions on PAPER-1: its drawdown 50.10 USD from today's peak is "
        "beyond its 50.00 USD limit.")
    assert h.check(h.order(Side.SELL, qty="10", strategy="alpha", price="104.99")) is None
    assert h.state() is TradingState.ACTIVE  # the account trades on
    mark(h, "100.00")
    assert h.check(h.order(Side.SELL, qty="1", strategy="alpha", price="100.00")) is None
    mark(h, "99.99")
    assert "Strategy alpha is halted on PAPER-1: its drawdown 100.10 USD" in (
        h.check(h.order(Side.SELL, qty="1", strategy="alpha", price="99.99")) or "")


def test_a_strategys_peak_survives_a_restart(tmp_path: Path) -> None:
    journal = SqliteJournal(tmp_path / "journal.sqlite")
    h = Harness(ALPHA)
    journal_peaks(journal, h.engine)
    fill = alpha_long_10(h)
    mark(h, "110.00")
    journal.close()

    journal = SqliteJournal(tmp_path / "journal.sqlite")
    again = Harness(ALPHA)
    again.book.orders.update(h.book.orders)  # the journal's orders, then its fills
    again.portfolio.restore([fill])
    again.engine.strategy_positions.restore([fill], again.engine.today())
    restore_standing_holds(journal, again.engine, again.bus)
    mark(again, "105.00")
    assert again.check(again.order(Side.BUY, qty="1", strategy="alpha", price="105.00")) is None
    mark(again, "104.99")
    assert "its drawdown 50.10 USD" in (again.check(again.order(Side.BUY, qty="1", strategy="alpha",
                                                                price="104.99")) or "")
    journal.close()


def test_a_reset_survives_a_restart(tmp_path: Path) -> None:
    journal = SqliteJournal(tmp_path / "journal.sqlite")
    h = Harness(LIMITS)
    journal_peaks(journal, h.engine)
    fill = make_fill(quantity="100", price="100.00", side=Side.BUY, ts=h.clock.now())
    h.bus.publish(FillRecorded(fill))
    mark(h, "110.00")
    mark(h, "104.00")
    h.engine.reset_drawdown(ACCOUNT)  # the peak is now +400, journaled after the +1,000 one
    journal.close()

    journal = SqliteJournal(tmp_path / "journal.sqlite")
    again = Harness(LIMITS)
    again.portfolio.restore([fill])
    restore_standing_holds(journal, again.engine, again.bus)
    mark(again, "99.00")  # 500 below the reset point: not beyond (600 below the day's first peak)
    assert again.state() is TradingState.ACTIVE
    mark(again, "98.99")
    assert again.state() is TradingState.REDUCING
    journal.close()
