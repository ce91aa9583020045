"""Drawdown over a rolling window of days: the equity peak of the last N days, kept across restarts from the journal's
days of that window only; beyond the limit the account may only reduce positions."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from core.domain import Fill, FillRecorded, OrderFilled, Quote, Side, TradingState
from core.services.risk import LimitError, RiskConfig, RiskLimits
from core.services.risk.rolling_drawdown import ROLLING_AUDIT, day_detail
from core.services.risk.standing_holds import journal_peaks, restore_standing_holds
from core.services.risk.usage import usage_texts
from core.storage.journal import SqliteJournal
from tests.factories import make_fill
from tests.unit.risk_harness import ACCOUNT, Harness

DAY_S = 86_400
FIVE_MIN_S = 300


def limits(days: int, amount: str | None = "1000", pct: str | None = None) -> RiskLimits:
    return RiskLimits(rolling_drawdown_days=days, rolling_drawdown_limit=amount, rolling_drawdown_limit_pct=pct,
                      collar_pct=Decimal(50))


def mark(h: Harness, last: str, close: str | None) -> None:
    """Quote AAPL at last, with the broker's previous close (the day's P&L of a carried position counts from it)."""
    h.bus.publish(Quote("AAPL", Decimal(last) - Decimal("0.01"), Decimal(last), Decimal(last),
                        None if close is None else Decimal(close), ts=h.clock.now()))
    h.clock.advance(FIVE_MIN_S)


class Days:
    """TradeTerm run one day at a time, restarted each morning over the same journal (and the one long fill)."""

    def __init__(self, tmp_path: Path, risk: RiskLimits) -> None:
        self.path, self.risk, self.day = tmp_path / "journal.sqlite", risk, 0
        self.h = Harness(risk)
        self.journal = SqliteJournal(self.path, now=self.h.clock.now)
        journal_peaks(self.journal, self.h.engine)
        self.fill: Fill = make_fill(quantity="100", price="100.00", side=Side.BUY, ts=self.h.clock.now())
        self.h.bus.publish(FillRecorded(self.fill))  # long 100 AAPL at 100.00

    def next_day(self) -> Harness:
        self.journal.close()
        self.day += 1
        h = self.h = Harness(self.risk)
        h.clock.seconds = self.day * DAY_S
        self.journal = SqliteJournal(self.path, now=h.clock.now)
        journal_peaks(self.journal, h.engine)
        h.portfolio.restore([self.fill])
        restore_standing_holds(self.journal, h.engine, h.bus)
        return h

    def close(self) -> None:
        self.journal.close()


def three_days(tmp_path: Path, risk: RiskLimits) -> Days:
    """+1,000 at the peak on day 1, closing +800; day 2 closes at +400; day 3 opens at +400."""
    days = Days(tmp_path, risk)
    mark(days.h, "110.00", None)
    mark(days.h, "108.00", None)
    h = days.next_day()
    mark(h, "106.00", "108.00")
    mark(h, "104.00", "108.00")
    days.next_day()
    return days


def test_a_loss_spread_over_days_reduces_the_account_one_cent_past_the_limit_from_the_peak_of_the_window(
        tmp_path: Path) -> None:
    days = three_days(tmp_path, limits(5))
    h = days.h
    mark(h, "100.00", "104.00")  # 1,000 below the peak of day 1, 400 below today's start: not beyond
    assert h.state() is TradingState.ACTIVE
    assert usage_texts(h.engine, "account", str(ACCOUNT))["rolling_drawdown_limit"] == "1,000 / 1,000 USD"
    mark(h, "99.99", "104.00")
    assert h.state() is TradingState.REDUCING
    reason = h.engine.state(ACCOUNT)[1]
    assert reason.startswith("Drawdown 1,001.00 USD from the equity peak of the last 5 days (peak on 2026-03-02) "
                             "is beyond the 1,000.00 USD limit: only orders that reduce a position are allowed.")
    assert h.states[-1].reason == reason  # the Trading indicator and the log show it
    assert "may only reduce positions" in (h.check(h.order(Side.BUY, qty="1", price="99.99")) or "")
    assert h.check(h.order(Side.SELL, qty="100", price="99.99")) is None  # closing is still allowed
    days.close()


def test_the_peak_leaves_the_window_with_its_day(tmp_path: Path) -> None:
    days = three_days(tmp_path, limits(2))  # the window is days 2 and 3: the peak is day 2's start, +800
    mark(days.h, "99.99", "104.00")  # 800.01 below it
    assert days.h.state() is TradingState.ACTIVE
    mark(days.h, "97.99", "104.00")  # 1,000.01
    assert days.h.state() is TradingState.REDUCING
    assert "equity peak of the last 2 days (peak on 2026-03-03)" in days.h.engine.state(ACCOUNT)[1]
    days.close()


def test_a_percent_limit_counts_from_the_equity_at_the_peak(tmp_path: Path) -> None:
    days = three_days(tmp_path, limits(5, amount=None, pct="10"))
    h = days.h
    day_pnl = h.engine.drawdowns.day_pnl
    h.engine.equity_of = lambda account, currency: Decimal(9400) + (day_pnl(ACCOUNT, h.engine.limits_for(ACCOUNT))
                                                                    or Decimal(0))  # 10,000 at day 1's peak
    mark(h, "100.00", "104.00")  # 1,000 below 10,000: 10.00%
    assert h.state() is TradingState.ACTIVE
    mark(h, "99.99", "104.00")
    assert h.state() is TradingState.REDUCING
    assert "beyond the 10% limit (10.01% of the peak equity)" in h.engine.state(ACCOUNT)[1]
    days.close()


def test_a_reset_starts_the_window_from_now_and_survives_a_restart(tmp_path: Path) -> None:
    days = three_days(tmp_path, limits(5))
    mark(days.h, "99.00", "104.00")
    assert days.h.state() is TradingState.REDUCING
    days.h.engine.reset_drawdown(ACCOUNT)
    assert days.h.state() is TradingState.ACTIVE
    h = days.next_day()
    mark(h, "90.00", "99.00")  # 900 below the reset point
    assert h.state() is TradingState.ACTIVE
    mark(h, "88.99", "99.00")
    assert h.state() is TradingState.REDUCING
    days.close()


def test_a_restart_reads_only_the_days_of_the_window(tmp_path: Path) -> None:
    days = Days(tmp_path, limits(5))
    days.h.clock.seconds = -10 * DAY_S  # ten days ago, an entry for a peak of +5,000
    days.journal.record_audit("risk engine", ROLLING_AUDIT, day_detail((ACCOUNT, None), days.h.engine.today(),
                                                                       Decimal(5000), Decimal(0), False))
    h = days.next_day()
    mark(h, "100.00", "100.00")
    mark(h, "95.00", "100.00")  # 500 below today's start: the old peak is outside the window
    assert h.state() is TradingState.ACTIVE
    assert usage_texts(h.engine, "account", str(ACCOUNT))["rolling_drawdown_limit"] == "500 / 1,000 USD"
    days.close()


def test_the_window_is_whole_days_up_to_a_year() -> None:
    with pytest.raises(LimitError, match="rolling_drawdown_days: is a rolling window in days: at most 366"):
        RiskLimits(rolling_drawdown_days=367)
    with pytest.raises(LimitError, match="rolling_drawdown_days: must be a whole number"):
        RiskLimits(rolling_drawdown_days="2.5")
    assert RiskLimits.from_dict({"rolling_drawdown_days": "10"}).rolling_drawdown_days == 10


ALPHA_DAYS = RiskConfig(RiskLimits(),
                        strategies={"alpha": {"rolling_drawdown_days": "5", "rolling_drawdown_limit": "50"}})


def test_a_strategys_own_loss_over_days_holds_it_to_reducing_its_positions_across_restarts(tmp_path: Path) -> None:
    h = Harness(ALPHA_DAYS)
    journal = SqliteJournal(tmp_path / "journal.sqlite", now=h.clock.now)
    journal_peaks(journal, h.engine)
    order = h.work(h.order(Side.BUY, qty="10", strategy="alpha"))
    fill = make_fill(order, quantity="10", price="100.00", account_id=ACCOUNT, ts=h.clock.now())
    order.apply(OrderFilled(order.client_order_id, fill))
    h.bus.publish(FillRecorded(fill))  # alpha: long 10 AAPL at 100.00
    mark(h, "105.00", None)  # alpha's peak: +50
    mark(h, "103.00", None)  # day 1 closes at +30
    journal.close()

    for day, close, low in ((1, "103.00", "101.00"), (2, "101.00", "100.00")):  # -20 on day 2, -10 on day 3
        again = Harness(ALPHA_DAYS)
        again.clock.seconds = day * DAY_S
        journal = SqliteJournal(tmp_path / "journal.sqlite", now=again.clock.now)
        journal_peaks(journal, again.engine)
        again.book.orders.update(h.book.orders)
        again.portfolio.restore([fill])
        again.engine.strategy_positions.restore([fill], again.engine.today())
        restore_standing_holds(journal, again.engine, again.bus)
        mark(again, low, close)
        if day == 1:
            journal.close()
    assert again.check(again.order(Side.BUY, qty="1", strategy="alpha", price="100.00")) is None  # 50 below: not beyond
    mark(again, "99.99", "101.00")
    assert again.check(again.order(Side.BUY, qty="1", strategy="alpha", price="99.99")) == (
        "Strategy alpha may only reduce its own positions on PAPER-1: its drawdown 50.10 USD from its peak of the "
        "last 5 days is beyond its 50.00 USD limit.")
    assert again.check(again.order(Side.SELL, qty="10", strategy="alpha", price="99.99")) is None
    assert again.check(again.order(Side.BUY, qty="1", price="99.99")) is None  # the account trades on
    assert usage_texts(again.engine, "strategy", "alpha")["rolling_drawdown_limit"] == "50.10 / 50 USD"
    journal.close()


def test_running_past_midnight_the_new_day_counts_from_where_the_last_one_closed() -> None:
    h = Harness(limits(5, amount="300"))
    h.bus.publish(FillRecorded(make_fill(quantity="100", price="100.00", side=Side.BUY, ts=h.clock.now())))
    mark(h, "110.00", None)  # +1,000: the peak
    mark(h, "108.00", None)  # the day closes at +800
    h.clock.advance(DAY_S)  # TradeTerm runs on into the next day; its P&L figure carries on from +800
    mark(h, "106.00", None)  # 200 lost today: 400 below the peak (not a fresh +600 on top of yesterday's +800)
    assert h.state() is TradingState.REDUCING
    assert "Drawdown 400.00 USD from the equity peak of the last 5 days (peak on 2026-03-02)" in (
        h.engine.state(ACCOUNT)[1])
