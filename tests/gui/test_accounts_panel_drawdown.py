"""The accounts panel's Drawdown column: each account's drawdown used against its limit, in money and %, coloured by
how near it is, following the P&L as it moves."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from core.domain import AccountId, Side, TradingState
from core.services.risk import RiskLimits
from core.services.risk.drawdown_gauge import drawdown_gauge
from gui.controllers.account_drawdown import AccountDrawdownController
from gui.widgets.accounts_panel import AccountsPanel
from tests.unit.risk_harness import ACCOUNT, Harness

GREEN, AMBER, RED = "#2e7d32", "#b26a00", "#c62828"


def make_panel(qtbot: QtBot, h: Harness) -> tuple[AccountsPanel, QLabel]:
    panel = AccountsPanel([(ACCOUNT, "paper"), (AccountId("IB-1"), "ib")])
    qtbot.addWidget(panel)
    AccountDrawdownController(panel, lambda account: drawdown_gauge(h.engine, account), panel)
    found = panel.findChild(QLabel, f"accountsPanel.drawdown.{ACCOUNT}")
    assert found is not None
    return panel, found


def mark(h: Harness, last: str) -> None:
    h.quote(bid=str(Decimal(last) - Decimal("0.01")), ask=last, last=last)


def test_the_drawdown_used_against_its_limit_follows_the_pnl_and_turns_amber_then_red(qtbot: QtBot) -> None:
    h = Harness(RiskLimits(drawdown_limit=Decimal(500), drawdown_halt=Decimal(1000), drawdown_limit_pct=Decimal(5)))
    day_pnl = h.engine.drawdowns.day_pnl
    h.engine.equity_of = lambda account, currency: Decimal(9000) + (day_pnl(ACCOUNT, h.engine.limits_for(ACCOUNT))
                                                                    or Decimal(0))  # 10,000 at a +1,000 peak
    panel, label = make_panel(qtbot, h)
    assert "0.00 / 500.00 USD · 0% / 5%" in label.text() and GREEN in label.text(), "flat: nothing used"
    h.fill(Side.BUY, "100", "100.00")
    mark(h, "110.00")  # the peak: +1,000
    mark(h, "107.00")  # 300 below it: 3% of 10,000
    qtbot.waitUntil(lambda: "300.00 / 500.00 USD · 3% / 5%" in label.text())
    assert GREEN in label.text()
    assert label.toolTip() == ("Drawdown from the peak of today: 300.00 USD (3%) — reduce-only beyond 500.00 USD, "
                               "5%; halt beyond 1,000.00 USD.")
    mark(h, "106.00")  # 400: 80% of the limit
    qtbot.waitUntil(lambda: "400.00 / 500.00 USD · 4% / 5%" in label.text())
    assert AMBER in label.text()
    mark(h, "104.99")  # 501: beyond the limit
    qtbot.waitUntil(lambda: "501.00 / 500.00 USD" in label.text())
    assert AMBER in label.text() and h.state() is TradingState.REDUCING
    mark(h, "99.99")  # 1,001: beyond the halt level
    qtbot.waitUntil(lambda: "1,001.00 / 500.00 USD" in label.text())
    assert RED in label.text() and h.state() is TradingState.HALTED
    other = panel.findChild(QLabel, "accountsPanel.drawdown.IB-1")
    assert other is not None and "0.00 / 500.00 USD" in other.text(), "each account shows its own drawdown"


def test_without_a_drawdown_limit_the_column_says_so_in_grey(qtbot: QtBot) -> None:
    h = Harness(RiskLimits())
    _, label = make_panel(qtbot, h)
    h.fill(Side.BUY, "100", "100.00")
    mark(h, "108.00")
    qtbot.waitUntil(lambda: "no limit" in label.text())
    assert "#757575" in label.text() and "set one in Risk limits" in label.toolTip()


def test_the_window_drawdown_shows_when_it_is_nearer_its_limit_than_todays(qtbot: QtBot) -> None:
    h = Harness(RiskLimits(drawdown_limit=Decimal(5000), rolling_drawdown_days=5,
                           rolling_drawdown_limit=Decimal(300)))
    _, label = make_panel(qtbot, h)
    h.fill(Side.BUY, "100", "100.00")
    mark(h, "110.00")
    mark(h, "107.00")
    qtbot.waitUntil(lambda: "last 5 days: 300.00 / 300.00 USD" in label.text())
    assert AMBER in label.text()
    assert "Drawdown from the peak of the last 5 days" in label.toolTip()


def test_state_changes_in_one_step_refresh_the_column_once_after_that_step(qtbot: QtBot) -> None:
    """The kill switch halts every account and each one in its first step: the column is read once, after it (#27:
    each read walked every position's day P&L inside the step, the longest freeze of a kill switch)."""
    h = Harness(RiskLimits(drawdown_limit=Decimal(500)))
    reads: list[AccountId] = []

    def gauge_of(account: AccountId):  # type: ignore[no-untyped-def]
        reads.append(account)
        return drawdown_gauge(h.engine, account)

    panel = AccountsPanel([(ACCOUNT, "paper"), (AccountId("IB-1"), "ib")])
    qtbot.addWidget(panel)
    controller = AccountDrawdownController(panel, gauge_of, panel)
    reads.clear()
    for _ in range(3):  # the global hold and each account's, in one step
        controller.refresh_soon()
    assert reads == [], "read inside the step that changed the states"
    qtbot.waitUntil(lambda: len(reads) >= 2)
    assert sorted(reads) == [AccountId("IB-1"), ACCOUNT], "read once per account, not once per change"
