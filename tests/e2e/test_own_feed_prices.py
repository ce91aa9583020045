"""An IB account beside a paper one, their markets apart: every price an IB order sees is IB's own, never paper's.

The TWS simulator quotes AAPL near 150 while paper quotes it near 189.50, and IB has market-data lines
for two symbols only: its SPY request gets IB's error 101, so IB has no SPY price while paper has one.
The watchlist row, the ticket, its risk verdict and the strategy API must all say so, not use paper's.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QComboBox, QDialog, QLabel, QLineEdit, QPushButton, QTableView

from core.domain import AccountId
from core.storage.settings import AccountSettings, SettingsStore
from core.storage.watchlists import WATCHLISTS_FILE
from core.strategy_client.client import TradeTermClient
from gui.controllers.strategies import StrategySetup
from gui.widgets.api_token_panel import ApiTokenPanel
from gui.widgets.main_window import MainWindow
from tests.e2e.test_ticket_rows import text
from tests.e2e.test_watchlists_window import add_symbol
from tests.e2e.window_helpers import cell, click_cell, open_window, until
from tests.sims.tws.market import DEFAULT_LISTINGS
from tests.sims.tws.server import TwsSimulator
from tests.sims.tws.testing import no_decoder_errors

IB, PAPER = "IB-7", "PAPER-1"


def write_settings(data_dir: Path, port: int) -> None:
    SettingsStore(data_dir / "settings.json").set_accounts([
        AccountSettings(PAPER, "paper", {"state_path": str(data_dir / "paper" / f"{PAPER}.json"),
                                         "tick_interval_s": 60}),
        AccountSettings(IB, "ib", {"port": port, "client_id": 7, "symbols": ["AAPL", "MSFT", "SPY"]}),
    ])


def simulator() -> TwsSimulator:
    aapl = replace(DEFAULT_LISTINGS[0], start_price=Decimal("150.00"))
    sim = TwsSimulator(listings=(aapl, *DEFAULT_LISTINGS[1:]), tick_interval_s=60)
    sim.max_tickers = 2  # AAPL and MSFT get lines; SPY gets IB's error 101
    return sim


def quote_label(window: MainWindow) -> str:
    return text(window, QLabel, "quoteLabel")


async def api_client(window: MainWindow) -> TradeTermClient:
    setup = next(o for o in window.keep_alive if isinstance(o, StrategySetup))
    await until(lambda: setup.server is not None and setup.server.port != 0, "the strategy API to listen")
    assert setup.server is not None
    panel = window.findChild(ApiTokenPanel, "apiTokenPanel")
    QTest.keyClicks(panel.findChild(QLineEdit, "apiToken.nameEdit"), "feeds")
    QTest.mouseClick(panel.findChild(QPushButton, "apiToken.createButton"), Qt.MouseButton.LeftButton)
    panel.select("feeds")
    QTest.mouseClick(panel.findChild(QPushButton, "apiToken.copyButton"), Qt.MouseButton.LeftButton)
    return TradeTermClient(setup.server.url, QApplication.clipboard().text(), account=IB)


@pytest.mark.slow
async def test_an_ib_order_sees_ibs_prices_or_none_never_the_paper_markets(tmp_path: Path) -> None:
    sim = simulator()
    await sim.start()
    write_settings(tmp_path, sim.port)
    try:
        with no_decoder_errors():
            async with open_window(tmp_path) as window:
                quotes = window.session.quotes
                await until(lambda: quotes.quote_of("AAPL", IB) is not None
                            and quotes.quote_of("SPY", PAPER) is not None, "IB's AAPL and paper's SPY")
                ib_aapl, paper_aapl, paper_spy = (quotes.quote_of("AAPL", IB), quotes.quote_of("AAPL", PAPER),
                                                  quotes.quote_of("SPY", PAPER))
                assert ib_aapl is not None and paper_aapl is not None and paper_spy is not None
                assert ib_aapl.ask is not None and paper_spy.ask is not None and paper_spy.bid is not None
                assert ib_aapl.ask < 160 < paper_aapl.ask, "the two markets are apart"

                # The watchlist: rows quoted from IB show IB's prices, or IB's own error.
                add_symbol(window, "AAPL", IB)
                add_symbol(window, "SPY", IB)
                view = window.findChild(QTableView, "watchlistView")
                window.bridge.flusher.flush_now()
                assert cell(view, "AAPL", "feed") == IB and cell(view, "AAPL", "ask") == f"{ib_aapl.ask:.2f}"
                await until(lambda: (window.bridge.flusher.flush_now() or True)
                            and "101" in cell(view, "SPY", "feed"), "IB's error 101 on the SPY row")
                assert "Max number of tickers" in cell(view, "SPY", "feed")
                assert cell(view, "SPY", "bid") == "—", "no price rather than paper's"
                add_symbol(window, "INFY", IB)  # paper lists INFY; IB has no such contract (its error 200)
                await until(lambda: (window.bridge.flusher.flush_now() or True)
                            and "IB has no contract for INFY" in cell(view, "INFY", "feed"), "IB's refusal on the row")
                assert cell(view, "INFY", "bid") == "—"

                # Click-to-trade on the IB row: the ticket is on IB at IB's ask.
                click_cell(view, "AAPL", "ask")
                assert text(window, QComboBox, "accountCombo") == IB
                assert Decimal(text(window, QLineEdit, "limitPriceEdit")) == ib_aapl.ask
                label = quote_label(window)
                assert f"{ib_aapl.ask:.2f}" in label and f"{paper_aapl.ask:.2f}" not in label

                # SPY on IB: no IB price, so no price at all: not paper's in the label, the limit or risk.
                symbol = window.ticket.findChild(QLineEdit, "orderTicket.symbolEdit")
                symbol.selectAll()
                QTest.keyClicks(symbol, "SPY")
                window.ticket.refresh_quote()
                assert f"{paper_spy.bid:.2f}" not in quote_label(window), "not the paper market's SPY"
                assert f"no quote on {IB}'s feed" in quote_label(window)
                limit = window.ticket.findChild(QLineEdit, "orderTicket.limitPriceEdit")
                assert limit.text() == "", "the limit is not prefilled from paper's SPY"
                QTest.keyClicks(limit, f"{paper_spy.ask:.2f}")
                QTest.keyClicks(window.ticket.findChild(QLineEdit, "orderTicket.quantityEdit"), "10")
                verdict = window.ticket.findChild(QLabel, "orderTicket.riskLabel")
                await until(lambda: verdict.text() != "", "the risk verdict")
                assert "No quote for SPY" in verdict.text(), "risk has no IB price to collar against"

                # Risk's collar on AAPL is IB's: paper's AAPL price is far outside it.
                symbol.selectAll()
                QTest.keyClicks(symbol, "AAPL")
                limit.selectAll()
                QTest.keyClicks(limit, f"{paper_aapl.ask:.2f}")
                await until(lambda: "price collar" in verdict.text(), "the collar around IB's AAPL")
                assert f"{ib_aapl.ask:.2f}" in verdict.text()

                # The strategy API answers with the account's own feed.
                client = await api_client(window)
                aapl = await asyncio.to_thread(client.quote, "AAPL")
                spy = await asyncio.to_thread(client.quote, "SPY")
                assert Decimal(aapl["ask"]) == ib_aapl.ask and aapl["feed"] == IB
                assert spy["bid"] is None and spy["ask"] is None, "no IB SPY price: none, not paper's"
                assert window.session.oms.orders(AccountId(IB)) == [], "nothing was sent"

                # The trader chooses paper as IB's reference feed: now SPY is priced from it, and says so.
                window.findChild(QAction, "action.referenceFeeds").trigger()
                dialog = window.findChild(QDialog, "referenceFeedsDialog")
                combo = dialog.findChild(QComboBox, f"referenceFeeds.{IB}")
                combo.setCurrentIndex(combo.findData(PAPER))
                dialog.accept()
                symbol.selectAll()
                QTest.keyClicks(symbol, "SPY")
                window.ticket.refresh_quote()
                assert f"{paper_spy.bid:.2f}" in quote_label(window) and f"prices from {PAPER}" in quote_label(window)
                spy = await asyncio.to_thread(client.quote, "SPY")
                assert Decimal(spy["bid"]) == paper_spy.bid and spy["feed"] == PAPER, "labelled with its feed"
                aapl = await asyncio.to_thread(client.quote, "AAPL")
                assert aapl["feed"] == IB, "IB's own feed still comes first"
                saved = json.loads((tmp_path / WATCHLISTS_FILE).read_text(encoding="utf-8"))
                assert saved["reference_feeds"] == {IB: PAPER}
    finally:
        await sim.stop()
