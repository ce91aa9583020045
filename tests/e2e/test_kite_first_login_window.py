"""The day's first Kite login from the panel, with books that differ from Kite's: one reconciliation, one list."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import requests
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLineEdit, QPushButton, QTabWidget, QWidget

from core.adapters.kite.credentials import AccessToken
from core.adapters.registry import find_kind
from core.domain import AccountId, OrderRequest, OrderStatus, OrderType, ReconciliationRequired, Side
from core.storage.settings import AccountSettings, SettingsStore
from gui.brokers.account_setup import AccountsSetup
from gui.widgets.main_window import MainWindow
from tests.e2e.window_helpers import open_window, until
from tests.sims.kite import KiteSimulator
from tests.sims.kite.testing import sim_settings

KITE = AccountId("KITE-1")
DIFFERENCE = "INFY · CNC: TradeTerm has 2, the broker has 0"


def setup_of(window: MainWindow) -> AccountsSetup:
    (setup,) = [o for o in window.keep_alive if isinstance(o, AccountsSetup)]
    return setup


def secret(setup: AccountsSetup, field: str) -> str:
    return setup.secret_key(find_kind("kite"), str(KITE), {}, field)


async def test_a_login_from_the_panel_lists_a_difference_once_not_once_per_reconciliation(tmp_path: Path) -> None:
    first = KiteSimulator(tick_interval_s=0.05)
    await first.start()
    try:
        SettingsStore(tmp_path / "settings.json").set_accounts([AccountSettings(str(KITE), "kite",
                                                                                sim_settings(first))])
        async with open_window(tmp_path, active=False) as window:
            setup = setup_of(window)
            setup.secrets.set(secret(setup, "api_key"), first.api_key)
            setup.secrets.set(secret(setup, "api_secret"), first.api_secret)
            token = AccessToken(first.issue_access_token(), datetime.now(UTC) + timedelta(hours=12),
                                first.exchange.user_id)
            setup.secrets.set(secret(setup, "access_token"), token.to_secret())
            await window.session.connect(KITE)
            await until(lambda: window.session.view.latest_quote("INFY", str(KITE)) is not None, "an INFY quote")
            order = await window.session.submit(OrderRequest(KITE, "INFY", Side.BUY, "2", OrderType.MARKET))
            await until(lambda: order.status is OrderStatus.FILLED, "the buy to fill")
    finally:
        await first.stop()

    second = KiteSimulator(tick_interval_s=0.05)  # the broker's books hold no INFY; its old token is gone
    await second.start()
    try:
        SettingsStore(tmp_path / "settings.json").set_accounts([AccountSettings(str(KITE), "kite",
                                                                                sim_settings(second))])
        async with open_window(tmp_path, active=False) as window:
            setup = setup_of(window)
            setup.secrets.set(secret(setup, "api_key"), second.api_key)
            setup.secrets.set(secret(setup, "api_secret"), second.api_secret)
            setup.secrets.delete(secret(setup, "access_token"))
            listed: list[ReconciliationRequired] = []
            window.session.bus.subscribe(ReconciliationRequired, listed.append)
            tabs = setup.open_dialog(KITE).findChild(QTabWidget, "connections.tabs")
            panel = tabs.currentWidget()
            answer = await asyncio.to_thread(requests.get, window.session.account(KITE).adapter.login_url(),
                                             allow_redirects=False, timeout=5)
            redirect = panel.findChild(QLineEdit, "kiteConnectionPanel.redirect")
            redirect.setText(answer.headers["Location"])
            QTest.keyClick(redirect, Qt.Key.Key_Return)
            await until(lambda: window.session.view.status(KITE).connection.value == "CONNECTED", "the login")
            await until(lambda: listed, "the difference to be listed")
            await asyncio.sleep(1.0)  # a second reconciliation would list it again by now
            assert [event.differences for event in listed] == [(DIFFERENCE,)]
            assert window.log_view.toPlainText().count(DIFFERENCE) == 1, window.log_view.toPlainText()
            position = window.session.portfolio.position(KITE, "INFY")
            assert position is not None and position.quantity == Decimal(2), "nothing adopted without the trader"

            dialog = window.findChild(QWidget, "reconciliationDialog")
            QTest.mouseClick(dialog.findChild(QPushButton, "reconciliation.acceptButton"), Qt.MouseButton.LeftButton)
            await until(lambda: window.session.account(KITE).trading.value == "ACTIVE", "KITE-1 to trade again")
            assert held(window) == {}, "the CNC position itself is adopted, not a net beside it"
    finally:
        await second.stop()
    async with open_window(tmp_path, active=False) as window:  # and so it is after a restart
        assert held(window) == {}


def held(window: MainWindow) -> dict[tuple[str, str | None], Decimal]:
    """What the positions grid shows for INFY on KITE-1: each product's position, and the net's rest."""
    portfolio = window.session.portfolio
    rows = {("INFY", split.product.value if split.product else None): split.quantity
            for split in portfolio.products(KITE, "INFY") if split.quantity}
    net = portfolio.position(KITE, "INFY")
    rest = (net.quantity if net is not None else Decimal(0)) - sum(rows.values(), Decimal(0))
    return rows | ({("INFY", None): rest} if rest else {})
