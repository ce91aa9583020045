"""Kite ends the session (06:00 IST): the window asks the trader to log in again, with no Kite panel open, and the
login through the window brings trading back."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import requests
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLineEdit, QMessageBox, QPushButton, QTabWidget, QWidget

from core.adapters.kite.credentials import AccessToken
from core.adapters.registry import find_kind
from core.domain import AccountId, OrderRequest, OrderStatus, OrderType, Side
from core.storage.settings import AccountSettings, SettingsStore
from gui.brokers.account_setup import AccountsSetup
from gui.widgets.main_window import MainWindow
from tests.e2e.window_helpers import open_window, until
from tests.sims.kite import KiteSimulator
from tests.sims.kite.testing import sim_settings

KITE = AccountId("KITE-1")


def setup_of(window: MainWindow) -> AccountsSetup:
    (setup,) = [o for o in window.keep_alive if isinstance(o, AccountsSetup)]
    return setup


async def test_an_expired_kite_session_prompts_a_login_that_brings_trading_back(tmp_path: Path) -> None:
    simulator = KiteSimulator(tick_interval_s=0.05)
    await simulator.start()
    try:
        SettingsStore(tmp_path / "settings.json").set_accounts([
            AccountSettings("PAPER-1", "paper", {"state_path": str(tmp_path / "paper.json"), "tick_interval_s": 60}),
            AccountSettings(str(KITE), "kite", sim_settings(simulator)),
        ])
        async with open_window(tmp_path, active=False) as window:
            setup = setup_of(window)
            kite = find_kind("kite")

            def key(field: str) -> str:
                return setup.secret_key(kite, str(KITE), {}, field)

            setup.secrets.set(key("api_key"), simulator.api_key)
            setup.secrets.set(key("api_secret"), simulator.api_secret)
            token = AccessToken(simulator.issue_access_token(), datetime.now(UTC) + timedelta(hours=12),
                                simulator.exchange.user_id)
            setup.secrets.set(key("access_token"), token.to_secret())
            QTest.mouseClick(window.findChild(QPushButton, f"accountsPanel.connectButton.{KITE}"),
                             Qt.MouseButton.LeftButton)
            await until(lambda: window.session.account(KITE).trading.value == "ACTIVE", "KITE-1 to trade")
            assert window.findChild(QWidget, "connectionsDialog") is None, "no Kite panel is open"

            await simulator.expire_tokens()  # 06:00 IST
            name = f"reloginDialog.{KITE}"
            await until(lambda: window.findChild(QMessageBox, name) is not None, "the re-login prompt")
            prompt = window.findChild(QMessageBox, name)
            assert prompt.isVisible()
            assert "KITE-1: the broker ended the session" in prompt.text()
            assert "Log in again" in prompt.text()
            assert window.session.account(KITE).trading.value == "HALTED"
            assert "asked the trader to log in again" in window.log_view.toPlainText()

            QTest.mouseClick(prompt.findChild(QPushButton, f"{name}.loginButton"), Qt.MouseButton.LeftButton)
            await until(lambda: window.findChild(QWidget, "connectionsDialog") is not None, "the Connections dialog")
            tabs = window.findChild(QWidget, "connectionsDialog").findChild(QTabWidget, "connections.tabs")
            assert tabs.tabText(tabs.currentIndex()) == "Zerodha Kite", "the prompt opens the account's tab"
            panel = tabs.currentWidget()
            answer = await asyncio.to_thread(requests.get, window.session.account(KITE).adapter.login_url(),
                                             allow_redirects=False, timeout=5)
            redirect = panel.findChild(QLineEdit, "kiteConnectionPanel.redirect")
            redirect.setText(answer.headers["Location"])
            QTest.keyClick(redirect, Qt.Key.Key_Return)
            await until(lambda: window.session.account(KITE).trading.value == "ACTIVE", "KITE-1 to trade again")
            await until(lambda: window.findChild(QMessageBox, name) is None or not window.findChild(
                QMessageBox, name).isVisible(), "the prompt to close")

            await until(lambda: window.session.view.latest_quote("INFY", str(KITE)) is not None, "an INFY quote")
            order = await window.session.submit(OrderRequest(KITE, "INFY", Side.BUY, "2", OrderType.MARKET))
            await until(lambda: order.status is OrderStatus.FILLED, "the Kite order to fill")
            position = window.session.portfolio.position(KITE, "INFY")
            assert position is not None and position.quantity == Decimal(2)
    finally:
        await simulator.stop()
