"""The ticket's Bid·Ask follows the frame feed: a quote shows in the next frame, as in the watchlist, with no timer.

Issue #20: the ticket re-read its quote on the window's 250 ms status tick and lagged the watchlist by up to
eight frames. The status timer is stopped here, so only the frame feed can move the ticket.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from PySide6.QtWidgets import QComboBox, QLabel

from core.domain import Quote, Side
from core.storage.settings import AccountSettings, SettingsStore
from gui.app import create_main_window
from gui.widgets.main_window import MainWindow

ACCOUNTS = ("PAPER-1", "PAPER-2")


def write_settings(data_dir: Path) -> None:
    SettingsStore(data_dir / "settings.json").set_accounts([
        AccountSettings(account, "paper", {"state_path": str(data_dir / "paper" / f"{account}.json")})
        for account in ACCOUNTS
    ])


def quote_line(window: MainWindow) -> str:
    label = window.ticket.findChild(QLabel, "orderTicket.quoteLabel")
    assert label is not None
    return str(label.text())


def tick(window: MainWindow, symbol: str, feed: str, bid: str, ask: str) -> None:
    """A quote arrives from feed, and the next frame comes."""
    window.session.bus.publish_quotes([Quote(symbol, Decimal(bid), Decimal(ask), source=feed)])
    window.bridge.flusher.flush_now()


def watchlist_bid(window: MainWindow, symbol: str) -> str:
    model = window.bridge.quotes
    row = model.row_of(symbol)
    assert row is not None, symbol
    column = [c.key for c in model.columns].index("bid")
    return str(model.index(row, column).data())


async def test_a_quote_moves_the_tickets_bid_ask_in_the_next_frame_only_for_its_symbol_and_accounts_feed(
    tmp_path: Path,
) -> None:
    write_settings(tmp_path)
    window = create_main_window(tmp_path, connect=False)
    try:
        window._status_timer.stop()  # only the frame feed may move the ticket
        window.bridge.quotes.watch(["AAPL"])
        window.ticket.prefill("AAPL", Side.BUY, account="PAPER-1", focus=False)
        assert "Bid <b>—</b>" in quote_line(window)

        tick(window, "AAPL", "PAPER-1", "100.01", "100.03")
        assert "100.01" in quote_line(window) and "100.03" in quote_line(window)
        assert watchlist_bid(window, "AAPL") == "100.01", "the watchlist shows the same quote in the same frame"

        tick(window, "AAPL", "PAPER-2", "150.01", "150.03")  # another account's feed
        tick(window, "MSFT", "PAPER-1", "300.01", "300.03")  # another symbol
        assert "100.01" in quote_line(window) and "150.01" not in quote_line(window)
        assert "300.01" not in quote_line(window)

        tick(window, "AAPL", "PAPER-1", "100.05", "100.07")
        assert "100.05" in quote_line(window) and "100.07" in quote_line(window)

        # The trader picks the other account: its own feed now, and the first account's quotes move nothing.
        window.ticket.findChild(QComboBox, "orderTicket.accountCombo").setCurrentText("PAPER-2")
        assert "150.01" in quote_line(window)
        tick(window, "AAPL", "PAPER-1", "100.09", "100.11")
        assert "150.01" in quote_line(window) and "100.09" not in quote_line(window)
        tick(window, "AAPL", "PAPER-2", "150.05", "150.07")
        assert "150.05" in quote_line(window) and "150.07" in quote_line(window)

        # Another symbol on the ticket: its quotes move it, the last symbol's do not.
        window.ticket.prefill("MSFT", Side.BUY, account="PAPER-2", focus=False)
        tick(window, "AAPL", "PAPER-2", "150.09", "150.11")
        tick(window, "MSFT", "PAPER-2", "301.01", "301.03")
        assert "301.01" in quote_line(window) and "150.09" not in quote_line(window)

        # An account priced from a reference feed the trader chose follows that feed from then on.
        window.ticket.prefill("SPY", Side.BUY, account="PAPER-2", focus=False)
        tick(window, "SPY", "PAPER-1", "400.01", "400.03")
        assert "400.01" not in quote_line(window), "never silently another account's market"
        window.session.references.choose("PAPER-2", "PAPER-1")
        tick(window, "SPY", "PAPER-1", "400.05", "400.07")
        assert "400.05" in quote_line(window) and "prices from PAPER-1" in quote_line(window)
    finally:
        window.close()
        await window.shutdown()
