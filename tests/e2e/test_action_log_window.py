"""Every trader command is said once, in the Log dock and in the log file, and never with a secret."""

from __future__ import annotations

import asyncio
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialogButtonBox, QLineEdit, QMessageBox, QPushButton, QTableView, QWidget

from core.domain import AccountId, OrderStatus
from core.services.log_redaction import SECRETS
from core.storage.settings import AccountSettings, SettingsStore
from gui.log_file import LOG_FILE
from gui.widgets.log_view import FRAME_MS
from gui.widgets.main_window import MainWindow
from tests.e2e.window_helpers import click_cell, open_window, until, write_paper_settings

ACCOUNT = AccountId("PAPER-1")


def count(window: MainWindow, words: str) -> int:
    return sum(words in line for line in window.log_view.lines())


def answer(window: MainWindow, name: str) -> None:
    box = window.findChild(QMessageBox, name)
    assert isinstance(box, QMessageBox), name
    QTest.mouseClick(box.button(QMessageBox.StandardButton.Yes), Qt.MouseButton.LeftButton)
    box.deleteLater()


def retype(edit: QLineEdit, text: str) -> None:
    edit.selectAll()
    QTest.keyClick(edit, Qt.Key.Key_Backspace)
    QTest.keyClicks(edit, text)


async def test_send_modify_cancel_risk_kill_and_resume_are_each_logged_once_in_the_dock_and_the_file(
        tmp_path: Path) -> None:
    write_paper_settings(tmp_path)
    async with open_window(tmp_path) as window:
        bid, _ = window.bridge.bid_ask("AAPL")
        assert bid is not None
        limit = (bid * 97 / 100).quantize(bid)
        ticket = window.ticket
        await until(lambda: window.bridge.quotes.row_of("AAPL") is not None, "AAPL in the watchlist")
        click_cell(window.findChild(QTableView, "watchlistView"), "AAPL", "ask")  # BUY; the limit goes below
        retype(ticket.findChild(QLineEdit, "orderTicket.limitPriceEdit"), str(limit))
        retype(ticket.findChild(QLineEdit, "orderTicket.quantityEdit"), "5")
        QTest.keyClick(ticket.findChild(QLineEdit, "orderTicket.quantityEdit"), Qt.Key.Key_Return)
        await until(lambda: ticket.confirm_dialog is not None, "the confirm")
        QTest.mouseClick(ticket.confirm_dialog.findChild(QPushButton, "orderTicket.confirmDialog.sendButton"),
                         Qt.MouseButton.LeftButton)
        await until(lambda: count(window, "Order BUY 5 AAPL LMT") == 1, "the send in the log")
        order = window.session.oms.working(ACCOUNT)[0]
        assert order.status is OrderStatus.ACCEPTED
        sent = f"Order BUY 5 AAPL LMT {limit} on PAPER-1 (manual): accepted"
        assert count(window, sent) == 1, window.log_view.lines()

        orders = window.findChild(QTableView, "ordersView")
        await until(lambda: window.bridge.working_orders.row_of(order.client_order_id) is not None, "the order row")
        click_cell(orders, order.client_order_id, "symbol")
        QTest.mouseClick(window.findChild(QPushButton, "orders.modifyButton"), Qt.MouseButton.LeftButton)
        await until(lambda: window.findChild(QWidget, "modifyOrderDialog") is not None, "the modify dialog")
        dialog = window.findChild(QWidget, "modifyOrderDialog")
        retype(dialog.findChild(QLineEdit, "modifyOrder.quantity"), "3")
        QTest.mouseClick(dialog.findChild(QDialogButtonBox, "modifyOrder.buttons").button(
            QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton)
        await until(lambda: count(window, "Modify BUY 5 AAPL") == 1, "the modify in the log")
        modify = next(line for line in window.log_view.lines() if "Modify BUY 5 AAPL" in line)
        assert f"-> BUY 3 AAPL LMT {limit} on PAPER-1" in modify, modify
        assert count(window, sent) == 1, "a modify is not said as a second send"

        await until(lambda: window.bridge.working_orders.row_of(order.client_order_id) is not None, "the order row")
        click_cell(orders, order.client_order_id, "symbol")
        QTest.mouseClick(window.findChild(QPushButton, "orders.cancelButton"), Qt.MouseButton.LeftButton)
        await until(lambda: order.status is OrderStatus.CANCELED, "the cancel")
        assert count(window, f"Cancel BUY 3 AAPL LMT {limit} on PAPER-1: asked") == 1

        config = window.session.view.risk_config()
        window.findChild(QAction, "action.riskLimits").trigger()
        await until(lambda: window.findChild(QWidget, "riskLimitsDialog") is not None, "the risk dialog")
        risk = window.findChild(QWidget, "riskLimitsDialog")
        retype(risk.findChild(QLineEdit, "riskLimits.max_order_qty"), "777")
        QTest.mouseClick(risk.findChild(QPushButton, "riskLimits.saveButton"), Qt.MouseButton.LeftButton)
        await until(lambda: count(window, "Risk limits changed") == 1, "the risk change in the log")
        assert count(window, f"max_order_qty {config.global_limits.max_order_qty} -> 777") == 1, \
            window.log_view.lines()

        window.findChild(QAction, "action.killSwitch").trigger()
        await until(lambda: window.findChild(QMessageBox, "killSwitchConfirmDialog") is not None, "kill confirm")
        answer(window, "killSwitchConfirmDialog")
        await until(lambda: count(window, "Kill switch: all trading halted") == 1, "the kill switch in the log")
        assert count(window, "Cancel all") == 0, "the kill switch is said once, not also as a cancel all"
        window.findChild(QAction, "action.resumeTrading").trigger()
        await until(lambda: window.findChild(QMessageBox, "resumeConfirmDialog") is not None, "resume confirm")
        answer(window, "resumeConfirmDialog")
        await until(lambda: count(window, "Resume (") == 1, "the resume in the log")
        SECRETS.add("s3cr3t-token-0123456789")  # as the keyring does with each secret it hands out
        window.log_view.add("INFO", "Connect with token s3cr3t-token-0123456789")
        dock = window.log_view.lines()
    written = (tmp_path / "logs" / LOG_FILE).read_text()
    for words in (sent, "Modify BUY 5 AAPL", "Cancel BUY 3 AAPL", "Risk limits changed", "Kill switch: all trading",
                  "Resume ("):
        assert written.count(words) == 1, (words, written)
    assert len([line for line in dock if line]) <= len(written.splitlines())
    assert "Connect with token" in written and "s3cr3t-token-0123456789" not in written



async def test_lines_said_as_the_window_shuts_down_are_in_the_log_file(tmp_path: Path) -> None:
    """The dock writes its file by frame: the shutdown writes the last frame's lines before the file closes."""
    write_paper_settings(tmp_path)

    async def say_last_words() -> None:  # a shutdown hook that logs, as the controllers' do
        for n in range(3):
            window.log_view.add("WARNING" if n == 2 else "INFO", f"last words {n}")

    async with open_window(tmp_path) as window:
        hooks = window.shutdown_hooks
        closing = next(i for i, hook in enumerate(hooks) if "_close_log_file" in hook.__code__.co_names)
        hooks.insert(closing, say_last_words)  # just before the log file closes, with no frame in between
    written = (tmp_path / "logs" / LOG_FILE).read_text().splitlines()
    said = [line.split(" ", 2)[2] for line in written if "last words" in line]
    assert said == ["INFO last words 0", "INFO last words 1", "WARNING last words 2"], written


async def test_lines_said_while_the_log_tab_is_behind_the_working_orders_are_there_in_order_when_opened(
        tmp_path: Path) -> None:
    write_paper_settings(tmp_path)
    async with open_window(tmp_path) as window:
        window.docks.orders.raise_()  # the default: the working orders' tab in front of the log's
        for n in range(40):
            window.log_view.add("WARNING" if n == 20 else "INFO", f"strategy momo: step {n}")
        await asyncio.sleep(3 * FRAME_MS / 1000)  # frames pass with nobody looking at the log
        window.docks.log.raise_()  # the trader opens the Log tab
        await until(lambda: "strategy momo: step 39" in window.log_view.document().toPlainText(), "the lines shown")
        shown = [line.split("  ", 1)[1] for line in window.log_view.document().toPlainText().splitlines()
                 if "strategy momo" in line]  # what is painted, not LogView.lines() (which brings it up to date)
        assert shown == [("WARNING: " if n == 20 else "") + f"strategy momo: step {n}" for n in range(40)]


async def test_an_account_that_cannot_connect_says_why_once(tmp_path: Path) -> None:
    """A Kite account without its API key said the same red line twice at every start: once as its connection's
    state, once as the Connect command's failure."""
    SettingsStore(tmp_path / "settings.json").set_accounts([AccountSettings("KITE-1", "kite", {})])
    async with open_window(tmp_path, active=False) as window:
        await until(lambda: count(window, "No Kite API key yet") > 0, "the failure in the log")
        for _ in range(3):
            await asyncio.sleep(FRAME_MS / 1000)
        assert count(window, "No Kite API key yet") == 1, window.log_view.lines()
