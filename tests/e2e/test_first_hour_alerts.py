"""Alerts in the real window: strategy orders that wait, price and P&L alerts set from the watchlist, the toast."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QDockWidget,
    QLineEdit,
    QListWidget,
    QPushButton,
    QTableView,
    QWidget,
)

from core.domain import AccountId, OrderRequest, OrderType, Side
from core.ports.notifier import NotificationKind
from core.strategy_client.client import TradeTermClient
from gui.controllers.alerts import AlertsSetup
from gui.controllers.mail import MailSetup
from gui.controllers.strategies import StrategySetup
from gui.dialogs.alert_dialogs import MoveAlertDialog, PnlAlertDialog, PriceAlertDialog
from gui.widgets.api_token_panel import ApiTokenPanel
from gui.widgets.main_window import MainWindow
from gui.widgets.tab_flash import HIGHLIGHT, DockTabFlasher
from gui.widgets.toast import ToastWidget
from tests.e2e.window_helpers import model_of, open_window, until, until_row, write_paper_settings
from tests.sims.smtp import SmtpSim
from tests.unit.notifications_harness import FAST, local_mailer

ACCOUNT = AccountId("PAPER-1")


def alerts_of(window: MainWindow) -> AlertsSetup:
    return next(o for o in window.keep_alive if isinstance(o, AlertsSetup))


def listed(window: MainWindow) -> list[str]:
    view = window.findChild(QListWidget, "alerts.list")
    return [view.item(row).text() for row in range(view.count())]


def toast_lines(window: MainWindow) -> list[str]:
    return window.findChild(ToastWidget, "toast").lines()


def in_view(widget: QWidget) -> bool:
    """Return whether the trader sees widget (a dock behind another tab is visible, but moved out of the window)."""
    return widget.isVisible() and not widget.visibleRegion().isEmpty()


def open_price_alert(window: MainWindow, symbol: str, direction: str) -> PriceAlertDialog:
    """Right-click symbol's watchlist row and choose 'Alert when … goes <direction>…'."""
    view = window.findChild(QTableView, "watchlistView")
    row = model_of(view).row_of(symbol)
    assert row is not None
    view.setCurrentIndex(model_of(view).index(row, 0))  # the row the context menu's actions work on
    assert view.contextMenuPolicy() == Qt.ContextMenuPolicy.ActionsContextMenu
    action = next(a for a in view.actions() if a.objectName() == f"watchlistMenu.alert{direction.capitalize()}")
    assert action.text() == f"Alert when the price goes {direction}…"
    action.trigger()
    dialog = alerts_of(window).dialog
    assert isinstance(dialog, PriceAlertDialog) and dialog.isVisible()
    return dialog


def set_level(dialog: PriceAlertDialog | MoveAlertDialog | PnlAlertDialog, text: str) -> None:
    edit = dialog.findChild(QLineEdit, f"{dialog.objectName().removesuffix('Dialog')}.level")
    edit.selectAll()
    QTest.keyClicks(edit, text)
    dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()


@pytest.mark.slow
async def test_a_price_alert_from_the_watchlist_fires_once_with_a_toast_and_a_log_line_and_survives_a_restart(
        tmp_path: Path) -> None:
    write_paper_settings(tmp_path)
    async with open_window(tmp_path) as window:
        await until_row(window.watchlist_view, "AAPL")
        last = window.session.view.latest_quote("AAPL", "PAPER-1").last
        assert last is not None
        far = open_price_alert(window, "AAPL", "above")
        assert far.findChild(QLineEdit, "priceAlert.level").text() == f"{last:f}", "starts from the last price"
        set_level(far, "1e3")
        assert far.isVisible() and "exponent" in far.error_label.text(), "a number it cannot read is explained"
        set_level(far, str(last + 100))
        near = open_price_alert(window, "AAPL", "below")
        set_level(near, str(last + 1))
        await until(lambda: any("Price alert: AAPL" in line for line in toast_lines(window)), "the alert's toast")
        assert not window.findChild(ToastWidget, "toast").hasFocus()
        assert f"AAPL is at {last:f}, below {last + 1:f}" in window.log_view.toPlainText()
        assert listed(window)[0] == f"● AAPL above {last + 100:f} (PAPER-1)"
        assert listed(window)[1].startswith("✓ fired")
        assert listed(window)[1].endswith(f"AAPL below {last + 1:f} (PAPER-1)")
        assert alerts_of(window).check() == [], "a fired alert never fires again"
    saved = json.loads((tmp_path / "settings.json").read_text())["alerts"]
    assert [(a["direction"], a["fired_at"] is None) for a in saved] == [("above", True), ("below", False)]
    async with open_window(tmp_path) as window:
        assert listed(window)[0] == f"● AAPL above {last + 100:f} (PAPER-1)"
        assert listed(window)[1].startswith("✓ fired")
        await asyncio.sleep(0.6)
        assert toast_lines(window) == [], "restored, the fired alert stays quiet"


@pytest.mark.slow
async def test_a_move_alert_from_the_watchlist_or_the_alerts_panel_fires_once_and_survives_a_restart(
        tmp_path: Path) -> None:
    write_paper_settings(tmp_path, tick_interval_s=0.05)  # a market that walks, so the price moves
    async with open_window(tmp_path) as window:
        await until_row(window.watchlist_view, "AAPL")
        view = window.findChild(QTableView, "watchlistView")
        view.setCurrentIndex(model_of(view).index(model_of(view).row_of("AAPL"), 0))
        action = next(a for a in view.actions() if a.objectName() == "watchlistMenu.alertMove")
        assert action.text() == "Alert on a % move…"
        action.trigger()
        near = alerts_of(window).dialog
        assert isinstance(near, MoveAlertDialog) and near.isVisible() and near.symbol_combo.currentText() == "AAPL"
        close = window.session.view.latest_quote("AAPL", "PAPER-1").close
        assert near.prices_label.text().startswith("Now ") and near.prices_label.text().endswith(
            f" · previous close {close:f}"), "the dialog shows what the move is measured from"
        set_level(near, "-3")
        assert near.isVisible() and near.error_label.text(), "a move below zero is explained"
        near.reference_combo.setCurrentIndex(near.reference_combo.findText("the price now"))
        set_level(near, "0.02%")
        assert not near.isVisible()
        QTest.mouseClick(window.findChild(QPushButton, "alerts.addMoveButton"), Qt.MouseButton.LeftButton)
        far = alerts_of(window).dialog
        assert isinstance(far, MoveAlertDialog) and far.symbol_combo.currentText() == "AAPL"
        assert far.reference_combo.currentText() == "the previous close"
        set_level(far, "50")
        assert listed(window)[1] == "● AAPL moves 50% from the previous close (PAPER-1)"
        await until(lambda: any("Move alert: AAPL" in line for line in toast_lines(window)), "the move alert's toast")
        assert "Move alert: AAPL is at " in window.log_view.toPlainText()
        assert "% from the price when set " in window.log_view.toPlainText()
        assert listed(window)[0] == "● AAPL moves 50% from the previous close (PAPER-1)"
        assert listed(window)[1].startswith("✓ fired") and "AAPL moves 0.02% from " in listed(window)[1]
        assert alerts_of(window).check() == [], "a fired alert never fires again"
    saved = json.loads((tmp_path / "settings.json").read_text())["alerts"]
    assert [(a["kind"], a["reference"], a["fired_at"] is None) for a in saved] == [
        ("move", "set", False), ("move", "close", True)]
    async with open_window(tmp_path) as window:
        assert listed(window)[0] == "● AAPL moves 50% from the previous close (PAPER-1)"
        assert listed(window)[1].startswith("✓ fired")


@pytest.mark.slow
async def test_a_day_pnl_alert_fires_when_the_accounts_pnl_falls_to_its_level(tmp_path: Path) -> None:
    write_paper_settings(tmp_path)
    sim = SmtpSim()
    await sim.start()
    try:
        async with open_window(tmp_path) as window:
            QTest.mouseClick(window.findChild(QPushButton, "alerts.addPnlButton"), Qt.MouseButton.LeftButton)
            dialog = alerts_of(window).dialog
            assert isinstance(dialog, PnlAlertDialog) and dialog.account_combo.currentText() == "PAPER-1"
            dialog.email_check.setChecked(True)
            set_level(dialog, "-0.01")
            assert listed(window) == ["● PAPER-1 day P&L below -0.01 · e-mail"]
            assert alerts_of(window).check() == [], "no position, no loss"
            mail = next(o for o in window.keep_alive if isinstance(o, MailSetup))
            only_alerts = replace(FAST, enabled=frozenset({NotificationKind.ALERT}))
            mail.notifications.configure(only_alerts, local_mailer(sim.port))  # as the e-mail dialog's Save does
            await window.session.submit(OrderRequest(ACCOUNT, "MSFT", Side.BUY, Decimal(100), OrderType.MARKET))
            await until(lambda: any("P&L alert: PAPER-1" in line for line in toast_lines(window)), "the P&L alert")
            assert listed(window)[0].startswith("✓ fired")
            assert any(line.startswith("Fill: BUY 100 MSFT @ ") for line in toast_lines(window)), "a fill's toast"
            (sent,) = await sim.wait_for(1)
            assert "PAPER-1 day P&L below -0.01" in sent.subject and "P&L alert: PAPER-1's day P&L is" in sent.body
    finally:
        await sim.stop()


async def strategy_client(window: MainWindow, name: str) -> TradeTermClient:
    """Create the strategy's token in the Strategy API panel and return a client that uses it."""
    setup = next(o for o in window.keep_alive if isinstance(o, StrategySetup))
    await until(lambda: setup.server is not None and setup.server.port != 0, "the strategy API to listen")
    assert setup.server is not None
    panel = window.findChild(ApiTokenPanel, "apiTokenPanel")
    QTest.keyClicks(panel.findChild(QLineEdit, "apiToken.nameEdit"), name)
    QTest.mouseClick(panel.findChild(QPushButton, "apiToken.createButton"), Qt.MouseButton.LeftButton)
    panel.select(name)
    QTest.mouseClick(panel.findChild(QPushButton, "apiToken.copyButton"), Qt.MouseButton.LeftButton)
    return TradeTermClient(setup.server.url, QApplication.clipboard().text(), account=str(ACCOUNT))


def typing_in_quantity(window: MainWindow, text: str) -> QLineEdit:
    """The trader clicks into the ticket's Quantity and types text."""
    quantity = window.ticket.findChild(QLineEdit, "orderTicket.quantityEdit")
    window.activateWindow()
    QTest.mouseClick(quantity, Qt.MouseButton.LeftButton)
    QTest.keyClicks(quantity, text)
    assert quantity.hasFocus() and quantity.text() == text
    return quantity


@pytest.mark.slow
async def test_a_new_waiting_strategy_order_raises_its_tab_flashing_without_taking_the_keyboard_and_counts_in_the_title(
        tmp_path: Path) -> None:
    write_paper_settings(tmp_path)
    async with open_window(tmp_path) as window:
        setup = next(o for o in window.keep_alive if isinstance(o, StrategySetup))
        client = await strategy_client(window, "mean-revert")
        window.findChild(QDockWidget, "dock.fills").raise_()
        fills, view = window.findChild(QTableView, "fillsView"), window.findChild(QTableView, "approvalsView")
        await until(lambda: in_view(fills), "the Fills tab the trader reads")
        assert window.windowTitle() == "TradeTerm"
        quantity = typing_in_quantity(window, "12")
        signal = {"idempotency_key": "signal-1", "signal_time": datetime.now(UTC)}
        await asyncio.to_thread(client.submit, "MSFT", "BUY", "15", "LMT", "400.00", **signal)
        dock = window.findChild(QDockWidget, "dock.approvals")
        await until(lambda: window.windowTitle() == "TradeTerm — 1 order awaiting approval", "the count in the title")
        await until(lambda: in_view(view), "the Approvals tab raised in front of the Fills")
        flasher = window.findChild(DockTabFlasher, "tabFlasher.dock.approvals")
        bar, index = flasher.tab()
        assert bar.tabText(index) == "Approvals (1)" and bar.currentIndex() == index
        await until(lambda: bar.tabTextColor(index) == HIGHLIGHT, "the tab lit")
        await until(lambda: not bar.tabTextColor(index).isValid(), "the tab back to its colour: a flash")
        assert quantity.hasFocus(), "the keyboard stays in the field the trader types in"
        QTest.keyClicks(quantity, "3")
        assert quantity.text() == "123"

        window.findChild(QDockWidget, "dock.fills").raise_()  # the trader goes back to the Fills
        await until(lambda: in_view(fills), "the Fills in front again")
        again = await asyncio.to_thread(client.submit, "MSFT", "BUY", "15", "LMT", "400.00",
                                        **signal)  # the strategy sends the same signal again
        assert dock.windowTitle() == "Approvals (1)" and again["status"] == "PENDING_APPROVAL"
        assert in_view(fills) and not in_view(view), "the same waiting order does not raise the tab again"

        await asyncio.to_thread(client.submit, "MSFT", "BUY", "16", "LMT", "400.00")
        await until(lambda: dock.windowTitle() == "Approvals (2)", "the second order's count")
        await until(lambda: in_view(view), "a new order raises the tab again")
        left = model_of(view).index(0, 0).data()
        assert left.endswith(" s") and int(left.split()[0]) > 0, "the countdown to expiry on the row"
        assert any("MSFT on PAPER-1 awaits your approval" in line for line in toast_lines(window)), (
            "the toast names the account the strategy posted to")
        sound = window.findChild(QCheckBox, "alerts.soundCheck")
        assert sound.isChecked()
        sound.click()
        assert setup.alert.sound() is False
        view.selectRow(0)
        QTest.mouseClick(window.findChild(QPushButton, "approvalQueue.rejectButton"), Qt.MouseButton.LeftButton)
        assert setup.queue_widget.reject_dialog is not None
        setup.queue_widget.reject_dialog.findChild(QLineEdit, "rejectReason.reasonEdit").setText("not now")
        setup.queue_widget.reject_dialog.findChild(QPushButton, "rejectReason.okButton").click()
        await until(lambda: dock.windowTitle() == "Approvals (1)", "the count to follow the queue")
        assert window.windowTitle() == "TradeTerm — 1 order awaiting approval"
    assert json.loads((tmp_path / "settings.json").read_text())["alert_sound"] is False
    async with open_window(tmp_path) as window:
        assert not window.findChild(QCheckBox, "alerts.soundCheck").isChecked()


@pytest.mark.slow
async def test_a_waiting_order_does_not_pull_away_a_tab_the_trader_is_typing_in_it_flashes_until_shown(
        tmp_path: Path) -> None:
    write_paper_settings(tmp_path)
    async with open_window(tmp_path) as window:
        client = await strategy_client(window, "mean-revert")
        api = window.findChild(QDockWidget, "dock.strategyApi")
        window.tabifyDockWidget(window.findChild(QDockWidget, "dock.approvals"), api)  # the trader's own layout
        api.raise_()
        name = window.findChild(QLineEdit, "apiToken.nameEdit")
        window.activateWindow()
        QTest.mouseClick(name, Qt.MouseButton.LeftButton)
        QTest.keyClicks(name, "trend")
        await asyncio.to_thread(client.submit, "MSFT", "BUY", "15", "LMT", "400.00")
        await until(lambda: window.windowTitle() == "TradeTerm — 1 order awaiting approval", "the count in the title")
        flasher = window.findChild(DockTabFlasher, "tabFlasher.dock.approvals")
        view = window.findChild(QTableView, "approvalsView")
        assert in_view(name) and not in_view(view), "the field the trader types in stays in front"
        assert flasher.is_flashing()
        QTest.keyClicks(name, "-2")
        assert name.hasFocus() and name.text() == "trend-2"
        bar, index = flasher.tab()
        await until(lambda: bar.tabTextColor(index) == HIGHLIGHT, "the tab lit")
        QTest.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(index).center())
        await until(lambda: in_view(view), "the Approvals tab shown by the trader's click")
        assert not flasher.is_flashing() and not bar.tabTextColor(index).isValid(), "seen: the flashing stops"
        api.raise_()
        quantity = typing_in_quantity(window, "5")  # now typing in the ticket, which the raise leaves in view
        await asyncio.to_thread(client.submit, "MSFT", "BUY", "16", "LMT", "400.00")
        await until(lambda: in_view(view), "the next new order raises the Approvals tab")
        assert quantity.hasFocus() and flasher.is_flashing()
