"""Zerodha from the window: API keys to the keyring, the daily login through Kite's redirect, then trade."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal
from pathlib import Path

import pytest
import requests
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLineEdit, QPushButton, QTabWidget, QWidget

from core.domain import AccountId, OrderRequest, OrderStatus, OrderType, Side
from core.storage.settings import AccountSettings, SettingsStore
from tests.e2e.window_helpers import open_window, until
from tests.sims.kite import KiteSimulator
from tests.sims.kite.testing import sim_settings

KITE = AccountId("KITE-1")


@pytest.mark.slow
async def test_save_keys_log_in_through_the_redirect_then_buy(tmp_path: Path) -> None:
    simulator = KiteSimulator(tick_interval_s=0.05)
    await simulator.start()
    try:
        SettingsStore(tmp_path / "settings.json").set_accounts([
            AccountSettings("PAPER-1", "paper", {"state_path": str(tmp_path / "paper.json"), "tick_interval_s": 60}),
            AccountSettings(str(KITE), "kite", sim_settings(simulator, ticker=False)),
        ])
        async with open_window(tmp_path, active=False) as window:
            await until(lambda: window.session.account(AccountId("PAPER-1")).trading.value == "ACTIVE", "paper")
            assert window.session.account(KITE).trading.value == "HALTED", "no Kite session yet: no orders"
            window.findChild(QAction, "action.connections").trigger()
            await until(lambda: window.findChild(QWidget, "kiteConnectionPanel") is not None, "the Kite panel")
            (tabs := window.findChild(QTabWidget, "connections.tabs")).setCurrentIndex(
                [tabs.tabText(i) for i in range(tabs.count())].index("Zerodha Kite"))
            panel = window.findChild(QWidget, "kiteConnectionPanel")
            panel.findChild(QLineEdit, "kiteConnectionPanel.apiKey").setText(simulator.api_key)
            panel.findChild(QLineEdit, "kiteConnectionPanel.apiSecret").setText(simulator.api_secret)
            QTest.mouseClick(panel.findChild(QPushButton, "kiteConnectionPanel.saveKeys"), Qt.MouseButton.LeftButton)

            login_url = window.session.account(KITE).adapter.login_url()
            answer = await asyncio.to_thread(requests.get, login_url, allow_redirects=False, timeout=5)
            assert answer.status_code == 302  # what the trader's browser does
            redirect = panel.findChild(QLineEdit, "kiteConnectionPanel.redirect")
            redirect.setText(answer.headers["Location"])
            QTest.keyClick(redirect, Qt.Key.Key_Return)
            await until(lambda: window.session.account(KITE).trading.value == "ACTIVE", "KITE-1 to be active")

            window.watchlists.set_reference_feed(str(KITE), "PAPER-1")  # no Kite ticker here: priced from paper
            order = await window.session.submit(OrderRequest(KITE, "INFY", Side.BUY, "3", OrderType.MARKET))
            await until(lambda: order.status is OrderStatus.FILLED, "the Kite order to fill")
            position = window.session.portfolio.position(KITE, "INFY")
            assert position is not None and position.quantity == Decimal(3)
            assert order.broker_order_id is not None

        settings_text = (tmp_path / "settings.json").read_text()
        assert simulator.api_secret not in settings_text and simulator.api_key not in settings_text
        assert "access_token" not in json.loads(settings_text)["accounts"][1]["settings"]
    finally:
        await simulator.stop()
