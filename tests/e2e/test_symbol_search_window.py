"""Ctrl+K through the real window: type a query, pick an IB future from the TWS simulator, it joins the watchlist
with its own feed's prices and the ticket, trade it, restart, it is still there; a symbol IB has no contract
details for is not added, with IB's reason."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QComboBox, QDialog, QLabel, QLineEdit, QTableView

from core.domain import AccountId
from core.storage.settings import AccountSettings, SettingsStore
from gui.widgets.main_window import MainWindow
from gui.widgets.symbol_search import SearchResultsModel
from tests.e2e.window_helpers import cell, open_window, until
from tests.sims.tws.server import TwsSimulator
from tests.sims.tws.symbols import ALL_LISTINGS
from tests.sims.tws.testing import no_decoder_errors, sim_settings

IB = AccountId("IB-7")
OPTION = "AAPL  261218C00200000"


def held(window: MainWindow) -> Decimal | None:
    position = window.session.portfolio.position(IB, "ESH7")
    return None if position is None else position.quantity


def write_settings(data_dir: Path, port: int) -> None:
    SettingsStore(data_dir / "settings.json").set_accounts([
        AccountSettings("PAPER-1", "paper", {"state_path": str(data_dir / "paper" / "PAPER-1.json"),
                                              "tick_interval_s": 60}),
        AccountSettings(str(IB), "ib", sim_settings(port, 7)),
    ])


@pytest.mark.slow
async def test_find_an_ib_future_with_ctrl_k_and_it_joins_the_watchlist(tmp_path: Path) -> None:
    simulator = TwsSimulator(listings=ALL_LISTINGS, tick_interval_s=0.05)
    await simulator.start()
    write_settings(tmp_path, simulator.port)
    try:
        with no_decoder_errors():
            async with open_window(tmp_path) as window:
                window.findChild(QAction, "action.symbolSearch").trigger()
                popup = window.findChild(QDialog, "symbolSearch")
                assert popup is not None and popup.isVisible()
                query = popup.findChild(QLineEdit, "symbolSearch.query")
                results = popup.findChild(QTableView, "symbolSearch.results")
                status = popup.findChild(QLabel, "symbolSearch.status")
                model = results.model()
                assert isinstance(model, SearchResultsModel)

                QTest.keyClicks(query, "es 2027-03")
                await until(lambda: model.rowCount() > 0, "search results for 'es 2027-03'")
                shown = [model.index(0, c).data() for c in range(model.columnCount())]
                assert shown == ["ESH7", "E-mini S&P 500", "CME", "USD", "Future 2027-03-19", "IB-7"]
                assert "ESH7" not in window.watchlists.current.symbols()

                QTest.keyClick(query, Qt.Key.Key_Return)
                await until(lambda: "ESH7" in window.watchlists.current.symbols(), "ESH7 in the saved watchlist")

                await until(lambda: window.bridge.bid_ask("ESH7")[1] is not None, "ESH7 quotes from IB")
                window.bridge.flusher.flush_now()
                assert cell(window.watchlist_view, "ESH7", "symbol") == "ESH7"
                assert window.ticket.current_symbol() == "ESH7" and window.ticket.current_account() == "IB-7"
                assert "Added ESH7 (IB-7)" in status.text()
                assert "AAPL" in window.watchlists.current.symbols()  # what was watched before stays

                ticket = window.ticket
                ticket.findChild(QComboBox, "orderTicket.typeCombo").setCurrentIndex(0)  # MKT
                quantity = ticket.findChild(QLineEdit, "orderTicket.quantityEdit")
                quantity.setText("1")
                ticket.set_confirm_required(False)
                QTest.keyClick(quantity, Qt.Key.Key_Return)
                await until(lambda: held(window) == Decimal(1), "a position of 1 ESH7 on IB-7")

                query.clear()
                QTest.keyClicks(query, "es 2027-03")  # picked again: said so, not "Added", and not listed twice
                await until(lambda: "found for 'es 2027-03'" in status.text(), "ESH7 found again")
                QTest.keyClick(query, Qt.Key.Key_Return)
                await until(lambda: "already on the watchlist" in status.text(), "the second pick's line")
                assert status.text() == "ESH7 (IB-7) is already on the watchlist."
                assert window.watchlists.current.symbols().count("ESH7") == 1

                query.clear()
                QTest.keyClicks(query, "aapl c 200")  # an option: listed once the query narrows the chain
                await until(lambda: model.rowCount() == 1 and model.index(0, 4).data() == "Option C 200 2026-12-18",
                            "the AAPL 200 call")
                QTest.keyClick(query, Qt.Key.Key_Return)
                await until(lambda: OPTION in window.watchlists.current.symbols(), "the AAPL call in the watchlist")
                await until(lambda: window.bridge.bid_ask(OPTION)[1] is not None, "the call's quotes from IB")
                assert window.session.instruments.find(OPTION).multiplier == Decimal(100)

                query.clear()
                QTest.keyClicks(query, "TWTR")
                await until(lambda: model.rowCount() == 1 and model.index(0, 0).data() == "TWTR", "TWTR found")
                QTest.keyClick(query, Qt.Key.Key_Return)
                await until(lambda: "was not added" in status.text(), "the refusal of TWTR")
                assert "No security definition has been found" in status.text()
                assert "TWTR" not in window.watchlists.current.symbols()
                assert window.session.instruments.find("TWTR") is None

                query.clear()
                QTest.keyClicks(query, "QQZZX")
                await until(lambda: status.text().startswith("Nothing matches 'QQZZX'"), "the nothing-found line")
                assert model.rowCount() == 0
                popup.grab().save(str(tmp_path / "symbol-search.png"))

            async with open_window(tmp_path) as window:  # restarted: the picked future is loaded again
                await until(lambda: window.bridge.bid_ask("ESH7")[1] is not None, "ESH7 quotes after the restart")
                window.bridge.flusher.flush_now()
                assert cell(window.watchlist_view, "ESH7", "symbol") == "ESH7"
                instrument = window.session.instruments.find("ESH7")
                assert instrument is not None and instrument.multiplier == Decimal(50)
                assert held(window) == Decimal(1)
    finally:
        await simulator.stop()
