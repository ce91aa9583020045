"""OANDA from the real window: the Connections dialog offers it, connects a practice account on the simulator
with the token kept in the keyring (never in settings.json), the watchlist shows the pair's change on the day, then
it buys from the ticket: the click reaches OANDA."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QCheckBox, QComboBox, QLineEdit, QPushButton, QTableView, QTabWidget, QWidget

from core.domain import AccountId
from gui.brokers.account_setup import AccountsSetup
from gui.models.format import DASH
from gui.widgets.main_window import MainWindow
from tests.e2e.window_helpers import cell, click_cell, click_from_qt, open_window, until
from tests.sims.oanda.server import OandaSimulator

PANEL = "oandaConnectionPanel"


@pytest.mark.slow
async def test_connect_an_oanda_practice_account_from_the_panel(tmp_path: Path) -> None:
    sim = OandaSimulator()  # started inside the test: the window's qasync loop is the test's
    await sim.start()
    try:
        await _connect_from_the_panel(sim, tmp_path)
    finally:
        await sim.stop()


async def _connect_from_the_panel(sim: OandaSimulator, tmp_path: Path) -> None:
    async with open_window(tmp_path, active=False) as window:
        window.findChild(QAction, "action.connections").trigger()
        await until(lambda: window.findChild(QWidget, PANEL) is not None, "the OANDA panel")
        tabs = window.findChild(QTabWidget, "connections.tabs")
        titles = [tabs.tabText(i) for i in range(tabs.count())]
        tabs.setCurrentIndex(titles.index("OANDA"))
        panel = window.findChild(QWidget, PANEL)
        assert panel.findChild(QComboBox, f"{PANEL}.environment").currentText() == "practice"
        assert not panel.findChild(QCheckBox, f"{PANEL}.confirmLive").isChecked()
        panel.findChild(QLineEdit, f"{PANEL}.account").setText(sim.exchange.account_id)
        panel.findChild(QLineEdit, f"{PANEL}.restRoot").setText(sim.root)
        panel.findChild(QLineEdit, f"{PANEL}.token").setText(sim.token)
        QTest.mouseClick(panel.findChild(QPushButton, f"{PANEL}.connectButton"), Qt.MouseButton.LeftButton)
        account = AccountId(f"OANDA-practice-{sim.exchange.account_id}")
        await until(lambda: account in window.session.account_ids()
                    and window.session.account(account).trading.value == "ACTIVE", "the OANDA account to connect")
        assert panel.findChild(QLineEdit, f"{PANEL}.token").text() == "", "the token leaves the form"
        text = (tmp_path / "settings.json").read_text()
        assert sim.token not in text
        saved = json.loads(text)
        assert any(a["kind"] == "oanda" and a["settings"]["account"] == sim.exchange.account_id
                   for a in saved["accounts"])
        setup = next(o for o in window.keep_alive if isinstance(o, AccountsSetup))
        assert setup.secrets.get(f"account/{account}/token") == sim.token, "the token is in the keyring"

        await _shows_the_days_change(window)
        await _buy_from_the_ticket(window, sim, account)


async def _shows_the_days_change(window: MainWindow) -> None:
    """EUR_USD's Chg and Chg %: its mid against OANDA's previous close; Last and Volume stay empty (FX has no
    trade price and OANDA sends no volume)."""
    view = window.findChild(QTableView, "watchlistView")
    await until(lambda: window.bridge.quotes.row_of("EUR_USD") is not None
                and cell(view, "EUR_USD", "change") != DASH, "EUR_USD's change on the day")
    change, percent = cell(view, "EUR_USD", "change"), cell(view, "EUR_USD", "change_pct")
    assert re.fullmatch(r"[+-]?\d\.\d{5}", change), change
    assert re.fullmatch(r"[+-]?\d+\.\d\d%", percent), percent
    assert cell(view, "EUR_USD", "last") == DASH and cell(view, "EUR_USD", "volume") == DASH


async def _buy_from_the_ticket(window: MainWindow, sim: OandaSimulator, account: AccountId) -> None:
    """The ticket sends on the click's own turn (run_op eager): OANDA's aiohttp client must work there too."""
    await until(lambda: window.bridge.quotes.row_of("EUR_USD") is not None
                and window.bridge.bid_ask("EUR_USD")[1] is not None, "EUR_USD quotes from OANDA")
    click_cell(window.findChild(QTableView, "watchlistView"), "EUR_USD", "ask")
    ticket = window.ticket
    assert ticket.current_account() == str(account)
    quantity = ticket.findChild(QLineEdit, "orderTicket.quantityEdit")
    quantity.clear()
    QTest.keyClicks(quantity, "1000")
    QTest.keyClick(quantity, Qt.Key.Key_Return)
    await until(lambda: ticket.confirm_dialog is not None, "the confirm dialog")
    await click_from_qt(ticket.confirm_dialog.findChild(QPushButton, "orderTicket.confirmDialog.sendButton"))
    await until(lambda: not window.session.view.working_orders(account)
                and window.session.portfolio.position(account, "EUR_USD") is not None, "the fill from OANDA")
    assert window.session.portfolio.position(account, "EUR_USD").quantity == 1000
    assert any(t.get("type") == "ORDER_FILL" for t in sim.exchange.transactions), "OANDA filled it"
    assert "Not sent" not in ticket.findChild(QWidget, "orderTicket.statusLabel").text()
