"""Alpaca from the window: the key pair typed into the Alpaca tab goes to the keyring, the account connects to the
simulator through the real alpaca-py, buys, and shows Alpaca's own cash and buying power; restarted, it is still so."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QCheckBox, QLabel, QLineEdit, QPushButton, QTabWidget, QWidget

from core.domain import AccountId, OrderRequest, OrderStatus, OrderType, Side, TimeInForce
from gui.widgets.main_window import MainWindow
from tests.e2e.test_funds_window import money, shown
from tests.e2e.window_helpers import open_window, until
from tests.sims.alpaca.server import AlpacaSimulator

ALPACA = AccountId("ALPACA-PAPER")
PANEL = "alpacaConnectionPanel"


async def connect_from_the_panel(window: MainWindow, *fields: tuple[str, str]) -> QWidget:
    """Open the Connections dialog's Alpaca tab, fill fields, click Connect, wait until ALPACA-PAPER trades."""
    window.findChild(QAction, "action.connections").trigger()
    await until(lambda: window.findChild(QWidget, PANEL) is not None, "the Alpaca panel")
    tabs = window.findChild(QTabWidget, "connections.tabs")
    tabs.setCurrentIndex([tabs.tabText(i) for i in range(tabs.count())].index("Alpaca (US stocks)"))
    panel = window.findChild(QWidget, PANEL)
    for field, text in fields:
        panel.findChild(QLineEdit, f"{PANEL}.{field}").setText(text)
    QTest.mouseClick(panel.findChild(QPushButton, f"{PANEL}.connectButton"), Qt.MouseButton.LeftButton)
    await until(lambda: ALPACA in window.session.account_ids()
                and window.session.account(ALPACA).trading.value == "ACTIVE", "ALPACA-PAPER to be active")
    return panel


def simulator_fields(simulator: AlpacaSimulator, *more: tuple[str, str]) -> tuple[tuple[str, str], ...]:
    """The panel's fields that point an account at the simulator (its roots and keys), with more between them."""
    return (("tradingRoot", simulator.root), ("dataRoot", simulator.root), *more,
            ("apiKey", simulator.api_key), ("apiSecret", simulator.api_secret))


@pytest.mark.slow
async def test_keys_to_the_keyring_connect_buy_and_see_alpacas_funds_then_restart(tmp_path: Path) -> None:
    simulator = AlpacaSimulator(tick_interval_s=0.05)
    await simulator.start()
    try:
        async with open_window(tmp_path) as window:
            panel = await connect_from_the_panel(window, *simulator_fields(simulator, ("pollIntervalS", "0.1")))
            assert panel.findChild(QLineEdit, f"{PANEL}.apiSecret").text() == "", "the secret leaves the form"
            assert panel.findChild(QCheckBox, f"{PANEL}.paper").isChecked(), "paper: a check box, ticked by default"

            await until(lambda: window.session.quotes.latest("AAPL", str(ALPACA)) is not None, "Alpaca's AAPL quote")
            assert window.session.quotes.latest("AAPL", str(ALPACA)).source == ALPACA, "priced from its own feed"
            order = await window.session.submit(OrderRequest(ALPACA, "AAPL", Side.BUY, "3", OrderType.MARKET))
            await until(lambda: order.status is OrderStatus.FILLED, "the Alpaca order to fill")
            position = window.session.portfolio.position(ALPACA, "AAPL")
            assert position is not None and position.quantity == Decimal(3)
            assert order.broker_order_id == simulator.exchange.by_client[str(order.client_order_id)]
            account = simulator.exchange.account()
            await until(lambda: shown(window, ALPACA, "USD", "cash") == money(account["cash"]),
                        "Alpaca's cash after the fill")
            assert Decimal(account["cash"]) < Decimal(100000), "the purchase used cash"
            assert shown(window, ALPACA, "USD", "buying_power") == money(account["buying_power"])

        text = (tmp_path / "settings.json").read_text()
        assert simulator.api_secret not in text and simulator.api_key not in text
        saved = [a for a in json.loads(text)["accounts"] if a["kind"] == "alpaca"]
        assert [a["id"] for a in saved] == [str(ALPACA)]
        assert saved[0]["settings"]["poll_interval_s"] == 0.1, "saved as a number, not the text typed"

        async with open_window(tmp_path, active=False) as window:  # restart (the test keyring starts empty)
            await until(lambda: ALPACA in window.session.account_ids(), "ALPACA-PAPER from the settings")
            await connect_from_the_panel(window, ("apiKey", simulator.api_key),
                                         ("apiSecret", simulator.api_secret))
            position = window.session.portfolio.position(ALPACA, "AAPL")
            assert position is not None and position.quantity == Decimal(3), "reconciled with Alpaca's books"
            assert simulator.requests.count(("POST", "/v2/orders")) == 1, "nothing sent twice"
    finally:
        await simulator.stop()


@pytest.mark.slow
async def test_settings_typed_into_the_old_text_panel_reconnect_while_an_order_works(tmp_path: Path) -> None:
    """The older panel saved what was typed, as text ("paper": "true", "poll_interval_s": "0.1"); the panel now
    sends True and 0.1. Reconnecting such an account is no edit of its settings (an edit is refused while an order
    works): it connects, its order still working, and settings.json is left as it was."""
    simulator = AlpacaSimulator(tick_interval_s=0.05)
    await simulator.start()
    try:
        async with open_window(tmp_path) as window:
            await connect_from_the_panel(window, *simulator_fields(simulator))
            await until(lambda: window.session.quotes.latest("AAPL", str(ALPACA)) is not None, "Alpaca's AAPL quote")
            bid = window.session.quotes.latest("AAPL", str(ALPACA)).bid
            below = (Decimal(bid) * Decimal("0.96")).quantize(Decimal("0.01"))  # inside the collar, far from a fill
            order = await window.session.submit(OrderRequest(ALPACA, "AAPL", Side.BUY, "1", OrderType.LIMIT,
                                                             limit_price=below, tif=TimeInForce.GTC))
            await until(lambda: order.status is OrderStatus.ACCEPTED, "the far limit to work at Alpaca")

        path = tmp_path / "settings.json"
        data = json.loads(path.read_text())
        old = {"paper": "true", "trading_root": simulator.root, "data_root": simulator.root, "poll_interval_s": "0.1"}
        for account in data["accounts"]:
            if account["kind"] == "alpaca":
                account["settings"] = old
        path.write_text(json.dumps(data))

        async with open_window(tmp_path, active=False) as window:
            await until(lambda: ALPACA in window.session.account_ids(), "ALPACA-PAPER from the settings")
            assert [o.client_order_id for o in window.session.view.working_orders(ALPACA)] == [order.client_order_id]
            panel = await connect_from_the_panel(window, ("apiKey", simulator.api_key),
                                                 ("apiSecret", simulator.api_secret))
            status = panel.findChild(QLabel, f"{PANEL}.status")
            await until(lambda: "connected and reconciled" in status.text(), "the panel to say it connected")
            assert status.property("error") is not True, status.text()
            assert panel.findChild(QCheckBox, f"{PANEL}.paper").isChecked(), "the old 'true' shows ticked"
            assert panel.findChild(QLineEdit, f"{PANEL}.pollIntervalS").text() == "0.1"
            assert [o.client_order_id for o in window.session.view.working_orders(ALPACA)] == [order.client_order_id]
        saved = [a for a in json.loads(path.read_text())["accounts"] if a["kind"] == "alpaca"]
        assert saved[0]["settings"] == old
        assert simulator.requests.count(("POST", "/v2/orders")) == 1, "nothing sent twice"
    finally:
        await simulator.stop()


@pytest.mark.slow
async def test_a_setting_emptied_on_the_panel_goes_back_to_its_default(tmp_path: Path) -> None:
    """Clearing "Poll interval s" after a restart takes the saved 0.1 out of settings.json (the default applies
    again) and the Log names the change; before, the emptied field kept the saved value without a word."""
    simulator = AlpacaSimulator(tick_interval_s=0.05)
    await simulator.start()
    try:
        async with open_window(tmp_path) as window:
            await connect_from_the_panel(window, *simulator_fields(simulator, ("pollIntervalS", "0.1")))
        path = tmp_path / "settings.json"

        def saved() -> dict[str, object]:
            settings: dict[str, object] = next(a for a in json.loads(path.read_text())["accounts"]
                                               if a["kind"] == "alpaca")["settings"]
            return settings

        assert saved()["poll_interval_s"] == 0.1

        async with open_window(tmp_path, active=False) as window:
            await until(lambda: ALPACA in window.session.account_ids(), "ALPACA-PAPER from the settings")
            await connect_from_the_panel(window, ("pollIntervalS", ""), ("apiKey", simulator.api_key),
                                         ("apiSecret", simulator.api_secret))
            assert any("Changed ALPACA-PAPER's settings: poll_interval_s" in line for line in window.log_view.lines())
        assert "poll_interval_s" not in saved(), "emptied: the default applies again"
        assert saved()["trading_root"] == simulator.root, "the other settings are kept"
    finally:
        await simulator.stop()
