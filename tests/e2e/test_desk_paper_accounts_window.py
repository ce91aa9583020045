"""Paper and e-mail desk accounts from the window: their panels add them; a desk without a usable SMTP server
opens errored with the reason instead of keeping TradeTerm from starting."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QCheckBox, QLabel, QLineEdit, QPlainTextEdit, QPushButton, QTabWidget, QWidget

from core.domain import AccountId, ConnectionState
from core.storage.settings import AccountSettings, SettingsStore
from gui.controllers.mail import MailSetup
from gui.widgets.main_window import MainWindow
from tests.e2e.window_helpers import open_window, until

PAPER, DESK = AccountId("PAPER-1"), AccountId("DESK-1")
SHARE = {"symbol": "600519", "currency": "CNY", "tick_size": "0.01", "lot_size": "100"}


def paper(data_dir: Path) -> AccountSettings:
    return AccountSettings(str(PAPER), "paper", {"state_path": str(data_dir / "paper" / "PAPER-1.json"),
                                                 "tick_interval_s": 60})


def mail_of(window: MainWindow) -> MailSetup:
    (mail,) = [o for o in window.keep_alive if isinstance(o, MailSetup)]
    return mail


async def open_tab(window: MainWindow, title: str) -> QWidget:
    window.findChild(QAction, "action.connections").trigger()
    await until(lambda: window.findChild(QWidget, "connectionsDialog") is not None, "the Connections dialog")
    tabs = window.findChild(QWidget, "connectionsDialog").findChild(QTabWidget, "connections.tabs")
    titles = [tabs.tabText(i) for i in range(tabs.count())]
    assert title in titles, titles
    tabs.setCurrentIndex(titles.index(title))
    return tabs.currentWidget()


async def test_a_desk_whose_smtp_is_unusable_opens_errored_with_the_reason_then_connects_once_fixed(
        tmp_path: Path) -> None:
    store = SettingsStore(tmp_path / "settings.json")
    store.set_accounts([paper(tmp_path), AccountSettings(str(DESK), "email_desk", {
        "desk": ["orders@desk.example"], "instruments": [SHARE], "state_path": str(tmp_path / "desk.json")})])
    store.save({**store.load(), "email": {"smtp": {"host": "smtp.example.com", "port": "not-a-port",
                                                   "sender": "me@example.com"}}})
    async with open_window(tmp_path, active=False) as window:  # before the fix: SettingsError, no window at all
        await until(lambda: window.session.view.status(DESK).connection is ConnectionState.FAILED, "the desk to fail")
        state = window.findChild(QLabel, f"accountsPanel.state.{DESK}")
        assert "Failed" in state.text()
        assert "E-mail desk DESK-1 cannot mail its orders: the SMTP server cannot be used" in state.toolTip()
        assert "Set it up in E-mail settings" in state.toolTip()
        await open_tab(window, "E-mail desk")
        dialog_state = window.findChild(QLabel, f"connections.state.{DESK}")
        assert dialog_state.text().startswith("Error: E-mail desk DESK-1 cannot mail its orders"), dialog_state.text()

        mail_of(window).save_settings({"smtp": {"host": "127.0.0.1", "port": 2525, "sender": "me@example.com"}},
                                      None)
        QTest.mouseClick(window.findChild(QPushButton, f"accountsPanel.connectButton.{DESK}"),
                         Qt.MouseButton.LeftButton)
        await until(lambda: window.session.view.status(DESK).connection is ConnectionState.CONNECTED,
                    "the desk to connect once SMTP is set")


async def test_the_desk_and_paper_panels_add_accounts_saved_with_their_books_in_the_data_folder(
        tmp_path: Path) -> None:
    store = SettingsStore(tmp_path / "settings.json")
    store.set_accounts([paper(tmp_path)])
    store.save({**store.load(), "email": {"smtp": {"host": "127.0.0.1", "port": 2525, "sender": "me@example.com"}}})
    async with open_window(tmp_path, active=False) as window:
        await until(lambda: window.session.account(PAPER).trading.value == "ACTIVE", "paper to be active")
        panel = await open_tab(window, "E-mail desk")
        panel.findChild(QLineEdit, "emailDeskConnectionPanel.account").setText("DESK-2")
        panel.findChild(QLineEdit, "emailDeskConnectionPanel.desk").setText("orders@desk.example")
        instruments = panel.findChild(QPlainTextEdit, "emailDeskConnectionPanel.instruments")
        instruments.setPlainText("600519 CNY 0.01")
        QTest.mouseClick(panel.findChild(QPushButton, "emailDeskConnectionPanel.connectButton"),
                         Qt.MouseButton.LeftButton)
        await until(lambda: AccountId("DESK-2") in window.session.account_ids()
                    and window.session.view.status(AccountId("DESK-2")).connection is ConnectionState.CONNECTED,
                    "DESK-2 to connect")
        assert window.findChild(QLabel, "accountsPanel.state.DESK-2") is not None
        assert "600519" in window.session.view.instruments()

        panel = await open_tab(window, "Paper")
        assert "PAPER-1" in panel.findChild(QLineEdit, "paperConnectionPanel.account").text()
        assert panel.findChild(QLabel, "paperConnectionPanel.status").text().startswith("PAPER-1: Connected")
        assert not panel.findChild(QPushButton, "paperConnectionPanel.connectButton").isEnabled()
        account = panel.findChild(QLineEdit, "paperConnectionPanel.account")
        account.selectAll()
        QTest.keyClicks(account, "PAPER-2")
        panel.findChild(QLineEdit, "paperConnectionPanel.feeBps").setText("1,5")
        QTest.mouseClick(panel.findChild(QPushButton, "paperConnectionPanel.connectButton"), Qt.MouseButton.LeftButton)
        status = panel.findChild(QLabel, "paperConnectionPanel.status")
        assert "'1,5' is not a number" in status.text() and status.property("error") is True
        panel.findChild(QLineEdit, "paperConnectionPanel.feeBps").setText("1.5")
        panel.findChild(QCheckBox, "paperConnectionPanel.partialFills").setChecked(True)
        QTest.mouseClick(panel.findChild(QPushButton, "paperConnectionPanel.connectButton"), Qt.MouseButton.LeftButton)
        await until(lambda: AccountId("PAPER-2") in window.session.account_ids()
                    and window.session.account(AccountId("PAPER-2")).trading.value == "ACTIVE", "PAPER-2 to trade")
    saved = {a["id"]: a for a in json.loads((tmp_path / "settings.json").read_text())["accounts"]}
    assert saved["DESK-2"]["settings"] == {"desk": ["orders@desk.example"], "instruments": [
        {"symbol": "600519", "currency": "CNY", "tick_size": "0.01"}],
        "state_path": str(tmp_path / "email_desk" / "DESK-2.json")}
    assert saved["PAPER-2"]["settings"] == {"state_path": str(tmp_path / "paper" / "PAPER-2.json"),
                                            "fee_bps": "1.5", "partial_fills": True,
                                            "tick_interval_s": 60.0}  # the form started from PAPER-1's
