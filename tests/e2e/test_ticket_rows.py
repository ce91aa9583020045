"""Row actions through the real window with two paper accounts whose markets differ: each takes its row's account."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QPushButton, QTableView

from core.adapters.paper.adapter import PaperBroker
from core.adapters.paper.config import PaperConfig
from core.adapters.paper.instruments import START_PRICES
from core.domain import AccountId, OrderOrigin, OrderRequest, OrderType, Side
from core.storage.settings import AccountSettings, SettingsStore
from gui.widgets.main_window import MainWindow
from tests.e2e.window_helpers import cell, click_cell, open_window, until

ACCOUNTS = ("PAPER-1", "PAPER-2")


def write_two_paper_accounts(data_dir: Path) -> None:
    """PAPER-1 and PAPER-2, slow ticks; PAPER-2's market starts elsewhere, so a price from the wrong feed shows."""
    paper = data_dir / "paper"
    PaperBroker(AccountId("PAPER-2"), PaperConfig(state_path=str(paper / "PAPER-2.json")), lambda _event: None,
                start_prices={**START_PRICES, "AAPL": Decimal("150.00"), "SPY": Decimal("400.00")})
    SettingsStore(data_dir / "settings.json").set_accounts([
        AccountSettings(account, "paper", {"state_path": str(paper / f"{account}.json"), "tick_interval_s": 60})
        for account in ACCOUNTS
    ])


def touch(window: MainWindow, account: str, symbol: str) -> tuple[Decimal, Decimal]:
    quote = window.session.quotes.latest(symbol, account)
    assert quote is not None and quote.source == account and quote.bid is not None and quote.ask is not None
    return quote.bid, quote.ask


def text(window: MainWindow, kind: type, name: str) -> str:
    widget = window.ticket.findChild(kind, f"orderTicket.{name}")
    assert widget is not None, name
    return str(widget.currentText() if isinstance(widget, QComboBox) else widget.text())


@pytest.mark.slow
async def test_double_click_closes_on_the_rows_account_once_and_enter_again_sends_nothing(tmp_path: Path) -> None:
    write_two_paper_accounts(tmp_path)
    async with open_window(tmp_path) as window:
        positions = window.findChild(QTableView, "positionsView")
        ticket = window.ticket
        other = AccountId("PAPER-2")
        await until(lambda: window.session.quotes.latest("AAPL", other) is not None, "PAPER-2's AAPL quote")
        bid, ask = touch(window, other, "AAPL")
        assert bid < 160, "PAPER-2's own market, not PAPER-1's"
        await window.session.submit(OrderRequest(other, "AAPL", Side.BUY, Decimal(100), OrderType.LIMIT, ask))
        key = (other, "AAPL")
        await until(lambda: window.bridge.positions.row_of(key) is not None
                    and cell(positions, key, "quantity") == "100", "PAPER-2's long 100 AAPL in the grid")
        assert text(window, QComboBox, "accountCombo") == "PAPER-1", "the ticket starts on another account"

        click_cell(positions, key, "symbol", double=True)
        assert text(window, QComboBox, "accountCombo") == "PAPER-2"
        avg = cell(positions, key, "avg_cost")
        assert len(avg.partition(".")[2]) == 3, "the tick's two places and one more"
        assert text(window, QLabel, "intentLabel") == f"Close long 100 AAPL on PAPER-2, avg {avg}", "as in the grid"
        assert ticket.findChild(QPushButton, "orderTicket.sellButton").isChecked()
        assert text(window, QLineEdit, "quantityEdit") == "100"
        assert Decimal(text(window, QLineEdit, "limitPriceEdit")) == bid, "PAPER-2's bid, not PAPER-1's"

        quantity = ticket.findChild(QLineEdit, "orderTicket.quantityEdit")
        QTest.keyClick(quantity, Qt.Key.Key_Return)
        await until(lambda: ticket.confirm_dialog is not None, "the confirm dialog")
        confirm = ticket.confirm_dialog
        assert confirm is not None
        assert confirm.findChild(QLabel, "orderTicket.confirmDialog.intent").text() == \
            f"Close long 100 AAPL on PAPER-2, avg {avg}"
        QTest.mouseClick(confirm.findChild(QPushButton, "orderTicket.confirmDialog.sendButton"),
                         Qt.MouseButton.LeftButton)
        await until(lambda: cell(positions, key, "quantity") == "0", "the PAPER-2 position to be flat")
        (close,) = [o for o in window.session.oms.orders(other) if o.side is Side.SELL]
        assert close.origin is OrderOrigin.CLOSE and close.quantity.value == 100
        assert window.session.oms.orders(AccountId("PAPER-1")) == [], "nothing was sent on the ticket's old account"
        assert text(window, QLineEdit, "quantityEdit") == "", "the sent quantity is cleared"
        assert not ticket.findChild(QLabel, "orderTicket.intentLabel").isVisible(), "the close is done"

        QTest.keyClick(quantity, Qt.Key.Key_Return)
        QTest.keyClick(ticket.findChild(QPushButton, "orderTicket.sendButton"), Qt.Key.Key_Return)
        assert ticket.confirm_dialog is None, "Enter again does nothing"
        assert len(window.session.oms.orders()) == 2
        assert window.session.portfolio.position(other, "AAPL").quantity == 0, "never turned into a short"


@pytest.mark.slow
async def test_a_new_symbol_starts_from_its_own_price_on_the_rows_feed_and_day(tmp_path: Path) -> None:
    write_two_paper_accounts(tmp_path)
    async with open_window(tmp_path) as window:
        watchlist = window.findChild(QTableView, "watchlistView")
        await until(lambda: window.bridge.quotes.feed_of("SPY") is not None
                    and window.bridge.quotes.row_of("SPY") is not None, "SPY in the watchlist")
        click_cell(watchlist, "AAPL", "ask")
        limit = window.ticket.findChild(QLineEdit, "orderTicket.limitPriceEdit")
        limit.selectAll()
        QTest.keyClicks(limit, "180.00")
        tif = window.ticket.findChild(QComboBox, "orderTicket.tifCombo")
        tif.setCurrentText("GTC")

        click_cell(watchlist, "SPY", "symbol")
        feed = window.bridge.quotes.feed_of("SPY")
        assert feed is not None
        _, ask = touch(window, feed, "SPY")
        assert text(window, QComboBox, "accountCombo") == feed, "the row's market is the row's account"
        assert text(window, QLineEdit, "symbolEdit") == "SPY"
        assert Decimal(limit.text()) == ask, "SPY's own ask, not AAPL's 180.00"
        assert tif.currentText() == "DAY", "GTC is not carried into another symbol"

        click_cell(watchlist, "AAPL", "bid")
        bid, _ = touch(window, feed, "AAPL")
        assert window.ticket.findChild(QPushButton, "orderTicket.sellButton").isChecked()
        assert Decimal(limit.text()) == bid


@pytest.mark.slow
async def test_the_ticket_shows_its_own_accounts_prices_not_the_watchlists(tmp_path: Path) -> None:
    write_two_paper_accounts(tmp_path)
    async with open_window(tmp_path) as window:
        watchlist = window.findChild(QTableView, "watchlistView")
        await until(lambda: all(window.session.quotes.latest("AAPL", a) is not None
                                and window.session.quotes.latest("AAPL", a).source == a for a in ACCOUNTS),
                    "AAPL quotes from both accounts")
        # its row is there from the start (the saved watchlist); its feed, once a quote has reached the row
        await until(lambda: window.bridge.quotes.feed_of("AAPL") is not None, "AAPL's quote in the watchlist")
        feed = window.bridge.quotes.feed_of("AAPL")
        assert feed is not None
        other = next(a for a in ACCOUNTS if a != feed)
        click_cell(watchlist, "AAPL", "ask")
        assert text(window, QComboBox, "accountCombo") == feed

        window.ticket.findChild(QComboBox, "orderTicket.accountCombo").setCurrentText(other)
        bid, ask = touch(window, other, "AAPL")
        watch_bid, watch_ask = touch(window, feed, "AAPL")
        assert (bid, ask) != (watch_bid, watch_ask)
        await until(lambda: f"{bid:.2f}" in text(window, QLabel, "quoteLabel")
                    and f"{ask:.2f}" in text(window, QLabel, "quoteLabel"), f"{other}'s own bid and ask on the ticket")
        assert f"{watch_ask:.2f}" not in text(window, QLabel, "quoteLabel"), "not the watchlist feed's ask"


@pytest.mark.slow
async def test_the_ticket_shows_the_collar_refusal_while_typing_before_any_send(tmp_path: Path) -> None:
    write_two_paper_accounts(tmp_path)
    async with open_window(tmp_path) as window:
        watchlist = window.findChild(QTableView, "watchlistView")
        await until(lambda: window.bridge.quotes.feed_of("AAPL") is not None
                    and window.bridge.quotes.row_of("AAPL") is not None, "AAPL in the watchlist")
        click_cell(watchlist, "AAPL", "ask")
        account = text(window, QComboBox, "accountCombo")
        bid, ask = touch(window, account, "AAPL")
        quantity = window.ticket.findChild(QLineEdit, "orderTicket.quantityEdit")
        QTest.keyClicks(quantity, "100")
        verdict = window.ticket.findChild(QLabel, "orderTicket.riskLabel")
        await until(lambda: verdict.text().startswith("Risk: passes"), "the passing verdict")
        assert f"{ask * 100:,.2f} USD" in verdict.text(), "the order's value at its limit"

        limit = window.ticket.findChild(QLineEdit, "orderTicket.limitPriceEdit")
        limit.selectAll()
        QTest.keyClicks(limit, "250.00")
        await until(lambda: "price collar" in verdict.text(), "the collar refusal on the ticket")
        low = (bid * Decimal("0.95")).quantize(Decimal("0.01"), rounding="ROUND_CEILING")
        high = (ask * Decimal("1.05")).quantize(Decimal("0.01"), rounding="ROUND_FLOOR")
        shown = re.search(r"collar ([\d,.]+)–([\d,.]+) ", verdict.text())
        assert shown is not None, verdict.text()
        assert [Decimal(bound.replace(",", "")) for bound in shown.groups()] == [low, high], "bounds on the tick"
        assert window.ticket.confirm_dialog is None and window.session.oms.orders() == [], "nothing was sent"


@pytest.mark.slow
async def test_the_chart_shows_and_trades_the_rows_feed_and_names_it(tmp_path: Path) -> None:
    """The chart took the first account that lists the symbol: with AAPL's row on another account's feed, it showed
    PAPER-1's prices and its place menu ('Buy limit AAPL @ …', no account) sent to PAPER-1."""
    from gui.controllers.chart_controller import ChartController
    from gui.widgets.chart.chart_view import ChartView

    write_two_paper_accounts(tmp_path)
    async with open_window(tmp_path) as window:
        await until(lambda: window.findChild(ChartView, "chartView") is not None, "the chart")
        chart = window.findChild(ChartView, "chartView")
        controller = next(k for k in window.keep_alive if isinstance(k, ChartController))
        window.watchlists.set_feed("AAPL", "PAPER-2")
        await until(lambda: window.bridge.quotes.feed_of("AAPL") == "PAPER-2", "AAPL's row on PAPER-2's feed")
        click_cell(window.findChild(QTableView, "watchlistView"), "AAPL", "symbol")  # the chart shows AAPL already
        await until(lambda: chart.symbol == "AAPL" and controller.account == "PAPER-2", "the chart on the row's feed")
        assert chart.title.text().startswith("AAPL · PAPER-2"), chart.title.text()
        controller._on_place(140.0, chart.rect().center())  # a right-click at 140 (below PAPER-2's market)
        assert controller.place_menu is not None
        assert [a.text() for a in controller.place_menu.actions()][:2] == [
            "Buy limit AAPL @ 140.00 on PAPER-2", "Sell stop AAPL @ 140.00 on PAPER-2"]


@pytest.mark.slow
async def test_the_rows_menu_buys_at_its_ask_and_sells_at_its_bid_on_the_rows_feed(tmp_path: Path) -> None:
    """Right-click a row: "Buy on the ticket, at the ask" / "Sell on the ticket, at the bid", as a click on the ask
    or bid cell does, for a trader who keeps to the menu (or reaches the row by keyboard)."""
    from PySide6.QtGui import QAction

    write_two_paper_accounts(tmp_path)
    async with open_window(tmp_path) as window:
        window.watchlists.set_feed("AAPL", "PAPER-2")
        await until(lambda: window.bridge.quotes.feed_of("AAPL") == "PAPER-2", "AAPL's row on PAPER-2's feed")
        watchlist = window.findChild(QTableView, "watchlistView")
        row = window.bridge.quotes.row_of("AAPL")
        assert row is not None
        watchlist.setCurrentIndex(watchlist.model().index(row, 0))
        watchlist.findChild(QAction, "watchlist.sell").trigger()
        bid, _ask = touch(window, "PAPER-2", "AAPL")
        assert text(window, QComboBox, "accountCombo") == "PAPER-2", "the row's market is the row's account"
        assert window.ticket.findChild(QPushButton, "orderTicket.sellButton").isChecked()
        assert Decimal(text(window, QLineEdit, "limitPriceEdit")) == bid, "PAPER-2's bid (about 150, not 190)"
        watchlist.findChild(QAction, "watchlist.buy").trigger()
        assert window.ticket.findChild(QPushButton, "orderTicket.buyButton").isChecked()
        assert Decimal(text(window, QLineEdit, "limitPriceEdit")) == touch(window, "PAPER-2", "AAPL")[1]
        assert [a.objectName() for a in watchlist.actions()][:2] == ["watchlist.buy", "watchlist.sell"], "first"
