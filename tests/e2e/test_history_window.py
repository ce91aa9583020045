"""The history window through the real main window: yesterday's rejection after a restart, filters, export."""

from __future__ import annotations

import csv
import getpass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QAction
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLineEdit, QListWidget, QPushButton, QWidget

from core.domain import AccountId, OrderRejected, OrderRequest, OrderSubmitted, OrderType, Side
from core.storage import SqliteJournal
from gui.widgets.history_view import HistoryView
from tests.e2e.window_helpers import open_window, until, write_paper_settings
from tests.factories import make_fill, make_order

YESTERDAY = datetime.now(UTC) - timedelta(days=1)
REASON = "Order rejected - reason: insufficient buying power (needs 12,500.00 USD)"


def journal_of_an_earlier_session(data_dir: Path) -> None:
    """What TradeTerm journaled yesterday, before this restart: one order the broker rejected, one filled."""
    with SqliteJournal(data_dir / "journal.sqlite", now=lambda: YESTERDAY) as journal:
        for coid, rejected in (("YDAY-REJECTED", True), ("YDAY-OTHER", False)):
            order = make_order(client_order_id=coid, quantity="125", limit_price="100.00")
            order.created_at = YESTERDAY
            order.apply(OrderSubmitted(order.client_order_id, ts=YESTERDAY))
            journal.record_order(order)
            if rejected:
                event = OrderRejected(order.client_order_id, REASON, ts=YESTERDAY + timedelta(seconds=1))
                order.apply(event)
                journal.record_event(order, event)
            else:
                for trade, qty, commission in (("YT-1", "100", "1.25"), ("YT-2", "25", "0.35")):
                    journal.record_fill(make_fill(order, quantity=qty, commission=commission, trade_id=trade,
                                                  ts=YESTERDAY + timedelta(seconds=5)))
        journal.record_audit("ann", "kill_switch", "halted all accounts; cancelling 0 working order(s)")


def history_of(window: QWidget) -> HistoryView:
    action = window.findChild(QAction, "action.history")
    assert action is not None, "the toolbar has a History action"
    action.trigger()
    view = window.findChild(QWidget, "historyView")
    assert isinstance(view, HistoryView) and view.isVisible()
    return view


def shown_ids(view: HistoryView) -> list[str]:
    return [view.orders_model.cell(r, "order_id") for r in range(view.orders_model.rowCount())]


async def test_an_order_rejected_yesterday_is_found_in_history_after_a_restart(tmp_path: Path) -> None:
    write_paper_settings(tmp_path)
    journal_of_an_earlier_session(tmp_path)
    async with open_window(tmp_path, active=False) as window:
        view = history_of(window)
        await until(lambda: "YDAY-REJECTED" in shown_ids(view), "yesterday's orders in the history")

        view.status_combo.setCurrentText("REJECTED")
        day = YESTERDAY.astimezone().date()
        view.dates_check.setChecked(True)
        view.from_date.setDate(QDate(day.year, day.month, day.day))
        view.to_date.setDate(QDate(day.year, day.month, day.day))
        QTest.mouseClick(view.apply_button, Qt.MouseButton.LeftButton)
        await until(lambda: shown_ids(view) == ["YDAY-REJECTED"], "only the rejection")
        assert view.orders_model.cell(0, "status") == "REJECTED"
        assert view.orders_model.cell(0, "reason") == REASON
        assert view.orders_model.cell(0, "created") == YESTERDAY.astimezone().strftime("%Y-%m-%d %H:%M:%S")
        assert view.orders_model.cell(0, "origin") == "ticket"

        view.to_date.setDate(QDate(day.year, day.month, day.day).addDays(-3))  # before the 'from' day
        QTest.mouseClick(view.apply_button, Qt.MouseButton.LeftButton)
        assert view.error_label.isVisible() and "reversed" in view.error_label.text()
        assert shown_ids(view) == ["YDAY-REJECTED"], "a refused range leaves the page as it was"

        view.dates_check.setChecked(False)
        view.tabs.setCurrentIndex(1)
        await until(lambda: view.fills_model.rowCount() == 2 and view.commissions_model.rowCount() == 1,
                    "yesterday's fills and their commission total")
        assert view.commissions_model.cell(0, "day") == YESTERDAY.astimezone().date().isoformat()
        assert view.commissions_model.cell(0, "total") == "1.60"
        assert view.commissions_model.cell(0, "fills") == "2"

        view.tabs.setCurrentIndex(2)
        QTest.mouseClick(view.apply_button, Qt.MouseButton.LeftButton)
        await until(lambda: view.audit_model.rowCount() == 1, "the kill switch in the audit trail")
        assert view.audit_model.cell(0, "action") == "kill_switch" and view.audit_model.cell(0, "actor") == "ann"


async def test_the_orders_exported_from_the_window_read_back_as_the_journal_holds_them(tmp_path: Path) -> None:
    write_paper_settings(tmp_path)
    journal_of_an_earlier_session(tmp_path)
    target = tmp_path / "exports" / "orders.csv"
    target.parent.mkdir()
    async with open_window(tmp_path, active=False) as window:
        view = history_of(window)
        await until(lambda: len(shown_ids(view)) == 2, "both orders")
        controller = next(c for c in window.keep_alive if getattr(c, "view", None) is view)
        QTest.mouseClick(view.export_button, Qt.MouseButton.LeftButton)
        dialog = controller.export_dialog
        assert dialog is not None and dialog.objectName() == "history.exportDialog" and dialog.isVisible()
        dialog.selectFile(str(target))
        dialog.accept()
        await until(lambda: view.status_label.text().startswith("Exported 2 orders"), "the export to finish")
        assert not view.progress.isVisible()

        QTest.mouseClick(view.export_pnl_button, Qt.MouseButton.LeftButton)
        controller.export_dialog.selectFile(str(target.with_name("pnl.csv")))
        controller.export_dialog.accept()
        await until(lambda: view.status_label.text().startswith("Exported 0 closed trade(s)"), "the P&L export")
        assert target.with_name("pnl.csv").read_text().startswith("account,symbol,direction,quantity")
    with SqliteJournal(tmp_path / "journal.sqlite") as journal:
        journaled = journal.load().orders
    with target.open(newline="", encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    assert [(r["client_order_id"], r["status"], r["reason"], Decimal(r["quantity"])) for r in rows] == [
        (o.client_order_id, o.status.value, o.reason, o.quantity.value) for o in journaled]


async def test_reconcile_now_compares_with_the_broker_and_opens_the_reconciliation_view_on_a_difference(
        tmp_path: Path) -> None:
    write_paper_settings(tmp_path)
    account = AccountId("PAPER-1")
    async with open_window(tmp_path) as window:
        await window.session.submit(OrderRequest(account, "MSFT", Side.BUY, "30", OrderType.MARKET))
        await until(lambda: (p := window.session.portfolio.position(account, "MSFT")) is not None
                    and p.quantity == 30, "the buy to fill")
        view = history_of(window)
        await until(lambda: view.account_combo.findText("PAPER-1") >= 0, "the accounts in the filter")
        view.account_combo.setCurrentText("PAPER-1")
        QTest.mouseClick(view.reconcile_button, Qt.MouseButton.LeftButton)
        await until(lambda: "agree" in view.status_label.text(), "the books to agree")
        assert window.findChild(QWidget, "reconciliationDialog") is None

        # A fill TradeTerm booked that the broker never made: our books now say 40.
        window.session.oms.record_external_fill(make_fill(account_id=account, symbol="MSFT", quantity="10",
                                                          price="300.00", side=Side.BUY))
        QTest.mouseClick(view.reconcile_button, Qt.MouseButton.LeftButton)
        await until(lambda: window.findChild(QWidget, "reconciliationDialog") is not None, "the reconciliation view")
        dialog = window.findChild(QWidget, "reconciliationDialog")
        lines = dialog.findChild(QListWidget, "reconciliation.differences")
        assert [lines.item(i).text() for i in range(lines.count())] == ["MSFT: TradeTerm has 40, the broker has 30"]
        assert "1 difference" in view.status_label.text()
        assert window.session.account(account).trading.value == "ACTIVE", "a check changes nothing by itself"


async def test_a_change_of_the_risk_limits_is_in_the_audit_trail_with_who_and_what(tmp_path: Path) -> None:
    write_paper_settings(tmp_path)
    async with open_window(tmp_path, active=False) as window:
        window.findChild(QAction, "action.riskLimits").trigger()
        dialog = window.findChild(QWidget, "riskLimitsDialog")
        field = dialog.findChild(QLineEdit, "riskLimits.max_order_qty")
        before = field.text()
        field.selectAll()
        QTest.keyClick(field, Qt.Key.Key_Backspace)
        QTest.keyClicks(field, "437")
        QTest.mouseClick(dialog.findChild(QPushButton, "riskLimits.saveButton"), Qt.MouseButton.LeftButton)
        await until(lambda: not dialog.isVisible(), "the limits to be saved")

        view = history_of(window)
        view.tabs.setCurrentIndex(2)
        await until(lambda: view.audit_model.rowCount() == 1, "the change in the audit trail")
        assert view.audit_model.cell(0, "action") == "risk_limits"
        assert view.audit_model.cell(0, "actor") == getpass.getuser()
        assert view.audit_model.cell(0, "detail") == f"global.max_order_qty: {before} -> 437"


async def test_escape_closes_the_history_window_and_history_opens_it_again(tmp_path: Path) -> None:
    """A window of its own: with no title bar to click (a bare X server, a tiling window manager), Escape closed
    nothing and the history covered the ticket for good."""
    write_paper_settings(tmp_path)
    async with open_window(tmp_path) as window:
        view = history_of(window)
        QTest.keyClick(view.symbol_edit, Qt.Key.Key_Escape)
        await until(lambda: not view.isVisible(), "the history window to close")
        assert history_of(window) is view, "History opens the same window again"
