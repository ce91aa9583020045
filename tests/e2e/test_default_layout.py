"""At the default 1500×900 window the watchlist shows rows to trade from, not two rows above the ticket."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QTableView

from tests.e2e.window_helpers import open_window, until, write_paper_settings


async def test_the_watchlist_shows_at_least_six_rows_beside_the_ticket_and_the_left_tabs(tmp_path: Path) -> None:
    write_paper_settings(tmp_path)
    async with open_window(tmp_path) as window:
        view = window.findChild(QTableView, "watchlistView")
        await until(lambda: view.model().rowCount() >= 6, "the watchlist's rows")
        rows_shown = view.viewport().height() // max(1, view.rowHeight(0))
        assert rows_shown >= 6, f"the watchlist shows {rows_shown} rows at 1500×900"
