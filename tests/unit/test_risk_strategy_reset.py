"""A strategy's drawdown has a reset of its own: it starts that strategy's drawdowns (today's and over days) afresh,
is journaled and holds across a restart, and leaves the account's peak and every other strategy's as they were."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from core.domain import Fill, FillRecorded, OrderFilled, Side, StrategyId
from core.services.risk import RiskConfig, RiskLimits
from core.services.risk.standing_holds import journal_peaks, restore_standing_holds
from core.storage.journal import SqliteJournal
from tests.factories import make_fill
from tests.unit.risk_harness import ACCOUNT, Harness

TICK = Decimal("0.01")
OWN = {"drawdown_limit": "50", "rolling_drawdown_days": "5", "rolling_drawdown_limit": "60"}
CONFIG = RiskConfig(RiskLimits(drawdown_limit=Decimal(500)), strategies={"alpha": OWN, "beta": OWN})


def mark(h: Harness, last: str) -> None:
    h.quote(bid=str(Decimal(last) - TICK), ask=last, last=last)


def long_10(h: Harness, strategy: str) -> Fill:
    order = h.work(h.order(Side.BUY, qty="10", strategy=strategy))
    fill = make_fill(order, quantity="10", price="100.00", account_id=ACCOUNT, ts=h.clock.now())
    order.apply(OrderFilled(order.client_order_id, fill))
    h.bus.publish(FillRecorded(fill))
    return fill


def buy_1(h: Harness, strategy: str) -> str | None:
    return h.check(h.order(Side.BUY, qty="1", strategy=strategy, price="104.99"))


def test_a_strategys_reset_starts_its_own_drawdown_afresh_and_no_one_elses_across_a_restart(tmp_path: Path) -> None:
    journal = SqliteJournal(tmp_path / "journal.sqlite")
    h = Harness(CONFIG)
    journal_peaks(journal, h.engine)
    fills = [long_10(h, "alpha"), long_10(h, "beta")]
    mark(h, "110.00")  # each strategy's peak +100, the account's +200
    mark(h, "104.99")  # each 50.10 below its peak: beyond its 50 limit
    assert "Strategy alpha may only reduce its own positions" in (buy_1(h, "alpha") or "")
    assert "Strategy beta may only reduce its own positions" in (buy_1(h, "beta") or "")
    assert h.engine.reset_strategy_drawdown(StrategyId("alpha")) == [ACCOUNT]
    assert buy_1(h, "alpha") is None, "alpha counts from its P&L now"
    assert "Strategy beta may only reduce its own positions" in (buy_1(h, "beta") or ""), "beta is not reset"
    account = h.engine.drawdown(ACCOUNT)
    assert account is not None and account.peak == Decimal(200), "the account's peak is not touched"
    journal.close()

    journal = SqliteJournal(tmp_path / "journal.sqlite")
    again = Harness(CONFIG)
    journal_peaks(journal, again.engine)
    again.book.orders.update(h.book.orders)  # the journal's orders, then its fills
    again.portfolio.restore(fills)
    again.engine.strategy_positions.restore(fills, again.engine.today())
    restore_standing_holds(journal, again.engine, again.bus)
    mark(again, "104.99")
    assert buy_1(again, "alpha") is None, "alpha's reset holds across the restart"
    assert "Strategy beta may only reduce its own positions" in (buy_1(again, "beta") or "")
    account = again.engine.drawdown(ACCOUNT)
    assert account is not None and account.peak == Decimal(200)
    mark(again, "99.99")  # alpha 50.00 below its reset point: not beyond; 50.10 once more is
    assert again.check(again.order(Side.BUY, qty="1", strategy="alpha", price="99.99")) is None
    mark(again, "99.98")
    assert "Strategy alpha may only reduce its own positions on PAPER-1: its drawdown 50.10 USD" in (
        again.check(again.order(Side.BUY, qty="1", strategy="alpha", price="99.98")) or "")
    journal.close()
