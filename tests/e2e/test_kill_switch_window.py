"""The kill switch's confirm names everything it stops, and it stops strategy orders waiting for approval too."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox, QTableView

from core.domain import AccountId, OrderRequest, OrderStatus, OrderType, Side, StrategyId
from core.domain.signal import SignalInfo
from gui.controllers.strategies import StrategySetup
from gui.widgets.main_window import MainWindow
from tests.e2e.window_helpers import open_window, until, write_paper_settings

ACCOUNT = AccountId("PAPER-1")


def strategy_setup(window: MainWindow) -> StrategySetup:
    (setup,) = [o for o in window.keep_alive if isinstance(o, StrategySetup)]
    return setup


async def test_the_kill_switch_confirm_names_working_and_waiting_orders_and_rejects_the_waiting_ones(
        tmp_path: Path) -> None:
    write_paper_settings(tmp_path)
    async with open_window(tmp_path) as window:
        ask = window.bridge.bid_ask("AAPL")[1]
        assert ask is not None
        below = (ask * Decimal("0.995")).quantize(Decimal("0.01"))
        working = await window.session.submit(OrderRequest(ACCOUNT, "AAPL", Side.BUY, "2", OrderType.LIMIT,
                                                           limit_price=str(below)))
        assert working.is_working
        queue = strategy_setup(window).approvals
        waiting = await queue.intake(OrderRequest(ACCOUNT, "AAPL", Side.BUY, "1", OrderType.LIMIT,
                                                  limit_price=str(ask)),
                                     SignalInfo(StrategyId("momo"), datetime.now(UTC), ask))
        approvals = window.findChild(QTableView, "approvalsView")
        await until(lambda: approvals.model().rowCount() == 1, "the strategy order in the approvals dock")

        window.findChild(QAction, "action.killSwitch").trigger()
        await until(lambda: window.findChild(QMessageBox, "killSwitchConfirmDialog") is not None, "kill confirm")
        box = window.findChild(QMessageBox, "killSwitchConfirmDialog")
        text = box.text()
        assert "cancels 1 working order(s) on every account" in text, text
        assert "rejects 1 strategy order(s) waiting for approval" in text, text
        assert "halts all trading on every account until you resume" in text, text
        QTest.mouseClick(box.button(QMessageBox.StandardButton.Yes), Qt.MouseButton.LeftButton)

        await until(lambda: working.status is OrderStatus.CANCELED, "the working order to be cancelled")
        assert waiting.status is OrderStatus.DENIED and "kill switch" in waiting.reason
        await until(lambda: approvals.model().rowCount() == 0, "the approvals dock to empty")
        await until(lambda: "rejected 1 strategy order(s) waiting for approval" in window.log_view.toPlainText(),
                    "the log to say the waiting order was rejected")
        outcome = await queue.approve(waiting.client_order_id)
        assert not outcome.approved and "kill switch is on" in outcome.reason
