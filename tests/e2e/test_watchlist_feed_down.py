"""A watchlist row whose feed's connection is down says so, in muted figures, instead of showing the last prices
as live, and so does the ticket's Bid·Ask: Kite's session ended and INFY sat at its last price, in black, beside
the paper market's moving rows."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QLabel

from core.domain import AccountId, Side
from gui.models.columns import MUTED
from tests.e2e.window_helpers import cell, model_of, open_window, until, write_paper_settings

PAPER = AccountId("PAPER-1")


async def test_a_rows_feed_going_down_mutes_its_figures_and_says_so_until_it_is_back(tmp_path: Path) -> None:
    write_paper_settings(tmp_path)
    async with open_window(tmp_path) as window:
        view = window.watchlist_view
        model = model_of(view)
        await until(lambda: cell(view, "AAPL", "bid") not in ("", "—"), "AAPL quoted by the paper market")
        bid_column = [c.key for c in model.columns].index("bid")

        def bid_color() -> object:
            row = model.row_of("AAPL")
            assert row is not None
            return model.index(row, bid_column).data(Qt.ItemDataRole.ForegroundRole)

        live = bid_color()
        assert cell(view, "AAPL", "feed") == f"auto: {PAPER}"
        window.ticket.prefill("AAPL", Side.BUY, account=str(PAPER))
        quote_line = window.ticket.findChild(QLabel, "orderTicket.quoteLabel")
        assert "stopped" not in quote_line.text()
        await window.session.disconnect(PAPER)
        await until(lambda: cell(view, "AAPL", "feed") == f"⚠ {PAPER} down", "the row to say its feed is down")
        shown = bid_color()
        assert isinstance(shown, QColor) and shown == MUTED and shown != live, "the last bid is muted, not live"
        assert f"{PAPER}'s prices stopped: last known" in quote_line.text(), "the ticket's Bid·Ask says so too"
        await window.session.connect(PAPER)
        await until(lambda: cell(view, "AAPL", "feed") == f"auto: {PAPER}", "the row live again")
        assert bid_color() == live and "stopped" not in quote_line.text()
