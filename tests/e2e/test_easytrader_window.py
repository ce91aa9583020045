"""A Chinese broker from the window: passwords to the keyring, Prepare the easytrader server, buy a lot."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLabel, QLineEdit, QPushButton, QTabWidget, QWidget

from core.domain import AccountId, OrderRequest, OrderStatus, OrderType, Side
from core.storage.settings import AccountSettings, SettingsStore
from tests.e2e.window_helpers import open_window, until
from tests.sims.easytrader.server import EasytraderSimulator
from tests.sims.easytrader.testing import sim_settings


@pytest.mark.slow
async def test_prepare_from_the_panel_then_buy_a_lot_of_600000(tmp_path: Path) -> None:
    simulator = EasytraderSimulator()
    simulator.start()
    account = AccountId(f"ET-{simulator.user}")
    try:
        SettingsStore(tmp_path / "settings.json").set_accounts([
            AccountSettings("PAPER-1", "paper", {"state_path": str(tmp_path / "paper.json"), "tick_interval_s": 60}),
        ])
        async with open_window(tmp_path) as window:
            # An earlier session saved the account's advanced settings; the panel shows and keeps them.
            window.settings.set_accounts([*window.settings.accounts(),
                                          AccountSettings(str(account), "easytrader", sim_settings(simulator))])
            window.findChild(QAction, "action.connections").trigger()
            await until(lambda: window.findChild(QWidget, "easytraderConnectionPanel") is not None, "the panel")
            (tabs := window.findChild(QTabWidget, "connections.tabs")).setCurrentIndex(
                [tabs.tabText(i) for i in range(tabs.count())].index("China A-shares (easytrader)"))
            panel = window.findChild(QWidget, "easytraderConnectionPanel")
            assert "no authentication" in panel.findChild(QLabel, "easytraderConnectionPanel.noAuthWarning").text()
            assert panel.findChild(QLineEdit, "easytraderConnectionPanel.user").text() == simulator.user
            panel.findChild(QLineEdit, "easytraderConnectionPanel.password").setText(simulator.password)
            QTest.mouseClick(panel.findChild(QPushButton, "easytraderConnectionPanel.prepareButton"),
                             Qt.MouseButton.LeftButton)
            await until(lambda: account in window.session.account_ids()
                        and window.session.account(account).trading.value == "ACTIVE", "the account to be active")

            window.watchlists.set_reference_feed(str(account), "PAPER-1")  # easytrader has no market data
            quote = window.session.quotes.latest("600000", "PAPER-1")
            assert quote is not None and quote.ask is not None
            limit = quote.ask + Decimal("0.05")
            order = await window.session.submit(
                OrderRequest(account, "600000", Side.BUY, "100", OrderType.LIMIT, limit_price=limit)
            )
            await until(lambda: order.status is OrderStatus.FILLED, "the easytrader order to fill")
            position = window.session.portfolio.position(account, "600000")
            assert position is not None and position.quantity == Decimal(100)
        assert simulator.password not in (tmp_path / "settings.json").read_text()
    finally:
        simulator.stop()
